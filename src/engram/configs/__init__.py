"""mem0's ``mem0.configs`` package (``base``, ``enums``, ``prompts``), as aliases of engram's.

engram keeps its configuration in ``engram.config``; these modules exist so that code written
against mem0 (``from mem0.configs.base import MemoryConfig``) works with the top package renamed.
"""
