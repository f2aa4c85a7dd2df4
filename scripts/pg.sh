#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests, on a Unix socket in a temporary folder.
#   scripts/pg.sh start  -> prints the DATABASE_URL to use (postgres://netkeep@/netkeep?host=DIR)
#   scripts/pg.sh stop DIR
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$PGBIN" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

as_pg() {
  # initdb refuses to run as root: run the server as the 'postgres' system user then.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    dir=$(mktemp -d /tmp/netkeep-pg.XXXXXX)
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    as_pg "$PGBIN/initdb" -D "$dir/data" -U netkeep -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-k $dir -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null
    # The socket folder goes in ?host= (psycopg's own parameter): django-environ does not
    # decode a percent-encoded path in the host part, and psycopg would try to resolve it.
    echo "postgres://netkeep@/netkeep?host=$dir"
    ;;
  stop)
    dir=${2:?folder}
    as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
