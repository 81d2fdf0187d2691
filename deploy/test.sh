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
go vet "${pkgs[@]}"
go test -race -count=1 -timeout 15m "${pkgs[@]}"
