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


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        # lowercase chat text is split into its sentences
        ("i moved to berlin. my sister lives there too.",
         ["I moved to berlin.", "My sister lives there too."]),
        # a sentence starting with a non-ASCII capital is its own statement
        ("Ich wohne in Berlin. Über den Winter fahre ich nach Spanien.",
         ["Ich wohne in Berlin.", "Über den Winter fahre ich nach Spanien."]),
        ("Élodie works at the bank. Ōsaka is her home.",
         ["Élodie works at the bank.", "Ōsaka is her home."]),
        # closing quotes stay with their sentence
        ('He said "I am tired." Then he left.', ['He said "I am tired."', "Then he left."]),
        ('"I quit my job," she told me.', ['"I quit my job," she told me.']),
        # a statement glued to a question is kept, the question dropped
        ("i moved to berlin. do you know any cafes?", ["I moved to berlin."]),
        ("I moved to Lisbon.Do you know it?", ["I moved to Lisbon."]),
        ("I live in Paris, do you know it?", ["I live in Paris"]),
        ("I live in Paris do you know it?", ["I live in Paris"]),
        ("I live in Paris; do you?", ["I live in Paris"]),
        ("I'm vegan, right?", ["I'm vegan"]),
        ("What do you think about Lisbon?", []),
        ("I wonder what you think?", []),
    ],
)  # fmt: skip
def test_sentences_and_questions(said: str, kept: list[str]) -> None:
    assert extract(Message("user", said)) == kept


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        ("Mi hermana vive en Madrid. ¿Conoces Madrid? Yo trabajo en un hospital.",
         ["Mi hermana vive en Madrid.", "Yo trabajo en un hospital."]),
        ("Je suis allé à Paris hier. Ma sœur y habite.",
         ["Je suis allé à Paris hier.", "Ma sœur y habite."]),
        ("Я живу в Москве. Моя сестра тоже.", ["Я живу в Москве.", "Моя сестра тоже."]),
        ("我住在北京。我喜欢喝茶。你呢？", ["我住在北京。", "我喜欢喝茶。"]),  # noqa: RUF001
        ("東京に住んでいます。妹も住んでいます。", ["東京に住んでいます。", "妹も住んでいます。"]),
    ],
)  # fmt: skip
def test_other_languages(said: str, kept: list[str]) -> None:
    assert extract(Message("user", said)) == kept


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        ("I love pizza 🍕 my brother hates it 😅", ["I love pizza 🍕", "My brother hates it 😅"]),
        ("I ❤️ NY so much", ["I ❤️ NY so much"]),  # an emoji word does not cut a statement
        ("Got the job 🎉🎉 start Monday", ["Got the job 🎉🎉", "Start Monday"]),
        ("- I like tea\n- I hate coffee", ["I like tea", "I hate coffee"]),
        ("1. Buy milk\n2. Call mom", ["Buy milk", "Call mom"]),
        ("I like tea\nI hate coffee", ["I like tea", "I hate coffee"]),
        ("## My week\n**I moved** to Lisbon. I work at [Feedzai](https://feedzai.com).",
         ["My week", "I moved to Lisbon.", "I work at Feedzai."]),
        ("I use `ruff` and __mypy__ daily", ["I use ruff and mypy daily"]),
    ],
)  # fmt: skip
def test_emoji_lists_and_markdown(said: str, kept: list[str]) -> None:
    assert extract(Message("user", said)) == kept


def test_sentences_is_the_segmenter() -> None:
    from engram.core.extractor import sentences

    assert sentences("U.S. citizens need visas. I got mine.\n\n- and you") == [
        "U.S. citizens need visas.",
        "I got mine.",
        "and you",
    ]


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        # sentencex's English rules merge "me. I..."; the second pass splits it
        ("Your words mean a lot to me. I'm grateful.",
         ["Your words mean a lot to me.", "I'm grateful."]),
        ("Mrs. Smith lives here. She is a nurse.", ["Mrs. Smith lives here.", "She is a nurse."]),
        # a question whose head asks too is dropped whole
        ("How long have you been married?", []),
        ("What kinda jobs are you thinkin' of?", []),
        ("By the way, what book are you reading?", []),
        ("Hah, yeah!) But dancing is so important to me.",
         ["Hah, yeah!", "But dancing is so important to me."]),
    ],
)  # fmt: skip
def test_the_segmenters_misses_and_asking_heads(said: str, kept: list[str]) -> None:
    assert extract(Message("user", said)) == kept
