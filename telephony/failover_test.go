package telephony_test

import (
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/telephony/sim"
)

// Issue 15, the chaos suite's Redis failover: the new master refuses writes (NOREPLICAS) while
// the holder lets a caller in and connects them with an agent, so Redis never learns of the
// call (its record refused; the agent's claim and on-call went through); then the holder loses
// Redis and the standby takes the lease. The standby finds in Asterisk a caller bridged with the
// agent leg callfloor rang for it: the conversation goes on (the agent's leg is not hung up as an
// orphan, nor the caller queued again) and the call ends once, answered by that agent.
func TestFailoverAdoptsConversationRedisNeverSaw(t *testing.T) {
	t.Parallel()
	t.Run("record refused", func(t *testing.T) { failoverMidConversation(t, false) })
	// Redis has the call waiting (its entry landed, the offer and the answer were refused): the
	// restored call is talking with the agent Asterisk has in its bridge, not offered again.
	t.Run("answer refused", func(t *testing.T) { failoverMidConversation(t, true) })
}

func failoverMidConversation(t *testing.T, entered bool) {
	p, proxy := newPair(t, leaseConfig(0, "1001", "1002"), true)
	a, b := p.a, p.b
	a.acd.RefuseCallSaves(!entered)
	caller := a.place(sim.CallerSpec{Queue: "sales", TalkFor: 6 * time.Second})
	if entered {
		a.waitEvent(3*time.Second, "entered", func(e callfloor.Event) bool {
			return e.Type == callfloor.EvCallEntered && e.Call.CallerChannel == caller
		})
		a.acd.RefuseCallSaves(true)
	}
	a.login("1001", "1002")
	var agent string
	testenv.Eventually(t, 5*time.Second, "an agent claimed for the call (its record refused)", func() bool {
		for _, id := range []string{"1001", "1002"} {
			if st := a.agentState(id); st.State == callfloor.AgentRinging {
				agent = id
				return true
			}
		}
		return false
	})
	// the agent answers after 100 ms and the holder bridges them; its writes since the refused
	// record wait behind it (the agent stays ringing in Redis)
	time.Sleep(time.Second)
	cut := time.Now()
	proxy.Cut()
	took := p.takenOver(t, cut, 6*time.Second)
	t.Logf("take-over: %s", took)
	c := b.waitEvent(30*time.Second, "the conversation ended", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallEnded && e.Call.CallerChannel == caller
	}).Call
	if c.Outcome != callfloor.OutcomeAnswered || c.Agent != agent || c.HangupBy != callfloor.HangupCaller {
		t.Errorf("call: outcome %s agent %s hung up by %s, want answered by %s, the caller hanging up", c.Outcome, c.Agent, c.HangupBy, agent)
	}
	if d := c.EndedAt.Sub(c.AnsweredAt); d < 5*time.Second {
		t.Errorf("talked %s, want the caller's 6 s (the conversation cut short)", d)
	}
	endsOnce(t, b, 1)
	if n := b.countEvents(callfloor.EvCallOffered); n != 0 {
		t.Errorf("%d offers after the take-over: the talking caller was queued again", n)
	}
}

// A caller let in and ringing an agent while Redis refused the call's record, when the lease
// moves: the new holder queues the caller as a new call (not hung up) and frees the agent the
// old holder claimed (the ring, for a call nobody knows, is withdrawn), so the caller is
// answered and the call ends once, in history.
func TestFailoverQueuesCallerRedisNeverSaw(t *testing.T) {
	t.Parallel()
	p, proxy := newPair(t, leaseConfig(0, "1001"), true)
	a, b := p.a, p.b
	p.sim.SetDialplan(testDialplan(20*time.Second, 0, 0)) // the agent lets it ring
	a.acd.RefuseCallSaves(true)
	a.login("1001")
	caller := a.place(sim.CallerSpec{Queue: "sales", TalkFor: time.Second})
	testenv.Eventually(t, 5*time.Second, "the agent claimed for the call (its record refused)", func() bool {
		return a.agentState("1001").State == callfloor.AgentRinging
	})
	p.sim.SetDialplan(testDialplan(100*time.Millisecond, 0, 0)) // the next ring is answered
	cut := time.Now()
	proxy.Cut()
	p.takenOver(t, cut, 6*time.Second)
	c := b.waitEvent(30*time.Second, "the caller answered and gone", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallEnded && e.Call.CallerChannel == caller
	}).Call
	if c.Outcome != callfloor.OutcomeAnswered || c.Agent != "1001" {
		t.Errorf("call: outcome %s agent %s, want answered by 1001", c.Outcome, c.Agent)
	}
	endsOnce(t, b, 1)
}
