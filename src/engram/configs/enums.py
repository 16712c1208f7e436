"""mem0's ``mem0.configs.enums``: ``MemoryType``.

Members are strings, so ``memory_type=MemoryType.PROCEDURAL`` and
``memory_type=MemoryType.PROCEDURAL.value`` both work. engram stores the type a memory was
created with; ``add`` creates only procedural memories on request, like mem0.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["MemoryType"]


class MemoryType(StrEnum):
    """The kinds of memory mem0 names."""

    SEMANTIC = "semantic_memory"
    EPISODIC = "episodic_memory"
    PROCEDURAL = "procedural_memory"
