package realtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/redis/go-redis/v9"
)

// clusterFloor runs one floor's live state through the store on a real 3-master Cluster: agents,
// a claim, transitions, a pending pause, a call's transaction and the change stream. Every
// script and MULTI/EXEC touches several keys; Redis refuses them (CROSSSLOT, or "non local key"
// for a key a script builds) unless all the floor's keys share one slot.
func clusterFloor(t *testing.T, ctx context.Context, rdb redis.UniversalClient, prefix string) *realtime.Store {
	t.Helper()
	s := realtime.New(rdb, prefix)
	now := time.Now().Truncate(time.Millisecond)
	if err := s.SetQueues(ctx, []callfloor.Queue{{Name: "sales", Strategy: "longest_idle"}}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"1001", "1002"} {
		upsert(t, s, id, map[string]int{"sales": 5}, now)
		available(t, s, id, now.Add(-time.Minute))
	}
	c := &callfloor.Call{ID: "c1", Direction: callfloor.Inbound, State: callfloor.CallWaiting, Queue: "sales", Node: "pbx1", CallerNumber: "+8613800138000", EnteredAt: now}
	if err := s.SaveCall(ctx, realtime.CallChange{Call: c, Event: &callfloor.Event{Type: callfloor.EvCallEntered, At: now, Call: c}, QueueInc: map[string]int64{realtime.CntOffered: 1}}); err != nil {
		t.Fatalf("SaveCall on the cluster: %v", err)
	}
	got := claim(t, s, "sales", "c1", now)
	if got != "1001" && got != "1002" {
		t.Fatalf("claim on the cluster gave %q", got)
	}
	transition(t, s, realtime.Transition{Agent: got, From: []callfloor.AgentState{callfloor.AgentRinging}, To: callfloor.AgentOnCall, Call: "c1", CountCall: true, Now: now.Add(time.Second)})
	if err := s.SetPendingPause(ctx, got, "lunch", now.Add(2*time.Second)); err != nil {
		t.Fatalf("pending pause on the cluster: %v", err)
	}
	c2 := *c
	c2.State, c2.Agent, c2.AnsweredAt = callfloor.CallTalking, got, now.Add(time.Second)
	if err := s.SaveCall(ctx, realtime.CallChange{Call: &c2, Event: &callfloor.Event{Type: callfloor.EvCallAnswered, At: c2.AnsweredAt, Call: &c2},
		QueueInc: map[string]int64{realtime.CntAnswered: 1}, AgentInc: map[string]int64{realtime.CntHandled: 1}, AgentID: got}); err != nil {
		t.Fatal(err)
	}
	// the call ends: the pending pause turns the end of the call into the pause
	transition(t, s, realtime.Transition{Agent: got, To: callfloor.AgentAvailable, IfCall: "c1", Now: now.Add(3 * time.Second)})
	if st := agentState(t, s, got); st.State != callfloor.AgentPaused || st.Reason != "lunch" {
		t.Errorf("%s after the call: %s %q, want paused lunch", got, st.State, st.Reason)
	}
	other := map[string]string{"1001": "1002", "1002": "1001"}[got]
	if next := claim(t, s, "sales", "c2", now.Add(4*time.Second)); next != other {
		t.Errorf("second claim gave %q, want %s", next, other)
	}
	evs, err := s.ReadStream(ctx, "0", 100)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	for _, e := range evs {
		types[e.Type]++
	}
	if types[callfloor.EvCallEntered] != 1 || types[callfloor.EvCallAnswered] != 1 || types[callfloor.EvAgentState] < 6 {
		t.Errorf("change stream on the cluster: %v", types)
	}
	cnt, err := s.Counters(ctx, "sales", now)
	if err != nil || cnt[realtime.CntOffered] != 1 || cnt[realtime.CntAnswered] != 1 {
		t.Errorf("counters %v, %v", cnt, err)
	}
	return s
}

// floorSlots lists the hash slots and the nodes of every key under prefix.
func floorSlots(t *testing.T, ctx context.Context, rdb *redis.ClusterClient, prefix string) (slots map[int64]int, nodes map[string]bool) {
	t.Helper()
	slots, nodes = map[int64]int{}, map[string]bool{}
	err := rdb.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		keys, err := c.Keys(ctx, prefix+"*").Result()
		for _, k := range keys {
			slot, err := c.ClusterKeySlot(ctx, k).Result()
			if err != nil {
				return err
			}
			slots[slot]++
			nodes[c.Options().Addr] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return slots, nodes
}

func TestStoreOnCluster(t *testing.T) {
	cl := testenv.RedisCluster(t)
	rt, err := realtime.ParseRedisURL(cl.URL())
	if err != nil {
		t.Fatal(err)
	}
	rdb := rt.NewClient().(*redis.ClusterClient)
	defer rdb.Close()
	ctx := context.Background()

	// two floors (tenants) whose tags land on different masters
	prefixes := []string{rt.KeyPrefix("floor-a:")}
	firstSlot, _ := rdb.ClusterKeySlot(ctx, prefixes[0]+"x").Result()
	owner := func(slot int64) string {
		ss, err := rdb.ClusterSlots(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ss {
			if int64(s.Start) <= slot && slot <= int64(s.End) {
				return s.Nodes[0].Addr
			}
		}
		return ""
	}
	for i := 0; len(prefixes) < 2; i++ {
		p := rt.KeyPrefix("floor-" + string(rune('b'+i)) + ":")
		if slot, _ := rdb.ClusterKeySlot(ctx, p+"x").Result(); owner(slot) != owner(firstSlot) {
			prefixes = append(prefixes, p)
		}
	}
	if prefixes[0] != "{floor-a}:" {
		t.Fatalf("cluster prefix %q, want the tagged {floor-a}:", prefixes[0])
	}

	seen := map[int64]bool{}
	for _, p := range prefixes {
		clusterFloor(t, ctx, rdb, p)
		slots, nodes := floorSlots(t, ctx, rdb, p)
		if len(slots) != 1 || len(nodes) != 1 {
			t.Errorf("floor %s: keys in slots %v on nodes %v, want one slot", p, slots, nodes)
		}
		for s, n := range slots {
			if n < 10 {
				t.Errorf("floor %s: only %d keys in slot %d", p, n, s)
			}
			seen[s] = true
		}
		if err := realtime.DeletePrefix(ctx, rdb, p); err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != 2 {
		t.Errorf("two floors share a slot: %v", seen)
	}

	// an untagged prefix is what Cluster refuses: the reason for KeyPrefix
	s := realtime.New(rdb, "untagged:")
	if err := s.SaveCall(ctx, realtime.CallChange{Call: &callfloor.Call{ID: "c9", Queue: "sales", State: callfloor.CallWaiting, EnteredAt: time.Now()}, QueueInc: map[string]int64{realtime.CntOffered: 1}}); err == nil {
		t.Errorf("a call's transaction over untagged keys was accepted by the cluster")
	}
	_ = realtime.DeletePrefix(ctx, rdb, "untagged:")
}
