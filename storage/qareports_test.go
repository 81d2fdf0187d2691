package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// qaRateForm: verify is fatal, nf1 and nf2 are non-fatal (nf2 may be N/A).
const qaRateForm = `{"sections": [{"id": "s1", "title": "Call", "items": [
	{"id": "verify", "text": "Verifies", "kind": "yes_no", "weight": 1, "fatal": true},
	{"id": "nf1", "text": "Summarises", "kind": "yes_no", "weight": 1, "non_fatal": true},
	{"id": "nf2", "text": "Offers more", "kind": "yes_no", "weight": 1, "non_fatal": true, "allow_na": true}]}]}`

func rateAnswers(verify, nf1 bool, nf2 *bool) []callfloor.Answer {
	as := []callfloor.Answer{{ItemID: "verify", Yes: yes(verify)}, {ItemID: "nf1", Yes: yes(nf1)}}
	if nf2 == nil {
		return append(as, callfloor.Answer{ItemID: "nf2", NA: true})
	}
	return append(as, callfloor.Answer{ItemID: "nf2", Yes: nf2})
}

// 433 evaluations, 10 with the fatal item failed: 2.31 % (of 433 evaluations); 307 answer
// both non-fatal items and 126 mark nf2 N/A: 740 opportunities, 55 errors: 7.43 %.
func TestQAReportRates(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	evalScorecardRow(t, db, "rates", 1, qaRateForm)
	at := time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC) // a Wednesday
	for i := range 433 {
		var nf2 *bool
		if i < 307 {
			nf2 = yes(true)
		}
		agent := "1001"
		if i%2 == 1 {
			agent = "1002"
		}
		ev, err := db.CreateEvaluation(ctx, storage.NewEvaluation{CallID: fmt.Sprintf("c%d", i), AgentID: agent, TeamID: "team-a",
			Evaluator: "qa", ScorecardID: "rates", Answers: rateAnswers(i >= 10, i >= 55, nf2)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Pool.Exec(ctx, `UPDATE evaluations SET created_at = $2 WHERE id = $1`, ev.ID, at.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	from, to := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	rep, err := db.QAReport(ctx, storage.QAReportFilter{Group: storage.GroupTeam, Period: storage.PeriodMonth, From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 1 {
		t.Fatalf("rows %+v", rep.Rows)
	}
	row := rep.Rows[0]
	if row.Key != "team-a" || row.Period != "2026-11-01" || row.Evaluations != 433 {
		t.Fatalf("row %+v", row)
	}
	if row.FatalRate.Text != "2.31 % (of 433 evaluations)" || *row.FatalRate.Percent != 2.31 || row.FatalRate.Denominator != 433 ||
		row.FatalRate.Numerator != 10 {
		t.Errorf("fatal rate %+v", row.FatalRate)
	}
	if row.NonFatalRate.Text != "7.43 % (of 740 non-fatal items)" || *row.NonFatalRate.Percent != 7.43 || row.NonFatalRate.Denominator != 740 ||
		row.NonFatalRate.Numerator != 55 {
		t.Errorf("non-fatal rate %+v", row.NonFatalRate)
	}
	if len(row.TopFailed) != 2 || row.TopFailed[0] != (storage.ItemCount{ItemID: "nf1", Text: "Summarises", Count: 55}) ||
		row.TopFailed[1] != (storage.ItemCount{ItemID: "verify", Text: "Verifies", Count: 10}) {
		t.Errorf("top failed %+v", row.TopFailed)
	}
	if row.Quota != nil {
		t.Errorf("no team lead in team-a: quota %v", *row.Quota)
	}
	if len(rep.Trend) != 1 || rep.Trend[0].Evaluations != 433 || *rep.Trend[0].FatalRate != 2.31 || *rep.Trend[0].NonFatalRate != 7.43 {
		t.Errorf("trend %+v", rep.Trend)
	}

	// by agent per day: 433 minutes from 10:00 spill into... no: 10:00 + 432 min = 17:12, one day
	rep, err = db.QAReport(ctx, storage.QAReportFilter{Group: storage.GroupAgent, Period: storage.PeriodDay, From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 2 || rep.Rows[0].Key != "1001" || rep.Rows[0].Evaluations != 217 || rep.Rows[1].Evaluations != 216 ||
		rep.Rows[0].Period != "2026-11-18" {
		t.Fatalf("by agent %+v", rep.Rows)
	}
	if rep.Rows[0].FatalRate.Text != "2.30 % (of 217 evaluations)" { // 5 of the 10 fatal are even
		t.Errorf("agent 1001 fatal %s", rep.Rows[0].FatalRate.Text)
	}
	// scope: the agent filter
	rep, err = db.QAReport(ctx, storage.QAReportFilter{Group: storage.GroupAgent, Period: storage.PeriodWeek, From: from, To: to, Agent: "1002"})
	if err != nil || len(rep.Rows) != 1 || rep.Rows[0].Key != "1002" || rep.Rows[0].Period != "2026-11-16" {
		t.Fatalf("agent 1002 weekly: %+v %v", rep.Rows, err)
	}
	if _, err := db.QAReport(ctx, storage.QAReportFilter{Group: "nope", Period: "week", From: from, To: to}); callfloor.ErrorCode(err) != callfloor.EINVALID {
		t.Errorf("bad group: %v", err)
	}
}

func TestWorkingDaysAndPeriods(t *testing.T) {
	t.Parallel()
	d := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	if n := storage.WorkingDays(d("2026-11-16"), d("2026-11-23")); n != 5 {
		t.Errorf("a week: %d", n)
	}
	if n := storage.WorkingDays(d("2026-11-01"), d("2026-12-01")); n != 21 {
		t.Errorf("November 2026: %d", n)
	}
	if p := storage.PeriodStart(storage.PeriodWeek, d("2026-11-22")); p != d("2026-11-16") {
		t.Errorf("week of Sunday 22nd: %v", p)
	}
	if p := storage.PeriodStart(storage.PeriodMonth, d("2026-11-22")); p != d("2026-11-01") {
		t.Errorf("month: %v", p)
	}
}

func TestCalibrationStorage(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	evalScorecardRow(t, db, "rates", 1, qaRateForm)
	s, err := db.CreateCalibration(ctx, storage.NewCalibration{CallID: "c1", ScorecardID: "rates", Evaluators: []string{"a", "b"},
		ReferenceEvaluator: "ref", CreatedBy: "qa"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Evaluators) != 3 || s.ScorecardVersion != 1 {
		t.Fatalf("session %+v", s)
	}
	if _, err := db.SubmitCalibrationScore(ctx, s.ID, "x", rateAnswers(true, true, nil)); callfloor.ErrorCode(err) != callfloor.EFORBID {
		t.Errorf("uninvited: %v", err)
	}
	if _, err := db.CloseCalibration(ctx, s.ID); callfloor.ErrorCode(err) != callfloor.ECONFLICT {
		t.Errorf("close without the reference: %v", err)
	}
	for ev, as := range map[string][]callfloor.Answer{
		"ref": rateAnswers(true, true, yes(true)),
		"a":   rateAnswers(true, true, yes(true)),
		"b":   rateAnswers(true, false, nil),
	} {
		if _, err := db.SubmitCalibrationScore(ctx, s.ID, ev, as); err != nil {
			t.Fatal(err)
		}
	}
	s, err = db.CloseCalibration(ctx, s.ID)
	if err != nil || s.ClosedAt == nil || len(s.Scores) != 3 {
		t.Fatalf("closed %+v %v", s, err)
	}
	if _, err := db.SubmitCalibrationScore(ctx, s.ID, "a", rateAnswers(true, true, nil)); callfloor.ErrorCode(err) != callfloor.ECONFLICT {
		t.Errorf("score after close: %v", err)
	}
	d, err := db.CalibrationDeviationsOf(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	// items: verify both agree (100), nf1 a agrees b not (50), nf2 a agrees, b N/A (50)
	want := map[string]float64{"verify": 100, "nf1": 50, "nf2": 50}
	// per cell: b is 100 points off on nf1 (no against yes) and on nf2 (N/A against yes)
	wantB := map[string]float64{"verify": 0, "nf1": 100, "nf2": 100}
	for _, it := range d.Items {
		if it.Agreement == nil || *it.Agreement != want[it.ItemID] || it.Compared != 2 {
			t.Errorf("item %+v", it)
		}
		if it.Deviations["a"] != 0 || it.Deviations["b"] != wantB[it.ItemID] || it.MeanDeviation != wantB[it.ItemID]/2 {
			t.Errorf("item %s deviations %v mean %v", it.ItemID, it.Deviations, it.MeanDeviation)
		}
	}
	// b: ref 100; b scores verify yes, nf1 no, nf2 N/A: 1 of 2 = 50; diff -50; items: 0 + 100 + 100 over 3
	for _, ev := range d.Evaluators {
		switch ev.Evaluator {
		case "a":
			if ev.ScoreDiff != 0 || ev.MeanAbsDiff != 0 || ev.Agreement != 100 {
				t.Errorf("a %+v", ev)
			}
		case "b":
			if ev.ScoreFinal != 50 || ev.ScoreDiff != -50 || ev.MeanAbsDiff != 66.67 || ev.Agreement != 33.33 || ev.Agreeing != 1 {
				t.Errorf("b %+v", ev)
			}
		default:
			t.Errorf("unexpected %+v", ev)
		}
	}
	if d.MeanAbsScore == nil || *d.MeanAbsScore != 25 {
		t.Errorf("mean abs score diff %v", d.MeanAbsScore)
	}
}
