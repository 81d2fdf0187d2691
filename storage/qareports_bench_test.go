package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// seedEvaluations stores n evaluations of the qaRateForm card over 30 days from from, for 200
// agents in 14 teams by 20 evaluators, each with its call (queues q0..q2) and a dispute on
// every 25th: four answer patterns (clean, a non-fatal error, N/A, fatal) scored by the real
// CreateEvaluation, then copied with INSERT … SELECT.
func seedEvaluations(b testing.TB, db *storage.DB, n int, from time.Time) {
	b.Helper()
	ctx := context.Background()
	if _, err := db.Pool.Exec(ctx, `INSERT INTO scorecards (id, version, name, form, created_by) VALUES ('rates', 1, 'Card', $1, 'bench')`, qaRateForm); err != nil {
		b.Fatal(err)
	}
	for i, as := range [][]callfloor.Answer{rateAnswers(true, true, yes(true)), rateAnswers(true, false, yes(true)),
		rateAnswers(true, true, nil), rateAnswers(false, true, yes(false))} {
		if _, err := db.CreateEvaluation(ctx, storage.NewEvaluation{CallID: fmt.Sprintf("seed%d", i), AgentID: "a0", TeamID: "t0",
			Evaluator: "e0", ScorecardID: "rates", Answers: as}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO evaluations (call_id, agent_id, team_id, evaluator, scorecard_id, scorecard_version,
		answers, result, score_raw, score_final, fatal, non_fatal_errors, applicable, created_at, queue)
		SELECT 'c' || g, 'a' || (g % 200), 't' || (g % 200 / 15), 'e' || (g % 20), 'rates', 1, s.answers, s.result, s.score_raw,
		       s.score_final, s.fatal, s.non_fatal_errors, s.applicable, $2::timestamptz + (g * interval '30 days' / $1), 'q' || (g % 3)
		FROM generate_series(1, $1) g JOIN evaluations s ON s.call_id = 'seed' || (g % 4)`, n, from); err != nil {
		b.Fatal(err)
	}
	// the four seeds stay (evaluation history is append-only) but out of the reported month
	if _, err := db.Pool.Exec(ctx, `UPDATE evaluations SET created_at = $1 WHERE call_id LIKE 'seed%'`, from.AddDate(-1, 0, 0)); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, queue, node, caller_number, agent_id, entered_at, ended_at, outcome, last_event_id)
		SELECT 'c' || g, 'inbound', 'q' || (g % 3), 'pbx1', '555' || g, 'a' || (g % 200), $2::timestamptz + (g * interval '30 days' / $1),
		       $2::timestamptz + (g * interval '30 days' / $1) + interval '2 minutes', 'answered', '1-' || g
		FROM generate_series(1, $1) g`, n, from); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO disputes (evaluation_id, items, reason, raised_by)
		SELECT id, '["nf1"]', 'no', 'agent' FROM evaluations WHERE id % 25 = 0`); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `ANALYZE evaluations; ANALYZE calls; ANALYZE disputes`); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkQAReport: a month's QA report over 100,000 evaluations (a centre of 200 agents with
// 10 team leads' quotas and QA sampling runs about that), by agent and by queue, next to the
// raw baseline of reading the same rows' scores in one GROUP BY.
//
//	go test -run '^$' -bench QAReport -benchtime 20x ./storage/
func BenchmarkQAReport(b *testing.B) {
	db := openMigrated(b)
	ctx := context.Background()
	from := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	const n = 100_000
	seedEvaluations(b, db, n, from)
	to := from.AddDate(0, 1, 0).Add(24 * time.Hour)
	for _, group := range []string{storage.GroupAgent, storage.GroupQueue} {
		b.Run("group="+group, func(b *testing.B) {
			for b.Loop() {
				rep, err := db.QAReport(ctx, storage.QAReportFilter{Group: group, Period: storage.PeriodMonth, From: from, To: to})
				if err != nil {
					b.Fatal(err)
				}
				total := 0
				for _, r := range rep.Rows {
					total += r.Evaluations
				}
				if total != n {
					b.Fatalf("%d evaluations reported, want %d", total, n)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "evaluations/s")
		})
	}
	b.Run("baseline=sql-group-by", func(b *testing.B) {
		for b.Loop() {
			rows, err := db.Pool.Query(ctx, `SELECT agent_id, date_trunc('month', created_at), count(*), avg(score_final), sum(fatal::int), sum(non_fatal_errors)
				FROM evaluations WHERE created_at >= $1 AND created_at < $2 GROUP BY 1, 2`, from, to)
			if err != nil {
				b.Fatal(err)
			}
			k := 0
			for rows.Next() {
				k++
			}
			if rows.Err() != nil || k == 0 {
				b.Fatal(rows.Err(), k)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "evaluations/s")
	})
}
