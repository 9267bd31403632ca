# The two commands of the README: `make demo` runs Chorus, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
export CHORUS_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# Parallel test workers (pytest-xdist): one per core; each has its own database.
WORKERS ?= auto

.PHONY: demo test test-e2e test-sqlite test-postgres lint audit lock install services browser clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Chorus needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The exact versions of requirements.lock, then Chorus itself (editable) without resolving again.
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

demo: export CHORUS_BASE_URL ?= http://$(HOST):$(PORT)
demo: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo "Chorus is starting at http://$(HOST):$(PORT)  (stop with Ctrl+C)"
	@# The task consumer (scheduled shares, previews, metric sync) runs beside the web app.
	$(BIN)/huey_consumer advocacy.worker.huey --workers 2 --logfile instance/tasks.log -q & \
	consumer=$$!; trap 'kill $$consumer 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install services
	scripts/pytest.sh -n $(WORKERS) --cov --cov-report=term:skip-covered
	CHORUS_TEST_DATABASE_URL=$(CHORUS_TEST_POSTGRES_URL) scripts/pytest.sh -n $(WORKERS) -q
	$(BIN)/ruff check .

# Browser journeys (Playwright driving Debian's Chromium) and the load test, against a real
# server process on 127.0.0.1.
test-e2e: install browser
	CHORUS_E2E=1 scripts/pytest.sh tests/e2e

browser:
	@bash scripts/browser.sh

test-sqlite: install
	scripts/pytest.sh -n $(WORKERS)

test-postgres: install services
	CHORUS_TEST_DATABASE_URL=$(CHORUS_TEST_POSTGRES_URL) scripts/pytest.sh -n $(WORKERS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# bandit over the shipped code: every finding it would report is explained where it occurs
# (a `# nosec BXXX # why` comment), so any new one fails the build.
audit: install
	$(BIN)/bandit --quiet --recursive advocacy connectors training dashboards wsgi.py

lock:
	bash scripts/lock.sh

services:
	@bash scripts/services.sh

clean:
	rm -rf $(VENV) .pytest_cache .coverage
