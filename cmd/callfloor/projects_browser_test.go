package main

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// Projects in the admin screens (issue 11): an admin creates project "acme", moves the queue
// sales and the team team-a into it and sets its targets through the Projects tab; acme's
// project manager then sees on the wallboard and the calls page only acme's queue, agents and
// calls (the other queues' calls are in the history). Both languages, screenshots of each.
func TestBrowserProjectsScopeAProjectManager(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	m, base, tok := startDemo(t, 5)
	v1 := base + "/api/v1"
	artifacts := artifactsDir(t)
	const pw = "a long enough password"

	actx, closeAdmin := ownTab(t, ctx)
	defer closeAdmin()
	loginUI(t, actx, base, "root", pw, "nav-admin")
	do(t, actx, "projects tab", chromedp.Navigate(base+"/admin/projects"), chromedp.WaitVisible(byTestID("projects-new")))
	clickThen(t, actx, "projects-new", "project-id")
	dialogSettled(t, actx)
	fillInput(t, actx, "project-id", "acme")
	fillInput(t, actx, "project-name", "Acme telecom")
	elSelect(t, actx, "project-queues", "sales")
	closeDropdowns(t, actx)
	elSelect(t, actx, "project-teams", "team-a")
	closeDropdowns(t, actx)
	waitFor(t, actx, 10*time.Second, "sales and team-a chosen", func() bool {
		ok, _ := chromedp.Run(actx, chromedp.Evaluate[bool](`(() => { const q = document.querySelector('[data-testid="project-queues"]'), tm = document.querySelector('[data-testid="project-teams"]');
			return !!q && !!tm && q.textContent.includes("sales") && tm.textContent.includes("team-a") })()`))
		return ok
	})
	jsClick(t, actx, "project-save")
	waitFor(t, actx, 10*time.Second, "acme listed with sales and team-a", func() bool {
		return textOf(actx, "project-queues-acme") == "sales" && textOf(actx, "project-teams-acme") == "team-a"
	})
	// targets: a wrong AHT is named by its field; then SL 80 %, AHT 3:06, occupancy 75–90 %
	clickThen(t, actx, "project-targets-btn-acme", "target-sl")
	dialogSettled(t, actx)
	fillInput(t, actx, "target-sl", "80")
	fillInput(t, actx, "target-aht", "3:75")
	jsClick(t, actx, "targets-save")
	waitFor(t, actx, 10*time.Second, "the AHT refused", func() bool { return elFieldError(actx, "target-aht") != "" })
	fillInput(t, actx, "target-aht", "3:06")
	fillInput(t, actx, "target-occ-min", "75")
	fillInput(t, actx, "target-occ-max", "90")
	jsClick(t, actx, "targets-save")
	waitFor(t, actx, 10*time.Second, "acme's targets listed", func() bool {
		s := textOf(actx, "project-targets-acme")
		return strings.Contains(s, "80 %") && strings.Contains(s, "3:06") && strings.Contains(s, "75–90 %")
	})
	screenshot(t, actx, artifacts, "projects-admin-en.png")
	if code, body := api(t, "GET", v1+"/projects/acme", tok, ""); code != 200 || body["targets"].(map[string]any)["aht_s"] != 186.0 {
		t.Fatalf("acme: %d %v", code, body)
	}
	// the queues and teams tabs show the project
	do(t, actx, "queues tab", chromedp.Navigate(base+"/admin/queues"), chromedp.WaitVisible(byTestID("queues-new")))
	waitFor(t, actx, 10*time.Second, "sales in acme", func() bool { return textOf(actx, "queue-project-sales") == "Acme telecom" })
	switchLang(t, actx, "zh-CN")
	do(t, actx, "projects tab (zh)", chromedp.Navigate(base+"/admin/projects"), chromedp.WaitVisible(byTestID("projects-new")))
	waitFor(t, actx, 10*time.Second, "acme listed", func() bool { return strings.Contains(textOf(actx, "project-targets-acme"), "3:06") })
	screenshot(t, actx, artifacts, "projects-admin-zh.png")

	// acme's project manager
	createUsers(t, m, storage.NewUser{Username: "pia", DisplayName: "Pia PM", Password: pw, Role: callfloor.RoleProjectManager, Projects: []string{"acme"}})
	// agents of both teams answer: calls of every queue reach the history
	for _, id := range []string{"1001", "1002", "1013", "1014"} {
		if code, body := api(t, "POST", v1+"/agents/"+id+"/login", tok, ""); code != 200 && code != 409 { // 409: already logged in
			t.Fatalf("login %s: %d %v", id, code, body)
		}
	}
	from := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	teamB := map[string]bool{}
	for _, a := range m.ACD.Agents() {
		if a.Team == "team-b" {
			teamB[a.ID] = true
		}
	}
	var other []string // ended calls of the queues acme does not own, taken by nobody or by team-b
	waitFor(t, ctx, 90*time.Second, "ended calls of sales and of support or billing", func() bool {
		to := time.Now().Add(time.Minute).UTC().Format(time.RFC3339)
		_, body := api(t, "GET", v1+"/calls?limit=500&from="+url.QueryEscape(from)+"&to="+url.QueryEscape(to), tok, "")
		other = other[:0]
		sales := 0
		for _, c := range body["calls"].([]any) {
			c := c.(map[string]any)
			if c["ended_at"] == nil {
				continue
			}
			if c["queue"] == "sales" {
				sales++
			} else if a, _ := c["agent"].(string); a == "" || teamB[a] {
				other = append(other, c["id"].(string))
			}
		}
		return sales > 0 && len(other) > 0
	})

	for _, lang := range []string{"en", "zh-CN"} {
		pctx, closePM := ownTab(t, ctx)
		loginUI(t, pctx, base, "pia", pw, "nav-wallboard")
		if lang != "en" {
			switchLang(t, pctx, lang)
		}
		do(t, pctx, "wallboard", chromedp.Navigate(base+"/wallboard"), chromedp.WaitVisible(byTestID("tile-sales")))
		waitFor(t, pctx, 15*time.Second, "sales' tile with its AHT target and team-a's agents only", func() bool {
			return present(pctx, "tile-sales-aht-target") && present(pctx, "agent-1001") && present(pctx, "agent-1012")
		})
		for _, id := range []string{"tile-support", "tile-billing", "agent-1013", "agent-1024"} {
			if present(pctx, id) {
				t.Errorf("%s: the project manager's wallboard shows %s", lang, id)
			}
		}
		// the strip's figures are acme's, and its title says so (not "Floor" / "全场")
		waitFor(t, pctx, 10*time.Second, "the strip titled with the project", func() bool { return textOf(pctx, "floor-title") == "Acme telecom" })
		if s := textOf(pctx, "tile-sales-sl-target"); !strings.Contains(s, "80") {
			t.Errorf("%s: sales' SL target %q, want acme's 80 %%", lang, s)
		}
		screenshot(t, pctx, artifacts, "projects-pm-wallboard-"+lang+".png")
		do(t, pctx, "calls", chromedp.Navigate(base+"/calls"), chromedp.WaitVisible(byTestID("calls-search")))
		jsClick(t, pctx, "calls-search")
		waitFor(t, pctx, 15*time.Second, "calls listed", func() bool { return count(pctx, `[data-testid^="calls-row-"]`) > 0 })
		for _, id := range other {
			if present(pctx, "calls-row-"+id) {
				t.Errorf("%s: the project manager's calls page shows call %s of another project", lang, id)
			}
		}
		screenshot(t, pctx, artifacts, "projects-pm-calls-"+lang+".png")
		closePM()
	}
}

// closeDropdowns closes an open multi-select's list (a click on the dialog's title), so that the
// next select's click is not swallowed by it.
func closeDropdowns(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx, "close the list", chromedp.Click(chromedp.CSS(`[data-testid="project-dialog"] .el-dialog__title`))) // a real mouse press: the select's click-outside
	time.Sleep(300 * time.Millisecond)
}
