package telephony_test

import (
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/telephony"
)

// A customer answered and waiting for an agent when callfloor restarts keeps the rest of their
// drop wait, counted from the answer: an agent who becomes free after the restart, within it,
// still takes them (before: the restored call was dropped at once).
func TestDialerRestartCustomerWaitsForAgent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newDialFloor(t, 1, byPrefix(1500*time.Millisecond, 3*time.Second), telephony.DialerOptions{DropWait: 8 * time.Second})
	f.campaign("wait", callfloor.PaceRatio, phones("138", 1), nil)
	f.start()
	f.login("1001")
	testenv.Eventually(t, 10*time.Second, "the customer dialled", func() bool { return f.sim.Stats().Originates >= 1 })
	if _, err := f.acd.Pause(ctx, "1001", "lunch"); err != nil { // the agent leaves while the customer's phone rings
		t.Fatal(err)
	}
	var id string
	testenv.Eventually(t, 10*time.Second, "the customer answered, waiting", func() bool {
		calls, err := f.store.LiveCalls(ctx, "pbx1")
		if err != nil || len(calls) != 1 || calls[0].AnsweredAt.IsZero() {
			return false
		}
		id = calls[0].ID
		return true
	})
	f.stop()
	time.Sleep(500 * time.Millisecond)
	f.start()
	time.Sleep(time.Second) // the restored call waits: not dropped at once
	if c, err := f.store.Call(ctx, id); err != nil || c.State == callfloor.CallEnded {
		t.Fatalf("restored waiting customer: %+v %v, want still waiting", c, err)
	}
	restarted := time.Now()
	if _, err := f.acd.Unpause(ctx, "1001"); err != nil {
		t.Fatal(err)
	}
	e := f.waitEvent(10*time.Second, "the agent takes the waiting customer", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallAnswered && e.Call.ID == id
	})
	if e.Call.Agent != "1001" || e.At.Before(restarted) {
		t.Errorf("answered by %q at %v, want 1001 after the restart", e.Call.Agent, e.At)
	}
	testenv.Eventually(t, 10*time.Second, "the attempt recorded", func() bool { return len(f.attempts("wait")) == 1 })
	if r := f.attempts("wait")[0].result; r != "answered" {
		t.Errorf("attempt %s, want answered", r)
	}
}

// The restored customer's drop wait still ends: with no agent, they are dropped once it is over
// (counted from the answer, not from the restart).
func TestDialerRestartDropWaitCountsFromAnswer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newDialFloor(t, 1, byPrefix(1500*time.Millisecond, 20*time.Second), telephony.DialerOptions{DropWait: 4 * time.Second})
	f.campaign("wait2", callfloor.PaceRatio, phones("138", 1), nil)
	f.start()
	f.login("1001")
	testenv.Eventually(t, 10*time.Second, "the customer dialled", func() bool { return f.sim.Stats().Originates >= 1 })
	if _, err := f.acd.Pause(ctx, "1001", "lunch"); err != nil {
		t.Fatal(err)
	}
	var answered time.Time
	testenv.Eventually(t, 10*time.Second, "the customer answered, waiting", func() bool {
		calls, err := f.store.LiveCalls(ctx, "pbx1")
		if err != nil || len(calls) != 1 || calls[0].AnsweredAt.IsZero() {
			return false
		}
		answered = calls[0].AnsweredAt
		return true
	})
	f.stop()
	time.Sleep(time.Second)
	f.start()
	e := f.waitEvent(15*time.Second, "the drop", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallEnded && e.Call.CampaignID == "wait2"
	})
	// the drop message starts at the answer plus 4 s and lasts 1.1 s
	if held := e.Call.EndedAt.Sub(answered); e.Call.Outcome != callfloor.OutcomeAbandoned || held < 4*time.Second || held > 7*time.Second {
		t.Errorf("restored customer: %s after %v, want dropped about 5 s after answering", e.Call.Outcome, held)
	}
}
