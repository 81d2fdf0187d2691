package telephony_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/telephony/sim"
)

// Bridges of ours left on Asterisk by calls that are over (callfloor stopped between a call's
// end and the bridge's destruction) are destroyed when callfloor connects; a live call's bridge
// and bridges that are not ours stay.
func TestReconcileDestroysOrphanBridges(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001"))
	f.login("1001")
	f.place(sim.CallerSpec{Queue: "sales"})
	live := f.waitEvent(3*time.Second, "answered", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallAnswered }).Call
	testenv.Eventually(t, 3*time.Second, "the call bridged", func() bool { return len(f.sim.BridgeMembers(live.MixBridge)) == 2 })
	f.stop()
	ctx := context.Background()
	for _, id := range []string{"cf-1a2b3c-mix", "cf-1a2b3c-hold", "cf-1a2b3c-m1", "someone-elses"} {
		if _, err := f.client.CreateBridge(ctx, id, "mixing", "left over"); err != nil {
			t.Fatal(err)
		}
	}
	f.start()
	testenv.Eventually(t, 5*time.Second, "the orphan bridges destroyed", func() bool {
		bs, err := f.client.ListBridges(ctx)
		if err != nil {
			return false
		}
		var ids []string
		for _, b := range bs {
			ids = append(ids, b.ID)
		}
		return !slices.Contains(ids, "cf-1a2b3c-mix") && !slices.Contains(ids, "cf-1a2b3c-hold") && !slices.Contains(ids, "cf-1a2b3c-m1") &&
			slices.Contains(ids, "someone-elses") && slices.Contains(ids, live.MixBridge)
	})
	if m := f.sim.BridgeMembers(live.MixBridge); len(m) != 2 {
		t.Errorf("the live call's bridge holds %v", m)
	}
}

// callfloor stopped after saving an answered call but before bridging it (the caller still in
// the holding bridge, no recording): on the next start the bridging is completed — caller and
// agent in the call's bridge, the recording running, the holding bridge gone.
func TestRestartCompletesInterruptedBridging(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001"))
	f.login("1001")
	f.place(sim.CallerSpec{Queue: "sales"})
	c := f.waitEvent(3*time.Second, "answered", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallAnswered }).Call
	hold := "cf-" + c.ID + "-hold"
	testenv.Eventually(t, 3*time.Second, "the call bridged", func() bool {
		return len(f.sim.BridgeMembers(c.MixBridge)) == 2 && f.sim.BridgeMembers(hold) == nil
	})
	f.stop()
	// put Asterisk and Redis back to the moment after the answer was saved
	ctx := context.Background()
	if err := f.client.RemoveChannel(ctx, c.MixBridge, c.CallerChannel); err != nil {
		t.Fatal(err)
	}
	if err := f.client.StopRecording(ctx, c.RecordingName); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.CreateBridge(ctx, hold, "holding", "queue-sales"); err != nil {
		t.Fatal(err)
	}
	if err := f.client.AddChannel(ctx, hold, c.CallerChannel); err != nil {
		t.Fatal(err)
	}
	saved, err := f.store.Call(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	saved.HoldBridge = hold
	if err := f.store.SaveCall(ctx, realtime.CallChange{Call: saved}); err != nil {
		t.Fatal(err)
	}

	f.start()
	testenv.Eventually(t, 5*time.Second, "caller and agent bridged again, the holding bridge gone", func() bool {
		m := f.sim.BridgeMembers(c.MixBridge)
		return len(m) == 2 && slices.Contains(m, c.CallerChannel) && slices.Contains(m, c.AgentChannel) && f.sim.BridgeMembers(hold) == nil
	})
	testenv.Eventually(t, 3*time.Second, "the recording running again", func() bool {
		req, _ := http.NewRequest("GET", f.simURL+"/ari/recordings/live/"+url.PathEscape(c.RecordingName), nil)
		req.SetBasicAuth("callfloor", "callfloor-test")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	testenv.Eventually(t, 3*time.Second, "the record in Redis marked bridged", func() bool {
		live, err := f.store.Call(ctx, c.ID)
		return err == nil && live.HoldBridge == "" && live.State == callfloor.CallTalking
	})
}

// The worst network break: Redis applies the call's end (record, counters, change-stream
// event, the agent's wrap-up) but the replies are lost, so callfloor retries them. Each still
// lands once: one call.ended, one handled call, one call today for the agent.
func TestLostRedisRepliesLandOnce(t *testing.T) {
	t.Parallel()
	f, proxy := newFloorViaProxy(t, 300*time.Millisecond, -1)
	s := f.sim
	f.login("1001")
	caller := f.place(sim.CallerSpec{Queue: "sales"})
	c := f.waitEvent(3*time.Second, "answered", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallAnswered }).Call
	testenv.Eventually(t, 3*time.Second, "the call bridged", func() bool { return len(s.BridgeMembers(c.MixBridge)) == 2 })

	proxy.DropReplies(true)
	if err := s.HangupChannel(caller); err != nil {
		t.Fatal(err)
	}
	// the writes reach Redis (unless the client gave up on a busy pool first: then it is a plain
	// retry); their replies do not
	time.Sleep(2 * time.Second) // timeouts, retries (themselves unanswered)
	proxy.DropReplies(false)
	f.waitEvent(10*time.Second, "the end in Redis", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallEnded })
	testenv.Eventually(t, 10*time.Second, "agent 1001 through wrap-up and available", func() bool {
		return f.agentState("1001").State == callfloor.AgentAvailable
	})
	time.Sleep(500 * time.Millisecond)
	if n := f.countEvents(callfloor.EvCallEnded); n != 1 {
		t.Errorf("%d call.ended events, want 1", n)
	}
	cnt := f.counters("sales")
	if cnt[realtime.CntHandled] != 1 || cnt[realtime.CntAnswered] != 1 {
		t.Errorf("queue counters %v: the end counted more than once", cnt)
	}
	if st := f.agentState("1001"); st.CallsToday != 1 {
		t.Errorf("agent calls today %d, want 1", st.CallsToday)
	}
	wraps := 0
	for _, e := range f.events {
		if e.Type == callfloor.EvAgentState && e.Agent.State == callfloor.AgentWrapUp {
			wraps++
		}
	}
	if wraps != 1 {
		t.Errorf("%d wrap-up transitions, want 1", wraps)
	}
}

// Asterisk fails the bridging of an answered call (a 500 on addChannel, twice): callfloor keeps
// trying until caller and agent are bridged, without a restart.
func TestBridgingRetriedAfterAsteriskFails(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001"))
	f.login("1001")
	f.sim.FailNext("POST", "-mix/addChannel", 500, 2)
	f.place(sim.CallerSpec{Queue: "sales"})
	c := f.waitEvent(3*time.Second, "answered", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallAnswered }).Call
	testenv.Eventually(t, 5*time.Second, "caller and agent bridged after the failures", func() bool {
		m := f.sim.BridgeMembers(c.MixBridge)
		return len(m) == 2 && f.sim.BridgeMembers("cf-"+c.ID+"-hold") == nil
	})
	testenv.Eventually(t, 3*time.Second, "the record marked bridged", func() bool {
		live, err := f.store.Call(context.Background(), c.ID)
		return err == nil && live.HoldBridge == ""
	})
}
