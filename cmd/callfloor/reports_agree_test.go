package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/telephony/sim"
)

// The production report of today equals the wallboard's today figures, field by field: calls
// driven through the simulator and the ACD, the wallboard from the live counters in Redis, the
// report from the history the writer put in PostgreSQL (rollups, and the raw rows).
func TestProductionReportAgreesWithWallboard(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, testenv.RedisURL())
	cfg.Sim.Speed = 30
	cfg.Sim.Traffic = nil // this test's own traffic, stopped before the comparison
	m := startMain(t, cfg, io.Discard)
	url := "http://" + m.Addr()
	tok := userToken(t, m, "sup", "supervisor")
	ctx, stop := context.WithTimeout(context.Background(), 8*time.Second)
	defer stop()
	tr := sim.Traffic{App: cfg.ACD.App, Seed: 11}
	for _, q := range []string{"sales", "support", "billing"} {
		tr.Queues = append(tr.Queues, sim.QueueTraffic{Queue: q, CallsPerMinute: 3, PatienceMin: 2 * time.Second, PatienceMax: 90 * time.Second,
			TalkMin: 10 * time.Second, TalkMax: 40 * time.Second})
	}
	testenv.Eventually(t, 10*time.Second, "the ACD ready", func() bool { return m.ACD.Ready() == nil })
	_ = m.Sim.RunTraffic(ctx, tr) // until ctx ends
	fields := []string{"offered", "answered", "abandoned", "short_abandoned", "answered_within_t", "flowed_out", "lost", "handled",
		"service_level", "abandon_rate", "gross_abandon_rate", "asa_s", "aht_s"}
	var last string
	agree := func() bool {
		fl, err := m.KPI.Floor(context.Background(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if fl.Waiting > 0 || fl.Agents.OnCall > 0 || fl.Agents.Ringing > 0 || fl.Today.Answered != fl.Today.Handled {
			last = "calls still in progress"
			return false
		}
		wb, _ := json.Marshal(fl.Today)
		var wall map[string]any
		_ = json.Unmarshal(wb, &wall)
		for _, src := range []string{"rollup", "raw"} {
			code, rep := api(t, "GET", url+"/api/v1/reports/production?direction=inbound&source="+src, tok, "")
			if code != 200 {
				t.Fatalf("report: %d %v", code, rep)
			}
			tot := rep["totals"].(map[string]any)["figures"].(map[string]any)
			var diff []string
			for _, f := range fields {
				if fmt.Sprint(tot[f]) != fmt.Sprint(wall[f]) {
					diff = append(diff, fmt.Sprintf("%s: report %v wallboard %v", f, tot[f], wall[f]))
				}
			}
			if len(diff) > 0 {
				last = src + ": " + strings.Join(diff, "; ")
				return false
			}
		}
		if wall["offered"].(float64) < 5 || wall["answered"].(float64) < 3 {
			t.Fatalf("too little traffic to compare: %v", wall)
		}
		t.Logf("agreed on %v", wall)
		return true
	}
	deadline := time.Now().Add(60 * time.Second)
	for !agree() {
		if time.Now().After(deadline) {
			t.Fatalf("the report never equalled the wallboard: %s", last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
