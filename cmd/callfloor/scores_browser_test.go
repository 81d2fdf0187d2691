package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// The monthly score end to end in headless Chromium: team-a's lead drafts October (an exam and
// a conduct deduction entered before); the operations manager opens Ana's sheet, sees the
// deduction's evidence linked to attendance, reviews and approves it; Ana, in Chinese, disputes
// it with her reason; the lead sees the dispute and its reason in the drawer.
func TestBrowserScoresDraftApproveDispute(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	m, base, tok := startDemo(t, 5)
	v1 := base + "/api/v1"
	artifacts := artifactsDir(t)
	const pw = "a long enough password"
	createUsers(t, m,
		storage.NewUser{Username: "olga", DisplayName: "Olga Ops", Password: pw, Role: callfloor.RoleOperationsManager},
		storage.NewUser{Username: "lee", DisplayName: "Lee Lead", Password: pw, Role: callfloor.RoleTeamLead, TeamID: "team-a"},
		storage.NewUser{Username: "ana", DisplayName: "Ana", Password: pw, Role: callfloor.RoleAgent, AgentID: "1001", TeamID: "team-a"},
	)
	if code, body := api(t, "PUT", v1+"/exams/1001/2026-10", tok, `{"score":72,"note":"业务考试"}`); code != 200 {
		t.Fatalf("exam: %d %v", code, body)
	}
	if code, body := api(t, "POST", v1+"/score-entries", tok, `{"agent":"1001","month":"2026-10","kind":"conduct","points":3,"reason":"工牌未佩戴","evidence":"day:2026-10-06"}`); code != 201 {
		t.Fatalf("entry: %d %v", code, body)
	}
	status := func(c context.Context) string { return strings.TrimSpace(textOf(c, "score-status-1001")) }
	open := func(c context.Context, user, lang string) {
		t.Helper()
		loginUI(t, c, base, user, pw, "nav-scores")
		if lang != "en" {
			switchLang(t, c, lang)
		}
		do(t, c, user+" opens October's scores", chromedp.Navigate(base+"/scores?month=2026-10"), chromedp.WaitVisible(byTestID("scores-rows")))
	}

	// ---- the lead drafts the month ----
	lctx := newTab(t, ctx)
	open(lctx, "lee", "en")
	jsClick(t, lctx, "scores-draft")
	waitFor(t, lctx, 30*time.Second, "Ana's drafted sheet", func() bool { return status(lctx) == "Draft" })
	// exam 72 against 80: two steps, −8: 12; conduct −3: 17; no calls in October: 20 + 20 + 20 + 12 + 17 = 89
	if got := strings.TrimSpace(textOf(lctx, "score-total-1001")); got != "89" {
		t.Fatalf("Ana's total %q; page shows:\n%s", got, pageText(lctx))
	}
	if present(lctx, "score-row-1013") {
		t.Error("team-b's sheets in team-a's lead's list")
	}

	// ---- the operations manager reviews and approves ----
	octx := newTab(t, ctx)
	open(octx, "olga", "en")
	waitFor(t, octx, 15*time.Second, "Ana's sheet", func() bool { return status(octx) == "Draft" })
	jsClick(t, octx, "score-open-1001")
	waitFor(t, octx, 15*time.Second, "the drawer's evidence link", func() bool { return visible(octx, "evidence-day:2026-10-06") })
	if href := attr(octx, "evidence-day:2026-10-06", "href"); !strings.Contains(href, "/attendance?agent=1001&day=2026-10-06") {
		t.Errorf("evidence link %q", href)
	}
	if present(octx, "score-action-approve") {
		t.Error("a draft offers approve")
	}
	jsClick(t, octx, "score-action-review")
	waitFor(t, octx, 15*time.Second, "reviewed", func() bool { return strings.TrimSpace(textOf(octx, "drawer-status")) == "Reviewed" })
	jsClick(t, octx, "score-action-approve")
	waitFor(t, octx, 15*time.Second, "approved", func() bool { return strings.TrimSpace(textOf(octx, "drawer-status")) == "Approved" })
	screenshot(t, octx, artifacts, "scores-approved-en.png")
	// the ranking of the half year counts the approved sheet, with its money
	do(t, octx, "close the drawer", chromedp.Navigate(base+"/scores?month=2026-10&tab=ranking"), chromedp.WaitVisible(byTestID("rank-table")))
	waitFor(t, octx, 15*time.Second, "Ana ranked with her bonuses", func() bool {
		s := textOf(octx, "rank-table")
		return strings.Contains(s, "Ana (1001)") && strings.Contains(s, "372.50")
	})
	screenshot(t, octx, artifacts, "scores-ranking-en.png")
	do(t, octx, "the rules tab", chromedp.Click(chromedp.CSS("#tab-rules")), chromedp.WaitVisible(byTestID("rules-new")))
	waitFor(t, octx, 15*time.Second, "the versions loaded", func() bool { return strings.Contains(textOf(octx, "rules-table"), "2000-01") })
	jsClick(t, octx, "rules-new")
	waitFor(t, octx, 10*time.Second, "the new version's form", func() bool { return visible(octx, "rule-save") })
	screenshot(t, octx, artifacts, "scores-rules-en.png")

	// ---- Ana, in Chinese, disputes ----
	actx := newTab(t, ctx)
	open(actx, "ana", "zh-CN")
	waitFor(t, actx, 15*time.Second, "Ana's approved sheet", func() bool { return status(actx) == "已批准" })
	if present(actx, "scores-draft") {
		t.Error("an agent may draft")
	}
	jsClick(t, actx, "score-open-1001")
	jsClick(t, actx, "score-action-dispute")
	waitFor(t, actx, 10*time.Second, "the reason box", func() bool {
		return count(actx, `.el-message-box__input textarea`) > 0
	})
	time.Sleep(400 * time.Millisecond) // the box's opening animation
	do(t, actx, "type the reason", chromedp.SendKeys(chromedp.CSS(`.el-message-box__input textarea`), "那天工牌在更衣柜，组长已知晓"))
	confirmBox(t, actx)
	waitFor(t, actx, 15*time.Second, "disputed", func() bool { return strings.TrimSpace(textOf(actx, "drawer-status")) == "申诉中" })
	screenshot(t, actx, artifacts, "scores-disputed-zh.png")

	// ---- the lead sees the dispute ----
	do(t, lctx, "reload", chromedp.Navigate(base+"/scores?month=2026-10"), chromedp.WaitVisible(byTestID("scores-rows")))
	waitFor(t, lctx, 15*time.Second, "the disputed sheet", func() bool { return status(lctx) == "Disputed" })
	jsClick(t, lctx, "score-open-1001")
	waitFor(t, lctx, 15*time.Second, "the dispute's reason", func() bool {
		return strings.Contains(textOf(lctx, "drawer-dispute"), "组长已知晓") && visible(lctx, "score-action-reject")
	})
	screenshot(t, lctx, artifacts, "scores-dispute-lead-en.png")
	code, body := api(t, "GET", v1+"/scores/1001/2026-10", tok, "")
	if code != 200 {
		t.Fatalf("sheet: %d %v", code, body)
	}
	if h := body["history"].([]any); len(h) != 4 {
		t.Errorf("history %v", h)
	}
}
