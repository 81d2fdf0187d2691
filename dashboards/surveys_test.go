package dashboards_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/xuri/excelize/v2"
)

// The satisfaction report through the API: figures with their denominators, each role's
// scope, bad input naming the field, the XLSX export.
func TestSurveyReportAPI(t *testing.T) {
	t.Parallel()
	e, day := seedProduction(t)
	ctx := context.Background()
	// surveys of the answered calls p1 (1001, satisfied), p2 (1002, dissatisfied), p5 (2001, support of p2, neutral)
	for _, s := range []struct{ id, team, rating, q1 string }{{"p1", "team-a", "satisfied", "1"}, {"p2", "team-a", "dissatisfied", "3"}, {"p5", "team-b", "neutral", "2"}} {
		if _, err := e.db.Pool.Exec(ctx, `INSERT INTO surveys (call_id, call_entered_at, number, queue, agent_id, team_id, offered_at, ended_at, q1, rating, outcome)
			SELECT id, entered_at, '+8613800000001', queue, agent_id, $2, ended_at, ended_at + interval '10 seconds', $4, $3, 'completed' FROM calls WHERE id = $1`,
			s.id, s.team, s.rating, s.q1); err != nil {
			t.Fatal(err)
		}
	}
	q := "/reports/surveys?from=" + day + "&to=" + day
	rows := func(user, path string) map[string]string {
		t.Helper()
		rep := e.expect(user, "GET", path, "", http.StatusOK)
		out := map[string]string{}
		for _, x := range rep["rows"].([]any) {
			r := x.(map[string]any)
			out[r["key"].(string)] = fmt.Sprintf("%v/%v/%v/%v", r["answered"], r["offered"], r["responded"], r["satisfied"])
		}
		return out
	}
	rep := e.expect("sup", "GET", q, "", http.StatusOK)
	tot := rep["totals"].(map[string]any)
	if tot["answered"] != 3.0 || tot["offered"] != 3.0 || tot["responded"] != 3.0 || tot["satisfied"] != 1.0 || tot["satisfaction"] != 1.0/3 || tot["offer_rate"] != 1.0 {
		t.Fatalf("totals %v", tot)
	}
	if got := rows("sup", q+"&group=queue"); fmt.Sprint(got) != "map[sales:2/2/2/1 support:1/1/1/0]" {
		t.Errorf("by queue: %v", got)
	}
	if got := rows("pm2", q+"&group=agent"); fmt.Sprint(got) != "map[2001:1/1/1/0]" {
		t.Errorf("project manager of p2: %v", got)
	}
	if got := rows("lead-a", q+"&group=agent"); fmt.Sprint(got) != "map[1001:1/1/1/1 1002:1/1/1/0]" {
		t.Errorf("team lead: %v", got)
	}
	if got := rows("ana", q+"&group=day"); fmt.Sprint(got) != fmt.Sprintf("map[%s:1/1/1/1]", day) {
		t.Errorf("agent: %v", got)
	}
	calls := e.expect("sup", "GET", q+"&calls=1", "", http.StatusOK)["calls"].([]any)
	if len(calls) != 3 {
		t.Errorf("%d surveys listed, want 3", len(calls))
	}
	for _, c := range []struct{ user, path string }{
		{"pm2", q + "&project=default"}, {"pm2", q + "&queue=sales"}, {"lead-a", q + "&team=team-b"}, {"ana", q + "&agent=1002"},
	} {
		if code, body := e.do(c.user, "GET", c.path, ""); code != http.StatusForbidden {
			t.Errorf("%s %s: %d %v, want 403", c.user, c.path, code, body)
		}
	}
	for _, c := range []struct{ path, field string }{{q + "&group=week", "group"}, {q + "&queue=nope", "queue"}, {q + "&calls=2", "calls"}} {
		code, body := e.do("sup", "GET", c.path, "")
		if code != http.StatusBadRequest || body["field"] != c.field {
			t.Errorf("%s: %d %v, want 400 naming %s", c.path, code, body, c.field)
		}
	}
	status, _, data := e.fetchFile("sup", q+"&format=xlsx&lang=zh-CN")
	if status != http.StatusOK {
		t.Fatalf("xlsx: %d", status)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	xr, _ := f.GetRows("满意度")
	if len(xr) != 5 || xr[0][4] != "接听数" || xr[4][0] != "合计" {
		t.Fatalf("xlsx rows %v", xr)
	}
}
