package dashboards_test

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// GET /qa/plans shows each plan's last draw and next scheduled draw; GET /qa/plans/{id}/draws
// lists a plan's draws; PUT /qa/plans/{id}/active stops the schedule.
func TestSchedPlansAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	now := time.Now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	insertAnsweredCalls(t, e, "t", 12, today.Add(-24*time.Hour), "1001", "1002", "2001")
	plan := e.expect("qa", "POST", "/qa/plans", `{"name": "daily", "period": "day", "plan": {"scope": "agent", "per_agent": 1}}`, 201)
	id := int64(plan["id"].(float64))

	planOf := func(user string) map[string]any {
		t.Helper()
		for _, p := range e.expect(user, "GET", "/qa/plans", "", 200)["plans"].([]any) {
			if p := p.(map[string]any); int64(p["id"].(float64)) == id {
				return p
			}
		}
		t.Fatalf("plan %d not listed", id)
		return nil
	}
	// created today: yesterday was over before it existed, so its first scheduled draw is today
	p := planOf("lead-a")
	next, _ := p["next_run"].(map[string]any)
	if p["last_draw"] != nil || next == nil || next["from"] != today.Format(time.RFC3339) || next["due_at"] != today.AddDate(0, 0, 1).Format(time.RFC3339) {
		t.Fatalf("new plan: last_draw %v next_run %v", p["last_draw"], p["next_run"])
	}
	e.expect("qa", "GET", "/qa/plans?x=1", "", 400)

	path := fmt.Sprintf("/qa/plans/%d/draws", id)
	e.expect("qa", "POST", path, fmt.Sprintf(`{"from": %q, "to": %q, "seed": 3}`, today.AddDate(0, 0, -1).Format(time.RFC3339), today.Format(time.RFC3339)), 201)
	// the schedule at tomorrow's first hour draws today
	if draws, assigned, err := e.db.ScheduledPlanDraws(ctx, today.AddDate(0, 0, 1).Add(time.Hour), time.UTC); err != nil || draws != 1 || assigned != 0 {
		t.Fatalf("scheduled run: %d draws %d assigned %v (no calls today)", draws, assigned, err)
	}

	e.expect("ana", "GET", path, "", 403)
	e.expect("qa", "GET", path+"?limit=0", "", 400)
	e.expect("qa", "GET", path+"?since=1", "", 400)
	e.expect("qa", "GET", "/qa/plans/999/draws", "", 404)
	ds := e.expect("sup", "GET", path, "", 200)["draws"].([]any)
	if len(ds) != 2 {
		t.Fatalf("draws %v", ds)
	}
	newest, oldest := ds[0].(map[string]any), ds[1].(map[string]any)
	if newest["kind"] != "scheduled" || newest["drawn_by"] != "system" || newest["from"] != today.Format(time.RFC3339) || newest["drawn_for"] != fmt.Sprint(id) ||
		oldest["kind"] != "plan" || oldest["seed"].(float64) != 3 || oldest["assigned"].(float64) != 3 || oldest["population_size"].(float64) != 12 {
		t.Fatalf("draws: newest %v, oldest %v", newest, oldest)
	}
	if ds := e.expect("qa", "GET", path+"?limit=1", "", 200)["draws"].([]any); len(ds) != 1 {
		t.Fatalf("limit=1: %d draws", len(ds))
	}
	if last := planOf("qa")["last_draw"].(map[string]any); last["kind"] != "scheduled" {
		t.Fatalf("last draw %v", last)
	}

	active := fmt.Sprintf("/qa/plans/%d/active", id)
	e.expect("lead-a", "PUT", active, `{"active": false}`, 403)
	e.expect("qa", "PUT", active, `{}`, 400)
	e.expect("qa", "PUT", "/qa/plans/999/active", `{"active": false}`, 404)
	if p := e.expect("ops", "PUT", active, `{"active": false}`, 200); p["active"] != false {
		t.Fatalf("deactivated %v", p)
	}
	if p := planOf("qa"); p["next_run"] != nil || p["active"] != false {
		t.Fatalf("an inactive plan has a next run: %v", p["next_run"])
	}
	var audited int
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'sample_plan_updated' AND target_id = $1`, fmt.Sprint(id)).Scan(&audited); err != nil || audited != 1 {
		t.Fatalf("audit rows %d %v", audited, err)
	}
}
