"""A throwaway PostgreSQL server for the tests and the bench: ``initdb`` + ``pg_ctl`` in a temporary folder.

The binaries are Debian's ``postgresql`` package (``/usr/lib/postgresql/<version>/bin``) or any on PATH.
PostgreSQL refuses to run as root, so under root the server runs as the ``postgres`` user (or ``nobody``)
through ``runuser``; the folder is made in the system temp folder (pytest's own is private to root).
Durability is switched off (``fsync=off``): the data is thrown away, and only speed matters here.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

ADMIN = "postgres"


def find_bin_dir() -> Path | None:
    """The folder holding ``initdb``, ``pg_ctl`` and ``postgres``, newest version first; None when absent."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)
    for folder in candidates:
        if (Path(folder) / "pg_ctl").exists() and (Path(folder) / "initdb").exists():
            return Path(folder)
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    return None


def _version(bin_dir: str) -> tuple[int, ...]:
    """``/usr/lib/postgresql/15/bin`` → (15,); ``…/9.6/bin`` → (9, 6) (Debian names folders by major version)."""
    return tuple(int(part) for part in re.findall(r"\d+", Path(bin_dir).parent.name))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unprivileged_user() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as")


class PostgresCluster:
    """One PostgreSQL server on 127.0.0.1:<free port>, its data in a temporary folder removed by ``stop``."""

    def __init__(self, bin_dir: Path, max_connections: int = 300) -> None:
        self.bin_dir = bin_dir
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="amethyst-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.user = _unprivileged_user()
        self._options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c max_connections={max_connections}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=32MB"
        )
        self._counter = 0

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.root)
        if completed.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {completed.stderr or completed.stdout}\n{log}")

    def start(self) -> PostgresCluster:
        if self.user is not None:
            shutil.chown(self.root, self.user)
        self._run("initdb", "-D", str(self.data), "-U", ADMIN, "--auth=trust", "-E", "UTF8", "--no-sync")
        self.pg_ctl("start")
        return self

    def pg_ctl(self, action: str) -> None:
        """``start``, ``stop`` or ``restart`` the server (fast shutdown: sessions are cut, as in a failover)."""
        args = ["pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-m", "fast", action]
        if action != "stop":
            args[1:1] = ["-o", self._options]
        self._run(*args)

    def server_pid(self) -> int | None:
        """The postmaster's process id while the server runs (its backends are its children)."""
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{ADMIN}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={ADMIN} dbname=postgres", autocommit=True) as c:
            c.execute(sql)  # type: ignore[arg-type]

    def create_database(self, template: str = "template0") -> str:
        """A new empty (or copied from ``template``) database; returns its SQLAlchemy URL."""
        self._counter += 1
        name = f"t{os.getpid()}_{self._counter}"
        self.admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with contextlib.suppress(psycopg.Error):
            self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.pg_ctl("stop")
        shutil.rmtree(self.root, ignore_errors=True)
