"""The graph's options, as the ``graph_store`` block decides them (kept light: the core
imports this module when it starts, the graph's machinery only when it is on)."""

from __future__ import annotations

from dataclasses import dataclass

#: Default cosine similarity at which a new name matches an existing entity (see README).
DEFAULT_THRESHOLD = 0.8


@dataclass(frozen=True, slots=True)
class GraphSettings:
    """The graph's options (from the ``graph_store`` block)."""

    threshold: float = DEFAULT_THRESHOLD
    custom_prompt: str | None = None
    hops: int = 2
    #: Whether an LLM answers the graph's questions (the memory's, or the block's own).
    with_llm: bool = False
    #: Whether that LLM is the block's own (``graph_store.llm``), not the memory's.
    own_llm: bool = False
