package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
	"github.com/callfloor/callfloor/telephony/sim"
)

// An agent on a call sees the caller's customer panel (their earlier call with its note), adds a
// note that lands on the timeline, and finds an article during the call (a two-character word,
// opened in place), in English and in Chinese; then the KB page and the customers page.
// Screenshots in /tmp/shots-customers.
func TestBrowserCustomersAndKB(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	m, base, tok := startDemo(t, 5)
	shots := "/tmp/shots-customers"
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	bg := context.Background()
	const pw = "a long enough password"
	if _, err := m.DB.CreateUser(bg, storage.NewUser{Username: "ana", DisplayName: "Ana", Password: pw, Role: callfloor.RoleAgent, AgentID: "1001", TeamID: "team-a"}); err != nil {
		t.Fatal(err)
	}
	apiURL := "http://" + m.Addr() + "/api/v1"
	if code, body := api(t, "POST", apiURL+"/queues", tok, `{"name":"desk","wrap_up_s":2,"ring_timeout_s":20}`); code != 201 {
		t.Fatalf("queue desk: %d %v", code, body)
	}
	if code, body := api(t, "PUT", apiURL+"/agents/1001", tok, `{"id":"1001","name":"Ana","endpoint":"Local/1001@agents","team":"team-a","skills":{"desk":5}}`); code != 200 {
		t.Fatalf("1001 to desk: %d %v", code, body)
	}
	steady := sim.TrafficDialplan(7, 0, 0)
	m.Sim.SetDialplan(func(ep string) (sim.Behaviour, error) {
		b, err := steady(ep)
		b.HoldFor = 0
		return b, err
	})
	// the callers' earlier calls with a disposition note, and two articles
	for i, n := range []string{"13800138001", "13800138002"} {
		id := fmt.Sprintf("old-%d", i)
		if _, err := m.DB.Pool.Exec(bg, `INSERT INTO calls (id, direction, queue, node, caller_number, agent_id, entered_at, ended_at, talk_ms, outcome, last_event_id)
			VALUES ($1, 'inbound', 'sales', 'pbx1', $2, '1002', now() - interval '2 days', now() - interval '2 days', 95000, 'answered', '1-0')`, id, n); err != nil {
			t.Fatal(err)
		}
		if err := m.DB.SetCallDisposition(bg, storage.CallDisposition{CallID: id, Code: "info", Label: "咨询", Note: "客户询问账单分期手续费", SetBy: "ben", SetAt: time.Now().Add(-47 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []storage.KBArticle{
		{Title: "信用卡激活后多久可以使用", Body: "# 统一口径\n激活成功后**即时生效**，可立即消费。\n- 网上支付需先开通", Status: storage.KBPublished, Owner: "quinn", Queues: []string{"desk"}},
		{Title: "账单分期手续费说明", Body: "3 期 0.75%/期。<script>alert(1)</script>", Status: storage.KBPublished, Owner: "quinn"},
	} {
		if _, err := m.DB.SaveKBArticle(bg, a, 0, "quinn", "", time.Now()); err != nil {
			t.Fatal(err)
		}
	}

	loginUI(t, ctx, base, "ana", pw, "my-state")
	stateIs := func(en, zh string) func() bool {
		return func() bool { s := textOf(ctx, "my-state"); return strings.HasPrefix(s, en) || strings.HasPrefix(s, zh) }
	}
	for i, lang := range []string{"en", "zh-CN"} {
		if lang == "zh-CN" {
			switchLang(t, ctx, "zh-CN")
		}
		number := fmt.Sprintf("1380013800%d", i+1)
		waitFor(t, ctx, 30*time.Second, "Ana available", stateIs("Available", "空闲"))
		if _, err := m.Sim.PlaceCall(sim.CallerSpec{Queue: "desk", Number: number, TalkFor: 10 * time.Minute}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, 30*time.Second, "the caller on the desktop", func() bool { return textOf(ctx, "my-call-number") == number && visible(ctx, "btn-hangup") })
		waitFor(t, ctx, 15*time.Second, "the customer panel with the earlier call", func() bool {
			return strings.Contains(textOf(ctx, "customer-timeline"), "客户询问账单分期手续费")
		})
		// the KB panel suggests the queue's article
		waitFor(t, ctx, 10*time.Second, "the suggested article", func() bool {
			return strings.Contains(textOf(ctx, "kb-results"), "信用卡激活后多久可以使用")
		})
		// a note
		note := "客户要求下周回电 " + lang
		do(t, ctx, "write a note", chromedp.SendKeys(byTestID("customer-note"), note), chromedp.Click(byTestID("btn-customer-note")))
		waitFor(t, ctx, 10*time.Second, "the note on the timeline", func() bool { return strings.Contains(textOf(ctx, "customer-timeline"), note) })
		// find an article during the call: a two-character word of another article
		do(t, ctx, "search the KB", chromedp.SendKeys(byTestID("kb-search"), "分期"), chromedp.Click(byTestID("btn-kb-search")))
		waitFor(t, ctx, 10*time.Second, "the search result", func() bool { return strings.Contains(textOf(ctx, "kb-results"), "账单分期手续费说明") })
		do(t, ctx, "open it", chromedp.Click(byTestID("kb-result")))
		waitFor(t, ctx, 10*time.Second, "the article open beside the call", func() bool {
			return textOf(ctx, "kb-article-title") == "账单分期手续费说明" && visible(ctx, "btn-hangup")
		})
		// the article's text is shown as text, never run
		if body := textOf(ctx, "kb-article"); !strings.Contains(body, "<script>alert(1)</script>") {
			t.Errorf("%s: the article's markup should show as text: %q", lang, body)
		}
		do(t, ctx, "full page", chromedp.EmulateViewport(1400, 1800))
		screenshot(t, ctx, shots, "desktop-customer-kb-"+lang+".png")
		do(t, ctx, "back", chromedp.Click(byTestID("btn-kb-back")))
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(e => { e.value = ""; e.dispatchEvent(new Event("input")); return true })(document.querySelector('input[data-testid="kb-search"], [data-testid="kb-search"] input'))`)); err != nil {
			t.Fatal(err)
		}
		do(t, ctx, "hang up", chromedp.Click(byTestID("btn-hangup")))
		waitFor(t, ctx, 30*time.Second, "available again", stateIs("Available", "空闲"))
	}
	// the note is stored on the customer, tied to the call
	items, err := m.DB.Timeline(bg, "+8613800138002", time.Time{}, 10)
	if err != nil || len(items) < 3 || items[0].Kind != "note" && items[1].Kind != "note" {
		t.Fatalf("timeline of the second caller: %+v %v", items, err)
	}
	// the KB page and the customers page (Chinese)
	do(t, ctx, "the KB page", clickNav("nav-kb"))
	waitFor(t, ctx, 10*time.Second, "the KB page", func() bool { return strings.Contains(textOf(ctx, "kb-table"), "信用卡激活后多久可以使用") })
	screenshot(t, ctx, shots, "kb-page-zh-CN.png")
	do(t, ctx, "the customers page", clickNav("nav-customers"))
	do(t, ctx, "search a note", chromedp.SendKeys(byTestID("customers-q"), "回电"), chromedp.Click(byTestID("btn-customers-search")))
	waitFor(t, ctx, 10*time.Second, "customers found by their note", func() bool {
		s := textOf(ctx, "customers-table")
		return strings.Contains(s, "+8613800138001") && strings.Contains(s, "+8613800138002")
	})
	screenshot(t, ctx, shots, "customers-page-zh-CN.png")
}
