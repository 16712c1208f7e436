"""Graph memory over HTTP: a scope's entities and relations, as ``Memory.graph`` reads them.

``GET /graph/entities`` lists a scope's entities (newest first); ``GET /graph/relations`` its
relations, or those within ``hops`` of one entity, as they are now or, with ``as_of``, as they
were believed to be then (relations invalidated since included where they held). Each
relation carries the ids of the memories that state it (``memory_ids``). A server whose
memory has no ``graph_store`` answers 409.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from engram.core.keys import Grant
from engram.gateway import Gateway
from engram.server.auth import caller, gateway_of

__all__ = ["router"]

router = APIRouter(prefix="/graph", tags=["graph memory"])
Caller = Annotated[Grant, Depends(caller)]
Gate = Annotated[Gateway, Depends(gateway_of)]
IdQuery = Annotated[str | None, Query(description="Scope: an id, or none.")]
LimitQuery = Annotated[int, Query(ge=1, description="At most this many.")]


@router.get("/entities", summary="A scope's entities")
async def entities(
    grant: Caller,
    gateway: Gate,
    user_id: IdQuery = None,
    agent_id: IdQuery = None,
    run_id: IdQuery = None,
    limit: LimitQuery = 100,
) -> list[dict[str, Any]]:
    """The people and things a scope's memories are about, newest first (one id required)."""
    ids = {"user_id": user_id, "agent_id": agent_id, "run_id": run_id}
    result: list[dict[str, Any]] = await gateway.graph_entities(grant, ids=ids, limit=limit)
    return result


@router.get("/relations", summary="A scope's relations, or an entity's neighbourhood")
async def relations(
    grant: Caller,
    gateway: Gate,
    user_id: IdQuery = None,
    agent_id: IdQuery = None,
    run_id: IdQuery = None,
    entity: Annotated[
        str | None, Query(description="An entity's name: its neighbourhood only.")
    ] = None,
    hops: Annotated[int, Query(ge=1, le=3, description="Neighbourhood radius.")] = 1,
    as_of: Annotated[
        str | None, Query(description="ISO 8601 time or epoch seconds: the graph as it was.")
    ] = None,
    limit: LimitQuery = 100,
) -> list[dict[str, Any]]:
    """Relations (source, relationship, destination, valid_at, invalid_at, memory_ids)."""
    ids = {"user_id": user_id, "agent_id": agent_id, "run_id": run_id}
    result: list[dict[str, Any]] = await gateway.graph_relations(
        grant, ids=ids, entity=entity, hops=hops, as_of=as_of, limit=limit
    )
    return result
