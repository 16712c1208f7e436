"""Graph store providers: graph memory lives in the store that holds the memories.

``sqlite`` keeps entities and relations in tables of the embedded store's file, ``postgres``
in tables of the PostgreSQL store's schema; either way a memory and the relations it states
commit in one transaction. The provider's options are mem0's (``threshold``,
``custom_prompt``; its block also takes ``llm``) plus ``hops``. mem0's graph databases
(``neo4j``, ``memgraph``, ``kuzu``, ``neptune``, ``apache_age``...) are refused with a
``ConfigurationError`` that says what to use instead (``refuse_mem0_provider``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from engram.exceptions import ConfigurationError
from engram.options import Options

__all__ = ["GraphProvider", "GraphProviderConfig", "PostgresGraph", "SQLiteGraph"]

#: mem0 1.x's graph databases, which engram does not use.
MEM0_PROVIDERS = frozenset(
    {"neo4j", "memgraph", "kuzu", "neptune", "neptunedb", "apache_age", "falkordb"}
)


class GraphProviderConfig(Options):
    """Options of the ``sqlite`` and ``postgres`` graph stores."""

    threshold: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Cosine similarity of entity names at which a new mention matches an "
        "existing entity (mem0's docs put it here too; the block's own key wins).",
    )
    custom_prompt: str | None = Field(
        default=None, description="Extra instructions for relation extraction with an LLM."
    )
    hops: int = Field(
        default=2, ge=1, le=3, description="How far search walks from the entities a query names."
    )


class GraphProvider:
    """A place for the graph: the store kind it lives in."""

    Config = GraphProviderConfig
    #: The ``vector_store`` provider whose store this graph lives in.
    store_provider: ClassVar[str]

    def __init__(self, config: GraphProviderConfig | None = None) -> None:
        self.config = config or GraphProviderConfig()

    def check(self, store: Any) -> None:
        """Raise ConfigurationError unless ``store`` can hold this graph."""
        if not self._holds(store):
            raise ConfigurationError(
                f"the {self.store_provider!r} graph store lives in a {self.store_provider} "
                f"vector store, and this memory's store is {type(store).__name__}",
                missing_field="graph_store.provider",
                suggestion=f'use {{"graph_store": {{"provider": "{_other(self.store_provider)}"'
                "}} with this store, or leave the provider out to match it",
            )

    def _holds(self, store: Any) -> bool:
        raise NotImplementedError


class SQLiteGraph(GraphProvider):
    """Entities and relations in the embedded SQLite store's file."""

    store_provider = "sqlite"

    def _holds(self, store: Any) -> bool:
        from engram.stores.sqlite.store import SQLiteStore

        return isinstance(store, SQLiteStore)


class PostgresGraph(GraphProvider):
    """Entities and relations in the PostgreSQL store's schema."""

    store_provider = "postgres"

    def _holds(self, store: Any) -> bool:
        from engram.stores.postgres.store import PostgresStore

        return isinstance(store, PostgresStore)


def _other(name: str) -> str:
    return "postgres" if name == "sqlite" else "sqlite"


def refuse_mem0_provider(name: str) -> None:
    """Raise a ConfigurationError that explains why ``name`` (a mem0 graph database) is not
    offered, and what is instead."""
    if name not in MEM0_PROVIDERS:
        return
    raise ConfigurationError(
        f"graph_store provider {name!r} is mem0's; engram keeps the graph in the store that "
        "holds the memories, so that a memory and the relations it states commit in one "
        f"transaction, keep time and work offline: {name} would be a second database outside "
        "that transaction",
        missing_field="graph_store.provider",
        suggestion='use {"graph_store": {"provider": "sqlite"}} with the default store, or '
        '"postgres" with the postgres store (or leave "provider" out to match the store)',
        details={"allowed": ["postgres", "sqlite"], "refused": name},
    )
