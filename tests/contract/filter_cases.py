"""The filter table every store must agree on: rows, and the exact ids each filter selects.

Shared by the contract suite (through each store's public interface) and the SQLite
compiler's own tests (against a raw table, with both JSON encodings of non-ASCII keys).
"""

from __future__ import annotations

from collections.abc import Set
from datetime import datetime, timedelta, timezone
from typing import Any

QUOTED_KEY = 'say "hi"'
INJECTION_KEY = 'k"); DROP TABLE memories; --'

# (id, text, fields, metadata, ensure_ascii): ensure_ascii=False stores "café" unescaped.
ROWS: list[tuple[str, str, dict[str, str | None], dict[str, Any], bool]] = [
    (
        "m1", "I love Sushi", {"user_id": "u1", "agent_id": "a1", "run_id": "r1", "role": "user"},
        {
            "category": "food", "rating": 5, "vegan": False, "tags": ["japanese", "Fish"],
            "profile": {"city": "Paris", "geo": {"lat": 48.8}}, "a.b": "dotted",
            "it's": "single", QUOTED_KEY: "double", "café": "accent",
        },
        True,
    ),
    (
        "m2", "Meeting at noon",
        {"user_id": "u1", "role": "assistant", "memory_type": "procedural"},
        {
            "category": "work", "rating": 3.5, "vegan": True, "tags": ["urgent"],
            "café": "accent", "role": "boss",
        },
        False,
    ),
    (
        "m3", "Japanese cuisine is great",
        {"user_id": "u2", "invalid_at": "2024-06-01T00:00:00.000000+00:00"},
        {
            "category": "FOOD", "rating": "5", "flag": 1, "tags": "Japanese cuisine",
            "profile": {"city": "paris"},
        },
        True,
    ),
    ("m4", "empty", {"user_id": "u2"}, {}, True),
    (
        "m5", "Berlin trip", {"agent_id": "a1"},
        {
            "category": None, "rating": 0, "vegan": True, "flag": True,
            "profile": {"city": "Berlin", "geo": {"lat": 52.5}},
        },
        True,
    ),
    (
        "m6", "Paris trip", {"agent_id": "a2"},
        {"category": "travel", "rating": 4, "tags": [], "profile": "Paris", "a": {"b": "nested"}},
        True,
    ),
    (
        "m7", "Ramen", {"user_id": "u3"},
        {
            "category": "food", "rating": -1, "tags": ["JAPANESE", 5, True, None], "flag": False,
            "nested": {"x": {'q"': 1}},
        },
        True,
    ),
    (
        "m8", "attacker", {"user_id": "x' OR '1'='1"},
        {"category": "x') OR 1=1 --", "rating": 1000, INJECTION_KEY: "boom"},
        True,
    ),
]  # fmt: skip
ALL = frozenset(row[0] for row in ROWS)
PLUS_TWO = timezone(timedelta(hours=2))


CASES: list[tuple[dict[str, Any], Set[str]]] = [
    # equality, typed
    ({"category": "food"}, {"m1", "m7"}),
    ({"category": "FOOD"}, {"m3"}),
    # mem0's wildcard: any value (present, not null); "*" itself needs eq
    ({"category": "*"}, {"m1", "m2", "m3", "m6", "m7", "m8"}),
    ({"tags": "*"}, {"m1", "m2", "m3", "m6", "m7"}),
    ({"agent_id": "*"}, {"m1", "m5", "m6"}),
    ({"category": {"eq": "*"}}, set()),
    ({"metadata.category": "food"}, {"m1", "m7"}),
    ({"category": None}, {"m4", "m5"}),
    ({"category": {"ne": None}}, {"m1", "m2", "m3", "m6", "m7", "m8"}),
    ({"category": {"ne": "food"}}, {"m2", "m3", "m6", "m8"}),  # mem0: ne needs a value
    ({"rating": 5}, {"m1"}),
    ({"rating": 5.0}, {"m1"}),
    ({"rating": "5"}, {"m3"}),
    ({"rating": 3.5}, {"m2"}),
    ({"vegan": True}, {"m2", "m5"}),
    ({"vegan": False}, {"m1"}),
    ({"flag": True}, {"m5"}),
    ({"flag": 1}, {"m3"}),
    ({"flag": False}, {"m7"}),
    ({"flag": 0}, set()),
    ({"flag": {"ne": True}}, {"m3", "m7"}),
    ({"tags": "Japanese cuisine"}, {"m3"}),
    ({"tags": "urgent"}, set()),
    ({"profile": "Paris"}, {"m6"}),
    # paths, and keys with dots, quotes and non-ASCII letters
    ({"metadata.profile.city": "Paris"}, {"m1"}),
    ({"metadata.profile.geo.lat": 48.8}, {"m1"}),
    ({"metadata.profile.geo.lat": {"gt": 50}}, {"m5"}),
    ({"metadata.profile.city.x": "Paris"}, set()),
    ({"metadata.a.b": "nested"}, {"m6"}),
    ({"a.b": "dotted"}, {"m1"}),
    ({"it's": "single"}, {"m1"}),
    ({QUOTED_KEY: "double"}, {"m1"}),
    ({f"metadata.{QUOTED_KEY}": {"ne": "double"}}, set()),
    ({"NOT": {f"metadata.{QUOTED_KEY}": "double"}}, ALL - {"m1"}),
    ({"café": "accent"}, {"m1", "m2"}),
    ({'metadata.nested.x.q"': 1}, {"m7"}),
    ({'metadata.nested.x.q"': {"gte": 1}}, {"m7"}),
    # memory fields
    ({"role": "user"}, {"m1"}),
    ({"metadata.role": "boss"}, {"m2"}),
    ({"user_id": "u1"}, {"m1", "m2"}),
    ({"user_id": None}, {"m5", "m6"}),
    ({"agent_id": {"ne": "a1"}}, {"m6"}),
    ({"NOT": {"agent_id": "a1"}}, ALL - {"m1", "m5"}),
    ({"memory_type": "procedural"}, {"m2"}),
    ({"memory": "empty"}, {"m4"}),
    ({"id": "m3"}, {"m3"}),
    ({"hash": "h3"}, {"m3"}),
    ({"invalid_at": None}, ALL - {"m3"}),
    # ordering
    ({"rating": {"gt": 3}}, {"m1", "m2", "m6", "m8"}),
    ({"rating": {"gte": 4, "lt": 10}}, {"m1", "m6"}),
    ({"rating": {"lte": 0}}, {"m5", "m7"}),
    ({"rating": {"lt": 0.5}}, {"m5", "m7"}),
    ({"rating": {"gt": "4"}}, {"m3"}),
    ({"category": {"gt": "food"}}, {"m2", "m6", "m8"}),
    ({"category": {"lt": "food"}}, {"m3"}),
    ({"vegan": {"gt": 0}}, set()),
    ({"created_at": {"gte": "2024-03-01T00:00:00.000000+00:00"}}, ALL - {"m1", "m2"}),
    ({"created_at": {"lt": datetime(2024, 2, 15)}}, {"m1", "m2"}),
    ({"created_at": {"gt": datetime(2024, 5, 1, 12, tzinfo=PLUS_TWO)}}, {"m6", "m7", "m8"}),
    ({"created_at": {"gte": datetime(2024, 5, 1, 12, tzinfo=PLUS_TWO)}}, {"m5", "m6", "m7", "m8"}),
    ({"valid_at": datetime(2024, 4, 1, 10)}, {"m4"}),
    ({"invalid_at": {"gt": "2024"}}, {"m3"}),
    ({"user_id": {"gt": "u1"}}, {"m3", "m4", "m7", "m8"}),
    # in / nin
    ({"category": {"in": ["food", "work"]}}, {"m1", "m2", "m7"}),
    ({"category": {"in": ["travel", None]}}, {"m4", "m5", "m6"}),
    ({"rating": {"in": [5, "5"]}}, {"m1", "m3"}),
    ({"rating": {"in": [0, 4]}}, {"m5", "m6"}),
    ({"flag": {"in": [True, 1]}}, {"m3", "m5"}),
    ({"flag": {"in": [True, False]}}, {"m5", "m7"}),
    ({"category": {"nin": ["food", "work"]}}, {"m3", "m6", "m8"}),
    ({"rating": {"nin": [5]}}, {"m2", "m3", "m5", "m6", "m7", "m8"}),
    ({"user_id": {"in": ["u1", "u3"]}}, {"m1", "m2", "m7"}),
    ({"user_id": {"nin": ["u1", None]}}, {"m3", "m4", "m7", "m8"}),
    ({"user_id": {"in": [None]}}, {"m5", "m6"}),
    ({"created_at": {"in": [datetime(2024, 1, 1, 10), "2024-02-01T10:00:00.000000+00:00"]}},
     {"m1", "m2"}),
    # contains / icontains: substring of a string, equal string element of a list
    ({"tags": {"contains": "japanese"}}, {"m1"}),
    ({"tags": {"icontains": "japanese"}}, {"m1", "m3", "m7"}),
    ({"tags": {"contains": "Japan"}}, {"m3"}),
    ({"tags": {"icontains": "JAPAN"}}, {"m3"}),
    ({"tags": {"contains": "Fish"}}, {"m1"}),
    ({"tags": {"contains": "fish"}}, set()),
    ({"tags": {"icontains": "fish"}}, {"m1"}),
    ({"tags": {"contains": "5"}}, set()),
    ({"tags": {"contains": "true"}}, set()),
    ({"tags": {"ne": "x", "contains": "urgent"}}, {"m2"}),
    ({"category": {"contains": "oo"}}, {"m1", "m7"}),
    ({"category": {"icontains": "OO"}}, {"m1", "m3", "m7"}),
    ({"category": {"contains": ""}}, {"m1", "m2", "m3", "m6", "m7", "m8"}),
    ({"rating": {"contains": "5"}}, {"m3"}),
    ({"profile": {"contains": "Paris"}}, {"m6"}),
    ({"missing": {"contains": ""}}, set()),
    ({"memory": {"contains": "Sushi"}}, {"m1"}),
    ({"memory": {"contains": "sushi"}}, set()),
    ({"memory": {"icontains": "SUSHI"}}, {"m1"}),
    ({"café": {"icontains": "ACC"}}, {"m1", "m2"}),
    ({QUOTED_KEY: {"contains": "oub"}}, {"m1"}),
    # AND / OR / NOT
    ({"OR": [{"category": "food"}, {"vegan": True}]}, {"m1", "m2", "m5", "m7"}),
    ({"AND": [{"category": "food"}, {"user_id": "u1"}]}, {"m1"}),
    ({"category": "food", "user_id": "u3"}, {"m7"}),
    ({"NOT": {"category": "food"}}, ALL - {"m1", "m7"}),
    ({"NOT": {"rating": {"gt": 3}}}, {"m3", "m4", "m5", "m7"}),
    ({"NOT": [{"category": "food"}, {"user_id": "u1"}]}, ALL - {"m1", "m2", "m7"}),  # none
    ({"NOT": [{"category": "food"}]}, ALL - {"m1", "m7"}),
    ({"NOT": {"NOT": {"vegan": True}}}, {"m2", "m5"}),
    ({"OR": [{"NOT": {"vegan": True}}, {"rating": {"lt": 0}}]}, ALL - {"m2", "m5"}),
    ({"user_id": "u2", "NOT": {"tags": {"icontains": "japanese"}}}, {"m4"}),
    (
        {"OR": [{"AND": [{"rating": {"gte": 0}}, {"rating": {"lt": 4}}]}, {"flag": False}]},
        {"m2", "m5", "m7"},
    ),
    ({"NOT": {"OR": [{"missing": 1}, {"agent_id": "a1"}]}}, ALL - {"m1", "m5"}),
    ({"NOT": {"AND": [{"missing": {"ne": 1}}, {"category": {"nin": ["food"]}}]}}, ALL),
    (
        {"NOT": {"AND": [{"NOT": {"missing": 1}}, {"category": {"nin": ["food"]}}]}},
        {"m1", "m4", "m5", "m7"},
    ),
    # injection attempts: keys and values only ever travel as parameters
    ({"category": "x') OR 1=1 --"}, {"m8"}),
    ({"user_id": "x' OR '1'='1"}, {"m8"}),
    ({"x') OR 1=1 --": 1}, set()),
    ({"metadata.\"]') OR 1=1 --": 1}, set()),
    ({INJECTION_KEY: "boom"}, {"m8"}),
    ({"category": {"in": ["'; DROP TABLE memories; --"]}}, set()),
]  # fmt: skip
