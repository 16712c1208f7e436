"""mem0's self-hosted server routes (``server/main.py`` in mem0ai/mem0), same paths and shapes.

``POST/GET/DELETE /memories``, ``GET/PUT/DELETE /memories/{id}``, ``/memories/{id}/history``,
``POST /search``, ``POST /reset``, ``GET/POST /configure``, ``GET /entities``,
``DELETE /entities/{type}/{id}``: clients written for mem0's server work unchanged. Every
route goes through the app's ``Gateway``; results are the core's (``relations`` included).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from engram.core.keys import Grant
from engram.gateway import Gateway
from engram.server.auth import caller, gateway_of
from engram.server.configure import current_config, replace_config
from engram.server.schemas import OssAddRequest, OssSearchRequest, UpdateRequest
from engram.server.shapes import add_options, messages_of, search_options, type_field

__all__ = ["router"]

router = APIRouter(tags=["mem0 server"])
Caller = Annotated[Grant, Depends(caller)]
Gate = Annotated[Gateway, Depends(gateway_of)]
IdQuery = Annotated[str | None, Query(description="Scope: an id, or none.")]


@router.post("/memories", summary="Create memories")
async def add_memory(body: OssAddRequest, grant: Caller, gateway: Gate) -> Any:
    """Store messages as memories (``infer`` true by default: facts are extracted)."""
    return await gateway.add(grant, messages_of(body.messages), ids=body.ids(), **add_options(body))


@router.get("/memories", summary="Get memories")
async def get_all_memories(
    grant: Caller,
    gateway: Gate,
    user_id: IdQuery = None,
    agent_id: IdQuery = None,
    run_id: IdQuery = None,
    top_k: Annotated[int | None, Query(ge=1, description="At most this many.")] = None,
    show_expired: Annotated[bool, Query(description="Also invalidated memories.")] = False,
) -> Any:
    """A scope's memories, newest first (one of the three ids is required)."""
    return await gateway.get_all(
        grant,
        ids={"user_id": user_id, "agent_id": agent_id, "run_id": run_id},
        limit=top_k or 100,
        include_invalidated=show_expired,
    )


@router.get("/memories/{memory_id}", summary="Get a memory")
async def get_memory(memory_id: str, grant: Caller, gateway: Gate) -> dict[str, Any]:
    """One memory by id."""
    return await gateway.get(grant, memory_id)


@router.post("/search", summary="Search memories")
async def search_memories(body: OssSearchRequest, grant: Caller, gateway: Gate) -> Any:
    """Hybrid search in a scope (ids at the top, or in ``filters``), best first."""
    limit, options = search_options(body, default_limit=100)
    return await gateway.search(
        grant, body.query, ids=body.ids(), filters=body.filters, limit=limit, **options
    )


@router.put("/memories/{memory_id}", summary="Update a memory")
async def update_memory(
    memory_id: str, body: UpdateRequest, grant: Caller, gateway: Gate
) -> dict[str, Any]:
    """Replace a memory's text and/or metadata; its history keeps the old text."""
    await gateway.update(grant, memory_id, body.text, body.metadata)
    return {"message": "Memory updated successfully!", "id": memory_id}


@router.get("/memories/{memory_id}/history", summary="Get memory history")
async def memory_history(memory_id: str, grant: Caller, gateway: Gate) -> list[dict[str, Any]]:
    """Every change of a memory, oldest first."""
    return await gateway.history(grant, memory_id)


@router.delete("/memories/{memory_id}", summary="Delete a memory")
async def delete_memory(memory_id: str, grant: Caller, gateway: Gate) -> dict[str, str]:
    """Delete one memory (its history stays readable)."""
    await gateway.delete(grant, memory_id)
    return {"message": "Memory deleted successfully"}


@router.delete("/memories", summary="Delete all memories")
async def delete_all_memories(
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
    return {"message": "All relevant memories deleted", "deleted": done.get("deleted", 0)}


@router.post("/reset", summary="Reset all memories")
async def reset_memory(grant: Caller, gateway: Gate) -> dict[str, str]:
    """Erase every memory and history row of the store (unlimited keys only)."""
    await gateway.reset(grant)
    return {"message": "All memories reset"}


@router.get("/configure", summary="Get the memory configuration")
async def get_config(grant: Caller, gateway: Gate) -> dict[str, Any]:
    """The memory's configuration, secrets redacted."""
    return current_config(gateway)


@router.post("/configure", summary="Configure the memory")
async def set_config(
    config: dict[str, Any], request: Request, grant: Caller, gateway: Gate
) -> dict[str, str]:
    """Replace the memory's configuration in this process (when the server allows it)."""
    await replace_config(gateway, grant, config, request.app.state.settings.allow_configure)
    return {"message": "Configuration set successfully"}


@router.get("/entities", summary="List users, agents and runs")
async def list_entities(grant: Caller, gateway: Gate) -> list[dict[str, Any]]:
    """Each user / agent / run id with memories, and how many."""
    return await gateway.scopes(grant)


@router.delete("/entities/{entity_type}/{entity_id}", summary="Delete an entity's memories")
async def delete_entity(
    entity_type: Literal["user", "agent", "run"], entity_id: str, grant: Caller, gateway: Gate
) -> dict[str, str]:
    """Delete every memory of one user, agent or run."""
    await gateway.delete_all(grant, ids={type_field(entity_type): entity_id})
    return {"message": "Entity deleted"}
