"""Export / import round trip: ``engram export`` then ``engram import`` of a large store.

    python bench/transfer.py [--memories 100000] [--no-reembed] [--dir DIR]

Builds a SQLite store of ``--memories`` memories (100 per user, with metadata and an ADD
history row each; synthetic 384-d unit vectors written through ``Store.apply``, as
bench/scale.py does, so building takes seconds), then times, each as a fresh process with
its peak RSS:

1. ``engram export --with-vectors`` and ``engram import`` of that file into an empty store
   (the vectors are reused: the I/O path alone);
2. ``engram export`` (no vectors) and ``engram import`` into another empty store, which
   embeds every memory again with the ONNX model, as after a change of embedder (skipped
   with ``--no-reembed``);
3. ``engram export`` of each target, whose checksum must equal the source's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RUN = (
    "import resource, sys; from engram.cli import main; status = main(sys.argv[1:]); "
    "print('maxrss', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); "
    "sys.exit(status)"
)
WORDS = "coffee tea lisbon porto nurse climbing guitar sister dog book garden travel".split()


def build(path: Path, memories: int) -> None:
    """``memories`` memories of 100 per user through the store's own write path."""
    from engram.core.records import Insert, MemoryRecord, new_id, text_hash
    from engram.core.timeutil import now_iso
    from engram.stores.sqlite.store import SQLiteStore, SQLiteStoreConfig

    store = SQLiteStore(SQLiteStoreConfig(path=str(path)))
    store.open("onnx:all-MiniLM-L6-v2", 384)
    rng = np.random.default_rng(1)
    now = now_iso()
    for start in range(0, memories, 5000):
        vectors = rng.standard_normal((min(5000, memories - start), 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        ops = []
        for offset, vector in enumerate(vectors):
            i = start + offset
            text = f"note {i}: user {i // 100} likes {WORDS[i % 12]} and {WORDS[(i * 7) % 12]}"
            record = MemoryRecord(
                id=new_id(), text=text, hash=text_hash(text), created_at=now, updated_at=now,
                user_id=f"u{i // 100}", metadata={"i": i, "topic": WORDS[i % 12]}, valid_at=now,
            )  # fmt: skip
            ops.append(Insert(record, vector))
        store.apply(ops, now)
    store.close()


def step(*argv: str) -> tuple[float, int, str, str]:
    """Run one engram command in a fresh process: (seconds, peak RSS MiB, stdout, stderr)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", RUN, *argv], capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"engram {' '.join(argv)} failed: {done.stderr[-2000:]}")
    rss = int(done.stderr.rsplit("maxrss", 1)[1].split()[0]) // 1024
    return took, rss, done.stdout, done.stderr


def checksum(export_file: Path) -> str:
    with export_file.open("rb") as f:
        f.seek(max(export_file.stat().st_size - 4096, 0))
        last = f.read().splitlines()[-1]
    value: str = json.loads(last)["checksum"]
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memories", type=int, default=100_000)
    parser.add_argument("--no-reembed", action="store_true")
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="engram-transfer-"))
    work.mkdir(parents=True, exist_ok=True)
    source = work / "source.db"
    if not source.exists():
        started = time.perf_counter()
        build(source, args.memories)
        print(f"built {args.memories} memories in {time.perf_counter() - started:.0f} s")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; files in {work}")
    cases = [("with vectors", ["--with-vectors"])]
    if not args.no_reembed:
        cases.append(("re-embedded", []))
    for name, flags in cases:
        exported = work / f"export-{len(flags)}.jsonl"
        target = work / f"target-{len(flags)}.db"
        target.unlink(missing_ok=True)
        took, rss, _, err = step("export", "--store", str(source), "-o", str(exported), *flags)
        size = exported.stat().st_size / 2**20
        print(f"{name}: export {took:.1f} s, peak RSS {rss} MiB, {size:.0f} MiB file; "
              f"{err.splitlines()[0]}")  # fmt: skip
        took, rss, out, _ = step("import", str(exported), "--store", str(target))
        print(f"{name}: import {took:.1f} s ({args.memories / took:,.0f} memories/s), "
              f"peak RSS {rss} MiB; {out.strip()}")  # fmt: skip
        again = work / f"again-{len(flags)}.jsonl"
        step("export", "--store", str(target), "-o", str(again))
        same = checksum(again) == checksum(exported)
        print(f"{name}: checksum of the imported store {'equals' if same else 'DIFFERS FROM'} "
              f"the source's ({checksum(exported)[:23]}...)")  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
