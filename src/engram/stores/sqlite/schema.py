"""The embedded store's schema, as named migrations applied in order, each in a transaction."""

from __future__ import annotations

import sqlite3

from engram.core.timeutil import now_iso

#: (name, statements). Append new migrations; never edit one that has shipped.
MIGRATIONS: list[tuple[str, tuple[str, ...]]] = [
    (
        "0001_initial",
        (
            """CREATE TABLE engram_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
            """CREATE TABLE memories (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                text TEXT NOT NULL,
                hash TEXT NOT NULL,
                user_id TEXT,
                agent_id TEXT,
                run_id TEXT,
                actor_id TEXT,
                role TEXT,
                memory_type TEXT,
                metadata TEXT NOT NULL DEFAULT '{}',
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                valid_at TEXT,
                invalid_at TEXT,
                scope_tokens TEXT NOT NULL DEFAULT ''
            )""",
            # Vectors apart, so that scans of memories stay small; seq is the memory's seq.
            """CREATE TABLE vectors (
                seq INTEGER PRIMARY KEY,
                embedding BLOB NOT NULL
            )""",
            """CREATE TRIGGER memories_vector_delete AFTER DELETE ON memories BEGIN
                DELETE FROM vectors WHERE seq = old.seq;
            END""",
            "CREATE INDEX memories_user ON memories (user_id, created_at)",
            "CREATE INDEX memories_agent ON memories (agent_id, created_at)",
            "CREATE INDEX memories_run ON memories (run_id, created_at)",
            "CREATE INDEX memories_hash ON memories (hash)",
            # Insertion order within a scope: the neighbours of a memory in its conversation.
            "CREATE INDEX memories_scope ON memories (user_id, agent_id, run_id, seq)",
            # The speaker (actor_id) is indexed with the text: "what did Maya say" matches
            # Maya's memories even when they do not name her. scope_tokens holds one opaque
            # token per user / agent / run id, so a scoped search intersects with its scope
            # inside FTS5 instead of scoring every match of the whole store.
            """CREATE VIRTUAL TABLE memories_fts USING fts5(
                text, actor_id, scope_tokens, content='memories', content_rowid='seq',
                tokenize='porter unicode61'
            )""",
            """CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
                INSERT INTO memories_fts (rowid, text, actor_id, scope_tokens)
                VALUES (new.seq, new.text, new.actor_id, new.scope_tokens);
            END""",
            """CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
                INSERT INTO memories_fts (memories_fts, rowid, text, actor_id, scope_tokens)
                VALUES ('delete', old.seq, old.text, old.actor_id, old.scope_tokens);
            END""",
            """CREATE TRIGGER memories_fts_update AFTER UPDATE OF text, actor_id, scope_tokens
                ON memories BEGIN
                INSERT INTO memories_fts (memories_fts, rowid, text, actor_id, scope_tokens)
                VALUES ('delete', old.seq, old.text, old.actor_id, old.scope_tokens);
                INSERT INTO memories_fts (rowid, text, actor_id, scope_tokens)
                VALUES (new.seq, new.text, new.actor_id, new.scope_tokens);
            END""",
            """CREATE TABLE history (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                memory_id TEXT NOT NULL,
                old_memory TEXT,
                new_memory TEXT,
                event TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                is_deleted INTEGER NOT NULL DEFAULT 0,
                actor_id TEXT,
                role TEXT
            )""",
            "CREATE INDEX history_memory ON history (memory_id, seq)",
        ),
    ),
    (
        "0002_vector_log",
        (
            # Which memories' vectors or scope changed, in commit order, so every process can
            # bring its in-memory vector cache up to date incrementally. Trimmed by the writer.
            """CREATE TABLE vector_log (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                memory_seq INTEGER NOT NULL
            )""",
            """CREATE TRIGGER vector_log_insert AFTER INSERT ON vectors BEGIN
                INSERT INTO vector_log (memory_seq) VALUES (new.seq);
            END""",
            """CREATE TRIGGER vector_log_update AFTER UPDATE ON vectors BEGIN
                INSERT INTO vector_log (memory_seq) VALUES (new.seq);
            END""",
            """CREATE TRIGGER vector_log_delete AFTER DELETE ON memories BEGIN
                INSERT INTO vector_log (memory_seq) VALUES (old.seq);
            END""",
            """CREATE TRIGGER vector_log_scope AFTER UPDATE OF user_id, agent_id, run_id, invalid_at
                ON memories BEGIN
                INSERT INTO vector_log (memory_seq) VALUES (new.seq);
            END""",
        ),
    ),
    (
        "0003_expiration_date",
        (
            # mem0 2.x's expiration date (YYYY-MM-DD): expired memories are hidden from search.
            "ALTER TABLE memories ADD COLUMN expiration_date TEXT",
            # The vector cache holds it too, so a change of it must reach the cache.
            "DROP TRIGGER vector_log_scope",
            """CREATE TRIGGER vector_log_scope AFTER UPDATE OF user_id, agent_id, run_id,
                invalid_at, expiration_date ON memories BEGIN
                INSERT INTO vector_log (memory_seq) VALUES (new.seq);
            END""",
        ),
    ),
    (
        "0004_api_keys",
        (
            # The service shells' API keys (engram.core.keys): the SHA-256 digest of each
            # token, never the token. scopes is a JSON object {field: [values]}.
            """CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                digest TEXT NOT NULL,
                scopes TEXT NOT NULL DEFAULT '{}',
                read_only INTEGER NOT NULL DEFAULT 0,
                rate_limit REAL,
                created_at TEXT NOT NULL,
                revoked_at TEXT
            )""",
        ),
    ),
    (
        "0005_graph",
        (
            # One node per entity of an exact scope (scope: the three ids as one key, so that
            # unset ids take part in the uniqueness).
            """CREATE TABLE entities (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                scope TEXT NOT NULL,
                user_id TEXT,
                agent_id TEXT,
                run_id TEXT,
                name TEXT NOT NULL,
                type TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                UNIQUE (scope, name)
            )""",
            # The name's vector, for matching, apart: reading a neighbourhood's names then
            # touches few pages (seq is the entity's seq).
            """CREATE TABLE entity_vectors (
                seq INTEGER PRIMARY KEY,
                embedding BLOB NOT NULL
            )""",
            """CREATE TRIGGER entities_vector_delete AFTER DELETE ON entities BEGIN
                DELETE FROM entity_vectors WHERE seq = old.seq;
            END""",
            "CREATE INDEX entities_user ON entities (user_id, name)",
            "CREATE INDEX entities_agent ON entities (agent_id, name)",
            "CREATE INDEX entities_run ON entities (run_id, name)",
            """CREATE TABLE relations (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                scope TEXT NOT NULL,
                user_id TEXT,
                agent_id TEXT,
                run_id TEXT,
                source_id TEXT NOT NULL,
                relationship TEXT NOT NULL,
                destination_id TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                valid_at TEXT,
                invalid_at TEXT
            )""",
            # At most one live row per triple: re-asserting one never duplicates it.
            "CREATE UNIQUE INDEX relations_live ON relations "
            "(scope, source_id, relationship, destination_id) WHERE invalid_at IS NULL",
            # A live neighbourhood reads the newest relations of an entity from these alone
            # (each entry holds the row's seq), a hub's thousands of them included.
            "CREATE INDEX relations_source ON relations (source_id, invalid_at)",
            "CREATE INDEX relations_destination ON relations (destination_id, invalid_at)",
            "CREATE INDEX relations_user ON relations (user_id)",
            "CREATE INDEX relations_agent ON relations (agent_id)",
            "CREATE INDEX relations_run ON relations (run_id)",
            # Provenance: the memories that state each relation.
            """CREATE TABLE relation_support (
                relation_id TEXT NOT NULL,
                memory_id TEXT NOT NULL,
                PRIMARY KEY (relation_id, memory_id)
            ) WITHOUT ROWID""",
            "CREATE INDEX relation_support_memory ON relation_support (memory_id)",
        ),
    ),
    (
        "0006_listing_indexes",
        # One index per scope field serves the inspector's listings (POST /browse) and the
        # scope counts (GET /entities): the live memories of a scope by updated_at, its count
        # of live memories, and each id's count, first created_at and last updated_at, all
        # from the index alone (without it, each reads every memory of the scope).
        (
            "CREATE INDEX memories_user_live ON memories "
            "(user_id, invalid_at, updated_at, created_at) WHERE user_id IS NOT NULL",
            "CREATE INDEX memories_agent_live ON memories "
            "(agent_id, invalid_at, updated_at, created_at) WHERE agent_id IS NOT NULL",
            "CREATE INDEX memories_run_live ON memories "
            "(run_id, invalid_at, updated_at, created_at) WHERE run_id IS NOT NULL",
        ),
    ),
    (
        "0007_idempotency",
        (
            # add()'s idempotency keys: the token of a key in its scope, a digest of the
            # request, and the changes it made (JSON), written in the add's transaction.
            """CREATE TABLE idempotency (
                token TEXT PRIMARY KEY,
                fingerprint TEXT NOT NULL,
                changes TEXT NOT NULL,
                created_at TEXT NOT NULL
            )""",
            "CREATE INDEX idempotency_created ON idempotency (created_at)",
        ),
    ),
]


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply every pending migration inside the caller's write transaction; names applied."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS engram_migrations "
        "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in conn.execute("SELECT name FROM engram_migrations")}
    applied = []
    for name, statements in MIGRATIONS:
        if name in done:
            continue
        for statement in statements:
            conn.execute(statement)
        conn.execute("INSERT INTO engram_migrations VALUES (?, ?)", (name, now_iso()))
        applied.append(name)
    return applied
