package storage_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
)

// outboundSetup: project tele with teams ta, tb (agents x1, x2 and x3 of ta, tb), a campaign
// "renew" of tele with n leads claimed (their dial ids returned in order).
func outboundSetup(t *testing.T, db *storage.DB, n int) ([]storage.Lead, callfloor.Campaign) {
	t.Helper()
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO projects (id, name) VALUES ('tele', '电销项目')`,
		`INSERT INTO teams (id, name, project_id) VALUES ('ta', '电销一组', 'tele'), ('tb', '电销二组', 'tele')`,
		`INSERT INTO agents (id, name, endpoint, team_id) VALUES ('x1', '王芳', 'PJSIP/x1', 'ta'), ('x2', '李娜', 'PJSIP/x2', 'ta'), ('x3', '张伟', 'PJSIP/x3', 'tb')`,
	} {
		if _, err := db.Pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	c := testCampaign("renew")
	c.Project, c.Teams, c.DailyDialTarget, c.DailyConnectTarget = "tele", []string{"ta", "tb"}, 10, 4
	if _, err := db.PutCampaign(ctx, c); err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for i := range n + 2 { // two leads stay undialled
		rows = append(rows, []string{fmt.Sprintf("1380000%04d", i)})
	}
	if _, err := db.ImportLeads(ctx, "renew", "十二月", "dec.csv", "pam", []string{"手机"}, rows, storage.LeadMapping{Phone: "手机"}); err != nil {
		t.Fatal(err)
	}
	leads, err := db.ClaimLeads(ctx, "renew", n, time.Now(), nextDial)
	if err != nil || len(leads) != n {
		t.Fatalf("claimed %d, %v", len(leads), err)
	}
	return leads, c
}

// The outbound report's totals are the campaign's call rows and attempts, counted straight
// in SQL; its rows add up to its totals; and today's report says what the wallboard's campaign
// counters (written with the calls' saves, as the ACD does) say.
func TestOutboundReportEqualsCallRowsAndWallboard(t *testing.T) {
	t.Parallel()
	e := newHistEnv(t)
	ctx := context.Background()
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	e.store = e.store.WithLocation(shanghai)
	if _, err := e.db.SetRollupZone(ctx, shanghai); err != nil { // the day reports read the campaign rollups' daily level
		t.Fatal(err)
	}
	w, _ := e.start(t, e.db, storage.WriterOptions{Consumer: "w1"})
	leads, _ := outboundSetup(t, e.db, 8)
	now := time.Now().Truncate(time.Millisecond)
	base := now.Add(-30 * time.Minute)
	if base.In(shanghai).Day() != now.In(shanghai).Day() {
		base = now.Add(-time.Minute) // just after midnight: keep every call today
	}
	type plan struct {
		agent, team string
		outcome     callfloor.Outcome
		cause       int
		talk        time.Duration // 0: not answered
		disp        string
	}
	plans := []plan{
		{"x1", "ta", callfloor.OutcomeAnswered, 16, 95 * time.Second, "success"},
		{"x1", "ta", callfloor.OutcomeAnswered, 16, 40 * time.Second, "refused"},
		{"x2", "ta", callfloor.OutcomeBusy, 17, 0, ""},
		{"x2", "ta", callfloor.OutcomeNoAnswer, 19, 0, ""},
		{"x3", "tb", callfloor.OutcomeAnswered, 16, 150 * time.Second, "success"},
		{"x3", "tb", callfloor.OutcomeFailed, 1, 0, ""},  // 空号
		{"x3", "tb", callfloor.OutcomeFailed, 20, 0, ""}, // switched off
		{"", "", callfloor.OutcomeAnswered, 16, 0, ""},   // dropped: answered, no agent free
	}
	for i, p := range plans {
		l := leads[i]
		at := base.Add(time.Duration(i) * time.Second)
		c := &callfloor.Call{ID: l.DialID, Direction: callfloor.Outbound, State: callfloor.CallDialing, CalledNumber: l.Phone,
			Agent: p.agent, EnteredAt: at, CampaignID: "renew", LeadID: l.ID}
		if err := e.store.SaveCall(ctx, realtime.CallChange{Call: c, Event: &callfloor.Event{Type: callfloor.EvCallEntered, At: at, Call: c},
			CampaignInc: map[string]int64{realtime.CampDials: 1}}); err != nil {
			t.Fatal(err)
		}
		end := *c
		end.State, end.Outcome, end.Cause, end.EndedAt = callfloor.CallEnded, p.outcome, p.cause, at.Add(10*time.Second)
		inc := map[string]int64{}
		result := callfloor.ResultOfCause(p.cause)
		switch {
		case p.outcome == callfloor.OutcomeAnswered && p.agent == "":
			end.AnsweredAt, end.EndedAt = at.Add(5*time.Second), at.Add(12*time.Second)
			inc[realtime.CampAnswered], inc[realtime.CampDropped] = 1, 1
			result = callfloor.ResultDropped
		case p.outcome == callfloor.OutcomeAnswered:
			end.AnsweredAt = at.Add(5 * time.Second)
			end.EndedAt = end.AnsweredAt.Add(p.talk)
			inc[realtime.CampAnswered], inc[realtime.CampConnected], inc[realtime.CampTalkMs] = 1, 1, p.talk.Milliseconds()
			result = callfloor.ResultAnswered
		default:
			inc[map[callfloor.DialResult]string{callfloor.ResultBusy: realtime.CampBusy, callfloor.ResultNoAnswer: realtime.CampNoAnswer,
				callfloor.ResultUnallocated: realtime.CampUnalloc, callfloor.ResultSwitchedOff: realtime.CampSwitchOff}[result]] = 1
		}
		if err := e.store.SaveCall(ctx, realtime.CallChange{Call: &end, Event: &callfloor.Event{Type: callfloor.EvCallEnded, At: end.EndedAt, Call: &end},
			CampaignInc: inc, CampaignTeam: p.team}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.RecordAttempt(ctx, storage.AttemptRecord{LeadID: l.ID, DialID: l.DialID, At: at, Result: result, CallID: c.ID,
			Agent: p.agent, Disposition: p.disp}, nil); err != nil {
			t.Fatal(err)
		}
		if p.disp == "success" { // the desk counts the conversion
			if err := e.store.IncrCampaign(ctx, "renew", p.team, at, map[string]int64{realtime.CampSuccess: 1}); err != nil {
				t.Fatal(err)
			}
		}
	}
	drained(t, w, 10*time.Second)
	if n := e.count(t, `SELECT sum(dials) FROM rollup_campaign_day`); n != 8 {
		t.Errorf("the writer's daily campaign rollups sum %d dials, want 8", n)
	}
	day := now.In(shanghai)
	from := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, shanghai)
	f := storage.OutboundFilter{From: from, To: from.AddDate(0, 0, 1), Loc: shanghai, Interval: storage.IntervalDay, Group: storage.GroupCampaign}
	r, err := outboundBoth(t, e.db, f)
	if err != nil {
		t.Fatal(err)
	}
	tot := r.Totals

	// against the rows, counted in SQL
	var dials, answered, connected, dropped, talk, numbers int64
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*), count(answered_at), count(*) FILTER (WHERE answered_at IS NOT NULL AND agent_id IS NOT NULL),
		count(*) FILTER (WHERE answered_at IS NOT NULL AND agent_id IS NULL),
		coalesce(sum(talk_ms) FILTER (WHERE agent_id IS NOT NULL), 0), count(DISTINCT called_number)
		FROM calls WHERE campaign_id = 'renew' AND entered_at >= $1 AND entered_at < $2`, f.From, f.To).
		Scan(&dials, &answered, &connected, &dropped, &talk, &numbers); err != nil {
		t.Fatal(err)
	}
	var successes, refused, attempts int64
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE disposition = 'success'), count(*) FILTER (WHERE disposition = 'refused'), count(*)
		FROM lead_attempts WHERE campaign_id = 'renew'`).Scan(&successes, &refused, &attempts); err != nil {
		t.Fatal(err)
	}
	if dials != 8 || attempts != 8 || connected != 3 || dropped != 1 {
		t.Fatalf("test's own rows: %d dials, %d attempts, %d connected, %d dropped", dials, attempts, connected, dropped)
	}
	if tot.Dials != dials || tot.Answered != answered || tot.Connected != connected || tot.Dropped != dropped || tot.TalkMs() != talk ||
		tot.DialledNumbers != numbers || tot.Conversions != successes || tot.Dispositions["success"] != successes ||
		tot.Dispositions["refused"] != refused || tot.LeadsWorked != 8 || tot.Busy != 1 || tot.NoAnswer != 1 ||
		tot.Unallocated != 1 || tot.SwitchedOff != 1 || tot.Failed != 0 {
		t.Errorf("totals %+v\nwant rows: %d dials, %d answered, %d connected, %d dropped, %d ms, %d numbers, %d successes, %d refused",
			tot, dials, answered, connected, dropped, talk, numbers, successes, refused)
	}
	if tot.ConnectRate == nil || *tot.ConnectRate != 3.0/8 || tot.DropRate == nil || *tot.DropRate != 1.0/4 ||
		tot.ConversionRate == nil || *tot.ConversionRate != 2.0/3 || tot.LeadsLeft == nil || *tot.LeadsLeft != 6 {
		t.Errorf("rates %v %v %v, leads left %v; want 3/8, 1/4, 2/3, 6 (10 leads less 2 successes, a refusal, a 空号)", deref(tot.ConnectRate), deref(tot.DropRate), deref(tot.ConversionRate), deref(tot.LeadsLeft))
	}
	if r.TotalTargets == nil || r.TotalTargets.Dials == nil || *r.TotalTargets.Dials != 10 || *r.TotalTargets.Connects != 4 {
		t.Errorf("targets %+v, want the campaign's 10 dials and 4 connects", r.TotalTargets)
	}

	// against the wallboard's counters of the same calls
	live, err := e.store.CampaignCounters(ctx, "renew", now)
	if err != nil {
		t.Fatal(err)
	}
	lt := live.Total
	if lt[realtime.CampDials] != tot.Dials || lt[realtime.CampAnswered] != tot.Answered || lt[realtime.CampConnected] != tot.Connected ||
		lt[realtime.CampDropped] != tot.Dropped || lt[realtime.CampTalkMs] != tot.TalkMs() || lt[realtime.CampSuccess] != tot.Conversions ||
		lt[realtime.CampBusy] != tot.Busy || lt[realtime.CampNoAnswer] != tot.NoAnswer || lt[realtime.CampUnalloc] != tot.Unallocated ||
		lt[realtime.CampSwitchOff] != tot.SwitchedOff {
		t.Errorf("wallboard %v\nreport %+v", lt, tot)
	}
	f.Group = storage.GroupTeam
	rt, err := outboundBoth(t, e.db, f)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rt.Rows {
		if row.Key == "" {
			if row.Figures.Dropped != 1 || row.Figures.Connected != 0 {
				t.Errorf("the no-agent row: %+v", row.Figures)
			}
			continue
		}
		lv := live.Teams[row.Key]
		if lv[realtime.CampConnected] != row.Figures.Connected || lv[realtime.CampTalkMs] != row.Figures.TalkMs() || lv[realtime.CampSuccess] != row.Figures.Conversions {
			t.Errorf("team %s: wallboard %v, report %+v", row.Key, lv, row.Figures)
		}
	}

	// rows add up to the totals, whatever the grouping and interval
	for _, g := range storage.OutboundGroups {
		for _, iv := range []string{storage.Interval60m, storage.IntervalDay, storage.IntervalRange} {
			f.Group, f.Interval = g, iv
			r, err := outboundBoth(t, e.db, f)
			if err != nil {
				t.Fatal(err)
			}
			var sum storage.OutboundFigures
			sum.Dispositions = map[string]int64{}
			for _, row := range r.Rows {
				x := row.Figures
				sum.Dials += x.Dials
				sum.Connected += x.Connected
				sum.Dropped += x.Dropped
				sum.Conversions += x.Conversions
				sum.Busy += x.Busy
				for k, v := range x.Dispositions {
					sum.Dispositions[k] += v
				}
			}
			if sum.Dials != tot.Dials || sum.Connected != tot.Connected || sum.Dropped != tot.Dropped || sum.Conversions != tot.Conversions ||
				sum.Busy != tot.Busy || fmt.Sprint(sum.Dispositions) != fmt.Sprint(tot.Dispositions) ||
				fmt.Sprint(r.Totals.Dispositions) != fmt.Sprint(tot.Dispositions) || r.Totals.Dials != tot.Dials {
				t.Errorf("%s by %s: rows add to %+v, totals %+v", g, iv, sum, r.Totals)
			}
		}
	}
	// a team filter keeps the team's calls only; a project filter its campaigns
	f.Group, f.Interval, f.Team = storage.GroupNone, storage.IntervalDay, "tb"
	if r, err := outboundBoth(t, e.db, f); err != nil || r.Totals.Dials != 3 || r.Totals.Connected != 1 {
		t.Errorf("team tb: %+v %v", r, err)
	}
	f.Team, f.Projects = "", []string{"other"}
	if r, err := outboundBoth(t, e.db, f); err != nil || r.Totals.Dials != 0 || len(r.Rows) != 0 {
		t.Errorf("another project's report: %+v %v", r, err)
	}
}

// A dial belongs to the interval it was placed in, in the centre's zone: one at 23:59:59.999 and
// one at midnight in Shanghai are two days, two ISO weeks (Sunday → Monday) and two hours.
func TestOutboundReportIntervalSplit(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	leads, _ := outboundSetup(t, db, 2)
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	sunday := time.Date(2026, 3, 8, 23, 59, 59, 999_000_000, shanghai)
	monday := time.Date(2026, 3, 9, 0, 0, 0, 0, shanghai)
	if err := db.EnsurePartitions(ctx, sunday.AddDate(0, 0, -1), monday.AddDate(0, 0, 1)); err != nil {
		t.Fatal(err)
	}
	for i, at := range []time.Time{sunday, monday} {
		if _, err := db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, called_number, agent_id, entered_at, answered_at, ended_at, talk_ms, outcome, cause, last_event_id, campaign_id, lead_id)
			VALUES ($1, 'outbound', $2, 'x1', $3, $4, $5, 60000, 'answered', 16, '1-0', 'renew', $6)`,
			leads[i].DialID, leads[i].Phone, at, at.Add(5*time.Second), at.Add(65*time.Second), leads[i].ID); err != nil {
			t.Fatal(err)
		}
	}
	from := time.Date(2026, 3, 8, 0, 0, 0, 0, shanghai)
	if _, err := db.SetRollupZone(ctx, shanghai); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RebuildRollups(ctx, from, from.AddDate(0, 0, 2)); err != nil { // rows put in by hand
		t.Fatal(err)
	}
	check := func(iv string, want string) {
		t.Helper()
		r, err := outboundBoth(t, db, storage.OutboundFilter{From: from, To: from.AddDate(0, 0, 2), Loc: shanghai, Interval: iv, Group: storage.GroupNone})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, row := range r.Rows {
			got += fmt.Sprintf("%s-%s:%d/%.0f ", row.Start.In(shanghai).Format("01-02T15:04"), row.End.In(shanghai).Format("01-02T15:04"), row.Figures.Dials, row.Figures.TalkMinutes)
		}
		if got != want || r.Totals.Dials != 2 || r.Totals.TalkMinutes != 2 {
			t.Errorf("%s: %q (totals %d dials), want %q", iv, got, r.Totals.Dials, want)
		}
	}
	check(storage.IntervalDay, "03-08T00:00-03-09T00:00:1/1 03-09T00:00-03-10T00:00:1/1 ")
	check(storage.IntervalWeek, "03-08T00:00-03-09T00:00:1/1 03-09T00:00-03-10T00:00:1/1 ")
	check(storage.Interval60m, "03-08T23:00-03-09T00:00:1/1 03-09T00:00-03-09T01:00:1/1 ")
	check(storage.IntervalRange, "03-08T00:00-03-10T00:00:2/2 ")
}

// outboundBoth computes the report from the campaign rollups and from the raw rows, fails unless
// both give the same rows and totals, and returns the rollups'.
func outboundBoth(t *testing.T, db *storage.DB, f storage.OutboundFilter) (*storage.OutboundResult, error) {
	t.Helper()
	ctx := context.Background()
	f.Source = storage.SourceRaw
	raw, err := db.OutboundReport(ctx, f)
	if err != nil {
		return nil, err
	}
	f.Source = storage.SourceRollup
	r, err := db.OutboundReport(ctx, f)
	if err != nil {
		return nil, err
	}
	a, _ := json.Marshal([]any{r.Rows, r.Totals, r.Dispositions})
	b, _ := json.Marshal([]any{raw.Rows, raw.Totals, raw.Dispositions})
	if string(a) != string(b) {
		t.Errorf("%s by %s: the rollups' report\n%s\nthe raw rows'\n%s", f.Group, f.Interval, a, b)
	}
	return r, nil
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
