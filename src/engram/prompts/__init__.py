"""The prompts of ``add(infer=True)``: fact extraction, memory update, procedural memory, vision.

Each is plain text with ``{placeholders}`` filled by ``str.format``-free substitution in the core
(``engram.core.inference``), so user-supplied prompts may contain braces freely.
"""

from engram.prompts.templates import (
    FACT_EXTRACTION,
    PROCEDURAL_MEMORY,
    UPDATE_MEMORY,
    VISION_DESCRIPTION,
)

__all__ = ["FACT_EXTRACTION", "PROCEDURAL_MEMORY", "UPDATE_MEMORY", "VISION_DESCRIPTION"]
