"""Planning a graph write: extracted triples -> entity matches -> relation operations.

For one add, the core hands over what each memory states (``Stated``: triples, the planned
id of the memory that states them, and when). Planning then

1. embeds every entity name in one batch, looks the names up in the exact scope, and matches
   the rest by name-vector similarity (``threshold``, cosine; types must agree unless one is
   the generic ``thing``); new names that are as similar to each other become one entity;
2. merges triples that resolve to the same relation, keeping all their supporting memories;
3. finds contradictions among the live relations of the entities involved: offline, a
   single-valued relationship (``lives_in``, ``works_at``) with a new destination; with an
   LLM, one decision call (``engram.core.graph.llm``). A contradicted relation is
   invalidated at the time of the new statement; a statement older than the relation it
   contradicts is itself recorded as already over.

The result is one ``GraphWrite`` for the store to execute in the add's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from engram.core.effects import Embed, Flow, StoreCall
from engram.core.graph.extract import Mention, Triple
from engram.core.graph.names import display
from engram.core.graph.records import (
    AssertRelation,
    EntityMatch,
    EntityRecord,
    GraphWrite,
    InvalidateRelation,
    RelationRecord,
    ScopeIds,
)
from engram.embedders.base import Vectors

#: Relationships a subject has one of at a time: a new destination contradicts the old one.
SINGLE_VALUED = frozenset({"lives_in", "works_at"})


@dataclass(frozen=True, slots=True)
class Stated:
    """What one memory states: its triples, its planned id and when it was said."""

    triples: tuple[Triple, ...]
    memory_id: str
    when: str


@dataclass(frozen=True, slots=True)
class Proposed:
    """A relation the write will assert, with the names it resolved to (for decisions)."""

    source: str
    relationship: str
    destination: str
    source_id: str | None
    destination_id: str | None


#: Decides which of the existing relations the proposed ones contradict (by index).
Contradict = Callable[[list[Proposed], list[RelationRecord]], Flow[list[int]]]


def plan_graph(
    scope: ScopeIds,
    stated: Sequence[Stated],
    threshold: float,
    contradict: Contradict | None = None,
    retract: tuple[str, ...] = (),
) -> Flow[GraphWrite | None]:
    """The graph write for these statements (None when there is nothing to write)."""
    mentions: dict[str, Mention] = {}
    for item in stated:
        for triple in item.triples:
            for m in (triple.source, triple.destination):
                if mentions.get(m.name, m).type == "thing" or m.name not in mentions:
                    mentions[m.name] = m
    if not mentions:
        return GraphWrite(scope, retract=retract) if retract else None
    names = sorted(mentions)
    vectors = yield Embed(tuple(display(n) for n in names))
    exact = dict(zip(("user_id", "agent_id", "run_id"), scope, strict=True))
    known: list[EntityRecord] = yield StoreCall("lookup_entities", (exact, names))
    by_name = {e.name: e for e in known}
    unknown = [i for i, n in enumerate(names) if n not in by_name]
    similar: list[tuple[EntityRecord, float] | None] = []
    if unknown:
        similar = yield StoreCall(
            "similar_entities", (scope, np.asarray(vectors)[unknown], threshold)
        )
    matches: dict[str, EntityMatch] = {}
    for i, name in enumerate(names):
        mention = mentions[name]
        existing = by_name.get(name)
        if existing is None and i in unknown:
            hit = similar[unknown.index(i)]
            if hit is not None and _compatible(hit[0].type, mention.type):
                existing = hit[0]
        if existing is not None:
            kind = existing.type if mention.type == "thing" else mention.type
            matches[name] = EntityMatch(existing.name, existing.name, kind, vectors[i], existing.id)
            continue
        twin = _twin(name, mention, names[:i], matches, vectors, i, threshold)
        matches[name] = twin or EntityMatch(name, name, mention.type, vectors[i])
    entities = {m.key: m for m in matches.values()}
    relations: dict[tuple[str, str, str], AssertRelation] = {}
    for item in stated:
        for triple in item.triples:
            source = matches[triple.source.name].key
            destination = matches[triple.destination.name].key
            if source == destination:
                continue
            key = (source, triple.relationship, destination)
            prior = relations.get(key)
            supports = (prior.memory_ids if prior else ()) + (item.memory_id,)
            when = min(prior.valid_at, item.when) if prior else item.when
            relations[key] = AssertRelation(
                source, triple.relationship, destination, when, tuple(dict.fromkeys(supports))
            )
    if not relations:
        return GraphWrite(scope, retract=retract) if retract else None
    proposed = [
        Proposed(s, r, d, entities[s].existing_id, entities[d].existing_id) for s, r, d in relations
    ]
    involved = sorted({i for p in proposed for i in (p.source_id, p.destination_id) if i})
    invalidations: list[InvalidateRelation] = []
    if involved:
        wanted = None if contradict is not None else sorted(SINGLE_VALUED)
        live: list[RelationRecord] = yield StoreCall("touching_relations", (involved, wanted))
        live = [r for r in live if (r.source, r.relationship, r.destination) not in relations]
        if live:
            if contradict is None:
                chosen = _single_valued(proposed, live)
            else:
                chosen = yield from contradict(proposed, live)
            invalidations, relations = _close(chosen, proposed, live, relations)
    return GraphWrite(
        scope,
        entities=tuple(entities.values()),
        relations=tuple(relations.values()),
        invalidate=tuple(invalidations),
        retract=retract,
    )


def _compatible(a: str, b: str) -> bool:
    return a == b or "thing" in (a, b)


def _twin(
    name: str,
    mention: Mention,
    earlier: list[str],
    matches: dict[str, EntityMatch],
    vectors: Vectors,
    at: int,
    threshold: float,
) -> EntityMatch | None:
    """A new entity of this write as similar to ``name`` as ``threshold``, if any."""
    best, score = None, threshold
    for j, other in enumerate(earlier):
        match = matches[other]
        if match.existing_id is not None or not _compatible(match.type, mention.type):
            continue
        cosine = float(np.dot(vectors[at], vectors[j]))
        if cosine >= score:
            best, score = match, cosine
    return best


def _single_valued(proposed: list[Proposed], live: list[RelationRecord]) -> list[int]:
    """Live relations a proposed single-valued one contradicts: same source and
    relationship, another destination."""
    chosen = []
    for i, old in enumerate(live):
        for p in proposed:
            if (
                p.relationship in SINGLE_VALUED
                and p.relationship == old.relationship
                and p.source_id == old.source_id
                and p.destination != old.destination
            ):
                chosen.append(i)
                break
    return chosen


def _close(
    chosen: list[int],
    proposed: list[Proposed],
    live: list[RelationRecord],
    relations: dict[tuple[str, str, str], AssertRelation],
) -> tuple[list[InvalidateRelation], dict[tuple[str, str, str], AssertRelation]]:
    """Invalidate the chosen relations at the new statements' time; a statement older than
    the relation it contradicts is recorded as already over (closed at that relation's
    ``valid_at``) and leaves it valid."""
    invalidations = []
    for i in sorted(set(chosen)):
        old = live[i]
        ends = {old.source, old.destination}
        rivals = [key for key in relations if ends & {key[0], key[2]}] or list(relations)
        newest = max(relations[key].valid_at for key in rivals)
        since = old.valid_at or old.created_at
        if newest >= since:
            invalidations.append(InvalidateRelation(old.id, newest))
            continue
        for key in rivals:  # the new statement is the older truth: it ended when old began
            rel = relations[key]
            if rel.valid_at < since:
                relations[key] = AssertRelation(
                    rel.source, rel.relationship, rel.destination, rel.valid_at,
                    rel.memory_ids, since,
                )  # fmt: skip
    return invalidations, relations
