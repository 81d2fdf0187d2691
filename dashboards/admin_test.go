package dashboards_test

// Administration (issue 10, item 3): what the admin screens rely on.

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor/storage"
)

// A user's phone endpoint is set with the user, shown with it, and refused whole when it is not
// a plain dial string (before: a comma or a space passed, and a refused phone left the user
// created without one).
func TestUserPhoneEndpointAdmin(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	for _, bad := range []string{"PJSIP/2001,t", "PJSIP/20 01", "nodial"} {
		out := e.expect("ops", "POST", "/users", `{"username":"sue","password":"a long enough password","role":"supervisor","phone_endpoint":"`+bad+`"}`, 400)
		if out["field"] != "phone_endpoint" {
			t.Fatalf("%q: %v", bad, out)
		}
		if _, err := e.db.GetUserByUsername(ctx, "sue"); err == nil {
			t.Fatalf("%q refused, but the user was created", bad)
		}
	}
	u := e.expect("ops", "POST", "/users", `{"username":"sue","password":"a long enough password","role":"supervisor","phone_endpoint":" PJSIP/2101 "}`, 201)
	if u["phone_endpoint"] != "PJSIP/2101" {
		t.Fatalf("created: %v", u)
	}
	id := itoa(int64(u["id"].(float64)))
	if got := e.expect("ops", "GET", "/users/"+id, "", 200); got["phone_endpoint"] != "PJSIP/2101" {
		t.Fatalf("get: %v", got)
	}
	found := false
	for _, x := range e.expect("ops", "GET", "/users", "", 200)["users"].([]any) {
		if m := x.(map[string]any); m["username"] == "sue" {
			found = m["phone_endpoint"] == "PJSIP/2101"
		}
	}
	if !found {
		t.Fatal("the list does not show sue's phone")
	}
	es, err := e.db.ListAudit(ctx, storage.AuditFilter{Action: "user_created", TargetID: id})
	if err != nil || len(es) != 1 || es[0].Detail["phone_endpoint"] != "PJSIP/2101" {
		t.Fatalf("audit: %+v %v", es, err)
	}
	if got := e.expect("ops", "PUT", "/users/"+id, `{"phone_endpoint":"SIP/2102"}`, 200); got["phone_endpoint"] != "SIP/2102" {
		t.Fatalf("update answers %v", got)
	}
	if out := e.expect("ops", "PUT", "/users/"+id, `{"phone_endpoint":"SIP/2102,r"}`, 400); out["field"] != "phone_endpoint" {
		t.Fatalf("update with a comma: %v", out)
	}
	if got := e.expect("ops", "PUT", "/users/"+id, `{"phone_endpoint":""}`, 200); got["phone_endpoint"] != "" {
		t.Fatalf("cleared: %v", got)
	}
	// the monitor endpoint uses it: without a phone, a clear refusal
	if ep, _ := e.db.UserPhone(ctx, int64(u["id"].(float64))); ep != "" {
		t.Fatalf("phone after clearing: %q", ep)
	}
}

// A user linked to an agent the ACD does not know would see nothing: refused naming agent_id
// (before: created).
func TestUserAgentLinkMustExist(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	if out := e.expect("ops", "POST", "/users", `{"username":"zed","password":"a long enough password","role":"agent","agent_id":"9999"}`, 400); out["field"] != "agent_id" {
		t.Fatalf("create: %v", out)
	}
	if out := e.expect("ops", "PUT", "/users/"+itoa(e.ids["qa"]), `{"role":"agent","agent_id":"9999"}`, 400); out["field"] != "agent_id" {
		t.Fatalf("update: %v", out)
	}
	u := e.expect("ops", "POST", "/users", `{"username":"zed","password":"a long enough password","role":"agent","agent_id":"2001","team_id":"team-b"}`, 201)
	if u["agent_id"] != "2001" {
		t.Fatalf("created: %v", u)
	}
}

// An admin's password reset ends the user's sessions at once; the admin lists, creates and
// revokes the user's API tokens.
func TestAdminResetPasswordAndTokens(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	login := func(pw string) *http.Cookie {
		t.Helper()
		resp, err := http.Post(e.srv.URL+"/api/v1/login", "application/json", strings.NewReader(`{"username":"sup","password":"`+pw+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for _, c := range resp.Cookies() {
			if c.Value != "" {
				return c
			}
		}
		t.Fatalf("login %d: no cookie", resp.StatusCode)
		return nil
	}
	me := func(c *http.Cookie) int {
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/me", nil)
		req.AddCookie(c)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	c := login("a long enough password")
	if me(c) != 200 {
		t.Fatal("session does not work")
	}
	id := itoa(e.ids["sup"])
	e.expect("root", "PUT", "/users/"+id, `{"password":"a brand new password"}`, 200)
	if code := me(c); code != 401 {
		t.Fatalf("the old session after a reset: %d", code)
	}
	if me(login("a brand new password")) != 200 {
		t.Fatal("the new password does not log in")
	}

	tok := e.expect("root", "POST", "/tokens", `{"name":"wallboard tv","user_id":`+id+`}`, 201)
	list := e.expect("root", "GET", "/tokens?user_id="+id, "", 200)["tokens"].([]any)
	if len(list) != 2 || list[0].(map[string]any)["name"] != "wallboard tv" {
		t.Fatalf("tokens: %v", list)
	}
	e.expect("ops", "GET", "/tokens?user_id="+id, "", 403) // a token acts as its user: admins only
	e.expect("root", "DELETE", "/tokens/"+itoa(int64(tok["id"].(float64))), "", 204)
	list = e.expect("root", "GET", "/tokens?user_id="+id, "", 200)["tokens"].([]any)
	if list[0].(map[string]any)["revoked_at"] == nil {
		t.Fatalf("not revoked: %v", list[0])
	}
}

// A refused threshold names the API's field (longest_wait_amber_s), not the configuration's
// (before: "longest_wait_amber", which no form field has).
func TestQueueThresholdErrorNamesAPIField(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	q := e.expect("root", "GET", "/queues/sales", "", 200)
	body := func(amber, red string) string {
		return `{"strategy":"` + q["strategy"].(string) + `","ring_timeout_s":15,"wrap_up_s":5,"service_level_s":20,"sl_target":0.8,` +
			`"music_class":"default","on_max_wait":{"action":"hangup"},"longest_wait_amber_s":` + amber + `,"longest_wait_red_s":` + red + `}`
	}
	if out := e.expect("root", "PUT", "/queues/sales", body("60", "30"), 400); out["field"] != "longest_wait_amber_s" ||
		!strings.HasPrefix(out["message"].(string), "longest_wait_amber_s: ") {
		t.Fatalf("amber above red: %v", out)
	}
	if got := e.expect("root", "PUT", "/queues/sales", body("30", "60"), 200); got["longest_wait_amber_s"] != 30.0 || got["longest_wait_red_s"] != 60.0 {
		t.Fatalf("saved: %v", got)
	}
}

// The audit log filters by who, what and when, and exports CSV with headers in the user's
// language (before: no actor filter, unknown parameters ignored, no CSV).
func TestAuditFiltersAndCSV(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	e.expect("root", "POST", "/teams", `{"id":"team-c","name":"Team C"}`, 201)
	e.expect("ops", "PUT", "/teams/team-c", `{"name":"Team Cee"}`, 200)
	e.expect("ops", "POST", "/agents/1001/login", ``, 200)

	entries := func(q string) []map[string]any {
		t.Helper()
		var out []map[string]any
		for _, x := range e.expect("root", "GET", "/audit?"+q, "", 200)["entries"].([]any) {
			out = append(out, x.(map[string]any))
		}
		return out
	}
	got := entries("actor=OPS")
	if len(got) != 2 || got[0]["action"] != "agent_login" || got[1]["action"] != "team_updated" {
		t.Fatalf("actor=OPS: %v", got)
	}
	if got := entries("actor=ops&target_type=team"); len(got) != 1 || got[0]["target_id"] != "team-c" {
		t.Fatalf("actor and target: %v", got)
	}
	if got := entries("target_type=team&target_id=team-c&action=team_created"); len(got) != 1 || got[0]["actor"] != "root" {
		t.Fatalf("what: %v", got)
	}
	if got := entries("actor=ops&since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z"); len(got) != 0 {
		t.Fatalf("time range: %v", got)
	}
	for q, field := range map[string]string{"who=ops": "who", "format=xml": "format", "format=csv&lang=fr": "lang",
		"since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z": "until", "limit=0": "limit"} {
		if out := e.expect("root", "GET", "/audit?"+q, "", 400); out["field"] != field {
			t.Fatalf("%s: %v", q, out)
		}
	}
	e.expect("ops", "GET", "/audit?limit=1", "", 200)
	e.expect("sup", "GET", "/audit?format=csv", "", 403)

	download := func(q string, hdr map[string]string) [][]string {
		t.Helper()
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/audit?"+q, nil)
		req.Header.Set("Authorization", "Bearer "+e.tokens["root"])
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("%s: %d %v %s", q, resp.StatusCode, resp.Header, b)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v\n%s", q, err, b)
		}
		return rows
	}
	rows := download("format=csv&actor=ops&target_type=team", nil)
	if _, err := time.Parse(time.RFC3339, rows[len(rows)-1][0]); err != nil {
		t.Fatalf("time: %v", err)
	}
	if strings.Join(rows[0], "|") != "Time|User|Action|Object type|Object|Details|IP address" || len(rows) != 2 {
		t.Fatalf("en: %v", rows)
	}
	if r := rows[1]; r[1] != "ops" || r[2] != "team_updated" || r[3] != "team" || r[4] != "team-c" ||
		!strings.Contains(r[5], `"name":"Team Cee"`) {
		t.Fatalf("row: %v", r)
	}
	zh := download("format=csv&actor=ops", map[string]string{"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
	if strings.Join(zh[0], "|") != "时间|操作人|操作|对象类型|对象|详情|来源地址" || len(zh) != 3 {
		t.Fatalf("zh (Accept-Language): %v", zh)
	}
	if h := download("format=csv&actor=ops&lang=zh-CN", map[string]string{"Accept-Language": "en"})[0][0]; h != "时间" {
		t.Fatalf("lang=zh-CN: %q", h)
	}
	if h := download("format=csv&actor=ops&lang=en", map[string]string{"Accept-Language": "zh-CN"})[0][0]; h != "Time" {
		t.Fatalf("lang=en: %q", h)
	}
	if got := entries("action=audit_exported&actor=root"); len(got) != 4 {
		t.Fatalf("exports audited: %d", len(got))
	}
}
