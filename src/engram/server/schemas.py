"""Request bodies of the routes, as pydantic models (the OpenAPI document is made from them).

Both route sets take the fields their mem0 counterparts send. Fields mem0's clients send that
engram has no use for (``output_format``, ``org_id``, ``custom_categories``...) are accepted
and ignored; fields whose meaning engram cannot honour (``expiration_date``, an update's
``timestamp``) are refused with 422 when set, rather than silently dropped. Values are checked
here for shape only; the core checks their meaning and names the field when it refuses one.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "AddRequest",
    "BatchDeleteRequest",
    "BatchUpdateRequest",
    "BrowseRequest",
    "ListRequest",
    "Message",
    "OssAddRequest",
    "OssSearchRequest",
    "SearchRequest",
    "UpdateRequest",
]

Timestamp = int | float | str


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _no_expiry(value: Any) -> Any:
    if value is not None:
        raise ValueError("engram does not expire memories; leave expiration_date out (or null)")
    return value


class Message(_Lenient):
    """One message: ``content`` is text, or a list of parts (text, image_url)."""

    role: str = Field(..., min_length=1, description="user, assistant or system")
    content: str | list[dict[str, Any]] = Field(..., description="The message's text or parts.")
    name: str | None = Field(
        default=None, description="Who said it (kept as the memory's actor_id)."
    )


class _Scope(_Lenient):
    user_id: str | None = Field(default=None, description="The user the memories belong to.")
    agent_id: str | None = Field(default=None, description="The agent the memories belong to.")
    run_id: str | None = Field(
        default=None, description="The run (session) the memories belong to."
    )

    def ids(self) -> dict[str, str | None]:
        """The scope ids the body names."""
        return {"user_id": self.user_id, "agent_id": self.agent_id, "run_id": self.run_id}


class _AddFields(_Scope):
    metadata: dict[str, Any] | None = Field(default=None, description="Stored with every memory.")
    infer: bool | None = Field(default=None, description="Extract facts (default true).")
    memory_type: str | None = Field(default=None, description="procedural_memory, or none.")
    prompt: str | None = Field(default=None, description="Prompt for procedural memory.")
    timestamp: Timestamp | None = Field(default=None, description="When said: ISO 8601 or epoch.")
    expiration_date: str | None = Field(default=None, description="Refused when set.")

    _expiry = field_validator("expiration_date")(_no_expiry)


class OssAddRequest(_AddFields):
    """``POST /memories`` (mem0's server)."""

    messages: list[Message] = Field(..., min_length=1, description="Messages to remember.")


class AddRequest(_AddFields):
    """``POST /v3/memories/add/`` (mem0's Platform): scope ids at the top or in ``filters``."""

    messages: str | list[Message] = Field(
        ..., min_length=1, description="Messages to remember, or one user message's text."
    )
    app_id: str | None = Field(default=None, description="Kept as metadata['app_id'].")
    filters: dict[str, Any] | None = Field(default=None, description="Scope ids as equalities.")


class OssSearchRequest(_Scope):
    """``POST /search`` (mem0's server) and ``POST /explain`` (engram)."""

    query: str = Field(..., min_length=1, description="What to look for.")
    filters: dict[str, Any] | None = Field(
        default=None, description="The filter language (README)."
    )
    top_k: int | None = Field(
        default=None, ge=1, description="At most this many results (default 100)."
    )
    limit: int | None = Field(default=None, ge=1, description="Same as top_k.")
    threshold: float | None = Field(
        default=None, ge=0, le=1, description="Drop results scoring below."
    )
    rerank: bool | None = Field(default=None, description="Reorder with the configured reranker.")
    explain: bool | None = Field(default=None, description="Add score_parts to each result.")
    show_expired: bool | None = Field(default=None, description="Also search invalidated memories.")


class SearchRequest(OssSearchRequest):
    """``POST /v3/memories/search/`` (mem0's Platform; scope ids in ``filters``)."""

    top_k: int | None = Field(
        default=None, ge=1, description="At most this many results (default 10)."
    )


class ListRequest(_Scope):
    """``POST /v3/memories/`` (mem0's Platform ``get_all``); scope ids in ``filters``."""

    filters: dict[str, Any] | None = Field(
        default=None, description="The filter language (README)."
    )
    show_expired: bool | None = Field(default=None, description="Also list invalidated memories.")
    page: int | None = Field(default=None, ge=1, description="1-based page (the query's wins).")
    page_size: int | None = Field(default=None, ge=1, description="Per page (the query's wins).")


class BrowseRequest(_Scope):
    """``POST /browse`` (engram): a page of a scope's memories, in order, with a cursor."""

    filters: dict[str, Any] | None = Field(
        default=None, description="The filter language (README)."
    )
    order_by: Literal["created_at", "updated_at"] = Field(
        default="created_at", description="The field to order by (ties by id)."
    )
    descending: bool = Field(default=True, description="Newest first (false: oldest first).")
    cursor: str | None = Field(
        default=None, description="next_cursor of the previous page; none for the first."
    )
    limit: int = Field(default=50, ge=1, description="Memories per page.")
    show_expired: bool = Field(default=False, description="Also list invalidated memories.")
    total: bool = Field(default=False, description="Also count the whole listing (count).")


class UpdateRequest(_Lenient):
    """``PUT /memories/{id}`` and ``PUT /v1/memories/{id}/``."""

    text: str | None = Field(default=None, description="The new text.")
    metadata: dict[str, Any] | None = Field(
        default=None, description="The new metadata (replaces)."
    )
    timestamp: Timestamp | None = Field(default=None, description="Refused when set.")
    expiration_date: str | None = Field(default=None, description="Refused when set.")

    _expiry = field_validator("expiration_date")(_no_expiry)

    @field_validator("timestamp")
    @classmethod
    def _no_timestamp(cls, value: Any) -> Any:
        if value is not None:
            raise ValueError("engram keeps a memory's time; leave timestamp out (or null)")
        return value


class BatchItem(_Lenient):
    """One memory of a batch."""

    memory_id: str = Field(..., min_length=1)
    text: str | None = None
    metadata: dict[str, Any] | None = None


class BatchUpdateRequest(_Lenient):
    """``PUT /v1/batch/``."""

    memories: list[BatchItem] = Field(..., min_length=1)


class BatchDeleteItem(_Lenient):
    """One memory id of a batch delete."""

    memory_id: str = Field(..., min_length=1)


class BatchDeleteRequest(_Lenient):
    """``DELETE /v1/batch/``."""

    memories: list[BatchDeleteItem] = Field(..., min_length=1)
