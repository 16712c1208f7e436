"""The offline extractor: informative statements of user messages, no model needed."""

from __future__ import annotations

import logging

import pytest

from engram import Memory
from engram.core.extractor import extract_statements
from engram.core.messages import Message

SAID = "2023-05-08T13:56:00.000000+00:00"


def extract(*messages: Message) -> list[str]:
    return [s.text for s in extract_statements(list(messages), SAID)]


def test_greetings_filler_and_questions_are_dropped() -> None:
    said = Message("user", "Hey Mel! Good to see you! How have you been? Thanks, that's great!")
    assert extract(said) == []
    assert extract(Message("user", "Wow, I adopted a puppy named Bo.")) == [
        "I adopted a puppy named Bo."
    ]
    assert extract(Message("user", "Thanks Mel! I'm vegan. Sounds good.")) == ["I'm vegan."]


def test_compound_sentences_are_split_into_clauses() -> None:
    said = Message("user", "I bought a car in March 2023, but my sister hates it; she rides bikes.")
    assert extract(said) == [
        "I bought a car in March 2023",
        "My sister hates it",
        "She rides bikes.",
    ]
    # a comma before "and" that joins nouns does not split
    assert extract(Message("user", "I like apples, and pears too.")) == [
        "I like apples, and pears too."
    ]


def test_abbreviations_do_not_end_sentences() -> None:
    assert extract(Message("user", "Dr. Smith told me to rest. OK.")) == [
        "Dr. Smith told me to rest."
    ]


def test_speaker_names_are_kept_and_relative_dates_anchored() -> None:
    said = Message("user", "Melanie, I went to a support group yesterday.", name="Caroline")
    assert extract(said) == [
        "Caroline: Melanie, I went to a support group yesterday. (said on 8 May 2023)"
    ]
    addressed = Message("user", "Caroline, my kids loved the museum.", name="Caroline")
    assert extract(addressed) == ["Caroline: My kids loved the museum."]


def test_only_user_messages_and_no_exact_repeats() -> None:
    messages = (
        Message("assistant", "I am an assistant and I know many things."),
        Message("user", "I live in Lyon."),
        Message("user", "I live in Lyon."),
        Message("user", "Room 42."),
    )
    assert extract(*messages) == ["I live in Lyon.", "Room 42."]


def test_memory_dedups_by_hash_and_by_meaning(
    memory: Memory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="engram")
    first = memory.add("Hello! I run marathons every spring. Do you run?", user_id="u")
    assert [(r["event"], r["memory"]) for r in first["results"]] == [
        ("ADD", "I run marathons every spring.")
    ]
    again = memory.add("I run marathons every spring. I run marathons every spring!", user_id="u")
    assert [r["event"] for r in again["results"]] == ["NONE"]
    assert again["results"][0]["id"] == first["results"][0]["id"]
    assert memory.add("Hi! Thanks!", user_id="u")["results"] == []
    assert len(memory.get_all(user_id="u")["results"]) == 1
    assert "usage" not in first
    notes = [r for r in caplog.records if "offline extractor" in r.getMessage()]
    assert len(notes) == 1
