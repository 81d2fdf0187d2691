package telephony_test

import (
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/telephony/sim"
	"github.com/redis/go-redis/v9"
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
	testenv.Eventually(t, 5*time.Second, "the agent claimed for the call (its record refused) and rung", func() bool {
		// rung: the originate made (the claim comes first: the next ring must not be the one answered)
		return a.agentState("1001").State == callfloor.AgentRinging && p.sim.Stats().Originates == 1
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

// Issue 15, the chaos suite's Redis failover, as it goes: the new master refuses every write
// (NOREPLICAS) for seconds, from every instance. The holder still drives its calls meanwhile,
// keeping what it learns; its lease renewals are refused too, so it gives the node up; when
// Redis accepts writes again the standby takes the lease. What the old holder learned must
// reach history all the same, with its real times: it hands its facts over (handover.go).
//
//   - "caller hung up": a talking caller hangs up while writes are refused and the old holder
//     still drives the call: the call ends answered, hung up by the caller, at that moment (not
//     at the new holder's reconciliation, by "system");
//   - "agent answered": the agent answers while writes are refused (the call rang before), then
//     the caller hangs up while no instance drives the node: the call is answered by that agent
//     (not abandoned) and the agent is freed.
func TestFailoverHandsTheOldHoldersFactsOver(t *testing.T) {
	t.Run("caller hung up", func(t *testing.T) { failoverRefusingWrites(t, false) })
	t.Run("agent answered", func(t *testing.T) { failoverRefusingWrites(t, true) })
}

// refuseWrites makes the test's own Redis refuse every write as a new master does until a
// replica follows it (NOREPLICAS), or accept them again.
func refuseWrites(t *testing.T, rdb *redis.Client, on bool) {
	t.Helper()
	n := "0"
	if on {
		n = "1"
	}
	if err := rdb.ConfigSet(context.Background(), "min-replicas-to-write", n).Err(); err != nil {
		t.Fatal(err)
	}
}

func failoverRefusingWrites(t *testing.T, answerRefused bool) {
	srv := testenv.RedisServer(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), DialTimeout: 200 * time.Millisecond, ReadTimeout: 500 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	p, _ := newPairOn(t, leaseConfig(0, "1001"), rdb, "ho:", false)
	a, b := p.a, p.b
	ring := 100 * time.Millisecond
	if answerRefused {
		ring = 800 * time.Millisecond
		p.sim.SetDialplan(testDialplan(ring, 0, 0))
	}
	a.login("1001")
	caller := a.place(sim.CallerSpec{Queue: "sales", Number: "+8613800000001"})
	want := callfloor.EvCallAnswered
	if answerRefused {
		want = callfloor.EvCallOffered
	}
	a.waitEvent(5*time.Second, want, func(e callfloor.Event) bool { return e.Type == want && e.Call.CallerChannel == caller })
	refused := time.Now()
	refuseWrites(t, rdb, true)
	a.acd.StayStandby(true) // once it has given the node up: the standby takes the lease
	if answerRefused {
		testenv.Eventually(t, 3*time.Second, "the agent bridged with the caller", func() bool {
			return !p.sim.CallRecords()[0].Bridged.IsZero()
		})
	} else {
		time.Sleep(300 * time.Millisecond)
		if err := p.sim.HangupChannel(caller); err != nil {
			t.Fatal(err)
		}
	}
	testenv.Eventually(t, 4*time.Second, "the holder gives the node up (its renewals refused)", func() bool { return !a.acd.LeaseHolder("pbx1") })
	if answerRefused {
		if err := p.sim.HangupChannel(caller); err != nil { // while no instance drives the node
			t.Fatal(err)
		}
	}
	time.Sleep(time.Until(refused.Add(4500 * time.Millisecond))) // the chaos suite's 4–5 s
	resumed := time.Now()
	refuseWrites(t, rdb, false)
	took := p.takenOver(t, resumed, 6*time.Second)
	t.Logf("writes refused for %s; taken over %s after", resumed.Sub(refused).Round(time.Millisecond), took.Round(time.Millisecond))

	c := b.waitEvent(10*time.Second, "the call ended", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallEnded && e.Call.CallerChannel == caller
	}).Call
	rec := p.sim.CallRecords()[0]
	if c.Outcome != callfloor.OutcomeAnswered || c.Agent != "1001" || c.HangupBy != callfloor.HangupCaller {
		t.Errorf("call: outcome %s agent %q hung up by %s, want answered by 1001, hung up by the caller", c.Outcome, c.Agent, c.HangupBy)
	}
	if d := c.AnsweredAt.Sub(rec.Bridged).Abs(); d > time.Second {
		t.Errorf("answered at %s, the simulator bridged at %s (%s off)", c.AnsweredAt.Format("15:04:05.000"), rec.Bridged.Format("15:04:05.000"), d)
	}
	// the hang-up the old holder saw is dated then; one in the gap, by the new holder's channel list
	slack := time.Second
	if answerRefused {
		slack = time.Since(rec.Ended) // learnt at the take-over: no later than that
	}
	if d := c.EndedAt.Sub(rec.Ended); d.Abs() > slack || d < -time.Second {
		t.Errorf("ended at %s, the caller hung up at %s (%s off)", c.EndedAt.Format("15:04:05.000"), rec.Ended.Format("15:04:05.000"), d)
	}
	endsOnce(t, b, 1)
	testenv.Eventually(t, 5*time.Second, "the agent free again", func() bool { return b.agentState("1001").State == callfloor.AgentAvailable })
	if n := len(p.sim.BridgeMembers("cf-" + c.ID + "-mix")); n > 0 {
		t.Errorf("the call's bridge still has %d channels", n)
	}
}

// A Sentinel failover loses the writes the old master acknowledged after its replica was
// promoted: among them an agent's claim. The agent's phone rings all the same and they answer,
// but Redis has them available: the answer marks them on the call anyway (else they would be
// offered a second call while talking: the chaos suite's failover booked one agent twice).
func TestAnswerAfterALostClaimMarksTheAgentOnCall(t *testing.T) {
	f := newFloor(t, testConfig("1001"))
	f.sim.SetDialplan(testDialplan(800*time.Millisecond, 0, 0))
	f.login("1001")
	caller := f.place(sim.CallerSpec{Queue: "sales"})
	c := f.waitEvent(5*time.Second, "the agent rung", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallOffered && e.Call.CallerChannel == caller
	}).Call
	// the claim lost: Redis has the agent available again (as before the claim)
	if _, err := f.store.Transition(context.Background(), realtime.Transition{Agent: "1001", To: callfloor.AgentAvailable}); err != nil {
		t.Fatal(err)
	}
	f.waitEvent(5*time.Second, "answered", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallAnswered && e.Call.ID == c.ID
	})
	testenv.Eventually(t, 3*time.Second, "the agent on the call in redis", func() bool {
		st := f.agentState("1001")
		return st.State == callfloor.AgentOnCall && st.Call == c.ID
	})
}
