#!/usr/bin/env bash
# Installs the Debian packages that `make test` needs and this machine lacks: python3-venv (the
# virtual environment), chromium (browser tests), gettext (the catalogue check) and postgresql
# (the suite on PostgreSQL). As root it runs apt-get; otherwise through sudo; without either it
# says in one line what to run, and fails. `make test` and `.ci/run` both call it.
set -euo pipefail

need=()
python3 -c 'import ensurepip' 2>/dev/null || need+=(python3-venv)
[ -x "${PRISTAN_CHROMIUM:-/usr/bin/chromium}" ] || need+=(chromium)
command -v msgfmt >/dev/null || need+=(gettext)
command -v pg_ctl >/dev/null || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null; then
  sudo=(sudo)
else
  sudo=(none)
fi
if [ "${sudo[*]}" = none ] || ! command -v apt-get >/dev/null; then
  echo "The tests need Debian packages this machine lacks; as root, run: apt-get install ${need[*]}" >&2
  exit 1
fi

echo "Installing the Debian packages the tests need: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
