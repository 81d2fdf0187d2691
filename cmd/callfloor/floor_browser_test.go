package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/storage"
	"github.com/callfloor/callfloor/telephony/sim"
	"github.com/chromedp/chromedp"
)

// setInput replaces the value of an Element Plus input or input-number (the test id is on the
// native <input>, or on the input-number's root) as a user does: select all, type, then Tab
// (an input-number commits its value on change).
func setInput(t *testing.T, ctx context.Context, testID, value string) {
	t.Helper()
	css := `[data-testid="` + testID + `"]`
	do(t, ctx, "type into "+testID,
		chromedp.WaitVisible(byTestID(testID)),
		chromedp.Sleep(400*time.Millisecond), // the dialog's opening animation
		chromedp.Evaluate[chromedp.Void](`(() => { let e = document.querySelector('`+css+`'); if (e.tagName !== "INPUT") e = e.querySelector("input"); e.focus(); e.select(); })()`),
		chromedp.KeyEvent("\b"),
		chromedp.KeyEvent(value),
		chromedp.KeyEvent("\t"),
	)
}

// clickJS clicks an element from the page's script (no pointer: nothing can be over it).
func clickJS(ctx context.Context, testID string) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, _ = chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const e = document.querySelector('[data-testid="`+testID+`"]'); if (e) e.click(); return !!e; })()`))
}

// pauseReasonMax is the reason's max_seconds as GET /api/v1/pause-reasons says (-1: absent).
func pauseReasonMax(t *testing.T, m *Main, tok, name string) int {
	t.Helper()
	code, body := api(t, "GET", "http://"+m.Addr()+"/api/v1/pause-reasons", tok, "")
	if code != 200 {
		t.Fatalf("pause reasons: %d %v", code, body)
	}
	list, _ := body["reasons"].([]any)
	for _, x := range list {
		r := x.(map[string]any)
		if r["name"] == name {
			return int(r["max_seconds"].(float64))
		}
	}
	return -1
}

// An admin edits a pause reason's maximum on the pause-reasons tab, in English and in Chinese;
// the change is what GET /api/v1/pause-reasons answers at once.
func TestBrowserPauseReasonsTab(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	m, base, tok := startDemo(t, 1)
	artifacts := artifactsDir(t)
	createUsers(t, m, storage.NewUser{Username: "ada", Password: supervisorPassword, Role: callfloor.RoleAdmin})
	loginUI(t, ctx, base, "ada", supervisorPassword, "btn-signout")
	for _, c := range []struct {
		lang, reason, minutes string
		want                  int
		unit                  string
	}{
		{"en", "lunch", "30", 1800, "30 min"},
		{"zh-CN", "break", "12", 720, "12 分钟"},
	} {
		if c.lang != "en" {
			switchLang(t, ctx, c.lang)
		}
		do(t, ctx, "open the pause reasons tab",
			chromedp.Navigate(base+"/admin/pause-reasons"),
			chromedp.WaitVisible(byTestID("pr-edit-"+c.reason)))
		waitFor(t, ctx, 10*time.Second, "the edit dialog", func() bool {
			clickJS(ctx, "pr-edit-"+c.reason)
			time.Sleep(300 * time.Millisecond)
			return visible(ctx, "pr-save")
		})
		setInput(t, ctx, "pr-input-max", c.minutes)
		clickJS(ctx, "pr-save")
		waitFor(t, ctx, 10*time.Second, c.reason+"'s maximum shown as "+c.unit, func() bool { return textOf(ctx, "pr-max-"+c.reason) == c.unit })
		if got := pauseReasonMax(t, m, tok, c.reason); got != c.want {
			t.Fatalf("%s: GET /pause-reasons says %s max_seconds %d, want %d", c.lang, c.reason, got, c.want)
		}
		screenshot(t, ctx, artifacts, "pause-reasons-"+c.lang+".png")
	}
	// a bad change is refused with a readable error, and nothing changes
	clickJS(ctx, "pr-add")
	setInput(t, ctx, "pr-input-name", "lunch")
	clickJS(ctx, "pr-save")
	waitFor(t, ctx, 5*time.Second, "the duplicate refused", func() bool { return strings.Contains(textOf(ctx, "pr-dialog-error"), "lunch") })
	screenshot(t, ctx, artifacts, "pause-reasons-error-zh-CN.png")
}

// A missed-ring agent comes back by themselves: their wallboard tile shows paused (missed), then
// available once the timed pause (missed_pause_seconds, short here) is over, in both languages.
func TestBrowserMissedAgentComesBack(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	cfg := testConfig(t, testenv.RedisURL())
	cfg.Sim.Speed = 5
	four := 4.0
	cfg.ACD.MissedPauseSeconds = &four
	m := startMain(t, cfg, io.Discard)
	base := "http://" + m.Addr()
	createUsers(t, m, storage.NewUser{Username: "sue", Password: supervisorPassword, Role: callfloor.RoleSupervisor})
	artifacts := artifactsDir(t)
	// agent 1001's phone lets every ring go; the others answer as the demo's do
	traffic := sim.TrafficDialplan(m.Config.Sim.Seed, 0, m.Config.Sim.BusyRate)
	m.Sim.SetDialplan(func(ep string) (sim.Behaviour, error) {
		if strings.HasPrefix(ep, "Local/1001@") {
			return sim.Behaviour{NoAnswer: true}, nil
		}
		return traffic(ep)
	})
	for _, c := range []struct{ lang, paused string }{
		{"en", "Paused · Missed call"},
		{"zh-CN", "暂停 · 未接来电"},
	} {
		if c.lang == "en" {
			loginUI(t, ctx, base, "sue", supervisorPassword, "tile-sales")
		}
		if c.lang != "en" {
			switchLang(t, ctx, c.lang)
			do(t, ctx, "wallboard", chromedp.Navigate(base+"/"), chromedp.WaitVisible(byTestID("agent-1001-state")))
		}
		waitFor(t, ctx, 90*time.Second, "1001 paused (missed) on the wallboard", func() bool { return textOf(ctx, "agent-1001-state") == c.paused })
		screenshot(t, ctx, artifacts, "missed-paused-"+c.lang+".png")
		pausedAt := time.Now()
		waitFor(t, ctx, 15*time.Second, "1001 available again by themselves", func() bool {
			s := textOf(ctx, "agent-1001-state")
			return s != c.paused && s != ""
		})
		if d := time.Since(pausedAt); d > 10*time.Second {
			t.Errorf("%s: back after %s, want about the 4 s missed pause", c.lang, d)
		}
		t.Logf("%s: 1001 after the missed pause: %q", c.lang, textOf(ctx, "agent-1001-state"))
		screenshot(t, ctx, artifacts, "missed-back-"+c.lang+".png")
	}
}
