package storage_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor/storage"
)

// TestReportIntervalsBinnedInTheZone: 15/30/60-minute intervals binned without converting each
// bucket (the zone's offset is the same over the range) start on the zone's local boundaries —
// also for a zone 45 minutes off the hour — from the rollups and the raw rows alike; a report by
// day restricted to weekdays reads the daily level and equals the raw one.
func TestReportIntervalsBinnedInTheZone(t *testing.T) {
	t.Parallel()
	e := newHistEnv(t)
	ctx := context.Background()
	kathmandu, err := time.LoadLocation("Asia/Kathmandu") // +05:45
	if err != nil {
		t.Skip("no Asia/Kathmandu in the zone database")
	}
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	if _, err := e.db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, queue, agent_id, entered_at, answered_at, ended_at, wait_ms, talk_ms, outcome, last_event_id) VALUES
	  ('k1', 'inbound', 'sales', 'a1', '2026-03-02T04:14:59Z', '2026-03-02T04:15:09Z', '2026-03-02T04:20:00Z', 10000, 291000, 'answered', '1-0'),
	  ('k2', 'inbound', 'sales', 'a1', '2026-03-02T04:20:00Z', '2026-03-02T04:20:05Z', '2026-03-02T04:25:00Z', 5000, 295000, 'answered', '1-1'),
	  ('k3', 'inbound', 'sales', 'a2', '2026-03-02T04:44:00Z', '2026-03-02T04:44:30Z', '2026-03-02T04:50:00Z', 30000, 330000, 'answered', '1-2')`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.SetRollupZone(ctx, shanghai); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.RebuildRollups(ctx, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	starts := func(f storage.ProductionFilter) []string {
		t.Helper()
		var out [2][]string
		for i, src := range []string{storage.SourceRollup, storage.SourceRaw} {
			f.Source = src
			r, err := e.db.ProductionReport(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range r.Cells {
				out[i] = append(out[i], c.Start.In(f.Loc).Format("15:04")+"/"+c.End.In(f.Loc).Format("15:04")+"="+strconv.FormatInt(c.Parts.Q.Offered, 10))
			}
		}
		if len(out[0]) != len(out[1]) {
			t.Fatalf("rollup %v, raw %v", out[0], out[1])
		}
		for i := range out[0] {
			if out[0][i] != out[1][i] {
				t.Fatalf("rollup %v, raw %v", out[0], out[1])
			}
		}
		return out[0]
	}
	day := func(loc *time.Location) (time.Time, time.Time) {
		return time.Date(2026, 3, 2, 0, 0, 0, 0, loc), time.Date(2026, 3, 3, 0, 0, 0, 0, loc)
	}
	from, to := day(kathmandu)
	for _, c := range []struct {
		iv   string
		want string
	}{
		{storage.Interval60m, "[09:00/10:00=1 10:00/11:00=2]"},
		{storage.Interval30m, "[09:30/10:00=1 10:00/10:30=2]"},
		{storage.Interval15m, "[09:45/10:00=1 10:00/10:15=1 10:15/10:30=1]"},
	} {
		got := starts(storage.ProductionFilter{From: from, To: to, Loc: kathmandu, Interval: c.iv})
		if s := fmtList(got); s != c.want {
			t.Errorf("Kathmandu %s: %s, want %s", c.iv, s, c.want)
		}
	}
	from, to = day(shanghai)
	if got := fmtList(starts(storage.ProductionFilter{From: from, To: to, Loc: shanghai, Interval: storage.Interval60m})); got != "[12:00/13:00=3]" {
		t.Errorf("Shanghai 60m: %s", got)
	}
	// by day on Mondays only (2026-03-02 is one): the daily level, equal to the raw rows
	week := storage.ProductionFilter{From: from, To: from.AddDate(0, 0, 7), Loc: shanghai, Interval: storage.IntervalDay, Weekdays: []int{1}, Group: storage.GroupAgent}
	if got := fmtList(starts(week)); got != "[00:00/00:00=2 00:00/00:00=1]" {
		t.Errorf("Mondays by day: %s", got)
	}
	week.Weekdays = []int{2}
	if got := fmtList(starts(week)); got != "[]" {
		t.Errorf("Tuesdays by day: %s", got)
	}
}

func fmtList(s []string) string { return "[" + strings.Join(s, " ") + "]" }
