package storage_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
)

// mixedTraffic writes n calls of every kind through the change stream, around 15-minute
// boundaries, plus agent state changes: answered (within and beyond T, after a missed ring),
// abandoned, short abandons, flowed out, outbound answered and busy.
func mixedTraffic(t testing.TB, e *histEnv, start time.Time, n int) {
	t.Helper()
	ctx := context.Background()
	rnd := rand.New(rand.NewSource(7))
	at := func(s float64) time.Time { return start.Add(time.Duration(s * float64(time.Second))) }
	for _, a := range []string{"a1", "a2", "a3"} {
		if err := e.store.UpsertAgent(ctx, callfloor.Agent{ID: a, Endpoint: "PJSIP/" + a, Skills: map[string]int{"sales": 1}}, at(-60)); err != nil {
			t.Fatal(err)
		}
	}
	tr := func(agent string, to callfloor.AgentState, s float64, reason string) {
		t.Helper()
		if _, err := e.store.Transition(ctx, realtime.Transition{Agent: agent, To: to, Reason: reason, Now: at(s)}); err != nil {
			t.Fatal(err)
		}
	}
	tr("a1", callfloor.AgentAvailable, 0, "")
	tr("a2", callfloor.AgentAvailable, 0, "")
	tr("a3", callfloor.AgentAvailable, 0, "")
	for i := 0; i < n; i++ {
		s := float64(i*97) + float64(rnd.Intn(30))
		agent := []string{"a1", "a2", "a3"}[i%3]
		c := &callfloor.Call{ID: fmt.Sprintf("m%d", i), Direction: callfloor.Inbound, State: callfloor.CallWaiting,
			Queue: []string{"sales", "support"}[i%2], Node: "ast1", CallerNumber: fmt.Sprintf("+86%d", i%7), EnteredAt: at(s)}
		kind := i % 7
		if kind == 6 {
			c.Direction, c.Queue, c.Agent, c.CalledNumber, c.CallerNumber = callfloor.Outbound, "", agent, fmt.Sprintf("555%d", i%5), ""
			c.State = callfloor.CallDialing
		}
		e.save(t, callfloor.EvCallEntered, c.EnteredAt, c)
		wait := float64(rnd.Intn(40))
		switch kind {
		case 0, 1, 2: // answered, kind 2 after a missed ring
			if kind == 2 {
				c.Offers = append(c.Offers, callfloor.Offer{Agent: "a3", Channel: "PJSIP/a3-1", Start: at(s + 1)})
				e.save(t, callfloor.EvCallOffered, at(s+1), c)
				c.Offers[0].End, c.Offers[0].Result = at(s+3), callfloor.OfferNoAnswer
				e.save(t, callfloor.EvCallOfferEnded, at(s+3), c)
				wait += 4
			}
			c.Offers = append(c.Offers, callfloor.Offer{Agent: agent, Channel: "PJSIP/x", Start: at(s + wait - 1)})
			c.FirstOfferAt = c.Offers[0].Start
			e.save(t, callfloor.EvCallOffered, at(s+wait-1), c)
			c.Offers[len(c.Offers)-1].End, c.Offers[len(c.Offers)-1].Result = at(s+wait), callfloor.OfferAnswered
			c.State, c.AnsweredAt, c.Agent = callfloor.CallTalking, at(s+wait), agent
			e.save(t, callfloor.EvCallAnswered, at(s+wait), c)
			wrap, hold := int64(5000), int64(1000*(i%3))
			c.State, c.EndedAt, c.Outcome, c.WrapMs, c.HoldMs = callfloor.CallEnded, at(s+wait+30+float64(i%50)), callfloor.OutcomeAnswered, &wrap, &hold
			if i%5 == 0 {
				c.TransferredTo = "queue:support"
			}
			e.save(t, callfloor.EvCallEnded, c.EndedAt, c)
		case 3, 4: // abandoned (kind 4 short: within 5 s)
			w := wait
			c.Outcome = callfloor.OutcomeAbandoned
			if kind == 4 {
				w, c.Outcome = 3, callfloor.OutcomeShortAbandon
			}
			c.State, c.EndedAt = callfloor.CallEnded, at(s+w)
			e.save(t, callfloor.EvCallEnded, c.EndedAt, c)
		case 5:
			c.State, c.EndedAt, c.Outcome = callfloor.CallEnded, at(s+60), callfloor.OutcomeFlowedOut
			e.save(t, callfloor.EvCallEnded, c.EndedAt, c)
		case 6:
			if i%2 == 0 {
				c.AnsweredAt = at(s + 8)
				c.State, c.EndedAt, c.Outcome = callfloor.CallEnded, at(s+70), callfloor.OutcomeAnswered
			} else {
				c.State, c.EndedAt, c.Outcome = callfloor.CallEnded, at(s+9), callfloor.OutcomeBusy
			}
			e.save(t, callfloor.EvCallEnded, c.EndedAt, c)
		}
		if i%4 == 1 {
			tr(agent, callfloor.AgentPaused, s+5, []string{"lunch", "break"}[(i/4)%2])
			tr(agent, callfloor.AgentAvailable, s+50, "")
		}
	}
	last := float64(n*97 + 100)
	tr("a1", callfloor.AgentLoggedOut, last, "")
	tr("a2", callfloor.AgentLoggedOut, last, "")
	tr("a3", callfloor.AgentLoggedOut, last+1, "")
}

// rollupSnapshot is the content of the rollup tables, in order.
func rollupSnapshot(t testing.TB, db *storage.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT to_json(r)::text FROM rollup_calls r ORDER BY bucket, queue, agent_id, direction`,
		`SELECT to_json(r)::text FROM rollup_states r ORDER BY bucket, agent_id, state, reason`,
		`SELECT to_json(r)::text FROM rollup_offers r ORDER BY bucket, queue, agent_id`,
		`SELECT to_json(r)::text FROM rollup_calls_day r ORDER BY day, queue, agent_id, direction`,
		`SELECT to_json(r)::text FROM rollup_states_day r ORDER BY day, agent_id, state, reason`,
		`SELECT to_json(r)::text FROM rollup_offers_day r ORDER BY day, queue, agent_id`,
		`SELECT to_json(r)::text FROM rollup_dispositions r ORDER BY bucket, queue, agent_id, direction, code`,
		`SELECT to_json(r)::text FROM rollup_numbers r ORDER BY bucket, queue, agent_id, direction, called_number`,
		`SELECT to_json(r)::text FROM rollup_dispositions_day r ORDER BY day, queue, agent_id, direction, code`,
		`SELECT to_json(r)::text FROM rollup_numbers_day r ORDER BY day, queue, agent_id, direction, called_number`,
		`SELECT to_json(r)::text FROM rollup_numbers_cells r ORDER BY bucket, queue, agent_id, direction`,
		`SELECT to_json(r)::text FROM rollup_numbers_cells_day r ORDER BY day, queue, agent_id, direction`,
		`SELECT to_json(r)::text FROM rollup_campaign r ORDER BY bucket, campaign_id, agent_id`,
		`SELECT to_json(r)::text FROM rollup_campaign_dispositions r ORDER BY bucket, campaign_id, agent_id, code`,
		`SELECT to_json(r)::text FROM rollup_campaign_leads r ORDER BY bucket, campaign_id, agent_id, called_number, lead_id`,
		`SELECT to_json(r)::text FROM rollup_campaign_day r ORDER BY day, campaign_id, agent_id`,
		`SELECT to_json(r)::text FROM rollup_campaign_dispositions_day r ORDER BY day, campaign_id, agent_id, code`,
		`SELECT to_json(r)::text FROM rollup_campaign_leads_day r ORDER BY day, campaign_id, agent_id, called_number, lead_id`,
	} {
		rows, err := db.Pool.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			b.WriteString(s + "\n")
		}
		rows.Close()
	}
	return b.String()
}

func report(t testing.TB, db *storage.DB, f storage.ProductionFilter) string {
	t.Helper()
	r, err := db.ProductionReport(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Start, End time.Time
		Key        string
		F          storage.ProductionFigures
	}
	var out []row
	for _, c := range r.Cells {
		out = append(out, row{c.Start, c.End, c.Key, c.Parts.Figures()})
	}
	out = append(out, row{Key: "TOTAL", F: r.Totals.Figures()})
	b, _ := json.MarshalIndent(out, "", " ")
	return string(b)
}

// TestRollupsEqualRawAfterReplay: the rollups the writer maintains equal the raw recomputation,
// after a first pass, after replaying the whole stream one event per batch, and after a rebuild;
// every report read from them equals the same report computed from the raw rows.
func TestRollupsEqualRawAfterReplay(t *testing.T) {
	t.Parallel()
	e := newHistEnv(t)
	ctx := context.Background()
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	if _, err := e.db.SetRollupZone(ctx, shanghai); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 2, 15, 10, 0, 0, time.UTC) // 23:10 in Shanghai: two local days
	mixedTraffic(t, e, start, 60)
	w, stop := e.start(t, e.db, storage.WriterOptions{Consumer: "w1", BatchSize: 7})
	drained(t, w, 20*time.Second)
	stop()
	first := rollupSnapshot(t, e.db)
	if !strings.Contains(first, `"offered":`) || !strings.Contains(first, `"state":"paused"`) || !strings.Contains(first, `"missed":1`) ||
		!strings.Contains(first, `"day":"2026-03-02"`) || !strings.Contains(first, `"day":"2026-03-03"`) {
		t.Fatalf("rollups incomplete:\n%s", first)
	}
	assertDailyFromScratch(t, e.db, shanghai)
	// Replay everything, one event per batch: nothing may double.
	if err := e.rdb.XGroupDestroy(ctx, e.stream, "history").Err(); err != nil {
		t.Fatal(err)
	}
	w, stop = e.start(t, e.db, storage.WriterOptions{Consumer: "w2", BatchSize: 1})
	drained(t, w, 90*time.Second) // one event per transaction: 30 s ran out beside the other tests
	stop()
	if again := rollupSnapshot(t, e.db); again != first {
		t.Errorf("rollups changed by a replay:\n%s\nwas:\n%s", again, first)
	}
	// A rebuild from the raw rows gives the same tables, daily level included.
	if _, err := e.db.Pool.Exec(ctx, truncateRollups); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.RebuildRollups(ctx, start.Add(-time.Hour), start.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if rebuilt := rollupSnapshot(t, e.db); rebuilt != first {
		t.Errorf("rebuilt rollups differ from the incremental ones:\n%s\nincremental:\n%s", rebuilt, first)
	}
	// Reports: rollup == raw, for every interval and grouping (day, week, month and range from
	// the daily level).
	from := time.Date(2026, 3, 2, 0, 0, 0, 0, shanghai)
	for _, iv := range storage.ProductionIntervals {
		for _, g := range storage.ProductionGroups {
			f := storage.ProductionFilter{From: from, To: from.AddDate(0, 0, 2), Loc: shanghai, Interval: iv, Group: g}
			rf := f
			rf.Source = storage.SourceRaw
			a, b := report(t, e.db, f), report(t, e.db, rf)
			if a != b {
				t.Errorf("%s/%s: rollup report\n%s\nraw report\n%s", iv, g, a, b)
			}
		}
	}
	// and the totals are the calls themselves
	r, err := e.db.ProductionReport(ctx, storage.ProductionFilter{From: from, To: from.AddDate(0, 0, 2), Loc: shanghai, Interval: storage.IntervalDay})
	if err != nil {
		t.Fatal(err)
	}
	tf := r.Totals.Figures()
	if want := e.count(t, `SELECT count(*) FROM calls WHERE direction = 'inbound'`); tf.Offered != int64(want) || want == 0 {
		t.Errorf("offered %d, want %d", tf.Offered, want)
	}
	if want := e.count(t, `SELECT count(*) FROM calls WHERE direction = 'outbound'`); tf.OutboundDials != int64(want) || want == 0 {
		t.Errorf("dials %d, want %d", tf.OutboundDials, want)
	}
	if tf.MissedRings == 0 || tf.Transfers == 0 || tf.ShortAbandoned == 0 || tf.FlowedOut == 0 || tf.LoggedIn == nil || tf.PausedByReason["lunch"] == 0 {
		t.Errorf("figures missing something: %+v", tf)
	}
}

// TestProductionIntervalSplitting: state time is split exactly at interval boundaries (15 and
// 30 minutes, local midnight), a day across a DST change has 23 or 25 hours, the repeated hour
// of DST's end is two rows, a call belongs to the interval it entered; from the raw rows and from
// rebuilt rollups alike.
func TestProductionIntervalSplitting(t *testing.T) {
	t.Parallel()
	e := newHistEnv(t)
	ctx := context.Background()
	london, _ := time.LoadLocation("Europe/London")
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	state := func(agent, st, reason string, from, to time.Time) {
		t.Helper()
		if _, err := e.db.Pool.Exec(ctx, `INSERT INTO agent_state_intervals (agent_id, state, reason, started_at, ended_at, duration_ms)
			VALUES ($1, $2, nullif($3, ''), $4, $5, $6)`, agent, st, reason, from, to, to.Sub(from).Milliseconds()); err != nil {
			t.Fatal(err)
		}
	}
	state("b1", "available", "", utc("2026-03-02T09:50:00Z"), utc("2026-03-02T10:20:00Z"))
	state("b1", "logged_out", "", utc("2026-03-02T10:20:00Z"), utc("2026-03-02T15:00:00Z"))
	state("b2", "paused", "lunch", utc("2026-03-02T15:50:00Z"), utc("2026-03-02T16:10:00Z")) // 23:50–00:10 in Shanghai
	state("b3", "available", "", utc("2026-03-29T00:00:00Z"), utc("2026-03-29T23:00:00Z"))   // London's 23-hour day
	state("b3", "available", "", utc("2026-10-24T23:00:00Z"), utc("2026-10-26T00:00:00Z"))   // London's 25-hour day
	if _, err := e.db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, queue, entered_at, answered_at, ended_at, wait_ms, talk_ms, outcome, last_event_id)
		VALUES ('edge', 'inbound', 'sales', '2026-03-02T09:59:59.999Z', '2026-03-02T10:00:30Z', '2026-03-02T10:05:00Z', 30001, 270000, 'answered', '1-0')`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.RebuildRollups(ctx, utc("2026-03-01T00:00:00Z"), utc("2026-10-27T00:00:00Z")); err != nil {
		t.Fatal(err)
	}
	type row struct {
		start  string
		logged float64
		extra  string
	}
	check := func(name string, f storage.ProductionFilter, want []row) {
		t.Helper()
		for _, src := range []string{storage.SourceRollup, storage.SourceRaw} {
			f.Source = src
			r, err := e.db.ProductionReport(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var got []row
			for _, c := range r.Cells {
				fg := c.Parts.Figures()
				x := row{start: c.Start.In(f.Loc).Format("01-02T15:04Z07:00")}
				if fg.LoggedIn != nil {
					x.logged = *fg.LoggedIn
				}
				if fg.Offered > 0 {
					x.extra = fmt.Sprintf("offered %d handled %d", fg.Offered, fg.Handled)
				}
				if f.Interval == storage.IntervalDay {
					x.extra += fmt.Sprintf(" %gh", c.End.Sub(c.Start).Hours())
				}
				got = append(got, x)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s (%s):\n got %v\nwant %v", name, src, got, want)
			}
		}
	}
	day := func(loc *time.Location, y int, m time.Month, d, n int) (time.Time, time.Time) {
		return time.Date(y, m, d, 0, 0, 0, 0, loc), time.Date(y, m, d+n, 0, 0, 0, 0, loc)
	}
	from, to := day(time.UTC, 2026, 3, 2, 1)
	from, to = from.Add(9*time.Hour), from.Add(11*time.Hour)
	check("30 minutes", storage.ProductionFilter{From: from, To: to, Loc: time.UTC, Interval: storage.Interval30m, Group: storage.GroupNone},
		[]row{{"03-02T09:30Z", 600, "offered 1 handled 1"}, {"03-02T10:00Z", 1200, ""}})
	check("15 minutes", storage.ProductionFilter{From: from, To: to, Loc: time.UTC, Interval: storage.Interval15m},
		[]row{{"03-02T09:45Z", 600, "offered 1 handled 1"}, {"03-02T10:00Z", 900, ""}, {"03-02T10:15Z", 300, ""}})
	check("business hours 10:00-10:15", storage.ProductionFilter{From: from, To: to, Loc: time.UTC, Interval: storage.Interval15m, HoursFrom: 600, HoursTo: 615},
		[]row{{"03-02T10:00Z", 900, ""}})
	check("weekdays exclude Monday", storage.ProductionFilter{From: from, To: to, Loc: time.UTC, Interval: storage.Interval15m, Weekdays: []int{2, 3}}, nil)

	from, to = day(shanghai, 2026, 3, 2, 2)
	check("Shanghai midnight", storage.ProductionFilter{From: from, To: to, Loc: shanghai, Interval: storage.IntervalDay, Agent: "b2"},
		[]row{{"03-02T00:00+08:00", 600, " 24h"}, {"03-03T00:00+08:00", 600, " 24h"}})

	from, to = day(london, 2026, 3, 29, 1)
	check("London spring", storage.ProductionFilter{From: from, To: to, Loc: london, Interval: storage.IntervalDay, Agent: "b3"},
		[]row{{"03-29T00:00Z", 23 * 3600, " 23h"}})
	from, to = day(london, 2026, 10, 25, 1)
	check("London autumn", storage.ProductionFilter{From: from, To: to, Loc: london, Interval: storage.IntervalDay, Agent: "b3"},
		[]row{{"10-25T00:00+01:00", 25 * 3600, " 25h"}})
	var hours []row
	for h := from; h.Before(to); h = h.Add(time.Hour) {
		hours = append(hours, row{h.In(london).Format("01-02T15:04Z07:00"), 3600, ""})
	}
	if len(hours) != 25 || hours[1].start != "10-25T01:00+01:00" || hours[2].start != "10-25T01:00Z" {
		t.Fatalf("test's own hours: %v", hours)
	}
	check("London autumn hours", storage.ProductionFilter{From: from, To: to, Loc: london, Interval: storage.Interval60m, Agent: "b3"}, hours)
}

// TestRollupsTwoWritersConcurrently: two writers sharing the stream in small batches (so that
// they refresh the same buckets at the same time) leave the rollups a rebuild would compute.
func TestRollupsTwoWritersConcurrently(t *testing.T) {
	t.Parallel()
	e := newHistEnv(t)
	ctx := context.Background()
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	if _, err := e.db.SetRollupZone(ctx, shanghai); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 2, 15, 10, 0, 0, time.UTC) // across Shanghai's midnight
	mixedTraffic(t, e, start, 80)
	w1, stop1 := e.start(t, e.db, storage.WriterOptions{Consumer: "w1", BatchSize: 3})
	w2, stop2 := e.start(t, e.db, storage.WriterOptions{Consumer: "w2", BatchSize: 3})
	drained(t, w1, 30*time.Second)
	drained(t, w2, 30*time.Second)
	stop1()
	stop2()
	got := rollupSnapshot(t, e.db)
	assertDailyFromScratch(t, e.db, shanghai)
	if _, err := e.db.Pool.Exec(ctx, truncateRollups); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.RebuildRollups(ctx, start.Add(-time.Hour), start.Add(4*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if want := rollupSnapshot(t, e.db); got != want {
		t.Errorf("rollups of two concurrent writers:\n%s\nrebuilt:\n%s", got, want)
	}
}

// dailySnapshot is the content of the daily rollup tables, in order.
func dailySnapshot(t testing.TB, db *storage.DB) string {
	t.Helper()
	snap := rollupSnapshot(t, db)
	var b strings.Builder
	for _, l := range strings.Split(snap, "\n") {
		if strings.Contains(l, `"day":`) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// assertDailyFromScratch: the daily level maintained incrementally equals the daily level
// recomputed from scratch from the 15-minute rollups (SetRollupZone after a zone change).
func assertDailyFromScratch(t testing.TB, db *storage.DB, loc *time.Location) {
	t.Helper()
	ctx := context.Background()
	got := dailySnapshot(t, db)
	if got == "" {
		t.Fatal("no daily rollups")
	}
	assertNumberCells(t, db)
	if _, err := db.SetRollupZone(ctx, time.UTC); err != nil {
		t.Fatal(err)
	}
	if changed, err := db.SetRollupZone(ctx, loc); err != nil || !changed {
		t.Fatal(changed, err)
	}
	if want := dailySnapshot(t, db); got != want {
		t.Errorf("daily rollups maintained incrementally:\n%s\nrecomputed:\n%s", got, want)
	}
}

// TestDailyRollupsFollowRawChanges: rebuilding buckets whose raw rows changed (a call's agent
// moved, the day's longest wait shortened, a state interval removed) leaves the daily level equal
// to its recomputation (a daily row without 15-minute rows is gone, the longest wait is the new
// one), and day/week/month/range reports read the daily level and equal the raw ones.
func TestDailyRollupsFollowRawChanges(t *testing.T) {
	t.Parallel()
	e := newHistEnv(t)
	ctx := context.Background()
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := e.db.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO calls (id, direction, queue, agent_id, entered_at, answered_at, ended_at, wait_ms, talk_ms, outcome, last_event_id) VALUES
	  ('c1', 'inbound', 'sales', 'a1', '2026-03-02T02:00:00Z', '2026-03-02T02:01:30Z', '2026-03-02T02:05:00Z', 90000, 210000, 'answered', '1-0'),
	  ('c2', 'inbound', 'sales', 'a1', '2026-03-02T03:00:00Z', '2026-03-02T03:00:10Z', '2026-03-02T03:05:00Z', 10000, 290000, 'answered', '1-1'),
	  ('c3', 'inbound', 'sales', 'a2', '2026-03-02T15:59:00Z', '2026-03-02T16:00:20Z', '2026-03-02T16:05:00Z', 80000, 280000, 'answered', '1-2'),
	  ('c4', 'outbound', NULL, 'a2', '2026-03-03T01:00:00Z', '2026-03-03T01:00:05Z', '2026-03-03T01:03:00Z', NULL, 175000, 'answered', '1-3')`)
	exec(`UPDATE calls SET called_number = '5551' WHERE id = 'c4'`)
	exec(`INSERT INTO agent_state_intervals (agent_id, state, reason, started_at, ended_at, duration_ms) VALUES
	  ('a1', 'available', NULL, '2026-03-02T01:00:00Z', '2026-03-02T02:00:00Z', 3600000),
	  ('a1', 'paused', 'lunch', '2026-03-02T04:00:00Z', '2026-03-02T04:30:00Z', 1800000),
	  ('a2', 'available', NULL, '2026-03-02T15:30:00Z', '2026-03-02T16:30:00Z', 3600000)`)
	if _, err := e.db.SetRollupZone(ctx, shanghai); err != nil {
		t.Fatal(err)
	}
	from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, shanghai), time.Date(2026, 3, 5, 0, 0, 0, 0, shanghai)
	if _, err := e.db.RebuildRollups(ctx, from, to); err != nil {
		t.Fatal(err)
	}
	assertDailyFromScratch(t, e.db, shanghai)
	before := dailySnapshot(t, e.db)
	if !strings.Contains(before, `"max_wait_ms":90000`) || !strings.Contains(before, `"state":"paused"`) {
		t.Fatalf("daily rollups:\n%s", before)
	}
	// c1 (the day's longest wait of a1) moves to a3 and c2's wait shrinks; the lunch never was.
	exec(`UPDATE calls SET agent_id = 'a3' WHERE id = 'c1'`)
	exec(`UPDATE calls SET wait_ms = 5000 WHERE id = 'c2'`)
	exec(`DELETE FROM agent_state_intervals WHERE reason = 'lunch'`)
	if _, err := e.db.RebuildRollups(ctx, from, to); err != nil {
		t.Fatal(err)
	}
	after := dailySnapshot(t, e.db)
	if strings.Contains(after, `"max_wait_ms":90000,"handled":1`) && strings.Contains(after, `"agent_id":"a1","direction":"inbound","n":2`) {
		t.Errorf("a1's daily row still counts c1:\n%s", after)
	}
	if strings.Contains(after, `"state":"paused"`) || strings.Contains(after, `"n":0`) {
		t.Errorf("daily rows without 15-minute rows left:\n%s", after)
	}
	assertDailyFromScratch(t, e.db, shanghai)
	for _, iv := range []string{storage.IntervalDay, storage.IntervalWeek, storage.IntervalMonth, storage.IntervalRange} {
		for _, g := range storage.ProductionGroups {
			f := storage.ProductionFilter{From: from, To: to, Loc: shanghai, Interval: iv, Group: g}
			rf := f
			rf.Source = storage.SourceRaw
			if a, b := report(t, e.db, f), report(t, e.db, rf); a != b {
				t.Errorf("%s/%s: rollup report\n%s\nraw report\n%s", iv, g, a, b)
			}
		}
	}
	// The day reports read the daily level (a figure planted there shows), other reports not.
	exec(`UPDATE rollup_calls_day SET transfers = transfers + 1000 WHERE agent_id = 'a3'`)
	daily, err := e.db.ProductionReport(ctx, storage.ProductionFilter{From: from, To: to, Loc: shanghai, Interval: storage.IntervalMonth})
	if err != nil {
		t.Fatal(err)
	}
	hourly, err := e.db.ProductionReport(ctx, storage.ProductionFilter{From: from, To: to, Loc: shanghai, Interval: storage.Interval60m})
	if err != nil {
		t.Fatal(err)
	}
	utc, err := e.db.ProductionReport(ctx, storage.ProductionFilter{From: from, To: to, Loc: time.UTC, Interval: storage.IntervalDay})
	if err != nil {
		t.Fatal(err)
	}
	if daily.Totals.Transfers != 1000 || hourly.Totals.Transfers != 0 || utc.Totals.Transfers != 0 {
		t.Errorf("transfers: month %d (want 1000, the daily level), hourly %d and UTC days %d (want 0, the 15-minute level)",
			daily.Totals.Transfers, hourly.Totals.Transfers, utc.Totals.Transfers)
	}
}

const truncateRollups = `TRUNCATE rollup_calls, rollup_states, rollup_offers, rollup_calls_day, rollup_states_day, rollup_offers_day,
  rollup_dispositions, rollup_dispositions_day, rollup_numbers, rollup_numbers_day,
  rollup_campaign, rollup_campaign_day, rollup_campaign_dispositions, rollup_campaign_dispositions_day, rollup_campaign_leads, rollup_campaign_leads_day`

// TestDispositionAndNumberRollups: the dispositions and the dialled numbers have rollups at both
// levels, kept equal to their recomputation from the raw rows when a disposition is set before
// the history has its call (the writer's batch counts it), after (the disposition's own
// transaction counts it), changed or cleared, and after a replay; every report from the rollups
// equals the raw one, and the day-level reports read those rollups, not the raw rows.
func TestDispositionAndNumberRollups(t *testing.T) {
	t.Parallel()
	e := newHistEnv(t)
	ctx := context.Background()
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	if _, err := e.db.SetRollupZone(ctx, shanghai); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 2, 15, 10, 0, 0, time.UTC) // 23:10 in Shanghai: two local days
	mixedTraffic(t, e, start, 60)
	set := func(call, code string) {
		t.Helper()
		d := storage.CallDisposition{CallID: call, Code: code, Label: code, SetBy: "a1", SetAt: start.Add(2 * time.Hour)}
		if err := e.db.SetCallDisposition(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	// before the writer has the calls
	set("m0", "sale")
	set("m6", "callback")
	set("m7", "sale")
	w, stop := e.start(t, e.db, storage.WriterOptions{Consumer: "w1", BatchSize: 7})
	drained(t, w, 20*time.Second)
	stop()
	// after: new, changed, cleared
	set("m1", "sale")
	set("m0", "no_sale")
	set("m7", "")
	set("m20", "callback")
	got := rollupSnapshot(t, e.db)
	for _, want := range []string{`"code":"no_sale","calls":1`, `"code":"callback","calls":1`, `"code":"sale","calls":1`, `"called_number":"5551"`, `"connects":1`} {
		if !strings.Contains(got, want) {
			t.Fatalf("rollups lack %s:\n%s", want, got)
		}
	}
	if n := strings.Count(got, `"code":"sale"`); n != 2 { // m1 in its bucket and day; m0 changed, m7 cleared
		t.Errorf("%d sale rows, want 2 (m1's bucket and day):\n%s", n, got)
	}
	assertDailyFromScratch(t, e.db, shanghai)
	// replayed: nothing doubles
	if err := e.rdb.XGroupDestroy(ctx, e.stream, "history").Err(); err != nil {
		t.Fatal(err)
	}
	w, stop = e.start(t, e.db, storage.WriterOptions{Consumer: "w2", BatchSize: 1})
	drained(t, w, 90*time.Second) // one event per transaction: 30 s ran out beside the other tests
	stop()
	if again := rollupSnapshot(t, e.db); again != got {
		t.Errorf("rollups changed by a replay:\n%s\nwas:\n%s", again, got)
	}
	// a rebuild from the raw rows gives the same
	if _, err := e.db.Pool.Exec(ctx, truncateRollups); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.RebuildRollups(ctx, start.Add(-time.Hour), start.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if rebuilt := rollupSnapshot(t, e.db); rebuilt != got {
		t.Errorf("rebuilt rollups differ from the incremental ones:\n%s\nincremental:\n%s", rebuilt, got)
	}
	from := time.Date(2026, 3, 2, 0, 0, 0, 0, shanghai)
	for _, iv := range storage.ProductionIntervals {
		for _, g := range storage.ProductionGroups {
			f := storage.ProductionFilter{From: from, To: from.AddDate(0, 0, 2), Loc: shanghai, Interval: iv, Group: g}
			rf := f
			rf.Source = storage.SourceRaw
			if a, b := report(t, e.db, f), report(t, e.db, rf); a != b {
				t.Errorf("%s/%s: rollup report\n%s\nraw report\n%s", iv, g, a, b)
			}
		}
	}
	if !strings.Contains(got, `"shared":true`) || !strings.Contains(got, `"shared":false`) {
		t.Fatalf("daily numbers: want shared and unshared rows:\n%s", got)
	}
	// a number's only other call dials another number: the flags follow (rebuilt buckets)
	if _, err := e.db.Pool.Exec(ctx, `UPDATE calls SET called_number = '5559' WHERE id IN ('m6', 'm13')`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.RebuildRollups(ctx, start.Add(-time.Hour), start.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	assertDailyFromScratch(t, e.db, shanghai)
	month := storage.ProductionFilter{From: from, To: from.AddDate(0, 0, 2), Loc: shanghai, Interval: storage.IntervalMonth}
	for _, g := range storage.ProductionGroups {
		f := month
		f.Group = g
		rf := f
		rf.Source = storage.SourceRaw
		if a, b := report(t, e.db, f), report(t, e.db, rf); a != b {
			t.Errorf("after the numbers changed, month/%s: rollup report\n%s\nraw report\n%s", g, a, b)
		}
	}
	r, err := e.db.ProductionReport(ctx, month)
	if err != nil {
		t.Fatal(err)
	}
	tf := r.Totals.Figures()
	if tf.Dispositions["no_sale"] != 1 || tf.Dispositions["callback"] != 2 || tf.Dispositions["sale"] != 1 || tf.DialledNumbers != 6 || tf.ConnectedNumbers == 0 {
		t.Errorf("dispositions %v, numbers %d dialled %d connected", tf.Dispositions, tf.DialledNumbers, tf.ConnectedNumbers)
	}
	// the month reads the daily rollups (what is planted there shows)
	if _, err := e.db.Pool.Exec(ctx, `UPDATE rollup_dispositions_day SET calls = calls + 1000 WHERE code = 'no_sale'`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Pool.Exec(ctx, `INSERT INTO rollup_numbers_day SELECT day, queue, agent_id, direction, 'planted', 1, 1, 0 FROM rollup_numbers_day LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	if r, err = e.db.ProductionReport(ctx, month); err != nil {
		t.Fatal(err)
	}
	if tf := r.Totals.Figures(); tf.Dispositions["no_sale"] != 1001 || tf.DialledNumbers != 7 {
		t.Errorf("month report: dispositions %v, dialled numbers %d: not read from the daily rollups", tf.Dispositions, tf.DialledNumbers)
	}
}
