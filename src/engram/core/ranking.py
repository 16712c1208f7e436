"""Hybrid ranking, free of I/O: fuse semantic and lexical candidates, then weigh in the people
and times the query names and the conversation around each memory.

The steps, for one query:

1. Reciprocal-rank fusion of the semantic (cosine) and lexical (BM25) candidate lists, each
   term weighted by the square root of the candidate's absolute relevance in that list (its
   cosine; its BM25 score ``b`` saturated as ``b / (b + LEXICAL_HALF)``):
   ``sum(1 / (k + rank) * sqrt(relevance))``, divided by its maximum ``2 / (k + 1)``. Plain RRF
   forgets magnitudes: the best of a handful of unrelated memories would score as high as a
   true match, and ``threshold`` would filter nothing. Weighted, a query with no relevant memory
   scores low, and ranks still carry most of the weight.
2. Entities: the names in the query (capitalised words that are not function words, and any
   speaker of a candidate named in it). A memory said by, or mentioning, one of them is
   multiplied by ``1 + entity_boost``.
3. Time: when the query names a range ("in 2022", "last May"), memories valid inside it are
   multiplied by ``1 + time_boost``.
4. Neighbours: a memory next to a strong one in the same conversation (adjacent in insertion
   order within the scope, and said within ``NEIGHBOUR_WINDOW_SECONDS`` of it) gains
   ``NEIGHBOUR_WEIGHT`` of the best such neighbour's score: answers often sit in the reply to
   the matching turn.
5. Scores are divided by the largest factor they could have received, so they stay in [0, 1].

The weights were chosen on the LoCoMo development split (``bench/locomo.py``) among round values,
and the neighbouring values score within 0.01 of them; no rule knows the dataset.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from engram.core.records import MemoryRecord
from engram.core.temporal import TimeRange

#: The BM25 score at which lexical relevance counts as one half (Okapi BM25 scale).
LEXICAL_HALF = 5.0


@dataclass(frozen=True, slots=True)
class Weights:
    """Every constant of the ranking, in one place (``bench/locomo.py`` varies them)."""

    rrf_k: int = 10
    lexical_half: float = LEXICAL_HALF
    entity: float = 0.5
    time: float = 0.5
    neighbour: float = 0.4
    neighbour_window_s: float = 6 * 3600.0
    #: How many of the best candidates lend relevance to their neighbours.
    neighbour_sources: int = 30


DEFAULT = Weights()

_FUNCTION_WORDS = frozenset(
    """a an and are as at be been but by can could did do does for from had has have he her hers
    him his how i if in into is it its let me my no not of on or our she should so than that the
    their them then there these they this those to was we were what when where which who whom
    whose why will with would you your yes please tell remember""".split()
)
_CAPITALISED = re.compile(r"\b[A-Z]\w*")  # "Caroline's" gives "Caroline"


@dataclass(slots=True)
class Candidate:
    """One memory on its way to a score, with the parts that made it."""

    record: MemoryRecord
    semantic: float | None = None
    lexical: float | None = None
    semantic_rank: int | None = None
    lexical_rank: int | None = None
    fused: float = 0.0
    entity: bool = False
    time: bool = False
    neighbour: float = 0.0
    score: float = 0.0
    notes: dict[str, float] = field(default_factory=dict)

    def parts(self) -> dict[str, float | int | bool | None]:
        """What ``explain=True`` shows for this result."""
        return {
            "semantic": self.semantic,
            "semantic_rank": self.semantic_rank,
            "lexical": self.lexical,
            "lexical_rank": self.lexical_rank,
            "fused": round(self.fused, 6),
            "entity": self.entity,
            "time": self.time,
            "neighbour": round(self.neighbour, 6),
            **self.notes,
        }


def fuse(
    semantic: Iterable[tuple[MemoryRecord, float]],
    lexical: Iterable[tuple[MemoryRecord, float]],
    w: Weights = DEFAULT,
) -> dict[str, Candidate]:
    """Reciprocal-rank fusion of two best-first lists, normalised to [0, 1]."""
    k = w.rrf_k
    pool: dict[str, Candidate] = {}
    for rank, (record, score) in enumerate(semantic, start=1):
        c = pool.setdefault(record.id, Candidate(record))
        c.semantic, c.semantic_rank = score, rank
        c.fused += _term(k, rank, max(score, 0.0))
    for rank, (record, score) in enumerate(lexical, start=1):
        c = pool.setdefault(record.id, Candidate(record))
        c.lexical, c.lexical_rank = score, rank
        c.fused += _term(k, rank, score / (score + w.lexical_half) if score > 0 else 0.0)
    best = 2.0 / (k + 1)
    for c in pool.values():
        c.fused /= best
    return pool


def _term(k: int, rank: int, relevance: float) -> float:
    """One list's contribution: reciprocal rank, weighted by absolute relevance in [0, 1]."""
    return math.sqrt(relevance) / (k + rank)


def query_entities(query: str, speakers: Iterable[str]) -> set[str]:
    """Lower-cased names the query mentions: capitalised non-function words, and speakers."""
    lowered = query.lower()
    names = {
        word.lower() for word in _CAPITALISED.findall(query) if word.lower() not in _FUNCTION_WORDS
    }
    for speaker in speakers:
        if speaker and re.search(rf"\b{re.escape(speaker.lower())}\b", lowered):
            names.add(speaker.lower())
    return names


def mentions(record: MemoryRecord, entities: set[str]) -> bool:
    """Whether the memory was said by, or names, one of ``entities``."""
    if not entities:
        return False
    if record.actor_id and record.actor_id.lower() in entities:
        return True
    words = set(re.findall(r"\w+", record.text.lower()))
    return not entities.isdisjoint(words)


def weigh(
    pool: Mapping[str, Candidate],
    entities: set[str],
    ranges: list[TimeRange],
    w: Weights = DEFAULT,
) -> None:
    """Score every candidate from its fused rank, entity and time evidence (steps 2-3)."""
    for c in pool.values():
        _mark(c, entities, ranges)
        c.score = c.fused * (1 + w.entity * c.entity) * (1 + w.time * c.time)


def lenders(pool: Mapping[str, Candidate], w: Weights = DEFAULT) -> list[str]:
    """Ids of the candidates whose neighbours are worth fetching (the best ones)."""
    best = sorted(pool.values(), key=lambda c: (-c.score, c.record.id))[: w.neighbour_sources]
    return [c.record.id for c in best]


def spread(
    pool: dict[str, Candidate],
    neighbours: Mapping[str, tuple[MemoryRecord | None, MemoryRecord | None]],
    entities: set[str],
    ranges: list[TimeRange],
    w: Weights = DEFAULT,
) -> list[Candidate]:
    """Lend relevance to neighbours (step 4), normalise (step 5); best first."""
    lent: dict[str, float] = {}
    for source_id in lenders(pool, w):
        source = pool[source_id]
        for other in neighbours.get(source_id, (None, None)):
            if other is None or not _close_in_time(source.record, other, w.neighbour_window_s):
                continue
            if other.id not in pool:
                _mark(pool.setdefault(other.id, Candidate(other)), entities, ranges)
            lent[other.id] = max(lent.get(other.id, 0.0), w.neighbour * source.score)
    for memory_id, amount in lent.items():
        pool[memory_id].neighbour = amount
        pool[memory_id].score += amount
    ceiling = (1 + w.entity if entities else 1.0) * (1 + w.time if ranges else 1.0)
    for c in pool.values():
        c.score = min(1.0, c.score / ceiling)
    return sorted(pool.values(), key=lambda c: (-c.score, c.record.id))


def _mark(c: Candidate, entities: set[str], ranges: list[TimeRange]) -> None:
    c.entity = mentions(c.record, entities)
    c.time = any(r.contains(c.record.valid_at or c.record.created_at) for r in ranges)


def _close_in_time(a: MemoryRecord, b: MemoryRecord, window_s: float) -> bool:
    """Said within the neighbour window of each other (one conversation, not two)."""
    ta, tb = a.valid_at or a.created_at, b.valid_at or b.created_at
    try:
        gap = abs((datetime.fromisoformat(ta) - datetime.fromisoformat(tb)).total_seconds())
    except ValueError:
        return False
    return gap <= window_s
