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

// previewCampaign sets up a running preview campaign of team-a, open every day 00:00–23:59 in
// Asia/Shanghai, with leads (name, phone, 保单号) loaded.
func (e *apiEnv) previewCampaign(id string, leads [][]string) callfloor.Campaign {
	e.t.Helper()
	ctx := context.Background()
	c := callfloor.NewCampaign(id, "车险续保 "+id)
	c.Mode, c.Teams = callfloor.PacePreview, []string{"team-a"}
	c.Windows = []callfloor.CallingWindow{{Days: []time.Weekday{0, 1, 2, 3, 4, 5, 6}, Start: "00:00", End: "23:59"}}
	c.SkipHolidays = false
	c.Script = "您好，请问是{{name}}吗？您的保单 {{保单号}} 即将到期，{{车型}}的续保方案……"
	if _, err := e.db.PutCampaign(ctx, c); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.db.ImportLeads(ctx, id, "名单", "t.csv", "ops", []string{"姓名", "手机", "保单号"}, leads,
		storage.LeadMapping{Phone: "手机", Name: "姓名", Fields: []string{"保单号"}}); err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.SetCampaignStatus(ctx, id, "running"); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// dialled puts the agent through the campaign call of a reserved lead (the call's id is the
// dial id), as the ACD leaves it: answered or not, ended or not, the agent in the matching state.
func (e *apiEnv) dialled(agent, dialID, campaign string, lead int64, reached, answered, ended bool, out callfloor.Outcome, cause int) {
	e.t.Helper()
	ctx := context.Background()
	st := e.acd.Store()
	now := time.Now()
	c := &callfloor.Call{ID: dialID, Direction: callfloor.Outbound, State: callfloor.CallDialing, Node: "pbx1", CalledNumber: "13812345678",
		Agent: agent, EnteredAt: now.Add(-time.Minute), CampaignID: campaign, LeadID: lead}
	if reached {
		c.CustomerRingAt = now.Add(-50 * time.Second)
	}
	if answered {
		c.AnsweredAt, c.State = now.Add(-40*time.Second), callfloor.CallTalking
	}
	if ended {
		c.State, c.EndedAt, c.Outcome, c.Cause = callfloor.CallEnded, now, out, cause
	}
	if _, err := st.Transition(ctx, realtime.Transition{Agent: agent, To: callfloor.AgentOnCall, Direction: callfloor.Outbound, Call: dialID, Now: now}); err != nil {
		e.t.Fatal(err)
	}
	if err := st.SaveCall(ctx, realtime.CallChange{Call: c}); err != nil {
		e.t.Fatal(err)
	}
	if ended {
		to := callfloor.AgentAvailable
		if reached {
			to = callfloor.AgentWrapUp
		}
		if _, err := st.Transition(ctx, realtime.Transition{Agent: agent, To: to, WrapUntil: now.Add(time.Hour), Now: now}); err != nil {
			e.t.Fatal(err)
		}
	}
}

func card(t *testing.T, out map[string]any) map[string]any {
	t.Helper()
	c, _ := out["card"].(map[string]any)
	return c
}

func cardLead(t *testing.T, out map[string]any) (id int64, dial string) {
	t.Helper()
	c := card(t, out)
	if c == nil {
		t.Fatalf("no card: %v", out)
	}
	return int64(c["lead"].(map[string]any)["id"].(float64)), c["dial_id"].(string)
}

// Preview: next reserves one lead per agent (kept across reloads), with its card (masked phone,
// fields, rendered script); skip needs a reason and gives it back; roles; a dial refused when the
// number went on the do-not-call list since; a preview dial the customer did not answer is
// recorded once; one the agent's phone did not take gets a fresh dial id.
func TestDeskLeadsPreviewNextSkipDial(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	e.addUser(storage.NewUser{Username: "ben", Role: callfloor.RoleAgent, AgentID: "1002", TeamID: "team-a"})
	e.addUser(storage.NewUser{Username: "lead-b", Role: callfloor.RoleTeamLead, TeamID: "team-b"})
	e.addUser(storage.NewUser{Username: "chen", Role: callfloor.RoleAgent, AgentID: "2001", TeamID: "team-b"})

	// chen's team has no preview campaign
	e.previewCampaign("renew", [][]string{{"王芳", "13812345678", "PA-1"}, {"李娜", "13912345678", "PA-2"}, {"张伟", "13712345678", "PA-3"}})
	if code, out := e.do("chen", "POST", "/agents/2001/lead/next", ``); code != 409 || out["code"] != "no_preview_campaign" {
		t.Errorf("next without a preview campaign: %d %v", code, out)
	}
	out := e.expect("ana", "GET", "/agents/1001/lead", ``, 200)
	if card(t, out) != nil || len(out["preview_campaigns"].([]any)) != 1 {
		t.Fatalf("before next: %v", out)
	}
	// roles: only the agent or whoever acts on them
	e.expect("ana", "POST", "/agents/1002/lead/next", ``, 403)
	e.expect("qa", "GET", "/agents/1001/lead", ``, 403)
	e.expect("lead-b", "POST", "/agents/1001/lead/next", ``, 403)
	e.expect("chen", "GET", "/agents/1001/lead", ``, 403)

	out = e.expect("ana", "POST", "/agents/1001/lead/next", ``, 200)
	c := card(t, out)
	lead1, dial1 := cardLead(t, out)
	l := c["lead"].(map[string]any)
	if l["name"] != "王芳" || l["phone"] != "*******5678" || l["phone_masked"] != true || l["fields"].(map[string]any)["保单号"] != "PA-1" || c["stage"] != "reserved" {
		t.Errorf("card: %v", c)
	}
	if c["script"] != "您好，请问是王芳吗？您的保单 PA-1 即将到期，【车型】的续保方案……" {
		t.Errorf("script %q", c["script"])
	}
	parts := c["script_parts"].([]any)
	if p := parts[1].(map[string]any); p["field"] != "name" || p["text"] != "王芳" {
		t.Errorf("script parts %v", parts)
	}
	if len(c["campaign"].(map[string]any)["dispositions"].([]any)) != 10 {
		t.Errorf("campaign %v", c["campaign"])
	}
	// one lead per agent: next again, and a reload, give the same one
	if id, d := cardLead(t, e.expect("ana", "POST", "/agents/1001/lead/next", ``, 200)); id != lead1 || d != dial1 {
		t.Errorf("second next: %d %s, want %d %s", id, d, lead1, dial1)
	}
	if id, d := cardLead(t, e.expect("ana", "GET", "/agents/1001/lead", ``, 200)); id != lead1 || d != dial1 {
		t.Errorf("reload: %d %s", id, d)
	}
	// kept in PostgreSQL (a restart finds it): the lead is dialling under the dial id
	if dl, err := e.db.DiallingLeads(ctx, "renew"); err != nil || len(dl) != 1 || dl[0].DialID != dial1 {
		t.Errorf("dialling leads %v %v", dl, err)
	}
	// a supervisor sees the whole number; a team lead acting for Ben is audited
	if l := card(t, e.expect("sup", "GET", "/agents/1001/lead", ``, 200))["lead"].(map[string]any); l["phone"] != "13812345678" {
		t.Errorf("supervisor's card phone %v", l["phone"])
	}
	out = e.expect("lead-a", "POST", "/agents/1002/lead/next", ``, 200)
	lead2, _ := cardLead(t, out)
	if lead2 == lead1 || e.auditCount("lead_reserved", "lead-a") != 1 || e.auditCount("lead_reserved", "ana") != 0 {
		t.Errorf("Ben's lead %d (Ana's %d), audits %d", lead2, lead1, e.auditCount("lead_reserved", "lead-a"))
	}

	// skip: a reason is required; the lead goes back; the next one is another
	e.expectInvalid("", []badInput{
		{"POST", "/agents/1001/lead/skip", `{}`, "reason"},
		{"POST", "/agents/1001/lead/skip", `{"reason":"` + strings.Repeat("长", 201) + `"}`, "reason"},
		{"POST", "/agents/1001/lead/skip", `{"why":"x"}`, "why"},
	})
	out = e.expect("ana", "POST", "/agents/1001/lead/skip", `{"reason":"客户在开会，约好下午再打"}`, 200)
	if card(t, out) != nil || e.auditCount("lead_skipped", "ana") != 1 {
		t.Errorf("after skip: %v", out)
	}
	if code, out := e.do("ana", "POST", "/agents/1001/lead/skip", `{"reason":"x"}`); code != 409 || out["code"] != "no_reserved_lead" {
		t.Errorf("skip with nothing held: %d %v", code, out)
	}
	if code, out := e.do("ana", "POST", "/agents/1001/lead/dial", ``); code != 409 || out["code"] != "no_reserved_lead" {
		t.Errorf("dial with nothing held: %d %v", code, out)
	}
	out = e.expect("ana", "POST", "/agents/1001/lead/next", ``, 200)
	lead3, dial3 := cardLead(t, out)
	if lead3 == lead1 || lead3 == lead2 {
		t.Errorf("after the skip Ana got %d again", lead3)
	}
	if code, out := e.do("ana", "POST", "/agents/1001/lead/next", ``); code != 200 || card(t, out) == nil {
		t.Errorf("next while holding: %d %v", code, out)
	}
	// the skipped lead is not due for 30 minutes: nothing left for Ana after this one
	// the number went on the do-not-call list since the reservation: the dial is refused, the lead goes back
	if err := e.db.AddDNC(ctx, card(t, e.expect("sup", "GET", "/agents/1001/lead", ``, 200))["lead"].(map[string]any)["phone"].(string), "", "客户投诉", "ops"); err != nil { // the national form
		t.Fatal(err)
	}
	if code, out := e.do("ana", "POST", "/agents/1001/lead/dial", ``); code != 400 || out["code"] != storage.CodeDoNotCall || out["field"] != "phone" {
		t.Errorf("dial of a DNC number: %d %v", code, out)
	}
	if code, out := e.do("ana", "POST", "/agents/1001/lead/next", ``); code != 409 || out["code"] != "no_lead" {
		t.Errorf("next with no lead due: %d %v", code, out)
	}
	_ = dial3

	// Ben's preview dial: the ACD here has no outbound calling, so the dial itself is refused
	// and the reservation stays (the browser test dials on the simulator); then the call as the
	// ACD makes it
	_, dial2 := cardLead(t, e.expect("ben", "GET", "/agents/1002/lead", ``, 200))
	if code, out := e.do("ben", "POST", "/agents/1002/lead/dial", ``); code < 400 || out["code"] == "" {
		t.Errorf("dial without outbound calling: %d %v", code, out)
	}
	if _, d := cardLead(t, e.expect("ben", "GET", "/agents/1002/lead", ``, 200)); d != dial2 {
		t.Errorf("a refused dial changed the reservation: %s, was %s", d, dial2)
	}
	// Ben's phone did not answer: the customer was never rung; the same lead gets a fresh dial id
	e.dialled("1002", dial2, "renew", lead2, false, false, true, callfloor.OutcomeFailed, 19)
	id, fresh := cardLead(t, e.expect("ben", "GET", "/agents/1002/lead", ``, 200))
	if id != lead2 || fresh == dial2 {
		t.Errorf("after the agent's phone failed: lead %d dial %s (was %s)", id, fresh, dial2)
	}
	if h, _ := e.db.LeadHistory(ctx, lead2); len(h) != 0 {
		t.Errorf("an attempt was recorded for a dial that never reached the customer: %v", h)
	}
	// the customer is busy: the network's result is recorded on the lead, once
	e.dialled("1002", fresh, "renew", lead2, true, false, true, callfloor.OutcomeBusy, 17)
	out = e.expect("ben", "GET", "/agents/1002/lead", ``, 200)
	c = card(t, out)
	if c == nil || c["stage"] != "wrap_up" || c["answered"] != false {
		t.Fatalf("after a busy dial: %v", out)
	}
	e.expect("ben", "GET", "/agents/1002/lead", ``, 200)
	h, _ := e.db.LeadHistory(ctx, lead2)
	if len(h) != 1 || h[0].Result != "busy" || h[0].CallID != fresh || h[0].Agent != "1002" {
		t.Errorf("history after the busy dial: %+v", h)
	}
	if l, _ := e.db.LeadByID(ctx, lead2); l.Status != "scheduled" || l.Attempts != 1 {
		t.Errorf("lead after busy: %+v", l)
	}
	// nobody talked: the wrap-up may end without a disposition
	e.expect("ben", "POST", "/agents/1002/ready", ``, 200)
}

// A campaign call's disposition: one of the campaign's, required before wrap-up ends; a
// call-back needs a future time inside the windows and is personal (first in its agent's next)
// or shared; 拒绝 puts the number on the do-not-call list (refused by ClaimLeads in another
// campaign); a success counts one conversion per call, taken back when changed.
func TestDeskLeadDisposition(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	e.addUser(storage.NewUser{Username: "ben", Role: callfloor.RoleAgent, AgentID: "1002", TeamID: "team-a"})
	e.previewCampaign("renew", [][]string{{"王芳", "13812345678", "PA-1"}, {"李娜", "13912345678", "PA-2"}, {"张伟", "13712345678", "PA-3"}})
	other := callfloor.NewCampaign("other", "信用卡分期")
	other.Mode, other.Teams = callfloor.PacePreview, []string{"team-b"}
	if _, err := e.db.PutCampaign(ctx, other); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.ImportLeads(ctx, "other", "名单", "o.csv", "ops", []string{"手机"}, [][]string{{"13712345678"}}, storage.LeadMapping{Phone: "手机"}); err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	day := time.Now().In(loc)

	work := func(user, agent string) (int64, string) {
		t.Helper()
		lead, dial := cardLead(t, e.expect(user, "POST", "/agents/"+agent+"/lead/next", ``, 200))
		e.dialled(agent, dial, "renew", lead, true, true, true, callfloor.OutcomeAnswered, 16)
		c := card(t, e.expect(user, "GET", "/agents/"+agent+"/lead", ``, 200))
		if c["stage"] != "wrap_up" || c["answered"] != true || c["call_id"] != dial {
			t.Fatalf("after an answered call: %v", c)
		}
		return lead, dial
	}
	conversions := func() int64 {
		f, err := e.acd.Store().CampaignCounters(ctx, "renew", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if f.Teams["team-a"]["success"] != f.Total["success"] {
			t.Errorf("team share %v, total %v", f.Teams, f.Total)
		}
		return f.Total["success"]
	}

	// 1. success, saved twice, changed away and back: counted once
	_, dial := work("ana", "1001")
	if code, out := e.do("ana", "POST", "/agents/1001/ready", ``); code != 409 || out["code"] != callfloor.EDispositionRequired {
		t.Fatalf("ready without the campaign call's disposition: %d %v", code, out)
	}
	if code, out := e.do("ana", "POST", "/agents/1001/lead/next", ``); code != 409 || out["code"] != callfloor.EDispositionRequired {
		t.Errorf("next before the disposition: %d %v", code, out)
	}
	tomorrow10 := time.Date(day.Year(), day.Month(), day.Day()+1, 10, 0, 0, 0, loc).UTC().Format(time.RFC3339)
	late := time.Date(day.Year(), day.Month(), day.Day()+1, 23, 59, 30, 0, loc).UTC().Format(time.RFC3339)
	p := "/calls/" + dial + "/disposition"
	e.expectInvalid("", []badInput{
		{"PUT", p, `{"code":"sold"}`, "code"},
		{"PUT", p, `{"note":"只有备注"}`, "code"},
		{"PUT", p, `{"code":"callback"}`, "callback_at"},
		{"PUT", p, `{"code":"callback","callback_at":"2020-01-01T00:00:00Z"}`, "callback_at"},
		{"PUT", p, `{"code":"callback","callback_at":"` + late + `"}`, "callback_at"},
		{"PUT", p, `{"code":"success","callback_at":"` + tomorrow10 + `"}`, "callback_at"},
		{"PUT", p, `{"code":"success","personal":true}`, "personal"},
		{"PUT", p, `{"code":"success","note":"` + strings.Repeat("长", 2001) + `"}`, "note"},
	})
	if code, out := e.do("ana", "PUT", p, `{"code":"callback","callback_at":"`+late+`"}`); out["code"] != "callback_outside_window" || out["params"].(map[string]any)["next"] == nil {
		t.Errorf("call-back outside the window: %d %v", code, out)
	}
	e.expect("qa", "PUT", p, `{"code":"success"}`, 403)
	e.expect("ben", "PUT", p, `{"code":"success"}`, 403)
	d := e.expect("ana", "PUT", p, `{"code":"success","note":"续保成功，已发短信链接"}`, 200)
	if d["code"] != "success" || d["label"] != "成功" || d["lead_status"] != "done" {
		t.Errorf("success: %v", d)
	}
	e.expect("ana", "PUT", p, `{"code":"success"}`, 200)
	if n := conversions(); n != 1 {
		t.Errorf("conversions after two saves %d, want 1", n)
	}
	e.expect("lead-a", "PUT", p, `{"code":"interested"}`, 200)
	if n := conversions(); n != 0 {
		t.Errorf("conversions after the change %d, want 0", n)
	}
	if e.auditCount("call_disposition", "lead-a") != 1 {
		t.Errorf("the team lead's change is not audited")
	}
	e.expect("ana", "PUT", p, `{"code":"success"}`, 200)
	if n := conversions(); n != 1 {
		t.Errorf("conversions back to success %d, want 1", n)
	}
	// the call's disposition is the campaign's (for /calls and QA); the note stays
	if cd, err := e.db.GetCallDisposition(ctx, dial); err != nil || cd.Code != "success" || cd.Note != "续保成功，已发短信链接" {
		t.Errorf("call disposition %+v %v", cd, err)
	}
	e.expect("ana", "POST", "/agents/1001/ready", ``, 200)

	// 2. a personal call-back: Ana's, kept from Ben, first in Ana's next when due
	lead, dial := work("ana", "1001")
	d = e.expect("ana", "PUT", "/calls/"+dial+"/disposition", `{"code":"callback","callback_at":"`+tomorrow10+`","personal":true,"note":"客户明早十点方便"}`, 200)
	if d["lead_status"] != "callback" || d["personal"] != true {
		t.Errorf("personal call-back: %v", d)
	}
	if l, _ := e.db.LeadByID(ctx, lead); l.Owner != "1001" || l.CallbackAt == nil {
		t.Errorf("lead after a personal call-back: %+v", l)
	}
	e.expect("ana", "POST", "/agents/1001/ready", ``, 200)
	if _, err := e.db.Pool.Exec(ctx, `UPDATE leads SET callback_at = now() - interval '1 minute' WHERE id = $1`, lead); err != nil {
		t.Fatal(err)
	}
	benLead, _ := cardLead(t, e.expect("ben", "POST", "/agents/1002/lead/next", ``, 200))
	if benLead == lead {
		t.Errorf("Ben got Ana's personal call-back")
	}
	out := e.expect("ana", "POST", "/agents/1001/lead/next", ``, 200)
	if id, _ := cardLead(t, out); id != lead {
		t.Errorf("Ana's next %d, want her call-back %d first", id, lead)
	}
	if h := card(t, out)["history"].([]any); len(h) != 1 || h[0].(map[string]any)["disposition_name"] != "预约回拨" || h[0].(map[string]any)["note"] != "客户明早十点方便" || h[0].(map[string]any)["agent_name"] != "Ana" {
		t.Errorf("history %v", h)
	}
	// Ana skips it; the shared call-back then goes to anyone: Ben disposes a shared one
	e.expect("ana", "POST", "/agents/1001/lead/skip", `{"reason":"先打别的"}`, 200)

	// 3. 拒绝 on Ben's lead (张伟): the number goes on the do-not-call list, refused in the other campaign
	_, bdial := cardLead(t, e.expect("ben", "GET", "/agents/1002/lead", ``, 200))
	e.dialled("1002", bdial, "renew", benLead, true, true, true, callfloor.OutcomeAnswered, 16)
	d = e.expect("ben", "PUT", "/calls/"+bdial+"/disposition", `{"code":"refused","note":"明确拒绝，不要再打"}`, 200)
	if d["do_not_call"] != true || d["lead_status"] != "done" {
		t.Errorf("refused: %v", d)
	}
	bl, _ := e.db.LeadByID(ctx, benLead)
	if on, _ := e.db.OnDNC(ctx, bl.Phone, ""); !on {
		t.Errorf("%s not on the do-not-call list", bl.Phone)
	}
	if err := e.db.SetCampaignStatus(ctx, "other", "running"); err != nil {
		t.Fatal(err)
	}
	n := 0
	if got, err := e.db.ClaimLeads(ctx, "other", 5, time.Now(), func() string { n++; return fmt.Sprintf("o-%d", n) }); err != nil || len(got) != 0 {
		t.Errorf("the other campaign still hands out the refused number: %v %v", got, err)
	}
}

// A reserved lead whose calling window closed since (the campaign's hours changed) is refused
// at dial with the next open time, and goes back; next then finds nothing it may call now.
func TestDeskLeadDialOutsideWindow(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	c := e.previewCampaign("renew", [][]string{{"王芳", "13812345678", "PA-1"}})
	lead, _ := cardLead(t, e.expect("ana", "POST", "/agents/1001/lead/next", ``, 200))
	loc, _ := time.LoadLocation("Asia/Shanghai")
	h := (time.Now().In(loc).Hour() + 12) % 24 // a one-hour window half a day away
	c.Windows = []callfloor.CallingWindow{{Days: []time.Weekday{0, 1, 2, 3, 4, 5, 6}, Start: fmt.Sprintf("%02d:00", h), End: fmt.Sprintf("%02d:59", h)}}
	if _, err := e.db.PutCampaign(ctx, c); err != nil {
		t.Fatal(err)
	}
	code, out := e.do("ana", "POST", "/agents/1001/lead/dial", ``)
	if code != 409 || out["code"] != "outside_window" || out["params"].(map[string]any)["next"] == nil {
		t.Fatalf("dial outside the window: %d %v", code, out)
	}
	if l, _ := e.db.LeadByID(ctx, lead); l.Status != "new" || l.NextAttemptAt == nil || !l.NextAttemptAt.After(time.Now()) || l.Attempts != 0 {
		t.Errorf("the lead after the refused dial: %+v", l)
	}
	if card(t, e.expect("ana", "GET", "/agents/1001/lead", ``, 200)) != nil {
		t.Errorf("Ana still holds the lead")
	}
	if code, out := e.do("ana", "POST", "/agents/1001/lead/next", ``); code != 409 || out["code"] != "no_lead" {
		t.Errorf("next outside the window: %d %v", code, out)
	}
}

// A number dialled as often as the cap across campaigns allows (acd.outbound.frequency_cap,
// 3 a day by default) is not dialled again by a preview: the lead goes back, the error names
// the cap.
func TestDeskLeadDialOverFrequencyCap(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	e.previewCampaign("renew", [][]string{{"王芳", "13812345678", "PA-1"}})
	lead, _ := cardLead(t, e.expect("ana", "POST", "/agents/1001/lead/next", ``, 200))
	l, err := e.db.LeadByID(ctx, lead)
	if err != nil {
		t.Fatal(err)
	}
	// three attempts at the number today, as other campaigns' dials would leave them
	for i := range 3 {
		if _, err := e.db.Pool.Exec(ctx, `INSERT INTO lead_attempts (lead_id, campaign_id, phone, dial_id, at, result)
			VALUES ($1, 'other', $2, $3, now() - interval '1 minute', 'no_answer')`, lead, l.Phone, fmt.Sprintf("elsewhere-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	code, out := e.do("ana", "POST", "/agents/1001/lead/dial", ``)
	if code != 409 || out["code"] != "frequency_cap" || out["params"].(map[string]any)["per_day"] != float64(3) {
		t.Fatalf("dial over the cap: %d %v", code, out)
	}
	if l, _ := e.db.LeadByID(ctx, lead); l.Status == "dialling" || l.NextAttemptAt == nil || !l.NextAttemptAt.After(time.Now()) {
		t.Errorf("the lead after the refused dial: %+v", l)
	}
	if card(t, e.expect("ana", "GET", "/agents/1001/lead", ``, 200)) != nil {
		t.Errorf("Ana still holds the lead")
	}
}

// The desk's next lead skips a number at the frequency cap (dialled 3 times today by other
// campaigns): the agent gets the next lead, and the capped one is put off to when the cap frees
// it, not handed out only to be refused at the dial.
func TestDeskLeadNextSkipsCappedNumber(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	e.previewCampaign("renew", [][]string{{"王芳", "13812345678", "PA-1"}, {"李娜", "13812345679", "PA-2"}})
	for i := range 3 {
		if _, err := e.db.Pool.Exec(ctx, `INSERT INTO lead_attempts (lead_id, campaign_id, phone, dial_id, at, result)
			SELECT id, 'other', phone, $2, now() - interval '1 second', 'no_answer' FROM leads WHERE campaign_id = 'renew' AND phone = $1`,
			"+8613812345678", fmt.Sprintf("elsewhere-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	lead, _ := cardLead(t, e.expect("ana", "POST", "/agents/1001/lead/next", ``, 200))
	l, err := e.db.LeadByID(ctx, lead)
	if err != nil {
		t.Fatal(err)
	}
	if l.Phone == "+8613812345678" {
		t.Fatalf("next gave the capped number %s", l.Phone)
	}
	var st string
	var next *time.Time
	if err := e.db.Pool.QueryRow(ctx, `SELECT status, next_attempt_at FROM leads WHERE campaign_id = 'renew' AND phone = '+8613812345678'`).Scan(&st, &next); err != nil {
		t.Fatal(err)
	}
	if st != "new" || next == nil || !next.After(time.Now()) {
		t.Errorf("capped lead: %s next %v, want new, put off to when the cap frees it", st, next)
	}
}
