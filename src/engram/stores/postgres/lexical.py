"""Okapi BM25 in PostgreSQL as SQLite's FTS5 computes it: the SQL of ``keyword_search``.

Pure functions that return SQL text and parameters, and a small cache; no I/O. FTS5's
``bm25()`` is the reference (``engram.stores.base.Store.keyword_search``): for the query's
words ``w`` and a memory ``d``,

    score(d) = sum over w of idf(w) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(d) / avgdl))
    idf(w)   = ln((N - df + 0.5) / (df + 0.5)), or 1e-6 when that is not positive

with k1 = 1.2 and b = 0.75; N is the table's row count and avgdl its mean row length (every
row, whatever the filter); df counts the rows holding the word, tf its occurrences in ``d``.
All of it comes from the generated ``tsvector`` column ``lexemes`` (English stemming of the
text and the speaker) and its GIN index:

- Words: ``engram.core.keywords`` (stop-words dropped as for SQLite), each stemmed by
  ``to_tsvector('english', ...)``. Each word is a term of its own, even when two stem alike,
  as FTS5 scores each quoted word of its query.
- tf: the lexeme's number of positions in the row's tsvector.
- len(d): FTS5 counts every token of the row, stop-words included, plus its scope tokens
  (one per user / agent / run id set). Stop-words take positions in a tsvector, so the row's
  largest position is its token count, less one per hyphenated word (PostgreSQL keeps
  "self-care" whole as well as its parts, at a position of its own), plus its scope ids.
- N, df and avgdl are exact while the table has at most ``STATS_MIN_PAGES`` pages or no
  statistics yet: a count, a GIN count per word, an average over every row. A larger table
  reads PostgreSQL's own statistics, kept by ANALYZE and autovacuum: N is the planner's
  estimate (``reltuples`` scaled to the table's current size); a lexeme among the column's
  most common elements (``pg_stats.most_common_elems``) has df = its frequency times N, and
  any other is rare and is counted through the GIN index (no further than the smallest common
  frequency times N); avgdl is averaged over ``AVGDL_SAMPLE_PAGES`` pages (always the same
  blocks: ``TABLESAMPLE SYSTEM ... REPEATABLE``).
- avgdl costs a pass over the rows (or the sample), so a search returns the avgdl it used and
  the N it was computed at, the store passes them to its next search (:class:`AvgdlCache`),
  and that search reuses the avgdl while N stays within ``AVGDL_DRIFT`` of its own.

One statement, one round trip: ``CASE`` and ``COALESCE`` evaluate their sub-selects only when
reached, so a large table never counts its rows and a reused avgdl is never recomputed.
Within a scope of at most ``SCOPE_SCAN_MAX_ROWS`` rows (a user's memories), the scope's rows
are read through its btree and tested one by one: the GIN posting lists of a speaker's name or
a common word hold a good share of a large table, and the planner underestimates reading
them. Elsewhere the planner chooses, and the match is a constant ``to_tsquery`` so that it
sees how common each word is (the store has the statement planned for each execution).

Where the scores still differ from SQLite's: PostgreSQL's English stop list is longer than
``STOP_WORDS`` and those words are not in the tsvector, so a query's "her", "s", "up", "not"
or "about" score nothing here (and a query of stop-words alone finds nothing); Snowball's
English stemmer differs from FTS5's Porter on a few words; PostgreSQL's parser keeps
numbers such as 3.5 and e-mail addresses as single tokens; a text that ends in stop-words with
no speaker after it is counted short by those words. On a large table, the statistics move
scores by up to a few per cent (1M rows, just analysed: median 0.6%, at most 3.6%).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from typing import Any

from engram.core.filters import FilterNode, scope_filter
from engram.core.keywords import query_words
from engram.stores.postgres.filters import compile_filter

__all__ = ["AVGDL_TTL_SECONDS", "AvgdlCache", "keyword_query", "pg_words"]

K1 = 1.2
B = 0.75
#: FTS5's floor for the idf of a term found in half of the rows or more.
IDF_FLOOR = 1e-6
#: Tables of more pages than this (8 kB each; about 6,500 memories with 384-d embeddings) take
#: N and common words' df from statistics instead of counting.
STATS_MIN_PAGES = 1000
#: A scope (user / agent / run) of at most this many rows is read whole through its btree.
SCOPE_SCAN_MAX_ROWS = 5000
#: Pages the avgdl sample of a larger table reads.
AVGDL_SAMPLE_PAGES = 1000
#: A cached avgdl is reused while the table's row count stays within this share of its own.
AVGDL_DRIFT = 0.01
#: How long a store keeps an avgdl at most.
AVGDL_TTL_SECONDS = 600.0


def pg_words(text: str) -> list[str]:
    """The query's words for PostgreSQL: ``query_words``, split at underscores (PostgreSQL's
    parser splits there too; a run of letters and digits stems to one lexeme at most)."""
    words = [part for word in query_words(text) for part in re.findall(r"[^\W_]+", word)]
    return list(dict.fromkeys(words))


def keyword_query(
    schema: str,
    columns: str,
    words: Sequence[str],
    where: FilterNode | None,
    limit: int,
    cached: tuple[float, float] | None = None,
) -> tuple[str, list[Any]]:
    """The statement of one BM25 keyword search, and its parameters.

    Args:
        schema: The store's schema (its table is ``memories`` there).
        columns: The columns to select, on alias ``m``.
        words: The query's words (:func:`pg_words`); not empty.
        where: The filter.
        limit: How many rows to return at most.
        cached: ``(avgdl, N)`` from an earlier search (:class:`AvgdlCache`): the avgdl is
            reused while the table's row count stays within ``AVGDL_DRIFT`` of that N.

    Returns:
        The SQL, whose rows are ``columns`` then the score (best first), the avgdl it used and
        the N it was computed at; and its parameters.
    """
    table = f"{schema}.memories"
    avgdl, avgdl_n = cached if cached is not None else (None, None)
    slots = range(1, len(words) + 1)
    tfs = "".join(
        f",\n        max(cardinality(u.positions)) FILTER (WHERE u.lexeme = t.lexemes[{i}])"
        f"::float8 AS tf{i}"
        for i in slots
    )
    score = "\n    + ".join(
        f"coalesce(i.idfs[{i}] * a.tf{i} * {K1 + 1} / (a.tf{i} + a.k), 0)" for i in slots
    )
    scope_cte, scope_params, hits, hits_params = _hits(table, where, " | ".join(words))
    statement = f"""
WITH terms AS MATERIALIZED (
    SELECT array_agg(w.lexeme ORDER BY q.i) AS lexemes
    FROM unnest(%s::text[]) WITH ORDINALITY AS q(word, i), LATERAL (
        SELECT (tsvector_to_array(to_tsvector('english', q.word)))[1] AS lexeme) w
), shape AS MATERIALIZED (
    SELECT c.reltuples, c.relpages, greatest(pg_relation_size(c.oid)
            / current_setting('block_size')::float8, 1) AS pages
    FROM pg_class c WHERE c.oid = %s::regclass
), size AS MATERIALIZED (
    SELECT h.pages, h.large, CASE WHEN h.large THEN h.reltuples / h.relpages * h.pages
            ELSE (SELECT count(*) FROM {table})::float8 END AS n
    FROM (SELECT *, pages > %s AND relpages > 0 AND reltuples > 0 AS large FROM shape) h
), corpus AS MATERIALIZED (
    SELECT z.large, z.n, CASE WHEN z.reuse THEN %s::float8
            ELSE coalesce((SELECT nullif(avg(({_doclen("s")})::float8), 0) FROM {table} s
                TABLESAMPLE SYSTEM ((SELECT least(100.0, 100.0 * %s / pages) FROM size))
                REPEATABLE (0)), 1.0) END AS avgdl,
        CASE WHEN z.reuse THEN z.cached ELSE z.n END AS avgdl_n
    FROM (SELECT *, coalesce(abs(n - cached) <= %s * n, false) AS reuse
        FROM size, (SELECT %s::float8 AS cached) x) z
), common AS MATERIALIZED (
    SELECT p.most_common_elems::text::text[] AS lexemes, p.most_common_elem_freqs AS freqs,
        ceil(p.most_common_elem_freqs[cardinality(p.most_common_elems) + 1] * c.n)::bigint
            AS rare
    FROM pg_stats p, corpus c WHERE c.large AND p.schemaname = %s
        AND p.tablename = 'memories' AND p.attname = 'lexemes'
), counted AS MATERIALIZED (
    SELECT s.i, CASE WHEN t.lexemes[s.i] IS NOT NULL THEN coalesce(
            (SELECT f.freqs[array_position(f.lexemes, t.lexemes[s.i])] * c.n FROM common f),
            (SELECT count(*) FROM (SELECT FROM {table} m
                WHERE m.lexemes @@ quote_literal(t.lexemes[s.i])::tsquery
                LIMIT (SELECT rare FROM common)) x)::float8) END AS df
    FROM terms t, corpus c, generate_subscripts(t.lexemes, 1) AS s(i)
), idf AS MATERIALIZED (
    SELECT array_agg(CASE WHEN c.n - d.df <= d.df THEN %s
        ELSE ln((c.n - d.df + 0.5) / (d.df + 0.5)) END ORDER BY d.i) AS idfs
    FROM counted d, corpus c
){scope_cte}
SELECT {columns}, x.score, x.avgdl, x.avgdl_n FROM (
    SELECT h.seq, {score} AS score, c.avgdl, c.avgdl_n
    FROM ({hits}) h CROSS JOIN corpus c CROSS JOIN terms t CROSS JOIN idf i
    CROSS JOIN LATERAL (
        SELECT {K1} * ({1 - B} + {B} * ({_doclen_agg("h")}) / c.avgdl) AS k{tfs}
        FROM unnest(h.lexemes) u
    ) a
    ORDER BY score DESC, h.seq LIMIT %s
) x JOIN {table} m ON m.seq = x.seq
ORDER BY x.score DESC, x.seq"""
    return statement, [
        list(words),
        table,
        STATS_MIN_PAGES,
        avgdl,
        AVGDL_SAMPLE_PAGES,
        AVGDL_DRIFT,
        avgdl_n,
        schema,
        IDF_FLOOR,
        *scope_params,
        *hits_params,
        limit,
    ]


def _hits(
    table: str, where: FilterNode | None, match: str
) -> tuple[str, list[Any], str, list[Any]]:
    """The rows matching ``match`` (a tsquery) and ``where``, with the columns scoring needs:
    a CTE to append (or ``""``) and its parameters, the select and its parameters.

    Within a small scope (at most ``SCOPE_SCAN_MAX_ROWS`` rows with its user / agent / run
    ids), the scope's rows are read through its btree and tested one by one (``OFFSET 0``
    keeps the planner from the GIN index, whose posting lists for a speaker's name or a common
    word hold a good share of the table, and whose cost it underestimates). A larger scope, or
    none, leaves the choice to the planner.
    """
    sql, params = compile_filter(where, alias="m")
    keep = "m.seq, m.lexemes, m.user_id, m.agent_id, m.run_id"
    tsquery = "to_tsquery('english', %s)"
    bound = scope_filter(where)
    planned = f"SELECT {keep} FROM {table} m WHERE m.lexemes @@ {tsquery} AND {sql}"
    if bound is None:
        return "", [], planned, [match, *params]
    bound_sql, bound_params = compile_filter(bound, alias="m")
    cte = (
        ", scope AS MATERIALIZED (\n    SELECT count(*) <= %s AS small FROM (\n"
        f"        SELECT FROM {table} m WHERE {bound_sql} LIMIT %s) x\n)"
    )
    hits = (
        f"SELECT * FROM (SELECT {keep} FROM {table} m\n"
        f"        WHERE (SELECT small FROM scope) AND {sql} OFFSET 0) m\n"
        f"        WHERE m.lexemes @@ {tsquery}\n"
        "    UNION ALL\n"
        f"    {planned} AND NOT (SELECT small FROM scope)"
    )
    return (
        cte,
        [SCOPE_SCAN_MAX_ROWS, *bound_params, SCOPE_SCAN_MAX_ROWS + 1],
        hits,
        [*params, match, match, *params],
    )


def _doclen_agg(alias: str) -> str:
    """A row's length in FTS5 tokens, aggregated over ``unnest(lexemes) u``: its largest
    position, less the positions of hyphenated words kept whole (their parts follow them),
    plus its scope ids."""
    return (
        "coalesce(max(u.positions[cardinality(u.positions)]), 0) "
        "- coalesce(sum(cardinality(u.positions)) FILTER (WHERE strpos(u.lexeme, '-') > 0), 0) "
        f"+ num_nonnulls({alias}.user_id, {alias}.agent_id, {alias}.run_id)"
    )


def _doclen(alias: str) -> str:
    """A row's length in FTS5 tokens, as a scalar expression on ``alias``."""
    return f"(SELECT {_doclen_agg(alias)} FROM unnest({alias}.lexemes) u)"


class AvgdlCache:
    """The avgdl and N of a store's last search, for the next one to reuse (see
    :func:`keyword_query`), kept ``ttl`` seconds at most: rows that change without changing N
    (updates) move avgdl too."""

    def __init__(
        self, ttl: float = AVGDL_TTL_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self._clock = clock
        self._value: tuple[float, float] | None = None
        self._at = 0.0

    def get(self) -> tuple[float, float] | None:
        """``(avgdl, N)``, or None when there is none or it is stale."""
        if self._value is not None and self._clock() - self._at < self.ttl:
            return self._value
        return None

    def update(self, rows: Sequence[Sequence[Any]]) -> None:
        """Remember the avgdl a search used and the N it was computed at (its rows' last
        columns), unless it reused the cached ones."""
        if rows and (found := (float(rows[0][-2]), float(rows[0][-1]))) != self.get():
            self._value, self._at = found, self._clock()
