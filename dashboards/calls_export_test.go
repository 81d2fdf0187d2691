package dashboards_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor/dashboards"
	"github.com/xuri/excelize/v2"
)

// exportEnv is the API with three calls of the last hour: c1 (Ana, 1001, answered, 12.3 s of
// talk), c2 (Ben, 1002, abandoned), c3 (Chen, 2001, team-b).
func exportEnv(t *testing.T) (e *apiEnv, from, to string) {
	t.Helper()
	e = newAPIEnv(t)
	now := time.Now().UTC()
	for i, row := range []struct{ id, agent, outcome, caller string }{
		{"c1", "1001", "answered", "+442079460958"}, {"c2", "1002", "abandoned", "5550101"}, {"c3", "2001", "answered", "=HYPERLINK(1)"},
	} {
		if _, err := e.db.Pool.Exec(context.Background(), `INSERT INTO calls (id, direction, queue, node, caller_number, agent_id, entered_at, ended_at,
			wait_ms, talk_ms, outcome, recording_name, last_event_id) VALUES ($1, 'inbound', 'sales', 'pbx1', $4, $2, $3, $3, 2000, 12345, $5, '', '1-0')`,
			row.id, row.agent, now.Add(-time.Duration(i+1)*time.Minute), row.caller, row.outcome); err != nil {
			t.Fatal(err)
		}
	}
	return e, url.QueryEscape(now.Add(-time.Hour).Format(time.RFC3339)), url.QueryEscape(now.Add(time.Minute).Format(time.RFC3339))
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\ufeff")) {
		t.Errorf("the CSV has no UTF-8 byte-order mark: %q", b[:min(len(b), 10)])
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v\n%s", err, b)
	}
	return recs
}

func readXLSX(t *testing.T, b []byte, sheet string) ([][]string, *excelize.File) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("XLSX: %v", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	if got := f.GetSheetList(); len(got) != 1 || got[0] != sheet {
		t.Fatalf("sheets %v, want [%s]", got, sheet)
	}
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return rows, f
}

// The call search exported as CSV and as XLSX: the search's filters and scope, agent names,
// headers and words in the user's language (lang= or Accept-Language), both files read back.
func TestCallsExportCSVAndXLSX(t *testing.T) {
	t.Parallel()
	e, from, to := exportEnv(t)
	q := "/calls?from=" + from + "&to=" + to

	// a team lead's CSV in English: their team's calls only, with the agents' names
	resp, b := e.getFile("lead-a", q+"&format=csv&lang=en", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), `attachment; filename="calls-`) {
		t.Fatalf("CSV: %d %v\n%s", resp.StatusCode, resp.Header, b)
	}
	recs := readCSV(t, b)
	wantHead := "Time (UTC),Direction,Queue,Caller number,Called number,Agent ID,Agent name,Outcome,Wait (s),Talk (s),Hold (s),Wrap-up (s),Recording,Call ID"
	if got := strings.Join(recs[0], ","); got != wantHead {
		t.Errorf("CSV header\n%s\nwant\n%s", got, wantHead)
	}
	if len(recs) != 3 {
		t.Fatalf("the team lead's CSV has %d calls, want c1 and c2: %v", len(recs)-1, recs)
	}
	for i, want := range [][]string{
		{"Inbound", "sales", "'+442079460958", "", "1001", "Ana", "Answered", "2.0", "12.3", "", "", "", "c1"},
		{"Inbound", "sales", "5550101", "", "1002", "Ben", "Abandoned", "2.0", "12.3", "", "", "", "c2"},
	} {
		if got := strings.Join(recs[i+1][1:], "|"); got != strings.Join(want, "|") {
			t.Errorf("CSV row %d: %s, want %s", i+1, got, strings.Join(want, "|"))
		}
		if _, err := time.Parse("2006-01-02 15:04:05", recs[i+1][0]); err != nil {
			t.Errorf("CSV row %d time %q: %v", i+1, recs[i+1][0], err)
		}
	}

	// the search's filters apply; Chinese by the browser's Accept-Language
	resp, b = e.getFile("qa", q+"&agent=2001&format=csv", map[string]string{"Accept-Language": "fr;q=1, zh-CN;q=0.9, en;q=0.8"})
	if resp.StatusCode != 200 {
		t.Fatalf("CSV zh: %d %s", resp.StatusCode, b)
	}
	recs = readCSV(t, b)
	if recs[0][0] != "时间（UTC）" || recs[0][6] != "坐席姓名" || recs[0][11] != "话后处理（秒）" {
		t.Errorf("Chinese CSV header %v", recs[0])
	}
	if len(recs) != 2 || recs[1][13] != "c3" || recs[1][6] != "Chen" || recs[1][7] != "已接听" || recs[1][1] != "呼入" {
		t.Errorf("agent 2001's calls in Chinese: %v", recs)
	}
	if recs[1][3] != "'=HYPERLINK(1)" {
		t.Errorf("a formula in a caller number is not defused: %q", recs[1][3])
	}

	// XLSX in Chinese (lang= wins over Accept-Language): the same rows, durations as numbers
	resp, b = e.getFile("qa", q+"&format=xlsx&lang=zh-CN", map[string]string{"Accept-Language": "en"})
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), ".xlsx\"") {
		t.Fatalf("XLSX: %d %v\n%.300s", resp.StatusCode, resp.Header, b)
	}
	rows, f := readXLSX(t, b, "通话记录")
	if len(rows) != 4 || rows[0][5] != "坐席工号" || rows[0][6] != "坐席姓名" {
		t.Fatalf("XLSX rows %v", rows)
	}
	var ids, names []string
	for _, r := range rows[1:] {
		ids, names = append(ids, r[13]), append(names, r[6])
	}
	if strings.Join(ids, ",") != "c1,c2,c3" || strings.Join(names, ",") != "Ana,Ben,Chen" {
		t.Errorf("XLSX calls %v names %v", ids, names)
	}
	// a number cell has no type attribute (or "n"); text is a string cell
	if typ, err := f.GetCellType("通话记录", "J2"); err != nil || (typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset) {
		t.Errorf("talk seconds cell type %v %v, want a number", typ, err)
	}
	if typ, _ := f.GetCellType("通话记录", "N2"); typ == excelize.CellTypeNumber || typ == excelize.CellTypeUnset {
		t.Errorf("the call ID cell's type %v, want text", typ)
	}
	if v, _ := f.GetCellValue("通话记录", "J2"); v != "12.3" {
		t.Errorf("talk seconds %q", v)
	}
	if v, _ := f.GetCellValue("通话记录", "D4"); v != "=HYPERLINK(1)" {
		t.Errorf("caller number cell %q", v)
	}
	if fm, _ := f.GetCellFormula("通话记录", "D4"); fm != "" {
		t.Errorf("a caller number became a formula: %q", fm)
	}

	// an agent's export is their own calls, whatever they ask
	resp, b = e.getFile("ana", q+"&format=xlsx&lang=en", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("agent XLSX: %d %s", resp.StatusCode, b)
	}
	if rows, _ := readXLSX(t, b, "Calls"); len(rows) != 2 || rows[1][13] != "c1" || rows[0][6] != "Agent name" {
		t.Errorf("agent's XLSX %v", rows)
	}
	e.expect("ana", "GET", q+"&agent=1002&format=csv", "", 403)

	// format=json (with lang) is the search as before
	if calls := e.expect("lead-a", "GET", q+"&format=json&lang=zh-CN", "", 200)["calls"].([]any); len(calls) != 2 {
		t.Errorf("format=json: %v", calls)
	}
}

// Bad export parameters name the field; a search too big for one export is refused, not cut.
func TestCallsExportErrors(t *testing.T) {
	e, from, to := exportEnv(t)
	q := "/calls?from=" + from + "&to=" + to
	for _, c := range []struct{ query, field string }{
		{"&format=pdf", "format"},
		{"&format=csv&lang=fr", "lang"},
		{"&format=csv&format=xlsx", "format"},
		{"&format=csv&direction=sideways", "direction"},
		{"&format=csv&bogus=1", "bogus"},
	} {
		body := e.expect("qa", "GET", q+c.query, "", 400)
		if body["kind"] != "invalid" || body["code"] == "invalid" || body["field"] != c.field {
			t.Errorf("%s: %v, want field %s", c.query, body, c.field)
		}
	}
	defer dashboards.SetMaxExportRows(2)()
	body := e.expect("qa", "GET", q+"&format=xlsx", "", 400)
	if body["field"] != "to" || !strings.Contains(body["message"].(string), "more than 2 calls") {
		t.Errorf("an export past the bound: %v", body)
	}
	// the same search narrowed fits
	if resp, b := e.getFile("qa", q+"&agent=1001&format=csv", nil); resp.StatusCode != 200 || len(readCSV(t, b)) != 2 {
		t.Errorf("the narrowed export: %d %s", resp.StatusCode, b)
	}
}

// An export reads the search page after page: more calls than one page of the search holds.
func TestCallsExportEveryPage(t *testing.T) {
	t.Parallel()
	e, from, to := exportEnv(t)
	if _, err := e.db.Pool.Exec(context.Background(), `INSERT INTO calls (id, direction, queue, node, agent_id, entered_at, outcome, last_event_id)
		SELECT 'bulk-' || g, 'inbound', 'sales', 'pbx1', '2001', now() - interval '10 minutes' - g * interval '1 millisecond', 'answered', '1-0'
		FROM generate_series(1, 1203) g`); err != nil {
		t.Fatal(err)
	}
	resp, b := e.getFile("qa", "/calls?from="+from+"&to="+to+"&format=csv", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	recs := readCSV(t, b)
	seen := map[string]bool{}
	for _, r := range recs[1:] {
		seen[r[13]] = true
	}
	if len(recs) != 1+1206 || len(seen) != 1206 {
		t.Errorf("the export holds %d rows (%d distinct), want 1206", len(recs)-1, len(seen))
	}
}
