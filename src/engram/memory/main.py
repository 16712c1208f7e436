"""mem0's ``mem0.memory.main``: ``from engram.memory.main import Memory, AsyncMemory``.

An alias module, so that moving from mem0 renames the top package only.
"""

from engram.async_memory import AsyncMemory
from engram.config import MemoryConfig
from engram.memory import Memory

__all__ = ["AsyncMemory", "Memory", "MemoryConfig"]
