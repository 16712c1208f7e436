"""The inspector's server side over real HTTP: the page and its assets (offline, strict
headers, off with a setting), and the JSON routes it reads: ``POST /browse`` and ``/graph/...``.

The page itself is driven in Chromium by ``test_inspector_browser.py``.
"""

from __future__ import annotations

import hashlib
import re
from importlib import resources
from typing import Any

import httpx
import pytest

from engram.server.inspector import HEADERS
from tests.server.conftest import Serve, Served

STATIC = resources.files("engram.server.inspector") / "static"
D3_SHA256 = "912111098ea99503a6f4967361d2bbdc9dbf58cf9c678c8e27e5b02d1a07f0c1"


def own_files() -> list[str]:
    """The inspector's own files (the vendored ones apart)."""
    return sorted(p.name for p in STATIC.iterdir() if p.is_file())


def add(c: httpx.Client, text: str, **fields: Any) -> str:
    """Add one memory as said; its id."""
    said = [{"role": "user", "content": text}]
    r = c.post("/memories", json={"messages": said, "infer": False, **fields})
    assert r.status_code == 200, r.text
    memory_id: str = r.json()["results"][0]["id"]
    return memory_id


def test_the_page_and_its_assets_are_served_with_strict_headers(served: Served) -> None:
    c = served.client()
    moved = c.get("/ui", follow_redirects=False)
    assert moved.status_code == 307 and moved.headers["location"] == "ui/"
    page = c.get("/ui/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for name, value in HEADERS.items():
        assert page.headers[name] == value
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "unsafe" not in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    referenced = re.findall(r'(?:src|href)="(assets/[^"]+)"', page.text)
    assert "assets/app.js" in referenced and "assets/style.css" in referenced
    for name in own_files():
        if name == "index.html":
            continue
        asset = c.get(f"/ui/assets/{name}")
        assert asset.status_code == 200, name
        assert asset.headers["content-security-policy"] == HEADERS["Content-Security-Policy"]
        assert asset.headers["x-content-type-options"] == "nosniff"
        kind = "text/css" if name.endswith(".css") else "javascript"
        assert kind in asset.headers["content-type"], name
    d3 = c.get("/ui/assets/vendor/d3.min.js")
    assert d3.status_code == 200 and hashlib.sha256(d3.content).hexdigest() == D3_SHA256
    assert c.get("/ui/assets/nothing.js").status_code == 404
    assert c.get("/ui/assets/../../pyproject.toml").status_code == 404


def test_everything_the_page_loads_is_in_the_package() -> None:
    """No CDN, no other host: the inspector works offline."""
    for name in own_files():
        text = (STATIC / name).read_text(encoding="utf-8")
        hosts = re.findall(r"https?://[^\s\"'`)]+", text)
        assert hosts in ([], ["http://www.w3.org/2000/svg"]), (name, hosts)
    vendored = STATIC / "vendor"
    assert (vendored / "d3.LICENSE").read_text().startswith("Copyright 2010-2026 Mike Bostock")
    assert D3_SHA256 in (vendored / "README.md").read_text()
    scripts = "".join((STATIC / n).read_text() for n in own_files() if n.endswith(".js"))
    assert "innerHTML" not in scripts and "eval(" not in scripts  # text is inserted as text


def test_the_page_is_public_and_its_data_needs_the_key(served: Served) -> None:
    token, _ = served.keys.create("inspector")
    anonymous = served.client()
    assert anonymous.get("/ui/").status_code == 200  # the page holds no data
    assert anonymous.get("/ui/assets/app.js").status_code == 200
    for method, path, body in (
        ("GET", "/entities", None),
        ("POST", "/browse", {"user_id": "u"}),
        ("POST", "/explain", {"query": "x", "user_id": "u"}),
        ("GET", "/graph/entities?user_id=u", None),
    ):
        assert anonymous.request(method, path, json=body).status_code == 401, path
    keyed = served.client(token, scheme="Bearer")  # as the page sends it
    assert keyed.post("/browse", json={"user_id": "u"}).status_code == 200
    assert "set-cookie" not in keyed.get("/ui/").headers


def test_the_inspector_can_be_turned_off(serve: Serve) -> None:
    off = serve(ui=False).client()
    assert off.get("/ui/").status_code == 404
    assert off.get("/ui/assets/app.js").status_code == 404
    assert off.post("/browse", json={"user_id": "u"}).status_code == 200  # the API stays


def test_browse_pages_with_a_cursor_and_counts(served: Served) -> None:
    c = served.client()
    for day in range(1, 6):
        add(c, f"fact {day}", user_id="u", timestamp=f"2024-01-0{day}T00:00:00Z")
    add(c, "elsewhere", user_id="v")
    first = c.post("/browse", json={"user_id": "u", "limit": 2, "total": True}).json()
    assert [m["memory"] for m in first["results"]] == ["fact 5", "fact 4"]
    assert first["count"] == 5 and first["next_cursor"]
    texts = [m["memory"] for m in first["results"]]
    cursor = first["next_cursor"]
    while cursor:
        page = c.post("/browse", json={"user_id": "u", "limit": 2, "cursor": cursor}).json()
        assert "count" not in page
        texts += [m["memory"] for m in page["results"]]
        cursor = page["next_cursor"]
    assert texts == ["fact 5", "fact 4", "fact 3", "fact 2", "fact 1"]
    oldest = c.post(
        "/browse",
        json={"filters": {"user_id": "u", "memory": {"icontains": "FACT"}}, "descending": False,
              "order_by": "updated_at", "limit": 1},
    ).json()  # fmt: skip
    assert [m["memory"] for m in oldest["results"]] == ["fact 1"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user_id": "u", "cursor": "nope"}, "cursor"),
        ({"user_id": "u", "order_by": "text"}, "body.order_by"),
        ({"user_id": "u", "limit": 0}, "body.limit"),
        ({"user_id": "u", "limit": 5000}, "limit"),
        ({}, "user_id"),
    ],
)
def test_browse_refuses_what_it_cannot_do(served: Served, body: dict[str, Any], field: str) -> None:
    r = served.client().post("/browse", json=body)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    fields = [e["field"] for e in error["details"].get("errors", [])] or [error["details"]["field"]]
    assert field in fields


def test_browse_and_graph_keep_to_the_keys_scopes(serve: Serve) -> None:
    served = serve(graph=True)
    add(served.client(), "My sister Ana lives in Lisbon.", user_id="maya")
    token, _ = served.keys.create("only-bob", user_ids=["bob"], read_only=True)
    bob = served.client(token)
    assert bob.post("/browse", json={"user_id": "bob"}).status_code == 200  # read-only reads
    for method, path, body in (
        ("POST", "/browse", {"user_id": "maya"}),
        ("POST", "/browse", {"filters": {"user_id": "maya"}}),
        ("GET", "/graph/entities?user_id=maya", None),
        ("GET", "/graph/relations?user_id=maya", None),
    ):
        r = bob.request(method, path, json=body)
        assert r.status_code == 403, (path, r.text)
    assert bob.get("/graph/relations?user_id=bob").json() == []


def test_graph_routes_read_entities_relations_and_times(serve: Serve) -> None:
    served = serve(graph=True)
    c = served.client()
    said = [{"role": "user", "content": "My sister Ana moved to Lisbon.", "name": "Maya"}]
    r = c.post("/memories", json={"messages": said, "user_id": "maya", "timestamp": "2025-03-01"})
    assert r.status_code == 200
    stated = r.json()["results"][0]["id"]
    moved = [{"role": "user", "content": "Ana moved to Porto.", "name": "Maya"}]
    c.post("/memories", json={"messages": moved, "user_id": "maya", "timestamp": "2026-02-01"})
    names = {e["name"] for e in c.get("/graph/entities", params={"user_id": "maya"}).json()}
    assert {"ana", "lisbon", "porto", "maya"} <= names
    live = c.get("/graph/relations", params={"user_id": "maya"}).json()
    lives = {(r["source"], r["relationship"], r["destination"]) for r in live}
    assert ("ana", "lives_in", "porto") in lives and ("ana", "lives_in", "lisbon") not in lives
    then = c.get("/graph/relations", params={"user_id": "maya", "as_of": "2025-06-01T00:00:00Z"})
    [lisbon] = [r for r in then.json() if r["destination"] == "lisbon"]
    assert lisbon["invalid_at"].startswith("2026-02-01") and lisbon["memory_ids"] == [stated]
    near = c.get("/graph/relations", params={"user_id": "maya", "entity": "Ana", "hops": 1})
    assert near.status_code == 200 and all(
        "ana" in (r["source"], r["destination"]) for r in near.json()
    )
    assert c.get("/graph/relations", params={"user_id": "maya", "hops": 4}).status_code == 422
    bad_time = c.get("/graph/relations", params={"user_id": "maya", "as_of": "yesterday-ish"})
    assert bad_time.status_code == 422 and bad_time.json()["error"]["details"]["field"] == "as_of"
    assert c.get("/graph/entities").status_code == 422  # a scope is required
    assert c.get("/graph/entities", params={"user_id": "maya", "limit": 5000}).status_code == 422


def test_graph_routes_say_when_graph_memory_is_off(served: Served) -> None:
    r = served.client().get("/graph/entities", params={"user_id": "u"})
    assert r.status_code == 409 and "graph memory is off" in r.json()["error"]["message"]
    assert "graph_store" in r.json()["error"]["suggestion"]


def test_explain_shares_add_up_to_each_score(served: Served) -> None:
    c = served.client()
    for text in ("Ana moved to Lisbon in 2022", "Bob likes jazz", "Ana's dog is Rex"):
        add(c, text, user_id="u")
    found = c.post("/explain", json={"query": "Where did Ana move?", "user_id": "u"}).json()
    assert found["results"]
    for result in found["results"]:
        shares = result["score_parts"]["shares"]
        assert set(shares) >= {"semantic", "lexical", "entity", "time", "neighbour"}
        assert sum(shares.values()) == pytest.approx(result["score"], abs=1e-4)


def test_keyless_requests_only_from_this_machine_and_its_own_pages(serve: Serve) -> None:
    """An open server (no key in its store) refuses what a browser shows as another site's
    request (CSRF) or one for another host name (DNS rebinding); other clients send neither."""
    served = serve(cors_origins=["http://127.0.0.1:3000"])
    c = served.client()
    body = {"user_id": "u"}
    assert c.post("/browse", json=body).status_code == 200  # a script, curl, mem0's clients
    same = {"Sec-Fetch-Site": "same-origin", "Origin": served.url}
    assert c.post("/browse", json=body, headers=same).status_code == 200  # the inspector
    for headers in (
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://localhost:5173"},  # another local app
        {"Host": "evil.example:8000"},  # a name rebound to 127.0.0.1
        {"Host": "evil.example"},
    ):
        refused = c.post("/reset", headers=headers)
        assert refused.status_code == 403, headers
        assert refused.json()["error"]["code"] == "permission_denied"
    listed = {"Sec-Fetch-Site": "cross-site", "Origin": "http://127.0.0.1:3000"}
    assert c.post("/browse", json=body, headers=listed).status_code == 200  # cors_origins
    for host in ("localhost:8000", "[::1]:8000", "127.0.0.2", "localhost"):
        assert c.post("/browse", json=body, headers={"Host": host}).status_code == 200, host
    token, _ = served.keys.create("k")
    keyed = served.client(token)
    crossing = {"Sec-Fetch-Site": "cross-site", "Host": "evil.example"}
    assert keyed.post("/browse", json=body, headers=crossing).status_code == 200  # a key: no CSRF
    insecure = serve(insecure=True).client()
    assert insecure.post("/browse", json=body, headers=crossing).status_code == 200
