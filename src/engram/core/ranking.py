"""Hybrid ranking, free of I/O: fuse semantic and lexical candidates, weigh in the evidence
the query asks for, let a conversation's turns share relevance, order deterministically.

The steps, for one query:

1. **Fusion.** Reciprocal-rank fusion of the semantic (cosine) and lexical (BM25) lists,
   each term weighted by the square root of the candidate's relevance in its list:
   ``sum(sqrt(relevance) / (k + rank))``, divided by its maximum ``2 / (k + 1)``. Plain RRF
   forgets magnitudes (the best of a handful of unrelated memories would score as high as a
   true match, and ``threshold`` would filter nothing); weighted, a query with no relevant
   memory scores low, and ranks still carry most of the weight.

   - Semantic relevance is the cosine's height above the candidate list's own median,
     ``(cos - m) / (1 - m)``, so that a model whose unrelated pairs score 0.85 and one whose
     score 0.1 are weighed alike. A list shorter than ``calibration_prior`` says less about
     the model's level: its median counts in proportion, ``(n - 1) / calibration_prior``, and
     a list of one keeps the absolute cosine.
   - Lexical relevance is the BM25 score ``b`` saturated as ``b / (b + lexical_half)``, and
     nothing for a memory that holds fewer than two of the query's terms (all of them, for a
     query of one): one word in common ("city", "work") is no evidence that a memory answers
     a question of several (coordination-level matching), and must not outrank a memory that
     says the same thing in other words.
2. **Evidence.** Each kind of evidence the query asks for gives a candidate a value in
   [0, 1] and multiplies its score by ``1 + weight * value``: ``entity`` (said by or naming a
   person or place the query names), ``time`` (said, or stating a time, inside a range the
   query names), ``when`` (the query asks for a time, and the memory states one).
3. **Conversation.** A memory next to a strong one in a real conversation
   (``conversational``: adjacent in insertion order in one scope, said by different speakers,
   in order, within ``neighbour_window_s``) gains ``neighbour`` times that score, added as a
   probability (``a + b - a * b``): answers often sit in the reply to the matching turn. A
   list of facts from one speaker is no conversation, and lends nothing.
4. **Graph** (graph memory on). ``add_graph`` gives the memories that support relations
   around the query's entities a ``graph`` part (``engram.core.graph.search``), adds ``graph``
   times it to their score, and brings in those that no other list found.
5. **Order.** Scores are divided by the largest they could have reached (every evidence
   factor at its maximum, plus the graph's weight), so they lie in [0, 1] without clipping:
   different evidence gives different scores, equal evidence equal scores, and ties go to
   the memory id. Inputs are rounded (cosines to 1e-6,
   BM25 to 6 significant digits) and ranks are computed here, tied scores sharing a rank, so
   every store gives the same order.

The weights are the ``Weights`` defaults; ``bench/locomo.py`` chooses among nearby values on
four LoCoMo conversations, measures on the fifth, and reports both.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from engram.core.keywords import matched_terms
from engram.core.records import MemoryRecord
from engram.core.temporal import said_at

#: The BM25 score at which lexical relevance counts as one half (Okapi BM25 scale).
LEXICAL_HALF = 5.0


@dataclass(frozen=True, slots=True)
class Weights:
    """Every constant of the ranking, in one place (``bench/locomo.py`` varies them)."""

    rrf_k: int = 10
    lexical_half: float = LEXICAL_HALF
    #: Candidates from which the semantic list's level is taken in full as its unrelated level.
    calibration_prior: int = 10
    #: The quantile of the semantic list's cosines taken as its unrelated level (0.5: median).
    calibration_quantile: float = 0.5
    entity: float = 0.5
    time: float = 0.5
    when: float = 2.0
    neighbour: float = 0.4
    graph: float = 0.5
    neighbour_window_s: float = 6 * 3600.0
    #: How many of the best candidates lend relevance to their neighbours.
    neighbour_sources: int = 30


DEFAULT = Weights()
#: The kinds of evidence of step 2, in the order ``explain`` lists them.
EVIDENCE = ("entity", "time", "when")
Evidence = Callable[[MemoryRecord], float]

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
    evidence: dict[str, float] = field(default_factory=dict)
    neighbour: float = 0.0
    graph: float | None = None  # set by add_graph when graph memory is on
    score: float = 0.0
    notes: dict[str, float] = field(default_factory=dict)
    #: The evidence was read (``weigh`` may skip candidates that cannot reach the top).
    weighed: bool = True
    #: What each part added before normalising: ``semantic`` and ``lexical`` split ``fused``;
    #: each kind of evidence, in turn, what its factor added; ``graph``.
    added: dict[str, float] = field(default_factory=dict)
    #: The factor each kind of evidence multiplied the score by (``1 + weight * value``).
    factors: dict[str, float] = field(default_factory=dict)
    #: What ``spread`` divided the score by, so that it stays in [0, 1].
    ceiling: float = 1.0

    def parts(self) -> dict[str, float | int | bool | dict[str, float] | None]:
        """What ``explain=True`` shows for this result."""
        return {
            "semantic": self.semantic,
            "semantic_rank": self.semantic_rank,
            "lexical": self.lexical,
            "lexical_rank": self.lexical_rank,
            "fused": round(self.fused, 6),
            "entity": self.evidence.get("entity", 0.0) > 0,
            "time": round(self.evidence.get("time", 0.0), 6),
            "when": self.evidence.get("when", 0.0) > 0,
            "neighbour": round(self.neighbour, 6),
            **({} if self.graph is None else {"graph": round(self.graph, 6)}),
            "shares": self.shares(),
            **self.notes,
        }

    def shares(self) -> dict[str, float]:
        """How much each part added to the score (before any reranker): ``semantic`` and
        ``lexical`` split the fused score, ``entity``, ``time`` and ``when`` are what their
        factors added, ``graph`` (graph memory on) what the relations around the query's
        entities added, ``neighbour`` what the conversation lent. They sum to the score, so
        they can be drawn as one bar."""
        own = {name: value / self.ceiling for name, value in self.added.items()}
        kept = 1.0 - self.neighbour  # a + b - ab = a (1 - b) + b
        parts = {name: value * kept for name, value in own.items()}
        parts["neighbour"] = self.neighbour
        for name in ("semantic", "lexical", "entity", "time", "neighbour"):
            parts.setdefault(name, 0.0)
        return {name: round(value, 6) for name, value in parts.items()}


def fuse(
    semantic: Iterable[tuple[MemoryRecord, float]],
    lexical: Iterable[tuple[MemoryRecord, float]],
    w: Weights = DEFAULT,
    terms: frozenset[str] = frozenset(),
) -> dict[str, Candidate]:
    """Relevance-weighted reciprocal-rank fusion of two lists, normalised to [0, 1] (step 1).

    ``terms``: the query's stemmed terms (``keywords.query_terms``); a lexical candidate that
    holds fewer than ``min(2, len(terms))`` of them gets no lexical relevance.
    """
    needed = min(2, len(terms))
    pool: dict[str, Candidate] = {}
    dense = _ranked([(r, round(s, 6)) for r, s in semantic])
    floor = _unrelated_level([s for _, s, _ in dense], w.calibration_prior, w.calibration_quantile)
    for record, score, rank in dense:
        c = pool.setdefault(record.id, Candidate(record))
        c.semantic, c.semantic_rank = score, rank
        c.added["semantic"] = _term(w.rrf_k, rank, max(0.0, (score - floor) / (1.0 - floor)))
    for record, score, rank in _ranked([(r, float(f"{s:.6g}")) for r, s in lexical]):
        c = pool.setdefault(record.id, Candidate(record))
        c.lexical, c.lexical_rank = score, rank
        if score > 0 and matched_terms(terms, record.text, record.actor_id) >= needed:
            c.added["lexical"] = _term(w.rrf_k, rank, score / (score + w.lexical_half))
    best = 2.0 / (w.rrf_k + 1)
    for c in pool.values():
        c.added = {name: value / best for name, value in c.added.items()}
        c.fused = sum(c.added.values())
    return pool


def _ranked(
    scored: list[tuple[MemoryRecord, float]],
) -> list[tuple[MemoryRecord, float, int]]:
    """Best first, ties by id; equal scores share a rank (1, 2, 2, 4)."""
    ordered = sorted(scored, key=lambda item: (-item[1], item[0].id))
    out: list[tuple[MemoryRecord, float, int]] = []
    for i, (record, score) in enumerate(ordered):
        rank = out[-1][2] if out and out[-1][1] == score else i + 1
        out.append((record, score, rank))
    return out


def _unrelated_level(cosines: list[float], prior: int, quantile: float = 0.5) -> float:
    """The cosine a candidate must exceed to count as relevant at all (see step 1)."""
    if not cosines:
        return 0.0
    ordered = sorted(cosines)
    at = quantile * (len(ordered) - 1)
    low = int(at)
    level = ordered[low] + (ordered[min(low + 1, len(ordered) - 1)] - ordered[low]) * (at - low)
    level *= min(1.0, (len(ordered) - 1) / prior)
    return min(max(0.0, level), 0.99)


def _term(k: int, rank: int, relevance: float) -> float:
    """One list's contribution: reciprocal rank, weighted by relevance in [0, 1]."""
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
    evidence: Mapping[str, Evidence],
    w: Weights,
    keep: int | None = None,
) -> None:
    """Score every candidate from its fused relevance and the evidence (step 2).

    Reading evidence costs (a memory's stated times are parsed), so with ``keep`` the best
    candidates are weighed first, by fused relevance, and a candidate that could not reach
    the best ``keep`` even with every factor at its maximum keeps its fused relevance as its
    score: the order of the best ``keep`` is exactly that of weighing everything.
    """
    most = math.prod(1.0 + getattr(w, name) for name in evidence)
    # The time evidence (a memory's stated times are parsed) is read last: a candidate
    # whose other evidence leaves it short of the best ``keep`` even at full time weight
    # is not parsed.
    cheap = [name for name in evidence if name != "time"]
    time_most = 1.0 + w.time if "time" in evidence else 1.0
    best: list[float] = []  # a min-heap of the best ``keep`` scores so far
    for c in sorted(pool.values(), key=lambda c: (-c.fused, c.record.id)):
        full = keep is not None and len(best) >= keep
        if full and c.fused * most < best[0]:
            c.score, c.weighed = c.fused, False
            continue
        found = {name: evidence[name](c.record) for name in cheap}
        if full and time_most > 1.0:
            reach = c.fused * math.prod(1.0 + getattr(w, n) * v for n, v in found.items())
            if reach * time_most < best[0]:
                c.score, c.weighed = c.fused, False
                continue
        _mark(c, evidence, found)
        c.score = _evidenced(c, evidence, w)
        if keep is not None:
            (heapq.heappush if len(best) < keep else heapq.heappushpop)(best, c.score)


def add_graph(
    pool: dict[str, Candidate],
    scores: Mapping[str, float],
    found: Iterable[MemoryRecord],
    evidence: Mapping[str, Evidence],
    w: Weights = DEFAULT,
) -> None:
    """The graph part (step 4): each scored memory's, ``graph`` times it added to its score;
    ``found`` (memories only the graph reached) join the pool."""
    for record in found:
        pool.setdefault(record.id, Candidate(record, weighed=False))
    for c in pool.values():
        c.graph = scores.get(c.record.id, 0.0)
        if c.graph and not c.weighed:  # it may reach the top now: read its evidence
            _mark(c, evidence)
            c.score = _evidenced(c, evidence, w)
        if c.graph:
            c.added["graph"] = w.graph * c.graph
            c.score += c.added["graph"]


def lenders(pool: Mapping[str, Candidate], w: Weights = DEFAULT) -> list[str]:
    """Ids of the candidates whose neighbours are worth fetching (the best ones)."""
    best = sorted(pool.values(), key=lambda c: (-c.score, c.record.id))[: w.neighbour_sources]
    return [c.record.id for c in best]


def spread(
    pool: dict[str, Candidate],
    neighbours: Mapping[str, tuple[MemoryRecord | None, MemoryRecord | None]],
    evidence: Mapping[str, Evidence],
    w: Weights = DEFAULT,
) -> list[Candidate]:
    """Lend relevance along conversations (step 3), normalise and order (step 4)."""
    lent: dict[str, float] = {}
    for source_id in lenders(pool, w):
        source = pool[source_id]
        before, after = neighbours.get(source_id, (None, None))
        for other, pair in ((before, (before, source.record)), (after, (source.record, after))):
            if other is None or not conversational(pair[0], pair[1], w.neighbour_window_s):
                continue
            receiver = pool.setdefault(other.id, Candidate(other, weighed=False))
            if not receiver.weighed:
                _mark(receiver, evidence)
                receiver.score = _evidenced(receiver, evidence, w)
            lent[other.id] = max(lent.get(other.id, 0.0), w.neighbour * source.score)
    graph_on = any(c.graph is not None for c in pool.values())
    ceiling = math.prod(1.0 + getattr(w, name) for name in evidence) + (w.graph if graph_on else 0)
    for c in pool.values():
        if graph_on and c.graph is None:
            c.graph = 0.0  # a neighbour that joined after the graph part
        own = c.score / ceiling
        c.neighbour = lent.get(c.record.id, 0.0) / ceiling
        c.score = own + c.neighbour - own * c.neighbour
        c.ceiling = ceiling
    return sorted(pool.values(), key=lambda c: (-c.score, c.record.id))


def conversational(
    first: MemoryRecord | None, second: MemoryRecord | None, window_s: float
) -> bool:
    """Whether ``second``, stored right after ``first`` in their scope, replies to it.

    Both have a speaker (a name or a role), the speakers differ, and ``second`` was said no
    earlier than ``first`` and within ``window_s`` of it. A list of facts stored in one call
    (one role, no names) is no conversation.
    """
    if first is None or second is None:
        return False
    one, two = (first.actor_id, first.role), (second.actor_id, second.role)
    if one == (None, None) or two == (None, None) or one == two:
        return False
    try:
        gap = (
            datetime.fromisoformat(said_at(second)) - datetime.fromisoformat(said_at(first))
        ).total_seconds()
    except ValueError:
        return False
    return 0.0 <= gap <= window_s


def _mark(
    c: Candidate, evidence: Mapping[str, Evidence], known: Mapping[str, float] | None = None
) -> None:
    """Read the candidate's evidence (``known``: values already read)."""
    known = known or {}
    c.evidence = {
        name: known[name] if name in known else value(c.record) for name, value in evidence.items()
    }
    c.weighed = True


def _evidenced(c: Candidate, evidence: Mapping[str, Evidence], w: Weights) -> float:
    """The fused score times each evidence factor; what each factor added is kept."""
    score = c.fused
    for name in evidence:
        c.factors[name] = 1.0 + getattr(w, name) * c.evidence.get(name, 0.0)
        c.added[name] = score * (c.factors[name] - 1.0)
        score += c.added[name]
    return score
