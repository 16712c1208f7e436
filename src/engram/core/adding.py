"""The ``add`` flows of ``Operations``: memories as given, extracted by an LLM or offline,
procedural summaries, and the graph part of each, committed as one write (see
``engram.core.operations`` for the rest of the API).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from engram.core import idempotency
from engram.core.effects import Embed, Flow, StoreCall
from engram.core.filters import Condition, Field, FilterNode, conjoin
from engram.core.limits import Limits
from engram.core.messages import Message, parse_messages
from engram.core.records import (
    Change,
    Insert,
    MemoryRecord,
    Remember,
    Update,
    WriteOp,
    new_id,
    text_hash,
)
from engram.core.results import change_dict, listing, strip_identity
from engram.core.timeutil import now_iso, parse_date, parse_timestamp
from engram.core.validation import (
    Scope,
    check_bool,
    check_memory_type,
    check_metadata,
    optional_str,
    scope_of,
)
from engram.exceptions import ConfigurationError, ValidationError
from engram.stores.base import Committed

if TYPE_CHECKING:
    from engram.core.graph.extract import Triple
    from engram.core.graph.plan import Stated
    from engram.core.graph.settings import GraphSettings
    from engram.core.inference import Tally


# Inference, the offline extractor, vision, reranking and graph memory are imported where
# they are used:
# a search or a store-as-given add never needs them, and a fresh process (the CLI) starts
# faster without their models and prompts.

logger = logging.getLogger("engram")

Result = dict[str, Any] | list[dict[str, Any]]
NewRecord = Callable[..., MemoryRecord]
NOT_INVALIDATED = Condition(Field("invalid_at"), "eq", None)
#: Offline extraction: a statement this similar (cosine) to a stored memory is a duplicate.
DUPLICATE_SIMILARITY = 0.95


class Adding:
    """The add flows, a base of ``Operations`` (which sets these attributes)."""

    version: str
    limits: Limits
    graph: GraphSettings | None
    has_llm: bool
    fact_prompt: str | None
    update_prompt: str | None
    instructions: str | None
    vision: bool
    vision_details: str
    _said_no_llm: bool

    def add(
        self,
        messages: object,
        *,
        user_id: object = None,
        agent_id: object = None,
        run_id: object = None,
        metadata: object = None,
        infer: object = True,
        memory_type: object = None,
        prompt: object = None,
        timestamp: object = None,
        expiration_date: object = None,
        idempotency_key: object = None,
    ) -> Flow[Result]:
        """Store messages as memories: as given, or inferred (LLM or offline extractor).

        With ``idempotency_key``, the add's writes commit with a record of the key, and a
        later add with the same key (in the same scope) returns the recorded result and
        writes nothing (``engram.core.idempotency``).
        """
        limits = self.limits
        scope = scope_of(user_id, agent_id, run_id, limits=limits)
        infer = check_bool(infer, "infer")
        kind = check_memory_type(memory_type)
        kind = None if kind is None else str(kind)  # a str enum (mem0's MemoryType) as text
        custom_prompt = optional_str(prompt, "prompt", limits.max_text_chars)
        meta = strip_identity(check_metadata(metadata, limits=limits), None, "add()")
        key = optional_str(idempotency_key, "idempotency_key", limits.max_id_chars)
        parsed = parse_messages(messages, limits)
        when = parse_timestamp(timestamp) if timestamp is not None else now_iso()
        expires = None if expiration_date is None else parse_date(expiration_date)
        remember = None
        if key is not None:
            token = idempotency.token(scope, key)
            options = {"infer": infer, "memory_type": kind, "prompt": custom_prompt}
            options["timestamp"] = when if timestamp is not None else None
            options["expiration_date"] = expires
            fingerprint = idempotency.fingerprint(parsed, meta, options)
            stored = yield StoreCall("recall", (token,))
            if stored is not None:
                done = idempotency.replayed(stored, fingerprint, key)
                return self._replayed(done, infer=infer, procedural=kind == "procedural_memory")
            remember = Remember(token, fingerprint, expires_before=idempotency.expiry())

        def record(text: str, actor_id: str | None = None, role: str | None = None) -> MemoryRecord:
            return MemoryRecord(
                id=new_id(),
                text=text,
                hash=text_hash(text),
                created_at=when,
                updated_at=when,
                user_id=scope.user_id,
                agent_id=scope.agent_id,
                run_id=scope.run_id,
                actor_id=actor_id,
                role=role,
                memory_type=kind,
                metadata=meta,
                valid_at=when,
                expiration_date=expires,
            )

        if kind == "procedural_memory":
            if scope.agent_id is None:
                raise ValidationError(
                    "procedural memory belongs to an agent: pass agent_id",
                    field="agent_id",
                    expected="a non-empty string",
                )
            if not self.has_llm:
                raise ConfigurationError(
                    "procedural memory summarises a conversation with an LLM, and none is "
                    "configured",
                    missing_field="llm",
                    suggestion='configure one: Memory.from_config({"llm": {...}})',
                )
            return (yield from self._add_procedural(parsed, custom_prompt, record, remember))
        live_scope = conjoin(scope.as_filter(), NOT_INVALIDATED)
        assert live_scope is not None
        if infer and self.has_llm:
            instructions = custom_prompt or self.instructions  # mem0 2.x: add(prompt=) instructs
            return (
                yield from self._add_inferred(
                    parsed, when, live_scope, record, instructions, scope, remember
                )
            )
        if infer:
            return (yield from self._add_offline(parsed, when, live_scope, record, scope, remember))
        kept = [m for m in parsed if m.role != "system" and m.content.strip()]
        if not kept:
            done, rest = yield from self._finish([], [], remember)
            return self._added(done, rest, None, speaker=True)
        vectors = yield Embed(tuple(embedding_text(m.content, m.name) for m in kept))
        ops: list[WriteOp] = [
            Insert(record(m.content, m.name, m.role), vector)
            for m, vector in zip(kept, vectors, strict=True)
        ]
        tally = None
        if self.graph is not None:
            from engram.core.inference import Tally

            tally = Tally()
            inserted = [op.record.id for op in ops if isinstance(op, Insert)]
            stated = yield from self._stated_messages(kept, inserted, scope, when, tally)
            ops += yield from self._graph_write(scope, stated, tally)
        done, rest = yield from self._finish(ops, [], remember)
        used = tally if tally is not None and tally.usage.calls else None
        return self._added(done, rest, used, speaker=True)

    def _add_inferred(
        self,
        parsed: list[Message],
        when: str,
        live_scope: FilterNode,
        record: NewRecord,
        instructions: str | None,
        scope: Scope,
        remember: Remember | None,
    ) -> Flow[Result]:
        """Facts from the LLM, decided against existing memories, applied in one transaction."""
        from engram.core.inference import Tally, extract_facts, plan_updates
        from engram.core.vision import describe_images

        tally = Tally()
        talk = [m for m in parsed if m.role != "system"]
        talk = yield from describe_images(talk, self.vision, self.vision_details, tally)
        facts: list[str] = []
        pairs: list[tuple[int, Triple]] | None = None
        one_call = self.graph is not None and not self.graph.own_llm and not self.fact_prompt
        if talk and one_call:
            from engram.core.graph.llm import facts_and_relations

            assert self.graph is not None
            facts, pairs = yield from facts_and_relations(
                talk, when, self.graph.custom_prompt, tally, instructions
            )
        elif talk:
            facts = yield from extract_facts(talk, when, self.fact_prompt, tally, instructions)
        ops: list[WriteOp] = []
        unchanged: list[Change] = []
        if facts:
            vectors = yield Embed(tuple(facts))
            plan = yield from plan_updates(
                facts, vectors, live_scope, record, when, self.update_prompt, tally
            )
            ops, unchanged = list(plan.ops), list(plan.unchanged)
        if self.graph is not None:
            from engram.core.graph import flows

            homes = memory_homes(ops, unchanged)
            speaker = flows.speaker_of(next(iter(talk), Message("user", "")), scope)
            if pairs is None:
                texts = [(text, speaker, memory_id) for text, memory_id in homes]
                stated = yield from flows.llm_stated(texts, scope, when, self.graph, tally)
            else:
                owners = [(speaker, home_of(fact, homes)) for fact in facts]
                found = [(i, t) for i, t in pairs if owners[i][1]]
                stated = flows.stated_from_answer(found, owners, when)
            ops += yield from self._graph_write(scope, stated, tally)
        done, rest = yield from self._finish(ops, unchanged, remember)
        return self._added(done, rest, tally)

    def _add_offline(
        self,
        parsed: list[Message],
        when: str,
        live_scope: FilterNode,
        record: NewRecord,
        scope: Scope,
        remember: Remember | None,
    ) -> Flow[Result]:
        """The offline extractor's statements, minus those already stored (hash or meaning)."""
        from engram.core.extractor import extract_statements

        if not self._said_no_llm:
            logger.info(
                "engram: no LLM configured, so add(infer=True) keeps the informative statements "
                "of the user's messages (offline extractor)"
            )
            self._said_no_llm = True
        statements = extract_statements(parsed, when)
        if not statements:
            done, rest = yield from self._finish([], [], remember)
            return self._added(done, rest, None)
        vectors = yield Embed(tuple(s.text for s in statements))
        ops: list[WriteOp] = []
        unchanged: dict[str, Change] = {}
        kept: list[int] = []
        homes: list[str | None] = []
        for i, (statement, vector) in enumerate(zip(statements, vectors, strict=True)):
            twin = next(
                (j for j in kept if float(vectors[j] @ vector) >= DUPLICATE_SIMILARITY), None
            )
            if twin is not None:
                homes.append(homes[twin])
                continue
            hits: list[tuple[MemoryRecord, float]] = yield StoreCall(
                "search", (vector, live_scope, 1, DUPLICATE_SIMILARITY)
            )
            if hits:
                old = hits[0][0]
                unchanged.setdefault(old.id, Change("NONE", old.id, old, old))
                homes.append(old.id)
                continue
            kept.append(i)
            new = record(statement.text, statement.message.name, statement.message.role)
            ops.append(Insert(new, vector, unique=True))
            homes.append(new.id)
        tally = None
        if self.graph is not None:
            from engram.core.graph import flows
            from engram.core.inference import Tally

            tally = Tally()
            pairs = [(s, h) for s, h in zip(statements, homes, strict=True) if h is not None]
            if self.graph.with_llm:
                texts = [(s.text, flows.speaker_of(s.message, scope), h) for s, h in pairs]
                stated = yield from flows.llm_stated(texts, scope, when, self.graph, tally)
            else:
                groups = flows.statement_groups([s for s, _ in pairs], [h for _, h in pairs])
                stated = flows.offline_stated(groups, scope, when)
            ops += yield from self._graph_write(scope, stated, tally)
        done, rest = yield from self._finish(ops, list(unchanged.values()), remember)
        used = tally if tally is not None and tally.usage.calls else None
        return self._added(done, rest, used)

    def _stated_messages(
        self,
        messages: list[Message],
        memory_ids: list[str],
        scope: Scope,
        when: str,
        tally: Tally,
    ) -> Flow[list[Stated]]:
        """What messages stored as they are state: each by its own statements."""
        from engram.core.graph import flows

        assert self.graph is not None
        if self.graph.with_llm:
            texts = [
                (m.content, flows.speaker_of(m, scope), memory_id)
                for m, memory_id in zip(messages, memory_ids, strict=True)
            ]
            return (yield from flows.llm_stated(texts, scope, when, self.graph, tally))
        groups = [
            (m, [(text, memory_id) for text in flows.message_statements(m, when)])
            for m, memory_id in zip(messages, memory_ids, strict=True)
        ]
        return flows.offline_stated(groups, scope, when)

    def _graph_write(
        self, scope: Scope, stated: list[Stated], tally: Tally, retract: tuple[str, ...] = ()
    ) -> Flow[list[WriteOp]]:
        """The add's graph write, as a list of at most one operation."""
        from engram.core.graph import flows

        assert self.graph is not None
        write = yield from flows.write_for(scope, stated, self.graph, tally, retract)
        return [] if write is None else [write]

    def _finish(
        self, ops: list[WriteOp], unchanged: list[Change], remember: Remember | None
    ) -> Flow[tuple[Committed, list[Change]]]:
        """Commit an add's writes (if any): what was committed, and the add's NONE events not
        among its changes. With ``remember`` (an idempotency key) the transaction also records
        the add under the key, NONE events included, or, if the key was recorded meanwhile,
        writes nothing and returns what was recorded."""
        if remember is not None:
            op = replace(remember, unchanged=tuple(unchanged))
            committed: Committed = yield StoreCall("commit", ([*ops, op], now_iso()))
            return committed, []
        done = (yield from self._commit(ops)) if ops else Committed([])
        return done, unchanged

    def _replayed(self, done: Committed, *, infer: bool, procedural: bool) -> Result:
        """The result of an add replayed from its idempotency record (no LLM was asked now,
        so any ``usage`` counts nothing)."""
        from engram.core.inference import Tally

        if procedural:
            return self._with_usage([change_dict(c) for c in done.changes], Tally())
        tally = Tally() if infer and self.has_llm else None
        return self._added(done, [], tally, speaker=not infer)

    def _commit(self, ops: list[WriteOp]) -> Flow[Committed]:
        """Apply ``ops``; with graph memory on, also learn what happened to relations."""
        if self.graph is None:
            changes: list[Change] = yield StoreCall("apply", (ops, now_iso()))
            return Committed(changes)
        committed: Committed = yield StoreCall("commit", (ops, now_iso()))
        return committed

    def _added(
        self,
        done: Committed,
        unchanged: list[Change],
        tally: Tally | None,
        *,
        speaker: bool = False,
    ) -> Result:
        """``add``'s result: the memory changes (with the speaker for ``infer=False``, as in
        mem0), the relations (graph on) and the usage."""
        changes = [*done.changes, *unchanged]
        result = listing([change_dict(c, speaker=speaker) for c in changes], self.version)
        if isinstance(result, dict):
            if self.graph is not None:
                from engram.core.graph.results import add_relations

                result["relations"] = add_relations(done.relations)
            if tally is not None:
                result["usage"] = tally.usage.as_dict()
        return result

    def _add_procedural(
        self,
        parsed: list[Message],
        custom_prompt: str | None,
        record: NewRecord,
        remember: Remember | None,
    ) -> Flow[Result]:
        """One LLM call summarises the conversation into one procedural memory."""
        from engram.core.inference import Tally, summarise_procedure

        tally = Tally()
        summary = yield from summarise_procedure(parsed, custom_prompt, tally)
        vectors = yield Embed((summary,))
        ops: list[WriteOp] = [Insert(record(summary), vectors[0])]
        done, _ = yield from self._finish(ops, [], remember)
        return self._with_usage([change_dict(c) for c in done.changes], tally)

    def _with_usage(self, items: list[dict[str, Any]], tally: Tally) -> Result:
        """``listing`` plus the LLM calls' token ``usage`` (v1.1 only: v1.0 is a bare list)."""
        result = listing(items, self.version)
        if isinstance(result, dict):
            result["usage"] = tally.usage.as_dict()
        return result


def memory_homes(ops: list[WriteOp], unchanged: list[Change]) -> list[tuple[str, str]]:
    """``(text, memory id)`` of every memory an inferred add writes or keeps."""
    homes = [(op.record.text, op.record.id) for op in ops if isinstance(op, Insert)]
    homes += [(op.text, op.memory_id) for op in ops if isinstance(op, Update)]
    homes += [(c.old.text, c.memory_id) for c in unchanged if c.old is not None]
    return homes


def home_of(fact: str, homes: list[tuple[str, str]]) -> str:
    """The memory a fact ended up in: the one with its text, else the one sharing most of its
    words (at least half), else "" (the fact was not kept: its relations are not either)."""
    for text, memory_id in homes:
        if text == fact:
            return memory_id
    words = set(fact.lower().split())
    best, score = "", 0.5
    for text, memory_id in homes:
        other = set(text.lower().split())
        overlap = len(words & other) / max(len(words | other), 1)
        if overlap >= score:
            best, score = memory_id, overlap
    return best


def embedding_text(text: str, actor: str | None) -> str:
    """What is embedded for a memory: its text, prefixed by who said it.

    "Maya: I moved to Lisbon" places the memory near questions about Maya even when the text
    never names her; the memory's own text stays as given.
    """
    return f"{actor}: {text}" if actor else text
