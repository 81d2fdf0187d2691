package dashboards_test

import (
	"strings"
	"testing"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// A team's month: the trainer enters the exam, the lead a deduction and a bonus and drafts; the
// operations manager reviews and approves; the agent disputes; the lead rejects the dispute; the
// agent acknowledges; the ranking and the flags read the final sheets.
func TestScoresAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	e.addUser(storage.NewUser{Username: "tina", Role: callfloor.RoleTrainer})
	e.expect("ops", "POST", "/score-rules", `{"version":1,"effective_from":"2026-01","attendance_max":20,"late_points":2,"leave_points":4,"deducted_leave":["sick","personal"],"bucket_max":20,"timeliness_per_minute":2,"timeliness_per_case":2,"accuracy_standard":97,"accuracy_per_point":4,"exam_pass_mark":80,"exam_step":5,"exam_per_step":4,"conduct_min":1,"conduct_max":10,"bonus_item_min":1,"bonus_item_max":5,"bonus_cap":10,"attendance_bonus_fen":20000,"evaluation_bonus_fen":20000}`, 201)
	e.expect("lead-a", "POST", "/score-rules", `{"version":2}`, 403)
	e.expect("lead-a", "PUT", "/exams/1001/2026-11", `{"score":70}`, 403)
	e.expect("tina", "PUT", "/exams/1001/2026-11", `{"score":70,"note":"业务考试"}`, 200)
	e.expect("lead-a", "POST", "/score-entries", `{"agent":"1001","month":"2026-11","kind":"conduct","points":3,"reason":"工牌未佩戴"}`, 201)
	e.expect("lead-a", "POST", "/score-entries", `{"agent":"1001","month":"2026-11","kind":"bonus","points":5,"reason":"锦旗","evidence":"call:c9"}`, 201)
	wrong := e.expect("lead-a", "POST", "/score-entries", `{"agent":"1001","month":"2026-11","kind":"conduct","points":10,"reason":"录错了"}`, 201)
	e.expect("ana", "DELETE", "/score-entries/"+itoa(int64(wrong["id"].(float64))), ``, 403)
	e.expect("lead-a", "DELETE", "/score-entries/"+itoa(int64(wrong["id"].(float64))), ``, 200)
	e.expect("ana", "POST", "/score-entries", `{"agent":"1001","month":"2026-11","kind":"bonus","points":5,"reason":"我自己"}`, 403)
	e.expect("qa", "POST", "/scores/draft", `{"team":"team-a","month":"2026-11"}`, 403)
	d := e.expect("lead-a", "POST", "/scores/draft", `{"team":"team-a","month":"2026-11"}`, 200)["drafted"].([]any)
	var s map[string]any
	for _, x := range d {
		if m := x.(map[string]any); m["agent"] == "1001" {
			s = m
		}
	}
	// exam 80 − 70 = two steps (−8): 12; conduct 17; bonus 5; no calls, no QA, no roster: 20 + 20 + 20 + 12 + 17 + 5 = 94
	if s == nil || s["total"].(float64) != 94 || s["status"] != "draft" {
		t.Fatalf("drafted %v", s)
	}
	// the agent does not see a draft
	e.expect("ana", "GET", "/scores/1001/2026-11", "", 404)
	e.expect("ana", "POST", "/scores/1001/2026-11/review", `{}`, 403)
	e.expect("lead-a", "POST", "/scores/1001/2026-11/approve", `{}`, 403)
	if _, body := e.do("ops", "POST", "/scores/1001/2026-11/approve", `{}`); body["code"] != "state_conflict" {
		t.Fatalf("approve a draft: %v", body)
	}
	e.expect("ops", "POST", "/scores/1001/2026-11/review", `{}`, 200)
	e.expect("ops", "POST", "/scores/1001/2026-11/approve", `{}`, 200)
	if got := e.expect("ana", "GET", "/scores/1001/2026-11", "", 200)["sheet"].(map[string]any); got["status"] != "approved" {
		t.Fatalf("%v", got)
	}
	e.expectInvalid("", []badInput{
		{"POST", "/score-entries", `{"agent":"1001","month":"2026-11","kind":"bonus","points":6,"reason":"x"}`, "points"},
		{"POST", "/score-entries", `{"agent":"1001","month":"2026-11","kind":"praise","points":1,"reason":"x"}`, "kind"},
		{"POST", "/score-entries", `{"agent":"1001","month":"2026-11","kind":"bonus","points":1,"reason":""}`, "reason"},
		{"PUT", "/exams/1001/2026-11", `{"score":120}`, "score"},
		{"GET", "/scores?month=2026/11", ``, "month"},
		{"GET", "/scores/ranking?period=2026-Q3", ``, "period"},
		{"POST", "/score-rules", `{"version":1,"effective_from":"2026-13"}`, "effective_from"},
	})
	if code, body := e.do("ana", "POST", "/scores/1001/2026-11/dispute", `{"note":""}`); code != 400 || body["field"] != "note" {
		t.Fatalf("a dispute without its reason: %d %v", code, body)
	}
	e.expect("ana", "POST", "/scores/1001/2026-11/dispute", `{"note":"那天工牌在更衣柜，组长已知晓"}`, 200)
	if _, body := e.do("ana", "POST", "/scores/1001/2026-11/dispute", `{"note":"again"}`); body["code"] != "state_conflict" {
		t.Fatalf("disputed twice: %v", body)
	}
	e.expect("ana", "POST", "/scores/1001/2026-11/reject", `{}`, 403)
	e.expect("lead-a", "POST", "/scores/1001/2026-11/reject", `{"note":"规定要求全程佩戴"}`, 200)
	e.expect("ana", "POST", "/scores/1001/2026-11/acknowledge", `{}`, 200)
	got := e.expect("lead-a", "GET", "/scores/1001/2026-11", "", 200)
	if got["sheet"].(map[string]any)["status"] != "acknowledged" || len(got["history"].([]any)) != 6 {
		t.Fatalf("%v", got)
	}
	rank := e.expect("ops", "GET", "/scores/ranking?period=2026-H2", "", 200)
	r := rank["ranking"].([]any)
	// money: full attendance pays the 200-yuan attendance bonus; the evaluation 69 of 80 pays
	// 20000 × 69 / 80 = 17250 fen
	if len(r) != 1 || r[0].(map[string]any)["total"].(float64) != 94 || len(rank["training_flags"].([]any)) != 0 ||
		r[0].(map[string]any)["attendance_bonus_fen"] != 20000.0 || r[0].(map[string]any)["evaluation_bonus_fen"] != 17250.0 || r[0].(map[string]any)["bonus_fen"] != 37250.0 {
		t.Fatalf("ranking %v", rank)
	}
	e.expect("qa", "GET", "/scores?month=2026-11", "", 200)
	if n := len(e.expect("qa", "GET", "/scores?month=2026-11", "", 200)["sheets"].([]any)); n != 0 {
		t.Fatalf("QA sees %d sheets", n)
	}
	if n := len(e.expect("tina", "GET", "/scores?month=2026-11", "", 200)["sheets"].([]any)); n == 0 {
		t.Fatal("the trainer sees no sheet")
	}
	for action, n := range map[string]int{"scores_drafted": 1, "score_review": 1, "score_approve": 1, "score_dispute": 1, "score_reject": 1, "score_acknowledge": 1, "exam_entered": 1, "score_entry_added": 3, "score_entry_withdrawn": 1, "score_rule_added": 1} {
		if got := len(e.expect("root", "GET", "/audit?action="+action, "", 200)["entries"].([]any)); got != n {
			t.Errorf("%d audit rows for %s, want %d", got, action, n)
		}
	}
}

// Who may take each step of the flow: drafting by the team's lead and supervisors; review by a
// project manager of the team's project (not of another project, not a trainer or lead);
// approval by the operations manager; acknowledge and dispute by the agent alone, on their own
// sheet; a dispute decided by the team's lead or a supervisor (not another team's lead, not QA),
// upheld back to draft and redrafted.
func TestScoresFlowPermissions(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	e.expect("root", "POST", "/projects", `{"id":"acme","name":"Acme"}`, 201)
	e.addUser(storage.NewUser{Username: "pam", Role: callfloor.RoleProjectManager, Projects: []string{"default"}})
	e.addUser(storage.NewUser{Username: "pat", Role: callfloor.RoleProjectManager, Projects: []string{"acme"}})
	e.addUser(storage.NewUser{Username: "lead-b", Role: callfloor.RoleTeamLead, TeamID: "team-b"})
	e.addUser(storage.NewUser{Username: "tina", Role: callfloor.RoleTrainer})
	e.expect("lead-b", "POST", "/scores/draft", `{"team":"team-a","month":"2026-11"}`, 403)
	e.expect("ana", "POST", "/scores/draft", `{"team":"team-a","month":"2026-11"}`, 403)
	e.expect("lead-a", "POST", "/scores/draft", `{"team":"team-a","month":"2026-11"}`, 200)
	e.expect("sup", "POST", "/scores/draft", `{"team":"team-b","month":"2026-11"}`, 200)
	for _, who := range []string{"pat", "tina", "lead-a", "ana", "qa"} {
		e.expect(who, "POST", "/scores/1001/2026-11/review", `{}`, 403)
	}
	e.expect("pam", "POST", "/scores/1001/2026-11/review", `{}`, 200)
	for _, who := range []string{"pam", "sup", "lead-a", "tina"} {
		e.expect(who, "POST", "/scores/1001/2026-11/approve", `{}`, 403)
	}
	e.expect("ops", "POST", "/scores/1001/2026-11/approve", `{}`, 200)
	e.expect("lead-a", "POST", "/scores/1001/2026-11/acknowledge", `{}`, 403)
	e.expect("ops", "POST", "/scores/1001/2026-11/dispute", `{"note":"x"}`, 403)
	// the agent sees their own approved sheet only
	e.expect("ana", "GET", "/scores/1002/2026-11", "", 403)
	e.expect("ana", "POST", "/scores/1002/2026-11/dispute", `{"note":"not mine"}`, 403)
	if s := e.expect("ana", "GET", "/scores?month=2026-11", "", 200)["sheets"].([]any); len(s) != 1 || s[0].(map[string]any)["agent"] != "1001" {
		t.Fatalf("ana's list %v", s)
	}
	e.expect("ana", "POST", "/scores/1001/2026-11/dispute", `{"note":"工牌在更衣柜"}`, 200)
	for _, who := range []string{"lead-b", "qa", "ana", "tina", "pam"} {
		e.expect(who, "POST", "/scores/1001/2026-11/uphold", `{}`, 403)
	}
	if s := e.expect("sup", "POST", "/scores/1001/2026-11/uphold", `{"note":"组长已知晓"}`, 200); s["status"] != "draft" {
		t.Fatalf("upheld: %v", s)
	}
	// upheld, the sheet is a draft again: redrafted and hidden from the agent
	if d := e.expect("lead-a", "POST", "/scores/draft", `{"team":"team-a","month":"2026-11"}`, 200); len(d["skipped"].([]any)) != 0 {
		t.Fatalf("redraft %v", d)
	}
	e.expect("ana", "GET", "/scores/1001/2026-11", "", 404)
	h := e.expect("lead-a", "GET", "/scores/1001/2026-11", "", 200)["history"].([]any)
	var steps []string
	for _, x := range h {
		steps = append(steps, x.(map[string]any)["action"].(string))
	}
	if got := strings.Join(steps, ","); got != "drafted,review,approve,dispute,uphold,drafted" {
		t.Errorf("history %s", got)
	}
}
