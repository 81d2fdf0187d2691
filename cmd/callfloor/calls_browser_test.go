package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
	"github.com/chromedp/chromedp"
)

// The calls page in headless Chromium: a team lead finds a recorded call of their team by agent
// (named, not only numbered), plays it in the waveform player (it streams and advances),
// downloads it (an attachment of audio/wav), and both are in the audit log under their name; a
// slow earlier search never lands after a newer one; the search exports as CSV and Excel in the
// user's language; an agent's page lists only their own calls; the page in Chinese.
func TestBrowserCallsAndRecordings(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	m, base, tok := startDemo(t, 5)
	v1 := base + "/api/v1"
	artifacts := artifactsDir(t)
	const pw = "a long enough password"
	var team, name1001 string
	for _, a := range m.Config.Agents {
		if a.ID == "1001" {
			team, name1001 = a.Team, a.Name
		}
	}
	createUsers(t, m,
		storage.NewUser{Username: "lena", DisplayName: "Lena Lead", Password: pw, Role: callfloor.RoleTeamLead, TeamID: team},
		storage.NewUser{Username: "ana", DisplayName: "Ana", Password: pw, Role: callfloor.RoleAgent, AgentID: "1001", TeamID: team})
	call := recordedCall(t, m, v1, tok, "1001")
	callID, recName := call["id"].(string), call["recording_name"].(string)

	loginUI(t, ctx, base, "lena", pw, "nav-calls")
	do(t, ctx, "open the calls page, filter by agent 1001", clickNav("nav-calls"), chromedp.WaitVisible(byTestID("calls-rows")),
		chromedp.Click(byTestID("calls-agent")))
	waitFor(t, ctx, 10*time.Second, "agent 1001 among the filter's choices", func() bool {
		ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector('[data-testid="calls-agent-option"][data-value="1001"]')`))
		return ok
	})
	// the team lead's agent choices are their team's agents only
	var teamAgents []string
	for _, a := range m.Config.Agents {
		if a.Team == team {
			teamAgents = append(teamAgents, a.ID)
		}
	}
	offered, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="calls-agent-option"]')].map(o => o.dataset.value).filter(Boolean)`))
	if strings.Join(offered, ",") != strings.Join(teamAgents, ",") {
		t.Errorf("the team lead is offered agents %v, want their team's %v", offered, teamAgents)
	}
	// the choices name the agents
	if s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="calls-agent-option"][data-value="1001"]').textContent.trim()`)); s != name1001+" (1001)" {
		t.Errorf("agent 1001's choice reads %q, want %q", s, name1001+" (1001)")
	}
	do(t, ctx, "search agent 1001", chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="calls-agent-option"][data-value="1001"]').click()`),
		chromedp.Click(byTestID("calls-search")))
	waitFor(t, ctx, 10*time.Second, "the call "+callID+" listed", func() bool { return textOf(ctx, "calls-row-"+callID) != "" })
	agents, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](rowAgentsJS))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range agents {
		if a != "1001" {
			t.Fatalf("filtered by agent 1001, a row shows agent %q (all: %v)", a, agents)
		}
	}
	// the rows name the agent
	if s := textOf(ctx, "calls-agent-"+callID); !strings.Contains(s, name1001) || !strings.Contains(s, "1001") {
		t.Errorf("the call's agent reads %q, want %s and 1001", s, name1001)
	}

	// the search race: a slow earlier search (agent 1001's calls, held back 2 s) answering
	// after a newer one (a number no call has) must not put its rows under the newer search
	do(t, ctx, "a slow search, then a newer one", chromedp.Evaluate[chromedp.Void](`(() => {
		const real = window.fetch;
		let first = true;
		window.fetch = (u, o) => {
			if (String(u).includes("/api/v1/calls?") && first) { first = false; return new Promise(r => setTimeout(r, 2000)).then(() => real(u, o)); }
			return real(u, o);
		};
		window.__realFetch = real;
	})()`), chromedp.Click(byTestID("calls-search")), chromedp.Evaluate[chromedp.Void](`(() => {
		const n = document.querySelector('[data-testid="calls-number"]');
		n.value = "0000000"; n.dispatchEvent(new Event("input", {bubbles: true}));
	})()`), chromedp.Click(byTestID("calls-search")))
	waitFor(t, ctx, 10*time.Second, "the newer search's answer (no calls)", func() bool { return textOf(ctx, "calls-count") == "Calls shown: 0" })
	time.Sleep(2500 * time.Millisecond) // the slow search answers meanwhile
	if n := count(ctx, `[data-testid^="calls-row-"]`); n != 0 || textOf(ctx, "calls-count") != "Calls shown: 0" {
		t.Fatalf("a slow earlier search's %d rows landed after the newer search (count %q)", n, textOf(ctx, "calls-count"))
	}
	do(t, ctx, "back to agent 1001's calls", chromedp.Evaluate[chromedp.Void](`(() => {
		window.fetch = window.__realFetch;
		const n = document.querySelector('[data-testid="calls-number"]');
		n.value = ""; n.dispatchEvent(new Event("input", {bubbles: true}));
	})()`), chromedp.Click(byTestID("calls-search")))
	waitFor(t, ctx, 10*time.Second, "the call "+callID+" listed", func() bool { return textOf(ctx, "calls-row-"+callID) != "" })

	// the search exported: CSV and Excel of the same filters, headers in the user's language
	exportCalls(t, ctx, callID, name1001, "en")

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
	// (clicked in the page: the table may still be settling its column widths)
	do(t, ctx, "play the recording", chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="calls-play-`+callID+`"]').click()`),
		chromedp.WaitVisible(byTestID("calls-player")))
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
	// a download is audited once its last byte is written: after the client has it all, so the
	// row may come a moment after the fetch returns
	for _, action := range []string{"recording_listened", "recording_downloaded"} {
		var entries []any
		found := func() bool {
			_, body := api(t, "GET", v1+"/audit?action="+action, tok, "")
			entries, _ = body["entries"].([]any)
			for _, e := range entries {
				e := e.(map[string]any)
				if e["actor"] == "lena" && e["target_id"] == recName {
					return true
				}
			}
			return false
		}
		deadline := time.Now().Add(10 * time.Second)
		for !found() && time.Now().Before(deadline) {
			time.Sleep(200 * time.Millisecond)
		}
		if !found() {
			t.Errorf("no %s audit row by lena for %s: %v", action, recName, entries)
		}
	}

	// Chinese
	switchLang(t, ctx, "zh-CN")
	waitFor(t, ctx, 10*time.Second, "the calls page in Chinese", func() bool {
		return strings.Contains(pageText(ctx), "通话与录音") && textOf(ctx, "calls-search") == "查询"
	})
	waitFor(t, ctx, 10*time.Second, "the calls listed in Chinese", func() bool { return strings.HasPrefix(textOf(ctx, "calls-count"), "已显示") })
	screenshot(t, ctx, artifacts, "calls-zh.png")
	exportCalls(t, ctx, callID, name1001, "zh-CN")

	// an agent sees only their own calls: no agent or team filter, every row theirs
	actx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext()) // its own cookies
	defer cancel()
	// the first action on a context opens its tab, which lives as long as that action's
	// context: open it here, not under one of do's timeouts
	if err := chromedp.Do(actx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	loginUI(t, actx, base, "ana", pw, "nav-calls")
	do(t, actx, "the agent's calls page", clickNav("nav-calls"), chromedp.WaitVisible(byTestID("calls-rows")))
	waitFor(t, actx, 10*time.Second, "the agent's calls listed", func() bool { return textOf(actx, "calls-row-"+callID) != "" })
	rows, _ := chromedp.Run(actx, chromedp.Evaluate[[]string](rowAgentsJS))
	for _, a := range rows {
		if a != "1001" {
			t.Fatalf("agent 1001's calls page shows a call of %q", a)
		}
	}
	if n, _ := chromedp.Run(actx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="calls-agent"]').length`)); n != 0 {
		t.Errorf("an agent's page offers the agent filter")
	}
}

// rowAgentsJS lists the agent ID of each row of the calls table ("" for a row without one).
const rowAgentsJS = `[...document.querySelectorAll('[data-testid="calls-rows"] tr.el-table__row')].map(r => (r.querySelector('[data-agent]') || {dataset: {}}).dataset.agent || "")`

// exportCalls checks the calls page's exports of the search on screen, fetched with the page's
// session: the CSV (headers in lang, the call with its agent's name) and the Excel workbook;
// the export button itself saves the file and says so.
func exportCalls(t *testing.T, ctx context.Context, callID, agentName, lang string) {
	t.Helper()
	href := attr(ctx, "calls-export-csv", "href")
	if !strings.Contains(href, "format=csv") || !strings.Contains(href, "lang="+url.QueryEscape(lang)) {
		t.Fatalf("CSV export link %q (lang %s)", href, lang)
	}
	status, body := fetchInPage(t, ctx, href)
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if status != 200 || err != nil || len(recs) < 2 {
		t.Fatalf("CSV export %s: %d %v\n%.500s", href, status, err, body)
	}
	head := map[string]string{"en": "Agent name", "zh-CN": "坐席姓名"}[lang]
	if recs[0][6] != head {
		t.Errorf("CSV export in %s: header %v", lang, recs[0])
	}
	found := false
	for _, r := range recs[1:] {
		found = found || (r[13] == callID && r[5] == "1001" && r[6] == agentName)
	}
	if !found {
		t.Errorf("CSV export lacks call %s of %s (1001): %v", callID, agentName, recs)
	}
	xlsx, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`(async () => {
		const r = await fetch(document.querySelector('[data-testid="calls-export-xlsx"]').getAttribute("href"), {credentials: "same-origin"});
		const b = new Uint8Array(await r.arrayBuffer());
		return {status: r.status, type: r.headers.get("Content-Type"), disp: r.headers.get("Content-Disposition") || "", zip: String.fromCharCode(b[0], b[1]), size: b.length};
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || xlsx["status"] != 200.0 || xlsx["type"] != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
		xlsx["zip"] != "PK" || !strings.Contains(xlsx["disp"].(string), ".xlsx") || xlsx["size"].(float64) < 1000 {
		t.Errorf("Excel export: %v %v", xlsx, err)
	}
	saved := map[string]string{"en": "Exported calls-", "zh-CN": "已导出 calls-"}[lang]
	do(t, ctx, "export CSV by the button", chromedp.Click(byTestID("calls-export-csv")))
	waitFor(t, ctx, 10*time.Second, "the export saved ("+saved+")", func() bool {
		ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`[...document.querySelectorAll('.el-message')].some(e => e.textContent.includes(%q))`, saved)))
		return ok
	})
}
