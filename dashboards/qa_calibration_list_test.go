package dashboards_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// calibrationIDs is the list's session ids in order, and each session by id.
func calibrationIDs(t *testing.T, out map[string]any) ([]int, map[int]map[string]any) {
	t.Helper()
	var ids []int
	byID := map[int]map[string]any{}
	for _, x := range out["calibrations"].([]any) {
		s := x.(map[string]any)
		id := int(s["id"].(float64))
		ids = append(ids, id)
		byID[id] = s
	}
	return ids, byID
}

func strs(v any) []string {
	out := []string{}
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestCalibrationList(t *testing.T) {
	t.Parallel()
	e := seedReports(t)
	open := func(by, call string, evaluators ...string) int {
		body := fmt.Sprintf(`{"call_id": %q, "scorecard_id": "rep", "evaluators": ["%s"], "reference_evaluator": "qa"}`, call,
			strings.Join(evaluators, `", "`))
		return int(e.expect(by, "POST", "/qa/calibrations", body, 201)["id"].(float64))
	}
	s1 := open("qa", "r1", "lead-a", "ops")  // lead-a invited
	s2 := open("ops", "r2", "ops")           // lead-a not invited
	s3 := open("root", "r3", "lead-a", "qa") // lead-a invited, closed below
	score := func(user string, id int, answers string) {
		e.expect(user, "POST", fmt.Sprintf("/qa/calibrations/%d/scores", id), `{"answers": `+answers+`}`, 201)
	}
	score("qa", s3, reportAnswers(true, true, true))
	score("lead-a", s3, reportAnswers(true, false, true))
	e.expect("qa", "POST", fmt.Sprintf("/qa/calibrations/%d/close", s3), "", 200)
	score("lead-a", s1, reportAnswers(false, true, true))
	score("ops", s1, reportAnswers(true, true, false))

	// QA, operations managers and admins see every session: open first, newest first
	for _, user := range []string{"qa", "ops", "root"} {
		ids, byID := calibrationIDs(t, e.expect(user, "GET", "/qa/calibrations", "", 200))
		if !slices.Equal(ids, []int{s2, s1, s3}) {
			t.Errorf("%s sees %v, want %v", user, ids, []int{s2, s1, s3})
		}
		if s := byID[s1]; s["status"] != "open" || s["call_id"] != "r1" || s["scorecard_id"] != "rep" || s["scorecard_version"] != 1.0 ||
			s["reference_evaluator"] != "qa" || s["created_by"] != "qa" || s["closed_at"] != nil ||
			!slices.Equal(strs(s["evaluators"]), []string{"lead-a", "ops", "qa"}) || !slices.Equal(strs(s["submitted"]), []string{"lead-a", "ops"}) {
			t.Errorf("%s: session %d summary %v", user, s1, s)
		}
		if s := byID[s3]; s["status"] != "closed" || s["closed_at"] == nil || !slices.Equal(strs(s["submitted"]), []string{"lead-a", "qa"}) {
			t.Errorf("%s: closed session %d summary %v", user, s3, s)
		}
		if s := byID[s2]; len(strs(s["submitted"])) != 0 {
			t.Errorf("%s: session %d has no scores yet: %v", user, s2, s)
		}
	}

	// an evaluator sees only the sessions they are invited to; others see none
	if ids, _ := calibrationIDs(t, e.expect("lead-a", "GET", "/qa/calibrations", "", 200)); !slices.Equal(ids, []int{s1, s3}) {
		t.Errorf("lead-a sees %v, want only the sessions they are invited to %v", ids, []int{s1, s3})
	}
	for _, user := range []string{"ana", "sup"} {
		if ids, _ := calibrationIDs(t, e.expect(user, "GET", "/qa/calibrations", "", 200)); len(ids) != 0 {
			t.Errorf("%s is invited nowhere but sees %v", user, ids)
		}
	}
	if ids, _ := calibrationIDs(t, e.expect("lead-a", "GET", "/qa/calibrations?status=open", "", 200)); !slices.Equal(ids, []int{s1}) {
		t.Errorf("lead-a's open sessions %v", ids)
	}
	if ids, _ := calibrationIDs(t, e.expect("qa", "GET", "/qa/calibrations?status=closed", "", 200)); !slices.Equal(ids, []int{s3}) {
		t.Errorf("closed sessions %v", ids)
	}
	if ids, _ := calibrationIDs(t, e.expect("qa", "GET", "/qa/calibrations?limit=2", "", 200)); !slices.Equal(ids, []int{s2, s1}) {
		t.Errorf("limit 2: %v", ids)
	}

	// blind: while s1 is open nobody's answers appear in the list, and its page shows each
	// evaluator only their own
	for _, user := range []string{"lead-a", "ops", "qa"} {
		code, _, raw := e.get(user, "/qa/calibrations")
		if code != 200 || strings.Contains(raw, `"answers"`) || strings.Contains(raw, `"scores"`) || strings.Contains(raw, `"result"`) ||
			strings.Contains(raw, "score_final") {
			t.Errorf("%s: the list carries answers or scores: %d %s", user, code, raw)
		}
	}
	v := e.expect("lead-a", "GET", fmt.Sprintf("/qa/calibrations/%d", s1), "", 200)
	if sc := v["scores"].([]any); v["blind"] != true || len(sc) != 1 || sc[0].(map[string]any)["evaluator"] != "lead-a" {
		t.Errorf("lead-a's view of open session %d shows others' answers: %v", s1, v)
	}
	e.expect("lead-a", "GET", fmt.Sprintf("/qa/calibrations/%d", s2), "", 403)

	for _, c := range []struct{ query, field string }{
		{"status=pending", "status"}, {"limit=0", "limit"}, {"limit=x", "limit"}, {"limit=501", "limit"}, {"team=a", "team"},
		{"status=open&status=closed", "status"},
	} {
		if out := e.expect("qa", "GET", "/qa/calibrations?"+c.query, "", 400); out["field"] != c.field {
			t.Errorf("%s: %v, want field %q", c.query, out, c.field)
		}
	}
	e.expect("", "GET", "/qa/calibrations", "", 401)
}

// QA, who may not list users, lists the people a calibration may invite: enabled QA, team
// leads, operations managers and trainers only; agents and team leads may not.
func TestListEvaluators(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	e.addUser(storage.NewUser{Username: "tara", Role: callfloor.RoleTrainer})
	e.addUser(storage.NewUser{Username: "pam", Role: callfloor.RoleProjectManager})
	e.expect("qa", "GET", "/users", "", 403)
	out := e.expect("qa", "GET", "/qa/evaluators", "", 200)
	var names []string
	for _, x := range out["evaluators"].([]any) {
		names = append(names, x.(map[string]any)["username"].(string)+":"+x.(map[string]any)["role"].(string))
	}
	if got := strings.Join(names, ","); got != "lead-a:team_lead,ops:operations_manager,qa:qa,tara:trainer" {
		t.Errorf("evaluators %s", got)
	}
	e.expect("ana", "GET", "/qa/evaluators", "", 403)
	e.expect("lead-a", "GET", "/qa/evaluators", "", 403)
	if code, out := e.do("qa", "GET", "/qa/evaluators?role=x", ""); code != 400 || out["field"] != "role" {
		t.Errorf("unknown parameter: %d %v", code, out)
	}
}
