package dashboards_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// qaReportForm has an item whose text is markup: reports must print it inert.
const qaReportForm = `{"sections": [{"id": "s1", "title": "Call", "items": [
	{"id": "verify", "text": "Verifies identity", "kind": "yes_no", "weight": 1, "fatal": true},
	{"id": "xss", "text": "<script>alert(1)</script> summary", "kind": "yes_no", "weight": 1, "non_fatal": true},
	{"id": "close", "text": "Closes", "kind": "yes_no", "weight": 1, "non_fatal": true}]}]}`

func reportAnswers(verify, xss, close bool) string {
	return fmt.Sprintf(`[{"item_id": "verify", "yes": %v}, {"item_id": "xss", "yes": %v}, {"item_id": "close", "yes": %v}]`, verify, xss, close)
}

// get fetches a raw (non-JSON) answer.
func (e *apiEnv) get(user, path string) (int, http.Header, string) {
	e.t.Helper()
	resp, b := e.getFile(user, path, nil)
	return resp.StatusCode, resp.Header, string(b)
}

// seedReports stores calls and evaluations through the API, then pins their times: four on
// Wednesday 2026-11-18 and one on Wednesday 2026-10-07.
func seedReports(t *testing.T) *apiEnv {
	e := newAPIEnv(t)
	ctx := context.Background()
	now := time.Now().UTC()
	for i, row := range []struct{ id, agent, queue string }{{"r1", "1001", "sales"}, {"r2", "1002", "sales"}, {"r3", "2001", "support"},
		{"r4", "1001", "support"}, {"r5", "1002", "sales"}} {
		if _, err := e.db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, queue, node, caller_number, agent_id, entered_at, ended_at,
			outcome, recording_name, last_event_id) VALUES ($1, 'inbound', $5, 'pbx1', '5550100', $2, $3, $3, 'answered', $4, '1-0')`,
			row.id, row.agent, now.Add(-time.Duration(i+1)*time.Minute), "callfloor/x/"+row.id, row.queue); err != nil {
			t.Fatal(err)
		}
	}
	putEvalScorecard(t, e.db, "rep", 1, qaReportForm)
	nov := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
	for i, s := range []struct {
		user, call, answers string
		at                  time.Time
	}{
		{"qa", "r1", reportAnswers(true, false, true), nov},                        // 1001: xss failed
		{"lead-a", "r2", reportAnswers(false, false, true), nov.Add(time.Hour)},    // 1002: fatal, xss failed
		{"ops", "r3", reportAnswers(true, true, true), nov.Add(2 * time.Hour)},     // 2001 (team-b)
		{"lead-a", "r4", reportAnswers(true, true, false), nov.Add(3 * time.Hour)}, // 1001: close failed
		{"qa", "r5", reportAnswers(true, true, true), time.Date(2026, 10, 7, 9, 0, 0, 0, time.UTC)},
	} {
		ev := e.expect(s.user, "POST", "/evaluations", fmt.Sprintf(`{"call_id": %q, "scorecard_id": "rep", "answers": %s,
			"comments": [{"at_ms": 1000, "text": "note %d"}]}`, s.call, s.answers, i), 201)
		if _, err := e.db.Pool.Exec(ctx, `UPDATE evaluations SET created_at = $2 WHERE id = $1`, int64(ev["id"].(float64)), s.at); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

const reportRange = "&from=2026-10-01&to=2026-12-01"

func rowsOf(out map[string]any) map[string]map[string]any {
	m := map[string]map[string]any{}
	for _, r := range out["rows"].([]any) {
		row := r.(map[string]any)
		m[row["key"].(string)+"@"+row["period"].(string)] = row
	}
	return m
}

func TestQAReports(t *testing.T) {
	t.Parallel()
	e := seedReports(t)

	// by agent per week, as QA: everyone
	rows := rowsOf(e.expect("qa", "GET", "/qa/reports?group=agent&period=week"+reportRange, "", 200))
	if len(rows) != 4 {
		t.Fatalf("rows %v", rows)
	}
	a := rows["1001@2026-11-16"]
	if a["evaluations"] != 2.0 || !near(a["avg_score"], 66.67) || a["quota"] != nil {
		t.Errorf("1001 week: %v", a)
	}
	if nf := a["non_fatal_rate"].(map[string]any); nf["text"] != "50.00 % (of 4 non-fatal items)" || nf["denominator"] != 4.0 || !near(nf["percent"], 50) {
		t.Errorf("1001 non-fatal %v", nf)
	}
	b := rows["1002@2026-11-16"]
	if fr := b["fatal_rate"].(map[string]any); fr["text"] != "100.00 % (of 1 evaluations)" || fr["denominator_name"] != "evaluations" {
		t.Errorf("1002 fatal %v", fr)
	}
	if rows["1002@2026-10-05"]["evaluations"] != 1.0 || rows["2001@2026-11-16"]["evaluations"] != 1.0 {
		t.Errorf("other rows %v", rows)
	}

	// by team per month, with the trend
	out := e.expect("qa", "GET", "/qa/reports?group=team&period=month"+reportRange, "", 200)
	rows = rowsOf(out)
	ta := rows["team-a@2026-11-01"]
	if ta["evaluations"] != 3.0 || ta["quota"] != 210.0 { // lead-a: 10 × 21 working days of November
		t.Errorf("team-a November: %v", ta)
	}
	if fr := ta["fatal_rate"].(map[string]any); fr["text"] != "33.33 % (of 3 evaluations)" {
		t.Errorf("team-a fatal %v", fr)
	}
	top := ta["top_failed_items"].([]any)
	if len(top) != 3 || top[0].(map[string]any)["item_id"] != "xss" || top[0].(map[string]any)["count"] != 2.0 {
		t.Errorf("top failed %v", top)
	}
	if rows["team-b@2026-11-01"]["quota"] != nil || rows["team-a@2026-10-01"]["evaluations"] != 1.0 {
		t.Errorf("team rows %v", rows)
	}
	trend := out["trend"].([]any)
	if len(trend) != 2 || trend[1].(map[string]any)["period"] != "2026-11-01" || trend[1].(map[string]any)["evaluations"] != 4.0 ||
		!near(trend[1].(map[string]any)["fatal_rate"], 25) {
		t.Errorf("trend %v", trend)
	}

	// by evaluator: a team lead has a quota of 10 per working day
	rows = rowsOf(e.expect("ops", "GET", "/qa/reports?group=evaluator&period=week"+reportRange, "", 200))
	if l := rows["lead-a@2026-11-16"]; l["evaluations"] != 2.0 || l["quota"] != 50.0 {
		t.Errorf("lead-a week: %v", l)
	}
	if q := rows["qa@2026-11-16"]; q["quota"] != nil || q["evaluations"] != 1.0 {
		t.Errorf("qa week: %v", q)
	}
	// everything in one row per period (what the web UI's "all" asks for), RFC 3339 bounds
	rows = rowsOf(e.expect("qa", "GET", "/qa/reports?group=all&period=month&from=2026-10-01T00:00:00.000Z&to=2026-12-01T00:00:00Z", "", 200))
	if len(rows) != 2 || rows["all@2026-11-01"]["evaluations"] != 4.0 {
		t.Errorf("all: %v", rows)
	}
	// by queue
	rows = rowsOf(e.expect("qa", "GET", "/qa/reports?group=queue&period=month"+reportRange, "", 200))
	if rows["sales@2026-11-01"]["evaluations"] != 2.0 || rows["support@2026-11-01"]["evaluations"] != 2.0 {
		t.Errorf("queues %v", rows)
	}

	// scope: an agent sees their own rows only; a team lead their team
	rows = rowsOf(e.expect("ana", "GET", "/qa/reports?group=agent&period=month"+reportRange, "", 200))
	if len(rows) != 1 || rows["1001@2026-11-01"]["evaluations"] != 2.0 {
		t.Errorf("ana sees %v", rows)
	}
	rows = rowsOf(e.expect("lead-a", "GET", "/qa/reports?group=agent&period=month"+reportRange, "", 200))
	if len(rows) != 3 || rows["2001@2026-11-01"] != nil {
		t.Errorf("lead-a sees %v", rows)
	}
	e.expect("lead-a", "GET", "/qa/reports?team=team-b"+reportRange, "", 403)
	e.expect("lead-a", "GET", "/qa/reports?agent=2001"+reportRange, "", 403)
	e.expect("ana", "GET", "/qa/reports?agent=1002"+reportRange, "", 403)
	e.expect("ana", "GET", "/qa/reports?team=team-a"+reportRange, "", 403)
	e.expect("qa", "GET", "/qa/reports?group=nope"+reportRange, "", 400)
	e.expect("qa", "GET", "/qa/reports?period=year"+reportRange, "", 400)
	e.expect("qa", "GET", "/qa/reports?bogus=1", "", 400)
	e.expect("qa", "GET", "/qa/reports?format=pdf", "", 400)
	e.expect("qa", "GET", "/qa/reports?from=2020-01-01&to=2026-01-01", "", 400)

	// CSV: the same rows as the JSON
	js := e.expect("qa", "GET", "/qa/reports?group=agent&period=week"+reportRange, "", 200)
	code, hdr, body := e.get("qa", "/qa/reports?group=agent&period=week&format=csv"+reportRange)
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || !strings.Contains(hdr.Get("Content-Disposition"), "attachment") {
		t.Fatalf("csv: %d %v", code, hdr)
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v\n%s", err, body)
	}
	jrows := js["rows"].([]any)
	if len(recs) != len(jrows)+1 || recs[0][1] != "key" {
		t.Fatalf("csv records %v", recs)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for i, r := range jrows {
		row, rec := r.(map[string]any), recs[i+1]
		fr, nf := row["fatal_rate"].(map[string]any), row["non_fatal_rate"].(map[string]any)
		if rec[col["key"]] != row["key"] || rec[col["period"]] != row["period"] || rec[col["evaluations"]] != fmt.Sprint(row["evaluations"]) ||
			rec[col["fatal_rate_text"]] != fr["text"] || rec[col["non_fatal_rate_text"]] != nf["text"] ||
			rec[col["fatal_denominator"]] != fmt.Sprint(fr["denominator"]) || rec[col["avg_score"]] != fmt.Sprintf("%.2f", row["avg_score"]) {
			t.Errorf("csv row %v vs json %v", rec, row)
		}
	}

	// HTML: printable, and the item text is escaped
	code, hdr, body = e.get("qa", "/qa/reports?group=team&period=month&format=html"+reportRange)
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("html: %d %v", code, hdr)
	}
	if strings.Contains(body, "<script>") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt; summary") ||
		!strings.Contains(body, "@media print") || !strings.Contains(body, "33.33 % (of 3 evaluations)") {
		t.Errorf("html:\n%s", body)
	}
}

func TestQAScoreSheet(t *testing.T) {
	t.Parallel()
	e := seedReports(t)
	out := e.expect("lead-a", "GET", "/qa/score-sheet?day=2026-11-18", "", 200)
	rows := out["rows"].([]any)
	if out["team"] != "team-a" || out["evaluator"] != "lead-a" || out["quota"] != 10.0 || len(rows) != 2 || out["fatal"] != 1.0 {
		t.Fatalf("sheet %v", out)
	}
	r0 := rows[0].(map[string]any)
	if r0["call_id"] != "r2" || r0["fatal"] != true || r0["score_final"] != 0.0 || r0["comments"] != 1.0 {
		t.Errorf("first row %v", r0)
	}
	e.expect("lead-a", "GET", "/qa/score-sheet?team=team-b&day=2026-11-18", "", 403)
	e.expect("lead-a", "GET", "/qa/score-sheet?lead=qa&day=2026-11-18", "", 403)
	e.expect("ana", "GET", "/qa/score-sheet?team=team-a", "", 403)
	e.expect("qa", "GET", "/qa/score-sheet", "", 400)
	e.expect("qa", "GET", "/qa/score-sheet?team=team-a&day=18.11.2026", "", 400)
	all := e.expect("qa", "GET", "/qa/score-sheet?team=team-a&day=2026-11-18", "", 200)
	if all["evaluations"] != 3.0 {
		t.Errorf("qa's view of team-a: %v", all)
	}
	if out := e.expect("qa", "GET", "/qa/score-sheet?team=team-a&day=2026-11-22", "", 200); out["quota"] != 0.0 || out["evaluations"] != 0.0 {
		t.Errorf("a Sunday: %v", out)
	}
	code, hdr, body := e.get("lead-a", "/qa/score-sheet?day=2026-11-18&format=csv")
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if code != 200 || err != nil || len(recs) != 3 || recs[1][3] != "r2" || !strings.Contains(hdr.Get("Content-Disposition"), "attachment") {
		t.Errorf("csv %d %v %v", code, err, recs)
	}
	code, _, body = e.get("lead-a", "/qa/score-sheet?day=2026-11-18&format=html")
	if code != 200 || !strings.Contains(body, "FATAL") || !strings.Contains(body, "Score sheet: team team-a, 2026-11-18, by lead-a") {
		t.Errorf("html %d\n%s", code, body)
	}
}

func TestQACalibration(t *testing.T) {
	t.Parallel()
	e := seedReports(t)
	body := `{"call_id": "r1", "scorecard_id": "rep", "evaluators": ["lead-a", "ops"], "reference_evaluator": "qa"}`
	e.expect("ana", "POST", "/qa/calibrations", body, 403)
	e.expect("lead-a", "POST", "/qa/calibrations", body, 403)
	if out := e.expect("qa", "POST", "/qa/calibrations", `{"call_id": "r1", "scorecard_id": "rep", "evaluators": ["nobody"], "reference_evaluator": "qa"}`, 400); out["field"] != "evaluators[0]" {
		t.Errorf("unknown evaluator: %v", out)
	}
	if out := e.expect("qa", "POST", "/qa/calibrations", `{"call_id": "zz", "scorecard_id": "rep", "evaluators": ["ops"], "reference_evaluator": "qa"}`, 400); out["field"] != "call_id" {
		t.Errorf("unknown call: %v", out)
	}
	s := e.expect("qa", "POST", "/qa/calibrations", body, 201)
	id := int(s["id"].(float64))
	base := fmt.Sprintf("/qa/calibrations/%d", id)
	if s["scorecard_version"] != 1.0 || s["reference_evaluator"] != "qa" || len(s["evaluators"].([]any)) != 3 {
		t.Fatalf("session %v", s)
	}

	// blind: an evaluator sees only their own score
	e.expect("ana", "GET", base, "", 403)
	e.expect("ana", "POST", base+"/scores", `{"answers": `+reportAnswers(true, true, true)+`}`, 403)
	e.expect("sup", "POST", base+"/scores", `{"answers": `+reportAnswers(true, true, true)+`}`, 403)
	e.expect("lead-a", "POST", base+"/scores", `{"answers": `+reportAnswers(true, false, true)+`}`, 201)
	e.expect("lead-a", "POST", base+"/close", "", 403)
	e.expect("qa", "POST", base+"/close", "", 409) // the reference has not scored
	e.expect("qa", "POST", base+"/scores", `{"answers": `+reportAnswers(true, true, true)+`}`, 201)
	e.expect("ops", "POST", base+"/scores", `{"answers": `+reportAnswers(true, true, false)+`}`, 201)
	e.expect("ops", "POST", base+"/scores", `{"answers": [{"item_id": "verify", "yes": true}]}`, 400)
	v := e.expect("lead-a", "GET", base, "", 200)
	scores := v["scores"].([]any)
	if v["blind"] != true || len(scores) != 1 || scores[0].(map[string]any)["evaluator"] != "lead-a" || v["deviations"] != nil ||
		len(v["submitted"].([]any)) != 3 {
		t.Fatalf("blind view %v", v)
	}
	if v := e.expect("qa", "GET", base, "", 200); len(v["scores"].([]any)) != 1 || v["scores"].([]any)[0].(map[string]any)["evaluator"] != "qa" {
		t.Errorf("qa's blind view %v", v)
	}
	if v := e.expect("root", "GET", base, "", 200); len(v["scores"].([]any)) != 0 {
		t.Errorf("admin's blind view %v", v)
	}

	// close: deviations from the reference
	c := e.expect("qa", "POST", base+"/close", "", 200)
	e.expect("qa", "POST", base+"/close", "", 409)
	e.expect("lead-a", "POST", base+"/scores", `{"answers": `+reportAnswers(true, true, true)+`}`, 409)
	v = e.expect("lead-a", "GET", base, "", 200)
	if v["blind"] != false || len(v["scores"].([]any)) != 3 || c["closed_at"] == nil {
		t.Fatalf("after close %v", v)
	}
	d := v["deviations"].(map[string]any)
	items := map[string]float64{}
	for _, x := range d["items"].([]any) {
		it := x.(map[string]any)
		items[it["item_id"].(string)] = it["agreement"].(float64)
	}
	if items["verify"] != 100 || items["xss"] != 50 || items["close"] != 50 {
		t.Errorf("item agreement %v", items)
	}
	for _, x := range d["evaluators"].([]any) {
		ev := x.(map[string]any)
		// each disagrees on one of three items: mean |diff| 33.33 points, score 100 → 66.67
		if !near(ev["mean_abs_item_diff"], 33.33) || !near(ev["score_diff"], -33.33) || !near(ev["agreement"], 66.67) {
			t.Errorf("evaluator %v", ev)
		}
	}
	if !near(d["mean_abs_score_diff"], 33.33) || !near(d["reference_score"], 100) {
		t.Errorf("deviations %v", d)
	}
	for _, action := range []string{"calibration_created", "calibration_closed"} {
		if n := len(e.expect("root", "GET", "/audit?action="+action, "", 200)["entries"].([]any)); n != 1 {
			t.Errorf("%d audit rows for %s", n, action)
		}
	}
	e.expect("qa", "GET", "/qa/calibrations/99999", "", 404)
}

// With time_zone set, report days, `from`/`to` days and score-sheet days are the centre's: in
// Kiritimati (UTC+14) 09:00 UTC on the 18th is 23:00 that day, 10:00 UTC is the 19th.
func TestQAReportsInCentreTimeZone(t *testing.T) {
	t.Parallel()
	e := seedReports(t)
	e.base.TimeZone = "Pacific/Kiritimati"
	out := e.expect("ops", "GET", "/qa/reports?group=all&period=day&from=2026-11-18&to=2026-11-20", "", 200)
	rows := rowsOf(out)
	if len(rows) != 2 || rows["all@2026-11-18"]["evaluations"] != 1.0 || rows["all@2026-11-19"]["evaluations"] != 3.0 {
		t.Fatalf("days in Kiritimati: %v", rows)
	}
	if from := out["from"].(string); from != "2026-11-18T00:00:00+14:00" {
		t.Errorf("from %s, want local midnight", from)
	}
	sheet := e.expect("lead-a", "GET", "/qa/score-sheet?day=2026-11-19", "", 200)
	if sheet["day"] != "2026-11-19" || sheet["evaluations"] != 2.0 { // lead-a's r2 and r4: 10:00 and 12:00 UTC = 00:00 and 02:00 on the 19th
		t.Errorf("lead-a's sheet of the 19th: %v", sheet)
	}
	if _, _, html := e.get("ops", "/qa/reports?group=all&period=day&from=2026-11-18&to=2026-11-20&format=html"); !strings.Contains(html, "2026-11-18 00:00 – 2026-11-20 00:00 (Pacific/Kiritimati)") {
		i := strings.Index(html, "<p>")
		t.Errorf("the printable report does not name the zone: %.100s", html[max(i, 0):])
	}
}
