# The two commands of the quick start: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_START := pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
REDIS_START := redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
	--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
DEMO_ENV := DEBUG=true DATABASE_URL=sqlite:///db.sqlite3
# The demo runs on SQLite and production on PostgreSQL, and the two databases differ in how
# they compare, average and round, so the tests of every score, band and index that a page,
# report or file shows run a second time on SQLite (in memory). PostgreSQL stays the main
# database: every test runs on it first. What needs PostgreSQL by nature (seed_scale's COPY,
# the reminder sweep's locking) is not listed.
SQLITE_TESTS := $(addprefix tests/partnerships/,test_review_close.py test_rescore.py test_review_results.py \
	test_review_journey.py test_figures_agree.py test_reports.py test_reports_partnership.py \
	test_exports.py test_exports_pdf.py test_partnership_detail.py test_dashboard.py \
	test_seed_demo.py test_demo_figures.py test_report_concerns.py test_result_data.py)

.PHONY: run test install assets services chromium pango lint clean

run: install assets pango
	$(DEMO_ENV) $(BIN)/python manage.py migrate --no-input
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install assets services chromium pango lint
	DJANGO_SETTINGS_MODULE=config.settings_test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest
	DATABASE_URL=sqlite:///:memory: $(BIN)/pytest $(SQLITE_TESTS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -ll -q -r config organisations principles partnerships api

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

assets: static/build/.built

static/build/.built: node_modules/.installed $(wildcard static/src/*)
	rm -rf static/build
	mkdir -p static/build/css static/build/js static/build/assets
	npx sass --load-path=node_modules --quiet-deps --silence-deprecation=import \
		--style=compressed --no-source-map static/src/main.scss static/build/css/main.css
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js \
		node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js.map static/build/js/
	cp -r node_modules/govuk-frontend/dist/govuk/assets/images static/build/assets/
	cp node_modules/accessible-autocomplete/dist/accessible-autocomplete.min.js \
		node_modules/accessible-autocomplete/dist/accessible-autocomplete.min.js.map static/build/js/
	cp node_modules/accessible-autocomplete/dist/accessible-autocomplete.min.css \
		node_modules/accessible-autocomplete/dist/accessible-autocomplete.min.css.map static/build/css/
	cp static/src/*.mjs static/build/js/
	cp static/src/favicon.svg static/build/
	touch $@

# The tests use the real services; start them when they are installed but not answering.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || $(PG_START)
	@for i in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
	@pg_isready -h 127.0.0.1 -p 5432
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || $(REDIS_START)

# The browser tests drive Debian's Chromium; Playwright's own download cannot work offline.
chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)

# WeasyPrint prints the PDFs through Pango, a system library pip cannot install.
pango:
	@ldconfig -p | grep -q 'libpangoft2-1.0.so.0' || \
		(apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0)

clean:
	rm -rf $(VENV) node_modules static/build staticfiles db.sqlite3
