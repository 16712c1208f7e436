"""Whole-store operations over a Memory: export to engram's JSON Lines format, import such a
file (or records read from elsewhere, such as a mem0 store), and counts.

The format is described in ``engram.core.portable``. Both directions stream in pages of
``batch`` rows, so memory use does not grow with the store. An import writes each batch in
one transaction and skips ids already stored before embedding anything, so importing a
file twice adds nothing, and an interrupted import resumes when run again.

    with Memory() as m, open("memories.jsonl", "w") as out:
        for line in export(m, user_id="alice"):
            out.write(line + "\\n")
    with Memory(other_config) as m, open("memories.jsonl", "rb") as lines:
        report = import_lines(m, lines)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from engram import __version__
from engram.base import MemoryBase
from engram.core import bulk
from engram.core.effects import Flow, run_sync
from engram.core.graph.records import EntityRecord, RelationRecord
from engram.core.limits import json_loads
from engram.core.portable import (
    GRAPH_SINCE,
    GRAPH_TYPES,
    VECTOR_ENCODING,
    Tally,
    check_header,
    dumps,
    encode,
    header,
    parse_entity,
    parse_history,
    parse_memory,
    parse_relation,
)
from engram.core.records import HistoryRecord, MemoryRecord
from engram.core.timeutil import now_iso
from engram.embedders.base import Vectors
from engram.exceptions import ConfigurationError, ValidationError
from engram.stores.transfer import Transferable

__all__ = ["ImportReport", "Importer", "counts", "export", "import_lines"]

#: ``progress(label, done, total)``: called after each batch.
Progress = Callable[[str, int, int], None]


def _run(memory: MemoryBase, flow: Flow[Any]) -> Any:
    if not isinstance(memory.store, Transferable):
        raise ConfigurationError(
            f"the {type(memory.store).__name__} store cannot export or import",
            suggestion="use the sqlite or postgres store",
        )
    return run_sync(flow, memory._runtime)


def counts(
    memory: MemoryBase,
    *,
    user_id: str | None = None,
    agent_id: str | None = None,
    run_id: str | None = None,
) -> dict[str, int]:
    """How many memories the store (or the scope of the ids given) holds: ``memories``,
    ``valid`` and ``invalidated``."""
    result: dict[str, int] = run_sync(
        bulk.counts(bulk.export_scope(user_id, agent_id, run_id)), memory._runtime
    )
    return result


def export(
    memory: MemoryBase,
    *,
    user_id: str | None = None,
    agent_id: str | None = None,
    run_id: str | None = None,
    with_vectors: bool = False,
    batch: int = 1000,
    progress: Progress | None = None,
) -> Iterator[str]:
    """The lines of an export (without newlines): header, memories, history, entities,
    relations, end.

    With ids, only the memories of that scope and their history (the history of a memory
    already deleted has no scope, so only a whole-store export carries it), and the graph
    rows of that scope. A store that keeps no graph writes no graph lines.
    """
    where = bulk.export_scope(user_id, agent_id, run_id)
    ids = bulk.graph_scope(user_id, agent_id, run_id)
    total = _run(memory, bulk.counts(where))["memories"] if progress else 0
    scope = {k: v for k, v in (("user_id", user_id), ("agent_id", agent_id), ("run_id", run_id))}
    embedder = (memory.embedder.name, memory.embedder.dimension)
    yield dumps(
        header(
            created_at=now_iso(),
            engram_version=__version__,
            embedder=embedder,
            with_vectors=with_vectors,
            scope={k: v for k, v in scope.items() if v is not None},
        )
    )
    tally = Tally()
    pages: list[tuple[str, Callable[[int], Flow[Any]]]] = [
        ("memories", lambda after: bulk.export_memories(where, after, batch, with_vectors)),
        ("history", lambda after: bulk.export_history(where, after, batch)),
    ]
    if memory.store.supports_graph:
        pages += [
            ("entities", lambda after: bulk.export_entities(ids, after, batch, with_vectors)),
            ("relations", lambda after: bulk.export_relations(ids, after, batch)),
        ]
    for label, page in pages:
        after, done = 0, 0
        while True:
            lines, after = _run(memory, page(after))
            if not lines:
                break
            for line in lines:
                yield encode(line, tally)
            done += len(lines)
            if progress:
                progress(label, done, max(total, done) if label == "memories" else done)
    yield dumps(tally.end_line())


@dataclass
class ImportReport:
    """What an import read and wrote."""

    memories: int = 0
    memories_present: int = 0
    history: int = 0
    history_present: int = 0
    entities: int = 0
    #: Entities already stored (by id, or by name in their scope: relations then use that one).
    entities_present: int = 0
    relations: int = 0
    #: Relations already stored (by id; or a live one whose triple was live: its support
    #: was added to that one).
    relations_present: int = 0
    #: Graph lines not read: those of a store that keeps no graph, or of a version 1 file
    #: (where they were reserved, never written).
    graph_skipped: int = 0
    #: Memories embedded again because the file had no vectors of this store's embedder.
    embedded: int = 0
    #: Entity names embedded again, likewise.
    entities_embedded: int = 0
    #: Counts and checksum of the data lines read.
    tally: Tally = field(default_factory=Tally)
    #: The file's end line, or None when it had none (a file cut short).
    end: dict[str, Any] | None = None

    @property
    def verified(self) -> bool:
        """The file had its end line and it matches what was read."""
        return self.end is not None and self.tally.matches(self.end)


class Importer:
    """Feeds records into a Memory's store in batches: memories and history rows in one
    transaction, then graph rows in another (a relation's memories and endpoints are
    written before it, or in the same transaction)."""

    def __init__(self, memory: MemoryBase, batch: int = 1000) -> None:
        self.memory = memory
        self.batch = batch
        self.report = ImportReport()
        self._memories: list[tuple[MemoryRecord, Vectors | None]] = []
        self._history: list[HistoryRecord] = []
        self._entities: list[tuple[EntityRecord, Vectors | None]] = []
        self._relations: list[RelationRecord] = []

    def _queued(self) -> int:
        return len(self._memories) + len(self._history) + len(self._entities) + len(self._relations)

    def add_memory(self, record: MemoryRecord, vector: Vectors | None = None) -> None:
        """Queue a memory (with its vector, or None to embed it)."""
        self._memories.append((record, vector))
        self._flush_when_full()

    def add_history(self, record: HistoryRecord) -> None:
        """Queue a history row."""
        self._history.append(record)
        self._flush_when_full()

    def add_entity(self, record: EntityRecord, vector: Vectors | None = None) -> None:
        """Queue an entity (with its name vector, or None to embed its name)."""
        self._entities.append((record, vector))
        self._flush_when_full()

    def add_relation(self, record: RelationRecord) -> None:
        """Queue a relation."""
        self._relations.append(record)
        self._flush_when_full()

    def _flush_when_full(self) -> None:
        if self._queued() >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Write what is queued: memories and history in one transaction, the graph in the
        next."""
        report = self.report
        dimension = self.memory.embedder.dimension
        if self._memories or self._history:
            done: bulk.Imported = _run(
                self.memory, bulk.import_batch(self._memories, self._history, dimension)
            )
            report.memories += done.memories
            report.memories_present += done.memories_present
            report.history += done.history
            report.history_present += done.history_present
            report.embedded += done.embedded
            self._memories, self._history = [], []
        if self._entities or self._relations:
            graph: bulk.ImportedGraph = _run(
                self.memory, bulk.import_graph_batch(self._entities, self._relations, dimension)
            )
            report.entities += graph.entities
            report.entities_present += graph.entities_present
            report.relations += graph.relations
            report.relations_present += graph.relations_present
            report.entities_embedded += graph.embedded
            self._entities, self._relations = [], []


def import_lines(
    memory: MemoryBase,
    lines: Iterable[bytes | str],
    *,
    batch: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import an export's lines into ``memory``'s store; ``progress(bytes_read)`` per batch.

    Vectors in the file are used when they come from this store's embedder; otherwise each
    memory (and each entity's name) is embedded as ``add`` would. Graph lines are imported
    into a store that keeps the graph, whether or not this Memory has graph memory on (the
    graph is then there when it is turned on); a version 1 file's graph lines are skipped.
    Rows are validated as they are read; a bad line stops the import with a ValidationError
    naming it (what came before it is kept).

    Raises:
        ValidationError: not an engram export, a newer format version, or a bad line.
    """
    importer = Importer(memory, batch)
    report = importer.report
    head: dict[str, Any] | None = None
    vectors_usable = False
    graph = False
    read = 0
    for number, raw in enumerate(lines, start=1):
        read += len(raw)
        where = f"line {number}"
        if not raw.strip():
            continue
        try:
            line = json_loads(raw)
        except ValueError as e:
            raise ValidationError(
                f"{where} is not JSON: {e}", field=where, expected="one JSON object per line"
            ) from e
        if head is None:
            head = check_header(line)
            embedder = head["embedder"]
            vectors_usable = head.get("vectors") == VECTOR_ENCODING and (
                embedder["name"],
                embedder["dimension"],
            ) == (memory.embedder.name, memory.embedder.dimension)
            graph = head["version"] >= GRAPH_SINCE and memory.store.supports_graph
            continue
        if report.end is not None:
            raise ValidationError(
                f"{where} comes after the end line", field=where, expected="nothing after it"
            )
        kind = line.get("type") if isinstance(line, dict) else None
        if kind == "end":
            report.end = line
            continue
        if kind == "memory":
            record, vector = parse_memory(line, where)
            importer.add_memory(record, vector if vectors_usable else None)
        elif kind == "history":
            importer.add_history(parse_history(line, where))
        elif kind in GRAPH_TYPES and not graph:
            report.graph_skipped += 1
        elif kind == "entity":
            entity, vector = parse_entity(line, where)
            importer.add_entity(entity, vector if vectors_usable else None)
        elif kind == "relation":
            importer.add_relation(parse_relation(line, where))
        else:
            raise ValidationError(
                f"{where} has an unknown type {kind!r}",
                field=f"{where}: type",
                value=kind,
                expected="memory, history, entity, relation or end",
            )
        report.tally.add(line)
        if progress and number % batch == 0:
            progress(read)
    importer.flush()
    if progress:
        progress(read)
    if head is None:
        raise ValidationError(
            "the file is empty", field="line 1", expected="an engram export header"
        )
    return report
