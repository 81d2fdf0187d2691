package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
	"github.com/chromedp/chromedp"
)

// The QA pages end to end in headless Chromium: QA evaluates a call of agent 1001 while its
// recording plays in the wavesurfer.js player, the agent disputes an item from My evaluations,
// an operations manager overturns it in the disputes inbox, and the report shows the new score.
func TestBrowserQAEvaluateDisputeDecide(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	m, base, tok := startDemo(t, 5)
	v1 := base + "/api/v1"
	artifacts := artifactsDir(t)
	const pw = "a long enough password"
	createUsers(t, m,
		storage.NewUser{Username: "quinn", DisplayName: "Quinn QA", Password: pw, Role: callfloor.RoleQA},
		storage.NewUser{Username: "ana", DisplayName: "Ana", Password: pw, Role: callfloor.RoleAgent, AgentID: "1001", TeamID: "team-a"},
		storage.NewUser{Username: "olga", DisplayName: "Olga Ops", Password: pw, Role: callfloor.RoleOperationsManager})
	card := `{"id":"service","name":"Service basics","sections":[
	  {"id":"open","title":"Opening","items":[{"id":"greet","text":"Greets with the company name","kind":"yes_no","weight":1}]},
	  {"id":"comp","title":"Compliance","items":[
	    {"id":"verify","text":"Verifies the caller's identity","kind":"yes_no","weight":2,"fatal":true},
	    {"id":"tone","text":"Friendly tone","kind":"scale","max":4,"weight":2,"allow_na":true}]}]}`
	if code, body := api(t, "POST", v1+"/scorecards", tok, card); code != 201 {
		t.Fatalf("create scorecard: %d %v", code, body)
	}

	// an ended, recorded call answered by 1001: the demo's traffic plus calls placed to sales
	from := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	call := recordedCall(t, m, v1, tok, "1001")
	callID := call["id"].(string)
	t.Logf("evaluating call %s", callID)

	// the call is sampled: a plan over agent 1001's recorded calls, drawn, assigned to the QA pool
	code, plan := api(t, "POST", v1+"/qa/plans", tok, `{"name":"browser test","period":"day","plan":{"scope":"agent","per_agent":500}}`)
	if code != 201 {
		t.Fatalf("create plan: %d %v", code, plan)
	}
	drawBody := fmt.Sprintf(`{"from":%q,"to":%q,"seed":42}`, from, time.Now().Add(time.Minute).UTC().Format(time.RFC3339))
	code, draw := api(t, "POST", fmt.Sprintf("%s/qa/plans/%v/draws", v1, plan["id"]), tok, drawBody)
	if code != 201 && code != 200 {
		t.Fatalf("draw: %d %v", code, draw)
	}
	sampled := false
	for _, a := range draw["assignments"].([]any) {
		a := a.(map[string]any)
		sampled = sampled || (a["call_id"] == callID && a["evaluator"] == "quinn")
	}
	if !sampled {
		t.Fatalf("call %s not sampled for quinn: %v", callID, draw["assignments"])
	}

	// ---- QA: the worklist, then the evaluate page with the recording ----
	loginUI(t, ctx, base, "quinn", pw, "nav-qa")
	waitFor(t, ctx, 15*time.Second, "the worklist loaded", func() bool {
		s := textOf(ctx, "worklist")
		return s != "" && !strings.Contains(s, "Loading")
	})
	// the worklist names the agent, shows the talk time and says the call is not done yet
	waitFor(t, ctx, 10*time.Second, "the sampled call's row", func() bool { return present(ctx, "worklist-row-"+callID) })
	if a := textOf(ctx, "worklist-agent-"+callID); a != "Ana (1001)" {
		t.Errorf("worklist agent %q, want the name with the id", a)
	}
	wantTalk := clock(int64(call["talk_ms"].(float64)))
	if tt := textOf(ctx, "worklist-talk-"+callID); tt != wantTalk {
		t.Errorf("worklist talk time %q, want %q", tt, wantTalk)
	}
	if s := textOf(ctx, "worklist-todo-"+callID); s != "Not done" || present(ctx, "worklist-done-"+callID) {
		t.Errorf("the call not yet evaluated shows %q", s)
	}
	screenshot(t, ctx, artifacts, "qa-worklist.png")
	do(t, ctx, "open the sampled call from the worklist", chromedp.Click(byTestID("worklist-open-"+callID)),
		chromedp.WaitVisible(byTestID("item-greet")))
	// the evaluate page: the call's agent, time and length
	waitFor(t, ctx, 10*time.Second, "the call's agent, time and length", func() bool {
		return textOf(ctx, "eval-agent") == "Ana (1001)" && textOf(ctx, "eval-length") == wantTalk && textOf(ctx, "eval-when") != "…"
	})
	entered, _ := time.Parse(time.RFC3339Nano, call["entered_at"].(string))
	if w := textOf(ctx, "eval-when"); !strings.Contains(w, entered.UTC().Format("2006")) {
		t.Errorf("the call's time %q (entered %v)", w, entered)
	}
	waitFor(t, ctx, 30*time.Second, "wavesurfer ready (waveform decoded from the streamed recording)", func() bool {
		ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid="waveform"]').dataset.ready === "1"`))
		return ok
	})
	// ±5 s and the playback speed
	audioTime := func() float64 {
		ct, _ := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector('[data-testid="audio"]').currentTime`))
		return ct
	}
	do(t, ctx, "forward 5 s", chromedp.Click(byTestID("player-fwd")))
	waitFor(t, ctx, 5*time.Second, "the position 5 s in", func() bool { return audioTime() > 4.9 && audioTime() < 5.5 })
	do(t, ctx, "back 5 s twice", chromedp.Click(byTestID("player-back")), chromedp.Click(byTestID("player-back")))
	waitFor(t, ctx, 5*time.Second, "the position back at the start (never below 0)", func() bool { return audioTime() < 0.2 })
	elSelect(t, ctx, "player-speed", "1.5×")
	waitFor(t, ctx, 5*time.Second, "playback at 1.5×", func() bool {
		r, _ := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector('[data-testid="audio"]').playbackRate`))
		return r == 1.5
	})
	do(t, ctx, "play", chromedp.Click(byTestID("eval-play")))
	waitFor(t, ctx, 15*time.Second, "the audio element's currentTime to advance", func() bool { return audioTime() > 0.3 })
	do(t, ctx, "pause and pin a comment",
		chromedp.Click(byTestID("eval-play")),
		chromedp.SendKeys(byTestID("comment-text"), "No identity check here"),
		chromedp.Click(byTestID("comment-add")),
		chromedp.WaitVisible(byTestID("comment-0")))
	// a long unbroken comment wraps inside its panel: the page does not get wider
	long := strings.Repeat("x", 400)
	do(t, ctx, "pin a long unbroken comment", chromedp.SendKeys(byTestID("comment-text"), long), chromedp.Click(byTestID("comment-add")),
		chromedp.WaitVisible(byTestID("comment-1")))
	fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const c = document.querySelector('[data-testid="comment-1"]'), p = c.closest('.panel');
		return document.documentElement.scrollWidth <= window.innerWidth && c.getBoundingClientRect().right <= p.getBoundingClientRect().right + 1 && c.getBoundingClientRect().height > 40 })()`))
	if err != nil || !fits {
		t.Errorf("the long comment widens the page or leaves its panel (%v)", err)
	}
	screenshot(t, ctx, artifacts, "qa-evaluate-long-comment.png")
	// seeking: clicking the pinned comment jumps back to its moment
	do(t, ctx, "seek to the start, then to the comment", chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="audio"]').currentTime = 0`), chromedp.Click(byTestID("comment-0-seek")))
	// submit with an item unanswered: the error names it
	do(t, ctx, "answer greet only and submit", chromedp.Click(byTestID("ans-greet-yes")), chromedp.Click(byTestID("eval-submit")))
	waitFor(t, ctx, 5*time.Second, "the missing-answer error naming the item", func() bool {
		return strings.Contains(textOf(ctx, "eval-error"), "Verifies the caller's identity")
	})
	do(t, ctx, "answer the rest (verify: no, a fatal error) and submit",
		chromedp.Click(byTestID("ans-verify-no")), chromedp.Click(byTestID("ans-tone-3")), chromedp.Click(byTestID("eval-submit")))
	waitFor(t, ctx, 10*time.Second, "the evaluation submitted", func() bool { return strings.Contains(textOf(ctx, "eval-result"), "Submitted") })
	if p := textOf(ctx, "eval-preview"); !strings.Contains(p, "fatal") {
		t.Errorf("preview %q does not show the fatal error", p)
	}
	screenshot(t, ctx, artifacts, "qa-evaluate.png")

	code, body := api(t, "GET", v1+"/evaluations?agent=1001", tok, "")
	evs, _ := body["evaluations"].([]any)
	if code != 200 || len(evs) != 1 {
		t.Fatalf("evaluations: %d %v", code, body)
	}
	ev := evs[0].(map[string]any)
	evID := fmt.Sprint(ev["id"])
	if ev["score_final"] != 0.0 || ev["fatal"] != true {
		t.Fatalf("the evaluation should be fatal with score 0: %v", ev)
	}
	code, body = api(t, "GET", v1+"/evaluations/"+evID, tok, "")
	if cs, _ := body["comments"].([]any); code != 200 || len(cs) != 2 || cs[0].(map[string]any)["at_ms"].(float64) <= 0 {
		t.Errorf("the pinned comment: %d %v", code, body["comments"])
	}
	scoreBefore := reportScore(t, v1, tok)

	// one evaluation per call: the worklist shows the call done by quinn, with nothing to open,
	// and evaluating it again (the page opened directly) is refused naming the evaluation
	do(t, ctx, "back to the worklist", clickNav("nav-qa"), chromedp.WaitVisible(byTestID("worklist-row-"+callID)))
	waitFor(t, ctx, 10*time.Second, "the evaluated call marked done by quinn", func() bool {
		return textOf(ctx, "worklist-done-"+callID) == "Done · quinn"
	})
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll('[data-testid="worklist-open-%s"]').length`, callID))); err != nil || n != 0 {
		t.Errorf("the evaluated call is still offered for evaluation")
	}
	screenshot(t, ctx, artifacts, "qa-worklist-done.png")
	do(t, ctx, "open the evaluated call again and submit", chromedp.Navigate(base+"/qa/evaluate/"+url.PathEscape(callID)),
		chromedp.WaitVisible(byTestID("item-greet")),
		chromedp.Click(byTestID("ans-greet-yes")), chromedp.Click(byTestID("ans-verify-yes")), chromedp.Click(byTestID("ans-tone-4")),
		chromedp.Click(byTestID("eval-submit")))
	waitFor(t, ctx, 10*time.Second, "the second evaluation refused, naming the first and its evaluator", func() bool {
		return strings.Contains(textOf(ctx, "eval-error"), "#"+evID+" by quinn")
	})
	if code, body := api(t, "GET", v1+"/evaluations?agent=1001", tok, ""); code != 200 || len(body["evaluations"].([]any)) != 1 {
		t.Fatalf("evaluations after the refused second one: %d %v", code, body)
	}

	// the same in Chinese: the worklist's done mark, the evaluate page's call line and player
	switchLang(t, ctx, "zh-CN")
	do(t, ctx, "the worklist in Chinese", chromedp.Navigate(base+"/qa"), chromedp.WaitVisible(byTestID("worklist-done-"+callID)))
	if s := textOf(ctx, "worklist-done-"+callID); s != "已完成 · quinn" {
		t.Errorf("the done mark in Chinese: %q", s)
	}
	if s := textOf(ctx, "worklist-agent-"+callID); s != "Ana (1001)" {
		t.Errorf("the agent in Chinese: %q", s)
	}
	screenshot(t, ctx, artifacts, "zh-qa-worklist-done.png")
	do(t, ctx, "the evaluate page in Chinese", chromedp.Navigate(base+"/qa/evaluate/"+url.PathEscape(callID)), chromedp.WaitVisible(byTestID("item-greet")))
	waitFor(t, ctx, 10*time.Second, "the call line in Chinese", func() bool {
		s := textOf(ctx, "eval-call")
		return strings.Contains(s, "坐席：Ana (1001)") && strings.Contains(s, "时长："+wantTalk)
	})
	if b, f := textOf(ctx, "player-back"), textOf(ctx, "player-fwd"); b != "后退 5 秒" || f != "前进 5 秒" {
		t.Errorf("the skip buttons in Chinese: %q %q", b, f)
	}
	if a := attr(ctx, "player-speed", "title"); a != "播放速度" {
		t.Errorf("the speed's title in Chinese: %q", a)
	}
	screenshot(t, ctx, artifacts, "zh-qa-evaluate.png")
	switchLang(t, ctx, "en")

	// ---- the agent disputes the fatal item ----
	actx, cancelA := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancelA()
	if err := chromedp.Do(actx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	loginUI(t, actx, base, "ana", pw, "nav-qa-mine")
	do(t, actx, "open My evaluations and dispute",
		clickNav("nav-qa-mine"),
		chromedp.WaitVisible(byTestID("mine-dispute-"+evID)),
		chromedp.Click(byTestID("mine-dispute-"+evID)),
		chromedp.WaitVisible(byTestID("dispute-item-verify")))
	dialogSettled(t, actx)
	do(t, actx, "choose the item and give the reason",
		chromedp.Click(byTestID("dispute-item-verify")),
		chromedp.SendKeys(byTestID("dispute-reason"), "I verified the caller at the start of the call"),
	)
	screenshot(t, actx, artifacts, "qa-mine-dispute.png")
	do(t, actx, "send the dispute", chromedp.Click(byTestID("dispute-submit")))
	waitFor(t, actx, 10*time.Second, "the evaluation disputed", func() bool { return textOf(actx, "mine-status-"+evID) == "Disputed" })
	waitFor(t, actx, 10*time.Second, "the dispute dialog closed", func() bool { return !visible(actx, "dispute-reason") })
	dialogSettled(t, actx)
	switchLang(t, actx, "zh-CN")
	waitFor(t, actx, 10*time.Second, "My evaluations in Chinese", func() bool {
		return textOf(actx, "mine-status-"+evID) == "申诉中" && strings.Contains(textOf(actx, "mine-list"), "评估人")
	})
	do(t, actx, "the details in Chinese", chromedp.Click(byTestID("mine-details-"+evID)), chromedp.WaitVisible(byTestID("dispute-answer-"+evID+"-verify")))
	dialogSettled(t, actx)
	if s := textOf(actx, "dispute-answer-"+evID+"-verify"); s != "否" {
		t.Errorf("the answer in Chinese: %q", s)
	}
	screenshot(t, actx, artifacts, "zh-qa-mine.png")

	// ---- the operations manager overturns it ----
	octx, cancelO := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancelO()
	if err := chromedp.Do(octx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	loginUI(t, octx, base, "olga", pw, "nav-qa-disputes")
	do(t, octx, "open the disputes inbox", clickNav("nav-qa-disputes"),
		chromedp.WaitVisible(`[data-testid^="dispute-"][data-testid$="-decide"]`))
	dispID, err := chromedp.Run(octx, chromedp.Evaluate[string](`document.querySelector('[data-testid^="dispute-"][data-testid$="-decide"]').dataset.testid.split("-")[1]`))
	if err != nil {
		t.Fatal(err)
	}
	elSelect(t, octx, "dispute-"+dispID+"-decision", "Overturned (rescore)")
	do(t, octx, "overturn with verify: yes",
		chromedp.Click(byTestID("fix-"+dispID+"-verify-yes")),
		chromedp.SendKeys(byTestID("dispute-"+dispID+"-note"), "Identity checked at 0:03"))
	screenshot(t, octx, artifacts, "qa-disputes.png")
	do(t, octx, "decide", chromedp.Click(byTestID("dispute-"+dispID+"-decide")))
	waitFor(t, octx, 10*time.Second, "the decision confirmed", func() bool { return strings.Contains(textOf(octx, "disp-msg"), "overturned") })

	code, body = api(t, "GET", v1+"/evaluations/"+evID, tok, "")
	if code != 200 || body["fatal"] != false || body["score_final"].(float64) <= 0 || body["status"] != "decided" {
		t.Fatalf("after the decision: %d %v", code, body)
	}
	scoreAfter := reportScore(t, v1, tok)
	if !(scoreAfter > scoreBefore) {
		t.Errorf("the report's score did not rise after the overturn: %v → %v", scoreBefore, scoreAfter)
	}
	t.Logf("score %v → %v", scoreBefore, scoreAfter)

	// the reports page shows it too
	do(t, octx, "reports page", chromedp.Navigate(base+"/qa/reports"), chromedp.WaitVisible(byTestID("rep-row-0")))
	want := fmt.Sprintf("%.2f", scoreAfter)
	waitFor(t, octx, 10*time.Second, "the report's average "+want, func() bool { return strings.Contains(textOf(octx, "rep-rows"), want) })
	screenshot(t, octx, artifacts, "qa-reports.png")

	// and the scorecard editor shows the version
	do(t, octx, "scorecards page", chromedp.Navigate(base+"/qa/scorecards"), chromedp.WaitVisible(byTestID("sc-version-service")))
	if v := textOf(octx, "sc-version-service"); !strings.Contains(v, "v1") {
		t.Errorf("scorecard version shows %q", v)
	}
	screenshot(t, octx, artifacts, "qa-scorecards.png")
}

// reportScore is agent 1001's average score today from GET /qa/reports.
func reportScore(t *testing.T, v1, tok string) float64 {
	t.Helper()
	from := time.Now().Add(-24 * time.Hour).UTC().Format(time.RFC3339)
	to := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	code, body := api(t, "GET", v1+"/qa/reports?group=agent&period=day&agent=1001&from="+url.QueryEscape(from)+"&to="+url.QueryEscape(to), tok, "")
	if code != 200 {
		t.Fatalf("GET /qa/reports: %d %v", code, body)
	}
	rows, _ := body["rows"].([]any)
	var sum, n float64
	for _, r := range rows {
		r := r.(map[string]any)
		if v, ok := r["avg_score"].(float64); ok && r["key"] == "1001" {
			sum += v * r["evaluations"].(float64)
			n += r["evaluations"].(float64)
		}
	}
	if n == 0 {
		t.Fatalf("GET /qa/reports has no row of 1001 with an average score: %v", body)
	}
	return sum / n
}

// clock is a duration in ms as the UI writes it (qalogic.fmtClock): m:ss.
func clock(ms int64) string {
	s := ms / 1000
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// elDate sets an Element Plus date picker (el-date-picker) to a YYYY-MM-DD day as a user typing
// it does: the text goes into its input, then Enter.
func elDate(t *testing.T, ctx context.Context, testID, day string) {
	t.Helper()
	sel := `[data-testid="` + testID + `"]`
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return ""; return e.tagName === "INPUT" ? %q : %q })()`, sel, sel, sel+" input")
	in, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil || in == "" {
		t.Fatalf("date picker %s: %v; page shows:\n%s", testID, err, pageText(ctx))
	}
	do(t, ctx, "set "+testID+" to "+day, chromedp.Click(chromedp.CSS(in)),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).select()`, in)),
		chromedp.SendKeys(chromedp.CSS(in), day+"\r"))
	waitFor(t, ctx, 5*time.Second, testID+" showing "+day, func() bool {
		v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q).value`, in)))
		return v == day
	})
	do(t, ctx, "close the calendar", chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur(); document.body.click()`))
}

// dialogSettled waits until no Element Plus dialog is opening or closing (a click during the
// zoom lands where the element was a moment ago).
func dialogSettled(t *testing.T, ctx context.Context) {
	t.Helper()
	waitFor(t, ctx, 5*time.Second, "the dialog's animation to end", func() bool {
		return count(ctx, `[class*="dialog-fade-enter"], [class*="dialog-fade-leave"]`) == 0
	})
}
