"""Time in search: the grammar's table of expressions, queries' times, memories' own times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engram.core import temporal
from engram.core.records import MemoryRecord
from engram.core.temporal import TimeRange, find_time_ranges, read_query
from engram.core.timegrammar import MAX_CHARS, MAX_EXPRESSIONS, scan
from engram.core.timeutil import EARLIEST, LATEST
from tests.core.time_table import ANCHOR, EVENTS, NONE, TABLE


def moment(text: str) -> datetime:
    """A table bound: a date, a date and time, or an open end."""
    if text in ("-inf", "+inf"):
        return EARLIEST if text == "-inf" else LATEST
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_table_is_large_enough() -> None:
    assert len(TABLE) >= 150
    assert len({sentence for sentence, _, _ in TABLE}) == len(TABLE)


@pytest.mark.parametrize(("sentence", "start", "end"), TABLE, ids=[s for s, _, _ in TABLE])
def test_every_expression_of_the_table_names_its_range(sentence: str, start: str, end: str) -> None:
    [found] = find_time_ranges(sentence, ANCHOR)
    assert (found.start, found.end) == (moment(start), moment(end))


@pytest.mark.parametrize("sentence", NONE)
def test_words_that_only_look_like_times_name_none(sentence: str) -> None:
    assert find_time_ranges(sentence, ANCHOR) == []


@pytest.mark.parametrize(("query", "relation", "phrase"), EVENTS)
def test_events_named_instead_of_times(query: str, relation: str, phrase: str) -> None:
    times = read_query(query, ANCHOR)
    assert times.ranges == ()
    assert [(e.relation, e.phrase) for e in times.events][:1] == [(relation, phrase)]


def test_a_sentence_may_name_several_times_in_order() -> None:
    found = find_time_ranges("Last year in May we met; next week we marry, on 3 June 2027.", ANCHOR)
    assert [f.text for f in found] == ["last year", "may", "next week", "3 june 2027"]
    assert found[1].start == datetime(2024, 5, 1, tzinfo=UTC)


def test_impossible_dates_name_no_day() -> None:
    [month] = find_time_ranges("on 31 February 2023", ANCHOR)  # the month is still named
    assert (month.start, month.end) == (moment("2023-02-01"), moment("2023-03-01"))
    assert find_time_ranges("on 2023-13-40", ANCHOR) == []
    reversed_years = find_time_ranges("from 2021 to 2019", ANCHOR)  # no range: two years
    assert [f.start.year for f in reversed_years] == [2021, 2019]
    [years] = find_time_ranges("between 2019 and 2021", ANCHOR)
    assert years.start.year == 2019


def test_relative_expressions_default_to_now() -> None:
    [today] = find_time_ranges("what did I do today?")
    assert today.start.date() == datetime.now(UTC).date()


def test_questions_that_ask_for_a_time() -> None:
    for query in ("When did Ana move to Porto?", "what year was it", "How long ago was that?",
                  "Since when do you climb?", "And when is the party?",
                  "how many weeks has it been", "At what time does it open?",
                  "On which day is the meeting?", "In what year was she born?",
                  "Around when did he buy the car?", "By when must the form be filed?",
                  "What was the date of the party?", "what's the year of the move"):  # fmt: skip
        assert read_query(query, ANCHOR).asks_when, query
    for query in ("What did Ana say when she moved?", "Where is the party?", "timeline",
                  "What is the day job she has?", "In what way did it help?",
                  "What is the year-end bonus?"):  # fmt: skip
        assert not read_query(query, ANCHOR).asks_when, query
    assert not read_query("tell me about Ana", ANCHOR)
    assert read_query("in 2021", ANCHOR)


def record(text: str, valid_at: str | None = "2023-05-08T13:56:00+00:00") -> MemoryRecord:
    return MemoryRecord(
        id="m", text=text, hash="h", created_at="2024-01-01T00:00:00.000000+00:00",
        updated_at="2024-01-01T00:00:00.000000+00:00", valid_at=valid_at,
    )  # fmt: skip


def test_a_memorys_times_are_resolved_at_its_own_time() -> None:
    """ "Yesterday", said on 8 May 2023, is 7 May 2023, whenever the memory is searched."""
    [stated] = temporal.stated_times(record("I went to the support group yesterday."))
    assert (stated.start.date().isoformat(), stated.end.date().isoformat()) == (
        "2023-05-07", "2023-05-08",
    )  # fmt: skip
    stored_later = record("I went to the support group yesterday.", valid_at=None)
    assert temporal.stated_times(stored_later)[0].start.date().isoformat() == "2023-12-31"
    assert temporal.stated_times(record("yesterday", valid_at="not a time")) == ()


def test_match_is_graded_by_how_much_of_the_memorys_time_falls_inside() -> None:
    may_2023 = tuple(find_time_ranges("in May 2023", ANCHOR))
    said_in_may = record("We talked about books.")
    assert temporal.match(may_2023, said_in_may) == 1.0
    said_later = record("Last month I started running.", valid_at="2023-06-15T10:00:00+00:00")
    assert temporal.match(may_2023, said_later) == 1.0  # "last month" is May 2023
    vague = record("I ran a lot last year.", valid_at="2024-02-01T10:00:00+00:00")
    assert temporal.match(tuple(find_time_ranges("in May 2023", ANCHOR)), vague) == (
        pytest.approx(31 / 365)
    )
    assert temporal.match((), said_in_may) == 0.0
    assert temporal.match(tuple(find_time_ranges("in 2019", ANCHOR)), said_later) == 0.0


def test_states_time_counts_dates_recurrences_and_durations() -> None:
    stating = [
        "We met on 3 June.", "Practice is every Tuesday evening.", "We meet on Mondays.",
        "I swim twice a week.", "The commute is forty minutes.", "I painted it last year.",
        "My favourite season is autumn.", "I love summer.", "Winters here are grey.",
        "My favourite month is October.", "My favourite season is spring.", "in the springtime",
    ]  # fmt: skip
    for text in stating:
        assert temporal.states_time(record(text)), text
    plain = [
        "I have two cats.", "My favourite colour is green.", "Now I work from home.",
        "I may go.", "We march for climate.", "Leaves fall.", "The spring in the garden.",
        "A summerhouse.", "I met June at the gym.", "April said she would come.",
    ]  # fmt: skip
    for text in plain:
        assert not temporal.states_time(record(text)), text


def test_ranges_test_stored_times_and_share_their_extent() -> None:
    day = TimeRange(datetime(2023, 5, 8, tzinfo=UTC), datetime(2023, 5, 9, tzinfo=UTC), "d")
    assert day.contains("2023-05-08T23:59:59.000000+00:00")
    assert not day.contains("2023-05-09T00:00:00.000000+00:00")
    assert not day.contains(None)
    before = TimeRange(EARLIEST, datetime(2023, 5, 9, tzinfo=UTC), "before")
    assert before.contains("1999-01-01T00:00:00.000000+00:00") and not before.bounded
    week = TimeRange(day.start - timedelta(days=3), day.start + timedelta(days=4), "w")
    assert week.share_of(day) == 1.0
    assert day.share_of(week) == pytest.approx(1 / 7)
    assert day.share_of(before) == 0.0  # an open range has no extent to share
    assert day.share_of(TimeRange(day.end, day.end, "empty")) == 0.0


def test_the_grammar_reports_what_it_matched() -> None:
    found, events = scan("See you next Friday at 5pm, after the gym", ANCHOR)
    assert [f.text for f in found] == ["next friday at 5pm"]
    assert found[0].clock
    assert [(e.relation, e.phrase) for e in events] == [("after", "the gym")]


def test_the_grammar_reads_a_bounded_part_of_a_long_text() -> None:
    """Its work is bounded whatever the text: a text of many times gives the first
    MAX_EXPRESSIONS, what lies past MAX_CHARS is not read, and so are the events."""
    found, _ = scan("We met on 8 May 2023. " * 5_000, ANCHOR)
    assert len(found) == MAX_EXPRESSIONS
    assert [f.start for f in found] == sorted(f.start for f in found)
    far = " " * MAX_CHARS + "in 2019"
    assert scan(far, ANCHOR) == ([], []) and scan(far.strip(), ANCHOR)[0]
    _, events = scan("after the party, " * 5_000, ANCHOR)
    assert 0 < len(events) <= 16
    # An event's words are a few: a run of words that never ends is no event.
    assert scan("before " + "word " * 100_000, ANCHOR) == ([], [])
    memory = record("x" * MAX_CHARS + " in 2019", "2023-05-08T00:00:00+00:00")
    assert not temporal.states_time(memory) and temporal.stated_times(memory) == ()
