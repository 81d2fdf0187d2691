package dashboards_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// Only evaluator roles (QA, team leads, operations managers, trainers) may be invited to a
// calibration, and nobody may calibrate their own call: an agent invited could read every
// evaluator's answers once the session closed.
func TestCalibrationInviteesAreEvaluatorsNotTheCallsAgent(t *testing.T) {
	t.Parallel()
	e := seedReports(t) // r1 and r4 are agent 1001's (ana) calls, r2 agent 1002's
	e.addUser(storage.NewUser{Username: "tara", Role: callfloor.RoleTrainer})
	e.addUser(storage.NewUser{Username: "ben-lead", Role: callfloor.RoleTeamLead, TeamID: "team-a", AgentID: "1002"})
	e.addUser(storage.NewUser{Username: "gone", Role: callfloor.RoleQA})
	e.expect("root", "PUT", fmt.Sprintf("/users/%d", e.ids["gone"]), `{"disabled": true}`, 200)
	open := func(call, ref string, evaluators string) (int, map[string]any) {
		return e.do("qa", "POST", "/qa/calibrations", fmt.Sprintf(`{"call_id": %q, "scorecard_id": "rep", "evaluators": %s, "reference_evaluator": %q}`,
			call, evaluators, ref))
	}
	for _, c := range []struct{ call, ref, evaluators, field string }{
		{"r1", "qa", `["ana"]`, "evaluators[0]"},              // an agent (and the call's own)
		{"r2", "qa", `["lead-a", "ana"]`, "evaluators[1]"},    // an agent, on a colleague's call
		{"r2", "qa", `["lead-a", "sup"]`, "evaluators[1]"},    // a supervisor is no evaluator
		{"r2", "ana", `["lead-a"]`, "reference_evaluator"},    // an agent as the reference
		{"r2", "ben-lead", `["qa"]`, "reference_evaluator"},   // a team lead who took the call himself
		{"r2", "qa", `["tara", "ben-lead"]`, "evaluators[1]"}, // the same, invited
		{"r2", "qa", `["tara", "gone"]`, "evaluators[1]"},     // a disabled user
	} {
		code, out := open(c.call, c.ref, c.evaluators)
		if code != 400 || out["field"] != c.field {
			t.Errorf("call %s, reference %s, evaluators %s: %d %v, want 400 naming %s", c.call, c.ref, c.evaluators, code, out, c.field)
		}
	}
	// the same team lead may calibrate a colleague's call
	if code, out := open("r1", "qa", `["ben-lead", "tara"]`); code != 201 {
		t.Fatalf("a valid session: %d %v", code, out)
	}

	// a session from before the rule, with an agent invited: the agent reads nothing of it
	s, err := e.db.CreateCalibration(context.Background(), storage.NewCalibration{CallID: "r2", ScorecardID: "rep",
		Evaluators: []string{"ana", "lead-a"}, ReferenceEvaluator: "qa", CreatedBy: "qa"})
	if err != nil {
		t.Fatal(err)
	}
	e.expect("qa", "POST", fmt.Sprintf("/qa/calibrations/%d/scores", s.ID), `{"answers": `+reportAnswers(true, true, true)+`}`, 201)
	e.expect("lead-a", "POST", fmt.Sprintf("/qa/calibrations/%d/scores", s.ID), `{"answers": `+reportAnswers(true, false, true)+`}`, 201)
	e.expect("qa", "POST", fmt.Sprintf("/qa/calibrations/%d/close", s.ID), "", 200)
	e.expect("ana", "GET", fmt.Sprintf("/qa/calibrations/%d", s.ID), "", 403)
	if ids, _ := calibrationIDs(t, e.expect("ana", "GET", "/qa/calibrations", "", 200)); len(ids) != 0 {
		t.Errorf("an agent lists calibration sessions %v", ids)
	}
}
