package dashboards_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor/storage"
)

// One evaluation per call and scorecard: a second answers 409 naming the evaluation that exists
// and its evaluator; the worklist marks the call done and says who evaluated it.
func TestSecondEvaluationRefusedAndWorklistShowsEvaluator(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	putEvalScorecard(t, e.db, "basic", 1, evalCardForm)
	day := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	insertAnsweredCalls(t, e, "w", 6, day, "1001", "1002")
	if _, err := e.db.DailyTeamLeadDraws(ctx, day); err != nil {
		t.Fatal(err)
	}
	wl := e.expect("lead-a", "GET", "/qa/worklist", "", 200)["assignments"].([]any)
	if len(wl) == 0 {
		t.Fatal("lead-a has no worklist")
	}
	call := wl[0].(map[string]any)["call_id"].(string)
	// QA evaluates a call of lead-a's list first
	ev := e.expect("qa", "POST", "/evaluations", fmt.Sprintf(`{"call_id": %q, "scorecard_id": "basic", "answers": %s}`, call, evalAnswers(true, 4)), 201)
	id := ev["id"].(float64)
	// the lead's second evaluation of that call is refused, naming the first and its evaluator
	out := e.expect("lead-a", "POST", "/evaluations", fmt.Sprintf(`{"call_id": %q, "scorecard_id": "basic", "answers": %s}`, call, evalAnswers(false, 1)), 409)
	if out["code"] != "already_exists" || out["kind"] != "conflict" || out["field"] != "call_id" || out["evaluation_id"] != id || out["evaluator"] != "qa" ||
		!strings.Contains(out["message"].(string), fmt.Sprintf("evaluation %d by qa", int(id))) {
		t.Fatalf("second evaluation: %v", out)
	}
	// so is QA's own second one
	e.expect("qa", "POST", "/evaluations", fmt.Sprintf(`{"call_id": %q, "scorecard_id": "basic", "answers": %s}`, call, evalAnswers(true, 4)), 409)
	if n, err := e.db.Evaluations(ctx, storage.EvaluationFilter{}); err != nil || len(n) != 1 {
		t.Fatalf("evaluations stored: %d %v", len(n), err)
	}
	// lead-a's worklist: the call is done, by qa
	for _, a := range e.expect("lead-a", "GET", "/qa/worklist", "", 200)["assignments"].([]any) {
		a := a.(map[string]any)
		if a["call_id"] == call {
			if a["done"] != true || a["evaluated_by"] != "qa" || a["evaluation_id"] != id {
				t.Fatalf("worklist row of the evaluated call: %v", a)
			}
		} else if a["done"] != false || a["evaluated_by"] != nil {
			t.Fatalf("worklist row of a call not evaluated: %v", a)
		}
	}
}
