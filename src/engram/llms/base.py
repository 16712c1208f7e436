"""The LLM interface: one abstract method, ``complete``, over a provider-neutral request.

The core builds a ``CompletionRequest`` (chat messages, optionally a JSON schema the answer must
follow) and a provider turns it into its own wire format. Providers report token ``Usage`` so
that ``add`` can return what its LLM calls cost.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens spent by one or more LLM calls."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.calls + other.calls,
        )

    def as_dict(self) -> dict[str, int]:
        """The ``usage`` entry of ``add``'s result."""
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
            "llm_calls": self.calls,
        }


@dataclass(frozen=True, slots=True)
class CompletionRequest:
    """What the core asks of an LLM.

    ``messages`` are OpenAI-style chat messages (``{"role", "content"}``, where content may be a
    list of text and ``image_url`` parts). With ``json_schema``, the answer must be one JSON
    object following it: providers pass it as structured output where they can, otherwise ask
    for JSON mode; the core parses and validates the answer either way.
    """

    messages: tuple[dict[str, Any], ...]
    json_schema: dict[str, Any] | None = None
    schema_name: str = "answer"


@dataclass(frozen=True, slots=True)
class Completion:
    """An LLM's answer: its text, what it cost, and whether ``max_tokens`` cut it off."""

    text: str
    usage: Usage = Usage(calls=1)
    truncated: bool = False


class LLM(ABC):
    """A chat model. Implementations must be safe to call from many threads."""

    #: Describe images of added messages with this model (mem0's ``enable_vision``).
    enable_vision: bool = False
    #: The ``detail`` of image parts sent to it: ``auto``, ``low`` or ``high``.
    vision_details: str = "auto"

    @abstractmethod
    def complete(self, request: CompletionRequest) -> Completion:
        """Answer ``request``.

        Raises:
            AuthenticationError: the provider refused the credentials, or none are set.
            RateLimitError: the provider kept throttling after the retries.
            NetworkError: the provider could not be reached or timed out.
            ProviderError: any other failure of the provider.
        """

    def close(self) -> None:  # noqa: B027 - optional hook, deliberately not abstract
        """Release connections (``Memory.close`` calls it); a no-op by default."""
