# Pristan: `make serve` runs a working office on this machine; `make test` proves it works.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: serve test debian-packages lint typecheck test-sqlite test-postgres test-browser messages catalogues demo bench audit clean

serve: $(VENV)/.run catalogues
	@mkdir -p var
	$(BIN)/pristan migrate --noinput --database keys
	$(BIN)/pristan migrate --noinput
	$(BIN)/pristan demo
	@# The worker runs the background jobs (imports, retention …) beside the server, and stops with it.
	$(BIN)/pristan worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/pristan runserver --insecure 127.0.0.1:8000

test: debian-packages $(VENV)/.dev catalogues lint typecheck test-sqlite test-postgres test-browser

# Chromium, gettext, PostgreSQL and python3-venv from Debian, installed if missing (apt as root or through sudo).
debian-packages:
	@tools/debian-packages.sh

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r pristan -x '*/tests/*,*/migrations/*'

typecheck: $(VENV)/.dev
	$(BIN)/mypy

test-sqlite: $(VENV)/.dev catalogues
	$(BIN)/pytest -m "not browser" -n 2 -q

test-postgres: $(VENV)/.dev catalogues
	$(BIN)/python tools/with_postgres.py -- $(BIN)/pytest -m "not browser" -n 2 -q

test-browser: $(VENV)/.dev catalogues
	$(BIN)/pytest -m browser -q

catalogues: $(VENV)/.run
	@$(BIN)/python -m pristan.core.catalogues

# Re-extract the strings to translate (needs GNU gettext: apt-get install gettext).
messages: $(VENV)/.run
	$(BIN)/pristan makemessages --all --no-obsolete --no-location --ignore=.venv --ignore=var --ignore=tests --ignore=bench --ignore=tools
	$(BIN)/python -m pristan.core.serbian_latin

demo: $(VENV)/.run catalogues
	$(BIN)/pristan migrate --noinput --database keys
	$(BIN)/pristan migrate --noinput
	$(BIN)/pristan demo

# The benchmark suite (bench/README.md, "make bench"): builds its databases once under var/bench/
# (1,000,000 cases on PostgreSQL, 100,000 on SQLite; BENCH_CASES / BENCH_SQLITE_CASES change them),
# then measures and writes bench/results/*.json. BENCH_OPTIONS passes more (e.g. --no-load).
bench: $(VENV)/.dev catalogues
	$(BIN)/python bench/run.py $(if $(BENCH_CASES),--cases $(BENCH_CASES)) $(if $(BENCH_SQLITE_CASES),--sqlite-cases $(BENCH_SQLITE_CASES)) $(BENCH_OPTIONS)

# Needs internet access to the vulnerability databases, so it is not part of `make test`.
audit: $(VENV)/.dev
	$(BIN)/pip install -q pip-audit
	$(BIN)/pip-audit

$(VENV)/.run: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[demo]'  # the synthetic-data generator too (production installs without it)
	@touch $@

$(VENV)/.dev: $(VENV)/.run
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

clean:
	rm -rf $(VENV) var test-artifacts
