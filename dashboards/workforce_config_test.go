package dashboards_test

import (
	"context"
	"testing"
)

// Shift templates, rotations and the holiday calendar: everyone reads them, admins and operations
// managers change them (audited), bad input names its field, a shift on a roster cannot go.
func TestWorkforceConfigAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	s := e.expect("root", "PUT", "/shifts/E", `{"name":"早班","start":"08:30","end":"17:30","breaks":[{"start":"12:00","end":"14:00"}]}`, 201)
	if s["code"] != "E" || len(s["breaks"].([]any)) != 1 {
		t.Fatalf("%v", s)
	}
	e.expect("ops", "PUT", "/shifts/L", `{"name":"晚班","start":"09:30","end":"22:00","breaks":[{"start":"12:00","end":"14:00"}]}`, 201)
	e.expect("ops", "PUT", "/shifts/N", `{"name":"夜班","start":"22:00","end":"06:00"}`, 201)
	e.expect("ops", "PUT", "/shifts/N", `{"name":"夜班","start":"22:30","end":"06:30"}`, 200)
	e.expect("sup", "PUT", "/shifts/X", `{"name":"x","start":"08:00","end":"09:00"}`, 403)
	e.expect("ana", "DELETE", "/shifts/E", ``, 403)
	list := e.expect("ana", "GET", "/shifts", "", 200)["shifts"].([]any)
	if len(list) != 3 || list[2].(map[string]any)["start"] != "22:30" {
		t.Fatalf("shifts %v", list)
	}
	e.expectInvalid("", []badInput{
		{"PUT", "/shifts/E", `{"name":"早班","start":"8:30","end":"17:30"}`, "start"},
		{"PUT", "/shifts/E", `{"name":"早班","start":"08:30","end":"17:30","breaks":[{"start":"18:00","end":"18:30"}]}`, "breaks[0]"},
		{"PUT", "/shifts/E", `{"name":"","start":"08:30","end":"17:30"}`, "name"},
		{"PUT", "/rotations/two", `{"anchor":"2026-11-01","cycle":["E","Z"]}`, "cycle[1]"},
		{"PUT", "/rotations/two", `{"anchor":"2026-11-01","cycle":[]}`, "cycle"},
		{"PUT", "/rotations/wk", `{"weekly":["E"]}`, "weekly"},
		{"PUT", "/calendar/2026-10-01", `{"kind":"bridge","name":"国庆节"}`, "kind"},
		{"PUT", "/calendar/2026-13-01", `{"kind":"holiday","name":"x"}`, "day"},
		{"PUT", "/calendar/2026-10-01", `{"kind":"holiday","name":""}`, "name"},
		{"GET", "/calendar?year=99", ``, "year"},
	})

	// 两作两息 and a weekly pattern
	e.expect("ops", "PUT", "/rotations/两作两息", `{"anchor":"2026-11-01","cycle":["E","E","",""]}`, 201)
	e.expect("ops", "PUT", "/rotations/两作两息", `{"anchor":"2026-11-02","cycle":["E","E","",""]}`, 200)
	e.expect("ops", "PUT", "/rotations/office", `{"weekly":["","E","E","E","E","E",""],"follow_calendar":true}`, 201)
	rs := e.expect("lead-a", "GET", "/rotations", "", 200)["rotations"].([]any)
	if len(rs) != 2 || rs[0].(map[string]any)["name"] != "office" || rs[1].(map[string]any)["anchor"] != "2026-11-02" {
		t.Fatalf("rotations %v", rs)
	}

	// the calendar: National Day and its make-up Saturday
	e.expect("ops", "PUT", "/calendar/2026-10-01", `{"kind":"holiday","name":"国庆节"}`, 200)
	e.expect("ops", "PUT", "/calendar/2026-10-10", `{"kind":"workday","name":"国庆节调休"}`, 200)
	e.expect("ops", "PUT", "/calendar/2027-01-01", `{"kind":"holiday","name":"元旦"}`, 200)
	cal := e.expect("ana", "GET", "/calendar?year=2026", "", 200)
	if days := cal["days"].([]any); len(days) != 2 || days[1].(map[string]any)["kind"] != "workday" {
		t.Fatalf("calendar %v", cal)
	}
	e.expect("ops", "DELETE", "/calendar/2027-01-01", ``, 200)
	e.expect("ops", "DELETE", "/calendar/2027-01-01", ``, 404)

	// a shift on a roster stays
	if _, err := e.db.Pool.Exec(context.Background(), `INSERT INTO roster_days (agent_id, day, team_id, shift_code) VALUES ('1001', '2026-11-02', 'team-a', 'E')`); err != nil {
		t.Fatal(err)
	}
	if _, body := e.do("ops", "DELETE", "/shifts/E", ``); body["code"] != "in_use" {
		t.Fatalf("deleting a rostered shift: %v", body)
	}
	e.expect("ops", "DELETE", "/shifts/L", ``, 200)
	e.expect("ops", "DELETE", "/shifts/L", ``, 404)
	e.expect("ops", "DELETE", "/rotations/office", ``, 200)

	for action, n := range map[string]int{"shift_created": 3, "shift_updated": 1, "shift_deleted": 1, "rotation_created": 2, "rotation_updated": 1,
		"rotation_deleted": 1, "calendar_day_set": 3, "calendar_day_deleted": 1} {
		if got := len(e.expect("root", "GET", "/audit?action="+action, "", 200)["entries"].([]any)); got != n {
			t.Errorf("%d audit rows for %s, want %d", got, action, n)
		}
	}
}
