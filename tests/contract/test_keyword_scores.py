"""Keyword search scores are Okapi BM25 as SQLite's FTS5 computes it, in every store: on the
same corpus, each store returns the SQLite store's memories, in its order, with its scores
(within ``TOLERANCE``), so that search's fusion (``ranking.LEXICAL_HALF``) weighs lexical
relevance alike everywhere.

The corpus avoids what the engines tokenize or stem differently (a number like 3.5, a text
ending in stop-words with no speaker after it, words PostgreSQL's English stop list drops but
``STOP_WORDS`` keeps, such as "her" or "up"); those gaps are described in
``engram.stores.postgres.lexical``. It has a hyphenated word, which PostgreSQL indexes whole
and in parts. One divergence is stated here: PostgreSQL's tsvector holds no stop-words, so a
query made only of stop-words finds nothing there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engram.core.filters import parse_filters
from engram.core.records import Insert, MemoryRecord, text_hash
from engram.stores.base import Store
from engram.stores.sqlite.store import SQLiteStore, SQLiteStoreConfig
from tests.contract.backends import DIMENSION, EMBEDDER, Backend
from tests.contract.test_store import T0, vec

#: Largest relative difference allowed between a store's score and SQLite's.
TOLERANCE = 1e-6

#: (text, speaker, user, agent, run). "Maya" is in more than half of the rows (idf at FTS5's
#: floor), "hiking" in close to half (a small idf), "puppy" and "adopted" in one or two.
CORPUS = [
    ("Maya adopted a puppy from the shelter last spring.", "Maya", "u", None, None),
    ("The puppy chews every shoe in the flat.", "Leo", "u", None, None),
    ("Leo goes hiking in the mountains most weekends.", "Leo", "u", None, None),
    ("Maya and Leo went hiking near Lisbon.", "Maya", "u", None, None),
    ("Climbing is Leo's passion: he climbed in Spain, climbs every week.", "Leo", "u", None, None),
    ("What did you do at the weekend?", "Maya", "u", None, None),
    ("I painted the kitchen and the hallway off-white.", "Maya", "u", None, None),
    ("We booked a hiking trip to the Alps.", "Leo", "u", None, "trip"),
    ("Maya plays the guitar in a band", None, "u", None, None),
    ("Boots, a tent and a stove are packed for hiking.", "Maya", "u", "planner", None),
    ("Maya met Tom for coffee.", "Maya", "v", None, None),
    ("Tom adopted two cats.", "Tom", "v", None, None),
    ("Tom went hiking alone.", "Tom", "v", None, None),
]  # fmt: skip

QUERIES = [
    "Who adopted a puppy?",  # rare terms
    "hiking",  # a common term
    "What did Maya say?",  # the speaker's name, at the idf floor
    "Maya hiking boots",  # common and rare together
    "climbing climbed",  # two words, one stem: each counts, as in FTS5
    "what did you do?",  # stop-words only
]

#: Queries a backend answers differently from SQLite, and why.
DIVERGES = {
    "what did you do?": "PostgreSQL's English tsvector holds no stop-words: nothing matches",
}


def load(store: Store) -> None:
    """Insert the corpus with fixed ids, one memory at a time (seq order is id order)."""
    for n, (text, speaker, user, agent, run) in enumerate(CORPUS):
        record = MemoryRecord(
            id=f"m{n:02d}", text=text, hash=text_hash(text), created_at=T0, updated_at=T0,
            user_id=user, agent_id=agent, run_id=run, actor_id=speaker,
        )  # fmt: skip
        store.apply([Insert(record, vec(1.0))], T0)


@pytest.fixture
def reference(tmp_path: Path) -> Iterator[Store]:
    """The SQLite store, loaded with the corpus: the scores every store must give."""
    store = SQLiteStore(SQLiteStoreConfig(path=str(tmp_path / "reference.db")))
    store.open(EMBEDDER, DIMENSION)
    load(store)
    yield store
    store.close()


@pytest.mark.parametrize("scoped", [True, False], ids=["scoped", "whole-store"])
@pytest.mark.parametrize("query", QUERIES)
def test_keyword_scores_are_sqlite_bm25(
    backend: Backend, store: Store, reference: Store, query: str, scoped: bool
) -> None:
    load(store)
    where = parse_filters({"user_id": "u", "invalid_at": None}) if scoped else None
    expected = reference.keyword_search(query, where, 20)
    found = store.keyword_search(query, where, 20)
    assert expected, "every query finds something in SQLite"
    if backend.name.startswith("postgres") and query in DIVERGES:
        assert found == [], DIVERGES[query]
        return
    assert [r.id for r, _ in found] == [r.id for r, _ in expected]
    assert [s for _, s in found] == pytest.approx([s for _, s in expected], rel=TOLERANCE)


def test_scores_follow_the_corpus(store: Store) -> None:
    """N, df and avgdl are the table's as it is now, not as an earlier search saw it."""
    load(store)
    where = parse_filters({"user_id": "u"})
    before = {r.id: s for r, s in store.keyword_search("puppy", where, 5)}
    record = MemoryRecord(
        id="m99", text="Another puppy.", hash=text_hash("Another puppy."), created_at=T0,
        updated_at=T0, user_id="v",
    )  # fmt: skip
    store.apply([Insert(record, vec(1.0))], T0)
    after = {r.id: s for r, s in store.keyword_search("puppy", where, 5)}
    assert before.keys() == after.keys() == {"m00", "m01"}
    assert after["m00"] < before["m00"]  # one more row holds "puppy": a lower idf
