package main

import (
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor/telephony/sim"
	"github.com/chromedp/chromedp"
)

// A caller waiting when Asterisk crashes is lost, not abandoned: the supervisor's wallboard shows
// it live as a small "+1 lost" under the queue's (and the floor's) abandoned count, which stays
// as it was; nothing shows while no call was lost.
func TestBrowserWallboardShowsLostCalls(t *testing.T) {
	t.Parallel()
	ctx, m, base, tok, _ := demoWithSupervisor(t)
	v1 := base + "/api/v1"
	// a queue nobody serves: its caller is still waiting when Asterisk goes down
	if code, body := api(t, "POST", v1+"/queues", tok, `{"name":"vip","ring_timeout_s":10,"wrap_up_s":5,"service_level_s":20}`); code != 201 {
		t.Fatalf("queue vip: %d %v", code, body)
	}
	loginUI(t, ctx, base, "sue", supervisorPassword, "tile-vip")
	if !present(ctx, "tile-vip-lost") || !present(ctx, "floor-lost") {
		t.Fatal("the vip tile or the floor has no place for lost calls (tile-vip-lost, floor-lost)")
	}
	if visible(ctx, "tile-vip-lost") || visible(ctx, "floor-lost") {
		t.Fatalf("lost calls shown before any was lost: %q %q", textOf(ctx, "tile-vip-lost"), textOf(ctx, "floor-lost"))
	}

	if _, err := m.Sim.PlaceCall(sim.CallerSpec{Queue: "vip", Number: "5550142"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, 15*time.Second, "the vip caller waiting", func() bool { return textOf(ctx, "tile-vip-waiting") == "1" })
	m.Sim.Crash()
	time.Sleep(300 * time.Millisecond)
	m.Sim.Restart()
	waitFor(t, ctx, 30*time.Second, `"+1 lost" on the vip tile`, func() bool {
		return visible(ctx, "tile-vip-lost") && textOf(ctx, "tile-vip-lost") == "+1 lost"
	})
	if got := textOf(ctx, "tile-vip-abandoned"); got != "0" {
		t.Errorf("vip abandoned = %q after a lost call, want 0", got)
	}
	waitFor(t, ctx, 10*time.Second, "the floor's lost figure", func() bool {
		return visible(ctx, "floor-lost") && strings.HasSuffix(textOf(ctx, "floor-lost"), " lost")
	})
	if n := number(t, textOf(ctx, "floor-abandoned")); n < 0 {
		t.Errorf("the floor's abandoned count is gone beside its lost figure: %q", textOf(ctx, "floor-abandoned"))
	}
	if title := attr(ctx, "tile-vip-lost", "title"); !strings.Contains(title, "Asterisk") {
		t.Errorf("the lost figure's tooltip %q does not say what it counts", title)
	}
	screenshot(t, ctx, artifactsDir(t), "wallboard-lost.png")

	// the same wallboard in Simplified Chinese: the lost note and the chart's legend too
	switchLang(t, ctx, "zh-CN")
	waitFor(t, ctx, 10*time.Second, `"+1 丢失" on the vip tile`, func() bool { return textOf(ctx, "tile-vip-lost") == "+1 丢失" })
	legend, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector(".u-legend")||{}).textContent||""`))
	if err != nil || legend == "" || strings.ContainsAny(legend, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		t.Errorf("the wallboard chart's legend in Chinese is %q (%v), want no English", legend, err)
	}
	screenshot(t, ctx, artifactsDir(t), "wallboard-lost-zh.png")
}
