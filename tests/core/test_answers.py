"""Reading LLM answers: tolerant JSON, strict validation."""

from __future__ import annotations

import pytest

from engram.core.answers import AnswerError, Decisions, Facts, json_schema, parse_json, read_answer


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('{"facts": ["a"]}', {"facts": ["a"]}),
        ('```json\n{"facts": ["a"]}\n```', {"facts": ["a"]}),
        ('<think>hmm {"no": 1}</think>{"facts": ["a"]}', {"facts": ["a"]}),
        ("<think>never closed", None),
        ('Here: {"facts": ["a", "b",],}', {"facts": ["a", "b"]}),
        ('["a"]', ["a"]),
        ('{"facts": ["a", "b c", "d e', {"facts": ["a", "b c"]}),
        ('{"facts": ["a \\" b", "c', {"facts": ['a " b']}),
        (
            '{"memory": [{"id": 0, "event": "NONE"}, {"id": 1, "te',
            {"memory": [{"id": 0, "event": "NONE"}]},
        ),
        ('{"facts": [', None),
        ('{"a": 1} and then {', {"a": 1}),
        ("[1, 2]]", [1, 2]),
        # json-repair, the last resort: what models write instead of JSON
        ("{'facts': ['Likes tea', 'Owns a cat']}", {"facts": ["Likes tea", "Owns a cat"]}),
        ('{facts: ["a"]}', {"facts": ["a"]}),
        ('{"facts": ["a" "b"]}', {"facts": ["a", "b"]}),
        ('{"facts": ["a", // a comment\n "b"]}', {"facts": ["a", "b"]}),
        ('{"ok": True, "none": None}', {"ok": True, "none": None}),
        ('{"facts": ["line\nbreak"]}', {"facts": ["line\nbreak"]}),
        ('{"facts": [unquoted]}', {"facts": ["unquoted"]}),
        # ... but a cut-off answer still loses its partial last element, before any repair
        ("{'facts': ['a', 'b'], \"more\": [\"c\", \"d", {"facts": ["a", "b"], "more": ["c"]}),
        (
            '{"memory": [{"id": 0, "text": "x", "event": "ADD"}, {"id": 1, "te',
            {"memory": [{"id": 0, "text": "x", "event": "ADD"}]},
        ),
    ],
)
def test_parse_json_tolerates_common_wrappings(text: str, value: object) -> None:
    if value is None:
        with pytest.raises(AnswerError):
            parse_json(text)
    else:
        assert parse_json(text) == value


def test_unparseable_answers_raise_answer_error() -> None:
    with pytest.raises(AnswerError, match="no JSON"):
        parse_json("I cannot help with that.")
    for hopeless in ("{", "[]]", "{:}"):
        with pytest.raises(AnswerError, match="not valid JSON"):
            parse_json(hopeless)


def test_facts_are_cleaned_and_deduplicated() -> None:
    answer = read_answer('{"facts": ["  Likes  tea ", "Likes tea", ""], "x": 1}', Facts)
    assert answer.facts == ["Likes tea"]
    with pytest.raises(AnswerError, match="facts"):
        read_answer('{"facts": "Likes tea"}', Facts)


def test_decisions_validate_events_ids_and_texts() -> None:
    shown = {"shown_ids": (0, 1)}
    answer = read_answer(
        '[{"id": "1", "text": "t", "event": "update"}, {"id": "", "text": "n", "event": "ADD"}]',
        Decisions,
        shown,
    )
    assert [(d.id, d.event) for d in answer.memory] == [(1, "UPDATE"), (None, "ADD")]
    bad = [
        ('{"memory": [{"id": 2, "event": "NONE"}]}', "id 2 was not among"),
        ('{"memory": [{"text": "t", "event": "UPDATE"}]}', "needs the id"),
        ('{"memory": [{"id": 0, "event": "UPDATE"}]}', "non-empty text"),
        ('{"memory": [{"id": 0, "event": "DELETE"}, {"id": 0, "text": "x", "event": "UPDATE"}]}',
         "more than once"),
    ]  # fmt: skip
    for text, message in bad:
        with pytest.raises(AnswerError, match=message):
            read_answer(text, Decisions, shown)
    none_twice = '{"memory": [{"id": 0, "event": "NONE"}, {"id": 0, "event": "NONE"}]}'
    assert len(read_answer(none_twice, Decisions, shown).memory) == 2


def test_json_schemas_are_strict_objects() -> None:
    for name in ("facts", "memory"):
        schema = json_schema(name)
        assert schema["additionalProperties"] is False and schema["required"] == [name]
