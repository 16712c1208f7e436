"""``MemoryBase``: the abstract API that ``Memory`` and ``AsyncMemory`` both implement."""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from datetime import date
from typing import Any

from engram.config import MemoryConfig
from engram.core.effects import Runtime
from engram.core.operations import Operations
from engram.core.styles import UNSET, Unset

_V10 = (
    "version='v1.0' returns bare lists and is deprecated; set version='v1.1' to get "
    "{'results': [...], 'relations': [...]}"
)


class MemoryBase(ABC):
    """The memory API: add, get, get_all, search, update, delete, delete_all, history, reset."""

    config: MemoryConfig
    _runtime: Runtime
    _ops: Operations

    @abstractmethod
    def get(self, memory_id: str) -> Any:
        """Retrieve a memory by id."""

    @abstractmethod
    def get_all(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        filters: dict[str, Any] | None = None,
        limit: int | Unset = UNSET,
        include_invalidated: bool = False,
        top_k: int | Unset = UNSET,
        show_expired: bool = False,
    ) -> Any:
        """List the memories of a scope."""

    @abstractmethod
    def update(
        self,
        memory_id: str,
        text: str | None = None,
        metadata: dict[str, Any] | None = None,
        expiration_date: date | str | Unset | None = UNSET,
        *,
        data: str | None = None,
    ) -> Any:
        """Change a memory's text, metadata or expiration date."""

    @abstractmethod
    def delete(self, memory_id: str) -> Any:
        """Delete a memory by id."""

    @abstractmethod
    def history(self, memory_id: str) -> Any:
        """The changes of a memory."""

    @property
    def store(self) -> Any:
        """The store provider this instance writes to."""
        return self._runtime.store

    @property
    def embedder(self) -> Any:
        """The embedder provider (wrapped in its cache)."""
        return self._runtime.embedder

    @property
    def llm(self) -> Any:
        """The LLM provider of ``infer=True``, or None (the offline extractor)."""
        return self._runtime.llm

    def _warn_if_v10(self) -> None:
        if self.config.version == "v1.0":
            warnings.warn(_V10, DeprecationWarning, stacklevel=3)
