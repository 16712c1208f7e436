"""How the harvest of mem0's documentation examples classifies a run (tests/compat/harvest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.compat.harvest import Example, Mem0Source, classify, port

REPO = Path("/nonexistent")


class Lacks(Mem0Source):
    """mem0's code as a set of names it lacks (no checkout needed)."""

    def __init__(self, *lacking: str) -> None:
        super().__init__(REPO, "v0")
        self.lacking = lacking

    def lacks(self, detail: str) -> bool:
        return any(name in detail for name in self.lacking)


def test_the_only_change_is_the_top_package() -> None:
    code = "from mem0 import Memory\nfrom mem0.configs.base import MemoryConfig\nimport mem0\n"
    assert port(code) == (
        "from engram import Memory\nfrom engram.configs.base import MemoryConfig\n"
        "import engram as mem0\n"
    )


@pytest.mark.parametrize(
    ("stderr", "code", "status"),
    [
        ("", "", "pass"),
        ("Traceback...\nNameError: name 'messages' is not defined", "", "incomplete"),
        ("ConfigurationError: invalid", 'config = {"vector_store": {...}}', "incomplete"),
        ("engram.exceptions.ConfigurationError: engram does not offer mem0's vector_store "
         "provider 'qdrant': use 'sqlite'", "", "not-offered"),
        ("ModuleNotFoundError: No module named 'langchain'", "", "outside"),
        ("ConfigurationError: needs litellm (pip install \"engram-recall[litellm]\")", "",
         "outside"),
        ("KeyError: 'NEO4J_URL'", 'url = os.environ["NEO4J_URL"]', "outside"),
        ("MemoryNotFoundError: Memory with id mem_123 not found", 'm.delete("mem_123")',
         "mem0-too"),
        ("TypeError: Memory.add() got an unexpected keyword argument 'version'", "", "mem0-too"),
        ("TypeError: Memory.add() got an unexpected keyword argument 'other'", "", "engram"),
        ("AssertionError", "", "engram"),
    ],
)  # fmt: skip
def test_classify(stderr: str, code: str, status: str) -> None:
    assert classify(0 if status == "pass" else 1, stderr, code, Lacks("'version'"))[0] == status


def test_an_example_is_named_by_its_page_and_block() -> None:
    example = Example("v2.0.18", "docs/open-source/features/graph-memory.mdx", 3, "")
    assert example.slug == "open_source_features_graph_memory__3"
