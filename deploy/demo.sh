#!/usr/bin/env bash
# The demo command (README): installs and starts Redis and PostgreSQL when absent, builds
# callfloor and runs it on its embedded default: a simulated Asterisk on 127.0.0.1:8088 with live
# inbound traffic, 3 queues, 24 agents. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/dev-services.sh start
mkdir -p bin
go build -o bin/callfloor ./cmd/callfloor
bin/callfloor migrate
# a demo administrator (created once; the password is the demo's, change it for real use)
if CALLFLOOR_USER_PASSWORD=callfloor-demo bin/callfloor user add -username admin -role admin -name "Demo admin" 2>/tmp/callfloor-demo-user.err; then
  echo "demo: created user admin (password callfloor-demo)"
elif ! grep -q "already taken" /tmp/callfloor-demo-user.err; then
  cat /tmp/callfloor-demo-user.err >&2
fi
# one user per role, a QA scorecard, a daily sampling plan (created once, same password) and
# 8 weeks of history before today (the days that have none; a few seconds)
CALLFLOOR_USER_PASSWORD=callfloor-demo bin/callfloor demo-data
cat <<MSG

  callfloor demo
  - the web UI:  http://127.0.0.1:8080/   every user's password is callfloor-demo:
      admin, olga (operations manager), pam (project manager), sam (supervisor),
      lee (team lead, team-a), quinn (QA), tara (trainer), ana (agent 1001)
  - metrics (calls offered/answered/abandoned, waiting, agents by state):  http://127.0.0.1:8080/metrics
  - log in (user admin, password callfloor-demo), then use the JSON API with the cookie:
      curl -c .run/cookie -H 'Content-Type: application/json' -d '{"username":"admin","password":"callfloor-demo"}' http://127.0.0.1:8080/api/v1/login
      curl -b .run/cookie http://127.0.0.1:8080/api/v1/queues
      curl -b .run/cookie "http://127.0.0.1:8080/api/v1/calls?from=\$(date -u -d '-1 hour' +%FT%TZ)&to=\$(date -u -d '+1 minute' +%FT%TZ)"
  - simulated Asterisk ARI:  http://127.0.0.1:8088/ari  (callfloor / callfloor-test)
  - health: http://127.0.0.1:8080/healthz   readiness: http://127.0.0.1:8080/readyz

MSG
exec bin/callfloor serve "$@"
