"""A throwaway PostgreSQL cluster for the tests: initdb in a temporary folder, listening on a unix socket in that
folder and on 127.0.0.1 at a free port, stopped (and removed) at the end of the session.

The bootstrap superuser is ``tester`` (the user the tests record as), with trust authentication over the socket
and 127.0.0.1; the role ``analyst`` (password ``analyst-pw``) gets the analyst grants and must authenticate with
its password. When the tests run as root, the server runs as the ``postgres`` OS user (PostgreSQL refuses root).
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SUPERUSER = "tester"
ANALYST, ANALYST_PASSWORD = "analyst", "analyst-pw"


def bindir() -> Path | None:
    """Where the server binaries are: PostgreSQL 15's Debian folder (else another version's), else what pg_config
    says, else PATH."""
    candidates = [Path("/usr/lib/postgresql/15/bin"),
                  *sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)]
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True).stdout
            candidates.append(Path(found.strip()))
        except (OSError, subprocess.CalledProcessError):
            pass
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists() and (folder / "postgres").exists():
            return folder
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    def __init__(self, bin_folder: Path):
        self.bin = bin_folder
        self.root = Path(tempfile.mkdtemp(prefix="factlog-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL will not run as root
            user = pwd.getpwnam("postgres")
            os.chmod(self.root, 0o755)
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_user, *args], capture_output=True, text=True, check=True)

    def start(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "-A", "trust",
                  "--no-sync", "-E", "UTF8", "--locale", "C.UTF-8" if _has_c_utf8() else "C")
        hba = self.data / "pg_hba.conf"
        # the analyst must give its password; everyone else is trusted (a throwaway cluster on this machine)
        rules = (f"local all {ANALYST} scram-sha-256\nhost all {ANALYST} 127.0.0.1/32 scram-sha-256\n"
                 "local all all trust\nhost all all 127.0.0.1/32 trust\n")
        self._write_as_owner(hba, rules)
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-t", "60",
                  "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
                        " -c synchronous_commit=off -c full_page_writes=off -c max_connections=100",
                  "start")

    def _write_as_owner(self, path: Path, text: str) -> None:
        path.write_text(text)
        if self.as_user:
            user = pwd.getpwnam("postgres")
            os.chown(path, user.pw_uid, user.pw_gid)

    def stop(self, mode: str = "fast") -> None:
        subprocess.run([*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"],
                       capture_output=True, text=True)

    def restart(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-m", "fast",
                  "restart")

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres", user: str = SUPERUSER, password: str | None = None,
            log: str | None = None, tcp: bool = False) -> str:
        auth = user if password is None else f"{user}:{password}"
        where = f"127.0.0.1:{self.port}" if tcp else ""
        query = [] if tcp else [f"host={self.root}", f"port={self.port}"]
        if log:
            query.append(f"log={log}")
        return f"postgresql://{auth}@{where}/{database}" + ("?" + "&".join(query) if query else "")

    def sql(self, statement: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(statement)


def _has_c_utf8() -> bool:
    out = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.lower()
    return "c.utf8" in out or "c.utf-8" in out


def start_cluster() -> tuple[Cluster | None, str]:
    """A running cluster, or None and why none could be started."""
    folder = bindir()
    if folder is None:
        return None, "no PostgreSQL server binaries (initdb, pg_ctl, postgres) on this machine"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return None, "running as root and there is no 'postgres' OS user to run the server as"
    cluster = Cluster(folder)
    try:
        cluster.start()
    except subprocess.CalledProcessError as exc:
        log = cluster.root / "log"
        detail = (exc.stderr or "") + (log.read_text() if log.exists() else "")
        cluster.remove()
        return None, f"could not start a PostgreSQL server: {' '.join(detail.split())[:500]}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            cluster.sql("SELECT 1")
            break
        except Exception:
            time.sleep(0.2)
    cluster.sql(f"CREATE ROLE {ANALYST} LOGIN PASSWORD '{ANALYST_PASSWORD}'")
    atexit.register(cluster.remove)  # also when the session ends without its teardown (an interrupted run)
    return cluster, ""
