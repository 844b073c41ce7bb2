# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-spark lint typecheck pytest bench bench-sql fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Marker files record which install the venv has, so re-running is cheap.
$(VENV)/.installed-base: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-base

$(VENV)/.installed-spark: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $@ $(VENV)/.installed-dev $(VENV)/.installed-base

demo: $(VENV)/.installed-base
	$(BIN)/segmentkit demo

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/segmentkit format --check tests/data/identity.txt

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy --strict src

# On both cores: the suite is CPU-bound, and CI's Hypothesis profile is large.
pytest: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -n 2

test: lint typecheck pytest

# spark_members on a local SparkSession (pyspark 4, Java 17): starts a JVM,
# so it is apart from `make test`.
test-spark: $(VENV)/.installed-spark
	$(BIN)/python -m pytest -m spark tests/spark

# The documentation site, from docs/ into site/ (open site/index.html). The
# test suite builds it too (tests/docs/test_site.py), so a broken link fails CI.
.PHONY: docs
docs: $(VENV)/.installed-dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

bench: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks.run

# SqlRepository at scale (benchmarks/README.md): 10M interactions against the
# in-memory engine (about 45 minutes), then 100M in a DuckDB file (about 21 GB
# of disk; the generation alone takes more than an hour on 2 cores).
bench-sql: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks.sql_versus_memory
	$(BIN)/python -m benchmarks.sql_file

fuzz: $(VENV)/.installed-dev
	HYPOTHESIS_PROFILE=thorough $(BIN)/python -m pytest tests

clean:
	rm -rf $(VENV) build dist .mypy_cache .pytest_cache .ruff_cache
