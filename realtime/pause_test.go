package realtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
)

// A return read from the due list just before the agent changed (another instance's unpause
// and a new missed pause) must not fire: it is a compare-and-set on the pause's end.
func TestReturnFromPauseIsCompareAndSet(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	now := time.Now().Truncate(time.Millisecond)
	upsert(t, s, "a1", map[string]int{"sales": 1}, now)
	available(t, s, "a1", now)
	first := now.Add(time.Second)
	transition(t, s, realtime.Transition{Agent: "a1", To: callfloor.AgentPaused, Reason: "missed", PauseUntil: first, Now: now})
	due, err := s.DuePauses(ctx, first)
	if err != nil || len(due) != 1 || due[0].Agent != "a1" || !due[0].Until.Equal(first) {
		t.Fatalf("DuePauses = %+v, %v; want a1 at %v", due, err, first)
	}
	if d, _ := s.DuePauses(ctx, first.Add(-time.Millisecond)); len(d) != 0 {
		t.Fatalf("due before its end: %+v", d)
	}
	// meanwhile: paused again with a later end
	second := now.Add(5 * time.Second)
	transition(t, s, realtime.Transition{Agent: "a1", To: callfloor.AgentPaused, Reason: "missed", PauseUntil: second, Now: now.Add(10 * time.Millisecond)})
	if err := s.ReturnFromPause(ctx, due[0], first); callfloor.ErrorCode(err) != callfloor.ECONFLICT {
		t.Fatalf("stale return: %v, want a conflict", err)
	}
	if st := agentState(t, s, "a1"); st.State != callfloor.AgentPaused || !st.PauseUntil.Equal(second) {
		t.Fatalf("after the stale return: %+v, want paused until %v", st, second)
	}
	due, _ = s.DuePauses(ctx, second)
	if len(due) != 1 || !due[0].Until.Equal(second) {
		t.Fatalf("the new pause is still due at %v: %+v", second, due)
	}
	if err := s.ReturnFromPause(ctx, due[0], second); err != nil {
		t.Fatal(err)
	}
	if st := agentState(t, s, "a1"); st.State != callfloor.AgentAvailable || !st.PauseUntil.IsZero() {
		t.Fatalf("after the return: %+v", st)
	}
	if d, _ := s.DuePauses(ctx, second.Add(time.Hour)); len(d) != 0 {
		t.Fatalf("still due after the return: %+v", d)
	}
}
