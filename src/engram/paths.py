"""Where engram keeps its data: ``$ENGRAM_HOME``, else the platform's per-user data directory."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def data_home() -> Path:
    """The directory holding engram's default store (not created here)."""
    override = os.environ.get("ENGRAM_HOME")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir("engram", appauthor=False))


def default_store_path() -> Path:
    """The embedded store's file when no ``path`` is configured."""
    return data_home() / "engram.db"
