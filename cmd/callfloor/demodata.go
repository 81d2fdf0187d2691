package main

// `callfloor demo-data`: what the demo needs beyond its traffic to show the QA side: one user per
// role, a scorecard and a daily sampling plan. Idempotent: what exists is left as it is.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// demoUsers are the demo's people: the agent and the team lead belong to the demo's team-a. Their
// display names are people's names (a Chinese centre's); the UI shows each one's role from its
// own catalogue, in the reader's language.
var demoUsers = []storage.NewUser{
	{Username: "quinn", DisplayName: "秦雯", Role: callfloor.RoleQA},
	{Username: "lee", DisplayName: "李强", Role: callfloor.RoleTeamLead, TeamID: "team-a"},
	{Username: "ana", DisplayName: "安娜", Role: callfloor.RoleAgent, AgentID: "1001", TeamID: "team-a"},
	{Username: "olga", DisplayName: "欧阳琳", Role: callfloor.RoleOperationsManager},
	{Username: "pam", DisplayName: "潘敏", Role: callfloor.RoleProjectManager, Projects: []string{"cards"}},
	{Username: "paul", DisplayName: "鲍立新", Role: callfloor.RoleProjectManager, Projects: []string{"telecom"}},
	{Username: "sam", DisplayName: "沈军", Role: callfloor.RoleSupervisor},
	{Username: "tara", DisplayName: "唐芳", Role: callfloor.RoleTrainer},
}

// demoScorecard is a service call form with every kind of item and flag.
const demoScorecard = `{"id": "service", "name": "Service call", "bonus_cap": 5, "sections": [
  {"id": "opening", "title": "Opening", "weight": 1, "items": [
    {"id": "greet", "text": "Greets with the company name and their own name", "kind": "yes_no", "weight": 1},
    {"id": "verify", "text": "Verifies the caller's identity before account details", "kind": "yes_no", "weight": 2, "fatal": true}]},
  {"id": "handling", "title": "Handling", "weight": 2, "items": [
    {"id": "listen", "text": "Listens and confirms the need", "kind": "scale", "max": 4, "weight": 2},
    {"id": "resolution", "text": "Resolution", "kind": "choice", "weight": 3, "choices": [
      {"label": "Resolved on the call", "points": 3}, {"label": "Escalated correctly", "points": 2}, {"label": "Not resolved", "points": 0}]},
    {"id": "hold", "text": "Asks before putting on hold", "kind": "yes_no", "weight": 1, "allow_na": true, "non_fatal": true},
    {"id": "promise", "text": "No promise outside policy", "kind": "yes_no", "weight": 1, "section_fail": true}]},
  {"id": "closing", "title": "Closing", "weight": 1, "items": [
    {"id": "summary", "text": "Summarises and offers more help", "kind": "yes_no", "weight": 1, "non_fatal": true},
    {"id": "delight", "text": "Goes beyond the script", "kind": "yes_no", "weight": 1, "bonus": true}]}]}`

const demoPlanName = "Daily: 2 answered calls per agent"

// demoProjects are the demo floor's two programmes: the outbound card sales team (team-a, queue
// sales) and the telecom hotline (team-b, queues support and billing), with the targets such a
// floor plans by.
var demoProjects = []struct {
	id, name      string
	queues, teams []string
	outbound      bool   // its history (demohistory.go) is an outbound campaign
	did           string // the number its callers dial (history)
}{
	{id: "cards", name: "信用卡营销", queues: []string{"sales"}, teams: []string{"team-a"}, outbound: true},
	{id: "telecom", name: "电信客服热线", queues: []string{"support", "billing"}, teams: []string{"team-b"}, did: "10000"},
}

func demoTargets() storage.Targets {
	f := func(v float64) *float64 { return &v }
	i := func(v int64) *int64 { return &v }
	return storage.Targets{ServiceLevel: f(0.8), AHTS: f(186), ConnectRate: f(0.35), OccupancyMin: f(0.75), OccupancyMax: f(0.9),
		DailyDials: i(8000), DailyTalkMinutes: i(18000)}
}

// seedDemoProjects creates the demo's projects (those missing), moves the configuration's
// queues and teams into them and sets their targets.
func seedDemoProjects(ctx context.Context, db *storage.DB, stdout io.Writer) error {
	have, err := db.ListProjects(ctx)
	if err != nil {
		return err
	}
	exists := map[string]bool{}
	for _, p := range have {
		exists[p.ID] = true
	}
	qs, err := db.QueueProjects(ctx)
	if err != nil {
		return err
	}
	ts, err := db.TeamProjects(ctx)
	if err != nil {
		return err
	}
	for _, p := range demoProjects {
		if exists[p.id] {
			continue
		}
		if _, err := db.CreateProject(ctx, storage.Project{ID: p.id, Name: p.name}); err != nil {
			return fmt.Errorf("demo project %s: %w", p.id, err)
		}
		var queues, teams []string // those the configuration has
		for _, q := range p.queues {
			if _, ok := qs[q]; ok {
				queues = append(queues, q)
			}
		}
		for _, t := range p.teams {
			if _, ok := ts[t]; ok {
				teams = append(teams, t)
			}
		}
		if err := db.SetProjectMembers(ctx, p.id, storage.ProjectMembers{Queues: &queues, Teams: &teams}); err != nil {
			return fmt.Errorf("demo project %s: %w", p.id, err)
		}
		if _, err := db.PutTargets(ctx, storage.TargetProject, p.id, demoTargets()); err != nil {
			return fmt.Errorf("demo project %s targets: %w", p.id, err)
		}
		fmt.Fprintf(stdout, "demo: project %s (%s)\n", p.id, p.name)
	}
	return nil
}

func runDemoData(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo-data", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("database-url", envOr("CALLFLOOR_DATABASE_URL", ""), "PostgreSQL URL (default: the configuration's database_url)")
	path := fs.String("config", envOr("CALLFLOOR_CONFIG", ""), "configuration file (default: the embedded demo)")
	weeks := fs.Int("history-weeks", demoHistoryWeeks, "weeks of history before today to generate for the demo's floor (the days that have none; 0: none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *weeks < 0 || *weeks > 104 {
		return fmt.Errorf("demo-data: -history-weeks must be in 0..104, got %d", *weeks)
	}
	password := os.Getenv("CALLFLOOR_USER_PASSWORD")
	if len(password) < 8 {
		return fmt.Errorf("demo-data: set CALLFLOOR_USER_PASSWORD (8 characters or more): the demo users' password")
	}
	cfg, err := LoadConfig(*path)
	if err != nil {
		return err
	}
	if *url == "" {
		*url = cfg.DatabaseURL
	}
	db, err := storage.Open(ctx, *url)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CheckMigrated(ctx); err != nil {
		return err
	}
	if err := seedDemo(ctx, db, cfg, password, stdout); err != nil {
		return err
	}
	if err := seedDemoLeave(ctx, db, cfg, time.Now(), stdout); err != nil {
		return err
	}
	if err := seedDemoCampaigns(ctx, db, stdout); err != nil { // issue 13: demo_w13_campaigns.go
		return err
	}
	if err := seedDemoTickets(ctx, db, time.Now(), stdout); err != nil { // issue 14: demo_w14_tickets.go
		return err
	}
	t0 := time.Now()
	h, err := seedDemoHistory(ctx, db, cfg, *weeks, time.Now())
	if err != nil {
		return err
	}
	if err := seedDemoAttendance(ctx, db, cfg, time.Now(), stdout); err != nil { // issue 12: demo_w12_attendance.go
		return err
	}
	if err := seedDemoCustomers(ctx, db, time.Now(), stdout); err != nil { // issue 14: demo_w14_customers.go
		return err
	}
	if err := seedDemoKB(ctx, db, time.Now(), stdout); err != nil { // issue 14: demo_w14_customers.go
		return err
	}
	if len(h.Days) > 0 {
		fmt.Fprintf(stdout, "demo: history of %d days from %s (%d calls, %d agent state intervals, %d dispositions) in %s\n",
			len(h.Days), h.Days[0].Format(time.DateOnly), h.Calls, h.Intervals, h.Dispositions, time.Since(t0).Round(100*time.Millisecond))
	}
	if err := seedDemoForecast(ctx, db, cfg, time.Now(), stdout); err != nil { // issue 12's forecast page (demo_w12_forecast.go)
		return err
	}
	if err := seedDemoCallbacks(ctx, db, cfg, time.Now(), stdout); err != nil { // issue 14: demo_w14_callbacks.go
		return err
	}
	if err := seedDemoSurveys(ctx, db, stdout); err != nil { // issue 14's satisfaction (demo_w14_surveys.go)
		return err
	}
	return seedDemoScores(ctx, db, cfg, time.Now(), stdout) // the monthly score (demo_w12_score.go)
}

// seedDemo seeds the configuration's queues, agents and teams into an empty database (as serve
// would: the demo users belong to its teams), then the users, scorecard and plan.
func seedDemo(ctx context.Context, db *storage.DB, cfg *callfloor.Config, password string, stdout io.Writer) error {
	if _, err := db.SeedConfig(ctx, cfg); err != nil {
		return err
	}
	if err := seedDemoProjects(ctx, db, stdout); err != nil {
		return err
	}
	if err := seedDemoRosters(ctx, db, cfg.Location(), stdout); err != nil { // demo_w12_roster.go
		return err
	}
	for _, u := range demoUsers {
		if _, err := db.GetUserByUsername(ctx, u.Username); err == nil {
			continue
		} else if callfloor.ErrorCode(err) != callfloor.ENOTFOUND {
			return err
		}
		u.Password = password
		if _, err := db.CreateUser(ctx, u); err != nil {
			return fmt.Errorf("demo user %s: %w", u.Username, err)
		}
		fmt.Fprintf(stdout, "demo: user %s (%s)\n", u.Username, u.Role)
	}
	var card callfloor.Scorecard
	if err := json.Unmarshal([]byte(demoScorecard), &card); err != nil {
		return err
	}
	if _, err := db.Scorecard(ctx, card.ID, 0); callfloor.ErrorCode(err) == callfloor.ENOTFOUND {
		if _, err := db.CreateScorecard(ctx, card, "demo"); err != nil {
			return fmt.Errorf("demo scorecard: %w", err)
		}
		fmt.Fprintf(stdout, "demo: scorecard %s\n", card.ID)
	} else if err != nil {
		return err
	}
	plans, err := db.ListPlans(ctx)
	if err != nil {
		return err
	}
	for _, p := range plans {
		if p.Name == demoPlanName {
			return nil
		}
	}
	if _, err := db.CreatePlan(ctx, storage.NewSamplePlan{Name: demoPlanName, Period: storage.PlanPeriodDay, CreatedBy: "demo",
		Plan: callfloor.SamplePlan{Scope: "agent", PerAgent: 2, Outcome: string(callfloor.OutcomeAnswered), MinTalk: 5 * time.Second, NotEvaluated: true}}); err != nil {
		return fmt.Errorf("demo plan: %w", err)
	}
	fmt.Fprintf(stdout, "demo: sampling plan %q\n", demoPlanName)
	return nil
}
