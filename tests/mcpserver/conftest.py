"""The MCP tests reuse the REST tests' live server (``serve``)."""

from tests.server.conftest import serve

__all__ = ["serve"]
