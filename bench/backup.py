"""How long, and in how much memory, do `pristan backup` and `pristan restore` take?

    .venv/bin/python bench/backup.py [CASES] [--seed S]

Generates CASES synthetic cases (`pristan generate`) on fresh SQLite databases in a temporary
directory, then runs `pristan backup` while nothing else runs, and `pristan restore` of that backup
into a second, empty installation with the same keys; each as a child process whose wall time, CPU
time and peak resident memory are printed, with the sizes of the two parts. Finally it checks the
restored audit trail (`pristan audit verify`). Everything is removed afterwards. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scratch_db import REPO, migrate, setup_django


def _child(command: list[str], environ: dict[str, str]) -> tuple[float, float, int]:
    """Run one `pristan` command; its own wall time, CPU time and peak memory (MiB)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = child.stdout.read() if child.stdout else b""
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        sys.exit(f"{' '.join(command[3:])} failed:\n{output.decode()}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cases", nargs="?", type=int, default=5_000, help="cases to generate (default 5000)")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pristan-bench-backup-") as scratch:
        source, target, backup = Path(scratch) / "source", Path(scratch) / "target", Path(scratch) / "backup"
        source.mkdir()
        target.mkdir()
        setup_django(source)
        migrate()
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("generate", cases=options.cases, offices=3, seed=options.seed, verbosity=0)
        print(f"generated {options.cases} cases in {time.perf_counter() - started:.0f} s")
        pristan = [sys.executable, "-m", "pristan.cli"]
        environ = dict(os.environ)
        wall, cpu, peak = _child([*pristan, "backup", "--output", str(backup)], environ)
        manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
        sizes = ", ".join(f"{manifest[part]['file']} {manifest[part]['size'] / 2**20:.1f} MiB" for part in ("cases", "keys"))
        print(f"backup:  {wall:6.2f} s wall, {cpu:6.2f} s CPU, peak {peak} MiB ({sizes})")
        # The second installation: empty databases of its own, the same keys and secret.
        environ |= {
            "PRISTAN_VAR_DIR": str(target),
            "DATABASE_URL": f"sqlite:///{target / 'bench.sqlite3'}",
            "PRISTAN_KEYS_DATABASE_URL": f"sqlite:///{target / 'keys.sqlite3'}",
        }
        wall, cpu, peak = _child([*pristan, "restore", str(backup)], environ)
        print(f"restore: {wall:6.2f} s wall, {cpu:6.2f} s CPU, peak {peak} MiB")
        verified = subprocess.run([*pristan, "audit", "verify"], env=environ, capture_output=True, text=True, check=False)
        print(f"restored audit trail: {verified.stdout.splitlines()[0] if verified.stdout else verified.stderr.strip()}")
        return verified.returncode


if __name__ == "__main__":
    os.chdir(REPO)
    sys.exit(main())
