"""The embedder interface: one abstract method, ``embed_batch``, and a shared LRU cache.

Providers implement ``embed_batch`` (a list of texts in, an ``(n, dimension)`` float32 array of
unit-length rows out) and declare ``name`` and ``dimension`` (and ``weights``, the SHA-256 of the
model's weights, when they know it). The store records them, so a store is never searched with
vectors from a different model, nor from changed weights of the same one.

Memories are embedded with ``embed_batch``; search queries with ``embed_queries``, which by
default is the same. Asymmetric models, trained with one prompt for queries and another for
documents (e5's "query: " / "passage: ", EmbeddingGemma's task prompts), override
``embed_queries``; engram's own providers take ``query_prompt`` and ``document_prompt``
options. A third-party embedder that implements only ``embed_batch`` keeps working as before.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(ABC):
    """Turns texts into unit-length float32 vectors."""

    #: Stable identifier of the model, recorded by the store (e.g. ``onnx:all-MiniLM-L6-v2``).
    name: str
    #: Length of every vector this embedder returns.
    dimension: int
    #: SHA-256 (hex) of the model's weights when the embedder runs a known file, else None.
    weights: str | None = None

    @abstractmethod
    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        """Embed memories; row ``i`` of the result is the unit vector of ``texts[i]``."""

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Embed search queries; by default exactly as memories (``embed_batch``)."""
        return self.embed_batch(texts)

    def embed(self, text: str) -> Vectors:
        """Embed one text (a memory) into a ``(dimension,)`` vector."""
        vector: Vectors = self.embed_batch([text])[0]
        return vector

    def embed_query(self, text: str) -> Vectors:
        """Embed one search query into a ``(dimension,)`` vector."""
        vector: Vectors = self.embed_queries([text])[0]
        return vector

    def preload(self) -> None:
        """Start loading the model in a background thread, so that the first ``embed_batch``
        waits less (a command that opens its store meanwhile). By default, nothing to load."""
        return None

    def preload_queries(self) -> None:
        """``preload`` what ``embed_queries`` needs (a command that only searches); by
        default, the same as ``preload``."""
        self.preload()


def with_prompt(texts: Sequence[str], prompt: str | None) -> list[str]:
    """``texts``, each prefixed by ``prompt`` when there is one (e5's ``"query: "``)."""
    return [prompt + text for text in texts] if prompt else list(texts)


def prompted_name(name: str, document_prompt: str | None) -> str:
    """The embedder's name, marked with its document prompt, which changes stored vectors: a
    store made with one prompt is not searched with vectors made with another."""
    return f"{name}|document_prompt={document_prompt!r}" if document_prompt else name


#: Characters of a query or document prompt (a prefix of a few words; it is part of the
#: embedder's name, which a store records).
MAX_PROMPT_CHARS = 1_000
PROMPT_HELP = (
    "Text put before every query (query_prompt) or memory (document_prompt), for models "
    'trained with such prompts (e5: "query: " and "passage: "). The document prompt is part '
    "of the embedder's name, which a store records."
)


class CachedEmbedder(Embedder):
    """Wraps an embedder with a thread-safe LRU cache keyed by the exact text."""

    def __init__(self, inner: Embedder, max_entries: int = 4096) -> None:
        if max_entries < 0:
            raise ValueError(f"max_entries must be >= 0, got {max_entries}")
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.weights = inner.weights
        self.max_entries = max_entries
        self._cache: OrderedDict[tuple[bool, str], Vectors] = OrderedDict()
        self._lock = threading.Lock()

    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        """Embed memories, computing only those not already cached."""
        return self._cached(texts, query=False)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Embed queries, computing only those not already cached (apart from memories)."""
        return self._cached(texts, query=True)

    def _cached(self, texts: Sequence[str], query: bool) -> Vectors:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._lock:
            for i, text in enumerate(texts):
                hit = self._cache.get((query, text))
                if hit is None:
                    missing.setdefault(text, []).append(i)
                else:
                    self._cache.move_to_end((query, text))
                    out[i] = hit
        if missing:
            todo = list(missing)
            fresh = self.inner.embed_queries(todo) if query else self.inner.embed_batch(todo)
            with self._lock:
                for text, vector in zip(todo, fresh, strict=True):
                    out[missing[text]] = vector
                    if self.max_entries > 0:
                        self._cache[(query, text)] = vector.copy()
                        self._cache.move_to_end((query, text))
                while len(self._cache) > self.max_entries:
                    self._cache.popitem(last=False)
        return out

    def preload(self) -> None:
        """Start loading the wrapped model in the background."""
        self.inner.preload()

    def preload_queries(self) -> None:
        """Start loading what the wrapped model embeds queries with, in the background."""
        self.inner.preload_queries()

    def clear(self) -> None:
        """Forget every cached vector."""
        with self._lock:
            self._cache.clear()

    def cache_size(self) -> int:
        """How many texts are cached."""
        with self._lock:
            return len(self._cache)
