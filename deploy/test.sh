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
# Arguments are packages and go test flags (./deploy/test.sh ./cmd/callfloor/ -run TestX): vet
# takes the packages only.
pkgs=() flags=()
for a in "$@"; do
  if [ ${#flags[@]} -eq 0 ] && [[ $a != -* ]]; then pkgs+=("$a"); else flags+=("$a"); fi
done
[ ${#pkgs[@]} -eq 0 ] && pkgs=(./...)
# The browser test (cmd/callfloor/browser_test.go) drives Debian's Chromium, never a downloaded one.
if [ ! -x /usr/bin/chromium ]; then
  sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  mkdir -p .run
  if [ ! -f .run/.apt-updated ]; then $sudo apt-get update -qq && touch .run/.apt-updated; fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
# The tests run on a UI built from the current sources (dist/ is embedded by dashboards/ui.go).
(cd dashboards/ui && npm ci --no-audit --no-fund && npm run build && npm test)
go vet "${pkgs[@]}"
go test -race -count=1 -timeout 15m "${pkgs[@]}" ${flags[@]+"${flags[@]}"}
