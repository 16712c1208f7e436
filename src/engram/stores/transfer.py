"""Bulk export and import of a store's rows, for ``engram migrate``, ``export`` and ``import``.

A store that implements ``Transferable`` can be copied to or from another: memories with
their vectors, every history row (those of deleted memories too), and the graph (entities
with their name vectors, relations with their support), read in commit order
(an opaque integer cursor per table) and written verbatim, in one transaction per batch,
skipping ids already there, so an interrupted copy can simply be run again.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

from engram.core.filters import FilterNode
from engram.core.graph.records import EntityRecord, RelationRecord
from engram.core.records import HistoryRecord, MemoryRecord
from engram.embedders.base import Vectors
from engram.stores.base import GraphScope

__all__ = ["EntityRow", "MemoryRow", "Transferable"]

MemoryRow = tuple[MemoryRecord, Vectors]
EntityRow = tuple[EntityRecord, Vectors]


@runtime_checkable
class Transferable(Protocol):
    """What ``engram migrate`` needs from a store besides the ``Store`` interface."""

    def stored_embedder(self) -> tuple[str, int, str | None] | None:
        """The embedder's name, dimension and weights (their SHA-256, None when not recorded)
        the store was made with (None: a new store).

        Works before ``open``, which needs them.
        """

    def export_memories(
        self, after: int, limit: int, where: FilterNode | None = None
    ) -> tuple[list[MemoryRow], int]:
        """Up to ``limit`` memories (matching ``where``) after cursor ``after`` (0: the start),
        and the next cursor."""

    def export_history(
        self, after: int, limit: int, where: FilterNode | None = None
    ) -> tuple[list[HistoryRecord], int]:
        """Up to ``limit`` history rows after cursor ``after``, oldest first; the next cursor.
        With ``where``, only the rows of stored memories that match it."""

    def known_ids(self, memory_ids: Sequence[str]) -> set[str]:
        """Which of these memory ids the store holds (an import skips them before embedding)."""

    def bulk_load(self) -> AbstractContextManager[None]:
        """A context in which many ``import_rows`` calls run fast (indexes that every insert
        would update are rebuilt once at the end); a store may make it a no-op."""

    def import_rows(
        self, memories: Sequence[MemoryRow], history: Sequence[HistoryRecord]
    ) -> tuple[int, int]:
        """Write rows verbatim in one transaction, skipping ids present; how many were new."""

    def export_entities(
        self, after: int, limit: int, scope: GraphScope | None = None
    ) -> tuple[list[EntityRow], int]:
        """Up to ``limit`` entities (with name vectors) after cursor ``after``; the next cursor.
        With ``scope`` (ids that must match, as the graph's reads take them), only its rows."""

    def export_relations(
        self, after: int, limit: int, scope: GraphScope | None = None
    ) -> tuple[list[RelationRecord], int]:
        """Up to ``limit`` relations (with their support) after ``after``; the next cursor.
        With ``scope``, only its rows."""

    def known_entities(self, entity_ids: Sequence[str]) -> set[str]:
        """Which of these entity ids the store holds (an import skips them before embedding)."""

    def import_graph(
        self, entities: Sequence[EntityRow], relations: Sequence[RelationRecord]
    ) -> tuple[int, int]:
        """Write graph rows verbatim in one transaction; how many were new (entities,
        relations).

        Rows whose id is present are skipped, and so is an entity whose name its scope already
        holds (under another id). A relation's endpoints are its entity ids when the store
        holds them, else the entities of its scope with its endpoint names (a relation with
        neither is skipped); a live relation whose triple is already live under another id
        adds its support to that one instead of a second row."""
