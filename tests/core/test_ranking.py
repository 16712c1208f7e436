"""The hybrid ranking core: fusion, entities, time, neighbours, normalisation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engram.core import ranking
from engram.core.records import MemoryRecord
from engram.core.temporal import TimeRange


def rec(
    memory_id: str, text: str = "", actor: str | None = None, when: str = "2024-05-01"
) -> MemoryRecord:
    """A record said at ``when``."""
    iso = f"{when}T12:00:00.000000+00:00"
    return MemoryRecord(
        id=memory_id, text=text or memory_id, hash="h", created_at=iso, updated_at=iso,
        valid_at=iso, actor_id=actor,
    )  # fmt: skip


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


def test_entity_and_time_boosts_reorder_and_normalise() -> None:
    said_by_maya = rec("maya", "I went hiking", actor="Maya", when="2022-03-01")
    other = rec("other", "I went hiking", actor="Leo", when="2024-03-01")
    pool = ranking.fuse([(other, 0.6), (said_by_maya, 0.6)], [])
    in_2022 = TimeRange(datetime(2022, 1, 1, tzinfo=UTC), datetime(2023, 1, 1, tzinfo=UTC), "2022")
    ranking.weigh(pool, {"maya"}, [in_2022])
    ranked = ranking.spread(pool, {}, {"maya"}, [in_2022])
    assert [c.record.id for c in ranked] == ["maya", "other"]
    assert (ranked[0].entity, ranked[0].time, ranked[1].entity, ranked[1].time) == (
        True, True, False, False,
    )  # fmt: skip
    assert all(0.0 <= c.score <= 1.0 for c in ranked)


def test_neighbours_lend_relevance_within_one_conversation_only() -> None:
    question = rec("q", "Where did you move?", actor="Ana")
    answer = rec("ans", "To Porto, last spring.", actor="Leo")
    months_later = rec("later", "Unrelated chat", actor="Leo", when="2024-09-01")
    pool = ranking.fuse([(question, 0.7)], [])
    ranking.weigh(pool, set(), [])
    ranked = ranking.spread(pool, {"q": (months_later, answer)}, set(), [])
    by_id = {c.record.id: c for c in ranked}
    assert "later" not in by_id  # said months apart: another conversation
    assert by_id["ans"].neighbour == pytest.approx(ranking.DEFAULT.neighbour * by_id["q"].score)
    assert [c.record.id for c in ranked] == ["q", "ans"]


def test_explain_parts_name_every_signal() -> None:
    pool = ranking.fuse([(rec("a"), 0.5)], [(rec("a"), 2.0)])
    ranking.weigh(pool, set(), [])
    [c] = ranking.spread(pool, {}, set(), [])
    assert set(c.parts()) == {
        "semantic", "semantic_rank", "lexical", "lexical_rank", "fused", "entity", "time",
        "neighbour",
    }  # fmt: skip
