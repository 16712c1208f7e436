"""The routers of ``engram serve``; each declares ``Depends(caller)`` for its keys.

``ROUTERS`` lists them in the order they are mounted: engram's own (``service``), mem0's
server (``oss``), mem0's Platform (``platform``) and graph memory (``graph``). Each is an
``APIRouter`` whose routes depend on ``engram.server.auth.caller`` and call the app's
``Gateway`` (``gateway_of``); the inspector (``engram.server.inspector``) calls these routes.
"""

from __future__ import annotations

from engram.server.routes import graph, oss, platform, service

ROUTERS = (service.router, oss.router, platform.router, graph.router)

__all__ = ["ROUTERS"]
