#!/usr/bin/env bash
# Throwaway servers on loopback for the engine tests (tests/conformance): a PostgreSQL server
# and a Spark Connect server.
#
#   bash scripts/services.sh run CMD [ARGS...]  start the servers, run CMD with
#                                               PARITY_TEST_POSTGRES_URL and
#                                               PARITY_TEST_SPARK_CONNECT_URL set, stop the
#                                               servers whatever happens; exit with CMD's status
#   bash scripts/services.sh start              start them and print the shell lines to use them
#   bash scripts/services.sh stop DIR           stop the servers started in DIR and remove DIR
#
# Which servers: those PARITY_TEST_ENGINES names (postgres, spark_connect); both when it is
# not set, and then a Spark Connect server that cannot start (no Java, no pyspark) is only
# reported. A server that is wanted and does not start is an error, with its log.
#
# Both live in a new temporary folder, listen on 127.0.0.1 only, on free ports, without
# authentication (they hold only synthetic test data and are deleted on stop). When CMD fails
# or a server does not start, the servers' logs are kept in a folder that is printed.
#
# PostgreSQL: trust authentication; as root the server runs as the user postgres. Its
# binaries are found through PG_BIN, then Debian's /usr/lib/postgresql/<version>/bin, then PATH.
#
# Spark Connect: the server class org.apache.spark.sql.connect.service.SparkConnectServer of
# the pip-installed pyspark (its jars/ and bin/spark-submit; SPARK_HOME overrides), in local
# mode with 2 cores, the driver on loopback (SPARK_LOCAL_IP=127.0.0.1). Its Python is
# PARITY_PYTHON, then .venv/bin/python, then python3. It needs Java 17.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
#: How long a Spark Connect server may take to accept connections (a JVM on a busy machine).
CONNECT_WAIT_SECONDS=${CONNECT_WAIT_SECONDS:-180}

wanted() {  # is server $1 (postgres, spark_connect) wanted?
  [ -z "${PARITY_TEST_ENGINES:-}" ] && return 0
  case ",${PARITY_TEST_ENGINES// /}," in *",$1,"*) return 0 ;; *) return 1 ;; esac
}

listed() {  # is $1 named in PARITY_TEST_ENGINES (not only wanted by default)?
  [ -n "${PARITY_TEST_ENGINES:-}" ] && wanted "$1"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ------------------------------------------------------------------ PostgreSQL

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
  dir=$(mktemp -d "${TMPDIR:-/tmp}/parity-services.XXXXXX")
  if [ "$(id -u)" = "0" ]; then chown postgres: "$dir"; fi
  echo "$dir"
}

start_postgres() {  # start a cluster in folder $1; sets URL
  local dir="$1" bin port
  bin=$(pg_bin)
  port=$(free_port)
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off" \
    start >/dev/null || { tail -n 50 "$dir/postgres.log" >&2; return 1; }
  URL="postgresql://postgres@127.0.0.1:$port/postgres"
}

stop_postgres() {
  local dir="$1" bin
  if [ -f "$dir/data/postmaster.pid" ]; then
    bin=$(pg_bin) || return 0
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  return 0
}

# ------------------------------------------------------------------ Spark Connect

spark_home() {
  if [ -n "${SPARK_HOME:-}" ]; then echo "$SPARK_HOME"; return 0; fi
  local py
  for py in "${PARITY_PYTHON:-}" "$ROOT/.venv/bin/python" python3; do
    [ -n "$py" ] && command -v "$py" >/dev/null 2>&1 || continue
    if "$py" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))' 2>/dev/null; then
      return 0
    fi
  done
  echo "pyspark was not found (install it with bash scripts/setup.sh --engines, or set" \
       "SPARK_HOME)." >&2
  return 1
}

launch_connect() {  # start a Spark Connect server in the background in folder $1
  local dir="$1" home port
  home=$(spark_home) || return 1
  if ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then
    echo "Java was not found: install the Debian package default-jre-headless (Java 17)." >&2
    return 1
  fi
  if ! ls "$home"/jars/spark-connect_*.jar >/dev/null 2>&1; then
    echo "$home/jars holds no Spark Connect server (spark-connect_*.jar); pyspark 4 ships it." >&2
    return 1
  fi
  port=$(free_port)
  mkdir -p "$dir/connect/tmp"
  (
    cd "$dir/connect"
    export SPARK_HOME="$home" SPARK_LOCAL_IP=127.0.0.1
    exec nohup "$home/bin/spark-submit" --master 'local[2]' --name parity-connect \
      --class org.apache.spark.sql.connect.service.SparkConnectServer \
      --conf spark.connect.grpc.binding.address=127.0.0.1 \
      --conf "spark.connect.grpc.binding.port=$port" \
      --conf spark.driver.bindAddress=127.0.0.1 --conf spark.driver.host=127.0.0.1 \
      --conf spark.ui.enabled=false \
      --conf spark.sql.shuffle.partitions=2 --conf spark.default.parallelism=2 \
      --conf spark.sql.session.timeZone=UTC \
      --conf spark.sql.catalogImplementation=in-memory \
      --conf "spark.sql.warehouse.dir=$dir/connect/spark-warehouse" \
      --conf "spark.local.dir=$dir/connect/tmp" \
      spark-internal
  ) >"$dir/connect.log" 2>&1 &
  echo "$!" >"$dir/connect.pid"
  echo "$port" >"$dir/connect.port"
}

await_connect() {  # wait until the server of folder $1 accepts connections; sets CONNECT_URL
  local dir="$1" pid port waited=0
  pid=$(cat "$dir/connect.pid")
  port=$(cat "$dir/connect.port")
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "The Spark Connect server stopped while starting; the end of its log:" >&2
      tail -n 50 "$dir/connect.log" >&2
      return 1
    fi
    if [ "$waited" -ge "$CONNECT_WAIT_SECONDS" ]; then
      echo "The Spark Connect server did not accept connections on 127.0.0.1:$port within" \
           "$CONNECT_WAIT_SECONDS s; the end of its log:" >&2
      tail -n 50 "$dir/connect.log" >&2
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  CONNECT_URL="sc://127.0.0.1:$port"
}

stop_connect() {
  local dir="$1" pid i
  [ -f "$dir/connect.pid" ] || return 0
  pid=$(cat "$dir/connect.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 30); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/connect.pid"
  return 0
}

# ------------------------------------------------------------------ both

start_all() {  # start the wanted servers in folder $1; sets URL and CONNECT_URL ("" if none)
  local dir="$1" connect=""
  URL=""
  CONNECT_URL=""
  if wanted spark_connect; then  # the JVM starts while PostgreSQL does
    if launch_connect "$dir"; then
      connect=1
    elif listed spark_connect; then
      return 1
    else
      echo "No Spark Connect server was started; its tests will be skipped." >&2
    fi
  fi
  if wanted postgres; then
    start_postgres "$dir" || return 1
  fi
  if [ -n "$connect" ]; then
    await_connect "$dir" || return 1
  fi
  return 0
}

keep_logs() {  # copy the logs of folder $1 to a folder that stays, and say where
  local dir="$1" kept
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  ls "$dir"/*.log >/dev/null 2>&1 || return 0
  kept=$(mktemp -d "${TMPDIR:-/tmp}/parity-services-logs.XXXXXX")
  cp "$dir"/*.log "$kept/" 2>/dev/null || true
  echo "The servers' logs are kept in $kept" >&2
  return 0
}

stop() {
  local dir="$1"
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  stop_connect "$dir"
  stop_postgres "$dir"
  rm -rf "$dir"
  return 0
}

exports() {
  if [ -n "$URL" ]; then echo "export PARITY_TEST_POSTGRES_URL=$URL"; fi
  if [ -n "$CONNECT_URL" ]; then echo "export PARITY_TEST_SPARK_CONNECT_URL=$CONNECT_URL"; fi
  return 0
}

case "${1:-}" in
  run)
    shift
    [ $# -gt 0 ] || { echo "usage: $0 run CMD [ARGS...]" >&2; exit 2; }
    DIR=""
    status=1
    trap '[ "$status" = 0 ] || keep_logs "$DIR"; stop "$DIR"' EXIT
    trap 'exit 130' INT TERM
    DIR=$(new_dir)
    start_all "$DIR"
    if [ -n "$URL" ]; then
      export PARITY_TEST_POSTGRES_URL="$URL"
      echo "PostgreSQL test server: $URL" >&2
    fi
    if [ -n "$CONNECT_URL" ]; then
      export PARITY_TEST_SPARK_CONNECT_URL="$CONNECT_URL"
      echo "Spark Connect test server: $CONNECT_URL" >&2
    fi
    status=0
    "$@" || status=$?
    exit "$status"
    ;;
  start)
    DIR=$(new_dir)
    start_all "$DIR" || { keep_logs "$DIR"; stop "$DIR"; exit 1; }
    exports
    echo "# stop them with: bash $0 stop $DIR"
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
