package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
	"github.com/chromedp/chromedp"
)

// The duty lead builds this month's roster from a rotation, changes one cell and publishes it;
// the agent sees the published shift on their desktop, today's highlighted — in English, then
// again in Chinese (a second version).
func TestBrowserRosterBuildPublish(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	m, base, tok := startDemo(t, 5)
	artifacts := artifactsDir(t)
	bg := context.Background()
	const pw = "a long enough password"
	createUsers(t, m,
		storage.NewUser{Username: "lina", DisplayName: "Lina", Password: pw, Role: callfloor.RoleTeamLead, TeamID: "team-a"},
		storage.NewUser{Username: "ana", DisplayName: "Ana", Password: pw, Role: callfloor.RoleAgent, AgentID: "1001", TeamID: "team-a"})
	apiURL := "http://" + m.Addr() + "/api/v1"
	for _, c := range []struct{ path, body string }{
		{"/shifts/E", `{"name":"早班","start":"08:30","end":"17:30","breaks":[{"start":"12:00","end":"13:00"}]}`},
		{"/shifts/L", `{"name":"晚班","start":"13:00","end":"22:00"}`},
		{"/rotations/两作两息", `{"anchor":"2026-01-01","cycle":["E","E","",""]}`},
	} {
		if code, body := api(t, "PUT", apiURL+c.path, tok, c.body); code != 201 {
			t.Fatalf("%s: %d %v", c.path, code, body)
		}
	}
	loc := m.Config.Location()
	today := time.Now().In(loc).Format(time.DateOnly)
	holiday := today[:8] + "25"
	if code, body := api(t, "PUT", apiURL+"/calendar/"+holiday, tok, `{"kind":"holiday","name":"公司假日"}`); code != 200 {
		t.Fatalf("calendar: %d %v", code, body)
	}
	// the weekends need more heads than the rotation gives: the grid flags them
	if code, body := api(t, "PUT", apiURL+"/rosters/team-a/rules", tok, `{"min_heads":6,"weekend_min_heads":7}`); code != 200 {
		t.Fatalf("rules: %d %v", code, body)
	}
	_ = bg

	lead := ctx
	loginUI(t, lead, base, "lina", pw, "nav-roster")
	agent := newTab(t, ctx)
	loginUI(t, agent, base, "ana", pw, "desk-roster")

	cell := "cell-1001-" + today
	for i, r := range []struct {
		lang, shift, name string
	}{{"en", "L", "晚班"}, {"zh-CN", "E", "早班"}} {
		if r.lang != "en" {
			switchLang(t, lead, r.lang)
			switchLang(t, agent, r.lang)
		}
		open(t, lead, base+"/roster", "roster-table")
		// fill from the rotation: the dialog opened, its button clicked (by the element, not a
		// mouse position a still-opening dialog may move), until the draft shows changes
		fillJS := `(() => { const vis = (id) => { const e = document.querySelector('[data-testid="' + id + '"]'); return e && e.offsetParent !== null ? e : null };
			if (!vis("fill-dialog")) { if (vis("roster-changed")) return true; vis("roster-fill").click(); return false }
			const b = vis("fill-submit"); if (b && !b.disabled && !b.classList.contains("is-loading")) b.click(); return false })()`
		if r.lang != "en" {
			waitFor(t, lead, 20*time.Second, "the published roster loaded", func() bool { return attr(lead, "roster-status", "data-status") == "published" })
		}
		waitFor(t, lead, 60*time.Second, "the filled draft", func() bool {
			ok, err := chromedp.Run(lead, chromedp.Evaluate[bool](fillJS))
			if !ok {
				time.Sleep(700 * time.Millisecond)
			}
			return err == nil && ok && attr(lead, "roster-status", "data-status") == "draft"
		})
		if r.shift != attr(lead, cell, "data-shift") {
			editCell(t, lead, cell, r.shift)
		}
		waitFor(t, lead, 20*time.Second, "today's cell changed to "+r.shift, func() bool { return attr(lead, cell, "data-shift") == r.shift })
		if !visible(lead, "roster-short") || !strings.Contains(attr(lead, "roster-day-"+holiday, "title"), "公司假日") {
			t.Errorf("%s: short days %q, the holiday's header %q", r.lang, textOf(lead, "roster-short"), attr(lead, "roster-day-"+holiday, "title"))
		}
		if !strings.Contains(textOf(lead, "roster-table"), map[string]string{"en": "On shift", "zh-CN": "在岗人数"}[r.lang]) {
			t.Errorf("%s: no heads footer in the grid", r.lang)
		}
		do(t, lead, "publish", chromedp.Click(byTestID("roster-publish")))
		version := []string{"1", "2"}[i]
		waitFor(t, lead, 20*time.Second, "published version "+version, func() bool {
			return attr(lead, "roster-status", "data-status") == "published" && attr(lead, "roster-status", "data-version") == version
		})
		screenshot(t, lead, artifacts, "roster-grid-"+r.lang+".png")

		open(t, agent, base+"/desktop", "desk-roster")
		day := "desk-day-" + today
		waitFor(t, agent, 20*time.Second, "today's published shift on the desktop", func() bool {
			return attr(agent, day, "data-shift") == r.shift && strings.Contains(textOf(agent, day), r.name)
		})
		if !strings.Contains(attr(agent, day, "class"), "rday-today") {
			t.Errorf("%s: today is not highlighted: %q", r.lang, attr(agent, day, "class"))
		}
		screenshot(t, agent, artifacts, "roster-desktop-"+r.lang+".png")
	}
	// the agent's request reaches the lead's inbox (the API's rules are TestSwapAPI's)
	do(t, agent, "open the swap dialog", chromedp.Click(byTestID("btn-swap")), chromedp.WaitVisible(byTestID("swap-submit")))
	time.Sleep(400 * time.Millisecond)
	screenshot(t, agent, artifacts, "roster-swap-dialog-zh-CN.png")
	open(t, lead, base+"/roster/swaps", "swaps-rows")
	screenshot(t, lead, artifacts, "roster-swaps-zh-CN.png")
	open(t, lead, base+"/roster/calendar", "calendar-table")
	screenshot(t, lead, artifacts, "roster-calendar-zh-CN.png")
}

// open loads a page and waits (generously: the machine is shared) for an element of it.
func open(t *testing.T, ctx context.Context, url, testID string) {
	t.Helper()
	do(t, ctx, "open "+url, chromedp.Navigate(url))
	waitFor(t, ctx, 60*time.Second, testID+" on "+url, func() bool { return visible(ctx, testID) })
}

// editCell changes a roster cell as the lead does: a click on the cell turns it into a select
// whose list opens; a click on the option chooses it. Retried while the list is not open yet.
func editCell(t *testing.T, ctx context.Context, cell, option string) {
	t.Helper()
	js := fmt.Sprintf(`(() => { const items = [...document.querySelectorAll('.el-select-dropdown__item')].filter(e => e.offsetParent !== null && e.textContent.trim() === %q);
		if (items.length > 0) { items[0].click(); return true }
		const ed = document.querySelector('[data-testid="cell-editor"]');
		if (ed) { const open = [...document.querySelectorAll('.el-select-dropdown')].some(e => e.offsetParent !== null); if (!open) (ed.querySelector('.el-select__wrapper') || ed).click(); return false }
		const c = document.querySelector('[data-testid=%q]'); if (c) { c.scrollIntoView({block: "center", inline: "center"}); c.click() }
		return false })()`, option, cell)
	waitFor(t, ctx, 15*time.Second, "option "+option+" of "+cell, func() bool {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if !ok {
			time.Sleep(300 * time.Millisecond)
		}
		return err == nil && ok
	})
}
