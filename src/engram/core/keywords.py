"""The words of a keyword query, as every store's lexical (BM25) search reads them.

A query is split into words (runs of letters, digits and underscores), lower-cased, with
duplicates dropped; stop-words and single letters (the "s" of "Ana's", the "t" of "can't") are
dropped too, unless nothing else is left (a query made only of stop-words still searches for
them). Only the first ``MAX_QUERY_WORDS`` distinct words are kept, so a long query (a pasted
page) costs a bounded lexical search. Stores stem the words with their own engine.

Search also asks how many of a query's terms a memory holds (``matched_terms``, on Porter
stems as SQLite's FTS5 computes them, with the ``snowballstemmer`` package): one incidental
word in common is no lexical evidence that a memory answers a query of several words.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import snowballstemmer

__all__ = ["MAX_QUERY_WORDS", "STOP_WORDS", "matched_terms", "query_terms", "query_words", "stem"]

#: Distinct words a keyword query keeps (a question has a few dozen at most).
MAX_QUERY_WORDS = 64

#: Words too common to be worth a doclist read; BM25 would give them almost no weight anyway.
STOP_WORDS = frozenset(
    """a an and are as at be been but by did do does for from had has have how i in is it its
    me my of on or our she he so that the their them they this to was we were what when where
    which who why will with you your""".split()
)


#: One stemmer per thread: a snowballstemmer stemmer keeps its word in itself while it works,
#: and two threads sharing one corrupt each other's (an IndexError, or a wrong stem).
_LOCAL = threading.local()


def query_words(text: str) -> list[str]:
    """The distinct lower-cased words of ``text``, in order, stop-words and single letters
    dropped unless nothing else is left."""
    words = list(dict.fromkeys(w.lower() for w in re.findall(r"\w+", text)))
    kept = [w for w in words if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())]
    return (kept or words)[:MAX_QUERY_WORDS]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Porter stem of a lower-cased word."""
    stemmer = getattr(_LOCAL, "stemmer", None)
    if stemmer is None:
        stemmer = _LOCAL.stemmer = snowballstemmer.stemmer("porter")
    stemmed: str = stemmer.stemWord(word)
    return stemmed


def query_terms(text: str) -> frozenset[str]:
    """The stems of the query's words (``query_words``)."""
    return frozenset(stem(w) for w in query_words(text))


@lru_cache(maxsize=256)
def _starts(terms: frozenset[str]) -> re.Pattern[str]:
    """Words that begin like one of the stems: the only ones whose stem can be one."""
    prefixes = sorted({re.escape(t[:3]) for t in terms}, key=len, reverse=True)
    return re.compile(rf"\b(?:{'|'.join(prefixes)})\w*")


def matched_terms(terms: frozenset[str], *texts: str | None) -> int:
    """How many of ``terms`` (stems) occur in ``texts`` (a memory's text, its speaker)."""
    if not terms:
        return 0
    starts = _starts(terms)
    found = {stem(word) for text in texts if text for word in starts.findall(text.lower())}
    return len(terms & found)
