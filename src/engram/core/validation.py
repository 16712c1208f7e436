"""Checks of the public API's arguments; each failure names the field and what was expected."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engram.core.filters import Condition, Field, FilterNode, conjoin, scope_values
from engram.exceptions import ValidationError

SCOPE_FIELDS = ("user_id", "agent_id", "run_id")
MEMORY_TYPES = ("procedural_memory",)


@dataclass(frozen=True, slots=True)
class Scope:
    """Which user, agent and run a memory belongs to; at least one is set."""

    user_id: str | None = None
    agent_id: str | None = None
    run_id: str | None = None

    def as_filter(self) -> FilterNode | None:
        """Equality conditions on every id that is set."""
        return conjoin(
            *(
                Condition(Field(name), "eq", value)
                for name, value in (
                    ("user_id", self.user_id),
                    ("agent_id", self.agent_id),
                    ("run_id", self.run_id),
                )
                if value is not None
            )
        )


def optional_str(value: object, field: str) -> str | None:
    """None, or a non-blank string."""
    return None if value is None else require_str(value, field)


def require_str(value: object, field: str) -> str:
    """A non-blank string."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            f"{field} must be a non-empty string, got {_describe(value)}",
            field=field,
            value=value,
            expected="a non-empty string",
        )
    return value


def scope_of(
    user_id: object, agent_id: object, run_id: object, filters: FilterNode | None = None
) -> Scope:
    """The scope of a call; ids may also come as top-level equalities in ``filters``."""
    ids = {
        name: optional_str(scope_id(value), name)
        for name, value in (("user_id", user_id), ("agent_id", agent_id), ("run_id", run_id))
    }
    if not any(ids.values()) and not scope_values(filters):
        raise ValidationError(
            "at least one of user_id, agent_id or run_id is required",
            field="user_id",
            expected="user_id, agent_id or run_id",
            suggestion="pass user_id='...' (or agent_id / run_id) to scope the memories",
        )
    return Scope(**ids)


def scope_id(value: object) -> object:
    """An id as mem0 2.x reads it: an integer as its text, a string without surrounding
    spaces (so " alice " is alice); anything else unchanged, for the checks to refuse."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else value


def check_limit(value: object, field: str = "limit") -> int:
    """A positive int."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(
            f"{field} must be a positive integer, got {value!r}",
            field=field,
            value=value,
            expected="an integer >= 1",
        )
    return value


def check_threshold(value: object) -> float | None:
    """None, or a score between 0 and 1."""
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0.0 <= value <= 1.0
    ):
        raise ValidationError(
            f"threshold must be a number from 0 to 1, got {value!r}",
            field="threshold",
            value=value,
            expected="a float in [0, 1]",
        )
    return float(value)


def check_metadata(value: object, field: str = "metadata") -> dict[str, Any]:
    """A JSON-serialisable dict with string keys (a copy), or {} for None."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(
            f"{field} must be a dict, got {_describe(value)}",
            field=field,
            value=value,
            expected="a dict of JSON values",
        )
    problem = _json_problem(value, field)
    if problem:
        raise ValidationError(
            f"{problem}; metadata holds JSON values only (str, finite number, bool, None, "
            "list, dict with string keys)",
            field=field,
            value=value,
            expected="a dict of JSON values with string keys",
        )
    copied: dict[str, Any] = json.loads(json.dumps(dict(value)))
    return copied


def _json_problem(value: object, where: str) -> str | None:
    """What makes ``value`` not plain JSON (named by its path), or None."""
    if value is None or isinstance(value, str | bool | int):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{where} is {value}"
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"{where} has a non-string key {key!r}"
            problem = _json_problem(item, f"{where}.{key}")
            if problem:
                return problem
        return None
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            problem = _json_problem(item, f"{where}[{i}]")
            if problem:
                return problem
        return None
    return f"{where} is of type {type(value).__name__}"


def check_memory_type(value: object) -> str | None:
    """None or one of MEMORY_TYPES."""
    if value is None or (isinstance(value, str) and value in MEMORY_TYPES):
        return value
    raise ValidationError(
        f"memory_type must be one of {', '.join(MEMORY_TYPES)} or None, got {value!r}",
        field="memory_type",
        value=value,
        expected=" or ".join(MEMORY_TYPES),
    )


def check_bool(value: object, field: str) -> bool:
    """A real bool (not a truthy string)."""
    if not isinstance(value, bool):
        raise ValidationError(
            f"{field} must be True or False, got {value!r}",
            field=field,
            value=value,
            expected="a bool",
        )
    return value


def _describe(value: object) -> str:
    if isinstance(value, str):
        return "an empty string"
    return "None" if value is None else type(value).__name__
