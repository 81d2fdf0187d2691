package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/telephony/sim"
	"github.com/chromedp/chromedp"
)

// fillInput types a value into an input as a user would (Vue's v-model hears the input event),
// replacing what was there, then leaves it (blur: its form rules run again).
func fillInput(t *testing.T, ctx context.Context, testID, value string) {
	t.Helper()
	js := fmt.Sprintf(`(() => { const e = document.querySelector('[data-testid=%q]'); if (!e) return false;
		e.focus(); e.value = %q; e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); e.dispatchEvent(new Event("blur")); return true })()`, testID, value)
	waitFor(t, ctx, 10*time.Second, "input "+testID, func() bool {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		return err == nil && ok
	})
}

// clickThen clicks an element (in the page: a table may still be laying itself out, moving
// the button under a mouse click) and waits until another is visible (a dialog's field).
func clickThen(t *testing.T, ctx context.Context, click, then string) {
	t.Helper()
	jsClick(t, ctx, click)
	waitFor(t, ctx, 10*time.Second, then+" after clicking "+click, func() bool { return visible(ctx, then) })
}

// clickUntilPresent clicks an element from the page until another appears: a click that lands
// while a dialog is still animating can be lost, and one lost click must not fail the test. It
// clicks again only while the element it waits for is absent, so a click is never repeated once
// it has taken effect.
func clickUntilPresent(t *testing.T, ctx context.Context, click, then string) {
	t.Helper()
	waitFor(t, ctx, 15*time.Second, then+" after clicking "+click, func() bool {
		if visible(ctx, then) {
			return true
		}
		if !present(ctx, then) {
			_, _ = chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(e => { if (!e || e.offsetParent === null) return false; e.click(); return true })(document.querySelector('[data-testid=%q]'))`, click)))
		}
		time.Sleep(400 * time.Millisecond)
		return visible(ctx, then)
	})
}

// jsClick clicks an element once it is visible, from the page.
func jsClick(t *testing.T, ctx context.Context, testID string) {
	t.Helper()
	waitFor(t, ctx, 10*time.Second, testID+" to click", func() bool {
		if strings.HasPrefix(testID, "nav-") { // an entry of a closed navigation group: open it
			_, _ = chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(openNavGroupJS, testID)))
		}
		ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(e => { if (!e || e.offsetParent === null) return false; e.click(); return true })(document.querySelector('[data-testid=%q]'))`, testID)))
		return ok
	})
}

// elFieldError is the validation message Element Plus shows under the form item of an input.
func elFieldError(ctx context.Context, testID string) string {
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => { const e = document.querySelector('[data-testid=%q]');
		const m = e && e.closest('.el-form-item') && e.closest('.el-form-item').querySelector('.el-form-item__error'); return m ? m.textContent.trim() : "" })()`, testID)))
	return s
}

// confirmBox clicks the confirming button of the Element Plus message box on screen.
func confirmBox(t *testing.T, ctx context.Context) {
	t.Helper()
	waitFor(t, ctx, 10*time.Second, "the confirmation", func() bool {
		ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const b = [...document.querySelectorAll('.el-message-box__btns .el-button--primary')].find(e => e.offsetParent !== null);
			if (!b) return false; b.click(); return true })()`))
		return ok
	})
}

// postInPage POSTs JSON to a same-origin path with the page's session cookie (and its Origin).
func postInPage(t *testing.T, ctx context.Context, path, body string) (int, string) {
	t.Helper()
	type fetched struct {
		Status int    `json:"status"`
		Body   string `json:"body"`
	}
	js := fmt.Sprintf(`fetch(%q, {method: "POST", credentials: "same-origin", headers: {"Content-Type": "application/json"}, body: %q}).then(async r => ({status: r.status, body: await r.text()}))`, path, body)
	out, err := chromedp.Run(ctx, chromedp.Evaluate[fetched](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("POST %s in the page: %v", path, err)
	}
	return out.Status, out.Body
}

// The administration screens in both languages (issue 10, "done when"): an admin creates a
// queue, an agent serving it and a supervisor with a phone endpoint through the screens; the
// agent takes a call of the new queue and the new supervisor, signed in, listens in on it from
// her own phone: the simulator shows the snoop on the agent's leg bridged with her phone.
func TestBrowserAdminCreatesSupervisorWhoListens(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	m, base, tok := startDemo(t, 5)
	v1 := base + "/api/v1"
	artifacts := artifactsDir(t)
	const pw = "a long enough password"

	for i, lang := range []string{"en", "zh-CN"} {
		sfx := map[string]string{"en": "en", "zh-CN": "zh"}[lang]
		queue, agent, sup, team := "vip-"+sfx, fmt.Sprintf("19%02d", i+1), "sue-"+sfx, "night-"+sfx
		phone := fmt.Sprintf("Local/70%02d@agents", i+1)
		actx, closeAdmin := ownTab(t, ctx)
		loginUI(t, actx, base, "root", pw, "nav-admin")
		if lang != "en" {
			switchLang(t, actx, lang)
		}
		tr := func(en, zh string) string {
			if lang == "en" {
				return en
			}
			return zh
		}

		// a team, created and deleted (with a confirmation)
		do(t, actx, "teams tab", chromedp.Navigate(base+"/admin/teams"), chromedp.WaitVisible(byTestID("teams-new")))
		clickThen(t, actx, "teams-new", "team-id")
		fillInput(t, actx, "team-id", team)
		fillInput(t, actx, "team-name", "Night "+sfx)
		do(t, actx, "save team", chromedp.Click(byTestID("team-save")))
		waitFor(t, actx, 10*time.Second, "team "+team+" listed", func() bool { return present(actx, "team-delete-"+team) })
		if code, _ := api(t, "GET", v1+"/teams/"+team, tok, ""); code != 200 {
			t.Fatalf("%s: team %s not created: %d", lang, team, code)
		}
		jsClick(t, actx, "team-delete-"+team)
		confirmBox(t, actx)
		waitFor(t, actx, 10*time.Second, "team "+team+" deleted", func() bool {
			code, _ := api(t, "GET", v1+"/teams/"+team, tok, "")
			return code == 404 && !present(actx, "team-delete-"+team)
		})

		// the queue
		do(t, actx, "queues tab", chromedp.Navigate(base+"/admin/queues"), chromedp.WaitVisible(byTestID("queues-new")))
		clickThen(t, actx, "queues-new", "queue-name")
		fillInput(t, actx, "queue-name", "sales") // taken: the server's refusal shows in the dialog
		do(t, actx, "save a queue that exists", chromedp.Click(byTestID("queue-save")))
		waitFor(t, actx, 10*time.Second, "the conflict shown", func() bool { return strings.Contains(textOf(actx, "queue-error"), "sales") })
		fillInput(t, actx, "queue-name", "no spaces allowed")
		do(t, actx, "save a bad queue", chromedp.Click(byTestID("queue-save")))
		wantIDRule := tr("1 to 64 letters, digits, _ . or -, starting with a letter or digit.", "1 到 64 个字母、数字、_ . 或 -，以字母或数字开头。")
		waitFor(t, actx, 5*time.Second, "the queue name's rule", func() bool { return elFieldError(actx, "queue-name") == wantIDRule })
		fillInput(t, actx, "queue-name", queue)
		elSelect(t, actx, "queue-strategy", tr("Fewest calls today", "今日通话最少"))
		screenshot(t, actx, artifacts, "admin-queue-dialog-"+sfx+".png")
		do(t, actx, "save queue", chromedp.Click(byTestID("queue-save")))
		waitFor(t, actx, 10*time.Second, "queue "+queue+" listed", func() bool { return present(actx, "queue-edit-"+queue) })
		code, q := api(t, "GET", v1+"/queues/"+queue, tok, "")
		if code != 200 || q["strategy"] != "fewest_calls" || q["ring_timeout_s"] != 15.0 || q["sl_target"] != 0.8 {
			t.Fatalf("%s: queue %s: %d %v", lang, queue, code, q)
		}
		screenshot(t, actx, artifacts, "admin-queues-"+sfx+".png")

		// the agent, serving the new queue
		do(t, actx, "agents tab", chromedp.Navigate(base+"/admin/agents"), chromedp.WaitVisible(byTestID("agents-new")))
		clickThen(t, actx, "agents-new", "agent-id")
		fillInput(t, actx, "agent-id", agent)
		fillInput(t, actx, "agent-name", "Zed "+sfx)
		fillInput(t, actx, "agent-endpoint", "Local/"+agent+"@agents")
		clickUntilPresent(t, actx, "agent-add-queue", "agent-skill-queue-0")
		elSelect(t, actx, "agent-skill-queue-0", queue)
		screenshot(t, actx, artifacts, "admin-agent-dialog-"+sfx+".png")
		do(t, actx, "save agent", chromedp.Click(byTestID("agent-save")))
		waitFor(t, actx, 10*time.Second, "agent "+agent+" listed", func() bool { return present(actx, "agent-edit-"+agent) })
		code, ag := api(t, "GET", v1+"/agents/"+agent, tok, "")
		if sk, _ := ag["skills"].(map[string]any); code != 200 || ag["endpoint"] != "Local/"+agent+"@agents" || len(sk) != 1 || sk[queue] != 5.0 {
			t.Fatalf("%s: agent %s: %d %v", lang, agent, code, ag)
		}

		// the supervisor with her phone; a phone with a space is refused by the form first
		do(t, actx, "users tab", chromedp.Navigate(base+"/admin/users"), chromedp.WaitVisible(byTestID("users-new")))
		clickThen(t, actx, "users-new", "user-username")
		fillInput(t, actx, "user-username", sup)
		fillInput(t, actx, "user-display-name", "Sue "+sfx)
		fillInput(t, actx, "user-password", pw)
		elSelect(t, actx, "user-role", tr("Supervisor", "主管"))
		fillInput(t, actx, "user-phone", "Local/70 01@agents")
		do(t, actx, "save with a bad phone", chromedp.Click(byTestID("user-save")))
		wantDial := tr("An Asterisk dial string such as PJSIP/2001 (at most 128 characters, no spaces or commas).", "Asterisk 拨号串，例如 PJSIP/2001（最多 128 个字符，不含空格和逗号）。")
		waitFor(t, actx, 5*time.Second, "the phone's rule", func() bool { return elFieldError(actx, "user-phone") == wantDial })
		fillInput(t, actx, "user-phone", phone)
		screenshot(t, actx, artifacts, "admin-user-dialog-"+sfx+".png")
		do(t, actx, "save user", chromedp.Click(byTestID("user-save")))
		waitFor(t, actx, 10*time.Second, "user "+sup+" listed", func() bool { return present(actx, "user-edit-"+sup) })
		_, users := api(t, "GET", v1+"/users", tok, "")
		found := false
		for _, u := range users["users"].([]any) {
			if u := u.(map[string]any); u["username"] == sup {
				found = u["role"] == "supervisor" && u["phone_endpoint"] == phone && u["display_name"] == "Sue "+sfx
			}
		}
		if !found {
			t.Fatalf("%s: supervisor %s: %v", lang, sup, users)
		}
		do(t, actx, "search users", chromedp.WaitVisible(byTestID("users-search")))
		fillInput(t, actx, "users-search", sup)
		waitFor(t, actx, 5*time.Second, "the search", func() bool { return count(actx, `[data-testid^="user-edit-"]`) == 1 })
		screenshot(t, actx, artifacts, "admin-users-"+sfx+".png")

		// a call of the new queue, answered by the new agent
		if code, body := api(t, "POST", v1+"/agents/"+agent+"/login", tok, ""); code != 200 {
			t.Fatalf("%s: log in %s: %d %v", lang, agent, code, body)
		}
		// ten minutes: the supervisor logs in meanwhile (a minute on a loaded machine)
		if _, err := m.Sim.PlaceCall(sim.CallerSpec{Queue: queue, Number: "5550190", TalkFor: 10 * time.Minute}); err != nil {
			t.Fatal(err)
		}
		var callID, agentChan string
		waitFor(t, actx, 60*time.Second, "agent "+agent+" talking", func() bool {
			st := agentState(t, m, tok, agent)
			if strings.HasPrefix(st, "paused/") { // a missed ring in the simulation: back to work
				api(t, "POST", v1+"/agents/"+agent+"/unpause", tok, "")
			}
			_, body := api(t, "GET", v1+"/agents/"+agent, tok, "")
			s, _ := body["status"].(map[string]any)
			c, err := m.ACD.Store().Call(t.Context(), fmt.Sprint(s["call"]))
			if s["state"] == "on_call" && err == nil && c.State == callfloor.CallTalking {
				callID, agentChan = c.ID, c.AgentChannel
				return true
			}
			return false
		})

		// the supervisor signs in and listens from her phone
		closeAdmin()
		sctx, closeSup := ownTab(t, ctx)
		loginUI(t, sctx, base, sup, pw, "nav-wallboard")
		code, out := postInPage(t, sctx, "/api/v1/agents/"+agent+"/monitor", `{"mode":"listen"}`)
		if code != 200 || !strings.Contains(out, phone) {
			t.Fatalf("%s: listen: %d %s", lang, code, out)
		}
		snoop, phoneCh, bridge := "cf-"+callID+"-s1", "cf-"+callID+"-p1", "cf-"+callID+"-m1"
		waitFor(t, sctx, 10*time.Second, "the supervisor's phone bridged with the snoop", func() bool {
			target, spy, whisper, ok := m.Sim.Snoop(snoop)
			members := strings.Join(m.Sim.BridgeMembers(bridge), ",")
			return ok && target == agentChan && spy == "both" && whisper == "none" && strings.Contains(members, snoop) && strings.Contains(members, phoneCh)
		})
		if name := simChannelName(t, m, phoneCh); !strings.HasPrefix(name, phone) {
			t.Fatalf("%s: the monitor rang %q, not %s", lang, name, phone)
		}
		_, audit := api(t, "GET", v1+"/audit?action=monitor_listen&actor="+sup, tok, "")
		if es, _ := audit["entries"].([]any); len(es) != 1 || es[0].(map[string]any)["target_id"] != agent {
			t.Fatalf("%s: monitor audit: %v", lang, audit)
		}
		closeSup()
	}
}

// ownTab is newTab that the caller closes: with an earlier tab still open, Element Plus dialogs
// of the next one did not open in headless Chromium (the tab got no frames).
func ownTab(t *testing.T, parent context.Context) (context.Context, func()) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	return ctx, cancel
}

// simChannelName is the name the simulated Asterisk gives a channel (GET /ari/channels/{id}).
func simChannelName(t *testing.T, m *Main, id string) string {
	t.Helper()
	req := httptest.NewRequest("GET", "/ari/channels/"+url.PathEscape(id), nil)
	req.SetBasicAuth("callfloor", "callfloor-test")
	rec := httptest.NewRecorder()
	m.Sim.Handler().ServeHTTP(rec, req)
	var ch struct {
		Name string `json:"name"`
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &ch) != nil {
		t.Fatalf("sim channel %s: %d %s", id, rec.Code, rec.Body.String())
	}
	return ch.Name
}

// The audit tab in both languages: filters by who and what narrow the table, action names are in
// the user's language, and the CSV download carries the same filter with headers in the
// user's language.
func TestBrowserAuditTab(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	m, base, _ := startDemo(t, 1)
	v1 := base + "/api/v1"
	artifacts := artifactsDir(t)
	const pw = "a long enough password"
	opsTok := userToken(t, m, "olga", callfloor.RoleOperationsManager)
	for _, body := range []string{`{"id":"audit-a","name":"Audit A"}`, `{"id":"audit-b","name":"Audit B"}`} {
		if code, out := api(t, "POST", v1+"/teams", opsTok, body); code != 201 {
			t.Fatalf("team: %d %v", code, out)
		}
	}
	if code, out := api(t, "PUT", v1+"/teams/audit-a", opsTok, `{"name":"Audit A2"}`); code != 200 {
		t.Fatalf("rename: %d %v", code, out)
	}

	for _, lang := range []string{"en", "zh-CN"} {
		tr := func(en, zh string) string {
			if lang == "en" {
				return en
			}
			return zh
		}
		actx, closeTab := ownTab(t, ctx)
		loginUI(t, actx, base, "root", pw, "nav-admin")
		if lang != "en" {
			switchLang(t, actx, lang)
		}
		// olga's password reset (her sessions end), an API token created and revoked, disabled
		// and enabled again, from the users tab
		do(t, actx, "users tab", chromedp.Navigate(base+"/admin/users"), chromedp.WaitVisible(byTestID("user-reset-olga")))
		newPW := "a new password for " + lang
		clickThen(t, actx, "user-reset-olga", "reset-password")
		fillInput(t, actx, "reset-password", newPW)
		fillInput(t, actx, "reset-confirm", newPW+"!")
		do(t, actx, "save a mismatch", chromedp.Click(byTestID("reset-save")))
		waitFor(t, actx, 5*time.Second, "the mismatch", func() bool {
			return elFieldError(actx, "reset-confirm") == tr("The two passwords differ.", "两次输入的密码不一致。")
		})
		fillInput(t, actx, "reset-confirm", newPW)
		do(t, actx, "save the reset", chromedp.Click(byTestID("reset-save")))
		waitFor(t, actx, 10*time.Second, "olga's new password", func() bool {
			_, err := m.DB.Authenticate(t.Context(), "olga", newPW)
			return err == nil
		})
		clickThen(t, actx, "user-tokens-olga", "token-name")
		fillInput(t, actx, "token-name", "wallboard tv "+lang)
		// clicked from the page: a real mouse click can land on the overlay of the dialog or message
		// box that is still fading out
		jsClick(t, actx, "token-create")
		waitFor(t, actx, 10*time.Second, "the token shown once", func() bool { return strings.HasPrefix(textOf(actx, "token-secret"), "cf_") })
		secret := textOf(actx, "token-secret")
		if code, _ := api(t, "GET", v1+"/me", secret, ""); code != 200 {
			t.Fatalf("%s: the new token does not work: %d", lang, code)
		}
		screenshot(t, actx, artifacts, "admin-tokens-"+map[string]string{"en": "en", "zh-CN": "zh"}[lang]+".png")
		revoke := ""
		waitFor(t, actx, 5*time.Second, "the token's row", func() bool {
			revoke, _ = chromedp.Run(actx, chromedp.Evaluate[string](`(document.querySelector('[data-testid^="token-revoke-"]')||{dataset:{}}).dataset.testid||""`))
			return revoke != ""
		})
		jsClick(t, actx, revoke)
		confirmBox(t, actx)
		waitFor(t, actx, 10*time.Second, "the token revoked", func() bool {
			code, _ := api(t, "GET", v1+"/me", secret, "")
			return code == 401 && textOf(actx, "token-state-"+strings.TrimPrefix(revoke, "token-revoke-")) == tr("Revoked", "已吊销")
		})
		waitFor(t, actx, 10*time.Second, "the tokens dialog closed", func() bool {
			if !visible(actx, "token-name") {
				return true
			}
			chromedp.Run(actx, chromedp.Evaluate[bool](`(e => { if (e) e.click(); return !!e })(document.querySelector('[data-testid="tokens-close"]'))`))
			return false
		})
		disabled := func() bool {
			u, err := m.DB.GetUserByUsername(t.Context(), "olga")
			return err == nil && u.Disabled
		}
		jsClick(t, actx, "user-enabled-olga")
		switchOn := func() bool {
			on, _ := chromedp.Run(actx, chromedp.Evaluate[bool](`!!document.querySelector('[data-testid="user-enabled-olga"].is-checked')`))
			return on
		}
		waitFor(t, actx, 10*time.Second, "olga disabled", func() bool { return disabled() && !switchOn() })
		jsClick(t, actx, "user-enabled-olga")
		waitFor(t, actx, 10*time.Second, "olga enabled", func() bool { return !disabled() && switchOn() })

		do(t, actx, "audit tab", chromedp.Navigate(base+"/admin/audit"), chromedp.WaitVisible(byTestID("audit-search")))
		fillInput(t, actx, "audit-actor", "olga")
		do(t, actx, "search", chromedp.Click(byTestID("audit-search")))
		rows := func() int { return count(actx, `[data-testid^="audit-action-"]`) }
		waitFor(t, actx, 10*time.Second, "olga's three changes", func() bool { return rows() == 3 })
		elSelect(t, actx, "audit-action", tr("Team renamed", "重命名班组"))
		do(t, actx, "search", chromedp.Click(byTestID("audit-search")))
		waitFor(t, actx, 10*time.Second, "olga's one rename", func() bool {
			return rows() == 1 && strings.Contains(pageText(actx), tr("Team renamed", "重命名班组")) && strings.Contains(pageText(actx), "Audit A2")
		})
		screenshot(t, actx, artifacts, "admin-audit-"+map[string]string{"en": "en", "zh-CN": "zh"}[lang]+".png")

		href := attr(actx, "audit-csv", "href")
		if !strings.Contains(href, "actor=olga") || !strings.Contains(href, "action=team_updated") || !strings.Contains(href, "lang="+url.QueryEscape(lang)) {
			t.Fatalf("%s: CSV link %q", lang, href)
		}
		code, body := fetchInPage(t, actx, href)
		if code != 200 {
			t.Fatalf("%s: CSV %d %s", lang, code, body)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatalf("%s: CSV: %v\n%s", lang, err, body)
		}
		wantHead := tr("Time|User|Action|Object type|Object|Details|IP address", "时间|操作人|操作|对象类型|对象|详情|来源地址")
		if len(recs) != 2 || strings.Join(recs[0], "|") != wantHead {
			t.Fatalf("%s: CSV rows %v", lang, recs)
		}
		if r := recs[1]; r[1] != "olga" || r[2] != "team_updated" || r[4] != "audit-a" || !strings.Contains(r[5], "Audit A2") {
			t.Fatalf("%s: CSV row %v", lang, r)
		}
		closeTab()
	}
}
