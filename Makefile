# The two commands of the README: `make run` and `make test`. Everything else is a step they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export FLASK_APP := wsgi

.PHONY: run test install install-test translations migrate seed lint screenshots clean lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install when the locks change; the stamp records which set is installed. Every dependency comes from a
# lock with its hashes (`make lock` writes them from pyproject.toml); the portal itself is installed without them.
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml requirements-test.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-test.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed

# Pin every dependency (and the test extra's) with hashes, for Python 3.11; run after changing pyproject.toml.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet "uv>=0.9,<1"
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 --no-header -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra test --generate-hashes --python-version 3.11 --no-header \
		-o requirements-test.lock

install: $(VENV)/.installed translations
install-test: $(VENV)/.installed-test translations

translations: $(VENV)/.installed
	@$(BIN)/pybabel compile -d translations 2>&1 | grep -v "^compiling" || true

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo --if-empty

# The node's worker (portal/worker: search index, e-mail, scheduled jobs) runs one tick first, so the index exists
# before serving and /readyz answers 200 from the start; then it runs beside the server and stops with it.
run: seed
	$(BIN)/flask worker --once
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl-C to stop)"
	@$(BIN)/flask worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# The suite on every core (browser and black-box tests each stay on one worker: they share one served portal),
# with the coverage of portal/ printed and held to 90 %. `make test TEST_WORKERS=0 COVERAGE=` runs it plainly;
# PYTEST_ARGS adds to it (`make test PYTEST_ARGS="-k login" COVERAGE=`).
TEST_WORKERS ?= auto
COVERAGE     ?= --cov --cov-report=term-missing:skip-covered --cov-fail-under=90
test: lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(COVERAGE) $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check portal tests
	$(BIN)/bandit -c pyproject.toml -r portal -q

# PNGs of the main pages, taken in Chromium from a served demo portal, into docs/screenshots/.
screenshots: install-test
	$(BIN)/python -m tests.browser.screenshots docs/screenshots

clean:
	rm -rf $(VENV) .pytest_cache
