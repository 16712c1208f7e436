"""Where engram keeps its data, and how it creates it: private to the user who runs it.

The default home is ``$ENGRAM_HOME``, else the platform's per-user data directory. Every
directory engram creates is made ``0700`` and every file ``0600``, whatever the process umask
says: a memory store holds what users told an agent, and on a shared machine no other local
account may read it. Existing directories and files are left as they are (``engram doctor``
reports store files that others can read).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from engram.exceptions import ConfigurationError, StoreError

__all__ = [
    "DIRECTORY_MODE",
    "FILE_MODE",
    "data_home",
    "default_store_path",
    "expand",
    "private_dir",
    "private_file",
    "write_private",
]

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def data_home() -> Path:
    """The directory holding engram's default store (not created here)."""
    override = os.environ.get("ENGRAM_HOME")
    if override:
        return expand(override, "ENGRAM_HOME")
    return Path(platformdirs.user_data_dir("engram", appauthor=False))


def default_store_path() -> Path:
    """The embedded store's file when no ``path`` is configured."""
    return data_home() / "engram.db"


def expand(path: str, field: str) -> Path:
    """``path`` with ``~`` expanded; a ConfigurationError when that cannot be done."""
    try:
        return Path(path).expanduser()
    except (RuntimeError, ValueError) as e:  # "~nobody/x": no such user, no home
        raise ConfigurationError(
            f"{field}: cannot expand {path[:200]!r} ({e})", missing_field=field
        ) from e


def private_dir(directory: Path) -> Path:
    """Create ``directory`` and any missing parent as ``0700``; existing ones are kept."""
    missing = []
    current = directory
    try:
        while not current.exists() and current != current.parent:
            missing.append(current)
            current = current.parent
    except OSError as e:  # a name too long, a component that is a file...
        raise StoreError(
            f"cannot create the directory {str(directory)[:300]}: {e.strerror or e}",
            suggestion="choose another path",
        ) from e
    for path in reversed(missing):
        try:
            os.mkdir(path, DIRECTORY_MODE)
        except FileExistsError:
            continue  # another process made it meanwhile
        except OSError as e:
            raise StoreError(
                f"cannot create the directory {path}: {e.strerror or e}",
                suggestion="check that its parent exists and is writable, or choose another path",
            ) from e
        os.chmod(path, DIRECTORY_MODE)  # mkdir's mode passes through the umask
    return directory


def private_file(path: Path) -> bool:
    """Create ``path`` empty as ``0600`` unless it exists (its directory too); True if made."""
    private_dir(path.parent)
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    except FileExistsError:
        return False
    except OSError as e:
        raise StoreError(
            f"cannot create {path}: {e.strerror or e}",
            suggestion="check that the directory is writable, or choose another path",
        ) from e
    try:
        os.fchmod(descriptor, FILE_MODE)
    finally:
        os.close(descriptor)
    return True


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` as a ``0600`` file, atomically (a temp file, then rename)."""
    private_dir(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, FILE_MODE)
    os.fchmod(descriptor, FILE_MODE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(temporary, path)
