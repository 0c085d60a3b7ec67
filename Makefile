# XFINANCES — the two commands a user needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# `make run` needs only the product; `make test` adds the test and lint tools.
RUN_STAMP := $(VENV)/.installed-run
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Two workers suit the 2-core machines CI runs on; override with `make test XDIST=auto`.
XDIST  ?= 2

.PHONY: run test bench lint typecheck fmt clean

$(VENV)/bin/python:
	@echo "Creating the virtual environment in $(VENV) ..."
	$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml $(VENV)/bin/python
	@echo "Installing XFINANCES and its libraries into $(VENV) (a minute or two the first time) ..."
	$(BIN)/python -m pip install --quiet --progress-bar off -e .
	@touch $(RUN_STAMP)

$(STAMP): pyproject.toml $(VENV)/bin/python
	@echo "Installing XFINANCES with the test and lint tools into $(VENV) (a few minutes the first time) ..."
	$(BIN)/python -m pip install --quiet --progress-bar off -e '.[dev]'
	@touch $(STAMP) $(RUN_STAMP)

# Links in e-mails follow the address actually served unless BASE_URL says otherwise.
run: $(RUN_STAMP)
	$(BIN)/xfinances migrate
	$(BIN)/xfinances demo
	BASE_URL="$${BASE_URL:-http://$(HOST):$(PORT)}" $(BIN)/xfinances serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest -n $(XDIST) $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy xfinances

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
