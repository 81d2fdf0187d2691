package realtime

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
)

// The hub decodes only what marking reads from each change-stream entry; what it marks dirty
// must be what the full event would have marked.
func TestDecodeMarksMatchesFullEvent(t *testing.T) {
	at := time.Date(2026, 12, 4, 10, 0, 0, 123e6, time.UTC)
	call := &callfloor.Call{ID: "c1", Queue: "sales", Agent: "1002", CallerNumber: "5551234", EnteredAt: at.Add(-time.Minute),
		Offers: []callfloor.Offer{{Agent: "1001", Channel: "ch1", Start: at, Result: "no_answer"}, {Agent: "1002", Start: at}}}
	for _, full := range []callfloor.Event{
		{Type: callfloor.EvCallEnded, At: at, Call: call, Offer: &callfloor.Offer{Agent: "1003", Start: at}},
		{Type: "agent.state", At: at, Agent: &callfloor.AgentStatus{Agent: "1004", State: callfloor.AgentState("paused"), Reason: "lunch", Since: at}},
		{Type: "x", At: at},
	} {
		raw, err := json.Marshal(full)
		if err != nil {
			t.Fatal(err)
		}
		slim, err := decodeMarks(raw)
		if err != nil {
			t.Fatal(err)
		}
		var back callfloor.Event
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatal(err)
		}
		if got, want := dirtyOf(slim), dirtyOf(&back); !equalDirty(got, want) {
			t.Errorf("%s: decodeMarks marks %+v, the full event %+v", full.Type, got, want)
		}
	}
	if d := dirtyOf(&callfloor.Event{At: at, Call: call, Offer: &callfloor.Offer{Agent: "1003"}}); len(d.queues) != 1 || len(d.agents) != 3 {
		t.Errorf("the call event marks %+v; want sales and agents 1001, 1002, 1003", d)
	}
	if _, err := decodeMarks([]byte(`{"at":`)); err == nil {
		t.Error("a truncated entry decoded without error")
	}
}

func dirtyOf(ev *callfloor.Event) dirtySet {
	h := &Hub{dirty: newDirty(), wake: make(chan struct{}, 1)}
	h.mark(ev)
	return h.dirty
}

func equalDirty(a, b dirtySet) bool {
	if len(a.queues) != len(b.queues) || len(a.agents) != len(b.agents) || len(a.queues)+len(a.agents) == 0 && a.all != b.all {
		return false
	}
	if len(a.minutes) != len(b.minutes) {
		return false
	}
	for m := range a.minutes {
		if !b.minutes[m] {
			return false
		}
	}
	for k, v := range a.queues {
		if w, ok := b.queues[k]; !ok || !w.Equal(v) {
			return false
		}
	}
	for k, v := range a.agents {
		if w, ok := b.agents[k]; !ok || !w.Equal(v) {
			return false
		}
	}
	return true
}
