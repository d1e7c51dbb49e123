"""A throwaway PostgreSQL server for tests and the local probe run: initdb + pg_ctl in a temporary directory, on a
free loopback port, as an unprivileged user when run as root (PostgreSQL refuses to run as root). Debian's
`postgresql` package provides the binaries (`/usr/lib/postgresql/<version>/bin`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.servers import free_port

UNPRIVILEGED = "nobody"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries here (install Debian's `postgresql`), or they failed to start one."""


def bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: on PATH, else the newest /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    return versions[-1].parent if versions else None


def missing_reason() -> str | None:
    """Why no server can be started here, or None when the binaries are present."""
    if bin_dir() is None:
        return (
            "PostgreSQL is not installed (no initdb/pg_ctl on PATH or in /usr/lib/postgresql): "
            "apt-get install postgresql"
        )
    return None


def _as_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", UNPRIVILEGED, "--", *command] if os.geteuid() == 0 else command


@contextmanager
def temporary_postgres() -> Iterator[str]:
    """Start a server (about 2 s), yield its URL (`postgresql://postgres@127.0.0.1:PORT/postgres`, trust auth on
    loopback only), and stop it and remove its files on exit. Raises PostgresUnavailable."""
    binaries = bin_dir()
    if binaries is None:
        raise PostgresUnavailable(missing_reason() or "")
    root = Path(tempfile.mkdtemp(prefix="gateway-pg-"))
    data, port = root / "data", free_port()
    if os.geteuid() == 0:
        shutil.chown(root, UNPRIVILEGED)
    options = f"-F -p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    try:
        _run(_as_user([str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                       "--no-sync", "--no-instructions"]))  # fmt: skip
        _run(_as_user([str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w",
                       "-t", "30", "start"]))  # fmt: skip
    except PostgresUnavailable:
        shutil.rmtree(root, ignore_errors=True)
        raise
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_user([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise PostgresUnavailable(f"{Path(command[-1]).name}: {(done.stderr or done.stdout).strip()[-500:]}")
