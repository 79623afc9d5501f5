# Herocon Registry. The two commands a new user needs:
#   make run    set everything up (Python 3.12+, .venv, migrations, roles, demo data) and
#               serve the app on http://127.0.0.1:8000 with SQLite
#   make test   the whole test suite plus ruff, the import contracts and the migrations check
PY := .venv/bin/python
MANAGE := $(PY) manage.py

.PHONY: run test setup bootstrap lint pytest lock messages bench bench-load totp clean

bootstrap:
	@./scripts/bootstrap.sh

setup: bootstrap
	$(MANAGE) migrate --noinput
	$(MANAGE) setup_roles
	$(MANAGE) setup_notice
	$(MANAGE) setup_consents
	$(MANAGE) seed_demo

run: setup
	DEBUG=true $(MANAGE) runserver 127.0.0.1:8000

lint: bootstrap
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	.venv/bin/lint-imports --no-cache --no-logo
	$(PY) scripts/import_cycles.py
	$(MANAGE) makemigrations --check --dry-run

pytest: bootstrap
	@./scripts/ensure_chromium.sh
	@./scripts/ensure_axe.sh
	$(PY) -m pytest $(PYTEST_ARGS)

test: lint pytest

lock:
	./scripts/lock.sh

# Regenerate the message catalogues and compile them (needs GNU gettext).
messages: bootstrap
	cd $(CURDIR) && $(MANAGE) makemessages -l fi -l sv -l en --no-obsolete --ignore=.venv --ignore=tests --ignore=bench
	$(MANAGE) compilemessages --ignore=.venv

# Issue 11's benchmarks (bench/run.py) at SIZE customers (default 1000000) on DB=postgres
# (PostgreSQL at 127.0.0.1:5432) or DB=sqlite: generates the bench_* databases when missing,
# then writes bench/results/ and the README's table. More options in BENCH_ARGS, e.g.
#   make bench SIZE=100000 DB=sqlite BENCH_ARGS="--only export admin --regenerate"
bench: bootstrap
	$(PY) bench/run.py --size $(or $(SIZE),1000000) --db $(or $(DB),postgres) $(BENCH_ARGS)

# A bounded load test against gunicorn and PostgreSQL on 127.0.0.1 (USERS, DURATION).
bench-load:
	./bench/load_test.sh

# The current TOTP code of the demo staff users.
totp:
	@$(PY) scripts/totp_code.py

clean:
	rm -rf .venv .venv-bench var staticfiles
