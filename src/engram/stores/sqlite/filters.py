"""Compile a filter tree (``engram.core.filters``) into an SQLite ``WHERE`` expression.

The table, aliased ``m`` by default, has the TEXT columns ``id, text`` (the field
``memory``) ``, hash, user_id, agent_id, run_id, actor_id, role, memory_type, created_at,
updated_at, valid_at, invalid_at, expiration_date`` (NULL when absent) and ``metadata``: a JSON
object (``'{}'`` when empty, never NULL).

No user text is ever spliced into the SQL: values, metadata keys and JSON paths are all
``?`` parameters. A metadata path is read with ``json_extract``/``json_type`` and a quoted
path (``$."a"."b"``) when every key is printable ASCII without ``"`` or ``\\``. SQLite
before 3.45 matches path keys against the *escaped* JSON text, so other keys (quotes,
backslashes, control or non-ASCII characters) are looked up with ``json_each`` instead,
which compares decoded keys whatever the SQLite version and however the JSON was written.

Typing follows the core semantics through ``json_type``: ``{"flag": True}`` matches JSON
``true`` and not the number 1, ``{"n": 1}`` matches numbers only, a string matches text
only. Every negation (``ne``, ``nin``, ``NOT``) is ``NOT coalesce(x, 0)``: a comparison
with a missing value is NULL, which AND/OR propagate exactly as false, so a missing
field satisfies the negation.

``icontains`` folds case with SQLite's ``lower()``, which folds ASCII letters only: the
operand is lower-cased by Python, non-ASCII capitals in stored values stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from engram.core.filters import OPERATORS, And, Condition, Field, FilterNode, Not, Or
from engram.exceptions import ValidationError

__all__ = ["SUPPORTED_OPERATORS", "compile_filter"]

#: The operators this store evaluates; other stores declare their own and raise the same way.
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
_NUMBER_TYPES = "('integer', 'real')"
_TRUE = "1"
_FALSE = "0"


class _Sql(NamedTuple):
    """A fragment of SQL with the parameters of its ``?`` placeholders, in order."""

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


@dataclass(frozen=True, slots=True)
class _Target:
    """How to read one field: its value, its JSON type (None: a TEXT column), its elements."""

    value: _Sql
    type: _Sql | None = None
    elements: _Sql | None = None


def compile_filter(node: FilterNode | None, *, alias: str = "m") -> tuple[str, list[Any]]:
    """Compile a filter tree into an SQL boolean expression and its parameters.

    Args:
        node: the parsed filter, or ``None`` for no filter.
        alias: the alias of the memories table in the query.

    Returns:
        The expression (``"1"`` for no filter) and the values of its ``?`` placeholders.

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
    """Compile one node."""
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
    """True exactly when ``sql`` is false or NULL (a comparison with a missing value)."""
    return _cat("NOT coalesce(", sql, ", 0)")


def _condition(condition: Condition, alias: str) -> _Sql:
    """Compile one ``field op value`` test."""
    op, value = condition.op, condition.value
    if op not in SUPPORTED_OPERATORS:
        raise ValidationError(
            f"the SQLite store does not support the filter operator {op!r}",
            field=op,
            value=condition.field.name,
            expected=f"one of {', '.join(sorted(SUPPORTED_OPERATORS))}",
        )
    target = _target(condition.field, alias)
    if op in ("eq", "ne"):
        sql = _membership(target, (value,))
    elif op in ("in", "nin"):
        sql = _membership(target, tuple(value))
    elif op in _COMPARE:
        sql = _compare(target, _COMPARE[op], value)
    else:
        sql = _contains(target, value, fold=op == "icontains")
    return _negate(sql) if op in ("ne", "nin") else sql


def _target(field: Field, alias: str) -> _Target:
    """The SQL that reads a memory column or a metadata path."""
    path = field.metadata_path
    if path is None:
        if field.name not in _COLUMNS:
            raise ValidationError(
                f"unknown memory field {field.name!r}",
                field=field.name,
                value=field.name,
                expected=f"one of {', '.join(sorted(_COLUMNS))} or a metadata path",
            )
        return _Target(_Sql(f"{alias}.{_COLUMNS[field.name]}"))
    if all(_plain(key) for key in path):
        json_path = "$" + "".join(f'."{key}"' for key in path)
        value = _Sql(f"json_extract({alias}.metadata, ?)", (json_path,))
        kind = _Sql(f"json_type({alias}.metadata, ?)", (json_path,))
        return _Target(value, kind, _Sql(f"json_each({alias}.metadata, ?)", (json_path,)))
    value, kind = _lookup(path, alias, "value"), _lookup(path, alias, "type")
    elements = _cat("json_each(CASE ", kind, " WHEN 'array' THEN ", value, " END)")
    return _Target(value, kind, elements)


def _plain(key: str) -> bool:
    """Whether a key reads the same in a quoted JSON path and in any JSON encoding."""
    return all(" " <= char <= "~" and char not in '"\\' for char in key)


def _lookup(path: tuple[str, ...], alias: str, column: str) -> _Sql:
    """A scalar subquery walking the metadata with json_each, one level per key."""
    sources = [f"json_each({alias}.metadata) AS _j1"]
    for level in range(2, len(path) + 1):
        parent = f"_j{level - 1}"
        sources.append(
            f"json_each(CASE {parent}.type WHEN 'object' THEN {parent}.value END) AS _j{level}"
        )
    keys = " AND ".join(f"_j{level}.key = ?" for level in range(1, len(path) + 1))
    text = f"(SELECT _j{len(path)}.{column} FROM {', '.join(sources)} WHERE {keys})"
    return _Sql(text, path)


def _membership(target: _Target, values: tuple[Any, ...]) -> _Sql:
    """True when the field equals one of ``values`` (``None``: missing or null)."""
    strings = [v for v in values if isinstance(v, str)]
    bools = sorted({f"'{str(v).lower()}'" for v in values if isinstance(v, bool)})
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    tests: list[_Sql] = []
    if any(v is None for v in values):
        if target.type is None:
            tests.append(_cat(target.value, " IS NULL"))
        else:
            tests.append(_cat("coalesce(", target.type, ", 'null') = 'null'"))
    if strings:
        tests.append(_typed(target, " = 'text'", _cat(target.value, _among(strings))))
    if target.type is not None and bools:
        tests.append(_cat(target.type, f" IN ({', '.join(bools)})"))
    if target.type is not None and numbers:
        tests.append(_typed(target, f" IN {_NUMBER_TYPES}", _cat(target.value, _among(numbers))))
    return _join(" OR ", tests) if tests else _Sql(_FALSE)


def _among(values: list[Any]) -> _Sql:
    """``= ?`` for one value, ``IN (?, ...)`` for several."""
    if len(values) == 1:
        return _Sql(" = ?", (values[0],))
    return _Sql(f" IN ({', '.join('?' * len(values))})", tuple(values))


def _typed(target: _Target, type_test: str, test: _Sql) -> _Sql:
    """``test`` guarded by a JSON type check; columns hold text and need none."""
    if target.type is None:
        return test
    return _cat("(", target.type, type_test, " AND ", test, ")")


def _compare(target: _Target, operator: str, value: Any) -> _Sql:
    """Order comparison: strings against text, numbers against numbers, else false."""
    test = _cat(target.value, _Sql(f" {operator} ?", (value,)))
    if isinstance(value, str):
        return _typed(target, " = 'text'", test)
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if is_number and target.type is not None:
        return _typed(target, f" IN {_NUMBER_TYPES}", test)
    return _Sql(_FALSE)


def _contains(target: _Target, value: Any, *, fold: bool) -> _Sql:
    """Substring of a text value, or a string element of an array value."""
    if not isinstance(value, str):
        return _Sql(_FALSE)
    needle = _Sql("?", (value.lower() if fold else value,))
    text = _cat("lower(", target.value, ")") if fold else target.value
    substring = _cat("instr(", text, ", ", needle, ") > 0")
    if target.type is None or target.elements is None:
        return substring
    element = "lower(_e.value)" if fold else "_e.value"
    member = _cat(
        "EXISTS (SELECT 1 FROM ",
        target.elements,
        f" AS _e WHERE _e.type = 'text' AND {element} = ",
        needle,
        ")",
    )
    text_test = _typed(target, " = 'text'", substring)
    return _cat("(", text_test, " OR ", _typed(target, " = 'array'", member), ")")
