"""Limits (body size, batch size, results) and the error mapping, over real HTTP."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from engram import AsyncMemory
from engram.exceptions import (
    AuthenticationError,
    EngramError,
    NetworkError,
    ProviderError,
    RateLimitError,
    StoreError,
)
from engram.server.errors import status_of
from tests.scripted_llm import llm_config
from tests.server.conftest import Serve, Served

ENVELOPE = {"code", "message", "suggestion", "details"}


def check_envelope(body: dict[str, Any], code: str) -> None:
    assert set(body) == {"detail", "error"} and set(body["error"]) == ENVELOPE
    assert body["error"]["code"] == code and body["detail"] == body["error"]["message"]


def test_body_size_is_limited(serve: Serve) -> None:
    served = serve(max_body_bytes=2048)
    c = served.client()
    big = {"messages": [{"role": "user", "content": "x" * 4096}], "user_id": "u"}
    r = c.post("/memories", json=big)
    assert r.status_code == 413
    check_envelope(r.json(), "request_too_large")
    small = {"messages": [{"role": "user", "content": "x" * 100}], "user_id": "u", "infer": False}
    assert c.post("/memories", json=small).status_code == 200

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        body = json.dumps(big).encode()
        for i in range(0, len(body), 512):
            yield body[i : i + 512]

    chunked = c.post("/memories", content=chunks(), headers={"content-type": "application/json"})
    assert chunked.status_code == 413
    check_envelope(chunked.json(), "request_too_large")


def test_batch_results_and_message_counts_are_limited(serve: Serve) -> None:
    served = serve(max_batch=2, max_results=5, max_messages=3)
    c = served.client()
    batch = {"memories": [{"memory_id": f"m{i}", "text": "x"} for i in range(3)]}
    r = c.put("/v1/batch/", json=batch)
    assert r.status_code == 413
    check_envelope(r.json(), "request_too_large")
    assert r.json()["error"]["details"]["field"] == "memories"
    deletes = {"memories": [{"memory_id": f"m{i}"} for i in range(3)]}
    assert c.request("DELETE", "/v1/batch/", json=deletes).status_code == 413
    messages = [{"role": "user", "content": f"fact {i}"} for i in range(4)]
    assert c.post("/memories", json={"messages": messages, "user_id": "u"}).status_code == 413
    r = c.post("/search", json={"query": "x", "user_id": "u", "top_k": 6})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "limit"
    assert c.get("/memories", params={"user_id": "u", "top_k": 6}).status_code == 422
    assert c.post("/search", json={"query": "x", "user_id": "u", "top_k": 5}).status_code == 200


def test_request_errors_share_one_shape(served: Served) -> None:
    c = served.client()
    missing = c.get("/no/such/route")
    assert missing.status_code == 404
    check_envelope(missing.json(), "not_found")
    wrong_method = c.patch("/memories")
    assert wrong_method.status_code == 405
    check_envelope(wrong_method.json(), "method_not_allowed")
    invalid = c.post("/search", json={"top_k": "many"})
    assert invalid.status_code == 422
    check_envelope(invalid.json(), "validation_error")
    fields = {e["field"] for e in invalid.json()["error"]["details"]["errors"]}
    assert fields == {"body.query", "body.top_k"}
    not_json = c.post("/search", content=b"{oops", headers={"content-type": "application/json"})
    assert not_json.status_code == 422
    core = c.post("/search", json={"query": "x"})  # no scope: the core's ValidationError
    assert core.status_code == 422
    check_envelope(core.json(), "validation_error")
    assert core.json()["error"]["suggestion"].startswith("pass user_id")
    bad_filter = c.post(
        "/search", json={"query": "x", "user_id": "u", "filters": {"k": {"near": 1}}}
    )
    assert bad_filter.status_code == 422 and "near" in bad_filter.json()["detail"]
    unknown = c.get("/memories/nope")
    assert unknown.status_code == 404
    check_envelope(unknown.json(), "memory_not_found")
    assert unknown.json()["error"]["details"] == {"memory_id": "nope"}


def test_what_the_configuration_cannot_do_is_409(served: Served) -> None:
    c = served.client()
    # rerank without a reranker is ignored, as mem0 does (see Moving from mem0)
    assert c.post("/search", json={"query": "x", "user_id": "u", "rerank": True}).is_success
    procedural = c.post(
        "/memories",
        json={"messages": [{"role": "user", "content": "x"}], "agent_id": "a",
              "memory_type": "procedural_memory"},
    )  # fmt: skip
    assert procedural.status_code == 409
    check_envelope(procedural.json(), "configuration_error")


def test_a_failing_llm_is_502(serve: Serve, scripted: str, tmp_path: Path) -> None:
    served = serve()
    old = served.gateway.memory
    config = llm_config(tmp_path / "llm.db", *["not json at all"] * 3)
    served.gateway.memory = AsyncMemory(config, embedder=old.embedder)
    try:
        r = served.client().post(
            "/memories",
            json={"messages": [{"role": "user", "content": "I like tea"}], "user_id": "u"},
        )
        assert r.status_code == 502
        check_envelope(r.json(), "llm_answer_invalid")
    finally:
        served.gateway.memory.store.close()
        served.gateway.memory = old


def test_a_closed_store_is_503(serve: Serve) -> None:
    served = serve()
    c = served.client()
    served.memory.store.close()
    for r in (c.get("/ready"), c.post("/search", json={"query": "x", "user_id": "u"})):
        assert r.status_code == 503 and r.headers["retry-after"] == "1"
        check_envelope(r.json(), "store_error")


def test_unexpected_failures_are_500_without_internals(serve: Serve) -> None:
    def add_broken_route(app: FastAPI) -> None:
        @app.get("/broken")
        async def broken() -> None:
            raise RuntimeError("secret internals")

    served = serve(add_broken_route)
    r = served.client().get("/broken")
    assert r.status_code == 500 and "secret" not in r.text
    check_envelope(r.json(), "internal_error")


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (AuthenticationError("x", service="engram"), 401),
        (AuthenticationError("bad OpenAI key", service="openai"), 502),
        (RateLimitError("slow down", retry_after=3), 429),
        (StoreError("disk"), 503),
        (NetworkError("down"), 502),
        (ProviderError("odd"), 502),
        (EngramError("other"), 500),
    ],
)
def test_status_of_every_error(error: EngramError, status: int) -> None:
    assert status_of(error) == status


def test_a_connection_that_sends_too_much_is_closed(serve: Serve) -> None:
    served = serve(max_body_bytes=1024)
    host, port = served.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as s:
        s.sendall(
            b"POST /memories HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000000\r\n\r\n" + b"x" * 2000
        )
        answer = s.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413")
