package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
	"github.com/chromedp/chromedp"
)

// fitReport is what tvFit finds on the page.
type fitReport struct {
	Bad       []string `json:"bad"`       // elements not wholly inside the viewport
	Scroll    string   `json:"scroll"`    // "" or the page's scroll size when it scrolls
	Agents    int      `json:"agents"`    // agent tiles drawn
	More      string   `json:"more"`      // the "+N more" chip, if any
	Density   string   `json:"density"`   // the agent grid's density class
	Checked   int      `json:"checked"`   // elements checked
	BigFontPx float64  `json:"bigFontPx"` // a queue's waiting figure's font size
}

// tvFit checks that every tile, figure and agent of the wallboard lies inside the viewport and
// that the page does not scroll.
const tvFitJS = `(() => {
  const W = innerWidth, H = innerHeight, bad = [];
  const els = document.querySelectorAll('.wall-head, .floor, .stat, .tile, .tile [data-testid], .chart, .agent, .agent-groups, [data-testid^="floor-"]');
  let checked = 0;
  for (const e of els) {
    if (e.hidden || e.offsetParent === null) continue;
    const r = e.getBoundingClientRect();
    checked++;
    if (r.left < -0.5 || r.top < -0.5 || r.right > W + 0.5 || r.bottom > H + 0.5 || r.width === 0 || r.height === 0)
      bad.push((e.dataset.testid || e.className) + " " + [r.left, r.top, r.right, r.bottom].map(Math.round).join(","));
  }
  const se = document.scrollingElement;
  const grid = document.querySelector('[data-testid="agents"]');
  const big = document.querySelector('[data-testid="tile-sales-waiting"]');
  return {
    bad, checked,
    scroll: se.scrollHeight > H + 1 || se.scrollWidth > W + 1 ? se.scrollWidth + "x" + se.scrollHeight : "",
    agents: document.querySelectorAll('[data-testid="agents"] .agent[data-agent]').length,
    more: (document.querySelector('[data-testid="agents-more"]') || {}).textContent || "",
    density: grid ? [...grid.classList].find(c => c.startsWith("d-")) || "" : "",
    bigFontPx: big ? parseFloat(getComputedStyle(big).fontSize) : 0,
  };
})()`

func checkTVFit(t testing.TB, ctx context.Context, what string, w, h int64, agents int, minBigFont float64) {
	t.Helper()
	do(t, ctx, "viewport "+what, chromedp.EmulateViewport(w, h))
	var r fitReport
	deadline := time.Now().Add(10 * time.Second)
	for {
		var err error
		r, err = chromedp.Run(ctx, chromedp.Evaluate[fitReport](tvFitJS))
		if err == nil && len(r.Bad) == 0 && r.Scroll == "" && r.Checked > 0 && r.Agents > 0 {
			break
		}
		if time.Now().After(deadline) {
			screenshot(t, ctx, artifactsDir(t), "wallboard-tv-unfit.png")
			t.Fatalf("%s: not everything inside %dx%d: %+v (%v)", what, w, h, r, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	shown := r.Agents
	if r.More != "" {
		var n int
		if _, err := fmt.Sscanf(strings.TrimLeft(r.More, "+"), "%d", &n); err != nil {
			re := regexp.MustCompile(`\d+`)
			fmt.Sscanf(re.FindString(r.More), "%d", &n)
		}
		shown += n
	}
	if shown != agents {
		t.Errorf("%s: %d agent tiles and %q drawn, want all %d agents accounted for", what, r.Agents, r.More, agents)
	}
	if r.BigFontPx < minBigFont {
		t.Errorf("%s: a queue's waiting figure is %.0f px, want at least %.0f px to read across a room", what, r.BigFontPx, minBigFont)
	}
	t.Logf("%s: %d elements inside %dx%d, agents drawn %s (%d tiles %q), waiting figure %.0f px", what, r.Checked, w, h, r.Density, r.Agents, r.More, r.BigFontPx)
}

func tvOn(t testing.TB, ctx context.Context, on bool) {
	t.Helper()
	cur, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.body.classList.contains("tv")`))
	if cur != on {
		do(t, ctx, "TV mode button", chromedp.Click(byTestID("btn-tv")))
	}
	waitFor(t, ctx, 5*time.Second, fmt.Sprintf("TV mode %v", on), func() bool {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.body.classList.contains("tv")`))
		return err == nil && v == on
	})
}

// TV mode fits a 1080p and a 4K screen without scrolling, in English and Chinese: every tile,
// figure and agent lies inside the viewport (bounding boxes), type grows with the screen.
func TestBrowserWallboardTVFitsTheScreen(t *testing.T) {
	t.Parallel()
	ctx, _, base, _, _ := demoWithSupervisor(t)
	artifacts := artifactsDir(t)
	loginUI(t, ctx, base, "sue", supervisorPassword, "tile-sales")
	waitFor(t, ctx, 15*time.Second, "the 24 demo agents", func() bool { return count(ctx, `[data-testid="agents"] .agent[data-agent]`) == 24 })

	tvOn(t, ctx, true)
	checkTVFit(t, ctx, "TV 1080p", 1920, 1080, 24, 36)
	screenshot(t, ctx, artifacts, "wallboard-tv-1080p.png")
	checkTVFit(t, ctx, "TV 4K", 3840, 2160, 24, 72)
	screenshot(t, ctx, artifacts, "wallboard-tv-4k.png")
	tvOn(t, ctx, false)

	do(t, ctx, "back to the window's size", chromedp.EmulateViewport(1600, 1000))
	switchLang(t, ctx, "zh-CN")
	waitFor(t, ctx, 10*time.Second, "the wallboard in Chinese", func() bool {
		return textOf(ctx, "btn-tv") == "电视模式" && count(ctx, `[data-testid="agents"] .agent[data-agent]`) == 24
	})
	tvOn(t, ctx, true)
	checkTVFit(t, ctx, "TV 4K zh", 3840, 2160, 24, 72)
	screenshot(t, ctx, artifacts, "wallboard-tv-4k-zh.png")
	checkTVFit(t, ctx, "TV 1080p zh", 1920, 1080, 24, 36)
	screenshot(t, ctx, artifacts, "wallboard-tv-1080p-zh.png")
	// a smaller screen: the agents condense rather than spill over
	checkTVFit(t, ctx, "TV 1280x720 zh", 1280, 720, 24, 20)
	screenshot(t, ctx, artifacts, "wallboard-tv-720p-zh.png")
}

// openAgent clicks an agent's tile until its floor-control dialog is open (a live update may
// redraw the tile between finding it and clicking).
func openAgent(t *testing.T, ctx context.Context, agent string) {
	t.Helper()
	waitFor(t, ctx, 20*time.Second, "agent "+agent+"'s actions", func() bool {
		if visible(ctx, "act-pause") && strings.Contains(textOf(ctx, "agent-dialog"), agent) {
			return true
		}
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		_ = chromedp.Do(cctx, chromedp.Click(byTestID("agent-"+agent), chromedp.NodeVisible))
		return visible(ctx, "act-pause")
	})
}

func closeAgent(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx, "close the actions", chromedp.Click(byTestID("act-close")))
	waitFor(t, ctx, 5*time.Second, "the actions closed", func() bool {
		open, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`[...document.querySelectorAll(".el-overlay")].some(e => getComputedStyle(e).display !== "none")`))
		return err == nil && !open && !visible(ctx, "act-pause")
	})
}

// A supervisor sees why and since when an agent is paused and makes them available again with
// one button; pauses them with a reason from the wallboard; in English and Chinese. The team
// filter switches the strip to that team's own figures.
func TestBrowserWallboardMakeAvailable(t *testing.T) {
	t.Parallel()
	ctx, m, base, tok, _ := demoWithSupervisor(t)
	v1 := base + "/api/v1"
	// 1001 serves no queue here, so no demo call races the clicks
	if code, body := api(t, "PUT", v1+"/agents/1001", tok, `{"id":"1001","name":"Ana","endpoint":"Local/1001@agents","team":"team-a","skills":{}}`); code != 200 {
		t.Fatalf("taking 1001 off the queues: %d %v", code, body)
	}
	// 1001 may still be on a call it took before: the pause then waits for the call and its
	// wrap-up to end (a pending pause, 200 too); ask until the agent is paused
	waitFor(t, ctx, 60*time.Second, "1001 paused for lunch", func() bool {
		code, st := api(t, "POST", v1+"/agents/1001/pause", tok, `{"reason":"lunch"}`)
		return code == 200 && st["state"] == "paused"
	})
	loginUI(t, ctx, base, "sue", supervisorPassword, "tile-sales")
	waitFor(t, ctx, 10*time.Second, "1001 paused on the wallboard", func() bool { return textOf(ctx, "agent-1001-state") == "Paused · Lunch" })
	openAgent(t, ctx, "1001")
	if s := textOf(ctx, "act-state"); !strings.Contains(s, "Paused · Lunch since ") {
		t.Errorf("the dialog says %q, want why and since when 1001 is paused", s)
	}
	screenshot(t, ctx, artifactsDir(t), "wallboard-make-available.png")
	do(t, ctx, "make available", chromedp.Click(byTestID("act-available")))
	waitFor(t, ctx, 10*time.Second, "1001 available", func() bool { return agentState(t, m, tok, "1001") == "available/" })
	waitFor(t, ctx, 10*time.Second, "1001's tile available", func() bool { return textOf(ctx, "agent-1001-state") == "Available" })
	closeAgent(t, ctx)

	// the team filter applies to the figures: the strip shows team-b's own
	elSelect(t, ctx, "filter-team", "team-b")
	waitFor(t, ctx, 10*time.Second, "the strip showing team-b", func() bool { return textOf(ctx, "floor-title") == "Team team-b" })
	if n := number(t, textOf(ctx, "floor-available")); n < 0 || n > 12 {
		t.Errorf("team-b's available agents = %q, want a count of its 12 agents", textOf(ctx, "floor-available"))
	}
	if present(ctx, "agent-1001") {
		t.Errorf("1001 (team-a) is on the grid with the team-b filter")
	}
	elSelect(t, ctx, "filter-team", "All")
	waitFor(t, ctx, 10*time.Second, "the strip showing the floor", func() bool { return textOf(ctx, "floor-title") == "Floor" })

	// in Chinese: pause with a reason from the dialog, then make available
	switchLang(t, ctx, "zh-CN")
	waitFor(t, ctx, 10*time.Second, "1001 in Chinese", func() bool { return textOf(ctx, "agent-1001-state") == "空闲" })
	openAgent(t, ctx, "1001")
	elSelect(t, ctx, "act-reason", "培训")
	do(t, ctx, "pause", chromedp.Click(byTestID("act-pause")))
	waitFor(t, ctx, 10*time.Second, "1001 paused for training", func() bool { return agentState(t, m, tok, "1001") == "paused/training" })
	waitFor(t, ctx, 10*time.Second, "the dialog saying why and since when", func() bool {
		return strings.Contains(textOf(ctx, "act-state"), "暂停 · 培训，自 ") && visible(ctx, "act-available")
	})
	if s := textOf(ctx, "act-available"); s != "设为空闲" {
		t.Errorf("the button reads %q in Chinese", s)
	}
	screenshot(t, ctx, artifactsDir(t), "wallboard-make-available-zh.png")
	do(t, ctx, "设为空闲", chromedp.Click(byTestID("act-available")))
	waitFor(t, ctx, 10*time.Second, "1001 available again", func() bool { return agentState(t, m, tok, "1001") == "available/" })
	waitFor(t, ctx, 10*time.Second, "1001's tile 空闲", func() bool { return textOf(ctx, "agent-1001-state") == "空闲" })
	_, audit := api(t, "GET", v1+"/audit?action=agent_unpause", tok, "")
	if entries, _ := audit["entries"].([]any); len(entries) != 2 {
		t.Errorf("unpause on 1001's behalf audited %d times, want 2: %v", len(entries), audit)
	}
}

// A team lead's strip shows their own team's figures (answered, service level, agents), not
// the dashes it showed before, and the queues; in English and Chinese.
func TestBrowserTeamLeadSeesTeamFigures(t *testing.T) {
	t.Parallel()
	ctx, m, base, _, _ := demoWithSupervisor(t)
	createUsers(t, m, storage.NewUser{Username: "lee", DisplayName: "Lee Lead", Password: supervisorPassword, Role: callfloor.RoleTeamLead, TeamID: "team-a"})
	loginUI(t, ctx, base, "lee", supervisorPassword, "floor-title")
	waitFor(t, ctx, 15*time.Second, "team-a's strip", func() bool { return textOf(ctx, "floor-title") == "Team team-a" })
	pct := regexp.MustCompile(`^\d+%$`)
	waitFor(t, ctx, 60*time.Second, "team-a's answered calls and service level", func() bool {
		return number(t, textOf(ctx, "floor-answered")) > 0 && pct.MatchString(textOf(ctx, "floor-sl-today"))
	})
	for _, id := range []string{"floor-waiting", "floor-abandoned", "floor-available", "floor-oncall", "floor-paused"} {
		if n := number(t, textOf(ctx, id)); n < 0 {
			t.Errorf("%s = %q for a team lead, want a number", id, textOf(ctx, id))
		}
	}
	if !present(ctx, "tile-sales") || !present(ctx, "agent-1001") || present(ctx, "agent-1013") {
		t.Errorf("the team lead sees the queues %v, their agent 1001 %v, another team's 1013 %v", present(ctx, "tile-sales"), present(ctx, "agent-1001"), present(ctx, "agent-1013"))
	}
	screenshot(t, ctx, artifactsDir(t), "wallboard-team-lead.png")
	switchLang(t, ctx, "zh-CN")
	waitFor(t, ctx, 15*time.Second, "team-a's strip in Chinese", func() bool {
		return textOf(ctx, "floor-title") == "班组 team-a" && number(t, textOf(ctx, "floor-answered")) > 0 && pct.MatchString(textOf(ctx, "floor-sl-today"))
	})
	screenshot(t, ctx, artifactsDir(t), "wallboard-team-lead-zh.png")
}
