# Yimen: `make run` serves the demo center, `make test` runs the whole suite.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: run setup test check fmt lint messages openapi bench clean

$(BIN)/.installed: requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.lock
	touch $@

setup: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py seed_calendar
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py collectstatic --noinput -v 0

run: setup
	$(BIN)/python manage.py serve --host $(HOST) --port $(PORT)

test: $(BIN)/.installed
	$(BIN)/pytest $(PYTEST_ARGS)

check: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check_openapi
	$(BIN)/python manage.py check_translations

fmt: $(BIN)/.installed
	$(BIN)/ruff check --fix .

messages: $(BIN)/.installed
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --ignore '.venv/*' --ignore 'var/*' --ignore 'bench/*'
	$(BIN)/python manage.py compilemessages -l zh_Hans --ignore '.venv/*'

openapi: $(BIN)/.installed
	$(BIN)/python manage.py export_openapi_schema --api yimen.api.api --indent 2 --sorted --output docs/openapi.json

bench: $(BIN)/.installed
	$(BIN)/python -m bench $(if $(ONLY),--only $(ONLY),)

clean:
	rm -rf $(VENV) var/static
