package telephony_test

import (
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/telephony/sim"
)

// Callfloor stopped (crashed) while an agent was held reserved for a waiting caller (state
// ringing for that call, as during the back-off after a failed originate): the next start frees
// the agent at once, and the caller is offered to them, instead of both waiting for the stale
// sweep (minutes).
func TestAgentReservedForWaitingCallFreedAtStart(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001"))
	f.login("1001")
	ctx := context.Background()
	if _, err := f.acd.Pause(ctx, "1001", "break"); err != nil {
		t.Fatal(err)
	}
	f.place(sim.CallerSpec{Queue: "sales", TalkFor: 200 * time.Millisecond})
	c := f.waitEvent(3*time.Second, "call entered", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallEntered }).Call
	f.stop()
	// what the crashed instance left: the agent reserved (ringing) for the waiting call
	if _, err := f.store.Transition(ctx, realtime.Transition{Agent: "1001", From: []callfloor.AgentState{callfloor.AgentPaused},
		To: callfloor.AgentRinging, Call: c.ID, Direction: callfloor.Inbound}); err != nil {
		t.Fatal(err)
	}
	if st := f.agentState("1001"); st.State != callfloor.AgentRinging || st.Call != c.ID {
		t.Fatalf("setup: agent %s for %q", st.State, st.Call)
	}
	f.start()
	a := f.waitEvent(5*time.Second, "the waiting call answered by the freed agent", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallAnswered && e.Call.ID == c.ID
	}).Call
	if a.Agent != "1001" {
		t.Errorf("answered by %q", a.Agent)
	}
}

// POST /applications/{app}/subscription answers 404 when the application does not exist (the
// ARI spec), 422 when the channel does not: only the latter means the caller is gone. A 404
// there (here injected) costs the hang-up cause, not the call.
func TestSubscriptionNotFoundIsNotACallerGone(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001"))
	f.login("1001")
	f.sim.FailNext("POST", "/subscription", 404, 1)
	f.place(sim.CallerSpec{Queue: "sales", TalkFor: 200 * time.Millisecond})
	f.answeredBy("1001", 5*time.Second)
}
