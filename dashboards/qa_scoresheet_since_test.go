package dashboards_test

import (
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// A team lead cannot send a score sheet for a day that was over before they existed (the inbox
// never asks for one); the day they were made lead can be sent.
func TestScoreSheetNotBeforeTheLeadExisted(t *testing.T) {
	t.Parallel()
	e := seedReports(t)
	e.addUser(storage.NewUser{Username: "lead-new", Role: callfloor.RoleTeamLead, TeamID: "team-a"})
	if _, err := e.db.Pool.Exec(context.Background(), `UPDATE users SET created_at = '2026-11-19T12:00:00Z' WHERE username = 'lead-new'`); err != nil {
		t.Fatal(err)
	}
	for _, day := range []string{"2026-11-18", "2026-11-02", "2020-01-01"} {
		code, out := e.do("lead-new", "POST", "/qa/score-sheet/send", `{"day": "`+day+`", "note": "catching up"}`)
		if code != 400 || out["field"] != "day" {
			t.Errorf("%s, before lead-new existed: %d %v, want 400 naming day", day, code, out)
		}
	}
	e.expect("lead-new", "POST", "/qa/score-sheet/send", `{"day": "2026-11-19", "note": "first day"}`, 201)
	e.expect("lead-new", "POST", "/qa/score-sheet/send", `{"day": "2026-11-20", "note": "second day"}`, 201)
	// the same check holds for the storage call itself
	if _, err := e.db.SendScoreSheet(context.Background(), "team-a", "lead-new", mustDay(t, "2026-11-17"), "x", mustDay(t, "2026-11-30")); callfloor.ErrorCode(err) != callfloor.EINVALID {
		t.Errorf("storage: %v", err)
	}
}

func mustDay(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
