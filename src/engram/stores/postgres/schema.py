"""The ``postgres`` store's schema, as named migrations applied in order, in one transaction.

Every table lives in the store's own PostgreSQL schema (``schema_name``), so several stores
can share one database. Statements are templates: ``{schema}`` is the (validated) schema name,
``{dimension}`` the embedder's dimension, fixed when the store is first opened. Times are
ISO-8601 text in the ``C`` collation, so that they order as the strings they are (and as in
the SQLite store) whatever the database's default collation. The HNSW
index is not a migration: it is a derived index the store builds or drops at open, as its
``hnsw`` option says.
"""

from __future__ import annotations

from typing import Any

from engram.core.timeutil import now_iso

#: (name, statements). Append new migrations; never edit one that has shipped.
MIGRATIONS: list[tuple[str, tuple[str, ...]]] = [
    (
        "0001_initial",
        (
            "CREATE TABLE {schema}.engram_meta (key text PRIMARY KEY, value text NOT NULL)",
            """CREATE TABLE {schema}.memories (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id text NOT NULL UNIQUE,
                text text NOT NULL,
                hash text NOT NULL,
                user_id text,
                agent_id text,
                run_id text,
                actor_id text,
                role text,
                memory_type text,
                metadata jsonb NOT NULL DEFAULT '{{}}',
                created_at text COLLATE "C" NOT NULL,
                updated_at text COLLATE "C" NOT NULL,
                valid_at text COLLATE "C",
                invalid_at text COLLATE "C",
                embedding vector({dimension}) NOT NULL,
                -- The speaker is indexed with the text, as in the SQLite store.
                lexemes tsvector GENERATED ALWAYS AS
                    (to_tsvector('english', text || ' ' || coalesce(actor_id, ''))) STORED
            )""",
            # Partial: a scope is an equality, and most memories lack an agent or a run.
            "CREATE INDEX memories_user ON {schema}.memories (user_id, created_at) "
            "WHERE user_id IS NOT NULL",
            "CREATE INDEX memories_agent ON {schema}.memories (agent_id, created_at) "
            "WHERE agent_id IS NOT NULL",
            "CREATE INDEX memories_run ON {schema}.memories (run_id, created_at) "
            "WHERE run_id IS NOT NULL",
            "CREATE INDEX memories_hash ON {schema}.memories (hash)",
            "CREATE INDEX memories_lexemes ON {schema}.memories USING gin (lexemes)",
            """CREATE TABLE {schema}.history (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id text NOT NULL UNIQUE,
                memory_id text NOT NULL,
                old_memory text,
                new_memory text,
                event text NOT NULL,
                created_at text NOT NULL,
                updated_at text NOT NULL,
                is_deleted boolean NOT NULL DEFAULT false,
                actor_id text,
                role text
            )""",
            "CREATE INDEX history_memory ON {schema}.history (memory_id, seq)",
        ),
    ),
    (
        "0002_expiration_date",
        # mem0 2.x's expiration date (YYYY-MM-DD): expired memories are hidden from search.
        ('ALTER TABLE {schema}.memories ADD COLUMN expiration_date text COLLATE "C"',),
    ),
    (
        "0003_api_keys",
        (
            # The service shells' API keys (engram.core.keys): the SHA-256 digest of each
            # token, never the token. scopes is {field: [values]}.
            """CREATE TABLE {schema}.api_keys (
                id text PRIMARY KEY,
                name text NOT NULL,
                digest text NOT NULL,
                scopes jsonb NOT NULL DEFAULT '{{}}',
                read_only boolean NOT NULL DEFAULT false,
                rate_limit double precision,
                created_at text COLLATE "C" NOT NULL,
                revoked_at text COLLATE "C"
            )""",
        ),
    ),
    (
        "0004_graph",
        (
            # As in the SQLite store: one node per entity of an exact scope (scope: the three
            # ids as one key), the name's vector for matching.
            """CREATE TABLE {schema}.entities (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id text NOT NULL UNIQUE,
                scope text NOT NULL,
                user_id text,
                agent_id text,
                run_id text,
                name text NOT NULL,
                type text NOT NULL,
                embedding vector({dimension}) NOT NULL,
                created_at text COLLATE "C" NOT NULL,
                updated_at text COLLATE "C" NOT NULL,
                UNIQUE (scope, name)
            )""",
            "CREATE INDEX entities_user ON {schema}.entities (user_id, name) "
            "WHERE user_id IS NOT NULL",
            "CREATE INDEX entities_agent ON {schema}.entities (agent_id, name) "
            "WHERE agent_id IS NOT NULL",
            "CREATE INDEX entities_run ON {schema}.entities (run_id, name) "
            "WHERE run_id IS NOT NULL",
            """CREATE TABLE {schema}.relations (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id text NOT NULL UNIQUE,
                scope text NOT NULL,
                user_id text,
                agent_id text,
                run_id text,
                source_id text NOT NULL,
                relationship text NOT NULL,
                destination_id text NOT NULL,
                created_at text COLLATE "C" NOT NULL,
                updated_at text COLLATE "C" NOT NULL,
                valid_at text COLLATE "C",
                invalid_at text COLLATE "C"
            )""",
            # At most one live row per triple: re-asserting one never duplicates it.
            "CREATE UNIQUE INDEX relations_live ON {schema}.relations "
            "(scope, source_id, relationship, destination_id) WHERE invalid_at IS NULL",
            # A neighbourhood reads each entity's newest relations from these (a hub's
            # thousands of them too); the partial ones serve the live graph.
            "CREATE INDEX relations_source ON {schema}.relations (source_id, seq)",
            "CREATE INDEX relations_destination ON {schema}.relations (destination_id, seq)",
            "CREATE INDEX relations_source_live ON {schema}.relations (source_id, seq) "
            "WHERE invalid_at IS NULL",
            "CREATE INDEX relations_destination_live ON {schema}.relations (destination_id, seq) "
            "WHERE invalid_at IS NULL",
            "CREATE INDEX relations_user ON {schema}.relations (user_id) WHERE user_id IS NOT NULL",
            "CREATE INDEX relations_agent ON {schema}.relations (agent_id) "
            "WHERE agent_id IS NOT NULL",
            "CREATE INDEX relations_run ON {schema}.relations (run_id) WHERE run_id IS NOT NULL",
            """CREATE TABLE {schema}.relation_support (
                relation_id text NOT NULL,
                memory_id text NOT NULL,
                PRIMARY KEY (relation_id, memory_id)
            )""",
            "CREATE INDEX relation_support_memory ON {schema}.relation_support (memory_id)",
        ),
    ),
    (
        "0005_listing_indexes",
        # As in the SQLite store: the live memories of a scope by updated_at, and its counts.
        (
            "CREATE INDEX memories_user_live ON {schema}.memories "
            "(user_id, invalid_at, updated_at, created_at) WHERE user_id IS NOT NULL",
            "CREATE INDEX memories_agent_live ON {schema}.memories "
            "(agent_id, invalid_at, updated_at, created_at) WHERE agent_id IS NOT NULL",
            "CREATE INDEX memories_run_live ON {schema}.memories "
            "(run_id, invalid_at, updated_at, created_at) WHERE run_id IS NOT NULL",
        ),
    ),
    (
        "0006_idempotency",
        (
            # add()'s idempotency keys, as in the SQLite store.
            """CREATE TABLE {schema}.idempotency (
                token text PRIMARY KEY,
                fingerprint text NOT NULL,
                changes jsonb NOT NULL,
                created_at text COLLATE "C" NOT NULL
            )""",
            "CREATE INDEX idempotency_created ON {schema}.idempotency (created_at)",
        ),
    ),
]

#: The derived HNSW index (cosine distance), built or dropped at open.
HNSW_INDEX = "memories_embedding_hnsw"


def migrate(cursor: Any, schema: str, dimension: int) -> list[str]:
    """Apply every pending migration inside the caller's transaction; the names applied.

    The caller holds an advisory lock, so concurrent opens apply each migration once.
    """
    cursor.execute("CREATE EXTENSION IF NOT EXISTS vector")
    cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {schema}.engram_migrations "
        "(name text PRIMARY KEY, applied_at text NOT NULL)"
    )
    cursor.execute(f"SELECT name FROM {schema}.engram_migrations")
    done = {row[0] for row in cursor.fetchall()}
    applied = []
    for name, statements in MIGRATIONS:
        if name in done:
            continue
        for statement in statements:
            cursor.execute(statement.format(schema=schema, dimension=dimension))
        cursor.execute(f"INSERT INTO {schema}.engram_migrations VALUES (%s, %s)", (name, now_iso()))
        applied.append(name)
    return applied
