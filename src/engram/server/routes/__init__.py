"""The routers of ``engram serve``; each declares ``Depends(caller)`` for its keys.

``ROUTERS`` lists them in the order they are mounted. Another router (a browser UI, graph
routes) is mounted the same way: an ``APIRouter`` whose routes depend on
``engram.server.auth.caller`` and call the app's ``Gateway`` (``gateway_of``).
"""

from __future__ import annotations

from engram.server.routes import oss, platform, service

ROUTERS = (service.router, oss.router, platform.router)

__all__ = ["ROUTERS"]
