"""mem0's ``mem0.memory.base``: ``MemoryBase``, the API ``Memory`` and ``AsyncMemory`` share.

An alias module, so that moving from mem0 renames the top package only.
"""

from engram.base import MemoryBase

__all__ = ["MemoryBase"]
