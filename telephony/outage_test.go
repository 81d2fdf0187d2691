package telephony_test

import (
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/telephony/sim"
)

// neverPaused fails the test if the agent was ever paused (a missed ring) on the change stream.
func (f *floor) neverPaused(agent string) {
	f.t.Helper()
	f.poll()
	for _, e := range f.events {
		if e.Type == callfloor.EvAgentState && e.Agent.Agent == agent && e.Agent.State == callfloor.AgentPaused {
			f.t.Errorf("agent %s was paused (%s) at %s", agent, e.Agent.Reason, e.At.Format("15:04:05.000"))
		}
	}
	ac, _ := f.store.AgentCounters(context.Background(), agent, time.Now())
	if ac[realtime.CntOffersNoAnswer] != 0 {
		f.t.Errorf("agent %s has %d missed offers counted", agent, ac[realtime.CntOffersNoAnswer])
	}
}

func (f *floor) waitDown() {
	f.t.Helper()
	testenv.Eventually(f.t, 3*time.Second, "ACD sees the node down", func() bool { return f.acd.Ready() != nil })
}

// While a node's event stream is down, no agent is rung for its callers (Asterisk would hang up
// on an agent answering into the deactivated application); the caller is offered once the
// stream is back.
func TestNoOfferWhileEventsDown(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001"))
	f.place(sim.CallerSpec{Queue: "sales", TalkFor: 200 * time.Millisecond})
	f.waitEvent(3*time.Second, "caller entered", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallEntered })
	f.sim.EventsOutage(true)
	f.waitDown()
	f.login("1001")
	time.Sleep(600 * time.Millisecond) // an agent rung now would answer after 100 ms
	if st := f.sim.Stats(); st.Originates != 0 || st.StasisFailed != 0 {
		t.Errorf("agent rung while the events stream was down: %d originates, %d answered into an inactive application", st.Originates, st.StasisFailed)
	}
	f.sim.EventsOutage(false)
	f.answeredBy("1001", 5*time.Second)
	f.neverPaused("1001")
}

// A phone ringing when the stream drops: the ring is withdrawn (not a missed ring, no pause),
// the agent is available again, and the caller is offered again as soon as the stream is back.
func TestRingInterruptedByEventsOutage(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001"))
	f.sim.SetDialplan(testDialplan(600*time.Millisecond, 0, 0)) // the agent answers after 600 ms
	f.login("1001")
	f.place(sim.CallerSpec{Queue: "sales", TalkFor: 200 * time.Millisecond})
	f.waitEvent(3*time.Second, "offered", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallOffered })
	f.sim.EventsOutage(true)
	time.Sleep(1200 * time.Millisecond) // the agent would have answered meanwhile
	if n := f.sim.Stats().StasisFailed; n != 0 {
		t.Errorf("%d agents answered into the inactive application and were hung up", n)
	}
	up := time.Now()
	f.sim.EventsOutage(false)
	c := f.answeredBy("1001", 5*time.Second)
	if len(c.Offers) != 2 || c.Offers[0].Result != callfloor.OfferInterrupted || c.Offers[1].Result != callfloor.OfferAnswered {
		t.Fatalf("offers %+v, want interrupted then answered", c.Offers)
	}
	if d := c.Offers[1].Start.Sub(up); d > 1500*time.Millisecond {
		t.Errorf("offered again %s after the reconnect, want at once", d)
	}
	f.neverPaused("1001")
}

// callfloor stops while an agent's phone rings and the agent answers meanwhile: Asterisk hangs
// up on them (application not active). After the restart the ring's result is unknown: not a
// missed ring; the caller is offered again at once.
func TestCallfloorStoppedWhileRinging(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001"))
	f.sim.SetDialplan(testDialplan(400*time.Millisecond, 0, 0))
	f.login("1001")
	f.place(sim.CallerSpec{Queue: "sales", TalkFor: 200 * time.Millisecond})
	f.waitEvent(3*time.Second, "offered", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallOffered })
	f.stop()
	testenv.Eventually(t, 3*time.Second, "the agent answered into the inactive application", func() bool { return f.sim.Stats().StasisFailed == 1 })
	f.start()
	c := f.answeredBy("1001", 5*time.Second)
	if len(c.Offers) != 2 || c.Offers[0].Result != callfloor.OfferInterrupted {
		t.Fatalf("offers %+v, want interrupted then answered", c.Offers)
	}
	f.neverPaused("1001")
}

// A failed originate is not a missed ring: no pause, no missed count; the agent is available
// again after a back-off that grows with each consecutive failure (no tight loop).
func TestFailedOriginateIsNotAMissedRing(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001"))
	f.login("1001")
	f.sim.FailNext("POST", "/channels", 500, 2)
	f.place(sim.CallerSpec{Queue: "sales", TalkFor: 200 * time.Millisecond})
	c := f.answeredBy("1001", 8*time.Second)
	if len(c.Offers) != 3 || c.Offers[0].Result != callfloor.OfferFailed || c.Offers[1].Result != callfloor.OfferFailed || c.Offers[2].Result != callfloor.OfferAnswered {
		t.Fatalf("offers %+v, want failed, failed, answered", c.Offers)
	}
	if gap := c.Offers[1].Start.Sub(c.Offers[0].End); gap < 900*time.Millisecond {
		t.Errorf("re-offered %s after the first failure, want a back-off of 1 s", gap)
	}
	if gap := c.Offers[2].Start.Sub(c.Offers[1].End); gap < 1900*time.Millisecond {
		t.Errorf("re-offered %s after the second failure, want a back-off of 2 s", gap)
	}
	f.neverPaused("1001")
	testenv.Eventually(t, 2*time.Second, "agent available after wrap-up", func() bool { return f.agentState("1001").State == callfloor.AgentAvailable })
}

// Asterisk crashes while one caller's agent rings and another caller waits: both callers are
// lost to the system (outcome lost, hangup_by system), not abandoned, and out of the abandon
// counters; the agent is not blamed.
func TestAsteriskCrashLosesCallers(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001"))
	f.sim.SetDialplan(testDialplan(3*time.Second, 0, 0))
	f.login("1001")
	f.place(sim.CallerSpec{Queue: "sales"})
	f.waitEvent(3*time.Second, "offered", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallOffered })
	f.place(sim.CallerSpec{Queue: "sales", Number: "5550101"})
	testenv.Eventually(t, 3*time.Second, "second caller waiting", func() bool { return f.countEvents(callfloor.EvCallEntered) == 2 })
	f.sim.Crash()
	f.waitDown()
	time.Sleep(200 * time.Millisecond)
	f.sim.Restart()
	f.waitReady()
	testenv.Eventually(t, 5*time.Second, "both calls ended", func() bool { return f.countEvents(callfloor.EvCallEnded) == 2 })
	for _, e := range f.events {
		if e.Type == callfloor.EvCallEnded && (e.Call.Outcome != callfloor.OutcomeLost || e.Call.HangupBy != callfloor.HangupSystem) {
			t.Errorf("call %s (%s): outcome %s by %s, want lost by system", e.Call.ID, e.Call.CallerNumber, e.Call.Outcome, e.Call.HangupBy)
		}
	}
	cnt := f.counters("sales")
	if cnt[realtime.CntLost] != 2 || cnt[realtime.CntAbandoned] != 0 || cnt[realtime.CntOffered] != 2 {
		t.Errorf("counters %v, want lost 2, abandoned 0", cnt)
	}
	f.neverPaused("1001")
	// the ringing agent's state is freed by its own actor, just after the calls end
	testenv.Eventually(t, 3*time.Second, "the agent available after the crash", func() bool { return f.agentState("1001").State == callfloor.AgentAvailable })
}

// Inbound calls get their hang-up cause: Asterisk sends a leg's StasisEnd before its
// ChannelDestroyed, and only the latter has the cause; the call's end time is still when the
// leg left.
func TestInboundHangupCause(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, c *callfloor.Call, outcome callfloor.Outcome, by string) {
		t.Helper()
		if c.Outcome != outcome || c.HangupBy != by {
			t.Fatalf("outcome %s by %s, want %s by %s", c.Outcome, c.HangupBy, outcome, by)
		}
		if c.Cause != 16 || c.CauseText != "Normal Clearing" {
			t.Errorf("cause %d %q, want 16 Normal Clearing", c.Cause, c.CauseText)
		}
	}
	t.Run("caller hangs up during talk", func(t *testing.T) {
		f := newFloor(t, testConfig("1001"))
		f.login("1001")
		f.place(sim.CallerSpec{Queue: "sales", TalkFor: 400 * time.Millisecond})
		c := f.ended(4 * time.Second)
		check(t, c, callfloor.OutcomeAnswered, callfloor.HangupCaller)
		if tk := c.TalkMs(); tk < 300 || tk > 1000 {
			t.Errorf("talk %d ms, want about 400", tk)
		}
	})
	t.Run("caller abandons", func(t *testing.T) {
		f := newFloor(t, testConfig("1001"))
		f.place(sim.CallerSpec{Queue: "sales", Patience: 800 * time.Millisecond})
		c := f.ended(4 * time.Second)
		check(t, c, callfloor.OutcomeAbandoned, callfloor.HangupCaller)
		if w := c.WaitMs(); w < 700 || w > 1300 {
			t.Errorf("wait %d ms, want about 800", w)
		}
	})
	t.Run("caller hangs up while an agent rings", func(t *testing.T) {
		f := newFloor(t, testConfig("9001"))
		f.login("9001")
		f.place(sim.CallerSpec{Queue: "sales", Patience: 300 * time.Millisecond})
		c := f.ended(4 * time.Second)
		check(t, c, callfloor.OutcomeShortAbandon, callfloor.HangupCaller)
		if len(c.Offers) != 1 || c.Offers[0].Result != callfloor.OfferCanceled {
			t.Errorf("offers %+v, want one canceled", c.Offers)
		}
		testenv.Eventually(t, 2*time.Second, "agent available", func() bool { return f.agentState("9001").State == callfloor.AgentAvailable })
	})
	t.Run("agent hangs up", func(t *testing.T) {
		f := newFloor(t, testConfig("1001"))
		f.sim.SetDialplan(testDialplan(100*time.Millisecond, 400*time.Millisecond, 0))
		f.login("1001")
		f.place(sim.CallerSpec{Queue: "sales"})
		c := f.ended(4 * time.Second)
		check(t, c, callfloor.OutcomeAnswered, callfloor.HangupAgent)
		testenv.Eventually(t, 2*time.Second, "no channels left", func() bool { return f.sim.Stats().ChannelsLive == 0 })
	})
}

// Outbound calls too: the customer's StasisEnd comes before its ChannelDestroyed.
func TestOutboundHangupCause(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001"))
	f.login("1001")
	id, err := f.acd.Dial(context.Background(), "1001", "5551234")
	if err != nil {
		t.Fatal(err)
	}
	c := f.ended(5 * time.Second)
	if c.ID != id || c.Outcome != callfloor.OutcomeAnswered || c.HangupBy != callfloor.HangupCaller {
		t.Fatalf("outbound call: outcome %s by %s", c.Outcome, c.HangupBy)
	}
	if c.Cause != 16 || c.CauseText != "Normal Clearing" {
		t.Errorf("cause %d %q, want 16 Normal Clearing", c.Cause, c.CauseText)
	}
	if tk := c.TalkMs(); tk < 400 || tk > 1200 {
		t.Errorf("talk %d ms, want about 500", tk)
	}
}
