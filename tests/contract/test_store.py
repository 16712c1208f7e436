"""The Store contract: what every store does the same way (CRUD, history, search, keyword
search, invalidation, unique inserts, transactions, concurrency, reopening)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest

from engram.core.filters import conjoin, parse_filters, shown_on
from engram.core.paging import Order, after, cursor_of
from engram.core.records import (
    Delete,
    Insert,
    Invalidate,
    MemoryRecord,
    Update,
    new_id,
    text_hash,
)
from engram.embedders.base import Vectors
from engram.exceptions import ConfigurationError, MemoryNotFoundError, StoreError
from engram.stores.base import Store
from tests.contract.backends import DIMENSION, EMBEDDER, Backend

T0 = "2024-01-01T00:00:00.000000+00:00"


def vec(*values: float) -> Vectors:
    """A unit vector of the contract dimension along ``values`` (zeros after).

    Embedders return unit vectors, and the stores may rely on it (SQLite scores with a
    dot product), so the contract only ever stores and queries unit vectors.
    """
    out = np.zeros(DIMENSION, dtype=np.float32)
    out[: len(values)] = values
    norm = float(np.linalg.norm(out))
    return out / norm if norm else out


def record(text: str, created: str = T0, **fields: Any) -> MemoryRecord:
    """A memory record with a fresh id."""
    return MemoryRecord(
        id=new_id(), text=text, hash=text_hash(text), created_at=created, updated_at=created,
        **fields,
    )  # fmt: skip


def add(store: Store, text: str, vector: Vectors | None = None, **fields: Any) -> str:
    """Insert one memory; its id."""
    r = record(text, **fields)
    [change] = store.apply([Insert(r, vec(1.0) if vector is None else vector)], T0)
    assert change.event == "ADD" and change.new == r
    return r.id


def test_insert_get_update_delete(store: Store) -> None:
    r = record("Alice likes tea", user_id="alice", metadata={"k": [1, {"x": None}]}, role="user")
    [change] = store.apply([Insert(r, vec(1.0))], T0)
    assert (change.event, change.old, change.new) == ("ADD", None, r)
    assert store.get(r.id) == r
    assert store.get("missing") is None
    [change] = store.apply([Update(r.id, "Alice likes coffee", vec(0.0, 1.0))], "T1")
    assert change.event == "UPDATE" and change.old == r
    updated = store.get(r.id)
    assert updated is not None and change.new == updated
    assert (updated.text, updated.hash) == ("Alice likes coffee", text_hash("Alice likes coffee"))
    assert (updated.metadata, updated.updated_at, updated.created_at) == (r.metadata, "T1", T0)
    store.apply([Update(r.id, "Alice likes cocoa", vec(1.0), metadata={"new": True})], "T2")
    assert store.get(r.id).metadata == {"new": True}  # type: ignore[union-attr]
    [change] = store.apply([Delete(r.id)], "T3")
    assert change.event == "DELETE" and change.new is None and change.old is not None
    assert store.get(r.id) is None and store.count() == 0


def test_history_rows_oldest_first_and_kept_after_delete(store: Store) -> None:
    r = record("v1", user_id="u", actor_id="bob", role="user")
    store.apply([Insert(r, vec(1.0))], T0)
    store.apply([Update(r.id, "v2", vec(1.0))], "T1")
    store.apply([Delete(r.id)], "T2")
    rows = store.history(r.id)
    assert [(h.event, h.old_memory, h.new_memory, h.is_deleted) for h in rows] == [
        ("ADD", None, "v1", False),
        ("UPDATE", "v1", "v2", False),
        ("DELETE", "v2", None, True),
    ]
    assert [h.updated_at for h in rows] == [T0, "T1", "T2"]
    assert {(h.memory_id, h.created_at, h.actor_id, h.role) for h in rows} == {
        (r.id, T0, "bob", "user")
    }
    assert len({h.id for h in rows}) == 3
    assert store.history("missing") == []


@pytest.mark.parametrize(
    "op", [Update("missing", "x", vec(1.0)), Delete("missing"), Invalidate("missing", T0)]
)
def test_unknown_ids_fail_and_roll_back_the_batch(store: Store, op: Update) -> None:
    with pytest.raises(MemoryNotFoundError) as info:
        store.apply([Insert(record("written first"), vec(1.0)), op], T0)
    assert info.value.memory_id == "missing"
    assert store.count() == 0


def test_failure_mid_operation_leaves_nothing_half_written(backend: Backend, store: Store) -> None:
    add(store, "already there", user_id="u")
    before = backend.counts()
    backend.inject_failure("third")
    batch = [Insert(record(text, user_id="u"), vec(1.0)) for text in ("first", "second", "third")]
    with pytest.raises(StoreError, match="rolled back"):
        store.apply([*batch, Insert(record("fourth"), vec(1.0))], T0)
    assert backend.counts() == before
    assert [r.text for r in store.list_memories(None, 10)] == ["already there"]
    add(store, "works again")
    assert backend.counts()["memories"] == before["memories"] + 1


def test_wrong_dimension_is_refused_and_writes_nothing(store: Store) -> None:
    with pytest.raises(StoreError, match="shape"):
        store.apply(
            [Insert(record("ok"), vec(1.0)), Insert(record("bad"), np.ones(3, dtype=np.float32))],
            T0,
        )
    assert store.count() == 0


def test_scopes_never_leak(store: Store) -> None:
    alice = add(store, "Alice's secret", vec(1.0), user_id="alice")
    add(store, "Bob's secret", vec(1.0), user_id="bob")
    add(store, "agent note", vec(1.0), agent_id="alice")
    where = parse_filters({"user_id": "alice"})
    assert [r.id for r in store.list_memories(where, 10)] == [alice]
    assert [r.id for r, _ in store.search(vec(1.0), where, 10, None)] == [alice]
    assert [r.id for r, _ in store.keyword_search("secret", where, 10)] == [alice]
    assert store.count(where) == 1


def test_search_scores_threshold_and_order(store: Store) -> None:
    same = add(store, "same", vec(1.0, 0.0), user_id="u")
    near = add(store, "near", vec(1.0, 1.0), user_id="u")
    orthogonal = add(store, "orthogonal", vec(0.0, 1.0), user_id="u")
    opposite = add(store, "opposite", vec(-1.0, 0.0), user_id="u")
    where = parse_filters({"user_id": "u"})
    hits = store.search(vec(2.0, 0.0), where, 10, None)
    assert [r.id for r, _ in hits] == [same, near, orthogonal, opposite]
    scores = [s for _, s in hits]
    assert scores == pytest.approx([1.0, 2**-0.5, 0.0, 0.0], abs=1e-5)
    assert [r.id for r, _ in store.search(vec(2.0), where, 10, 0.5)] == [same, near]
    assert [r.id for r, _ in store.search(vec(2.0), where, 10, 1.0 - 1e-5)] == [same]
    assert store.search(vec(2.0), where, 1, None)[0][0].id == same
    assert store.search(vec(2.0), parse_filters({"user_id": "nobody"}), 10, None) == []


def test_ties_and_listing_order(store: Store) -> None:
    first = add(store, "first", created="2024-01-01T00:00:00.000000+00:00")
    second = add(store, "second", created="2024-01-01T00:00:00.000000+00:00")
    newest = add(store, "newest", created="2024-03-01T00:00:00.000000+00:00")
    oldest = add(store, "oldest", created="2023-12-31T23:59:59.999999+00:00")
    assert [r.id for r in store.list_memories(None, 10)] == [newest, second, first, oldest]
    assert [r.id for r in store.list_memories(None, 2)] == [newest, second]
    assert [r.id for r, _ in store.search(vec(1.0), None, 10, None)] == [
        first, second, newest, oldest,
    ]  # fmt: skip


def test_ordered_listing_and_keyset_pages(store: Store) -> None:
    """Every order lists by its field, ties by id in the same direction, and the keyset filter
    after a cursor continues it exactly, whatever the page size."""
    days = ["2024-01-01", "2024-01-01", "2024-01-01", "2024-02-01", "2023-12-01", "2024-01-15"]
    made = [add(store, f"m{i}", created=f"{day}T00:00:00.000000+00:00", user_id="u")
            for i, day in enumerate(days)]  # fmt: skip
    add(store, "another scope", user_id="v")
    # Two are changed later: updated_at orders differently from created_at.
    store.apply([Update(made[4], "m4 again", vec(1.0))], "2024-06-01T00:00:00.000000+00:00")
    store.apply([Update(made[0], "m0 again", vec(1.0))], "2024-05-01T00:00:00.000000+00:00")
    where = parse_filters({"user_id": "u"})
    rows = {r.id: r for r in store.list_memories(where, 100)}
    assert set(rows) == set(made)
    orders = (Order(), Order(descending=False), Order("updated_at"), Order("updated_at", False))
    for order in orders:
        keys = {i: (getattr(rows[i], order.field), i) for i in made}
        expected = sorted(made, key=keys.__getitem__, reverse=order.descending)
        assert [r.id for r in store.list_memories(where, 100, order)] == expected, order
        for size in (1, 2, 4):
            walked: list[str] = []
            cursor: str | None = None
            while True:
                page = store.list_memories(conjoin(where, after(order, cursor)), size, order)
                walked += [r.id for r in page]
                if len(page) < size:
                    break
                cursor = cursor_of(page[-1], order)
            assert walked == expected, (order, size)


def test_keyword_search_is_stemmed_within_the_filter(store: Store) -> None:
    add(store, "Caroline went climbing with friends.", user_id="a")
    add(store, "Caroline climbs every weekend; climbing is her passion.", user_id="a")
    add(store, "Mel painted a sunset.", user_id="a")
    add(store, "Caroline climbed too.", user_id="b")
    where = parse_filters({"user_id": "a"})
    hits = store.keyword_search("Who climbed?", where, 10)
    assert [r.text for r, _ in hits] == [
        "Caroline climbs every weekend; climbing is her passion.",
        "Caroline went climbing with friends.",
    ]
    assert hits[0][1] > hits[1][1] > 0
    assert len(store.keyword_search("Who climbed?", where, 1)) == 1
    assert store.keyword_search('"); DROP TABLE memories; --', where, 5) == []
    assert store.keyword_search("?! & | :*", where, 5) == []
    assert store.count() == 4


def test_keyword_search_follows_updates_and_deletes(store: Store) -> None:
    memory_id = add(store, "Alice loves climbing mountains")
    assert [r.id for r, _ in store.keyword_search("climb", None, 5)] == [memory_id]
    store.apply([Update(memory_id, "Alice loves sailing", vec(1.0))], "T1")
    assert store.keyword_search("climb", None, 5) == []
    assert [r.id for r, _ in store.keyword_search("sails", None, 5)] == [memory_id]
    store.apply([Delete(memory_id)], "T2")
    assert store.keyword_search("sailing", None, 5) == []


def test_invalidate_keeps_the_memory(store: Store) -> None:
    kept = add(store, "Alice lives in Paris.", user_id="u")
    old = add(store, "Alice lives in Rome.", user_id="u")
    [change] = store.apply([Invalidate(old, "2025-06-01T00:00:00.000000+00:00")], "T1")
    assert change.event == "DELETE" and change.new is not None
    assert change.new.invalid_at == "2025-06-01T00:00:00.000000+00:00"
    assert store.get(old) == change.new and change.new.updated_at == "T1"
    valid = parse_filters({"user_id": "u", "invalid_at": None})
    assert [r.id for r, _ in store.search(vec(1.0), valid, 10, None)] == [kept]
    assert [r.id for r in store.list_memories(valid, 10)] == [kept]
    assert store.count(parse_filters({"user_id": "u"})) == 2
    last = store.history(old)[-1]
    assert (last.event, last.old_memory, last.new_memory, last.is_deleted) == (
        "DELETE", "Alice lives in Rome.", None, False,
    )  # fmt: skip


def test_unique_inserts_of_one_fact_make_one_memory(store: Store) -> None:
    def insert(worker: int) -> str:
        r = record("Alice is vegetarian.", user_id="alice")
        [change] = store.apply([Insert(r, vec(1.0), unique=True)], T0)
        return str(change.event)

    with ThreadPoolExecutor(8) as pool:
        events = list(pool.map(insert, range(16)))
    assert sorted(events) == ["ADD"] + ["NONE"] * 15
    [survivor] = store.list_memories(None, 10)
    assert [h.event for h in store.history(survivor.id)] == ["ADD"]
    other = record("Alice is vegetarian.", user_id="bob")
    assert store.apply([Insert(other, vec(1.0), unique=True)], T0)[0].event == "ADD"
    store.apply([Invalidate(survivor.id, T0)], T0)
    again = record("Alice is vegetarian.", user_id="alice")
    assert store.apply([Insert(again, vec(1.0), unique=True)], T0)[0].event == "ADD"
    [none] = store.apply([Insert(record("Alice is vegetarian.", user_id="alice"), vec(1.0),
                                 unique=True)], T0)  # fmt: skip
    assert (none.event, none.memory_id, none.old) == ("NONE", again.id, again)


def test_many_inserts_in_one_batch(store: Store) -> None:
    inserts = [Insert(record(f"fact {i}", user_id=f"u{i % 3}"), vec(1.0, i)) for i in range(100)]
    changes = store.apply(inserts, T0)
    assert [c.memory_id for c in changes] == [op.record.id for op in inserts]
    assert store.count() == 100 and store.count(parse_filters({"user_id": "u1"})) == 33
    assert store.get(inserts[57].record.id) == inserts[57].record
    assert len(store.history(inserts[99].record.id)) == 1


def test_eight_concurrent_writers_lose_nothing(store: Store) -> None:
    errors: list[BaseException] = []
    added: list[str] = []
    lock = threading.Lock()

    def work(worker: int) -> None:
        try:
            for i in range(60):
                if i % 3 == 2:
                    store.search(vec(1.0, i), parse_filters({"user_id": f"u{worker}"}), 5, None)
                    continue
                r = record(f"worker {worker} fact {i}", user_id=f"u{worker}")
                store.apply([Insert(r, vec(1.0, i))], T0)
                with lock:
                    added.append(r.id)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(added) == 8 * 40 == len(set(added)) == store.count()
    assert {r.id for r in store.list_memories(None, 1000)} == set(added)
    assert all(store.count(parse_filters({"user_id": f"u{n}"})) == 40 for n in range(8))


def test_reopening_keeps_everything(backend: Backend, store: Store) -> None:
    memory_id = add(store, "Alice likes tea", vec(0.0, 1.0), user_id="alice", metadata={"a": 1})
    store.apply([Update(memory_id, "Alice likes green tea", vec(0.0, 1.0))], "T1")
    before = (store.get(memory_id), store.history(memory_id))
    store.close()
    store.close()  # closing twice is harmless
    with pytest.raises(StoreError, match="closed"):
        store.get(memory_id)
    again = backend.open()
    try:
        assert (again.get(memory_id), again.history(memory_id)) == before
        [(hit, score)] = again.search(vec(0.0, 2.0), parse_filters({"user_id": "alice"}), 5, None)
        assert hit.id == memory_id and score == pytest.approx(1.0, abs=1e-5)
    finally:
        again.close()


def test_unopened_store_refuses_work(backend: Backend) -> None:
    with pytest.raises(StoreError, match="not open"):
        backend.make().count()


def test_another_embedder_is_a_configuration_error(backend: Backend, store: Store) -> None:
    other = backend.make()
    with pytest.raises(ConfigurationError) as info:
        other.open("openai:text-embedding-3-small", 1536)
    assert EMBEDDER in str(info.value) and "1536" in str(info.value)
    other.close()


def test_other_weights_of_the_embedder_are_a_configuration_error(backend: Backend) -> None:
    """A store records the SHA-256 of its embedder's weights (once known) and refuses others."""
    first = backend.make()
    first.open(EMBEDDER, DIMENSION)  # made before weights were recorded
    first.close()
    for weights in ("a" * 64, None, "a" * 64):  # recorded at the first open that knows them
        again = backend.make()
        again.open(EMBEDDER, DIMENSION, weights)
        again.close()
    other = backend.make()
    with pytest.raises(ConfigurationError) as info:
        other.open(EMBEDDER, DIMENSION, "b" * 64)
    assert "other weights" in str(info.value) and "aaaaaaaaaaaa" in str(info.value)
    assert info.value.details["stored"]["weights"] == "a" * 64
    other.close()


def test_reset_erases_memories_and_history(store: Store) -> None:
    memory_id = add(store, "gone soon")
    store.reset()
    assert store.count() == 0 and store.history(memory_id) == []
    assert store.keyword_search("gone", None, 5) == []
    add(store, "after reset")
    assert store.count() == 1


def test_neighbours_in_insertion_order_within_the_scope(store: Store) -> None:
    first = add(store, "turn one", user_id="u", run_id="r")
    add(store, "other scope", user_id="u")
    second = add(store, "turn two", user_id="u", run_id="r", metadata={"skip": True})
    third = add(store, "turn three", user_id="u", run_id="r")
    found = store.neighbours([second, "missing", third], None)
    assert set(found) == {second, third}
    assert [r and r.id for r in found[second]] == [first, third]
    assert [r and r.id for r in found[third]] == [second, None]
    skipping = store.neighbours([third], parse_filters({"NOT": {"skip": True}}))
    assert [r and r.id for r in skipping[third]] == [first, None]
    assert store.neighbours([], None) == {}


def test_keyword_search_reaches_the_speaker_and_imported_rows(store: Store) -> None:
    said = add(store, "I will bring the cake", user_id="u", actor_id="Maya")
    add(store, "I will bring drinks", user_id="u", actor_id="Leo")
    assert [r.id for r, _ in store.keyword_search("what did Maya say", None, 5)] == [said]


def test_expiration_dates_are_kept_and_hide_memories_from_shown_on(store: Store) -> None:
    """mem0 2.x's expiration date: stored, changed by Update, and ``shown_on(day)`` keeps
    the memories without one or not expired on that day (the SQLite vector cache too)."""
    scope = {"user_id": "u"}
    never = add(store, "never expires", vec(1.0), **scope)
    old = add(store, "expired", vec(1.0, 0.1), expiration_date="2024-05-01", **scope)
    today = add(store, "last day", vec(1.0, 0.2), expiration_date="2024-05-02", **scope)
    assert store.get(old) is not None and store.get(old).expiration_date == "2024-05-01"  # type: ignore[union-attr]
    where = conjoin(parse_filters(scope), shown_on("2024-05-02"))
    assert {r.id for r, _ in store.search(vec(1.0), where, 10, None)} == {never, today}
    assert {r.id for r in store.list_memories(where, 10)} == {never, today}
    assert {r.id for r, _ in store.keyword_search("expires expired last", where, 10)} <= {
        never,
        today,
    }
    neighbours = store.neighbours([never], where)[never]
    assert [n.id if n else None for n in neighbours] == [None, today]  # "expired" is skipped
    store.apply([Update(old, "expired", vec(1.0, 0.1), set_expiration=True)], T0)
    assert {r.id for r, _ in store.search(vec(1.0), where, 10, None)} == {never, old, today}
    store.apply(
        [Update(never, "never", vec(1.0), set_expiration=True, expiration_date="2000-01-01")], T0
    )
    assert store.get(never).expiration_date == "2000-01-01"  # type: ignore[union-attr]
    assert {r.id for r, _ in store.search(vec(1.0), where, 10, None)} == {old, today}
    filtered = conjoin(parse_filters({"user_id": "u", "expiration_date": {"lt": "2024-06-01"}}))
    assert {r.id for r in store.list_memories(filtered, 10)} == {never, today}
