package storage_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testdb"
	"github.com/callfloor/callfloor/storage"
)

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// The last whole period in the centre's zone: local midnights, so 23 and 25 hour days and a
// 167 hour week around the changes to and from summer time (Berlin: 29 March and 25 October 2026).
func TestSchedPeriodBounds(t *testing.T) {
	t.Parallel()
	loc := berlin(t)
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, loc) }
	for _, c := range []struct {
		now      time.Time
		period   string
		from, to time.Time
		hours    int
	}{
		{at(2026, 3, 30, 0, 30), "day", at(2026, 3, 29, 0, 0), at(2026, 3, 30, 0, 0), 23},
		{at(2026, 3, 30, 0, 0), "day", at(2026, 3, 29, 0, 0), at(2026, 3, 30, 0, 0), 23}, // over at its last instant's end
		{at(2026, 3, 29, 23, 59), "day", at(2026, 3, 28, 0, 0), at(2026, 3, 29, 0, 0), 24},
		{at(2026, 10, 26, 8, 0), "day", at(2026, 10, 25, 0, 0), at(2026, 10, 26, 0, 0), 25},
		{at(2026, 3, 30, 0, 30), "week", at(2026, 3, 23, 0, 0), at(2026, 3, 30, 0, 0), 167},  // Monday: last week is over
		{at(2026, 3, 29, 23, 59), "week", at(2026, 3, 16, 0, 0), at(2026, 3, 23, 0, 0), 168}, // Sunday: this week is not
		{at(2027, 1, 1, 12, 0), "week", at(2026, 12, 21, 0, 0), at(2026, 12, 28, 0, 0), 168},
		{at(2026, 4, 1, 0, 30), "month", at(2026, 3, 1, 0, 0), at(2026, 4, 1, 0, 0), 31*24 - 1},
		{at(2026, 1, 15, 12, 0), "month", at(2025, 12, 1, 0, 0), at(2026, 1, 1, 0, 0), 31 * 24},
		{at(2026, 3, 31, 23, 0), "month", at(2026, 2, 1, 0, 0), at(2026, 3, 1, 0, 0), 28 * 24},
	} {
		// the same instant in UTC must give the same answer: the zone is the argument, not now's
		from, to, err := callfloor.LastWholeSamplePeriod(c.period, c.now.UTC(), loc)
		if err != nil || !from.Equal(c.from) || !to.Equal(c.to) || to.Sub(from) != time.Duration(c.hours)*time.Hour {
			t.Errorf("%s before %s: [%s, %s) %v; want [%s, %s), %d h", c.period, c.now, from, to, err, c.from, c.to, c.hours)
		}
		if to.After(c.now) {
			t.Errorf("%s before %s ends after now", c.period, c.now)
		}
	}
	// 29 March in Berlin is 23:00 UTC on the 28th to 22:00 UTC on the 29th
	from, to, _ := callfloor.SamplePeriod("day", time.Date(2026, 3, 29, 12, 0, 0, 0, time.UTC), loc)
	if from.UTC() != time.Date(2026, 3, 28, 23, 0, 0, 0, time.UTC) || to.UTC() != time.Date(2026, 3, 29, 22, 0, 0, 0, time.UTC) {
		t.Errorf("29 March in Berlin: [%s, %s)", from.UTC(), to.UTC())
	}
	if _, _, err := callfloor.LastWholeSamplePeriod("year", time.Now(), loc); err == nil {
		t.Error("period year accepted")
	}
	if _, to, _ := callfloor.LastWholeSamplePeriod("day", time.Date(2026, 3, 30, 0, 30, 0, 0, time.UTC), nil); to != time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC) {
		t.Errorf("nil location is not UTC: %s", to)
	}

	d := time.Date(2026, 3, 29, 0, 0, 0, 0, loc)
	if s := callfloor.ScheduledDrawSeed(7, d); s != callfloor.ScheduledDrawSeed(7, d.UTC()) || s == callfloor.ScheduledDrawSeed(8, d) ||
		s == callfloor.ScheduledDrawSeed(7, d.AddDate(0, 0, 1)) {
		t.Error("the scheduled seed is not a function of (plan, period start) alone")
	}
}

// schedCalls inserts n recorded calls of agents r1, r2, b1 in turn, one every step from start.
func schedCalls(t *testing.T, db *storage.DB, prefix string, start time.Time, step time.Duration, n int) {
	t.Helper()
	if _, err := db.Pool.Exec(context.Background(), `INSERT INTO calls (id, direction, queue, node, agent_id, entered_at, talk_ms, outcome, recording_name, last_event_id)
		SELECT $1 || i, 'inbound', 'sales', 'n1', (ARRAY['r1', 'r2', 'b1'])[i % 3 + 1], $2::timestamptz + make_interval(secs => i * $3::float8),
		60000, 'answered', 'rec-' || $1 || i, '1-0' FROM generate_series(0, $4::int - 1) i`, prefix, start, step.Seconds(), n); err != nil {
		t.Fatal(err)
	}
}

func schedPlan(t *testing.T, db *storage.DB, name, period string, plan callfloor.SamplePlan, created time.Time) storage.SamplePlanRecord {
	t.Helper()
	ctx := context.Background()
	p, err := db.CreatePlan(ctx, storage.NewSamplePlan{Name: name, Period: period, CreatedBy: "qa1", Plan: plan})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE sample_plans SET created_at = $2 WHERE id = $1`, p.ID, created); err != nil {
		t.Fatal(err)
	}
	p.CreatedAt = created
	return p
}

type schedDraw struct {
	id       int64
	plan     int64
	drawnFor string
	seed     int64
	from, to time.Time
	calls    []time.Time
}

func schedDraws(t *testing.T, db *storage.DB) map[int64][]schedDraw {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `SELECT d.id, d.plan_id, d.drawn_for, d.seed, d.period_from, d.period_to,
		coalesce(array_agg(s.call_entered_at ORDER BY s.call_entered_at) FILTER (WHERE s.call_id IS NOT NULL), '{}')
		FROM sample_draws d LEFT JOIN sample_assignments s ON s.draw_id = d.id WHERE d.kind = 'scheduled' GROUP BY d.id ORDER BY d.period_from`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64][]schedDraw{}
	for rows.Next() {
		var d schedDraw
		if err := rows.Scan(&d.id, &d.plan, &d.drawnFor, &d.seed, &d.from, &d.to, &d.calls); err != nil {
			t.Fatal(err)
		}
		out[d.plan] = append(out[d.plan], d)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSchedPlanDraws(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	loc := berlin(t)
	at := func(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, loc) }
	sampleFloor(t, db)
	// every 20 minutes from 27 February to 2 April (local), summer time starting on 29 March
	schedCalls(t, db, "g", at(2, 27, 0, 0), 20*time.Minute, 34*72)

	day := schedPlan(t, db, "daily", "day", callfloor.SamplePlan{Scope: "agent", PerAgent: 2}, at(3, 29, 10, 0))
	week := schedPlan(t, db, "weekly", "week", callfloor.SamplePlan{Scope: "team", PerTeam: 3}, at(3, 25, 9, 0)) // mid-week
	month := schedPlan(t, db, "monthly", "month", callfloor.SamplePlan{Scope: "queue", Percent: 1}, at(3, 5, 9, 0))
	late := schedPlan(t, db, "after the day", "day", callfloor.SamplePlan{Scope: "agent", PerAgent: 1}, at(3, 30, 0, 10))
	off := schedPlan(t, db, "inactive", "day", callfloor.SamplePlan{Scope: "agent", PerAgent: 1}, at(3, 1, 0, 0))
	if p, err := db.SetPlanActive(ctx, off.ID, false); err != nil || p.Active {
		t.Fatalf("deactivate: %+v %v", p, err)
	}
	if _, err := db.SetPlanActive(ctx, 99999, false); callfloor.ErrorCode(err) != callfloor.ENOTFOUND {
		t.Fatalf("deactivating no plan: %v", err)
	}
	// a period already drawn by hand with the same bounds is not drawn again
	manual := schedPlan(t, db, "drawn by hand", "day", callfloor.SamplePlan{Scope: "agent", PerAgent: 1}, at(3, 1, 0, 0))
	if _, _, err := db.RunPlan(ctx, manual.ID, 5, at(3, 29, 0, 0), at(3, 30, 0, 0), "qa1"); err != nil {
		t.Fatal(err)
	}

	now1 := at(3, 30, 0, 30) // Monday, half past midnight
	st, err := db.PlanStatuses(ctx, now1, loc)
	if err != nil {
		t.Fatal(err)
	}
	status := map[int64]storage.PlanStatus{}
	for _, s := range st {
		status[s.ID] = s
	}
	if r := status[day.ID].NextRun; r == nil || !r.From.Equal(at(3, 29, 0, 0)) || !r.DueAt.Equal(at(3, 30, 0, 0)) || status[day.ID].LastDraw != nil {
		t.Errorf("daily plan before the run: next %+v, last %+v (want 29 March, overdue)", r, status[day.ID].LastDraw)
	}
	if r := status[month.ID].NextRun; r == nil || !r.From.Equal(at(3, 1, 0, 0)) || !r.DueAt.Equal(at(4, 1, 0, 0)) {
		t.Errorf("monthly plan created in March: next %+v, want March", r)
	}
	if status[off.ID].NextRun != nil {
		t.Errorf("inactive plan has a next run %+v", status[off.ID].NextRun)
	}
	if l := status[manual.ID].LastDraw; l == nil || l.Kind != "plan" || l.Seed != 5 || l.Assigned != 3 || !l.From.Equal(at(3, 29, 0, 0)) {
		t.Errorf("manual plan's last draw %+v", l)
	}
	if r := status[manual.ID].NextRun; r == nil || !r.From.Equal(at(3, 30, 0, 0)) {
		t.Errorf("manual plan's next run %+v, want 30 March (29 March is drawn)", r)
	}

	draws, assigned, err := db.ScheduledPlanDraws(ctx, now1, loc)
	if err != nil || draws != 2 || assigned != 6+6 {
		t.Fatalf("first run: %d draws, %d assigned, %v; want the daily plan's 29 March and the weekly plan's week", draws, assigned, err)
	}
	// restarts: nothing more
	for range 2 {
		if draws, assigned, err := db.ScheduledPlanDraws(ctx, now1.Add(50*time.Minute), loc); err != nil || draws != 0 || assigned != 0 {
			t.Fatalf("second run: %d draws, %d assigned, %v", draws, assigned, err)
		}
	}
	now2 := at(4, 1, 0, 30) // Wednesday 1 April
	if draws, assigned, err := db.ScheduledPlanDraws(ctx, now2, loc); err != nil || draws != 4 {
		t.Fatalf("run on 1 April: %d draws, %d assigned, %v; want 31 March of the three daily plans and March", draws, assigned, err)
	}
	if draws, _, err := db.ScheduledPlanDraws(ctx, now2, loc); err != nil || draws != 0 {
		t.Fatalf("run on 1 April again: %d draws, %v", draws, err)
	}

	got := schedDraws(t, db)
	type period struct{ from, to time.Time }
	want := map[int64][]period{
		day.ID:    {{at(3, 29, 0, 0), at(3, 30, 0, 0)}, {at(3, 31, 0, 0), at(4, 1, 0, 0)}},
		week.ID:   {{at(3, 23, 0, 0), at(3, 30, 0, 0)}},
		month.ID:  {{at(3, 1, 0, 0), at(4, 1, 0, 0)}},
		late.ID:   {{at(3, 31, 0, 0), at(4, 1, 0, 0)}},
		manual.ID: {{at(3, 31, 0, 0), at(4, 1, 0, 0)}},
	}
	if len(got) != len(want) {
		t.Errorf("scheduled draws of %d plans, want %d (inactive, hand-drawn and too-late periods skipped): %v", len(got), len(want), got)
	}
	for plan, ps := range want {
		ds := got[plan]
		if len(ds) != len(ps) {
			t.Errorf("plan %d: %d draws, want %d", plan, len(ds), len(ps))
			continue
		}
		for i, p := range ps {
			d := ds[i]
			if !d.from.Equal(p.from) || !d.to.Equal(p.to) {
				t.Errorf("plan %d draw %d: [%s, %s), want [%s, %s)", plan, i, d.from.In(loc), d.to.In(loc), p.from, p.to)
			}
			if d.drawnFor != fmt.Sprint(plan) || d.seed != callfloor.ScheduledDrawSeed(plan, p.from) {
				t.Errorf("plan %d draw %d: drawn_for %q seed %d", plan, i, d.drawnFor, d.seed)
			}
			if len(d.calls) == 0 {
				t.Errorf("plan %d draw %d assigned nothing", plan, i)
			}
			for _, c := range d.calls {
				if c.Before(p.from) || !c.Before(p.to) {
					t.Errorf("plan %d draw %d assigned a call of %s, outside the period", plan, i, c.In(loc))
				}
			}
		}
	}
	// 29 March had 23 hours: 69 calls, of which the hand-made draw took 3; the 1 % of March's
	// calls left to the monthly plan (31 days less an hour = 2229 calls, minus 21 assigned
	// before) is ⌈22.08⌉ = 23
	var pop int
	if err := db.Pool.QueryRow(ctx, `SELECT population_size FROM sample_draws WHERE id = $1`, got[day.ID][0].id).Scan(&pop); err != nil || pop != 66 {
		t.Errorf("29 March population %d, %v; want 69 − 3 (a 23-hour day)", pop, err)
	}
	if n := len(got[month.ID][0].calls); n != 23 {
		t.Errorf("March: %d calls drawn, want 23", n)
	}

	st, err = db.PlanStatuses(ctx, now2, loc)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		switch s.ID {
		case day.ID:
			if s.LastDraw == nil || s.LastDraw.Kind != "scheduled" || !s.LastDraw.From.Equal(at(3, 31, 0, 0)) || s.LastDraw.Assigned != 6 ||
				s.LastDraw.DrawnBy != "system" || s.NextRun == nil || !s.NextRun.From.Equal(at(4, 1, 0, 0)) || !s.NextRun.DueAt.Equal(at(4, 2, 0, 0)) {
				t.Errorf("daily plan after the runs: last %+v next %+v", s.LastDraw, s.NextRun)
			}
		case week.ID:
			if s.NextRun == nil || !s.NextRun.From.Equal(at(3, 30, 0, 0)) || !s.NextRun.DueAt.Equal(at(4, 6, 0, 0)) {
				t.Errorf("weekly plan's next run %+v", s.NextRun)
			}
		case month.ID:
			if s.NextRun == nil || !s.NextRun.From.Equal(at(4, 1, 0, 0)) || !s.NextRun.DueAt.Equal(at(5, 1, 0, 0)) {
				t.Errorf("monthly plan's next run %+v", s.NextRun)
			}
		}
	}
	ds, err := db.PlanDraws(ctx, day.ID, 0)
	if err != nil || len(ds) != 2 || !ds[0].From.Equal(at(3, 31, 0, 0)) || ds[0].Kind != "scheduled" || ds[0].Quota != 6 || ds[1].PopulationSize != 66 {
		t.Errorf("daily plan's draws %+v %v", ds, err)
	}
	if ds, err := db.PlanDraws(ctx, day.ID, 1); err != nil || len(ds) != 1 {
		t.Errorf("limit 1: %d draws %v", len(ds), err)
	}
	if _, err := db.PlanDraws(ctx, 99999, 0); callfloor.ErrorCode(err) != callfloor.ENOTFOUND {
		t.Errorf("draws of no plan: %v", err)
	}
}

// The stored seed and the population redo the draw, and the picks are spread over the period.
func TestSchedDrawReproducibleAndStratified(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	loc := berlin(t)
	sampleFloor(t, db)
	from, to := time.Date(2026, 3, 29, 0, 0, 0, 0, loc), time.Date(2026, 3, 30, 0, 0, 0, 0, loc)
	schedCalls(t, db, "d", from, 10*time.Minute, 23*6) // 46 calls per agent over the 23-hour day
	plan := schedPlan(t, db, "four per agent", "day", callfloor.SamplePlan{Scope: "agent", PerAgent: 4}, from)

	pop, err := db.Candidates(ctx, from, to, storage.CandidateFilter{})
	if err != nil || len(pop) != 138 {
		t.Fatalf("population %d %v", len(pop), err)
	}
	if draws, assigned, err := db.ScheduledPlanDraws(ctx, to.Add(time.Hour), loc); err != nil || draws != 1 || assigned != 12 {
		t.Fatalf("run: %d draws, %d assigned, %v", draws, assigned, err)
	}
	var drawID, seed int64
	var filters string
	if err := db.Pool.QueryRow(ctx, `SELECT id, seed, filters FROM sample_draws WHERE kind = 'scheduled'`).Scan(&drawID, &seed, &filters); err != nil {
		t.Fatal(err)
	}
	redo, err := callfloor.DrawSample(plan.Plan, pop, seed, from, to)
	if err != nil {
		t.Fatal(err)
	}
	var stored []string
	rows, _ := db.Pool.Query(ctx, `SELECT call_id FROM sample_assignments WHERE draw_id = $1 ORDER BY call_entered_at, call_id`, drawID)
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		stored = append(stored, id)
	}
	if rows.Err() != nil || !slices.Equal(stored, callIDs(redo.Picks)) || filters != redo.Filters || seed != callfloor.ScheduledDrawSeed(plan.ID, from) {
		t.Fatalf("stored picks %v, redrawn from the stored seed %v (filters %q vs %q)", stored, callIDs(redo.Picks), filters, redo.Filters)
	}
	// stratified: each agent's four picks fall in four different quarters of the day
	quarters := map[string][]int{}
	for _, c := range redo.Picks {
		quarters[c.Agent] = append(quarters[c.Agent], int(c.EnteredAt.Sub(from)*4/to.Sub(from)))
	}
	for agent, q := range quarters {
		slices.Sort(q)
		if !slices.Equal(q, []int{0, 1, 2, 3}) {
			t.Errorf("agent %s picks in quarters %v, want one in each", agent, q)
		}
	}
	if len(quarters) != 3 {
		t.Errorf("picks of %d agents, want 3", len(quarters))
	}
}

// Two callfloor instances (two connection pools) running the schedule at once draw each plan's
// period once.
func TestSchedConcurrentRuns(t *testing.T) {
	t.Parallel()
	db, url := testdb.Open(t)
	ctx := context.Background()
	other, err := storage.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)
	loc := berlin(t)
	sampleFloor(t, db)
	from := time.Date(2026, 3, 29, 0, 0, 0, 0, loc)
	schedCalls(t, db, "c", from, 10*time.Minute, 23*6)
	var plans []int64
	for i := range 3 {
		plans = append(plans, schedPlan(t, db, fmt.Sprint("plan ", i), "day", callfloor.SamplePlan{Scope: "agent", PerAgent: 2}, from).ID)
	}
	now := time.Date(2026, 3, 30, 1, 0, 0, 0, loc)
	var mu sync.Mutex
	total, totalAssigned := 0, 0
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := db
			if i%2 == 1 {
				d = other
			}
			n, a, err := d.ScheduledPlanDraws(ctx, now, loc)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			totalAssigned += a
			mu.Unlock()
		}()
	}
	wg.Wait()
	var draws, assignments, distinctCalls int
	if err := db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM sample_draws WHERE kind = 'scheduled'),
		(SELECT count(*) FROM sample_assignments), (SELECT count(DISTINCT call_id) FROM sample_assignments)`).Scan(&draws, &assignments, &distinctCalls); err != nil {
		t.Fatal(err)
	}
	if total != len(plans) || draws != len(plans) || totalAssigned != 18 || assignments != 18 || distinctCalls != 18 {
		t.Fatalf("6 concurrent runs: reported %d draws (%d assigned), stored %d draws, %d assignments of %d calls; want %d draws of 6 calls each",
			total, totalAssigned, draws, assignments, distinctCalls, len(plans))
	}
}
