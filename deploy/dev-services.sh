#!/usr/bin/env bash
# Installs (with apt, when absent) and starts the local services callfloor needs:
# Redis and PostgreSQL, each on loopback, with data under .run/ in the checkout.
#
#   deploy/dev-services.sh start   # idempotent: starts what is not running
#   deploy/dev-services.sh stop
#   deploy/dev-services.sh env     # prints the export lines for the URLs
#   deploy/dev-services.sh apt-install PKG...   # apt-get install, waiting for another apt to finish
#
# Ports: CALLFLOOR_REDIS_PORT (default 6379), CALLFLOOR_PG_PORT (default 5432).
# CALLFLOOR_PG_DIR: PostgreSQL's data folder (default one per checkout under /var/tmp);
# CALLFLOOR_PG_SETTINGS: extra server settings ("-c name=value ..."), used when this script
# starts the server (deploy/test.sh starts a test server of its own with non-durable ones).
# A Redis or PostgreSQL already answering on its port is reused; when this script did not start
# it (no pidfile / data folder of ours behind that port), it says so.
# apt: when another apt or dpkg holds the lock (unattended-upgrades at boot, a second checkout
# installing at the same time), this waits for it (up to CALLFLOOR_APT_WAIT seconds, default 600)
# instead of failing.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
run=${CALLFLOOR_RUN_DIR:-$here/.run}   # our Redis's data and pidfile, the apt-updated mark
redis_port=${CALLFLOOR_REDIS_PORT:-6379}
pg_port=${CALLFLOOR_PG_PORT:-5432}
mkdir -p "$run"

log() { printf 'dev-services: %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_wait=${CALLFLOOR_APT_WAIT:-600}

# apt_get runs apt-get as root, waiting while another apt/dpkg holds its locks: apt itself waits
# for the dpkg lock (DPkg::Lock::Timeout); the lists and archives locks of apt-get update are
# retried here until apt_wait seconds have passed.
apt_get() {
  local err rc deadline=$((SECONDS + apt_wait)) said=
  err=$(mktemp)
  while :; do
    rc=0
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$apt_wait" "$@" 2>"$err" || rc=$?
    if [ $rc -ne 0 ] && grep -qiE 'could not get lock|unable to acquire the dpkg frontend lock|unable to lock|is another process using it' "$err" \
        && [ $SECONDS -lt $deadline ]; then
      [ -n "$said" ] || log "another apt or dpkg is running (holds its lock): waiting up to ${apt_wait}s for it to finish"
      said=1
      sleep 3
      continue
    fi
    cat "$err" >&2; rm -f "$err"
    [ -z "$said" ] || [ $rc -ne 0 ] || log "the apt lock is free again: done"
    return $rc
  done
}

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} with apt"
  if [ ! -f "$run/.apt-updated" ]; then apt_get update -qq && touch "$run/.apt-updated"; fi
  apt_get install -y -qq "${missing[@]}" >/dev/null
}

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_ctl" ] && { echo "$d"; return; }; done
  return 1
}

redis_up() { redis-cli -p "$redis_port" ping >/dev/null 2>&1; }

# redis_ours: the Redis answering on the port is the one this checkout started (its process id,
# as that Redis reports it, is the one in our pidfile).
redis_ours() {
  local pid
  pid=$(cat "$run/redis/redis.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && redis-cli -p "$redis_port" info server 2>/dev/null | tr -d '\r' | grep -qx "process_id:$pid"
}

start_redis() {
  command -v redis-server >/dev/null || apt_install redis-server
  if redis_up; then
    if redis_ours; then
      log "redis already running on 127.0.0.1:$redis_port (started by this script, data in $run/redis)"
    else
      log "NOTE: reusing a Redis on 127.0.0.1:$redis_port that this script did not start (not the one of $run/redis/redis.pid): its data, persistence and settings are not ours; set CALLFLOOR_REDIS_PORT for a Redis of this checkout's own"
    fi
    return
  fi
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

# pg_ours: the PostgreSQL on the port runs on our data folder (its postmaster.pid names a live
# process and our port).
pg_ours() {
  local pidfile=$1/postmaster.pid pid port
  [ -f "$pidfile" ] || return 1
  pid=$(sed -n 1p "$pidfile" 2>/dev/null); port=$(sed -n 4p "$pidfile" 2>/dev/null)
  [ -n "$pid" ] && [ -d "/proc/$pid" ] && [ "$port" = "$pg_port" ]
}

start_pg() {
  pg_bin >/dev/null || apt_install postgresql
  local bin; bin=$(pg_bin)
  # The server runs as the postgres user, which may not reach a checkout under /root: keep its
  # data outside the checkout, one folder per checkout.
  local data=${CALLFLOOR_PG_DIR:-/var/tmp/callfloor-pg-$(printf %s "$here" | md5sum | cut -c1-8)}
  local sock="$data.sock"
  if "$bin/pg_isready" -h 127.0.0.1 -p "$pg_port" -q 2>/dev/null; then
    if pg_ours "$data"; then
      log "postgresql already running on 127.0.0.1:$pg_port (started by this script, data in $data)"
    else
      log "NOTE: reusing a PostgreSQL on 127.0.0.1:$pg_port that this script did not start (no server of $data on that port): its databases, users and settings are not ours; set CALLFLOOR_PG_PORT for a PostgreSQL of this checkout's own"
    fi
    return
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"; [ "$(id -u)" = 0 ] && chown -R postgres: "$data"
    as_pg "$bin/initdb" -D "$data" -U callfloor --auth=trust -E UTF8 >/dev/null
  fi
  [ "$(id -u)" = 0 ] && chown -R postgres: "$data"
  mkdir -p "$sock"; [ "$(id -u)" = 0 ] && chown postgres: "$sock"
  as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -o "-p $pg_port -k $sock -c listen_addresses=127.0.0.1 ${CALLFLOOR_PG_SETTINGS:-}" start >/dev/null
  log "postgresql started on 127.0.0.1:$pg_port${CALLFLOOR_PG_SETTINGS:+ ($CALLFLOOR_PG_SETTINGS)}"
}

case "${1:-start}" in
  start) start_redis; start_pg ;;
  redis) start_redis ;;
  apt-install) shift; apt_install "$@" ;;
  stop)
    if ! redis_up; then :
    elif redis_ours; then redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
    else log "NOTE: not stopping the Redis on 127.0.0.1:$redis_port: this script did not start it"; fi
    data=${CALLFLOOR_PG_DIR:-/var/tmp/callfloor-pg-$(printf %s "$here" | md5sum | cut -c1-8)}
    if bin=$(pg_bin) && [ -f "$data/PG_VERSION" ]; then as_pg "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true; fi ;;
  env)
    echo "export CALLFLOOR_REDIS_URL=redis://127.0.0.1:$redis_port/0"
    echo "export CALLFLOOR_DATABASE_URL=postgres://callfloor@127.0.0.1:$pg_port/postgres?sslmode=disable" ;;
  *) echo "usage: $0 start|redis|stop|env|apt-install PKG..." >&2; exit 2 ;;
esac
