package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/callfloor/callfloor"
)

// demo-data creates one user per role, the service scorecard (valid: every item kind and flag)
// and the daily plan; a second run changes nothing.
func TestDemoData(t *testing.T) {
	t.Parallel()
	db, fx := openDemoDB(t, &demoSeededDB) // seedDemo's first run, fx.Out what it said
	ctx := context.Background()
	cfg := fx.Config
	out := bytes.NewBufferString(fx.Out)
	// two projects own the demo's queues and teams, with targets; a project manager each
	for id, want := range map[string]string{"cards": "sales|team-a|pam", "telecom": "billing,support|team-b|paul"} {
		p, err := db.GetProject(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var mgrs []string
		for _, m := range p.Managers {
			mgrs = append(mgrs, m.Username)
		}
		if got := strings.Join(p.Queues, ",") + "|" + strings.Join(p.Teams, ",") + "|" + strings.Join(mgrs, ","); got != want {
			t.Errorf("project %s: %s, want %s", id, got, want)
		}
		if p.Targets.ServiceLevel == nil || *p.Targets.ServiceLevel != 0.8 || *p.Targets.AHTS != 186 || *p.Targets.DailyDials != 8000 {
			t.Errorf("project %s targets %+v", id, p.Targets)
		}
	}
	if n := strings.Count(out.String(), "demo: user "); n != len(demoUsers) {
		t.Errorf("%d users created:\n%s", n, out.String())
	}
	roles := map[callfloor.Role]bool{}
	users, err := db.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		roles[u.Role] = true
	}
	for _, r := range callfloor.Roles {
		if r != callfloor.RoleAdmin && !roles[r] {
			t.Errorf("no demo user with role %s", r)
		}
	}
	if _, err := db.Authenticate(ctx, "lee", demoFixturePassword); err != nil {
		t.Errorf("lee cannot log in: %v", err)
	}
	card, err := db.Scorecard(ctx, "service", 0)
	if err != nil || card.Version != 1 || len(card.Sections) != 3 {
		t.Fatalf("scorecard: %+v %v", card, err)
	}
	out.Reset()
	if err := seedDemo(ctx, db, cfg, "another password", out); err != nil || out.Len() != 0 {
		t.Errorf("second run: %v\n%s", err, out.String())
	}
	plans, _ := db.ListPlans(ctx)
	if len(plans) != 1 || plans[0].Name != demoPlanName || !plans[0].Active {
		t.Errorf("plans %+v", plans)
	}
	if _, err := db.Authenticate(ctx, "lee", demoFixturePassword); err != nil {
		t.Errorf("the second run changed lee's password: %v", err)
	}
}
