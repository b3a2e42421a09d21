"""A private PostgreSQL cluster for development and tests, used when DATABASE_URL is unset.

It runs the machine's own PostgreSQL server binaries (Debian's `postgresql` package: maintained,
patched, contrib included) rather than a server shipped inside a wheel. PostgreSQL refuses to run as
root, so when we are root the cluster belongs to the unprivileged `postgres` user and every server
command goes through `runuser`. The cluster listens on a Unix socket only: nothing on the network.
"""

from __future__ import annotations

import glob
import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DATABASE_NAME = "renewal"
SERVER_USER = "postgres"


class EmbeddedPostgresError(RuntimeError):
    """The embedded cluster could not be started; the message says what to do."""


def find_bindir() -> Path:
    """The newest PostgreSQL server bin directory on this machine."""
    explicit = os.environ.get("PG_BINDIR")
    candidates = [explicit] if explicit else []
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
    )
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    raise EmbeddedPostgresError(
        "No PostgreSQL server binaries found. Install them (Debian/Ubuntu: `apt-get install -y postgresql`), "
        "set PG_BINDIR to their bin directory, or set DATABASE_URL to an existing server."
    )


def _is_root() -> bool:
    return os.geteuid() == 0


def _run(args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    if _is_root():
        args = ["runuser", "-u", SERVER_USER, "--", *args]
    return subprocess.run(args, check=check, capture_output=True, text=True)  # noqa: S603


def _hand_to_server_user(path: Path) -> None:
    if _is_root():
        shutil.chown(path, user=SERVER_USER, group=None)
        path.chmod(0o700)


def default_data_dir(project_root: Path) -> Path:
    """`.devdb/` in the project; as root, a folder the `postgres` user can always reach."""
    if not _is_root():
        return project_root / ".devdb"
    digest = hashlib.sha256(str(project_root.resolve()).encode()).hexdigest()[:12]
    # /root is closed to the postgres user; a per-project folder it owns in /var/tmp survives reboots.
    return Path("/var/tmp") / f"sichuan-renewal-pg-{digest}"  # noqa: S108


@dataclass
class EmbeddedPostgres:
    """One cluster in `root`: data in `root/data`, socket and log beside it."""

    root: Path
    started_here: bool = False
    bindir: Path | None = None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "run"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str = DATABASE_NAME) -> str:
        return f"postgresql+psycopg://{SERVER_USER}@/{database}?host={self.socket_dir}"

    def _bin(self, name: str) -> str:
        assert self.bindir is not None
        return str(self.bindir / name)

    def ensure_running(self, *, durable: bool = True) -> str:
        """Init the cluster if needed, start it if it is not running, and return its URL."""
        self.bindir = find_bindir()
        self.root.mkdir(parents=True, exist_ok=True)
        _hand_to_server_user(self.root)
        if not (self.data_dir / "PG_VERSION").exists():
            started = time.monotonic()
            self.data_dir.mkdir(exist_ok=True)
            _hand_to_server_user(self.data_dir)
            result = _run(
                [
                    self._bin("initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    SERVER_USER,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ],
                check=False,
            )
            if result.returncode != 0:
                raise EmbeddedPostgresError(f"initdb failed: {result.stderr.strip()}")
            log.info(
                "embedded_postgres.initialised",
                extra={"data_dir": str(self.data_dir), "seconds": round(time.monotonic() - started, 2)},
            )
        self.socket_dir.mkdir(exist_ok=True)
        _hand_to_server_user(self.socket_dir)
        self.socket_dir.chmod(0o755)
        if _run([self._bin("pg_ctl"), "-D", str(self.data_dir), "status"], check=False).returncode != 0:
            options = f"-k {self.socket_dir} -c listen_addresses='' -c max_connections=200"
            if not durable:
                # A throwaway test cluster: crash safety buys nothing, speed does.
                options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            result = _run(
                [
                    self._bin("pg_ctl"),
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(self.log_file),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
                check=False,
            )
            if result.returncode != 0:
                tail = self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
                raise EmbeddedPostgresError(f"pg_ctl start failed: {result.stderr.strip()}\n{tail}")
            self.started_here = True
        self._ensure_database(DATABASE_NAME)
        return self.url()

    def _ensure_database(self, name: str) -> None:
        result = _run(
            [self._bin("createdb"), "-h", str(self.socket_dir), "-U", SERVER_USER, name], check=False
        )
        if result.returncode != 0 and "already exists" not in result.stderr:
            raise EmbeddedPostgresError(f"createdb {name} failed: {result.stderr.strip()}")

    def stop(self) -> None:
        if self.bindir is None:
            return
        _run([self._bin("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"], check=False)
        self.started_here = False


def throwaway_cluster() -> EmbeddedPostgres:
    """A fresh cluster in a temporary folder, for one test run."""
    root = Path(tempfile.mkdtemp(prefix="renewal-test-pg-"))
    return EmbeddedPostgres(root=root)
