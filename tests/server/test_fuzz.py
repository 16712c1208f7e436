"""Schema fuzzing: schemathesis generates requests from the server's OpenAPI document (valid
and invalid bodies, parameters and headers, then stateful sequences) against the live server.
The check: no response is a server error (5xx), whatever was sent."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.server.conftest import Serve


def test_no_request_makes_the_server_fail(serve: Serve, tmp_path: Path) -> None:
    served = serve(max_results=50, max_batch=20, max_messages=20)
    token, _ = served.keys.create("fuzzer")
    done = subprocess.run(
        [
            sys.executable, "-m", "schemathesis.cli", "run", f"{served.url}/openapi.json",
            "--checks", "not_a_server_error", "--header", f"Authorization: Token {token}",
            "--max-examples", "12", "--seed", "20261130", "--workers", "1",
            "--generation-database", "none", "--no-color", "--report-dir", str(tmp_path),
        ],
        capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path,
    )  # fmt: skip
    summary = done.stdout[-3000:]
    assert done.returncode == 0, summary
    operations = re.search(r"Selected: (\d+)/\d+\s+Tested: (\d+)", summary)
    assert operations and operations[1] == operations[2] and int(operations[1]) >= 25, summary
    cases = re.search(r"(\d+) generated, (\d+) passed", summary)
    assert cases and cases[1] == cases[2] and int(cases[1]) > 300, summary
