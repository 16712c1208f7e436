"""The words of a keyword query, their stems, and how many of them a memory holds."""

from __future__ import annotations

import threading

from engram.core.keywords import matched_terms, query_terms, query_words, stem


def test_query_words_drop_stop_words_and_single_letters() -> None:
    assert query_words("What is Ana's plan? Can't wait!") == ["ana", "plan", "can", "wait"]
    assert query_words("what is it") == ["what", "is", "it"]  # nothing else: keep them
    assert query_words("room 7 of the 2 flats") == ["room", "7", "2", "flats"]  # digits stay


def test_stems_are_porters_as_fts5_computes_them() -> None:
    assert [stem(w) for w in ("families", "climbing", "climbed", "city", "cities")] == [
        "famili", "climb", "climb", "citi", "citi",
    ]  # fmt: skip
    assert query_terms("Climbing cities?") == frozenset({"climb", "citi"})


def test_matched_terms_counts_distinct_query_terms_in_text_and_speaker() -> None:
    terms = query_terms("When did Caroline go climbing in the mountains?")
    assert matched_terms(terms, "We climbed two mountains, then climbed again.", "Caroline") == 3
    assert matched_terms(terms, "Mountain air!", None) == 1  # one stem for both numbers
    assert matched_terms(terms, "Hills and valleys.", "Leo") == 0
    assert matched_terms(terms, None, None) == 0
    assert matched_terms(frozenset(), "anything", "Caroline") == 0


def test_stemming_is_safe_across_threads() -> None:
    """Searches run in many threads at once: each stems with its own stemmer."""
    words = [f"{base}{suffix}" for base in ("climb", "connect", "relat", "happi") for suffix in
             ("ing", "ed", "ation", "ness", "ings", "ational", "fulness")] * 200  # fmt: skip
    expected = [stem.__wrapped__(w) for w in words]
    results: list[list[str]] = []

    def work() -> None:
        results.append([stem.__wrapped__(w) for w in words])

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 8
