"""From request bodies to gateway arguments, and the response shapes both route sets share."""

from __future__ import annotations

from typing import Any

from engram.server.schemas import Message, OssSearchRequest, _AddFields

__all__ = ["add_options", "messages_of", "search_options", "type_field"]

_TYPE_FIELDS = {"user": "user_id", "agent": "agent_id", "run": "run_id"}


def messages_of(messages: str | list[Message]) -> str | list[dict[str, Any]]:
    """Messages as the core takes them (a string is one user message)."""
    if isinstance(messages, str):
        return messages
    return [m.model_dump(exclude_none=True) for m in messages]


def add_options(body: _AddFields) -> dict[str, Any]:
    """``AsyncMemory.add`` keyword arguments from an add body (``infer`` true by default)."""
    options: dict[str, Any] = {"infer": True if body.infer is None else body.infer}
    for name in ("metadata", "memory_type", "prompt", "timestamp"):
        value = getattr(body, name)
        if value is not None:
            options[name] = value
    return options


def search_options(body: OssSearchRequest, default_limit: int) -> tuple[int, dict[str, Any]]:
    """``(limit, other AsyncMemory.search keyword arguments)`` from a search body."""
    limit = body.top_k or body.limit or default_limit
    options: dict[str, Any] = {
        "threshold": body.threshold,
        "rerank": bool(body.rerank),
        "explain": bool(body.explain),
        "include_invalidated": bool(body.show_expired),
    }
    return limit, options


def type_field(entity_type: str) -> str:
    """``user_id`` for mem0's entity type ``user``, and so on."""
    return _TYPE_FIELDS[entity_type]
