"""The memory inspector at 100k memories: first paint, first rows, and paging, in Chromium.

Setup: a SQLite store of ``--size`` memories (default 100,000): half in one user (``heavy``,
the worst case for the memories table), the rest spread over 500 users of 100 each (the
scopes list), everyday sentences (``throughput.TextMaker``) with vectors modelled on MiniLM
embeddings (``scale.memories``), written through ``Store.apply`` (seconds, not the minutes
embedding them would take; nothing here searches by meaning). Each memory has its own
creation time; one in ten was changed later (``updated_at``), one in a hundred is
invalidated, one in four has a ``topic`` in its metadata. ``engram serve`` runs in its own
process (``bench/server.py``'s ``Server``) with an API key required, as in production.

Measured, each ``--runs`` times in a fresh browser context of Debian's Chromium (Playwright
driving the system browser), the key already in the tab (as after typing it once):

- **first paint**: the page's first contentful paint (``performance`` paint timing), for
  ``/ui/#/memories?user_id=heavy``; beside it the **baseline**: the first paint of the same
  server's ``/health`` (a few bytes of JSON drawn as text), what Chromium needs at all for a
  page from this server on this machine at this load;
- **first rows**: until the first page of the heavy user's 50,000 memories is in the table,
  counted (the inspector's ``performance.mark("inspector:memories")``);
- **scopes**: until the scopes view lists the 501 users with their counts.

And over HTTP (medians of ``--runs`` x 5 requests): the scopes with their counts (``GET
/entities``); ``POST /browse``, 50 a page: the first page, with and without the count; a
page 40,000 memories deep (keyset: its cursor, as the table's "Next" sends it); the same
depth through mem0's offset paging (``POST /v3/memories/``, which stops at 10,000); ordered
by ``updated_at``; filtered by a word of the text (``icontains``: a scan of the scope).
Store migrations run when the store is opened: a store filled before ``0004_listing_indexes``
gets those indexes at the first open.

Run: ``python bench/inspector.py [--size 100000] [--runs 5] [--store PATH]`` (needs the dev
extra's Playwright and Chromium: ``apt-get install chromium``, or ``ENGRAM_CHROMIUM``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engram.core.paging import Order, cursor_of
from engram.core.records import Insert, MemoryRecord, new_id, text_hash
from engram.embedders.onnx import OnnxEmbedder
from engram.stores.sqlite.store import SQLiteStore, SQLiteStoreConfig
from scale import memories
from server import Server
from throughput import TextMaker

SEED = 20261130
BATCH = 5000
PAGE = 50
DEEP = 40_000
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium() -> str:
    """The system's Chromium (``ENGRAM_CHROMIUM``, else ``chromium`` on the PATH)."""
    found = os.environ.get("ENGRAM_CHROMIUM") or shutil.which("chromium")
    if not found:
        sys.exit("no Chromium: apt-get install chromium, or set ENGRAM_CHROMIUM")
    return found


def stamp(seconds: int) -> str:
    """An ISO time ``seconds`` after 2024-01-01."""
    base = np.datetime64("2024-01-01T00:00:00", "s") + np.timedelta64(seconds, "s")
    return f"{base}.000000+00:00"


def fill(path: Path, size: int) -> None:
    """The store described in the module docstring."""
    embedder = OnnxEmbedder()
    rng = np.random.default_rng(SEED)
    vectors, _ = memories(size, rng, users=501)
    texts = TextMaker(SEED)
    store = SQLiteStore(SQLiteStoreConfig(path=str(path)))
    store.open(embedder.name, embedder.dimension)
    try:
        for start in range(0, size, BATCH):
            ops = []
            for i in range(start, min(start + BATCH, size)):
                text = texts.statement()
                created = stamp(i * 60)
                user = "heavy" if i % 2 == 0 else f"user-{i % 1000 // 2:03d}"
                record = MemoryRecord(
                    id=new_id(), text=text, hash=text_hash(text), created_at=created,
                    updated_at=stamp(i * 60 + 3600 * (i % 7)) if i % 10 == 0 else created,
                    user_id=user, role="user", valid_at=created,
                    invalid_at=stamp(i * 60 + 86400) if i % 100 == 0 else None,
                    metadata={"topic": ["food", "work", "travel"][i % 3]} if i % 4 == 0 else {},
                )  # fmt: skip
                ops.append(Insert(record, vectors[i]))
            store.apply(ops, stamp(size * 60))
    finally:
        store.close()


def deep_cursor(path: Path) -> str:
    """The cursor "Next" sends for the page ``DEEP`` memories into the heavy user's."""
    embedder = OnnxEmbedder()
    store = SQLiteStore(SQLiteStoreConfig(path=str(path)))
    store.open(embedder.name, embedder.dimension)
    try:
        from engram.core.filters import parse_filters

        where = parse_filters({"user_id": "heavy", "invalid_at": None})
        order = Order()
        record = store.list_memories(where, DEEP, order)[-1]
        return cursor_of(record, order)
    finally:
        store.close()


def post(port: int, token: str, path: str, body: dict[str, Any] | None) -> tuple[float, Any]:
    """Seconds a JSON POST (a GET without a body) took, and its answer."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.loads(response.read())
    return time.perf_counter() - started, answer


def http_figures(server: Server, cursor: str, runs: int) -> dict[str, float]:
    """Median milliseconds of the listing requests the inspector makes (and mem0's offset)."""
    asks: dict[str, tuple[str, dict[str, Any] | None]] = {
        "scopes with counts (GET /entities)": ("/entities", None),
        "browse, first page, with the count": (
            "/browse",
            {"user_id": "heavy", "limit": PAGE, "total": True},
        ),
        "browse, first page": ("/browse", {"user_id": "heavy", "limit": PAGE}),
        f"browse, {DEEP:,} deep (cursor)": (
            "/browse",
            {"user_id": "heavy", "limit": PAGE, "cursor": cursor},
        ),
        "offset paging, 9,950 deep (mem0 /v3/memories/, its limit)": (
            "/v3/memories/?page=200&page_size=50",
            {"user_id": "heavy"},
        ),
        "browse, by updated_at": (
            "/browse",
            {"user_id": "heavy", "limit": PAGE, "order_by": "updated_at"},
        ),
        "browse, text contains 'museum'": (
            "/browse",
            {"user_id": "heavy", "limit": PAGE, "filters": {"memory": {"icontains": "museum"}}},
        ),
    }
    figures = {}
    for name, (path, body) in asks.items():
        post(server.port, server.token, path, body)  # warm
        times = [post(server.port, server.token, path, body)[0] for _ in range(runs * 5)]
        figures[name] = 1000 * statistics.median(times)
    return figures


def mark(page: Any, name: str) -> float:
    """When the performance entry ``name`` happened, in ms since the page started loading.

    (Waits go through selectors and reads through ``evaluate`` of a function: the page's CSP
    forbids the string evaluation ``wait_for_function`` uses.)
    """
    found: float = page.evaluate("(n) => performance.getEntriesByName(n)[0].startTime", name)
    return found


def browser_figures(server: Server, runs: int) -> dict[str, list[float]]:
    """First paint, first rows and scopes, in milliseconds, one value per fresh context."""
    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{server.port}/ui/"
    seen: dict[str, list[float]] = {
        "baseline paint": [],
        "first paint": [],
        "first rows": [],
        "scopes listed": [],
    }
    key = json.dumps(server.token)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        try:
            for _ in range(runs + 1):  # the first run warms the server and the disk cache
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                context.add_init_script(f"sessionStorage.setItem('engram.key', {key})")
                page = context.new_page()
                page.goto(f"http://127.0.0.1:{server.port}/health")  # JSON, drawn as text
                page.wait_for_selector("pre")
                baseline = mark(page, "first-contentful-paint")
                page.goto(f"{base}#/memories?user_id=heavy")
                page.wait_for_selector("table.memories tbody tr")
                paint = mark(page, "first-contentful-paint")
                rows = mark(page, "inspector:memories")
                assert page.locator("table.memories tbody tr").count() == PAGE
                page.goto(f"{base}#/scopes")
                page.reload()
                page.wait_for_selector(".scope-group table tbody tr")
                scopes = mark(page, "inspector:scopes")
                context.close()
                if _ > 0:
                    seen["baseline paint"].append(baseline)
                    seen["first paint"].append(paint)
                    seen["first rows"].append(rows)
                    seen["scopes listed"].append(scopes)
        finally:
            browser.close()
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="memories in the store")
    parser.add_argument("--runs", type=int, default=5, help="fresh page loads measured")
    parser.add_argument("--store", type=Path, help="keep (and reuse) the store here")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="engram-inspector-"))
    path = args.store or workdir / "memories.db"
    if not path.exists():
        started = time.perf_counter()
        fill(path, args.size)
        print(f"store: {args.size:,} memories written in {time.perf_counter() - started:.0f} s")
    cursor = deep_cursor(path)
    server = Server(path, workers=1, threads=None)
    try:
        server.wait()
        load = os.getloadavg()
        print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        for name, values in browser_figures(server, args.runs).items():
            print(
                f"{name:<16} median {statistics.median(values):7.0f} ms "
                f"(min {min(values):.0f}, max {max(values):.0f}, {len(values)} loads)"
            )
        for name, ms in http_figures(server, cursor, args.runs).items():
            print(f"{name:<58} median {ms:7.1f} ms")
        load = os.getloadavg()
        print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    finally:
        server.stop()
        if args.store is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
