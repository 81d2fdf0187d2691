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

// The agent's phone puts the caller on hold twice: the live call shows the hold, the ended call
// has hold_ms = the two holds, talk_ms = answered→ended less the holds, and the queue's and
// the agent's sum_hold_ms counters (AHT's hold part) carry it. A second leg's hold while the
// call is already on hold adds nothing; a hold still on at the end ends with the call.
func TestHoldFromThePhone(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001"))
	f.login("1001")
	f.place(sim.CallerSpec{Queue: "sales", TalkFor: 4 * time.Second})
	ans := f.waitEvent(3*time.Second, "answered", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallAnswered }).Call

	hold := func(ch string, on bool) {
		t.Helper()
		if err := f.sim.Hold(ch, on); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond)
	hold(ans.AgentChannel, true)
	held := f.waitEvent(2*time.Second, "held", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallHeld }).Call
	if !held.OnHold() || held.HoldChannel != ans.AgentChannel {
		t.Fatalf("held call: %+v", held)
	}
	live, err := f.store.Call(context.Background(), ans.ID)
	if err != nil || !live.OnHold() {
		t.Fatalf("live call in Redis not on hold: %+v %v", live, err)
	}
	hold(ans.CallerChannel, true) // the customer's side too: still one hold
	time.Sleep(300 * time.Millisecond)
	hold(ans.CallerChannel, false) // not the leg that held: still on hold
	time.Sleep(200 * time.Millisecond)
	hold(ans.AgentChannel, false)
	f.waitEvent(2*time.Second, "resumed", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallResumed })
	time.Sleep(200 * time.Millisecond)
	hold(ans.AgentChannel, true) // on hold again until the caller hangs up
	c := f.ended(5 * time.Second)
	if f.countEvents(callfloor.EvCallHeld) != 2 || f.countEvents(callfloor.EvCallResumed) != 1 {
		t.Errorf("held %d times, resumed %d, want 2 and 1", f.countEvents(callfloor.EvCallHeld), f.countEvents(callfloor.EvCallResumed))
	}
	// the holds as the change stream dated them: held → resumed, then held → the end
	var at []time.Time
	for _, e := range f.events {
		if e.Type == callfloor.EvCallHeld || e.Type == callfloor.EvCallResumed {
			at = append(at, e.At)
		}
	}
	if len(at) != 3 || c.HoldMs == nil {
		t.Fatalf("hold events at %v, hold_ms %v", at, c.HoldMs)
	}
	want := at[1].Sub(at[0]) + c.EndedAt.Sub(at[2])
	if d := time.Duration(*c.HoldMs)*time.Millisecond - want; d < -50*time.Millisecond || d > 50*time.Millisecond {
		t.Fatalf("hold_ms %d, want %v (the two holds as the events dated them)", *c.HoldMs, want)
	}
	if c.OnHold() {
		t.Error("an ended call is still on hold")
	}
	span := c.EndedAt.Sub(c.AnsweredAt).Milliseconds()
	if c.TalkMs()+*c.HoldMs != span {
		t.Errorf("talk %d + hold %d != answered→ended %d", c.TalkMs(), *c.HoldMs, span)
	}
	q := f.counters("sales")
	ac, _ := f.store.AgentCounters(context.Background(), "1001", time.Now())
	if q[realtime.CntSumHold] != *c.HoldMs || ac[realtime.CntSumHold] != *c.HoldMs || q[realtime.CntSumTalk] != c.TalkMs() {
		t.Errorf("counters: queue hold %d talk %d, agent hold %d; call hold %d talk %d", q[realtime.CntSumHold], q[realtime.CntSumTalk],
			ac[realtime.CntSumHold], *c.HoldMs, c.TalkMs())
	}
	testenv.Eventually(t, 2*time.Second, "agent available after wrap-up", func() bool { return f.agentState("1001").State == callfloor.AgentAvailable })
}

// A hold before the call is answered (the caller waiting in the queue) is not hold time.
func TestHoldWhileWaitingIsNotCounted(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001")) // nobody logged in: the caller waits
	f.place(sim.CallerSpec{Queue: "sales", Patience: time.Second})
	entered := f.waitEvent(3*time.Second, "entered", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallEntered }).Call
	if err := f.sim.Hold(entered.CallerChannel, true); err != nil {
		t.Fatal(err)
	}
	c := f.ended(5 * time.Second)
	if c.Outcome != callfloor.OutcomeAbandoned || c.HoldMs != nil || f.countEvents(callfloor.EvCallHeld) != 0 {
		t.Errorf("abandoned call: outcome %s hold %v, held events %d", c.Outcome, c.HoldMs, f.countEvents(callfloor.EvCallHeld))
	}
}

// The simulator's dialplan can make an agent's phone hold by itself (the demo traffic does, for
// a share of calls): hold_ms is the HoldFor it played.
func TestHoldFromTheDialplan(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001"))
	f.sim.SetDialplan(func(ep string) (sim.Behaviour, error) {
		return sim.Behaviour{RingFor: 50 * time.Millisecond, HoldAfter: 200 * time.Millisecond, HoldFor: 600 * time.Millisecond}, nil
	})
	f.login("1001")
	f.place(sim.CallerSpec{Queue: "sales", TalkFor: 1500 * time.Millisecond})
	c := f.ended(5 * time.Second)
	if c.HoldMs == nil || *c.HoldMs < 500 || *c.HoldMs > 1000 { // the simulator's timers may run late under load
		t.Fatalf("hold_ms %v, want about 600", c.HoldMs)
	}
	if f.countEvents(callfloor.EvCallHeld) != 1 || f.countEvents(callfloor.EvCallResumed) != 1 {
		t.Errorf("held/resumed events %d/%d", f.countEvents(callfloor.EvCallHeld), f.countEvents(callfloor.EvCallResumed))
	}
}

// Hold from the desktop: the caller moves to a holding bridge with music, the agent stays in
// the call's bridge; back on resume; hold_ms counts it; the phone's own hold cannot be released
// from the desktop; a call ending on hold takes its holding bridge with it.
func TestDeskHold(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001"))
	f.login("1001")
	ctx := context.Background()
	if err := f.acd.Hold(ctx, "1001", true); callfloor.ErrorCode(err) != callfloor.ECONFLICT {
		t.Errorf("hold with no call: %v", err)
	}
	caller := f.place(sim.CallerSpec{Queue: "sales", TalkFor: 3 * time.Second})
	c := f.waitEvent(3*time.Second, "answered", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallAnswered }).Call
	testenv.Eventually(t, 3*time.Second, "bridged", func() bool { return len(f.sim.BridgeMembers(c.MixBridge)) == 2 })
	park := "cf-" + c.ID + "-park"

	if err := f.acd.Hold(ctx, "1001", true); err != nil {
		t.Fatal(err)
	}
	if m := f.sim.BridgeMembers(park); len(m) != 1 || m[0] != caller {
		t.Errorf("holding bridge %v, want the caller", m)
	}
	if m := f.sim.BridgeMembers(c.MixBridge); len(m) != 1 || m[0] != c.AgentChannel {
		t.Errorf("call bridge during hold %v, want the agent alone", m)
	}
	if err := f.acd.Hold(ctx, "1001", true); callfloor.ErrorCode(err) != callfloor.ECONFLICT {
		t.Errorf("hold twice: %v", err)
	}
	time.Sleep(400 * time.Millisecond)
	if err := f.acd.Hold(ctx, "1001", false); err != nil {
		t.Fatal(err)
	}
	if m := f.sim.BridgeMembers(c.MixBridge); len(m) != 2 || f.sim.BridgeMembers(park) != nil {
		t.Errorf("after resume: call bridge %v, holding bridge %v", m, f.sim.BridgeMembers(park))
	}
	// the phone's hold is the phone's to release
	if err := f.sim.Hold(c.AgentChannel, true); err != nil {
		t.Fatal(err)
	}
	f.waitEvent(2*time.Second, "phone hold", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallHeld && e.Call.HoldChannel == c.AgentChannel
	})
	if err := f.acd.Hold(ctx, "1001", false); callfloor.ErrorCode(err) != callfloor.ECONFLICT {
		t.Errorf("resuming a phone hold from the desktop: %v", err)
	}
	_ = f.sim.Hold(c.AgentChannel, false)
	f.waitEvent(2*time.Second, "phone resume", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallResumed && f.countEvents(callfloor.EvCallResumed) == 2
	})
	// on hold again from the desktop until the caller hangs up
	if err := f.acd.Hold(ctx, "1001", true); err != nil {
		t.Fatal(err)
	}
	ended := f.ended(5 * time.Second)
	if ended.HoldMs == nil || *ended.HoldMs < 700 {
		t.Errorf("hold_ms %v, want the ~400 ms desktop hold plus the time on hold at the end", ended.HoldMs)
	}
	testenv.Eventually(t, 3*time.Second, "the holding bridge gone with the call", func() bool { return f.sim.BridgeMembers(park) == nil })
}
