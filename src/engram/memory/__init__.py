"""``Memory``: the synchronous shell over engram's core operations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from engram.base import MemoryBase
from engram.components import build, coerce_config
from engram.config import MemoryConfig
from engram.core.effects import run_sync
from engram.core.styles import UNSET, Unset
from engram.embedders.base import Embedder
from engram.graph_api import GraphView
from engram.keys import KeyRing
from engram.llms.base import LLM
from engram.stores.base import Store

Timestamp = datetime | str | int | float


class Memory(MemoryBase):
    """Long-term memory for an agent; works offline with no configuration.

    ``Memory()`` stores memories in an embedded SQLite file under ``$ENGRAM_HOME`` (or the
    platform's user data directory) and embeds them with a local ONNX model. Instances are
    safe to share between threads.
    """

    def __init__(
        self,
        config: MemoryConfig | dict[str, Any] | None = None,
        *,
        embedder: Embedder | None = None,
        vector_store: Store | None = None,
        llm: LLM | None = None,
    ) -> None:
        """Build the memory from a config, or from provider instances.

        Args:
            config: a MemoryConfig or a mem0-shaped dict; None means the offline defaults.
            embedder: an Embedder instance to use instead of the configured one.
            vector_store: a Store instance to use instead of the configured one.
            llm: an LLM instance to use instead of the configured one (for infer=True).

        Raises:
            ConfigurationError: the config is invalid, or the store was made by another embedder.
        """
        self.config = coerce_config(config)
        self._runtime, self._ops = build(self.config, embedder, vector_store, llm)
        self.graph = GraphView(self._ops, self._runtime)
        """Graph memory's read API: ``entities(...)`` and ``relations(...)``."""

    @classmethod
    def from_config(cls, config_dict: dict[str, Any]) -> Memory:
        """Create a Memory from a mem0-shaped config dict."""
        return cls(coerce_config(config_dict))

    def close(self) -> None:
        """Close the store's connections (and the LLM's)."""
        self._runtime.store.close()
        for llm in (self._runtime.llm, self._runtime.rerank_llm):
            if llm is not None:
                llm.close()

    def __enter__(self) -> Memory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(
        self,
        messages: str | dict[str, Any] | list[dict[str, Any]],
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        infer: bool = True,
        memory_type: str | None = None,
        prompt: str | None = None,
        timestamp: Timestamp | None = None,
        expiration_date: date | str | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Store messages as memories.

        Args:
            messages: a string, a message dict ``{"role", "content", "name"?}`` or a list of them.
            user_id: the user the memories belong to (one of the three ids is required).
            agent_id: the agent the memories belong to.
            run_id: the run (session) the memories belong to.
            metadata: JSON values stored with every memory of this call.
            infer: extract facts and reconcile them with stored memories (with the LLM, or
                offline with the deterministic extractor); False stores messages as given.
            memory_type: None, or ``"procedural_memory"`` (needs an LLM and agent_id).
            prompt: the prompt of procedural memory; with an LLM and ``infer=True``, extra
                instructions for fact extraction (mem0 2.x).
            timestamp: when the messages were said (datetime, ISO 8601 or epoch); default now.
            expiration_date: the last day the memories are shown (a date or ``YYYY-MM-DD``);
                after it search and get_all hide them unless ``show_expired=True``.
            idempotency_key: a string naming this request (a uuid4, say). The add's writes
                commit together with a record of the key; an add with the same key and scope
                within 24 hours returns that first result and writes nothing, so a retry after
                a timeout, a cancellation or a lost connection never stores anything twice.

        Returns:
            ``{"results": [{"id", "memory", "event", "previous_memory"?}], "relations": [],
            "usage"?}``; ``usage`` (token counts) when an LLM was asked. With ``infer=False``
            each result also has the message's ``role`` and ``actor_id`` (its name, or None).
            With graph memory, ``relations`` is ``{"added_entities": [[relation], ...],
            "deleted_entities": [...]}``.

        Raises:
            ValidationError: bad messages, ids, metadata or timestamp, or an idempotency_key
                already used for a different request.
            ProviderError: the LLM's answer stayed unusable after retries (nothing written).
        """
        result = run_sync(
            self._ops.add(
                messages,
                user_id=user_id,
                agent_id=agent_id,
                run_id=run_id,
                metadata=metadata,
                infer=infer,
                memory_type=memory_type,
                prompt=prompt,
                timestamp=timestamp,
                expiration_date=expiration_date,
                idempotency_key=idempotency_key,
            ),
            self._runtime,
        )
        self._warn_if_v10()
        return result

    def get(self, memory_id: str) -> dict[str, Any] | None:
        """Return one memory by id, or None when no memory has it (as in mem0)."""
        return run_sync(self._ops.get(memory_id), self._runtime)

    def get_all(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        filters: dict[str, Any] | None = None,
        limit: int | Unset = UNSET,
        include_invalidated: bool = False,
        top_k: int | Unset = UNSET,
        show_expired: bool = False,
    ) -> Any:
        """List a scope's memories, newest first.

        Args:
            user_id: scope (one of the three ids, here or in ``filters``, is required).
            agent_id: scope.
            run_id: scope.
            filters: the filter language of the README (operators, AND / OR / NOT).
            limit: at most this many memories (mem0 1.x); default 100.
            include_invalidated: also list memories whose fact was contradicted.
            top_k: at most this many memories (mem0 2.x); default 20 for a call in 2.x style
                (``top_k``, or scoped through ``filters`` alone), else ``limit``'s.
            show_expired: also list memories past their expiration date.

        Returns:
            ``{"results": [memory, ...], "relations": []}``; with graph memory, the scope's
            relations (live ones, or all with ``include_invalidated``), newest first.
        """
        result = run_sync(
            self._ops.get_all(
                user_id=user_id,
                agent_id=agent_id,
                run_id=run_id,
                filters=filters,
                limit=limit,
                top_k=top_k,
                include_invalidated=include_invalidated,
                show_expired=show_expired,
            ),
            self._runtime,
        )
        self._warn_if_v10()
        return result

    def search(
        self,
        query: str,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        limit: int | Unset = UNSET,
        filters: dict[str, Any] | None = None,
        threshold: float | Unset | None = UNSET,
        include_invalidated: bool = False,
        rerank: bool | Unset = UNSET,
        explain: bool = False,
        top_k: int | Unset = UNSET,
        show_expired: bool = False,
    ) -> Any:
        """Find a scope's memories most relevant to ``query``, best first.

        Args:
            query: what to look for.
            user_id: scope (one of the three ids, here or in ``filters``, is required).
            agent_id: scope.
            run_id: scope.
            limit: at most this many results (mem0 1.x); default 100.
            filters: the filter language of the README.
            threshold: drop results scoring below this (scores are 0..1); default none, or
                0.1 for a call in mem0 2.x's style.
            include_invalidated: also search memories whose fact was contradicted.
            rerank: reorder the best results with the configured reranker (ignored without
                one); default on for a call in mem0 1.x's style, off in 2.x's.
            explain: add ``score_parts`` (semantic, lexical, entity, time, neighbour, and
                graph with graph memory) and mem0's ``score_details`` to each.
            top_k: at most this many results (mem0 2.x); default 20 for a call in 2.x style
                (``top_k``, or scoped through ``filters`` alone).
            show_expired: also search memories past their expiration date.

        Returns:
            ``{"results": [memory + "score", ...], "relations": []}``: hybrid search (semantic
            and BM25 candidates fused by rank, then the people and times the query names and
            the conversation around each memory); ``score`` is in [0, 1], 1 meaning first in
            both lists with every boost that applied. With graph memory, ``relations`` lists
            the best relations around the entities the query names, each with its ``score``.
        """
        result = run_sync(
            self._ops.search(
                query,
                user_id=user_id,
                agent_id=agent_id,
                run_id=run_id,
                limit=limit,
                filters=filters,
                threshold=threshold,
                include_invalidated=include_invalidated,
                rerank=rerank,
                explain=explain,
                top_k=top_k,
                show_expired=show_expired,
            ),
            self._runtime,
        )
        self._warn_if_v10()
        return result

    def update(
        self,
        memory_id: str,
        text: str | None = None,
        metadata: dict[str, Any] | None = None,
        expiration_date: date | str | Unset | None = UNSET,
        *,
        data: str | None = None,
    ) -> dict[str, Any]:
        """Change a memory; history keeps the old text.

        Args:
            memory_id: the memory.
            text: its new text (mem0 2.x's name; ``data`` is 1.x's); None keeps the text.
            metadata: keys to set in its metadata (merged into it, as mem0 documents);
                identity keys (user_id, agent_id, run_id, actor_id) are ignored.
            expiration_date: its new expiration date; None clears it.
            data: its new text (mem0 1.x's name).

        Raises:
            ValidationError: none of text, metadata or expiration_date was given.
            MemoryNotFoundError: no memory has this id.
        """
        return run_sync(
            self._ops.update(memory_id, text, metadata, expiration_date, data), self._runtime
        )

    def delete(self, memory_id: str) -> dict[str, Any]:
        """Delete one memory; its history remains readable.

        Raises:
            MemoryNotFoundError: no memory has this id.
        """
        return run_sync(self._ops.delete(memory_id), self._runtime)

    def delete_all(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
    ) -> dict[str, Any]:
        """Delete every memory of a scope (one of the three ids is required)."""
        return run_sync(
            self._ops.delete_all(user_id=user_id, agent_id=agent_id, run_id=run_id),
            self._runtime,
        )

    def history(self, memory_id: str) -> list[dict[str, Any]]:
        """The changes of a memory, oldest first; ``[]`` for an id never seen (as in mem0)."""
        return run_sync(self._ops.history(memory_id), self._runtime)

    def reset(self) -> None:
        """Erase every memory and every history row of the store."""
        run_sync(self._ops.reset(), self._runtime)

    def batch_update(self, memories: list[dict[str, Any]]) -> dict[str, Any]:
        """Replace the text (and metadata) of several memories in one transaction.

        Args:
            memories: ``[{"memory_id": ..., "text": ..., "metadata"?: {...}}, ...]``.

        Raises:
            MemoryNotFoundError: an id is unknown (nothing is written).
        """
        return run_sync(self._ops.batch_update(memories), self._runtime)

    def batch_delete(self, memory_ids: list[str]) -> dict[str, Any]:
        """Delete several memories in one transaction (their history remains).

        Raises:
            MemoryNotFoundError: an id is unknown (nothing is deleted).
        """
        return run_sync(self._ops.batch_delete(memory_ids), self._runtime)

    def count(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        filters: dict[str, Any] | None = None,
        include_invalidated: bool = False,
    ) -> int:
        """How many memories of a scope match ``filters``: what get_all would list, uncapped."""
        return run_sync(
            self._ops.count(
                user_id=user_id,
                agent_id=agent_id,
                run_id=run_id,
                filters=filters,
                include_invalidated=include_invalidated,
            ),
            self._runtime,
        )

    def browse(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        filters: dict[str, Any] | None = None,
        order_by: str = "created_at",
        descending: bool = True,
        cursor: str | None = None,
        limit: int = 50,
        include_invalidated: bool = False,
    ) -> dict[str, Any]:
        """One page of a scope's memories in a chosen order, and the cursor of the next page.

        Keyset paging: a page deep in a large scope costs what the first one does, and rows
        written between two pages are neither listed twice nor skipped.

        Args:
            user_id: scope (one of the three ids, here or in ``filters``, is required).
            agent_id: scope.
            run_id: scope.
            filters: the filter language of the README.
            order_by: ``"created_at"`` or ``"updated_at"`` (ties by id).
            descending: newest first (default) or oldest first.
            cursor: ``next_cursor`` of the previous page; None for the first page.
            limit: memories per page.
            include_invalidated: also list memories whose fact was contradicted.

        Returns:
            ``{"results": [memory, ...], "next_cursor": str | None}``; ``next_cursor`` is None
            on the last page.

        Raises:
            ValidationError: bad scope, filters, order, cursor (or one of another order) or limit.
        """
        return run_sync(
            self._ops.browse(
                user_id=user_id,
                agent_id=agent_id,
                run_id=run_id,
                filters=filters,
                order_by=order_by,
                descending=descending,
                cursor=cursor,
                limit=limit,
                include_invalidated=include_invalidated,
            ),
            self._runtime,
        )

    def scopes(self, limit: int = 1000) -> list[dict[str, Any]]:
        """The user / agent / run ids that memories carry (mem0's "entities"), each as
        ``{"type": "user", "id", "total_memories", "created_at", "updated_at"}``; at most
        ``limit`` ids of each type, ordered by id."""
        return run_sync(self._ops.scopes(limit), self._runtime)

    @property
    def api_keys(self) -> KeyRing:
        """The API keys kept in this store, for ``engram serve`` and ``engram mcp``."""
        return KeyRing(self._runtime)
