package dashboards_test

import (
	"context"
	"testing"
	"time"
)

// A late login shows in the day's attendance and the month's sheet; the team lead corrects it with
// a reason (audited, raw kept); who may see attendance is narrower than who sees calls.
func TestAttendanceAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	e.expect("ops", "PUT", "/shifts/E", `{"name":"早班","start":"08:30","end":"17:30","breaks":[{"start":"12:00","end":"14:00"}]}`, 201)
	e.expect("lead-a", "PUT", "/rosters/team-a/2026-11/cells", `{"cells":[{"agent":"1001","day":"2026-11-02","shift":"E"},{"agent":"1002","day":"2026-11-02","shift":"E"},{"agent":"1001","day":"2026-11-03","shift":"E"}]}`, 200)
	e.expect("lead-a", "POST", "/rosters/team-a/2026-11/publish", ``, 200)
	loc := e.base.Location()
	at := func(s string) time.Time { v, _ := time.ParseInLocation("2006-01-02 15:04", s, loc); return v }
	for _, iv := range [][3]string{{"1001", "2026-11-02 08:47", "2026-11-02 17:30"}, {"1001", "2026-11-03 08:30", "2026-11-03 17:30"}} {
		s, en := at(iv[1]), at(iv[2])
		if _, err := e.db.Pool.Exec(ctx, `INSERT INTO agent_state_intervals (agent_id, state, started_at, ended_at, duration_ms) VALUES ($1, 'available', $2, $3, $4)`,
			iv[0], s, en, en.Sub(s).Milliseconds()); err != nil {
			t.Fatal(err)
		}
	}
	days := e.expect("lead-a", "GET", "/attendance?from=2026-11-02&to=2026-11-02&team=team-a", "", 200)["days"].([]any)
	by := map[string]map[string]any{}
	for _, d := range days {
		m := d.(map[string]any)
		by[m["agent"].(string)] = m
	}
	if by["1001"]["late_minutes"].(float64) != 17 || by["1002"]["absent"] != true {
		t.Fatalf("attendance %v", days)
	}
	sheet := e.expect("lead-a", "GET", "/attendance/sheet?team=team-a&month=2026-11", "", 200)["rows"].([]any)
	r0 := sheet[0].(map[string]any)
	if r0["agent"] != "1001" || r0["rostered_days"].(float64) != 2 || r0["late"].(float64) != 1 || r0["late_minutes"].(float64) != 17 || r0["worked_days"].(float64) != 2 {
		t.Fatalf("sheet %v", sheet)
	}
	// who may see it
	e.expect("ana", "GET", "/attendance?from=2026-11-02&agent=1001", "", 200)
	e.expect("ana", "GET", "/attendance?from=2026-11-02&agent=1002", "", 403)
	e.expect("qa", "GET", "/attendance?from=2026-11-02&agent=1001", "", 403)
	e.expect("qa", "GET", "/attendance/sheet?team=team-a&month=2026-11", "", 403)
	e.expect("sup", "GET", "/attendance/sheet?team=team-a&month=2026-11", "", 200)
	// the lead corrects the late arrival
	e.expect("ana", "POST", "/attendance/corrections", `{"agent":"1001","day":"2026-11-02","field":"late_minutes","value":0,"reason":"自己改"}`, 403)
	c := e.expect("lead-a", "POST", "/attendance/corrections", `{"agent":"1001","day":"2026-11-02","field":"late_minutes","value":0,"reason":"门禁故障，有记录"}`, 201)
	d := c["day"].(map[string]any)
	if d["late_minutes"].(float64) != 0 || d["corrected"].(map[string]any)["late_minutes"].(map[string]any)["raw"].(float64) != 17 {
		t.Fatalf("corrected %v", d)
	}
	sheet = e.expect("lead-a", "GET", "/attendance/sheet?team=team-a&month=2026-11", "", 200)["rows"].([]any)
	if r0 = sheet[0].(map[string]any); r0["late"].(float64) != 0 || r0["corrections"].(float64) != 1 {
		t.Fatalf("sheet after the correction %v", r0)
	}
	e.expectInvalid("", []badInput{
		{"POST", "/attendance/corrections", `{"agent":"1001","day":"2026-11-02","field":"late_minutes","value":-3,"reason":"x"}`, "value"},
		{"POST", "/attendance/corrections", `{"agent":"1001","day":"2026-11-02","field":"mood","value":1,"reason":"x"}`, "field"},
		{"POST", "/attendance/corrections", `{"agent":"1001","day":"2026-11-02","field":"absent","value":false,"reason":""}`, "reason"},
		{"POST", "/attendance/corrections", `{"agent":"9999","day":"2026-11-02","field":"absent","value":false,"reason":"x"}`, "agent"},
		{"GET", "/attendance/sheet?team=team-a&month=11-2026", ``, "month"},
		{"GET", "/attendance/sheet?month=2026-11", ``, "team"},
		{"GET", "/attendance?from=2026-01-01&to=2026-12-31", ``, "to"},
	})
	if n := len(e.expect("root", "GET", "/audit?action=attendance_corrected", "", 200)["entries"].([]any)); n != 1 {
		t.Errorf("%d audit rows", n)
	}
}
