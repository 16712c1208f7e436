"""``engram keys``, ``engram serve`` and their settings (file, environment, flags)."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from engram import Memory
from engram.cli import main
from engram.embedders.onnx import OnnxEmbedder
from engram.exceptions import ConfigurationError, StoreError
from engram.server import run
from engram.server.settings import load_settings
from tests.conftest import store_config
from tests.server.conftest import free_port


def write_config(tmp_path: Path, **blocks: object) -> Path:
    path = tmp_path / "engram.json"
    config = {**store_config(tmp_path / "cli.db"), **blocks}
    path.write_text(json.dumps(config))
    return path


def test_keys_create_list_revoke(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], embedder: OnnxEmbedder
) -> None:
    config = str(write_config(tmp_path))
    assert main(["keys", "list", "--config", config]) == 0
    assert capsys.readouterr().out == "no keys\n"
    assert main(["keys", "create", "ci-bot", "--config", config, "--user", "alice",
                 "--user", "bob", "--agent", "helper", "--run", "r1", "--read-only",
                 "--rate-limit", "30"]) == 0  # fmt: skip
    made = capsys.readouterr()
    token = made.out.strip()
    assert token.startswith("engram_") and "\n" not in token  # alone on stdout
    assert "shown only this once" in made.err and "read-only" in made.err
    assert "user_id: alice, bob" in made.err
    with Memory(store_config(tmp_path / "cli.db"), embedder=embedder) as m:
        key = m.api_keys.authenticate(token)
    assert key is not None and key.scopes == {
        "user_id": ("alice", "bob"), "agent_id": ("helper",), "run_id": ("r1",)
    }  # fmt: skip
    assert key.read_only and key.rate_limit == 30
    assert main(["keys", "create", "plain", "--config", config]) == 0
    capsys.readouterr()

    assert main(["keys", "list", "--config", config]) == 0
    listing = capsys.readouterr().out
    assert f"{key.id}  ci-bot  (user_id: alice, bob; agent_id: helper; run_id: r1, read-only, " \
           "30/min)" in listing  # fmt: skip
    assert "plain  (any scope)" in listing and token not in listing
    assert main(["keys", "revoke", key.id, "--config", config]) == 0
    assert f"key {key.id} (ci-bot) revoked at" in capsys.readouterr().out
    assert main(["keys", "list", "--config", config]) == 0
    assert "ci-bot" not in capsys.readouterr().out
    assert main(["keys", "list", "--all", "--config", config]) == 0
    assert "ci-bot  (user_id" in (listing := capsys.readouterr().out) and "revoked 20" in listing
    assert main(["keys", "list", "--all", "--json", "--config", config]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [k["name"] for k in listed] == ["ci-bot", "plain"] and listed[0]["revoked_at"]
    assert "digest" not in listed[0]
    assert main(["keys", "revoke", "0123456789abcdef", "--config", config]) == 2  # bad input
    assert "no API key has the id" in capsys.readouterr().err


def test_serve_refuses_a_public_address_without_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(write_config(tmp_path))
    assert main(["serve", "--config", config, "--host", "0.0.0.0"]) == 4  # configuration
    assert "refusing to listen on 0.0.0.0" in capsys.readouterr().err


def test_missing_extras_are_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name in ("fastapi", "mcp") else real(name)
    )
    assert main(["serve"]) == 4  # configuration: a missing extra
    assert 'pip install "engram-recall[server]"' in capsys.readouterr().err
    assert main(["mcp"]) == 4
    assert 'pip install "engram-recall[mcp]"' in capsys.readouterr().err


def test_engram_serve_runs_as_the_readme_says(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "ENGRAM_HOME": str(tmp_path / "home"), "ENGRAM_SERVER_PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, "-m", "engram", "serve", "--mcp"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/ready").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "did not start"
            time.sleep(0.2)
        added = httpx.post(f"{url}/v3/memories/add/", json={"messages": "hello", "user_id": "u"})
        assert added.status_code == 200
        assert httpx.post(f"{url}/mcp", json={}).status_code != 404
        page = httpx.get(f"{url}/ui/")  # the inspector, from a fresh install
        assert page.status_code == 200 and "engram inspector" in page.text
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert (tmp_path / "home" / "engram.db").exists()


def test_each_worker_builds_its_app_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(write_config(tmp_path, server={"rate_limit": 60, "mcp": True}))
    monkeypatch.setenv(run.SETTINGS_ENV, settings.model_dump_json())
    monkeypatch.setenv(run.REST_ENV, "0")
    app = run.app_from_environment()
    assert "/mcp" in {getattr(r, "path", None) for r in app.routes}
    documented = app.openapi()["paths"]
    assert "/health" in documented and "/memories" not in documented
    assert "/ui/" not in {getattr(r, "path", None) for r in app.routes}  # no REST, no inspector
    gateway = app.state.gateway
    assert gateway.limits.rate_limit == 60
    with TestClient(app) as client:  # runs the lifespan: warm-up, then closing the memory
        assert gateway.memory.embedder.cache_size() == 1  # the warm-up query
        assert client.get("/ready").status_code == 200
    with pytest.raises(StoreError, match="closed"):
        gateway.memory.store.get("x")


def test_settings_layers(tmp_path: Path) -> None:
    path = write_config(
        tmp_path, server={"port": 9000, "host": "0.0.0.0", "cors_origins": ["https://a"]},
        mcp={"user_id": "file"},
    )  # fmt: skip
    settings = load_settings(
        path,
        server={"host": "127.0.0.1", "workers": None},
        environ={"ENGRAM_SERVER_PORT": "9100", "ENGRAM_SERVER_CORS_ORIGINS": "https://b, https://c",
                 "ENGRAM_MCP_AGENT_ID": "env", "ENGRAM_SERVER_RATE_LIMIT": "none"},
    )  # fmt: skip
    assert settings.server.port == 9100  # the environment beats the file
    assert settings.server.host == "127.0.0.1"  # a flag beats both
    assert settings.server.cors_origins == ["https://b", "https://c"]
    assert settings.server.rate_limit is None and settings.server.workers == 1
    assert (settings.mcp.user_id, settings.mcp.agent_id) == ("file", "env")
    assert settings.memory == store_config(tmp_path / "cli.db") and settings.source == str(path)
    from_env = load_settings(environ={"ENGRAM_CONFIG": str(path),
                                      "ENGRAM_SERVER_CORS_ORIGINS": '["https://d"]'})  # fmt: skip
    assert from_env.server.port == 9000 and from_env.server.cors_origins == ["https://d"]
    toml = tmp_path / "engram.toml"
    toml.write_text('[server]\nport = 7000\n[vector_store]\nprovider = "sqlite"\n')
    assert load_settings(toml, environ={}).server.port == 7000
    assert load_settings(environ={}).memory == {}


@pytest.mark.parametrize(
    ("content", "suffix", "problem"),
    [
        ("{not json", ".json", "not valid JSON"),
        ("[server", ".toml", "not valid TOML"),
        ("[1, 2]", ".json", "must hold an object"),
        ('{"server": 3}', ".json", "'server' block must be an object"),
        ('{"server": {"port": "x"}}', ".json", "invalid ServerSettings: port"),
        ('{"server": {"nope": 1}}', ".json", "allowed keys"),
    ],
)
def test_bad_settings_say_what_is_wrong(
    tmp_path: Path, content: str, suffix: str, problem: str
) -> None:
    path = tmp_path / f"bad{suffix}"
    path.write_text(content)
    with pytest.raises(ConfigurationError) as caught:
        load_settings(path, environ={})
    assert problem in str(caught.value)


def test_bad_environment_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="ENGRAM_SERVER_CORS_ORIGINS is not a JSON list"):
        load_settings(environ={"ENGRAM_SERVER_CORS_ORIGINS": "[oops"})
    with pytest.raises(ConfigurationError, match="cannot read the config file"):
        load_settings(tmp_path / "missing.json", environ={})


def test_serve_and_mcp_hand_their_settings_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    import engram.mcp.stdio

    started: list[dict[str, object]] = []
    monkeypatch.setattr(
        uvicorn, "run", lambda app, **kwargs: started.append({"app": app, **kwargs})
    )
    config = str(write_config(tmp_path))
    flags = ["--port", "9123", "--workers", "2", "--mcp", "--rate-limit", "100"]
    flags += ["--allow-configure", "--log-level", "warning", "--no-ui"]
    assert main(["serve", "--config", config, *flags]) == 0
    [serve] = started
    assert serve["app"] == "engram.server.run:app_from_environment" and serve["factory"]
    assert (serve["port"], serve["workers"], serve["log_level"]) == (9123, 2, "warning")
    handed = json.loads(os.environ[run.SETTINGS_ENV])
    assert handed["server"]["mcp"] and handed["server"]["allow_configure"]
    assert handed["server"]["ui"] is False
    assert handed["server"]["rate_limit"] == 100 and handed["memory"]["vector_store"]
    assert os.environ[run.REST_ENV] == "1"

    assert main(["mcp", "--config", config, "--transport", "http", "--port", "9124"]) == 0
    assert started[-1]["port"] == 9124 and os.environ[run.REST_ENV] == "0"
    monkeypatch.delenv(run.SETTINGS_ENV)
    monkeypatch.delenv(run.REST_ENV)

    stdio: list[tuple[object, object]] = []

    async def fake_stdio(settings: object, key: object) -> None:
        stdio.append((settings, key))

    monkeypatch.setattr(engram.mcp.stdio, "run_stdio", fake_stdio)
    monkeypatch.setenv("ENGRAM_API_KEY", "from-env")
    assert main(["mcp", "--config", config, "--user-id", "dev", "--agent-id", "a"]) == 0
    assert main(["mcp", "--config", config, "--key", "explicit", "--run-id", "r"]) == 0
    (first, key1), (second, key2) = stdio
    assert key1 == "from-env" and key2 == "explicit"
    assert (first.mcp.user_id, first.mcp.agent_id) == ("dev", "a")  # type: ignore[attr-defined]
    assert second.mcp.run_id == "r" and second.mcp.transport == "stdio"  # type: ignore[attr-defined]
