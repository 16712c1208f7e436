"""The README's Python examples run as written (each in its own interpreter, warnings as errors)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def test_the_readme_has_examples() -> None:
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize("code", [b for b in BLOCKS if "import" in b], ids=lambda c: c[:40])
def test_readme_example_runs(code: str, tmp_path: Path) -> None:
    code = code.replace("/tmp/engram-demo", str(tmp_path / "demo"))
    (tmp_path / "demo").mkdir()
    env = {**os.environ, "ENGRAM_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
