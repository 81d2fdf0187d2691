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

// A supervisor's wallboard raises a red alert when a queue crosses its red threshold (a caller
// waiting in a queue nobody serves, red at one waiting), and from an agent's tile the
// supervisor listens in on the agent's live call from their own phone (audited).
func TestBrowserRedAlertAndMonitor(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	m, base, tok := startDemo(t, 5)
	v1 := base + "/api/v1"
	artifacts := artifactsDir(t)
	const pw = "a long enough password"
	createUsers(t, m, storage.NewUser{Username: "sue", DisplayName: "Sue Supervisor", Password: pw, Role: callfloor.RoleSupervisor})
	_, users := api(t, "GET", v1+"/users", tok, "")
	var sueID any
	for _, u := range users["users"].([]any) {
		if u.(map[string]any)["username"] == "sue" {
			sueID = u.(map[string]any)["id"]
		}
	}
	if code, body := api(t, "PUT", fmt.Sprintf("%s/users/%v", v1, sueID), tok, `{"phone_endpoint":"Local/7001@agents"}`); code != 200 {
		t.Fatalf("sue's phone: %d %v", code, body)
	}
	if code, body := api(t, "POST", v1+"/queues", tok, `{"name":"vip","ring_timeout_s":10,"wrap_up_s":5,"service_level_s":20,"waiting_amber":0,"waiting_red":1}`); code != 201 {
		t.Fatalf("queue vip: %d %v", code, body)
	}

	loginUI(t, ctx, base, "sue", pw, "tile-vip")
	if visible(ctx, "alert-banner") {
		t.Errorf("an alert before anything is red: %q", textOf(ctx, "alert-banner"))
	}
	if _, err := m.Sim.PlaceCall(sim.CallerSpec{Queue: "vip", Number: "5550777", Patience: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, 15*time.Second, "the red alert for vip", func() bool {
		return visible(ctx, "alert-banner") && strings.Contains(textOf(ctx, "alert-vip"), "vip is red: waiting 1 ≥ 1")
	})
	screenshot(t, ctx, artifacts, "wallboard-red-alert.png")

	// listen in on an agent's live call from the agent's tile: Ana alone serves a queue of her own
	// and takes a long call there (one of the demo's short calls could end, and the agent go to
	// wrap-up, between finding it and clicking Listen: "Listen" then fails, as it should)
	if code, body := api(t, "POST", v1+"/queues", tok, `{"name":"monitored","ring_timeout_s":20,"wrap_up_s":5}`); code != 201 {
		t.Fatalf("queue monitored: %d %v", code, body)
	}
	const agent = "1001"
	if code, body := api(t, "PUT", v1+"/agents/"+agent, tok, `{"id":"1001","name":"Ana","endpoint":"Local/1001@agents","team":"team-a","skills":{"monitored":5}}`); code != 200 {
		t.Fatalf("1001 to monitored: %d %v", code, body)
	}
	if _, err := m.Sim.PlaceCall(sim.CallerSpec{Queue: "monitored", Number: "5550888", TalkFor: 10 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, 60*time.Second, "Ana talking with the monitored queue's caller", func() bool {
		_, body := api(t, "GET", v1+"/agents/"+agent, tok, "")
		st, _ := body["status"].(map[string]any)
		if st == nil || st["state"] != "on_call" {
			return false
		}
		c, err := m.ACD.Store().Call(t.Context(), fmt.Sprint(st["call"]))
		return err == nil && c.State == callfloor.CallTalking && c.Queue == "monitored"
	})
	// the tile may be redrawn by a live update between finding it and clicking: click until the
	// actions open
	waitFor(t, ctx, 20*time.Second, "agent "+agent+"'s actions", func() bool {
		if visible(ctx, "act-listen") {
			return true
		}
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		_ = chromedp.Do(cctx, chromedp.Click(byTestID("agent-"+agent), chromedp.NodeVisible))
		return visible(ctx, "act-listen")
	})
	do(t, ctx, "listen", chromedp.Click(byTestID("act-listen")))
	waitFor(t, ctx, 15*time.Second, "the listen started", func() bool { return strings.Contains(textOf(ctx, "act-msg"), "Listen started on") })
	screenshot(t, ctx, artifacts, "wallboard-monitor.png")
	_, audit := api(t, "GET", v1+"/audit?action=monitor_listen", tok, "")
	entries, _ := audit["entries"].([]any)
	if len(entries) != 1 || entries[0].(map[string]any)["actor"] != "sue" || entries[0].(map[string]any)["target_id"] != agent {
		t.Errorf("monitor audit: %v", entries)
	}
}
