# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP_RUN  := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: run test bench lint typecheck validate schema clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/python -m bot console

test: $(STAMP_TEST)
	$(BIN)/python -m pytest -q -n auto
	$(BIN)/ruff check bot tests bench
	$(BIN)/mypy

# Speed and size against a floor measured in the same run; figures in bench-results/.
bench: $(STAMP_TEST)
	$(BIN)/python -m bench

lint: $(STAMP_TEST)
	$(BIN)/ruff check bot tests bench
	$(BIN)/ruff format --check bot tests bench

typecheck: $(STAMP_TEST)
	$(BIN)/mypy

validate: $(STAMP_RUN)
	$(BIN)/python -m bot content validate

schema: $(STAMP_RUN)
	$(BIN)/python -m bot content schema

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache bench-results
