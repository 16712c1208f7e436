"""The REST service under load: ``engram serve`` on 100k memories, mixed add / search over HTTP.

Setup: a SQLite store of ``--size`` memories (default 100,000: 100 users of 1,000), with
everyday sentences (``throughput.TextMaker``) and vectors modelled on MiniLM embeddings of
real memories (``scale.memories``), written through ``Store.apply`` so the setup takes seconds,
not the ~10 minutes embedding 100k texts would. Every add and search of the load embeds its
text for real with the server's ONNX model. The server runs as ``engram serve`` in its own
process (``--workers``), with an API key required and checked on every request (as in
production: cached for 5 s).

Load: ``--clients`` (32) keep-alive HTTP/1.1 connections from this process, each request an
``add`` (``POST /v3/memories/add/``, one message, ``infer=false``) or a ``search`` (``POST
/v3/memories/search/``, scoped to one user, top 10), mixed ``--add-share`` (0.5), users
drawn at random. The client is a minimal HTTP/1.1 writer / reader on asyncio streams, so that
it takes little of the CPU the server needs (its CPU time is reported). Three phases:

1. **sequential**: one request at a time: the service time of an add and of a search,
   alternating with the same requests made through ``Memory`` in this process (no HTTP), so
   that both see the same load and their difference is what the service adds.
2. **saturated**: 32 closed-loop clients, each sending its next request as soon as the
   previous answers. Throughput is what the server can do; latency is then mostly queueing:
   with C requests always in flight and throughput X, Little's law gives a mean latency of
   C / X, whatever the service time. 32 clients on 2 cores that serve ~200 requests/s wait
   ~160 ms, by arithmetic.
3. **paced**: an open loop at ``--rate`` requests/s (default half the saturated throughput),
   Poisson arrivals over the same 32 connections, latency measured from each request's
   scheduled time (so a backlog counts: no coordinated omission). This is the latency a
   client sees when the server is not overloaded.

Each phase runs ``--repeat`` times; the figures are medians of the runs. Reported: requests,
errors (any non-200 or broken connection), throughput, p50 / p99 per operation, the
server's CPU (cores busy, and CPU time per request), the load generator's CPU, the load
average, and a calibration: the time to embed one short text in the benchmark's own process
just before the load, which says how much of the cores other work left (on shared cores
every figure moves with it, CPU time per request included: caches and the ONNX thread pool
suffer when many processes take turns).

Run: ``python bench/server.py [--size 100000] [--clients 32] [--duration 20] [--workers 1]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engram import Memory
from engram.core.records import Insert, MemoryRecord, new_id, text_hash
from engram.embedders.onnx import OnnxEmbedder
from engram.stores.sqlite.store import SQLiteStore, SQLiteStoreConfig
from scale import memories
from throughput import TextMaker

PER_USER = 1000
BATCH = 5000
SEED = 20261130


# -- the store --------------------------------------------------------------------------------


def fill(path: Path, size: int) -> list[str]:
    """A store of ``size`` memories at ``path``; the user ids."""
    users = max(1, size // PER_USER)
    embedder = OnnxEmbedder()
    vectors, _ = memories(size, np.random.default_rng(SEED), users=users)
    texts = TextMaker(SEED)
    store = SQLiteStore(SQLiteStoreConfig(path=str(path)))
    store.open(embedder.name, embedder.dimension)
    try:
        for start in range(0, size, BATCH):
            ops = []
            for i in range(start, min(start + BATCH, size)):
                text = texts.statement()
                created = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00.000000+00:00"
                record = MemoryRecord(
                    id=new_id(), text=text, hash=text_hash(text), created_at=created,
                    updated_at=created, user_id=f"user-{i % users}", role="user",
                )  # fmt: skip
                ops.append(Insert(record, vectors[i]))
            store.apply(ops, "2024-12-31T00:00:00.000000+00:00")
    finally:
        store.close()
    return [f"user-{u}" for u in range(users)]


def calibrate() -> tuple[float, float]:
    """Median wall and CPU ms to embed one short text in this process, now: how busy the
    cores are (on a quiet machine of this kind: ~2.3 ms)."""
    embedder = OnnxEmbedder()
    embedder.embed_batch(["warm up"])
    walls, cpus = [], []
    for i in range(30):
        wall, cpu = time.perf_counter(), time.process_time()
        embedder.embed_batch([f"Maya went hiking near Lisbon with friend number {i}."])
        walls.append(1000 * (time.perf_counter() - wall))
        cpus.append(1000 * (time.process_time() - cpu))
    return statistics.median(walls), statistics.median(cpus)


# -- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """``engram serve`` in a subprocess, on the store at ``path``."""

    def __init__(self, path: Path, workers: int, threads: int | None) -> None:
        self.config = path.with_suffix(".json")
        config: dict[str, Any] = {
            "vector_store": {"provider": "sqlite", "config": {"path": str(path)}}
        }
        if threads:
            config["embedder"] = {"provider": "onnx", "config": {"threads": threads}}
        self.config.write_text(json.dumps(config))
        with Memory(config) as m:
            self.token, _ = m.api_keys.create("bench")
        self.port = free_port()
        env = {**os.environ, "ENGRAM_CONFIG": str(self.config)}
        args = ["serve", "--port", str(self.port), "--workers", str(workers), "--log-level",
                "warning"]  # fmt: skip
        self.process = subprocess.Popen(
            [sys.executable, "-m", "engram", *args], env=env, stderr=subprocess.PIPE
        )

    def wait(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if s.recv(64).startswith(b"HTTP/1.1 200"):
                        return
            except OSError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(
                    self.process.stderr.read().decode() if self.process.stderr else ""
                )
            time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def cpu_seconds(self) -> float:
        """CPU time of the server and its workers so far."""
        parent = psutil.Process(self.process.pid)
        total = 0.0
        for p in [parent, *parent.children(recursive=True)]:
            t = p.cpu_times()
            total += t.user + t.system
        return total

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


# -- the load ---------------------------------------------------------------------------------


#: uvicorn closes a keep-alive connection idle for 5 s; reopen ours before that.
IDLE_REOPEN = 3.0


class Connection:
    """One keep-alive HTTP/1.1 connection: send a JSON POST, read the status and body."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.head = f"Host: 127.0.0.1\r\nAuthorization: Token {token}\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.used = 0.0

    async def post(self, path: str, body: bytes) -> int:
        if self.writer is not None and time.perf_counter() - self.used > IDLE_REOPEN:
            await self.close()
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        request = (
            f"POST {path} HTTP/1.1\r\n{self.head}Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        self.used = time.perf_counter()
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()
            self.writer = None


@dataclass
class Tally:
    """What one phase saw."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {"add": [], "search": []})
    errors: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values()) + self.errors


class Load:
    """Requests drawn at random: adds of new statements, searches of questions."""

    def __init__(self, users: list[str], add_share: float, seed: int) -> None:
        self.users = users
        self.add_share = add_share
        self.rng = random.Random(seed)
        self.texts = TextMaker(seed + 1)

    def next(self) -> tuple[str, str, bytes]:
        user = self.rng.choice(self.users)
        if self.rng.random() < self.add_share:
            body = {"messages": self.texts.statement(), "user_id": user, "infer": False}
            return "add", "/v3/memories/add/", json.dumps(body).encode()
        body = {"query": self.texts.question(), "filters": {"user_id": user}, "top_k": 10}
        return "search", "/v3/memories/search/", json.dumps(body).encode()


async def send(conn: Connection, load: Load, tally: Tally, scheduled: float | None) -> None:
    kind, path, body = load.next()
    started = time.perf_counter() if scheduled is None else scheduled
    try:
        status = await conn.post(path, body)
    except (OSError, asyncio.IncompleteReadError, ValueError) as e:
        tally.errors += 1
        tally.failures.append(repr(e))
        await conn.close()
        return
    if status != 200:
        tally.errors += 1
        tally.failures.append(f"HTTP {status}")
    else:
        tally.latencies[kind].append((time.perf_counter() - started) * 1000)


def in_process(memory: Memory, load: Load, seconds: float) -> Tally:
    """The same requests through ``Memory`` in this process: the service time without HTTP."""
    tally = Tally()
    stop = time.perf_counter() + seconds
    while time.perf_counter() < stop:
        kind, _, body = load.next()
        request = json.loads(body)
        started = time.perf_counter()
        if kind == "add":
            memory.add(request["messages"], user_id=request["user_id"], infer=False)
        else:
            user = request["filters"]["user_id"]
            memory.search(request["query"], user_id=user, limit=request["top_k"])
        tally.latencies[kind].append((time.perf_counter() - started) * 1000)
    tally.seconds = seconds
    tally.server_cpu = tally.client_cpu = float("nan")  # no server here
    return tally


async def closed_loop(server: Server, load: Load, clients: int, seconds: float) -> Tally:
    """``clients`` connections, each sending its next request when the previous answers."""
    tally = Tally()
    conns = [Connection(server.port, server.token) for _ in range(clients)]
    stop = time.perf_counter() + seconds

    async def client(conn: Connection) -> None:
        while time.perf_counter() < stop:
            await send(conn, load, tally, None)

    await measure(server, tally, asyncio.gather(*(client(c) for c in conns)))
    for conn in conns:
        await conn.close()
    return tally


async def open_loop(server: Server, load: Load, clients: int, rate: float, seconds: float) -> Tally:
    """Poisson arrivals at ``rate``/s over ``clients`` connections (a request waits for a free
    one); latency from the scheduled time."""
    tally = Tally()
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(clients):
        idle.put_nowait(Connection(server.port, server.token))
    rng = random.Random(SEED)
    pending: set[asyncio.Task[None]] = set()

    async def one(scheduled: float) -> None:
        conn = await idle.get()
        await send(conn, load, tally, scheduled)
        idle.put_nowait(conn)

    async def arrivals() -> None:
        start = time.perf_counter()
        due = start
        while due < start + seconds:
            due += rng.expovariate(rate)
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(one(due))
            pending.add(task)
            task.add_done_callback(pending.discard)
        await asyncio.gather(*list(pending))

    await measure(server, tally, arrivals())
    while not idle.empty():
        await idle.get_nowait().close()
    return tally


async def measure(server: Server, tally: Tally, work: Any) -> None:
    cpu, mine, started = server.cpu_seconds(), time.process_time(), time.perf_counter()
    await work
    tally.seconds = time.perf_counter() - started
    tally.server_cpu = server.cpu_seconds() - cpu
    tally.client_cpu = time.process_time() - mine


# -- report -----------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return float(np.percentile(values, q))


def summary(tallies: list[Tally]) -> dict[str, float]:
    """Medians over the runs of each figure."""
    figures: dict[str, list[float]] = {}
    for t in tallies:
        row = {
            "requests": t.requests,
            "errors": t.errors,
            "throughput": (t.requests - t.errors) / t.seconds,
            "add_p50": pct(t.latencies["add"], 50),
            "add_p99": pct(t.latencies["add"], 99),
            "search_p50": pct(t.latencies["search"], 50),
            "search_p99": pct(t.latencies["search"], 99),
            "server_cores": t.server_cpu / t.seconds,
            "cpu_ms": 1000 * t.server_cpu / max(1, t.requests - t.errors),
            "client_cores": t.client_cpu / t.seconds,
        }
        for k, v in row.items():
            figures.setdefault(k, []).append(float(v))
    return {k: statistics.median(v) for k, v in figures.items()}


def line(name: str, s: dict[str, float]) -> str:
    if s["server_cores"] != s["server_cores"]:  # in process: no server, no client
        return (
            f"| {name} | {s['requests']:,.0f} | {s['errors']:.0f} | {s['throughput']:.0f} | "
            f"{s['search_p50']:.1f} / {s['search_p99']:.1f} | "
            f"{s['add_p50']:.1f} / {s['add_p99']:.1f} | - | - | - |"
        )
    return (
        f"| {name} | {s['requests']:,.0f} | {s['errors']:.0f} | {s['throughput']:.0f} | "
        f"{s['search_p50']:.1f} / {s['search_p99']:.1f} | {s['add_p50']:.1f} / {s['add_p99']:.1f} "
        f"| {s['server_cores']:.2f} | {s['cpu_ms']:.1f} | {s['client_cores']:.2f} |"
    )


async def run(args: argparse.Namespace, server: Server, users: list[str], memory: Memory) -> None:
    print(f"warming up ({args.warmup:.0f} s)...", flush=True)
    await closed_loop(server, Load(users, args.add_share, 1), args.clients, args.warmup)
    in_process(memory, Load(users, args.add_share, 2), 2.0)
    local, sequential, saturated, paced = [], [], [], []
    for r in range(args.repeat):
        load = Load(users, args.add_share, 100 + r)
        local.append(in_process(memory, load, args.duration / 4))
        sequential.append(await closed_loop(server, load, 1, args.duration / 4))
        local.append(in_process(memory, load, args.duration / 4))
        sequential.append(await closed_loop(server, load, 1, args.duration / 4))
        saturated.append(await closed_loop(server, load, args.clients, args.duration))
    rate = args.rate or 0.5 * summary(saturated)["throughput"]
    for r in range(args.repeat):
        load = Load(users, args.add_share, 200 + r)
        paced.append(await open_loop(server, load, args.clients, rate, args.duration))
    print()
    print("| phase | requests | errors | req/s | search p50 / p99 ms | add p50 / p99 ms "
          "| server cores | server CPU ms / request | client cores |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    print(line("in process (Memory, no HTTP; alternating with the next)", summary(local)))
    print(line("sequential (1 in flight)", summary(sequential)))
    print(line(f"saturated ({args.clients} closed-loop clients)", summary(saturated)))
    print(line(f"paced ({rate:.0f} req/s, Poisson, open loop)", summary(paced)))
    failures = [f for t in [*sequential, *saturated, *paced] for f in t.failures]
    if failures:
        print(f"errors: {sorted(set(failures))[:5]}")
    s = summary(saturated)
    print()
    print(f"Little's law for the saturated phase: {args.clients} in flight / "
          f"{s['throughput']:.0f} req/s = {1000 * args.clients / s['throughput']:.0f} ms mean "
          "latency, whatever the service time.")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="memories in the store")
    parser.add_argument("--clients", type=int, default=32, help="concurrent connections")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds before measuring")
    parser.add_argument("--repeat", type=int, default=3, help="runs per phase (medians)")
    parser.add_argument("--rate", type=float, help="paced requests/s (default: half saturated)")
    parser.add_argument("--add-share", type=float, default=0.5, help="share of adds")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--threads", type=int, help="onnxruntime threads per worker (default: all)")
    parser.add_argument("--store", type=Path, help="keep (and reuse) the store here")
    args = parser.parse_args()

    directory = Path(tempfile.mkdtemp(prefix="engram-bench-server-"))
    path = args.store or directory / "bench.db"
    try:
        started = time.perf_counter()
        if path.exists():
            with Memory(
                {"vector_store": {"provider": "sqlite", "config": {"path": str(path)}}}
            ) as m:
                users = [s["id"] for s in m.scopes(limit=100_000) if s["type"] == "user"]
        else:
            users = fill(path, args.size)
        took = time.perf_counter() - started
        print(f"store: {args.size:,} memories, {len(users)} users ({took:.0f} s)")
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; "
              f"server: engram serve --workers {args.workers}, embedder threads "
              f"{args.threads or 'default'}; "
              f"mix: {args.add_share:.0%} add(infer=False), the rest scoped search; "
              f"{args.duration:.0f} s per phase, {args.repeat} runs, medians")  # fmt: skip
        wall, cpu = calibrate()
        print(f"calibration: one short text embedded in {wall:.1f} ms ({cpu:.1f} ms of CPU) "
              "in this process before the load; ~2.3 ms on a quiet machine")  # fmt: skip
        server = Server(path, args.workers, args.threads)
        config = json.loads(server.config.read_text())
        try:
            server.wait()
            with Memory(config) as memory:
                asyncio.run(run(args, server, users, memory))
        finally:
            server.stop()
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
