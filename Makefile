# Two commands for a newcomer: `make run` (set up, build the demo database if none, start the app)
# and `make test` (set up, run the whole suite). Everything lives in .venv; nothing global.
SHELL := /bin/bash
PYTHON_BIN ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell md5sum requirements.txt | cut -c1-12)
DB ?= $(or $(RETENTION_DB),data/retention.duckdb)
DEMO_CASES ?= 3000
PORT ?= 8501
# Loopback only unless asked: the demo opens without a login, and a database with real forms holds
# CPFs and phone numbers. To serve the office network (behind HTTPS): make run ADDRESS=0.0.0.0
ADDRESS ?= 127.0.0.1

.PHONY: setup run test demo-db bench bench-quick clean

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON_BIN) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)

demo-db: setup
	@if [ ! -f "$(DB)" ]; then \
		echo "Criando o banco de demonstração ($(DEMO_CASES) casos) em $(DB)…"; \
		$(PY) -m retention_analytics --db "$(DB)" demo --cases $(DEMO_CASES) --seed 42; \
	fi

# `streamlit run app.py` with the store and every page's default summaries warmed at start
# (retention_analytics/ui/serve.py), not on the first visitor's page.
run: demo-db
	RETENTION_DB="$(DB)" $(PY) -m retention_analytics.ui.serve --server.port $(PORT) --server.address $(ADDRESS)

# Two processes for everything but the browser tests (the machine's two cores), then the browser
# tests on their own: each starts a server and a Chromium, which would fight a parallel run for CPU.
test: setup
	$(PY) -m pytest -n 2 -m "not browser"
	$(PY) -m pytest -m browser

# The benchmarks of docs/performance.md (~20 minutes on two cores from a fresh clone; the
# synthetic stores are cached in data/bench/ after the first run): the pages' SQL and scripts,
# ingestion, and last the pages in headless Chromium against `make run` and a bare Streamlit page
# (its summary line last).
bench: setup
	$(PY) -m retention_analytics bench --cases 10000,100000,1000000
	$(PY) -m retention_analytics bench-ingest
	$(PY) -m retention_analytics bench-browser

# For development: the browser benchmark alone, 2 rounds and 1 server start (a few minutes).
bench-quick: setup
	$(PY) -m retention_analytics bench-browser --quick

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
