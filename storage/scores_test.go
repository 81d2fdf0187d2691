package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// A month's sheet drafted from the records: attendance (a late day, a sick leave), the trainer's
// exam under November's new pass mark, a conduct deduction and a bonus; a sheet past draft is not
// redrafted; rule versions are checked.
func TestScoreDraftFromRecords(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO teams (id, name) VALUES ('red', 'Red')`)
	exec(`INSERT INTO agents (id, name, endpoint, team_id) VALUES ('1001', '王芳', 'PJSIP/1001', 'red'), ('1002', '李娜', 'PJSIP/1002', 'red')`)
	if _, err := db.PutShift(ctx, callfloor.Shift{Code: "E", Name: "早班", Start: "08:30", End: "17:30"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutRosterCells(ctx, "red", "2026-11", []storage.RosterCell{{Agent: "1001", Day: "2026-11-02", Shift: "E"}, {Agent: "1001", Day: "2026-11-03", Shift: "E"}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.PublishRoster(ctx, "red", "2026-11", "lee"); err != nil {
		t.Fatal(err)
	}
	s, _ := time.ParseInLocation("2006-01-02 15:04", "2026-11-02 08:50", loc)
	e, _ := time.ParseInLocation("2006-01-02 15:04", "2026-11-02 17:30", loc)
	exec(`INSERT INTO agent_state_intervals (agent_id, state, started_at, ended_at, duration_ms) VALUES ('1001', 'available', $1, $2, $3)`, s, e, e.Sub(s).Milliseconds())
	exec(`INSERT INTO leave_requests (agent_id, type, from_day, to_day, days, requested_on, chain, status) VALUES ('1001', 'sick', '2026-11-03', '2026-11-03', 1, '2026-11-03', '{team_lead}', 'approved')`)

	v1 := callfloor.DefaultScoreRule("2026-01")
	v2 := callfloor.DefaultScoreRule("2026-11")
	v2.Version, v2.AccuracyStandard, v2.ExamPassMark = 2, 99, 90
	for _, r := range []callfloor.ScoreRule{v1, v2} {
		if err := db.AddScoreRule(ctx, r, "ops"); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.AddScoreRule(ctx, v2, "ops"); err == nil {
		t.Fatal("version 2 saved twice")
	}
	if err := db.PutExamResult(ctx, "1001", "2026-11", 85, "", "tina"); err != nil {
		t.Fatal(err)
	}
	if err := db.PutExamResult(ctx, "1001", "2026-11", 101, "", "tina"); callfloor.SpecificCode(err) != callfloor.CodeOutOfRange {
		t.Fatalf("exam 101: %v", err)
	}
	if _, err := db.AddScoreEntry(ctx, "1001", "2026-11", "conduct", callfloor.ScoreEntry{Points: 3, Reason: "在座位上吃东西", Evidence: "day:2026-11-05", By: "lee"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddScoreEntry(ctx, "1001", "2026-11", "bonus", callfloor.ScoreEntry{Points: 4, Reason: "客户表扬", By: "lee"}); err != nil {
		t.Fatal(err)
	}
	_, err := db.AddScoreEntry(ctx, "1001", "2026-11", "bonus", callfloor.ScoreEntry{Points: 6, Reason: "x", By: "lee"})
	wantCode(t, err, callfloor.EINVALID, "points")
	withdrawn, _ := db.AddScoreEntry(ctx, "1001", "2026-11", "conduct", callfloor.ScoreEntry{Points: 10, Reason: "entered by mistake", By: "lee"})
	if err := db.DeleteScoreEntry(ctx, withdrawn); err != nil {
		t.Fatal(err)
	}

	drafted, skipped, err := db.DraftScores(ctx, []string{"1001", "1002"}, "red", "2026-11", loc, "lee")
	if err != nil || len(drafted) != 2 || len(skipped) != 0 {
		t.Fatalf("drafted %d skipped %v: %v", len(drafted), skipped, err)
	}
	d := drafted[0]
	// attendance 20 − 2 (late 20 min) − 4 (sick) = 14; exam 90 − 85: one step, 16; conduct 17;
	// timeliness and accuracy: no calls, no evaluations → no data; bonus 4. 14 + 20 + 20 + 16 + 17 + 4 = 91
	if d.RuleVersion != 2 || d.Buckets[callfloor.BucketAttendance] != 14 || d.Buckets[callfloor.BucketExam] != 16 ||
		d.Buckets[callfloor.BucketConduct] != 17 || d.Buckets[callfloor.BucketBonus] != 4 || d.Total != 91 {
		t.Fatalf("sheet %+v", d.ScoreSheet)
	}
	if len(d.Missing) != 2 || len(d.Inputs.Attendance) != 2 || d.Inputs.Attendance[1].Evidence == "" {
		t.Fatalf("inputs %+v missing %v", d.Inputs, d.Missing)
	}
	if drafted[1].Total != 100 {
		t.Fatalf("1002 with nothing against them: %d", drafted[1].Total)
	}
	// reproducible: the stored inputs score the same sheet
	rules, _ := db.ScoreRules(ctx)
	again, _ := callfloor.Score(rules, d.Inputs)
	if again.Total != d.Total {
		t.Fatalf("inputs re-scored %d, stored %d", again.Total, d.Total)
	}
	// once reviewed, a sheet is not redrafted
	exec(`UPDATE score_sheets SET status = 'reviewed' WHERE agent_id = '1001'`)
	_, skipped, err = db.DraftScores(ctx, []string{"1001", "1002"}, "red", "2026-11", loc, "lee")
	if err != nil || len(skipped) != 1 || skipped[0] != "1001" {
		t.Fatalf("skipped %v %v", skipped, err)
	}
	sheets, err := db.ScoreSheets(ctx, nil, "2026-11")
	if err != nil || len(sheets) != 2 || sheets[0].Status != "reviewed" || sheets[0].Total != 91 || sheets[1].DraftedBy != "lee" {
		t.Fatalf("sheets %+v %v", sheets, err)
	}
	// the flow: reviewed by the project manager, approved, disputed by the agent, the dispute
	// rejected, acknowledged
	if _, err := db.MoveScore(ctx, "1002", "2026-11", "approve", "ops", ""); callfloor.SpecificCode(err) != callfloor.CodeStateConflict {
		t.Fatalf("approve a draft: %v", err)
	}
	for _, step := range []struct{ action, by, note, want string }{
		{"review", "pam", "", "reviewed"}, {"return", "ops", "exam missing", "draft"}, {"review", "pam", "", "reviewed"},
		{"approve", "ops", "", "approved"}, {"dispute", "1002", "我那天请了假", "disputed"}, {"reject", "lee", "假条未批", "approved"},
		{"acknowledge", "1002", "", "acknowledged"},
	} {
		m, err := db.MoveScore(ctx, "1002", "2026-11", step.action, step.by, step.note)
		if err != nil || m.Status != step.want {
			t.Fatalf("%s: %+v %v", step.action, m.Status, err)
		}
	}
	_, err = db.MoveScore(ctx, "1001", "2026-11", "dispute", "1001", "")
	wantCode(t, err, callfloor.EINVALID, "note")
	_, err = db.MoveScore(ctx, "1001", "2026-11", "promote", "x", "")
	wantCode(t, err, callfloor.EINVALID, "action")
	h, _ := db.ScoreHistory(ctx, "1002", "2026-11")
	if len(h) != 9 || h[1].Action != "drafted" || h[8].Action != "acknowledge" { // drafted twice (the second draft redrafted 1002)
		t.Fatalf("history %+v", h)
	}
	final, _ := db.FinalScores(ctx, "2026-07", "2026-12")
	if len(final) != 1 || final[0].Agent != "1002" {
		t.Fatalf("final %+v", final)
	}

	// October is scored by version 1
	oct, _, err := db.DraftScores(ctx, []string{"1002"}, "red", "2026-10", loc, "lee")
	if err != nil || oct[0].RuleVersion != 1 {
		t.Fatalf("October %+v %v", oct, err)
	}
}

// The feeders read real rows: calls (through the rebuilt rollups) against the project's AHT
// target, QA evaluations (the non-fatal rate for accuracy; each fatal error suggests one conduct
// deduction with the evaluation as evidence, withdrawable and not suggested again), a registered
// feeder of cases over their time limit (tickets).
func TestScoreFeedersFromCallsAndEvaluations(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO projects (id, name) VALUES ('pf', 'Feeders')`)
	exec(`INSERT INTO teams (id, name, project_id) VALUES ('ft', 'Feed', 'pf')`)
	exec(`INSERT INTO targets (scope_kind, scope_id, aht_s) VALUES ('project', 'pf', 180)`)
	exec(`INSERT INTO agents (id, name, endpoint, team_id) VALUES ('feed1', 'A', 'PJSIP/feed1', 'ft'), ('feed2', 'B', 'PJSIP/feed2', 'ft')`)
	// feed1: two calls of 200 s talk + 20 s wrap → AHT 220 s, 40 s over 180: one started minute (−2);
	// feed2: one call of 150 s: within the target.
	for i, c := range []struct {
		agent          string
		talkMs, wrapMs int
	}{{"feed1", 200000, 20000}, {"feed1", 200000, 20000}, {"feed2", 150000, 0}} {
		at := time.Date(2026, 11, 10+i, 2, 0, 0, 0, time.UTC)
		exec(`INSERT INTO calls (id, direction, queue, agent_id, entered_at, answered_at, ended_at, wait_ms, talk_ms, wrap_ms, outcome, last_event_id)
			VALUES ($1, 'inbound', 'sales', $2, $3, $4, $5, 5000, $6, $7, 'answered', $8)`,
			fmt.Sprintf("fc%d", i), c.agent, at, at.Add(5*time.Second), at.Add(5*time.Second+time.Duration(c.talkMs)*time.Millisecond), c.talkMs, c.wrapMs, fmt.Sprintf("1-%d", i))
	}
	if _, err := db.RebuildRollups(ctx, time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	// feed1's QA: three clean evaluations and one fatal with an nf2 error: 1 non-fatal error in 8
	// opportunities = 12.5 %, accuracy 87.5 % against 97 %: ten started points, −40, floored at 0.
	evalScorecardRow(t, db, "rates", 1, qaRateForm)
	var fatalID int64
	for i, as := range [][]callfloor.Answer{rateAnswers(true, true, yes(true)), rateAnswers(true, true, yes(true)),
		rateAnswers(true, true, yes(true)), rateAnswers(false, true, yes(false))} {
		ev, err := db.CreateEvaluation(ctx, storage.NewEvaluation{CallID: fmt.Sprintf("fc-e%d", i), AgentID: "feed1", TeamID: "ft",
			Evaluator: "qa", ScorecardID: "rates", Answers: as, Queue: "sales"})
		if err != nil {
			t.Fatal(err)
		}
		fatalID = ev.ID
	}
	exec(`UPDATE evaluations SET created_at = '2026-11-18T03:00:00Z' WHERE agent_id = 'feed1'`)
	// registered for the whole test binary: it answers for this test's database only
	storage.RegisterCaseTimeFeeder(func(ctx context.Context, d *storage.DB, agents []string, from, to time.Time) (map[string][]string, error) {
		if d != db {
			return nil, nil
		}
		if from.In(loc).Format("2006-01") != "2026-11" || !to.Equal(from.AddDate(0, 1, 0)) {
			return nil, fmt.Errorf("asked for %v–%v", from, to)
		}
		out := map[string][]string{}
		for _, a := range agents {
			if a == "feed2" {
				out[a] = []string{"ticket:7", "ticket:9"}
			}
		}
		return out, nil
	})
	if err := db.AddScoreRule(ctx, callfloor.DefaultScoreRule("2026-01"), "ops"); err != nil {
		t.Fatal(err)
	}

	drafted, _, err := db.DraftScores(ctx, []string{"feed1", "feed2"}, "ft", "2026-11", loc, "lee")
	if err != nil || len(drafted) != 2 {
		t.Fatalf("drafted %+v: %v", drafted, err)
	}
	f1, f2 := drafted[0], drafted[1]
	if f1.Inputs.AHTSeconds == nil || *f1.Inputs.AHTSeconds != 220 || *f1.Inputs.AHTLimitSeconds != 180 || f1.Buckets[callfloor.BucketTimeliness] != 18 {
		t.Fatalf("feed1 timeliness: inputs %+v buckets %v", f1.Inputs, f1.Buckets)
	}
	if f1.Inputs.AccuracyPercent == nil || *f1.Inputs.AccuracyPercent != 87.5 || f1.Buckets[callfloor.BucketAccuracy] != 0 {
		t.Fatalf("feed1 accuracy: inputs %+v buckets %v", f1.Inputs, f1.Buckets)
	}
	if len(f1.Inputs.Conduct) != 1 || f1.Inputs.Conduct[0].Evidence != fmt.Sprintf("eval:%d", fatalID) || f1.Inputs.Conduct[0].Points != 10 ||
		f1.Inputs.Conduct[0].Reason != storage.FatalErrorReason || f1.Buckets[callfloor.BucketConduct] != 10 {
		t.Fatalf("feed1 fatal error: conduct %+v buckets %v", f1.Inputs.Conduct, f1.Buckets)
	}
	// the same AHT as the production report's, from raw rows and from the rollups
	for _, src := range []string{storage.SourceRollup, storage.SourceRaw} {
		rep, err := db.ProductionReport(ctx, storage.ProductionFilter{From: time.Date(2026, 11, 1, 0, 0, 0, 0, loc), To: time.Date(2026, 12, 1, 0, 0, 0, 0, loc),
			Loc: loc, Interval: storage.IntervalRange, Group: storage.GroupAgent, Source: src})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range rep.Cells {
			if f := c.Parts.Figures(); c.Key == "feed1" && (f.AHT == nil || *f.AHT != *f1.Inputs.AHTSeconds) {
				t.Errorf("%s report's AHT of feed1 %v, the score's %v", src, f.AHT, *f1.Inputs.AHTSeconds)
			}
		}
	}
	if *f2.Inputs.AHTSeconds != 150 || len(f2.Inputs.CasesOverTimeLimit) != 2 || f2.Buckets[callfloor.BucketTimeliness] != 16 || f2.Inputs.AccuracyPercent != nil {
		t.Fatalf("feed2: inputs %+v buckets %v", f2.Inputs, f2.Buckets)
	}
	// redrafted with the daily rollups kept in the centre's days (as serve keeps them): the same
	// AHT; the suggestion is not entered twice
	if _, err := db.SetRollupZone(ctx, loc); err != nil {
		t.Fatal(err)
	}
	again, _, err := db.DraftScores(ctx, []string{"feed1"}, "ft", "2026-11", loc, "lee")
	if err != nil || len(again[0].Inputs.Conduct) != 1 || *again[0].Inputs.AHTSeconds != 220 {
		t.Fatalf("redrafted: %+v %v", again, err)
	}
	// withdrawn, the suggestion is not suggested again
	entries, _ := db.ScoreEntries(ctx, []string{"feed1"}, "2026-11")
	if len(entries) != 1 || entries[0].By != "callfloor" {
		t.Fatalf("entries %+v", entries)
	}
	if err := db.DeleteScoreEntry(ctx, entries[0].ID); err != nil {
		t.Fatal(err)
	}
	again, _, err = db.DraftScores(ctx, []string{"feed1"}, "ft", "2026-11", loc, "lee")
	if err != nil || len(again[0].Inputs.Conduct) != 0 || again[0].Buckets[callfloor.BucketConduct] != 20 {
		t.Fatalf("withdrawn suggestion: %+v %v", again, err)
	}
}
