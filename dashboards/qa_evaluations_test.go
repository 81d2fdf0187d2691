package dashboards_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// evalCardForm is a small form: three scored yes/no or scale items (verify is fatal) and a
// bonus worth 5 points. All good: 100 + 5 = 105; greet "no": 200/3 + 5.
const evalCardForm = `{"sections": [{"id": "s1", "title": "Call", "items": [
	{"id": "greet", "text": "Greets", "kind": "yes_no", "weight": 1},
	{"id": "empathy", "text": "Empathy", "kind": "scale", "max": 4, "weight": 1},
	{"id": "verify", "text": "Verifies identity", "kind": "yes_no", "weight": 1, "fatal": true},
	{"id": "wow", "text": "Goes beyond", "kind": "yes_no", "weight": 5, "bonus": true}]}]}`

// putEvalScorecard stores a scorecard version directly (the scorecards table of migration 00006;
// created here if that migration is not there).
func putEvalScorecard(t *testing.T, db *storage.DB, id string, version int, form string) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS scorecards (id text NOT NULL, version int NOT NULL, name text NOT NULL,
		form jsonb NOT NULL, created_by text NOT NULL DEFAULT '', created_at timestamptz NOT NULL DEFAULT now(),
		retired bool NOT NULL DEFAULT false, PRIMARY KEY (id, version))`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO scorecards (id, version, name, form, created_by) VALUES ($1, $2, $3, $4, 'test')`,
		id, version, "Card "+id, form); err != nil {
		t.Fatal(err)
	}
}

func evalAnswers(greet bool, empathy int) string {
	return fmt.Sprintf(`[{"item_id": "greet", "yes": %v}, {"item_id": "empathy", "value": %d}, {"item_id": "verify", "yes": true},
		{"item_id": "wow", "yes": true}]`, greet, empathy)
}

func near(a any, want float64) bool {
	f, ok := a.(float64)
	return ok && math.Abs(f-want) < 1e-9
}

func TestEvaluationWorkflow(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	now := time.Now().UTC()
	for i, row := range []struct{ id, agent string }{{"c1", "1001"}, {"c2", "1002"}, {"c3", "2001"}, {"c4", "1001"}, {"c5", ""}} {
		if _, err := e.db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, queue, node, caller_number, agent_id, entered_at, ended_at,
			outcome, recording_name, last_event_id) VALUES ($1, 'inbound', 'sales', 'pbx1', '5550100', nullif($2, ''), $3, $3, 'answered', $4, '1-0')`,
			row.id, row.agent, now.Add(-time.Duration(i+1)*time.Minute), "callfloor/2026-11-22/"+row.id); err != nil {
			t.Fatal(err)
		}
	}
	// version 1 is an older form: evaluations use the latest version (2)
	putEvalScorecard(t, e.db, "basic", 1, `{"sections": [{"id": "s1", "title": "Old", "items": [{"id": "greet", "text": "Greets", "kind": "yes_no", "weight": 1}]}]}`)
	putEvalScorecard(t, e.db, "basic", 2, evalCardForm)
	// lead-b leads team-b and is agent 2001 themselves
	lb, err := e.db.CreateUser(ctx, storage.NewUser{Username: "lead-b", Password: "a long enough password", Role: callfloor.RoleTeamLead,
		TeamID: "team-b", AgentID: "2001"})
	if err != nil {
		t.Fatal(err)
	}
	if e.tokens["lead-b"], _, err = e.db.CreateAPIToken(ctx, lb.ID, "test"); err != nil {
		t.Fatal(err)
	}

	submit := func(user, call, answers string, want int) map[string]any {
		t.Helper()
		return e.expect(user, "POST", "/evaluations", fmt.Sprintf(`{"call_id": %q, "scorecard_id": "basic", "answers": %s,
			"comments": [{"at_ms": 12500, "text": "no greeting"}]}`, call, answers), want)
	}

	// submit: QA on c1, scored against version 2
	ev1 := submit("qa", "c1", evalAnswers(false, 4), 201)
	if ev1["scorecard_version"] != 2.0 || ev1["agent_id"] != "1001" || ev1["team_id"] != "team-a" || ev1["status"] != "submitted" ||
		ev1["evaluator"] != "qa" || !near(ev1["score_raw"], 200.0/3) || !near(ev1["score_final"], 200.0/3+5) || ev1["fatal"] != false {
		t.Fatalf("evaluation %v", ev1)
	}
	if res := ev1["result"].(map[string]any); res["version"] != 2.0 || !near(res["bonus"], 5) || res["applicable"] != 3.0 {
		t.Fatalf("result %v", res)
	}
	if cs := ev1["comments"].([]any); len(cs) != 1 || cs[0].(map[string]any)["at_ms"] != 12500.0 {
		t.Fatalf("comments %v", cs)
	}

	// bad answers: 400 naming the field
	for _, c := range []struct{ answers, field string }{
		{evalAnswers(true, 9), "answers[empathy].value"},
		{`[{"item_id": "greet", "yes": true}, {"item_id": "empathy", "value": 4}, {"item_id": "wow", "yes": true}]`, "answers[verify]"},
		{`[{"item_id": "nope", "yes": true}]`, "answers[0].item_id"},
		{`[{"item_id": "greet", "value": 1}, {"item_id": "empathy", "value": 4}, {"item_id": "verify", "yes": true}, {"item_id": "wow", "yes": true}]`, "answers[greet].yes"},
	} {
		if out := submit("qa", "c1", c.answers, 400); out["field"] != c.field {
			t.Errorf("answers %s: field %v, want %s (%v)", c.answers, out["field"], c.field, out["message"])
		}
	}
	if out := e.expect("qa", "POST", "/evaluations", `{"call_id": "c1", "scorecard_id": "basic", "answers": `+evalAnswers(true, 4)+
		`, "comments": [{"at_ms": -1, "text": "x"}]}`, 400); out["field"] != "comments[0].at_ms" {
		t.Errorf("negative at_ms: %v", out)
	}
	if out := e.expect("qa", "POST", "/evaluations", `{"call_id": "c1", "scorecard_id": "nope", "answers": []}`, 400); out["field"] != "scorecard_id" {
		t.Errorf("unknown scorecard: %v", out)
	}
	if out := e.expect("qa", "POST", "/evaluations", `{"call_id": "zz", "scorecard_id": "basic", "answers": []}`, 400); out["field"] != "call_id" {
		t.Errorf("unknown call: %v", out)
	}
	if out := e.expect("qa", "POST", "/evaluations", `{"call_id": "c5", "scorecard_id": "basic", "answers": []}`, 400); out["field"] != "call_id" {
		t.Errorf("call without agent: %v", out)
	}

	// who may evaluate
	submit("ana", "c2", evalAnswers(true, 4), 403)    // agents do not evaluate
	submit("sup", "c2", evalAnswers(true, 4), 403)    // nor supervisors
	submit("lead-a", "c3", evalAnswers(true, 4), 403) // another team's call
	submit("lead-b", "c3", evalAnswers(true, 4), 403) // their own call
	ev2 := submit("lead-a", "c2", evalAnswers(true, 4), 201)
	if !near(ev2["score_final"], 105) {
		t.Fatalf("perfect form: %v", ev2["score_final"])
	}
	ev3 := submit("ops", "c3", evalAnswers(true, 2), 201)
	id1, id2, id3 := int(ev1["id"].(float64)), int(ev2["id"].(float64)), int(ev3["id"].(float64))

	// scoped reads
	list := func(user, query string) string {
		t.Helper()
		es := e.expect(user, "GET", "/evaluations"+query, "", 200)["evaluations"].([]any)
		var calls []string
		for _, x := range es {
			calls = append(calls, x.(map[string]any)["call_id"].(string))
		}
		return strings.Join(calls, ",")
	}
	for user, want := range map[string]string{"ana": "c1", "lead-a": "c2,c1", "lead-b": "c3", "qa": "c3,c2,c1", "sup": "c3,c2,c1", "ops": "c3,c2,c1"} {
		if got := list(user, ""); got != want {
			t.Errorf("%s sees %s, want %s", user, got, want)
		}
	}
	if got := list("qa", "?team=team-a"); got != "c2,c1" {
		t.Errorf("qa team-a: %s", got)
	}
	if got := list("qa", "?agent=2001"); got != "c3" {
		t.Errorf("qa agent 2001: %s", got)
	}
	from, to := now.Add(-time.Hour).Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339)
	if got := list("lead-a", "?agent=1001&from="+from+"&to="+to); got != "c1" {
		t.Errorf("lead-a agent 1001: %s", got)
	}
	if got := list("qa", "?to="+from); got != "" {
		t.Errorf("before any evaluation: %s", got)
	}
	e.expect("ana", "GET", "/evaluations?agent=1002", "", 403)
	e.expect("ana", "GET", "/evaluations?team=team-a", "", 403)
	e.expect("lead-a", "GET", "/evaluations?team=team-b", "", 403)
	e.expect("lead-a", "GET", "/evaluations?agent=2001", "", 403)
	e.expect("qa", "GET", "/evaluations?bogus=1", "", 400)
	e.expect("ana", "GET", fmt.Sprintf("/evaluations/%d", id1), "", 200)
	e.expect("ana", "GET", fmt.Sprintf("/evaluations/%d", id2), "", 403)
	e.expect("lead-a", "GET", fmt.Sprintf("/evaluations/%d", id3), "", 403)
	e.expect("qa", "GET", fmt.Sprintf("/evaluations/%d", id3), "", 200)
	e.expect("qa", "GET", "/evaluations/99999", "", 404)

	// the evaluated agent, and only they, acknowledges
	for _, u := range []string{"lead-a", "qa", "ops"} {
		e.expect(u, "POST", fmt.Sprintf("/evaluations/%d/acknowledge", id1), "", 403)
	}
	e.expect("ana", "POST", fmt.Sprintf("/evaluations/%d/acknowledge", id2), "", 403) // a colleague's
	ack := e.expect("ana", "POST", fmt.Sprintf("/evaluations/%d/acknowledge", id1), "", 200)
	if ack["status"] != "acknowledged" || ack["acknowledged_at"] == nil {
		t.Fatalf("acknowledged: %v", ack)
	}
	e.expect("ana", "POST", fmt.Sprintf("/evaluations/%d/acknowledge", id1), "", 409)

	// a dispute: raised by the evaluated agent only, once
	ev4 := submit("qa", "c4", evalAnswers(false, 4), 201)
	id4 := int(ev4["id"].(float64))
	disputes := fmt.Sprintf("/evaluations/%d/disputes", id4)
	e.expect("lead-a", "POST", disputes, `{"items": ["greet"], "reason": "I did greet"}`, 403)
	e.expect("qa", "POST", disputes, `{"items": ["greet"], "reason": "I did greet"}`, 403)
	if out := e.expect("ana", "POST", disputes, `{"items": ["nope"], "reason": "x"}`, 400); out["field"] != "items[0]" {
		t.Errorf("unknown item: %v", out)
	}
	if out := e.expect("ana", "POST", disputes, `{"items": ["greet"], "reason": " "}`, 400); out["field"] != "reason" {
		t.Errorf("no reason: %v", out)
	}
	d := e.expect("ana", "POST", disputes, `{"items": ["greet"], "reason": "I did greet, at 0:03"}`, 201)
	e.expect("ana", "POST", disputes, `{"items": ["greet"], "reason": "again"}`, 409)
	did := int(d["id"].(float64))
	if d["evaluation_id"] != float64(id4) || d["raised_by"] != "ana" {
		t.Fatalf("dispute %v", d)
	}
	e.expect("ana", "POST", fmt.Sprintf("/evaluations/%d/acknowledge", id4), "", 409) // disputed, not acknowledgeable

	// the team lead reviews (not the agent, not QA, not another team's lead)
	review := fmt.Sprintf("/disputes/%d/review", did)
	e.expect("ana", "POST", review, `{"action": "forward"}`, 403)
	e.expect("qa", "POST", review, `{"action": "forward"}`, 403)
	e.expect("lead-b", "POST", review, `{"action": "forward"}`, 403)
	if out := e.expect("lead-a", "POST", review, `{"action": "approve"}`, 400); out["field"] != "action" {
		t.Errorf("bad action: %v", out)
	}
	if rv := e.expect("lead-a", "POST", review, `{"action": "forward", "note": "listen at 0:03"}`, 200); rv["lead_review"] != "forwarded" || rv["lead_by"] != "lead-a" {
		t.Fatalf("review %v", rv)
	}
	e.expect("lead-a", "POST", review, `{"action": "reject"}`, 409)

	// the operations manager decides: the agent cannot decide their own dispute, a team lead
	// cannot overrule, nor can QA (who is also the evaluator here)
	decide := fmt.Sprintf("/disputes/%d/decide", did)
	overturn := `{"decision": "overturned", "note": "greeting heard", "answers": [{"item_id": "greet", "yes": true}]}`
	for _, u := range []string{"ana", "lead-a", "qa", "sup"} {
		e.expect(u, "POST", decide, overturn, 403)
	}
	if out := e.expect("ops", "POST", decide, `{"decision": "overturned", "answers": [{"item_id": "greet", "value": 3}]}`, 400); out["field"] != "answers[greet].yes" {
		t.Errorf("bad corrected answer: %v", out)
	}
	if out := e.expect("ops", "POST", decide, `{"decision": "overturned"}`, 400); out["field"] != "answers" {
		t.Errorf("overturn without answers: %v", out)
	}
	if out := e.expect("ops", "POST", decide, `{"decision": "maybe"}`, 400); out["field"] != "decision" {
		t.Errorf("bad decision: %v", out)
	}
	dec := e.expect("ops", "POST", decide, overturn, 200)
	dd, de := dec["dispute"].(map[string]any), dec["evaluation"].(map[string]any)
	if dd["decision"] != "overturned" || dd["decided_by"] != "ops" || de["status"] != "decided" || !near(de["score_final"], 105) ||
		!near(de["score_raw"], 100) || de["scorecard_version"] != 2.0 {
		t.Fatalf("decision %v", dec)
	}
	// final: no second decision, not even by an admin; no new dispute
	e.expect("ops", "POST", decide, `{"decision": "upheld"}`, 409)
	e.expect("root", "POST", decide, `{"decision": "upheld"}`, 409)
	e.expect("lead-a", "POST", review, `{"action": "reject"}`, 409)
	e.expect("ana", "POST", disputes, `{"items": ["greet"], "reason": "again"}`, 409)

	// the history keeps the original result and the before/after of the recalculation
	full := e.expect("ana", "GET", fmt.Sprintf("/evaluations/%d", id4), "", 200)
	if !near(full["score_final"], 105) || full["status"] != "decided" {
		t.Fatalf("evaluation after decision %v", full)
	}
	if ds := full["disputes"].([]any); len(ds) != 1 || ds[0].(map[string]any)["decision"] != "overturned" ||
		ds[0].(map[string]any)["lead_review"] != "forwarded" {
		t.Fatalf("disputes %v", ds)
	}
	hist := full["history"].([]any)
	var actions []string
	for _, h := range hist {
		actions = append(actions, h.(map[string]any)["action"].(string))
	}
	if got := strings.Join(actions, ","); got != "submitted,dispute_raised,dispute_forwarded,dispute_overturned" {
		t.Fatalf("history actions %s", got)
	}
	first := hist[0].(map[string]any)
	if first["before"] != nil || !near(first["after"].(map[string]any)["score_final"], 200.0/3+5) || first["actor"] != "qa" {
		t.Fatalf("first history line %v", first)
	}
	last := hist[len(hist)-1].(map[string]any)
	if !near(last["before"].(map[string]any)["score_final"], 200.0/3+5) || !near(last["after"].(map[string]any)["score_final"], 105) ||
		last["actor"] != "ops" {
		t.Fatalf("recalculation line %v", last)
	}
	// and it cannot be rewritten
	if _, err := e.db.Pool.Exec(ctx, `UPDATE evaluation_history SET actor = 'x' WHERE evaluation_id = $1`, id4); err == nil {
		t.Fatal("evaluation_history was updated")
	}
	if _, err := e.db.Pool.Exec(ctx, `DELETE FROM evaluation_history WHERE evaluation_id = $1`, id4); err == nil {
		t.Fatal("evaluation_history was deleted from")
	}

	// every action is audited
	for action, n := range map[string]int{"evaluation_submitted": 4, "evaluation_acknowledged": 1, "dispute_raised": 1,
		"dispute_reviewed": 1, "dispute_decided": 1} {
		es, err := e.db.ListAudit(ctx, storage.AuditFilter{Action: action})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != n {
			b, _ := json.Marshal(es)
			t.Errorf("audit %s: %d entries, want %d: %s", action, len(es), n, b)
		}
	}
}

// A partly decision rescores from the corrected answers; an upheld one keeps the score. A
// retired scorecard takes no new evaluations.
func TestEvaluationDecisionsUpheldPartlyAndRetired(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	now := time.Now().UTC()
	for i, id := range []string{"c1", "c2"} {
		if _, err := e.db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, queue, agent_id, entered_at, ended_at, outcome, last_event_id)
			VALUES ($1, 'inbound', 'sales', '1001', $2, $2, 'answered', '1-0')`, id, now.Add(-time.Duration(i+1)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	putEvalScorecard(t, e.db, "basic", 1, evalCardForm)
	ev1 := e.expect("qa", "POST", "/evaluations", `{"call_id": "c1", "scorecard_id": "basic", "answers": `+evalAnswers(false, 0)+`}`, 201)
	ev2 := e.expect("lead-a", "POST", "/evaluations", `{"call_id": "c2", "scorecard_id": "basic", "answers": `+evalAnswers(false, 0)+`}`, 201)
	if !near(ev1["score_final"], 100.0/3+5) {
		t.Fatalf("score %v", ev1["score_final"])
	}
	d1 := e.expect("ana", "POST", fmt.Sprintf("/evaluations/%v/disputes", ev1["id"]), `{"items": ["greet", "empathy"], "reason": "both wrong"}`, 201)
	d2 := e.expect("ana", "POST", fmt.Sprintf("/evaluations/%v/disputes", ev2["id"]), `{"items": ["greet"], "reason": "wrong"}`, 201)
	// ops decides without a lead review; partly: empathy corrected to 2 of 4, greet stays "no"
	out := e.expect("ops", "POST", fmt.Sprintf("/disputes/%v/decide", d1["id"]),
		`{"decision": "partly", "note": "empathy fair", "answers": [{"item_id": "empathy", "value": 2}]}`, 200)
	if ev := out["evaluation"].(map[string]any); !near(ev["score_final"], 100*1.5/3+5) {
		t.Fatalf("partly: %v", ev["score_final"])
	}
	if e.expect("ops", "POST", fmt.Sprintf("/disputes/%v/decide", d2["id"]), `{"decision": "upheld", "answers": [{"item_id": "greet", "yes": true}]}`, 400)["field"] != "answers" {
		t.Fatal("upheld with answers accepted")
	}
	// the lead who evaluated may review, but a team lead never decides
	e.expect("lead-a", "POST", fmt.Sprintf("/disputes/%v/decide", d2["id"]), `{"decision": "upheld"}`, 403)
	out = e.expect("root", "POST", fmt.Sprintf("/disputes/%v/decide", d2["id"]), `{"decision": "upheld", "note": "stands"}`, 200)
	if ev := out["evaluation"].(map[string]any); !near(ev["score_final"], 100.0/3+5) || ev["status"] != "decided" {
		t.Fatalf("upheld: %v", ev)
	}
	e.expect("ops", "POST", "/disputes/99999/decide", `{"decision": "upheld"}`, 404)

	if _, err := e.db.Pool.Exec(ctx, `UPDATE scorecards SET retired = true WHERE id = 'basic'`); err != nil {
		t.Fatal(err)
	}
	if out := e.expect("qa", "POST", "/evaluations", `{"call_id": "c1", "scorecard_id": "basic", "answers": `+evalAnswers(true, 4)+`}`, 409); out["field"] != "scorecard_id" {
		t.Fatalf("retired scorecard: %v", out)
	}
}
