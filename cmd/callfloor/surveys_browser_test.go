package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// The satisfaction report page in both languages: the figures of a known set of surveys, with
// the satisfaction's denominator shown.
func TestBrowserSurveyReport(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	m, base, _ := startDemo(t, 5)
	bg := context.Background()
	const pw = "a long enough password"
	createUsers(t, m, storage.NewUser{Username: "sue", DisplayName: "Sue Supervisor", Password: pw, Role: callfloor.RoleSupervisor})
	// 5 answered calls of 1001 (sales) an hour ago; 4 surveys: 3 satisfied, 1 dissatisfied
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	for i := range 5 {
		id := fmt.Sprintf("srvb%d", i)
		en := at.Add(time.Duration(i) * time.Minute)
		if _, err := m.DB.Pool.Exec(bg, `INSERT INTO calls (id, direction, queue, node, agent_id, caller_number, entered_at, answered_at, ended_at, wait_ms, talk_ms, outcome, last_event_id)
			VALUES ($1, 'inbound', 'sales', 'sim', '1001', '+8613812345678', $2, $2::timestamptz + interval '5 seconds', $2::timestamptz + interval '65 seconds', 5000, 60000, 'answered', '1-0')`, id, en); err != nil {
			t.Fatal(err)
		}
		if i == 4 {
			continue
		}
		rating, q1 := "satisfied", "1"
		if i == 3 {
			rating, q1 = "dissatisfied", "3"
		}
		if _, err := m.DB.Pool.Exec(bg, `INSERT INTO surveys (call_id, call_entered_at, number, queue, agent_id, team_id, language, offered_at, ended_at, q1, q1_at, rating, outcome)
			VALUES ($1, $2, '+8613812345678', 'sales', '1001', 'team-a', 'zh', $2::timestamptz + interval '65 seconds', $2::timestamptz + interval '75 seconds', $3, $2::timestamptz + interval '69 seconds', $4, 'completed')`,
			id, en, q1, rating); err != nil {
			t.Fatal(err)
		}
	}
	loginUI(t, ctx, base, "sue", pw, "queues")
	do(t, ctx, "switch to Chinese", chromedp.Evaluate[chromedp.Void](`localStorage.setItem("callfloor.lang", "zh-CN")`))
	do(t, ctx, "open the satisfaction report", chromedp.Navigate(base+"/reports/surveys"), chromedp.WaitVisible(byTestID("srv-rows")))
	waitFor(t, ctx, 20*time.Second, "satisfaction 75 % of 4 responses", func() bool {
		return textOf(ctx, "srv-satisfaction") == "75.0%" && strings.Contains(textOf(ctx, "srv-satisfaction-of"), "满意 3 / 参评 4") &&
			strings.Contains(pageText(ctx), "客户满意度")
	})
	if !strings.Contains(pageText(ctx), "满意度 = 满意数 ÷ 参评数") {
		t.Error("the notes do not say how satisfaction is counted")
	}
	waitFor(t, ctx, 10*time.Second, "the chart", func() bool {
		return textOf(ctx, "srv-chart") != "" || strings.Contains(pageText(ctx), "每日满意度")
	})
	fullShot(t, ctx, "/tmp/shots-surveys", "surveys-zh.png")
	do(t, ctx, "switch to English", chromedp.Evaluate[chromedp.Void](`localStorage.setItem("callfloor.lang", "en")`), chromedp.Reload(), chromedp.WaitVisible(byTestID("srv-rows")))
	waitFor(t, ctx, 20*time.Second, "the report in English", func() bool {
		return textOf(ctx, "srv-satisfaction") == "75.0%" && strings.Contains(textOf(ctx, "srv-satisfaction-of"), "3 satisfied of 4 responses") &&
			strings.Contains(pageText(ctx), "Customer satisfaction")
	})
	fullShot(t, ctx, "/tmp/shots-surveys", "surveys-en.png")
}
