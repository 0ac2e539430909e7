# The project's own commands. `make run` and `make test` work on a fresh machine with Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run cluster cluster-stop test test-postgres bench bench-analisis carga lint catalog admin respaldo clean capturas

$(VENV)/.instalado: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/.instalado
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## Install and serve the app on http://127.0.0.1:$(PORT) (DuckDB under data/, catalog, demo data).
run: $(VENV)/.instalado
	$(PY) -m core.cli preparar
	$(PY) -m streamlit run app.py --server.port $(PORT)

## Several processes (README, «Varios procesos (clúster)»): a local PostgreSQL under data/cluster/pg (or
## EYF_DATABASE_URL), N replicas (N=cores by default) and HAProxy on http://127.0.0.1:8500 (PORT=…).
cluster: $(VENV)/.instalado
	$(PY) -m deploy.cluster iniciar $(if $(N),--replicas $(N)) $(if $(filter environment command line,$(origin PORT)),--puerto $(PORT))

## Stop what `make cluster` started (by the PIDs in data/cluster/run/).
cluster-stop:
	$(PY) -m deploy.cluster detener

## Install and run the whole test suite (core, pages, browser) on both cores: each worker takes whole
## files and runs its own browser server on its own port and data folder. At the same time, at low
## CPU priority, the core suite and the page tests that write run again on PostgreSQL (tests/correr.py).
test: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m tests.correr

## Only the PostgreSQL pass of `make test` (Debian's postgresql-15), on both cores: each worker starts
## its own throwaway cluster under /tmp (Unix socket only, as the `postgres` user when run as root);
## tests about the DuckDB file itself (solo_duckdb) or that open no store (sin_base) are skipped.
test-postgres: $(VENV)/.dev
	EYF_PRUEBAS_PG=1 $(PY) -m pytest -n 2 --dist loadfile tests/core $$($(PY) -c "from tests.correr import PAGINAS_EN_POSTGRES as p; print(*p)")

## Refresh the README's screenshots in docs/ from a browser run (tests never change tracked files).
capturas: $(VENV)/.dev
	EYF_ACTUALIZAR_DOCS=1 $(PY) -m pytest tests/browser

## Print the benchmark table (figures also recorded in bench/RESULTS.md).
bench: $(VENV)/.dev
	$(PY) -m bench

## Only the Análisis pages in Chromium at ~1M lines a period (also part of `make bench`): seconds until
## each page's results show with no spinner, and the server's peak RSS. DATOS=<folder> reuses the data
## of an earlier run (generated there if missing; ~2 min).
bench-analisis: $(VENV)/.dev
	$(PY) -m bench.paginas_analisis $(DATOS)

## Load harness (issue 13 §4): 10/30/60/100 sessions through Streamlit's websocket protocol against
## its own `streamlit run` on a copy of the demo (DuckDB); loopback only, each level at most 10 minutes.
## CARGA="--montaje pg1" (PostgreSQL, 1 replica) or "--montaje pg2" (2 replicas behind HAProxy); CARGA="--niveles 10,30";
## any running setup: --base, --pids, --planes (see bench/carga/__main__.py).
carga: $(VENV)/.dev
	$(PY) -m bench.carga $(CARGA)

lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

## Rebuild catalog/ from ../shared/data (only where that folder exists).
catalog: $(VENV)/.instalado
	$(PY) catalog/build.py

## Leave demo mode: replace every account by one admin with a one-time password.
admin: $(VENV)/.instalado
	$(PY) -m core.cli primer-admin

## Back up the database and the signed reports to data/respaldos/<fecha>/ (server stopped; while it
## runs, use Administración › Respaldos). Restore: .venv/bin/python -m core.cli restaurar <fecha>.
respaldo: $(VENV)/.instalado
	$(PY) -m core.cli respaldar

clean:
	rm -rf $(VENV) .pytest_cache
