"""The query / document prompt options that embedders trained with prompts take."""

from __future__ import annotations

from pydantic import Field

from engram.embedders.base import MAX_PROMPT_CHARS, PROMPT_HELP
from engram.options import Options

__all__ = ["PromptOptions"]


class PromptOptions(Options):
    """``query_prompt`` and ``document_prompt``: the base of those embedders' options."""

    query_prompt: str | None = Field(
        default=None, max_length=MAX_PROMPT_CHARS, description=PROMPT_HELP
    )
    document_prompt: str | None = Field(
        default=None, max_length=MAX_PROMPT_CHARS, description=PROMPT_HELP
    )
