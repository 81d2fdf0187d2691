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
(cd dashboards/ui && npm ci --no-audit --no-fund && npm run build && npm test)
# vet takes the packages only: the arguments before the first flag (-run X goes to go test alone)
vetpkgs=()
for a in "${pkgs[@]}"; do [[ $a == -* ]] && break; vetpkgs+=("$a"); done
[ ${#vetpkgs[@]} -eq 0 ] && vetpkgs=(./...)
go vet "${vetpkgs[@]}"
go test -race -count=1 -timeout 25m "${pkgs[@]}"
