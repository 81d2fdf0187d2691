package telephony_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/telephony"
	"github.com/callfloor/callfloor/telephony/sim"
)

// Progressive reserves its agent before dialling: with blended inbound callers arriving while
// the customer's phone rings, the agent (shown ringing for the outbound dial) is not taken by
// inbound, the customer is connected, never dropped, and the caller is served after.
func TestDialerProgressiveReservesAgent(t *testing.T) {
	t.Parallel()
	f := newDialFloor(t, 1, byPrefix(1200*time.Millisecond, 300*time.Millisecond), telephony.DialerOptions{})
	f.campaign("resv", callfloor.PaceProgressive, phones("138", 3), func(c *callfloor.Campaign) { c.Queue = "sales" })
	f.start()
	f.login("1001")
	seen := map[string]bool{}
	for i := range 3 {
		var call string
		testenv.Eventually(t, 20*time.Second, "the agent reserved while a customer's phone rings", func() bool {
			st := f.agentState("1001")
			if st.State != callfloor.AgentRinging || st.Direction != string(callfloor.Outbound) || st.Call == "" || seen[st.Call] {
				return false
			}
			c, err := f.store.Call(context.Background(), st.Call)
			if err != nil || c == nil || c.CampaignID != "resv" || !c.AnsweredAt.IsZero() {
				return false
			}
			call = st.Call
			return true
		})
		seen[call] = true
		// an inbound caller arrives during the ring
		f.place(sim.CallerSpec{Queue: "sales", Patience: time.Minute, TalkFor: 200 * time.Millisecond})
		f.waitEvent(20*time.Second, fmt.Sprintf("dialled customer %d connected", i+1), func(e callfloor.Event) bool {
			return e.Type == callfloor.EvCallAnswered && e.Call.ID == call
		})
		f.waitEvent(20*time.Second, "the caller served after", func(e callfloor.Event) bool {
			return e.Type == callfloor.EvCallAnswered && e.Call.Direction == callfloor.Inbound
		})
	}
	testenv.Eventually(t, 20*time.Second, "three attempts", func() bool { return len(f.attempts("resv")) >= 3 })
	if c := countResults(f.attempts("resv")); c["dropped"] != 0 || c["answered"] != 3 {
		t.Errorf("results %v, want 3 answered, none dropped", c)
	}
}

// A reserved agent is released when the customer does not answer (busy, no answer): available
// again, the attempt not theirs.
func TestDialerProgressiveReleasesOnNoAnswer(t *testing.T) {
	t.Parallel()
	f := newDialFloor(t, 1, byPrefix(100*time.Millisecond, 300*time.Millisecond), telephony.DialerOptions{})
	f.cfg.ACD.Outbound.RingTimeout = 800 * time.Millisecond
	f.campaign("rel", callfloor.PaceProgressive, []string{"13700000001", "13900000001"}, nil) // busy, rings out
	f.start()
	f.login("1001")
	testenv.Eventually(t, 20*time.Second, "two attempts", func() bool { return len(f.attempts("rel")) >= 2 })
	for _, a := range f.attempts("rel") {
		if a.agent != "" {
			t.Errorf("%s attempt (%s) recorded for agent %s", a.phone, a.result, a.agent)
		}
	}
	testenv.Eventually(t, 5*time.Second, "the agent available again", func() bool { return f.agentState("1001").State == callfloor.AgentAvailable })
}
