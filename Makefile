# Every target creates .venv and installs what it needs when missing, so each works first on a
# fresh clone. PYTHON picks the interpreter that builds the venv (3.11 or newer).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
PORT   ?= 8866
PYTEST_ARGS ?=
# Python caches compiled modules: the suite and the batch start hundreds of processes (kernels,
# the CLI), each of which would otherwise compile the package again (a shell that sets
# PYTHONDONTWRITEBYTECODE made a fresh clone's `make test` 527.7 s against 394.6 s with a cache)
export PYTHONDONTWRITEBYTECODE :=

.PHONY: demo test test-quick lint bench lab dashboard sample-data clean help

help:
	@echo "make demo       install, then run the main job on the bundled sample data"
	@echo "make test       install, then lint (ruff, the import layers) and run every test"
	@echo "make test-quick lint and run the tests not marked slow (for a quick check; CI runs all)"
	@echo "make bench      benchmarks (prints timings against their goals)"
	@echo "make lab        JupyterLab on notebooks/"
	@echo "make dashboard  the Voila dashboards on 127.0.0.1:$(PORT)"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (workbench)" >/dev/null
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/workbench rubric check rubrics/*.yaml
	$(BIN)/workbench sample-assessments
	$(BIN)/workbench batch sample_data/providers.yaml --jobs 2
	@echo
	@echo "Provider packs:  outputs/<period>/<provider>/ (report.html and report.pdf, scorecard.xlsx, governance reports with their PDFs)"
	@echo "Portfolio:       outputs/<period>/portfolio.html, portfolio.pdf and portfolio.xlsx"
	@echo "Dashboards:      make dashboard, then open http://127.0.0.1:$(PORT)/"
	@echo "Scoring:         make lab, then notebooks/assess_provider.ipynb (or scoring_form.ipynb with Voila)"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# The suite runs on every core (pytest-xdist); each test keeps its own temp folders, ports
# and outputs root, so they run side by side. `make test PYTEST_ARGS="-n 0"` runs it serially.
test: $(STAMP) lint
	$(BIN)/python -m pytest -n auto --dist worksteal $(PYTEST_ARGS)

# The same without the tests marked slow (batches, browsers, kernels): not a substitute for
# `make test`, which CI runs
test-quick: $(STAMP) lint
	$(BIN)/python -m pytest -n auto --dist worksteal -m "not slow" $(PYTEST_ARGS)

bench: $(STAMP)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks --ServerApp.ip=127.0.0.1 $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

dashboard: $(STAMP)
	$(BIN)/workbench dashboard --port $(PORT)

sample-data: $(STAMP)
	$(BIN)/workbench sample-data

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
