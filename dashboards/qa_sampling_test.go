package dashboards_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor/storage"
)

// insertAnsweredCalls stores n answered, recorded sales calls <prefix>00.. an hour apart from
// start, taken in turn by agents.
func insertAnsweredCalls(t *testing.T, e *apiEnv, prefix string, n int, start time.Time, agents ...string) {
	t.Helper()
	for i := range n {
		if _, err := e.db.Pool.Exec(context.Background(), `INSERT INTO calls (id, direction, queue, node, agent_id, entered_at, talk_ms, outcome, recording_name, last_event_id)
			VALUES ($1, 'inbound', 'sales', 'n1', $2, $3, 60000, 'answered', 'rec', '1-0')`, fmt.Sprintf("%s%02d", prefix, i), agents[i%len(agents)],
			start.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSamplingAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	day := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	insertAnsweredCalls(t, e, "s", 24, day, "1001", "1002", "2001")
	planBody := `{"name": "two per agent", "period": "day", "plan": {"scope": "agent", "per_agent": 2}}`
	for _, u := range []string{"ana", "lead-a", "sup"} {
		e.expect(u, "POST", "/qa/plans", planBody, 403)
	}
	e.expect("ana", "GET", "/qa/plans", "", 403)
	e.expect("qa", "POST", "/qa/plans", `{"name": "x", "period": "day", "plan": {"scope": "agent"}}`, 400)
	plan := e.expect("qa", "POST", "/qa/plans", planBody, 201)
	id := int64(plan["id"].(float64))
	if plan["plan"].(map[string]any)["not_evaluated"] != true || plan["created_by"] != "qa" {
		t.Fatalf("plan %v", plan)
	}
	for _, u := range []string{"lead-a", "qa", "ops", "root"} {
		if ps := e.expect(u, "GET", "/qa/plans", "", 200)["plans"].([]any); len(ps) != 1 {
			t.Fatalf("%s plans %v", u, ps)
		}
	}

	path := fmt.Sprintf("/qa/plans/%d/draws", id)
	body := `{"from": "2026-01-05T00:00:00Z", "to": "2026-01-06T00:00:00Z", "seed": 7}`
	e.expect("ana", "POST", path, body, 403)
	e.expect("lead-a", "POST", path, body, 403)
	e.expect("qa", "POST", path, `{"from": "2026-01-05T00:00:00Z"}`, 400)
	e.expect("qa", "POST", "/qa/plans/999/draws", body, 404)
	d := e.expect("qa", "POST", path, body, 201)
	picks, as := d["picks"].([]any), d["assignments"].([]any)
	if d["seed"].(float64) != 7 || d["population_size"].(float64) != 24 || len(picks) != 6 || len(as) != 6 || !strings.Contains(d["filters"].(string), "per_agent=2") {
		t.Fatalf("draw %v", d)
	}
	byEval := map[string]int{}
	for _, a := range as {
		a := a.(map[string]any)
		byEval[a["evaluator"].(string)]++
		if a["evaluator"] == "lead-a" && a["team"] != "team-a" {
			t.Errorf("lead-a given a call of %v", a["team"])
		}
	}
	if byEval["qa"] == 0 || byEval["lead-a"] == 0 || byEval["qa"]+byEval["lead-a"] != 6 {
		t.Fatalf("assignments by evaluator %v", byEval)
	}
	// a random seed when none is given, stored; never a call of the first draw
	d2 := e.expect("ops", "POST", path, `{"from": "2026-01-05T00:00:00Z", "to": "2026-01-06T00:00:00Z"}`, 201)
	if d2["population_size"].(float64) != 18 || len(d2["picks"].([]any)) != 6 {
		t.Fatalf("second draw %v", d2)
	}
	var stored int64
	if err := e.db.Pool.QueryRow(ctx, `SELECT seed FROM sample_draws WHERE id = $1`, int64(d2["id"].(float64))).Scan(&stored); err != nil ||
		float64(stored) != d2["seed"].(float64) {
		t.Fatalf("stored seed %d vs %v: %v", stored, d2["seed"], err)
	}
	first := map[string]bool{}
	for _, p := range picks {
		first[p.(map[string]any)["call_id"].(string)] = true
	}
	for _, p := range d2["picks"].([]any) {
		if first[p.(map[string]any)["call_id"].(string)] {
			t.Fatalf("call %v drawn twice", p)
		}
	}
	entries, err := e.db.ListAudit(ctx, storage.AuditFilter{Action: "sample_drawn"})
	if err != nil || len(entries) != 2 || entries[1].Actor != "qa" || entries[1].Detail["seed"].(float64) != 7 {
		t.Fatalf("audit %+v %v", entries, err)
	}

	// worklists: one's own; QA may read another's
	wl := e.expect("qa", "GET", "/qa/worklist", "", 200)["assignments"].([]any)
	if len(wl) == 0 || wl[0].(map[string]any)["done"] != false || wl[0].(map[string]any)["recording_name"] != "rec" {
		t.Fatalf("qa worklist %v", wl)
	}
	lead := e.expect("lead-a", "GET", "/qa/worklist", "", 200)["assignments"].([]any)
	if len(lead) == 0 {
		t.Fatal("lead-a has no worklist")
	}
	if other := e.expect("qa", "GET", "/qa/worklist?evaluator=lead-a", "", 200)["assignments"].([]any); len(other) != len(lead) {
		t.Fatalf("lead-a's worklist read by qa: %d vs %d", len(other), len(lead))
	}
	e.expect("lead-a", "GET", "/qa/worklist?evaluator=qa", "", 403)
	e.expect("qa", "GET", "/qa/worklist?who=x", "", 400)
	if mine := e.expect("ana", "GET", "/qa/worklist", "", 200)["assignments"].([]any); len(mine) != 0 {
		t.Fatalf("ana's worklist %v", mine)
	}

	// the team lead's daily draw lands in their worklist
	if n, err := e.db.DailyTeamLeadDraws(ctx, day); err != nil || n != 8 {
		t.Fatalf("daily draws: %d %v (team-a has 16 calls, 8 already drawn: all 8 left)", n, err)
	}
	lead2 := e.expect("lead-a", "GET", "/qa/worklist", "", 200)["assignments"].([]any)
	if len(lead2) != len(lead)+8 {
		t.Fatalf("lead-a's worklist after the daily draw: %d, before %d", len(lead2), len(lead))
	}
}
