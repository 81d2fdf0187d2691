package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
	"github.com/callfloor/callfloor/telephony/sim"
)

// seedPreviewCampaign puts a running preview campaign for team-a with Chinese leads into the
// database (what the campaigns' admin pages would have set up), open all day.
func seedPreviewCampaign(t *testing.T, db *storage.DB, id string, leads [][]string) {
	t.Helper()
	ctx := context.Background()
	c := callfloor.NewCampaign(id, "车险续保回访")
	c.Mode, c.Teams = callfloor.PacePreview, []string{"team-a"}
	c.Windows = []callfloor.CallingWindow{{Days: []time.Weekday{0, 1, 2, 3, 4, 5, 6}, Start: "00:00", End: "23:59"}}
	c.SkipHolidays = false
	c.Script = "您好，请问是{{name}}先生/女士吗？我是平安车险的客服。您的{{车型}}（保单 {{保单号}}）将于{{到期日}}到期，今天为您介绍续保方案。"
	if _, err := db.PutCampaign(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportLeads(ctx, id, "11月脱保客户", "脱保.xlsx", "ops", []string{"姓名", "手机", "车型", "保单号", "到期日"}, leads,
		storage.LeadMapping{Phone: "手机", Name: "姓名", Fields: []string{"车型", "保单号", "到期日"}}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetCampaignStatus(ctx, id, "running"); err != nil {
		t.Fatal(err)
	}
}

// fullShot saves a full-page screenshot into dir (made if missing).
func fullShot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	_ = os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, name), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// An agent works a preview campaign on the desktop, in English then in Chinese: the lead card
// shows the customer, the script with the lead's fields and the details; the agent dials (the
// simulated customer answers), hangs up, cannot end wrap-up before the campaign's disposition,
// gives it (in Chinese a call-back, 预约回拨, at a time), ends wrap-up and gets the next lead.
// The campaign's live counters moved: two dials connected, one conversion.
func TestBrowserDeskLeads(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	cfg := testConfig(t, testenv.RedisURL())
	cfg.Sim.Speed = 5
	cfg.ACD.Outbound.WrapUp = 10 * time.Minute // long enough to act in
	m := startMain(t, cfg, os.Stderr)
	base, tok := "http://"+m.Addr(), userToken(t, m, "root", callfloor.RoleAdmin)
	artifacts := artifactsDir(t)
	bg := context.Background()
	const pw = "a long enough password"
	apiURL := "http://" + m.Addr() + "/api/v1"
	if _, err := m.DB.CreateUser(bg, storage.NewUser{Username: "ana", DisplayName: "Ana", Password: pw, Role: callfloor.RoleAgent, AgentID: "1001", TeamID: "team-a"}); err != nil {
		t.Fatal(err)
	}
	// Ana serves a queue of her own (no demo traffic reaches her)
	if code, body := api(t, "POST", apiURL+"/queues", tok, `{"name":"desk","wrap_up_s":600,"ring_timeout_s":20}`); code != 201 {
		t.Fatalf("queue desk: %d %v", code, body)
	}
	if code, body := api(t, "PUT", apiURL+"/agents/1001", tok, `{"id":"1001","name":"Ana","endpoint":"Local/1001@agents","team":"team-a","skills":{"desk":5}}`); code != 200 {
		t.Fatalf("1001: %d %v", code, body)
	}
	steady := sim.TrafficDialplan(7, 0, 0)
	m.Sim.SetDialplan(func(ep string) (sim.Behaviour, error) {
		b, err := steady(ep)
		b.HoldFor = 0
		return b, err
	})
	seedPreviewCampaign(t, m.DB, "renew-desk", [][]string{
		{"王芳", "13812345678", "大众朗逸", "PA-2024-0001", "2026-12-20"},
		{"李娜", "13912345678", "丰田卡罗拉", "PA-2024-0002", "2026-12-22"},
		{"张伟", "13712345678", "本田雅阁", "PA-2024-0003", "2026-12-25"},
	})

	loginUI(t, ctx, base, "ana", pw, "my-state")
	stateIs := func(en, zh string) func() bool {
		return func() bool { s := textOf(ctx, "my-state"); return strings.HasPrefix(s, en) || strings.HasPrefix(s, zh) }
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	tomorrow := time.Now().In(loc).AddDate(0, 0, 1).Format("2006-01-02") + " 10:00"
	runs := []struct {
		lang, name, car, code, required, saved string
	}{
		{"en", "王芳", "大众朗逸", "success", "campaign disposition", "Saved"},
		{"zh-CN", "李娜", "丰田卡罗拉", "callback", "外呼小结", "已保存"},
	}
	var calls []string
	for _, r := range runs {
		if r.lang == "zh-CN" {
			switchLang(t, ctx, "zh-CN")
		}
		waitFor(t, ctx, 30*time.Second, "Ana available", stateIs("Available", "空闲"))
		waitFor(t, ctx, 15*time.Second, "the next-lead button", func() bool { return visible(ctx, "btn-lead-next") })
		do(t, ctx, "next lead", chromedp.Click(byTestID("btn-lead-next")))
		waitFor(t, ctx, 15*time.Second, "the lead card", func() bool {
			return textOf(ctx, "lead-name") == r.name && strings.Contains(textOf(ctx, "lead-script"), r.name) && strings.Contains(textOf(ctx, "lead-script"), r.car)
		})
		if p := textOf(ctx, "lead-phone"); !strings.HasPrefix(p, "*******") || len(p) != 11 {
			t.Errorf("%s: the agent sees the phone %q, want it masked but its last four digits", r.lang, p)
		}
		if f := textOf(ctx, "lead-fields"); !strings.Contains(f, r.car) || !strings.Contains(f, "保单号") {
			t.Errorf("%s: the lead's details %q", r.lang, f)
		}
		fullShot(t, ctx, artifacts, "desk-lead-"+r.lang+".png")
		do(t, ctx, "dial", chromedp.Click(byTestID("btn-lead-dial")))
		waitFor(t, ctx, 30*time.Second, "the customer connected", func() bool { return visible(ctx, "btn-hold") && visible(ctx, "btn-hangup") })
		_, body := api(t, "GET", apiURL+"/agents/1001", tok, "")
		callID, _ := body["status"].(map[string]any)["call"].(string)
		calls = append(calls, callID)
		waitFor(t, ctx, 10*time.Second, "the disposition form during the call", func() bool { return visible(ctx, "campaign-disposition") })
		if visible(ctx, "disposition-card") {
			t.Errorf("%s: the queue's disposition form is offered for a campaign call", r.lang)
		}
		clickJS(ctx, "btn-hangup") // unless the simulated customer hung up first
		waitFor(t, ctx, 15*time.Second, "wrap-up", stateIs("Wrap-up", "话后处理"))
		do(t, ctx, "ready without a disposition", chromedp.Click(byTestID("btn-ready")))
		waitFor(t, ctx, 10*time.Second, "refused: the campaign's disposition is required", func() bool { return strings.Contains(textOf(ctx, "desk-msg"), r.required) })
		do(t, ctx, "pick "+r.code, chromedp.Click(byTestID("lead-disp-"+r.code)))
		if r.code == "callback" {
			waitFor(t, ctx, 5*time.Second, "the call-back picker", func() bool { return count(ctx, `[data-testid="lead-callback-at"]`) > 0 })
			elDate(t, ctx, "lead-callback-at", tomorrow)
		}
		do(t, ctx, "note", chromedp.SendKeys(byTestID("lead-disp-note"), "客户同意续保 "+r.lang))
		fullShot(t, ctx, artifacts, "desk-lead-disposition-"+r.lang+".png")
		do(t, ctx, "save", chromedp.Click(byTestID("btn-save-lead-disp")))
		waitFor(t, ctx, 10*time.Second, "saved", func() bool { return strings.Contains(textOf(ctx, "lead-disp-msg"), r.saved) })
		do(t, ctx, "ready", chromedp.Click(byTestID("btn-ready")))
		waitFor(t, ctx, 10*time.Second, "available after wrap-up", stateIs("Available", "空闲"))
	}
	// the next lead after the second: the third customer, with the history of nobody yet
	do(t, ctx, "next lead", chromedp.Click(byTestID("btn-lead-next")))
	waitFor(t, ctx, 15*time.Second, "the third lead", func() bool { return textOf(ctx, "lead-name") == "张伟" && visible(ctx, "lead-history-none") })

	// the leads and the call records
	l1, err := m.DB.LeadOfDial(bg, calls[0])
	if err != nil || l1.Status != "done" || l1.LastDisposition != "success" {
		t.Errorf("the first lead: %+v %v", l1, err)
	}
	l2, err := m.DB.LeadOfDial(bg, calls[1])
	if err != nil || l2.Status != "callback" || l2.Owner != "1001" || l2.CallbackAt == nil || l2.CallbackAt.Before(time.Now()) {
		t.Errorf("the call-back lead: %+v %v", l2, err)
	}
	waitFor(t, ctx, 15*time.Second, "the call's disposition in the history", func() bool {
		_, body := api(t, "GET", apiURL+"/calls/"+calls[1], tok, "")
		return body["disposition"] == "callback" && strings.Contains(body["note"].(string), "客户同意续保")
	})
	// the live counters
	f, err := m.ACD.Store().CampaignCounters(bg, "renew-desk", time.Now())
	if err != nil || f.Total[realtime.CampDials] != 2 || f.Total[realtime.CampConnected] != 2 || f.Total[realtime.CampSuccess] != 1 || f.Teams["team-a"][realtime.CampSuccess] != 1 {
		t.Errorf("campaign counters %+v %v", f, err)
	}
	fullShot(t, ctx, artifacts, "desk-lead-next-zh-CN.png")
}
