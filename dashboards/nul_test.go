package dashboards_test

import (
	"net/http"
	"testing"
)

// A NUL byte (PostgreSQL refuses it in text) in a JSON body, a query or a path is a 400 naming
// the field on every endpoint, never a 500.
func TestNULByteIsBadInputNamingTheField(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	e.expectInvalid("NUL", []badInput{
		{"POST", "/teams", `{"id":"t\u0000x","name":"x"}`, "id"},
		{"POST", "/teams", `{"id":"tx","name":"na\u0000me"}`, "name"},
		{"PUT", "/teams/team-a", `{"name":"na\u0000me"}`, "name"},
		{"POST", "/users", `{"username":"u1","display_name":"A\u0000","password":"a long enough password","role":"qa"}`, "display_name"},
		{"POST", "/agents/1001/pause", `{"reason":"lun\u0000ch"}`, "reason"},
		{"POST", "/agents", `{"id":"9","endpoint":"PJSIP/9","skills":{"sa\u0000les":3}}`, "skills"},
		{"POST", "/tokens", `{"name":"tok\u0000en"}`, "name"},
		{"POST", "/scorecards", `{"id":"c\u0000","name":"x","sections":[]}`, "id"},
		{"GET", "/calls?from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z&number=1%00", "", "number"},
		{"GET", "/calls?from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z&agent=10%0001", "", "agent"},
		{"GET", "/audit?action=x%00y", "", "action"},
		{"GET", "/audit?target_id=%00", "", "target_id"},
		{"GET", "/qa/reports?from=2026-11-21&to=2026-11-22&team=a%00", "", "team"},
		{"GET", "/qa/score-sheet?day=2026-11-21&team=a%00", "", "team"},
		{"GET", "/qa/calibrations?status=%00", "", "status"},
		{"GET", "/teams/team%00a", "", "path"},
		{"GET", "/calls/x%00y", "", "path"},
	})
	// the login form, before any session: 400, not 500
	code, body := e.do("", "POST", "/login", `{"username":"ro\u0000ot","password":"x"}`)
	if code != http.StatusBadRequest || body["field"] != "username" {
		t.Errorf("login with a NUL username: %d %v", code, body)
	}
}
