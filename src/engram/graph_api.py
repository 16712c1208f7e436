"""``Memory.graph`` and ``AsyncMemory.graph``: a small read API over graph memory.

``entities`` lists a scope's entities; ``relations`` a scope's relations, or those within
``hops`` of one entity, as they are now or, with ``as_of``, as they were believed to be at
that time (relations since invalidated included where they were valid then). Both drive the
same core flows (``engram.core.graph.flows``) as the rest of the API.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engram.core.effects import Runtime, run_async, run_sync
from engram.core.operations import Operations

__all__ = ["AsyncGraphView", "GraphView"]

Timestamp = datetime | str | int | float


class GraphView:
    """The graph of a ``Memory``."""

    def __init__(self, operations: Operations, runtime: Runtime) -> None:
        self._ops = operations
        self._runtime = runtime

    def entities(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """A scope's entities, newest first: ``id``, ``name``, ``type``, times, scope ids.

        Raises:
            ConfigurationError: graph memory is off (no ``graph_store``).
            ValidationError: no scope, or a bad limit.
        """
        flow = self._ops.graph_entities(
            user_id=user_id, agent_id=agent_id, run_id=run_id, limit=limit
        )
        return run_sync(flow, self._runtime)

    def relations(
        self,
        entity: str | None = None,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        hops: int = 1,
        as_of: Timestamp | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Relations of a scope, newest first, or those within ``hops`` of ``entity``
        (its name, as said: ``"Ana"``), nearest first with their ``hop``.

        Args:
            entity: an entity's name; None lists the scope's relations.
            user_id: scope (one of the three ids is required).
            agent_id: scope.
            run_id: scope.
            hops: 1 to 3.
            as_of: a time (datetime, ISO 8601 or epoch): the relations valid then, those
                invalidated since included; None: the live ones.
            limit: at most this many relations.

        Raises:
            ConfigurationError: graph memory is off (no ``graph_store``).
            ValidationError: no scope, or a bad hops, as_of or limit.
        """
        flow = self._ops.graph_relations(
            entity, user_id=user_id, agent_id=agent_id, run_id=run_id, hops=hops,
            as_of=as_of, limit=limit,
        )  # fmt: skip
        return run_sync(flow, self._runtime)


class AsyncGraphView:
    """The graph of an ``AsyncMemory``: ``GraphView``'s methods as coroutines."""

    def __init__(self, operations: Operations, runtime: Runtime) -> None:
        self._ops = operations
        self._runtime = runtime

    async def entities(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """A scope's entities, newest first (see ``GraphView.entities``)."""
        flow = self._ops.graph_entities(
            user_id=user_id, agent_id=agent_id, run_id=run_id, limit=limit
        )
        return await run_async(flow, self._runtime)

    async def relations(
        self,
        entity: str | None = None,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        hops: int = 1,
        as_of: Timestamp | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """A scope's relations, or an entity's neighbourhood (see ``GraphView.relations``)."""
        flow = self._ops.graph_relations(
            entity, user_id=user_id, agent_id=agent_id, run_id=run_id, hops=hops,
            as_of=as_of, limit=limit,
        )  # fmt: skip
        return await run_async(flow, self._runtime)
