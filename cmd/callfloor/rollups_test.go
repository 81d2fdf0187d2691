package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor/internal/testdb"
	"github.com/callfloor/callfloor/storage"
)

// `callfloor rollups rebuild` fills the rollups of the days given from the raw rows: the report
// read from them equals the report computed from the raw rows.
func TestRollupsRebuildCommand(t *testing.T) {
	t.Parallel()
	db, url := testdb.Open(t)
	ctx := context.Background()
	for _, sql := range []string{
		`INSERT INTO calls (id, direction, queue, entered_at, answered_at, ended_at, wait_ms, talk_ms, outcome, agent_id, last_event_id)
		 VALUES ('r1', 'inbound', 'sales', '2026-03-02T01:59:00Z', '2026-03-02T02:00:10Z', '2026-03-02T02:05:00Z', 70000, 290000, 'answered', '1001', '1-0'),
		        ('r2', 'inbound', 'sales', '2026-03-02T03:00:00Z', NULL, '2026-03-02T03:00:03Z', 3000, NULL, 'short_abandon', NULL, '1-0')`,
		`INSERT INTO agent_state_intervals (agent_id, state, started_at, ended_at, duration_ms)
		 VALUES ('1001', 'available', '2026-03-02T01:50:00Z', '2026-03-02T02:00:10Z', 610000)`,
	} {
		if _, err := db.Pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"rollups", "rebuild", "-database-url", url, "-from", "2026-03-02", "-time-zone", "Asia/Shanghai"}, &out, &errOut); err != nil {
		t.Fatalf("%v: %s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "rebuilt 96 15-minute buckets") {
		t.Errorf("output %q", out.String())
	}
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	f := storage.ProductionFilter{From: time.Date(2026, 3, 2, 0, 0, 0, 0, shanghai), To: time.Date(2026, 3, 3, 0, 0, 0, 0, shanghai),
		Loc: shanghai, Interval: storage.Interval60m}
	a, err := db.ProductionReport(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	f.Source = storage.SourceRaw
	b, err := db.ProductionReport(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Cells) != 3 || a.Totals.Figures().Offered != 2 || *a.Totals.Figures().LoggedIn != 610 {
		t.Fatalf("rollup report after the rebuild: %d cells, %+v", len(a.Cells), a.Totals.Figures())
	}
	for i := range a.Cells {
		if a.Cells[i].Start != b.Cells[i].Start || a.Cells[i].Parts.Figures().Offered != b.Cells[i].Parts.Figures().Offered {
			t.Errorf("cell %d: rollup %+v raw %+v", i, a.Cells[i], b.Cells[i])
		}
	}
	if err := run(ctx, []string{"rollups", "rebuild", "-database-url", url, "-from", "2026-03-05", "-to", "2026-03-02"}, io.Discard, io.Discard); err == nil {
		t.Error("a range ending before it starts was accepted")
	}
	// The daily level, in the configuration's zone: a day report reads it and equals the raw one.
	if !strings.Contains(out.String(), "daily rollups recomputed for the time zone Asia/Shanghai") {
		t.Errorf("output %q", out.String())
	}
	var days int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM rollup_calls_day WHERE day = '2026-03-02'`).Scan(&days); err != nil || days != 2 {
		t.Errorf("daily call rows %d (%v), want 2", days, err)
	}
	f.Interval, f.Source = storage.IntervalDay, ""
	a, err = db.ProductionReport(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if fg := a.Totals.Figures(); len(a.Cells) != 1 || fg.Offered != 2 || fg.ShortAbandoned != 1 || fg.LongestWait != 70 || *fg.LoggedIn != 610 {
		t.Errorf("day report from the daily rollups: %d cells, %+v", len(a.Cells), fg)
	}
	// Another zone recomputes the daily level; an unknown one is refused, naming the flag.
	out.Reset()
	if err := run(ctx, []string{"rollups", "rebuild", "-database-url", url, "-from", "2026-03-02", "-time-zone", "Europe/London"}, &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "recomputed for the time zone Europe/London") {
		t.Errorf("-time-zone Europe/London: %v %q", err, out.String())
	}
	if err := run(ctx, []string{"rollups", "rebuild", "-database-url", url, "-from", "2026-03-02", "-time-zone", "Mars/Olympus"}, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "-time-zone") {
		t.Errorf("unknown zone: %v", err)
	}
}
