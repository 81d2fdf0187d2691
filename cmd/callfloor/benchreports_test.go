package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor/internal/testdb"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/jackc/pgx/v5"
)

// TestBenchReportsRuns: the whole mix runs against a generated history and prints a line per
// report with its rows and timings for the raw source.
func TestBenchReportsRuns(t *testing.T) {
	t.Parallel()
	url := testenv.Postgres(t)
	ctx := context.Background()
	var errb bytes.Buffer
	if err := run(ctx, []string{"gen-history", "-database-url", url, "-seats", "20", "-from", "2026-06-08", "-to", "2026-06-10"}, &bytes.Buffer{}, &errb); err != nil {
		t.Fatalf("gen-history: %v\n%s", err, errb.String())
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"bench", "reports", "-database-url", url, "-runs", "1", "-day", "2026-06-09"}, &out, &errb); err != nil {
		t.Fatalf("bench reports: %v\n%s", err, errb.String())
	}
	o := out.String()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	for _, r := range benchReportMix(time.Date(2026, 6, 9, 0, 0, 0, 0, loc)) {
		i := strings.Index(o, "| "+r.Name+" |")
		if i < 0 {
			t.Errorf("no line for %s in\n%s", r.Name, o)
			continue
		}
		line, _, _ := strings.Cut(o[i:], "\n")
		f := strings.Split(line, "|")
		if len(f) < 7 || strings.TrimSpace(f[2]) == "0" || !strings.HasSuffix(strings.TrimSpace(f[4]), "ms") {
			t.Errorf("%s: want rows > 0 and timings: %q", r.Name, line)
		}
	}
	if !strings.Contains(o, "day 2026-06-09 Tue") || !strings.Contains(o, "**all reports**") {
		t.Errorf("header or summary missing:\n%s", o)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-runs", "0"}, "-runs"},
		{[]string{"-sources", "nope"}, `no source "nope"`},
		{[]string{"-day", "June"}, "-day"},
	} {
		err := run(ctx, append([]string{"bench", "reports", "-database-url", url}, c.args...), &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error naming %q", c.args, err, c.want)
		}
	}
}

// TestRawReportFigures: the raw source's figures on hand-made rows: a call belongs to the
// interval it entered; state time is split exactly at the interval boundaries, local days in
// the centre's time zone.
func TestRawReportFigures(t *testing.T) {
	t.Parallel()
	db, _ := testdb.Open(t)
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	at := func(h, m, s int) time.Time { return time.Date(2026, 6, 9, h, m, s, 0, loc) }
	if err := db.EnsurePartitions(ctx, at(0, 0, 0).AddDate(0, 0, -2), at(0, 0, 0).AddDate(0, 0, 2)); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO projects (id, name) VALUES ('p1', 'P1')`,
		`INSERT INTO teams (id, name, project_id) VALUES ('t1', 'T1', 'p1')`,
		`INSERT INTO queues (name, settings, project_id) VALUES ('q1', '{"service_level": 20000000000}', 'p1')`,
		`INSERT INTO agents (id, name, endpoint, team_id) VALUES ('a1', 'A', 'PJSIP/a1', 't1')`,
	} {
		if _, err := db.Pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	ins := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	// calls: entered 10:14:59 (answered in 20 s: within T), 10:15:00 (abandoned), 10:29 (answered in 21 s)
	call := `INSERT INTO calls (id, direction, queue, agent_id, entered_at, answered_at, ended_at, wait_ms, talk_ms, hold_ms, wrap_ms, outcome, last_event_id)
		VALUES ($1, 'inbound', 'q1', $2, $3, $4, $5, $6, $7, 0, 10000, $8, '1-0')`
	ins(call, "c1", "a1", at(10, 14, 59), at(10, 15, 19), at(10, 20, 0), 20000, 281000, "answered")
	ins(call, "c2", nil, at(10, 15, 0), nil, at(10, 16, 0), 60000, nil, "abandoned")
	ins(call, "c3", "a1", at(10, 29, 0), at(10, 29, 21), at(10, 31, 0), 21000, 99000, "answered")
	// states: on_call 10:10-10:40 crosses two 15-minute boundaries; available 23:50-00:10
	// crosses local midnight
	iv := `INSERT INTO agent_state_intervals (agent_id, state, started_at, ended_at, duration_ms) VALUES ('a1', $1, $2, $3, $4)`
	ins(iv, "on_call", at(10, 10, 0), at(10, 40, 0), 30*60000)
	ins(iv, "available", at(23, 50, 0), at(24, 10, 0), 20*60000)

	query := func(step string, calls bool) map[string][]int64 {
		t.Helper()
		cq, sq, err := rawQueries(reportSpec{From: at(0, 0, 0), To: at(24, 0, 0), Step: step, Group: "agent", Loc: loc})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]int64{}
		err = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT set_config('TimeZone', $1, true)`, loc.String()); err != nil {
				return err
			}
			if calls {
				rows, err := tx.Query(ctx, `SELECT to_char(b, 'HH24:MI'), offered, answered, abandoned, answered_in_t FROM (`+cq+`) x`, at(0, 0, 0), at(24, 0, 0))
				if err != nil {
					return err
				}
				for rows.Next() {
					var b string
					var o, a, ab, inT int64
					if err := rows.Scan(&b, &o, &a, &ab, &inT); err != nil {
						return err
					}
					v := out[b]
					if v == nil {
						v = make([]int64, 4)
					}
					v[0], v[1], v[2], v[3] = v[0]+o, v[1]+a, v[2]+ab, v[3]+inT
					out[b] = v
				}
				return rows.Err()
			}
			rows, err := tx.Query(ctx, `SELECT to_char(b, 'MM-DD HH24:MI') || ' ' || state, ms FROM (`+sq+`) x`, at(0, 0, 0), at(24, 0, 0))
			if err != nil {
				return err
			}
			for rows.Next() {
				var k string
				var ms int64
				if err := rows.Scan(&k, &ms); err != nil {
					return err
				}
				out[k] = []int64{ms}
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	got := query("15m", false)
	want := map[string]int64{"06-09 10:00 on_call": 5 * 60000, "06-09 10:15 on_call": 15 * 60000, "06-09 10:30 on_call": 10 * 60000, "06-09 23:45 available": 10 * 60000}
	if len(got) != len(want) {
		t.Errorf("15m states: %v, want %v", got, want)
	}
	for k, v := range want {
		if g := got[k]; len(g) != 1 || g[0] != v {
			t.Errorf("15m %s: %v ms, want %d", k, g, v)
		}
	}
	got = query("day", false)
	if g := got["06-09 00:00 available"]; len(g) != 1 || g[0] != 10*60000 || len(got) != 2 {
		t.Errorf("day states (the day ends at local midnight): %v", got)
	}
	calls := query("15m", true)
	if g := calls["10:00"]; len(g) != 4 || g[0] != 1 || g[1] != 1 || g[3] != 1 {
		t.Errorf("10:00: %v, want c1 alone (offered 1, answered 1 within T)", g)
	}
	if g := calls["10:15"]; len(g) != 4 || g[0] != 2 || g[1] != 1 || g[2] != 1 || g[3] != 0 {
		t.Errorf("10:15: %v, want c2 and c3 (offered 2, answered 1 not within T, abandoned 1)", g)
	}
}
