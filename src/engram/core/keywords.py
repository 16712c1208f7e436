"""The words of a keyword query, as every store's lexical (BM25) search reads them.

A query is split into words (runs of letters, digits and underscores), lower-cased, with
duplicates dropped; stop-words are dropped too, unless nothing else is left (a query made only
of stop-words still searches for them). Only the first ``MAX_QUERY_WORDS`` distinct words are
kept, so a long query (a pasted page) costs a bounded lexical search. Stores stem the words
with their own engine.
"""

from __future__ import annotations

import re

__all__ = ["MAX_QUERY_WORDS", "STOP_WORDS", "query_words"]

#: Distinct words a keyword query keeps (a question has a few dozen at most).
MAX_QUERY_WORDS = 64

#: Words too common to be worth a doclist read; BM25 would give them almost no weight anyway.
STOP_WORDS = frozenset(
    """a an and are as at be been but by did do does for from had has have how i in is it its
    me my of on or our she he so that the their them they this to was we were what when where
    which who why will with you your""".split()
)


def query_words(text: str) -> list[str]:
    """The distinct lower-cased words of ``text``, in order, stop-words dropped unless all are."""
    words = list(dict.fromkeys(w.lower() for w in re.findall(r"\w+", text)))
    kept = [w for w in words if w not in STOP_WORDS] or words
    return kept[:MAX_QUERY_WORDS]
