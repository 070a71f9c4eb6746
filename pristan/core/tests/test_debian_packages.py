"""`tools/debian-packages.sh`, which `make test` and `.ci/run` call: on a machine where it cannot
install what is missing, one line says what to run, and `make test` stops there."""

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_without_apt_it_says_in_one_line_what_to_run(tmp_path):
    # A PATH with the shell's basic tools and nothing else: no apt-get, sudo, msgfmt or pg_ctl.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "python3", "id", "ls"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    result = subprocess.run(  # noqa: S603 - the project's own script
        [str(bin_dir / "bash"), str(ROOT / "tools" / "debian-packages.sh")],
        env={"PATH": str(bin_dir), "PRISTAN_CHROMIUM": str(tmp_path / "no-chromium"), "HOME": str(tmp_path)},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("The tests need Debian packages this machine lacks; as root, run: apt-get install ")
    assert "chromium" in lines[0].split()
    assert "gettext" in lines[0].split()


def test_make_test_and_ci_both_call_it():
    assert "tools/debian-packages.sh" in (ROOT / ".ci" / "run").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert "\t@tools/debian-packages.sh\n" in makefile
    assert makefile.split("\ntest: ", 1)[1].split()[0] == "debian-packages"  # before the virtual environment is made
    assert os.access(ROOT / "tools" / "debian-packages.sh", os.X_OK)
