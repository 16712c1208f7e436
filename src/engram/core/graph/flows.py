"""The graph steps of the public operations, as flows the core's operations call.

``GraphSettings`` (``engram.core.graph.settings``) is what the ``graph_store`` block decides.
``offline_stated``
turns stored statements into what they state (the offline extractor), ``llm_stated`` asks
the LLM; ``write_for`` plans the ``GraphWrite`` of an add; the read flows serve
``get_all``'s relations and ``Memory.graph``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engram.core.effects import Flow, StoreCall
from engram.core.extractor import Statement, extract_statements
from engram.core.graph.extract import Extractor, Mention, Triple
from engram.core.graph.llm import contradictions, extract_relations
from engram.core.graph.names import SELF_WORDS, normalise_name
from engram.core.graph.plan import Stated, plan_graph
from engram.core.graph.records import EntityRecord, GraphWrite, RelationRecord, ScopeIds
from engram.core.graph.results import entity_dict, relation_dict
from engram.core.graph.settings import GraphSettings
from engram.core.inference import Tally
from engram.core.messages import Message
from engram.core.validation import Scope


def speaker_of(message: Message, scope: Scope) -> str:
    """Who "I" is in a message: its ``name``, else the scope's user, agent or run."""
    return message.name or scope.user_id or scope.agent_id or scope.run_id or "user"


def offline_stated(
    groups: Sequence[tuple[Message, Sequence[tuple[str, str]]]], scope: Scope, when: str
) -> list[Stated]:
    """What each memory states, by the offline extractor.

    ``groups``: per message, its statements as ``(text, planned memory id)``, in order (one
    extractor per message, so "she" can name the person the message named before).
    """
    stated = []
    for message, items in groups:
        extractor = Extractor(speaker_of(message, scope))
        for text, memory_id in items:
            triples = tuple(extractor.extract(text).triples)
            if triples:
                stated.append(Stated(triples, memory_id, when))
    return stated


def message_statements(message: Message, when: str) -> list[str]:
    """The statements of one message the offline extractor keeps (its user messages)."""
    return [s.text for s in extract_statements([message], when)]


def statement_groups(
    statements: Sequence[Statement], memory_ids: Sequence[str]
) -> list[tuple[Message, list[tuple[str, str]]]]:
    """Statements grouped by the message they came from, each with its memory's id."""
    groups: list[tuple[Message, list[tuple[str, str]]]] = []
    for statement, memory_id in zip(statements, memory_ids, strict=True):
        if not groups or groups[-1][0] is not statement.message:
            groups.append((statement.message, []))
        groups[-1][1].append((statement.text, memory_id))
    return groups


def llm_stated(
    texts: Sequence[tuple[str, str, str]],
    scope: Scope,
    when: str,
    settings: GraphSettings,
    tally: Tally,
) -> Flow[list[Stated]]:
    """What each text states, by one LLM call: ``texts`` are ``(text, speaker, memory id)``."""
    if not texts:
        return []
    speakers = sorted({s for _, s, _ in texts})
    answer = yield from extract_relations(
        [t for t, _, _ in texts], speakers, settings.custom_prompt, tally, settings.own_llm
    )
    return stated_from_answer(answer, [(s, m) for _, s, m in texts], when)


def stated_from_answer(
    answer: Sequence[tuple[int, Triple]], owners: Sequence[tuple[str, str]], when: str
) -> list[Stated]:
    """LLM triples (each naming the index of the text it comes from) per memory; "I" and
    "user" become that text's speaker."""
    by_memory: dict[str, list[Triple]] = {}
    for index, triple in answer:
        speaker, memory_id = owners[index]
        me = Mention(normalise_name(speaker) or "user", "person")
        source = me if triple.source.name in SELF_WORDS else triple.source
        destination = me if triple.destination.name in SELF_WORDS else triple.destination
        if source.name != destination.name:
            fixed = Triple(source, triple.relationship, destination)
            by_memory.setdefault(memory_id, []).append(fixed)
    return [Stated(tuple(t), m, when) for m, t in by_memory.items()]


def write_for(
    scope: Scope,
    stated: Sequence[Stated],
    settings: GraphSettings,
    tally: Tally,
    retract: tuple[str, ...] = (),
) -> Flow[GraphWrite | None]:
    """The add's ``GraphWrite``: contradictions decided by the LLM when there is one."""
    ids: ScopeIds = (scope.user_id, scope.agent_id, scope.run_id)
    decide = None
    if settings.with_llm:

        def decide(proposed: Any, live: Any) -> Flow[list[int]]:
            return (yield from contradictions(proposed, live, tally, settings.own_llm))

    return (yield from plan_graph(ids, stated, settings.threshold, decide, retract))


def read_scope(scope: Scope) -> dict[str, str | None]:
    """A read's scope: the ids that are set."""
    return {
        name: value
        for name, value in (
            ("user_id", scope.user_id),
            ("agent_id", scope.agent_id),
            ("run_id", scope.run_id),
        )
        if value is not None
    }


def entities_flow(scope: Scope, limit: int) -> Flow[list[dict[str, Any]]]:
    """``Memory.graph.entities``."""
    found: list[EntityRecord] = yield StoreCall("list_entities", (read_scope(scope), limit))
    return [entity_dict(e) for e in found]


def relations_flow(
    scope: Scope, entity: str | None, hops: int, as_of: str | None, limit: int
) -> Flow[list[dict[str, Any]]]:
    """``Memory.graph.relations``: a scope's relations, or an entity's neighbourhood."""
    everything = False
    if entity is None:
        rows: list[RelationRecord] = yield StoreCall(
            "list_relations", (read_scope(scope), as_of, everything, limit)
        )
        return [relation_dict(r) for r in rows]
    name = normalise_name(entity)
    found: list[EntityRecord] = yield StoreCall("lookup_entities", (read_scope(scope), [name]))
    if not found:
        return []
    rows = yield StoreCall("neighbourhood", ([e.id for e in found], hops, as_of, everything, limit))
    return [relation_dict(r) for r in rows]
