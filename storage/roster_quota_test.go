package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// A team lead's QA quota days are the days their published roster (by their user's agent id)
// gives them a shift; a lead with no roster that month owes Monday to Friday.
func TestLeadQuotaDaysFollowRoster(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	sh, _ := time.LoadLocation("Asia/Shanghai")
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO teams (id, name) VALUES ('red', 'Red')`)
	exec(`INSERT INTO agents (id, name, endpoint, team_id) VALUES ('9001', '李组长', 'PJSIP/9001', 'red')`)
	exec(`INSERT INTO users (username, password_hash, role, team_id, agent_id, created_at) VALUES
		('lee', 'x', 'team_lead', 'red', '9001', '2026-01-01'), ('lou', 'x', 'team_lead', 'red', NULL, '2026-01-01')`)
	if _, err := db.PutShift(ctx, callfloor.Shift{Code: "E", Name: "早班", Start: "08:30", End: "17:30"}); err != nil {
		t.Fatal(err)
	}
	// lee works the weekend of 21–22 November and Tuesday to Thursday, off Monday 23 and Friday 27
	var cells []storage.RosterCell
	for _, d := range callfloor.MonthDays("2026-11") {
		shift := ""
		switch d {
		case "2026-11-21", "2026-11-22", "2026-11-24", "2026-11-25", "2026-11-26":
			shift = "E"
		}
		cells = append(cells, storage.RosterCell{Agent: "9001", Day: d, Shift: shift})
	}
	if _, err := db.PutRosterCells(ctx, "red", "2026-11", cells); err != nil {
		t.Fatal(err)
	}
	day := func(s string) time.Time {
		d, _ := time.ParseInLocation(time.DateOnly, s, sh)
		return d.Add(12 * time.Hour)
	}
	quota := func(lead, d string) int {
		t.Helper()
		s, err := db.ScoreSheet(ctx, "red", day(d), lead)
		if err != nil {
			t.Fatal(err)
		}
		return s.Quota
	}
	// a draft is not a roster: Monday to Friday still
	if q := quota("lee", "2026-11-21"); q != 0 {
		t.Fatalf("draft roster counted: Saturday quota %d", q)
	}
	if _, _, err := db.PublishRoster(ctx, "red", "2026-11", "lee"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		lead, day string
		want      int
	}{
		{"lee", "2026-11-21", storage.LeadDailyQuota}, // Saturday on the roster
		{"lee", "2026-11-23", 0},                      // Monday off
		{"lee", "2026-11-24", storage.LeadDailyQuota},
		{"lou", "2026-11-21", 0}, // no roster: Monday to Friday
		{"lou", "2026-11-23", storage.LeadDailyQuota},
		{"lee", "2026-12-01", storage.LeadDailyQuota}, // no roster in December: a Tuesday
		{"lee", "2026-12-05", 0},
	} {
		if q := quota(c.lead, c.day); q != c.want {
			t.Errorf("%s on %s: quota %d, want %d", c.lead, c.day, q, c.want)
		}
	}
	// the inbox lists the sheets due: lee's rostered days, lou's weekdays
	inbox, err := db.ScoreSheetInbox(ctx, day("2026-11-21").Add(-12*time.Hour), day("2026-11-28").Add(-12*time.Hour), "red", day("2026-12-01"))
	if err != nil {
		t.Fatal(err)
	}
	due := map[string][]string{}
	for _, s := range inbox {
		due[s.Lead] = append([]string{s.Day}, due[s.Lead]...)
	}
	if got := due["lee"]; len(got) != 5 || got[0] != "2026-11-21" || got[1] != "2026-11-22" || got[2] != "2026-11-24" || got[4] != "2026-11-26" {
		t.Errorf("lee's sheets due %v, want the five rostered days", got)
	}
	if got := due["lou"]; len(got) != 5 || got[0] != "2026-11-23" || got[4] != "2026-11-27" {
		t.Errorf("lou's sheets due %v, want Monday to Friday", got)
	}
	// the QA report's quota per team: lee's 5 rostered days + lou's 5 weekdays in the week of the 23rd
	evalScorecardRow(t, db, "rates", 1, qaRateForm)
	ev, err := db.CreateEvaluation(ctx, storage.NewEvaluation{CallID: "q1", AgentID: "9001", TeamID: "red",
		Evaluator: "lee", ScorecardID: "rates", Answers: rateAnswers(true, true, nil)})
	if err != nil {
		t.Fatal(err)
	}
	exec(`UPDATE evaluations SET created_at = $2 WHERE id = $1`, ev.ID, day("2026-11-24"))
	rep, err := db.QAReport(ctx, storage.QAReportFilter{Group: storage.GroupTeam, Period: storage.PeriodWeek,
		From: day("2026-11-23").Add(-12 * time.Hour), To: day("2026-11-30").Add(-12 * time.Hour), Loc: sh})
	if err != nil {
		t.Fatal(err)
	}
	// lee: Tue–Thu 24–26 (the weekend of 21–22 is the week before) = 3; lou: Mon–Fri = 5
	if len(rep.Rows) != 1 || rep.Rows[0].Quota == nil || *rep.Rows[0].Quota != 8*storage.LeadDailyQuota {
		t.Fatalf("report rows %+v, want team red's quota %d", rep.Rows, 8*storage.LeadDailyQuota)
	}
}
