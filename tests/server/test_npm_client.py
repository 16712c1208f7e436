"""The npm ``mem0ai`` client (``tests/js``) against the server, run by node.

The client is pinned by ``tests/js/package.json`` and its lock file, and installed here with
``npm ci`` (peer dependencies and install scripts left out: the client needs neither) into a
cache directory outside the repository, once per lock file. Without node and npm the test is
skipped, saying why; in CI (``CI`` set) that is a failure.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.server.conftest import Served

JS = Path(__file__).resolve().parents[1] / "js"


def unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the npm client test: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def js_client() -> Path:
    """A directory holding ``client.mjs`` beside an installed ``node_modules/mem0ai``."""
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        unavailable("node and npm are not installed")
        raise AssertionError  # pragma: no cover - unavailable() does not return
    files = [JS / "package.json", JS / "package-lock.json"]
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()[:16]
    root = os.environ.get("ENGRAM_CI_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "engram-ci"
    )
    target = Path(root) / f"mem0ai-js-{digest}"
    if not (target / "node_modules" / "mem0ai" / "package.json").exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="mem0ai-js-", dir=target.parent))
        for f in files:
            shutil.copy(f, work / f.name)
        done = subprocess.run(
            [npm, "ci", "--omit=peer", "--legacy-peer-deps", "--ignore-scripts", "--no-audit",
             "--no-fund"],
            cwd=work, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            shutil.rmtree(work, ignore_errors=True)
            unavailable(f"npm ci failed: {done.stderr[-500:]}")
        shutil.rmtree(target, ignore_errors=True)
        work.rename(target)
    shutil.copy(JS / "client.mjs", target / "client.mjs")
    return target


def test_npm_mem0ai_client(js_client: Path, served: Served, tmp_path: Path) -> None:
    token, _ = served.keys.create("js-client")
    env = {
        **os.environ,
        "ENGRAM_URL": served.url,
        "ENGRAM_KEY": token,
        "MEM0_TELEMETRY": "false",
        "MEM0_DIR": str(tmp_path / "mem0"),
    }
    done = subprocess.run(
        ["node", "client.mjs"], cwd=js_client, env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out == {
        "add": ["ADD"],
        "get": "I prefer window seats.",
        "getAll": {"count": 2, "results": 2},
        "page": 1,
        "search": [True],
        "update": "I prefer aisle seats.",
        "history": ["ADD", "UPDATE"],
        "users": ["user:jo", "user:kim"],
        "batchUpdate": 1,
        "afterBatch": "Aisle, always.",
        "delete": "Memory deleted successfully!",
        "missing": "MemoryNotFoundError",
        "batchDelete": 1,
        "deleteAll": 1,
        "deleteUsers": "Entity deleted successfully.",
        "left": 0,
    }
