"""The graph contract: the same graph writes, reads, time and isolation on every store.

Entities unique per exact scope and name, idempotent relations with their support, validity
intervals read "as of" a time, provenance-driven deletes, one transaction with the memories,
and concurrent writers that name the same new entities making one node and one edge.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import pytest

from engram.core.filters import parse_filters
from engram.core.graph.records import (
    AssertRelation,
    EntityMatch,
    EntityRecord,
    GraphWrite,
    InvalidateRelation,
    RelationChange,
    RelationRecord,
    ScopeIds,
)
from engram.core.records import Delete, DeleteWhere, Insert, Invalidate, MemoryRecord
from engram.exceptions import StoreError
from engram.stores.base import Store
from tests.contract.backends import Backend
from tests.contract.test_store import T0, add, record, vec

MAYA: ScopeIds = ("maya", None, None)
T1 = "2024-06-01T00:00:00.000000+00:00"
T2 = "2025-01-01T00:00:00.000000+00:00"


def entity(name: str, kind: str = "thing", existing: str | None = None) -> EntityMatch:
    """An entity the write needs, its name vector a unit vector of its own."""
    axis = sum(map(ord, name)) % 8
    values = [0.0] * 8
    values[axis] = 1.0
    return EntityMatch(name, name, kind, vec(*values), existing)


def write(
    store: Store,
    triples: list[tuple[str, str, str]],
    memory_ids: list[str],
    scope: ScopeIds = MAYA,
    when: str = T0,
    invalidate: tuple[InvalidateRelation, ...] = (),
    extra: list[Insert] | None = None,
) -> list[RelationChange]:
    """Assert ``triples`` (each supported by ``memory_ids``) in one apply."""
    names = sorted({n for s, _, d in triples for n in (s, d)})
    op = GraphWrite(
        scope,
        entities=tuple(entity(n, "person" if n == "maya" else "thing") for n in names),
        relations=tuple(AssertRelation(s, r, d, when, tuple(memory_ids)) for s, r, d in triples),
        invalidate=invalidate,
    )
    return store.commit([*(extra or []), op], T0).relations


def triples_of(store: Store, scope: dict[str, str | None] | None = None) -> set[tuple[str, ...]]:
    rows = store.list_relations(scope or {"user_id": "maya"}, None, False, 100)
    return {(r.source, r.relationship, r.destination) for r in rows}


def test_a_graph_write_makes_entities_and_relations(store: Store) -> None:
    memory = add(store, "Maya: my sister Ana lives in Lisbon", user_id="maya")
    changes = write(store, [("ana", "sister_of", "maya"), ("ana", "lives_in", "lisbon")], [memory])
    assert {(c.event, c.relation.relationship) for c in changes} == {
        ("ADD", "sister_of"),
        ("ADD", "lives_in"),
    }
    assert all(c.relation.memory_ids == (memory,) for c in changes)
    assert all(c.relation.valid_at == T0 and c.relation.invalid_at is None for c in changes)
    entities = store.list_entities({"user_id": "maya"}, 10)
    assert {(e.name, e.type) for e in entities} == {
        ("ana", "thing"),
        ("lisbon", "thing"),
        ("maya", "person"),
    }
    assert triples_of(store) == {("ana", "sister_of", "maya"), ("ana", "lives_in", "lisbon")}
    [ana] = store.lookup_entities({"user_id": "maya"}, ["ana", "nobody"])
    near = store.neighbourhood([ana.id], 1, None, False, 10)
    assert {(r.relationship, r.hop) for r in near} == {("sister_of", 1), ("lives_in", 1)}


def test_reasserting_a_relation_adds_support_and_never_duplicates(store: Store) -> None:
    first = add(store, "Ana lives in Lisbon", user_id="maya")
    second = add(store, "Ana moved to Lisbon", user_id="maya")
    assert len(write(store, [("ana", "lives_in", "lisbon")], [first])) == 1
    assert write(store, [("ana", "lives_in", "lisbon")], [second]) == []
    [relation] = store.list_relations({"user_id": "maya"}, None, True, 10)
    assert relation.memory_ids == tuple(sorted([first, second]))
    assert len(store.list_entities({"user_id": "maya"}, 10)) == 2


def test_two_hops_reach_the_neighbours_relations(store: Store) -> None:
    memory = add(store, "Maya's sister Ana works at Feedzai", user_id="maya")
    write(
        store,
        [("ana", "sister_of", "maya"), ("ana", "works_at", "feedzai"),
         ("feedzai", "based_in", "lisbon")],
        [memory],
    )  # fmt: skip
    [maya] = store.lookup_entities({"user_id": "maya"}, ["maya"])
    one = store.neighbourhood([maya.id], 1, None, False, 10)
    two = store.neighbourhood([maya.id], 2, None, False, 10)
    three = store.neighbourhood([maya.id], 3, None, False, 10)
    assert [(r.relationship, r.hop) for r in one] == [("sister_of", 1)]
    assert sorted((r.relationship, r.hop) for r in two) == [("sister_of", 1), ("works_at", 2)]
    assert ("based_in", 3) in {(r.relationship, r.hop) for r in three}
    assert len(store.neighbourhood([maya.id], 3, None, False, 2)) == 2


def test_invalidated_relations_stay_and_read_as_of_a_time(store: Store) -> None:
    lisbon = add(store, "Ana lives in Lisbon", user_id="maya")
    porto = add(store, "Ana moved to Porto", user_id="maya")
    [old] = write(store, [("ana", "lives_in", "lisbon")], [lisbon], when=T0)
    changes = write(
        store,
        [("ana", "lives_in", "porto")],
        [porto],
        when=T2,
        invalidate=(InvalidateRelation(old.relation.id, T2),),
    )
    assert {(c.event, c.relation.destination) for c in changes} == {
        ("DELETE", "lisbon"),
        ("ADD", "porto"),
    }
    assert triples_of(store) == {("ana", "lives_in", "porto")}
    then = store.list_relations({"user_id": "maya"}, T1, False, 10)
    assert [(r.destination, r.invalid_at) for r in then] == [("lisbon", T2)]
    everything = store.list_relations({"user_id": "maya"}, None, True, 10)
    assert {r.destination for r in everything} == {"lisbon", "porto"}
    [ana] = store.lookup_entities({"user_id": "maya"}, ["ana"])
    assert [r.destination for r in store.neighbourhood([ana.id], 1, T1, False, 10)] == ["lisbon"]
    # Re-asserting the closed relation later makes a new interval, the old one stays closed.
    again = add(store, "Ana is back in Lisbon", user_id="maya")
    [new] = write(store, [("ana", "lives_in", "lisbon")], [again], when=T2)
    assert new.relation.id != old.relation.id and new.relation.invalid_at is None


def test_a_relation_asserted_as_already_over_is_recorded_closed(store: Store) -> None:
    memory = add(store, "Ana lived in Paris", user_id="maya")
    op = GraphWrite(
        MAYA,
        entities=(entity("ana"), entity("paris")),
        relations=(AssertRelation("ana", "lives_in", "paris", T0, (memory,), T1),),
    )
    assert store.commit([op], T0).relations == []
    store.apply([op], T0)  # again: the same closed interval is not duplicated
    [row] = store.list_relations({"user_id": "maya"}, None, True, 10)
    assert (row.valid_at, row.invalid_at) == (T0, T1)
    assert triples_of(store) == set()


def test_scopes_keep_their_own_entities(store: Store) -> None:
    mine = add(store, "Maya likes tea", user_id="maya")
    theirs = add(store, "Bob likes tea", user_id="bob")
    agent = add(store, "Maya likes tea (agent)", user_id="maya", agent_id="helper")
    write(store, [("maya", "likes", "tea")], [mine])
    write(store, [("bob", "likes", "tea")], [theirs], scope=("bob", None, None))
    write(store, [("maya", "likes", "tea")], [agent], scope=("maya", "helper", None))
    assert len(store.lookup_entities({"user_id": "maya"}, ["tea"])) == 2  # two exact scopes
    exact = {"user_id": "maya", "agent_id": None, "run_id": None}
    assert len(store.lookup_entities(exact, ["tea"])) == 1
    assert triples_of(store, {"user_id": "bob"}) == {("bob", "likes", "tea")}
    assert len(store.list_relations({"agent_id": "helper"}, None, False, 10)) == 1
    [bob_tea] = store.lookup_entities({"user_id": "bob"}, ["tea"])
    assert {r.user_id for r in store.neighbourhood([bob_tea.id], 2, None, False, 10)} == {"bob"}


def test_similar_entities_match_by_name_vector_in_the_exact_scope(store: Store) -> None:
    memory = add(store, "Maya has a dog", user_id="maya")
    write(store, [("maya", "owns", "dog")], [memory])
    dog = entity("dog").vector
    other = vec(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0)
    [hit, miss] = store.similar_entities(MAYA, np.stack([dog, other]), 0.9)
    assert hit is not None and hit[0].name == "dog" and hit[1] == pytest.approx(1.0, abs=1e-5)
    assert miss is None or miss[0].name != "dog"
    assert store.similar_entities(("bob", None, None), np.stack([dog]), 0.5) == [None]


def test_deleting_a_memory_removes_only_what_it_alone_supported(store: Store) -> None:
    both = add(store, "Ana lives in Lisbon", user_id="maya")
    alone = add(store, "Ana lives in Lisbon and likes surf", user_id="maya")
    write(store, [("ana", "lives_in", "lisbon")], [both, alone])
    write(store, [("ana", "likes", "surf")], [alone])
    store.apply([Delete(alone)], T1)
    [kept] = store.list_relations({"user_id": "maya"}, None, True, 10)
    assert (kept.relationship, kept.memory_ids) == ("lives_in", (both,))
    assert {e.name for e in store.list_entities({"user_id": "maya"}, 10)} == {"ana", "lisbon"}
    store.apply([Delete(both)], T1)
    assert store.list_relations({"user_id": "maya"}, None, True, 10) == []
    assert store.list_entities({"user_id": "maya"}, 10) == []


def test_invalidating_a_memory_closes_the_relations_it_alone_supported(store: Store) -> None:
    lisbon = add(store, "Ana lives in Lisbon", user_id="maya")
    also = add(store, "Ana likes Lisbon", user_id="maya")
    write(store, [("ana", "lives_in", "lisbon")], [lisbon])
    write(store, [("ana", "likes", "lisbon")], [lisbon, also])
    [closed] = store.commit([Invalidate(lisbon, T2)], T2).relations
    assert (closed.event, closed.relation.relationship, closed.relation.invalid_at) == (
        "DELETE",
        "lives_in",
        T2,
    )
    assert triples_of(store) == {("ana", "likes", "lisbon")}


def test_delete_all_and_reset_clear_the_graph(store: Store) -> None:
    mine = add(store, "Maya likes tea", user_id="maya")
    theirs = add(store, "Bob likes tea", user_id="bob")
    write(store, [("maya", "likes", "tea")], [mine])
    write(store, [("bob", "likes", "tea")], [theirs], scope=("bob", None, None))
    where = parse_filters({"user_id": "maya"})
    assert where is not None
    store.apply([DeleteWhere(where)], T1)
    assert store.list_entities({"user_id": "maya"}, 10) == []
    assert triples_of(store, {"user_id": "bob"}) == {("bob", "likes", "tea")}
    store.reset()
    assert store.list_entities({"user_id": "bob"}, 10) == []


def test_support_follows_the_memory_an_insert_kept(store: Store) -> None:
    kept = add(store, "Ana lives in Lisbon", user_id="maya")
    planned = record("Ana lives in Lisbon", user_id="maya")
    write(
        store,
        [("ana", "lives_in", "lisbon")],
        [planned.id, "gone"],
        extra=[Insert(planned, vec(1.0), unique=True)],
    )
    [relation] = store.list_relations({"user_id": "maya"}, None, False, 10)
    assert relation.memory_ids == (kept,)
    assert write(store, [("ana", "likes", "surf")], ["no-such-memory"]) == []
    assert triples_of(store) == {("ana", "lives_in", "lisbon")}


def test_get_memories_applies_the_filter(store: Store) -> None:
    mine = add(store, "Maya likes tea", user_id="maya")
    theirs = add(store, "Bob likes tea", user_id="bob")
    found = store.get_memories([mine, theirs, "missing"], parse_filters({"user_id": "maya"}))
    assert [r.id for r in found] == [mine]
    assert store.get_memories([], None) == []


def test_a_failure_mid_add_leaves_neither_memories_nor_graph_rows(
    backend: Backend, store: Store
) -> None:
    add(store, "already there", user_id="maya")
    before = backend.counts()
    backend.inject_failure("third")
    planned = [record(text, user_id="maya") for text in ("first", "second", "third")]
    op = GraphWrite(
        MAYA,
        entities=(entity("ana"), entity("lisbon")),
        relations=(AssertRelation("ana", "lives_in", "lisbon", T0, (planned[0].id,)),),
    )
    with pytest.raises(StoreError, match="rolled back"):
        store.apply([*(Insert(r, vec(1.0)) for r in planned), op], T0)
    assert backend.counts() == before
    assert store.list_entities({"user_id": "maya"}, 10) == []


def test_concurrent_writers_naming_the_same_entities_make_one_node_and_edge(
    store: Store,
) -> None:
    memories: list[MemoryRecord] = [record(f"note {i}", user_id="maya") for i in range(8)]
    for r in memories:
        store.apply([Insert(r, vec(1.0))], T0)
    barrier = threading.Barrier(8)

    def writer(i: int) -> None:
        barrier.wait()
        for _ in range(3):
            write(
                store,
                [("ana", "works_at", "feedzai"), ("ana", "sister_of", "maya"),
                 (f"friend{i}", "friend_of", "ana")],
                [memories[i].id],
            )  # fmt: skip

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(writer, range(8)))
    names = [e.name for e in store.list_entities({"user_id": "maya"}, 100)]
    assert sorted(names) == sorted({*names}) and len(names) == 3 + 8
    rows = store.list_relations({"user_id": "maya"}, None, True, 100)
    triples = [(r.source, r.relationship, r.destination) for r in rows]
    assert len(triples) == len(set(triples)) == 2 + 8
    [works] = [r for r in rows if r.relationship == "works_at"]
    assert works.memory_ids == tuple(sorted(m.id for m in memories))


def test_graph_rows_export_and_import_verbatim(store: Store) -> None:
    lisbon = add(store, "Ana lives in Lisbon", user_id="maya")
    porto = add(store, "Ana moved to Porto", user_id="maya")
    [old] = write(
        store,
        [
            ("ana", "lives_in", "lisbon"),
        ],
        [lisbon],
        when=T0,
    )
    write(store, [("ana", "lives_in", "porto")], [porto], when=T2,
          invalidate=(InvalidateRelation(old.relation.id, T2),))  # fmt: skip
    entities, cursor = store.export_entities(0, 2)  # type: ignore[attr-defined]
    more, end = store.export_entities(cursor, 10)  # type: ignore[attr-defined]
    assert len(entities) == 2 and len(more) == 1 and store.export_entities(end, 10)[0] == []  # type: ignore[attr-defined]
    relations, _ = store.export_relations(0, 10)  # type: ignore[attr-defined]
    before = store.list_relations({"user_id": "maya"}, None, True, 10)
    memories, _ = store.export_memories(0, 10)  # type: ignore[attr-defined]
    store.reset()
    store.import_rows(memories, [])  # type: ignore[attr-defined]
    assert store.import_graph([*entities, *more], relations) == (3, 2)  # type: ignore[attr-defined]
    assert store.import_graph([*entities, *more], relations) == (0, 0)  # type: ignore[attr-defined]
    assert store.list_relations({"user_id": "maya"}, None, True, 10) == before
    vectors = {e.name: v for e, v in [*entities, *more]}
    assert np.allclose(vectors["ana"], entity("ana").vector)


def test_a_scoped_graph_export_holds_that_scope_only(store: Store) -> None:
    maya = add(store, "Ana works at Feedzai", user_id="maya")
    bob = add(store, "Bob lives in Porto", user_id="bob", agent_id="a1")
    write(store, [("ana", "works_at", "feedzai")], [maya])
    write(store, [("bob", "lives_in", "porto")], [bob], scope=("bob", "a1", None))
    export_entities = store.export_entities  # type: ignore[attr-defined]
    export_relations = store.export_relations  # type: ignore[attr-defined]
    for scope, names in (({"user_id": "bob"}, {"bob", "porto"}),
                         ({"agent_id": "a1"}, {"bob", "porto"}),
                         ({"user_id": "maya"}, {"ana", "feedzai"}),
                         ({"user_id": "nobody"}, set()),
                         (None, {"ana", "feedzai", "bob", "porto"})):  # fmt: skip
        entities, _ = export_entities(0, 10, scope)
        relations, _ = export_relations(0, 10, scope)
        assert {e.name for e, _ in entities} == names
        assert {n for r in relations for n in (r.source, r.destination)} == names
    [row], cursor = export_relations(0, 1, {"user_id": "bob"})
    assert row.memory_ids == (bob,) and row.agent_id == "a1"
    assert export_relations(cursor, 10, {"user_id": "bob"}) == ([], cursor)
    ids = [e.id for e, _ in export_entities(0, 10)[0]]
    assert store.known_entities([*ids, "nope", ids[0]]) == set(ids)  # type: ignore[attr-defined]


def test_an_imported_graph_merges_into_the_one_held(store: Store) -> None:
    """Rows of another store meet this one's unique keys: an entity's name in its scope and a
    live triple. The endpoints resolve by name, the support joins the live relation held."""
    here = add(store, "Ana works at Feedzai", user_id="maya")
    there = add(store, "Ana still works at Feedzai", user_id="maya")
    write(store, [("ana", "works_at", "feedzai")], [here])
    [held] = store.list_relations({"user_id": "maya"}, None, True, 10)
    names = {e.name: e for e in store.list_entities({"user_id": "maya"}, 10)}
    import_graph = store.import_graph  # type: ignore[attr-defined]
    theirs = {
        n: EntityRecord(f"other-{n}", n, "thing", T0, T0, "maya") for n in ("ana", "feedzai", "rex")
    }
    rows = [(e, entity(e.name).vector) for e in theirs.values()]
    live = RelationRecord(
        "other-r1", theirs["ana"].id, "ana", "", "works_at", theirs["feedzai"].id, "feedzai", "",
        T1, T1, T1, None, (there,), "maya",
    )  # fmt: skip
    closed = replace(live, id="other-r2", relationship="owns", destination_id=theirs["rex"].id,
                     destination="rex", invalid_at=T2)  # fmt: skip
    dangling = replace(live, id="other-r3", destination_id="gone", destination="gone")
    assert import_graph(rows, [live, closed, dangling]) == (1, 1)  # rex; the closed relation
    assert import_graph(rows, [live, closed, dangling]) == (0, 0)
    entities = {e.name: e for e in store.list_entities({"user_id": "maya"}, 10)}
    assert entities["ana"] == names["ana"] and entities["rex"].id == "other-rex"
    relations = {
        r.relationship: r for r in store.list_relations({"user_id": "maya"}, None, True, 10)
    }
    assert relations.keys() == {"works_at", "owns"}
    assert relations["works_at"].id == held.id
    assert relations["works_at"].memory_ids == tuple(sorted([here, there]))
    owns = relations["owns"]
    assert (owns.source_id, owns.destination_id) == (names["ana"].id, "other-rex")
    assert (owns.valid_at, owns.invalid_at, owns.memory_ids) == (T1, T2, (there,))
