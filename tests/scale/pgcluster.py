"""A throw-away PostgreSQL cluster for the restart test: initdb into a temporary folder, started
with pg_ctl on a free port, owned by the `postgres` system user (PostgreSQL refuses to run as
root). The machine's own PostgreSQL, which other work shares, is never touched."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.scale.faults import free_port


def binaries() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian keeps pg_ctl off the PATH)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4])
    )
    return Path(found[-1]).parent if found else None


class Cluster:
    def __init__(self) -> None:
        bin_dir = binaries()
        assert bin_dir is not None
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="xf-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/xfinances"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, cwd=self.root)

    def create(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres")
        self.start()

    def _ctl(self, action: str, *extra: str) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off "
            "-c synchronous_commit=off -c max_connections=60"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "postgres.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            action,
            *extra,
        )

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        """`-m fast`: open connections are cut, as when PostgreSQL is restarted for real."""
        self._ctl("restart", "-m", "fast")

    def load(self, source_url: str) -> None:
        """A copy of another database (pg_dump into this cluster's `xfinances`)."""
        psql = [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        subprocess.run([*psql, "-qc", "CREATE DATABASE xfinances"], check=True, capture_output=True)
        dump = subprocess.run(
            [str(self.bin / "pg_dump"), "--no-owner", source_url],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [*psql, "-q", "-v", "ON_ERROR_STOP=1", "-d", "xfinances"],
            input=dump.stdout,
            check=True,
            capture_output=True,
        )

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("stop", "-m", "immediate")
        shutil.rmtree(self.root, ignore_errors=True)
