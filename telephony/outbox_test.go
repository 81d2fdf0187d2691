package telephony_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/telephony"
	"github.com/callfloor/callfloor/telephony/ari"
	"github.com/callfloor/callfloor/telephony/sim"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// startWithOutbox runs an ACD instance of the floor, keeping its unsent writes in dir.
func (f *floor) startWithOutbox(store *realtime.Store, dir string) {
	f.t.Helper()
	f.runWithOutbox(store, dir)
	f.waitReady()
}

// runWithOutbox starts the instance without waiting for it to connect.
func (f *floor) runWithOutbox(store *realtime.Store, dir string) {
	f.t.Helper()
	f.ariReg = prometheus.NewRegistry()
	f.client = ari.New(ari.Config{Name: "pbx1", URL: f.simURL, Username: "callfloor", Password: "callfloor-test", App: "callfloor",
		RequestTimeout: 2 * time.Second, EventFilter: telephony.EventFilter, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		Logger: logger(f.t), Metrics: ari.NewMetrics(f.ariReg)})
	acd, err := telephony.New(telephony.Options{Config: f.cfg, Store: store, Nodes: []*ari.Client{f.client}, Logger: logger(f.t),
		Tick: 20 * time.Millisecond, OutboxDir: dir})
	if err != nil {
		f.t.Fatal(err)
	}
	f.acd = acd
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel
	f.done = make(chan struct{})
	go func() { defer close(f.done); acd.Run(ctx) }()
	f.t.Cleanup(f.stop)
}

// outboxFloor is a floor of agents 1001 and 1002 (who pick up a second after their phone rings)
// whose ACD reaches Redis through a proxy the test can cut, with an outbox in a directory of its
// own; the test itself reads Redis directly.
func outboxFloor(t *testing.T) (f *floor, proxy *testenv.Proxy, viaProxy *realtime.Store, dir string) {
	t.Helper()
	dir = t.TempDir()
	rdb, prefix := testenv.Redis(t)
	proxy = testenv.NewProxy(t, rdb.Options().Addr)
	client := redis.NewClient(&redis.Options{Addr: proxy.Addr(), DB: rdb.Options().DB, DialTimeout: 200 * time.Millisecond,
		ReadTimeout: 500 * time.Millisecond, WriteTimeout: 500 * time.Millisecond, MaxRetries: 1})
	t.Cleanup(func() { client.Close() })
	s := sim.New(sim.Config{RecordingDir: t.TempDir()})
	s.SetDialplan(testDialplan(time.Second, 0, 0))
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	cfg := testConfig("1001", "1002")
	cfg.Queues[0].RingTimeout = 5 * time.Second
	f = &floor{t: t, sim: s, simURL: url, rdb: rdb, prefix: prefix, store: realtime.New(rdb, prefix), cfg: cfg, cursor: "0"}
	return f, proxy, realtime.New(client, prefix), dir
}

// answeredDuringCut places a call, waits for its offer, cuts Redis, and waits until the agent
// answered and callfloor bridged the call. It returns the offered call and its caller channel.
func (f *floor) answeredDuringCut(proxy *testenv.Proxy) (*callfloor.Call, string, time.Time) {
	f.t.Helper()
	caller := f.place(sim.CallerSpec{Queue: "sales"})
	c := f.waitEvent(3*time.Second, "offered", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallOffered && e.Call.CallerChannel == caller
	}).Call
	proxy.Cut()
	testenv.Eventually(f.t, 5*time.Second, "answered and bridged during the cut", func() bool {
		return len(f.sim.BridgeMembers("cf-"+c.ID+"-mix")) == 2
	})
	return c, caller, time.Now()
}

// Callfloor killed during a Redis outage restarts while Redis is still down: it starts all the
// same, waits, and once Redis answers replays the outbox before it reconciles.
func TestOutboxReplayedWhenRedisReturnsAfterTheRestart(t *testing.T) {
	t.Parallel()
	f, proxy, viaProxy, dir := outboxFloor(t)
	f.startWithOutbox(viaProxy, dir)
	f.login("1001")
	c, caller, answeredBy := f.answeredDuringCut(proxy)
	if err := f.sim.HangupChannel(caller); err != nil {
		t.Fatal(err)
	}
	hungUpAt := time.Now()
	testenv.Eventually(t, 5*time.Second, "the call torn down", func() bool { return len(f.sim.BridgeMembers("cf-"+c.ID+"-mix")) == 0 })
	f.stop()
	stoppedAt := time.Now()

	f.runWithOutbox(viaProxy, dir) // Redis still cut
	time.Sleep(500 * time.Millisecond)
	if err := f.acd.Ready(); err == nil {
		t.Error("the ACD connected to Asterisk before it could restore its calls from Redis")
	}
	proxy.Restore()
	f.waitReady()
	ended := f.waitEvent(5*time.Second, "the call's end", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallEnded }).Call
	if ended.Outcome != callfloor.OutcomeAnswered || ended.HangupBy != callfloor.HangupCaller || ended.AnsweredAt.After(answeredBy) ||
		ended.EndedAt.Before(hungUpAt.Add(-50*time.Millisecond)) || ended.EndedAt.After(stoppedAt) {
		t.Errorf("ended: outcome %s by %s, answered %s (by %s), ended %s (hung up %s)", ended.Outcome, ended.HangupBy, ended.AnsweredAt, answeredBy, ended.EndedAt, hungUpAt)
	}
	if n := f.countEvents(callfloor.EvCallAnswered); n != 1 {
		t.Errorf("%d call.answered events, want 1", n)
	}
	if cnt := f.counters("sales"); cnt[realtime.CntAnswered] != 1 || cnt[realtime.CntHandled] != 1 || cnt[realtime.CntAbandoned] != 0 {
		t.Errorf("counters %v", cnt)
	}
}

// The combined fault: Redis is cut; during the cut one call is answered and then hung up by its
// caller, another is answered and goes on; callfloor is stopped before Redis returns (its kept
// writes never flushed). A new instance started on the same data directory after Redis is back
// replays them before reconciling: the answers, the end and who hung up are the true ones, not
// the restart's, and nothing is counted twice — not even when the outbox is replayed again.
func TestOutboxKeepsTimingsThroughRedisCutAndRestart(t *testing.T) {
	t.Parallel()
	f, proxy, viaProxy, dir := outboxFloor(t)
	s, rdb, prefix := f.sim, f.rdb, f.prefix
	f.startWithOutbox(viaProxy, dir)
	f.login("1001", "1002")
	ctx := context.Background()

	callerA := f.place(sim.CallerSpec{Queue: "sales"})
	callerB := f.place(sim.CallerSpec{Queue: "sales"})
	offered := map[string]*callfloor.Call{}
	testenv.Eventually(t, 3*time.Second, "both calls offered", func() bool {
		f.poll()
		for _, e := range f.events {
			if e.Type == callfloor.EvCallOffered {
				offered[e.Call.CallerChannel] = e.Call
			}
		}
		return offered[callerA] != nil && offered[callerB] != nil
	})
	proxy.Cut()
	cutAt := time.Now()
	a, b := offered[callerA], offered[callerB]
	mixA, mixB := "cf-"+a.ID+"-mix", "cf-"+b.ID+"-mix"
	testenv.Eventually(t, 5*time.Second, "both calls answered and bridged during the cut", func() bool {
		return len(s.BridgeMembers(mixA)) == 2 && len(s.BridgeMembers(mixB)) == 2
	})
	answeredBy := time.Now()
	time.Sleep(300 * time.Millisecond)
	if err := s.HangupChannel(callerA); err != nil {
		t.Fatal(err)
	}
	hungUpAt := time.Now()
	testenv.Eventually(t, 5*time.Second, "call A torn down (its agent hung up by callfloor)", func() bool {
		return len(s.BridgeMembers(mixA)) == 0
	})
	f.stop() // callfloor stops with Redis still cut: the kept writes are not flushed
	stoppedAt := time.Now()
	outbox, err := filepath.Glob(filepath.Join(dir, "outbox-*"))
	if err != nil || len(outbox) != 1 {
		t.Fatalf("outbox files %v %v", outbox, err)
	}
	kept, err := os.ReadFile(outbox[0])
	if err != nil || len(kept) == 0 {
		t.Fatalf("the outbox holds nothing after the stop: %v", err)
	}
	proxy.Restore()
	time.Sleep(500 * time.Millisecond) // the restart is clearly later than what happened

	f.startWithOutbox(realtime.New(rdb, prefix), dir)
	testenv.Eventually(t, 5*time.Second, "call A ended in redis", func() bool {
		c, err := f.store.Call(ctx, a.ID)
		return err == nil && c.State == callfloor.CallEnded
	})
	ca, err := f.store.Call(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ca.Outcome != callfloor.OutcomeAnswered || ca.HangupBy != callfloor.HangupCaller {
		t.Errorf("call A: outcome %s, hangup by %q; want answered, hung up by the caller", ca.Outcome, ca.HangupBy)
	}
	if ca.AnsweredAt.Before(cutAt.Add(-time.Second)) || ca.AnsweredAt.After(answeredBy) {
		t.Errorf("call A answered at %s, want during the cut (%s .. %s)", ca.AnsweredAt, cutAt, answeredBy)
	}
	if ca.EndedAt.Before(hungUpAt.Add(-50*time.Millisecond)) || ca.EndedAt.After(stoppedAt) {
		t.Errorf("call A ended at %s, want when the caller hung up (%s), not at the restart", ca.EndedAt, hungUpAt)
	}
	cb, err := f.store.Call(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cb.State != callfloor.CallTalking || cb.AnsweredAt.IsZero() || cb.AnsweredAt.After(answeredBy) {
		t.Errorf("call B: state %s answered at %s, want talking since the answer during the cut (before %s)", cb.State, cb.AnsweredAt, answeredBy)
	}

	check := func(when string) {
		t.Helper()
		for typ, want := range map[string]int{callfloor.EvCallEntered: 2, callfloor.EvCallOffered: 2, callfloor.EvCallAnswered: 2, callfloor.EvCallEnded: 1} {
			if n := f.countEvents(typ); n != want {
				t.Errorf("%s: %d %s events, want %d", when, n, typ, want)
			}
		}
		cnt := f.counters("sales")
		if cnt[realtime.CntOffered] != 2 || cnt[realtime.CntAnswered] != 2 || cnt[realtime.CntHandled] != 1 || cnt[realtime.CntAbandoned] != 0 {
			t.Errorf("%s: queue counters %v, want offered 2, answered 2, handled 1", when, cnt)
		}
		if st := f.agentState(ca.Agent); st.CallsToday != 1 {
			t.Errorf("%s: agent %s calls today %d, want 1", when, ca.Agent, st.CallsToday)
		}
		if st := f.agentState(cb.Agent); st.State != callfloor.AgentOnCall || st.Call != cb.ID {
			t.Errorf("%s: agent %s is %s on %q, want on call B", when, cb.Agent, st.State, st.Call)
		}
	}
	time.Sleep(300 * time.Millisecond)
	check("after the replay")
	if b, err := os.ReadFile(outbox[0]); err != nil || len(b) != 0 {
		t.Errorf("the outbox still holds %d bytes after the replay (%v)", len(b), err)
	}

	// the same writes replayed once more (as if the process had stopped before marking them
	// done) land nowhere twice
	f.stop()
	if err := os.WriteFile(outbox[0], kept, 0o600); err != nil {
		t.Fatal(err)
	}
	f.startWithOutbox(realtime.New(rdb, prefix), dir)
	time.Sleep(300 * time.Millisecond)
	check("after a second replay")

	// call B goes on and ends normally
	if err := s.HangupChannel(callerB); err != nil {
		t.Fatal(err)
	}
	end := f.waitEvent(5*time.Second, "call B ends", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallEnded && e.Call.ID == b.ID
	}).Call
	if end.Outcome != callfloor.OutcomeAnswered || end.HangupBy != callfloor.HangupCaller || !end.AnsweredAt.Equal(cb.AnsweredAt) {
		t.Errorf("call B ended: outcome %s by %s answered at %s (was %s)", end.Outcome, end.HangupBy, end.AnsweredAt, cb.AnsweredAt)
	}
}
