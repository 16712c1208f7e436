"""Write a store with mem0 itself (the ``mem0ai`` package), offline; run as a subprocess.

``python -m tests.mem0_writer OUT.json qdrant PATH HISTORY COLLECTION`` (or ``pgvector DSN``)
adds memories with ``infer=False`` (no LLM; OPENAI_API_KEY may be a dummy), updates and
deletes some, and writes to OUT.json what mem0 itself then shows: every memory (``get_all``
per scope) and every history. mem0 needs an embedder: this one hashes words into 32
dimensions, so nothing is downloaded (engram embeds again on import anyway). A subprocess
keeps mem0's import-time side effects (its telemetry switch, its ``~/.mem0`` directory) away
from the test process.
"""

from __future__ import annotations

import json
import sys
import zlib
from typing import Any, Literal

from mem0 import Memory
from mem0.embeddings.base import EmbeddingBase

DIMS = 32


class HashedWords(EmbeddingBase):  # type: ignore[misc]
    """A local embedder: one dimension per hashed word, normalised."""

    def embed(
        self, text: Any, memory_action: Literal["add", "search", "update"] | None = None
    ) -> list[float]:
        vector = [0.0] * DIMS
        for word in str(text).lower().split():
            vector[zlib.crc32(word.encode()) % DIMS] += 1.0
        norm = sum(v * v for v in vector) ** 0.5 or 1.0
        return [v / norm for v in vector]


def main(out: str, kind: str, location: str, history: str, collection: str) -> None:
    if kind == "qdrant":
        store = {"provider": "qdrant", "config": {"path": location, "embedding_model_dims": DIMS,
                 "collection_name": collection}}  # fmt: skip
    else:
        options = {"connection_string": location, "embedding_model_dims": DIMS, "hnsw": False}
        store = {"provider": "pgvector", "config": {**options, "collection_name": collection}}
    m = Memory.from_config({
        "vector_store": store,
        "embedder": {"provider": "openai", "config": {"embedding_dims": DIMS}},
        "history_db_path": history,
    })  # fmt: skip
    m.embedding_model = HashedWords()  # mem0's config names only its built-in providers
    ids = []
    for i in range(12):
        scope = {"user_id": f"user{i % 3}"} if i % 4 else {"agent_id": "helper", "run_id": "r1"}
        added = m.add(
            [{"role": "user", "content": f"fact number {i}: I like item {i}", "name": "Ana"}],
            infer=False,
            metadata={"topic": "likes", "n": i, "tags": ["a", str(i)]},
            **scope,
        )
        ids.append(added["results"][0]["id"])
    m.update(ids[1], "fact number 1 changed: I like item one hundred")
    m.delete(ids[2])
    scopes = [{"user_id": f"user{u}"} for u in range(3)] + [{"agent_id": "helper"}]
    shown = {
        "memories": [r for s in scopes for r in m.get_all(filters=s, top_k=100)["results"]],
        "history": {i: m.history(i) for i in ids},
        "deleted": ids[2],
    }
    with open(out, "w") as f:
        json.dump(shown, f, default=str)
    m.vector_store.client.close() if kind == "qdrant" else None


if __name__ == "__main__":
    main(*sys.argv[1:6])
