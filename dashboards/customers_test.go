package dashboards_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

func (e *apiEnv) historyCall(id, caller, queue string, at time.Time) {
	e.t.Helper()
	if _, err := e.db.Pool.Exec(context.Background(), `INSERT INTO calls (id, direction, queue, node, caller_number, agent_id, entered_at, answered_at, ended_at, talk_ms, outcome, last_event_id)
		VALUES ($1, 'inbound', $3, 'ast1', $2, '1001', $4, $4, $4, 60000, 'answered', '1-0')`, id, caller, queue, at); err != nil {
		e.t.Fatal(err)
	}
}

// Customers through the API: the caller's page with the timeline and its paging, edits and
// notes by an agent, flags by a team lead only (audited, copied to Redis), search, a project
// manager scoped to their projects' calls, errors naming the field with their code.
func TestCustomersAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	base := time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Second)
	for i, id := range []string{"k1", "k2", "k3"} {
		e.historyCall(id, "13800138000", "sales", base.Add(time.Duration(i)*time.Hour))
	}
	e.historyCall("k9", "13900139000", "support", base)
	me := "/customers/" + url.PathEscape("+8613800138000")

	page := e.expect("ana", "GET", "/customers/13800138000?", "", 200) // any way of writing the number
	c := page["customer"].(map[string]any)
	if c["phone"] != "+8613800138000" || c["known"] != true {
		t.Fatalf("customer %v", c)
	}
	if tl := page["timeline"].([]any); len(tl) != 3 || tl[0].(map[string]any)["ref"] != "k3" {
		t.Fatalf("timeline %v", tl)
	}
	e.expect("ana", "PUT", me, `{"name":"王芳","tags":["信用卡","信用卡"," 高价值 "]}`, 200)
	n := e.expect("ana", "POST", me+"/notes", `{"body":"客户想办理信用卡激活","call_id":"k3"}`, 201)
	if n["author"] != "ana" {
		t.Fatalf("note %v", n)
	}
	// paging: 2 then the rest
	p1 := e.expect("ana", "GET", me+"/timeline?limit=2", "", 200)
	items := p1["items"].([]any)
	if len(items) != 2 || items[0].(map[string]any)["kind"] != "note" || p1["next_before"] == "" {
		t.Fatalf("page 1 %v", p1)
	}
	p2 := e.expect("ana", "GET", me+"/timeline?limit=2&before="+url.QueryEscape(p1["next_before"].(string)), "", 200)
	items2 := p2["items"].([]any)
	if len(items2) != 2 || items2[0].(map[string]any)["ref"] != "k2" || items2[1].(map[string]any)["ref"] != "k1" {
		t.Fatalf("page 2 %v", p2)
	}
	c = e.expect("ana", "GET", me, "", 200)["customer"].(map[string]any)
	if c["name"] != "王芳" || len(c["tags"].([]any)) != 2 {
		t.Fatalf("edited %v", c)
	}

	// flags: an agent may not; a team lead may, with a reason; Redis has it; audited
	e.expect("ana", "PUT", me+"/flags", `{"flag":"vip","on":true,"reason":"白金卡"}`, 403)
	e.expect("qa", "PUT", me+"/flags", `{"flag":"vip","on":true,"reason":"白金卡"}`, 403)
	code, body := e.do("lead-a", "PUT", me+"/flags", `{"flag":"vip","on":true}`)
	if code != 400 || body["field"] != "reason" || body["code"] != callfloor.CodeRequired {
		t.Fatalf("no reason: %d %v", code, body)
	}
	code, body = e.do("lead-a", "PUT", me+"/flags", `{"flag":"gold","on":true,"reason":"x"}`)
	if code != 400 || body["field"] != "flag" || body["code"] != callfloor.CodeInvalidChoice {
		t.Fatalf("bad flag: %d %v", code, body)
	}
	c = e.expect("lead-a", "PUT", me+"/flags", `{"flag":"vip","on":true,"reason":"白金卡"}`, 200)
	if c["vip"] != true || c["vip_by"] != "lead-a" {
		t.Fatalf("flagged %v", c)
	}
	if f, _ := e.acd.Store().CustomerFlag(ctx, "+8613800138000"); f != callfloor.FlagVIP {
		t.Fatalf("redis flag %q", f)
	}
	e.expect("lead-a", "PUT", me+"/flags", `{"flag":"blacklist","on":true,"reason":"恶意骚扰"}`, 200)
	if f, _ := e.acd.Store().CustomerFlag(ctx, "+8613800138000"); f != callfloor.FlagBlacklist {
		t.Fatalf("redis flag %q, want the blacklist over VIP", f)
	}
	e.expect("lead-a", "PUT", me+"/flags", `{"flag":"blacklist","on":false}`, 200)
	if f, _ := e.acd.Store().CustomerFlag(ctx, "+8613800138000"); f != callfloor.FlagVIP {
		t.Fatalf("redis flag %q after clearing the blacklist", f)
	}
	audit, err := e.db.ListAudit(ctx, storage.AuditFilter{Action: "customer_flag"})
	if err != nil || len(audit) != 3 {
		t.Fatalf("audit %d entries, %v", len(audit), err)
	}

	// search: by note text (two characters), by tag; a bad number is an error on "phone"
	hits := e.expect("ana", "GET", "/customers?q="+url.QueryEscape("激活"), "", 200)["customers"].([]any)
	if len(hits) != 1 || hits[0].(map[string]any)["matched_in"] != "note" {
		t.Fatalf("search %v", hits)
	}
	code, body = e.do("ana", "GET", "/customers/12ab", "")
	if code != 400 || body["field"] != "phone" || body["code"] != callfloor.CodeInvalidNumber {
		t.Fatalf("bad number: %d %v", code, body)
	}
	code, body = e.do("ana", "POST", me+"/notes", `{"body":"  "}`)
	if code != 400 || body["field"] != "body" || body["code"] != callfloor.CodeRequired {
		t.Fatalf("empty note: %d %v", code, body)
	}

	// a project manager: only the customers of their projects' queues
	if _, err := e.db.CreateProject(ctx, storage.Project{ID: "cards"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Pool.Exec(ctx, `UPDATE queues SET project_id = 'cards' WHERE name = 'support'`); err != nil {
		t.Fatal(err)
	}
	e.addUser(storage.NewUser{Username: "pam", Role: callfloor.RoleProjectManager, Projects: []string{"cards"}})
	e.expect("pam", "GET", "/customers/13900139000", "", 200)
	e.expect("pam", "GET", me, "", 403)
	all := e.expect("pam", "GET", "/customers", "", 200)["customers"].([]any)
	if len(all) != 1 || all[0].(map[string]any)["phone"] != "+8613900139000" {
		t.Fatalf("pam's customers %v", all)
	}
	if all := e.expect("sup", "GET", "/customers", "", 200)["customers"].([]any); len(all) != 2 {
		t.Fatalf("supervisor's customers %v", all)
	}
}

// The knowledge base through the API: editors write, agents read published articles only and
// find them by a two-character word; versions and restore; review-date filter; errors.
func TestKBAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	e.expect("ana", "POST", "/kb/articles", `{"title":"x"}`, 403)
	cat := e.expect("qa", "POST", "/kb/categories", `{"name":"信用卡"}`, 201)
	catID := int(cat["id"].(float64))
	a := e.expect("qa", "POST", "/kb/articles", `{"title":"信用卡激活后多久可以使用","body":"激活成功后**即时生效**。","status":"published","queues":["sales"],"category_id":`+itoa(int64(catID))+`,"review_on":"2020-01-01"}`, 201)
	id := itoa(int64(a["id"].(float64)))
	if a["owner"] != "qa" || a["review_due"] != true || a["version"].(float64) != 1 {
		t.Fatalf("created %v", a)
	}
	e.expect("qa", "POST", "/kb/articles", `{"title":"草稿：激活新流程","status":"draft"}`, 201)
	code, body := e.do("qa", "POST", "/kb/articles", `{"title":"t","queues":["nope"]}`)
	if code != 400 || body["field"] != "queues" || body["code"] != callfloor.CodeUnknownRef {
		t.Fatalf("unknown queue: %d %v", code, body)
	}
	code, body = e.do("qa", "POST", "/kb/articles", `{"title":"t","status":"live"}`)
	if code != 400 || body["field"] != "status" {
		t.Fatalf("bad status: %d %v", code, body)
	}
	code, body = e.do("qa", "POST", "/kb/articles", `{"title":"t","review_on":"next week"}`)
	if code != 400 || body["field"] != "review_on" || body["code"] != callfloor.CodeInvalidFormat {
		t.Fatalf("bad date: %d %v", code, body)
	}
	// agents: published only
	if l := e.expect("ana", "GET", "/kb/articles?q="+url.QueryEscape("激活"), "", 200)["articles"].([]any); len(l) != 1 {
		t.Fatalf("agent search %v", l)
	}
	if l := e.expect("qa", "GET", "/kb/articles?q="+url.QueryEscape("激活"), "", 200)["articles"].([]any); len(l) != 2 {
		t.Fatalf("editor search %v", l)
	}
	if l := e.expect("ana", "GET", "/kb/articles?queue=sales", "", 200)["articles"].([]any); len(l) != 1 {
		t.Fatalf("suggested for sales %v", l)
	}
	if l := e.expect("qa", "GET", "/kb/articles?review_due=true", "", 200)["articles"].([]any); len(l) != 1 {
		t.Fatalf("review due %v", l)
	}
	e.expect("ana", "GET", "/kb/articles/"+id, "", 200)
	e.expect("ana", "GET", "/kb/articles/"+id+"/versions", "", 403)
	// edit, a stale edit refused, restore
	e.expect("lead-a", "PUT", "/kb/articles/"+id, `{"title":"信用卡激活后多久可以使用","body":"次日生效","status":"published","version":1}`, 200)
	code, body = e.do("qa", "PUT", "/kb/articles/"+id, `{"title":"信用卡激活","body":"y","status":"published","version":1}`)
	if code != 409 || body["code"] != callfloor.CodeConcurrentEdit {
		t.Fatalf("stale edit: %d %v", code, body)
	}
	vs := e.expect("qa", "GET", "/kb/articles/"+id+"/versions", "", 200)["versions"].([]any)
	if len(vs) != 2 {
		t.Fatalf("versions %v", vs)
	}
	r := e.expect("qa", "POST", "/kb/articles/"+id+"/versions/1/restore", "", 200)
	if r["body"] != "激活成功后**即时生效**。" || r["version"].(float64) != 3 {
		t.Fatalf("restored %v", r)
	}
	e.expect("qa", "POST", "/kb/articles/"+id+"/versions/7/restore", "", 400)
	e.expect("qa", "GET", "/kb/articles/99999", "", 404)
}
