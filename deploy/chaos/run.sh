#!/usr/bin/env bash
# The chaos suite (issue 15, item 5), outside the default test run (several minutes):
# TestChaosSuite builds the production setup from real parts on loopback — two callfloor
# instances (child processes of the test binary, acd.lease on) for two simulated Asterisk
# nodes, Redis as a Sentinel set (master, replica, three sentinels), PostgreSQL with a
# streaming replica as reports_database_url — and under steady traffic, in turn: kills the
# active instance, partitions it from Redis, fails the Redis master over, restarts the
# PostgreSQL primary, restarts an Asterisk node. After each it checks every call against the
# simulator's own record and prints a table (calls placed, in history, duplicates, lost,
# take-over time, load average): BENCHMARKS.md, "Chaos suite".
#   deploy/chaos/run.sh                   # the suite, under -race
#   deploy/chaos/run.sh -count=3          # extra arguments go to go test
# Needs redis-server / redis-cli and PostgreSQL's server binaries (/usr/lib/postgresql/*/bin);
# it starts its own servers on free loopback ports and never touches the shared ones.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CALLFLOOR_CHAOS=1
ulimit -n 8192 2>/dev/null || true
go test -race -count=1 -timeout 20m -v -run '^TestChaosSuite$' ./cmd/callfloor/ "$@" 2>&1 | grep -v '^=== \(RUN\|PAUSE\|CONT\)'
