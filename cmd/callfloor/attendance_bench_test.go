package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/storage"
	"github.com/jackc/pgx/v5"
)

// BenchmarkAttendanceMonth300 is issue 12's target: the attendance of a 300-agent centre over
// a month (storage.DB.Attendance: published roster, leave, state intervals, corrections) in under
// 2 s. The month is gen-history's (June 2026, 300 seats, seed 1) in a database of its own, with
// roster_days published for it from the simulation's own shifts (early/late, inbound/outbound,
// the agents' days off); one op = the whole month for every agent, as the sheets of all teams
// together need it.
//
//	CALLFLOOR_TEST_REDIS_URL=redis://127.0.0.1:6379/15 go test -run '^$' -bench AttendanceMonth300 -benchtime 5x ./cmd/callfloor/
func BenchmarkAttendanceMonth300(b *testing.B) {
	ctx := context.Background()
	url := testenv.Postgres(b)
	var errb bytes.Buffer
	if err := run(ctx, []string{"gen-history", "-database-url", url, "-seats", "300", "-from", "2026-06-01", "-to", "2026-06-30", "-seed", "1"}, &bytes.Buffer{}, &errb); err != nil {
		b.Fatalf("gen-history: %v\n%s", err, errb.String())
	}
	db, err := storage.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	from := time.Date(2026, 6, 1, 0, 0, 0, 0, loc)
	to := time.Date(2026, 6, 30, 0, 0, 0, 0, loc)
	m := buildGenModel(genOpts{seats: 300, agents: 300, from: from, to: to, loc: loc, seed: 1, workers: 2, dialsPer: 8000})
	if _, err := db.Pool.Exec(ctx, `INSERT INTO shifts (code, name, start_time, end_time, breaks) VALUES
		('E', 'Early', '08:00', '16:30', '[{"start":"12:00","end":"12:30"}]'), ('L', 'Late', '13:30', '22:00', '[{"start":"17:30","end":"18:00"}]'),
		('OE', 'Outbound early', '09:00', '17:30', '[{"start":"12:30","end":"13:00"}]'), ('OL', 'Outbound late', '12:30', '21:00', '[{"start":"17:00","end":"17:30"}]')`); err != nil {
		b.Fatal(err)
	}
	var rows [][]any
	for _, a := range m.agents {
		code := map[[2]bool]string{{false, false}: "E", {false, true}: "L", {true, false}: "OE", {true, true}: "OL"}[[2]bool{a.proj.outbound, a.late}]
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			var c any
			if a.works(d) {
				c = code
			}
			rows = append(rows, []any{a.id, time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC), a.team, c, true, c})
		}
	}
	if _, err := db.Pool.CopyFrom(ctx, pgx.Identifier{"roster_days"}, []string{"agent_id", "day", "team_id", "shift_code", "published", "published_code"}, pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	// a past month as autovacuum leaves it: analysed, hint bits and visibility map set (a
	// first read of freshly copied rows writes every page's hint bits, and the run during
	// autovacuum's own pass was up to 1.7 times slower)
	if _, err := db.Pool.Exec(ctx, `VACUUM (ANALYZE) roster_days, agent_state_intervals, agent_state_open`); err != nil {
		b.Fatal(err)
	}
	// and long written to disk: without it the checkpoint of the ~1 GB just written runs
	// during the timed reads (where the role may: a superuser or pg_checkpoint)
	if _, err := db.Pool.Exec(ctx, `CHECKPOINT`); err != nil {
		b.Logf("no CHECKPOINT before the timed runs: %v", err)
	}
	q := storage.AttendanceQuery{From: "2026-06-01", To: "2026-06-30", Loc: loc, Now: time.Date(2026, 7, 1, 0, 0, 0, 0, loc)}
	days, err := db.Attendance(ctx, q)
	if err != nil {
		b.Fatal(err)
	}
	late, worked := 0, 0
	for _, d := range days {
		if d.LateMinutes > 0 {
			late++
		}
		if d.FirstWork != nil {
			worked++
		}
	}
	if len(days) != 300*30 || worked < 300*15 {
		b.Fatalf("%d agent days, %d worked: want 9000 agent days, most rostered ones worked", len(days), worked)
	}
	b.Logf("%d agent days, %d worked, %d late", len(days), worked, late)
	b.ResetTimer()
	for range b.N {
		if _, err := db.Attendance(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/month")
}
