"""This project's name on PyPI, and the install hints that name it.

The import name is ``engram``; the distribution is ``engram-recall``, because ``engram`` on
PyPI is an unrelated project: a hint saying ``pip install "engram[...]"`` would install
someone else's code.
"""

from __future__ import annotations

#: The distribution name, as ``pip install`` takes it.
DISTRIBUTION = "engram-recall"


def install_hint(extra: str) -> str:
    """The pip command that installs this project with one of its extras."""
    return f'pip install "{DISTRIBUTION}[{extra}]"'
