#!/bin/sh
# Container entry point: `web` (migrate, first admin, gunicorn) or `worker` (qcluster).
# Anything else runs as given, e.g. `docker compose run web python manage.py shell`.
set -eu
case "${1:-web}" in
  web)
    python manage.py migrate --no-input
    # The first admin, only when configured (NETKEEP_ADMIN_USER + _PASSWORD or _PASSWORD_FILE).
    if [ -n "${NETKEEP_ADMIN_USER:-}" ]; then python manage.py ensure_admin; fi
    exec gunicorn netkeep.wsgi \
      --bind "0.0.0.0:${PORT:-8000}" \
      --workers "${WEB_CONCURRENCY:-3}" \
      --timeout 60 \
      --access-logfile -
    ;;
  worker)
    # The web container migrates; wait until it has, rather than race it.
    until python manage.py migrate --check >/dev/null 2>&1; do
      echo "worker: waiting for database migrations" >&2
      sleep 3
    done
    # Schedules are reconciled by every worker process when it starts (and when
    # scan settings change); doing it once here too makes the log say what changed.
    python manage.py sync_schedules
    exec python manage.py qcluster
    ;;
  *)
    exec "$@"
    ;;
esac
