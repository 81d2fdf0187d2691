package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
)

// BenchmarkScoresMonth drafts a month's scores for 300 agents in 10 teams of one project, team by
// team as the leads do, from a month of published rosters (every weekday, 09:00–18:00), each
// rostered day's state interval (every 7th arrival 20 minutes late), 20 handled calls per agent
// and working day (rolled up), 8 QA evaluations per agent (every 25th fatal), exams and a conduct
// entry per team. Target (issue 12): under 2 s for the 300 agents together with attendance
// (attendance's own benchmark is w12-attendance's).
//
//	go test -run '^$' -bench ScoresMonth -benchtime 3x ./storage/
func BenchmarkScoresMonth(b *testing.B) {
	db := openMigrated(b)
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	const month, teams, perTeam = "2026-11", 10, 30
	exec := func(sql string, args ...any) {
		b.Helper()
		if _, err := db.Pool.Exec(ctx, sql, args...); err != nil {
			b.Fatalf("%.60s: %v", sql, err)
		}
	}
	exec(`INSERT INTO projects (id, name) VALUES ('bp', 'Bench')`)
	exec(`INSERT INTO targets (scope_kind, scope_id, aht_s) VALUES ('project', 'bp', 180)`)
	if _, err := db.PutShift(ctx, callfloor.Shift{Code: "D", Name: "Day", Start: "09:00", End: "18:00"}); err != nil {
		b.Fatal(err)
	}
	exec(`INSERT INTO teams (id, name, project_id) SELECT 'bt' || g, 'Team ' || g, 'bp' FROM generate_series(0, $1 - 1) g`, teams)
	exec(`INSERT INTO agents (id, name, endpoint, team_id) SELECT 'b' || g, 'Agent ' || g, 'PJSIP/b' || g, 'bt' || (g / $2)
		FROM generate_series(0, $1 - 1) g`, teams*perTeam, perTeam)
	// published rosters: every weekday of the month
	exec(`INSERT INTO rosters (team_id, month, status, version, published_at, published_by) SELECT id, '2026-11-01', 'published', 1, now(), 'bench' FROM teams WHERE id LIKE 'bt%'`)
	exec(`INSERT INTO roster_days (agent_id, day, team_id, shift_code, published, published_code)
		SELECT a.id, d::date, a.team_id, 'D', true, 'D' FROM agents a, generate_series('2026-11-01'::date, '2026-11-30'::date, '1 day') d
		WHERE a.id LIKE 'b%' AND extract(isodow FROM d) < 6`)
	// a day's work per rostered day (every 7th 20 min late); the day's calls
	exec(`INSERT INTO agent_state_intervals (agent_id, state, started_at, ended_at, duration_ms)
		SELECT r.agent_id, 'available', (r.day + time '09:00' + CASE WHEN (hashtext(r.agent_id) + extract(day FROM r.day)::int) % 7 = 0 THEN interval '20 minutes' ELSE interval '0' END) AT TIME ZONE 'Asia/Shanghai',
			(r.day + time '18:00') AT TIME ZONE 'Asia/Shanghai', 1000
		FROM roster_days r WHERE r.agent_id LIKE 'b%'`)
	exec(`INSERT INTO calls (id, direction, queue, agent_id, entered_at, answered_at, ended_at, wait_ms, talk_ms, wrap_ms, outcome, last_event_id)
		SELECT 'bc' || r.agent_id || '-' || r.day || '-' || k, 'inbound', 'sales', r.agent_id, t, t + interval '5 seconds', t + interval '3 minutes', 5000,
			150000 + (hashtext(r.agent_id) % 60) * 1000, 20000, 'answered', '1-' || k
		FROM roster_days r, generate_series(1, 20) k, LATERAL (SELECT (r.day + time '09:30' + k * interval '20 minutes') AT TIME ZONE 'Asia/Shanghai' AS t) x
		WHERE r.agent_id LIKE 'b%'`)
	if _, err := db.SetRollupZone(ctx, loc); err != nil { // as serve does: the daily rollups in the centre's days
		b.Fatal(err)
	}
	if _, err := db.RebuildRollups(ctx, time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		b.Fatal(err)
	}
	// QA: 8 evaluations per agent from the four answer patterns of the QA benchmark
	seedEvaluations(b, db, 4, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	exec(`INSERT INTO evaluations (call_id, agent_id, team_id, evaluator, scorecard_id, scorecard_version, answers, result, score_raw, score_final,
		fatal, non_fatal_errors, applicable, created_at, queue)
		SELECT 'be' || a.id || '-' || k, a.id, a.team_id, 'qa', 'rates', 1, s.answers, s.result, s.score_raw, s.score_final,
			s.fatal AND (hashtext(a.id) + k) % 25 = 0, s.non_fatal_errors, s.applicable, '2026-11-10T02:00:00Z'::timestamptz + k * interval '2 days', 'sales'
		FROM agents a, generate_series(1, 8) k JOIN evaluations s ON s.call_id = 'seed' || (k % 4) WHERE a.id LIKE 'b%'`)
	exec(`INSERT INTO exam_results (agent_id, month, score, entered_by) SELECT id, '2026-11-01', 70 + hashtext(id) % 30, 'tina' FROM agents WHERE id LIKE 'b%'`)
	exec(`INSERT INTO score_entries (agent_id, month, kind, points, reason, entered_by) SELECT 'b' || (g * $1), '2026-11-01', 'conduct', 3, 'late report', 'lead' FROM generate_series(0, $2 - 1) g`, perTeam, teams)
	exec(`ANALYZE`)
	if err := db.AddScoreRule(ctx, callfloor.DefaultScoreRule("2026-01"), "ops"); err != nil {
		b.Fatal(err)
	}
	team := func(i int) []string {
		out := make([]string, perTeam)
		for j := range out {
			out[j] = fmt.Sprintf("b%d", i*perTeam+j)
		}
		return out
	}
	for b.Loop() {
		n := 0
		for i := range teams {
			drafted, _, err := db.DraftScores(ctx, team(i), fmt.Sprintf("bt%d", i), month, loc, "lead")
			if err != nil {
				b.Fatal(err)
			}
			n += len(drafted)
			if i == 0 && (drafted[0].Inputs.AHTSeconds == nil || drafted[0].Inputs.AccuracyPercent == nil || drafted[0].Inputs.ExamScore == nil) {
				b.Fatalf("inputs without data: %+v", drafted[0].Inputs)
			}
		}
		if n != teams*perTeam {
			b.Fatalf("%d sheets drafted", n)
		}
	}
}
