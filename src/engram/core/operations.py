"""Every public operation as an I/O-free generator of effects (see ``engram.core.effects``).

Validation, planning and result shaping happen here, once, for both ``Memory`` and
``AsyncMemory``. The shells only choose how effects are performed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from engram.core import idempotency, ranking
from engram.core.catalog import ScopeSummary, scope_dict
from engram.core.effects import Embed, Flow, StoreCall
from engram.core.filters import Condition, Field, FilterNode, conjoin, parse_filters, shown_on
from engram.core.limits import DEFAULT_LIMITS, Limits
from engram.core.messages import Message, parse_messages
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
from engram.core.styles import UNSET, defaults_for, is_v2_call, result_count, threshold_of
from engram.core.temporal import find_time_ranges
from engram.core.timeutil import now_iso, parse_date, parse_timestamp, today_iso
from engram.core.validation import (
    SCOPE_FIELDS,
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

if TYPE_CHECKING:
    from engram.core.inference import Tally

# Inference, the offline extractor, vision and reranking are imported where they are used:
# a search or a store-as-given add never needs them, and a fresh process (the CLI) starts
# faster without their models and prompts.

logger = logging.getLogger("engram")

Result = dict[str, Any] | list[dict[str, Any]]
NewRecord = Callable[..., MemoryRecord]
_NOT_INVALIDATED = Condition(Field("invalid_at"), "eq", None)
#: Candidates taken from each of the semantic and lexical lists before fusion.
CANDIDATES = 50
#: Offline extraction: a statement this similar (cosine) to a stored memory is a duplicate.
DUPLICATE_SIMILARITY = 0.95


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
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.version = version
        self.limits = limits
        self.rerank_top_k = rerank_top_k
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
        asks_llm = kind == "procedural_memory" or (infer and self.has_llm)
        remember = None
        if key is not None:
            token = idempotency.token(scope, key)
            options = {"infer": infer, "memory_type": kind, "prompt": custom_prompt}
            options["timestamp"] = when if timestamp is not None else None
            options["expiration_date"] = expires
            fingerprint = idempotency.fingerprint(parsed, meta, options)
            stored = yield StoreCall("recall", (token,))
            if stored is not None:
                changes = idempotency.replayed(stored, fingerprint, key)
                speaker = not infer and not asks_llm
                if not asks_llm:
                    return self._shaped(changes, speaker=speaker)
                from engram.core.inference import Tally

                return self._shaped(changes, Tally())
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
                    parsed, when, live_scope, record, instructions, remember
                )
            )
        if infer:
            return (yield from self._add_offline(parsed, when, live_scope, record, remember))
        kept = [m for m in parsed if m.role != "system" and m.content.strip()]
        ops: list[WriteOp] = []
        if kept:
            vectors = yield Embed(tuple(embedding_text(m.content, m.name) for m in kept))
            ops = [
                Insert(record(m.content, m.name, m.role), vector)
                for m, vector in zip(kept, vectors, strict=True)
            ]
        changes = yield from self._commit(ops, [], remember)
        return self._shaped(changes, speaker=True)

    def _commit(
        self, ops: list[WriteOp], unchanged: Sequence[Change], remember: Remember | None
    ) -> Flow[list[Change]]:
        """Apply an add's writes in one transaction; its changes, then ``unchanged``.

        With ``remember`` (an idempotency key) the transaction also records the changes under
        the key, or, if the key was recorded meanwhile, writes nothing and returns those.
        """
        if remember is not None:
            op = replace(remember, unchanged=tuple(unchanged))
            recorded: list[Change] = yield StoreCall("apply", ([*ops, op], now_iso()))
            return recorded
        changes: list[Change] = []
        if ops:
            changes = yield StoreCall("apply", (ops, now_iso()))
        return [*changes, *unchanged]

    def _shaped(
        self, changes: list[Change], tally: Tally | None = None, *, speaker: bool = False
    ) -> Result:
        """add()'s result: one item per change, and ``usage`` when an LLM was asked."""
        items = [change_dict(c, speaker=speaker) for c in changes]
        return listing(items, self.version) if tally is None else self._with_usage(items, tally)

    def _add_inferred(
        self,
        parsed: list[Message],
        when: str,
        live_scope: FilterNode,
        record: NewRecord,
        instructions: str | None,
        remember: Remember | None,
    ) -> Flow[Result]:
        """Facts from the LLM, decided against existing memories, applied in one transaction."""
        from engram.core.inference import Tally, extract_facts, plan_updates
        from engram.core.vision import describe_images

        tally = Tally()
        talk = [m for m in parsed if m.role != "system"]
        talk = yield from describe_images(talk, self.vision, self.vision_details, tally)
        facts: list[str] = []
        if talk:
            facts = yield from extract_facts(talk, when, self.fact_prompt, tally, instructions)
        ops: list[WriteOp] = []
        unchanged: list[Change] = []
        if facts:
            vectors = yield Embed(tuple(facts))
            plan = yield from plan_updates(
                facts, vectors, live_scope, record, when, self.update_prompt, tally
            )
            ops, unchanged = list(plan.ops), list(plan.unchanged)
        changes = yield from self._commit(ops, unchanged, remember)
        return self._shaped(changes, tally)

    def _add_offline(
        self,
        parsed: list[Message],
        when: str,
        live_scope: FilterNode,
        record: NewRecord,
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
        ops: list[WriteOp] = []
        unchanged: dict[str, Change] = {}
        if not statements:
            return self._shaped((yield from self._commit(ops, [], remember)))
        vectors = yield Embed(tuple(s.text for s in statements))
        kept: list[int] = []
        for i, (statement, vector) in enumerate(zip(statements, vectors, strict=True)):
            if any(float(vectors[j] @ vector) >= DUPLICATE_SIMILARITY for j in kept):
                continue
            hits: list[tuple[MemoryRecord, float]] = yield StoreCall(
                "search", (vector, live_scope, 1, DUPLICATE_SIMILARITY)
            )
            if hits:
                old = hits[0][0]
                unchanged.setdefault(old.id, Change("NONE", old.id, old, old))
                continue
            kept.append(i)
            new = record(statement.text, statement.message.name, statement.message.role)
            ops.append(Insert(new, vector, unique=True))
        changes = yield from self._commit(ops, list(unchanged.values()), remember)
        return self._shaped(changes)

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
        changes = yield from self._commit(ops, [], remember)
        return self._shaped(changes, tally)

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
        return listing([memory_dict(r) for r in records], self.version)

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
        depth = max(count, CANDIDATES)
        vectors = yield Embed((text,))
        semantic = yield StoreCall("search", (vectors[0], where, depth, None))
        lexical = yield StoreCall("keyword_search", (text, where, depth))
        pool = ranking.fuse(semantic, lexical)
        speakers = {c.record.actor_id for c in pool.values() if c.record.actor_id}
        entities = ranking.query_entities(text, speakers)
        ranges = find_time_ranges(text)
        ranking.weigh(pool, entities, ranges)
        near = yield StoreCall("neighbours", (ranking.lenders(pool), where))
        ranked = ranking.spread(pool, near, entities, ranges)
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
        yield StoreCall("apply", ([op], now_iso()))
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
