"""Graph evidence for a search: the entities a query names, their neighbourhood, scores.

1. The query's word sequences (one to four words, as normalised names, possessives
   dropped) are looked up among the scope's entity names.
2. The relations within ``hops`` of those entities are read (live ones only).
3. Each relation is scored by how much of the rest of the query it covers: the words of
   its relationship and its endpoints (for a relation two hops away, also the words of the
   relation that leads to it), lightly stemmed, against the query's content words other than
   the entities' own names. ``score = HOP_DECAY**(hop-1) * (BASE + (1 - BASE) * coverage)``;
   when the query says nothing but the entities, every relation covers it.
4. A memory's ``graph`` part is the best score among the relations it supports that cover
   some of the query; search fuses it with the other parts (``ranking.add_graph``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from engram.core.effects import Flow, StoreCall
from engram.core.graph.names import normalise_name
from engram.core.graph.records import EntityRecord, RelationRecord
from engram.core.keywords import STOP_WORDS

#: Score of a relation that covers nothing of the query beyond its entities.
BASE = 0.3
#: Each hop away from the query's entities multiplies a relation's score by this.
HOP_DECAY = 0.7
#: At most this many relations are read around the query's entities.
NEIGHBOURHOOD_LIMIT = 300
_EXTRA_STOP = frozenset("did does do doing done has have had would could should can".split())
_WORD = re.compile(r"[\w'\u2019]+")


@dataclass
class GraphHits:
    """The scored relations around a query's entities, and each memory's best score."""

    entities: list[EntityRecord] = field(default_factory=list)
    relations: list[tuple[RelationRecord, float]] = field(default_factory=list)
    memories: dict[str, float] = field(default_factory=dict)


def query_names(text: str) -> list[str]:
    """Candidate entity names in a query: its one- to four-word sequences, normalised."""
    words = [w.strip("'\u2019") for w in _WORD.findall(text)]
    names: dict[str, None] = {}
    for size in range(1, 5):
        for start in range(len(words) - size + 1):
            span = words[start : start + size]
            if all(w.lower() in STOP_WORDS or w.lower() in _EXTRA_STOP for w in span):
                continue
            for name in (normalise_name(" ".join(span)), normalise_name(" ".join(span) + "s")):
                if name:
                    names.setdefault(name, None)
    return list(names)


def stem(word: str) -> str:
    """A light stem, enough to meet ``works`` with ``work`` and ``sister_of`` with ``sisters``."""
    word = word.lower().strip("'\u2019")
    if word.endswith("'s") or word.endswith("\u2019s"):
        word = word[:-2]
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def graph_search(text: str, scope: Mapping[str, str | None], hops: int) -> Flow[GraphHits]:
    """Look up the entities the query names and score the relations around them."""
    entities: list[EntityRecord] = yield StoreCall("lookup_entities", (scope, query_names(text)))
    if not entities:
        return GraphHits()
    ids = [e.id for e in entities]
    found: list[RelationRecord] = yield StoreCall(
        "neighbourhood", (ids, hops, None, False, NEIGHBOURHOOD_LIMIT)
    )
    seeds = {w for e in entities for w in e.name.split("_")}
    wanted = {
        stem(w)
        for w in _WORD.findall(text.lower())
        if w not in STOP_WORDS and w not in _EXTRA_STOP and stem(w) not in {stem(s) for s in seeds}
    }
    hits = GraphHits(entities)
    for relation, score, coverage in score_relations(found, wanted):
        hits.relations.append((relation, score))
        if coverage > 0:
            for memory_id in relation.memory_ids:
                hits.memories[memory_id] = max(hits.memories.get(memory_id, 0.0), score)
    return hits


def score_relations(
    relations: list[RelationRecord], wanted: set[str]
) -> list[tuple[RelationRecord, float, float]]:
    """Each relation with its score and its coverage of ``wanted``, best first."""
    own = {r.id: _words(r) for r in relations}
    leading: dict[str, list[str]] = {}
    for r in relations:
        if r.hop <= 1:
            leading.setdefault(r.source_id, []).append(r.id)
            leading.setdefault(r.destination_id, []).append(r.id)
    scored = []
    for r in relations:
        words = set(own[r.id])
        if r.hop > 1:  # the relation that leads to it (the one covering most) adds its words
            leads = leading.get(r.source_id, []) + leading.get(r.destination_id, [])
            if leads:
                words |= max((own[i] for i in leads), key=lambda w: len(w & wanted))
        coverage = len(words & wanted) / len(wanted) if wanted else 1.0
        if wanted and r.hop > 1 and not own[r.id] & wanted:
            coverage = 0.0  # only the way there matched: nothing about this relation does
        score = HOP_DECAY ** (max(r.hop, 1) - 1) * (BASE + (1 - BASE) * coverage)
        scored.append((r, round(score, 6), coverage))
    scored.sort(key=lambda item: (-item[1], item[0].hop, item[0].id))
    return scored


def _words(r: RelationRecord) -> set[str]:
    text = f"{r.source} {r.relationship} {r.destination}".replace("_", " ")
    return {stem(w) for w in _WORD.findall(text) if w not in ("of", "a", "the", "in", "at")}
