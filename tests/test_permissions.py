"""Safe defaults: what engram creates is readable by its owner only, whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from engram import Memory
from engram.cli import main
from engram.embedders.onnx import OnnxEmbedder
from engram.paths import private_dir, write_private
from tests.conftest import store_config


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """Run with umask 000, under which files are made world-writable unless asked otherwise."""
    old = os.umask(0)
    yield
    os.umask(old)


@pytest.mark.usefixtures("permissive_umask")
def test_the_default_store_is_private(engram_home: Path, embedder: OnnxEmbedder) -> None:
    with Memory(embedder=embedder) as memory:
        memory.add("a private fact", user_id="u", infer=False)
        files = [engram_home / f"engram.db{suffix}" for suffix in ("", "-wal", "-shm")]
        assert all(f.exists() for f in files)
        assert [mode(f) for f in files] == [0o600, 0o600, 0o600]
    assert mode(engram_home) == 0o700


@pytest.mark.usefixtures("permissive_umask")
def test_directories_created_for_a_configured_path_are_private(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    path = shared / "a" / "b" / "store.db"
    with Memory(store_config(path), embedder=embedder) as memory:
        memory.add("a private fact", user_id="u", infer=False)
    assert mode(shared) == 0o755, "an existing directory is left as it is"
    assert mode(shared / "a") == mode(shared / "a" / "b") == 0o700
    assert mode(path) == 0o600


@pytest.mark.usefixtures("permissive_umask")
def test_private_helpers(tmp_path: Path) -> None:
    private_dir(tmp_path / "x" / "y")
    assert mode(tmp_path / "x") == mode(tmp_path / "x" / "y") == 0o700
    write_private(tmp_path / "x" / "state.json", "{}")
    assert mode(tmp_path / "x" / "state.json") == 0o600
    assert (tmp_path / "x" / "state.json").read_text() == "{}"


def test_doctor_warns_about_files_others_can_read(
    tmp_path: Path, embedder: OnnxEmbedder, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "store.db"
    with Memory(store_config(path), embedder=embedder):
        pass
    assert main(["doctor", str(path)]) == 0
    assert "warning" not in capsys.readouterr().out
    path.chmod(0o644)
    assert main(["doctor", str(path)]) == 0
    out = capsys.readouterr().out
    assert "readable by other users (mode 644)" in out and f"chmod 600 '{path}'" in out
