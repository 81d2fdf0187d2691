#!/usr/bin/env bash
# Installs (with apt, when absent) and starts the local services callfloor needs:
# Redis and PostgreSQL, each on loopback, with data under .run/ in the checkout.
#
#   deploy/dev-services.sh start   # idempotent: starts what is not running
#   deploy/dev-services.sh stop
#   deploy/dev-services.sh env     # prints the export lines for the URLs
#
# Ports: CALLFLOOR_REDIS_PORT (default 6379), CALLFLOOR_PG_PORT (default 5432).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
run="$here/.run"
redis_port=${CALLFLOOR_REDIS_PORT:-6379}
pg_port=${CALLFLOOR_PG_PORT:-5432}
mkdir -p "$run"

log() { printf 'dev-services: %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} with apt"
  if [ ! -f "$run/.apt-updated" ]; then as_root apt-get update -qq && touch "$run/.apt-updated"; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_ctl" ] && { echo "$d"; return; }; done
  return 1
}

redis_up() { redis-cli -p "$redis_port" ping >/dev/null 2>&1; }

start_redis() {
  command -v redis-server >/dev/null || apt_install redis-server
  if redis_up; then log "redis already answering on 127.0.0.1:$redis_port"; return; fi
  # The Debian package starts a system redis on 6379 when systemd runs; here we run our own.
  mkdir -p "$run/redis"
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$run/redis" --daemonize yes \
    --save "" --appendonly yes --logfile "$run/redis/redis.log" --pidfile "$run/redis/redis.pid"
  for _ in $(seq 50); do redis_up && break; sleep 0.1; done
  redis_up || { log "redis did not start; see $run/redis/redis.log"; exit 1; }
  log "redis started on 127.0.0.1:$redis_port"
}

pg_user() { if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start_pg() {
  pg_bin >/dev/null || apt_install postgresql
  local bin; bin=$(pg_bin)
  # The server runs as the postgres user, which may not reach a checkout under /root: keep its
  # data outside the checkout, one folder per checkout.
  local data=${CALLFLOOR_PG_DIR:-/var/tmp/callfloor-pg-$(printf %s "$here" | md5sum | cut -c1-8)}
  local sock="$data.sock"
  if "$bin/pg_isready" -h 127.0.0.1 -p "$pg_port" -q 2>/dev/null; then log "postgresql already answering on 127.0.0.1:$pg_port"; return; fi
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"; [ "$(id -u)" = 0 ] && chown -R postgres: "$data"
    as_pg "$bin/initdb" -D "$data" -U callfloor --auth=trust -E UTF8 >/dev/null
  fi
  [ "$(id -u)" = 0 ] && chown -R postgres: "$data"
  mkdir -p "$sock"; [ "$(id -u)" = 0 ] && chown postgres: "$sock"
  as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -o "-p $pg_port -k $sock -c listen_addresses=127.0.0.1" start >/dev/null
  log "postgresql started on 127.0.0.1:$pg_port"
}

case "${1:-start}" in
  start) start_redis; start_pg ;;
  redis) start_redis ;;
  stop)
    redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
    data=${CALLFLOOR_PG_DIR:-/var/tmp/callfloor-pg-$(printf %s "$here" | md5sum | cut -c1-8)}
    if bin=$(pg_bin) && [ -f "$data/PG_VERSION" ]; then as_pg "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true; fi ;;
  env)
    echo "export CALLFLOOR_REDIS_URL=redis://127.0.0.1:$redis_port/0"
    echo "export CALLFLOOR_DATABASE_URL=postgres://callfloor@127.0.0.1:$pg_port/postgres?sslmode=disable" ;;
  *) echo "usage: $0 start|redis|stop|env" >&2; exit 2 ;;
esac
