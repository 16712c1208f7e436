"""API keys: tokens, their validation, and what a key's grant allows."""

from __future__ import annotations

import hmac
from pathlib import Path

import pytest

from engram import Memory, PermissionDeniedError, ValidationError
from engram.core.effects import run_sync
from engram.core.keys import PREFIX, ApiKey, Grant, create_key, digest_of, key_id_of, new_token
from engram.embedders.onnx import OnnxEmbedder
from engram.exceptions import ConfigurationError
from engram.stores.base import Store
from tests.conftest import store_config

NOW = "2024-01-01T00:00:00.000000+00:00"


def test_tokens_are_random_and_carry_their_id() -> None:
    key_id, token = new_token()
    other_id, other = new_token()
    assert token.startswith(PREFIX) and len(token) == len(other) == 7 + 16 + 1 + 43
    assert key_id != other_id and token != other
    assert key_id_of(token) == key_id
    for bad in ("", "engram_x", token[:-1], token + "x", "Token " + token, token.upper()):
        assert key_id_of(bad) is None
    assert digest_of(token) != digest_of(other) and len(digest_of(token)) == 64


def test_the_store_keeps_only_the_digest(memory: Memory, db_path: Path) -> None:
    token, key = memory.api_keys.create("bot", user_ids=["alice"], read_only=True)
    assert key.digest == digest_of(token) and token not in repr(key)
    assert token.encode() not in db_path.read_bytes()
    assert token.split("_")[-1].encode() not in db_path.read_bytes()
    assert memory.api_keys.authenticate(token) == key
    wrong = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert memory.api_keys.authenticate(wrong) is None  # right id, wrong secret
    assert memory.api_keys.authenticate("engram_" + "0" * 16 + "_" + "A" * 43) is None
    assert memory.api_keys.authenticate("not a key") is None
    assert memory.api_keys.count() == 1
    memory.api_keys.revoke(key.id)
    assert memory.api_keys.authenticate(token) is None
    assert memory.api_keys.count() == 0
    assert memory.api_keys.list() == []
    assert [k.id for k in memory.api_keys.list(include_revoked=True)] == [key.id]


def test_digests_are_compared_in_constant_time(
    memory: Memory, monkeypatch: pytest.MonkeyPatch
) -> None:
    token, _ = memory.api_keys.create("bot")
    compared: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr("engram.core.keys.hmac.compare_digest", spy)
    assert memory.api_keys.authenticate(token) is not None
    assert compared == [(digest_of(token), digest_of(token))]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": 3}, "name"),
        ({"name": "k", "rate_limit": 0}, "rate_limit"),
        ({"name": "k", "rate_limit": True}, "rate_limit"),
        ({"name": "k", "rate_limit": float("inf")}, "rate_limit"),
        ({"name": "k", "scopes": {"app_id": ["a"]}}, "scopes"),
        ({"name": "k", "scopes": {"user_id": []}}, "scopes"),
        ({"name": "k", "scopes": {"user_id": [""]}}, "scopes"),
        ({"name": "k", "scopes": {"user_id": [3]}}, "scopes"),
    ],
)
def test_bad_key_settings_name_their_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        next(create_key(now=NOW, **kwargs))  # type: ignore[arg-type]
    assert caught.value.field == field


def test_revoking_an_unknown_key_says_so(memory: Memory) -> None:
    with pytest.raises(ValidationError, match="no API key has the id") as caught:
        memory.api_keys.revoke("0123456789abcdef")
    assert caught.value.field == "key_id"
    with pytest.raises(ValidationError):
        memory.api_keys.revoke("")


def key(**fields: object) -> ApiKey:
    return ApiKey(id="k", name="k", digest="d", created_at=NOW, **fields)  # type: ignore[arg-type]


def test_an_open_grant_allows_everything() -> None:
    grant = Grant(None)
    assert grant.unlimited
    assert grant.scope({"user_id": None, "agent_id": None}, write=True) == {
        "user_id": None, "agent_id": None
    }  # fmt: skip
    grant.require_unlimited("reset")
    assert grant.covers({})


def test_a_scoped_grant_needs_one_of_its_ids() -> None:
    grant = Grant(key(scopes={"user_id": ("alice", "bob")}))
    assert not grant.unlimited
    assert grant.scope({"user_id": "bob", "run_id": "r"}, write=True)["user_id"] == "bob"
    with pytest.raises(PermissionDeniedError, match="name one of them") as missing:
        grant.scope({"agent_id": "x"}, write=False)
    assert "alice" not in str(missing.value) and "bob" not in str(missing.value)
    with pytest.raises(PermissionDeniedError, match="may not use user_id 'carol'") as other:
        grant.scope({"user_id": "carol"}, write=False)
    assert "alice" not in str(other.value)
    with pytest.raises(PermissionDeniedError):
        grant.require_unlimited("reset")
    assert grant.covers({"user_id": "alice", "agent_id": "any"})
    assert not grant.covers({"user_id": "carol"})
    assert not grant.covers({"agent_id": "x"})


def test_a_read_only_grant_refuses_writes_only() -> None:
    grant = Grant(key(read_only=True))
    assert grant.scope({"user_id": "a"}, write=False) == {"user_id": "a"}
    with pytest.raises(PermissionDeniedError, match="read-only"):
        grant.scope({"user_id": "a"}, write=True)
    with pytest.raises(PermissionDeniedError, match="read-only"):
        grant.require_write()
    with pytest.raises(PermissionDeniedError, match="limited"):
        grant.require_unlimited("configure")
    assert key(read_only=True).describe()["read_only"] is True


def test_a_store_without_keys_says_so(tmp_path: Path, embedder: OnnxEmbedder) -> None:
    with Memory(store_config(tmp_path / "m.db"), embedder=embedder) as m:
        store = m.store
        for call in (
            lambda: Store.put_key(store, key()),
            lambda: Store.get_key(store, "k"),
            lambda: Store.list_keys(store),
            lambda: Store.revoke_key(store, "k", NOW),
            lambda: Store.scopes(store, 10),
        ):
            with pytest.raises(ConfigurationError, match="SQLiteStore store"):
                call()
        assert run_sync(create_key("ok", now=NOW), m._runtime)[1].name == "ok"
