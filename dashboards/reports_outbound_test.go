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

// seedOutbound: the production seed (project p2 with team-b and its manager pm2) and two
// campaigns: "renew" of the default project dialled by team-a (an answered sale, a busy, a
// dropped dial with no agent) and "p2c" of p2 dialled by 2001 (an answered refusal).
func seedOutbound(t *testing.T) (*apiEnv, string) {
	e, day := seedProduction(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	for _, c := range []struct{ id, project string }{{"renew", "default"}, {"p2c", "p2"}} {
		camp := callfloor.NewCampaign(c.id, map[string]string{"renew": "续保", "p2c": "宽带升级"}[c.id])
		camp.CallerIDs, camp.Project, camp.DailyDialTarget = []string{"02160001234"}, c.project, 100
		if _, err := e.db.PutCampaign(ctx, camp); err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.ImportLeads(ctx, c.id, "l", "", "pam", []string{"phone"}, [][]string{{"13800000001"}, {"13800000002"}, {"13800000003"}}, storage.LeadMapping{Phone: "phone"}); err != nil {
			t.Fatal(err)
		}
	}
	type dial struct {
		camp, agent, outcome, disp string
		cause                      int
		answered                   bool
	}
	dials := []dial{
		{"renew", "1001", "answered", "success", 16, true},
		{"renew", "1002", "busy", "", 17, false},
		{"renew", "", "answered", "", 16, true}, // dropped
		{"p2c", "2001", "answered", "refused", 16, true},
	}
	claimed := map[string][]storage.Lead{}
	for _, id := range []string{"renew", "p2c"} {
		ls, err := e.db.ClaimLeads(ctx, id, 3, now, func() string { return fmt.Sprintf("d-%d", time.Now().UnixNano()) })
		if err != nil {
			t.Fatal(err)
		}
		claimed[id] = ls
	}
	for i, d := range dials {
		l := claimed[d.camp][0]
		claimed[d.camp] = claimed[d.camp][1:]
		at := now.Add(-time.Duration(10+i) * time.Minute)
		if at.Format(time.DateOnly) != day {
			at = now.Add(-time.Duration(i) * time.Second)
		}
		var ans, talk, agent any
		if d.answered {
			ans, talk = at.Add(5*time.Second), int64(60000)
		}
		if d.agent != "" {
			agent = d.agent
		}
		if _, err := e.db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, called_number, agent_id, entered_at, answered_at, ended_at, talk_ms, outcome, cause, last_event_id, campaign_id, lead_id)
			VALUES ($1, 'outbound', $2, $3, $4, $5, $6, $7, $8, $9, '1-0', $10, $11)`,
			l.DialID, l.Phone, agent, at, ans, at.Add(70*time.Second), talk, d.outcome, d.cause, d.camp, l.ID); err != nil {
			t.Fatal(err)
		}
		res := callfloor.ResultOfCause(d.cause)
		switch {
		case d.answered && d.agent == "":
			res = callfloor.ResultDropped
		case d.answered:
			res = callfloor.ResultAnswered
		}
		if _, err := e.db.RecordAttempt(ctx, storage.AttemptRecord{LeadID: l.ID, DialID: l.DialID, At: at, Result: res, CallID: l.DialID, Agent: d.agent, Disposition: d.disp}, nil); err != nil {
			t.Fatal(err)
		}
	}
	// the calls were put in by hand, not by the history writer: their campaign rollups rebuilt
	if _, err := e.db.RebuildRollups(ctx, now.Add(-48*time.Hour), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	return e, day
}

func TestOutboundReportScopeAndFigures(t *testing.T) {
	t.Parallel()
	e, day := seedOutbound(t)
	q := "/reports/outbound?from=" + day + "&interval=range"
	rows := func(user, path string) map[string]string {
		t.Helper()
		out := map[string]string{}
		for _, x := range e.expect(user, "GET", path, "", 200)["rows"].([]any) {
			r := x.(map[string]any)
			f := figs(r)
			out[r["key"].(string)] = fmt.Sprintf("%v/%v/%v", f["dials"], f["connected"], f["dropped"])
		}
		return out
	}
	if got := rows("sup", q+"&group=campaign"); fmt.Sprint(got) != "map[p2c:1/1/0 renew:3/1/1]" {
		t.Errorf("supervisor by campaign: %v", got)
	}
	if got := rows("pm2", q+"&group=campaign"); fmt.Sprint(got) != "map[p2c:1/1/0]" {
		t.Errorf("project manager of p2 by campaign: %v", got)
	}
	if got := rows("lead-a", q+"&group=agent"); fmt.Sprint(got) != "map[1001:1/1/0 1002:1/0/0]" {
		t.Errorf("team lead by agent: %v", got)
	}
	if got := rows("ana", q+"&group=campaign"); fmt.Sprint(got) != "map[renew:1/1/0]" {
		t.Errorf("agent: %v", got)
	}
	rep := e.expect("sup", "GET", q+"&group=team&lang=zh-CN", "", 200)
	labels := map[string]string{}
	for _, x := range rep["rows"].([]any) {
		r := x.(map[string]any)
		labels[r["key"].(string)] = r["label"].(string)
	}
	if labels[""] != "（无坐席：掉线的外呼）" {
		t.Errorf("the no-agent row's label: %v", labels)
	}
	tot := figs(rep["totals"].(map[string]any))
	if tot["dials"] != 4.0 || tot["conversions"] != 1.0 || tot["drop_rate"] != 1.0/3 || tot["connect_rate_attempts"] != 0.5 ||
		tot["dispositions"].(map[string]any)["refused"] != 1.0 || tot["leads_left"] != 4.0 {
		t.Errorf("totals %v", tot)
	}
	if tg := rep["totals"].(map[string]any)["targets"].(map[string]any); tg["dials"] != 200.0 {
		t.Errorf("targets %v, want the two campaigns' 100 dials", tg)
	}
	for _, c := range []struct{ user, path string }{
		{"pm2", q + "&campaign=renew"},
		{"pm2", q + "&project=default"},
		{"pm2", q + "&team=team-a"},
		{"lead-a", q + "&team=team-b"},
		{"lead-a", q + "&agent=2001"},
		{"ana", q + "&agent=1002"},
	} {
		if code, body := e.do(c.user, "GET", c.path, ""); code != http.StatusForbidden {
			t.Errorf("%s %s: %d %v, want 403", c.user, c.path, code, body)
		}
	}
	e.expectInvalid("", []badInput{
		{"GET", q + "&interval=15m", "", "interval"},
		{"GET", q + "&group=queue", "", "group"},
		{"GET", q + "&campaign=nope", "", "campaign"},
		{"GET", q + "&agent=nope", "", "agent"},
		{"GET", "/reports/outbound?from=2026-02-30", "", "from"},
		{"GET", q + "&format=pdf", "", "format"},
	})
}

// The workbook in Chinese: translated headers with the denominators named, a column per
// disposition of the campaigns (by its name), percentages, and a totals row; the CSV in English.
func TestOutboundReportExports(t *testing.T) {
	t.Parallel()
	e, day := seedOutbound(t)
	resp, b := e.getFile("sup", "/reports/outbound?from="+day+"&group=campaign&format=xlsx&lang=zh-CN", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("xlsx: %d %s", resp.StatusCode, b)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("外呼日报")
	if err != nil {
		t.Fatal(err)
	}
	head := strings.Join(rows[0], "|")
	for _, want := range []string{"接通率（接通次数 ÷ 外呼次数）", "接通率（接通号码数 ÷ 拨打号码数）", "掉线率（掉线数 ÷ 接听数）", "处理结果：成功", "处理结果：拒绝", "外呼目标"} {
		if !strings.Contains(head, want) {
			t.Errorf("no column %q in %s", want, head)
		}
	}
	last := rows[len(rows)-1]
	if last[0] != "合计" || last[4] != "4" || len(rows) != 4 {
		t.Errorf("rows %v", rows)
	}
	code, _, body := e.get("sup", "/reports/outbound?from="+day+"&group=agent&format=csv&lang=en")
	if code != 200 || !strings.Contains(body, "Connect rate (connected ÷ dials)") || !strings.Contains(body, "(no agent: dropped dials)") ||
		!strings.Contains(body, "\nTotal,") || !strings.Contains(body, "Disposition: success") {
		t.Errorf("csv: %d %s", code, body)
	}
}

// The production report's row without a team says what it holds (calls abandoned or flowed out
// before any agent was offered them), in the reader's language; by queue, the outbound calls.
func TestProductionReportNamesRowsWithoutKey(t *testing.T) {
	t.Parallel()
	e, day := seedProduction(t)
	for _, c := range []struct{ q, want string }{
		{"&group=team&lang=zh-CN", "（无班组：分配到坐席前放弃或溢出的来电）"},
		{"&group=team&lang=en", "(no team: abandoned or flowed out before any agent was offered the call)"},
		{"&group=queue&lang=en", "(no queue: outbound calls)"},
	} {
		rep := e.expect("sup", "GET", "/reports/production?interval=range&from="+day+c.q, "", 200)
		found := false
		for _, x := range rep["rows"].([]any) {
			if r := x.(map[string]any); r["key"] == "" {
				found = r["label"] == c.want
				if !found {
					t.Errorf("%s: label %q, want %q", c.q, r["label"], c.want)
				}
			}
		}
		if !found {
			t.Errorf("%s: no row without a key", c.q)
		}
	}
}
