package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// The demo seeds the 2026 holiday calendar (nothing of 2027: not published when written), shifts
// and rotations, each team's minimum heads, this month's roster published and next month's
// drafted; a second run changes nothing.
func TestDemoRosters(t *testing.T) {
	t.Parallel()
	db, fx := openDemoDB(t, &demoSeededDB) // seedDemo ran
	ctx := context.Background()
	cfg := fx.Config
	var out bytes.Buffer
	cal, err := db.HolidayCalendar(ctx, "2026-01-01", "2027-12-31")
	if err != nil {
		t.Fatal(err)
	}
	if !cal.IsHoliday("2026-02-17") || cal["2026-02-28"].Kind != callfloor.DayWorkday || cal["2026-10-10"].Kind != callfloor.DayWorkday ||
		cal.IsHoliday("2026-02-24") {
		t.Errorf("calendar %v", cal)
	}
	for d := range cal {
		if d >= "2027" {
			t.Errorf("the demo invents a 2027 calendar day: %s %+v", d, cal[d])
		}
	}
	loc := cfg.Location()
	now := time.Now().In(loc)
	this := now.Format("2006-01")
	next := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, loc).Format("2006-01")
	for _, team := range []string{"team-a", "team-b"} {
		v, err := db.Roster(ctx, team, this)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status != storage.RosterPublished || v.Version != 1 || len(v.Agents) != 12 || v.Rules.MinHeads == 0 {
			t.Errorf("%s %s: %s v%d, %d agents, rules %+v", team, this, v.Status, v.Version, len(v.Agents), v.Rules)
		}
		heads := 0
		for _, n := range v.Days[0].Heads {
			heads += n
		}
		if heads < v.Days[0].Required {
			t.Errorf("%s on %s: %d heads, under its minimum %d", team, v.Days[0].Day, heads, v.Days[0].Required)
		}
		v, err = db.Roster(ctx, team, next)
		if err != nil || v.Status != storage.RosterDraft || v.Changed == 0 {
			t.Errorf("%s %s: %+v %v", team, next, v, err)
		}
	}
	mine, err := db.AgentRoster(ctx, "1001", now.Format(time.DateOnly), now.Format(time.DateOnly), loc)
	if err != nil || len(mine) != 1 {
		t.Fatalf("ana's roster %v %v", mine, err)
	}
	if err := seedDemo(ctx, db, cfg, demoFixturePassword, &out); err != nil || out.Len() != 0 {
		t.Errorf("second run: %v\n%s", err, out.String())
	}
}

// The demo's people have people's names (a Chinese centre's), no role in English: the UI names
// each one's role from its catalogue, in the reader's language.
func TestDemoUsersHaveChineseNames(t *testing.T) {
	for _, u := range demoUsers {
		if strings.ContainsFunc(u.DisplayName, func(r rune) bool { return r < 0x80 }) || u.DisplayName == "" {
			t.Errorf("demo user %s is shown as %q", u.Username, u.DisplayName)
		}
	}
}
