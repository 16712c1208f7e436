"""API keys over real HTTP: who gets in, with which rights, how fast, and what refusals say."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from engram.exceptions import ConfigurationError
from engram.server.app import is_loopback
from engram.server.run import check_bind
from engram.server.settings import ServerSettings, Settings
from tests.conftest import store_config
from tests.server.conftest import Serve, Served


def add(c: httpx.Client, text: str, **scope: Any) -> httpx.Response:
    return c.post(
        "/v3/memories/add/",
        json={"messages": [{"role": "user", "content": text}], "infer": False, **scope},
    )


def test_open_on_loopback_until_a_key_exists(served: Served) -> None:
    anonymous = served.client()
    assert add(anonymous, "hello", user_id="u").status_code == 200
    token, _ = served.keys.create("first")
    refused = anonymous.get("/v1/ping/")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Token")
    assert refused.json()["error"]["code"] == "missing_api_key"
    assert anonymous.get("/health").status_code == 200  # liveness needs no key
    assert anonymous.get("/ready").status_code == 200
    for headers in (
        {"Authorization": f"Token {token}"},
        {"Authorization": f"bearer {token}"},
        {"X-API-Key": token},
    ):
        assert anonymous.get("/v1/ping/", headers=headers).status_code == 200, headers
    for headers in (
        {"Authorization": f"Basic {token}"},
        {"Authorization": "Token"},
        {"Authorization": f"Token {token}x"},
        {"X-API-Key": "engram_0123456789abcdef_" + "A" * 43},
    ):
        r = anonymous.get("/v1/ping/", headers=headers)
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key", headers


def test_revoked_keys_stop_working(served: Served) -> None:
    token, key = served.keys.create("short-lived")
    c = served.client(token)
    assert c.get("/v1/ping/").status_code == 200
    served.keys.revoke(key.id)
    assert c.get("/v1/ping/").status_code == 401


def test_keys_are_trusted_for_key_cache_seconds(serve: Serve) -> None:
    served = serve(key_cache_seconds=0.5)
    token, key = served.keys.create("cached")
    c = served.client(token)
    assert c.get("/v1/ping/").status_code == 200
    served.keys.revoke(key.id)
    assert c.get("/v1/ping/").status_code == 200  # still cached in the server
    time.sleep(0.6)
    assert c.get("/v1/ping/").status_code == 401


def test_a_scoped_key_sees_its_scope_only(served: Served) -> None:
    admin_token, _ = served.keys.create("admin")
    admin = served.client(admin_token)
    secret = add(admin, "Bob's bank PIN is 1234", user_id="bob").json()["results"][0]["id"]
    add(admin, "Bob has a dog", user_id="bob", agent_id="helper")

    token, _ = served.keys.create("alice-bot", user_ids=["alice"])
    alice = served.client(token)
    mine = add(alice, "I like tea", user_id="alice").json()["results"][0]["id"]
    assert alice.get(f"/v1/memories/{mine}/").status_code == 200
    hits = alice.post(
        "/v3/memories/search/", json={"query": "tea", "filters": {"user_id": "alice"}}
    )
    assert [h["id"] for h in hits.json()["results"]] == [mine]

    for r in (
        add(alice, "I am bob", user_id="bob"),
        alice.post("/v3/memories/search/", json={"query": "PIN", "filters": {"user_id": "bob"}}),
        alice.post("/v3/memories/", json={"filters": {"user_id": "bob"}}),
        alice.get("/memories", params={"user_id": "bob"}),
        alice.delete("/v1/memories/", params={"user_id": "bob"}),
        alice.post("/search", json={"query": "PIN", "agent_id": "helper"}),  # no user_id named
    ):
        assert r.status_code == 403, r.text
        assert "1234" not in r.text and "PIN is" not in r.text
    # Filters cannot reach around the scope: they are ANDed with it.
    sneaky = alice.post(
        "/v3/memories/search/",
        json={"query": "PIN", "filters": {"user_id": "alice", "OR": [{"user_id": "bob"}]}},
    )
    assert sneaky.status_code == 200 and sneaky.json()["results"] == []
    around = alice.post(
        "/v3/memories/search/",
        json={"query": "PIN", "filters": {"AND": [{"user_id": "alice"}, {"user_id": "bob"}]}},
    )
    assert around.json()["results"] == []
    # A memory of another scope answers exactly as a missing one: no hint that it exists.
    for path in (f"/v1/memories/{secret}/", f"/v1/memories/{secret}/history/"):
        other = alice.get(path)
        unknown = alice.get(path.replace(secret, "00000000-0000-4000-8000-000000000000"))
        assert other.status_code == unknown.status_code == 404
        assert other.json()["error"]["code"] == unknown.json()["error"]["code"]
        assert "1234" not in other.text
    assert alice.put(f"/v1/memories/{secret}/", json={"text": "hacked"}).status_code == 404
    assert alice.delete(f"/v1/memories/{secret}/").status_code == 404
    assert (
        alice.put("/v1/batch/", json={"memories": [{"memory_id": secret, "text": "x"}]}).status_code
        == 404
    )
    assert (
        alice.request(
            "DELETE", "/v1/batch/", json={"memories": [{"memory_id": secret}]}
        ).status_code
        == 404
    )
    assert admin.get(f"/v1/memories/{secret}/").json()["memory"] == "Bob's bank PIN is 1234"
    # Listings of scopes show only the key's own ids; store-wide operations are refused.
    assert [e["name"] for e in alice.get("/v1/entities/").json()["results"]] == ["alice"]
    assert [e["id"] for e in alice.get("/entities").json()] == ["alice"]
    assert alice.post("/reset").status_code == 403
    assert alice.delete("/v2/entities/user/bob/").status_code == 403
    assert admin.get("/memories", params={"user_id": "bob"}).json()["results"]


def test_agent_scoped_and_read_only_keys(served: Served) -> None:
    admin = served.client(served.keys.create("admin")[0])
    kept = add(admin, "The deploy key rotates monthly", agent_id="ops", user_id="team").json()
    kept_id = kept["results"][0]["id"]
    reader = served.client(served.keys.create("reader", agent_ids=["ops"], read_only=True)[0])
    assert reader.get(f"/v1/memories/{kept_id}/").status_code == 200
    assert reader.get(f"/v1/memories/{kept_id}/history/").status_code == 200
    listed = reader.post("/v3/memories/", json={"filters": {"agent_id": "ops"}}).json()
    assert listed["count"] == 1
    for r in (
        add(reader, "x", agent_id="ops"),
        reader.put(f"/v1/memories/{kept_id}/", json={"text": "changed"}),
        reader.delete(f"/v1/memories/{kept_id}/"),
        reader.delete("/v1/memories/", params={"agent_id": "ops"}),
        reader.put("/v1/batch/", json={"memories": [{"memory_id": kept_id, "text": "x"}]}),
        reader.request("DELETE", "/v1/batch/", json={"memories": [{"memory_id": kept_id}]}),
        reader.post("/reset"),
    ):
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == "permission_denied"
    assert (
        "read-only" in reader.put(f"/v1/memories/{kept_id}/", json={"text": "x"}).json()["detail"]
    )
    unlimited_reader = served.client(served.keys.create("ro", read_only=True)[0])
    assert unlimited_reader.get(f"/v1/memories/{kept_id}/").status_code == 200
    assert add(unlimited_reader, "x", user_id="team").status_code == 403


def test_rate_limits_per_key(serve: Serve) -> None:
    served = serve(rate_limit=600)
    slow_token, _ = served.keys.create("slow", rate_limit=2)
    slow = served.client(slow_token)
    fast = served.client(served.keys.create("fast")[0])
    codes = [slow.get("/v1/ping/").status_code for _ in range(4)]
    assert codes[:2] == [200, 200] and codes[2:] == [429, 429]
    limited = slow.get("/v1/ping/")
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.json()["error"]["code"] == "rate_limited"
    assert all(fast.get("/v1/ping/").status_code == 200 for _ in range(20))  # its own bucket


def test_a_public_address_needs_keys(serve: Serve) -> None:
    served = serve(host="0.0.0.0")  # still listens on 127.0.0.1 in the test; the policy differs
    assert not served.gateway.open_access
    anonymous = served.client()
    assert anonymous.get("/v1/ping/").status_code == 401  # even with no key in the store
    insecure = serve(host="0.0.0.0", insecure=True)
    assert insecure.client().get("/v1/ping/").status_code == 200


def test_the_server_refuses_a_public_address_without_keys(tmp_path: Any) -> None:
    memory_config = store_config(tmp_path / "bind.db")
    public = Settings(memory=memory_config, server=ServerSettings(host="0.0.0.0"))
    with pytest.raises(ConfigurationError, match=r"refusing to listen on 0\.0\.0\.0") as caught:
        check_bind(public)
    assert "engram keys create" in str(caught.value.suggestion)
    check_bind(Settings(memory=memory_config, server=ServerSettings(host="0.0.0.0", insecure=True)))
    check_bind(Settings(memory=memory_config, server=ServerSettings(host="127.0.0.1")))
    from engram import Memory

    with Memory(memory_config) as m:
        m.api_keys.create("deploy")
    check_bind(public)  # a key exists now


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("127.0.0.2", True), ("0.0.0.0", False), ("192.168.1.4", False), ("example.com", False)],
)  # fmt: skip
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
