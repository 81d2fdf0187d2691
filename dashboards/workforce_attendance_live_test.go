package dashboards_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/callfloor/callfloor/dashboards"
)

// The wallboard's attendance read from the records: the agent who came in 12 minutes after
// their shift's start is late 12, the one rostered and not in is not yet in; a change calls
// OnChange, the same reading again does not.
func TestLiveAttendanceFromRecords(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	loc := e.base.Location()
	now := time.Now().In(loc)
	start := now.Add(-40 * time.Minute).Truncate(time.Minute)
	end := start.Add(8 * time.Hour)
	day := start.Format(time.DateOnly) // the shift's day (yesterday's when it began before midnight)
	e.expect("ops", "PUT", "/shifts/X", fmt.Sprintf(`{"name":"Test","start":"%s","end":"%s"}`, start.Format("15:04"), end.Format("15:04")), 201)
	month := start.Format("2006-01")
	e.expect("lead-a", "PUT", "/rosters/team-a/"+month+"/cells", fmt.Sprintf(`{"cells":[{"agent":"1001","day":"%s","shift":"X"},{"agent":"1002","day":"%s","shift":"X"}]}`, day, day), 200)
	e.expect("lead-a", "POST", "/rosters/team-a/"+month+"/publish", ``, 200)
	came := start.Add(12 * time.Minute)
	if _, err := e.db.Pool.Exec(ctx, `INSERT INTO agent_state_open (agent_id, started_at, state) VALUES ('1001', $1, 'available')`, came); err != nil {
		t.Fatal(err)
	}
	changes := 0
	l := &dashboards.LiveAttendance{DB: e.db, Loc: loc, OnChange: func() { changes++ }}
	if err := l.Reload(ctx, now); err != nil {
		t.Fatal(err)
	}
	got := l.Get()
	if a := got["1001"]; a.Shift != "X" || a.LateMin != 12 || a.NotYetIn || !a.FirstWork.Equal(came) {
		t.Errorf("1001 %+v, want late 12 from %s", a, came)
	}
	if a := got["1002"]; a.Shift != "X" || !a.NotYetIn || a.LateMin != 0 {
		t.Errorf("1002 %+v, want not yet in", a)
	}
	if changes != 1 {
		t.Errorf("%d changes", changes)
	}
	if err := l.Reload(ctx, now); err != nil || changes != 1 {
		t.Errorf("the same reading again: %v, %d changes", err, changes)
	}
}
