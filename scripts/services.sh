#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the engine tests (tests/conformance).
#
#   bash scripts/services.sh run CMD [ARGS...]  start a server, run CMD with
#                                               PARITY_TEST_POSTGRES_URL set, stop the server
#                                               whatever happens; exit with CMD's status
#   bash scripts/services.sh start              start one and print the shell lines to use it
#   bash scripts/services.sh stop DIR           stop the server started in DIR and remove DIR
#
# The cluster lives in a new temporary folder, listens on 127.0.0.1 only, on a free port, with
# trust authentication (it holds only synthetic test data and is deleted on stop). As root
# the server runs as the user postgres. PostgreSQL's binaries are found through PG_BIN, then
# Debian's /usr/lib/postgresql/<version>/bin, then PATH.
set -euo pipefail

pg_bin() {
  # (explicit return codes: a bare `return` inside an EXIT trap returns the script's status)
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return 0; fi
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$found" ] && [ -x "$found/initdb" ]; then echo "$found"; return 0; fi
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return 0; fi
  echo "PostgreSQL's initdb was not found: install the Debian package postgresql" \
       "(or set PG_BIN to the folder holding initdb and pg_ctl)." >&2
  return 1
}

as_owner() {  # run a command as the cluster's owner (postgres when we are root)
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

new_dir() {
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/parity-pg.XXXXXX")
  if [ "$(id -u)" = "0" ]; then chown postgres: "$dir"; fi
  echo "$dir"
}

start_in() {  # start a cluster in folder $1; sets URL
  local dir="$1" bin port
  bin=$(pg_bin)
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off" \
    start >/dev/null || { cat "$dir/server.log" >&2; return 1; }
  URL="postgresql://postgres@127.0.0.1:$port/postgres"
}

stop() {
  local dir="$1" bin
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  if [ -f "$dir/data/postmaster.pid" ]; then
    bin=$(pg_bin)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  return 0
}

case "${1:-}" in
  run)
    shift
    [ $# -gt 0 ] || { echo "usage: $0 run CMD [ARGS...]" >&2; exit 2; }
    DIR=""
    trap 'stop "$DIR"' EXIT
    trap 'exit 130' INT TERM
    DIR=$(new_dir)
    start_in "$DIR"
    export PARITY_TEST_POSTGRES_URL="$URL"
    echo "PostgreSQL test server: $PARITY_TEST_POSTGRES_URL" >&2
    status=0
    "$@" || status=$?
    exit "$status"
    ;;
  start)
    DIR=$(new_dir)
    start_in "$DIR" || { stop "$DIR"; exit 1; }
    echo "export PARITY_TEST_POSTGRES_URL=$URL"
    echo "# stop it with: bash $0 stop $DIR"
    ;;
  stop)
    [ -n "${2:-}" ] || { echo "usage: $0 stop DIR" >&2; exit 2; }
    stop "$2"
    ;;
  *)
    echo "usage: $0 run CMD [ARGS...] | start | stop DIR" >&2
    exit 2
    ;;
esac
