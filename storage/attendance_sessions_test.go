package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"
)

// A session still open margin after its shift's end is overdue; one begun off any shift, one
// closed, one on an unpublished roster, or one before the end plus margin, is not.
func TestOverdueSessions(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	exec(`INSERT INTO shifts (code, name, start_time, end_time) VALUES ('E', '早班', '08:30', '17:30'), ('N', '夜班', '22:00', '06:00')`)
	roster := func(agent, day, code string, published bool) {
		exec(`INSERT INTO roster_days (agent_id, day, team_id, shift_code, published, published_code) VALUES ($1, $2, 'red', $3, $4, CASE WHEN $4 THEN $3 END)`, agent, day, code, published)
	}
	session := func(agent, login string, logout *time.Time) {
		exec(`INSERT INTO agent_sessions (agent_id, login_at, logout_at) VALUES ($1, $2, $3)`, agent, at(login), logout)
	}
	roster("1001", "2026-11-03", "E", true)
	session("1001", "2026-11-03 08:25", nil) // day shift, still open
	roster("1002", "2026-11-02", "N", true)
	session("1002", "2026-11-02 21:50", nil) // night shift over midnight, still open
	session("1003", "2026-11-03 09:00", nil) // no roster: overtime, not closed
	roster("1004", "2026-11-03", "E", true)
	session("1004", "2026-11-03 19:45", nil) // logged in after the shift and its margin
	roster("1005", "2026-11-03", "E", true)
	out := at("2026-11-03 17:35")
	session("1005", "2026-11-03 08:30", &out) // closed
	roster("1006", "2026-11-03", "E", false)
	session("1006", "2026-11-03 08:30", nil) // the roster is not published

	agents := func(now string) []string {
		t.Helper()
		list, err := db.OverdueAgents(ctx, at(now), 2*time.Hour, loc)
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	if got := agents("2026-11-03 07:59"); !slices.Equal(got, []string(nil)) {
		t.Errorf("07:59: %v, want none (the night shift ended at 06:00: 08:00 with the margin)", got)
	}
	if got := agents("2026-11-03 08:00"); !slices.Equal(got, []string{"1002"}) {
		t.Errorf("08:00: %v, want the night shift's 1002", got)
	}
	if got := agents("2026-11-03 19:29"); !slices.Equal(got, []string{"1002"}) {
		t.Errorf("19:29: %v, want 1002 only (1001's shift ends 17:30 + 2 h)", got)
	}
	if got := agents("2026-11-03 19:30"); !slices.Equal(got, []string{"1001", "1002"}) {
		t.Errorf("19:30: %v, want 1001 and 1002", got)
	}
	list, err := db.OverdueSessions(ctx, at("2026-11-03 23:00"), 0, loc) // 0: the default 2 h
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Agent != "1001" || list[0].Shift != "E" || !list[0].ShiftEnd.Equal(at("2026-11-03 17:30")) ||
		list[1].Agent != "1002" || !list[1].ShiftEnd.Equal(at("2026-11-03 06:00")) {
		t.Errorf("sessions %+v", list)
	}
}
