"""``engram export`` and ``engram import`` (an export file, or a mem0 store with --from-mem0).

The file format is engram's JSON Lines export (``engram.core.portable``, versioned). Progress
goes to stderr, and only when stderr is a terminal; the summary (count and checksum) always
goes to stderr, so that ``engram export > memories.jsonl`` writes nothing else to the file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, BinaryIO

from engram.cli.common import (
    CHECK_FAILED,
    OK,
    USAGE,
    open_memory,
    print_json,
    scope_of,
    scope_options,
    store_options,
)


def register(commands: Any) -> None:
    """Add ``export`` and ``import`` to the ``engram`` parser."""
    parent = store_options()
    export = commands.add_parser(
        "export",
        parents=[parent],
        help="write memories, their history and times, and the graph as JSON Lines",
        description="Write the store (or a scope) to stdout or --output as engram's JSON Lines "
        "export: a header, every memory, every history row, every entity and relation of "
        "graph memory, and an end line with the counts and a checksum.",
    )
    scope_options(export)
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    export.add_argument(
        "--with-vectors",
        action="store_true",
        help="include each memory's and entity's vector (else an import embeds the text again)",
    )
    export.add_argument("--batch", type=int, default=1000, help="rows per read (default 1000)")
    export.set_defaults(run=_export)

    load = commands.add_parser(
        "import",
        parents=[parent],
        help="import an export file, or a mem0 store with --from-mem0",
        description="Import a file written by `engram export` (- for stdin). Rows whose ids "
        "are already stored are skipped, so importing twice adds nothing and an interrupted "
        "import resumes when run again.",
    )
    load.add_argument("file", nargs="?", help="the export file (- for stdin)")
    load.add_argument(
        "--from-mem0",
        metavar="SPEC",
        nargs="?",
        const="/tmp/qdrant",
        help="read a mem0 store instead: its local Qdrant path (default /tmp/qdrant), a "
        "postgresql:// URL of its pgvector database, or its config as a .json file",
    )
    load.add_argument("--collection", help="mem0's collection_name (default mem0)")
    load.add_argument(
        "--history", metavar="FILE", help="mem0's history_db_path (default ~/.mem0/history.db)"
    )
    load.add_argument("--no-history", action="store_true", help="do not import mem0's history")
    load.add_argument("--batch", type=int, default=1000, help="rows per transaction")
    load.set_defaults(run=_import)


def _progress_stream() -> Any:
    return sys.stderr if sys.stderr.isatty() else None


def _export(args: argparse.Namespace) -> int:
    from engram.bulk import export
    from engram.cli.progress import ProgressBar

    stream = _progress_stream()
    bar = ProgressBar(stream) if stream else None
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    last = ""
    try:
        with open_memory(args) as m:
            for line in export(m, **scope_of(args), with_vectors=args.with_vectors,
                               batch=args.batch, progress=bar):  # fmt: skip
                out.write(line + "\n")
                last = line
        out.flush()
    finally:
        if bar:
            bar.close()
        if args.output:
            out.close()
    end = json.loads(last)
    summary = {k: v for k, v in end.items() if k != "type"}
    if args.json:
        print_json(summary, sys.stderr)
    else:
        graph = (f", {end['entities']} entities and {end['relations']} relations"
                 if end["entities"] or end["relations"] else "")  # fmt: skip
        print(f"exported {end['memories']} memories and {end['history']} history rows{graph}; "
              f"checksum {end['checksum']}", file=sys.stderr)  # fmt: skip
    return OK


def _import(args: argparse.Namespace) -> int:
    if (args.file is None) == (args.from_mem0 is None):
        print("engram: error: give an export file, or --from-mem0 (not both)", file=sys.stderr)
        return USAGE
    if args.from_mem0 is not None:
        return _import_mem0(args)
    from engram.bulk import import_lines
    from engram.cli.progress import ProgressBar

    stream = _progress_stream()
    bar = ProgressBar(stream) if stream else None
    source: BinaryIO = sys.stdin.buffer if args.file == "-" else _open(args.file)
    size = Path(args.file).stat().st_size if args.file != "-" else 0

    def progress(read: int) -> None:
        if bar:
            bar("MB read", read >> 20, max(size, read) >> 20)

    try:
        with open_memory(args) as m:
            report = import_lines(m, source, batch=args.batch, progress=progress)
    finally:
        if bar:
            bar.close()
        if source is not sys.stdin.buffer:
            source.close()
    summary: dict[str, Any] = {
        "memories": report.memories,
        "memories_present": report.memories_present,
        "history": report.history,
        "history_present": report.history_present,
        "embedded": report.embedded,
        "entities": report.entities,
        "entities_present": report.entities_present,
        "entities_embedded": report.entities_embedded,
        "relations": report.relations,
        "relations_present": report.relations_present,
        "graph_skipped": report.graph_skipped,
        "read": report.tally.totals(),
        "checksum": report.tally.checksum,
        "verified": report.verified,
    }
    if args.json:
        print_json(summary)
    else:
        _say(summary)
        if report.end is None:
            print("engram: error: the file has no end line: it was cut short (what it held "
                  "was imported)", file=sys.stderr)  # fmt: skip
        elif not report.verified:
            print(f"engram: error: the file's end line says {_totals(report.end)} and "
                  f"{report.end.get('checksum')}: the file was changed or damaged",
                  file=sys.stderr)  # fmt: skip
    return OK if report.verified else CHECK_FAILED


def _open(path: str) -> BinaryIO:
    from engram.exceptions import ValidationError

    try:
        return open(path, "rb")
    except OSError as e:
        raise ValidationError(
            f"cannot read {path}: {e.strerror}", field="file", expected="a readable export file"
        ) from e


def _import_mem0(args: argparse.Namespace) -> int:
    from engram import bulk, from_mem0
    from engram.cli.progress import ProgressBar
    from engram.core.portable import history_line, memory_line

    spec = from_mem0.source(args.from_mem0, collection=args.collection, history=args.history)
    history = None if args.no_history else (spec.history or from_mem0.default_history_path())
    stream = _progress_stream()
    bar = ProgressBar(stream) if stream else None
    try:
        with open_memory(args) as m:
            importer = bulk.Importer(m, args.batch)
            tally = importer.report.tally
            for count, (point_id, payload) in enumerate(spec.points(), start=1):
                record = from_mem0.memory_record(point_id, payload)
                tally.add(memory_line(record))
                importer.add_memory(record)
                if bar and count % args.batch == 0:
                    bar("memories", count, count)
            if history is not None:
                for row in from_mem0.history_records(history):
                    tally.add(history_line(row))
                    importer.add_history(row)
            importer.flush()
    finally:
        if bar:
            bar.close()
    report = importer.report
    summary = {
        "memories": report.memories,
        "memories_present": report.memories_present,
        "history": report.history,
        "history_present": report.history_present,
        "embedded": report.embedded,
        "read": tally.totals(),
        "checksum": tally.checksum,
        "source": {"kind": spec.kind, "collection": spec.collection,
                   "history": str(history) if history else None},
    }  # fmt: skip
    if args.json:
        print_json(summary)
    else:
        _say(summary)
    return OK


def _say(summary: dict[str, Any]) -> None:
    print(
        f"imported {summary['memories']} memories ({summary['memories_present']} already "
        f"present, {summary['embedded']} embedded) and {summary['history']} history rows "
        f"({summary['history_present']} already present); read {_totals(summary['read'])}, "
        f"checksum {summary['checksum']}"
        + (" (matches the file's)" if summary.get("verified") else "")
    )
    graph = ("entities", "entities_present", "relations", "relations_present")
    if any(summary.get(key) for key in graph):
        print(
            f"imported {summary['entities']} entities ({summary['entities_present']} already "
            f"present, {summary['entities_embedded']} embedded) and {summary['relations']} "
            f"relations ({summary['relations_present']} already present)"
        )
    if summary.get("graph_skipped"):
        print(f"skipped {summary['graph_skipped']} graph lines: this store keeps no graph, or "
              "the file's format version (1) reserved them")  # fmt: skip


def _totals(counts: dict[str, Any]) -> str:
    return ", ".join(
        f"{counts.get(k, 0)} {k}" for k in ("memories", "history", "entities", "relations")
        if counts.get(k)
    ) or "nothing"  # fmt: skip
