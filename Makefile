# One command each: `make run` runs the baseline, `make test` runs every check.
# Both create .venv and install the package when needed (make test with its dev tools,
# and the LPG chain compiled; make run with what running needs only).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# the LPG chain compiled with mypyc (optional: without a C compiler, it runs as Python)
NATIVE := $(VENV)/.native

.PHONY: run test lint typecheck pytest fuzz bench native clean

# what running needs, and no more: the first `make run` shows a result in about a minute
RUNSTAMP := $(VENV)/.installed-run

$(RUNSTAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e .
	@touch $(RUNSTAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e . --group dev
	@touch $(STAMP)

# the build's sources (gasroutes.sim.native.SOURCES; a test checks the two agree)
NATIVE_SOURCES := $(wildcard src/gasroutes/sim/lpg/*.py) src/gasroutes/core/units.py \
	src/gasroutes/scenario/components.py src/gasroutes/scenario/lpg.py \
	src/gasroutes/scenario/schedules.py src/gasroutes/sim/changes.py src/gasroutes/sim/days.py \
	src/gasroutes/sim/simpy_internals.py

$(NATIVE): $(STAMP) scripts/build_native.py $(NATIVE_SOURCES)
	$(BIN)/python scripts/build_native.py
	@touch $(NATIVE)

native: $(NATIVE)

run: $(RUNSTAMP)
	@test -f $(NATIVE) || echo "note: the LPG chain runs as Python here; 'make native' compiles it \
	(about 2 minutes once; the same results, faster)"
	$(BIN)/gasroutes run scenarios/baseline.yaml

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy src

pytest: $(NATIVE)
	$(BIN)/pytest -q -n auto

# the long fuzz profile of tests/features/test_fuzz.py (make test runs a bounded one)
fuzz: $(NATIVE)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -q -p no:xdist tests/features/test_fuzz.py

bench: $(NATIVE)
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis src/build
	rm -rf src/gasroutes/sim/_lpg_native src/*__mypyc*
