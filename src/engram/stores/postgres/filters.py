"""Compile a filter tree (``engram.core.filters``) into a PostgreSQL ``WHERE`` expression.

The table, aliased ``m`` by default, has the text columns ``id, text`` (the field ``memory``)
``, hash, user_id, agent_id, run_id, actor_id, role, memory_type, created_at, updated_at,
valid_at, invalid_at, expiration_date`` (NULL when absent) and ``metadata``: a ``jsonb``
object, never NULL.

No user text is ever spliced into the SQL: values and metadata paths are ``%s`` parameters
(a path travels as a ``text[]`` for the ``#>`` operator, so any key is safe). A path only
walks through objects: where a key looks like an array index (``"0"``), every step is
checked to be an object, as JSON paths do in the SQLite store.

Typing follows the core semantics through ``jsonb_typeof``: equality compares ``jsonb``
values (``1 = 1.0``, ``true`` never equals ``1``, ``"5"`` never equals ``5``); ordering
compares numbers as ``numeric`` and strings in code-point order (``COLLATE "C"``), inside
``CASE`` so that no cast is ever attempted on a value of another type. Every negation
(``ne``, ``nin``, ``NOT``) is ``NOT coalesce(x, false)``: a test on a missing value is NULL,
which AND/OR propagate exactly as false, so a missing field satisfies the negation.

``icontains`` folds case with PostgreSQL's ``lower()``, which follows the database's
collation (all of Unicode with the builtin ``C.UTF-8`` locale of ``engram postgres start``).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, NamedTuple

from engram.core.filters import OPERATORS, And, Condition, Field, FilterNode, Not, Or
from engram.exceptions import ValidationError

__all__ = ["SUPPORTED_OPERATORS", "compile_filter"]

#: The operators this store evaluates.
SUPPORTED_OPERATORS: frozenset[str] = OPERATORS

_COLUMNS = {
    "id": "id",
    "memory": "text",
    "hash": "hash",
    "user_id": "user_id",
    "agent_id": "agent_id",
    "run_id": "run_id",
    "actor_id": "actor_id",
    "role": "role",
    "memory_type": "memory_type",
    "created_at": "created_at",
    "updated_at": "updated_at",
    "valid_at": "valid_at",
    "invalid_at": "invalid_at",
    "expiration_date": "expiration_date",
}
_COMPARE = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_TRUE = "true"
_FALSE = "false"
_INDEX_LIKE = re.compile(r"-?\d+")


class _Sql(NamedTuple):
    """A fragment of SQL with the parameters of its ``%s`` placeholders, in order."""

    text: str
    params: tuple[Any, ...] = ()


def _cat(*parts: str | _Sql) -> _Sql:
    """Concatenate SQL text and fragments, keeping the parameters in placeholder order."""
    texts: list[str] = []
    params: list[Any] = []
    for part in parts:
        if isinstance(part, str):
            texts.append(part)
        else:
            texts.append(part.text)
            params.extend(part.params)
    return _Sql("".join(texts), tuple(params))


def _join(separator: str, fragments: list[_Sql]) -> _Sql:
    """Join fragments with an SQL operator, parenthesised when there are several."""
    if len(fragments) == 1:
        return fragments[0]
    parts: list[str | _Sql] = ["("]
    for i, fragment in enumerate(fragments):
        parts.extend((separator, fragment) if i else (fragment,))
    return _cat(*parts, ")")


def compile_filter(node: FilterNode | None, *, alias: str = "m") -> tuple[str, list[Any]]:
    """Compile a filter tree into a PostgreSQL boolean expression and its parameters.

    Args:
        node: the parsed filter, or ``None`` for no filter.
        alias: the alias of the memories table in the query.

    Returns:
        The expression (``"true"`` for no filter) and the values of its ``%s`` placeholders.

    Raises:
        ValidationError: the tree uses an operator outside ``SUPPORTED_OPERATORS`` or a
            field this table does not have.
    """
    if not alias.isidentifier():
        raise ValidationError(
            f"invalid table alias {alias!r}", field="alias", value=alias, expected="an identifier"
        )
    if node is None:
        return _TRUE, []
    sql = _compile(node, alias)
    return sql.text, list(sql.params)


def _compile(node: FilterNode, alias: str) -> _Sql:
    if isinstance(node, Condition):
        return _condition(node, alias)
    if isinstance(node, Not):
        return _negate(_compile(node.child, alias))
    if isinstance(node, And | Or):
        if not node.children:
            return _Sql(_TRUE if isinstance(node, And) else _FALSE)
        separator = " AND " if isinstance(node, And) else " OR "
        return _join(separator, [_compile(child, alias) for child in node.children])
    raise TypeError(f"not a filter node: {node!r}")


def _negate(sql: _Sql) -> _Sql:
    """True exactly when ``sql`` is false or NULL (a test of a missing value)."""
    return _cat("NOT coalesce(", sql, ", false)")


def _condition(condition: Condition, alias: str) -> _Sql:
    op, value = condition.op, condition.value
    if op not in SUPPORTED_OPERATORS:
        raise ValidationError(
            f"the PostgreSQL store does not support the filter operator {op!r}",
            field=op,
            value=condition.field.name,
            expected=f"one of {', '.join(sorted(SUPPORTED_OPERATORS))}",
        )
    field = condition.field
    if field.metadata_path is None:
        column = _column(field, alias)
        if op in ("eq", "ne", "in", "nin"):
            values = (value,) if op in ("eq", "ne") else tuple(value)
            sql = _column_membership(column, values)
        elif op in _COMPARE:
            sql = _column_compare(column, _COMPARE[op], value)
        else:
            sql = _column_contains(column, value, fold=op == "icontains")
    else:
        target = _metadata(field.metadata_path, alias)
        if op in ("eq", "ne", "in", "nin"):
            values = (value,) if op in ("eq", "ne") else tuple(value)
            sql = _json_membership(target, values)
        elif op in _COMPARE:
            sql = _json_compare(target, _COMPARE[op], value)
        else:
            sql = _json_contains(target, value, fold=op == "icontains")
    return _negate(sql) if op in ("ne", "nin") else sql


def _column(field: Field, alias: str) -> str:
    if field.name not in _COLUMNS:
        raise ValidationError(
            f"unknown memory field {field.name!r}",
            field=field.name,
            value=field.name,
            expected=f"one of {', '.join(sorted(_COLUMNS))} or a metadata path",
        )
    return f"{alias}.{_COLUMNS[field.name]}"


def _column_membership(column: str, values: tuple[Any, ...]) -> _Sql:
    strings = [v for v in values if isinstance(v, str)]
    tests: list[_Sql] = []
    if any(v is None for v in values):
        tests.append(_Sql(f"{column} IS NULL"))
    if len(strings) == 1:
        tests.append(_Sql(f"{column} = %s", (strings[0],)))
    elif strings:
        tests.append(_Sql(f"{column} = ANY(%s::text[])", (strings,)))
    return _join(" OR ", tests) if tests else _Sql(_FALSE)


def _column_compare(column: str, operator: str, value: Any) -> _Sql:
    if not isinstance(value, str):
        return _Sql(_FALSE)
    return _Sql(f'{column} COLLATE "C" {operator} %s', (value,))


def _column_contains(column: str, value: Any, *, fold: bool) -> _Sql:
    if not isinstance(value, str):
        return _Sql(_FALSE)
    if fold:
        return _Sql(f"strpos(lower({column}), %s) > 0", (value.lower(),))
    return _Sql(f"strpos({column}, %s) > 0", (value,))


def _metadata(path: tuple[str, ...], alias: str) -> _Sql:
    """The jsonb at ``path`` (NULL when absent), walking through objects only."""
    value = _Sql(f"({alias}.metadata #> %s::text[])", (list(path),))
    guards = [
        _Sql(f"jsonb_typeof({alias}.metadata #> %s::text[]) = 'object'", (list(path[:i]),))
        for i in range(1, len(path))
        if _INDEX_LIKE.fullmatch(path[i])
    ]
    if not guards:
        return value
    return _cat("(CASE WHEN ", _join(" AND ", guards), " THEN ", value, " END)")


def _json_membership(target: _Sql, values: tuple[Any, ...]) -> _Sql:
    """Typed equality with one of ``values`` (``None``: missing or JSON null)."""
    tests: list[_Sql] = []
    if any(v is None for v in values):
        tests.append(_cat("coalesce(jsonb_typeof(", target, "), 'null') = 'null'"))
    scalars = [
        json.dumps(v)
        for v in values
        if isinstance(v, str | bool | int) or (isinstance(v, float) and math.isfinite(v))
    ]
    if len(scalars) == 1:
        tests.append(_cat(target, _Sql(" = %s::jsonb", (scalars[0],))))
    elif scalars:
        tests.append(_cat(target, _Sql(" = ANY(%s::jsonb[])", (scalars,))))
    return _join(" OR ", tests) if tests else _Sql(_FALSE)


def _json_compare(target: _Sql, operator: str, value: Any) -> _Sql:
    """Numbers against numbers, strings against strings in code-point order, else false."""
    if isinstance(value, str):
        return _cat(
            "(CASE WHEN jsonb_typeof(", target, ") = 'string' THEN (", target,
            f" #>> '{{}}') COLLATE \"C\" {operator} ", _Sql("%s", (value,)), " END)",
        )  # fmt: skip
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if is_number and math.isfinite(value):
        return _cat(
            "(CASE WHEN jsonb_typeof(", target, ") = 'number' THEN (", target,
            f")::numeric {operator} ", _Sql("%s::numeric", (value,)), " END)",
        )  # fmt: skip
    return _Sql(_FALSE)


def _json_contains(target: _Sql, value: Any, *, fold: bool) -> _Sql:
    """Substring of a string value, or a string element of an array value."""
    if not isinstance(value, str):
        return _Sql(_FALSE)
    needle = _Sql("%s", (value.lower() if fold else value,))
    text = _cat(target, " #>> '{}'")
    if fold:
        text = _cat("lower(", text, ")")
        element = "lower(_e #>> '{}')"
    else:
        element = "(_e #>> '{}')"
    return _cat(
        "(CASE jsonb_typeof(", target, ") WHEN 'string' THEN strpos(", text, ", ", needle,
        ") > 0 WHEN 'array' THEN EXISTS (SELECT 1 FROM jsonb_array_elements(", target,
        f") AS _e WHERE jsonb_typeof(_e) = 'string' AND {element} = ", needle, ") END)",
    )  # fmt: skip
