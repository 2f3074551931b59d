# cardstream: every target sets up what it needs (a virtualenv in .venv) on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# Local stack: API port, state folder (embedded PostgreSQL data, demo token, card key), demo sample.
PORT ?= 8000
STATE_DIR ?= .local
DEMO_ROWS ?= 10000
DEMO_FILE ?=

.PHONY: help venv test test-unit check lint bench demo up clean migrate lock upgrade rules

help:
	@echo "make demo    run the whole pipeline locally on sample data (no AWS account, no Postgres needed)"
	@echo "make test    run the whole test suite (sets itself up): tests/unit, db, stack, infra"
	@echo "make test-unit  the unit tier only: no PostgreSQL, no emulator, under a minute"
	@echo "make up      the local stack in the foreground (PORT=8000); Ctrl-C drains and stops it"
	@echo "make check   ruff + tests"
	@echo "make lint-infra  cfn-lint + checkov on the templates, actionlint on the workflows"
	@echo "make lock    recompile requirements*.txt (hashed locks) from requirements*.in"
	@echo "make upgrade newest versions the .in ranges allow, make test, then print what changed"
	@echo "make bench   benchmarks side by side with their baselines -> bench/results.json"
	@echo "make train   fit the fraud model on the labelled shared file -> models/<version>.json + model card"
	@echo "make evaluate  the fraud model's out-of-time report -> docs/fraud.md"
	@echo "make fuzz    long fuzzing: hypothesis (fuzz profile) and schemathesis against the local stack"
	@echo "make loadtest  the local stack under concurrent clients; checks every accepted row is in Postgres"
	@echo "make rules   after editing chalicelib/dictionary/fields.py: regenerate the SQL rules, patterns, OpenAPI"
	@echo "make migrate apply pending sql/NNN_*.sql (and a changed sql/R__*.sql) to DATABASE_URL (or the DB secret)"
	@echo "make lake    the dashboard tiles from the lake (DuckDB over the raw files) next to PostgreSQL's, for make up"
	@echo "make dashboard  the fraud dashboard as one HTML file (DASHBOARD_OUT=.local/dashboard.html)"
	@echo "make evaluate-file FILE=labelled.csv  the fraud model measured on a labelled Sparkov CSV"
	@echo "make test-browser  the dashboard tests in headless Chromium (installs chromium when missing)"
	@echo "make deploy STAGE=dev   stack + Chalice app + migrations on AWS, prints the API URL (docs/deploy.md)"
	@echo "make destroy STAGE=dev  remove it, keeping the data (DELETE_DATA=1 removes that too)"
	@echo "make rehearse  make deploy/destroy against moto in server mode, offline"
	@echo "make account-setup GITHUB_REPO=owner/name  once per AWS account: deploy state, OIDC, deploy roles"

# Every install comes from the locks: exact versions with hashes, and nothing else (--no-deps: the lock holds the
# whole closure). A changed lock builds the venv anew, so a package the lock dropped cannot linger in it.
$(STAMP): requirements.txt requirements-dev.txt
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

# The locks, from the ranges in requirements.in / requirements-dev.in (docs/dependencies.md).
# requirements.txt is what `chalice deploy` bundles: resolved for the Lambda runtime (Python 3.11, x86_64 Linux).
# requirements-dev.txt is every venv's: all of it, for any platform, held to the runtime lock's versions.
UV_COMPILE = $(VENV)/bin/uv pip compile --quiet --generate-hashes --python-version 3.11 --custom-compile-command "make lock"
lock: $(STAMP)
	$(UV_COMPILE) $(UPGRADE_FLAG) --python-platform x86_64-manylinux_2_17 requirements.in -o requirements.txt
	$(UV_COMPILE) $(UPGRADE_FLAG) --universal -c requirements.txt requirements-dev.in -o requirements-dev.txt
	$(UV_COMPILE) $(UPGRADE_FLAG) --universal requirements-checkov.in -o requirements-checkov.txt

# The newest versions the ranges allow, then the whole suite on them, then what moved.
upgrade: $(STAMP)
	mkdir -p build && cp requirements-dev.txt build/requirements-dev.before
	$(MAKE) lock UPGRADE_FLAG=--upgrade
	$(PYTHON) -m infra.lockdiff build/requirements-dev.before requirements-dev.txt
	$(MAKE) test

# checkov in its own venv, from its own lock (requirements-checkov.in says why).
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
$(CHECKOV_STAMP): requirements-checkov.txt
	rm -rf $(CHECKOV_VENV)
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --require-hashes --no-deps -r requirements-checkov.txt
	touch $(CHECKOV_STAMP)

test: $(STAMP) $(CHECKOV_STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# The tier that needs no database and no emulator (tests/unit/conftest.py refuses a test that asks for one).
test-unit: $(STAMP)
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .

check: lint test

# The template and workflow checks alone (CI runs them as their own job; make test runs them too):
# cfn-lint, checkov against infra/checkov-baseline.json, actionlint on .github/workflows/.
.PHONY: lint-infra
lint-infra: $(STAMP) $(CHECKOV_STAMP)
	$(VENV)/bin/cfn-lint infra/cloudformation.yaml infra/account.yaml
	$(CHECKOV_VENV)/bin/checkov --quiet --compact --skip-download --framework cloudformation -f infra/cloudformation.yaml \
		-f infra/account.yaml --baseline infra/checkov-baseline.json
	$(VENV)/bin/actionlint

bench: $(STAMP)
	$(PY) -m bench

# The data dictionary (chalicelib/dictionary/fields.py) is the one table of field rules; this regenerates every
# other form of them: sql/R__rules.sql, chalicelib/dictionary/patterns.py, openapi.yaml's field schemas, then
# the JSON copy. tests/unit/test_dictionary.py fails when a committed file differs from what the table generates.
rules: $(STAMP)
	$(PY) -m chalicelib.dictionary
	$(PY) -m chalicelib.apispec

# openapi.yaml is the API's description; GET /openapi.json serves this JSON copy (Lambda bundles chalicelib/ only).
.PHONY: openapi
openapi: $(STAMP)
	$(PY) -m chalicelib.apispec

# The long runs of the reliability suite (docs/reliability.md); `make test` runs the same tests bounded.
# fuzz: the hypothesis properties with the `fuzz` profile, then schemathesis against the real local stack.
FUZZ_EXAMPLES ?= 400
FUZZ_SEED ?= $(shell date +%s)
.PHONY: fuzz loadtest
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest tests/unit/test_properties.py tests/unit/test_properties_ingest.py \
		tests/db/test_properties_loader.py tests/unit/test_openapi.py $(PYTEST_ARGS)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_SEED=$(FUZZ_SEED) $(PY) -m pytest tests/stack/test_stack_reliability.py \
		-k fuzzing $(PYTEST_ARGS)

# loadtest: the local stack under LOAD_CLIENTS concurrent clients for LOAD_SECONDS, then every accepted row
# looked up in PostgreSQL. Loopback only; it stops by itself.
LOAD_CLIENTS ?= 8
LOAD_SECONDS ?= 30
LOAD_BATCH ?= 100
loadtest: $(STAMP)
	$(PY) -m bench.loadtest --clients $(LOAD_CLIENTS) --seconds $(LOAD_SECONDS) --batch-size $(LOAD_BATCH)

migrate: $(STAMP)
	$(PY) -m chalicelib.platform.migrate

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .pytest_cache .ruff_cache

up: $(STAMP)
	$(PY) -m infra.local up --port $(PORT) --state-dir $(STATE_DIR)

demo: $(STAMP)
	$(PY) -m infra.local demo --port $(PORT) --state-dir $(STATE_DIR) --rows $(DEMO_ROWS) $(if $(DEMO_FILE),--file $(DEMO_FILE))

# The lake, locally (docs/athena.md): the Athena statements transpiled to DuckDB over the running local stack's raw
# files, compared tile by tile with PostgreSQL's reporting views; exits non-zero when they differ.
.PHONY: lake
lake: $(STAMP)
	$(PY) -m infra.local.lake --state-dir $(STATE_DIR)

# The local dashboard: the reporting views as one self-contained HTML file (python -m reporting; docs/quicksight.md).
DASHBOARD_OUT ?= $(STATE_DIR)/dashboard.html
.PHONY: dashboard test-browser

dashboard: $(STAMP)
	$(PY) -m infra.local dashboard --out $(DASHBOARD_OUT) --state-dir $(STATE_DIR)

# The fraud model measured on a labelled CSV (python -m tools.evaluate), on DATABASE_URL's server, else on a
# throw-away embedded PostgreSQL. EVALUATE_ARGS: more options, e.g. --pr-curve pr.png --threshold 0.5.
FILE ?=
EVALUATE_ARGS ?=
.PHONY: evaluate-file
evaluate-file: $(STAMP)
	@test -n "$(FILE)" || (echo "usage: make evaluate-file FILE=labelled.csv [EVALUATE_ARGS='--pr-curve pr.png']" && exit 2)
	$(PY) -m infra.local evaluate $(FILE) $(EVALUATE_ARGS)

# The dashboard in headless Chromium (Debian's package, installed when missing: CI starts without it).
test-browser: $(STAMP)
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)
	$(PY) -m pytest -m browser $(PYTEST_ARGS)

# Cloud stages (docs/deploy.md): the stack, the Chalice app, migrations, what Chalice cannot set.
STAGE ?= dev
DEPLOY_ARGS ?=
.PHONY: deploy destroy rehearse account-setup unlock

# Once per AWS account and region (docs/deploy.md): the shared deploy-state bucket, GitHub's OIDC provider and
# the stages' deploy roles. EXISTING_OIDC=1 when the account already has GitHub's OIDC provider.
account-setup: $(STAMP)
	$(PY) -m infra.account_setup --github-repo $(GITHUB_REPO) $(if $(EXISTING_OIDC),--existing-oidc-provider)

# A deploy that died holding the stage's lock (the lock names who and since when).
unlock: $(STAMP)
	$(PY) -m infra.deploy unlock --stage $(STAGE)

deploy: $(STAMP)
	$(PY) -m infra.deploy deploy --stage $(STAGE) $(DEPLOY_ARGS)

# Keeps the data (buckets, card key, a final DB snapshot) unless DELETE_DATA=1; FORCE=1 lifts deletion protection.
destroy: $(STAMP)
	$(PY) -m infra.deploy destroy --stage $(STAGE) $(if $(DELETE_DATA),--delete-data) $(if $(FORCE),--force)

# deploy + destroy rehearsed against moto in server mode, offline (make test runs it too).
rehearse: $(STAMP)
	$(PY) -m infra.rehearse

# The fraud model (docs/fraud.md): fit on the labelled shared file, split by time -> models/<version>.json + card,
# and chalicelib/fraud/model.json (the copy the Lambda bundle carries); `make evaluate` the out-of-time report.
TRAIN_FILE ?= ../shared/data/sparkov_labelled_27k.csv
.PHONY: train evaluate
train: $(STAMP)
	$(PY) -m infra.local train $(TRAIN_FILE)
evaluate: $(STAMP)
	$(PY) -m infra.local fraud-report --data $(dir $(TRAIN_FILE)) --out docs/fraud.md
