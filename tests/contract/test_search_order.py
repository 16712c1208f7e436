"""Search gives the same order, and the same scores, on every store and in every run.

The same memories (same ids, texts, speakers, times and vectors) are written to the backend's
store and to a reference SQLite store; ``Memory.search`` runs each query many times on both.
The corpus holds repeated texts (equal evidence, so ties that only the id can break), a
conversation (neighbours) and a list of facts from one speaker (no neighbours).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from engram import Memory
from engram.core.records import Insert, MemoryRecord, text_hash
from engram.embedders.base import Embedder, Vectors
from engram.stores.base import Store
from engram.stores.sqlite.store import SQLiteStore, SQLiteStoreConfig
from tests.contract.backends import Backend

DIMS = 16


class WordHashEmbedder(Embedder):
    """Deterministic vectors: one dimension per hashed word, so texts sharing words are near."""

    name = "contract-words:16"
    dimension = DIMS

    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), DIMS), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().replace(":", " ").split():
                out[row, zlib.crc32(word.strip(".,?!").encode()) % DIMS] += 1.0
        out[:, 0] += 0.1  # no zero vector
        unit: Vectors = out / np.linalg.norm(out, axis=1, keepdims=True)
        return unit


#: (id, text, speaker, role, time): a conversation, repeated texts, a list of facts.
CORPUS = [
    ("00000000-0000-4000-8000-000000000001", "Where did you go hiking?", "Ana", "user", "10:00"),
    ("00000000-0000-4000-8000-000000000002", "We hiked the ridge near Sintra.", "Leo", "user",
     "10:01"),
    ("00000000-0000-4000-8000-000000000003", "Was the ridge steep?", "Ana", "user", "10:02"),
    ("00000000-0000-4000-8000-000000000004", "Very steep, we hiked for hours.", "Leo", "user",
     "10:03"),
] + [
    (f"00000000-0000-4000-8000-0000000001{i:02d}", "We hiked the ridge again.", None, "user",
     "11:00")
    for i in range(8)
] + [
    (f"00000000-0000-4000-8000-0000000002{i:02d}", text, None, "user", "12:00")
    for i, text in enumerate([
        "My passport expires in 2027.", "I hike every Sunday.", "The ridge trail is closed.",
        "I bought new hiking boots.", "Sintra is near Lisbon.",
    ])
]  # fmt: skip
QUERIES = ["hiking on the ridge", "Where did Leo hike?", "ridge", "passport", "steep hours"]


def write(store: Store, embedder: Embedder) -> None:
    vectors = embedder.embed_batch([text for _, text, *_ in CORPUS])
    ops = []
    for (memory_id, text, speaker, role, at), vector in zip(CORPUS, vectors, strict=True):
        when = f"2024-05-01T{at}:00.000000+00:00"
        record = MemoryRecord(
            id=memory_id, text=text, hash=text_hash(text), created_at=when, updated_at=when,
            user_id="u", actor_id=speaker, role=role, valid_at=when,
        )  # fmt: skip
        ops.append(Insert(record, vector))
    store.apply(ops, "2024-05-02T00:00:00.000000+00:00")


def results(memory: Memory, query: str) -> list[tuple[str, float]]:
    hits = memory.search(query, user_id="u", limit=30)["results"]
    return [(hit["id"], hit["score"]) for hit in hits]


@pytest.fixture
def reference(tmp_path: Path) -> Iterator[Memory]:
    """The corpus in a SQLite store of its own."""
    embedder = WordHashEmbedder()
    store = SQLiteStore(SQLiteStoreConfig(path=str(tmp_path / "reference.db")))
    with Memory({}, embedder=embedder, vector_store=store) as memory:
        write(store, embedder)
        yield memory


def test_every_store_gives_the_same_order_and_scores_every_time(
    backend: Backend, reference: Memory
) -> None:
    embedder = WordHashEmbedder()
    store = backend.make()
    with Memory({}, embedder=embedder, vector_store=store) as memory:
        write(store, embedder)
        for query in QUERIES:
            expected = results(reference, query)
            assert len(expected) == len(CORPUS) or query in ("passport", "steep hours")
            for _ in range(10):
                got = results(memory, query)
                assert [i for i, _ in got] == [i for i, _ in expected], query
                # The engines' BM25 differ a little where their tokenizers do (PostgreSQL
                # keeps no stop-words, so its document lengths are shorter): scores agree to
                # a few percent, the order exactly.
                assert [s for _, s in got] == pytest.approx(
                    [s for _, s in expected], rel=0.03, abs=1e-3
                )
        ties = [i for i, s in results(memory, "hiked the ridge again") if i.endswith(tuple(
            f"1{n:02d}" for n in range(8)))]  # fmt: skip
        assert ties == sorted(ties) and len(ties) == 8  # equal evidence: by id
