"""The mem0 Platform routes, over real HTTP, as mem0's clients send them (paths, bodies,
query parameters) and in the cases the clients do not reach (pagination, refusals)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.server.conftest import Served


def add(c: httpx.Client, *texts: str, **body: Any) -> list[str]:
    body.setdefault("infer", False)
    messages = [{"role": "user", "content": t} for t in texts]
    r = c.post("/v3/memories/add/", json={"messages": messages, **body})
    assert r.status_code == 200, r.text
    return [e["id"] for e in r.json()["results"]]


def test_ping_add_get_search(served: Served) -> None:
    token, key = served.keys.create("platform")
    c = served.client(token)
    ping = c.get("/v1/ping/").json()
    assert ping["status"] == "ok" and ping["key"] == {"id": key.id, "name": "platform"}
    assert ping["org_id"] and ping["project_id"]

    added = c.post(
        "/v3/memories/add/",
        json={"messages": "I am allergic to peanuts", "filters": {"user_id": "al"},
              "infer": False, "output_format": "v1.1", "version": "v2", "app_id": "shop",
              "metadata": {"k": 1}},
    ).json()  # fmt: skip
    assert added["status"] == "SUCCEEDED"
    [item] = added["results"]
    assert item["event"] == "ADD" and item["data"] == {"memory": "I am allergic to peanuts"}
    got = c.get(f"/v1/memories/{item['id']}/").json()
    assert got["user_id"] == "al" and got["metadata"] == {"k": 1, "app_id": "shop"}

    add(c, "I live in Lyon", "I have a cat named Miso", user_id="al")
    add(c, "Bob's secret", user_id="bob")
    hits = c.post(
        "/v3/memories/search/",
        json={"query": "what is al allergic to?", "filters": {"user_id": "al"}},
    ).json()
    assert hits["results"][0]["id"] == item["id"] and len(hits["results"]) == 3
    assert all(h["user_id"] == "al" for h in hits["results"])
    by_app = c.post(
        "/v3/memories/search/",
        json={"query": "food", "filters": {"user_id": "al", "app_id": "shop"}},
    ).json()
    assert [h["id"] for h in by_app["results"]] == [item["id"]]
    top = c.post("/v3/memories/search/", json={"query": "x", "filters": {"user_id": "al"},
                                                "top_k": 1, "rerank": False}).json()  # fmt: skip
    assert len(top["results"]) == 1


def test_refused_fields_name_themselves(served: Served) -> None:
    c = served.client()
    r = c.post(
        "/v3/memories/add/",
        json={"messages": [{"role": "user", "content": "x"}], "user_id": "u",
              "expiration_date": "2030-01-01"},
    )  # fmt: skip
    assert r.status_code == 422 and "expiration_date" in r.json()["detail"]
    [memory_id] = add(c, "x", user_id="u")
    for field, value in (("timestamp", 1700000000), ("expiration_date", "2030-01-01")):
        r = c.put(f"/v1/memories/{memory_id}/", json={field: value})
        assert r.status_code == 422 and field in r.json()["detail"]
    assert c.put(f"/v1/memories/{memory_id}/", json={}).status_code == 422
    no_scope = c.post("/v3/memories/add/", json={"messages": "x", "app_id": "only"})
    assert no_scope.status_code == 422
    assert no_scope.json()["error"]["details"]["field"] == "user_id"


def test_get_all_pages(served: Served) -> None:
    c = served.client()
    ids = add(c, *[f"fact number {i}" for i in range(7)], user_id="p")
    first = c.post("/v3/memories/", params={"page": 1, "page_size": 3},
                   json={"filters": {"user_id": "p"}}).json()  # fmt: skip
    assert first["count"] == 7 and len(first["results"]) == 3 and first["previous"] is None
    assert "page=2" in first["next"] and "page_size=3" in first["next"]
    last = c.post("/v3/memories/", json={"filters": {"user_id": "p"}, "page": 3,
                                         "page_size": 3}).json()  # fmt: skip
    assert len(last["results"]) == 1 and last["next"] is None and "page=2" in last["previous"]
    everything = c.post("/v3/memories/", json={"filters": {"user_id": "p"}}).json()
    assert {m["id"] for m in everything["results"]} == set(ids) and everything["next"] is None
    filtered = c.post(
        "/v3/memories/",
        json={"filters": {"AND": [{"user_id": "p"}, {"memory": {"icontains": "NUMBER 6"}}]}},
    ).json()
    assert [m["memory"] for m in filtered["results"]] == ["fact number 6"]
    assert filtered["count"] == 1
    assert c.post("/v3/memories/", json={"filters": {"user_id": "p"}},
                  params={"page_size": 5000}).status_code == 422  # fmt: skip
    too_deep = c.post("/v3/memories/", json={"filters": {"user_id": "p"}},
                      params={"page": 100, "page_size": 1000})  # fmt: skip
    assert too_deep.status_code == 422 and too_deep.json()["error"]["details"]["field"] == "page"
    assert c.post("/v3/memories/").status_code == 422  # no scope at all


def test_update_delete_history(served: Served) -> None:
    c = served.client()
    [memory_id] = add(c, "I drive a red car", user_id="u")
    updated = c.put(f"/v1/memories/{memory_id}/", json={"text": "I drive a blue car"}).json()
    assert updated["message"] == "Memory updated successfully!"
    assert updated["memory"] == "I drive a blue car" and updated["id"] == memory_id
    meta = c.put(f"/v1/memories/{memory_id}/", json={"metadata": {"color": "blue"}}).json()
    assert meta["memory"] == "I drive a blue car" and meta["metadata"] == {"color": "blue"}
    history = c.get(f"/v1/memories/{memory_id}/history/").json()
    assert [h["event"] for h in history] == ["ADD", "UPDATE", "UPDATE"]
    gone = c.delete(f"/v1/memories/{memory_id}/", params={"delete_linked": "true"})
    assert gone.json() == {"message": "Memory deleted successfully!"}
    assert c.get(f"/v1/memories/{memory_id}/").status_code == 404
    assert c.delete(f"/v1/memories/{memory_id}/").status_code == 404
    add(c, "a", "b", user_id="u")
    assert c.delete("/v1/memories/", params={"user_id": "u"}).json()["deleted"] == 2
    assert c.delete("/v1/memories/").status_code == 422


def test_batches_are_all_or_nothing(served: Served) -> None:
    c = served.client()
    one, two = add(c, "first", "second", user_id="u")
    missing = c.put("/v1/batch/", json={"memories": [
        {"memory_id": one, "text": "changed"}, {"memory_id": "nope", "text": "x"}]})  # fmt: skip
    assert missing.status_code == 404
    assert c.get(f"/v1/memories/{one}/").json()["memory"] == "first"
    items = [{"memory_id": one, "text": "uno"}, {"memory_id": two, "metadata": {"n": 2}}]
    done = c.put("/v1/batch/", json={"memories": items}).json()
    assert done["updated"] == 2
    assert c.get(f"/v1/memories/{two}/").json()["memory"] == "second"
    assert c.get(f"/v1/memories/{two}/").json()["metadata"] == {"n": 2}
    bad = c.request("DELETE", "/v1/batch/", json={"memories": [{"memory_id": one},
                                                               {"memory_id": "nope"}]})  # fmt: skip
    assert bad.status_code == 404 and c.get(f"/v1/memories/{one}/").status_code == 200
    both = {"memories": [{"memory_id": one}, {"memory_id": two}]}
    deleted = c.request("DELETE", "/v1/batch/", json=both)
    assert deleted.json()["deleted"] == 2


def test_entities(served: Served) -> None:
    c = served.client()
    add(c, "a", user_id="u1", agent_id="bot")
    add(c, "b", user_id="u2")
    add(c, "c", user_id="u3", run_id="r")
    listed = c.get("/v1/entities/").json()
    assert listed["count"] == 5 and listed["total_users"] == 3 and listed["total_agents"] == 1
    assert listed["total_runs"] == 1 and listed["total_apps"] == 0
    names = {(e["type"], e["name"]) for e in listed["results"]}
    assert ("agent", "bot") in names and ("user", "u2") in names
    paged = c.get("/v1/entities/", params={"page": 2, "page_size": 2}).json()
    assert (
        len(paged["results"]) == 2 and "page=3" in paged["next"] and "page=1" in paged["previous"]
    )
    assert c.get("/v1/entities/", params={"page": 3, "page_size": 2}).json()["next"] is None
    assert c.delete("/v2/entities/user/u1/").json() == {"message": "Entity deleted successfully."}
    assert c.delete("/v1/entities/run/r/").status_code == 200
    assert c.delete("/v2/entities/app/x/").status_code == 422
    left = {(e["type"], e["name"]) for e in c.get("/v1/entities/").json()["results"]}
    assert left == {("user", "u2")}
