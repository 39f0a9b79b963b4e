# rareledger: every task a developer or CI runs. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXAMPLE_DB ?= sqlite:///demo/example.db

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

demo: $(STAMP) ## The main job: simulate a year, load it into SQLite, check it, summarise it, serve it (Ctrl-C stops)
	$(BIN)/rareledger demo --dir demo

example: $(STAMP) ## A small hand-written chain and flawed reports, loaded and shown (no server)
	mkdir -p demo
	rm -f demo/example.db demo/example.db-wal demo/example.db-shm
	$(BIN)/rareledger --db $(EXAMPLE_DB) init
	$(BIN)/rareledger --db $(EXAMPLE_DB) load examples/chain.jsonl
	@echo "--- flawed reports: one is rejected on purpose, the rest are flagged"
	-$(BIN)/rareledger --db $(EXAMPLE_DB) load examples/flawed.jsonl
	$(BIN)/rareledger --db $(EXAMPLE_DB) verify
	$(BIN)/rareledger --db $(EXAMPLE_DB) balance 91360704MA35H2N87X
	$(BIN)/rareledger --db $(EXAMPLE_DB) lot show LOT-JJ-2025-OX-TB-0001
	$(BIN)/rareledger --db $(EXAMPLE_DB) findings

bench: $(STAMP) ## Benchmarks: bulk load, API against CLI, lineage, detection speed and accuracy, EPCIS capture, pages
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/national.py
	$(BIN)/python bench/api_ingest.py
	$(BIN)/python bench/trace.py
	$(BIN)/python bench/detect.py
	$(BIN)/python bench/accuracy.py
	$(BIN)/python bench/epcis.py
	$(BIN)/python bench/pages.py

messages: $(STAMP) ## Extract the pages' messages into the Chinese and English catalogues
	$(BIN)/python scripts/messages.py
	$(BIN)/python scripts/messages.py --glossary

ci: lint test ## What CI runs

.PHONY: help install test lint fmt demo example bench messages ci
