"""A private PostgreSQL cluster under a data directory: one command gives a working hub on a laptop.

`initdb` once (trust authentication, superuser `postgres`, no fsync wait at init), then
`pg_ctl start` on loopback only, on its own port, with its socket inside the data directory,
so it never meets the machine's own cluster. Run as root, the server runs as the `postgres`
user (PostgreSQL refuses to run as root) and the cluster directory is owned by it.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)

#: Where Debian's postgresql-15 package puts the server programs (not on PATH).
PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin")
#: The cluster's own directory inside the hub's data dir.
CLUSTER_DIR_NAME = "pg"
#: The port the cluster chose at first start is kept here (the next start reuses it).
PORT_FILE_NAME = "pg.port"
DEFAULT_PORT = 8765


class ClusterError(Exception):
    """The private cluster cannot be created or started; the message says what to do."""


def pg_bin(program: str) -> str:
    """Full path of a PostgreSQL server program (initdb, pg_ctl), or ClusterError."""
    for d in PG_BIN_DIRS:
        candidate = Path(d) / program
        if candidate.exists():
            return str(candidate)
    found = shutil.which(program)
    if found:
        return found
    raise ClusterError(
        f"{program} not found (looked in {', '.join(PG_BIN_DIRS)} and PATH): install the Debian "
        "package postgresql-15 (`make sysdeps`), or give the hub a server with --database URL"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(argv: list[str]) -> list[str]:
    """Root cannot run the server: run the programs as `postgres` (the packages create it)."""
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


def _chown_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, user="postgres", group="postgres")


class PrivateCluster:
    """The hub's own PostgreSQL under `data_dir/pg`, on 127.0.0.1:`port`."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = data_dir.resolve()
        self.dir = self.data_dir / CLUSTER_DIR_NAME
        self._port = port

    @property
    def port(self) -> int:
        """The port: as given, else the one kept from the first start, else a free one."""
        if self._port is None:
            kept = self.data_dir / PORT_FILE_NAME
            if kept.exists():
                self._port = int(kept.read_text(encoding="ascii").strip())
            else:
                self._port = _free_port()
        return self._port

    @property
    def url(self) -> str:
        """Connection URL (trust authentication on loopback)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def exists(self) -> bool:
        """True once initdb has run."""
        return (self.dir / "PG_VERSION").exists()

    def init(self) -> None:
        """initdb (once)."""
        if self.exists():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.dir.mkdir(mode=0o700, exist_ok=True)
        _chown_postgres(self.dir)
        if os.geteuid() == 0:
            # the postgres user must be able to reach its directory through ours
            for parent in [self.data_dir, *self.data_dir.parents]:
                mode = parent.stat().st_mode
                if not mode & 0o001:
                    os.chmod(parent, mode | 0o001)  # search only: no listing, no reading
                    log.info(
                        "%s: others may now pass through (o+x) so the postgres user reaches %s",
                        parent,
                        self.dir,
                    )
        argv = [pg_bin("initdb"), "-D", str(self.dir), "-U", "postgres", "--auth=trust", "-N", "-E", "UTF8"]
        self._run(argv, "initdb")
        log.info("created a private PostgreSQL cluster in %s", self.dir)

    def start(self) -> None:
        """pg_ctl start on loopback and wait until it accepts connections."""
        self.init()
        if self.running():
            return
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        argv = [pg_bin("pg_ctl"), "-D", str(self.dir), "-o", opts, "-l", str(self.dir / "server.log")]
        self._run([*argv, "-w", "-t", "60", "start"], "pg_ctl start")
        (self.data_dir / PORT_FILE_NAME).write_text(f"{self.port}\n", encoding="ascii")
        log.info("private PostgreSQL cluster up on 127.0.0.1:%d", self.port)

    def running(self) -> bool:
        """True when the cluster's server is running (pg_ctl status)."""
        if not self.exists():
            return False
        proc = subprocess.run(
            _as_postgres([pg_bin("pg_ctl"), "-D", str(self.dir), "status"]), capture_output=True, check=False
        )
        return proc.returncode == 0

    def stop(self, mode: str = "fast") -> None:
        """pg_ctl stop (`immediate` in tests: no checkpoint, a crash as far as the server knows)."""
        if self.running():
            self._run([pg_bin("pg_ctl"), "-D", str(self.dir), "-m", mode, "-w", "stop"], "pg_ctl stop")

    def _run(self, argv: list[str], what: str) -> None:
        proc = subprocess.run(_as_postgres(argv), capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
            logfile = self.dir / "server.log"
            raise ClusterError(
                f"{what} failed for the private cluster in {self.dir}: {' / '.join(tail)}"
                + (f" (server log: {logfile})" if logfile.exists() else "")
            )
