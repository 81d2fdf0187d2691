package storage_test

import (
	"context"
	"encoding/json"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

const evalTestForm = `{"sections": [{"id": "s1", "title": "Call", "items": [
	{"id": "greet", "text": "Greets", "kind": "yes_no", "weight": 1},
	{"id": "verify", "text": "Verifies", "kind": "yes_no", "weight": 1, "fatal": true}]}]}`

// evalScorecardRow stores a scorecard version directly (the table of migration 00006, created
// here if that migration is not there).
func evalScorecardRow(t *testing.T, db *storage.DB, id string, version int, form string) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS scorecards (id text NOT NULL, version int NOT NULL, name text NOT NULL,
		form jsonb NOT NULL, created_by text NOT NULL DEFAULT '', created_at timestamptz NOT NULL DEFAULT now(),
		retired bool NOT NULL DEFAULT false, PRIMARY KEY (id, version))`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO scorecards (id, version, name, form, created_by) VALUES ($1, $2, 'Card', $3, 'test')`,
		id, version, form); err != nil {
		t.Fatal(err)
	}
}

func yes(v bool) *bool { return &v }

func TestEvaluationStorage(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	evalScorecardRow(t, db, "card", 1, evalTestForm)
	answers := []callfloor.Answer{{ItemID: "greet", Yes: yes(true)}, {ItemID: "verify", Yes: yes(false)}}
	ne := storage.NewEvaluation{CallID: "c1", AgentID: "1001", TeamID: "team-a", Evaluator: "qa", ScorecardID: "card", Answers: answers,
		Comments: []storage.EvalComment{{AtMs: 1500, Text: "no verification"}}}
	ev, err := db.CreateEvaluation(ctx, ne)
	if err != nil {
		t.Fatal(err)
	}
	if !ev.Fatal || ev.ScoreFinal != 0 || ev.ScoreRaw != 50 || ev.ScorecardVersion != 1 || ev.Status != storage.EvalSubmitted || ev.Applicable != 2 {
		t.Fatalf("evaluation %+v", ev)
	}
	// a new version does not change what ev was scored with; new evaluations take it
	evalScorecardRow(t, db, "card", 2, `{"sections": [{"id": "s1", "title": "Call", "items": [{"id": "greet", "text": "Greets", "kind": "yes_no", "weight": 1}]}]}`)
	bad := ne
	bad.Answers = []callfloor.Answer{{ItemID: "greet", Yes: yes(true)}, {ItemID: "verify", Yes: yes(true)}}
	_, err = db.CreateEvaluation(ctx, bad)
	wantCode(t, err, callfloor.EINVALID, "answers[1].item_id")
	ne.AgentID, ne.CallID, ne.Answers = "2001", "c2", []callfloor.Answer{{ItemID: "greet", Yes: yes(true)}}
	ev2, err := db.CreateEvaluation(ctx, ne)
	if err != nil || ev2.ScorecardVersion != 2 || ev2.ScoreFinal != 100 {
		t.Fatalf("on version 2: %+v %v", ev2, err)
	}

	// filters
	for _, c := range []struct {
		f    storage.EvaluationFilter
		want int
	}{
		{storage.EvaluationFilter{}, 2},
		{storage.EvaluationFilter{Agent: "1001"}, 1},
		{storage.EvaluationFilter{Team: "team-a"}, 2},
		{storage.EvaluationFilter{Team: "team-x", OrAgent: "2001"}, 1},
		{storage.EvaluationFilter{From: time.Now().Add(time.Hour)}, 0},
		{storage.EvaluationFilter{Status: storage.EvalDecided}, 0},
	} {
		es, err := db.Evaluations(ctx, c.f)
		if err != nil || len(es) != c.want {
			t.Errorf("filter %+v: %d, %v; want %d", c.f, len(es), err, c.want)
		}
	}

	_, err = db.RaiseDispute(ctx, ev.ID, []string{"verify", "verify"}, "r", "ana")
	wantCode(t, err, callfloor.EINVALID, "items[1]")
	d, err := db.RaiseDispute(ctx, ev.ID, []string{"verify"}, "I verified", "ana")
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.RaiseDispute(ctx, ev.ID, []string{"verify"}, "again", "ana")
	wantCode(t, err, callfloor.ECONFLICT, "")

	// two managers decide at once: exactly one wins, the other gets ECONFLICT
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = db.DecideDispute(ctx, d.ID, storage.DisputeOverturned, "verified at 0:40",
				[]callfloor.Answer{{ItemID: "verify", Yes: yes(true)}}, "ops")
		}()
	}
	wg.Wait()
	conflicts := 0
	for _, err := range errs {
		if callfloor.ErrorCode(err) == callfloor.ECONFLICT {
			conflicts++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if conflicts != 1 {
		t.Fatalf("concurrent decisions: %v", errs)
	}
	got, err := db.Evaluation(ctx, ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Fatal || got.ScoreFinal != 100 || got.Status != storage.EvalDecided || got.ScorecardVersion != 1 ||
		len(got.Disputes) != 1 || got.Disputes[0].Decision != storage.DisputeOverturned || len(got.Disputes[0].NewAnswers) != 1 {
		t.Fatalf("after overturn %+v", got)
	}
	if len(got.History) != 3 {
		t.Fatalf("history %+v", got.History)
	}
	var first, lastBefore, lastAfter struct {
		ScoreFinal float64          `json:"score_final"`
		Result     callfloor.Result `json:"result"`
	}
	_ = json.Unmarshal(got.History[0].After, &first)
	_ = json.Unmarshal(got.History[2].Before, &lastBefore)
	_ = json.Unmarshal(got.History[2].After, &lastAfter)
	if !first.Result.Fatal || first.ScoreFinal != 0 || math.Abs(first.Result.ScoreRaw-50) > 1e-9 || lastBefore.ScoreFinal != 0 || lastAfter.ScoreFinal != 100 {
		t.Fatalf("history lines: %s / %s / %s", got.History[0].After, got.History[2].Before, got.History[2].After)
	}
	_, err = db.AcknowledgeEvaluation(ctx, ev.ID, "ana")
	wantCode(t, err, callfloor.ECONFLICT, "")
	_, err = db.Evaluation(ctx, 424242)
	wantCode(t, err, callfloor.ENOTFOUND, "")
}
