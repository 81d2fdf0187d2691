package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The bulletins page in both languages: an admin adds a WeCom robot pointing at a local
// receiver, presses "send test"; the receiver gets a well-formed markdown message in the
// destination's language, and the run shows as sent. The token in the URL never shows on the
// page.
func TestBrowserBulletinsSendTest(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	_, base, tok := startDemo(t, 5)
	v1 := base + "/api/v1"
	artifacts := artifactsDir(t)
	var mu sync.Mutex
	var got []map[string]any
	robot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var doc map[string]any
		b, _ := io.ReadAll(r.Body)
		if json.Unmarshal(b, &doc) != nil || r.URL.Query().Get("key") == "" {
			http.Error(w, "bad request", 400)
			return
		}
		mu.Lock()
		got = append(got, doc)
		mu.Unlock()
		_, _ = w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
	}))
	defer robot.Close()
	const token = "tok-browser-0123456789"

	for i, lang := range []string{"en", "zh-CN"} {
		sfx := map[string]string{"en": "en", "zh-CN": "zh"}[lang]
		name := "floor-robot-" + sfx
		tr := func(en, zh string) string {
			if lang == "en" {
				return en
			}
			return zh
		}
		actx, _ := ownTab(t, ctx)
		loginUI(t, actx, base, "root", "a long enough password", "nav-bulletins")
		if lang != "en" {
			switchLang(t, actx, lang)
		}
		do(t, actx, "bulletins page", chromedp.Navigate(base+"/bulletins"), chromedp.WaitVisible(byTestID("bul-dest-add")))
		clickThen(t, actx, "bul-dest-add", "bul-dest-name")
		fillInput(t, actx, "bul-dest-name", name)
		fillInput(t, actx, "bul-dest-url", robot.URL+"/cgi-bin/webhook/send?key="+token)
		if lang == "en" {
			do(t, actx, "English messages", chromedp.Click(`[data-testid="bul-dest-lang"] input[value="en"]`, chromedp.NodeReady))
		}
		screenshot(t, actx, artifacts, "bulletins-destination-dialog-"+sfx+".png")
		do(t, actx, "save destination", chromedp.Click(byTestID("bul-dest-save")))
		waitFor(t, actx, 10*time.Second, name+" listed", func() bool { return present(actx, "bul-test-"+name) })
		jsClick(t, actx, "bul-test-"+name)
		sent := tr("Sent", "已发送")
		waitFor(t, actx, 30*time.Second, "the run shown as sent", func() bool {
			return visible(actx, "bul-runs-table") && strings.Contains(textOf(actx, "bul-runs-table"), sent) && strings.Contains(textOf(actx, "bul-runs-table"), name)
		})
		mu.Lock()
		n := len(got)
		var last map[string]any
		if n > 0 {
			last = got[n-1]
		}
		mu.Unlock()
		if n != i+1 || last["msgtype"] != "markdown" {
			t.Fatalf("%s: the robot got %d messages, last %v", lang, n, last)
		}
		content, _ := last["markdown"].(map[string]any)["content"].(string)
		if want := tr("Test message from callfloor", "callfloor 测试消息"); !strings.Contains(content, want) {
			t.Fatalf("%s: message %q lacks %q", lang, content, want)
		}
		screenshot(t, actx, artifacts, "bulletins-runs-"+sfx+".png")
		do(t, actx, "destinations tab", chromedp.Navigate(base+"/bulletins"), chromedp.WaitVisible(byTestID("bul-test-"+name)))
		if strings.Contains(pageText(actx), token) {
			t.Fatalf("%s: the robot's token shows on the page", lang)
		}
		screenshot(t, actx, artifacts, "bulletins-destinations-"+sfx+".png")
		// and the API agrees
		code, runs := api(t, "GET", v1+"/bulletins/runs", tok, "")
		if code != 200 || len(runs["runs"].([]any)) != i+1 {
			t.Fatalf("%s: runs %d %v", lang, code, runs)
		}
	}
}
