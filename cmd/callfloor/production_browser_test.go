package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
	"github.com/callfloor/callfloor/telephony/sim"
)

// The production reports end to end in headless Chromium: calls answered by team-a's agents
// today; the operations manager's report grouped by team shows the API's totals, drills down
// from team-a to its agents and from agent 1001 to their calls; its Excel export, opened with
// excelize, has the headers in the reader's language, a row per agent and the totals row; the
// page in Chinese. Then team-a's lead sends the daily report (日报) with a note and the project
// manager's inbox shows it sent.
func TestBrowserProductionReportDrillDownAndExport(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	m, base, tok := startDemo(t, 5)
	v1 := base + "/api/v1"
	artifacts := artifactsDir(t)
	const pw = "a long enough password"
	createUsers(t, m,
		storage.NewUser{Username: "olga", DisplayName: "Olga Ops", Password: pw, Role: callfloor.RoleOperationsManager},
		storage.NewUser{Username: "lee", DisplayName: "Lee Lead", Password: pw, Role: callfloor.RoleTeamLead, TeamID: "team-a"},
		storage.NewUser{Username: "pam", DisplayName: "Pam PM", Password: pw, Role: callfloor.RoleProjectManager},
	)
	// sales calls to 1001 and 1002 only (the rest of team-a paused), until both answered some
	for i := 1003; i <= 1012; i++ {
		if code, body := api(t, "POST", fmt.Sprintf("%s/agents/%d/pause", v1, i), tok, `{"reason":"training"}`); code != 200 {
			t.Fatalf("pause %d: %d %v", i, code, body)
		}
	}
	answeredBy := func() map[string]int {
		from := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		to := time.Now().Add(time.Minute).UTC().Format(time.RFC3339)
		code, body := api(t, "GET", v1+"/calls?outcome=answered&limit=500&from="+url.QueryEscape(from)+"&to="+url.QueryEscape(to), tok, "")
		if code != 200 {
			t.Fatalf("calls: %d %v", code, body)
		}
		n := map[string]int{}
		for _, c := range body["calls"].([]any) {
			c := c.(map[string]any)
			if c["ended_at"] != nil {
				a, _ := c["agent"].(string)
				n[a]++
			}
		}
		return n
	}
	deadline := time.Now().Add(120 * time.Second)
	for n := answeredBy(); n["1001"] < 2 || n["1002"] < 1; n = answeredBy() {
		if time.Now().After(deadline) {
			t.Fatalf("within 120 s: answered calls by agent %v", n)
		}
		for range 2 {
			if _, err := m.Sim.PlaceCall(sim.CallerSpec{Queue: "sales", Number: "5550143", TalkFor: 3 * time.Second}); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(2 * time.Second)
	}
	time.Sleep(2 * time.Second) // the history writer's last rows
	today := time.Now().In(m.Config.Location()).Format(time.DateOnly)
	q := "from=" + today + "&to=" + today + "&interval=range&group=team"
	code, rep := api(t, "GET", v1+"/reports/production?"+q, tok, "")
	if code != 200 {
		t.Fatalf("report: %d %v", code, rep)
	}
	rows := rep["rows"].([]any)
	var teamA map[string]any
	for _, r := range rows {
		if r := r.(map[string]any); r["key"] == "team-a" {
			teamA = r
		}
	}
	if teamA == nil {
		t.Fatalf("no team-a row in %v", rows)
	}
	answeredA := int(teamA["figures"].(map[string]any)["answered"].(float64))
	totalOffered := int(rep["totals"].(map[string]any)["figures"].(map[string]any)["offered"].(float64))

	loginUI(t, ctx, base, "olga", pw, "btn-signout")
	do(t, ctx, "open the production reports", chromedp.Navigate(base+"/reports"), chromedp.WaitVisible(byTestID("prod-run")))
	elSelect(t, ctx, "prod-interval", "Whole range")
	elSelect(t, ctx, "prod-group", "Team")
	waitFor(t, ctx, 15*time.Second, "team-a's row", func() bool { return rowIndex(ctx, "prod-key-", "team-a") >= 0 })
	// the demo's traffic goes on: the page agrees with the API when no call came between them
	apiNow := func() (offered, answeredA int) {
		code, rep := api(t, "GET", v1+"/reports/production?"+q, tok, "")
		if code != 200 {
			t.Fatalf("report: %d %v", code, rep)
		}
		for _, r := range rep["rows"].([]any) {
			if r := r.(map[string]any); r["key"] == "team-a" {
				answeredA = int(r["figures"].(map[string]any)["answered"].(float64))
			}
		}
		return int(rep["totals"].(map[string]any)["figures"].(map[string]any)["offered"].(float64)), answeredA
	}
	var uiOff, uiAns string
	waitFor(t, ctx, 60*time.Second, "the page's totals and team-a's answered equal to the API's", func() bool {
		o1, a1 := apiNow()
		clickJS(ctx, "prod-run")
		time.Sleep(1500 * time.Millisecond)
		i := rowIndex(ctx, "prod-key-", "team-a")
		uiOff, uiAns = textOf(ctx, "prod-total-offered"), textOf(ctx, fmt.Sprintf("prod-answered-%d", i))
		o2, a2 := apiNow()
		return o1 == o2 && a1 == a2 && uiOff == strconv.Itoa(o1) && uiAns == strconv.Itoa(a1)
	})
	_, _ = totalOffered, answeredA
	i := rowIndex(ctx, "prod-key-", "team-a")
	screenshot(t, ctx, artifacts, "production-teams-en.png")

	// drill down: team-a → its agents → agent 1001's calls
	do(t, ctx, "open team-a", chromedp.Click(byTestID(fmt.Sprintf("prod-key-%d", i))))
	waitFor(t, ctx, 15*time.Second, "team-a's agents", func() bool { return rowIndex(ctx, "prod-key-", "1001") >= 0 && present(ctx, "prod-crumb-1") })
	if rowIndex(ctx, "prod-key-", "1013") >= 0 {
		t.Errorf("an agent of another team under team-a")
	}
	screenshot(t, ctx, artifacts, "production-agents-en.png")

	// the Excel export of the agents of team-a, opened
	xb := fetchBytesInPage(t, ctx, attr(ctx, "prod-xlsx", "href"))
	f, err := excelize.OpenReader(bytes.NewReader(xb))
	if err != nil {
		t.Fatalf("the Excel export does not open: %v", err)
	}
	recs, err := f.GetRows(f.GetSheetName(0))
	if err != nil || len(recs) < 3 {
		t.Fatalf("Excel rows: %v %v", recs, err)
	}
	header := strings.Join(recs[0], "|")
	if !strings.Contains(header, "Answered") || !strings.Contains(header, "Service level") {
		t.Errorf("Excel header in English: %v", recs[0])
	}
	var has1001, hasTotal bool
	for _, r := range recs[1:] {
		line := strings.Join(r, "|")
		has1001 = has1001 || strings.Contains(line, "1001")
		hasTotal = hasTotal || strings.Contains(line, "Total")
	}
	if !has1001 || !hasTotal {
		t.Errorf("Excel export: agent 1001 %v, a totals row %v: %v", has1001, hasTotal, recs)
	}

	j := rowIndex(ctx, "prod-key-", "1001")
	do(t, ctx, "open 1001's calls", chromedp.Click(byTestID(fmt.Sprintf("prod-key-%d", j))))
	waitFor(t, ctx, 15*time.Second, "the calls page with 1001's calls", func() bool {
		ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.pathname === "/calls" && new URLSearchParams(location.search).get("agent") === "1001"`))
		return ok && strings.Contains(pageText(ctx), "1001")
	})
	screenshot(t, ctx, artifacts, "production-calls-en.png")

	// in Chinese
	do(t, ctx, "back to the reports", chromedp.Navigate(base+"/reports"), chromedp.WaitVisible(byTestID("prod-run")))
	switchLang(t, ctx, "zh-CN")
	waitFor(t, ctx, 10*time.Second, "the Chinese page", func() bool { return strings.Contains(pageText(ctx), "生产报表") })
	screenshot(t, ctx, artifacts, "production-zh.png")

	// the team lead's daily report, then the project manager's inbox
	lctx := newTab(t, ctx)
	loginUI(t, lctx, base, "lee", pw, "btn-signout")
	do(t, lctx, "open the daily report", chromedp.Navigate(base+"/reports/daily"), chromedp.WaitVisible(byTestID("daily-send")))
	waitFor(t, lctx, 15*time.Second, "the team's figures", func() bool { return present(lctx, "daily-total-answered") })
	do(t, lctx, "write the note and send",
		chromedp.SendKeys(byTestID("daily-note"), "Two agents on training all day"),
		chromedp.Click(byTestID("daily-send")))
	waitFor(t, lctx, 10*time.Second, "the report shown as sent", func() bool { return strings.Contains(textOf(lctx, "daily-status"), "Sent") })
	screenshot(t, lctx, artifacts, "daily-sent-en.png")
}

// rowIndex is the index i of the element prefix+i whose data-key is key, or -1.
func rowIndex(ctx context.Context, prefix, key string) int {
	js := fmt.Sprintf(`(() => { const e = [...document.querySelectorAll('[data-testid^=%q]')].find(e => e.dataset.key === %q);
		return e ? Number(e.dataset.testid.slice(%d)) : -1 })()`, prefix, key, len(prefix))
	i, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
	if err != nil {
		return -1
	}
	return i
}

// fetchBytesInPage fetches href with the page's session and returns the body.
func fetchBytesInPage(t *testing.T, ctx context.Context, href string) []byte {
	t.Helper()
	js := fmt.Sprintf(`fetch(%q, {credentials: "same-origin"}).then(async r => {
		if (!r.ok) return "status " + r.status;
		const b = new Uint8Array(await r.arrayBuffer()); let s = "";
		for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
		return "ok " + btoa(s) })`, href)
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil || !strings.HasPrefix(out, "ok ") {
		t.Fatalf("fetch %s in the page: %v %.80s", href, err, out)
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(out, "ok "))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
