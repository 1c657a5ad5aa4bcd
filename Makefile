# Lingban: the two commands of the README are `make up` and `make test`.
# Everything they need is installed from PyPI, Maven Central and the Go module
# proxy by the repo itself; see README "What each command needs".

SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := $(PYTHON) -m uv
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)

.PHONY: up down status test lint typecheck contracts contracts-check unit setup token web browser

## Run the platform: Kafka, the database, the four services, demo data.
## On a fresh machine the database's Go build is the long pole: it runs beside the web
## builds (npm ci, Vite) instead of after them; `devstack up` then finds it running.
up: .venv/.lingban-synced
	@$(UV) run --frozen python -m devstack infra-up --profile dev >/dev/null & infra=$$!; \
	  $(MAKE) --no-print-directory web || { wait $$infra; exit 1; }; \
	  wait $$infra || exit $$?
	$(UV) run --frozen python -m devstack up

## Stop exactly what `make up` started.
down: setup
	$(UV) run --frozen python -m devstack down

status: setup
	$(UV) run --frozen python -m devstack status

## Run every check: lint, types, contract docs, unit + integration + end-to-end tests.
test: setup lint typecheck contracts-check browser
	$(UV) run --frozen pytest

unit: setup
	$(UV) run --frozen pytest -m "not integration"

lint: setup
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

typecheck: setup
	$(UV) run --frozen mypy .

## Regenerate the published JSON Schemas and AsyncAPI documents under docs/.
contracts: setup
	$(UV) run --frozen python scripts/export_contracts.py
	$(UV) run --frozen python scripts/export_openapi.py

contracts-check: setup
	$(UV) run --frozen python scripts/export_contracts.py --check
	$(UV) run --frozen python scripts/export_openapi.py --check

## Development tokens: `make token` (one per demo user) or make token ROLE=township_secretary REGION=340881100000
token: setup
	$(UV) run --frozen python -m lingban_kit.devtokens $(if $(ROLE),--role $(ROLE) --region $(or $(REGION),340881000000),--demo)

setup: .venv/.lingban-synced web

.venv/.lingban-synced: uv.lock pyproject.toml libs/*/pyproject.toml services/*/pyproject.toml tools/devstack/pyproject.toml
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(UV) sync --frozen
	@touch $@

## The dashboard's front-end packages (Apache ECharts) from the npm registry, locked by
## services/reporting/web/package-lock.json and copied into the reporting service's static
## folder; served by the service itself, nothing is fetched from the internet at run time.
REPORTING_WEB := services/reporting/web
ECHARTS_JS := services/reporting/lingban_reporting/dashboard/static/vendor/echarts.min.js

$(ECHARTS_JS): $(REPORTING_WEB)/package.json $(REPORTING_WEB)/package-lock.json
	cd $(REPORTING_WEB) && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(dir $@)
	cp $(REPORTING_WEB)/node_modules/echarts/dist/echarts.min.js $@

## The workbench (web/workbench: Vue 3, Element Plus, Vite), locked by its package-lock.json
## and served by the gateway (infra/nginx). Rebuilt only when its sources, its packages or
## the services' APIs changed: scripts/export_openapi.py writes each service's OpenAPI
## document into web/workbench/openapi/ (a file only when it changed), and `npm run build`
## generates the API types from them and type-checks the screens against them.
WORKBENCH := web/workbench
WORKBENCH_DIST := $(WORKBENCH)/dist/index.html
WORKBENCH_MODULES := $(WORKBENCH)/node_modules/.package-lock.json
WORKBENCH_SOURCES := $(shell find $(WORKBENCH)/src $(WORKBENCH)/scripts -type f -not -path '*/generated/*' 2>/dev/null) \
  $(WORKBENCH)/index.html $(WORKBENCH)/vite.config.ts $(WORKBENCH)/tsconfig.json
API_SOURCES := $(shell find services libs -name '*.py' 2>/dev/null) scripts/export_openapi.py

$(WORKBENCH_MODULES): $(WORKBENCH)/package.json $(WORKBENCH)/package-lock.json
	cd $(WORKBENCH) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# A Python change re-exports the OpenAPI documents (seconds); the build (a minute) runs
# only when a document, a source or the packages are newer than the last build.
$(WORKBENCH_DIST): $(WORKBENCH_MODULES) $(WORKBENCH_SOURCES) $(API_SOURCES) .venv/.lingban-synced
	$(UV) run --frozen python scripts/export_openapi.py
	@if [ ! -f $@ ] || [ -n "$$(find $(WORKBENCH)/openapi $(WORKBENCH_MODULES) $(WORKBENCH_SOURCES) -newer $@ -print -quit)" ]; then \
	  echo "building the workbench (npm run build)"; cd $(WORKBENCH) && npm run build --silent; \
	else touch $@; fi

web: $(ECHARTS_JS) $(WORKBENCH_DIST)

## Debian's Chromium (and a CJK font) for the dashboard's headless-browser tests; `make up`
## does not need it. Playwright drives this binary; it never downloads a browser of its own.
browser:
	@test -x /usr/bin/chromium || { \
	  $(if $(filter 0,$(shell id -u)),,sudo) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -q \
	    --no-install-recommends chromium fonts-wqy-microhei; }
