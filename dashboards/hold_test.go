package dashboards_test

import (
	"testing"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// POST /agents/{id}/hold: who may, and what is refused (no call here: 409).
func TestHoldPermissions(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	e.addUser(storage.NewUser{Username: "lead-b", Role: callfloor.RoleTeamLead, TeamID: "team-b"})
	if code, out := e.do("ana", "POST", "/agents/1001/hold", `{}`); code != 400 || out["field"] != "on" {
		t.Errorf("no on: %d %v", code, out)
	}
	if code, out := e.do("ana", "POST", "/agents/1001/hold", `{"on": "yes"}`); code != 400 || out["field"] != "on" {
		t.Errorf("on not a boolean: %d %v", code, out)
	}
	e.expect("ana", "POST", "/agents/1001/hold", `{"on": true}`, 409) // not on a call
	e.expect("lead-a", "POST", "/agents/1001/hold", `{"on": true}`, 409)
	for _, u := range []string{"qa", "lead-b"} {
		e.expect(u, "POST", "/agents/1001/hold", `{"on": true}`, 403)
	}
	e.expect("ana", "POST", "/agents/1002/hold", `{"on": true}`, 403)
	e.expect("sup", "POST", "/agents/nobody/hold", `{"on": true}`, 404)
}
