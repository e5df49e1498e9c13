# PingCRM — the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test bench lint format install clean extension

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

## Start the app on http://127.0.0.1:$${PINGCRM_PORT:-8000} (SQLite, in-process jobs).
run: $(STAMP)
	$(BIN)/pingcrm serve

## Run the whole test suite (PostgreSQL/browser tests skip with a reason unless CI=true).
test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

## Pack the LinkedIn Chrome extension into dist/pingcrm-linkedin-<version>.zip (or Load unpacked: extension/).
extension:
	$(PYTHON) scripts/pack_extension.py

## Benchmarks: BENCH_SIZE=S (default) or M; PostgreSQL too when PINGCRM_BENCH_DATABASE_URL is set.
bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check src tests bench migrations scripts
	$(BIN)/ruff format --check src tests bench migrations scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix src tests bench migrations scripts
	$(BIN)/ruff format src tests bench migrations scripts

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
