#!/usr/bin/env bash
# A bounded load test (`make bench-load`; never part of `make test`): gunicorn and
# PostgreSQL on 127.0.0.1, a few hundred signed-in portal customers reading all their
# data, editing their profile and downloading it, and Customer service staff searching the
# customer list, for a fixed time. It stops by itself and writes its figures into the
# README ("Load test"). Everything it makes lives in var/load and the herocon_load database.
#   USERS=300 DURATION=60s WORKERS=5 make bench-load
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${USERS:-300}
DURATION=${DURATION:-60s}
PORT=${PORT:-8765}
WORKERS=${WORKERS:-5}
CUSTOMERS=${CUSTOMERS:-5000}

./scripts/bootstrap.sh
if [ ! -x .venv-bench/bin/locust ] || ! cmp -s bench/requirements-bench.lock .venv-bench/.lock; then
  echo "Installing locust into .venv-bench from bench/requirements-bench.lock"
  rm -rf .venv-bench
  .venv/bin/python -m venv .venv-bench
  .venv-bench/bin/pip install --quiet --disable-pip-version-check --no-deps -r bench/requirements-bench.lock
  cp bench/requirements-bench.lock .venv-bench/.lock
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  sleep 1
fi

rm -rf var/load && mkdir -p var/load
dropdb -h 127.0.0.1 -U postgres --if-exists herocon_load
createdb -h 127.0.0.1 -U postgres herocon_load
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/herocon_load
export REDIS_URL=redis://127.0.0.1:6379/15
export SECRET_KEY="load-test-only-$(head -c 24 /dev/urandom | base64)"
export MFA_ENCRYPTION_KEYS="$(.venv/bin/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
export DEBUG=false SECURE_COOKIES=false ALLOWED_HOSTS=127.0.0.1 DATA_DIR="$PWD/var/load"
export STATIC_ROOT="$PWD/var/load/static" LOG_LEVEL=WARNING DATABASE_CONN_MAX_AGE=60
export EMAIL_HOST=127.0.0.1 EMAIL_PORT=1 EMAIL_USE_TLS=false   # nothing here sends mail

.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py setup_roles -v0
.venv/bin/python manage.py setup_notice -v0
.venv/bin/python manage.py setup_consents -v0
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/python bench/load/prepare.py --customers "$CUSTOMERS" --portal "$USERS" --staff 20 \
  --output var/load/sessions.json

.venv/bin/gunicorn herocon_registry.wsgi -b "127.0.0.1:$PORT" -w "$WORKERS" \
  --access-logfile /dev/null --error-logfile var/load/gunicorn.log &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null || true' EXIT
for _ in $(seq 1 30); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break
  sleep 1
done

LOAD_SESSIONS=var/load/sessions.json .venv-bench/bin/locust -f bench/load/locustfile.py \
  --headless -u "$USERS" -r 50 -t "$DURATION" --host "http://127.0.0.1:$PORT" \
  --csv var/load/result --only-summary --stop-timeout 10 > var/load/locust.log 2>&1 || true
kill "$GUNICORN" 2>/dev/null || true
wait "$GUNICORN" 2>/dev/null || true

.venv/bin/python bench/load/report.py var/load/result_stats.csv \
  --users "$USERS" --duration "$DURATION" --workers "$WORKERS" --customers "$CUSTOMERS"
