"""Checks of the public API's arguments; each failure names the field and what was expected."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engram.core.filters import Condition, Field, FilterNode, conjoin, scope_values
from engram.core.limits import DEFAULT_LIMITS, Limits, bounded_int, check_str, shown
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


def optional_str(
    value: object, field: str, max_chars: int = DEFAULT_LIMITS.max_id_chars
) -> str | None:
    """None, or a non-blank string of at most ``max_chars`` characters."""
    return None if value is None else require_str(value, field, max_chars)


def require_str(value: object, field: str, max_chars: int = DEFAULT_LIMITS.max_id_chars) -> str:
    """A non-blank string of at most ``max_chars`` characters, valid Unicode."""
    if isinstance(value, str):
        check_str(value, field, max_chars, "a non-empty string")  # length first: no scan
        if value.strip():
            return value
    raise ValidationError(
        f"{field} must be a non-empty string, got {_describe(value)}",
        field=field,
        value=value,
        expected="a non-empty string",
    )


def scope_of(
    user_id: object,
    agent_id: object,
    run_id: object,
    filters: FilterNode | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Scope:
    """The scope of a call; ids may also come as top-level equalities in ``filters``."""
    ids = {
        name: optional_str(scope_id(value), name, limits.max_id_chars)
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
    if bounded_int(value):  # (a 5,000-digit int has no text: it stays, to be refused)
        return str(value)
    return value.strip() if isinstance(value, str) else value


def check_limit(value: object, field: str = "limit", most: int = DEFAULT_LIMITS.max_limit) -> int:
    """A positive int, at most ``most``."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise ValidationError(
            f"{field} must be an integer from 1 to {most}, got {shown(value)}",
            field=field,
            value=value,
            expected=f"an integer from 1 to {most}",
            suggestion="page through larger sets with filters (e.g. on created_at)"
            if isinstance(value, int) and not isinstance(value, bool) and value > most
            else None,
        )
    return value


def check_threshold(value: object) -> float | None:
    """None, or a score between 0 and 1."""
    if value is None:
        return None
    # Compared before any conversion: 10**400 cannot become a float; NaN fails both tests.
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise ValidationError(
            f"threshold must be a number from 0 to 1, got {shown(value)}",
            field="threshold",
            value=value,
            expected="a float in [0, 1]",
        )
    return float(value)


def check_metadata(
    value: object, field: str = "metadata", limits: Limits = DEFAULT_LIMITS
) -> dict[str, Any]:
    """A JSON-serialisable dict with string keys (a copy), or {} for None.

    Checked without recursion, so that no nesting a caller sends can exhaust Python's stack:
    depth, size, key and string validity, finite numbers and 64-bit integers.
    """
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(
            f"{field} must be a dict, got {_describe(value)}",
            field=field,
            value=value,
            expected="a dict of JSON values",
        )
    problem = _json_problem(value, field, limits)
    if problem:
        raise ValidationError(
            f"{problem}; metadata holds JSON values only (str, finite number, 64-bit int, "
            f"bool, None, list, dict with string keys), nested at most "
            f"{limits.max_metadata_depth} deep and {limits.max_metadata_bytes} bytes as JSON",
            field=field,
            value=value,
            expected="a dict of JSON values with string keys",
        )
    text = json.dumps(dict(value), ensure_ascii=False, default=_plain)
    if (
        len(text) > limits.max_metadata_bytes
        or len(text.encode("utf-8")) > limits.max_metadata_bytes
    ):
        raise ValidationError(
            f"{field} is too large: more than {limits.max_metadata_bytes} bytes as JSON",
            field=field,
            value=value,
            expected=f"at most {limits.max_metadata_bytes} bytes of JSON",
            suggestion="keep large payloads elsewhere and store a reference in metadata",
        )
    copied: dict[str, Any] = json.loads(text)
    return copied


def _json_problem(value: object, where: str, limits: Limits) -> str | None:
    """What makes ``value`` not plain, bounded JSON (named by its path), or None.

    An explicit stack instead of recursion; the characters seen are counted as we go, so a
    huge value is refused after reading about ``max_metadata_bytes`` of it.
    """
    budget = limits.max_metadata_bytes
    stack: list[tuple[object, str, int]] = [(value, where, 1)]
    while stack:
        item, path, depth = stack.pop()
        budget -= 2
        if item is None or isinstance(item, bool):
            continue
        if isinstance(item, str):
            budget -= len(item)
            if budget < 0:
                return f"{where} is larger than {limits.max_metadata_bytes} bytes"
            problem = _string_problem(item, path, limits.max_text_chars)
            if problem:
                return problem
        elif isinstance(item, int):
            if not bounded_int(item):
                return f"{_cut(path)} is an integer outside the 64-bit range ({shown(item)})"
        elif isinstance(item, float):
            if not math.isfinite(item):
                return f"{_cut(path)} is {item}"
        elif isinstance(item, Mapping | list | tuple):
            if depth > limits.max_metadata_depth:
                return f"{where} is nested more than {limits.max_metadata_depth} deep"
            budget -= len(item)
            if budget < 0:
                return f"{where} is larger than {limits.max_metadata_bytes} bytes"
            if isinstance(item, Mapping):
                for key, child in item.items():
                    if not isinstance(key, str):
                        return f"{_cut(path)} has a non-string key {shown(key)}"
                    problem = _string_problem(key, f"{path} key", limits.max_id_chars)
                    if problem:
                        return problem
                    budget -= len(key)
                    stack.append((child, f"{path}.{key}", depth + 1))
            else:
                stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))
        else:
            return f"{_cut(path)} is of type {type(item).__name__}"
    return None


def _plain(value: object) -> object:
    """For json.dumps: a nested mapping that is not a dict (checked already) as a dict."""
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(type(value).__name__)  # pragma: no cover - _json_problem refused it


def _string_problem(text: str, path: str, max_chars: int) -> str | None:
    try:
        check_str(text, _cut(path), max_chars)
    except ValidationError as e:
        return e.message
    return None


def _cut(path: str) -> str:
    """A path for a message: at most 80 characters."""
    return path if len(path) <= 80 else f"{path[:77]}..."


def check_memory_type(value: object) -> str | None:
    """None or one of MEMORY_TYPES."""
    if value is None or (isinstance(value, str) and value in MEMORY_TYPES):
        return value
    raise ValidationError(
        f"memory_type must be one of {', '.join(MEMORY_TYPES)} or None, got {shown(value)}",
        field="memory_type",
        value=value,
        expected=" or ".join(MEMORY_TYPES),
    )


def check_bool(value: object, field: str) -> bool:
    """A real bool (not a truthy string)."""
    if not isinstance(value, bool):
        raise ValidationError(
            f"{field} must be True or False, got {shown(value)}",
            field=field,
            value=value,
            expected="a bool",
        )
    return value


def _describe(value: object) -> str:
    if isinstance(value, str):
        return "an empty string"
    return "None" if value is None else type(value).__name__
