package dashboards_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// seedProduction stores today's calls of every kind in both queues (support and team-b moved
// into project "p2"), with an answered call still running and a disposition, builds the rollups,
// and adds a project manager of p2.
func seedProduction(t *testing.T) (*apiEnv, string) {
	e := newAPIEnv(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	day := now.Format(time.DateOnly) // the test centre's zone is UTC
	dayStart, _ := time.Parse(time.DateOnly, day)
	at := func(i int) time.Time { // spread over the part of today already gone
		span := now.Sub(dayStart) - 10*time.Minute
		if span < time.Minute {
			span = time.Minute
		}
		return dayStart.Add(span * time.Duration(i) / 12)
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := e.db.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO projects (id, name) VALUES ('p2', 'Project two')`)
	exec(`UPDATE queues SET project_id = 'p2' WHERE name = 'support'`)
	exec(`UPDATE teams SET project_id = 'p2' WHERE id = 'team-b'`)
	exec(`INSERT INTO targets (scope_kind, scope_id, service_level, aht_s) VALUES ('project', 'p2', 0.8, 180), ('queue', 'sales', 0.9, NULL)`)
	type c struct {
		id, dir, queue, agent, outcome string
		wait, talk                     int64 // ms; -1: none
		answered, ended                bool
		called                         string
	}
	calls := []c{
		{"p1", "inbound", "sales", "1001", "answered", 8000, 60000, true, true, ""},
		{"p2", "inbound", "sales", "1002", "answered", 25000, 120000, true, true, ""},
		{"p3", "inbound", "sales", "", "abandoned", 30000, -1, false, true, ""},
		{"p4", "inbound", "sales", "", "short_abandon", 2000, -1, false, true, ""},
		{"p5", "inbound", "support", "2001", "answered", 5000, 90000, true, true, ""},
		{"p6", "inbound", "support", "", "flowed_out", 60000, -1, false, true, ""},
		{"p7", "inbound", "support", "2001", "", 4000, -1, true, false, ""}, // still talking
		{"p8", "outbound", "", "1001", "answered", 7000, 45000, true, true, "5550001"},
		{"p9", "outbound", "", "1001", "busy", 9000, -1, false, true, "5550001"},
		{"p10", "outbound", "", "2001", "no_answer", 20000, -1, false, true, "5550002"},
	}
	for i, x := range calls {
		en := at(i)
		var ans, end, wait, talk, outcome, agent, queue, called, wrap any
		if x.answered {
			ans = en.Add(time.Duration(x.wait) * time.Millisecond)
		}
		if x.ended {
			end = en.Add(time.Duration(x.wait+max(x.talk, 0)) * time.Millisecond)
		}
		wait = x.wait
		if x.talk >= 0 {
			talk, wrap = x.talk, int64(10000)
		}
		for _, p := range []struct {
			dst *any
			v   string
		}{{&outcome, x.outcome}, {&agent, x.agent}, {&queue, x.queue}, {&called, x.called}} {
			if p.v != "" {
				*p.dst = p.v
			}
		}
		exec(`INSERT INTO calls (id, direction, queue, node, caller_number, called_number, agent_id, entered_at, answered_at, ended_at,
			wait_ms, talk_ms, wrap_ms, outcome, last_event_id) VALUES ($1, $2, $3, 'pbx1', '5559999', $4, $5, $6, $7, $8, $9, $10, $11, $12, '1-0')`,
			x.id, x.dir, queue, called, agent, en, ans, end, wait, talk, wrap, outcome)
	}
	exec(`INSERT INTO call_dispositions (call_id, queue, agent_id, code, label, set_by, set_at) VALUES ('p1', 'sales', '1001', 'sale', 'Sale', 'ana', now())`)
	if _, err := e.db.RebuildRollups(ctx, dayStart, dayStart.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	pm, err := e.db.CreateUser(ctx, storage.NewUser{Username: "pm2", Role: callfloor.RoleProjectManager, Password: "a long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	exec(`DELETE FROM user_projects WHERE user_id = $1`, pm.ID)
	exec(`INSERT INTO user_projects (user_id, project_id) VALUES ($1, 'p2')`, pm.ID)
	tok, _, err := e.db.CreateAPIToken(ctx, pm.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	e.tokens["pm2"] = tok
	return e, day
}

func figs(m map[string]any) map[string]any { return m["figures"].(map[string]any) }

// TestProductionReportEqualsCallRows: the report's totals are the sums over the /calls rows it
// covers, from the rollups and from the raw rows alike.
func TestProductionReportEqualsCallRows(t *testing.T) {
	t.Parallel()
	e, day := seedProduction(t)
	from, to := day+"T00:00:00Z", time.Now().UTC().Add(time.Minute).Format(time.RFC3339)
	list := e.expect("sup", "GET", "/calls?limit=500&from="+from+"&to="+to, "", 200)
	var offered, answered, abandoned, handled, dials, connects float64
	var talk, waitAns float64
	for _, x := range list["calls"].([]any) {
		c := x.(map[string]any)
		out, _ := c["outcome"].(string)
		if c["direction"] == "inbound" {
			offered++
			if c["answered_at"] != nil {
				answered++
				waitAns += c["wait_ms"].(float64)
			}
			if out == "abandoned" || out == "short_abandon" {
				abandoned++
			}
		} else {
			dials++
			if c["answered_at"] != nil {
				connects++
			}
		}
		if out == "answered" && c["ended_at"] != nil {
			handled++
			talk += c["talk_ms"].(float64)
		}
	}
	if offered != 7 || dials != 3 {
		t.Fatalf("seed: %v inbound, %v outbound calls listed", offered, dials)
	}
	for _, src := range []string{"rollup", "raw"} {
		rep := e.expect("sup", "GET", "/reports/production?from="+day+"&to="+day+"&source="+src, "", 200)
		tf := figs(rep["totals"].(map[string]any))
		want := map[string]float64{"offered": offered, "answered": answered, "abandoned": abandoned, "handled": handled,
			"outbound_dials": dials, "outbound_connects": connects, "short_abandoned": 1, "flowed_out": 1,
			"asa_s": waitAns / 1000 / answered, "dialled_numbers": 2, "connected_numbers": 1}
		for k, v := range want {
			if tf[k] != v {
				t.Errorf("%s: totals %s = %v, want %v (from the call rows)", src, k, tf[k], v)
			}
		}
		if got := tf["talk_s"].(float64) * handled; fmt.Sprintf("%.3f", got) != fmt.Sprintf("%.3f", talk/1000) {
			t.Errorf("%s: talk %v, want %v", src, got, talk/1000)
		}
		if tf["connect_rate_attempts"] != connects/dials || tf["connect_rate_numbers"] != 0.5 {
			t.Errorf("%s: connect rates %v %v", src, tf["connect_rate_attempts"], tf["connect_rate_numbers"])
		}
		if d := tf["dispositions"].(map[string]any); d["sale"] != 1.0 {
			t.Errorf("%s: dispositions %v", src, d)
		}
		if rep["time_zone"] != "UTC" || rep["interval"] != "day" || len(rep["notes"].([]any)) == 0 {
			t.Errorf("%s: header %v %v %v", src, rep["time_zone"], rep["interval"], rep["notes"])
		}
	}
	// grouped by queue: the rows add up to the totals, each with its targets
	rep := e.expect("sup", "GET", "/reports/production?from="+day+"&group=queue&interval=range", "", 200)
	got := map[string]float64{}
	for _, x := range rep["rows"].([]any) {
		r := x.(map[string]any)
		got[r["key"].(string)] = figs(r)["offered"].(float64)
		tg, _ := r["targets"].(map[string]any)
		switch r["key"] {
		case "sales":
			if tg["service_level"] != 0.9 {
				t.Errorf("sales targets %v", tg)
			}
		case "support":
			if tg["service_level"] != 0.8 || tg["aht_s"] != 180.0 {
				t.Errorf("support targets (its project's) %v", tg)
			}
		}
	}
	if got["sales"] != 4 || got["support"] != 3 || got[""] != 0 {
		t.Errorf("offered by queue %v", got)
	}
}

// TestProductionReportScope: a project manager sees only their projects, a team lead their team,
// an agent themselves; outside that, 403.
func TestProductionReportScope(t *testing.T) {
	t.Parallel()
	e, day := seedProduction(t)
	q := "/reports/production?from=" + day + "&interval=range"
	keys := func(user, path string) map[string]float64 {
		t.Helper()
		out := map[string]float64{}
		for _, x := range e.expect(user, "GET", path, "", 200)["rows"].([]any) {
			r := x.(map[string]any)
			f := figs(r)
			out[r["key"].(string)] = f["offered"].(float64) + f["outbound_dials"].(float64)
		}
		return out
	}
	if got := keys("pm2", q+"&group=queue"); fmt.Sprint(got) != "map[:1 support:3]" {
		t.Errorf("project manager of p2 by queue: %v", got)
	}
	if got := keys("pm2", q+"&group=project"); fmt.Sprint(got) != "map[p2:4]" {
		t.Errorf("project manager of p2 by project: %v", got)
	}
	if got := keys("sup", q+"&group=project"); fmt.Sprint(got) != "map[default:6 p2:4]" {
		t.Errorf("supervisor by project: %v", got)
	}
	if got := keys("lead-a", q+"&group=team"); fmt.Sprint(got) != "map[team-a:4]" {
		t.Errorf("team lead by team: %v", got)
	}
	if got := keys("ana", q+"&group=agent"); fmt.Sprint(got) != "map[1001:3]" {
		t.Errorf("agent by agent: %v", got)
	}
	for _, c := range []struct{ user, path string }{
		{"pm2", q + "&project=default"},
		{"pm2", q + "&queue=sales"},
		{"pm2", q + "&team=team-a"},
		{"lead-a", q + "&team=team-b"},
		{"lead-a", q + "&agent=2001"},
		{"ana", q + "&agent=1002"},
		{"ana", q + "&team=team-a"},
	} {
		if code, body := e.do(c.user, "GET", c.path, ""); code != http.StatusForbidden {
			t.Errorf("%s %s: %d %v, want 403", c.user, c.path, code, body)
		}
	}
}

func TestProductionReportBadInput(t *testing.T) {
	t.Parallel()
	e, day := seedProduction(t)
	q := "/reports/production?from=" + day
	e.expectInvalid("", []badInput{
		{"GET", "/reports/production?from=2026-13-01", "", "from"},
		{"GET", q + "&to=2020-01-01", "", "to"},
		{"GET", "/reports/production?from=2020-01-01&to=2026-01-01", "", "to"},
		{"GET", q + "&interval=fortnight", "", "interval"},
		{"GET", q + "&group=planet", "", "group"},
		{"GET", q + "&direction=sideways", "", "direction"},
		{"GET", q + "&hours=8-20", "", "hours"},
		{"GET", q + "&hours=08:10-20:00", "", "hours"},
		{"GET", q + "&weekdays=0-5", "", "weekdays"},
		{"GET", q + "&source=cache", "", "source"},
		{"GET", q + "&format=pdf", "", "format"},
		{"GET", q + "&lang=fr", "", "lang"},
		{"GET", q + "&queue=nope", "", "queue"},
		{"GET", q + "&team=nope", "", "team"},
		{"GET", q + "&project=nope", "", "project"},
		{"GET", q + "&colour=red", "", "colour"},
	})
	// business hours and weekdays that are well formed are taken
	e.expect("sup", "GET", q+"&hours=08:00-20:00&weekdays=1-5&interval=60m", "", 200)
}

// TestProductionReportXLSX: the workbook in Chinese has the translated headers, percentages and
// [h]:mm:ss durations as number formats, and a totals row.
func TestProductionReportXLSX(t *testing.T) {
	t.Parallel()
	e, day := seedProduction(t)
	resp, b := e.getFile("sup", "/reports/production?from="+day+"&group=queue&format=xlsx&lang=zh-CN", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("xlsx: %d %s", resp.StatusCode, b)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("生产报表")
	if err != nil {
		t.Fatal(err)
	}
	head := rows[0]
	col := func(name string) int {
		for i, h := range head {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %q in %v", name, head)
		return -1
	}
	sl, aht, offered := col("服务水平"), col("平均处理时长"), col("呼入量")
	last := rows[len(rows)-1]
	if last[0] != "合计" || last[offered] != "7" {
		t.Errorf("totals row %v", last)
	}
	for _, c := range []struct {
		col  int
		want string
	}{{sl, "0.00%"}, {aht, "[h]:mm:ss"}} {
		cell, _ := excelize.CoordinatesToCellName(c.col+1, len(rows))
		id, err := f.GetCellStyle("生产报表", cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil || st.CustomNumFmt == nil || *st.CustomNumFmt != c.want {
			t.Errorf("%s number format %v %v, want %s", cell, st, err, c.want)
		}
	}
	// CSV in English: a header and a totals row
	code, _, body := e.get("sup", "/reports/production?from="+day+"&format=csv&lang=en")
	if code != 200 || !bytes.Contains([]byte(body), []byte("Connect rate (numbers connected ÷ numbers dialled)")) || !bytes.Contains([]byte(body), []byte("\nTotal,")) {
		t.Errorf("csv: %d %s", code, body)
	}
}
