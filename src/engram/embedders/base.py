"""The embedder interface: one abstract method, ``embed_batch``, and a shared LRU cache.

Providers implement ``embed_batch`` (a list of texts in, an ``(n, dimension)`` float32 array of
unit-length rows out) and declare ``name`` and ``dimension`` (and ``weights``, the SHA-256 of the
model's weights, when they know it). The store records them, so a store is never searched with
vectors from a different model, nor from changed weights of the same one.
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
        """Embed ``texts``; row ``i`` of the result is the unit vector of ``texts[i]``."""

    def embed(self, text: str) -> Vectors:
        """Embed one text into a ``(dimension,)`` vector."""
        vector: Vectors = self.embed_batch([text])[0]
        return vector

    def preload(self) -> None:
        """Start loading the model in a background thread, so that the first ``embed_batch``
        waits less (a command that opens its store meanwhile). By default, nothing to load."""
        return None


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
        self._cache: OrderedDict[str, Vectors] = OrderedDict()
        self._lock = threading.Lock()

    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        """Embed ``texts``, computing only those not already cached."""
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._lock:
            for i, text in enumerate(texts):
                hit = self._cache.get(text)
                if hit is None:
                    missing.setdefault(text, []).append(i)
                else:
                    self._cache.move_to_end(text)
                    out[i] = hit
        if missing:
            todo = list(missing)
            fresh = self.inner.embed_batch(todo)
            with self._lock:
                for text, vector in zip(todo, fresh, strict=True):
                    out[missing[text]] = vector
                    if self.max_entries > 0:
                        self._cache[text] = vector.copy()
                        self._cache.move_to_end(text)
                while len(self._cache) > self.max_entries:
                    self._cache.popitem(last=False)
        return out

    def preload(self) -> None:
        """Start loading the wrapped model in the background."""
        self.inner.preload()

    def clear(self) -> None:
        """Forget every cached vector."""
        with self._lock:
            self._cache.clear()

    def cache_size(self) -> int:
        """How many texts are cached."""
        with self._lock:
            return len(self._cache)
