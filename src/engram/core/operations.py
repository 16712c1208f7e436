"""Every public operation as an I/O-free generator of effects (see ``engram.core.effects``).

Validation, planning and result shaping happen here, once, for both ``Memory`` and
``AsyncMemory``. The shells only choose how effects are performed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from engram.core import idempotency, ranking
from engram.core.catalog import ScopeSummary, scope_dict
from engram.core.effects import Embed, Flow, StoreCall
from engram.core.filters import (
    Condition,
    Field,
    FilterNode,
    conjoin,
    parse_filters,
    scope_values,
    shown_on,
)
from engram.core.limits import DEFAULT_LIMITS, Limits, shown
from engram.core.messages import Message, parse_messages
from engram.core.paging import after, check_order, cursor_of
from engram.core.records import (
    Change,
    Delete,
    DeleteWhere,
    HistoryRecord,
    Insert,
    MemoryRecord,
    Remember,
    Update,
    WriteOp,
    new_id,
    text_hash,
)
from engram.core.results import (
    change_dict,
    history_dict,
    listing,
    memory_dict,
    score_details,
    strip_identity,
)
from engram.core.search import search as hybrid_search
from engram.core.styles import UNSET, defaults_for, is_v2_call, result_count, threshold_of
from engram.core.timeutil import now_iso, parse_date, parse_timestamp, today_iso
from engram.core.validation import (
    SCOPE_FIELDS,
    Scope,
    check_bool,
    check_limit,
    check_memory_type,
    check_metadata,
    optional_str,
    require_str,
    scope_id,
    scope_of,
)
from engram.exceptions import ConfigurationError, MemoryNotFoundError, ValidationError
from engram.stores.base import Committed

if TYPE_CHECKING:
    from engram.core.graph.extract import Triple
    from engram.core.graph.plan import Stated
    from engram.core.graph.records import RelationRecord
    from engram.core.graph.settings import GraphSettings
    from engram.core.inference import Tally

# Inference, the offline extractor, vision, reranking and graph memory are imported where
# they are used:
# a search or a store-as-given add never needs them, and a fresh process (the CLI) starts
# faster without their models and prompts.

logger = logging.getLogger("engram")

Result = dict[str, Any] | list[dict[str, Any]]
NewRecord = Callable[..., MemoryRecord]
_NOT_INVALIDATED = Condition(Field("invalid_at"), "eq", None)
#: Offline extraction: a statement this similar (cosine) to a stored memory is a duplicate.
DUPLICATE_SIMILARITY = 0.95
#: Search lists at most this many relations, best first.
RELATIONS_SHOWN = 10


class Operations:
    """The behaviour of the Memory API, independent of how I/O is done."""

    def __init__(
        self,
        version: str = "v1.1",
        has_llm: bool = False,
        *,
        fact_prompt: str | None = None,
        update_prompt: str | None = None,
        vision: bool = False,
        vision_details: str = "auto",
        rerank_top_k: int | None = None,
        instructions: str | None = None,
        graph: GraphSettings | None = None,
        weights: ranking.Weights = ranking.DEFAULT,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.version = version
        self.limits = limits
        self.graph = graph
        self.rerank_top_k = rerank_top_k
        self.weights = weights
        self.has_llm = has_llm
        self.fact_prompt = fact_prompt
        self.update_prompt = update_prompt
        self.instructions = instructions
        self.vision = vision
        self.vision_details = vision_details
        self._said_no_llm = False
        self._said_no_reranker = False

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
        live_scope = conjoin(scope.as_filter(), _NOT_INVALIDATED)
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

    def get(self, memory_id: object) -> Flow[dict[str, Any] | None]:
        """One memory by id, or None (as in mem0) when no memory has it."""
        memory_id = require_str(memory_id, "memory_id", self.limits.max_id_chars)
        record: MemoryRecord | None = yield StoreCall("get", (memory_id,))
        return None if record is None else memory_dict(record)

    def get_all(
        self,
        *,
        user_id: object = None,
        agent_id: object = None,
        run_id: object = None,
        filters: object = None,
        limit: object = UNSET,
        top_k: object = UNSET,
        include_invalidated: object = False,
        show_expired: object = False,
    ) -> Flow[Result]:
        """Memories of a scope, newest first."""
        v2 = is_v2_call(top_k=top_k, ids=(user_id, agent_id, run_id), filters=filters)
        count = result_count(limit, top_k, defaults_for(v2).count, self.limits.max_limit)
        where = self._where(user_id, agent_id, run_id, filters, include_invalidated, show_expired)
        records: list[MemoryRecord] = yield StoreCall("list_memories", (where, count))
        result = listing([memory_dict(r) for r in records], self.version)
        if self.graph is not None and isinstance(result, dict):
            from engram.core.graph.results import relation_dict

            everything = check_bool(include_invalidated, "include_invalidated")
            rows: list[RelationRecord] = yield StoreCall(
                "list_relations", (scope_values(where), None, everything, count)
            )
            result["relations"] = [relation_dict(r) for r in rows]
        return result

    def search(
        self,
        query: object,
        *,
        user_id: object = None,
        agent_id: object = None,
        run_id: object = None,
        limit: object = UNSET,
        filters: object = None,
        threshold: object = UNSET,
        include_invalidated: object = False,
        rerank: object = UNSET,
        explain: object = False,
        top_k: object = UNSET,
        show_expired: object = False,
    ) -> Flow[Result]:
        """A scope's memories most relevant to ``query``: hybrid search, best first."""
        text = require_str(query, "query", self.limits.max_text_chars)
        v2 = is_v2_call(top_k=top_k, ids=(user_id, agent_id, run_id), filters=filters)
        style = defaults_for(v2)
        where = self._where(user_id, agent_id, run_id, filters, include_invalidated, show_expired)
        count = result_count(limit, top_k, style.count, self.limits.max_limit)
        minimum = threshold_of(threshold, style.threshold)
        show_parts = check_bool(explain, "explain")
        wants_rerank = style.rerank if rerank is UNSET else check_bool(rerank, "rerank")
        if wants_rerank and self.rerank_top_k is None:
            if rerank is not UNSET and not self._said_no_reranker:
                logger.info("engram: rerank=True is ignored: no reranker is configured (as mem0)")
                self._said_no_reranker = True
            wants_rerank = False
        hops = None if self.graph is None else self.graph.hops
        ranked, hits = yield from hybrid_search(text, where, count, self.weights, graph_hops=hops)
        tally = None
        if wants_rerank and self.rerank_top_k is not None:
            from engram.core import reranking
            from engram.core.inference import Tally

            tally = Tally()
            ranked = yield from reranking.rerank(text, ranked, self.rerank_top_k, tally)
        results: list[dict[str, Any]] = []
        for c in ranked:
            if len(results) == count or (minimum is not None and c.score < minimum):
                break
            item = memory_dict(c.record, c.score)
            if show_parts:
                item["score_parts"] = c.parts()
                item["score_details"] = score_details(c, minimum)
            results.append(item)
        shaped = listing(results, self.version)
        if isinstance(shaped, dict) and hits is not None:
            from engram.core.graph.results import relation_dict

            shaped["relations"] = [
                relation_dict(r, score) for r, score in hits.relations[:RELATIONS_SHOWN]
            ]
        if tally is not None and isinstance(shaped, dict):
            shaped["usage"] = tally.usage.as_dict()
        return shaped

    def update(
        self,
        memory_id: object,
        text: object = None,
        metadata: object = None,
        expiration_date: object = UNSET,
        data: object = None,
    ) -> Flow[dict[str, Any]]:
        """Replace a memory's text, merge metadata into its metadata, set or clear its
        expiration date (each when given), recording history."""
        memory_id = require_str(memory_id, "memory_id", self.limits.max_id_chars)
        new_text = _update_text(text, data, self.limits.max_text_chars)
        meta = None if metadata is None else check_metadata(metadata, limits=self.limits)
        expires = None
        if expiration_date is not UNSET and expiration_date is not None:
            expires = parse_date(expiration_date)
        if new_text is None and meta is None and expiration_date is UNSET:
            raise ValidationError(
                "update needs at least one of text, metadata or expiration_date",
                field="text",
                expected="a new text (text= or data=), metadata or expiration_date",
            )
        current: MemoryRecord | None = yield StoreCall("get", (memory_id,))
        if current is None:
            raise _not_found(memory_id)
        if meta is not None:  # merged, as mem0 documents (and 2.x does); ids stay the scope's
            meta = {**current.metadata, **strip_identity(meta, current, "update()")}
        final_text = current.text if new_text is None else new_text
        vectors = yield Embed((embedding_text(final_text, current.actor_id),))
        op = Update(
            memory_id,
            final_text,
            vectors[0],
            meta,
            set_expiration=expiration_date is not UNSET,
            expiration_date=expires,
        )
        ops: list[WriteOp] = [op]
        if self.graph is not None and new_text is not None:
            from engram.core.inference import Tally

            scope = Scope(current.user_id, current.agent_id, current.run_id)
            when = now_iso()
            message = Message(current.role or "user", final_text, current.actor_id)
            tally = Tally()
            stated = yield from self._stated_messages([message], [memory_id], scope, when, tally)
            ops += yield from self._graph_write(scope, stated, tally, retract=(memory_id,))
        yield from self._commit(ops)
        return {"message": "Memory updated successfully!", "id": memory_id}

    def batch_update(self, memories: object) -> Flow[dict[str, Any]]:
        """Replace several memories' texts (and merge metadata) in ONE transaction: all or none.

        ``memories`` is a list of ``{"memory_id", "text", "metadata"?}``; an unknown id fails
        the whole batch before anything is written.
        """
        limits = self.limits
        items = _batch(memories, limits.max_messages)
        planned: list[tuple[str, str, dict[str, Any] | None, MemoryRecord]] = []
        for i, item in enumerate(items):
            memory_id = require_str(
                item.get("memory_id"), f"memories[{i}].memory_id", limits.max_id_chars
            )
            text = require_str(item.get("text"), f"memories[{i}].text", limits.max_text_chars)
            meta = item.get("metadata")
            if meta is not None:
                meta = check_metadata(meta, f"memories[{i}].metadata", limits)
            current: MemoryRecord | None = yield StoreCall("get", (memory_id,))
            if current is None:
                raise _not_found(memory_id)
            if meta is not None:  # merged, as update() does
                meta = {**current.metadata, **strip_identity(meta, current, "batch_update()")}
            planned.append((memory_id, text, meta, current))
        vectors = yield Embed(tuple(embedding_text(t, c.actor_id) for _, t, _, c in planned))
        ops: list[WriteOp] = [
            Update(memory_id, text, vector, meta)
            for (memory_id, text, meta, _), vector in zip(planned, vectors, strict=True)
        ]
        yield StoreCall("apply", (ops, now_iso()))
        return {"message": f"Successfully updated {len(ops)} memories", "updated": len(ops)}

    def batch_delete(self, memory_ids: object) -> Flow[dict[str, Any]]:
        """Erase several memories in ONE transaction; an unknown id fails the whole batch."""
        most = self.limits.max_messages
        if not isinstance(memory_ids, list | tuple) or not 0 < len(memory_ids) <= most:
            raise ValidationError(
                f"memory_ids must be a non-empty list of at most {most} ids",
                field="memory_ids",
                value=memory_ids,
                expected=f"a non-empty list of at most {most} strings",
            )
        ids = [
            require_str(m, f"memory_ids[{i}]", self.limits.max_id_chars)
            for i, m in enumerate(memory_ids)
        ]
        ops: list[WriteOp] = [Delete(memory_id) for memory_id in dict.fromkeys(ids)]
        yield StoreCall("apply", (ops, now_iso()))
        return {"message": f"Successfully deleted {len(ops)} memories", "deleted": len(ops)}

    def delete(self, memory_id: object) -> Flow[dict[str, Any]]:
        """Erase one memory; its history remains."""
        memory_id = require_str(memory_id, "memory_id", self.limits.max_id_chars)
        yield StoreCall("apply", ([Delete(memory_id)], now_iso()))
        return {"message": "Memory deleted successfully!", "id": memory_id}

    def delete_all(
        self, *, user_id: object = None, agent_id: object = None, run_id: object = None
    ) -> Flow[dict[str, Any]]:
        """Erase every memory of a scope."""
        scope = scope_of(user_id, agent_id, run_id, limits=self.limits)
        where = scope.as_filter()
        assert where is not None
        changes: list[Change] = yield StoreCall("apply", ([DeleteWhere(where)], now_iso()))
        return {"message": "Memories deleted successfully!", "deleted": len(changes)}

    def history(self, memory_id: object) -> Flow[list[dict[str, Any]]]:
        """The memory's changes, oldest first; ``[]`` for an id never seen (as in mem0)."""
        memory_id = require_str(memory_id, "memory_id", self.limits.max_id_chars)
        rows: list[HistoryRecord] = yield StoreCall("history", (memory_id,))
        return [history_dict(row) for row in rows]

    def graph_entities(
        self,
        *,
        user_id: object = None,
        agent_id: object = None,
        run_id: object = None,
        limit: object = 100,
    ) -> Flow[list[dict[str, Any]]]:
        """The graph's entities in a scope, newest first."""
        self._need_graph()
        scope = scope_of(user_id, agent_id, run_id, limits=self.limits)
        from engram.core.graph import flows

        count = check_limit(limit, most=self.limits.max_limit)
        return (yield from flows.entities_flow(scope, count))

    def graph_relations(
        self,
        entity: object = None,
        *,
        user_id: object = None,
        agent_id: object = None,
        run_id: object = None,
        hops: object = 1,
        as_of: object = None,
        limit: object = 100,
    ) -> Flow[list[dict[str, Any]]]:
        """A scope's relations, or those within ``hops`` of an entity; live ones, or those
        valid at ``as_of``."""
        self._need_graph()
        scope = scope_of(user_id, agent_id, run_id, limits=self.limits)
        name = optional_str(entity, "entity", self.limits.max_id_chars)
        if isinstance(hops, bool) or not isinstance(hops, int) or not 1 <= hops <= 3:
            raise ValidationError(
                f"hops must be 1, 2 or 3, got {shown(hops)}", field="hops", value=hops,
                expected="an integer from 1 to 3",
            )  # fmt: skip
        when = None if as_of is None else parse_timestamp(as_of, "as_of")
        from engram.core.graph import flows

        count = check_limit(limit, most=self.limits.max_limit)
        return (yield from flows.relations_flow(scope, name, hops, when, count))

    def _need_graph(self) -> None:
        if self.graph is None:
            raise ConfigurationError(
                "graph memory is off: no graph_store is configured",
                missing_field="graph_store",
                suggestion='configure one: Memory.from_config({"graph_store": {"provider": '
                '"sqlite"}}) (or "postgres" with the postgres store)',
            )

    def reset(self) -> Flow[None]:
        """Erase every memory and history row in the store."""
        yield StoreCall("reset")

    def count(
        self,
        *,
        user_id: object = None,
        agent_id: object = None,
        run_id: object = None,
        filters: object = None,
        include_invalidated: object = False,
    ) -> Flow[int]:
        """How many memories of a scope match ``filters`` (what get_all would list, uncapped)."""
        where = self._where(user_id, agent_id, run_id, filters, include_invalidated)
        total: int = yield StoreCall("count", (where,))
        return total

    def browse(
        self,
        *,
        user_id: object = None,
        agent_id: object = None,
        run_id: object = None,
        filters: object = None,
        order_by: object = "created_at",
        descending: object = True,
        cursor: object = None,
        limit: object = 50,
        include_invalidated: object = False,
    ) -> Flow[dict[str, Any]]:
        """One page of a scope's memories in ``order_by`` order, and the cursor of the next
        (``engram.core.paging``)."""
        order = check_order(order_by, descending)
        size = check_limit(limit, most=self.limits.max_limit)
        where = self._where(user_id, agent_id, run_id, filters, include_invalidated)
        where = conjoin(where, after(order, cursor))
        records: list[MemoryRecord] = yield StoreCall("list_memories", (where, size + 1, order))
        shown = records[:size]
        more = len(records) > size
        return {
            "results": [memory_dict(r) for r in shown],
            "next_cursor": cursor_of(shown[-1], order) if more else None,
        }

    def scopes(self, limit: object = 1000) -> Flow[list[dict[str, Any]]]:
        """The user / agent / run ids that memories carry, with their counts."""
        count = check_limit(limit, most=self.limits.max_limit)
        summaries: list[ScopeSummary] = yield StoreCall("scopes", (count,))
        return [scope_dict(s) for s in summaries]

    def _where(
        self,
        user_id: object,
        agent_id: object,
        run_id: object,
        filters: object,
        include_invalidated: object,
        show_expired: object = False,
    ) -> FilterNode | None:
        parsed = parse_filters(_scope_ids_read(filters), self.limits)
        scope = scope_of(user_id, agent_id, run_id, parsed, self.limits)
        live = None if check_bool(include_invalidated, "include_invalidated") else _NOT_INVALIDATED
        shown = None if check_bool(show_expired, "show_expired") else shown_on(today_iso())
        return conjoin(scope.as_filter(), parsed, live, shown)


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


def _scope_ids_read(filters: object) -> Any:
    """``filters`` with its top-level ids read as the id arguments are (``scope_id``)."""
    if not isinstance(filters, dict) or not any(k in filters for k in SCOPE_FIELDS):
        return filters
    read = dict(filters)
    for key in SCOPE_FIELDS:
        if isinstance(read.get(key), str | int) and not isinstance(read[key], bool):
            read[key] = require_str(scope_id(read[key]), key)
    return read


def _update_text(text: object, data: object, max_chars: int) -> str | None:
    """The new text of an update: ``text`` (mem0 2.x) or ``data`` (1.x), or None to keep it."""
    both = text is not None and data is not None
    if both and not (isinstance(text, str) and isinstance(data, str) and text == data):
        raise ValidationError(
            "update got both text and data (its older name) with different values",
            field="text",
            value=text,
            expected="one of text, data",
        )
    value = text if text is not None else data
    field = "text" if text is not None else "data"
    return None if value is None else require_str(value, field, max_chars)


def _batch(memories: object, most: int) -> list[dict[str, Any]]:
    if (
        not isinstance(memories, list | tuple)
        or not 0 < len(memories) <= most
        or not all(isinstance(m, dict) for m in memories)
    ):
        raise ValidationError(
            f"memories must be a non-empty list of at most {most} "
            "{'memory_id', 'text', 'metadata'?} dicts",
            field="memories",
            value=memories,
            expected=f"a non-empty list of at most {most} dicts",
        )
    return list(memories)


def _not_found(memory_id: str) -> MemoryNotFoundError:
    return MemoryNotFoundError(
        f"Memory with id {memory_id} not found",
        memory_id=memory_id,
        suggestion="check the id; get_all() lists the memories of a scope",
    )
