package storage_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

var sampleDay = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// sampleFloor makes teams red and blue (agents r1, r2 and b1), a team lead of each, two QA
// users, and returns a function that inserts calls.
func sampleFloor(t *testing.T, db *storage.DB) func(id, agent string, at time.Time, recorded bool) {
	t.Helper()
	ctx := context.Background()
	for _, team := range []string{"red", "blue"} {
		if _, err := db.CreateTeam(ctx, storage.Team{ID: team, Name: team}); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range [][2]string{{"r1", "red"}, {"r2", "red"}, {"b1", "blue"}} {
		if _, err := db.Pool.Exec(ctx, `INSERT INTO agents (id, name, endpoint, team_id) VALUES ($1, $1, 'PJSIP/'||$1, $2)`, a[0], a[1]); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []storage.NewUser{
		{Username: "lead-red", Role: callfloor.RoleTeamLead, TeamID: "red"},
		{Username: "lead-blue", Role: callfloor.RoleTeamLead, TeamID: "blue"},
		{Username: "qa1", Role: callfloor.RoleQA},
		{Username: "qa2", Role: callfloor.RoleQA},
	} {
		u.Password = pw
		if _, err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	return func(id, agent string, at time.Time, recorded bool) {
		t.Helper()
		var rec *string
		if recorded {
			s := "rec-" + id
			rec = &s
		}
		if _, err := db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, queue, node, agent_id, entered_at, talk_ms, outcome, recording_name, last_event_id)
			VALUES ($1, 'inbound', 'sales', 'n1', $2, $3, 60000, 'answered', $4, '1-0')`, id, agent, at, rec); err != nil {
			t.Fatal(err)
		}
	}
}

func callIDs(cs []callfloor.SampleCandidate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.CallID
	}
	return out
}

func TestSamplePlanDraws(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	call := sampleFloor(t, db)
	for i := range 40 {
		agent := []string{"r1", "r2", "b1"}[i%3]
		call(fmt.Sprintf("c%02d", i), agent, sampleDay.Add(time.Duration(i)*30*time.Minute), true)
	}
	call("norec", "r1", sampleDay.Add(time.Hour), false)
	evalScorecardRow(t, db, "card", 1, evalTestForm)
	if _, err := db.CreateEvaluation(ctx, storage.NewEvaluation{CallID: "c00", AgentID: "r1", TeamID: "red", Evaluator: "qa1", ScorecardID: "card",
		Answers: []callfloor.Answer{{ItemID: "greet", Yes: yes(true)}, {ItemID: "verify", Yes: yes(true)}}}); err != nil {
		t.Fatal(err)
	}

	_, err := db.CreatePlan(ctx, storage.NewSamplePlan{Name: "bad", Period: "day", CreatedBy: "qa1", Plan: callfloor.SamplePlan{Scope: "agent"}})
	wantCode(t, err, callfloor.EINVALID, "plan.per_agent")
	_, err = db.CreatePlan(ctx, storage.NewSamplePlan{Name: "bad", Period: "year", CreatedBy: "qa1", Plan: callfloor.SamplePlan{Scope: "agent", PerAgent: 1}})
	wantCode(t, err, callfloor.EINVALID, "period")
	plan, err := db.CreatePlan(ctx, storage.NewSamplePlan{Name: "per agent", Period: "day", CreatedBy: "qa1",
		Plan: callfloor.SamplePlan{Scope: callfloor.SampleScopeAgent, PerAgent: 3}})
	if err != nil || !plan.Plan.NotEvaluated || !plan.Active || plan.Scope != "agent" {
		t.Fatalf("plan %+v %v", plan, err)
	}
	if ps, err := db.ListPlans(ctx); err != nil || len(ps) != 1 || ps[0].ID != plan.ID {
		t.Fatalf("plans %+v %v", ps, err)
	}

	from, to := sampleDay, sampleDay.AddDate(0, 0, 1)
	cands, err := db.Candidates(ctx, from, to, storage.CandidateFilter{})
	if err != nil || len(cands) != 40 {
		t.Fatalf("candidates: %d %v (the unrecorded call is no candidate)", len(cands), err)
	}
	if red, _ := db.Candidates(ctx, from, to, storage.CandidateFilter{Team: "red"}); len(red) != 27 {
		t.Fatalf("red candidates %d", len(red))
	}
	// reproducible: the stored draw is DrawSample's over the same population and seed
	want, err := callfloor.DrawSample(plan.Plan, cands, 42, from, to)
	if err != nil {
		t.Fatal(err)
	}
	d, as, err := db.RunPlan(ctx, plan.ID, 42, from, to, "qa1")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(callIDs(d.Picks), callIDs(want.Picks)) || len(d.Picks) != 9 || d.Seed != 42 || d.PopulationSize != 39 ||
		d.Filters != want.Filters || d.ID == 0 || *d.PlanID != plan.ID || d.Kind != "plan" {
		t.Fatalf("draw %+v, want picks %v", d, callIDs(want.Picks))
	}
	if slices.Contains(callIDs(d.Picks), "c00") {
		t.Fatal("an evaluated call was drawn")
	}
	var seed int64
	var filters string
	var popSize int
	if err := db.Pool.QueryRow(ctx, `SELECT seed, filters, population_size FROM sample_draws WHERE id = $1`, d.ID).Scan(&seed, &filters, &popSize); err != nil ||
		seed != 42 || filters != want.Filters || popSize != 39 {
		t.Fatalf("stored draw: %d %q %d %v", seed, filters, popSize, err)
	}
	// every pick assigned once, to the team's lead or QA, balanced
	if len(as) != 9 {
		t.Fatalf("assignments %+v", as)
	}
	per := map[string]int{}
	for _, a := range as {
		per[a.Evaluator]++
		if a.Evaluator == "lead-blue" && a.Team != "blue" || a.Evaluator == "lead-red" && a.Team != "red" {
			t.Errorf("assignment %+v outside the lead's team", a)
		}
		if a.Done || a.RecordingName == "" || a.Agent == "" {
			t.Errorf("assignment %+v", a)
		}
	}
	if len(per) != 4 {
		t.Errorf("assignments by evaluator %v", per)
	}

	// a second draw never assigns a call of the first, even with the same seed
	d2, as2, err := db.RunPlan(ctx, plan.ID, 42, from, to, "qa1")
	if err != nil || len(as2) != 9 || d2.PopulationSize != 30 {
		t.Fatalf("second draw %+v %d %v", d2, len(as2), err)
	}
	for _, id := range callIDs(d2.Picks) {
		if slices.Contains(callIDs(d.Picks), id) {
			t.Fatalf("call %s assigned twice", id)
		}
	}
	var n, distinct int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT call_id) FROM sample_assignments`).Scan(&n, &distinct); err != nil || n != 18 || distinct != 18 {
		t.Fatalf("assignments %d distinct %d %v", n, distinct, err)
	}

	// worklists; done once an evaluation exists
	wl, err := db.Worklist(ctx, "qa1")
	if err != nil || len(wl) != per["qa1"]+countEval(as2, "qa1") {
		t.Fatalf("qa1 worklist %d %v", len(wl), err)
	}
	first := wl[0]
	if _, err := db.CreateEvaluation(ctx, storage.NewEvaluation{CallID: first.CallID, AgentID: first.Agent, TeamID: first.Team, Evaluator: "qa1",
		ScorecardID: "card", Answers: []callfloor.Answer{{ItemID: "greet", Yes: yes(true)}, {ItemID: "verify", Yes: yes(true)}}}); err != nil {
		t.Fatal(err)
	}
	wl, _ = db.Worklist(ctx, "qa1")
	if !wl[0].Done || wl[0].DoneAt == nil || wl[1].Done {
		t.Fatalf("done flags %+v", wl[:2])
	}
	if wl, err := db.Worklist(ctx, "nobody"); err != nil || len(wl) != 0 {
		t.Fatalf("nobody's worklist %v %v", wl, err)
	}
	_, _, err = db.RunPlan(ctx, 999, 1, from, to, "qa1")
	wantCode(t, err, callfloor.ENOTFOUND, "")
}

func countEval(as []storage.SampleAssignment, e string) int {
	n := 0
	for _, a := range as {
		if a.Evaluator == e {
			n++
		}
	}
	return n
}

func TestDailyTeamLeadDraws(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	call := sampleFloor(t, db)
	for i := range 30 { // red: 30 calls that day
		call(fmt.Sprintf("r%02d", i), []string{"r1", "r2"}[i%2], sampleDay.Add(time.Duration(i)*40*time.Minute), true)
	}
	for i := range 4 { // blue: 4
		call(fmt.Sprintf("b%02d", i), "b1", sampleDay.Add(time.Duration(i)*3*time.Hour), true)
	}
	call("b-next-day", "b1", sampleDay.AddDate(0, 0, 1).Add(time.Hour), true)
	evalScorecardRow(t, db, "card", 1, evalTestForm)
	if _, err := db.CreateEvaluation(ctx, storage.NewEvaluation{CallID: "b00", AgentID: "b1", TeamID: "blue", Evaluator: "qa1", ScorecardID: "card",
		Answers: []callfloor.Answer{{ItemID: "greet", Yes: yes(true)}, {ItemID: "verify", Yes: yes(true)}}}); err != nil {
		t.Fatal(err)
	}

	_, err := db.DailyTeamLeadDraws(ctx, time.Now())
	wantCode(t, err, callfloor.EINVALID, "day")
	n, err := db.DailyTeamLeadDraws(ctx, sampleDay.Add(13*time.Hour))
	if err != nil || n != 10+3 {
		t.Fatalf("daily draws: %d %v", n, err)
	}
	red, _ := db.Worklist(ctx, "lead-red")
	blue, _ := db.Worklist(ctx, "lead-blue")
	if len(red) != 10 || len(blue) != 3 {
		t.Fatalf("worklists red %d blue %d", len(red), len(blue))
	}
	for _, a := range red {
		if a.Team != "red" || a.Kind != "daily_team_lead" || a.CallEnteredAt.Before(sampleDay) || !a.CallEnteredAt.Before(sampleDay.AddDate(0, 0, 1)) {
			t.Errorf("red assignment %+v", a)
		}
	}
	for _, a := range blue {
		if a.CallID == "b00" {
			t.Error("an evaluated call was drawn")
		}
	}
	// once per lead per day
	if n, err := db.DailyTeamLeadDraws(ctx, sampleDay); err != nil || n != 0 {
		t.Fatalf("second run: %d %v", n, err)
	}
	var draws int
	var seed int64
	if err := db.Pool.QueryRow(ctx, `SELECT count(*), min(seed) FROM sample_draws WHERE kind = 'daily_team_lead' AND drawn_for = 'lead-red'`).Scan(&draws, &seed); err != nil || draws != 1 || seed == 0 {
		t.Fatalf("lead-red draws %d seed %d %v", draws, seed, err)
	}
	// the next day is its own draw
	if n, err := db.DailyTeamLeadDraws(ctx, sampleDay.AddDate(0, 0, 1)); err != nil || n != 1 {
		t.Fatalf("next day: %d %v", n, err)
	}
}
