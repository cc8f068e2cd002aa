# Two commands on a fresh machine: `make run` (the app on Corsica) and `make test`.
# Both create .venv and install the project with its dev extra on first use.
VENV ?= .venv
PY := $(VENV)/bin/python
# The data folder is chosen by planner.config alone (PLANNER_DATA_DIR if set, else the
# per-user data folder, with the Corsica bundle geodata/demo/ as fallback); the tests
# find the real snapshots through tests/conftest.py.

.PHONY: install run test bench screenshots lint

install: $(VENV)/.installed
	@:  # quiet when up to date: stdout stays for the command after it (JSON)

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip >&2
	@$(PY) -m pip install -q -e ".[dev]" >&2
	@touch $@

run: install
	$(VENV)/bin/streamlit run app.py --server.headless true --server.address 127.0.0.1 --browser.gatherUsageStats false

test: install
	$(PY) -m pytest -n 2 --dist loadgroup -q

bench: install
	for f in bench/*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

screenshots: install
	$(PY) -m pytest tests/app/test_app_browser.py -q --screenshots docs/screenshots

lint: install
	$(VENV)/bin/ruff check planner tests app_pages bench app.py
	$(VENV)/bin/mypy planner
