package realtime_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
)

// One holder at a time; every acquisition a larger token; renew and release only by the holder
// of the current token; the lease expires without renewal.
func TestLeaseAcquireRenewRelease(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	s := realtime.New(rdb, prefix)
	ctx := context.Background()
	a, ok, err := s.AcquireLease(ctx, "pbx1", "A", "A", 300*time.Millisecond)
	if err != nil || !ok || a.Token != 1 || a.Again {
		t.Fatalf("first acquisition: %+v %v %v", a, ok, err)
	}
	if _, ok, _ := s.AcquireLease(ctx, "pbx1", "B", "B", 300*time.Millisecond); ok {
		t.Fatal("B took a lease A holds")
	}
	if ok, err := s.RenewLease(ctx, a, 300*time.Millisecond); !ok || err != nil {
		t.Fatalf("A's renewal refused: %v", err)
	}
	if ok, _ := s.RenewLease(ctx, realtime.Lease{Node: "pbx1", Holder: "B", Token: 1}, time.Second); ok {
		t.Fatal("B renewed A's lease")
	}
	// A stops renewing: the lease expires, B takes it with a larger token
	var b realtime.Lease
	testenv.Eventually(t, 2*time.Second, "B takes the expired lease", func() bool {
		b, ok, err = s.AcquireLease(ctx, "pbx1", "B", "B", time.Second)
		return ok && err == nil
	})
	if b.Token != 2 || b.Again {
		t.Fatalf("B's lease %+v, want token 2, not again", b)
	}
	if ok, _ := s.RenewLease(ctx, a, time.Second); ok {
		t.Fatal("A renewed a lease that moved")
	}
	if err := s.ReleaseLease(ctx, a); err != nil {
		t.Fatal(err)
	}
	if h, tok, _ := s.LeaseHolder(ctx, "pbx1"); h != "B" || tok != 2 {
		t.Fatalf("A's release removed B's lease: holder %q token %d", h, tok)
	}
	if err := s.ReleaseLease(ctx, b); err != nil {
		t.Fatal(err)
	}
	b2, ok, _ := s.AcquireLease(ctx, "pbx1", "B", "B", time.Second)
	if !ok || b2.Token != 3 || !b2.Again {
		t.Fatalf("B again: %+v %v, want token 3 and again", b2, ok)
	}
	// another node's lease is its own
	if o, ok, _ := s.AcquireLease(ctx, "pbx2", "A", "A", time.Second); !ok || o.Token != 1 {
		t.Fatalf("pbx2: %+v %v", o, ok)
	}
}

// A write made under a token that is no longer the node's is refused, atomically, by the claim,
// the transition and the call save; writes under the current token (or none) go through.
func TestFencedWritesRefusedOnceTheLeaseMoved(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	s := realtime.New(rdb, prefix)
	ctx := context.Background()
	now := time.Now()
	if err := s.SetQueues(ctx, []callfloor.Queue{{Name: "q", Strategy: callfloor.StrategyLongestIdle}}); err != nil {
		t.Fatal(err)
	}
	if err := s.UpsertAgent(ctx, callfloor.Agent{ID: "1001", Endpoint: "PJSIP/1001", Skills: map[string]int{"q": 1}}, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Transition(ctx, realtime.Transition{Agent: "1001", To: callfloor.AgentAvailable, Now: now}); err != nil {
		t.Fatal(err)
	}
	a, _, _ := s.AcquireLease(ctx, "pbx1", "A", "A", 50*time.Millisecond)
	aCtx := realtime.WithFence(ctx, realtime.Fence{Node: "pbx1", Token: a.Token})
	call := &callfloor.Call{ID: "c1", Direction: callfloor.Inbound, State: callfloor.CallWaiting, Node: "pbx1", Queue: "q", EnteredAt: now}
	if err := s.SaveCall(aCtx, realtime.CallChange{Call: call, QueueInc: map[string]int64{realtime.CntOffered: 1}}); err != nil {
		t.Fatalf("save under the current token: %v", err)
	}
	testenv.Eventually(t, 2*time.Second, "B takes the lease", func() bool {
		_, ok, _ := s.AcquireLease(ctx, "pbx1", "B", "B", time.Second)
		return ok
	})
	stream, _ := rdb.XLen(ctx, s.StreamKey()).Result()
	if ag, err := s.Claim(aCtx, "q", "c1", now); callfloor.SpecificCode(err) != realtime.CodeLeaseMoved || ag != "" {
		t.Fatalf("stale claim: agent %q err %v, want %s", ag, err, realtime.CodeLeaseMoved)
	}
	if _, err := s.Transition(aCtx, realtime.Transition{Agent: "1001", To: callfloor.AgentPaused, Reason: "x", Now: now}); callfloor.SpecificCode(err) != realtime.CodeLeaseMoved {
		t.Fatalf("stale transition: %v", err)
	}
	c2 := *call
	c2.State, c2.Rev = callfloor.CallEnded, 2
	if err := s.SaveCall(aCtx, realtime.CallChange{Call: &c2, QueueInc: map[string]int64{realtime.CntAbandoned: 1}}); callfloor.SpecificCode(err) != realtime.CodeLeaseMoved {
		t.Fatalf("stale save: %v", err)
	}
	// nothing of the refused writes landed
	if st, _ := s.Agent(ctx, "1001"); st.State != callfloor.AgentAvailable {
		t.Errorf("agent %s after the refused writes, want available", st.State)
	}
	if got, _ := s.Call(ctx, "c1"); got.State != callfloor.CallWaiting {
		t.Errorf("call %s after the refused save, want waiting", got.State)
	}
	if cnt, _ := s.Counters(ctx, "q", now); cnt[realtime.CntAbandoned] != 0 || cnt[realtime.CntOffered] != 1 {
		t.Errorf("counters %v after the refused save", cnt)
	}
	if n, _ := rdb.XLen(ctx, s.StreamKey()).Result(); n != stream {
		t.Errorf("stream grew by %d with refused writes", n-stream)
	}
	// the new holder's writes (token 2) and unfenced ones go through
	bCtx := realtime.WithFence(ctx, realtime.Fence{Node: "pbx1", Token: 2})
	if ag, err := s.Claim(bCtx, "q", "c1", now); err != nil || ag != "1001" {
		t.Fatalf("new holder's claim: %q %v", ag, err)
	}
	if _, err := s.Transition(ctx, realtime.Transition{Agent: "1001", IfCall: "c1", To: callfloor.AgentAvailable, Now: now}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveCall(bCtx, realtime.CallChange{Call: &c2}); err != nil {
		t.Fatal(err)
	}
}

// The claim and release of BenchmarkClaimAndRelease, fenced: the scripts also compare the
// node's token (BENCHMARKS.md compares the two).
func BenchmarkClaimAndReleaseFenced(b *testing.B) {
	rdb, prefix := testenv.Redis(b)
	s := realtime.New(rdb, prefix)
	ctx := context.Background()
	_ = s.SetQueues(ctx, []callfloor.Queue{{Name: "q", Strategy: callfloor.StrategyLongestIdle}})
	now := time.Now()
	for i := 0; i < 500; i++ {
		id := strconv.Itoa(i)
		if err := s.UpsertAgent(ctx, callfloor.Agent{ID: id, Endpoint: "PJSIP/" + id, Skills: map[string]int{"q": 1 + i%10}}, now); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Transition(ctx, realtime.Transition{Agent: id, To: callfloor.AgentAvailable, Now: now}); err != nil {
			b.Fatal(err)
		}
	}
	l, _, err := s.AcquireLease(ctx, "pbx1", "bench", "bench", time.Minute)
	if err != nil {
		b.Fatal(err)
	}
	fctx := realtime.WithFence(ctx, realtime.Fence{Node: "pbx1", Token: l.Token})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		call := "c" + strconv.Itoa(i)
		ag, err := s.Claim(fctx, "q", call, now)
		if err != nil || ag == "" {
			b.Fatalf("claim: %q %v", ag, err)
		}
		if _, err := s.Transition(fctx, realtime.Transition{Agent: ag, IfCall: call, To: callfloor.AgentAvailable, Now: now}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	rdb.Del(ctx, s.StreamKey())
}
