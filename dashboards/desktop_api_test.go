package dashboards_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
)

// liveCall puts agent through a call (inbound, queue, caller number) in the live state and
// leaves them in the given state: on_call, or wrap_up after it ended.
func (e *apiEnv) liveCall(agent, id, queue, number string, state callfloor.AgentState) {
	e.t.Helper()
	ctx := context.Background()
	st := e.acd.Store()
	now := time.Now()
	if _, err := st.Transition(ctx, realtime.Transition{Agent: agent, To: callfloor.AgentOnCall, Direction: callfloor.Inbound, Call: id, Now: now}); err != nil {
		e.t.Fatal(err)
	}
	c := &callfloor.Call{ID: id, Direction: callfloor.Inbound, State: callfloor.CallTalking, Queue: queue, Node: "pbx1", CallerNumber: number,
		Agent: agent, EnteredAt: now.Add(-time.Minute), AnsweredAt: now.Add(-50 * time.Second)}
	if state == callfloor.AgentWrapUp {
		c.State, c.EndedAt, c.Outcome = callfloor.CallEnded, now, callfloor.OutcomeAnswered
	}
	if err := st.SaveCall(ctx, realtime.CallChange{Call: c}); err != nil {
		e.t.Fatal(err)
	}
	if state == callfloor.AgentWrapUp {
		if _, err := st.Transition(ctx, realtime.Transition{Agent: agent, To: callfloor.AgentWrapUp, WrapUntil: now.Add(time.Hour), Now: now}); err != nil {
			e.t.Fatal(err)
		}
	}
}

// Hang-up and transfer: who may, what is refused with which code.
func TestDeskHangupAndTransferRefusals(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	e.addUser(storage.NewUser{Username: "lead-b", Role: callfloor.RoleTeamLead, TeamID: "team-b"})
	for _, p := range []string{"/agents/1001/hangup", "/agents/1001/transfer"} {
		body := `{}`
		if p == "/agents/1001/transfer" {
			body = `{"to_queue":"support"}`
		}
		if code, out := e.do("ana", "POST", p, body); code != 409 || out["code"] != callfloor.ENotOnCall {
			t.Errorf("%s with no call: %d %v, want 409 %s", p, code, out, callfloor.ENotOnCall)
		}
		e.expect("ana", "POST", "/agents/1002"+p[len("/agents/1001"):], body, 403)
		e.expect("lead-b", "POST", p, body, 403)
		e.expect("qa", "POST", p, body, 403)
	}
	e.expectInvalid("", []badInput{
		{"POST", "/agents/1001/transfer", `{}`, "to_queue"},
		{"POST", "/agents/1001/transfer", `{"to_queue":"sales","to_number":"555"}`, "to_queue"},
		{"POST", "/agents/1001/transfer", `{"to_queue":"nope"}`, "to_queue"},
		{"POST", "/agents/1001/transfer", `{"to_agent":"nobody"}`, "to_agent"},
		{"POST", "/agents/1001/transfer", `{"to_agent":"1001"}`, "to_agent"},
		{"POST", "/agents/1001/transfer", `{"to_number":"12ab34"}`, "to_number"},
		{"POST", "/agents/1001/transfer", `{"to_desk":"x"}`, "to_desk"},
	})
	// to an agent who is not available: a clear error, nothing moved
	e.liveCall("1001", "C1", "sales", "5550100", callfloor.AgentOnCall)
	if code, out := e.do("ana", "POST", "/agents/1001/transfer", `{"to_agent":"1002"}`); code != 409 || out["code"] != callfloor.EAgentUnavailable || out["field"] != "to_agent" {
		t.Errorf("to a logged-out agent: %d %v", code, out)
	}
}

// Pause during a call or wrap-up waits (pending), is shown and cancellable; ready ends wrap-up
// early into it, but not before a required disposition is given.
func TestDeskPendingPauseReadyAndRequiredDisposition(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	e.liveCall("1001", "C1", "sales", "5550100", callfloor.AgentOnCall)
	out := e.expect("ana", "POST", "/agents/1001/pause", `{"reason":"lunch"}`, 200)
	if out["state"] != "on_call" || out["pending_pause"] != "lunch" {
		t.Errorf("pause during a call: %v", out)
	}
	out = e.expect("ana", "DELETE", "/agents/1001/pending-pause", ``, 200)
	if _, ok := out["pending_pause"]; ok {
		t.Errorf("after cancel: %v", out)
	}
	e.expect("ana", "POST", "/agents/1001/pause", `{"reason":"lunch"}`, 200)
	if code, out := e.do("ana", "POST", "/agents/1001/ready", ``); code != 409 || out["code"] != callfloor.ENotInWrapUp {
		t.Errorf("ready during the call: %d %v", code, out)
	}
	e.liveCall("1001", "C1", "sales", "5550100", callfloor.AgentWrapUp)

	// sales requires a disposition
	e.expect("ana", "PUT", "/queues/sales/dispositions", `{"disposition_required":true,"codes":[{"code":"sold","label":"Sold"}]}`, 403)
	e.expect("ops", "PUT", "/queues/sales/dispositions", `{"disposition_required":true,"codes":[{"code":"sold","label":"Sold"},{"code":"info","label":"Information only"}]}`, 200)
	if n := e.auditCount("dispositions_updated", "ops"); n != 1 {
		t.Errorf("dispositions_updated audited %d times", n)
	}
	set := e.expect("ana", "GET", "/queues/sales/dispositions", ``, 200)
	if set["disposition_required"] != true || len(set["codes"].([]any)) != 2 {
		t.Errorf("dispositions: %v", set)
	}
	if code, out := e.do("ana", "POST", "/agents/1001/ready", ``); code != 409 || out["code"] != callfloor.EDispositionRequired || out["field"] != "disposition" {
		t.Fatalf("ready without the required disposition: %d %v", code, out)
	}
	e.expectInvalid("", []badInput{
		{"PUT", "/calls/C1/disposition", `{"code":"nope"}`, "code"},
		{"PUT", "/calls/C1/disposition", `{}`, "code"},
		{"PUT", "/queues/sales/dispositions", `{"codes":[{"code":"Bad Code","label":"x"}]}`, "codes[0].code"},
		{"PUT", "/queues/sales/dispositions", `{"codes":[{"code":"a","label":""}]}`, "codes[0].label"},
		{"PUT", "/queues/sales/dispositions", `{"codes":[{"code":"a","label":"A"},{"code":"a","label":"B"}]}`, "codes[1].code"},
		{"PUT", "/queues/sales/dispositions", `{"disposition_required":true,"codes":[]}`, "disposition_required"},
	})
	e.expect("qa", "PUT", "/calls/C1/disposition", `{"code":"sold"}`, 403)
	d := e.expect("ana", "PUT", "/calls/C1/disposition", `{"code":"sold","note":"Wants the premium plan; call back Friday"}`, 200)
	if d["code"] != "sold" || d["label"] != "Sold" || d["set_by"] != "ana" {
		t.Errorf("disposition: %v", d)
	}
	// the note alone changes; the code stays
	d = e.expect("ana", "PUT", "/calls/C1/disposition", `{"note":"Wants the premium plan; call back on Friday"}`, 200)
	if d["code"] != "sold" {
		t.Errorf("note only dropped the code: %v", d)
	}
	out = e.expect("ana", "POST", "/agents/1001/ready", ``, 200)
	if out["state"] != "paused" || out["reason"] != "lunch" {
		t.Errorf("ready with a pending pause: %v", out)
	}
	// on record in the history: the call's row shows it, the search finds it by code and note
	if _, err := e.db.Pool.Exec(context.Background(), `INSERT INTO calls (id, direction, queue, node, caller_number, agent_id, entered_at,
		answered_at, ended_at, outcome, last_event_id) VALUES ('C1', 'inbound', 'sales', 'pbx1', '5550100', '1001', now() - interval '1 minute',
		now() - interval '50 seconds', now(), 'answered', '1-0')`); err != nil {
		t.Fatal(err)
	}
	c := e.expect("ana", "GET", "/calls/C1", ``, 200)
	if c["disposition"] != "sold" || c["note"] != "Wants the premium plan; call back on Friday" {
		t.Errorf("call record: %v", c)
	}
	span := "from=" + url.QueryEscape(time.Now().Add(-time.Hour).Format(time.RFC3339)) + "&to=" + url.QueryEscape(time.Now().Add(time.Minute).Format(time.RFC3339))
	for q, want := range map[string]int{"&disposition=sold": 1, "&disposition=info": 0, "&q=FRIDAY": 1, "&q=monday": 0, "&disposition=none": 0} {
		if n := len(e.expect("sup", "GET", "/calls?"+span+q, ``, 200)["calls"].([]any)); n != want {
			t.Errorf("search %s: %d calls, want %d", q, n, want)
		}
	}
	e.expectInvalid("", []badInput{{"GET", "/calls?" + span + "&disposition=Not%20A%20Code", "", "disposition"}})
}

// Screen pop: the caller's recent calls, for the agent who has them on the line.
func TestDeskRecentCalls(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	if _, err := e.db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, queue, node, caller_number, agent_id, entered_at, ended_at, outcome, last_event_id)
		SELECT 'H' || g, 'inbound', 'sales', 'pbx1', '5550100', '1002', now() - g * interval '1 day', now() - g * interval '1 day', 'answered', '1-0'
		FROM generate_series(1, 7) g`); err != nil {
		t.Fatal(err)
	}
	if err := e.db.SetCallDisposition(ctx, storage.CallDisposition{CallID: "H1", Code: "sold", Label: "Sold", Note: "VIP", SetBy: "ben", SetAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	e.expect("ana", "GET", "/calls/recent?number=5550100", ``, 403) // not their caller
	e.liveCall("1001", "C9", "sales", "5550100", callfloor.AgentOnCall)
	out := e.expect("ana", "GET", "/calls/recent?number=555-0100", ``, 200)
	calls := out["calls"].([]any)
	if len(calls) != 5 {
		t.Fatalf("recent calls: %d, want the last 5", len(calls))
	}
	first := calls[0].(map[string]any)
	if first["id"] != "H1" || first["note"] != "VIP" || first["disposition_label"] != "Sold" || first["agent_name"] != "Ben" {
		t.Errorf("newest: %v", first)
	}
	e.expect("ana", "GET", "/calls/recent?number=5550199", ``, 403)
	e.expect("sup", "GET", "/calls/recent?number=5550199", ``, 200)
	e.expectInvalid("", []badInput{{"GET", "/calls/recent", "", "number"}, {"GET", "/calls/recent?number=abc", "", "number"}})
}
