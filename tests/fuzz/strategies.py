"""Hypothesis strategies for hostile and unlucky input to engram's public API.

Every argument is drawn from a mixture: values a real caller sends (so that calls get past
validation and reach the stores), and values an attacker or a bug sends: lone surrogates and
NUL, 10 MB strings, strings just past the limits, huge and non-finite numbers, wrong types,
objects whose ``__repr__`` or ``__eq__`` raise, and structures nested a thousand deep (built
without recursion, so that the strategies themselves never hit Python's limit).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from engram.core.limits import DEFAULT_LIMITS

LIMITS = DEFAULT_LIMITS
HUGE_TEXT = "word " * 2_000_000  # 10 MB
#: Strings that break naive code: surrogates, NUL, control and RTL characters, SQL and
#: format syntax, JSON paths, FTS5 syntax, lengths at and past the limits.
SPECIAL_STRINGS = [
    "",
    " ",
    "\t\n",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfff",
    "\udc80abc",
    "\u202e\u0301\ufeff",
    "🧠💾" * 10,
    "'; DROP TABLE memories; --",
    '" OR 1=1 --',
    "%s %d {} {0} %(x)s",
    "$.a[0]",
    'a"b\\c',
    "NEAR(a b) OR NOT c*",
    "metadata.",
    "metadata..x",
    "a." * 40,
    "x" * (LIMITS.max_id_chars + 1),
    "y" * LIMITS.max_id_chars,
    "z" * (LIMITS.max_text_chars + 1),
    "I like tea. " * 8000,  # just under the text limit
    HUGE_TEXT,
]
#: (10**4000 still has a repr: Hypothesis prints what it drew when a test fails.)
HUGE_NUMBERS = [2**63, -(2**63) - 1, 2**70, -(2**70), 10**30, 10**4000, float("inf"), float("-inf")]


class Hostile:
    """An object whose repr, str, eq and hash all raise."""

    def __repr__(self) -> str:
        raise RuntimeError("repr of a hostile object")

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("eq of a hostile object")

    def __hash__(self) -> int:
        raise RuntimeError("hash of a hostile object")


ODD_OBJECTS = [object(), Hostile(), b"bytes", bytearray(b"x"), {1, 2}, frozenset(), range(3), ...]


def one_of_these(values: list[Any]) -> st.SearchStrategy[Any]:
    """``sampled_from`` that never puts the values in its own repr (10 MB strings, objects
    whose repr raises)."""
    return st.integers(0, len(values) - 1).map(lambda i: values[i])


def deep(depth: int, kind: str, leaf: Any) -> Any:
    """``leaf`` wrapped ``depth`` times, without recursion: dicts, lists or NOT filters."""
    value = leaf
    for _ in range(depth):
        if kind == "dict":
            value = {"a": value}
        elif kind == "list":
            value = [value]
        elif kind == "not":
            value = {"NOT": value}
        elif kind == "or":
            value = {"OR": [value, {"k": 1}]}
        else:
            value = {"AND": [value]}
    return value


texts = st.one_of(
    st.text(max_size=40),
    one_of_these(SPECIAL_STRINGS),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    st.builds(lambda n: "ab " * n, st.integers(0, 40_000)),
)
ids = st.one_of(st.sampled_from(["alice", "bob", "u1"]), texts)
numbers = st.one_of(
    st.integers(-1000, 1000),
    st.integers(),
    one_of_these(HUGE_NUMBERS),
    st.floats(allow_nan=True, allow_infinity=True),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
json_like = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(texts, children, max_size=4)
    ),
    max_leaves=12,
)
deep_values = st.builds(
    deep,
    st.sampled_from([2, 15, 17, 40, 1000]),
    st.sampled_from(["dict", "list"]),
    scalars,
)
junk = st.one_of(scalars, json_like, deep_values, one_of_these(ODD_OBJECTS))


def sometimes(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any] = junk) -> Any:
    """Mostly a plausible value, sometimes anything."""
    return st.one_of(good, good, good, bad)


# Each argument has a plausible strategy (what a real caller sends, including odd but valid
# text) and a hostile one (anything). A call draws all its arguments plausibly, or each
# one from a mixture, so that many calls reach the stores and many are refused.
plain_text = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=60)
good_text = st.one_of(
    plain_text.filter(lambda t: t.strip()),
    st.sampled_from(["I like tea.", "My sister lives in Porto.", "tea", "Maya moved to Lisbon"]),
    st.builds(lambda n: "I like tea and hiking. " * n, st.integers(1, 400)),
)
good_metadata = st.one_of(
    st.none(),
    st.dictionaries(
        st.sampled_from(["category", "n", "a", "tags", "kéy"]),
        st.one_of(st.none(), st.booleans(), st.integers(-5, 5), plain_text, st.floats(-1e9, 1e9)),
        max_size=3,
    ),
    st.builds(lambda v: {"a": {"b": v}}, st.integers(-3, 3)),
    st.builds(lambda v: {"tags": v}, st.lists(st.sampled_from(["x", "y"]), max_size=3)),
)
FIELDS = [
    "user_id",
    "agent_id",
    "run_id",
    "memory",
    "created_at",
    "invalid_at",
    "category",
    "n",
    "metadata.a.b",
    "metadata.tags",
    "kéy",
    "metadata.a b",
]
OPERATORS = ["eq", "ne", "gt", "gte", "lt", "lte", "in", "nin", "contains", "icontains"]
good_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.sampled_from(["x", "y", "alice", "2024-01-01"])
)


@st.composite
def conditions(draw: st.DrawFn, hostile: bool = False) -> dict[str, Any]:
    field = draw(st.one_of(st.sampled_from(FIELDS), texts) if hostile else st.sampled_from(FIELDS))
    op = draw(
        st.one_of(st.sampled_from(OPERATORS), texts) if hostile else st.sampled_from(OPERATORS)
    )
    values = scalars if hostile else good_scalars
    if op in ("in", "nin"):
        value: Any = draw(st.lists(values, min_size=1, max_size=4))
        if hostile:
            value = draw(st.sampled_from([value, draw(junk)]))
    else:
        value = draw(values)
    return {field: draw(st.sampled_from([value, {op: value}]))}


def trees(leaf: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaf,
        lambda children: st.one_of(
            st.builds(lambda items: {"AND": items}, st.lists(children, min_size=1, max_size=3)),
            st.builds(lambda items: {"OR": items}, st.lists(children, min_size=1, max_size=3)),
            st.builds(lambda child: {"NOT": child}, children),
            st.builds(lambda a, b: {**a, **b}, children, children),
        ),
        max_leaves=6,
    )


good_filters = st.one_of(st.none(), trees(conditions()))
deep_filters = st.builds(
    deep,
    st.sampled_from([3, 9, 11, 30, 1000]),
    st.sampled_from(["not", "or", "and"]),
    conditions(),
)
wide_filters = st.builds(
    lambda n, op: (
        {op: [{"k": i} for i in range(n)]} if op != "in" else {"k": {"in": list(range(n))}}
    ),
    st.sampled_from([50, 101, 2000]),
    st.sampled_from(["OR", "AND", "in"]),
)
bad_filters = st.one_of(trees(conditions(hostile=True)), deep_filters, wide_filters, junk)

content_parts = st.lists(
    st.one_of(
        st.builds(lambda t: {"type": "text", "text": t}, texts),
        st.builds(lambda u: {"type": "image_url", "image_url": {"url": u}}, texts),
        st.just({"type": "image_url", "image_url": "https://example.com/a.png"}),
        junk,
    ),
    max_size=3,
)
good_message = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant", "system"]), "content": good_text},
    optional={"name": st.sampled_from(["Maya", "Joe"])},
)
good_messages = st.one_of(good_text, good_message, st.lists(good_message, min_size=1, max_size=4))
bad_messages = st.one_of(
    texts,
    st.fixed_dictionaries({"role": junk, "content": texts}, optional={"name": junk}),
    st.builds(lambda parts: {"role": "user", "content": parts}, content_parts),
    st.builds(lambda n: [{"role": "user", "content": "hi"}] * n, st.sampled_from([10_001, 10])),
    junk,
)
good_limits = st.integers(1, 20)
bad_limits = st.one_of(st.sampled_from([0, -1, 10_000, 10_001]), numbers, junk)
good_thresholds = st.one_of(st.none(), st.floats(0, 1))
good_timestamps = st.one_of(
    st.none(), st.sampled_from(["2024-01-01", "2024-01-01T10:00:00Z"]), st.integers(0, 2**31)
)
good_ids = st.sampled_from(["alice", "bob"])
good_keys = st.one_of(st.none(), st.sampled_from(["k1", "k2", "k3"]))
metadata = st.one_of(
    good_metadata,
    st.dictionaries(texts, scalars, max_size=3),
    st.builds(lambda v: {"a": {"b": v}}, junk),
    st.builds(lambda n: {f"k{i}": "v" * 100 for i in range(n)}, st.integers(0, 1000)),
    junk,
)
timestamps = st.one_of(numbers, texts, junk)
memory_types = st.one_of(st.sampled_from(["procedural_memory", "semantic"]), junk)
idempotency_keys = st.one_of(texts, junk)
