package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
	"github.com/callfloor/callfloor/telephony/sim"
	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

// artifactsDir is where browser tests save screenshots: $CALLFLOOR_ARTIFACTS, else a temporary
// directory.
func artifactsDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("CALLFLOOR_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// newBrowser starts headless Chromium from Debian (never a downloaded one). Without it the test
// is skipped on a developer's machine and fails under CI.
func newBrowser(t testing.TB) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("%s not installed (apt-get install chromium; deploy/test.sh does it)", chromiumPath)
		}
		t.Fatalf("CI: %s is required for the browser test: %v", chromiumPath, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.Flag("hide-scrollbars", true),
		// no dialog or menu animations (the UI honours reduced motion): a click never lands on
		// an element that is still sliding in, which lost clicks on a loaded machine
		chromedp.Flag("force-prefers-reduced-motion", true),
		chromedp.WindowSize(1600, 1000),
		chromedp.Flag("screen-info", "{1600x1000}"), // the screen TV mode's fullscreen fills
		chromedp.UserDataDir(t.TempDir()),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	if reduced, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`matchMedia('(prefers-reduced-motion: reduce)').matches`)); err != nil || !reduced {
		t.Fatalf("chromium ignored --force-prefers-reduced-motion (%v): the tests' clicks would race the UI's animations", err)
	}
	return ctx
}

func byTestID(id string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + id + `"]`) }

// openNavGroupJS opens the navigation group holding the element with test id %q, as a user does
// (a click on the group's title) when it is closed; false when the element is not in the page.
// The navigation shows its entries in collapsible groups with only the page's group open: an
// entry of a closed group is in the page, hidden.
const openNavGroupJS = `(id => { const e = document.querySelector('[data-testid="' + id + '"]'); if (!e) return false;
  const g = e.closest('.el-sub-menu'); if (g && !g.classList.contains('is-opened')) g.querySelector(':scope > .el-sub-menu__title').click();
  return true })(%q)`

// openNav waits for the navigation entry id (nav-…), opens its group and waits for it to show.
func openNav(id string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := chromedp.WaitReady(byTestID(id))(ctx, tg); err != nil {
			return err
		}
		if _, err := chromedp.Evaluate[bool](fmt.Sprintf(openNavGroupJS, id))(ctx, tg); err != nil {
			return err
		}
		_, err := chromedp.WaitVisible(byTestID(id))(ctx, tg)
		return err
	})
}

// clickNav clicks the navigation entry id (nav-…), opening its group first.
func clickNav(id string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := openNav(id)(ctx, tg); err != nil {
			return err
		}
		// clicked in the page, not at its coordinates: the group's opening animation may still
		// be moving the entry (a mouse click at where it was landed on the page behind, in the
		// full suite)
		_, err := chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="`+id+`"]').click()`)(ctx, tg)
		return err
	})
}

// textOf is an element's text, "" when it is not there.
func textOf(ctx context.Context, id string) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`(document.querySelector('[data-testid="`+id+`"]')||{}).textContent||""`))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(s)
}

// waitFor polls cond until it holds, failing the test with what the page shows.
func waitFor(t testing.TB, ctx context.Context, d time.Duration, what string, cond func() bool) {
	t.Helper()
	// at least 30 s: a step the page takes in a second took over 10 s with the suite's packages
	// side by side on two cores (the wait ends as soon as cond holds, so only a failure waits)
	d = max(d, 30*time.Second)
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			body := pageText(ctx)
			t.Fatalf("timed out after %v waiting for %s; page shows:\n%s", d, what, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func pageText(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	return s
}

func do(t testing.TB, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	// 45 s: a step waits only as long as it needs; 20 s timed out steps of four browser tests in
	// one run at load 25 (other engineers' tests beside the suite)
	tctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, actions...); err != nil {
		body := pageText(ctx)
		t.Fatalf("%s: %v; page shows:\n%s", what, err, body)
	}
}

func screenshot(t testing.TB, ctx context.Context, dir, name string) {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

func loginUI(t testing.TB, ctx context.Context, base, user, password, landing string) {
	t.Helper()
	// a minute, not do's 20 s: the login loads the whole app and its first requests, which on a
	// loaded machine (other packages' tests beside the browser's) took longer than 20 s
	lctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(lctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(byTestID("login-username")),
		chromedp.SendKeys(byTestID("login-username"), user),
		chromedp.SendKeys(byTestID("login-password"), password),
		chromedp.Click(byTestID("login-submit")),
		waitLanding(landing),
	); err != nil {
		t.Fatalf("log in as %s: %v; page shows:\n%s", user, err, pageText(ctx))
	}
}

// waitLanding waits for the element a login lands on; a navigation entry (nav-…) is shown by
// opening its group.
func waitLanding(id string) chromedp.Action[chromedp.Void] {
	if strings.HasPrefix(id, "nav-") {
		return openNav(id)
	}
	return chromedp.WaitVisible(byTestID(id))
}

func number(t *testing.T, s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return -1
	}
	return n
}

// The web UI end to end in headless Chromium: a supervisor watches the wallboard move with a
// call, no reload; an agent pauses for lunch and comes back from the desktop.
func TestBrowserWallboardAndDesktop(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t) // first: skip before starting the platform when there is no browser
	m, base, tok := startDemo(t, 5)
	artifacts := artifactsDir(t)

	bg := context.Background()
	const pw = "a long enough password"
	if _, err := m.DB.CreateUser(bg, storage.NewUser{Username: "sue", DisplayName: "Sue Supervisor", Password: pw, Role: callfloor.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.DB.CreateUser(bg, storage.NewUser{Username: "ana", DisplayName: "Ana", Password: pw, Role: callfloor.RoleAgent, AgentID: "1001", TeamID: "team-a"}); err != nil {
		t.Fatal(err)
	}
	// Ana serves no queue in this test, so no demo call races the clicks on her desktop.
	if code, body := api(t, "PUT", "http://"+m.Addr()+"/api/v1/agents/1001", tok,
		`{"id":"1001","name":"Ana","endpoint":"Local/1001@agents","team":"team-a","skills":{}}`); code != 200 {
		t.Fatalf("taking 1001 off the queues: %d %v", code, body)
	}

	// ---- the supervisor's wallboard ----
	loginUI(t, ctx, base, "sue", pw, "tile-sales")
	waitFor(t, ctx, 15*time.Second, "the sales tile's figures", func() bool {
		return number(t, textOf(ctx, "tile-sales-answered")) >= 0 && textOf(ctx, "agent-1001-state") != ""
	})
	live := textOf(ctx, "live-status")
	before := number(t, textOf(ctx, "tile-sales-answered"))
	if _, err := m.Sim.PlaceCall(sim.CallerSpec{Queue: "sales", Number: "5550199", TalkFor: 300 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, 30*time.Second, fmt.Sprintf("tile-sales-answered to rise above %d", before), func() bool {
		return number(t, textOf(ctx, "tile-sales-answered")) > before
	})
	// the wallboard is the same page: nothing reloaded it
	if nav, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`performance.getEntriesByType("navigation").length`)); nav != 1 {
		t.Errorf("the wallboard page was loaded %d times", nav)
	}
	t.Logf("wallboard updated by: %q (live = WebSocket pushes; reconnecting = REST polling while the socket is down)", live)
	time.Sleep(5500 * time.Millisecond) // a second point on the trend chart
	screenshot(t, ctx, artifacts, "wallboard.png")
	// TV mode: big type for across the room, and back
	do(t, ctx, "TV mode", chromedp.Click(byTestID("btn-tv")))
	waitFor(t, ctx, 5*time.Second, "TV mode on", func() bool {
		on, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.body.classList.contains("tv")`))
		return on
	})
	screenshot(t, ctx, artifacts, "wallboard-tv.png")
	do(t, ctx, "leave TV mode", chromedp.Click(byTestID("btn-tv")))
	waitFor(t, ctx, 5*time.Second, "TV mode off", func() bool {
		on, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.body.classList.contains("tv")`))
		return err == nil && !on
	})

	// an agent's phone puts the caller on hold: the agent's tile says so, live
	var heldAgent, heldChannel string
	waitFor(t, ctx, 30*time.Second, "an agent on a call", func() bool {
		_, body := api(t, "GET", "http://"+m.Addr()+"/api/v1/agents", tok, "")
		for _, a := range body["agents"].([]any) {
			st := a.(map[string]any)["status"].(map[string]any)
			if st["state"] != "on_call" || st["call"] == nil {
				continue
			}
			// the agent's leg is internal to the ACD: read the live call from Redis
			c, err := m.ACD.Store().Call(bg, st["call"].(string))
			if err == nil && c.State == callfloor.CallTalking && c.AgentChannel != "" {
				heldAgent, heldChannel = st["agent"].(string), c.AgentChannel
				return true
			}
		}
		return false
	})
	if err := m.Sim.Hold(heldChannel, true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, 10*time.Second, "agent "+heldAgent+"'s tile showing the hold", func() bool { return textOf(ctx, "agent-hold-"+heldAgent) == "On hold" })
	screenshot(t, ctx, artifacts, "wallboard-hold.png")
	_ = m.Sim.Hold(heldChannel, false) // the call may have ended meanwhile

	// ---- the agent's desktop, in a browser context of its own ----
	actx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	// the first action on a context opens its tab, which lives as long as that action's
	// context: open it here, not under one of do's timeouts
	if err := chromedp.Do(actx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	loginUI(t, actx, base, "ana", pw, "my-state")
	waitFor(t, actx, 60*time.Second, "Ana free to pause (available)", func() bool {
		s := textOf(actx, "my-state")
		return s == "Available" || s == "空闲"
	})
	elSelect(t, actx, "pause-reason", "Lunch")
	do(t, actx, "pause for lunch", chromedp.Click(byTestID("btn-pause")))
	waitFor(t, actx, 10*time.Second, "my-state paused/lunch", func() bool {
		s := textOf(actx, "my-state")
		return (strings.Contains(s, "Paused") && strings.Contains(s, "Lunch")) || (strings.Contains(s, "暂停") && strings.Contains(s, "午餐"))
	})
	if st := agentState(t, m, tok, "1001"); st != "paused/lunch" {
		t.Errorf("the server says 1001 is %s after the click", st)
	}
	screenshot(t, actx, artifacts, "desktop-paused.png")
	do(t, actx, "back to available", chromedp.Click(byTestID("btn-available")))
	waitFor(t, actx, 10*time.Second, "my-state available", func() bool {
		s := textOf(actx, "my-state")
		return s == "Available" || s == "空闲"
	})
	if st := agentState(t, m, tok, "1001"); st != "available/" {
		t.Errorf("the server says 1001 is %s after the click", st)
	}
	screenshot(t, actx, artifacts, "desktop-available.png")

	// the supervisor's wallboard saw Ana's pause and return (pushed or polled, no reload)
	waitFor(t, ctx, 10*time.Second, "agent-1001-state available on the wallboard", func() bool {
		return strings.HasPrefix(textOf(ctx, "agent-1001-state"), "Available")
	})

	// the same desktop in Simplified Chinese, by the language switch
	switchLang(t, actx, "zh-CN")
	waitFor(t, actx, 10*time.Second, "my-state in Chinese", func() bool { return textOf(actx, "my-state") == "空闲" })
	screenshot(t, actx, artifacts, "desktop-zh.png")

	// click-to-call, then hold the customer from the desktop and take them back; from here on
	// the simulated phones answer every call and never press hold themselves
	steady := sim.TrafficDialplan(7, 0, 0)
	m.Sim.SetDialplan(func(ep string) (sim.Behaviour, error) {
		b, err := steady(ep)
		b.HoldFor = 0
		return b, err
	})
	do(t, actx, "dial", chromedp.SendKeys(byTestID("dial-number"), "5550123"), chromedp.Click(byTestID("btn-dial")))
	waitFor(t, actx, 20*time.Second, "the customer connected: the hold button", func() bool { return visible(actx, "btn-hold") })
	do(t, actx, "hold from the desktop", chromedp.Click(byTestID("btn-hold")))
	waitFor(t, actx, 10*time.Second, "the call shown on hold", func() bool { return strings.HasPrefix(textOf(actx, "my-call-hold"), "保持中") })
	screenshot(t, actx, artifacts, "desktop-hold-zh.png")
	do(t, actx, "resume", chromedp.Click(byTestID("btn-hold")))
	waitFor(t, actx, 10*time.Second, "the call off hold", func() bool { return !visible(actx, "my-call-hold") && textOf(actx, "btn-hold") == "保持" })
}

func agentState(t *testing.T, m *Main, tok, id string) string {
	t.Helper()
	code, body := api(t, "GET", "http://"+m.Addr()+"/api/v1/agents/"+id, tok, "")
	if code != 200 {
		t.Fatalf("agent %s: %d %v", id, code, body)
	}
	st, _ := body["status"].(map[string]any)
	reason, _ := st["reason"].(string)
	return fmt.Sprint(st["state"]) + "/" + reason
}

// createUsers adds users to the demo's database.
func createUsers(t *testing.T, m *Main, users ...storage.NewUser) {
	t.Helper()
	for _, u := range users {
		if _, err := m.DB.CreateUser(context.Background(), u); err != nil {
			t.Fatalf("user %s: %v", u.Username, err)
		}
	}
}

const supervisorPassword = "a long enough password"

// demoWithSupervisor is the opening of the wallboard browser tests: headless Chromium (first, to
// skip before starting the platform when there is no browser), the demo at speed 5, and
// supervisor "sue" with password supervisorPassword, whose user ID it returns.
func demoWithSupervisor(t *testing.T) (ctx context.Context, m *Main, base, tok string, sueID int64) {
	t.Helper()
	ctx = newBrowser(t)
	m, base, tok = startDemo(t, 5)
	u, err := m.DB.CreateUser(context.Background(), storage.NewUser{Username: "sue", DisplayName: "Sue Supervisor", Password: supervisorPassword, Role: callfloor.RoleSupervisor})
	if err != nil {
		t.Fatalf("user sue: %v", err)
	}
	return ctx, m, base, tok, u.ID
}

// recordedCall places sales calls on the demo until an ended, recorded inbound call with some
// talk (answered by agent, when not "") is in the history, and returns it as the API shows it.
func recordedCall(t *testing.T, m *Main, v1, tok, agent string) map[string]any {
	t.Helper()
	from := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	deadline := time.Now().Add(60 * time.Second)
	q := "/calls?outcome=answered&recorded=true&direction=inbound&limit=500"
	if agent != "" {
		q += "&agent=" + url.QueryEscape(agent)
	}
	for {
		to := time.Now().Add(time.Minute).UTC().Format(time.RFC3339)
		code, body := api(t, "GET", v1+q+"&from="+url.QueryEscape(from)+"&to="+url.QueryEscape(to), tok, "")
		if code != 200 {
			t.Fatalf("calls: %d %v", code, body)
		}
		calls, _ := body["calls"].([]any)
		for _, c := range calls {
			c := c.(map[string]any)
			if talk, _ := c["talk_ms"].(float64); c["ended_at"] != nil && talk >= 1000 {
				return c
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ended, recorded call (agent %q) within 60 s; the latest: %v", agent, calls[:min(len(calls), 3)])
		}
		if _, err := m.Sim.PlaceCall(sim.CallerSpec{Queue: "sales", Number: "5550142", TalkFor: 10 * time.Second}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second)
	}
}

// newTab opens a browser context of its own (its own cookies), with its tab open.
func newTab(t *testing.T, parent context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// selectValue chooses an option of a <select> (or fills an <input>) as a user would: the
// change event fires.
func selectValue(t *testing.T, ctx context.Context, testID, value string) {
	t.Helper()
	js := fmt.Sprintf(`(() => { const s = document.querySelector('[data-testid=%q]'); if (!s || (s.options && ![...s.options].some(o => o.value === %q))) return false;
		s.value = %q; s.dispatchEvent(new Event("change")); return true })()`, testID, value, value)
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
	if err != nil || !ok {
		t.Fatalf("select %s = %s: %v; page shows:\n%s", testID, value, err, pageText(ctx))
	}
}

func attr(ctx context.Context, testID, name string) string {
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector('[data-testid=%q]')||{getAttribute:()=>""}).getAttribute(%q)||""`, testID, name)))
	return s
}

func present(ctx context.Context, testID string) bool {
	ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`!!document.querySelector('[data-testid=%q]')`, testID)))
	return ok
}

func count(ctx context.Context, css string) int {
	n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, css)))
	return n
}

// fetchInPage GETs a same-origin link from the page, with the page's session cookie.
func fetchInPage(t *testing.T, ctx context.Context, href string) (int, string) {
	t.Helper()
	type fetched struct {
		Status int    `json:"status"`
		Body   string `json:"body"`
	}
	js := fmt.Sprintf(`fetch(%q, {credentials: "same-origin"}).then(async r => ({status: r.status, body: await r.text()}))`, href)
	out, err := chromedp.Run(ctx, chromedp.Evaluate[fetched](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetch %s in the page: %v", href, err)
	}
	return out.Status, out.Body
}

// visible reports whether the element is there and not hidden.
func visible(ctx context.Context, testID string) bool {
	ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(e => !!e && !e.hidden && e.offsetParent !== null)(document.querySelector('[data-testid=%q]'))`, testID)))
	return ok
}

// elSelect picks an option of an Element Plus select (el-select) as a user does: a click on the
// select opens its list (teleported to the body), a click on the option whose text is
// optionText (trimmed, exact) chooses it.
func elSelect(t *testing.T, ctx context.Context, testID, optionText string) {
	t.Helper()
	do(t, ctx, "open select "+testID, chromedp.Click(byTestID(testID)))
	// A click that lands while a dialog is still opening may leave the list closed: then the
	// select is clicked again (only while no dropdown shows, so an open list is never toggled shut).
	js := fmt.Sprintf(`(() => { const items = [...document.querySelectorAll('.el-select-dropdown__item')].filter(e => e.offsetParent !== null && e.textContent.trim() === %q);
		if (items.length > 0) { items[0].click(); return true }
		const open = [...document.querySelectorAll('.el-select-dropdown')].some(e => e.offsetParent !== null);
		if (!open) { const sel = document.querySelector('[data-testid=%q]'); const w = sel && (sel.querySelector('.el-select__wrapper') || sel); if (w) w.click() }
		return false })()`, optionText, testID)
	waitFor(t, ctx, 10*time.Second, "option "+optionText+" of "+testID, func() bool {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if !ok {
			time.Sleep(200 * time.Millisecond)
		}
		return err == nil && ok
	})
}

// switchLang changes the UI's language with the language switch in the top bar.
func switchLang(t *testing.T, ctx context.Context, lang string) {
	t.Helper()
	label := map[string]string{"en": "English", "zh-CN": "简体中文"}[lang]
	elSelect(t, ctx, "lang-switch", label)
}
