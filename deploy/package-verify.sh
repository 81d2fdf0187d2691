#!/usr/bin/env bash
# Installs callfloor's Debian package on THIS machine and checks it as an administrator would,
# then removes and purges it. It installs system-wide (a package, a system user), so it is not
# part of the test suite; run it as root on a machine without a callfloor package of its own:
#
#   deploy/package-verify.sh            # builds two versions with deploy/package.sh (install, then upgrade)
#
# What it does, in order (each step prints what it found; the first failure stops it, and the
# cleanup purges the package and drops what it made):
#   1. dpkg -i version 1: the files, their owners and modes, the static binary, the system user
#   2. systemd-analyze verify of the installed unit, and its offline security exposure score
#   3. configure it as README says: /etc/callfloor/callfloor.yaml (ports, the Asterisk node) and
#      the secrets in /etc/callfloor/callfloor.env, against this machine's Redis and PostgreSQL
#      and a simulated Asterisk (`callfloor sim`, from the installed binary)
#   4. check-config, then the unit's ExecStartPre (migrate) and ExecStart (serve), read from the
#      installed unit and run by hand as its User= in its WorkingDirectory= with its environment
#      (systemd is not PID 1 here); /healthz, /readyz, a login, an agent answering simulated calls
#      that land in the history
#   5. dpkg -i version 2 (the upgrade): the edited configuration kept, migrate, serve again,
#      the calls still there
#   6. dpkg -r: what stays (the configuration, the user, the state); dpkg --purge: nothing stays
#
# Environment: CALLFLOOR_VERIFY_REDIS_URL (default redis://127.0.0.1:6379/11, flushed),
# CALLFLOOR_VERIFY_PG (default postgres://callfloor@127.0.0.1:5432; the database
# callfloor_pkg_verify is made and dropped), CALLFLOOR_VERIFY_PORT (API, default 18080) and
# CALLFLOOR_VERIFY_ARI_PORT (the simulator, default 18088).
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)

log() { printf '\npackage-verify: %s\n' "$*" >&2; }
ok() { printf '  ok: %s\n' "$*"; }
die() { printf 'package-verify: FAILED: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root: it installs the package"
if dpkg-query -W -f '${Status}' callfloor 2>/dev/null | grep -q installed; then
  die "a callfloor package is already installed here: not touching it"
fi
getent passwd callfloor >/dev/null && die "a user callfloor already exists here: not touching it"

redis=${CALLFLOOR_VERIFY_REDIS_URL:-redis://127.0.0.1:6379/11}
pg=${CALLFLOOR_VERIFY_PG:-postgres://callfloor@127.0.0.1:5432}
db=callfloor_pkg_verify
dburl="$pg/$db?sslmode=disable"
port=${CALLFLOOR_VERIFY_PORT:-18080}
ariport=${CALLFLOOR_VERIFY_ARI_PORT:-18088}
api=http://127.0.0.1:$port
work=$here/.run/package-verify
rm -rf "$work"
mkdir -p "$work"
serve_pid=

# stop CMD: TERM to the callfloor processes of the user callfloor running CMD (serve or sim;
# the user is this script's own: it refuses to start when one exists), then KILL after 30 s
stop() {
  local pids
  pids=$(pgrep -u callfloor -f "^/usr/bin/callfloor $1" 2>/dev/null) || return 0
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  for _ in $(seq 1 60); do
    # shellcheck disable=SC2086
    kill -0 $pids 2>/dev/null || return 0
    sleep 0.5
  done
  # shellcheck disable=SC2086
  kill -KILL $pids 2>/dev/null || true
}
stop_serve() {
  stop serve
  [ -z "$serve_pid" ] || wait "$serve_pid" 2>/dev/null || true
  serve_pid=
}
cleanup() {
  stop_serve
  getent passwd callfloor >/dev/null && stop sim
  if dpkg-query -W -f '${Status}' callfloor 2>/dev/null | grep -qv 'not-installed'; then
    dpkg --purge callfloor >/dev/null 2>&1 || true
  fi
  psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  redis-cli -u "$redis" flushdb >/dev/null 2>&1 || true
}
trap cleanup EXIT

log "0. building two versions of the package (deploy/package.sh)"
CALLFLOOR_PACKAGE_DIR=$work CALLFLOOR_VERSION=0.0.1~verify1 deploy/package.sh >/dev/null
CALLFLOOR_PACKAGE_DIR=$work CALLFLOOR_VERSION=0.0.2~verify2 deploy/package.sh >/dev/null
deb1=$(ls "$work"/callfloor_0.0.1~verify1_*.deb)
deb2=$(ls "$work"/callfloor_0.0.2~verify2_*.deb)
ls -l "$deb1" "$deb2"
psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
psql "$pg/postgres" -qc "CREATE DATABASE $db"
redis-cli -u "$redis" flushdb >/dev/null

# ---------------------------------------------------------------------------------------------
log "1. dpkg -i $(basename "$deb1")"
dpkg -i "$deb1"
dpkg-query -W -f '${Package} ${Version} ${Status}\n' callfloor
echo "  files: $(dpkg -L callfloor | tr '\n' ' ')"
mode() { stat -c '%U:%G %a' "$1"; }
[ "$(mode /usr/bin/callfloor)" = "root:root 755" ] || die "/usr/bin/callfloor is $(mode /usr/bin/callfloor)"
file /usr/bin/callfloor | grep -q 'statically linked' || die "the binary is not static: $(file /usr/bin/callfloor)"
ok "/usr/bin/callfloor root:root 0755, statically linked"
[ "$(mode /etc/callfloor)" = "root:callfloor 750" ] || die "/etc/callfloor is $(mode /etc/callfloor)"
for f in callfloor.yaml callfloor.env; do
  [ "$(mode /etc/callfloor/$f)" = "root:callfloor 640" ] || die "/etc/callfloor/$f is $(mode /etc/callfloor/$f)"
done
ok "/etc/callfloor root:callfloor 0750, callfloor.yaml and callfloor.env root:callfloor 0640"
[ "$(mode /lib/systemd/system/callfloor.service)" = "root:root 644" ] || die "the unit is $(mode /lib/systemd/system/callfloor.service)"
[ -f /usr/share/doc/callfloor/README.md ] && [ -f /usr/share/doc/callfloor/asterisk/extensions.conf ] || die "the documentation is missing"
ok "unit /lib/systemd/system/callfloor.service, /usr/share/doc/callfloor/{README.md,asterisk/}"
IFS=: read -r _ _ uid gid _ home shell < <(getent passwd callfloor)
[ "$uid" -lt 1000 ] || die "callfloor's uid $uid is not a system uid"
[ "$home" = /var/lib/callfloor ] && [ "$shell" = /usr/sbin/nologin ] || die "callfloor: home $home, shell $shell"
[ "$(getent group callfloor | cut -d: -f3)" = "$gid" ] || die "no group callfloor for gid $gid"
ok "system user callfloor: uid $uid, gid $gid, home $home (not created), shell $shell"
[ ! -e /var/lib/callfloor ] && ok "/var/lib/callfloor not created by the package (systemd's StateDirectory= makes it)"

# ---------------------------------------------------------------------------------------------
log "2. systemd-analyze verify /lib/systemd/system/callfloor.service"
out=$(systemd-analyze verify /lib/systemd/system/callfloor.service 2>&1) || true
echo "$out" | sed 's/^/  | /'
if echo "$out" | grep -q 'callfloor.service'; then die "systemd-analyze verify names the unit"; fi
ok "systemd-analyze verify: nothing about callfloor.service (lines above, if any, are the host's other units)"
if systemd-analyze security --offline=true /lib/systemd/system/callfloor.service >"$work/security.txt" 2>&1; then :; fi
echo "  security (offline): $(grep -i 'overall exposure' "$work/security.txt" || tail -1 "$work/security.txt")"

# ---------------------------------------------------------------------------------------------
log "3. configure: the Asterisk node (a simulator here), ports, secrets in callfloor.env"
# an administrator's edits: the API port, the node's URL and an agent phone the simulator answers
sed -i -e "s|^listen: 0.0.0.0:8080|listen: 127.0.0.1:$port|" \
  -e "s|url: \"http://127.0.0.1:8088\"|url: \"http://127.0.0.1:$ariport\"|" \
  -e 's|endpoint: PJSIP/1001|endpoint: "Local/1001@agents"|' \
  -e 's|^secure_cookie: true |secure_cookie: false|' /etc/callfloor/callfloor.yaml
grep -q "127.0.0.1:$ariport" /etc/callfloor/callfloor.yaml || die "could not edit the Asterisk node's URL"
cat >/etc/callfloor/callfloor.env <<ENV
# written by deploy/package-verify.sh
CALLFLOOR_ARI_PASSWORD=callfloor-test
CALLFLOOR_DATABASE_URL=$dburl
CALLFLOOR_REDIS_URL=$redis
ENV
[ "$(mode /etc/callfloor/callfloor.env)" = "root:callfloor 640" ] || die "callfloor.env lost its mode"
grep -v '^#' /etc/callfloor/callfloor.yaml | grep -E '^(listen|redis_url|database_url|time_zone|secure_cookie)|url:|endpoint' | sed 's/^/  | /'
# the simulated Asterisk, from the installed binary: 4 callers for the queue hotline once a line
# arrives on its standard input (a FIFO held open here), agents' phones (Local/…@agents) answer
# after 1 s; callers wait up to 2 minutes and talk 2-4 s
mkfifo "$work/sim.in"
exec 7<>"$work/sim.in"
runuser -u callfloor -- /usr/bin/callfloor sim -listen "127.0.0.1:$ariport" -traffic hotline:20 -max-calls 4 \
  -start-on-stdin -ring 1s -patience-min 2m -patience-max 2m -talk-min 2s -talk-max 4s <&7 >"$work/sim.log" 2>&1 &

# The unit, as systemd would run it: User=, WorkingDirectory=, Environment=, EnvironmentFile=,
# UMask=, ExecStartPre=, ExecStart= are read from the installed file.
unit=/lib/systemd/system/callfloor.service
key() { sed -n "s/^$1=//p" "$unit"; }
unit_user=$(key User)
unit_dir=$(key WorkingDirectory)
unit_env=$(key Environment)
unit_envfile=$(key EnvironmentFile | sed 's/^-//')
unit_umask=$(key UMask)
unit_pre=$(key ExecStartPre)
unit_start=$(key ExecStart)
echo "  unit: User=$unit_user WorkingDirectory=$unit_dir Environment=$unit_env EnvironmentFile=$unit_envfile UMask=$unit_umask"
echo "  unit: ExecStartPre=$unit_pre"
echo "  unit: ExecStart=$unit_start"
# StateDirectory=callfloor with StateDirectoryMode=0750: what systemd would create
install -d -o "$unit_user" -g "$unit_user" -m "$(key StateDirectoryMode)" "/var/lib/$(key StateDirectory)"
# as_unit CMD...: a command under the unit's user, directory, umask and environment
as_unit() {
  runuser -u "$unit_user" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$unit_env" \
    sh -c 'cd "$1" && umask "$2" && set -a && . "$3" && set +a && shift 3 && exec "$@"' as_unit \
    "$unit_dir" "$unit_umask" "$unit_envfile" "$@"
}

# ---------------------------------------------------------------------------------------------
log "4. check-config, migrate (ExecStartPre), serve (ExecStart) as $unit_user"
for _ in $(seq 1 20); do curl -fsS -u callfloor:callfloor-test "http://127.0.0.1:$ariport/ari/asterisk/info" >/dev/null 2>&1 && break; sleep 0.5; done
# shellcheck disable=SC2086
as_unit /usr/bin/callfloor check-config -config /etc/callfloor/callfloor.yaml 2>&1 | tee "$work/check1.txt" | sed 's/^/  | /'
grep -q 'configuration OK' "$work/check1.txt" || die "check-config refused the configuration"
grep -qi 'migrat' "$work/check1.txt" && ok "check-config before migrate: says the schema is not migrated"
# shellcheck disable=SC2086
as_unit $unit_pre 2>&1 | sed 's/^/  | /'
as_unit /usr/bin/callfloor check-config -config /etc/callfloor/callfloor.yaml >"$work/check2.txt" 2>&1
sed 's/^/  | /' "$work/check2.txt"
grep -q 'warning' "$work/check2.txt" && die "check-config still warns after migrate"
ok "check-config: configuration OK, Redis, PostgreSQL, the schema and the Asterisk node reachable"
start_serve() {
  # shellcheck disable=SC2086
  as_unit $unit_start >>"$work/serve.log" 2>&1 &
  serve_pid=$!
  for _ in $(seq 1 60); do curl -fsS "$api/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -fsS "$api/healthz" >/dev/null || { tail -30 "$work/serve.log" >&2; die "serve did not answer /healthz"; }
  for _ in $(seq 1 60); do curl -fsS "$api/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
  echo "  /healthz: $(curl -fsS "$api/healthz")  /readyz: $(curl -sS "$api/readyz")"
  curl -fsS "$api/readyz" >/dev/null || { tail -30 "$work/serve.log" >&2; die "serve is not ready"; }
  local pid
  pid=$(pgrep -f -u "$unit_user" -n '^/usr/bin/callfloor serve') || die "no serve process of $unit_user"
  ok "serve runs as $(ps -o user= -p "$pid") (pid $pid) in $(readlink /proc/"$pid"/cwd), umask $(grep Umask /proc/"$pid"/status | awk '{print $2}')"
}
start_serve
as_unit env CALLFLOOR_USER_PASSWORD=verify-password-1 /usr/bin/callfloor user add -config /etc/callfloor/callfloor.yaml -username admin -role admin -name "验证管理员" | sed 's/^/  | /'
jar=$work/cookie
curl -fsS -c "$jar" -H 'Content-Type: application/json' -d '{"username":"admin","password":"verify-password-1"}' "$api/api/v1/login" >/dev/null
ok "logged in as admin"
curl -fsS -o /dev/null -w '  login page: %{http_code} %{content_type} %{size_download} bytes\n' "$api/"
curl -fsS -b "$jar" -H "Origin: $api" -X POST "$api/api/v1/agents/1001/login" >/dev/null
ok "agent 1001 logged in"
echo go >&7
from=$(date -u -d '-10 minutes' +%FT%TZ)
# answered: the calls of the history search (GET /api/v1/calls) that were answered
count_answered() {
  curl -fsS -b "$jar" "$api/api/v1/calls?from=$from&to=$(date -u -d '+1 minute' +%FT%TZ)&outcome=answered" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); l=d if isinstance(d,list) else d.get("calls") or d.get("items") or []; print(sum(1 for c in l if c.get("outcome")=="answered"))'
}
answered=0
for _ in $(seq 1 120); do
  answered=$(count_answered || echo 0)
  [ "$answered" -ge 4 ] && break
  sleep 1
done
[ "$answered" -ge 4 ] || { tail -20 "$work/serve.log" >&2; die "only $answered of the simulator's 4 calls answered in the history"; }
ok "the simulator's 4 calls were answered by agent 1001 and are in PostgreSQL's history"

# ---------------------------------------------------------------------------------------------
log "5. the upgrade: dpkg -i $(basename "$deb2") while serve runs"
sum_before=$(md5sum /etc/callfloor/callfloor.yaml /etc/callfloor/callfloor.env)
dpkg -i "$deb2"
dpkg-query -W -f '  ${Package} ${Version} ${Status}\n' callfloor
[ "$(md5sum /etc/callfloor/callfloor.yaml /etc/callfloor/callfloor.env)" = "$sum_before" ] || die "the upgrade changed the edited configuration"
ok "the edited callfloor.yaml and callfloor.env kept (conffiles)"
[ "$(mode /etc/callfloor/callfloor.env)" = "root:callfloor 640" ] || die "callfloor.env is $(mode /etc/callfloor/callfloor.env) after the upgrade"
# what `systemctl try-restart` (postinst, on upgrade) would do: stop, ExecStartPre, ExecStart
stop_serve
# shellcheck disable=SC2086
as_unit $unit_pre 2>&1 | sed 's/^/  | /'
start_serve
after=$(count_answered)
[ "$after" -ge 4 ] || die "after the upgrade the history shows $after answered calls"
ok "the new binary serves; the session cookie still valid; $after answered calls in the history"
stop_serve
stop sim

# ---------------------------------------------------------------------------------------------
log "6. dpkg -r callfloor, then dpkg --purge callfloor"
dpkg -r callfloor
left() {
  for p in /usr/bin/callfloor /lib/systemd/system/callfloor.service /usr/share/doc/callfloor /etc/callfloor /etc/callfloor/callfloor.yaml /var/lib/callfloor; do
    [ -e "$p" ] && echo "  left: $p"
  done
  getent passwd callfloor >/dev/null && echo "  left: user $(getent passwd callfloor)"
  getent group callfloor >/dev/null && echo "  left: group $(getent group callfloor)"
  echo "  dpkg: $(dpkg-query -W -f '${Status}' callfloor 2>/dev/null || echo 'unknown')"
}
left
[ ! -e /usr/bin/callfloor ] && [ ! -e /lib/systemd/system/callfloor.service ] || die "remove left the binary or the unit"
[ -f /etc/callfloor/callfloor.yaml ] || die "remove deleted the configuration (conffiles stay until purge)"
ok "remove: binary, unit and documentation gone; configuration, state and user kept"
dpkg --purge callfloor
left
[ ! -e /etc/callfloor ] && [ ! -e /var/lib/callfloor ] || die "purge left /etc/callfloor or /var/lib/callfloor"
getent passwd callfloor >/dev/null && die "purge left the user callfloor"
getent group callfloor >/dev/null && die "purge left the group callfloor"
ok "purge: nothing left (the history stays in PostgreSQL: the database is the administrator's)"
log "verified: install, configure, check-config, migrate, serve, calls, upgrade, remove, purge"
