#!/usr/bin/env bash
# The long Redis / PostgreSQL failure tests (issue 15), outside the default test run:
#   - TestSentinelFailoverUnderTraffic: the ACD on the simulator behind a local Sentinel set
#     (master, replica, three sentinels); SENTINEL FAILOVER while calls are routed: every call
#     answered, ended once, no agent given two calls.
#   - TestServeOnRedisCluster: serve as a whole on a local 3-master Cluster (redis+cluster://):
#     calls routed and written to history, the floor's keys in one slot.
#   - TestReportsReplica*: a real streaming replica (pg_basebackup -R from the dev server),
#     reports served from it equal the primary's; writes through the reports pool refused.
#   deploy/chaos/redis-pg.sh            # all of them
#   deploy/chaos/redis-pg.sh -v         # extra args go to go test
set -euo pipefail
cd "$(dirname "$0")/../.."
deploy/dev-services.sh start
port=${CALLFLOOR_REDIS_PORT:-6379}
export CALLFLOOR_TEST_REDIS_URL=${CALLFLOOR_TEST_REDIS_URL:-redis://127.0.0.1:$port/15}
export CALLFLOOR_CHAOS=1
go test -race -count=1 -timeout 10m -run 'TestSentinelFailoverUnderTraffic|TestStoreOnCluster' ./telephony/ ./realtime/ "$@"
go test -race -count=1 -timeout 10m -run 'TestReportsReplica' ./storage/ "$@"
go test -race -count=1 -timeout 10m -run 'TestServeOnRedisCluster' ./cmd/callfloor/ "$@"
