package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"testing"
	"time"

	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/storage"
	"github.com/callfloor/callfloor/telephony/sim"
)

// The demo's past: weeks of history of the demo's own floor before today, believable and whole
// (every working agent every day, no overlapping state time, answered calls with their agent and
// answered ring), read by the reports from the rollups exactly as from the raw rows, ending
// before today; a second seeding adds nothing.
func TestDemoHistory(t *testing.T) {
	t.Parallel()
	db, fx := openDemoDB(t, &demoSeededDB) // seedDemo ran
	ctx := context.Background()
	cfg := fx.Config
	loc := cfg.Location()
	now := time.Date(2026, 11, 18, 10, 30, 0, 0, loc) // a Wednesday
	today := time.Date(2026, 11, 18, 0, 0, 0, 0, loc)
	// a call of the live demo two days ago: that day keeps its own rows and is not generated
	live := today.AddDate(0, 0, -2).Add(9 * time.Hour)
	if err := db.EnsurePartitions(ctx, live, today); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, queue, agent_id, entered_at, answered_at, ended_at, wait_ms, talk_ms, outcome, last_event_id)
		VALUES ('live-1', 'inbound', 'support', '1013', $1, $1, $1::timestamptz + interval '1 minute', 0, 60000, 'answered', '0-1')`, live); err != nil {
		t.Fatal(err)
	}
	res, err := seedDemoHistory(ctx, db, cfg, 2, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Days) != 13 || res.SkippedDays != 1 || res.Calls == 0 || res.Buckets == 0 {
		t.Fatalf("seeded %d days (%d skipped), %d calls, %d buckets; want 13 of 14 days", len(res.Days), res.SkippedDays, res.Calls, res.Buckets)
	}
	if !res.Days[0].Equal(today.AddDate(0, 0, -14)) || !res.Days[len(res.Days)-1].Equal(today.AddDate(0, 0, -1)) {
		t.Fatalf("days %s..%s", res.Days[0], res.Days[len(res.Days)-1])
	}
	count := func(q string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := db.Pool.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}

	// every agent who works a day has a session, state time and (inbound) rings or (outbound)
	// dials that day; both projects have calls every weekday
	gen := map[string]bool{}
	for _, d := range res.Days {
		gen[d.Format(time.DateOnly)] = true
	}
	m := demoHistoryModel(cfg, res.Days[0], today.AddDate(0, 0, -1), func(d time.Time) bool { return gen[d.Format(time.DateOnly)] })
	if len(m.agents) != 24 || len(m.projects) != 2 {
		t.Fatalf("model of %d agents, %d projects; want the demo's 24 agents in 2 projects", len(m.agents), len(m.projects))
	}
	weekdays := 0
	for _, d := range res.Days {
		end := d.AddDate(0, 0, 1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			weekdays++
			for _, p := range []struct{ dir, project string }{{"outbound", "cards"}, {"inbound", "telecom"}} {
				n := count(`SELECT count(*) FROM calls c JOIN agents a ON a.id = c.agent_id JOIN teams t ON t.id = a.team_id
					WHERE c.entered_at >= $1 AND c.entered_at < $2 AND c.direction = $3 AND t.project_id = $4`, d, end, p.dir, p.project)
				if n < 100 {
					t.Errorf("%s: %d %s calls of project %s", d.Format(time.DateOnly), n, p.dir, p.project)
				}
			}
		}
		for _, a := range m.agents {
			if !a.works(d) {
				if n := count(`SELECT count(*) FROM agent_sessions WHERE agent_id = $1 AND login_at >= $2 AND login_at < $3`, a.id, d, end); n != 0 {
					t.Errorf("%s: agent %s is off but has %d sessions", d.Format(time.DateOnly), a.id, n)
				}
				continue
			}
			sessions := count(`SELECT count(*) FROM agent_sessions WHERE agent_id = $1 AND login_at >= $2 AND login_at < $3`, a.id, d, end)
			onCall := count(`SELECT count(*) FROM agent_state_intervals WHERE agent_id = $1 AND started_at >= $2 AND started_at < $3 AND state = 'on_call'`, a.id, d, end)
			paused := count(`SELECT count(DISTINCT reason) FROM agent_state_intervals WHERE agent_id = $1 AND started_at >= $2 AND started_at < $3 AND state = 'paused'`, a.id, d, end)
			if sessions != 1 || onCall < 10 || paused < 2 {
				t.Errorf("%s: agent %s works: %d sessions, %d calls taken, %d pause reasons", d.Format(time.DateOnly), a.id, sessions, onCall, paused)
			}
		}
	}
	if weekdays != 9 { // 10, but for the live day
		t.Fatalf("%d weekdays generated, want 9", weekdays)
	}
	// no agent is in two states at once (logged out included)
	if n := count(`SELECT count(*) FROM (SELECT started_at, lag(ended_at) OVER (PARTITION BY agent_id ORDER BY started_at) AS prev
		FROM agent_state_intervals) x WHERE prev > started_at`); n != 0 {
		t.Errorf("%d state intervals begin before the agent's previous one ended", n)
	}
	// every answered call has its agent and the answered ring of that agent
	if n := count(`SELECT count(*) FROM calls c WHERE c.answered_at IS NOT NULL AND c.id <> 'live-1' AND (c.agent_id IS NULL OR NOT EXISTS (
		SELECT 1 FROM offers o WHERE o.call_id = c.id AND o.call_entered_at = c.entered_at AND o.agent_id = c.agent_id AND o.result = 'answered'))`); n != 0 {
		t.Errorf("%d answered calls without their agent's answered ring", n)
	}
	// abandons, short abandons, holds, transfers and dispositions happen
	for what, q := range map[string]string{
		"abandoned":     `SELECT count(*) FROM calls WHERE outcome = 'abandoned'`,
		"short abandon": `SELECT count(*) FROM calls WHERE outcome = 'short_abandon'`,
		"holds":         `SELECT count(*) FROM calls WHERE hold_ms > 0`,
		"transfers":     `SELECT count(*) FROM calls WHERE transferred_to IS NOT NULL`,
		"dispositions":  `SELECT count(*) FROM call_dispositions`,
	} {
		if count(q) == 0 {
			t.Errorf("no %s in the demo's history", what)
		}
	}
	// nothing on the live demo's today, nothing on the live day
	if n := count(`SELECT count(*) FROM calls WHERE ended_at >= $1`, today); n != 0 {
		t.Errorf("%d generated calls end on today", n)
	}
	if n := count(`SELECT count(*) FROM agent_state_intervals WHERE ended_at > $1`, today); n != 0 {
		t.Errorf("%d generated state intervals reach into today", n)
	}
	if n := count(`SELECT count(*) FROM calls WHERE entered_at >= $1 AND entered_at < $2`, today.AddDate(0, 0, -2), today.AddDate(0, 0, -1)); n != 1 {
		t.Errorf("the live day holds %d calls, want its own one", n)
	}

	// last week's production report per project and day: both projects, from the rollups as
	// from the raw rows
	lastMon := today.AddDate(0, 0, -int(today.Weekday()+6)%7-7)
	f := storage.ProductionFilter{From: lastMon, To: lastMon.AddDate(0, 0, 7), Loc: loc, Interval: storage.IntervalDay, Group: storage.GroupProject}
	rollup, err := db.ProductionReport(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	f.Source = storage.SourceRaw
	raw, err := db.ProductionReport(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]storage.ProductionFigures{}
	for _, c := range rollup.Cells {
		fig := c.Parts.Figures()
		p := per[c.Key]
		p.Offered += fig.Offered
		p.OutboundDials += fig.OutboundDials
		p.OutboundConnects += fig.OutboundConnects
		per[c.Key] = p
	}
	if per["telecom"].Offered < 500 || per["cards"].OutboundDials < 500 {
		t.Errorf("last week: telecom offered %d, cards dialled %d", per["telecom"].Offered, per["cards"].OutboundDials)
	}
	if r := float64(per["cards"].OutboundConnects) / float64(per["cards"].OutboundDials); r < 0.3 || r > 0.4 {
		t.Errorf("last week's connect rate %.2f, want ~0.35", r)
	}
	if len(rollup.Cells) != len(raw.Cells) || len(rollup.Cells) < 12 {
		t.Fatalf("%d cells from the rollups, %d from the raw rows", len(rollup.Cells), len(raw.Cells))
	}
	for i := range rollup.Cells {
		a, b := rollup.Cells[i], raw.Cells[i]
		if !a.Start.Equal(b.Start) || a.Key != b.Key || !reflect.DeepEqual(a.Parts.Figures(), b.Parts.Figures()) {
			t.Errorf("cell %s %s: rollup %+v\nraw %+v", a.Start, a.Key, a.Parts.Figures(), b.Parts.Figures())
		}
	}
	if !reflect.DeepEqual(rollup.Totals.Figures(), raw.Totals.Figures()) {
		t.Errorf("totals: rollup %+v\nraw %+v", rollup.Totals.Figures(), raw.Totals.Figures())
	}

	// lee, team-a's lead, sent the daily reports of the last five working days, with notes
	if res.DailyReports != 5 {
		t.Errorf("%d daily reports sent, want 5", res.DailyReports)
	}
	if n := count(`SELECT count(*) FROM daily_reports WHERE team_id = 'team-a' AND lead = 'lee' AND note <> '' AND day < $1::date
		AND (report->'totals'->'figures'->>'outbound_dials')::int > 0`, today.Format(time.DateOnly)); n != 5 {
		t.Errorf("%d of lee's daily reports with a note and team-a's dials, want 5", n)
	}
	// a second seeding (a demo restart) adds nothing
	before := count(`SELECT (SELECT count(*) FROM calls) + (SELECT count(*) FROM agent_state_intervals) + (SELECT count(*) FROM agent_sessions)`)
	again, err := seedDemoHistory(ctx, db, cfg, 2, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Days) != 0 || again.SkippedDays != 14 || again.DailyReports != 0 || count(`SELECT count(*) FROM daily_reports`) != 5 {
		t.Errorf("second seeding: %d days generated, %d skipped", len(again.Days), again.SkippedDays)
	}
	if after := count(`SELECT (SELECT count(*) FROM calls) + (SELECT count(*) FROM agent_state_intervals) + (SELECT count(*) FROM agent_sessions)`); after != before {
		t.Errorf("second seeding: %d rows, then %d", before, after)
	}
	if _, err := seedDemoHistory(ctx, db, cfg, 105, now); err == nil {
		t.Error("105 weeks accepted")
	}
}

// With the demo's past in the database, today's production report still equals the wallboard's
// today figures (the past ends before today), from the rollups and from the raw rows.
func TestDemoHistoryLeavesTodaysReportTheWallboards(t *testing.T) {
	t.Parallel()
	cfg, fx := demoFixtureConfig(t, &demoHistoryDB) // seedDemo, then demoFixtureWeeks of history
	if res := fx.History; len(res.Days) != 7*demoFixtureWeeks {
		t.Fatalf("history of %d days, want %d", len(res.Days), 7*demoFixtureWeeks)
	}
	cfg.Sim.Speed = 30
	cfg.Sim.Traffic = nil // this test's own traffic, stopped before the comparison
	bg := context.Background()
	m := startMain(t, cfg, io.Discard)
	url := "http://" + m.Addr()
	tok := userToken(t, m, "sup", "supervisor")
	ctx, stop := context.WithTimeout(bg, 6*time.Second)
	defer stop()
	tr := sim.Traffic{App: cfg.ACD.App, Seed: 12}
	for _, q := range []string{"sales", "support", "billing"} {
		tr.Queues = append(tr.Queues, sim.QueueTraffic{Queue: q, CallsPerMinute: 3, PatienceMin: 2 * time.Second, PatienceMax: 90 * time.Second,
			TalkMin: 10 * time.Second, TalkMax: 40 * time.Second})
	}
	testenv.Eventually(t, 10*time.Second, "the ACD ready", func() bool { return m.ACD.Ready() == nil })
	_ = m.Sim.RunTraffic(ctx, tr) // until ctx ends
	fields := []string{"offered", "answered", "abandoned", "short_abandoned", "answered_within_t", "flowed_out", "lost", "handled",
		"service_level", "abandon_rate", "asa_s", "aht_s"}
	var last string
	agree := func() bool {
		fl, err := m.KPI.Floor(bg, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if fl.Waiting > 0 || fl.Agents.OnCall > 0 || fl.Agents.Ringing > 0 || fl.Today.Answered != fl.Today.Handled {
			last = "calls still in progress"
			return false
		}
		wb, _ := json.Marshal(fl.Today)
		var wall map[string]any
		_ = json.Unmarshal(wb, &wall)
		for _, src := range []string{"rollup", "raw"} {
			code, rep := api(t, "GET", url+"/api/v1/reports/production?direction=inbound&source="+src, tok, "")
			if code != 200 {
				t.Fatalf("report: %d %v", code, rep)
			}
			tot := rep["totals"].(map[string]any)["figures"].(map[string]any)
			for _, f := range fields {
				if fmt.Sprint(tot[f]) != fmt.Sprint(wall[f]) {
					last = fmt.Sprintf("%s: %s: report %v wallboard %v", src, f, tot[f], wall[f])
					return false
				}
			}
		}
		if wall["offered"].(float64) < 3 {
			t.Fatalf("too little traffic to compare: %v", wall)
		}
		return true
	}
	deadline := time.Now().Add(60 * time.Second)
	for !agree() {
		if time.Now().After(deadline) {
			t.Fatalf("today's report never equalled the wallboard: %s", last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
