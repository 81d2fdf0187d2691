package storage_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// A daily report is sent once, with a note when figures missed their target; the inbox lists it
// sent and, for the days that are over, the other team leads' reports missing; a report kept as
// sent comes back with its figures.
func TestDailyReportSendAndInbox(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	for _, tm := range []string{"red", "blue"} {
		if _, err := db.Pool.Exec(ctx, `INSERT INTO teams (id, name) VALUES ($1, $1)`, tm); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []storage.NewUser{
		{Username: "lee", Password: "a long enough password", Role: callfloor.RoleTeamLead, TeamID: "red"},
		{Username: "bo", Password: "a long enough password", Role: callfloor.RoleTeamLead, TeamID: "blue"},
	} {
		if _, err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE users SET created_at = '2026-11-01T00:00:00Z'`); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 4, 20, 0, 0, 0, loc)
	day := time.Date(2026, 12, 3, 0, 0, 0, 0, loc)
	rep := json.RawMessage(`{"totals":{"figures":{"service_level":0.7},"targets":{"service_level":0.8}}}`)

	_, err := db.SendDailyReport(ctx, "red", "lee", day, rep, []string{"service_level"}, "", now)
	var e *callfloor.Error
	if !errors.As(err, &e) || e.Code != "off_target_note" || e.Field != "note" || e.Class() != callfloor.EINVALID {
		t.Fatalf("off target without a note: %v", err)
	}
	if _, err := db.SendDailyReport(ctx, "red", "lee", now.AddDate(0, 0, 1), rep, nil, "x", now); callfloor.SpecificCode(err) != callfloor.CodeOutOfRange {
		t.Errorf("a day not begun: %v", err)
	}
	sent, err := db.SendDailyReport(ctx, "red", "lee", day, rep, []string{"service_level"}, "two agents on training", now)
	if err != nil || sent.Day != "2026-12-03" || sent.Team != "red" || len(sent.OffTarget) != 1 {
		t.Fatalf("sent %+v %v", sent, err)
	}
	if _, err := db.SendDailyReport(ctx, "red", "lee", day, rep, nil, "again", now); callfloor.SpecificCode(err) != callfloor.CodeAlreadyExists {
		t.Errorf("sent twice: %v", err)
	}
	// the 2nd and 3rd are over, the 4th is today (not missing yet)
	due, err := db.DailyReportInbox(ctx, time.Date(2026, 12, 2, 0, 0, 0, 0, loc), time.Date(2026, 12, 5, 0, 0, 0, 0, loc), nil, now)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, d := range due {
		got[d.Day+" "+d.Team+" "+d.Lead] = d.Sent != nil
	}
	want := map[string]bool{"2026-12-03 blue bo": false, "2026-12-03 red lee": true, "2026-12-02 blue bo": false, "2026-12-02 red lee": false}
	if len(got) != len(want) {
		t.Errorf("inbox %v, want %v", got, want)
	}
	for k, v := range want {
		if s, ok := got[k]; !ok || s != v {
			t.Errorf("inbox %s: sent %v (listed %v), want sent %v", k, s, ok, v)
		}
	}
	if due[0].Day != "2026-12-03" {
		t.Errorf("newest day first: %+v", due[0])
	}
	only, err := db.DailyReportInbox(ctx, time.Date(2026, 12, 2, 0, 0, 0, 0, loc), time.Date(2026, 12, 5, 0, 0, 0, 0, loc), []string{"blue"}, now)
	if err != nil || len(only) != 2 || only[0].Team != "blue" {
		t.Errorf("blue only: %+v %v", only, err)
	}
	full, err := db.GetDailyReport(ctx, "red", "2026-12-03", "lee", loc)
	if err != nil || full.Note != "two agents on training" || string(full.Report) == "" {
		t.Errorf("the report as sent: %+v %v", full, err)
	}
	var back map[string]any
	if json.Unmarshal(full.Report, &back) != nil || back["totals"] == nil {
		t.Errorf("figures not kept: %s", full.Report)
	}
	if _, err := db.GetDailyReport(ctx, "blue", "2026-12-03", "bo", loc); callfloor.ErrorKind(err) != callfloor.ENOTFOUND {
		t.Errorf("a report not sent: %v", err)
	}
	teams, err := db.TeamsOfProjects(ctx, []string{"default"})
	if err != nil || len(teams) != 2 {
		t.Errorf("teams of the default project: %v %v", teams, err)
	}
}
