package storage_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/storage"
)

// One evaluation per call and scorecard (issue 9 item 6): a second is ECONFLICT naming the
// existing evaluation and its evaluator, also when two arrive at the same moment; another
// scorecard on the same call is another evaluation.
func TestOneEvaluationPerCallAndScorecard(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	evalScorecardRow(t, db, "card", 1, evalTestForm)
	evalScorecardRow(t, db, "other", 1, evalTestForm)
	answers := []callfloor.Answer{{ItemID: "greet", Yes: yes(true)}, {ItemID: "verify", Yes: yes(true)}}
	ne := storage.NewEvaluation{CallID: "c1", AgentID: "1001", TeamID: "team-a", Evaluator: "quinn", ScorecardID: "card", Answers: answers}
	first, err := db.CreateEvaluation(ctx, ne)
	if err != nil {
		t.Fatal(err)
	}
	again := ne
	again.Evaluator = "lee"
	_, err = db.CreateEvaluation(ctx, again)
	wantCode(t, err, callfloor.ECONFLICT, "call_id")
	var dup *storage.DuplicateEvaluation
	if !errors.As(err, &dup) || dup.Existing.ID != first.ID || dup.Existing.Evaluator != "quinn" {
		t.Fatalf("duplicate: %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "evaluation "+strconv.FormatInt(first.ID, 10)+" by quinn") {
		t.Errorf("message does not name the evaluation and its evaluator: %q", msg)
	}
	// another scorecard is another evaluation
	other := ne
	other.ScorecardID = "other"
	if _, err := db.CreateEvaluation(ctx, other); err != nil {
		t.Fatalf("another scorecard: %v", err)
	}
	// at the same moment: one wins, the others are told who
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, conflicts := 0, 0
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			n := ne
			n.CallID, n.Evaluator = "c2", "eval"+strconv.Itoa(i)
			_, err := db.CreateEvaluation(ctx, n)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case callfloor.ErrorCode(err) == callfloor.ECONFLICT:
				conflicts++
			default:
				t.Errorf("concurrent create: %v", err)
			}
		}(i)
	}
	wg.Wait()
	if ok != 1 || conflicts != 5 {
		t.Fatalf("concurrent evaluations of one call: %d stored, %d refused", ok, conflicts)
	}
	// calibration is separate: the evaluated call can still be calibrated, by its evaluator too
	cal, err := db.CreateCalibration(ctx, storage.NewCalibration{CallID: "c1", ScorecardID: "card", Evaluators: []string{"quinn", "lee"},
		ReferenceEvaluator: "quinn", CreatedBy: "quinn"})
	if err != nil {
		t.Fatalf("calibration of an evaluated call: %v", err)
	}
	if _, err := db.SubmitCalibrationScore(ctx, cal.ID, "quinn", answers); err != nil {
		t.Fatalf("calibration score on an evaluated call: %v", err)
	}
	// a dispute rescores the one evaluation; the call still has exactly one
	d, err := db.RaiseDispute(ctx, first.ID, []string{"greet"}, "I did greet", "ana")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.DecideDispute(ctx, d.ID, storage.DisputeOverturned, "ok", []callfloor.Answer{{ItemID: "greet", Yes: yes(false)}}, "olga"); err != nil {
		t.Fatal(err)
	}
	es, err := db.Evaluations(ctx, storage.EvaluationFilter{Agent: "1001"})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if e.CallID == "c1" && e.ScorecardID == "card" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("call c1 on card has %d evaluations after a dispute", n)
	}
}

// A team lead's score sheet counts the calls evaluated, not the evaluations: the same call on
// two scorecards is one call of the daily quota.
func TestScoreSheetCountsDistinctCalls(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	evalScorecardRow(t, db, "card", 1, evalTestForm)
	evalScorecardRow(t, db, "other", 1, evalTestForm)
	answers := []callfloor.Answer{{ItemID: "greet", Yes: yes(true)}, {ItemID: "verify", Yes: yes(true)}}
	for _, c := range []struct{ call, card string }{{"c1", "card"}, {"c1", "other"}, {"c2", "card"}} {
		if _, err := db.CreateEvaluation(ctx, storage.NewEvaluation{CallID: c.call, AgentID: "1001", TeamID: "team-a", Evaluator: "lee",
			ScorecardID: c.card, Answers: answers}); err != nil {
			t.Fatal(err)
		}
	}
	sheet, err := db.ScoreSheet(ctx, "team-a", time.Now(), "lee")
	if err != nil {
		t.Fatal(err)
	}
	if sheet.Evaluations != 2 || len(sheet.Rows) != 3 {
		t.Fatalf("score sheet: %d counted, %d rows; want 2 calls of 3 evaluations", sheet.Evaluations, len(sheet.Rows))
	}
	// the report by evaluator: 3 evaluations of 2 calls, the calls being what meets the quota
	rep, err := db.QAReport(ctx, storage.QAReportFilter{Group: storage.GroupEvaluator, Period: storage.PeriodDay,
		From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 1 || rep.Rows[0].Key != "lee" || rep.Rows[0].Evaluations != 3 || rep.Rows[0].Calls != 2 {
		t.Fatalf("report rows %+v", rep.Rows)
	}
}

// Migration 00013 keeps existing duplicates but marks all but one per call and scorecard as
// superseded (the disputed one stays, else the latest); reports and score sheets count the one.
func TestDuplicateEvaluationsMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := storage.Open(ctx, testenv.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := db.MigrateTo(ctx, 12); err != nil {
		t.Fatal(err)
	}
	evalScorecardRow(t, db, "card", 1, evalTestForm)
	// c1: three by lee (the latest stays); c2: two, the older disputed (it stays); c3: one
	ids := map[string]int64{}
	for i, k := range []string{"c1a", "c1b", "c1c", "c2a", "c2b", "c3a"} {
		var id int64
		if err := db.Pool.QueryRow(ctx, `INSERT INTO evaluations (call_id, agent_id, team_id, evaluator, scorecard_id, scorecard_version,
			answers, result, score_raw, score_final, fatal, non_fatal_errors, applicable, created_at)
			VALUES ($1, '1001', 'team-a', 'lee', 'card', 1, '[]', '{}', 100, 100, false, 0, 1, now() - $2 * interval '1 minute') RETURNING id`,
			k[:2], 10-i).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids[k] = id
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO disputes (evaluation_id, items, reason, raised_by) VALUES ($1, '["greet"]', 'no', 'ana')`, ids["c2a"]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"c1a": ids["c1c"], "c1b": ids["c1c"], "c1c": 0, "c2a": 0, "c2b": ids["c2a"], "c3a": 0}
	for k, sup := range want {
		e, err := db.Evaluation(ctx, ids[k])
		if err != nil {
			t.Fatal(err)
		}
		got := int64(0)
		if e.SupersededBy != nil {
			got = *e.SupersededBy
		}
		if got != sup {
			t.Errorf("%s superseded by %d, want %d", k, got, sup)
		}
		if sup != 0 && e.History[len(e.History)-1].Action != "superseded" {
			t.Errorf("%s: no history line for being superseded: %+v", k, e.History)
		}
	}
	sheet, err := db.ScoreSheet(ctx, "team-a", time.Now(), "lee")
	if err != nil {
		t.Fatal(err)
	}
	if sheet.Evaluations != 3 || len(sheet.Rows) != 3 {
		t.Fatalf("score sheet after the migration: %d calls, %d rows; want 3 and 3", sheet.Evaluations, len(sheet.Rows))
	}
	rep, err := db.QAReport(ctx, storage.QAReportFilter{Group: storage.GroupAll, Period: storage.PeriodDay,
		From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, r := range rep.Rows {
		total += r.Evaluations
	}
	if total != 3 {
		t.Fatalf("report counts %d evaluations, want 3", total)
	}
	// a superseded evaluation cannot be disputed; the one that counts can be
	if _, err := db.RaiseDispute(ctx, ids["c1a"], []string{"greet"}, "why", "ana"); callfloor.ErrorCode(err) != callfloor.ECONFLICT {
		t.Fatalf("dispute of a superseded evaluation: %v", err)
	}
	// and a new evaluation of c1 is refused, naming the one that stays
	_, err = db.CreateEvaluation(ctx, storage.NewEvaluation{CallID: "c1", AgentID: "1001", Evaluator: "quinn", ScorecardID: "card",
		Answers: []callfloor.Answer{{ItemID: "greet", Yes: yes(true)}, {ItemID: "verify", Yes: yes(true)}}})
	var dup *storage.DuplicateEvaluation
	if !errors.As(err, &dup) || dup.Existing.ID != ids["c1c"] {
		t.Fatalf("evaluating c1 again: %v", err)
	}
}
