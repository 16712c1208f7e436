"""mem0's ``mem0.configs.prompts``: its prompt names for engram's default prompts.

Code that extends mem0's prompts (``custom_fact_extraction_prompt=FACT_RETRIEVAL_PROMPT + ...``)
extends engram's. engram's prompts ask for the same JSON shapes (``{"facts": [...]}`` and
``{"memory": [{"id", "text", "event"}]}``) but are its own text.
"""

from engram.prompts import FACT_EXTRACTION, PROCEDURAL_MEMORY, UPDATE_MEMORY

__all__ = [
    "DEFAULT_UPDATE_MEMORY_PROMPT",
    "FACT_RETRIEVAL_PROMPT",
    "PROCEDURAL_MEMORY_SYSTEM_PROMPT",
    "USER_MEMORY_EXTRACTION_PROMPT",
]

FACT_RETRIEVAL_PROMPT = FACT_EXTRACTION
USER_MEMORY_EXTRACTION_PROMPT = FACT_EXTRACTION
DEFAULT_UPDATE_MEMORY_PROMPT = UPDATE_MEMORY
PROCEDURAL_MEMORY_SYSTEM_PROMPT = PROCEDURAL_MEMORY
