#!/usr/bin/env bash
# make test: install what the tests need, then lint, checks and the suite on SQLite and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/system-packages.sh
scripts/venv.sh test
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=netkeep.test_settings

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy"
.venv/bin/mypy . --no-error-summary
echo "== makemigrations --check"
$PY manage.py makemigrations --check --dry-run
echo "== check --deploy (production-like settings)"
DJANGO_SETTINGS_MODULE=netkeep.settings DEBUG=false \
  SECRET_KEY="$($PY -c 'import secrets; print(secrets.token_urlsafe(50))')" \
  ALLOWED_HOSTS=netkeep.example.org SECURE_SSL_REDIRECT=true SECURE_HSTS_SECONDS=31536000 \
  DATABASE_URL=sqlite:///:memory: \
  $PY manage.py check --deploy --fail-level WARNING

# pytest-xdist: one worker per core (each builds its own lab namespaces and test database).
echo "== pytest on SQLite"
DATABASE_URL=sqlite:///:memory: .venv/bin/pytest -p no:cacheprovider -n auto "$@"

echo "== pytest on PostgreSQL"
pg_url=$(scripts/pg.sh start)
pg_dir=${pg_url##*host=}
trap 'scripts/pg.sh stop "$pg_dir"' EXIT
# Tests that never touch the database ran above already and would give the same result.
DATABASE_URL=$pg_url .venv/bin/pytest -p no:cacheprovider -n auto --database-tests-only "$@"
echo "== all green in $(( $(date +%s) - start )) s"
