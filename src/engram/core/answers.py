"""Reading what an LLM answered: tolerant JSON parsing, then strict pydantic validation.

Models wrap JSON in code fences, prefix it with ``<think>...</think>`` or prose, leave trailing
commas, or return a bare list. ``parse_json`` copes with those; as its last resort it hands the
text to ``json-repair`` (single quotes, Python literals, unquoted keys, comments, missing commas,
raw newlines), so fewer answers cost a paid retry. An answer cut off mid-way loses its last,
incomplete element before any repair (a repair would complete it with a guess). The pydantic
models then decide whether the answer is usable. Nothing an LLM says reaches the store
unvalidated.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal, TypeVar

import json_repair
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError

T = TypeVar("T", bound=BaseModel)

_THINK = re.compile(r"<think>.*?(</think>|$)", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


class AnswerError(ValueError):
    """The answer could not be read or did not follow the expected shape."""


def parse_json(text: str) -> Any:
    """The JSON value in ``text``, tolerating fences, think blocks, prose, trailing commas, an
    answer cut off mid-way (its last, incomplete element is dropped) and, through
    ``json-repair``, the other ways models break JSON."""
    body = _THINK.sub("", text).strip()
    fenced = _FENCE.search(body)
    if fenced:
        body = fenced.group(1).strip()
    starts = [i for i in (body.find("{"), body.find("[")) if i >= 0]
    if not starts:
        raise AnswerError("the answer holds no JSON object")
    start = min(starts)
    end = max(body.rfind("}"), body.rfind("]"))
    candidate = body[start : end + 1]
    attempts = [candidate, _TRAILING_COMMA.sub(r"\1", candidate)]
    closed = _close_truncated(body[start:])
    if closed is not None:
        attempts.append(_TRAILING_COMMA.sub(r"\1", closed))
    for attempt in attempts:
        try:
            return json.loads(attempt)
        except json.JSONDecodeError:
            continue
    repaired = json_repair.loads(closed if closed is not None else candidate)
    if isinstance(repaired, dict | list) and repaired:
        return repaired
    raise AnswerError("the answer is not valid JSON")


def _close_truncated(text: str) -> str | None:
    """``text`` cut back to its last complete value and closed, or None if it is complete."""
    stack: list[str] = []
    safe_stack: list[str]
    in_string = escaped = False
    safe, safe_stack = -1, []
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
                if stack and stack[-1] == "]":
                    safe, safe_stack = i + 1, list(stack)
            continue
        if ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]":
            if not stack:
                return None
            stack.pop()
            if not stack:
                return None  # the value is complete: nothing to close
            safe, safe_stack = i + 1, list(stack)
    if safe < 0:
        return None
    return text[:safe] + "".join(reversed(safe_stack))


def read_answer(text: str, model: type[T], context: dict[str, Any] | None = None) -> T:
    """Parse ``text`` and validate it as ``model``; AnswerError says what was wrong."""
    value = parse_json(text)
    try:
        return model.model_validate(value, context=context)
    except PydanticValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'answer'}: {err['msg']}"
            for err in e.errors()
        )
        raise AnswerError(problems) from e


class Facts(BaseModel):
    """The fact-extraction answer: ``{"facts": [str, ...]}`` (a bare list is accepted).

    Like mem0, a fact given as an object ``{"fact": ...}`` or ``{"text": ...}`` (what smaller
    models often write) is read as its text, and an object with neither is skipped.
    """

    model_config = ConfigDict(extra="ignore")

    facts: list[str]

    @model_validator(mode="before")
    @classmethod
    def _bare_list(cls, value: Any) -> Any:
        return {"facts": value} if isinstance(value, list) else value

    @field_validator("facts", mode="before")
    @classmethod
    def _fact_objects(cls, facts: Any) -> Any:
        if not isinstance(facts, list):
            return facts
        texts: list[Any] = []
        for item in facts:
            if isinstance(item, dict):
                text = item.get("fact") or item.get("text")
                if isinstance(text, str):
                    texts.append(text)
            else:
                texts.append(item)
        return texts

    @field_validator("facts")
    @classmethod
    def _clean(cls, facts: list[str]) -> list[str]:
        seen: dict[str, None] = {}
        for fact in facts:
            text = " ".join(fact.split())
            if text:
                seen.setdefault(text, None)
        return list(seen)


class Decision(BaseModel):
    """One item of the update answer."""

    model_config = ConfigDict(extra="ignore")

    id: int | None = None
    text: str = ""
    event: Literal["ADD", "UPDATE", "DELETE", "NONE"]

    @field_validator("event", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("id", mode="before")
    @classmethod
    def _int_id(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        return None if value == "" else value

    @model_validator(mode="after")
    def _complete(self) -> Decision:
        self.text = " ".join(self.text.split())
        if self.event in ("ADD", "UPDATE") and not self.text:
            raise ValueError(f"{self.event} needs a non-empty text")
        if self.event in ("UPDATE", "DELETE") and self.id is None:
            raise ValueError(f"{self.event} needs the id of an existing memory")
        return self


class Decisions(BaseModel):
    """The update answer: ``{"memory": [Decision, ...]}``; ids must be ones that were shown."""

    model_config = ConfigDict(extra="ignore")

    memory: list[Decision] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _bare_list(cls, value: Any) -> Any:
        return {"memory": value} if isinstance(value, list) else value

    @model_validator(mode="after")
    def _known_ids(self, info: ValidationInfo) -> Decisions:
        shown: set[int] = set((info.context or {}).get("shown_ids", ()))
        touched: set[int] = set()
        for item in self.memory:
            if item.id is None or item.event == "ADD":
                continue
            if item.id not in shown:
                allowed = ", ".join(str(i) for i in sorted(shown)) or "none"
                raise ValueError(
                    f"id {item.id} was not among the existing memories (allowed: {allowed})"
                )
            if item.id in touched and item.event != "NONE":
                raise ValueError(f"id {item.id} is changed more than once")
            if item.event != "NONE":
                touched.add(item.id)
        return self


def json_schema(name: str) -> dict[str, Any]:
    """The strict JSON schema (OpenAI structured-output subset) of the answer ``name``."""
    if name == "facts":
        return {
            "type": "object",
            "properties": {"facts": {"type": "array", "items": {"type": "string"}}},
            "required": ["facts"],
            "additionalProperties": False,
        }
    item = {
        "type": "object",
        "properties": {
            "id": {"type": ["integer", "null"]},
            "text": {"type": "string"},
            "event": {"type": "string", "enum": ["ADD", "UPDATE", "DELETE", "NONE"]},
        },
        "required": ["id", "text", "event"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {"memory": {"type": "array", "items": item}},
        "required": ["memory"],
        "additionalProperties": False,
    }
