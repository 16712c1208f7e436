"""engram as an HTTP service: ``engram serve`` (FastAPI on ``AsyncMemory``; the ``server`` extra).

``app.create_app`` assembles the routers over one ``engram.gateway.Gateway``: mem0's server
routes (``routes.oss``), mem0's Platform routes (``routes.platform``), engram's own
(``routes.service``), offline docs (``docs``) and, optionally, MCP at ``/mcp``. Errors map to
HTTP statuses in ``errors``; keys are checked by the ``auth.caller`` dependency. ``run`` starts
uvicorn. This package's ``__init__`` imports nothing heavy: ``settings`` is shared with
``engram mcp``.
"""
