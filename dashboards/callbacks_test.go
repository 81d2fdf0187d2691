package dashboards_test

import (
	"context"
	"testing"
	"time"
)

// The call-back list over the API: scoped to the team, claimed by one, the outcome checked and
// audited, 回拨及时率 reported.
func TestCallbackListAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	ended := time.Now().Add(-40 * time.Minute) // due 10 minutes ago (default target 30 min)
	for i, num := range []string{"13800138001", "13800138002"} {
		_, err := e.db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, queue, caller_number, entered_at, ended_at, outcome, last_event_id)
VALUES ($1, 'inbound', 'sales', $2, $3, $4, 'abandoned', '1-0')`, "AB"+itoa(int64(i)), num, ended.Add(-time.Minute), ended)
		if err != nil {
			t.Fatal(err)
		}
	}
	list := e.expect("ana", "GET", "/callbacks", "", 200)["callbacks"].([]any)
	if len(list) != 2 {
		t.Fatalf("ana sees %v, want team-a's 2 entries", list)
	}
	first := list[0].(map[string]any)
	if first["team"] != "team-a" || first["overdue"] != true || first["phone"] != "+8613800138001" {
		t.Fatalf("entry %v", first)
	}
	id := itoa(int64(first["id"].(float64)))
	if n := len(e.expect("lead-a", "GET", "/callbacks", "", 200)["callbacks"].([]any)); n != 2 {
		t.Fatalf("lead-a sees %d", n)
	}
	e.expect("lead-a", "GET", "/callbacks?team=team-b", "", 403)
	if n := len(e.expect("qa", "GET", "/callbacks?team=team-b", "", 200)["callbacks"].([]any)); n != 0 {
		t.Fatalf("team-b has %d", n)
	}
	e.expect("ana", "POST", "/callbacks/"+id+"/claim", "", 200)
	e.expect("lead-a", "POST", "/callbacks/"+id+"/claim", "", 409)
	e.expect("lead-a", "POST", "/callbacks/"+id+"/outcome", `{"outcome":"reached"}`, 409)
	if out := e.expect("ana", "POST", "/callbacks/"+id+"/outcome", `{"outcome":"maybe"}`, 400); out["field"] != "outcome" {
		t.Fatalf("bad outcome: %v", out)
	}
	e.expect("ana", "POST", "/callbacks/x/outcome", `{"outcome":"reached"}`, 400)
	done := e.expect("ana", "POST", "/callbacks/"+id+"/outcome", `{"outcome":"reached","note":"客户已回复"}`, 200)
	if done["status"] != "done" || done["closed_by"] != "ana" {
		t.Fatalf("recorded %v", done)
	}
	if n := len(e.expect("ana", "GET", "/callbacks", "", 200)["callbacks"].([]any)); n != 1 {
		t.Fatalf("open after the outcome: %d, want 1", n)
	}
	var audited int
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'callback_outcome' AND target_id = $1`, id).Scan(&audited); err != nil || audited != 1 {
		t.Fatalf("audit: %d %v", audited, err)
	}
	tl := e.expect("lead-a", "GET", "/callbacks/timeliness", "", 200)
	total := tl["total"].(map[string]any)
	if total["due"].(float64) != 2 || total["within"].(float64) != 0 {
		t.Fatalf("timeliness %v: 2 due, none dialled in time", tl)
	}
	if out := e.expect("lead-a", "GET", "/callbacks/timeliness?from=2026-13-01", "", 400); out["field"] != "from" {
		t.Fatalf("bad from: %v", out)
	}
	w := e.expect("sup", "GET", "/callbacks/waiting", "", 200)["waiting"].(map[string]any)
	if w["sales"] != float64(0) {
		t.Fatalf("waiting %v", w)
	}
}
