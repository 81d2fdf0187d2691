package dashboards_test

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// postLeaveForm sends a leave request as a multipart form with files.
func (e *apiEnv) postLeaveForm(user, agent, request string, files map[string][]byte) (int, map[string]any) {
	e.t.Helper()
	return e.postMultipart(user, "/agents/"+agent+"/leave", [][2]string{{"request", request}}, filesOf("files", files))
}

// An agent asks for two days of sick leave with a sick note; their team lead, a supervisor and the
// operations manager approve in turn; the note is for the agent and the approvers only; nobody
// decides out of turn; the policy and balances are the operations manager's.
func TestLeaveAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	day := time.Now().AddDate(0, 0, 7).Format(time.DateOnly)
	next := time.Now().AddDate(0, 0, 8).Format(time.DateOnly)
	pdf := []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
	req := `{"type":"sick","from":"` + day + `","to":"` + next + `","days":2,"reason":"发烧"}`
	if _, body := e.do("ana", "POST", "/agents/1001/leave", req); body["code"] != "attachment_needed" || body["field"] != "attachments" {
		t.Fatalf("sick leave without a note: %v", body)
	}
	if code, body := e.postLeaveForm("ana", "1001", req, map[string][]byte{"note.exe": []byte("MZ\x90\x00binary")}); code != 400 || body["field"] != "attachments[0]" {
		t.Fatalf("an executable: %d %v", code, body)
	}
	code, v := e.postLeaveForm("ana", "1001", req, map[string][]byte{"病假条.pdf": pdf})
	if code != 201 || v["status"] != "pending" || v["next_role"] != "team_lead" || len(v["files"].([]any)) != 1 {
		t.Fatalf("%d %v", code, v)
	}
	id := itoa(int64(v["id"].(float64)))
	att := itoa(int64(v["files"].([]any)[0].(map[string]any)["id"].(float64)))
	if code, _ := e.postLeaveForm("ana", "1002", req, map[string][]byte{"a.pdf": pdf}); code != 403 {
		t.Fatalf("for another agent: %d", code)
	}
	// out of turn, or not the agent's approver
	e.expect("ana", "POST", "/leave/"+id+"/decision", `{"approve":true}`, 403)
	e.expect("sup", "POST", "/leave/"+id+"/decision", `{"approve":true}`, 403)
	e.expect("qa", "POST", "/leave/"+id+"/decision", `{"approve":true}`, 403)
	if n := len(e.expect("lead-a", "GET", "/leave?inbox=1", "", 200)["requests"].([]any)); n != 1 {
		t.Fatalf("lead's inbox %d", n)
	}
	if n := len(e.expect("sup", "GET", "/leave?inbox=1", "", 200)["requests"].([]any)); n != 0 {
		t.Fatalf("supervisor's inbox before the lead decided: %d", n)
	}
	e.expect("lead-a", "POST", "/leave/"+id+"/decision", `{"approve":true,"note":"好好休息"}`, 200)
	e.expect("sup", "POST", "/leave/"+id+"/decision", `{"approve":true}`, 200)
	done := e.expect("ops", "POST", "/leave/"+id+"/decision", `{"approve":true}`, 200)
	if done["status"] != "approved" || len(done["decisions"].([]any)) != 3 {
		t.Fatalf("%v", done)
	}
	// the sick note: the agent and approvers, not QA
	for user, want := range map[string]int{"ana": 200, "lead-a": 200, "qa": 403} {
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/leave/attachments/"+att, nil)
		req.Header.Set("Authorization", "Bearer "+e.tokens[user])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want || (want == 200 && (!bytes.Equal(b, pdf) || resp.Header.Get("Content-Type") != "application/pdf")) {
			t.Errorf("%s downloads the note: %d %s", user, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	// balances and the policy
	year := day[:4]
	e.expect("lead-a", "PUT", "/agents/1001/leave-balances/annual/"+year, `{"entitled_days":5}`, 403)
	b := e.expect("ops", "PUT", "/agents/1001/leave-balances/annual/"+year, `{"entitled_days":5}`, 200)["balances"].([]any)
	if b[2].(map[string]any)["type"] != "annual" || b[2].(map[string]any)["remaining"].(float64) != 5 {
		t.Fatalf("balances %v", b)
	}
	if _, body := e.do("ana", "POST", "/agents/1001/leave", `{"type":"annual","from":"`+time.Now().AddDate(0, 0, 20).Format(time.DateOnly)+`","to":"`+time.Now().AddDate(0, 0, 27).Format(time.DateOnly)+`","days":6}`); body["code"] != "leave_balance" {
		t.Fatalf("over the balance: %v", body)
	}
	pol := e.expect("ana", "GET", "/leave-policy", "", 200)
	if len(pol["steps"].([]any)) != 2 {
		t.Fatalf("policy %v", pol)
	}
	e.expect("lead-a", "PUT", "/leave-policy", `{"steps":[{"min_days":0,"chain":["supervisor"]}]}`, 403)
	e.expect("ops", "PUT", "/leave-policy", `{"steps":[{"min_days":0,"chain":["supervisor"]}],"ahead_days":{"personal":1}}`, 200)
	e.expectInvalid("", []badInput{
		{"PUT", "/leave-policy", `{"steps":[{"min_days":0,"chain":["agent"]}]}`, "steps[0].chain[0]"},
		{"POST", "/agents/1001/leave", `{"type":"gardening","from":"2030-01-01","to":"2030-01-01","days":1}`, "type"},
		{"POST", "/agents/1001/leave", `{"type":"annual","from":"2030-01-02","to":"2030-01-01","days":1}`, "to"},
		{"POST", "/agents/1001/leave", `{"type":"annual","from":"2030-01-01","to":"2030-01-01","days":0.3}`, "days"},
		{"POST", "/leave/" + id + "/decision", `{}`, "approve"},
		{"GET", "/leave?status=maybe", ``, "status"},
		{"GET", "/agents/1001/leave-balances?year=1999", ``, "year"},
		{"PUT", "/agents/1001/leave-balances/annual/2030", `{"entitled_days":-1}`, "entitled_days"},
	})
	for action, n := range map[string]int{"leave_requested": 1, "leave_decided": 3, "leave_balance_set": 1, "leave_policy_updated": 1} {
		if got := len(e.expect("root", "GET", "/audit?action="+action, "", 200)["entries"].([]any)); got != n {
			t.Errorf("%d audit rows for %s, want %d", got, action, n)
		}
	}
}

// The leave rules through the API, one by one: days ahead, half days, chains by length and type,
// nobody decides their own request nor another team's, attachments (count, size, sniffed type,
// who downloads), cancellation (who, once), and the audit rows.
func TestLeaveRulesAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	e.addUser(storage.NewUser{Username: "lead-ben", Role: callfloor.RoleTeamLead, AgentID: "1002", TeamID: "team-a"}) // a team lead who takes calls too
	e.addUser(storage.NewUser{Username: "lead-b", Role: callfloor.RoleTeamLead, TeamID: "team-b"})
	day := func(n int) string { return time.Now().AddDate(0, 0, n).Format(time.DateOnly) }
	id := func(v map[string]any) string { return itoa(int64(v["id"].(float64))) }

	// personal leave two days ahead
	if _, body := e.do("ana", "POST", "/agents/1001/leave", `{"type":"personal","from":"`+day(1)+`","to":"`+day(1)+`","days":1}`); body["code"] != "too_late" || body["field"] != "from" {
		t.Fatalf("personal leave tomorrow: %v", body)
	}
	// half a day: the short chain, the half kept; a half on two days refused
	half := e.expect("ana", "POST", "/agents/1001/leave", `{"type":"personal","from":"`+day(3)+`","to":"`+day(3)+`","days":0.5,"half":"am"}`, 201)
	if half["half"] != "am" || len(half["chain"].([]any)) != 2 {
		t.Fatalf("half a day: %v", half)
	}
	if _, body := e.do("ana", "POST", "/agents/1001/leave", `{"type":"annual","from":"`+day(4)+`","to":"`+day(5)+`","days":1,"half":"pm"}`); body["field"] != "half" {
		t.Fatalf("a half on two days: %v", body)
	}
	// the chain by type: marriage leave goes to the operations manager alone
	e.expect("ops", "PUT", "/leave-policy", `{"steps":[{"min_days":0,"chain":["team_lead","supervisor"]},{"min_days":2,"chain":["team_lead","supervisor","operations_manager"]},
		{"types":["marriage"],"min_days":0,"chain":["operations_manager"]}],"ahead_days":{"personal":2},"attachment_from_days":{"sick":1}}`, 200)
	wed := e.expect("ana", "POST", "/agents/1001/leave", `{"type":"marriage","from":"`+day(30)+`","to":"`+day(32)+`","days":3}`, 201)
	if wed["next_role"] != "operations_manager" || len(wed["chain"].([]any)) != 1 {
		t.Fatalf("marriage leave: %v", wed)
	}
	e.expect("lead-a", "POST", "/leave/"+id(wed)+"/decision", `{"approve":true}`, 403)
	if got := e.expect("ops", "POST", "/leave/"+id(wed)+"/decision", `{"approve":true}`, 200); got["status"] != "approved" {
		t.Fatalf("approved by the only step: %v", got)
	}

	// a team lead's own request: in the other lead's inbox, not theirs; another team's lead neither
	own := e.expect("lead-ben", "POST", "/agents/1002/leave", `{"type":"annual","from":"`+day(10)+`","to":"`+day(10)+`","days":1}`, 201)
	inbox := func(user string) []string {
		var ids []string
		for _, r := range e.expect(user, "GET", "/leave?inbox=1", "", 200)["requests"].([]any) {
			ids = append(ids, id(r.(map[string]any)))
		}
		return ids
	}
	if got := inbox("lead-ben"); slices.Contains(got, id(own)) {
		t.Fatalf("own request in own inbox: %v", got)
	}
	if got := inbox("lead-b"); len(got) != 0 {
		t.Fatalf("team-b's lead sees team-a's requests: %v", got)
	}
	if got := inbox("lead-a"); !slices.Contains(got, id(own)) || !slices.Contains(got, id(half)) {
		t.Fatalf("lead-a's inbox %v", got)
	}
	e.expect("lead-ben", "POST", "/leave/"+id(own)+"/decision", `{"approve":true}`, 403)
	e.expect("lead-b", "POST", "/leave/"+id(own)+"/decision", `{"approve":true}`, 403)
	e.expect("lead-a", "POST", "/leave/"+id(own)+"/decision", `{"approve":true}`, 200)
	if got := e.expect("root", "POST", "/leave/"+id(own)+"/decision", `{"approve":false,"note":"盘点周"}`, 200); got["status"] != "rejected" {
		t.Fatalf("an administrator at the supervisor's step: %v", got)
	}
	e.expect("lead-a", "POST", "/leave/"+id(own)+"/decision", `{"approve":true}`, 409)

	// attachments: at most 3, 10 MB each, the type sniffed (a PNG named .pdf is a PNG), readable by
	// the agent and their approvers only
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
	sick := `{"type":"sick","from":"` + day(40) + `","to":"` + day(41) + `","days":2}`
	if code, body := e.postLeaveForm("ana", "1001", sick, map[string][]byte{"a.png": png, "b.png": png, "c.png": png, "d.png": png}); code != 400 || body["field"] != "attachments" {
		t.Fatalf("four files: %d %v", code, body)
	}
	if code, body := e.postLeaveForm("ana", "1001", sick, map[string][]byte{"big.pdf": append([]byte("%PDF-1.4\n"), make([]byte, storage.MaxLeaveAttachment)...)}); code != 400 || body["field"] != "attachments[0]" || body["code"] != "too_large" {
		t.Fatalf("over 10 MB: %d %v", code, body)
	}
	code, v := e.postLeaveForm("ana", "1001", sick, map[string][]byte{"note.pdf": png})
	if code != 201 {
		t.Fatalf("%d %v", code, v)
	}
	f := v["files"].([]any)[0].(map[string]any)
	if f["content_type"] != "image/png" || f["filename"] != "note.pdf" {
		t.Fatalf("the file as stored: %v", f)
	}
	for user, want := range map[string]int{"ana": 200, "lead-a": 200, "sup": 200, "lead-ben": 200, "lead-b": 403, "qa": 403} {
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/leave/attachments/"+itoa(int64(f["id"].(float64))), nil)
		req.Header.Set("Authorization", "Bearer "+e.tokens[user])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s downloads the note: %d, want %d", user, resp.StatusCode, want)
		}
	}

	// cancelling: not by QA; the agent's own pending request, once; never an approved one
	e.expect("qa", "POST", "/leave/"+id(v)+"/cancel", "", 403)
	e.expect("lead-b", "POST", "/leave/"+id(v)+"/cancel", "", 403)
	if got := e.expect("ana", "POST", "/leave/"+id(v)+"/cancel", "", 200); got["status"] != "cancelled" {
		t.Fatalf("cancelled: %v", got)
	}
	e.expect("ana", "POST", "/leave/"+id(v)+"/cancel", "", 409)
	e.expect("ana", "POST", "/leave/"+id(wed)+"/cancel", "", 409)
	e.expect("lead-a", "POST", "/leave/"+id(v)+"/decision", `{"approve":true}`, 409)
	if got := inbox("lead-a"); slices.Contains(got, id(v)) {
		t.Fatalf("a cancelled request in the inbox: %v", got)
	}

	for action, n := range map[string]int{"leave_requested": 4, "leave_decided": 3, "leave_cancelled": 1, "leave_policy_updated": 1} {
		if got := len(e.expect("root", "GET", "/audit?action="+action, "", 200)["entries"].([]any)); got != n {
			t.Errorf("%d audit rows for %s, want %d", got, action, n)
		}
	}
}
