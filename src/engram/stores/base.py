"""The store interface: the source of truth for memories, their vectors and their history.

A store applies a batch of write operations in ONE transaction (all or nothing), answers
filtered reads, and does exact or approximate vector search within a filter. Filters arrive
as the core's AST (``engram.core.filters``); a store that cannot evaluate an operator raises
ValidationError rather than returning a silently wrong answer.

A store that keeps the graph (``supports_graph``) also executes ``GraphWrite`` operations in
the same transaction as the memories, and answers the graph reads below.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from engram.core.catalog import ScopeSummary
from engram.core.filters import FilterNode
from engram.core.graph.records import EntityRecord, RelationChange, RelationRecord, ScopeIds
from engram.core.paging import Order
from engram.core.records import Change, HistoryRecord, MemoryRecord, WriteOp
from engram.embedders.base import Vectors
from engram.exceptions import ConfigurationError, StoreError

#: The ``engram_meta`` keys that say which embedder made a store's vectors.
EMBEDDER, DIMENSION, WEIGHTS = "embedder", "dimension", "weights"


def identity_rows(
    stored: dict[str, str], embedder_name: str, dimension: int, weights: str | None
) -> list[tuple[str, str]]:
    """The ``engram_meta`` rows a store opened with this embedder must add: every key for a
    new store; for one made before weights were recorded, the weights (when the embedder
    knows them and is the one the store was made with)."""
    rows = [(EMBEDDER, embedder_name), (DIMENSION, str(dimension))]
    if weights is not None:
        rows.append((WEIGHTS, weights))
    if not stored:
        return rows
    same = (stored.get(EMBEDDER), stored.get(DIMENSION)) == (embedder_name, str(dimension))
    return [(WEIGHTS, weights)] if same and weights and WEIGHTS not in stored else []


def identity_error(
    stored: dict[str, str],
    embedder_name: str,
    dimension: int,
    weights: str | None,
    *,
    where: str,
    elsewhere: str,
) -> ConfigurationError | None:
    """Why a store made by another embedder (or other weights of it) cannot be opened with
    this one, or None: vectors of different models cannot be compared."""
    if not stored:
        return None
    configured = {EMBEDDER: embedder_name, DIMENSION: str(dimension)}
    if (stored[EMBEDDER], stored[DIMENSION]) != (embedder_name, str(dimension)):
        return ConfigurationError(
            f"{where} was created with embedder {stored[EMBEDDER]!r} "
            f"({stored[DIMENSION]} dimensions), not {embedder_name!r} ({dimension})",
            missing_field="embedder",
            config_source=where,
            suggestion=(
                f"configure the embedder {stored[EMBEDDER]!r} again, or use {elsewhere} for "
                "the new embedder and add your memories there (get_all() lists them with "
                "their metadata)"
            ),
            details={"stored": stored, "configured": [embedder_name, dimension]},
        )
    if weights is not None and stored.get(WEIGHTS, weights) != weights:
        configured[WEIGHTS] = weights
        return ConfigurationError(
            f"{where} was created with other weights of {embedder_name!r} (SHA-256 "
            f"{stored[WEIGHTS][:12]}..., the installed ones are {weights[:12]}...): its "
            "vectors cannot be compared with the new ones",
            missing_field="embedder",
            config_source=where,
            suggestion=(
                "install the weights the store was made with (engram pins its model package), "
                f"or use {elsewhere} and add your memories there"
            ),
            details={"stored": stored, "configured": configured},
        )
    return None


@dataclass(frozen=True, slots=True)
class Committed:
    """What ``commit`` did: a change per memory, and one per relation made live or closed."""

    changes: list[Change]
    relations: list[RelationChange] = field(default_factory=list)


#: A graph read's scope: the ids to match (an exact scope names all three, None included).
GraphScope = Mapping[str, str | None]

if TYPE_CHECKING:  # engram.core.keys drives stores through effects, which import this module
    from engram.core.keys import ApiKey


class Store(ABC):
    """Where memories live. Implementations must be safe to call from many threads."""

    #: Filter operators this store evaluates.
    supported_operators: frozenset[str]

    @abstractmethod
    def open(self, embedder_name: str, dimension: int, weights: str | None = None) -> None:
        """Create or migrate the schema and check the store was made with this embedder (and,
        when ``weights`` is given, with these weights: their SHA-256, recorded at first)."""

    #: Whether the store keeps the graph (entities and relations) beside the memories.
    supports_graph: bool = False

    @abstractmethod
    def apply(self, ops: Sequence[WriteOp], now: str) -> list[Change]:
        """Apply ``ops`` and their history rows in one transaction; all or nothing.

        A ``Remember`` op among them makes the batch idempotent (see ``records.Remember``):
        the changes returned are then the batch's as recorded under its token.
        """

    def commit(self, ops: Sequence[WriteOp], now: str) -> Committed:
        """``apply``, also reporting what happened to relations: a store that keeps the graph
        executes ``GraphWrite`` operations here, and deleting a memory withdraws its support
        from the relations it stated (those left unsupported are removed), invalidating one
        closes the relations it alone supported."""
        return Committed(self.apply(ops, now))

    @abstractmethod
    def get(self, memory_id: str) -> MemoryRecord | None:
        """The memory with this id, or None."""

    @abstractmethod
    def list_memories(
        self, where: FilterNode | None, limit: int, order: Order | None = None
    ) -> list[MemoryRecord]:
        """Memories matching ``where``: newest first (ties in insertion order, newest first),
        or in ``order`` (its field, then ``id``, both in its direction)."""

    @abstractmethod
    def search(
        self, vector: Vectors, where: FilterNode | None, limit: int, threshold: float | None
    ) -> list[tuple[MemoryRecord, float]]:
        """The ``limit`` memories matching ``where`` most similar to ``vector``, best first.

        Scores are cosine similarities clipped to [0, 1]; ``threshold`` drops lower ones.
        """

    @abstractmethod
    def keyword_search(
        self, text: str, where: FilterNode | None, limit: int
    ) -> list[tuple[MemoryRecord, float]]:
        """The ``limit`` memories matching ``where`` that best match ``text`` lexically.

        Okapi BM25 with stemming, scores on BM25's own scale (positive, higher is better;
        k1=1.2, b=0.75 as SQLite's FTS5 computes them): search weighs them against
        ``ranking.LEXICAL_HALF``, so a store whose engine ranks differently rescales to it.
        """

    @abstractmethod
    def neighbours(
        self, memory_ids: Sequence[str], where: FilterNode | None
    ) -> dict[str, tuple[MemoryRecord | None, MemoryRecord | None]]:
        """For each id, the memories just before and just after it, in insertion order, among
        those of the same scope (same user, agent and run ids) that match ``where``.

        Unknown ids are left out. Search uses this to let a conversation's adjacent turns
        share relevance.
        """

    @abstractmethod
    def history(self, memory_id: str) -> list[HistoryRecord]:
        """Every history row of the memory, oldest first."""

    def recall(self, token: str) -> tuple[str, Committed] | None:
        """The fingerprint and what was committed under an idempotency token (a ``Remember``
        op of ``apply``), or None. A store that keeps none refuses idempotency keys."""
        raise ConfigurationError(
            f"the {type(self).__name__} store does not keep idempotency keys",
            missing_field="idempotency_key",
            suggestion="add without idempotency_key, or use the sqlite or postgres store",
        )

    @abstractmethod
    def count(self, where: FilterNode | None = None) -> int:
        """How many memories match ``where``."""

    @abstractmethod
    def reset(self) -> None:
        """Erase every memory and history row (the schema stays)."""

    @abstractmethod
    def close(self) -> None:
        """Release connections; the store cannot be used afterwards."""

    def scopes(self, limit: int) -> list[ScopeSummary]:
        """Each user / agent / run id that memories carry, with their count (up to ``limit``
        per field, ordered by id)."""
        raise _lacks(self, "cannot list its scopes")

    # -- API keys of the service shells (see ``engram.core.keys``) ----------------------------
    # Not abstract: a store that keeps no keys still serves Memory; `engram serve` says why.

    def put_key(self, key: ApiKey) -> None:
        """Store a new key (its digest, never its token)."""
        raise _lacks(self, "keeps no API keys")

    def get_key(self, key_id: str) -> ApiKey | None:
        """The key with this id (revoked or not), or None."""
        raise _lacks(self, "keeps no API keys")

    def list_keys(self) -> list[ApiKey]:
        """Every key, revoked ones included, oldest first."""
        raise _lacks(self, "keeps no API keys")

    def revoke_key(self, key_id: str, now: str) -> ApiKey | None:
        """Mark the key revoked at ``now`` (kept if already revoked); the key, or None."""
        raise _lacks(self, "keeps no API keys")

    # -- the graph (stores with ``supports_graph``) ---------------------------------------

    def lookup_entities(self, scope: GraphScope, names: Sequence[str]) -> list[EntityRecord]:
        """Entities of ``scope`` with one of these (normalised) names."""
        raise _no_graph(self)

    def similar_entities(
        self, scope: ScopeIds, vectors: Vectors, threshold: float
    ) -> list[tuple[EntityRecord, float] | None]:
        """For each name vector, the exact scope's most similar entity at ``threshold`` or
        above (cosine), or None."""
        raise _no_graph(self)

    def touching_relations(
        self, entity_ids: Sequence[str], relationships: Sequence[str] | None
    ) -> list[RelationRecord]:
        """Live relations from or to these entities (of these relationships, when given)."""
        raise _no_graph(self)

    def neighbourhood(
        self,
        entity_ids: Sequence[str],
        hops: int,
        as_of: str | None,
        everything: bool,
        limit: int,
    ) -> list[RelationRecord]:
        """Relations within ``hops`` of these entities (``hop`` set), nearest first: the live
        ones, those valid at ``as_of``, or with ``everything`` all of them."""
        raise _no_graph(self)

    def list_entities(self, scope: GraphScope, limit: int) -> list[EntityRecord]:
        """Entities of a scope, newest first."""
        raise _no_graph(self)

    def list_relations(
        self, scope: GraphScope, as_of: str | None, everything: bool, limit: int
    ) -> list[RelationRecord]:
        """Relations of a scope, newest first (live, valid at ``as_of``, or all)."""
        raise _no_graph(self)

    def get_memories(
        self, memory_ids: Sequence[str], where: FilterNode | None
    ) -> list[MemoryRecord]:
        """The memories with these ids that match ``where`` (unknown ids left out)."""
        raise _no_graph(self)

    async def call_async(self, method: str, *args: Any) -> Any:
        """``self.<method>(*args)`` for an event loop (``AsyncMemory``).

        This default runs the blocking method in a worker thread; a store with an async
        driver (PostgreSQL's psycopg async API) overrides it to run on the loop itself.
        """
        import anyio.to_thread  # here: the sync shells never need anyio

        return await anyio.to_thread.run_sync(partial(getattr(self, method), *args))

    async def close_async(self) -> None:
        """``close()`` for an event loop; by default in a worker thread."""
        import anyio.to_thread

        await anyio.to_thread.run_sync(self.close)


def _lacks(store: Store, what: str) -> ConfigurationError:
    return ConfigurationError(
        f"the {type(store).__name__} store {what}",
        missing_field="vector_store",
        suggestion="use the sqlite or postgres store to serve engram with API keys",
    )


def _no_graph(store: Store) -> StoreError:
    return StoreError(
        f"the {type(store).__name__} store keeps no graph",
        suggestion="use the sqlite or postgres store for graph memory",
    )
