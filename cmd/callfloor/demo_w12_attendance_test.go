package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor/internal/testdb"
)

// The demo's roster: every demo agent rostered from the first of last month to the end of this
// one on the shifts its history was generated with, days off included; a second run adds nothing.
func TestDemoAttendanceSeed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := testdb.Open(t)
	cfg, err := LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, cfg.Location())
	var out bytes.Buffer
	if err := seedDemoAttendance(ctx, db, cfg, now, &out); err != nil {
		t.Fatal(err)
	}
	var n, worked int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*), count(published_code) FROM roster_days WHERE published`).Scan(&n, &worked); err != nil {
		t.Fatal(err)
	}
	if want := len(cfg.Agents) * (30 + 31); n != want || worked < n/2 || worked == n {
		t.Fatalf("%d rostered agent days (%d on a shift), want %d with days off", n, worked, want)
	}
	if !strings.Contains(out.String(), "2026-11-01 to 2026-12-31") {
		t.Errorf("output %q", out.String())
	}
	out.Reset()
	if err := seedDemoAttendance(ctx, db, cfg, now, &out); err != nil || out.Len() != 0 {
		t.Fatalf("second run: %v %q", err, out.String())
	}
}
