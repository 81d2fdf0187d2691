package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
	"github.com/chromedp/chromedp"
)

// fill replaces an input's text: emptied (with the input event the editor listens to), then
// typed key by key as a person would.
func fill(t *testing.T, ctx context.Context, id, text string) {
	t.Helper()
	actions := []chromedp.Action[chromedp.Void]{
		chromedp.WaitVisible(byTestID(id)),
		chromedp.Evaluate[chromedp.Void](`(() => { const e = document.querySelector('[data-testid="` + id + `"]'); e.focus(); e.value = ""; e.dispatchEvent(new Event("input", {bubbles: true})); })()`),
	}
	if text != "" {
		actions = append(actions, chromedp.SendKeys(byTestID(id), text))
	}
	do(t, ctx, "fill "+id, actions...)
}

func click(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	do(t, ctx, "click "+id, chromedp.Click(byTestID(id)))
}

func valueOf(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('[data-testid="`+id+`"]')||{}).value||""`))
	if err != nil {
		t.Fatalf("value of %s: %v", id, err)
	}
	return v
}

// fieldError is the message the editor shows next to field, "" when none.
func fieldError(ctx context.Context, field string) string {
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](
		`(document.querySelector('[data-testid="sc-field-error"][data-for="`+field+`"]')||{}).textContent||""`))
	return s
}

func fullScreenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	// from the top: a page scrolled down would draw its sticky bar in the middle of the picture
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`)); err != nil {
		t.Fatal(err)
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

func getScorecard(t *testing.T, url, tok string) callfloor.Scorecard {
	t.Helper()
	code, body := api(t, "GET", url, tok, "")
	if code != 200 {
		t.Fatalf("GET %s: %d %v", url, code, body)
	}
	raw, _ := json.Marshal(body)
	var sc callfloor.Scorecard
	if err := json.Unmarshal(raw, &sc); err != nil {
		t.Fatal(err)
	}
	return sc
}

// A QA specialist builds a scorecard in the structured editor — two sections, items of all three
// kinds, every flag — is stopped by a duplicate item id named next to the field, saves, edits it
// into version 2 (version 1 unchanged and readable in the UI), then sees the editor in Chinese.
func TestBrowserScorecardEditor(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	m, base, tok := startDemo(t, 5)
	v1 := base + "/api/v1"
	artifacts := artifactsDir(t)
	const pw = "a long enough password"
	if _, err := m.DB.CreateUser(context.Background(), storage.NewUser{Username: "quinn", DisplayName: "Quinn QA", Password: pw, Role: callfloor.RoleQA}); err != nil {
		t.Fatal(err)
	}

	loginUI(t, ctx, base, "quinn", pw, "nav-qa-scorecards")
	do(t, ctx, "open Scorecards, start a new one", clickNav("nav-qa-scorecards"),
		chromedp.WaitVisible(byTestID("sc-new")), chromedp.Click(byTestID("sc-new")), chromedp.WaitVisible(byTestID("sc-name")))

	fill(t, ctx, "sc-name", "Inbound service")
	if got := valueOf(t, ctx, "sc-id"); got != "inbound-service" {
		t.Errorf("the scorecard id slugged from the name: %q", got)
	}
	fill(t, ctx, "sc-bonus-cap", "8")

	// section 1: a fatal yes/no item and a 0–4 scale that allows N/A
	fill(t, ctx, "sc-sec-0-title", "Opening")
	fill(t, ctx, "sc-sec-0-weight", "40")
	fill(t, ctx, "sc-item-0-0-text", "Verifies the caller's identity")
	if got := valueOf(t, ctx, "sc-item-0-0-id"); got != "verifies_the_caller_s_identity" {
		t.Errorf("the item id slugged from its text: %q", got)
	}
	fill(t, ctx, "sc-item-0-0-id", "verify")
	fill(t, ctx, "sc-item-0-0-weight", "2")
	click(t, ctx, "sc-item-0-0-fatal")
	click(t, ctx, "sc-sec-0-add-item")
	fill(t, ctx, "sc-item-0-1-text", "Friendly tone")
	elSelect(t, ctx, "sc-item-0-1-kind", "Scale 0–k")
	fill(t, ctx, "sc-item-0-1-max", "4")
	click(t, ctx, "sc-item-0-1-na")

	// section 2: a section-fail choice with three options, a bonus item, a non-fatal item moved
	// above the bonus one
	click(t, ctx, "sc-add-section")
	fill(t, ctx, "sc-sec-1-title", "Resolution")
	fill(t, ctx, "sc-sec-1-weight", "60")
	fill(t, ctx, "sc-item-1-0-text", "Offers the right solution")
	fill(t, ctx, "sc-item-1-0-id", "solution")
	elSelect(t, ctx, "sc-item-1-0-kind", "Multiple choice")
	click(t, ctx, "sc-item-1-0-add-choice")
	for i, c := range [][2]string{{"Fully", "2"}, {"Partly", "1"}, {"Not at all", "0"}} {
		p := "sc-item-1-0-choice-" + string(rune('0'+i))
		fill(t, ctx, p+"-label", c[0])
		fill(t, ctx, p+"-points", c[1])
	}
	fill(t, ctx, "sc-item-1-0-weight", "3")
	click(t, ctx, "sc-item-1-0-section-fail")
	click(t, ctx, "sc-sec-1-add-item")
	fill(t, ctx, "sc-item-1-1-text", "Goes the extra mile")
	fill(t, ctx, "sc-item-1-1-id", "extra")
	click(t, ctx, "sc-item-1-1-bonus")
	fill(t, ctx, "sc-item-1-1-weight", "5")
	click(t, ctx, "sc-sec-1-add-item")
	fill(t, ctx, "sc-item-1-2-text", "Uses the customer's name")
	click(t, ctx, "sc-item-1-2-non-fatal")
	click(t, ctx, "sc-item-1-2-up")
	if got := valueOf(t, ctx, "sc-item-1-1-text"); got != "Uses the customer's name" {
		t.Fatalf("after moving up, item 2 of section 2 is %q", got)
	}
	// the bonus item greys out the flags it excludes
	if dis, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid="sc-item-1-2-fatal"] input').disabled`)); !dis {
		t.Error("a bonus item's fatal flag is not disabled")
	}
	if p := textOf(ctx, "sc-preview-total"); !strings.Contains(p, "105") {
		t.Errorf("the preview's perfect score should be 100 + 5 bonus: %q", p)
	}
	if s := textOf(ctx, "sc-sec-1-share"); !strings.Contains(s, "60") {
		t.Errorf("section 2's share: %q", s)
	}

	// a duplicate item id is refused before anything is sent, named next to the field
	fill(t, ctx, "sc-item-1-1-id", "verify")
	click(t, ctx, "sc-save")
	waitFor(t, ctx, 5*time.Second, "the duplicate id named next to section 2's item 2", func() bool {
		return strings.Contains(fieldError(ctx, "sections[1].items[1].id"), `Duplicate item ID “verify”`)
	})
	if s := textOf(ctx, "sc-error"); !strings.Contains(s, "Section 2 (Resolution) · item 2 · Item ID") {
		t.Errorf("the error list does not say where: %q", s)
	}
	if code, _ := api(t, "GET", v1+"/scorecards/inbound-service", tok, ""); code != 404 {
		t.Fatalf("an invalid form reached the server: GET gives %d", code)
	}
	fullScreenshot(t, ctx, artifacts, "scorecard-editor-en-error.png")
	fill(t, ctx, "sc-item-1-1-id", "name_used")
	waitFor(t, ctx, 5*time.Second, "the error gone once fixed", func() bool { return fieldError(ctx, "sections[1].items[1].id") == "" })
	fullScreenshot(t, ctx, artifacts, "scorecard-editor-en.png")
	click(t, ctx, "sc-save")
	waitFor(t, ctx, 10*time.Second, "saved as version 1", func() bool { return strings.Contains(textOf(ctx, "sc-msg"), "inbound-service version 1") })

	want := callfloor.Scorecard{ID: "inbound-service", Version: 1, Name: "Inbound service", BonusCap: 8, Sections: []callfloor.Section{
		{ID: "opening", Title: "Opening", Weight: 40, Items: []callfloor.Item{
			{ID: "verify", Text: "Verifies the caller's identity", Kind: callfloor.ItemYesNo, Weight: 2, Fatal: true},
			{ID: "friendly_tone", Text: "Friendly tone", Kind: callfloor.ItemScale, Max: 4, Weight: 1, AllowNA: true},
		}},
		{ID: "resolution", Title: "Resolution", Weight: 60, Items: []callfloor.Item{
			{ID: "solution", Text: "Offers the right solution", Kind: callfloor.ItemChoice, Weight: 3, SectionFail: true,
				Choices: []callfloor.Choice{{Label: "Fully", Points: 2}, {Label: "Partly", Points: 1}, {Label: "Not at all", Points: 0}}},
			{ID: "name_used", Text: "Uses the customer's name", Kind: callfloor.ItemYesNo, Weight: 1, NonFatal: true},
			{ID: "extra", Text: "Goes the extra mile", Kind: callfloor.ItemYesNo, Weight: 5, Bonus: true},
		}},
	}}
	if got := getScorecard(t, v1+"/scorecards/inbound-service", tok); !reflect.DeepEqual(got, want) {
		t.Fatalf("stored scorecard:\n got %+v\nwant %+v", got, want)
	}

	// ---- version 2: a weight changed, an item added ----
	do(t, ctx, "edit it", chromedp.WaitVisible(byTestID("sc-edit-inbound-service")), chromedp.Click(byTestID("sc-edit-inbound-service")),
		chromedp.WaitVisible(byTestID("sc-item-0-0-weight")))
	if h := textOf(ctx, "sc-heading"); !strings.Contains(h, "version 2") {
		t.Errorf("the edit heading should announce version 2: %q", h)
	}
	fill(t, ctx, "sc-item-0-0-weight", "3")
	click(t, ctx, "sc-sec-0-add-item")
	fill(t, ctx, "sc-item-0-2-text", "Closes the call politely")
	click(t, ctx, "sc-save")
	waitFor(t, ctx, 10*time.Second, "saved as version 2", func() bool { return strings.Contains(textOf(ctx, "sc-msg"), "inbound-service version 2") })
	if v := textOf(ctx, "sc-version-inbound-service"); !strings.Contains(v, "v2") || !strings.Contains(v, "2 versions") {
		t.Errorf("the list shows %q", v)
	}
	screenshot(t, ctx, artifacts, "scorecards-list.png")

	want2 := want
	want2.Version = 2
	want2.Sections = []callfloor.Section{want.Sections[0], want.Sections[1]}
	want2.Sections[0].Items = []callfloor.Item{want.Sections[0].Items[0], want.Sections[0].Items[1],
		{ID: "closes_the_call_politely", Text: "Closes the call politely", Kind: callfloor.ItemYesNo, Weight: 1}}
	want2.Sections[0].Items[0].Weight = 3
	if got := getScorecard(t, v1+"/scorecards/inbound-service", tok); !reflect.DeepEqual(got, want2) {
		t.Fatalf("version 2:\n got %+v\nwant %+v", got, want2)
	}
	if got := getScorecard(t, v1+"/scorecards/inbound-service?version=1", tok); !reflect.DeepEqual(got, want) {
		t.Fatalf("version 1 changed:\n got %+v\nwant %+v", got, want)
	}

	// the UI reads version 1 back, read-only
	do(t, ctx, "open the versions, then version 1", chromedp.Click(byTestID("sc-edit-inbound-service")),
		chromedp.WaitVisible(byTestID("sc-hist-v1")), chromedp.Click(byTestID("sc-hist-v1")), chromedp.WaitVisible(byTestID("sc-viewing")))
	if w, dis := valueOf(t, ctx, "sc-item-0-0-weight"), textOf(ctx, "sc-heading"); w != "2" || !strings.Contains(dis, "version 1") {
		t.Errorf("version 1 shows weight %q under %q", w, dis)
	}
	if ro, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid="sc-item-0-0-weight"]').disabled && !document.querySelector('[data-testid="sc-save"]')`)); !ro {
		t.Error("version 1 is not read-only")
	}
	fullScreenshot(t, ctx, artifacts, "scorecard-version-1.png")
	do(t, ctx, "back to the draft of version 3", chromedp.Click(byTestID("sc-back-to-edit")), chromedp.WaitVisible(byTestID("sc-save")))
	if w := valueOf(t, ctx, "sc-item-0-0-weight"); w != "3" {
		t.Errorf("the draft's weight is %q, want 3", w)
	}

	// ---- 简体中文: the open draft survives the switch; a rule broken shows in Chinese ----
	switchLang(t, ctx, "zh-CN")
	waitFor(t, ctx, 10*time.Second, "the editor in Chinese", func() bool { return strings.Contains(textOf(ctx, "sc-heading"), "保存后成为第 3 版") })
	fill(t, ctx, "sc-item-1-0-choice-2-label", "")
	click(t, ctx, "sc-save")
	waitFor(t, ctx, 5*time.Second, "the error in Chinese", func() bool {
		return strings.Contains(fieldError(ctx, "sections[1].items[0].choices[2].label"), "必填")
	})
	if s := textOf(ctx, "sc-error"); !strings.Contains(s, "保存前需修正 1 个问题") {
		t.Errorf("the Chinese error list: %q", s)
	}
	fullScreenshot(t, ctx, artifacts, "scorecard-editor-zh.png")
	if got := getScorecard(t, v1+"/scorecards/inbound-service", tok); got.Version != 2 {
		t.Errorf("an invalid draft was saved: version %d", got.Version)
	}

	// ---- retire it; its id stays taken, and the server's refusal is shown at the id ----
	do(t, ctx, "close the editor, retire", chromedp.Click(byTestID("sc-cancel")),
		chromedp.WaitVisible(byTestID("sc-retire-inbound-service")), chromedp.Click(byTestID("sc-retire-inbound-service")),
		chromedp.WaitVisible(byTestID("sc-retire-confirm-inbound-service")), chromedp.Click(byTestID("sc-retire-confirm-inbound-service")),
		chromedp.WaitVisible(byTestID("sc-retired-inbound-service")))
	if textOf(ctx, "sc-edit-inbound-service") != "" {
		t.Error("a retired scorecard still offers Edit")
	}
	code, list := api(t, "GET", v1+"/scorecards", tok, "")
	if cards, _ := list["scorecards"].([]any); code != 200 || len(cards) != 1 || cards[0].(map[string]any)["retired"] != true {
		t.Fatalf("after retiring: %d %v", code, list)
	}
	do(t, ctx, "a new scorecard under the same name", chromedp.Click(byTestID("sc-new")), chromedp.WaitVisible(byTestID("sc-name")))
	fill(t, ctx, "sc-name", "Inbound service")
	fill(t, ctx, "sc-sec-0-title", "开场")
	fill(t, ctx, "sc-item-0-0-text", "使用公司名称问候")
	if s, i := valueOf(t, ctx, "sc-sec-0-id"), valueOf(t, ctx, "sc-item-0-0-id"); s != "section_1" || i != "item" {
		t.Errorf("ids for Chinese titles: section %q, item %q", s, i)
	}
	click(t, ctx, "sc-save")
	waitFor(t, ctx, 10*time.Second, "the server's conflict (409) shown at the id, in Chinese", func() bool {
		return strings.Contains(fieldError(ctx, "id"), "已有评分表（可能已停用）使用编号“inbound-service”")
	})
	screenshot(t, ctx, artifacts, "scorecard-editor-zh-conflict.png")
}
