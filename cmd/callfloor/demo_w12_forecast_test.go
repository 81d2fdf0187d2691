package main

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// The forecast page's demo: over the demo's history, forecasts saved for the past two weeks and
// the week ahead of the inbound queues, support's shrinkage at 35 %, a published roster putting heads on sales; a
// second run changes nothing.
func TestDemoForecast(t *testing.T) {
	t.Parallel()
	db, fx := openDemoDB(t, &demoHistoryDB) // seedDemo, then demoFixtureWeeks of history before fx.Now
	ctx := context.Background()
	cfg := fx.Config
	var out bytes.Buffer
	now := fx.Now
	if err := seedDemoForecast(ctx, db, cfg, now, &out); err != nil {
		t.Fatal(err)
	}
	loc := cfg.Location()
	today := now.In(loc)
	yesterday := today.AddDate(0, 0, -1).Format(time.DateOnly)
	f, _, err := db.SavedForecast(ctx, "support", yesterday, 30) // sales is the outbound card sales: no inbound history
	if err != nil || f == nil || len(f.Basis) == 0 {
		t.Fatalf("yesterday's saved forecast %+v %v", f, err)
	}
	for _, b := range f.Basis {
		if b >= yesterday {
			t.Fatalf("yesterday's forecast used %s", b)
		}
	}
	if st, err := db.ForecastSettingOf(ctx, "support"); err != nil || st.Shrinkage != 0.35 {
		t.Fatalf("support shrinkage %+v %v", st, err)
	}
	if st, err := db.ForecastSettingOf(ctx, "sales"); err != nil || !st.Default {
		t.Fatalf("sales shrinkage %+v %v", st, err)
	}
	tomorrow := today.AddDate(0, 0, 1).Format(time.DateOnly)
	// the roster is the roster seeder's when it ran (seedDemo), else this seeder's own: either
	// way, heads by day on sales and nobody at night (12:00 may be everyone's lunch break)
	heads, err := db.RosteredHeads(ctx, "sales", tomorrow, loc, 30)
	if err != nil || heads[20] == 0 || heads[2] != 0 {
		t.Fatalf("sales heads tomorrow 10:00 %d, 01:00 %d (%v)", heads[20], heads[2], err)
	}
	var n1, n2, cells1, cells2 int
	count := func(n, cells *int) {
		t.Helper()
		if err := db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM forecasts), (SELECT count(*) FROM roster_days)`).Scan(n, cells); err != nil {
			t.Fatal(err)
		}
	}
	count(&n1, &cells1)
	out.Reset()
	if err := seedDemoForecast(ctx, db, cfg, now, &out); err != nil {
		t.Fatal(err)
	}
	count(&n2, &cells2)
	if n1 != n2 || cells1 != cells2 || out.Len() != 0 || n1 < 2*14 {
		t.Fatalf("second run: forecasts %d → %d, roster cells %d → %d, said %q", n1, n2, cells1, cells2, out.String())
	}
}
