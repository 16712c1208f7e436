"""The routes of mem0's Platform API that mem0's own clients call for memories.

``MemoryClient`` / ``AsyncMemoryClient`` (``mem0/client/main.py``) and the npm ``mem0ai``
client, pointed at this server with ``host=``, call: ``GET /v1/ping/`` (at construction),
``POST /v3/memories/add/``, ``POST /v3/memories/`` (get_all, paginated),
``POST /v3/memories/search/``, ``GET/PUT/DELETE /v1/memories/{id}/``,
``GET /v1/memories/{id}/history/``, ``DELETE /v1/memories/`` (delete_all), ``PUT/DELETE
/v1/batch/``, ``GET /v1/entities/`` (users) and ``DELETE /v2/entities/{type}/{id}/``
(delete_users, reset). Writes are synchronous: an add answers with what it stored (mem0's
hosted add queues work and answers with an event id).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request

from engram import __version__
from engram.core.keys import Grant
from engram.gateway import Gateway
from engram.server.auth import caller, gateway_of
from engram.server.schemas import (
    AddRequest,
    BatchDeleteRequest,
    BatchUpdateRequest,
    ListRequest,
    SearchRequest,
    UpdateRequest,
)
from engram.server.shapes import add_options, messages_of, search_options, type_field

__all__ = ["router"]

router = APIRouter(tags=["mem0 platform"])
Caller = Annotated[Grant, Depends(caller)]
Gate = Annotated[Gateway, Depends(gateway_of)]
IdQuery = Annotated[str | None, Query(description="Scope: an id, or none.")]
PageQuery = Annotated[int | None, Query(ge=1, description="1-based page.")]
SizeQuery = Annotated[int | None, Query(ge=1, description="Results per page.")]


@router.get("/v1/ping/", summary="Check the API key")
async def ping(grant: Caller) -> dict[str, Any]:
    """``status: ok`` for a valid key (mem0's clients call this when they are made).

    mem0's Python client needs an ``org_id`` and a ``project_id``; engram has neither, and
    answers with fixed placeholders.
    """
    key = grant.key
    return {
        "status": "ok",
        "org_id": "engram",
        "project_id": "engram",
        "user_email": None,
        "engram_version": __version__,
        "key": None if key is None else {"id": key.id, "name": key.name},
    }


@router.post("/v3/memories/add/", summary="Add memories")
async def add(body: AddRequest, grant: Caller, gateway: Gate) -> Any:
    """Store messages as memories; scope ids at the top level or as ``filters`` equalities."""
    options = add_options(body)
    if body.app_id is not None:
        options["metadata"] = {**(options.get("metadata") or {}), "app_id": body.app_id}
    result = await gateway.add(
        grant, messages_of(body.messages), ids=body.ids(), filters=body.filters, **options
    )
    if isinstance(result, dict):
        for item in result.get("results", []):
            item["data"] = {"memory": item["memory"]}
        result["status"] = "SUCCEEDED"
    return result


@router.post("/v3/memories/", summary="Get memories (paginated)")
async def get_all(
    request: Request,
    grant: Caller,
    gateway: Gate,
    body: Annotated[ListRequest | None, Body()] = None,
    page: PageQuery = None,
    page_size: SizeQuery = None,
) -> dict[str, Any]:
    """A page of a scope's memories, newest first: ``{count, next, previous, results}``."""
    body = body or ListRequest()
    number = page or body.page or 1
    size = page_size or body.page_size or 100
    results, count = await gateway.page(
        grant,
        ids=body.ids(),
        filters=body.filters,
        page=number,
        page_size=size,
        include_invalidated=bool(body.show_expired),
    )
    url = request.url.include_query_params(page_size=size)
    return {
        "count": count,
        "next": str(url.include_query_params(page=number + 1)) if number * size < count else None,
        "previous": str(url.include_query_params(page=number - 1)) if number > 1 else None,
        "results": results,
    }


@router.post("/v3/memories/search/", summary="Search memories")
async def search(body: SearchRequest, grant: Caller, gateway: Gate) -> Any:
    """Hybrid search in a scope (ids in ``filters``), best first; ``top_k`` defaults to 10."""
    limit, options = search_options(body, default_limit=10)
    return await gateway.search(
        grant, body.query, ids=body.ids(), filters=body.filters, limit=limit, **options
    )


@router.get("/v1/memories/{memory_id}/", summary="Get a memory")
async def get(memory_id: str, grant: Caller, gateway: Gate) -> dict[str, Any]:
    """One memory by id."""
    return await gateway.get(grant, memory_id)


@router.put("/v1/memories/{memory_id}/", summary="Update a memory")
async def update(
    memory_id: str, body: UpdateRequest, grant: Caller, gateway: Gate
) -> dict[str, Any]:
    """Replace a memory's text and/or metadata; the memory as it is now."""
    updated = await gateway.update(grant, memory_id, body.text, body.metadata)
    return {"message": "Memory updated successfully!", **updated}


@router.delete("/v1/memories/{memory_id}/", summary="Delete a memory")
async def delete(
    memory_id: str,
    grant: Caller,
    gateway: Gate,
    delete_linked: Annotated[bool, Query(description="Accepted; engram links none.")] = False,
) -> dict[str, str]:
    """Delete one memory (its history stays readable)."""
    await gateway.delete(grant, memory_id)
    return {"message": "Memory deleted successfully!"}


@router.get("/v1/memories/{memory_id}/history/", summary="Get memory history")
async def history(memory_id: str, grant: Caller, gateway: Gate) -> list[dict[str, Any]]:
    """Every change of a memory, oldest first."""
    return await gateway.history(grant, memory_id)


@router.delete("/v1/memories/", summary="Delete all memories of a scope")
async def delete_all(
    grant: Caller,
    gateway: Gate,
    user_id: IdQuery = None,
    agent_id: IdQuery = None,
    run_id: IdQuery = None,
) -> dict[str, Any]:
    """Delete every memory of a scope (one of the three ids is required)."""
    done = await gateway.delete_all(
        grant, ids={"user_id": user_id, "agent_id": agent_id, "run_id": run_id}
    )
    return {"message": "Memories deleted successfully!", "deleted": done.get("deleted", 0)}


@router.put("/v1/batch/", summary="Update memories in one transaction")
async def batch_update(body: BatchUpdateRequest, grant: Caller, gateway: Gate) -> Any:
    """Update up to ``max_batch`` memories, all or none."""
    items = [m.model_dump(exclude_none=True) for m in body.memories]
    return await gateway.batch_update(grant, items)


@router.delete("/v1/batch/", summary="Delete memories in one transaction")
async def batch_delete(body: BatchDeleteRequest, grant: Caller, gateway: Gate) -> Any:
    """Delete up to ``max_batch`` memories, all or none."""
    return await gateway.batch_delete(grant, [m.memory_id for m in body.memories])


@router.get("/v1/entities/", summary="List users, agents and runs")
async def entities(
    request: Request,
    grant: Caller,
    gateway: Gate,
    page: PageQuery = None,
    page_size: SizeQuery = None,
) -> dict[str, Any]:
    """Each user / agent / run id with memories (``MemoryClient.users()``)."""
    found = await gateway.scopes(grant)
    totals = {t: sum(1 for s in found if s["type"] == t) for t in ("user", "agent", "run")}
    number = page or 1
    size = gateway.check_limit(page_size, "page_size") if page_size else max(len(found), 1)
    start = (number - 1) * size
    url = request.url.include_query_params(page_size=size)
    return {
        "count": len(found),
        "next": str(url.include_query_params(page=number + 1))
        if start + size < len(found)
        else None,
        "previous": str(url.include_query_params(page=number - 1)) if number > 1 else None,
        "results": [
            {**s, "name": s["id"], "owner": None, "metadata": None}
            for s in found[start : start + size]
        ],
        "total_users": totals["user"],
        "total_agents": totals["agent"],
        "total_apps": 0,
        "total_runs": totals["run"],
    }


@router.delete("/v2/entities/{entity_type}/{entity_id}/", summary="Delete an entity's memories")
@router.delete(
    "/v1/entities/{entity_type}/{entity_id}/",
    summary="Delete an entity's memories (deprecated path)",
    deprecated=True,
)
async def delete_entity(
    entity_type: Literal["user", "agent", "run"], entity_id: str, grant: Caller, gateway: Gate
) -> dict[str, str]:
    """Delete every memory of one user, agent or run."""
    await gateway.delete_all(grant, ids={type_field(entity_type): entity_id})
    return {"message": "Entity deleted successfully."}
