"""The Store contract for idempotent batches (``Remember``): recorded with the writes, replayed
instead of written again, refused for another request, taken in turn by concurrent retries."""

from __future__ import annotations

import threading

import pytest

from engram.core.records import Change, Insert, Remember, Update
from engram.exceptions import StoreError, ValidationError
from engram.stores.base import Committed, Store
from tests.contract.backends import Backend
from tests.contract.test_store import T0, add, record, vec

LATER = "2030-01-01T00:00:00.000000+00:00"


def test_a_batch_is_recorded_with_its_writes_and_replayed(store: Store) -> None:
    existing = record("already known", user_id="u")
    store.apply([Insert(existing, vec(1.0))], T0)
    none = Change("NONE", existing.id, existing, existing)
    new = record("a new fact", user_id="u")
    op = Remember("token-1", "print-1", unchanged=(none,))
    changes = store.apply([Insert(new, vec(0.0, 1.0)), op], T0)
    assert [(c.event, c.memory_id) for c in changes] == [("ADD", new.id), ("NONE", existing.id)]
    assert store.recall("token-1") == ("print-1", Committed(changes))
    assert store.recall("token-2") is None
    again = store.apply([Insert(record("a new fact", user_id="u"), vec(0.0, 1.0)), op], T0)
    assert again == changes
    assert store.count() == 2 and len(store.history(new.id)) == 1


def test_a_token_reused_for_another_request_is_refused(store: Store) -> None:
    store.apply([Insert(record("first"), vec(1.0)), Remember("t", "print-a")], T0)
    with pytest.raises(ValidationError, match="different request") as info:
        store.apply([Insert(record("second"), vec(1.0)), Remember("t", "print-b")], T0)
    assert info.value.field == "idempotency_key"
    assert store.count() == 1


def test_a_batch_that_writes_nothing_is_recorded_too(store: Store) -> None:
    assert store.apply([Remember("empty", "print")], T0) == []
    assert store.recall("empty") == ("print", Committed([]))


def test_a_failed_batch_records_no_token(backend: Backend, store: Store) -> None:
    add(store, "already there")
    before = backend.counts()
    backend.inject_failure("boom")
    with pytest.raises(StoreError, match="rolled back"):
        store.apply([Insert(record("boom"), vec(1.0)), Remember("t", "p")], T0)
    assert backend.counts() == before and store.recall("t") is None


def test_expired_tokens_are_forgotten_and_reset_forgets_all(store: Store) -> None:
    store.apply([Remember("old", "p")], T0)
    store.apply([Remember("new", "p", expires_before=T0 + "~")], LATER)
    assert store.recall("old") is None and store.recall("new") is not None
    store.reset()
    assert store.recall("new") is None


def test_updates_are_replayed_with_their_records(store: Store) -> None:
    memory_id = add(store, "Alice likes tea")
    op = Remember("u", "p")
    [change] = store.apply([Update(memory_id, "Alice likes coffee", vec(1.0)), op], T0)
    assert store.apply([Update(memory_id, "Alice likes coffee", vec(1.0)), op], T0) == [change]
    assert change.old is not None and change.old.text == "Alice likes tea"
    assert len(store.history(memory_id)) == 2


def test_concurrent_retries_write_once(store: Store) -> None:
    results: list[list[Change]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def retry(n: int) -> None:
        try:
            batch = [Insert(record(f"attempt {n}", user_id="u"), vec(1.0, n)) for _ in range(3)]
            changes = store.apply([*batch, Remember("shared", "same request")], T0)
            with lock:
                results.append(changes)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=retry, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.count() == 3
    assert all(changes == results[0] for changes in results)
