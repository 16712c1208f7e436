"""Search as a flow of effects: candidates, the evidence the query asks for, conversations.

``search`` embeds the query (as a query: asymmetric embedders encode it apart from the
memories) and fetches the semantic candidates while the lexical ones are fetched, reads
the query's people and times, finds the events it names ("after the wedding") among the
memories to turn them into times, scores, adds the graph part (graph memory on), fetches the
neighbours of the best candidates, and returns every candidate best first
(``engram.core.ranking``) with the graph's hits.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from engram.core import ranking, temporal
from engram.core.effects import Embed, Flow, Gather, StoreCall
from engram.core.filters import FilterNode, scope_values
from engram.core.keywords import query_terms
from engram.core.records import MemoryRecord
from engram.core.timegrammar import EventRef
from engram.core.timeutil import DAY, EARLIEST, LATEST, day_of

if TYPE_CHECKING:
    from engram.core.graph.search import GraphHits

#: Candidates taken from each of the semantic and lexical lists before fusion.
CANDIDATES = 50
#: Events of one query that are looked up ("after the wedding"); each costs a lookup.
MAX_EVENTS = 2
#: Candidates a lookup of an event reads from each list.
EVENT_CANDIDATES = 5


def search(
    text: str,
    where: FilterNode | None,
    count: int,
    weights: ranking.Weights = ranking.DEFAULT,
    now: datetime | None = None,
    graph_hops: int | None = None,
) -> Flow[tuple[list[ranking.Candidate], GraphHits | None]]:
    """Every candidate for ``text`` among the memories matching ``where``, best first, and
    the graph's hits (``graph_hops``: graph memory is on, with relations this far)."""
    depth = max(count, CANDIDATES)
    semantic, lexical = yield Gather(
        semantic_candidates(text, where, depth),
        (StoreCall("keyword_search", (text, where, depth)),),
    )
    pool = ranking.fuse(semantic, lexical, weights, query_terms(text))
    speakers = {c.record.actor_id for c in pool.values() if c.record.actor_id}
    entities = ranking.query_entities(text, speakers)
    times = temporal.read_query(text, now)
    ranges = list(times.ranges)
    for event in times.events[:MAX_EVENTS]:
        named = yield from event_range(event, where, weights)
        if named is not None:
            ranges.append(named)
    evidence: dict[str, ranking.Evidence] = {}
    if entities:
        evidence["entity"] = lambda record: float(ranking.mentions(record, entities))
    if ranges:
        wanted = tuple(ranges)
        evidence["time"] = lambda record: temporal.match(wanted, record)
    if times.asks_when:
        evidence["when"] = lambda record: float(temporal.states_time(record))
    ranking.weigh(pool, evidence, weights, keep=max(count, weights.neighbour_sources))
    hits: GraphHits | None = None
    if graph_hops is not None:
        from engram.core.graph.search import graph_search

        hits = yield from graph_search(text, scope_values(where), graph_hops)
        missing = [m for m in hits.memories if m not in pool]
        found: list[MemoryRecord] = []
        if missing:
            found = yield StoreCall("get_memories", (missing, where))
        ranking.add_graph(pool, hits.memories, found, evidence, weights)
    near = yield StoreCall("neighbours", (ranking.lenders(pool, weights), where))
    return ranking.spread(pool, near, evidence, weights), hits


def semantic_candidates(
    text: str, where: FilterNode | None, depth: int
) -> Flow[list[tuple[MemoryRecord, float]]]:
    """The query embedded as a query, then the memories nearest to it."""
    vectors = yield Embed((text,), query=True)
    found: list[tuple[MemoryRecord, float]] = yield StoreCall(
        "search", (vectors[0], where, depth, None)
    )
    return found


def event_range(
    event: EventRef, where: FilterNode | None, weights: ranking.Weights
) -> Flow[temporal.TimeRange | None]:
    """The range 'before / after / since / until <event>' names, the event found as a memory.

    The event's time is the first time its best-matching memory states ("we went camping last
    week"), else the day that memory was said.
    """
    vectors = yield Embed((event.phrase,), query=True)
    semantic = yield StoreCall("search", (vectors[0], where, EVENT_CANDIDATES, None))
    lexical = yield StoreCall("keyword_search", (event.phrase, where, EVENT_CANDIDATES))
    pool = ranking.fuse(semantic, lexical, weights, query_terms(event.phrase))
    if not pool:
        return None
    best = min(pool.values(), key=lambda c: (-c.fused, c.record.id)).record
    stated = [t for t in temporal.stated_times(best) if t.bounded]
    if stated:
        start, end = stated[0].start, stated[0].end
    else:
        start = day_of(datetime.fromisoformat(temporal.said_at(best)))
        end = start + DAY
    span = {
        "before": (EARLIEST, start),
        "after": (end, LATEST),
        "since": (start, LATEST),
        "until": (EARLIEST, end),
    }[event.relation]
    return temporal.TimeRange(*span, event.text)
