"""Every public operation as an I/O-free generator of effects (see ``engram.core.effects``).

Validation, planning and result shaping happen here, once, for both ``Memory`` and
``AsyncMemory``. The shells only choose how effects are performed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from engram.core import ranking, reranking
from engram.core.effects import Embed, Flow, StoreCall
from engram.core.extractor import extract_statements
from engram.core.filters import Condition, Field, FilterNode, conjoin, parse_filters
from engram.core.inference import Tally, extract_facts, plan_updates, summarise_procedure
from engram.core.messages import Message, parse_messages
from engram.core.records import (
    Change,
    Delete,
    DeleteWhere,
    HistoryRecord,
    Insert,
    MemoryRecord,
    Update,
    WriteOp,
    new_id,
    text_hash,
)
from engram.core.results import change_dict, history_dict, listing, memory_dict
from engram.core.search import search as hybrid_search
from engram.core.timeutil import now_iso, parse_timestamp
from engram.core.validation import (
    check_bool,
    check_limit,
    check_memory_type,
    check_metadata,
    check_threshold,
    optional_str,
    require_str,
    scope_of,
)
from engram.core.vision import describe_images
from engram.exceptions import ConfigurationError, MemoryNotFoundError, ValidationError

logger = logging.getLogger("engram")

Result = dict[str, Any] | list[dict[str, Any]]
NewRecord = Callable[..., MemoryRecord]
_NOT_INVALIDATED = Condition(Field("invalid_at"), "eq", None)
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
        weights: ranking.Weights = ranking.DEFAULT,
    ) -> None:
        self.version = version
        self.rerank_top_k = rerank_top_k
        self.weights = weights
        self.has_llm = has_llm
        self.fact_prompt = fact_prompt
        self.update_prompt = update_prompt
        self.vision = vision
        self.vision_details = vision_details
        self._said_no_llm = False

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
    ) -> Flow[Result]:
        """Store messages as memories: as given, or inferred (LLM or offline extractor)."""
        scope = scope_of(user_id, agent_id, run_id)
        infer = check_bool(infer, "infer")
        kind = check_memory_type(memory_type)
        custom_prompt = optional_str(prompt, "prompt")
        meta = check_metadata(metadata)
        parsed = parse_messages(messages)
        when = parse_timestamp(timestamp) if timestamp is not None else now_iso()

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
            return (yield from self._add_procedural(parsed, custom_prompt, record))
        live_scope = conjoin(scope.as_filter(), _NOT_INVALIDATED)
        assert live_scope is not None
        if infer and self.has_llm:
            return (yield from self._add_inferred(parsed, when, live_scope, record))
        if infer:
            return (yield from self._add_offline(parsed, when, live_scope, record))
        kept = [m for m in parsed if m.role != "system" and m.content.strip()]
        if not kept:
            return listing([], self.version)
        vectors = yield Embed(tuple(embedding_text(m.content, m.name) for m in kept))
        ops: list[WriteOp] = [
            Insert(record(m.content, m.name, m.role), vector)
            for m, vector in zip(kept, vectors, strict=True)
        ]
        changes: list[Change] = yield StoreCall("apply", (ops, now_iso()))
        return listing([change_dict(c) for c in changes], self.version)

    def _add_inferred(
        self, parsed: list[Message], when: str, live_scope: FilterNode, record: NewRecord
    ) -> Flow[Result]:
        """Facts from the LLM, decided against existing memories, applied in one transaction."""
        tally = Tally()
        talk = [m for m in parsed if m.role != "system"]
        talk = yield from describe_images(talk, self.vision, self.vision_details, tally)
        facts: list[str] = []
        if talk:
            facts = yield from extract_facts(talk, when, self.fact_prompt, tally)
        changes: list[Change] = []
        if facts:
            vectors = yield Embed(tuple(facts))
            plan = yield from plan_updates(
                facts, vectors, live_scope, record, when, self.update_prompt, tally
            )
            if plan.ops:
                changes = yield StoreCall("apply", (plan.ops, now_iso()))
            changes = changes + plan.unchanged
        return self._with_usage([change_dict(c) for c in changes], tally)

    def _add_offline(
        self, parsed: list[Message], when: str, live_scope: FilterNode, record: NewRecord
    ) -> Flow[Result]:
        """The offline extractor's statements, minus those already stored (hash or meaning)."""
        if not self._said_no_llm:
            logger.info(
                "engram: no LLM configured, so add(infer=True) keeps the informative statements "
                "of the user's messages (offline extractor)"
            )
            self._said_no_llm = True
        statements = extract_statements(parsed, when)
        if not statements:
            return listing([], self.version)
        vectors = yield Embed(tuple(s.text for s in statements))
        ops: list[WriteOp] = []
        unchanged: dict[str, Change] = {}
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
        changes: list[Change] = []
        if ops:
            changes = yield StoreCall("apply", (ops, now_iso()))
        changes += unchanged.values()
        return listing([change_dict(c) for c in changes], self.version)

    def _add_procedural(
        self, parsed: list[Message], custom_prompt: str | None, record: NewRecord
    ) -> Flow[Result]:
        """One LLM call summarises the conversation into one procedural memory."""
        tally = Tally()
        summary = yield from summarise_procedure(parsed, custom_prompt, tally)
        vectors = yield Embed((summary,))
        ops: list[WriteOp] = [Insert(record(summary), vectors[0])]
        changes: list[Change] = yield StoreCall("apply", (ops, now_iso()))
        return self._with_usage([change_dict(c) for c in changes], tally)

    def _with_usage(self, items: list[dict[str, Any]], tally: Tally) -> Result:
        """``listing`` plus the LLM calls' token ``usage`` (v1.1 only: v1.0 is a bare list)."""
        result = listing(items, self.version)
        if isinstance(result, dict):
            result["usage"] = tally.usage.as_dict()
        return result

    def get(self, memory_id: object) -> Flow[dict[str, Any]]:
        """One memory by id."""
        memory_id = require_str(memory_id, "memory_id")
        record: MemoryRecord | None = yield StoreCall("get", (memory_id,))
        if record is None:
            raise _not_found(memory_id)
        return memory_dict(record)

    def get_all(
        self,
        *,
        user_id: object = None,
        agent_id: object = None,
        run_id: object = None,
        filters: object = None,
        limit: object = 100,
        include_invalidated: object = False,
    ) -> Flow[Result]:
        """Memories of a scope, newest first."""
        where = self._where(user_id, agent_id, run_id, filters, include_invalidated)
        records: list[MemoryRecord] = yield StoreCall("list_memories", (where, check_limit(limit)))
        return listing([memory_dict(r) for r in records], self.version)

    def search(
        self,
        query: object,
        *,
        user_id: object = None,
        agent_id: object = None,
        run_id: object = None,
        limit: object = 100,
        filters: object = None,
        threshold: object = None,
        include_invalidated: object = False,
        rerank: object = False,
        explain: object = False,
    ) -> Flow[Result]:
        """A scope's memories most relevant to ``query``: hybrid search, best first."""
        text = require_str(query, "query")
        where = self._where(user_id, agent_id, run_id, filters, include_invalidated)
        count, minimum = check_limit(limit), check_threshold(threshold)
        show_parts = check_bool(explain, "explain")
        wants_rerank = check_bool(rerank, "rerank")
        if wants_rerank and self.rerank_top_k is None:
            raise ConfigurationError(
                "rerank=True needs a reranker, and none is configured",
                missing_field="reranker",
                suggestion='configure one, e.g. {"reranker": {"provider": "llm"}} with an "llm" '
                "block, or search without rerank",
            )
        ranked = yield from hybrid_search(text, where, count, self.weights)
        tally = Tally()
        if wants_rerank and self.rerank_top_k is not None:
            ranked = yield from reranking.rerank(text, ranked, self.rerank_top_k, tally)
        results: list[dict[str, Any]] = []
        for c in ranked:
            if len(results) == count or (minimum is not None and c.score < minimum):
                break
            item = memory_dict(c.record, c.score)
            if show_parts:
                item["score_parts"] = c.parts()
            results.append(item)
        shaped = listing(results, self.version)
        if wants_rerank and isinstance(shaped, dict):
            shaped["usage"] = tally.usage.as_dict()
        return shaped

    def update(
        self, memory_id: object, data: object, metadata: object = None
    ) -> Flow[dict[str, Any]]:
        """Replace a memory's text (and metadata when given), recording history."""
        memory_id = require_str(memory_id, "memory_id")
        text = require_str(data, "data")
        meta = None if metadata is None else check_metadata(metadata)
        current: MemoryRecord | None = yield StoreCall("get", (memory_id,))
        if current is None:
            raise _not_found(memory_id)
        vectors = yield Embed((embedding_text(text, current.actor_id),))
        op = Update(memory_id, text, vectors[0], meta)
        yield StoreCall("apply", ([op], now_iso()))
        return {"message": "Memory updated successfully!", "id": memory_id}

    def delete(self, memory_id: object) -> Flow[dict[str, Any]]:
        """Erase one memory; its history remains."""
        memory_id = require_str(memory_id, "memory_id")
        yield StoreCall("apply", ([Delete(memory_id)], now_iso()))
        return {"message": "Memory deleted successfully!", "id": memory_id}

    def delete_all(
        self, *, user_id: object = None, agent_id: object = None, run_id: object = None
    ) -> Flow[dict[str, Any]]:
        """Erase every memory of a scope."""
        scope = scope_of(user_id, agent_id, run_id)
        where = scope.as_filter()
        assert where is not None
        changes: list[Change] = yield StoreCall("apply", ([DeleteWhere(where)], now_iso()))
        return {"message": "Memories deleted successfully!", "deleted": len(changes)}

    def history(self, memory_id: object) -> Flow[list[dict[str, Any]]]:
        """The memory's changes, oldest first."""
        memory_id = require_str(memory_id, "memory_id")
        rows: list[HistoryRecord] = yield StoreCall("history", (memory_id,))
        if not rows:
            raise _not_found(memory_id)
        return [history_dict(row) for row in rows]

    def reset(self) -> Flow[None]:
        """Erase every memory and history row in the store."""
        yield StoreCall("reset")

    def _where(
        self,
        user_id: object,
        agent_id: object,
        run_id: object,
        filters: object,
        include_invalidated: object,
    ) -> FilterNode | None:
        parsed = parse_filters(filters)  # type: ignore[arg-type]
        scope = scope_of(user_id, agent_id, run_id, parsed)
        live = None if check_bool(include_invalidated, "include_invalidated") else _NOT_INVALIDATED
        return conjoin(scope.as_filter(), parsed, live)


def embedding_text(text: str, actor: str | None) -> str:
    """What is embedded for a memory: its text, prefixed by who said it.

    "Maya: I moved to Lisbon" places the memory near questions about Maya even when the text
    never names her; the memory's own text stays as given.
    """
    return f"{actor}: {text}" if actor else text


def _not_found(memory_id: str) -> MemoryNotFoundError:
    return MemoryNotFoundError(
        f"no memory with id {memory_id!r}",
        memory_id=memory_id,
        suggestion="check the id; get_all() lists the memories of a scope",
    )
