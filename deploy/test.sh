#!/usr/bin/env bash
# The test command (README, CI): installs and starts what the tests need (Redis, PostgreSQL,
# via deploy/dev-services.sh), then runs vet and every Go test with the race detector.
#   ./deploy/test.sh                 # everything
#   ./deploy/test.sh ./telephony/... # some packages (extra args go to go test)
set -euo pipefail
cd "$(dirname "$0")/.."
# The tests' PostgreSQL is a server of their own (port 54329, data beside the development
# one's), not the one the demo keeps its data in: it runs without durability (PostgreSQL's
# "non-durable settings": no fsync, no full-page writes, asynchronous commit), as a server whose
# databases are thrown away may. Every test database is created and dropped, and each DROP
# DATABASE forces a checkpoint: with fsync on, 80 minutes of test runs forced
# 531 of them and wrote 5.3 GB (pg_stat_bgwriter, 2026-12-05).
# CALLFLOOR_TEST_DATABASE_URL (or CALLFLOOR_PG_PORT) chooses another server.
if [ -z "${CALLFLOOR_TEST_DATABASE_URL:-}" ]; then
  export CALLFLOOR_PG_PORT=${CALLFLOOR_PG_PORT:-54329}
  export CALLFLOOR_PG_DIR=${CALLFLOOR_PG_DIR:-/var/tmp/callfloor-pgtest-$(pwd | md5sum | cut -c1-8)}
  export CALLFLOOR_PG_SETTINGS="-c fsync=off -c full_page_writes=off -c synchronous_commit=off -c shared_buffers=512MB -c max_connections=300"
  export CALLFLOOR_TEST_DATABASE_URL="postgres://callfloor@127.0.0.1:$CALLFLOOR_PG_PORT/postgres?sslmode=disable"
fi
deploy/dev-services.sh start
port=${CALLFLOOR_REDIS_PORT:-6379}
export CALLFLOOR_TEST_REDIS_URL=${CALLFLOOR_TEST_REDIS_URL:-redis://127.0.0.1:$port/15}
pkgs=("$@")
[ ${#pkgs[@]} -eq 0 ] && pkgs=(./...)
# The browser test (cmd/callfloor/browser_test.go) drives Debian's Chromium, never a downloaded one.
# Installed like the services: waiting for another apt or dpkg to finish rather than failing.
if [ ! -x /usr/bin/chromium ]; then
  deploy/dev-services.sh apt-install chromium fonts-noto-cjk
fi
# The tests run on a UI built from the current sources (dist/ is embedded by dashboards/ui.go).
(cd dashboards/ui && npm ci --no-audit --no-fund && npm run build)
# The UI's unit tests and go vet run beside the Go tests (each fails the run; their output is
# shown at the end): run before them, they delayed the Go tests, the long pole of the run.
logs=$(mktemp -d)
(cd dashboards/ui && npm test) > "$logs/vitest" 2>&1 &
vitest=$!
# vet takes the packages only: the arguments before the first flag (-run X goes to go test alone)
vetpkgs=()
for a in "${pkgs[@]}"; do [[ $a == -* ]] && break; vetpkgs+=("$a"); done
[ ${#vetpkgs[@]} -eq 0 ] && vetpkgs=(./...)
go vet "${vetpkgs[@]}" > "$logs/vet" 2>&1 &
vet=$!
rc=0
if [ $# -eq 0 ]; then
  # Everything: cmd/callfloor (the browser tests, the long pole) runs from the start beside the
  # other packages, three of its tests at a time, rather than taking one of go test's two
  # package slots; its output follows the others'.
  go test -race -count=1 -timeout 25m -parallel 3 ./cmd/callfloor > "$logs/cmd" 2>&1 &
  cmd=$!
  go test -race -count=1 -timeout 25m $(go list ./... | grep -v '/cmd/callfloor$') || rc=$?
  wait $cmd || rc=1
  cat "$logs/cmd"
else
  go test -race -count=1 -timeout 25m "${pkgs[@]}" || rc=$?
fi
if ! wait $vet; then echo "--- go vet failed:"; cat "$logs/vet"; rc=1; fi
if ! wait $vitest; then echo "--- the UI's unit tests (npm test) failed:"; cat "$logs/vitest"; rc=1; else tail -n 4 "$logs/vitest"; fi
rm -rf "$logs"
exit $rc
