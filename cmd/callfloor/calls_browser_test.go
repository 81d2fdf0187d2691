package main

import (
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
	"github.com/chromedp/chromedp"
)

// The calls page in headless Chromium: a team lead finds a recorded call of their team by agent,
// plays it in the waveform player (it streams and advances), downloads it (an attachment of
// audio/wav), and both are in the audit log under their name; an agent's page lists only their
// own calls; the page in Chinese.
func TestBrowserCallsAndRecordings(t *testing.T) {
	ctx := newBrowser(t)
	m, base, tok := startDemo(t, 5)
	v1 := base + "/api/v1"
	artifacts := artifactsDir(t)
	const pw = "a long enough password"
	var team string
	for _, a := range m.Config.Agents {
		if a.ID == "1001" {
			team = a.Team
		}
	}
	createUsers(t, m,
		storage.NewUser{Username: "lena", DisplayName: "Lena Lead", Password: pw, Role: callfloor.RoleTeamLead, TeamID: team},
		storage.NewUser{Username: "ana", DisplayName: "Ana", Password: pw, Role: callfloor.RoleAgent, AgentID: "1001", TeamID: team})
	call := recordedCall(t, m, v1, tok, "1001")
	callID, recName := call["id"].(string), call["recording_name"].(string)

	loginUI(t, ctx, base, "lena", pw, "nav-calls")
	do(t, ctx, "open the calls page, filter by agent 1001", chromedp.Click(byTestID("nav-calls")), chromedp.WaitVisible(byTestID("calls-rows")))
	waitFor(t, ctx, 10*time.Second, "agent 1001 among the filter's choices", func() bool {
		ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector('[data-testid="calls-agent"] option[value="1001"]')`))
		return ok
	})
	// the team lead's agent choices are their team's agents only
	var teamAgents []string
	for _, a := range m.Config.Agents {
		if a.Team == team {
			teamAgents = append(teamAgents, a.ID)
		}
	}
	offered, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="calls-agent"] option')].map(o => o.value).filter(Boolean)`))
	if strings.Join(offered, ",") != strings.Join(teamAgents, ",") {
		t.Errorf("the team lead is offered agents %v, want their team's %v", offered, teamAgents)
	}
	do(t, ctx, "search agent 1001", chromedp.SetValue(byTestID("calls-agent"), "1001"), chromedp.Click(byTestID("calls-search")))
	waitFor(t, ctx, 10*time.Second, "the call "+callID+" listed", func() bool { return textOf(ctx, "calls-row-"+callID) != "" })
	agents, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="calls-rows"] tr')].map(r => r.children[4] ? r.children[4].textContent : "")`))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range agents {
		if a != "1001" {
			t.Fatalf("filtered by agent 1001, a row shows agent %q (all: %v)", a, agents)
		}
	}

	// the database down (a 503 "unavailable", faked in the page): a new search says so, and the
	// count of the previous search does not stay under the emptied table
	do(t, ctx, "search while the database is down", chromedp.Evaluate[chromedp.Void](`(() => {
		const real = window.fetch;
		window.fetch = (u, o) => String(u).includes("/api/v1/calls?")
			? Promise.resolve(new Response('{"code":"unavailable","message":"the database (PostgreSQL) is unavailable"}', { status: 503, headers: { "Content-Type": "application/json" } }))
			: real(u, o);
		window.__realFetch = real;
	})()`), chromedp.Click(byTestID("calls-search")))
	waitFor(t, ctx, 10*time.Second, "the unavailable error", func() bool { return strings.Contains(textOf(ctx, "calls-error"), "database is unavailable") })
	if c := textOf(ctx, "calls-count"); c != "" {
		t.Errorf("after a failed search the table is empty but the count still says %q", c)
	}
	do(t, ctx, "the database back", chromedp.Evaluate[chromedp.Void](`window.fetch = window.__realFetch`),
		chromedp.Click(byTestID("calls-search")))
	waitFor(t, ctx, 10*time.Second, "the call "+callID+" listed again", func() bool { return textOf(ctx, "calls-row-"+callID) != "" })
	do(t, ctx, "play the recording", chromedp.Click(byTestID("calls-play-"+callID)), chromedp.WaitVisible(byTestID("calls-player")))
	waitFor(t, ctx, 30*time.Second, "the waveform decoded", func() bool {
		ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid="calls-player"] [data-testid="waveform"]').dataset.ready === "1"`))
		return ok
	})
	// the player's shadow-DOM stylesheet applies (the page's CSP nonce): the played part is
	// drawn over the waveform, not in a second row under it
	layout, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`(() => {
		const host = document.querySelector('[data-testid="calls-player"] [data-testid="waveform"] > div');
		const root = host && host.shadowRoot;
		const prog = root && root.querySelector('.progress'), canv = root && root.querySelector('.canvases');
		if (!prog || !canv) return {found: false};
		return {found: true, position: getComputedStyle(prog).position,
			sameTop: Math.abs(prog.getBoundingClientRect().top - canv.getBoundingClientRect().top) < 2};
	})()`))
	if err != nil || layout["found"] != true || layout["position"] != "absolute" || layout["sameTop"] != true {
		t.Errorf("waveform layers: %v %v (the shadow DOM's style blocked by the CSP?)", layout, err)
	}
	waitFor(t, ctx, 15*time.Second, "playback advancing", func() bool {
		ct, _ := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector('[data-testid="calls-player"] [data-testid="audio"]').currentTime`))
		return ct > 0.3
	})
	screenshot(t, ctx, artifacts, "calls-playing.png")

	// download: the link's URL fetched with the page's session gives the WAV as an attachment
	dl, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`(async () => {
		const a = document.querySelector('[data-testid="calls-download-`+callID+`"]');
		const r = await fetch(a.href, {credentials: "same-origin"});
		const b = new Uint8Array(await r.arrayBuffer());
		return {status: r.status, type: r.headers.get("Content-Type"), disp: r.headers.get("Content-Disposition") || "",
			riff: String.fromCharCode(...b.slice(0, 4)), size: b.length, href: a.getAttribute("href")};
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if dl["status"] != 200.0 || !strings.HasPrefix(dl["type"].(string), "audio/") || !strings.Contains(dl["disp"].(string), "attachment") ||
		dl["riff"] != "RIFF" || dl["size"].(float64) < 1000 || !strings.HasSuffix(dl["href"].(string), "download=1") {
		t.Fatalf("download: %v", dl)
	}
	for _, action := range []string{"recording_listened", "recording_downloaded"} {
		_, body := api(t, "GET", v1+"/audit?action="+action, tok, "")
		found := false
		for _, e := range body["entries"].([]any) {
			e := e.(map[string]any)
			found = found || (e["actor"] == "lena" && e["target_id"] == recName)
		}
		if !found {
			t.Errorf("no %s audit row by lena for %s: %v", action, recName, body["entries"])
		}
	}

	// Chinese
	switchLang(t, ctx, "zh-CN")
	waitFor(t, ctx, 10*time.Second, "the calls page in Chinese", func() bool {
		return strings.Contains(pageText(ctx), "通话与录音") && textOf(ctx, "calls-search") == "查询"
	})
	screenshot(t, ctx, artifacts, "calls-zh.png")

	// an agent sees only their own calls: no agent or team filter, every row theirs
	actx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext()) // its own cookies
	defer cancel()
	// the first action on a context opens its tab, which lives as long as that action's
	// context: open it here, not under one of do's timeouts
	if err := chromedp.Do(actx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	loginUI(t, actx, base, "ana", pw, "nav-calls")
	do(t, actx, "the agent's calls page", chromedp.Click(byTestID("nav-calls")), chromedp.WaitVisible(byTestID("calls-rows")))
	waitFor(t, actx, 10*time.Second, "the agent's calls listed", func() bool { return textOf(actx, "calls-row-"+callID) != "" })
	rows, _ := chromedp.Run(actx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="calls-rows"] tr')].map(r => r.children[4] ? r.children[4].textContent : "")`))
	for _, a := range rows {
		if a != "1001" {
			t.Fatalf("agent 1001's calls page shows a call of %q", a)
		}
	}
	if n, _ := chromedp.Run(actx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="calls-agent"]').length`)); n != 0 {
		t.Errorf("an agent's page offers the agent filter")
	}
}
