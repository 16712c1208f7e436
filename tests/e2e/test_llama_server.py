"""End to end against a real OpenAI-compatible server: llama.cpp's llama-server on 127.0.0.1.

The server and the SmolLM2-135M GGUF come from PyPI through ``.ci/llama-server.sh``, which
``.ci/run`` calls and which exports ``ENGRAM_LLAMA_SERVER`` and ``ENGRAM_LLAMA_MODEL``; without
them (a developer machine that has not run the script) this module is skipped. The model is far
too small to extract facts well: the test checks the wire, the schema-constrained output and
that the store stays consistent, not the model's judgement.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from engram import Memory, ProviderError
from engram.core.answers import Facts, json_schema
from engram.embedders.onnx import OnnxEmbedder
from engram.llms.base import CompletionRequest
from engram.llms.openai import OpenAIConfig, OpenAILLM
from tests.conftest import store_config

SERVER = os.environ.get("ENGRAM_LLAMA_SERVER")
MODEL = os.environ.get("ENGRAM_LLAMA_MODEL")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (SERVER and MODEL),
        reason="llama-server not provided: run .ci/llama-server.sh and export its output",
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """A llama-server on a free loopback port, stopped after the module."""
    assert SERVER and MODEL
    port = free_port()
    env = {**os.environ, "OMP_WAIT_POLICY": "passive"}
    args = [
        SERVER,
        "-m",
        MODEL,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "-t",
        "2",
        "-c",
        "4096",
        "--no-webui",
    ]
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"llama-server did not start (exit code {process.poll()})")
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:  # pragma: no cover - a stuck server
            process.kill()
            process.wait()


def llm(base_url: str) -> OpenAILLM:
    config = OpenAIConfig.model_validate(
        {
            "openai_base_url": base_url,
            "model": "smollm2",
            "temperature": 0.0,
            "max_tokens": 160,
            "timeout": 180,
            "max_retries": 1,
        }
    )
    return OpenAILLM(config)


def test_the_server_honours_the_json_schema(base_url: str) -> None:
    request = CompletionRequest(
        messages=(
            {"role": "system", "content": "List facts about the user as JSON."},
            {"role": "user", "content": "I live in Lyon and I have a dog named Rex."},
        ),
        json_schema=json_schema("facts"),
        schema_name="facts",
    )
    client = llm(base_url)
    completion = client.complete(request)
    client.close()
    Facts.model_validate(json.loads(completion.text))  # plain JSON, no tolerance needed
    assert completion.usage.prompt_tokens > 0 and completion.usage.completion_tokens > 0


def test_adds_keep_the_store_consistent(
    base_url: str, tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    with Memory(store_config(tmp_path / "e2e.db"), embedder=embedder, llm=llm(base_url)) as m:
        first = m.add("My name is Ana and I work as a nurse in Porto.", user_id="ana")
        assert first["usage"]["llm_calls"] >= 1 and first["usage"]["prompt_tokens"] > 0
        added = {r["id"]: r["memory"] for r in first["results"] if r["event"] == "ADD"}
        stored = {r["id"]: r["memory"] for r in m.get_all(user_id="ana")["results"]}
        assert stored == added
        before = m.get_all(user_id="ana", include_invalidated=True)["results"]
        try:
            second = m.add("I quit nursing; now I am a teacher in Lisbon.", user_id="ana")
        except ProviderError as e:  # the tiny model may stay unusable: then nothing is written
            assert e.error_code == "llm_answer_invalid"
            assert m.get_all(user_id="ana", include_invalidated=True)["results"] == before
            return
        rows = m.get_all(user_id="ana", include_invalidated=True)["results"]
        by_id = {r["id"]: r for r in rows}
        for change in second["results"]:
            assert change["event"] in ("ADD", "UPDATE", "DELETE", "NONE")
            assert change["id"] in by_id
            if change["event"] == "DELETE":
                assert by_id[change["id"]]["invalid_at"] is not None
        for row in rows:
            history = m.history(row["id"])
            assert history[0]["event"] == "ADD"
            if row["invalid_at"] is None:
                assert history[-1]["new_memory"] == row["memory"]


def test_graph_adds_keep_memories_and_relations_consistent(
    base_url: str, tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    config = {**store_config(tmp_path / "graph.db"), "graph_store": {"provider": "sqlite"}}
    with Memory(config, embedder=embedder, llm=llm(base_url)) as m:
        try:
            result = m.add(
                [{"role": "user", "content": "My sister Ana lives in Lisbon.", "name": "Maya"}],
                user_id="maya",
            )
        except ProviderError as e:  # the tiny model may stay unusable: then nothing is written
            assert e.error_code == "llm_answer_invalid"
            assert m.get_all(user_id="maya")["results"] == []
            assert m.graph.entities(user_id="maya") == []
            return
        assert result["usage"]["llm_calls"] >= 1
        stored = {r["id"] for r in m.get_all(user_id="maya")["results"]}
        for group in result["relations"]["added_entities"]:
            for relation in group:
                assert set(relation["memory_ids"]) <= stored
        names = {e["name"] for e in m.graph.entities(user_id="maya")}
        for relation in m.graph.relations(user_id="maya"):
            assert {relation["source"], relation["destination"]} <= names
