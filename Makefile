# The two commands a newcomer runs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint format check-deploy worker beat clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py compile_translations
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(VENV)/.installed-test
	$(BIN)/python manage.py compile_translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-deploy: $(VENV)/.installed-run
	DJANGO_SETTINGS_MODULE=pasardesa.settings.production \
	SECRET_KEY=$${SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')} \
	PASARDESA_PERSONAL_DATA_KEY=$${PASARDESA_PERSONAL_DATA_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(48))')} \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-pasardesa.example} \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

worker: $(VENV)/.installed-run
	$(BIN)/celery -A pasardesa worker --loglevel INFO

beat: $(VENV)/.installed-run
	$(BIN)/celery -A pasardesa beat --loglevel INFO

clean:
	rm -rf $(VENV) var staticfiles
