package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/storage"
)

// Report days are the centre's days: an evaluation at 20:30 UTC on Friday 20 November is
// Saturday 21 November 04:30 in Shanghai.
func TestQAReportCentreTimeZone(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	evalScorecardRow(t, db, "rates", 1, qaRateForm)
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 20, 20, 30, 0, 0, time.UTC)
	ev, err := db.CreateEvaluation(ctx, storage.NewEvaluation{CallID: "tz1", AgentID: "1001", TeamID: "team-a",
		Evaluator: "lead", ScorecardID: "rates", Answers: rateAnswers(true, true, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE evaluations SET created_at = $2 WHERE id = $1`, ev.ID, at); err != nil {
		t.Fatal(err)
	}
	from, to := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		loc  *time.Location
		want string
	}{{nil, "2026-11-20"}, {time.UTC, "2026-11-20"}, {sh, "2026-11-21"}} {
		rep, err := db.QAReport(ctx, storage.QAReportFilter{Group: storage.GroupAll, Period: storage.PeriodDay, From: from, To: to, Loc: c.loc})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Rows) != 1 || rep.Rows[0].Period != c.want {
			t.Errorf("zone %v: rows %+v, want one on %s", c.loc, rep.Rows, c.want)
		}
	}
	// The score sheet of Saturday 21 November in Shanghai holds it; Friday's does not.
	sat, err := db.ScoreSheet(ctx, "team-a", time.Date(2026, 11, 21, 12, 0, 0, 0, sh), "")
	if err != nil {
		t.Fatal(err)
	}
	if sat.Day != "2026-11-21" || sat.Evaluations != 1 || sat.Quota != 0 {
		t.Errorf("Saturday's sheet in Shanghai: %+v (a Saturday has no quota)", sat)
	}
	if got := sat.Rows[0].CreatedAt.Format(time.RFC3339); got != "2026-11-21T04:30:00+08:00" {
		t.Errorf("created_at shown as %s, want Shanghai time", got)
	}
	fri, err := db.ScoreSheet(ctx, "team-a", time.Date(2026, 11, 20, 12, 0, 0, 0, sh), "")
	if err != nil {
		t.Fatal(err)
	}
	if fri.Day != "2026-11-20" || fri.Evaluations != 0 || fri.Quota != 10 {
		t.Errorf("Friday's sheet in Shanghai: %+v, want none of a quota of 10", fri)
	}
}

// A local day across the spring DST change is 23 hours long; weeks and months start at local
// midnight.
func TestPeriodStartDST(t *testing.T) {
	t.Parallel()
	be, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	noon := time.Date(2026, 3, 29, 12, 0, 0, 0, be) // Sunday; clocks went forward at 02:00
	day := storage.PeriodStart(storage.PeriodDay, noon)
	if want := time.Date(2026, 3, 29, 0, 0, 0, 0, be); !day.Equal(want) || day.Location() != be {
		t.Errorf("day start %v, want %v", day, want)
	}
	if next := day.AddDate(0, 0, 1); next.Sub(day) != 23*time.Hour {
		t.Errorf("29 March 2026 in Berlin lasts %v, want 23h", next.Sub(day))
	}
	if w := storage.PeriodStart(storage.PeriodWeek, noon); !w.Equal(time.Date(2026, 3, 23, 0, 0, 0, 0, be)) {
		t.Errorf("week start %v", w)
	}
	if m := storage.PeriodStart(storage.PeriodMonth, noon); !m.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, be)) || m.UTC().Hour() != 23 {
		t.Errorf("month start %v (%v UTC)", m, m.UTC())
	}
	if n := storage.WorkingDays(day, day.AddDate(0, 0, 2)); n != 1 { // Sunday and Monday
		t.Errorf("working days Sun–Mon: %d", n)
	}
}

// Migration 00012 copies each evaluated call's queue onto its evaluation.
func TestEvaluationQueueBackfill(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := storage.Open(ctx, testenv.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := db.MigrateTo(ctx, 11); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, queue, node, entered_at, last_event_id) VALUES
		('c1', 'inbound', 'billing', 'pbx1', now(), '1-1'), ('c2', 'outbound', NULL, 'pbx1', now(), '1-2')`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO evaluations (call_id, agent_id, evaluator, scorecard_id, scorecard_version, answers,
		result, score_raw, score_final, fatal, non_fatal_errors, applicable)
		SELECT id, '1001', 'qa', 'card', 1, '[]', '{}', 100, 100, false, 0, 1 FROM (VALUES ('c1'), ('c2'), ('gone')) v(id)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	rows, _ := db.Pool.Query(ctx, `SELECT call_id, queue FROM evaluations`)
	for rows.Next() {
		var c, q string
		if err := rows.Scan(&c, &q); err != nil {
			t.Fatal(err)
		}
		got[c] = q
	}
	if got["c1"] != "billing" || got["c2"] != "" || got["gone"] != "" || len(got) != 3 {
		t.Errorf("queues after the migration: %v", got)
	}
}

// The report's most-failed list counts over every row: an item failed in every agent's row is
// first overall even where each row lists only its own top five.
func TestQAReportTopFailedOverall(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	evalScorecardRow(t, db, "rates", 1, qaRateForm)
	at := time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC)
	for i := range 6 {
		ev, err := db.CreateEvaluation(ctx, storage.NewEvaluation{CallID: "o" + string(rune('a'+i)), AgentID: "a" + string(rune('0'+i%3)),
			TeamID: "team-a", Evaluator: "qa", ScorecardID: "rates", Answers: rateAnswers(true, i%2 == 0, yes(false))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Pool.Exec(ctx, `UPDATE evaluations SET created_at = $2 WHERE id = $1`, ev.ID, at); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := db.QAReport(ctx, storage.QAReportFilter{Group: storage.GroupAgent, Period: storage.PeriodMonth,
		From: at.AddDate(0, 0, -1), To: at.AddDate(0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	// nf2 failed in all 6, nf1 in the 3 odd ones
	want := []storage.ItemCount{{ItemID: "nf2", Text: "Offers more", Count: 6}, {ItemID: "nf1", Text: "Summarises", Count: 3}}
	if len(rep.TopFailed) != 2 || rep.TopFailed[0] != want[0] || rep.TopFailed[1] != want[1] {
		t.Errorf("overall most failed %+v, want %+v", rep.TopFailed, want)
	}
}
