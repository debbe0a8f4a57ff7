# aeweb — `make run` serves the app, `make test` runs the whole suite. Both set up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# This project's machines keep the real data sets beside the checkout.
export AEWEB_DATA_DIR ?= $(abspath $(wildcard ../shared/data))

.PHONY: run test setup lint benchmarks clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0

run: setup
	$(BIN)/python -m aeweb.devserver

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m aeweb.embedded_redis -- $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

benchmarks: setup
	$(BIN)/python -m pip install --quiet -r benchmarks/requirements.txt
	$(BIN)/python -m aeweb.embedded_redis -- $(BIN)/python -m benchmarks.run_all

clean:
	rm -rf $(VENV) var
