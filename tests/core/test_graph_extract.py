"""The offline graph extractor and the graph's names: what each rule finds, and what it must not."""

from __future__ import annotations

import pytest

from engram.core.graph.extract import Extractor, extract_message
from engram.core.graph.names import (
    display,
    normalise_name,
    normalise_relationship,
    normalise_type,
    resolve_self,
)


def triples(text: str, speaker: str = "Maya") -> set[tuple[str, str, str]]:
    out = Extractor(speaker).extract(text)
    return {(t.source.name, t.relationship, t.destination.name) for t in out.triples}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Maya: My sister Ana moved to Lisbon.",
         {("ana", "sister_of", "maya"), ("ana", "lives_in", "lisbon")}),
        ("Ana is my cousin and my mom lives in Porto.",
         {("ana", "cousin_of", "maya"), ("maya's_mom", "mother_of", "maya"),
          ("maya's_mom", "lives_in", "porto")}),
        ("I have a dog named Rex.", {("maya", "owns", "rex"), ("rex", "is_a", "dog")}),
        ("We've got a pup and a kitty.", {("maya", "owns", "pup"), ("maya", "owns", "kitty")}),
        ("I lost my job at Door Dash.", {("maya", "worked_at", "door_dash")}),
        ("Lost my job as a banker yesterday", {("maya", "worked_as", "banker")}),
        ("I work as a nurse.", {("maya", "works_as", "nurse")}),
        ("I volunteer at an LGBTQ+ youth center.",
         {("maya", "member_of", "lgbtq+_youth_center")}),
        ("I just joined a new LGBTQ activist group.",
         {("maya", "member_of", "lgbtq_activist_group")}),
        ("That pic is from when my dance crew won.", {("maya", "member_of", "dance_crew")}),
        ("A gift from my grandma in my home country, Sweden.",
         {("maya's_grandma", "grandmother_of", "maya"), ("maya", "from", "sweden")}),
        ("Took a short trip last week to Rome.", {("maya", "visited", "rome")}),
        ("Last Friday I went to a council meeting.", {("maya", "attended", "council_meeting")}),
        ("We went to the beach recently.", {("maya", "visited", "beach")}),
        ("These figurines I bought yesterday are lovely.", {("maya", "owns", "figurines")}),
        ("Here's a painting I did recently.", {("maya", "made", "painting")}),
        ('We did a contemporary piece called "Finding Freedom".',
         {("maya", "made", "finding_freedom")}),
        ('I loved reading "Charlotte\'s Web" as a kid.',
         {("maya", "reads", "charlotte's_web"), ("maya", "likes", "reading")}),
        ("I met Bob at the fair and I play the guitar.",
         {("maya", "met", "bob"), ("maya", "plays", "guitar")}),
        ("I hate spiders.", {("maya", "dislikes", "spiders")}),
        ("She married Tom in 2019.", set()),
        ("I love how you paint.", set()),
        ("These kids have a safe home.", set()),
        ("My dog loves bones.", set()),
        ("They love hiking.", set()),
        ("I had an interview yesterday.", set()),
        ("I study at Lisbon University and I'm studying law.",
         {("maya", "studies_at", "lisbon_university"), ("maya", "studies", "law")}),
        ("I'm from Brazil originally and I live in Lyon.",
         {("maya", "from", "brazil"), ("maya", "lives_in", "lyon")}),
        ("I've always had a passion for dance.", {("maya", "likes", "dance")}),
    ],
)  # fmt: skip
def test_rules(text: str, expected: set[tuple[str, str, str]]) -> None:
    assert triples(text) == expected


def test_he_and_she_are_the_last_person_named() -> None:
    first, second, third = extract_message(
        ["Maya: My friend Jo married Tom.", "He works at Google.", "She loves jazz."], "Maya"
    )
    assert ("jo", "friend_of", "maya") in {
        (t.source.name, t.relationship, t.destination.name) for t in first.triples
    }
    assert [(t.source.name, t.destination.name) for t in second.triples] == [("tom", "google")]
    assert [(t.source.name, t.destination.name) for t in third.triples] == [("tom", "jazz")]


def test_names_dates_and_titles_are_found_and_common_words_are_not() -> None:
    out = Extractor("Maya").extract(
        'Maya: Yesterday I\'m sure Jon and Laura read "The Hobbit" on 8 May 2023 in Paris.'
    )
    names = {(m.name, m.type) for m in out.names}
    assert {"jon", "laura", "hobbit", "paris", "8_may_2023"} <= {n for n, _ in names}
    assert ("8_may_2023", "date") in names
    assert not {"yesterday", "i'm", "maya"} & {n for n, _ in names}
    assert Extractor("x").extract("Btw, Woah, Art gives joy.").names == []


def test_a_speaker_prefix_that_is_not_the_speaker_stays() -> None:
    out = Extractor("Maya").extract("Note: Ana lives in Rome.")
    assert {(t.source.name, t.destination.name) for t in out.triples} == {("ana", "rome")}


def test_names_are_normalised_as_mem0_did() -> None:
    assert normalise_name("  The New York's ") == "new_york"
    assert normalise_name('"Ana"') == "ana"
    assert normalise_name("she") == ""
    assert normalise_relationship("Works At!") == "works_at"
    assert normalise_relationship("vécu à") == "vecu_a"
    assert normalise_type("Company") == "organization"
    assert normalise_type(None) == "thing"
    assert normalise_type("Pet") == "pet"
    assert resolve_self("me", "maya") == "maya" and resolve_self("ana", "maya") == "ana"
    assert display("new_york") == "new york"
