package telephony_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/telephony/sim"
	"github.com/redis/go-redis/v9"
)

// TestSentinelFailoverUnderTraffic: the ACD reaches Redis through a Sentinel set (redis_url
// redis+sentinel://…) and routes a steady stream of calls on the simulator while a sentinel
// fails the master over (SENTINEL FAILOVER). No call is lost: every caller is answered by an
// agent, every call ends exactly once in the change stream, and no agent ever had two calls.
// About 30 s (the sentinels' discovery and the failover), so it runs only with CALLFLOOR_CHAOS=1
// (deploy/chaos/redis-pg.sh).
func TestSentinelFailoverUnderTraffic(t *testing.T) {
	t.Parallel()
	testenv.Chaos(t)
	set := testenv.RedisSentinel(t)
	rt, err := realtime.ParseRedisURL(set.URL(0) + "?dial_timeout=300ms&read_timeout=500ms&write_timeout=500ms")
	if err != nil {
		t.Fatal(err)
	}
	rdb := rt.NewClient().(*redis.Client) // a failover client is a *redis.Client
	t.Cleanup(func() { rdb.Close() })
	prefix := rt.KeyPrefix("sent:")

	s := sim.New(sim.Config{RecordingDir: t.TempDir()})
	s.SetDialplan(testDialplan(100*time.Millisecond, 0, 0))
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	agents := []string{"1001", "1002", "1003", "1004", "1005", "1006"}
	cfg := testConfig(agents...)
	cfg.Queues[0].RingTimeout = 3 * time.Second
	f := &floor{t: t, sim: s, simURL: url, rdb: rdb, prefix: prefix, store: realtime.New(rdb, prefix), cfg: cfg, cursor: "0"}
	f.startWithOutbox(f.store, t.TempDir())
	f.login(agents...)

	// 30 callers, one every 150 ms, each talking 400 ms; the failover starts after the 10th
	const n = 30
	callers := map[string]bool{}
	failedOver := make(chan string, 1)
	for i := range n {
		callers[f.place(sim.CallerSpec{Queue: "sales", Number: fmt.Sprintf("+86138%08d", i), TalkFor: 400 * time.Millisecond})] = true
		if i == 9 {
			go func() { failedOver <- set.Failover(t) }()
		}
		time.Sleep(150 * time.Millisecond)
	}
	newMaster := <-failedOver
	if newMaster != set.Replica.Addr() {
		t.Fatalf("the master is now %s, want the replica %s", newMaster, set.Replica.Addr())
	}

	ended := map[string]int{}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		f.poll()
		clear(ended)
		for _, e := range f.events {
			if e.Type == callfloor.EvCallEnded && callers[e.Call.CallerChannel] {
				ended[e.Call.CallerChannel]++
			}
		}
		if len(ended) == n {
			break
		}
		if time.Now().After(deadline) {
			for c := range callers {
				if ended[c] == 0 {
					var seen []string
					for _, e := range f.events {
						if e.Call != nil && e.Call.CallerChannel == c {
							seen = append(seen, e.Type+"/"+string(e.Call.State))
						}
					}
					t.Errorf("caller %s never ended: its events %v", c, seen)
				}
			}
			t.Fatalf("%d of %d calls ended in 30 s", len(ended), n)
		}
	}
	time.Sleep(500 * time.Millisecond) // a duplicate end would arrive now
	f.poll()
	ends, answered := map[string]int{}, 0
	onCall := map[string]string{} // agent -> call, from the agent state events in stream order
	for _, e := range f.events {
		switch {
		case e.Type == callfloor.EvCallEnded && callers[e.Call.CallerChannel]:
			ends[e.Call.CallerChannel]++
			if e.Call.Outcome == callfloor.OutcomeAnswered && e.Call.Agent != "" {
				answered++
			} else {
				t.Errorf("call %s ended %s (agent %q), want answered", e.Call.ID, e.Call.Outcome, e.Call.Agent)
			}
		case e.Type == callfloor.EvAgentState && e.Agent != nil:
			a := e.Agent
			busy := a.State == callfloor.AgentRinging || a.State == callfloor.AgentOnCall
			if busy && onCall[a.Agent] != "" && onCall[a.Agent] != a.Call {
				t.Errorf("agent %s given call %s while on %s", a.Agent, a.Call, onCall[a.Agent])
			}
			if busy {
				onCall[a.Agent] = a.Call
			} else {
				delete(onCall, a.Agent)
			}
		}
	}
	for c, k := range ends {
		if k != 1 {
			t.Errorf("caller %s: %d ends in the change stream, want 1", c, k)
		}
	}
	if answered != n {
		t.Errorf("%d of %d calls answered", answered, n)
	}
	// the live state is on the new master, and nothing is left live
	testenv.Eventually(t, 10*time.Second, "no live call left", func() bool {
		live, err := f.store.LiveCalls(context.Background(), "pbx1")
		return err == nil && len(live) == 0
	})
	t.Logf("failover to %s under traffic: %d calls, all answered and ended once", newMaster, n)
}
