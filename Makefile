# Two commands for a fresh machine: `make run` (the suite and its demo) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint contracts-check faults clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The demo uses the embedded default: one SQLite file per agency under ./var.
run: install
	$(BIN)/fundlink run

test: install
	$(BIN)/ruff check .
	$(BIN)/fundlink contracts check
	$(BIN)/pytest -q -m "not faults"

# The drills restart their servers: deploy/faults/servers.sh gives them a RabbitMQ node and a PostgreSQL
# cluster of their own (`deploy/faults/servers.sh stop` removes them).
faults: install
	@set -a; eval "$$(deploy/faults/servers.sh start)"; set +a; $(BIN)/pytest -q -s -m faults tests/faults

clean:
	rm -rf $(VENV) var .pytest_cache
