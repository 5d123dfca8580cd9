# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB := instance/demo.db
export WMS_DATABASE_URL ?= sqlite:///$(CURDIR)/$(DEMO_DB)

.PHONY: demo test lint serve worker migrate bench clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: build a fresh demo database and serve the API and pages on http://127.0.0.1:8000
demo: $(STAMP)
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/wms demo load
	@echo "serving on http://127.0.0.1:8000  (API docs: http://127.0.0.1:8000/api/docs)"
	@echo "order events to the demo storefront are logged in instance/webhooks.log"
	$(BIN)/wms outbox receiver --log instance/webhooks.log & receiver=$$!; \
	    trap 'kill $$receiver' EXIT; $(BIN)/wms serve --host 127.0.0.1 --port 8000

## test: lint and run the whole suite (PostgreSQL and Redis tests skip when absent, fail under CI=true)
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc

lint: $(STAMP)
	$(BIN)/ruff check .

## serve: production serving with gunicorn against WMS_DATABASE_URL
serve: $(STAMP)
	$(BIN)/gunicorn --workers $${WMS_WORKERS:-4} --bind $${WMS_BIND:-127.0.0.1:8000} api.wsgi:app

## worker: an rq worker for background jobs (needs WMS_REDIS_URL)
worker: $(STAMP)
	$(BIN)/wms worker

## translations: collect the message ids, merge them into the catalogues, compile them
## (the compiled .mo files are committed: a fresh clone serves Chinese without this step)
CATALOGUES := api/translations
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _n -k t --no-location --sort-output \
	    --omit-header -o $(CATALOGUES)/messages.pot .
	$(BIN)/pybabel update -i $(CATALOGUES)/messages.pot -d $(CATALOGUES) --no-fuzzy-matching \
	    --ignore-obsolete --ignore-pot-creation-date
	$(BIN)/pybabel compile -d $(CATALOGUES) --statistics

migrate: $(STAMP)
	$(BIN)/wms db upgrade

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	@ls bench/*.py

clean:
	rm -rf $(VENV) instance/demo.db* .pytest_cache
