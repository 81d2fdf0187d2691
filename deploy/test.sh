#!/usr/bin/env bash
# The test command (README, CI): installs and starts what the tests need (Redis, PostgreSQL,
# via deploy/dev-services.sh), then runs vet and every Go test with the race detector.
#   ./deploy/test.sh                 # everything
#   ./deploy/test.sh ./telephony/... # some packages (extra args go to go test)
set -euo pipefail
cd "$(dirname "$0")/.."
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
go test -race -count=1 -timeout 25m "${pkgs[@]}" || rc=$?
if ! wait $vet; then echo "--- go vet failed:"; cat "$logs/vet"; rc=1; fi
if ! wait $vitest; then echo "--- the UI's unit tests (npm test) failed:"; cat "$logs/vitest"; rc=1; else tail -n 4 "$logs/vitest"; fi
rm -rf "$logs"
exit $rc
