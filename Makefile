# Two commands do all the set-up: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint train clean

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Error: $(PYTHON) not found; install Python 3.11 or run make PYTHON=python3"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

## Pre-tag the sample accounts with the shipped model.
demo: $(STAMP)
	$(BIN)/narratives pretag data/samples/*.txt

## The whole test suite: lint, types, tests.
test: $(STAMP)
	$(BIN)/ruff check classifier tests $(wildcard benchmarks) $(wildcard fuzz)
	$(BIN)/mypy classifier
	$(BIN)/pytest

## Retrain the shipped model from the shipped corpus; where the shared real statements
## are at hand, their figures go into the model card (scored only, never fitted on).
REAL ?= ../shared/real-dev/statements.jsonl
train: $(STAMP)
	$(BIN)/narratives train $(if $(wildcard $(REAL)),--real $(REAL))

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
