"""``Options``: the base of every configuration model, hardened against hostile values.

Every provider's ``Config`` and ``MemoryConfig`` derive from it, so that whatever a config
holds, building it fails with a ``ConfigurationError`` naming the key and what was expected:
unknown keys are refused, numbers must be finite (``busy_timeout=float("inf")``), integers
must fit in 64 bits, strings must be valid Unicode without NUL (a path with a NUL byte, a lone
surrogate), and nesting is bounded, all checked without recursion before pydantic reads the
values. Building a model directly (``SQLiteStoreConfig(busy_timeout=...)``) raises the same
``ConfigurationError`` as a config dict does.
"""

from __future__ import annotations

import contextvars
import math
from collections.abc import Mapping
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic import ValidationError as PydanticValidationError

from engram.core.limits import bounded_int, shown
from engram.exceptions import ConfigurationError

__all__ = ["MAX_CONFIG_DEPTH", "MAX_CONFIG_STRING", "Options", "config_problem", "describe_errors"]

#: Nesting allowed in a config (a provider's options inside a block inside the config...).
MAX_CONFIG_DEPTH = 24
#: Characters of one string in a config (a custom prompt is the longest that makes sense).
MAX_CONFIG_STRING = 1_000_000


#: Set while a model is being validated: a nested model's errors then stay pydantic's, so that
#: the outermost model reports them with their whole path.
_VALIDATING: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "engram_options_validating", default=False
)


class Options(BaseModel):
    """A configuration model: strict about keys and values, failing with ConfigurationError.

    ``Model(**options)`` raises ConfigurationError; ``Model.model_validate(...)`` keeps
    pydantic's behaviour (``MemoryConfig.from_dict`` and the registry wrap it).
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    def __init__(self, /, **data: Any) -> None:
        if _VALIDATING.get():  # inside another model: the outermost one reports
            super().__init__(**data)
            return
        _check_keys(type(self).__name__, data)
        token = _VALIDATING.set(True)
        try:
            super().__init__(**data)
        except PydanticValidationError as e:
            raise ConfigurationError(
                f"invalid {type(self).__name__}: {describe_errors(e)}",
                config_source=type(self).__name__,
                suggestion=f"allowed keys: {', '.join(sorted(type(self).model_fields))}",
                details={"allowed": sorted(type(self).model_fields)},
            ) from e
        finally:
            _VALIDATING.reset(token)

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        """pydantic's ``model_validate``; nested models leave their errors to this one."""
        if isinstance(obj, Mapping):
            _check_keys(cls.__name__, obj)
        token = _VALIDATING.set(True)
        try:
            return super().model_validate(obj, *args, **kwargs)
        finally:
            _VALIDATING.reset(token)

    @model_validator(mode="before")
    @classmethod
    def _refuse_hostile_values(cls, data: Any) -> Any:
        problem = config_problem(data)
        if problem:
            raise ValueError(problem)
        return data


def _check_keys(model: str, data: Mapping[Any, Any]) -> None:
    """Refuse keys pydantic cannot take: not strings (it would pass them to ``__init__`` as
    keywords, a TypeError) or not encodable (a UnicodeEncodeError in pydantic's core)."""
    for key in data:
        if not isinstance(key, str):
            problem = f"a key that is not a string ({shown(key)})"
        elif "\x00" in key or _unencodable(key):
            problem = f"a key that is not valid Unicode ({shown(key)})"
        else:
            continue
        raise ConfigurationError(f"{model}: {problem}", config_source=model)


def _unencodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def config_problem(data: object) -> str | None:
    """What makes a config value unusable whatever its schema says, or None. No recursion."""
    stack: list[tuple[object, str, int]] = [(data, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        where = path or "the config"
        if isinstance(item, str):
            if len(item) > MAX_CONFIG_STRING:
                return f"{where} is longer than {MAX_CONFIG_STRING} characters"
            if "\x00" in item:
                return f"{where} holds a NUL character"
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return f"{where} is not valid Unicode (a lone surrogate)"
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not bounded_int(item):
                return f"{where} is an integer outside the 64-bit range ({shown(item)})"
        elif isinstance(item, float):
            if not math.isfinite(item):
                return f"{where} is {item}, not a finite number"
        elif isinstance(item, Mapping | list | tuple | set | frozenset):
            if depth >= MAX_CONFIG_DEPTH:
                return f"{where} is nested more than {MAX_CONFIG_DEPTH} deep"
            if len(item) > 10_000:
                return f"{where} holds more than 10000 items"
            if isinstance(item, Mapping):
                for key, value in item.items():
                    if not isinstance(key, str):
                        return f"{where} has a key that is not a string ({shown(key)})"
                    label = key if len(key) <= 60 and key.isprintable() else shown(key)
                    stack.append((key, f"{path}.{label}".lstrip(".") + " (key)", depth + 1))
                    stack.append((value, f"{path}.{label}".lstrip("."), depth + 1))
            else:
                stack.extend((value, f"{path}[{i}]", depth + 1) for i, value in enumerate(item))
    return None


def describe_errors(error: PydanticValidationError) -> str:
    """pydantic's errors as ``key.path: message; ...``, never quoting the values."""
    problems = []
    for err in error.errors(include_input=False, include_url=False)[:10]:
        message = err["msg"].removeprefix("Value error, ")
        where = ".".join(_part(p) for p in err["loc"])
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)


def _part(part: object) -> str:
    text = str(part)
    return text if len(text) <= 60 else f"{text[:57]}..."
