package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
	"github.com/callfloor/callfloor/telephony/sim"
	"github.com/chromedp/chromedp"
)

// The agent desktop for a whole shift, in English and in Chinese: a caller arrives with their
// earlier calls and notes on screen; the agent asks to pause after the call (and cancels, and
// asks again), gives a disposition and a note, transfers the caller (to a queue, to a number),
// ends wrap-up early into the pending pause; then hangs up a second call and cannot end its
// wrap-up before giving the disposition the queue requires.
func TestBrowserDesktopShift(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	m, base, tok := startDemo(t, 5)
	artifacts := artifactsDir(t)
	bg := context.Background()
	const pw = "a long enough password"
	if _, err := m.DB.CreateUser(bg, storage.NewUser{Username: "ana", DisplayName: "Ana", Password: pw, Role: callfloor.RoleAgent, AgentID: "1001", TeamID: "team-a"}); err != nil {
		t.Fatal(err)
	}
	apiURL := "http://" + m.Addr() + "/api/v1"
	// a queue of Ana's own (no demo traffic), with wrap-up long enough to act in, whose calls
	// require a disposition
	if code, body := api(t, "POST", apiURL+"/queues", tok, `{"name":"desk","wrap_up_s":600,"ring_timeout_s":20}`); code != 201 {
		t.Fatalf("queue desk: %d %v", code, body)
	}
	if code, body := api(t, "PUT", apiURL+"/agents/1001", tok, `{"id":"1001","name":"Ana","endpoint":"Local/1001@agents","team":"team-a","skills":{"desk":5}}`); code != 200 {
		t.Fatalf("1001 to desk: %d %v", code, body)
	}
	if code, body := api(t, "PUT", apiURL+"/queues/desk/dispositions", tok,
		`{"disposition_required":true,"codes":[{"code":"sold","label":"Sold"},{"code":"info","label":"Information"}]}`); code != 200 {
		t.Fatalf("dispositions: %d %v", code, body)
	}
	// the simulated phones answer every call and never press hold
	steady := sim.TrafficDialplan(7, 0, 0)
	m.Sim.SetDialplan(func(ep string) (sim.Behaviour, error) {
		b, err := steady(ep)
		b.HoldFor = 0
		return b, err
	})
	// the callers' earlier calls, with a note
	for i, n := range []string{"5550142", "5550143"} {
		id := fmt.Sprintf("old-%d", i)
		if _, err := m.DB.Pool.Exec(bg, `INSERT INTO calls (id, direction, queue, node, caller_number, agent_id, entered_at, ended_at, outcome, last_event_id)
			VALUES ($1, 'inbound', 'sales', 'pbx1', $2, '1002', now() - interval '2 days', now() - interval '2 days', 'answered', '1-0')`, id, n); err != nil {
			t.Fatal(err)
		}
		if err := m.DB.SetCallDisposition(bg, storage.CallDisposition{CallID: id, Code: "sold", Label: "Sold", Note: "VIP customer, prefers email", SetBy: "ben", SetAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}

	loginUI(t, ctx, base, "ana", pw, "my-state")
	currentCall := func() string {
		_, body := api(t, "GET", apiURL+"/agents/1001", tok, "")
		st, _ := body["status"].(map[string]any)
		c, _ := st["call"].(string)
		return c
	}
	stateIs := func(en, zh string) func() bool {
		return func() bool { s := textOf(ctx, "my-state"); return strings.HasPrefix(s, en) || strings.HasPrefix(s, zh) }
	}
	runs := []struct {
		lang, number, second, transfer                 string
		lunch, saved, pauseAfter, required, sold, info string
	}{
		{"en", "5550142", "5550152", "queue", "Lunch", "Saved.", "Pause after this call", "requires a disposition", "Sold", "Information"},
		{"zh-CN", "5550143", "5550153", "number", "午餐", "已保存。", "本通话后暂停", "要求填写小结", "Sold", "Information"},
	}
	var transferred []string
	for _, r := range runs {
		if r.lang == "zh-CN" {
			switchLang(t, ctx, "zh-CN")
		}
		waitFor(t, ctx, 30*time.Second, "Ana available", stateIs("Available", "空闲"))
		if _, err := m.Sim.PlaceCall(sim.CallerSpec{Queue: "desk", Number: r.number, TalkFor: 10 * time.Minute}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, 30*time.Second, "the caller on the desktop", func() bool {
			return textOf(ctx, "my-call-number") == r.number && visible(ctx, "btn-transfer") && visible(ctx, "btn-hangup")
		})
		callID := currentCall()
		// the screen pop: the caller's earlier call and its note
		waitFor(t, ctx, 10*time.Second, "the caller's earlier calls", func() bool { return strings.Contains(textOf(ctx, "recent-calls"), "VIP customer") })
		// pause after this call: asked, cancelled, asked again
		elSelect(t, ctx, "pause-reason", r.lunch)
		if got := textOf(ctx, "btn-pause"); got != r.pauseAfter {
			t.Errorf("%s: the pause button during a call says %q, want %q", r.lang, got, r.pauseAfter)
		}
		do(t, ctx, "pause after this call", chromedp.Click(byTestID("btn-pause")))
		waitFor(t, ctx, 10*time.Second, "the pending pause shown", func() bool { return strings.Contains(textOf(ctx, "pending-pause"), r.lunch) })
		do(t, ctx, "cancel the pending pause", chromedp.Click(byTestID("btn-cancel-pending")))
		waitFor(t, ctx, 10*time.Second, "the pending pause gone", func() bool { return !visible(ctx, "pending-pause") })
		do(t, ctx, "pause after this call again", chromedp.Click(byTestID("btn-pause")))
		waitFor(t, ctx, 10*time.Second, "the pending pause shown again", func() bool { return strings.Contains(textOf(ctx, "pending-pause"), r.lunch) })
		// disposition and note, during the call
		waitFor(t, ctx, 10*time.Second, "the required marker", func() bool { return visible(ctx, "disposition-required") })
		elSelect(t, ctx, "disposition-select", r.sold)
		note := "Upgrade agreed " + r.lang
		do(t, ctx, "note", chromedp.SendKeys(byTestID("disposition-note"), note), chromedp.Click(byTestID("btn-save-disposition")))
		waitFor(t, ctx, 10*time.Second, "disposition saved", func() bool { return textOf(ctx, "disposition-msg") == r.saved })
		screenshot(t, ctx, artifacts, "desktop-call-"+r.lang+".png")
		// the transfer
		do(t, ctx, "open the transfer dialog", chromedp.Click(byTestID("btn-transfer")))
		waitFor(t, ctx, 5*time.Second, "the transfer dialog", func() bool { return visible(ctx, "btn-transfer-go") })
		if r.transfer == "queue" {
			elSelect(t, ctx, "transfer-queue", "sales")
		} else {
			do(t, ctx, "to a number", chromedp.Click(byTestID("transfer-kind-number")))
			do(t, ctx, "the number", chromedp.SendKeys(byTestID("transfer-number"), "555 0177"))
		}
		screenshot(t, ctx, artifacts, "desktop-transfer-"+r.lang+".png")
		do(t, ctx, "transfer", chromedp.Click(byTestID("btn-transfer-go")))
		waitFor(t, ctx, 15*time.Second, "the transfer dialog closed", func() bool { return !visible(ctx, "btn-transfer-go") })
		waitFor(t, ctx, 15*time.Second, "wrap-up after the transfer", stateIs("Wrap-up", "话后处理"))
		want := map[string]string{"queue": "queue:sales", "number": "number:5550177"}[r.transfer]
		c, err := m.ACD.Store().Call(bg, callID)
		if err != nil || c.TransferredTo != want || c.HangupBy == callfloor.HangupCaller {
			t.Errorf("%s: the transferred call %s: transferred_to %q hangup_by %q (%v), want %s", r.lang, callID, c.TransferredTo, c.HangupBy, err, want)
		}
		// ready: straight into the pending pause (the disposition is given)
		do(t, ctx, "ready", chromedp.Click(byTestID("btn-ready")))
		waitFor(t, ctx, 10*time.Second, "paused for lunch after wrap-up", func() bool {
			s := textOf(ctx, "my-state")
			return (strings.HasPrefix(s, "Paused") || strings.HasPrefix(s, "暂停")) && strings.Contains(s, r.lunch)
		})
		// the call record: transfer, disposition and note
		waitFor(t, ctx, 15*time.Second, "the transferred call in the history", func() bool {
			_, body := api(t, "GET", apiURL+"/calls/"+callID, tok, "")
			return body["transferred_to"] == want && body["disposition"] == "sold" && body["note"] == note
		})
		do(t, ctx, "back to available", chromedp.Click(byTestID("btn-available")))
		waitFor(t, ctx, 10*time.Second, "available", stateIs("Available", "空闲"))

		// a second call, hung up from the desktop; wrap-up cannot end before the disposition
		if _, err := m.Sim.PlaceCall(sim.CallerSpec{Queue: "desk", Number: r.second, TalkFor: 10 * time.Minute}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, 30*time.Second, "the second caller", func() bool { return textOf(ctx, "my-call-number") == r.second && visible(ctx, "btn-hangup") })
		second := currentCall()
		do(t, ctx, "hang up", chromedp.Click(byTestID("btn-hangup")))
		waitFor(t, ctx, 15*time.Second, "wrap-up after the hang-up", stateIs("Wrap-up", "话后处理"))
		if c, err := m.ACD.Store().Call(bg, second); err != nil || c.HangupBy != callfloor.HangupAgent || c.Outcome != callfloor.OutcomeAnswered {
			t.Errorf("%s: the hung-up call: %+v %v", r.lang, c, err)
		}
		do(t, ctx, "ready without a disposition", chromedp.Click(byTestID("btn-ready")))
		waitFor(t, ctx, 10*time.Second, "refused: a disposition is required", func() bool { return strings.Contains(textOf(ctx, "desk-msg"), r.required) })
		screenshot(t, ctx, artifacts, "desktop-required-"+r.lang+".png")
		elSelect(t, ctx, "disposition-select", r.info)
		do(t, ctx, "save", chromedp.Click(byTestID("btn-save-disposition")))
		waitFor(t, ctx, 10*time.Second, "disposition saved", func() bool { return textOf(ctx, "disposition-msg") == r.saved })
		do(t, ctx, "ready", chromedp.Click(byTestID("btn-ready")))
		waitFor(t, ctx, 10*time.Second, "available after wrap-up", stateIs("Available", "空闲"))
		transferred = append(transferred, callID)
	}

	// the calls page finds the transferred call by its note and shows the transfer and the disposition
	do(t, ctx, "the calls page", clickNav("nav-calls"))
	waitFor(t, ctx, 10*time.Second, "the calls page", func() bool { return visible(ctx, "calls-q") })
	do(t, ctx, "search the notes", chromedp.Click(byTestID("calls-recorded")), chromedp.SendKeys(byTestID("calls-q"), "agreed zh"), chromedp.Click(byTestID("calls-search")))
	zh := transferred[1]
	waitFor(t, ctx, 15*time.Second, "the call found by its note", func() bool {
		return strings.Contains(textOf(ctx, "calls-transfer-"+zh), "电话号码 5550177") && textOf(ctx, "calls-disposition-"+zh) == "Sold" &&
			strings.Contains(textOf(ctx, "calls-note-"+zh), "Upgrade agreed zh-CN") && !visible(ctx, "calls-row-"+transferred[0])
	})
	screenshot(t, ctx, artifacts, "calls-transfer-zh-CN.png")
}

// The admin's disposition codes per queue, with the required flag, on screen.
func TestBrowserAdminDispositions(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	m, base, tok := startDemo(t, 5)
	artifacts := artifactsDir(t)
	const pw = "a long enough password"
	if _, err := m.DB.CreateUser(context.Background(), storage.NewUser{Username: "olga", DisplayName: "Olga", Password: pw, Role: callfloor.RoleOperationsManager}); err != nil {
		t.Fatal(err)
	}
	loginUI(t, ctx, base, "olga", pw, "nav-admin")
	do(t, ctx, "the dispositions tab", chromedp.Navigate(base+"/admin/dispositions"))
	waitFor(t, ctx, 10*time.Second, "the dispositions tab", func() bool { return visible(ctx, "disp-add") && textOf(ctx, "disp-queue") != "" })
	elSelect(t, ctx, "disp-queue", "support")
	for i, c := range [][2]string{{"resolved", "Resolved"}, {"callback", "Call back"}} {
		// clicked in the page, and the row awaited: a mouse click at the button's place landed on
		// the queue select's closing list under load, and no row came (full suite, load ~10)
		// the chosen queue's codes load first (they replace the table): Add waits for them
		waitFor(t, ctx, 30*time.Second, "the queue's codes loaded", func() bool {
			ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`(b => !!b && !b.disabled)(document.querySelector('[data-testid="disp-add"]'))`))
			return ok
		})
		jsClick(t, ctx, "disp-add")
		waitFor(t, ctx, 20*time.Second, "the new code's row", func() bool { return visible(ctx, fmt.Sprintf("disp-code-%d", i)) })
		do(t, ctx, "fill the code", chromedp.SendKeys(byTestID(fmt.Sprintf("disp-code-%d", i)), c[0]), chromedp.SendKeys(byTestID(fmt.Sprintf("disp-label-%d", i)), c[1]))
	}
	do(t, ctx, "required", chromedp.Click(byTestID("disp-required")))
	do(t, ctx, "save", chromedp.Click(byTestID("disp-save")))
	waitFor(t, ctx, 10*time.Second, "saved on the server", func() bool {
		_, body := api(t, "GET", "http://"+m.Addr()+"/api/v1/queues/support/dispositions", tok, "")
		codes, _ := body["codes"].([]any)
		return body["disposition_required"] == true && len(codes) == 2 && codes[1].(map[string]any)["label"] == "Call back"
	})
	screenshot(t, ctx, artifacts, "admin-dispositions.png")
	// a bad code is refused, the field named, in Chinese
	switchLang(t, ctx, "zh-CN")
	elSelect(t, ctx, "disp-queue", "support") // the page is drawn anew in the other language
	waitFor(t, ctx, 10*time.Second, "support's codes", func() bool { return visible(ctx, "disp-code-1") })
	do(t, ctx, "add a bad code", chromedp.Click(byTestID("disp-add")), chromedp.SendKeys(byTestID("disp-code-2"), "Bad Code"), chromedp.SendKeys(byTestID("disp-label-2"), "x"),
		chromedp.Click(byTestID("disp-save")))
	waitFor(t, ctx, 10*time.Second, "the refusal", func() bool { return textOf(ctx, "disp-error") != "" })
	screenshot(t, ctx, artifacts, "admin-dispositions-zh.png")
}
