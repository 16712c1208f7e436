"""engram's own routes: liveness, readiness, search with explanations, keyset paging.

``GET /health`` answers while the process runs; ``GET /ready`` once the store answers a read
(503 otherwise), for load balancers and orchestrators; neither needs a key. ``POST /explain``
is ``POST /search`` with each result's ``score_parts`` (semantic, lexical, entity, time,
neighbour, and ``shares``: what each added to the score). ``POST /browse`` pages through a
scope's memories in a chosen order with a cursor (the inspector's table). Graph memory's
own routes are in ``graph.py``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse

from engram import __version__
from engram.core.keys import Grant
from engram.gateway import Gateway
from engram.server.auth import caller, gateway_of
from engram.server.schemas import BrowseRequest, OssSearchRequest
from engram.server.shapes import search_options

__all__ = ["router"]

router = APIRouter(tags=["engram"])
Caller = Annotated[Grant, Depends(caller)]
Gate = Annotated[Gateway, Depends(gateway_of)]


@router.get("/health", summary="Liveness")
async def health() -> dict[str, str]:
    """``ok`` while the server runs."""
    return {"status": "ok", "version": __version__}


@router.get("/ready", summary="Readiness")
async def ready(gateway: Gate) -> dict[str, str]:
    """``ready`` when the store answers; 503 (store unavailable) when it does not."""
    await gateway.ready()
    return {"status": "ready"}


@router.post("/explain", summary="Search, with the parts of each score")
async def explain(body: OssSearchRequest, grant: Caller, gateway: Gate) -> Any:
    """``POST /search``, each result with ``score_parts``."""
    limit, options = search_options(body, default_limit=10)
    options["explain"] = True
    return await gateway.search(
        grant, body.query, ids=body.ids(), filters=body.filters, limit=limit, **options
    )


@router.post("/browse", summary="A page of a scope's memories, with a cursor")
async def browse(body: BrowseRequest, grant: Caller, gateway: Gate) -> dict[str, Any]:
    """A scope's memories ordered by ``created_at`` or ``updated_at``, ``limit`` at a time:
    ``{results, next_cursor, count?}``. Pass ``next_cursor`` back for the next page (keyset
    paging: as fast deep in 100k memories as on the first page); it is null on the last."""
    return await gateway.browse(
        grant,
        ids=body.ids(),
        filters=body.filters,
        order_by=body.order_by,
        descending=body.descending,
        cursor=body.cursor,
        limit=body.limit,
        include_invalidated=body.show_expired,
        total=body.total,
    )


@router.get("/", include_in_schema=False)
async def home() -> RedirectResponse:
    """The API's documentation."""
    return RedirectResponse("/docs")
