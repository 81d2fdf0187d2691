package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The workforce pages (roster, leave, attendance, scores, forecast) and the desktop's roster
// panel, with the demo's data, on a 1366×768 laptop (and a 1920×1080 screen, layoutSizes) in both languages:
// no page scrolls sideways (document.scrollingElement.scrollWidth ≤ innerWidth). Screenshots of
// every page and size go to the artifacts (and /tmp/shots-w12-gaps when it can be written).
func TestBrowserWorkforceLayouts(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	m, base, _ := startDemo(t, 5)
	artifacts := artifactsDir(t)
	shots := "/tmp/shots-w12-gaps"
	if os.MkdirAll(shots, 0o755) != nil {
		shots = artifacts
	}
	const pw = "a long enough password"
	bg := context.Background()
	now := time.Now()
	if err := seedDemo(bg, m.DB, m.Config, pw, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, seed := range []func(context.Context) error{
		func(c context.Context) error { return seedDemoLeave(c, m.DB, m.Config, now, io.Discard) },
		func(c context.Context) error { return seedDemoAttendance(c, m.DB, m.Config, now, io.Discard) },
		func(c context.Context) error { return seedDemoForecast(c, m.DB, m.Config, now, io.Discard) },
		func(c context.Context) error { return seedDemoScores(c, m.DB, m.Config, now, io.Discard) },
	} {
		if err := seed(bg); err != nil {
			t.Fatal(err)
		}
	}
	ops := ctx
	do(t, ops, "watch the loads", watchLoads())
	loginUI(t, ops, base, "olga", pw, "btn-signout")
	agent := newTab(t, ctx)
	do(t, agent, "watch the loads", watchLoads())
	loginUI(t, agent, base, "ana", pw, "btn-signout")

	pages := []struct {
		who  context.Context
		path string
		wait string // an element the page shows once loaded
	}{
		{ops, "/roster", "roster-table"},
		{ops, "/roster/swaps", "swaps-rows"},
		{ops, "/roster/calendar", "calendar-table"},
		{ops, "/leave", "nav-leave"},
		{ops, "/attendance", "nav-attendance"},
		{ops, "/scores", "nav-scores"},
		{ops, "/forecast", "fc-staffing-note"},
		{agent, "/desktop", "desk-roster"},
	}
	overflow := `(() => { const s = document.scrollingElement; return s.scrollWidth - window.innerWidth })()`
	for _, lang := range []string{"en", "zh-CN"} {
		if lang != "en" {
			switchLang(t, ops, lang)
			switchLang(t, agent, lang)
		}
		for _, size := range layoutSizes() {
			for _, p := range pages {
				do(t, p.who, "viewport", chromedp.EmulateViewport(size[0], size[1]))
				open(t, p.who, base+p.path, p.wait)
				settle(p.who, 5*time.Second)       // the page's other requests (it slept 2 s on each of the 32)
				time.Sleep(300 * time.Millisecond) // the charts' first frame
				if p.path == "/desktop" {          // the roster panel is below the fold
					do(t, p.who, "scroll to the roster", chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="desk-roster"]').scrollIntoView({block: "start"})`))
				}
				name := fmt.Sprintf("layout-%s-%d-%s.png", filepath.Base(p.path), size[0], lang)
				if p.path == "/roster/swaps" || p.path == "/roster/calendar" {
					name = fmt.Sprintf("layout-roster-%s-%d-%s.png", filepath.Base(p.path), size[0], lang)
				}
				screenshot(t, p.who, shots, name)
				over, err := chromedp.Run(p.who, chromedp.Evaluate[float64](overflow))
				if err != nil {
					t.Fatal(err)
				}
				if over > 0 {
					t.Errorf("%s at %d×%d in %s scrolls sideways by %v px", p.path, size[0], size[1], lang, over)
				}
			}
		}
	}
	for _, c := range []context.Context{ops, agent} {
		do(t, c, "back to the window's size", chromedp.EmulateViewport(1600, 1000))
	}
}

// layoutSizes: the 1366×768 laptop, the narrowest screen the floor uses and the one a page
// would overflow first; CALLFLOOR_LAYOUT_SIZES=all adds 1920×1080 (the default suite is over
// its time budget and CPU-bound: the wide screenshots were a quarter of this test's minutes).
func layoutSizes() [][2]int64 {
	if os.Getenv("CALLFLOOR_LAYOUT_SIZES") == "all" {
		return [][2]int64{{1366, 768}, {1920, 1080}}
	}
	return [][2]int64{{1366, 768}}
}
