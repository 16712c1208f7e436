"""Every public operation as an I/O-free generator of effects (see ``engram.core.effects``).

Validation, planning and result shaping happen here, once, for both ``Memory`` and
``AsyncMemory``. The shells only choose how effects are performed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from engram.core import ranking
from engram.core.adding import NOT_INVALIDATED, Adding, Result, embedding_text
from engram.core.catalog import ScopeSummary, scope_dict
from engram.core.effects import Embed, Flow, StoreCall
from engram.core.filters import FilterNode, conjoin, parse_filters, scope_values, shown_on
from engram.core.limits import DEFAULT_LIMITS, Limits, shown
from engram.core.messages import Message
from engram.core.paging import after, check_order, cursor_of
from engram.core.records import (
    Change,
    Delete,
    DeleteWhere,
    HistoryRecord,
    MemoryRecord,
    Update,
    WriteOp,
)
from engram.core.results import history_dict, listing, memory_dict, score_details, strip_identity
from engram.core.search import search as hybrid_search
from engram.core.styles import UNSET, defaults_for, is_v2_call, result_count, threshold_of
from engram.core.timeutil import now_iso, parse_date, parse_timestamp, today_iso
from engram.core.validation import (
    SCOPE_FIELDS,
    Scope,
    check_bool,
    check_limit,
    check_metadata,
    optional_str,
    require_str,
    scope_id,
    scope_of,
)
from engram.exceptions import ConfigurationError, MemoryNotFoundError, ValidationError

if TYPE_CHECKING:
    from engram.core.graph.records import RelationRecord
    from engram.core.graph.settings import GraphSettings

# Inference, the offline extractor, vision, reranking and graph memory are imported where
# they are used:
# a search or a store-as-given add never needs them, and a fresh process (the CLI) starts
# faster without their models and prompts.

logger = logging.getLogger("engram")

#: Search lists at most this many relations, best first.
RELATIONS_SHOWN = 10


class Operations(Adding):
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
        live = None if check_bool(include_invalidated, "include_invalidated") else NOT_INVALIDATED
        shown = None if check_bool(show_expired, "show_expired") else shown_on(today_iso())
        return conjoin(scope.as_filter(), parsed, live, shown)


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
