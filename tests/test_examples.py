"""The examples in ``examples/`` run as documented."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_quickstart_runs_and_shows_each_step(tmp_path: Path) -> None:
    home = tmp_path / "engram-home"
    env = {**os.environ, "ENGRAM_HOME": str(home)}
    result = subprocess.run(
        [sys.executable, "-W", "error", "examples/quickstart.py"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].startswith("added: [{'id': ")
    assert "'memory': 'I like coffee in the morning.', 'event': 'ADD'" in lines[0]

    search = lines.index("search 'what does alice drink?':")
    first_hit = lines[search + 1].split()
    assert 0.2 <= float(first_hit[0]) <= 1.0
    assert " ".join(first_hit[1:]) == "I like coffee in the morning."

    new_text = "I like green tea in the morning; I gave up coffee."
    assert f"after update: {new_text}" in lines
    assert "  ADD    None -> 'I like coffee in the morning.'" in lines
    assert f"  UPDATE 'I like coffee in the morning.' -> '{new_text}'" in lines
    assert f"food memories: ['{new_text}']" in lines
    assert "all memories: 4" in lines
    # the quick start uses a temporary store and leaves nothing under ENGRAM_HOME
    assert not home.exists() or not any(home.iterdir())
