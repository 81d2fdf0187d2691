package dashboards_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/dashboards"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
)

// projectEnv: the reports' floor (team-a: 1001, 1002; team-b: 2001; calls r1..r5 and their
// evaluations) with project acme owning queue sales and team team-a, run by pam.
func projectEnv(t *testing.T) *apiEnv {
	e := seedReports(t)
	p := e.expect("root", "POST", "/projects", `{"id":"acme","name":"Acme telecom","queues":["sales"],"teams":["team-a"]}`, 201)
	if p["name"] != "Acme telecom" || strings.Join(pstrs(p["queues"]), ",") != "sales" || strings.Join(pstrs(p["teams"]), ",") != "team-a" {
		t.Fatalf("created %v", p)
	}
	u := e.expect("root", "POST", "/users", `{"username":"pam","password":"a long enough password","role":"project_manager","projects":["acme"]}`, 201)
	if strings.Join(pstrs(u["projects"]), ",") != "acme" {
		t.Fatalf("pm %v", u)
	}
	tok, _, err := e.db.CreateAPIToken(context.Background(), int64(u["id"].(float64)), "test")
	if err != nil {
		t.Fatal(err)
	}
	e.tokens["pam"], e.ids["pam"] = tok, int64(u["id"].(float64))
	return e
}

func pstrs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func ids(list any, key string) string {
	var out []string
	for _, x := range list.([]any) {
		switch v := x.(map[string]any)[key].(type) {
		case string:
			out = append(out, v)
		case float64:
			out = append(out, itoa(int64(v)))
		}
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// A project manager of acme sees acme's queue, team, agents, calls and QA only; a supervisor
// still sees everything.
func TestProjectManagerScope(t *testing.T) {
	t.Parallel()
	e := projectEnv(t)
	if got := ids(e.expect("pam", "GET", "/agents", "", 200)["agents"], "id"); got != "1001,1002" {
		t.Errorf("pm agents %s", got)
	}
	e.expect("pam", "GET", "/agents/2001", "", 403)
	e.expect("pam", "POST", "/agents/2001/login", "", 403)
	e.expect("pam", "POST", "/agents/1001/login", "", 200)
	if got := ids(e.expect("pam", "GET", "/queues", "", 200)["queues"], "name"); got != "sales" {
		t.Errorf("pm queues %s", got)
	}
	e.expect("pam", "GET", "/queues/support", "", 403)
	if got := ids(e.expect("pam", "GET", "/teams", "", 200)["teams"], "id"); got != "team-a" {
		t.Errorf("pm teams %s", got)
	}
	e.expect("pam", "GET", "/teams/team-b", "", 403)
	if got := ids(e.expect("sup", "GET", "/teams", "", 200)["teams"], "id"); got != "team-a,team-b" {
		t.Errorf("supervisor teams %s", got)
	}

	// calls: r1, r2, r5 (sales, team-a), r4 (support, but taken by 1001 of team-a); not r3
	now := time.Now().UTC()
	from, to := now.Add(-time.Hour).Format(time.RFC3339), now.Add(time.Minute).Format(time.RFC3339)
	if got := ids(e.expect("pam", "GET", "/calls?from="+from+"&to="+to, "", 200)["calls"], "id"); got != "r1,r2,r4,r5" {
		t.Errorf("pm calls %s", got)
	}
	if got := ids(e.expect("sup", "GET", "/calls?from="+from+"&to="+to, "", 200)["calls"], "id"); got != "r1,r2,r3,r4,r5" {
		t.Errorf("supervisor calls %s", got)
	}
	e.expect("pam", "GET", "/calls?from="+from+"&to="+to+"&queue=support", "", 403)
	e.expect("pam", "GET", "/calls?from="+from+"&to="+to+"&team=team-b", "", 403)
	e.expect("pam", "GET", "/calls?from="+from+"&to="+to+"&agent=2001", "", 403)
	e.expect("pam", "GET", "/calls/r3", "", 403)
	e.expect("pam", "GET", "/calls/r1", "", 200)
	if code, _, _ := e.get("pam", "/calls/r3/recording/file"); code != 403 {
		t.Errorf("pm plays team-b's recording: %d", code)
	}
	if code, _, _ := e.get("pam", "/calls/r1/recording/file"); code != 200 {
		t.Errorf("pm cannot play acme's recording: %d", code)
	}
	// the CSV export is the same search
	if code, _, body := e.get("pam", "/calls?format=csv&from="+from+"&to="+to); code != 200 || strings.Contains(body, "r3") || !strings.Contains(body, "r1") {
		t.Errorf("pm export %d %q", code, body)
	}

	// QA: evaluations, reports and score sheets of team-a only
	if got := ids(e.expect("pam", "GET", "/evaluations", "", 200)["evaluations"], "call_id"); got != "r1,r2,r4,r5" {
		t.Errorf("pm evaluations %s", got)
	}
	if got := ids(e.expect("sup", "GET", "/evaluations", "", 200)["evaluations"], "call_id"); got != "r1,r2,r3,r4,r5" {
		t.Errorf("supervisor evaluations %s", got)
	}
	e.expect("pam", "GET", "/evaluations?team=team-b", "", 403)
	rep := e.expect("pam", "GET", "/qa/reports?group=team&from=2026-10-01&to=2026-11-30", "", 200)
	for _, row := range rep["rows"].([]any) {
		if k := row.(map[string]any)["key"]; k != "team-a" {
			t.Errorf("pm report row %v", k)
		}
	}
	e.expect("pam", "GET", "/qa/reports?group=team&team=team-b&from=2026-10-01&to=2026-11-30", "", 403)
	e.expect("pam", "GET", "/qa/score-sheet?team=team-b&day=2026-11-18", "", 403)
	e.expect("pam", "GET", "/qa/score-sheet?team=team-a&day=2026-11-18", "", 200)

	// projects: their own only; no changes
	if got := ids(e.expect("pam", "GET", "/projects", "", 200)["projects"], "id"); got != "acme" {
		t.Errorf("pm projects %s", got)
	}
	e.expect("pam", "GET", "/projects/default", "", 403)
	e.expect("pam", "PUT", "/projects/acme", `{"name":"Mine"}`, 403)
	e.expect("lead-a", "GET", "/projects/acme", "", 403)
	if got := ids(e.expect("sup", "GET", "/projects", "", 200)["projects"], "id"); got != "acme,default" {
		t.Errorf("supervisor projects %s", got)
	}

	// live views
	pam, err := e.db.TokenPrincipal(context.Background(), e.tokens["pam"])
	if err != nil {
		t.Fatal(err)
	}
	allowed := dashboards.LiveAllowed(e.acd)
	for _, c := range []struct {
		v  realtime.View
		ok bool
	}{
		{realtime.View{Kind: "floor"}, true},
		{realtime.View{Kind: "queues"}, true},
		{realtime.View{Kind: "queues", Queues: []string{"sales"}}, true},
		{realtime.View{Kind: "queues", Queues: []string{"support"}}, false},
		{realtime.View{Kind: "team", Team: "team-a"}, true},
		{realtime.View{Kind: "team", Team: "team-b"}, false},
		{realtime.View{Kind: "agent", Agent: "1002"}, true},
		{realtime.View{Kind: "agent", Agent: "2001"}, false},
	} {
		if err := allowed(pam, c.v); (err == nil) != c.ok {
			t.Errorf("pm live view %+v: %v", c.v, err)
		}
	}
}

// Projects: changes are for admins and operations managers, validated with specific codes and
// audited; moving a team out widens nothing; deleting is refused while it owns anything.
func TestProjectsAndTargetsAPI(t *testing.T) {
	t.Parallel()
	e := projectEnv(t)
	e.expect("sup", "POST", "/projects", `{"id":"x"}`, 403)
	for _, c := range []struct{ body, code, field string }{
		{`{"id":"bad id"}`, callfloor.CodeInvalidFormat, "id"},
		{`{"id":"acme"}`, callfloor.CodeAlreadyExists, "id"},
		{`{"id":"b2","queues":["nope"]}`, callfloor.CodeUnknownRef, "queues"},
		{`{"id":"b3","managers":[` + itoa(e.ids["sup"]) + `]}`, callfloor.CodeNotAllowed, "managers"},
		{`{"id":"b4","colour":"red"}`, callfloor.CodeUnknownField, "colour"},
	} {
		code, body := e.do("root", "POST", "/projects", c.body)
		if code/100 != 4 || body["code"] != c.code || (c.field != "" && body["field"] != c.field) {
			t.Errorf("%s: %d %v", c.body, code, body)
		}
	}
	// the refused creations left nothing behind
	if got := ids(e.expect("root", "GET", "/projects", "", 200)["projects"], "id"); got != "acme,default" {
		t.Errorf("projects %s", got)
	}
	// managers set from the project
	e.addUser(storage.NewUser{Username: "pat", Role: callfloor.RoleProjectManager, Projects: []string{"acme"}})
	p := e.expect("ops", "PUT", "/projects/acme", `{"managers":[`+itoa(e.ids["pat"])+`]}`, 200)
	if got := ids(p["managers"], "username"); got != "pat" {
		t.Errorf("managers %s", got)
	}
	if u := e.expect("root", "GET", "/users/"+itoa(e.ids["pam"]), "", 200); u["projects"] != nil {
		t.Errorf("pam kept acme: %v", u["projects"])
	}
	// a user of another role cannot be given projects
	code, body := e.do("root", "PUT", "/users/"+itoa(e.ids["sup"]), `{"projects":["acme"]}`)
	if code != 400 || body["code"] != callfloor.CodeNotApplicable || body["field"] != "projects" {
		t.Errorf("supervisor given projects: %d %v", code, body)
	}
	// teams and queues take and return project_id
	tm := e.expect("root", "POST", "/teams", `{"id":"team-c","project_id":"acme"}`, 201)
	if tm["project_id"] != "acme" {
		t.Errorf("team %v", tm)
	}
	code, body = e.do("root", "POST", "/teams", `{"id":"team-d","project_id":"nope"}`)
	if code != 400 || body["code"] != callfloor.CodeUnknownRef || body["field"] != "project_id" {
		t.Errorf("team in no project: %d %v", code, body)
	}
	q := e.expect("root", "POST", "/queues", `{"name":"vip"}`, 201)
	if q["project_id"] != storage.DefaultProject {
		t.Errorf("new queue's project %v", q["project_id"])
	}
	q = e.expect("root", "PUT", "/queues/vip", `{"project_id":"acme"}`, 200)
	if q["project_id"] != "acme" {
		t.Errorf("moved queue %v", q)
	}

	// targets
	tg := e.expect("ops", "PUT", "/projects/acme/targets", `{"service_level":0.8,"aht_s":186,"connect_rate":0.35,"occupancy_min":0.75,
		"occupancy_max":0.9,"daily_dials":8000,"daily_talk_minutes":18000}`, 200)
	if tg["service_level"] != 0.8 || tg["aht_s"] != 186.0 || tg["daily_dials"] != 8000.0 {
		t.Errorf("targets %v", tg)
	}
	for _, c := range []struct{ body, code, field string }{
		{`{"service_level":80}`, callfloor.CodeOutOfRange, "service_level"},
		{`{"aht_s":-3}`, callfloor.CodeOutOfRange, "aht_s"},
		{`{"occupancy_min":0.9,"occupancy_max":0.8}`, callfloor.CodeMustBeBelow, "occupancy_min"},
		{`{"daily_dials":"many"}`, callfloor.CodeWrongType, "daily_dials"},
	} {
		code, body := e.do("ops", "PUT", "/queues/sales/targets", c.body)
		if code != 400 || body["code"] != c.code || body["field"] != c.field {
			t.Errorf("%s: %d %v", c.body, code, body)
		}
	}
	e.expect("ops", "PUT", "/queues/sales/targets", `{"service_level":0.9}`, 200)
	e.expect("sup", "PUT", "/queues/sales/targets", `{"service_level":0.9}`, 403)
	e.expect("ops", "PUT", "/queues/ghost/targets", `{}`, 404)
	if got := e.expect("pat", "GET", "/queues/sales/targets", "", 200); got["service_level"] != 0.9 {
		t.Errorf("queue targets %v", got)
	}
	e.expect("pat", "GET", "/queues/support/targets", "", 403)
	if got := e.expect("pat", "GET", "/projects/acme", "", 200)["targets"].(map[string]any); got["aht_s"] != 186.0 {
		t.Errorf("project's targets %v", got)
	}

	// deletion
	code, body = e.do("root", "DELETE", "/projects/acme", "")
	if code != 409 || body["code"] != callfloor.CodeInUse {
		t.Errorf("delete in use: %d %v", code, body)
	}
	code, body = e.do("root", "DELETE", "/projects/default", "")
	if code != 409 || body["code"] != callfloor.CodeInUse {
		t.Errorf("delete default: %d %v", code, body)
	}
	e.expect("root", "PUT", "/projects/acme", `{"queues":[],"teams":[]}`, 200)
	e.expect("root", "DELETE", "/projects/acme", "", 200)
	e.expect("root", "GET", "/projects/acme", "", 404)

	// audited
	for _, action := range []string{"project_created", "project_updated", "project_deleted", "targets_updated"} {
		if es, err := e.db.ListAudit(context.Background(), storage.AuditFilter{Action: action}); err != nil || len(es) == 0 {
			t.Errorf("no %s in the audit", action)
		}
	}
}
