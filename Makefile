# rareledger: every task a developer or CI runs. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB ?= sqlite:///demo/rareledger.db

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install rareledger with its dev tools

test: $(STAMP) ## Run the whole test suite (PostgreSQL too when RARELEDGER_TEST_POSTGRES_URL is set)
	$(BIN)/pytest -n 2 -q

lint: $(STAMP) ## ruff (lint and format check) and mypy
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

fmt: $(STAMP) ## Format the code
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

demo: $(STAMP) ## The main job: a SQLite ledger, the example chain and flawed reports loaded, balances and findings
	mkdir -p demo
	rm -f demo/rareledger.db demo/rareledger.db-wal demo/rareledger.db-shm
	$(BIN)/rareledger --db $(DEMO_DB) init
	$(BIN)/rareledger --db $(DEMO_DB) load examples/chain.jsonl
	@echo "--- flawed reports: one is rejected on purpose, the rest are flagged"
	-$(BIN)/rareledger --db $(DEMO_DB) load examples/flawed.jsonl
	$(BIN)/rareledger --db $(DEMO_DB) verify
	$(BIN)/rareledger --db $(DEMO_DB) balance 91360704MA35H2N87X
	$(BIN)/rareledger --db $(DEMO_DB) balance 91330212MA2H7Q5C52
	$(BIN)/rareledger --db $(DEMO_DB) lot show LOT-JJ-2025-OX-TB-0001
	$(BIN)/rareledger --db $(DEMO_DB) findings

bench: $(STAMP) ## Benchmarks: bulk load against plain inserts (N=200000), API against CLI
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/api_ingest.py
	$(BIN)/python bench/trace.py

ci: lint test ## What CI runs

.PHONY: help install test lint fmt demo bench ci
