package realtime_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/redis/go-redis/v9"
)

// The routing decision's Redis part: one atomic claim (Lua: pick the best available agent of
// the queue, set ringing, drop it from every availability index, append to the change stream)
// and the release that makes the agent available again. Compared in the same run with raw
// Redis round trips of the same count (BenchmarkRawRedisRoundTrips) as the floor.
func BenchmarkClaimAndRelease(b *testing.B) {
	for _, agents := range []int{50, 500, 5000} {
		b.Run(strconv.Itoa(agents)+"agents", func(b *testing.B) {
			rdb, prefix := testenv.Redis(b)
			benchClaim(b, rdb, prefix, agents)
		})
	}
}

// The same on a local 3-master Redis Cluster (testenv.RedisCluster), the floor's keys under a
// hash-tagged prefix: what Cluster costs the claim (the client's slot routing, a MOVED never).
func BenchmarkClaimAndReleaseCluster(b *testing.B) {
	cl := testenv.RedisCluster(b)
	rt, err := realtime.ParseRedisURL(cl.URL())
	if err != nil {
		b.Fatal(err)
	}
	rdb := rt.NewClient()
	defer rdb.Close()
	for i, agents := range []int{50, 500, 5000} {
		b.Run(strconv.Itoa(agents)+"agents", func(b *testing.B) {
			prefix := rt.KeyPrefix("bench" + strconv.Itoa(i) + ":")
			defer realtime.DeletePrefix(context.Background(), rdb, prefix)
			benchClaim(b, rdb, prefix, agents)
		})
	}
}

func benchClaim(b *testing.B, rdb redis.UniversalClient, prefix string, agents int) {
	s := realtime.New(rdb, prefix)
	ctx := context.Background()
	_ = s.SetQueues(ctx, []callfloor.Queue{{Name: "q", Strategy: callfloor.StrategyLongestIdle}})
	now := time.Now()
	for i := 0; i < agents; i++ {
		id := strconv.Itoa(i)
		if err := s.UpsertAgent(ctx, callfloor.Agent{ID: id, Endpoint: "PJSIP/" + id, Skills: map[string]int{"q": 1 + i%10}}, now); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Transition(ctx, realtime.Transition{Agent: id, To: callfloor.AgentAvailable, Now: now}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		call := "c" + strconv.Itoa(i)
		ag, err := s.Claim(ctx, "q", call, now)
		if err != nil || ag == "" {
			b.Fatalf("claim: %q %v", ag, err)
		}
		if _, err := s.Transition(ctx, realtime.Transition{Agent: ag, IfCall: call, To: callfloor.AgentAvailable, Now: now}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	rdb.Del(ctx, s.StreamKey())
}

// Baseline: two plain Redis round trips (HSET + HGET), what a claim plus a release cost at
// the very least over the network.
func BenchmarkRawRedisRoundTrips(b *testing.B) {
	rdb, prefix := testenv.Redis(b)
	ctx := context.Background()
	key := prefix + "raw"
	for i := 0; i < b.N; i++ {
		if err := rdb.HSet(ctx, key, "state", "ringing").Err(); err != nil {
			b.Fatal(err)
		}
		if err := rdb.HGet(ctx, key, "state").Err(); err != nil {
			b.Fatal(err)
		}
	}
}
