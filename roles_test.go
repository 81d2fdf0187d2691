package callfloor

import (
	"errors"
	"testing"
)

func TestParseRole(t *testing.T) {
	for _, r := range Roles {
		got, err := ParseRole(" " + string(r) + " ")
		if err != nil || got != r {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
	if got, err := ParseRole("Team_Lead"); err != nil || got != RoleTeamLead {
		t.Errorf("case-insensitive: %q %v", got, err)
	}
	for _, bad := range []string{"", "root", "superviser", "admins"} {
		_, err := ParseRole(bad)
		var e *Error
		if !errors.As(err, &e) || e.Class() != EINVALID || e.Field != "role" {
			t.Errorf("ParseRole(%q): %#v", bad, err)
		}
	}
	if len(Roles) != 8 {
		t.Errorf("the role set is fixed at eight: %v", Roles)
	}
}

// The floor: agents 1001, 1002 in team red; 2001 in team blue; 3001 in no team.
func TestPermissionsByRole(t *testing.T) {
	type agent struct{ id, team string }
	a1001, a1002, a2001, a3001 := agent{"1001", "red"}, agent{"1002", "red"}, agent{"2001", "blue"}, agent{"3001", ""}
	all := []agent{a1001, a1002, a2001, a3001}
	cases := []struct {
		p                 Principal
		seeAll, configure bool
		see, act, listen  []agent
	}{
		{p: Principal{Role: RoleAgent, AgentID: "1001", TeamID: "red"},
			see: []agent{a1001}, act: []agent{a1001}, listen: []agent{a1001}},
		{p: Principal{Role: RoleAgent}}, // an agent user not linked to an ACD agent sees nothing
		{p: Principal{Role: RoleTeamLead, TeamID: "red"},
			see: []agent{a1001, a1002}, act: []agent{a1001, a1002}, listen: []agent{a1001, a1002}},
		{p: Principal{Role: RoleTeamLead, TeamID: "blue", AgentID: "1002"}, // a lead who also takes calls
			see: []agent{a1002, a2001}, act: []agent{a1002, a2001}, listen: []agent{a1002, a2001}},
		{p: Principal{Role: RoleTeamLead}}, // no team: "" must not match the team-less agent 3001
		{p: Principal{Role: RoleQA}, seeAll: true, see: all, listen: all},
		{p: Principal{Role: RoleSupervisor}, seeAll: true, see: all, act: all, listen: all},
		{p: Principal{Role: RoleTrainer}, seeAll: true, see: all, listen: all}, // reads to coach, acts on nobody
		// a project manager sees and acts on their projects' teams' agents only (issue 11)
		{p: Principal{Role: RoleProjectManager, Projects: []string{"acme"}, ProjectTeams: []string{"red"}, ProjectQueues: []string{"sales"}},
			see: []agent{a1001, a1002}, act: []agent{a1001, a1002}, listen: []agent{a1001, a1002}},
		{p: Principal{Role: RoleProjectManager, Projects: []string{"acme", "bank"}, ProjectTeams: []string{"blue", "red"}},
			see: []agent{a1001, a1002, a2001}, act: []agent{a1001, a1002, a2001}, listen: []agent{a1001, a1002, a2001}},
		{p: Principal{Role: RoleProjectManager}}, // no project: nothing, not even the team-less agent
		{p: Principal{Role: RoleOperationsManager}, seeAll: true, configure: true, see: all, act: all, listen: all},
		{p: Principal{Role: RoleAdmin}, seeAll: true, configure: true, see: all, act: all, listen: all},
		{p: Principal{}},                  // no role
		{p: Principal{Role: "superuser"}}, // unknown role: nothing
	}
	in := func(set []agent, a agent) bool {
		for _, x := range set {
			if x == a {
				return true
			}
		}
		return false
	}
	for _, c := range cases {
		if got := c.p.CanSeeAll(); got != c.seeAll {
			t.Errorf("%+v CanSeeAll = %v", c.p, got)
		}
		if got := c.p.CanConfigure(); got != c.configure {
			t.Errorf("%+v CanConfigure = %v", c.p, got)
		}
		checkErr := func(perm Permission, id, team string, want bool) {
			err := c.p.Authorize(perm, id, team)
			if want != (err == nil) {
				t.Errorf("%+v Authorize(%s, %s) = %v, want allowed=%v", c.p, perm, id, err, want)
			}
			if err != nil && ErrorCode(err) != EFORBID {
				t.Errorf("refusal code %q, want %q", ErrorCode(err), EFORBID)
			}
		}
		checkErr(PermSeeAll, "", "", c.seeAll)
		checkErr(PermConfigure, "", "", c.configure)
		for _, a := range all {
			if got := c.p.CanSeeAgent(a.id, a.team); got != in(c.see, a) {
				t.Errorf("%+v CanSeeAgent(%v) = %v", c.p, a, got)
			}
			if got := c.p.CanActOnAgent(a.id, a.team); got != in(c.act, a) {
				t.Errorf("%+v CanActOnAgent(%v) = %v", c.p, a, got)
			}
			if got := c.p.CanListenRecordings(a.id, a.team); got != in(c.listen, a) {
				t.Errorf("%+v CanListenRecordings(%v) = %v", c.p, a, got)
			}
			checkErr(PermSeeAgent, a.id, a.team, in(c.see, a))
			checkErr(PermActOnAgent, a.id, a.team, in(c.act, a))
			checkErr(PermListenRecordings, a.id, a.team, in(c.listen, a))
		}
		// An empty agent id is never "self".
		if c.p.Role == RoleAgent && (c.p.CanSeeAgent("", "") || c.p.CanActOnAgent("", "")) {
			t.Errorf("%+v matches the empty agent id", c.p)
		}
	}
	if err := (Principal{Role: RoleAdmin}).Authorize("fly", "", ""); ErrorCode(err) != EFORBID {
		t.Errorf("unknown permission: %v", err)
	}
}

// A project manager sees the queues, teams and projects of their projects; other roles keep
// what they saw before projects (queue tiles for everyone, teams by role).
func TestProjectScope(t *testing.T) {
	pm := Principal{Role: RoleProjectManager, Projects: []string{"acme"}, ProjectTeams: []string{"red"}, ProjectQueues: []string{"sales"}}
	cases := []struct {
		p                       Principal
		queue, team, project    string
		seeQ, seeT, seeP, scope bool
	}{
		{p: pm, queue: "sales", team: "red", project: "acme", seeQ: true, seeT: true, seeP: true, scope: true},
		{p: pm, queue: "support", team: "blue", project: "bank", scope: true},
		{p: pm, queue: "", team: "", project: "", scope: true},
		{p: Principal{Role: RoleSupervisor}, queue: "support", team: "blue", project: "bank", seeQ: true, seeT: true, seeP: true},
		{p: Principal{Role: RoleTeamLead, TeamID: "red"}, queue: "support", team: "red", project: "bank", seeQ: true, seeT: true},
		{p: Principal{Role: RoleTeamLead, TeamID: "red"}, queue: "sales", team: "blue", project: "acme", seeQ: true},
		{p: Principal{Role: RoleAgent, AgentID: "1001"}, queue: "sales", team: "red", project: "acme", seeQ: true},
		{p: Principal{Role: RoleAdmin}, queue: "x", team: "y", project: "z", seeQ: true, seeT: true, seeP: true},
	}
	for _, c := range cases {
		if got := c.p.CanSeeQueue(c.queue); got != c.seeQ {
			t.Errorf("%+v CanSeeQueue(%q) = %v", c.p, c.queue, got)
		}
		if got := c.p.CanSeeTeam(c.team); got != c.seeT {
			t.Errorf("%+v CanSeeTeam(%q) = %v", c.p, c.team, got)
		}
		if got := c.p.CanSeeProject(c.project); got != c.seeP {
			t.Errorf("%+v CanSeeProject(%q) = %v", c.p, c.project, got)
		}
		if got := c.p.Scoped(); got != c.scope {
			t.Errorf("%+v Scoped = %v", c.p, got)
		}
	}
	moved := pm
	moved.ProjectTeams = []string{"blue", "red"}
	if pm.Same(moved) {
		t.Error("Same ignores a change of the project's teams")
	}
	moved = pm
	moved.ProjectQueues = nil
	if pm.Same(moved) {
		t.Error("Same ignores a change of the project's queues")
	}
}
