"""The hybrid ranking core: fusion, calibration, evidence, conversations, deterministic order."""

from __future__ import annotations

import random
from collections.abc import Mapping

import pytest

from engram.core import ranking
from engram.core.keywords import query_terms
from engram.core.records import MemoryRecord

W = ranking.DEFAULT


def rec(
    memory_id: str,
    text: str = "",
    actor: str | None = None,
    when: str = "2024-05-01T12:00:00",
    role: str | None = "user",
) -> MemoryRecord:
    """A record said at ``when``."""
    iso = f"{when}.000000+00:00"
    return MemoryRecord(
        id=memory_id, text=text or memory_id, hash="h", created_at=iso, updated_at=iso,
        valid_at=iso, actor_id=actor, role=role,
    )  # fmt: skip


def ranked(
    pool: dict[str, ranking.Candidate],
    evidence: Mapping[str, ranking.Evidence] | None = None,
    near: Mapping[str, tuple[MemoryRecord | None, MemoryRecord | None]] | None = None,
) -> list[ranking.Candidate]:
    ranking.weigh(pool, evidence or {}, W)
    return ranking.spread(pool, near or {}, evidence or {}, W)


def test_fusion_rewards_agreement_and_stays_in_unit_range() -> None:
    a, b, c = rec("a"), rec("b"), rec("c")
    pool = ranking.fuse([(a, 1.0), (b, 0.5)], [(a, 1e9), (c, 4.0)])
    assert pool["a"].fused == pytest.approx(1.0, abs=1e-6)  # first in both, full relevance
    assert pool["a"].fused > pool["b"].fused and pool["a"].fused > pool["c"].fused
    assert (pool["b"].semantic_rank, pool["b"].lexical_rank) == (2, None)
    assert (pool["c"].semantic, pool["c"].lexical) == (None, 4.0)
    assert all(0.0 <= x.fused <= 1.0 for x in pool.values())


def test_fusion_keeps_absolute_relevance() -> None:
    strong = ranking.fuse([(rec("x"), 0.8)], [])["x"].fused
    weak = ranking.fuse([(rec("x"), 0.05)], [])["x"].fused
    assert strong > 3 * weak  # a lone weak match is not a strong result
    half = ranking.fuse([], [(rec("x"), ranking.LEXICAL_HALF)])["x"].fused
    assert half == pytest.approx(0.5 * (0.5**0.5), rel=1e-6)


def test_semantic_relevance_is_measured_against_the_lists_own_level() -> None:
    """Two models with different cosine scales rank, and score, the same list alike."""

    def fused(cosines: list[float]) -> list[float]:
        pool = ranking.fuse([(rec(f"m{i}"), c) for i, c in enumerate(cosines)], [])
        return [round(pool[f"m{i}"].fused, 3) for i in range(len(cosines))]

    low = [0.10 + 0.5 * x for x in (0.9, 0.5, 0.2, 0.1, 0.05, 0.04, 0.03, 0.02, 0.01, 0.0)] * 4
    high = [0.85 + 0.075 * x for x in (0.9, 0.5, 0.2, 0.1, 0.05, 0.04, 0.03, 0.02, 0.01, 0.0)] * 4
    a, b = fused(low), fused(high)
    assert a[0] > a[1] > a[2] and b[0] > b[1] > b[2]
    assert max(abs(x - y) for x, y in zip(a, b, strict=True)) < 0.05
    assert a[-1] == b[-1] == 0.0  # at or below the list's level: no semantic relevance
    # Absolute cosines would weigh the second model's unrelated memories as relevant.
    absolute = ranking.Weights(calibration_prior=10**9)
    pool = ranking.fuse([(rec(f"m{i}"), c) for i, c in enumerate(high)], [], absolute)
    assert pool["m39"].fused > 0.05


def test_short_lists_keep_the_absolute_cosine() -> None:
    assert ranking._unrelated_level([0.4], 10) == 0.0
    assert ranking._unrelated_level([0.4, 0.2, 0.1], 10) == pytest.approx(0.2 * 2 / 10)
    assert ranking._unrelated_level([0.3] * 11, 10) == pytest.approx(0.3)
    assert ranking._unrelated_level([], 10) == 0.0


def test_one_incidental_word_is_no_lexical_evidence() -> None:
    terms = query_terms("Which city is my sibling based in?")
    edinburgh = rec("e", "My favourite city is Edinburgh.")
    porto = rec("p", "My sister lives in Porto with her sibling Leo, based there since May.")
    pool = ranking.fuse([], [(edinburgh, 5.8), (porto, 3.0)], W, terms)
    assert pool["e"].fused == 0.0  # "city" alone
    assert pool["p"].fused > 0.0  # "sibling" and "based"
    single = ranking.fuse([], [(edinburgh, 5.8)], W, query_terms("Edinburgh"))
    assert single["e"].fused > 0.0  # a one-word query needs its one word


def test_equal_scores_share_a_rank_and_ties_go_to_the_id() -> None:
    b, a, c = rec("b"), rec("a"), rec("c")
    pool = ranking.fuse([(b, 0.5), (a, 0.5), (c, 0.4)], [])
    assert (pool["a"].semantic_rank, pool["b"].semantic_rank, pool["c"].semantic_rank) == (1, 1, 3)
    assert pool["a"].fused == pool["b"].fused
    assert [x.record.id for x in ranked(pool)] == ["a", "b", "c"]


def test_store_noise_below_the_rounding_does_not_change_the_order() -> None:
    x, y = rec("x"), rec("y")
    one = ranked(ranking.fuse([(x, 0.7000001), (y, 0.7000004)], [(y, 3.0000001)]))
    two = ranked(ranking.fuse([(y, 0.7000003), (x, 0.7)], [(y, 3.0)]))
    assert [c.record.id for c in one] == [c.record.id for c in two]
    assert [c.score for c in one] == [c.score for c in two]


def test_the_order_never_depends_on_the_input_order() -> None:
    rng = random.Random(7)
    records = [rec(f"id{i:02d}", f"text {i % 3}") for i in range(30)]
    semantic = [(r, round(rng.choice([0.3, 0.4, 0.5, 0.6]), 2)) for r in records]
    lexical = [(r, rng.choice([1.0, 2.0, 4.0])) for r in records[:15]]
    orders = set()
    for _ in range(20):
        rng.shuffle(semantic)
        rng.shuffle(lexical)
        pool = ranking.fuse(semantic, lexical)
        orders.add(tuple(c.record.id for c in ranked(pool)))
    assert len(orders) == 1


def test_query_entities_finds_names_not_function_words() -> None:
    entities = ranking.query_entities("What did Caroline's sister tell Mel in Lisbon?", ["Mel"])
    assert entities == {"caroline", "mel", "lisbon"}
    assert ranking.query_entities("when is the dentist appointment?", []) == set()
    assert ranking.query_entities("did dr jones call?", ["Dr Jones"]) == {"dr jones"}


def test_mentions_by_speaker_or_text() -> None:
    assert ranking.mentions(rec("a", "I moved", actor="Maya"), {"maya"})
    assert ranking.mentions(rec("b", "Maya moved to Lisbon"), {"lisbon"})
    assert not ranking.mentions(rec("c", "Mayan ruins"), {"maya"})
    assert not ranking.mentions(rec("d", "anything"), set())


def test_evidence_multiplies_and_scores_stay_in_the_unit_range() -> None:
    maya = rec("maya", "I went hiking", actor="Maya", when="2022-03-01T12:00:00")
    other = rec("other", "I went hiking", actor="Leo", when="2024-03-01T12:00:00")
    pool = ranking.fuse([(other, 0.6), (maya, 0.6)], [])
    evidence: dict[str, ranking.Evidence] = {
        "entity": lambda r: float(r.actor_id == "Maya"),
        "time": lambda r: 0.5 if r.id == "maya" else 0.0,
    }
    out = ranked(pool, evidence)
    assert [c.record.id for c in out] == ["maya", "other"]
    assert out[0].evidence == {"entity": 1.0, "time": 0.5}
    assert out[0].parts()["entity"] is True and out[0].parts()["time"] == 0.5
    expected = out[0].fused * (1 + W.entity) * (1 + 0.5 * W.time) / ((1 + W.entity) * (1 + W.time))
    assert out[0].score == pytest.approx(expected)
    assert all(0.0 <= c.score <= 1.0 for c in out)


Scored = list[tuple[MemoryRecord, float]]


def random_lists(seed: int, count: int, every: int) -> tuple[Scored, Scored]:
    """A semantic list of ``count`` memories, and a lexical one of every ``every``-th."""
    rng = random.Random(seed)
    records = [rec(f"id{i:03d}", f"text {i}") for i in range(count)]
    semantic = [(r, rng.uniform(0.1, 0.9)) for r in records]
    return semantic, [(r, rng.uniform(0.5, 12.0)) for r in records[::every]]


def weighed(
    lists: tuple[Scored, Scored], evidence: dict[str, ranking.Evidence], keep: int | None = None
) -> tuple[dict[str, ranking.Candidate], list[ranking.Candidate]]:
    """The pool and its order, every candidate weighed, or only those that can reach ``keep``."""
    pool = ranking.fuse(*lists)
    ranking.weigh(pool, evidence, W, keep=keep)
    return pool, ranking.spread(pool, {}, evidence, W)


def test_weighing_only_those_that_can_reach_the_top_keeps_the_top_exact() -> None:
    lists = random_lists(3, 120, 3)
    read: list[str] = []

    def when(record: MemoryRecord) -> float:
        read.append(record.id)
        return float(int(record.id[2:]) % 4 == 0)

    evidence: dict[str, ranking.Evidence] = {"when": when}
    _, everything = weighed(lists, evidence)
    read.clear()
    _, pruned = weighed(lists, evidence, keep=10)
    top = pruned[:10]
    assert [(c.record.id, c.score) for c in top] == [
        (c.record.id, c.score) for c in everything[:10]
    ]
    assert 10 <= len(read) < 120  # the rest could not reach the top ten
    assert all(c.weighed for c in top)


def test_the_time_evidence_is_read_last_and_only_where_it_can_matter() -> None:
    lists = random_lists(5, 150, 4)
    timed: list[str] = []
    entities: list[str] = []

    def time(record: MemoryRecord) -> float:
        timed.append(record.id)
        return (int(record.id[2:]) % 5) / 4

    def entity(record: MemoryRecord) -> float:
        entities.append(record.id)
        return float(int(record.id[2:]) % 3 == 0)

    evidence: dict[str, ranking.Evidence] = {"entity": entity, "time": time}
    _, everything = weighed(lists, evidence)
    timed.clear()
    entities.clear()
    pool, pruned = weighed(lists, evidence, keep=10)
    assert [(c.record.id, c.score, c.evidence) for c in pruned[:10]] == [
        (c.record.id, c.score, c.evidence) for c in everything[:10]
    ]
    # Some candidates' people were read, and their other evidence left them short of the top
    # ten even at full time weight: their times were never parsed.
    assert 10 <= len(timed) < len(entities) < 150
    skipped = [c for c in pool.values() if not c.weighed]
    assert skipped and all(c.evidence == {} for c in skipped)


def test_a_reply_in_a_conversation_shares_relevance() -> None:
    question = rec("q", "Where did you move?", actor="Ana", when="2024-05-01T10:00:00")
    answer = rec("ans", "To Porto, last spring.", actor="Leo", when="2024-05-01T10:01:00")
    months_later = rec("later", "Unrelated chat", actor="Leo", when="2024-09-01T10:00:00")
    pool = ranking.fuse([(question, 0.7)], [])
    out = ranked(pool, near={"q": (months_later, answer)})
    by_id = {c.record.id: c for c in out}
    assert "later" not in by_id  # said months apart: another conversation
    own = by_id["q"].score
    lent = W.neighbour * own
    assert by_id["ans"].neighbour == pytest.approx(lent)
    assert by_id["ans"].score == pytest.approx(lent)  # nothing of its own
    assert [c.record.id for c in out] == ["q", "ans"]


def test_a_list_of_facts_is_no_conversation() -> None:
    """One speaker, one call: the neighbour of a match lends it nothing."""
    facts = [rec(f"f{i}", f"fact {i}", actor=None, role="user") for i in range(3)]
    pool = ranking.fuse([(facts[1], 0.7)], [])
    out = ranked(pool, near={"f1": (facts[0], facts[2])})
    assert [c.record.id for c in out] == ["f1"]
    assert not ranking.conversational(facts[0], facts[1], W.neighbour_window_s)


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (("Ana", "user", "10:00"), ("Leo", "user", "10:01"), True),  # names alternate
        ((None, "user", "10:00"), (None, "assistant", "10:01"), True),  # roles alternate
        (("Ana", "user", "10:00"), ("Ana", "user", "10:01"), False),  # one speaker
        ((None, None, "10:00"), (None, None, "10:01"), False),  # no speaker at all
        ((None, "user", "10:00"), (None, None, "10:01"), False),  # one side unknown
        (("Ana", "user", "10:05"), ("Leo", "user", "10:01"), False),  # out of order
        (("Ana", "user", "10:00"), ("Leo", "user", "23:00"), False),  # another session
    ],
)
def test_what_makes_a_conversation(
    first: tuple[str | None, str | None, str],
    second: tuple[str | None, str | None, str],
    expected: bool,
) -> None:
    a = rec("a", actor=first[0], role=first[1], when=f"2024-05-01T{first[2]}:00")
    b = rec("b", actor=second[0], role=second[1], when=f"2024-05-01T{second[2]}:00")
    assert ranking.conversational(a, b, W.neighbour_window_s) is expected


def test_unparseable_times_are_no_conversation() -> None:
    a = rec("a", actor="Ana")
    b = MemoryRecord(id="b", text="b", hash="h", created_at="not a time", updated_at="x",
                     actor_id="Leo")  # fmt: skip
    assert not ranking.conversational(a, b, W.neighbour_window_s)
    assert not ranking.conversational(None, b, W.neighbour_window_s)


def test_scores_are_not_clipped_into_ties() -> None:
    """Two strong turns next to a stronger one: both exceed 1 before normalising, as once
    clipped to 1.0 and tied; now the better one stays ahead, and both stay below 1."""
    before = rec("before", "b", actor="Ana", when="2024-05-01T10:00:00")
    middle = rec("middle", "m", actor="Leo", when="2024-05-01T10:01:00")
    after = rec("after", "a", actor="Ana", when="2024-05-01T10:02:00")
    scored = [(middle, 0.99), (after, 0.95), (before, 0.9)]
    pool = ranking.fuse(scored, [(r, 1e6 * s) for r, s in scored])
    out = ranked(pool, near={"middle": (before, after)})
    by_id = {c.record.id: c for c in out}
    assert by_id["after"].fused + W.neighbour * by_id["middle"].fused > 1.0
    assert by_id["before"].fused + W.neighbour * by_id["middle"].fused > 1.0
    assert 1.0 > by_id["after"].score > by_id["before"].score


def test_explain_parts_name_every_signal() -> None:
    pool = ranking.fuse([(rec("a"), 0.5)], [(rec("a"), 2.0)])
    [c] = ranked(pool)
    assert set(c.parts()) == {
        "semantic", "semantic_rank", "lexical", "lexical_rank", "fused", "entity", "time",
        "when", "neighbour", "shares",
    }  # fmt: skip


def test_shares_add_up_to_the_score() -> None:
    """Each part's share of a score, as the inspector draws them: they sum to the score."""
    maya = rec("maya", "Maya went hiking", actor="Maya", when="2022-03-01T10:00:00")
    plain = rec("plain", "hiking boots")
    reply = rec("reply", "Sounds fun!", actor="Leo", when="2022-03-01T10:01:00")
    pool = ranking.fuse([(maya, 0.8), (plain, 0.4)], [(maya, 6.0), (plain, 1.0)])
    evidence: dict[str, ranking.Evidence] = {
        "entity": lambda r: float(r.actor_id == "Maya"),
        "time": lambda r: float(r.valid_at is not None and r.valid_at.startswith("2022")),
    }
    out = ranked(pool, evidence, near={"maya": (None, reply)})
    by_id = {c.record.id: c for c in out}
    for c in out:
        shares = c.shares()
        assert set(shares) == {"semantic", "lexical", "entity", "time", "neighbour"}
        assert sum(shares.values()) == pytest.approx(c.score, abs=1e-5)
        assert all(value >= 0 for value in shares.values())
    top = by_id["maya"].shares()
    assert top["entity"] > 0 and top["time"] > 0 and top["neighbour"] == 0
    assert top["semantic"] > top["lexical"] > 0
    assert by_id["plain"].shares()["entity"] == 0
    assert by_id["reply"].shares()["neighbour"] == pytest.approx(by_id["reply"].score)
    assert by_id["reply"].shares()["semantic"] == 0


def test_the_graph_part_is_a_share_of_its_own() -> None:
    a, b = rec("a", "Ana works at Feedzai"), rec("b", "Ana likes jazz")
    pool = ranking.fuse([(a, 0.6), (b, 0.6)], [])
    ranking.weigh(pool, {}, W)
    only_graph = rec("g", "Feedzai is in Porto")
    ranking.add_graph(pool, {"a": 0.5, "g": 1.0}, [only_graph], {}, W)
    out = ranking.spread(pool, {}, {}, W)
    by_id = {c.record.id: c for c in out}
    assert by_id["a"].graph == 0.5 and by_id["b"].graph == 0.0 and by_id["g"].graph == 1.0
    assert by_id["a"].score > by_id["b"].score
    assert by_id["a"].shares()["graph"] == pytest.approx(
        W.graph * 0.5 / by_id["a"].ceiling, abs=1e-6
    )
    for c in out:
        assert sum(c.shares().values()) == pytest.approx(c.score, abs=1e-6)
        assert c.score <= 1.0
    assert ranking.Candidate(rec("y")).shares() == dict.fromkeys(
        ("semantic", "lexical", "entity", "time", "neighbour"), 0.0
    )
