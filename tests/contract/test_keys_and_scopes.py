"""The Store contract for API keys and scope listing: every store keeps keys the same way."""

from __future__ import annotations

from engram.core.keys import ApiKey, digest_of, new_token
from engram.stores.base import Store
from tests.contract.backends import Backend
from tests.contract.test_store import T0, add

T1 = "2024-01-02T00:00:00.000000+00:00"


def key(name: str, **fields: object) -> ApiKey:
    key_id, token = new_token()
    return ApiKey(id=key_id, name=name, digest=digest_of(token), created_at=T0, **fields)  # type: ignore[arg-type]


def test_keys_are_stored_listed_and_revoked(store: Store, backend: Backend) -> None:
    open_key = key("open")
    scoped = key("scoped", scopes={"user_id": ("alice", "bob"), "agent_id": ("x",)},
                 read_only=True, rate_limit=12.5)  # fmt: skip
    store.put_key(open_key)
    store.put_key(scoped)
    assert store.get_key(open_key.id) == open_key
    assert store.get_key(scoped.id) == scoped
    assert store.get_key("0" * 16) is None
    assert {k.id for k in store.list_keys()} == {open_key.id, scoped.id}

    revoked = store.revoke_key(scoped.id, T1)
    assert revoked is not None and revoked.revoked_at == T1
    again = store.revoke_key(scoped.id, "2030-01-01T00:00:00.000000+00:00")
    assert again is not None and again.revoked_at == T1  # the first revocation time stays
    assert store.revoke_key("f" * 16, T1) is None
    # Keys are apart from memories: a reset keeps them, and a reopened store sees them.
    store.reset()
    store.close()
    reopened = backend.open()
    try:
        assert reopened.get_key(scoped.id) == revoked
        assert reopened.get_key(open_key.id) == open_key
    finally:
        reopened.close()


def test_scopes_count_each_id(store: Store) -> None:
    add(store, "a1", user_id="alice", agent_id="bot", created="2024-01-01T00:00:00.000000+00:00")
    add(store, "a2", user_id="alice", created="2024-03-01T00:00:00.000000+00:00")
    add(store, "b1", user_id="bob", run_id="r1")
    found = {(s.field, s.value): s for s in store.scopes(100)}
    assert set(found) == {
        ("user_id", "alice"), ("user_id", "bob"), ("agent_id", "bot"), ("run_id", "r1")
    }  # fmt: skip
    alice = found[("user_id", "alice")]
    assert alice.memories == 2
    assert alice.created_at == "2024-01-01T00:00:00.000000+00:00"
    assert alice.updated_at == "2024-03-01T00:00:00.000000+00:00"
    assert [(s.field, s.value) for s in store.scopes(1)] == [
        ("user_id", "alice"), ("agent_id", "bot"), ("run_id", "r1")
    ]  # fmt: skip
