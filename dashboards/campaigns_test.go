package dashboards_test

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// postList uploads a list file to a campaign.
func (e *apiEnv) postList(user, campaign, name, file string, data []byte, mapping string) (int, map[string]any) {
	e.t.Helper()
	return e.postMultipart(user, "/campaigns/"+campaign+"/lists", [][2]string{{"name", name}, {"mapping", mapping}}, []formFile{{"file", file, data}})
}

// An operations manager sets up a campaign, imports an XLSX list and a GBK CSV (rejected rows
// named), starts it; a team lead of its team reads it, an agent and QA do not; refusals and
// the do-not-call list are the managers'.
func TestCampaignsAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	body := `{"name":"车险续保","teams":["team-a"],"caller_ids":["02160001234"]}`
	e.expect("lead-a", "PUT", "/campaigns/renew", body, 403)
	e.expect("ana", "PUT", "/campaigns/renew", body, 403)
	c := e.expect("ops", "PUT", "/campaigns/renew", body, 201)
	if c["mode"] != "predictive" || len(c["windows"].([]any)) != 1 || len(c["dispositions"].([]any)) != 10 || c["recording_keep_days"] != 30.0 {
		t.Fatalf("a new campaign's defaults: %v", c)
	}
	e.expectInvalid("", []badInput{
		{"PUT", "/campaigns/other", `{"name":"x","caller_ids":["12"]}`, "caller_ids"},
		{"PUT", "/campaigns/other", `{"name":"x","caller_ids":["02160001234"],"mode":"turbo"}`, "mode"},
		{"PUT", "/campaigns/other", `{"name":"x","caller_ids":["02160001234"],"recording_keep_days":7}`, "recording_keep_days"},
		{"PUT", "/campaigns/renew", `{"name":"x","caller_ids":["02160001234"],"windows":[{"days":[1],"start":"20:00","end":"09:00"}]}`, "windows[0].end"},
		{"POST", "/campaigns/renew/status", `{"status":"flying"}`, "status"},
	})
	// reading: the team lead of its team, supervisors; not agents, not QA
	if l := e.expect("lead-a", "GET", "/campaigns", "", 200)["campaigns"].([]any); len(l) != 1 {
		t.Errorf("team lead of team-a sees %d campaigns, want 1", len(l))
	}
	e.expect("sup", "GET", "/campaigns/renew", "", 200)
	e.expect("qa", "GET", "/campaigns/renew", "", 404)
	if l := e.expect("ana", "GET", "/campaigns", "", 200)["campaigns"].([]any); len(l) != 0 {
		t.Errorf("an agent sees campaigns: %v", l)
	}

	// an XLSX list
	x := excelize.NewFile()
	for i, row := range [][]any{
		{"姓名", "手机", "保单号"},
		{"王芳", "138 1234 5678", "PA-1"},
		{"李娜", "12345", "PA-2"},
		{"张伟", "13812345678", "PA-3"},
		{"刘洋", "021-87654321", "PA-4"},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		x.SetSheetRow("Sheet1", cell, &row)
	}
	var xb bytes.Buffer
	x.Write(&xb)
	mapping := `{"phone":"手机","name":"姓名","fields":["保单号"]}`
	e.postListExpect("lead-a", "renew", "十二月", "dec.xlsx", xb.Bytes(), mapping, 403)
	rep := e.postListExpect("ops", "renew", "十二月", "dec.xlsx", xb.Bytes(), mapping, 201)
	if rep["total"] != 4.0 || rep["loaded"] != 2.0 {
		t.Errorf("xlsx import %v, want 4 rows, 2 loaded", rep)
	}
	rej := rep["rejected"].([]any)
	if len(rej) != 2 || rej[0].(map[string]any)["code"] != "invalid_number" || rej[0].(map[string]any)["row"] != 3.0 ||
		rej[1].(map[string]any)["code"] != "duplicate" || rej[1].(map[string]any)["first_row"] != 2.0 {
		t.Errorf("rejected rows %v", rej)
	}
	// a CSV saved by Excel on a Chinese Windows (GBK), one number already in the campaign
	gbk, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("手机,姓名\n13700000001,赵磊\n021 8765 4321,重复\n"))
	rep = e.postListExpect("ops", "renew", "补充", "more.csv", gbk, `{"phone":"手机","name":"姓名"}`, 201)
	if rep["loaded"] != 1.0 || len(rep["rejected"].([]any)) != 1 || rep["rejected"].([]any)[0].(map[string]any)["code"] != "already_exists" {
		t.Errorf("gbk csv import %v", rep)
	}
	if code, out := e.postList("ops", "renew", "x", "list.pdf", []byte("%PDF"), mapping); code != 400 || out["field"] != "file" {
		t.Errorf("a pdf: %d %v", code, out)
	}
	if code, out := e.postList("ops", "renew", "x", "dec.xlsx", xb.Bytes(), `{"phone":"电话"}`); code != 400 || out["field"] != "mapping.phone" {
		t.Errorf("a missing column: %d %v", code, out)
	}
	got := e.expect("ops", "GET", "/campaigns/renew", "", 200)
	if got["leads"].(map[string]any)["new"] != 3.0 {
		t.Errorf("leads %v, want 3 new", got["leads"])
	}
	e.expect("ops", "POST", "/campaigns/renew/status", `{"status":"running"}`, 200)
	if e.expect("lead-a", "GET", "/campaigns/renew", "", 200)["status"] != "running" {
		t.Errorf("status not running")
	}

	// the do-not-call list
	e.expect("lead-a", "POST", "/dnc", `{"phone":"13700000001","reason":"complaint"}`, 403)
	e.expect("ops", "POST", "/dnc", `{"phone":"13700000001","reason":"complaint"}`, 201)
	e.expectInvalid("", []badInput{{"POST", "/dnc", `{"phone":"abc","reason":"x"}`, "phone"}, {"POST", "/dnc", `{"phone":"13700000002","reason":""}`, "reason"}})
	if l := e.expect("sup", "GET", "/dnc?phone=137-0000-0001", "", 200)["dnc"].([]any); len(l) != 1 || l[0].(map[string]any)["phone"] != "+8613700000001" {
		t.Errorf("dnc %v", l)
	}
	e.expect("ana", "GET", "/dnc", "", 403)
	if got := e.expect("ops", "GET", "/campaigns/renew", "", 200)["leads"].(map[string]any); got["done"] != 1.0 || got["new"] != 2.0 {
		t.Errorf("after the number went on the do-not-call list: leads %v, want 1 done, 2 new", got)
	}
	for action, n := range map[string]int{"campaign_created": 1, "campaign_list_imported": 2, "campaign_status": 1, "dnc_added": 1} {
		if got := e.auditCount(action, "ops"); got != n {
			t.Errorf("audit %s: %d rows, want %d", action, got, n)
		}
	}
}

func (e *apiEnv) postListExpect(user, campaign, name, file string, data []byte, mapping string, want int) map[string]any {
	e.t.Helper()
	code, out := e.postList(user, campaign, name, file, data, mapping)
	if code != want {
		e.t.Fatalf("import %s as %s: %d %v, want %d", file, user, code, out, want)
	}
	return out
}
