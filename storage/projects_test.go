package storage_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

func wantSpecific(t *testing.T, err error, code, field string) {
	t.Helper()
	var e *callfloor.Error
	if !errors.As(err, &e) || e.Code != code || e.Field != field {
		t.Fatalf("want code %s on %q, got %#v", code, field, err)
	}
}

func pf64(v float64) *float64 { return &v }
func pi64(v int64) *int64     { return &v }

// Projects: create, rename, own queues and teams, refuse deletion while they own any; a
// project manager's principal carries the teams and queues of their projects.
func TestProjectsCRUDAndScope(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := usersDB(t)
	if _, err := db.CreateProject(ctx, storage.Project{ID: "acme", Name: "  "}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateProject(ctx, storage.Project{ID: "acme"}); callfloor.SpecificCode(err) != callfloor.CodeAlreadyExists {
		t.Fatalf("duplicate: %v", err)
	}
	_, err := db.CreateProject(ctx, storage.Project{ID: "bad id"})
	wantSpecific(t, err, callfloor.CodeInvalidFormat, "id")
	p, err := db.RenameProject(ctx, "acme", "Acme Telecom")
	if err != nil || p.Name != "Acme Telecom" {
		t.Fatalf("rename: %+v %v", p, err)
	}
	if _, err := db.RenameProject(ctx, "nope", "x"); callfloor.ErrorCode(err) != callfloor.ENOTFOUND {
		t.Fatalf("rename unknown: %v", err)
	}
	if _, err := db.CreateTeam(ctx, storage.Team{ID: "red", ProjectID: "acme"}); err != nil {
		t.Fatal(err)
	}
	_, err = db.CreateTeam(ctx, storage.Team{ID: "blue", ProjectID: "nope"})
	wantSpecific(t, err, callfloor.CodeUnknownRef, "project_id")
	if _, err := db.CreateTeam(ctx, storage.Team{ID: "blue"}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutQueue(ctx, callfloor.Queue{Name: "sales"}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutQueue(ctx, callfloor.Queue{Name: "support"}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetQueueProject(ctx, "sales", "acme"); err != nil {
		t.Fatal(err)
	}
	wantSpecific(t, db.SetQueueProject(ctx, "sales", "nope"), callfloor.CodeUnknownRef, "project_id")
	if err := db.SetQueueProject(ctx, "ghost", "acme"); callfloor.ErrorCode(err) != callfloor.ENOTFOUND {
		t.Fatalf("unknown queue: %v", err)
	}

	// a project manager of acme
	pm, err := db.CreateUser(ctx, storage.NewUser{Username: "pam", Password: pw, Role: callfloor.RoleProjectManager, Projects: []string{"acme"}})
	if err != nil || !slices.Equal(pm.Projects, []string{"acme"}) {
		t.Fatalf("pm: %+v %v", pm, err)
	}
	// another role may not run projects
	_, err = db.CreateUser(ctx, storage.NewUser{Username: "sam", Password: pw, Role: callfloor.RoleSupervisor, Projects: []string{"acme"}})
	wantSpecific(t, err, callfloor.CodeNotApplicable, "projects")
	_, err = db.CreateUser(ctx, storage.NewUser{Username: "pat", Password: pw, Role: callfloor.RoleProjectManager, Projects: []string{"nope"}})
	wantSpecific(t, err, callfloor.CodeUnknownRef, "projects")
	// a project manager created without projects runs the default project
	pd, err := db.CreateUser(ctx, storage.NewUser{Username: "pd", Password: pw, Role: callfloor.RoleProjectManager})
	if err != nil || !slices.Equal(pd.Projects, []string{storage.DefaultProject}) {
		t.Fatalf("pm default: %+v %v", pd, err)
	}

	tok, err := db.CreateSession(ctx, pm.ID, 3600e9, "", "")
	if err != nil {
		t.Fatal(err)
	}
	pr, err := db.SessionPrincipal(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pr.Projects, []string{"acme"}) || !slices.Equal(pr.ProjectTeams, []string{"red"}) || !slices.Equal(pr.ProjectQueues, []string{"sales"}) {
		t.Fatalf("principal %+v", pr)
	}
	if !pr.CanSeeAgent("1001", "red") || pr.CanSeeAgent("2001", "blue") || pr.CanSeeQueue("support") {
		t.Fatalf("scope of %+v", pr)
	}
	// moving blue into acme widens the principal
	if err := db.SetTeamProject(ctx, "blue", "acme"); err != nil {
		t.Fatal(err)
	}
	pr2, _ := db.SessionPrincipal(ctx, tok)
	if !slices.Equal(pr2.ProjectTeams, []string{"blue", "red"}) || pr.Same(pr2) {
		t.Fatalf("after the move %+v", pr2)
	}
	// the user changes projects; becoming a supervisor drops them
	up, err := db.UpdateUser(ctx, pm.ID, storage.UserUpdate{Projects: &[]string{storage.DefaultProject, "acme"}})
	if err != nil || !slices.Equal(up.Projects, []string{"acme", storage.DefaultProject}) {
		t.Fatalf("update projects: %+v %v", up, err)
	}
	_, err = db.UpdateUser(ctx, pm.ID, storage.UserUpdate{Projects: &[]string{}})
	wantSpecific(t, err, callfloor.CodeTooFew, "projects")
	sup := callfloor.RoleSupervisor
	up, err = db.UpdateUser(ctx, pm.ID, storage.UserUpdate{Role: &sup})
	if err != nil || len(up.Projects) != 0 {
		t.Fatalf("demoted: %+v %v", up, err)
	}

	d, err := db.GetProject(ctx, "acme")
	if err != nil || !slices.Equal(d.Queues, []string{"sales"}) || !slices.Equal(d.Teams, []string{"blue", "red"}) || len(d.Managers) != 0 {
		t.Fatalf("detail %+v %v", d, err)
	}
	// deletion refused while it owns anything
	err = db.DeleteProject(ctx, "acme")
	if callfloor.SpecificCode(err) != callfloor.CodeInUse || callfloor.ErrorKind(err) != callfloor.ECONFLICT {
		t.Fatalf("delete in use: %v", err)
	}
	for _, tm := range []string{"red", "blue"} {
		if err := db.SetTeamProject(ctx, tm, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.SetQueueProject(ctx, "sales", storage.DefaultProject); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteProject(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteProject(ctx, "acme"); callfloor.ErrorCode(err) != callfloor.ENOTFOUND {
		t.Fatalf("delete again: %v", err)
	}
}

// Targets: validated as the table's CHECKs say, each field named; a queue's own target wins
// over its project's, figure by figure.
func TestTargets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := usersDB(t)
	if _, err := db.CreateProject(ctx, storage.Project{ID: "acme"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"sales", "support"} {
		if err := db.PutQueue(ctx, callfloor.Queue{Name: q}); err != nil {
			t.Fatal(err)
		}
		if err := db.SetQueueProject(ctx, q, "acme"); err != nil {
			t.Fatal(err)
		}
	}
	bad := []struct {
		t           storage.Targets
		code, field string
	}{
		{storage.Targets{ServiceLevel: pf64(1.2)}, callfloor.CodeOutOfRange, "service_level"},
		{storage.Targets{ConnectRate: pf64(-0.1)}, callfloor.CodeOutOfRange, "connect_rate"},
		{storage.Targets{AHTS: pf64(0)}, callfloor.CodeOutOfRange, "aht_s"},
		{storage.Targets{DailyDials: pi64(-1)}, callfloor.CodeOutOfRange, "daily_dials"},
		{storage.Targets{OccupancyMin: pf64(0.9), OccupancyMax: pf64(0.75)}, callfloor.CodeMustBeBelow, "occupancy_min"},
	}
	for _, b := range bad {
		_, err := db.PutTargets(ctx, storage.TargetProject, "acme", b.t)
		wantSpecific(t, err, b.code, b.field)
	}
	if _, err := db.PutTargets(ctx, storage.TargetProject, "nope", storage.Targets{}); callfloor.ErrorCode(err) != callfloor.ENOTFOUND {
		t.Fatalf("unknown project: %v", err)
	}
	pt := storage.Targets{ServiceLevel: pf64(0.8), AHTS: pf64(186), ConnectRate: pf64(0.35), OccupancyMin: pf64(0.75), OccupancyMax: pf64(0.9), DailyDials: pi64(8000), DailyTalkMinutes: pi64(18000)}
	if _, err := db.PutTargets(ctx, storage.TargetProject, "acme", pt); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutTargets(ctx, storage.TargetQueue, "sales", storage.Targets{ServiceLevel: pf64(0.9)}); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetTargets(ctx, storage.TargetProject, "acme")
	if err != nil || *got.ServiceLevel != 0.8 || *got.AHTS != 186 || *got.OccupancyMax != 0.9 || *got.DailyTalkMinutes != 18000 {
		t.Fatalf("project targets %+v %v", got, err)
	}
	eff, err := db.QueueTargets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s := eff["sales"]; *s.ServiceLevel != 0.9 || *s.AHTS != 186 {
		t.Fatalf("sales: own SL, the project's AHT: %+v", s)
	}
	if s := eff["support"]; *s.ServiceLevel != 0.8 {
		t.Fatalf("support: the project's SL: %+v", s)
	}
	// clearing every field removes the queue's own
	if _, err := db.PutTargets(ctx, storage.TargetQueue, "sales", storage.Targets{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.GetTargets(ctx, storage.TargetQueue, "sales"); !got.Empty() {
		t.Fatalf("cleared: %+v", got)
	}
}
