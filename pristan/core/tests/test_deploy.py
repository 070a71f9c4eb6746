"""The README's Deploying section and the files of deploy/ agree, and what they make passes
`check --deploy`; browser/test_production.py serves the same way for real."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"


def _deploying_section() -> str:
    return (ROOT / "README.md").read_text().split("\n## Deploying\n", 1)[1].split("\n## ", 1)[0]


def _env_file() -> dict[str, str]:
    lines = (DEPLOY / "pristan.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_the_readme_secrets_and_the_env_file_pass_the_deployment_check(tmp_path):
    # Run the README's own commands that make the secret key and the keys, into tmp_path instead of /etc/pristan.
    made = re.findall(r"^python3 -c '([^']+)' \| install .* /etc/pristan/(\S+)$", _deploying_section(), flags=re.MULTILINE)
    assert {name for _code, name in made} == {"secret_key", "master_keys", "index_key"}
    for code, name in made:
        output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout  # noqa: S603
        (tmp_path / name).write_text(output)
    environ = {name: value for name, value in os.environ.items() if not name.startswith(("PRISTAN_", "DJANGO_", "DATABASE_"))}
    environ |= {name: value.replace("/etc/pristan/", f"{tmp_path}/") for name, value in _env_file().items()}
    environ["PRISTAN_VAR_DIR"] = str(tmp_path / "var")
    result = subprocess.run(
        [sys.executable, "-m", "pristan.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=environ, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_env_file_is_the_production_profile_behind_one_proxy():
    environ = _env_file()
    assert environ["DJANGO_SETTINGS_MODULE"] == "pristan.settings_production"
    assert environ["DATABASE_URL"].startswith("postgres://")
    assert environ["PRISTAN_KEYS_DATABASE_URL"].startswith("postgres://")
    assert environ["DATABASE_URL"] != environ["PRISTAN_KEYS_DATABASE_URL"]
    assert environ["PRISTAN_TRUSTED_PROXY_COUNT"] == "1"
    assert environ["PRISTAN_BIND"].startswith("127.0.0.1:")  # only the proxy may set X-Forwarded-Proto
    assert {"PRISTAN_SECRET_KEY_FILE", "PRISTAN_MASTER_KEYS_FILE", "PRISTAN_INDEX_KEY_FILE"} <= set(environ)


def test_the_units_run_the_documented_commands_with_the_env_file():
    for unit, command in (("pristan.service", "start"), ("pristan-worker.service", "worker")):
        text = (DEPLOY / unit).read_text()
        assert f"\nExecStart=/opt/pristan/bin/pristan {command}\n" in text
        assert "\nEnvironmentFile=/etc/pristan/pristan.env\n" in text
        assert "\nUser=pristan\n" in text
        assert "\nReadWritePaths=/var/lib/pristan\n" in text
        assert unit in _deploying_section()
    assert ". /etc/pristan/pristan.env" in (DEPLOY / "pristan-admin").read_text()


def test_the_proxy_forwards_what_pristan_trusts():
    nginx = (DEPLOY / "nginx.conf").read_text()
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in nginx
    assert "proxy_set_header Host $host;" in nginx
    assert "proxy_request_buffering off;" in nginx  # uploads are never spooled in clear by the proxy
    size = re.search(r"client_max_body_size (\d+)m;", nginx)
    assert size
    assert int(size.group(1)) >= 1024
    assert f"server {_env_file()['PRISTAN_BIND']};" in nginx
    assert "return 301 https://" in nginx
