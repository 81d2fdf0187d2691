package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// A swap is checked against the manuals' limits and the published roster, and an approved one
// changes the published roster: alone (the agent works a day off instead) or with a colleague
// (they exchange shifts).
func TestShiftSwaps(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO teams (id, name) VALUES ('red', 'Red')`)
	exec(`INSERT INTO agents (id, name, endpoint, team_id) VALUES ('1001', 'a', 'PJSIP/1001', 'red'), ('1002', 'b', 'PJSIP/1002', 'red')`)
	if _, err := db.PutShift(ctx, callfloor.Shift{Code: "E", Name: "早班", Start: "08:30", End: "17:30"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutRotation(ctx, callfloor.Rotation{Name: "2on2off", Anchor: "2026-12-01", Cycle: []string{"E", "E", "", ""}}); err != nil {
		t.Fatal(err)
	}
	// 1001 works 1, 2, 5, 6, 9, 10…; 1002 works 3, 4, 7, 8…
	if _, err := db.FillRoster(ctx, "red", "2026-12", []storage.RotationAssignment{{Agent: "1001", Rotation: "2on2off"}, {Agent: "1002", Rotation: "2on2off", Offset: 2}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.PublishRoster(ctx, "red", "2026-12", "lee"); err != nil {
		t.Fatal(err)
	}
	shift := func(agent, day string) string {
		t.Helper()
		d, err := db.AgentRoster(ctx, agent, day, day, loc)
		if err != nil {
			t.Fatal(err)
		}
		return d[0].Shift
	}
	req := func(s callfloor.Swap) (callfloor.Swap, error) {
		s.RequestedOn = "2026-12-01"
		if s.Days == 0 {
			s.Days = 1
		}
		return db.RequestSwap(ctx, s)
	}
	// not rostered that day; payback on a working day; payback next month
	_, err := req(callfloor.Swap{Agent: "1001", Day: "2026-12-03", PaybackDay: "2026-12-04"})
	wantCode(t, err, callfloor.EINVALID, "day")
	_, err = req(callfloor.Swap{Agent: "1001", Day: "2026-12-05", PaybackDay: "2026-12-06"})
	wantCode(t, err, callfloor.EINVALID, "payback_day")
	_, err = req(callfloor.Swap{Agent: "1001", Day: "2026-12-29", PaybackDay: "2027-01-02"})
	wantCode(t, err, callfloor.EINVALID, "payback_day")
	// alone: gives away the 5th, works the 7th
	s, err := req(callfloor.Swap{Agent: "1001", Day: "2026-12-05", PaybackDay: "2026-12-07", Reason: "家里有事"})
	if err != nil || s.Status != "pending" || s.ID == 0 {
		t.Fatalf("%+v %v", s, err)
	}
	// a second one in December is over the limit while the first is pending
	_, err = req(callfloor.Swap{Agent: "1001", Day: "2026-12-09", PaybackDay: "2026-12-11"})
	if callfloor.SpecificCode(err) != callfloor.CodeSwapLimit {
		t.Fatalf("second swap of the month: %v", err)
	}
	if shift("1001", "2026-12-05") != "E" {
		t.Fatal("a pending swap changed the roster")
	}
	s, err = db.DecideSwap(ctx, s.ID, true, "lee", "ok")
	if err != nil || s.Status != "approved" || s.DecidedBy != "lee" {
		t.Fatalf("%+v %v", s, err)
	}
	if shift("1001", "2026-12-05") != "" || shift("1001", "2026-12-07") != "E" {
		t.Fatalf("approved swap not on the roster: 5th %q 7th %q", shift("1001", "2026-12-05"), shift("1001", "2026-12-07"))
	}
	if _, err := db.DecideSwap(ctx, s.ID, false, "lee", ""); callfloor.SpecificCode(err) != callfloor.CodeStateConflict {
		t.Fatalf("decided twice: %v", err)
	}
	// with a colleague in January: 1002 (off on Jan 1? fill January first)
	if _, err := db.FillRoster(ctx, "red", "2027-01", []storage.RotationAssignment{{Agent: "1001", Rotation: "2on2off"}, {Agent: "1002", Rotation: "2on2off", Offset: 2}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.PublishRoster(ctx, "red", "2027-01", "lee"); err != nil {
		t.Fatal(err)
	}
	// January 1 is day 31 of the cycle from Dec 1: (31 % 4 = 3) → 1001 off, 1002 on (3+2=5%4=1 → E)
	if shift("1001", "2027-01-02") != "E" || shift("1002", "2027-01-02") != "" || shift("1002", "2027-01-04") != "E" || shift("1001", "2027-01-04") != "" {
		t.Fatalf("January: 1001 %q/%q 1002 %q/%q", shift("1001", "2027-01-02"), shift("1001", "2027-01-04"), shift("1002", "2027-01-02"), shift("1002", "2027-01-04"))
	}
	_, err = req(callfloor.Swap{Agent: "1001", Day: "2027-01-02", PaybackDay: "2027-01-04", WithAgent: "1001"})
	wantCode(t, err, callfloor.EINVALID, "with_agent")
	w, err := req(callfloor.Swap{Agent: "1001", Day: "2027-01-02", PaybackDay: "2027-01-04", WithAgent: "1002"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.DecideSwap(ctx, w.ID, true, "lee", ""); err != nil {
		t.Fatal(err)
	}
	if shift("1001", "2027-01-02") != "" || shift("1002", "2027-01-02") != "E" || shift("1001", "2027-01-04") != "E" || shift("1002", "2027-01-04") != "" {
		t.Fatalf("exchange not applied")
	}
	// cancel: only while pending
	c, err := req(callfloor.Swap{Agent: "1002", Day: "2026-12-03", PaybackDay: "2026-12-05"})
	if err != nil {
		t.Fatal(err)
	}
	if c, err = db.CancelSwap(ctx, c.ID); err != nil || c.Status != "cancelled" {
		t.Fatalf("%+v %v", c, err)
	}
	if _, err := db.CancelSwap(ctx, c.ID); callfloor.SpecificCode(err) != callfloor.CodeStateConflict {
		t.Fatalf("cancelled twice: %v", err)
	}
	list, err := db.ListSwaps(ctx, storage.SwapFilter{Agents: []string{"1001"}})
	if err != nil || len(list) != 2 || list[0].ID != w.ID {
		t.Fatalf("%+v %v", list, err)
	}
}
