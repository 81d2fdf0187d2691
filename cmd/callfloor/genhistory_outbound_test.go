package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/storage"
)

// outboundOnlyModel is gen-history's centre cut down to its telesales campaign: 100 agents,
// 8,000 dials a weekday.
func outboundOnlyModel(from, to time.Time, loc *time.Location) *genModel {
	m := buildGenModel(genOpts{seats: 286, agents: 286, from: from, to: to, loc: loc, seed: 3, workers: 2, dialsPer: 8000, noRecordings: true})
	var tel *genProject
	for _, p := range m.projects {
		if p.outbound {
			tel = p
		}
	}
	m.projects, m.agents = []*genProject{tel}, tel.agents
	var teams [][3]string
	for _, t := range m.teams {
		if t[2] == tel.id {
			teams = append(teams, t)
		}
	}
	m.teams = teams
	return m
}

// genOutbound generates the outbound-only centre's days into a fresh database.
func genOutbound(t *testing.T, from, to time.Time, loc *time.Location) (*storage.DB, *genModel) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, testenv.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	m := outboundOnlyModel(from, to, loc)
	if err := genSetup(ctx, db, m); err != nil {
		t.Fatal(err)
	}
	if err := db.EnsurePartitions(ctx, from.AddDate(0, 0, -1), to.AddDate(0, 0, 2)); err != nil {
		t.Fatal(err)
	}
	var days []time.Time
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		days = append(days, d)
	}
	if _, err := writeGenDays(ctx, db, m, days, 2, io.Discard); err != nil {
		t.Fatal(err)
	}
	// the outbound report reads the campaign rollups: rebuilt from the generated rows, as
	// `callfloor rollups rebuild` does after gen-history
	if _, err := db.SetRollupZone(ctx, loc); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if _, err := db.RebuildRollups(ctx, from, to.AddDate(0, 0, 1)); err != nil {
		t.Fatal(err)
	}
	t.Logf("rollups rebuilt in %s", time.Since(t0).Round(time.Millisecond))
	if _, err := db.Pool.Exec(ctx, `ANALYZE calls; ANALYZE lead_attempts; ANALYZE leads; ANALYZE rollup_campaign_day; ANALYZE rollup_campaign_leads_day; ANALYZE rollup_campaign_dispositions_day`); err != nil {
		t.Fatal(err)
	}
	return db, m
}

// The 8,000-dial day (issue 13's benchmark): gen-history's telesales campaign dials about 8,000
// numbers on a weekday, each dial a call row of the campaign with its lead and attempt; the
// outbound report's totals of that day equal the call rows and attempts exactly.
func TestOutboundReport8000DialDay(t *testing.T) {
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	day := time.Date(2026, 3, 4, 0, 0, 0, 0, loc) // a Wednesday
	db, _ := genOutbound(t, day, day, loc)
	var dials, answered, talkMs, numbers, leads, attempts, success, refused, disposed int64
	if err := db.Pool.QueryRow(ctx, `SELECT count(*), count(answered_at), coalesce(sum(talk_ms) FILTER (WHERE answered_at IS NOT NULL), 0),
		count(DISTINCT called_number), count(DISTINCT lead_id) FROM calls WHERE campaign_id = 'telesales' AND entered_at >= $1 AND entered_at < $2`,
		day, day.AddDate(0, 0, 1)).Scan(&dials, &answered, &talkMs, &numbers, &leads); err != nil {
		t.Fatal(err)
	}
	if err := db.Pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE disposition = 'success'), count(*) FILTER (WHERE disposition = 'refused'),
		count(disposition) FROM lead_attempts WHERE campaign_id = 'telesales'`).Scan(&attempts, &success, &refused, &disposed); err != nil {
		t.Fatal(err)
	}
	if dials < 7200 || dials > 8800 || attempts != dials || disposed != answered || leads >= dials {
		t.Fatalf("the day: %d dials (want about 8,000), %d attempts, %d answered, %d disposed, %d leads (some dialled twice)", dials, attempts, answered, disposed, leads)
	}
	t0 := time.Now()
	r, err := db.OutboundReport(ctx, storage.OutboundFilter{From: day, To: day.AddDate(0, 0, 1), Loc: loc, Interval: storage.IntervalDay, Group: storage.GroupCampaign})
	took := time.Since(t0)
	if err != nil {
		t.Fatal(err)
	}
	rawDay, err := db.OutboundReport(ctx, storage.OutboundFilter{From: day, To: day.AddDate(0, 0, 1), Loc: loc, Interval: storage.IntervalDay, Group: storage.GroupCampaign, Source: storage.SourceRaw})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := jsonOf(r.Totals), jsonOf(rawDay.Totals); a != b {
		t.Errorf("the rollups' totals %s\nthe raw rows' %s", a, b)
	}
	tot := r.Totals
	if tot.Dials != dials || tot.Connected != answered || tot.TalkMs() != talkMs || tot.DialledNumbers != numbers || tot.LeadsWorked != leads ||
		tot.Conversions != success || tot.Dispositions["refused"] != refused || tot.Dropped != 0 ||
		tot.Busy+tot.NoAnswer+tot.Unallocated+tot.SwitchedOff+tot.Failed+tot.Connected != dials {
		t.Errorf("report %+v\nrows: %d dials, %d connected, %d ms, %d numbers, %d leads, %d successes, %d refused", tot, dials, answered, talkMs, numbers, leads, success, refused)
	}
	if len(r.Rows) != 1 || r.Rows[0].Figures.Dials != dials || r.TotalTargets == nil || r.TotalTargets.Dials == nil {
		t.Errorf("rows %+v targets %+v", r.Rows, r.TotalTargets)
	}
	// by agent and hour: the rows add up to the day
	t1 := time.Now()
	ra, err := db.OutboundReport(ctx, storage.OutboundFilter{From: day, To: day.AddDate(0, 0, 1), Loc: loc, Interval: storage.Interval60m, Group: storage.GroupAgent})
	tookAgents := time.Since(t1)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, row := range ra.Rows {
		sum += row.Figures.Dials
	}
	if sum != dials || ra.Totals.Dials != dials {
		t.Errorf("by agent and hour: rows add to %d, totals %d, want %d", sum, ra.Totals.Dials, dials)
	}
	t.Logf("8,000-dial day: %d dials, %d connected (%.1f %%), %d conversions; report by campaign %s, by agent per hour (%d rows) %s",
		dials, answered, 100*float64(answered)/float64(dials), success, took.Round(time.Millisecond), len(ra.Rows), tookAgents.Round(time.Millisecond))
}

// The outbound report of a month of the campaign (22 weekdays, 4 Saturdays): its time for
// BENCHMARKS.md. CALLFLOOR_BENCH_OUTBOUND_MONTH=1 runs it (a minute of generation).
func TestOutboundReportMonthTiming(t *testing.T) {
	if os.Getenv("CALLFLOOR_BENCH_OUTBOUND_MONTH") == "" {
		t.Skip("CALLFLOOR_BENCH_OUTBOUND_MONTH not set")
	}
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, loc)
	to := time.Date(2026, 3, 31, 0, 0, 0, 0, loc)
	db, _ := genOutbound(t, from, to, loc)
	var rows int64
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM calls WHERE campaign_id IS NOT NULL`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	load := func() string {
		b, _ := os.ReadFile("/proc/loadavg")
		return strings.Join(strings.Fields(string(b))[:3], " ")
	}
	for _, c := range []struct{ interval, group string }{{storage.IntervalMonth, storage.GroupNone}, {storage.IntervalDay, storage.GroupCampaign},
		{storage.IntervalDay, storage.GroupTeam}, {storage.IntervalRange, storage.GroupAgent}} {
		best := map[string]time.Duration{}
		totals := map[string]string{}
		for range 3 { // the two sources alternated, the same minutes
			for _, src := range []string{storage.SourceRaw, storage.SourceRollup} {
				t0 := time.Now()
				r, err := db.OutboundReport(ctx, storage.OutboundFilter{From: from, To: to.AddDate(0, 0, 1), Loc: loc, Interval: c.interval, Group: c.group, Source: src})
				d := time.Since(t0)
				if err != nil || r.Totals.Dials != rows {
					t.Fatalf("%s %v: %d dials, want %d", src, err, r.Totals.Dials, rows)
				}
				totals[src] = jsonOf([]any{r.Rows, r.Totals})
				if best[src] == 0 || d < best[src] {
					best[src] = d
				}
			}
		}
		if totals[storage.SourceRaw] != totals[storage.SourceRollup] {
			t.Errorf("%s per %s: the rollups' report differs from the raw rows'", c.group, c.interval)
		}
		t.Logf("month (%d dials) by %s per %s: best of 3 raw %s, rollup %s (load %s)", rows, c.group, c.interval,
			best[storage.SourceRaw].Round(time.Millisecond), best[storage.SourceRollup].Round(time.Millisecond), load())
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
