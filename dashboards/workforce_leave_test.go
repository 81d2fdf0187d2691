package dashboards_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
	"time"
)

// postLeaveForm sends a leave request as a multipart form with files.
func (e *apiEnv) postLeaveForm(user, agent, request string, files map[string][]byte) (int, map[string]any) {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("request", request)
	for name, data := range files {
		fw, _ := mw.CreateFormFile("files", name)
		fw.Write(data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/agents/"+agent+"/leave", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+e.tokens[user])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// An agent asks for two days of sick leave with a sick note; their team lead, a supervisor and the
// operations manager approve in turn; the note is for the agent and the approvers only; nobody
// decides out of turn; the policy and balances are the operations manager's.
func TestLeaveAPI(t *testing.T) {
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
