"""mem0's self-hosted server routes, over real HTTP, and engram's own routes and docs."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.server.conftest import Serve, Served


def add(c: httpx.Client, text: str, **body: Any) -> str:
    body.setdefault("infer", False)
    r = c.post("/memories", json={"messages": [{"role": "user", "content": text}], **body})
    assert r.status_code == 200, r.text
    memory_id: str = r.json()["results"][0]["id"]
    return memory_id


def test_memories_crud_search_history(served: Served) -> None:
    c = served.client()
    first = c.post(
        "/memories",
        json={
            "messages": [
                {"role": "user", "content": "I like green tea.", "name": "Ana"},
                {"role": "assistant", "content": "Noted!"},
            ],
            "user_id": "ana",
            "metadata": {"topic": "drinks"},
            "infer": False,
            "timestamp": "2024-05-01T10:00:00Z",
        },
    )
    assert first.status_code == 200
    body = first.json()
    assert body["relations"] == [] and [e["event"] for e in body["results"]] == ["ADD", "ADD"]
    tea = body["results"][0]["id"]
    got = c.get(f"/memories/{tea}").json()
    assert got["memory"] == "I like green tea." and got["actor_id"] == "Ana"
    assert got["metadata"] == {"topic": "drinks"} and got["created_at"].startswith("2024-05-01")

    add(c, "I play chess on Sundays", user_id="ana")
    add(c, "Secret of bob", user_id="bob")
    listed = c.get("/memories", params={"user_id": "ana"}).json()
    assert len(listed["results"]) == 3 and "relations" in listed
    assert len(c.get("/memories", params={"user_id": "ana", "top_k": 1}).json()["results"]) == 1

    found = c.post("/search", json={"query": "what does Ana drink?", "user_id": "ana"}).json()
    assert found["results"][0]["id"] == tea and 0 < found["results"][0]["score"] <= 1
    assert all(r["user_id"] == "ana" for r in found["results"])
    in_filters = c.post(
        "/search", json={"query": "tea", "filters": {"user_id": "ana", "topic": "drinks"}}
    ).json()
    assert in_filters["results"][0]["id"] == tea  # the assistant's turn has the metadata too
    assert {r["metadata"]["topic"] for r in in_filters["results"]} == {"drinks"}
    explained = c.post(
        "/search", json={"query": "tea", "user_id": "ana", "top_k": 1, "explain": True}
    ).json()["results"]
    assert len(explained) == 1 and "semantic" in explained[0]["score_parts"]
    assert (
        c.post("/search", json={"query": "tea", "user_id": "ana", "threshold": 1}).json()["results"]
        == []
    )

    updated = c.put(f"/memories/{tea}", json={"text": "I like oolong tea."})
    assert updated.json() == {"message": "Memory updated successfully!", "id": tea}
    meta_only = c.put(f"/memories/{tea}", json={"metadata": {"topic": "tea"}})
    assert meta_only.status_code == 200
    now = c.get(f"/memories/{tea}").json()
    assert now["memory"] == "I like oolong tea." and now["metadata"] == {"topic": "tea"}
    history = c.get(f"/memories/{tea}/history").json()
    assert [h["event"] for h in history] == ["ADD", "UPDATE", "UPDATE"]
    assert history[1]["old_memory"] == "I like green tea."

    assert c.delete(f"/memories/{tea}").json() == {"message": "Memory deleted successfully"}
    assert c.get(f"/memories/{tea}").status_code == 404
    assert [h["event"] for h in c.get(f"/memories/{tea}/history").json()][-1] == "DELETE"

    gone = c.delete("/memories", params={"user_id": "ana"}).json()
    assert gone == {"message": "All relevant memories deleted", "deleted": 2}
    assert c.get("/memories", params={"user_id": "ana"}).json()["results"] == []
    assert len(c.get("/memories", params={"user_id": "bob"}).json()["results"]) == 1


def test_add_infers_facts_offline_by_default(served: Served) -> None:
    c = served.client()
    r = c.post(
        "/memories",
        json={
            "messages": [
                {"role": "user", "content": "Hi! I moved to Porto. Do you know any cafés?"}
            ],
            "user_id": "u",
        },
    )
    texts = [e["memory"] for e in r.json()["results"]]
    assert texts == ["I moved to Porto."]  # the greeting and the question are not kept


def test_scopes_entities_and_reset(served: Served) -> None:
    c = served.client()
    add(c, "one", user_id="u1", agent_id="a1")
    add(c, "two", user_id="u2", run_id="r1")
    entities = c.get("/entities").json()
    assert {(e["type"], e["id"]) for e in entities} == {
        ("user", "u1"), ("user", "u2"), ("agent", "a1"), ("run", "r1")
    }  # fmt: skip
    assert c.delete("/entities/user/u1").json() == {"message": "Entity deleted"}
    assert c.get("/memories", params={"user_id": "u1"}).json()["results"] == []
    assert c.delete("/entities/app/x").status_code == 422
    assert c.post("/reset").json() == {"message": "All memories reset"}
    assert c.get("/entities").json() == []


def test_configure(serve: Serve) -> None:
    locked = serve()
    c = locked.client()
    config = c.get("/configure").json()
    assert config["vector_store"]["provider"] == "sqlite" and config["version"] == "v1.1"
    refused = c.post("/configure", json={"version": "v1.1"})
    assert refused.status_code == 403
    assert "--allow-configure" in refused.json()["error"]["suggestion"]

    open_ = serve(allow_configure=True)
    c = open_.client()
    path = open_.memory.config.vector_store.config.path
    bad = c.post("/configure", json={"vector_store": {"provider": "nope"}})
    assert bad.status_code == 409 and "nope" in bad.json()["detail"]
    add(c, "kept", user_id="u")
    new = {"vector_store": {"provider": "sqlite", "config": {"path": str(path) + ".2"}},
           "llm": {"provider": "openai", "config": {"api_key": "sk-secret-value"}},
           "embedder": {"provider": "onnx", "config": {}}}  # fmt: skip
    assert c.post("/configure", json=new).json() == {"message": "Configuration set successfully"}
    assert c.get("/memories", params={"user_id": "u"}).json()["results"] == []  # a new store
    shown = c.get("/configure").json()
    assert shown["llm"]["config"]["api_key"] == "[redacted]"
    assert "sk-secret-value" not in c.get("/configure").text


def test_health_ready_explain_docs(served: Served) -> None:
    c = served.client()
    assert c.get("/health").json()["status"] == "ok"
    assert c.get("/ready").json() == {"status": "ready"}
    add(c, "I keep bees in the garden", user_id="u")
    explained = c.post("/explain", json={"query": "bees", "user_id": "u"}).json()["results"]
    assert explained[0]["score_parts"]["lexical"] > 0
    home = c.get("/", follow_redirects=False)
    assert home.status_code == 307 and home.headers["location"] == "/docs"

    spec = c.get("/openapi.json").json()
    for path in ("/memories", "/search", "/v3/memories/add/", "/v1/ping/", "/explain"):
        assert path in spec["paths"], path
    assert {"Token", "XApiKey"} <= set(spec["components"]["securitySchemes"])
    for page in ("/docs", "/redoc"):
        html = c.get(page).text
        assert "/openapi.json" in html
        # Served offline: every script, style and icon is on this server.
        urls = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert urls and all(u.startswith("/docs/assets/") for u in urls), urls
        for url in urls:
            asset = c.get(url)
            assert asset.status_code == 200 and len(asset.content) > 1000


def test_cors(serve: Serve) -> None:
    c = serve(cors_origins=["https://app.example"]).client()
    allowed = c.options(
        "/v1/ping/",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
    )
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    other = c.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_docs_can_be_turned_off(serve: Serve) -> None:
    c = serve(docs=False).client()
    assert c.get("/docs").status_code == 404
    assert c.get("/openapi.json").status_code == 200
