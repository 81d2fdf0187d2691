package main

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/jackc/pgx/v5"
)

// TestGenHistorySmall generates three days of a 20-seat centre (across a month boundary) and
// checks that the rows are what the simulation produced, in their month partitions, and hold
// together as the history writer's rows do.
func TestGenHistorySmall(t *testing.T) {
	t.Parallel()
	url := testenv.Postgres(t)
	ctx := context.Background()
	var stderr bytes.Buffer
	args := []string{"gen-history", "-database-url", url, "-seats", "20", "-from", "2026-03-30", "-to", "2026-04-01", "-seed", "7"}
	if err := run(ctx, args, &bytes.Buffer{}, &stderr); err != nil {
		t.Fatalf("gen-history: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "rows/s") {
		t.Errorf("no rows/s on stderr:\n%s", stderr.String())
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := conn.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}

	// the same rows as the simulation gives for these days (deterministic for the seed)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	from := time.Date(2026, 3, 30, 0, 0, 0, 0, loc)
	to := time.Date(2026, 4, 1, 0, 0, 0, 0, loc)
	m := buildGenModel(genOpts{seats: 20, agents: 20, from: from, to: to, loc: loc, seed: 7, workers: 1, dialsPer: 8000})
	var want genRows
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		r := m.simulateDay(d)
		again := m.simulateDay(d)
		if !reflect.DeepEqual(r.calls, again.calls) || !reflect.DeepEqual(r.intervals, again.intervals) {
			t.Fatalf("%s: two simulations of the same day differ", d.Format("2006-01-02"))
		}
		want.calls = append(want.calls, r.calls...)
		want.offers = append(want.offers, r.offers...)
		want.intervals = append(want.intervals, r.intervals...)
		want.sessions = append(want.sessions, r.sessions...)
		want.dispositions = append(want.dispositions, r.dispositions...)
	}
	for table, n := range map[string]int{"calls": len(want.calls), "offers": len(want.offers), "agent_state_intervals": len(want.intervals),
		"agent_sessions": len(want.sessions), "call_dispositions": len(want.dispositions)} {
		if got := count(`SELECT count(*) FROM ` + table); got != n || n == 0 {
			t.Errorf("%s: %d rows, want %d (> 0)", table, got, n)
		}
	}
	// about what a 20-seat centre does in three weekdays: 20 agents, ~120 inbound calls and
	// ~80 dials per seat of their project a day
	if n := count(`SELECT count(*) FROM agents`); n != 20 {
		t.Errorf("%d agents, want 20", n)
	}
	if n := count(`SELECT count(DISTINCT agent_id) FROM agent_sessions`); n < 12 {
		t.Errorf("%d agents logged in, want most of the 20", n)
	}
	if n := count(`SELECT count(*) FROM calls WHERE direction = 'outbound'`); n < 3*7*80*8/10 || n > 3*7*80*12/10 {
		t.Errorf("%d outbound dials in 3 days, want about %d (7 campaign agents × 80 a day)", n, 3*7*80)
	}
	if n := count(`SELECT count(*) FROM calls WHERE direction = 'inbound'`); n < 3*13*60 || n > 3*13*200 {
		t.Errorf("%d inbound calls in 3 days for 13 inbound agents", n)
	}
	// projects, teams, queues: every call's queue and agent belong to the centre's projects
	if n := count(`SELECT count(DISTINCT project_id) FROM teams`); n != 3 {
		t.Errorf("teams in %d projects, want 3", n)
	}
	if n := count(`SELECT count(*) FROM calls c LEFT JOIN queues q ON q.name = c.queue WHERE c.direction = 'inbound' AND q.name IS NULL`); n != 0 {
		t.Errorf("%d inbound calls of an unknown queue", n)
	}
	if n := count(`SELECT count(*) FROM calls c LEFT JOIN agents a ON a.id = c.agent_id WHERE c.agent_id IS NOT NULL AND a.id IS NULL`); n != 0 {
		t.Errorf("%d calls of an unknown agent", n)
	}
	// month partitions, not the default ones
	for _, d := range []string{"calls_default", "offers_default", "agent_state_intervals_default"} {
		if n := count(`SELECT count(*) FROM ` + d); n != 0 {
			t.Errorf("%d rows in %s", n, d)
		}
	}
	if n := count(`SELECT count(*) FROM calls_y2026m03`) + count(`SELECT count(*) FROM calls_y2026m04`); n != len(want.calls) {
		t.Errorf("%d calls in the March and April partitions, want %d", n, len(want.calls))
	}
	// the mix the reports need: each outcome and pause reason occurs
	for _, o := range []string{"answered", "abandoned", "short_abandon", "busy", "no_answer", "failed"} {
		if n := count(`SELECT count(*) FROM calls WHERE outcome = $1`, o); n == 0 {
			t.Errorf("no %s call", o)
		}
	}
	for _, r := range []string{"break", "lunch", "missed"} {
		if n := count(`SELECT count(*) FROM agent_state_intervals WHERE state = 'paused' AND reason = $1`, r); n == 0 {
			t.Errorf("no %s pause", r)
		}
	}
	if n := count(`SELECT count(*) FROM calls WHERE transferred_to LIKE 'queue:%'`); n == 0 || n != count(
		`SELECT count(*) FROM calls n JOIN calls c ON c.id = n.transferred_from AND c.transferred_to = 'queue:' || n.queue AND n.entered_at = c.ended_at`) {
		t.Errorf("%d transfers: each must continue as a call whose transferred_from is the transferred call", n)
	}
	if r := count(`SELECT round(100.0 * count(*) FILTER (WHERE outcome = 'answered') / count(*)) FROM calls WHERE direction = 'outbound'`); r < 30 || r > 40 {
		t.Errorf("outbound connect rate %d %%, want about 35 %%", r)
	}
	if r := count(`SELECT round(100.0 * count(*) FILTER (WHERE outcome = 'answered') / count(*)) FROM calls WHERE direction = 'inbound'`); r < 70 || r > 98 {
		t.Errorf("inbound answered %d %%, want 70-98 %%", r)
	}

	// invariants, as the history writer's rows hold them
	for what, q := range map[string]string{
		"answered calls without an agent, talk or wrap": `SELECT count(*) FROM calls WHERE outcome = 'answered' AND (agent_id IS NULL OR talk_ms IS NULL OR talk_ms <= 0 OR wrap_ms IS NULL OR answered_at IS NULL)`,
		"answered calls without their answered offer": `SELECT count(*) FROM calls c WHERE outcome = 'answered' AND NOT EXISTS (
			SELECT 1 FROM offers o WHERE o.call_id = c.id AND o.result = 'answered' AND o.agent_id = c.agent_id AND o.ended_at = c.answered_at)`,
		"calls whose times or ms disagree": `SELECT count(*) FROM calls WHERE NOT (ended_at >= entered_at
			AND wait_ms = (extract(epoch FROM coalesce(answered_at, ended_at) - entered_at) * 1000)::bigint
			AND (answered_at IS NULL OR talk_ms + hold_ms = (extract(epoch FROM ended_at - answered_at) * 1000)::bigint)
			AND offers = (SELECT count(*) FROM offers o WHERE o.call_id = calls.id)
			AND coalesce(ring_ms, 0) = coalesce((SELECT sum(ring_ms) FROM offers o WHERE o.call_id = calls.id), 0))`,
		"unanswered calls with an answer":    `SELECT count(*) FROM calls WHERE outcome <> 'answered' AND (answered_at IS NOT NULL OR talk_ms IS NOT NULL)`,
		"short abandons over 5 s":            `SELECT count(*) FROM calls WHERE outcome = 'short_abandon' AND wait_ms > 5000`,
		"offers whose ring time disagrees":   `SELECT count(*) FROM offers WHERE ring_ms <> (extract(epoch FROM ended_at - started_at) * 1000)::bigint`,
		"intervals whose duration disagrees": `SELECT count(*) FROM agent_state_intervals WHERE duration_ms <> (extract(epoch FROM ended_at - started_at) * 1000)::bigint OR duration_ms < 0`,
		"overlapping intervals of an agent": `SELECT count(*) FROM (SELECT started_at, lag(ended_at) OVER (PARTITION BY agent_id ORDER BY started_at) AS prev
			FROM agent_state_intervals) x WHERE started_at < prev`,
		"gaps between an agent's intervals": `SELECT count(*) FROM (SELECT started_at, lag(ended_at) OVER (PARTITION BY agent_id ORDER BY started_at) AS prev
			FROM agent_state_intervals) x WHERE prev IS NOT NULL AND started_at <> prev`,
		"intervals outside a session": `SELECT count(*) FROM agent_state_intervals i WHERE state <> 'logged_out' AND NOT EXISTS (
			SELECT 1 FROM agent_sessions s WHERE s.agent_id = i.agent_id AND s.login_at <= i.started_at AND s.logout_at >= i.ended_at)`,
		"sessions whose state time is not their length": `SELECT count(*) FROM agent_sessions s WHERE (extract(epoch FROM logout_at - login_at) * 1000)::bigint <>
			(SELECT sum(duration_ms) FROM agent_state_intervals i WHERE i.agent_id = s.agent_id AND i.state <> 'logged_out'
			   AND i.started_at >= s.login_at AND i.ended_at <= s.logout_at)`,
		"on-call or ringing intervals without their call": `SELECT count(*) FROM agent_state_intervals i WHERE state IN ('ringing', 'on_call') AND NOT EXISTS (
			SELECT 1 FROM calls c WHERE c.id = i.call_id AND c.direction = i.direction)`,
		"on-call intervals other than the answered calls' talk": `SELECT count(*) FROM calls c WHERE direction = 'inbound' AND outcome = 'answered' AND NOT EXISTS (
			SELECT 1 FROM agent_state_intervals i WHERE i.agent_id = c.agent_id AND i.call_id = c.id AND i.state = 'on_call'
			  AND i.started_at = c.answered_at AND i.ended_at = c.ended_at)`,
		"missed rings without a missed pause": `SELECT count(*) FROM offers o WHERE result = 'no_answer' AND call_id IN (SELECT id FROM calls WHERE direction = 'inbound')
			AND NOT EXISTS (SELECT 1 FROM agent_state_intervals i WHERE i.agent_id = o.agent_id AND i.started_at = o.ended_at AND i.reason = 'missed')`,
		"dispositions of no answered call": `SELECT count(*) FROM call_dispositions d WHERE NOT EXISTS (SELECT 1 FROM calls c WHERE c.id = d.call_id AND c.outcome = 'answered')`,
	} {
		if n := count(q); n != 0 {
			t.Errorf("%d %s", n, what)
		}
	}

	// a second run into the same database is refused (the rows would be duplicates)
	if err := run(ctx, args, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "already holds calls") {
		t.Errorf("second run: %v, want a refusal", err)
	}
}

func TestGenHistoryFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{}, "-database-url is required"},
		{[]string{"-database-url", "postgres://x/y", "-seats", "2"}, "-seats"},
		{[]string{"-database-url", "postgres://x/y", "-from", "2026-13-01"}, "-from"},
		{[]string{"-database-url", "postgres://x/y", "-from", "2026-05-02", "-to", "2026-05-01"}, "-from must be on or before -to"},
		{[]string{"-database-url", "postgres://x/y", "-tz", "Mars/Olympus"}, "-tz"},
	} {
		err := run(context.Background(), append([]string{"gen-history"}, c.args...), &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error naming %q", c.args, err, c.want)
		}
	}
}
