"""Run mem0's documentation examples against engram, and keep those that run offline.

    python -m tests.compat.harvest --repo PATH/TO/mem0 [--tags v1.0.11 v2.0.18] [--save]

For each tag of a mem0 checkout (git), every Python code block of ``docs/`` that imports mem0's
open-source API (``Memory``, ``AsyncMemory``, ``mem0.configs``, ``mem0.memory``...; blocks that
use the hosted ``MemoryClient`` are left out) is run with the import renamed (``mem0`` ->
``engram``) and nothing else changed, in its own interpreter, with every LLM and embedding
provider pointed at a scripted server on 127.0.0.1 (``fake_llm_server``) through environment
variables. Each outcome is classified:

- ``pass``: the example ran to its end;
- ``engram``: it failed inside engram or on engram's answer (an engram error, a TypeError on a
  call, a missing name, an assertion): engram lacks something, or behaves differently;
- ``not-offered``: it configures a provider engram does not offer (a vector store such as
  qdrant, a cross-encoder reranker...), and stops on the ConfigurationError that says what to
  use instead;
- ``outside``: it needs what this machine does not have (a third-party package or an optional
  extra, a server that cannot be pointed at the scripted one, an environment variable or file
  of the reader's, someone typing at the keyboard);
- ``mem0-too``: it fails on mem0 itself at that tag (it calls an argument, method or name that
  mem0's code at the tag lacks, or an id that does not exist): the page is out of date;
- ``incomplete``: the block is not runnable as written (a fragment, placeholders, names
  defined in the page's prose).

``--save`` writes the passing examples to ``tests/compat/examples/<tag>/``, where
``test_mem0_examples.py`` runs them in CI; ``--report`` writes every outcome as JSON.
mem0 is Apache-2.0; see ``tests/compat/NOTICE.md``.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.compat.fake_llm_server import environment, fake_llm_server

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE / "examples"
FENCE = re.compile(r"^([ \t]*)```(?:python|py)\b[^\n]*\n(.*?)^[ \t]*```", re.DOTALL | re.MULTILINE)
IMPORT = re.compile(r"^\s*(?:from\s+mem0(?:\.[\w.]+)?\s+import\b|import\s+mem0\b)", re.MULTILINE)
HOSTED = re.compile(r"\b(?:Async)?MemoryClient\b|mem0\.client|mem0\.proxy")
#: Exception names whose cause is the snippet, not engram.
INCOMPLETE = ("SyntaxError", "IndentationError", "NameError", "FileNotFoundError")
#: A literal ``...`` standing for code the reader writes (``{...}``, ``[...]``).
PLACEHOLDER = re.compile(r"[\[{(]\s*\.\.\.\s*[\]})]|['\"]your_chosen_\w+['\"]")
UNEXPECTED = re.compile(r"(\w+)\.(\w+)\(\) got an unexpected keyword argument '(\w+)'")
NO_ATTRIBUTE = re.compile(r"type object '(\w+)' has no attribute '(\w+)'")
NO_NAME = re.compile(r"cannot import name '(\w+)' from 'engram\.([\w.]+)'")


@dataclass
class Example:
    """One documentation block and what running it gave."""

    tag: str
    page: str
    index: int
    code: str
    status: str = ""
    detail: str = ""

    @property
    def slug(self) -> str:
        """A file name for it: the page path and the block's number on the page."""
        page = re.sub(r"\W+", "_", self.page.removeprefix("docs/").rsplit(".", 1)[0])
        return f"{page}__{self.index}"


def blocks(repo: Path, tag: str) -> list[Example]:
    """Every Python block of the tag's docs that uses mem0's open-source API."""
    names = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "-r", "--name-only", tag, "docs"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    found: list[Example] = []
    for name in names:
        if not name.endswith((".md", ".mdx")):
            continue
        text = subprocess.run(
            ["git", "-C", str(repo), "show", f"{tag}:{name}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for index, match in enumerate(FENCE.finditer(text)):
            indent, body = match.group(1), match.group(2)
            code = "\n".join(
                line[len(indent) :] if line.startswith(indent) else line.lstrip()
                for line in body.splitlines()
            )
            if IMPORT.search(code) and not HOSTED.search(code):
                found.append(Example(tag, name, index, code))
    return found


def port(code: str) -> str:
    """The example with mem0's top package renamed: the only change made to it."""
    code = re.sub(r"\bfrom\s+mem0\b", "from engram", code)
    return re.sub(r"\bimport\s+mem0\b", "import engram as mem0", code)


class Mem0Source:
    """mem0's own code at a tag, to tell a page that is out of date from an engram failure."""

    def __init__(self, repo: Path, tag: str) -> None:
        self.repo, self.tag = repo, tag

    def _module(self, dotted: str) -> str:
        for path in (f"{dotted.replace('.', '/')}.py", f"{dotted.replace('.', '/')}/__init__.py"):
            shown = subprocess.run(
                ["git", "-C", str(self.repo), "show", f"{self.tag}:mem0/{path}"],
                capture_output=True,
                text=True,
                check=False,
            )
            if shown.returncode == 0:
                return shown.stdout
        return ""

    def _class(self, name: str) -> ast.ClassDef | None:
        tree = ast.parse(self._module("memory.main"))
        return next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name), None)

    def lacks(self, detail: str) -> bool:
        """Whether mem0 at this tag lacks the argument, method or name ``detail`` asks for."""
        if match := UNEXPECTED.search(detail):
            cls = self._class(match.group(1))
            method = next(
                (
                    n
                    for n in (cls.body if cls else [])
                    if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
                    and n.name == match.group(2)
                ),
                None,
            )
            if method is None:
                return False
            args = method.args
            names = {a.arg for a in [*args.args, *args.kwonlyargs, *args.posonlyargs]}
            return args.kwarg is None and match.group(3) not in names
        if match := NO_ATTRIBUTE.search(detail):
            cls = self._class(match.group(1))
            return cls is not None and not any(
                getattr(n, "name", None) == match.group(2) for n in cls.body
            )
        if match := NO_NAME.search(detail):
            return not re.search(rf"\b{match.group(1)}\b", self._module(match.group(2)))
        return False


def classify(returncode: int, stderr: str, code: str, mem0: Mem0Source) -> tuple[str, str]:
    """The status and the telling line of a run."""
    if returncode == 0:
        return "pass", ""
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else f"exit status {returncode}"
    name = last.split(":", 1)[0].strip().rsplit(".", 1)[-1]
    if name in INCOMPLETE or PLACEHOLDER.search(code):
        return "incomplete", last
    if "engram does not offer mem0's" in last:
        return "not-offered", last
    if name in ("ModuleNotFoundError", "ImportError") and "engram" not in last:
        return "outside", last
    if name in ("NetworkError", "AuthenticationError", "EOFError") or "Connection refused" in last:
        return "outside", last
    if "pip install" in last or "check the dsn" in last:
        return "outside", last  # an optional extra, or a server of the reader's
    key = re.escape(last.split(": ", 1)[-1].strip("'\""))
    if name == "KeyError" and re.search(rf"os\.environ\[['\"]{key}['\"]\]", code):
        return "outside", last  # an environment variable the reader sets
    if name == "MemoryNotFoundError" and (found := re.search(r"Memory with id (\S+) not", last)):
        if f'"{found.group(1)}"' in code or f"'{found.group(1)}'" in code:
            return "mem0-too", last  # a made-up id: mem0 raises ValueError for it as well
    if mem0.lacks(last):
        return "mem0-too", last
    return "engram", last


def run(example: Example, env: dict[str, str], timeout: float, mem0: Mem0Source) -> Example:
    """Run one ported example in a fresh interpreter and a fresh directory."""
    with tempfile.TemporaryDirectory() as home:
        try:
            done = subprocess.run(
                [sys.executable, "-c", port(example.code)],
                cwd=home,
                env={**env, "ENGRAM_HOME": home},
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
            example.status, example.detail = classify(
                done.returncode, done.stderr, example.code, mem0
            )
        except subprocess.TimeoutExpired:
            example.status, example.detail = "engram", f"did not finish in {timeout:.0f} s"
    return example


def main() -> None:
    """Run every example of every tag; print the counts; optionally save and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, required=True, help="a git checkout of mem0")
    parser.add_argument("--tags", nargs="+", default=["v1.0.11", "v2.0.18"])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--only", nargs="+", default=None, help="the examples whose slug has one")
    parser.add_argument("--save", action="store_true", help="write the passing examples")
    parser.add_argument("--report", type=Path, default=None, help="write every outcome (JSON)")
    args = parser.parse_args()
    examples = [e for tag in args.tags for e in blocks(args.repo, tag)]
    if args.only:
        examples = [e for e in examples if any(part in e.slug for part in args.only)]
    sources = {tag: Mem0Source(args.repo, tag) for tag in args.tags}
    with fake_llm_server() as url:
        env = {**os.environ, **environment(url)}
        with ThreadPoolExecutor(args.jobs) as pool:
            done = list(pool.map(lambda e: run(e, env, args.timeout, sources[e.tag]), examples))
    for tag in args.tags:
        counts = Counter(e.status for e in done if e.tag == tag)
        total = sum(counts.values())
        print(
            f"{tag}: {total} examples: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        )
    for e in done:
        if e.status not in ("pass", "not-offered"):
            print(f"  {e.status} {e.tag} {e.slug}: {e.detail[:300]}")
    if args.save:
        if not args.only:  # a full harvest replaces what an earlier one kept
            for tag in args.tags:
                for old in (EXAMPLES / tag).glob("*.py"):
                    old.unlink()
        for e in done:
            if e.status == "pass":
                target = EXAMPLES / e.tag / f"{e.slug}.py"
                target.parent.mkdir(parents=True, exist_ok=True)
                header = f"# mem0 {e.tag}, {e.page} (block {e.index}); Apache-2.0, see NOTICE.md\n"
                target.write_text(header + port(e.code).rstrip() + "\n", encoding="utf-8")
    if args.report:
        args.report.write_text(json.dumps([asdict(e) for e in done], indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
