package dashboards_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// xlsxOf builds a one-sheet workbook from rows.
func xlsxOf(t *testing.T, rows [][]any) []byte {
	t.Helper()
	x := excelize.NewFile()
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := x.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fetchFile gets a file route as user.
func (e *apiEnv) fetchFile(user, path string) (int, http.Header, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1"+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens[user])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, resp.Header, b.Bytes()
}

// A project manager runs their project's campaign (not another's): lists with counts, pause and
// resume, the rejects report, recycle, export read back from XLSX and CSV, a lead's detail; an
// agent and a team lead may not change any of it.
func TestCampaignListsAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	for _, p := range []string{"motor", "life"} {
		if _, err := e.db.CreateProject(ctx, storage.Project{ID: p}); err != nil {
			t.Fatal(err)
		}
	}
	e.addUser(storage.NewUser{Username: "pam", Role: callfloor.RoleProjectManager, Projects: []string{"motor"}})
	e.expect("pam", "PUT", "/campaigns/life-q4", `{"name":"寿险","project":"life","caller_ids":["02160001234"]}`, 403)
	e.expect("ops", "PUT", "/campaigns/life-q4", `{"name":"寿险","project":"life","caller_ids":["02160001234"]}`, 201)
	e.expect("pam", "PUT", "/campaigns/renew", `{"name":"车险续保","project":"motor","teams":["team-a"],"caller_ids":["02160001234"],"max_attempts":2,"max_attempts_per_day":2}`, 201)
	if l := e.expect("pam", "GET", "/campaigns", "", 200)["campaigns"].([]any); len(l) != 1 {
		t.Errorf("pam sees %d campaigns, want her project's 1", len(l))
	}
	e.expect("pam", "GET", "/campaigns/life-q4/lists", "", 404)

	data := xlsxOf(t, [][]any{
		{"客户姓名", "手机号码", "车牌号", "保单到期"},
		{"王芳", "138 1234 5678", "沪A12345", "2026-12-20"},
		{"李娜", "1234", "沪B22222", "2026-12-21"},
		{"张伟", "+86 139-0000-0001", "沪C33333", "2026-12-22"},
		{"刘洋", "13812345678", "沪D44444", "2026-12-23"},
	})
	rep := e.postListExpect("pam", "renew", "十二月到期", "dec.xlsx", data, `{"phone":"手机号码","name":"客户姓名","fields":["车牌号","保单到期"]}`, 201)
	listID := int64(rep["list_id"].(float64))
	base := fmt.Sprintf("/campaigns/renew/lists/%d", listID)

	lists := e.expect("lead-a", "GET", "/campaigns/renew/lists", "", 200)["lists"].([]any)
	if len(lists) != 1 || lists[0].(map[string]any)["leads"].(map[string]any)["new"] != 2.0 || lists[0].(map[string]any)["rows_rejected"] != 2.0 {
		t.Fatalf("lists %v", lists)
	}
	got := e.expect("pam", "GET", base, "", 200)
	if rj := got["rejects"].([]any); len(rj) != 2 || rj[0].(map[string]any)["row"] != 3.0 {
		t.Errorf("list rejects %v", rj)
	}
	// the validation report as XLSX, read back
	code, hdr, body := e.fetchFile("pam", base+"/rejects?format=xlsx&lang=zh-CN")
	if code != 200 || !strings.Contains(hdr.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("rejects xlsx: %d %s", code, body)
	}
	x, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows(x.GetSheetList()[0])
	if len(rows) != 3 || rows[0][0] != "行号" || rows[1][0] != "3" || rows[1][2] != "不是电话号码" || rows[2][2] != "文件内重复" || rows[2][4] != "2" {
		t.Errorf("rejects sheet %q", rows)
	}

	// pause and resume: the managers only, audited
	e.expect("lead-a", "POST", base+"/status", `{"status":"paused"}`, 403)
	e.expect("ana", "POST", base+"/status", `{"status":"paused"}`, 404)
	e.expect("pam", "POST", base+"/status", `{"status":"paused"}`, 200)
	if l, _ := e.db.ClaimLeads(ctx, "renew", 10, time.Now(), func() string { return fmt.Sprint(time.Now().UnixNano()) }); len(l) != 0 {
		t.Errorf("a paused list dialled: %d", len(l))
	}
	e.expect("pam", "POST", base+"/status", `{"status":"active"}`, 200)
	e.expectInvalid("", []badInput{
		{"POST", base + "/status", `{"status":"gone"}`, "status"},
		{"POST", base + "/recycle", `{"outcomes":[]}`, "outcomes"},
		{"POST", base + "/recycle", `{"outcomes":["success"]}`, "outcomes"},
		{"POST", "/consents", `{"phone":"13800000000","evidence":""}`, "evidence"},
		{"POST", "/consents", `{"phone":"123","evidence":"x"}`, "phone"},
		{"POST", "/consents", `{"phone":"13800000000","evidence":"x","campaign":"nope"}`, "campaign"},
		{"GET", "/contact-history/abc", "", "phone"},
		{"GET", base + "/export?format=pdf", "", "format"},
	})
	e.expect("pam", "GET", "/campaigns/renew/lists/999999", "", 404)

	// two no-answers end both leads (max 2); recycle them without a reset
	dial := func() []storage.Lead {
		ls, err := e.db.ClaimLeads(ctx, "renew", 10, time.Now().Add(48*time.Hour), func() string { return fmt.Sprint("d-", time.Now().UnixNano()) })
		if err != nil {
			t.Fatal(err)
		}
		return ls
	}
	for round := range 2 {
		for _, l := range dial() {
			at := time.Now().Add(time.Duration(round) * 3 * time.Hour)
			if _, err := e.db.RecordAttempt(ctx, storage.AttemptRecord{LeadID: l.ID, DialID: l.DialID, At: at, Result: callfloor.ResultNoAnswer, Agent: "1001"}, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.expect("lead-a", "POST", base+"/recycle", `{"outcomes":["no_answer"]}`, 403)
	if r := e.expect("pam", "POST", base+"/recycle", `{"outcomes":["no_answer","busy"],"reset_attempts":true}`, 200); r["recycled"] != 2.0 {
		t.Errorf("recycled %v", r)
	}
	// the export: XLSX and CSV (BOM), read back
	e.expect("lead-a", "GET", base+"/export", "", 403)
	code, _, body = e.fetchFile("pam", base+"/export?format=xlsx&lang=en")
	if code != 200 {
		t.Fatalf("export: %d %s", code, body)
	}
	x, err = excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ = x.GetRows(x.GetSheetList()[0])
	if len(rows) != 3 || rows[0][0] != "Phone" || rows[0][12] != "保单到期" || rows[0][13] != "车牌号" ||
		rows[1][0] != "+8613812345678" || rows[1][1] != "王芳" || rows[1][4] != "New" || rows[1][6] != "No answer" || rows[1][13] != "沪A12345" {
		t.Errorf("export rows %q", rows)
	}
	code, hdr, body = e.fetchFile("pam", base+"/export?format=csv&lang=zh-CN")
	if code != 200 || !bytes.HasPrefix(body, []byte("\ufeff号码,姓名")) || !strings.Contains(hdr.Get("Content-Disposition"), ".csv") {
		t.Errorf("csv export %d %q", code, body)
	}
	// a lead's detail: both attempts
	var leadID int64
	e.db.Pool.QueryRow(ctx, `SELECT id FROM leads WHERE phone = '+8613812345678'`).Scan(&leadID)
	d := e.expect("lead-a", "GET", fmt.Sprintf("/campaigns/renew/leads/%d", leadID), "", 200)
	if h := d["attempt_history"].([]any); len(h) != 2 || d["fields"].(map[string]any)["车牌号"] != "沪A12345" {
		t.Errorf("lead detail %v", d)
	}
	e.expect("pam", "GET", fmt.Sprintf("/campaigns/life-q4/leads/%d", leadID), "", 404)
	for action, n := range map[string]int{"campaign_list_status": 2, "campaign_list_recycled": 1, "campaign_list_exported": 2} {
		if got := e.auditCount(action, "pam"); got != n {
			t.Errorf("audit %s: %d, want %d", action, got, n)
		}
	}
}

// Removing from the do-not-call list (the operations manager only); consent evidence; the
// contact history of a number as JSON and XLSX, with its recording link.
func TestDNCConsentHistoryAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	e.expect("ops", "PUT", "/campaigns/renew", `{"name":"车险续保","caller_ids":["02160001234"],"require_consent":true}`, 201)
	e.expect("ops", "POST", "/dnc", `{"phone":"13700000001","reason":"投诉","campaign":"renew"}`, 201)
	e.expect("sup", "DELETE", "/dnc/13700000001?campaign=renew", "", 403)
	e.expect("ops", "DELETE", "/dnc/13700000001", "", 404) // not on the global list
	if r := e.expect("ops", "DELETE", "/dnc/137-0000-0001?campaign=renew", "", 200); r["reason"] != "投诉" {
		t.Errorf("removed %v", r)
	}
	if l := e.expect("sup", "GET", "/dnc?phone=13700000001", "", 200)["dnc"].([]any); len(l) != 0 {
		t.Errorf("still listed %v", l)
	}

	e.expect("sup", "POST", "/consents", `{"phone":"13700000001","campaign":"renew","evidence":"授权书"}`, 403)
	e.expect("ops", "POST", "/consents", `{"phone":"13700000001","campaign":"renew","evidence":"线上授权 #881"}`, 201)
	e.expect("ops", "POST", "/consents", `{"phone":"13700000002","campaign":"renew","evidence":"录音同意"}`, 201)
	if l := e.expect("sup", "GET", "/consents?phone=137%200000%200001", "", 200)["consents"].([]any); len(l) != 1 || l[0].(map[string]any)["recorded_by"] != "ops" {
		t.Errorf("consents %v", l)
	}
	e.expect("ana", "GET", "/consents", "", 403)
	e.expect("ops", "POST", "/consents/13700000002/expire", `{"campaign":"renew"}`, 200)
	e.expect("ops", "POST", "/consents/13700000002/expire", `{"campaign":"renew"}`, 404)
	// consent required: of three numbers only the one with current consent is dialled
	e.postListExpect("ops", "renew", "l", "l.csv", []byte("手机\n13700000001\n13700000002\n13700000003\n"), `{"phone":"手机"}`, 201)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Now().In(loc)
	at := time.Date(now.Year(), now.Month(), now.Day()+1, 10, 0, 0, 0, loc)
	ls, err := e.db.ClaimLeads(ctx, "renew", 10, at, func() string { return "call-h1" })
	if err != nil || len(ls) != 1 || ls[0].Phone != "+8613700000001" {
		t.Fatalf("claimed %+v %v", ls, err)
	}
	if _, err := e.db.RecordAttempt(ctx, storage.AttemptRecord{LeadID: ls[0].ID, DialID: "call-h1", At: at, Result: callfloor.ResultAnswered, Agent: "1001", Disposition: "interested"}, nil); err != nil {
		t.Fatal(err)
	}
	e.addCall("call-h1", "rec-h1")
	if _, err := e.db.Pool.Exec(ctx, `INSERT INTO recordings (name, node, format, call_id, call_entered_at, created_at)
		SELECT 'rec-h1', 'pbx1', 'wav', id, entered_at, now() FROM calls WHERE id = 'call-h1'`); err != nil {
		t.Fatal(err)
	}

	e.expect("ana", "GET", "/contact-history/13700000001", "", 403)
	h := e.expect("sup", "GET", "/contact-history/13700000001", "", 200)
	att := h["attempts"].([]any)
	if len(att) != 1 || att[0].(map[string]any)["recording_url"] != "/api/v1/calls/call-h1/recording/file" || att[0].(map[string]any)["agent"] != "1001" {
		t.Errorf("history %v", h)
	}
	code, _, body := e.fetchFile("ops", "/contact-history/13700000001?format=xlsx&lang=zh-CN")
	if code != 200 {
		t.Fatalf("history xlsx %d %s", code, body)
	}
	x, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows(x.GetSheetList()[0])
	// names, not codes: the campaign's name, the agent's name, the disposition's label
	if len(rows) != 2 || rows[0][0] != "时间" || rows[1][1] != "车险续保" || rows[1][2] != "Ana" || rows[1][3] != "已接通" || rows[1][4] != "意向" ||
		rows[1][5] != "call-h1" || !strings.HasSuffix(rows[1][6], "/recording/file") {
		t.Errorf("history sheet %q", rows)
	}
	// in English: the default disposition's label in English; a label the campaign wrote is shown as written
	code, _, body = e.fetchFile("ops", "/contact-history/13700000001?format=xlsx&lang=en")
	if x, err = excelize.OpenReader(bytes.NewReader(body)); code != 200 || err != nil {
		t.Fatalf("history xlsx en %d %v", code, err)
	}
	if rows, _ = x.GetRows(x.GetSheetList()[0]); len(rows) != 2 || rows[0][4] != "Disposition" || rows[1][4] != "Interested" || rows[1][3] != "Answered" {
		t.Errorf("history sheet en %q", rows)
	}
	if a := e.expect("sup", "GET", "/contact-history/13700000001?lang=zh-CN", "", 200)["attempts"].([]any)[0].(map[string]any); a["disposition_label"] != "意向" || a["agent_name"] != "Ana" {
		t.Errorf("history json %v", a)
	}
	for action, n := range map[string]int{"dnc_removed": 1, "consent_recorded": 2, "consent_expired": 1, "contact_history_exported": 2} {
		if got := e.auditCount(action, "ops"); got != n {
			t.Errorf("audit %s by ops: %d, want %d", action, got, n)
		}
	}
}
