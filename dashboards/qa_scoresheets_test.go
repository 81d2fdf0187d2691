package dashboards_test

import (
	"context"
	"strings"
	"testing"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// addUser creates a user with an API token in e.
func (e *apiEnv) addUser(u storage.NewUser) {
	e.t.Helper()
	u.Password = "a long enough password"
	created, err := e.db.CreateUser(context.Background(), u)
	if err != nil {
		e.t.Fatalf("user %s: %v", u.Username, err)
	}
	tok, _, err := e.db.CreateAPIToken(context.Background(), created.ID, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	e.tokens[u.Username], e.ids[u.Username] = tok, created.ID
}

// lead-a evaluated two calls of team-a on Wednesday 2026-11-18 (seedReports): the sheet is short
// of its quota of 10, so sending it needs a note; it is sent once; the project manager's inbox
// shows it sent and lead-a's other working days of that week missing.
func TestSendScoreSheetAndInbox(t *testing.T) {
	t.Parallel()
	e := seedReports(t)
	e.addUser(storage.NewUser{Username: "pm", Role: callfloor.RoleProjectManager})
	e.addUser(storage.NewUser{Username: "trainer", Role: callfloor.RoleTrainer})
	if _, err := e.db.Pool.Exec(context.Background(), `UPDATE users SET created_at = '2026-11-01T00:00:00Z' WHERE username = 'lead-a'`); err != nil {
		t.Fatal(err) // lead-a leads team-a since November: the days below are theirs to send
	}

	code, out := e.do("lead-a", "POST", "/qa/score-sheet/send", `{"day": "2026-11-18"}`)
	if code != 400 || out["field"] != "note" || !strings.Contains(out["message"].(string), "2 evaluations of a quota of 10") {
		t.Fatalf("short sheet without a note: %d %v", code, out)
	}
	sent := e.expect("lead-a", "POST", "/qa/score-sheet/send", `{"day": "2026-11-18", "note": "two agents on leave"}`, 201)
	if sent["team"] != "team-a" || sent["day"] != "2026-11-18" || sent["lead"] != "lead-a" || sent["evaluations"] != 2.0 ||
		sent["quota"] != 10.0 || sent["fatal"] != 1.0 || len(sent["evaluation_ids"].([]any)) != 2 || sent["note"] != "two agents on leave" {
		t.Fatalf("sent %v", sent)
	}
	if code, out := e.do("lead-a", "POST", "/qa/score-sheet/send", `{"day": "2026-11-18", "note": "again"}`); code != 409 {
		t.Errorf("sent twice: %d %v", code, out)
	}
	for _, c := range []struct{ user, body, field string }{
		{"lead-a", `{"day": "2999-01-01", "note": "x"}`, "day"},
		{"lead-a", `{"day": "18/11/2026"}`, "day"},
		{"lead-a", `{"day": "2026-11-17", "note": "x", "extra": 1}`, "extra"},
	} {
		if code, out := e.do(c.user, "POST", "/qa/score-sheet/send", c.body); code != 400 || out["field"] != c.field {
			t.Errorf("%s: %d %v, want 400 naming %s", c.body, code, out, c.field)
		}
	}
	for _, u := range []string{"ana", "ops", "pm", "qa", "trainer"} {
		if code, _ := e.do(u, "POST", "/qa/score-sheet/send", `{"day": "2026-11-17", "note": "x"}`); code != 403 {
			t.Errorf("%s sends a score sheet: %d, want 403", u, code)
		}
	}
	audit := e.expect("root", "GET", "/audit?action=score_sheet_sent", "", 200)
	if entries, _ := audit["entries"].([]any); len(entries) != 1 {
		t.Errorf("audit: %v", audit)
	}

	// lead-a has led team-a since November; lead-new only since Thursday the 19th at noon
	e.addUser(storage.NewUser{Username: "lead-new", Role: callfloor.RoleTeamLead, TeamID: "team-b"})
	if _, err := e.db.Pool.Exec(context.Background(), `UPDATE users SET created_at = CASE username
		WHEN 'lead-a' THEN '2026-11-01T00:00:00Z'::timestamptz ELSE '2026-11-19T12:00:00Z'::timestamptz END
		WHERE username IN ('lead-a', 'lead-new')`); err != nil {
		t.Fatal(err)
	}
	// Mon 16 – Fri 20 November: 18th sent; 16, 17, 19, 20 missing (working days, over) for
	// lead-a; only the 20th for lead-new (team-b, which lead-a cannot see)
	for _, u := range []string{"pm", "trainer", "ops", "lead-a"} {
		q := "/qa/score-sheets?from=2026-11-16&to=2026-11-23"
		if u != "lead-a" {
			q += "&team=team-a"
		}
		inbox := e.expect(u, "GET", q, "", 200)
		if inbox["sent"] != 1.0 || inbox["missing"] != 4.0 {
			t.Fatalf("%s's inbox: %v", u, inbox)
		}
		sheets := inbox["sheets"].([]any)
		first, last := sheets[0].(map[string]any), sheets[len(sheets)-1].(map[string]any)
		if first["day"] != "2026-11-20" || first["sent"] != nil || last["day"] != "2026-11-16" {
			t.Errorf("%s: newest first: %v … %v", u, first, last)
		}
		for _, s := range sheets {
			s := s.(map[string]any)
			if (s["day"] == "2026-11-18") != (s["sent"] != nil) {
				t.Errorf("%s: %v", u, s)
			}
		}
	}
	if inbox := e.expect("pm", "GET", "/qa/score-sheets?from=2026-11-16&to=2026-11-23&team=team-b", "", 200); inbox["missing"] != 1.0 ||
		inbox["sheets"].([]any)[0].(map[string]any)["day"] != "2026-11-20" {
		t.Errorf("lead-new, lead since the 19th at noon: %v, want only the 20th missing", inbox)
	}
	// the sheet as sent: its figures and note, its two evaluations (as they are now), as JSON and printable
	got := e.expect("pm", "GET", "/qa/score-sheets/sent?team=team-a&day=2026-11-18&lead=lead-a", "", 200)
	if got["evaluations"] != 2.0 || got["note"] != "two agents on leave" || len(got["rows"].([]any)) != 2 {
		t.Errorf("sent sheet: %v", got)
	}
	if code, _, page := e.get("pm", "/qa/score-sheets/sent?team=team-a&day=2026-11-18&lead=lead-a&format=html"); code != 200 ||
		!strings.Contains(page, "sent by lead-a") || !strings.Contains(page, "Note: two agents on leave") {
		t.Errorf("printable sent sheet: %d %.300s", code, page)
	}
	e.expect("lead-a", "GET", "/qa/score-sheets/sent?team=team-a&day=2026-11-18&lead=lead-a", "", 200)
	e.expect("lead-a", "GET", "/qa/score-sheets/sent?team=team-b&day=2026-11-18&lead=lead-new", "", 403)
	e.expect("ana", "GET", "/qa/score-sheets/sent?team=team-a&day=2026-11-18&lead=lead-a", "", 403)
	e.expect("pm", "GET", "/qa/score-sheets/sent?team=team-a&day=2026-11-17&lead=lead-a", "", 404)
	if code, out := e.do("pm", "GET", "/qa/score-sheets/sent?team=team-a&lead=lead-a", ""); code != 400 || out["field"] != "day" {
		t.Errorf("no day: %d %v", code, out)
	}
	if code, _ := e.do("lead-a", "GET", "/qa/score-sheets?team=team-b", ""); code != 403 {
		t.Errorf("lead-a reads team-b's sheets: %d", code)
	}
	if code, _ := e.do("ana", "GET", "/qa/score-sheets", ""); code != 403 {
		t.Errorf("an agent reads score sheets: %d", code)
	}
	if code, out := e.do("pm", "GET", "/qa/score-sheets?from=2026-01-01&to=2026-11-23", ""); code != 400 || out["field"] != "from" {
		t.Errorf("a 326-day inbox: %d %v", code, out)
	}
}
