"""Scripted HTTP for provider tests: an httpx.MockTransport that records requests."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

Reply = httpx.Response | Callable[[httpx.Request], httpx.Response] | Exception


class Wire:
    """Answers requests with scripted replies, in order, and records each request."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, httpx.Response):
            return reply
        return reply(request)

    def body(self, index: int = -1) -> Any:
        """The JSON body of a recorded request."""
        return json.loads(self.requests[index].content)


def ok(payload: Any) -> httpx.Response:
    """A 200 JSON response."""
    return httpx.Response(200, json=payload)


def chat_answer(text: str, prompt: int = 12, completion: int = 3) -> httpx.Response:
    """An OpenAI-style chat completion."""
    return ok(
        {
            "choices": [{"message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion},
        }
    )
