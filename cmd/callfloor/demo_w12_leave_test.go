package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testdb"
	"github.com/callfloor/callfloor/storage"
)

// The demo's leave: a request at each point of the chains (waiting for the team lead, for the
// supervisor, approved through the whole chain with its sick note, rejected), entitlements for
// every agent; a second run adds nothing.
func TestDemoLeave(t *testing.T) {
	t.Parallel()
	db, _ := testdb.Open(t)
	ctx := context.Background()
	cfg, err := LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC) // a Friday
	var out bytes.Buffer
	if err := seedDemoLeave(ctx, db, cfg, now, &out); err != nil {
		t.Fatal(err)
	}
	all, err := db.ListLeave(ctx, storage.LeaveFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, v := range all {
		got[v.Status+"@"+string(v.NextRole)]++
		if v.Type == callfloor.LeaveSick && (v.Status != "approved" || len(v.Files) != 1 || len(v.Decisions) != 3) {
			t.Errorf("the sick leave: %+v", v)
		}
	}
	if want := map[string]int{"pending@team_lead": 1, "pending@supervisor": 1, "approved@": 2, "rejected@": 1}; len(got) != len(want) ||
		got["pending@team_lead"] != 1 || got["pending@supervisor"] != 1 || got["approved@"] != 2 || got["rejected@"] != 1 {
		t.Fatalf("requests by status and next step: %v, want %v", got, want)
	}
	bal, err := db.LeaveBalances(ctx, "1024", 2026)
	if err != nil || bal[2].Type != callfloor.LeaveAnnual || bal[2].Entitled == nil || *bal[2].Entitled != 5 {
		t.Fatalf("the last agent's annual leave: %+v %v", bal, err)
	}
	out.Reset()
	if err := seedDemoLeave(ctx, db, cfg, now.Add(48*time.Hour), &out); err != nil || out.Len() != 0 {
		t.Fatalf("a second run: %q %v", out.String(), err)
	}
	if again, _ := db.ListLeave(ctx, storage.LeaveFilter{}); len(again) != len(all) {
		t.Fatalf("a second run added requests: %d, then %d", len(all), len(again))
	}
}
