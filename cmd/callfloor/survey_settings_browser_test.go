package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// setField types value into an Element Plus input or input-number (the element with the test
// id, or the input inside it) as a user does: input, then change.
func setField(t *testing.T, ctx context.Context, testID, value string) {
	t.Helper()
	js := fmt.Sprintf(`(() => { const e = document.querySelector('[data-testid=%q]'); if (!e) return false;
		const i = e.tagName === 'INPUT' ? e : e.querySelector('input'); if (!i) return false;
		i.value = %q; i.dispatchEvent(new Event('input', {bubbles: true})); i.dispatchEvent(new Event('change', {bubbles: true})); return true })()`, testID, value)
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
	if err != nil || !ok {
		t.Fatalf("set %s = %s: %v", testID, value, err)
	}
}

// The survey settings page in both languages: an operations manager sees the queues' surveys,
// a bad prompt is refused naming its field in Chinese, the timeout is saved in seconds to two
// queues at once; the satisfaction report links to it.
func TestBrowserSurveySettings(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	m, base, root := startDemo(t, 5)
	const pw = "a long enough password"
	createUsers(t, m, storage.NewUser{Username: "olga", DisplayName: "Olga Ops", Password: pw, Role: callfloor.RoleOperationsManager})
	if code, res := api(t, "PUT", base+"/api/v1/surveys/settings/sales", root, `{"enabled":true,"on_dissatisfied":"qa_sample","prompts":{"zh":{"q1":"sound:custom/survey-q1-zh","thanks":"sound:custom/survey-thanks-zh"}}}`); code != 200 {
		t.Fatalf("sales' survey: %d %v", code, res)
	}
	loginUI(t, ctx, base, "olga", pw, "queues")
	do(t, ctx, "switch to Chinese", chromedp.Evaluate[chromedp.Void](`localStorage.setItem("callfloor.lang", "zh-CN")`))
	do(t, ctx, "open the satisfaction report", chromedp.Navigate(base+"/reports/surveys"), chromedp.WaitVisible(byTestID("srv-settings-link")))
	do(t, ctx, "follow its settings link", chromedp.Click(byTestID("srv-settings-link")), chromedp.WaitVisible(byTestID("svs-table")))
	waitFor(t, ctx, 20*time.Second, "sales' survey at 8 s", func() bool {
		return textOf(ctx, "svs-timeout-sales") == "8 秒" && textOf(ctx, "svs-state-sales") == "开启" && strings.Contains(pageText(ctx), "满意度评价设置")
	})
	do(t, ctx, "edit sales", chromedp.Click(byTestID("svs-edit-sales")), chromedp.WaitVisible(byTestID("svs-save")))
	setField(t, ctx, "svs-prompt-zh-q1", "survey.wav")
	do(t, ctx, "save", chromedp.Click(byTestID("svs-save")))
	waitFor(t, ctx, 30*time.Second, "the bad prompt refused in Chinese", func() bool {
		s := textOf(ctx, "svs-dialog-error")
		return strings.Contains(s, "第一题提示音") && strings.Contains(s, "Asterisk 语音")
	})
	setField(t, ctx, "svs-prompt-zh-q1", "sound:custom/survey-q1-zh")
	setField(t, ctx, "svs-timeout", "12")
	elSelect(t, ctx, "svs-queues", "support · default")
	fullShot(t, ctx, "/tmp/shots-survey-settings", "survey-settings-dialog-zh.png")
	do(t, ctx, "save", chromedp.Click(byTestID("svs-save")))
	waitFor(t, ctx, 30*time.Second, "12 s on sales and support", func() bool {
		return textOf(ctx, "svs-timeout-sales") == "12 秒" && textOf(ctx, "svs-timeout-support") == "12 秒" && !visible(ctx, "svs-save")
	})
	for _, q := range []string{"sales", "support"} {
		if qq, err := m.ACD.Queue(q); err != nil || qq.Survey == nil || qq.Survey.Timeout != 12*time.Second || qq.Survey.OnDissatisfied != callfloor.SurveyActionQASample {
			t.Errorf("the running %s survey: %+v %v", q, qq.Survey, err)
		}
	}
	fullShot(t, ctx, "/tmp/shots-survey-settings", "survey-settings-zh.png")
	do(t, ctx, "switch to English", chromedp.Evaluate[chromedp.Void](`localStorage.setItem("callfloor.lang", "en")`), chromedp.Reload(), chromedp.WaitVisible(byTestID("svs-table")))
	waitFor(t, ctx, 20*time.Second, "the page in English", func() bool {
		return textOf(ctx, "svs-timeout-sales") == "12 s" && strings.Contains(pageText(ctx), "Survey settings") && strings.Contains(pageText(ctx), "Puts the call into QA sampling")
	})
	fullShot(t, ctx, "/tmp/shots-survey-settings", "survey-settings-en.png")
}
