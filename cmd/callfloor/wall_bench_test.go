package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/storage"
	"github.com/chromedp/chromedp"
)

// BenchmarkWallboardDelta500 loads the wallboard with 500 agents in headless Chromium and
// measures how long the page takes to apply one live delta: from the message's arrival,
// through the state merge and Vue's DOM update, to the layout it causes (forced at once), as
// the page itself times it (window.__cfDeltaTimes, performance.now). Each iteration changes one
// agent's state through the API (pause, then unpause), so each delta is a real one from the
// hub: that agent, its queue, its team and the floor. Reported as ms/delta (mean),
// median-ms/delta and max-ms/delta; the target is under 16 ms (one frame at 60 Hz). Then the same
// 500 agents in TV mode must fit a 1080p screen (grouped). Run it with
//
//	go test -run '^$' -bench BenchmarkWallboardDelta500 -benchtime 100x ./cmd/callfloor/
func BenchmarkWallboardDelta500(b *testing.B) {
	ctx := newBrowser(b)
	cfg := testConfig(b, testenv.RedisURL())
	cfg.Sim.Traffic = nil // a quiet floor: every delta is the benchmark's own
	cfg.Agents = make([]callfloor.Agent, 500)
	for i := range cfg.Agents {
		id := strconv.Itoa(2001 + i)
		cfg.Agents[i] = callfloor.Agent{ID: id, Name: fmt.Sprintf("Agent %d", i+1), Endpoint: "Local/" + id + "@agents",
			Team: fmt.Sprintf("team-%c", 'a'+i%10), Skills: map[string]int{cfg.Queues[i%len(cfg.Queues)].Name: 5}}
	}
	m := startMain(b, cfg, io.Discard)
	base := "http://" + m.Addr()
	tok := userToken(b, m, "root", callfloor.RoleAdmin)
	if _, err := m.DB.CreateUser(b.Context(), storage.NewUser{Username: "sue", DisplayName: "Sue", Password: supervisorPassword, Role: callfloor.RoleSupervisor}); err != nil {
		b.Fatal(err)
	}
	loginUI(b, ctx, base, "sue", supervisorPassword, "tile-sales")
	waitFor(b, ctx, 30*time.Second, "500 agent tiles", func() bool { return count(ctx, `[data-testid="agents"] .agent[data-agent]`) == 500 })
	do(b, ctx, "start timing", chromedp.Evaluate[chromedp.Void](`window.__cfDeltaTimes = []`))

	paused := map[string]bool{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := cfg.Agents[(i*37)%len(cfg.Agents)].ID
		op := "pause"
		body := `{"reason":"break"}`
		if paused[id] {
			op, body = "unpause", ""
		}
		b.StopTimer()
		if code, resp := api(b, "POST", base+"/api/v1/agents/"+id+"/"+op, tok, body); code != 200 {
			b.Fatalf("%s %s: %d %v", op, id, code, resp)
		}
		paused[id] = !paused[id]
		b.StartTimer()
		deadline := time.Now().Add(10 * time.Second)
		for {
			n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.__cfDeltaTimes.length`))
			if err == nil && n > i {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("no delta drawn for %s %s", op, id)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	b.StopTimer()
	times, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`window.__cfDeltaTimes`))
	if err != nil || len(times) == 0 {
		b.Fatalf("delta timings: %v %v", times, err)
	}
	var sum float64
	for _, v := range times {
		sum += v
	}
	slices.Sort(times)
	b.ReportMetric(sum/float64(len(times)), "ms/delta")
	b.ReportMetric(times[len(times)/2], "median-ms/delta")
	b.ReportMetric(slices.Max(times), "max-ms/delta")

	// the same 500 agents in TV mode fit a 1080p screen (condensed)
	tvOn(b, ctx, true)
	checkTVFit(b, ctx, "TV 1080p, 500 agents", 1920, 1080, 500, 36)
	screenshot(b, ctx, artifactsDir(b), "wallboard-tv-500.png")
}
