# Quick start: `make build` (set up + build the warehouse), `make test` (set up + run tests),
# `make ui` (Dagster UI and daemon on http://127.0.0.1:3000; Ctrl-C or SIGTERM stops both).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The project's instance unless the caller chose another (the tests do).
DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export DAGSTER_HOME
UI_PORT ?= 3000

.PHONY: setup build check test lint ui query docs site bench clean lock

# The project's modules compiled to bytecode (__pycache__/, git-ignored; about 40 ms when they are
# up to date). Where PYTHONDONTWRITEBYTECODE is set (it is on the development machine) Python never
# writes them, so every process (each `battery` command, the daemon, a test's build) compiled
# every module of pipelines/ again: about 0.23 s of `import pipelines.definitions` (2026-12-07).
# A module that does not compile (an edit in progress, a read-only checkout) is left to the
# command that imports it: `make query` imports none of them.
setup: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	@$(BIN)/python -m compileall -q pipelines >/dev/null 2>&1 || true  # an optimisation: never the reason a target fails

# Every dependency at the exact version and hashes of requirements.lock (no resolution, the same
# install on every clone), then the project itself without touching them. `make lock` refreshes
# the lock from pyproject.toml; tests/pipeline/test_lock.py fails while the two disagree.
LOCK := requirements.lock
$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip  # the installer only: the lock fixes what it installs
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

# Re-resolve pyproject.toml's ranges (with the test extra) into requirements.lock: newest matching
# versions, every file's sha256. Run after editing the dependencies, commit both files.
lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --upgrade --generate-hashes --allow-unsafe --no-emit-index-url --no-emit-find-links \
		--extra test --output-file $(LOCK) pyproject.toml

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	@mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml

build: setup
	$(BIN)/battery build

# Validate sources/ as a build would (every blocking rule), without Dagster or the warehouse.
check: setup
	$(BIN)/battery check

# The suite in two passes: every test but the `alone` ones on two pytest-xdist workers (idle
# workers take queued tests from busy ones; the e2e tests with a real daemon run there too), then
# the `alone` tests (`make ui` and the signals that stop it) in one process, alone on the machine:
# beside another worker the `make ui` SIGTERM test failed in two CI runs on 2026-11-27 (it passes
# alone). TEST_WORKERS=0 runs the first pass in one process too. The first pass lists its 15
# slowest tests (--durations=15).
# PYTHONDONTWRITEBYTECODE is emptied (unset, for Python) for the suite: pytest then keeps its
# rewritten test modules and every process the tests start keeps what it compiled, instead of
# compiling them again in each (about 1.4 s of each pass's collection).
TEST_WORKERS ?= 2
test: setup
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal -m "not alone" --durations=15
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n 0 -m alone

lint: setup
	$(BIN)/ruff check pipelines tests benchmarks

ui: setup
	exec $(BIN)/battery ui --host 127.0.0.1 --port $(UI_PORT)

# make query SQL="SELECT ..."   or   make query NAME=high_energy_technologies [PARAM="key=value ..."]
#   or   make query LIST=1;  FORMAT=table|csv|json|markdown.
# The arguments reach `battery query` as environment variables holding their raw text ($(value ...):
# make expands nothing in them), and the recipe never puts them on a command line, so quotes,
# backticks, $(...) and ; in them are only ever SQL text, never shell or make syntax.
unexport SQL NAME LIST PARAM FORMAT
query: export BATTERY_QUERY_SQL = $(value SQL)
query: export BATTERY_QUERY_NAME = $(value NAME)
query: export BATTERY_QUERY_LIST = $(value LIST)
query: export BATTERY_QUERY_PARAM = $(value PARAM)
query: export BATTERY_QUERY_FORMAT = $(value FORMAT)
query: setup
	@$(BIN)/battery query --from-env

docs: setup
	$(BIN)/battery docs

# The static catalogue (warehouse/site/) from the published file; `make build` writes it too.
site: setup
	$(BIN)/battery site

# The quick benchmarks; benchmarks/scale.py (minutes to an hour), benchmarks/render_charts.py
# (needs a built warehouse folder), benchmarks/monte_carlo_stability.py (about a minute) and
# benchmarks/edit_to_published.py (starts `make ui`; minutes) are run by hand.
BENCHMARKS := build_vs_floor build_warehouse curate_tables dagster_step_overhead refresh_one_file cell_model_throughput \
	design_sweep_streaming sizing_monte_carlo technology_packs release_diff query_latency query_startup
bench: setup
	@for name in $(BENCHMARKS); do echo "== benchmarks/$$name.py"; $(BIN)/python benchmarks/$$name.py || exit 1; done

clean:
	rm -rf warehouse/*.duckdb warehouse/.build warehouse/exports warehouse/releases warehouse/site
