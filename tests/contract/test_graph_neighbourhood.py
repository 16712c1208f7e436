"""The neighbourhood contract: a breadth-first walk read the same way on every store.

Nearest first, then newest (commit order); at most ``limit`` relations, each once; a hub's
newest relations when it has more than the limit; ``as_of`` reads the relations valid then,
at every hop, invalidated ones included.
"""

from __future__ import annotations

from engram.core.graph.records import InvalidateRelation, RelationRecord
from engram.stores.base import Store
from tests.contract.test_graph import T1, T2, write
from tests.contract.test_store import T0, add


def walk(
    store: Store,
    start: list[str],
    hops: int,
    limit: int = 100,
    as_of: str | None = None,
    everything: bool = False,
) -> list[tuple[str, str, str, int]]:
    """The neighbourhood of these entity names (scope maya) as (source, rel, dest, hop)."""
    found = store.lookup_entities({"user_id": "maya"}, start)
    ids = [e.id for name in start for e in found if e.name == name]
    rows: list[RelationRecord] = store.neighbourhood(ids, hops, as_of, everything, limit)
    return [(r.source, r.relationship, r.destination, r.hop) for r in rows]


def chain(store: Store, triples: list[tuple[str, str, str]]) -> None:
    """Each triple in its own commit, so that later ones are newer."""
    memory = add(store, "the graph's memory", user_id="maya")
    for triple in triples:
        write(store, [triple], [memory])


def test_nearest_first_then_newest_within_a_hop(store: Store) -> None:
    chain(
        store,
        [("maya", "knows", "ana"), ("maya", "knows", "bob"), ("ana", "likes", "tea"),
         ("bob", "owns", "dog"), ("cat", "sleeps_on", "ana"), ("tea", "grows_in", "china")],
    )  # fmt: skip
    assert walk(store, ["maya"], 2) == [
        ("maya", "knows", "bob", 1),
        ("maya", "knows", "ana", 1),
        ("cat", "sleeps_on", "ana", 2),
        ("bob", "owns", "dog", 2),
        ("ana", "likes", "tea", 2),
    ]
    assert walk(store, ["maya"], 3)[-1] == ("tea", "grows_in", "china", 3)
    assert walk(store, ["maya"], 1) == walk(store, ["maya"], 2)[:2]


def test_the_limit_keeps_the_nearest_then_newest(store: Store) -> None:
    chain(
        store,
        [("maya", "knows", "ana"), ("ana", "likes", "tea"), ("maya", "knows", "bob"),
         ("bob", "owns", "dog"), ("ana", "visited", "rome")],
    )  # fmt: skip
    full = walk(store, ["maya"], 2)
    assert [r[3] for r in full] == [1, 1, 2, 2, 2]
    for limit in range(1, 6):
        assert walk(store, ["maya"], 2, limit) == full[:limit]


def test_a_relation_between_two_reached_entities_counts_once(store: Store) -> None:
    # ana and bob are both reached at hop 1, and related twice to each other: each of those
    # relations is one place of the limit, the older tea one still fits.
    chain(
        store,
        [("ana", "likes", "tea"), ("ana", "knows", "bob"), ("bob", "met", "ana"),
         ("maya", "knows", "ana"), ("maya", "knows", "bob")],
    )  # fmt: skip
    assert walk(store, ["maya"], 2, 5) == [
        ("maya", "knows", "bob", 1),
        ("maya", "knows", "ana", 1),
        ("bob", "met", "ana", 2),
        ("ana", "knows", "bob", 2),
        ("ana", "likes", "tea", 2),
    ]
    assert walk(store, ["ana", "bob"], 1) == [
        ("maya", "knows", "bob", 1),
        ("maya", "knows", "ana", 1),
        ("bob", "met", "ana", 1),
        ("ana", "knows", "bob", 1),
        ("ana", "likes", "tea", 1),
    ]


def test_a_hub_gives_its_newest_relations(store: Store) -> None:
    memory = add(store, "Maya's many things", user_id="maya")
    write(store, [("maya", "owns", f"thing{i:02d}") for i in range(30)], [memory])
    write(store, [(f"thing{i:02d}", "made_in", f"place{i:02d}") for i in range(30)], [memory])
    newest = [("maya", "owns", f"thing{i:02d}", 1) for i in range(29, 24, -1)]
    assert walk(store, ["maya"], 1, 5) == newest
    assert walk(store, ["maya"], 2, 5) == newest
    near = walk(store, ["maya"], 2, 33)
    assert near[:30] == [("maya", "owns", f"thing{i:02d}", 1) for i in range(29, -1, -1)]
    assert near[30:] == [("thing29", "made_in", "place29", 2), ("thing28", "made_in", "place28", 2),
                         ("thing27", "made_in", "place27", 2)]  # fmt: skip
    # From a leaf: the hub is reached at hop 2, its other relations at hop 3, newest first.
    assert walk(store, ["place00"], 3, 5) == [
        ("thing00", "made_in", "place00", 1),
        ("maya", "owns", "thing00", 2),
        ("maya", "owns", "thing29", 3),
        ("maya", "owns", "thing28", 3),
        ("maya", "owns", "thing27", 3),
    ]


def test_as_of_reads_every_hop_as_it_was(store: Store) -> None:
    memory = add(store, "Ana lived in Lisbon, then moved to Porto", user_id="maya")
    [lived] = write(store, [("ana", "lives_in", "lisbon")], [memory], when=T0)
    write(store, [("maya", "knows", "ana")], [memory], when=T0)
    write(store, [("lisbon", "capital_of", "portugal")], [memory], when=T0)
    [bridge] = write(store, [("lisbon", "twinned_with", "rio")], [memory], when=T0)
    write(
        store,
        [("ana", "lives_in", "porto")],
        [memory],
        when=T2,
        invalidate=(InvalidateRelation(lived.relation.id, T2),),
    )
    write(
        store,
        [("porto", "near", "braga")],
        [memory],
        when=T2,
        invalidate=(InvalidateRelation(bridge.relation.id, T1),),
    )
    assert walk(store, ["maya"], 2) == [
        ("maya", "knows", "ana", 1),
        ("ana", "lives_in", "porto", 2),
    ]
    # At T1: Ana lived in Lisbon (invalidated since), Porto was not hers yet.
    assert walk(store, ["maya"], 3, as_of=T1) == [
        ("maya", "knows", "ana", 1),
        ("ana", "lives_in", "lisbon", 2),
        ("lisbon", "capital_of", "portugal", 3),
    ]
    # Before T1 the twinning was still valid.
    assert ("lisbon", "twinned_with", "rio", 3) in walk(store, ["maya"], 3, as_of=T0)
    assert walk(store, ["maya"], 2, as_of="2000-01-01T00:00:00.000000+00:00") == []
    everything = walk(store, ["ana"], 1, everything=True)
    assert {r[2] for r in everything} == {"lisbon", "porto", "ana"}


def test_nothing_to_walk(store: Store) -> None:
    memory = add(store, "Maya alone", user_id="maya")
    write(store, [("maya", "likes", "tea")], [memory])
    assert store.neighbourhood([], 2, None, False, 10) == []
    assert store.neighbourhood(["no such entity"], 2, None, False, 10) == []
    [maya] = store.lookup_entities({"user_id": "maya"}, ["maya"])
    assert len(store.neighbourhood([maya.id, maya.id], 3, None, False, 10)) == 1
    assert walk(store, ["maya"], 3, as_of=T0) == [("maya", "likes", "tea", 1)]
