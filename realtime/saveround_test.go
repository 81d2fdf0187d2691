package realtime_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/redis/go-redis/v9"
)

// roundTrips counts the round trips a Redis client makes: single commands and pipelines.
type roundTrips struct {
	mu     sync.Mutex
	n      int
	single []string
}

func (r *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }
func (r *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.mu.Lock()
		r.n++
		r.single = append(r.single, cmd.Name())
		r.mu.Unlock()
		return next(ctx, cmd)
	}
}
func (r *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		r.mu.Lock()
		r.n++
		r.mu.Unlock()
		return next(ctx, cmds)
	}
}

// Saving an answered call (issue 11, cost per call) is its transaction alone: the agent's team, whose
// counters get the call's share, is read inside the transaction, not before it; and the team's
// counters of the day and of the entry minute get it.
func TestSaveCallWithTeamCountersIsOneRoundTrip(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	rt := &roundTrips{}
	hooked := redis.NewClient(rdb.Options())
	hooked.AddHook(rt)
	t.Cleanup(func() { hooked.Close() })
	s := realtime.New(hooked, prefix)
	cfg := &floorCfg{queues: []callfloor.Queue{{Name: "sales"}}}
	cfg.addAgent(t, realtime.New(rdb, prefix), "a1", "t1", "sales")

	entered := time.Now().Add(-10 * time.Minute)
	c := waitingCall("c1", "sales", 0, entered)
	c.State, c.Agent = callfloor.CallTalking, "a1"
	if err := hooked.Ping(context.Background()).Err(); err != nil { // the connection is up
		t.Fatal(err)
	}
	rt.mu.Lock()
	rt.n, rt.single = 0, nil
	rt.mu.Unlock()
	saveCall(t, s, realtime.CallChange{Call: c, QueueInc: map[string]int64{realtime.CntAnswered: 1}})
	rt.mu.Lock()
	var outside []string
	for _, name := range rt.single {
		if name != "hello" { // a new pooled connection's handshake
			outside = append(outside, name)
		}
	}
	rt.mu.Unlock()
	if len(outside) > 0 {
		t.Errorf("saving an answered call sent %v besides its transaction; want nothing", outside)
	}
	ctx := context.Background()
	day, err := rdb.HGetAll(ctx, prefix+"tc:t1:"+s.Day(entered)).Result()
	if err != nil {
		t.Fatal(err)
	}
	minute, err := rdb.HGetAll(ctx, prefix+"tm:t1:"+strconv.FormatInt(entered.Unix()/60, 10)).Result()
	if err != nil {
		t.Fatal(err)
	}
	for name, h := range map[string]map[string]string{"day": day, "minute": minute} {
		if h[realtime.CntAnswered] != "1" || h[realtime.CntOffered] != "1" {
			t.Errorf("team t1's %s counters = %v; want answered 1, offered 1", name, h)
		}
	}
	if ttl := rdb.TTL(ctx, prefix+"tm:t1:"+strconv.FormatInt(entered.Unix()/60, 10)).Val(); ttl <= 2*time.Hour || ttl > 3*time.Hour {
		t.Errorf("the minute's counters expire in %v; want 3 h", ttl)
	}
}
