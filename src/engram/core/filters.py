"""The filter language every store understands, parsed once into an immutable tree.

A filter is a dict. Several keys in one dict are ANDed::

    {"category": "food"}                          equality
    {"category": "*"}                             any value: the field is present (not null)
    {"age": {"gte": 18, "lt": 65}}                operators; several in one dict are ANDed
    {"AND": [f1, f2]}  {"OR": [f1, f2]}           logical keys (upper case), mixable with fields
    {"NOT": f}  {"NOT": [f1, f2]}                 a list means none of them: NOT(OR(list))

Operators: ``eq ne gt gte lt lte in nin contains icontains``. ``None`` or ``{}`` as the whole
filter means no filter; an empty dict anywhere inside it is an error.

Keys. A key naming one of the memory's own fields (``MEMORY_FIELDS``: ``user_id``,
``created_at``, ...) refers to that field. ``"metadata.a.b"`` is a path into the metadata
object, split on dots. Any other key is taken whole as one metadata key, so ``"category"``
is ``metadata["category"]`` and ``"a.b"`` is ``metadata["a.b"]``. Write ``"metadata.role"``
for a metadata key spelled like a field, and ``"metadata.AND"`` for one spelled like a
logical key.

Semantics every store must follow:

- Values are typed. A string never equals a number, a number never equals a boolean
  (``{"n": 1}`` does not match ``true``), booleans equal booleans, ``1 == 1.0``. Ordering
  operators compare numbers with numbers and strings with strings (code point order);
  across types they are false. Memory fields hold strings (the date fields ISO-8601 UTC
  strings ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``, so they order lexicographically).
- A missing field and a null value are the same. ``eq None`` matches them, ``ne None``
  matches a present non-null value; ``in`` may list ``None`` in the same sense.
- A missing field never satisfies ``eq`` (but for ``None``), ``gt gte lt lte``, ``in``,
  ``contains`` or ``icontains``. In the tree, ``ne`` and ``nin`` are exactly NOT ``eq`` and
  NOT ``in``, and ``NOT x`` is true exactly when ``x`` is false: a missing field satisfies
  ``{"NOT": {"k": "v"}}``.
- ``contains`` on a string value is a case-sensitive substring test; on a list value it
  asks for a string element equal to the operand. ``icontains`` is the same ignoring case.
  On any other value both are false. ``eq`` on a list value is never true.

The filter language follows mem0 where its users rely on it, and ``parse_filters`` writes
those rules into the tree with the operators above, so stores know only the tree's semantics:

- ``{"k": {"ne": v}}`` means "k has a value, and it is not v", and ``{"k": {"nin": [...]}}``
  "k has a value, and it is none of them" (mem0's stores drop memories that lack the key);
  they become ``NOT (k in [v, None])``. Write ``{"NOT": {"k": v}}`` to keep memories that
  lack the key.
- ``{"k": "*"}`` (mem0's wildcard) means "k has a value": ``NOT (k eq None)``. An equality
  with the string ``"*"`` itself is ``{"k": {"eq": "*"}}``.
- ``{"NOT": [f1, f2]}`` matches what matches none of the list, as in mem0.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeAlias, cast

from engram.core.limits import DEFAULT_LIMITS, Limits, bounded_int, check_str, shown
from engram.core.timeutil import to_iso
from engram.exceptions import ValidationError

__all__ = [
    "MEMORY_FIELDS",
    "OPERATORS",
    "And",
    "Condition",
    "Field",
    "FilterNode",
    "Not",
    "Operator",
    "Or",
    "conjoin",
    "operators_in",
    "parse_filters",
    "scope_filter",
    "scope_values",
    "shown_day",
    "shown_on",
]

Operator = Literal["eq", "ne", "gt", "gte", "lt", "lte", "in", "nin", "contains", "icontains"]
OPERATORS: frozenset[str] = frozenset(
    ("eq", "ne", "gt", "gte", "lt", "lte", "in", "nin", "contains", "icontains")
)
DATE_FIELDS: frozenset[str] = frozenset(("created_at", "updated_at", "valid_at", "invalid_at"))
SCOPE_FIELDS: tuple[str, ...] = ("user_id", "agent_id", "run_id")
MEMORY_FIELDS: frozenset[str] = frozenset(
    (
        "id",
        "memory",
        "hash",
        "actor_id",
        "role",
        "memory_type",
        "expiration_date",
        *SCOPE_FIELDS,
        *DATE_FIELDS,
    )
)
LOGICAL_KEYS: frozenset[str] = frozenset(("AND", "OR", "NOT"))
#: mem0's wildcard: ``{"k": "*"}`` matches any value of ``k``.
WILDCARD = "*"

_METADATA_PREFIX = "metadata."
_SCALAR = "a str, int, float, bool or None"
_ORDERABLE = "an int, float or str"
_ALLOWED = ", ".join(sorted(OPERATORS))


@dataclass(frozen=True, slots=True)
class Field:
    """What a condition tests: a memory field, or a path into metadata when metadata_path is set."""

    name: str
    metadata_path: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Condition:
    """``field op value``; ``in``/``nin`` values are tuples, date operands ISO strings."""

    field: Field
    op: Operator
    value: Any


@dataclass(frozen=True, slots=True)
class And:
    """True when every child is."""

    children: tuple[FilterNode, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """True when any child is."""

    children: tuple[FilterNode, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """True exactly when the child is false."""

    child: FilterNode


FilterNode: TypeAlias = Condition | And | Or | Not


def parse_filters(
    filters: Mapping[str, Any] | None, limits: Limits = DEFAULT_LIMITS
) -> FilterNode | None:
    """Parse a user's filter dict into a tree.

    Args:
        filters: the filter dict; ``None`` or ``{}`` mean no filter.
        limits: how deep (AND / OR / NOT) and how wide (conditions, values) it may be.

    Returns:
        The root node, or ``None`` when there is nothing to filter on.

    Raises:
        ValidationError: the filter is malformed or too large; ``field`` names the offending
            key.
    """
    if filters is None:
        return None
    if not isinstance(filters, Mapping):
        raise _error("filters", filters, "a dict", "filters must be a dict")
    if not filters:
        return None
    return _Parser(limits).parse_dict(filters, 0)


def conjoin(*nodes: FilterNode | None) -> FilterNode | None:
    """AND of the given nodes, skipping ``None``: ``None`` if none remain, the node if one."""
    present = [node for node in nodes if node is not None]
    return _and(present) if present else None


def scope_filter(node: FilterNode | None) -> FilterNode | None:
    """The equalities of ``node``'s scope (``scope_values``) alone, or None without one: a
    filter that selects everything ``node`` can select, answered by the scope indexes."""
    scope = scope_values(node)
    return conjoin(*(Condition(Field(name), "eq", value) for name, value in scope.items()))


def shown_on(day: str) -> FilterNode:
    """Memories not expired on ``day`` (``YYYY-MM-DD``): no expiration date, or one not
    before it. Stores that keep a derived cache recognise this node with ``shown_day``."""
    field = Field("expiration_date")
    return Or((Condition(field, "eq", None), Condition(field, "gte", day)))


def shown_day(node: FilterNode) -> str | None:
    """The day of a ``shown_on`` node, or None when ``node`` is something else."""
    if not isinstance(node, Or) or len(node.children) != 2:
        return None
    missing, since = node.children
    field = Field("expiration_date")
    if missing == Condition(field, "eq", None) and isinstance(since, Condition):
        if since.field == field and since.op == "gte" and isinstance(since.value, str):
            return since.value
    return None


def operators_in(node: FilterNode) -> set[str]:
    """Every operator used in the tree, for a store to check what it supports."""
    if isinstance(node, Condition):
        return {node.op}
    if isinstance(node, Not):
        return operators_in(node.child)
    return set().union(*(operators_in(child) for child in node.children))


def scope_values(node: FilterNode | None) -> dict[str, str]:
    """String equalities on user_id/agent_id/run_id reachable from the root through AND only.

    Lets ``filters={"user_id": "x"}`` count as a scope; the first value of a key wins.
    """
    found: dict[str, str] = {}
    for condition in _conjuncts(node):
        if (
            condition.op == "eq"
            and condition.field.metadata_path is None
            and condition.field.name in SCOPE_FIELDS
            and isinstance(condition.value, str)
        ):
            found.setdefault(condition.field.name, condition.value)
    return found


def _conjuncts(node: FilterNode | None) -> Iterator[Condition]:
    if isinstance(node, And):
        for child in node.children:
            yield from _conjuncts(child)
    elif isinstance(node, Condition):
        yield node


class _Parser:
    """One filter's parse: recursion bounded by ``max_filter_depth``, conditions and values
    counted against their limits as they are read."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.conditions = 0
        self.values = 0

    def parse_dict(self, filters: Mapping[Any, Any], depth: int) -> FilterNode:
        nodes: list[FilterNode] = []
        for key, value in filters.items():
            if not isinstance(key, str) or not key:
                name = key if isinstance(key, str) else shown(key)
                raise _error(name, key, "a non-empty str key", f"invalid filter key {shown(key)}")
            check_str(key, "filter key", self.limits.max_id_chars, "a filter key")
            if key in LOGICAL_KEYS:
                nodes.append(self.parse_logical(key, value, depth + 1))
            else:
                nodes.extend(self.parse_field(key, value))
        return _and(nodes)

    def parse_logical(self, key: str, value: Any, depth: int) -> FilterNode:
        if depth > self.limits.max_filter_depth:
            most = self.limits.max_filter_depth
            raise _error(
                key,
                value,
                f"AND / OR / NOT nested at most {most} deep",
                f"AND / OR / NOT are nested more than {most} deep",
                "flatten the filter: several keys in one dict are ANDed",
            )
        if key == "NOT" and isinstance(value, Mapping):
            return Not(self.parse_child(key, value, depth))
        if not isinstance(value, list | tuple) or not value:
            expected = "a non-empty list of filter dicts"
            if key == "NOT":
                expected = f"a filter dict or {expected}"
            raise _error(key, value, expected, f"{key} takes {expected}")
        if len(value) > self.limits.max_filter_conditions:
            raise self.too_wide(key)
        children = [self.parse_child(key, child, depth) for child in value]
        if key == "AND":
            return _and(children)
        either = Or(tuple(children)) if len(children) > 1 else children[0]
        return Not(either) if key == "NOT" else either  # NOT [a, b]: none of them (mem0)

    def parse_child(self, key: str, child: Any, depth: int) -> FilterNode:
        if not isinstance(child, Mapping) or not child:
            raise _error(key, child, "a non-empty filter dict", f"each {key} item must be a filter")
        return self.parse_dict(child, depth)

    def parse_field(self, key: str, value: Any) -> list[FilterNode]:
        field = _field(key, self.limits)
        if isinstance(value, str) and value == WILDCARD:
            self.count(field, value)
            return [Not(Condition(field, "eq", None))]
        if not isinstance(value, Mapping):
            return [self.condition(field, "eq", value)]
        if not value:
            raise _error(key, value, f"one or more of {_ALLOWED}", f"{key}: empty operator dict")
        return [
            _present_and_not(self.condition(field, op, operand)) for op, operand in value.items()
        ]

    def condition(self, field: Field, op: Any, operand: Any) -> Condition:
        self.count(field, operand)
        return _condition(field, op, operand, self.limits)

    def count(self, field: Field, operand: Any) -> None:
        """Count a condition and its values against the limits."""
        self.conditions += 1
        if self.conditions > self.limits.max_filter_conditions:
            raise self.too_wide(field.name)
        if isinstance(operand, list | tuple):
            self.values += len(operand)
        else:
            self.values += 1
        if self.values > self.limits.max_filter_values:
            most = self.limits.max_filter_values
            raise _error(
                field.name,
                operand,
                f"at most {most} values in one filter",
                f"the filter holds more than {most} values",
                "split the query, or raise limits.max_filter_values",
            )

    def too_wide(self, key: str) -> ValidationError:
        most = self.limits.max_filter_conditions
        return _error(
            key,
            None,
            f"at most {most} conditions in one filter",
            f"the filter has more than {most} conditions",
            "use in / nin for many values of one field",
        )


def _present_and_not(condition: Condition) -> FilterNode:
    """``ne v`` as "has a value other than v", ``nin`` as "has a value not listed" (mem0)."""
    if condition.op == "ne":
        return Not(Condition(condition.field, "in", _with_none((condition.value,))))
    if condition.op == "nin":
        return Not(Condition(condition.field, "in", _with_none(condition.value)))
    return condition


def _with_none(values: tuple[Any, ...]) -> tuple[Any, ...]:
    return values if None in values else (*values, None)


def _field(key: str, limits: Limits = DEFAULT_LIMITS) -> Field:
    if key.startswith(_METADATA_PREFIX):
        path = tuple(key[len(_METADATA_PREFIX) :].split("."))
        if not all(path):
            raise _error(key, key, "metadata.<key>[.<key>...]", f"empty part in key {shown(key)}")
        if len(path) > limits.max_metadata_depth:
            most = limits.max_metadata_depth
            raise _error(
                key, key, f"a path of at most {most} keys", f"{shown(key)}: more than {most} keys"
            )
        return Field(key, path)
    if key in MEMORY_FIELDS:
        return Field(key)
    return Field(key, (key,))


def _condition(field: Field, op: Any, operand: Any, limits: Limits = DEFAULT_LIMITS) -> Condition:
    key = field.name
    if op not in OPERATORS:
        raise _error(key, op, f"one of {_ALLOWED}", f"{key}: unknown operator {shown(op)}")
    column = field.metadata_path is None
    if column and field.name in DATE_FIELDS:
        operand = _normalise_dates(operand)
    accepts, expected = _ACCEPTS[_KIND[op]][column]
    if column and field.name in DATE_FIELDS and expected != _SCALAR:
        expected += " (ISO-8601) or a datetime"
    items = (operand,)
    if op in ("in", "nin"):
        if not isinstance(operand, list | tuple) or not operand:
            listed = f"a non-empty list of {expected}"
            raise _error(key, operand, listed, f"{key}: {op} takes {listed}")
        items = operand = tuple(operand)
    for item in items:
        if not accepts(item):
            hint = None
            if op in ("eq", "ne") and isinstance(item, list | tuple):
                hint = f'use {{"{"in" if op == "eq" else "nin"}": [...]}} to test several values'
            raise _error(key, item, expected, f"{key}: {op} takes {expected}", hint)
        _check_value(key, item, limits)
    return Condition(field, cast(Operator, op), operand)


def _check_value(key: str, value: Any, limits: Limits) -> None:
    """A value every store can bind: valid text, a 64-bit int, a finite float."""
    if isinstance(value, str):
        check_str(value, key, limits.max_text_chars, "a filter value")
    elif isinstance(value, float) and not math.isfinite(value):
        raise _error(key, value, "a finite number", f"{key}: {value} is not a finite number")
    elif isinstance(value, int) and not isinstance(value, bool) and not bounded_int(value):
        raise _error(
            key,
            value,
            "an integer from -2**63 to 2**63-1",
            f"{key}: {shown(value)} is outside the 64-bit integer range",
        )


def _normalise_dates(operand: Any) -> Any:
    if isinstance(operand, datetime):
        return to_iso(operand)
    if isinstance(operand, list | tuple):
        return [to_iso(item) if isinstance(item, datetime) else item for item in operand]
    return operand


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float)


def _is_orderable(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_str_or_none(value: Any) -> bool:
    return value is None or isinstance(value, str)


_KIND = {"eq": 0, "ne": 0, "in": 0, "nin": 0, "gt": 1, "gte": 1, "lt": 1, "lte": 1}
_KIND |= {"contains": 2, "icontains": 2}
# By kind (equality, ordering, text), then by whether the field is a memory field: those
# hold strings, so a number or a bool operand could never match and is refused.
_ACCEPTS: tuple[dict[bool, tuple[Callable[[Any], bool], str]], ...] = (
    {False: (_is_scalar, _SCALAR), True: (_is_str_or_none, "a str or None")},
    {False: (_is_orderable, _ORDERABLE), True: (_is_str, "a str")},
    {False: (_is_str, "a str"), True: (_is_str, "a str")},
)


def _and(nodes: list[FilterNode]) -> FilterNode:
    flat: list[FilterNode] = []
    for node in nodes:
        flat.extend(node.children if isinstance(node, And) else (node,))
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def _error(
    field: str, value: Any, expected: str, message: str, suggestion: str | None = None
) -> ValidationError:
    return ValidationError(
        f"invalid filter: {message}",
        field=field,
        value=value,
        expected=expected,
        suggestion=suggestion,
    )
