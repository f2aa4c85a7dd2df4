#!/usr/bin/env bash
# make run: set up, migrate, create the demo admin and demo data, then run web + worker.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/venv.sh
export DEBUG=${DEBUG:-true}
export NETKEEP_DATA_DIR=${NETKEEP_DATA_DIR:-$PWD/data}
mkdir -p "$NETKEEP_DATA_DIR"
# Keys are generated once per data directory, so sessions and stored secrets survive restarts.
[ -s "$NETKEEP_DATA_DIR/secret_key" ] || .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))' >"$NETKEEP_DATA_DIR/secret_key"
[ -s "$NETKEEP_DATA_DIR/fernet_key" ] || .venv/bin/python -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())' >"$NETKEEP_DATA_DIR/fernet_key"
chmod 600 "$NETKEEP_DATA_DIR/secret_key" "$NETKEEP_DATA_DIR/fernet_key"
export SECRET_KEY_FILE=$NETKEEP_DATA_DIR/secret_key
export NETKEEP_SECRET_KEYS_FILE=$NETKEEP_DATA_DIR/fernet_key
export NETKEEP_ADMIN_USER=${NETKEEP_ADMIN_USER:-admin}
export NETKEEP_ADMIN_PASSWORD=${NETKEEP_ADMIN_PASSWORD:-netkeep-demo-admin}
PY=.venv/bin/python
$PY manage.py migrate --no-input -v0
$PY manage.py ensure_admin
$PY manage.py seed_demo --if-empty
# Generated status history for the demo hosts (uptime bars, sparklines); never scanned.
$PY manage.py seed_demo_history --if-empty
# Demo devices with facts, LLDP links and 30 days of generated backups; never connected to.
$PY manage.py seed_demo_devices --if-empty
$PY manage.py help sync_schedules >/dev/null 2>&1 && $PY manage.py sync_schedules || true

cat <<MSG

  Netkeep is starting at http://127.0.0.1:8000
  Sign in as: $NETKEEP_ADMIN_USER / $NETKEEP_ADMIN_PASSWORD  (you will be asked to choose a new password)
  Press Ctrl-C to stop the web server and the worker.

MSG
stop() {
  trap - INT TERM
  kill -TERM "$web" "$worker" 2>/dev/null || true
  # qcluster stops its own worker processes on SIGTERM; give it a moment, then insist.
  for _ in $(seq 1 20); do kill -0 "$worker" 2>/dev/null || break; sleep 0.5; done
  kill -KILL -- "-$worker" 2>/dev/null || true
  wait 2>/dev/null || true
}
# The worker runs in a session of its own: Ctrl-C in the terminal then reaches only
# this script and the web server, and the script stops the cluster through its
# sentinel (a SIGINT delivered to every cluster process at once can leave it hanging).
setsid $PY manage.py qcluster &
worker=$!
$PY manage.py runserver 127.0.0.1:8000 --noreload &
web=$!
trap 'stop; exit 0' INT TERM
wait -n "$web" "$worker" || true
echo "Netkeep: the web server or the worker stopped; stopping the other." >&2
stop
