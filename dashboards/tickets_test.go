package dashboards_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
)

func (e *apiEnv) ticketUser(name string, role callfloor.Role, team, agent string, projects []string) {
	e.t.Helper()
	u, err := e.db.CreateUser(context.Background(), storage.NewUser{Username: name, Password: "a long enough password", Role: role, TeamID: team, AgentID: agent, Projects: projects})
	if err != nil {
		e.t.Fatal(err)
	}
	tok, _, err := e.db.CreateAPIToken(context.Background(), u.ID, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	e.tokens[name], e.ids[name] = tok, u.ID
}

// Who sees and acts on tickets; the follow-up rule's error; the admin-only gateway settings.
func TestTicketsAPIScopeAndRules(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	if _, err := e.db.Pool.Exec(ctx, `INSERT INTO projects (id, name) VALUES ('care', '客服')`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Pool.Exec(ctx, `UPDATE teams SET project_id = 'care' WHERE id = 'team-b'`); err != nil {
		t.Fatal(err)
	}
	e.ticketUser("chen", callfloor.RoleAgent, "team-b", "2001", nil)
	e.ticketUser("pm-care", callfloor.RoleProjectManager, "", "", []string{"care"})

	tk := e.expect("ana", "POST", "/tickets", `{"category":"complaint","subject":"宽带断线","phone":"138 0013 8000","fields":{"target":"服务质量"}}`, 201)
	id := int64(tk["id"].(float64))
	if tk["first_owner_id"].(float64) != float64(e.ids["ana"]) || tk["team_id"] != "team-a" || tk["phone"] != "+8613800138000" {
		t.Fatalf("created %v", tk)
	}
	path := fmt.Sprintf("/tickets/%d", id)
	// the team's lead sees it; another team's agent and the other project's manager do not
	e.expect("lead-a", "GET", path, "", 200)
	e.expect("chen", "GET", path, "", 403)
	e.expect("pm-care", "GET", path, "", 403)
	if l := e.expect("chen", "GET", "/tickets", "", 200); l["total"].(float64) != 0 {
		t.Fatalf("chen's list %v", l)
	}
	// QA reads, does not act
	e.expect("qa", "GET", path, "", 200)
	e.expect("qa", "POST", path+"/comments", `{"text":"x"}`, 403)
	// moved to team-b (project care): chen and the manager see it now, and ana still does (首问)
	e.expect("lead-a", "POST", path+"/assign", fmt.Sprintf(`{"team_id":"team-b","assignee_id":%d}`, e.ids["chen"]), 200)
	e.expect("chen", "GET", path, "", 200)
	e.expect("pm-care", "GET", path, "", 200)
	mine := e.expect("ana", "GET", "/tickets?first_owner=me", "", 200)
	if mine["total"].(float64) != 1 {
		t.Fatalf("ana's first-owner list %v", mine)
	}
	// closing before the follow-up: 409 followup_required naming the field
	code, body := e.do("chen", "POST", path+"/close", `{}`)
	if code != 409 || body["code"] != "followup_required" || body["field"] != "followup" {
		t.Fatalf("close without follow-up: %d %v", code, body)
	}
	e.expect("chen", "POST", path+"/comments", `{"text":"已修复","answer":true}`, 200)
	code, body = e.do("chen", "POST", path+"/followup", `{"outcome":"maybe"}`)
	if code != 400 || body["code"] != "invalid_choice" || body["field"] != "outcome" {
		t.Fatalf("bad outcome: %d %v", code, body)
	}
	e.expect("chen", "POST", path+"/followup", `{"outcome":"satisfied","note":"满意"}`, 200)
	d := e.expect("chen", "POST", path+"/close", `{"note":"结单"}`, 200)
	if d["ticket"].(map[string]any)["status"] != "closed" || len(d["history"].([]any)) < 6 {
		t.Fatalf("closed %v", d)
	}
	// a ticket from a call the agent may not see is refused
	if _, err := e.db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, queue, caller_number, agent_id, entered_at, last_event_id) VALUES ('cx', 'inbound', 'support', '13900001111', '2001', now(), '1-0')`); err != nil {
		t.Fatal(err)
	}
	e.expect("ana", "POST", "/tickets", `{"category":"complaint","subject":"x","call_id":"cx","fields":{"target":"服务态度"}}`, 403)
	from := e.expect("chen", "POST", "/tickets", `{"category":"enquiry","subject":"来电咨询","call_id":"cx"}`, 201)
	if from["phone"] != "+8613900001111" || from["call_agent"] != "2001" {
		t.Fatalf("from call %v", from)
	}
	// categories: configuration roles only, audited
	cat := `{"name_zh":"表扬","name_en":"Praise","default_priority":"low","sla_hours":{"low":72,"normal":48,"high":24,"urgent":8}}`
	e.expect("ana", "PUT", "/ticket-categories/praise", cat, 403)
	e.expect("ops", "PUT", "/ticket-categories/praise", cat, 200)
	code, body = e.do("ops", "PUT", "/ticket-categories/praise", `{"name_zh":"表扬","name_en":"Praise","sla_hours":{"low":0}}`)
	if code != 400 || !strings.HasPrefix(fmt.Sprint(body["field"]), "sla_hours.") {
		t.Fatalf("bad sla: %d %v", code, body)
	}
	// the gateways' settings: admin only; secrets never returned nor audited
	e.expect("ops", "GET", "/ticket-notifications/config", "", 403)
	cfg := e.expect("root", "PUT", "/ticket-notifications/config", `{"lang":"zh-CN","sms":{"enabled":true,"url":"https://sms.example.com/send","method":"POST","content_type":"application/json","body_template":"{\"to\":\"{phone}\",\"msg\":\"{text}\"}"},"sms_secret":"hush-123"}`, 200)
	if cfg["sms_secret_set"] != true || strings.Contains(fmt.Sprint(cfg), "hush-123") {
		t.Fatalf("config %v", cfg)
	}
	code, body = e.do("root", "PUT", "/ticket-notifications/config", `{"lang":"zh-CN","smtp":{"enabled":true,"host":"mail","from":"not an address"}}`)
	if code != 400 || body["field"] != "smtp.from" {
		t.Fatalf("bad from: %d %v", code, body)
	}
	var audit string
	if err := e.db.Pool.QueryRow(ctx, `SELECT detail::text FROM audit_log WHERE action = 'ticket_notify_config' ORDER BY id DESC LIMIT 1`).Scan(&audit); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(audit, "hush") || !strings.Contains(audit, `"sms_secret_changed": true`) {
		t.Fatalf("audit %s", audit)
	}
	// the report, in scope, and its workbook
	rep := e.expect("ana", "GET", "/tickets/report", "", 200)
	if rep["total"].(map[string]any)["created"].(float64) != 1 { // the one chen opened from his call is not ana's
		t.Fatalf("ana's report %v", rep["total"])
	}
	rep = e.expect("sup", "GET", "/tickets/report", "", 200)
	tot := rep["total"].(map[string]any)
	if tot["created"].(float64) != 2 || tot["on_time_rate"].(float64) != 1 || tot["reopen_rate"].(float64) != 0 {
		t.Fatalf("report %v", tot)
	}
	code, hdr, file := e.fetchFile("sup", "/tickets/report?format=xlsx&lang=zh-CN")
	if code != 200 || !strings.Contains(hdr.Get("Content-Type"), "spreadsheetml") || len(file) < 1000 {
		t.Fatalf("xlsx %d %v %d", code, hdr, len(file))
	}
	// a call on the agent's desktop whose history row was written before she answered (the
	// history writer lags the live state): the live call says it is hers
	if _, err := e.db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, queue, caller_number, entered_at, last_event_id) VALUES ('clag', 'inbound', 'sales', '13900002222', now(), '1-0')`); err != nil {
		t.Fatal(err)
	}
	if err := e.acd.Store().SaveCall(ctx, realtime.CallChange{Call: &callfloor.Call{ID: "clag", Direction: callfloor.Inbound, State: callfloor.CallTalking,
		Queue: "sales", CallerNumber: "13900002222", Agent: "1001", EnteredAt: time.Now(), AnsweredAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	e.expect("ana", "POST", "/tickets", `{"category":"complaint","subject":"断线","call_id":"clag","fields":{"target":"服务态度"}}`, 201)
	e.expect("chen", "POST", "/tickets", `{"category":"enquiry","subject":"x","call_id":"clag"}`, 403)
}
