"""A scripted LLM provider for tests, registered through the real provider registry."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict

from engram.llms.base import LLM, Completion, CompletionRequest, Usage


class ScriptedConfig(BaseModel):
    """Answers given in order; each call costs ``prompt_tokens`` / ``completion_tokens``."""

    model_config = ConfigDict(extra="forbid")

    answers: list[str] = []
    prompt_tokens: int = 10
    completion_tokens: int = 5
    enable_vision: bool = False
    vision_details: str = "auto"
    truncated: bool = False


class ScriptedLLM(LLM):
    """Returns its scripted answers one by one and records every request."""

    Config = ScriptedConfig

    def __init__(self, config: ScriptedConfig) -> None:
        self.answers = list(config.answers)
        self.config = config
        self.enable_vision = config.enable_vision
        self.vision_details = config.vision_details
        self.requests: list[CompletionRequest] = []
        self.before_answer: Callable[[CompletionRequest], None] | None = None
        self._lock = threading.Lock()

    def complete(self, request: CompletionRequest) -> Completion:
        """The next scripted answer."""
        if self.before_answer is not None:
            self.before_answer(request)
        with self._lock:
            self.requests.append(request)
            if not self.answers:
                raise AssertionError(f"unscripted LLM call: {request.messages}")
            text = self.answers.pop(0)
        usage = Usage(self.config.prompt_tokens, self.config.completion_tokens, 1)
        return Completion(text, usage, truncated=self.config.truncated)


def llm_config(path: Any, *answers: str, **options: Any) -> dict[str, Any]:
    """A config with a SQLite store at ``path`` and the scripted LLM."""
    return {
        "vector_store": {"provider": "sqlite", "config": {"path": str(path)}},
        "llm": {"provider": "scripted", "config": {"answers": list(answers), **options}},
    }
