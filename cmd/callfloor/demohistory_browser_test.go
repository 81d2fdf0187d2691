package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The demo's past on the reports page: the operations manager's last 30 days by team, per day,
// show both demo teams with calls and dials every weekday, and the heatmap of weekday × hour;
// in English and in Chinese (screenshots to look at). The project manager of the card sales
// opens the daily reports inbox and finds team-a's past reports sent.
func TestBrowserDemoHistoryReports(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	_, base, fx := startDemoOn(t, &demoHistoryDB, 5) // seedDemo, then 5 weeks of history
	artifacts := artifactsDir(t)
	const pw = demoFixturePassword
	res := fx.History
	if len(res.Days) < 30 || res.DailyReports != 5 {
		t.Fatalf("%d days of history, %d daily reports", len(res.Days), res.DailyReports)
	}

	loginUI(t, ctx, base, "olga", pw, "btn-signout")
	do(t, ctx, "open the production reports", chromedp.Navigate(base+"/reports"), chromedp.WaitVisible(byTestID("prod-run")))
	elSelect(t, ctx, "prod-preset", "Last 30 days")
	elSelect(t, ctx, "prod-group", "Team")
	waitFor(t, ctx, 20*time.Second, "team-a's and team-b's days", func() bool {
		return count(ctx, `[data-testid^="prod-key-"][data-key="team-a"]`) >= 25 && count(ctx, `[data-testid^="prod-key-"][data-key="team-b"]`) >= 25
	})
	num := func(id string) int {
		n, _ := strconv.Atoi(strings.ReplaceAll(textOf(ctx, id), ",", ""))
		return n
	}
	view := func(label string) {
		t.Helper()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const l = [...document.querySelectorAll('[data-testid="prod-view"] label')].find(l => l.textContent.trim() === `+strconv.Quote(label)+`);
			if (l) l.click(); return !!l })()`))
		if err != nil || !ok {
			t.Fatalf("the %q view: %v", label, err)
		}
	}
	view("All")
	waitFor(t, ctx, 10*time.Second, "the outbound columns", func() bool { return present(ctx, "prod-total-outbound_dials") })
	if off, dials := num("prod-total-offered"), num("prod-total-outbound_dials"); off < 10000 || dials < 10000 {
		t.Errorf("last 30 days: %d offered, %d dials; want a month of the demo floor", off, dials)
	}
	view("Inbound")
	waitFor(t, ctx, 20*time.Second, "the heatmap", func() bool { return present(ctx, "prod-chart-heatmap") && present(ctx, "prod-chart-volume") })
	time.Sleep(time.Second) // the charts' animation
	screenshot(t, ctx, artifacts, "demo-history-reports-en.png")
	scrollTo := func(id string) {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.querySelector('[data-testid="`+id+`"]').scrollIntoView({block: "center"}), true)`)); err != nil {
			t.Fatalf("scroll to %s: %v", id, err)
		}
		time.Sleep(700 * time.Millisecond)
	}
	scrollTo("prod-chart-heatmap")
	screenshot(t, ctx, artifacts, "demo-history-heatmap-en.png")

	switchLang(t, ctx, "zh-CN")
	do(t, ctx, "the reports in Chinese", chromedp.Navigate(base+"/reports"), chromedp.WaitVisible(byTestID("prod-run")))
	elSelect(t, ctx, "prod-preset", "最近 30 天")
	elSelect(t, ctx, "prod-group", "班组")
	waitFor(t, ctx, 20*time.Second, "team-a's and team-b's days", func() bool {
		return count(ctx, `[data-testid^="prod-key-"][data-key="team-b"]`) >= 25
	})
	waitFor(t, ctx, 20*time.Second, "the heatmap", func() bool { return present(ctx, "prod-chart-heatmap") })
	time.Sleep(time.Second)
	screenshot(t, ctx, artifacts, "demo-history-reports-zh.png")
	scrollTo("prod-chart-heatmap")
	screenshot(t, ctx, artifacts, "demo-history-heatmap-zh.png")

	// the card sales' project manager: team-a's past daily reports, sent
	pctx, closePM := ownTab(t, ctx)
	defer closePM()
	loginUI(t, pctx, base, "pam", pw, "btn-signout")
	do(t, pctx, "the daily reports inbox", chromedp.Navigate(base+"/reports/daily"), chromedp.WaitVisible(byTestID("daily-inbox")))
	waitFor(t, pctx, 15*time.Second, "team-a's daily reports sent", func() bool {
		return count(pctx, `[data-testid^="daily-state-team-a-"].el-tag--success`) >= 3
	})
	if count(pctx, `[data-testid^="daily-state-team-b-"]`) > 0 {
		t.Errorf("the card sales' project manager sees team-b's daily reports")
	}
	screenshot(t, pctx, artifacts, "demo-history-daily-pm-en.png")
}
