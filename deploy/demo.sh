#!/usr/bin/env bash
# The demo command (README): installs and starts Redis and PostgreSQL when absent, builds
# callfloor and runs it on its embedded default: a simulated Asterisk on 127.0.0.1:8088 with live
# inbound traffic, 3 queues, 24 agents. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/dev-services.sh start
mkdir -p bin
go build -o bin/callfloor ./cmd/callfloor
export CALLFLOOR_API_TOKEN=${CALLFLOOR_API_TOKEN:-demo-token}
cat <<MSG

  callfloor demo
  - metrics (calls offered/answered/abandoned, waiting, agents by state):  http://127.0.0.1:8080/metrics
  - live queues and agents (JSON API):  curl -H 'Authorization: Bearer $CALLFLOOR_API_TOKEN' http://127.0.0.1:8080/api/v1/queues
  - simulated Asterisk ARI:  http://127.0.0.1:8088/ari  (callfloor / callfloor-test)
  - health: http://127.0.0.1:8080/healthz   readiness: http://127.0.0.1:8080/readyz

MSG
exec bin/callfloor serve "$@"
