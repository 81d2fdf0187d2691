package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
)

// The wallboard's campaign tile in both languages: a running campaign's dials, connects,
// 接通率 and each team's share, moving when a dial is saved; then the outbound daily report page
// shows the same calls from the history.
func TestBrowserCampaignTileAndOutboundReport(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	m, base, _ := startDemo(t, 5)
	bg := context.Background()
	const pw = "a long enough password"
	createUsers(t, m, storage.NewUser{Username: "sue", DisplayName: "Sue Supervisor", Password: pw, Role: callfloor.RoleSupervisor})
	loc := m.Config.Location()
	store := realtime.New(m.Redis, m.Config.Prefix).WithLocation(loc)
	c := callfloor.NewCampaign("renew", "信用卡分期续呼")
	c.CallerIDs, c.Teams, c.DailyDialTarget, c.DailyConnectTarget = []string{"02160001234"}, []string{"team-a", "team-b"}, 40, 12
	if _, err := m.DB.PutCampaign(bg, c); err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for i := range 10 {
		rows = append(rows, []string{fmt.Sprintf("1391234%04d", i)})
	}
	if _, err := m.DB.ImportLeads(bg, "renew", "十二月名单", "dec.xlsx", "sue", []string{"手机"}, rows, storage.LeadMapping{Phone: "手机"}); err != nil {
		t.Fatal(err)
	}
	leads, err := m.DB.ClaimLeads(bg, "renew", 10, time.Now(), func() string { return fmt.Sprintf("w13-%d", time.Now().UnixNano()) })
	if err != nil || len(leads) != 10 {
		t.Fatalf("leads %d %v", len(leads), err)
	}
	live := func() {
		if err := store.SetCampaignLive(bg, realtime.CampaignLive{ID: "renew", Name: "信用卡分期续呼", Teams: c.Teams, Status: "running", Mode: "predictive",
			LeadsLeft: int64(10 - len(leads)), DialTarget: 40, ConnectTarget: 12, DropTarget: 0.03, AgentsOn: 6, UpdatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	dial := func(agent, team string, answered, dropped bool) {
		t.Helper()
		l := leads[0]
		leads = leads[1:]
		now := time.Now()
		call := &callfloor.Call{ID: l.DialID, Direction: callfloor.Outbound, State: callfloor.CallDialing, CalledNumber: l.Phone, Agent: agent,
			EnteredAt: now, CampaignID: "renew", LeadID: l.ID}
		if err := store.SaveCall(bg, realtime.CallChange{Call: call, Event: &callfloor.Event{Type: callfloor.EvCallEntered, At: now, Call: call},
			CampaignInc: map[string]int64{realtime.CampDials: 1}}); err != nil {
			t.Fatal(err)
		}
		end := *call
		end.State, end.EndedAt = callfloor.CallEnded, now.Add(90*time.Second)
		inc := map[string]int64{}
		res, disp := callfloor.ResultBusy, ""
		switch {
		case dropped:
			end.AnsweredAt, end.Outcome, end.Cause = now.Add(8*time.Second), callfloor.OutcomeAnswered, 16
			inc[realtime.CampAnswered], inc[realtime.CampDropped] = 1, 1
			res = callfloor.ResultDropped
		case answered:
			end.AnsweredAt, end.Outcome, end.Cause = now.Add(8*time.Second), callfloor.OutcomeAnswered, 16
			inc[realtime.CampAnswered], inc[realtime.CampConnected], inc[realtime.CampTalkMs] = 1, 1, 82000
			res, disp = callfloor.ResultAnswered, "success"
		default:
			end.Outcome, end.Cause = callfloor.OutcomeBusy, 17
			inc[realtime.CampBusy] = 1
		}
		if err := store.SaveCall(bg, realtime.CallChange{Call: &end, Event: &callfloor.Event{Type: callfloor.EvCallEnded, At: end.EndedAt, Call: &end},
			CampaignInc: inc, CampaignTeam: team}); err != nil {
			t.Fatal(err)
		}
		if _, err := m.DB.RecordAttempt(bg, storage.AttemptRecord{LeadID: l.ID, DialID: l.DialID, At: now, Result: res, CallID: l.DialID, Agent: agent, Disposition: disp}, nil); err != nil {
			t.Fatal(err)
		}
		live()
	}
	live()
	dial("1001", "team-a", true, false)
	dial("2001", "team-b", false, false)
	dial("", "", false, true)

	loginUI(t, ctx, base, "sue", pw, "queues")
	do(t, ctx, "open the wallboard", chromedp.Navigate(base+"/wallboard"), chromedp.WaitVisible(byTestID("camp-renew")))
	waitFor(t, ctx, 20*time.Second, "the tile's 3 dials", func() bool { return textOf(ctx, "camp-renew-dials") == "3" })
	if got := textOf(ctx, "camp-renew-connected"); got != "1" {
		t.Errorf("connected %q", got)
	}
	if got := textOf(ctx, "camp-renew-connect-rate"); !strings.HasPrefix(got, "33") {
		t.Errorf("connect rate %q, want 33 %%", got)
	}
	if got := textOf(ctx, "camp-renew-team-team-a"); !strings.Contains(got, "team-a") {
		t.Errorf("team-a's share %q", got)
	}
	fullShot(t, ctx, "/tmp/shots-w13-outreports", "wall-campaign-en.png")
	dial("1002", "team-a", true, false) // the tile moves
	waitFor(t, ctx, 20*time.Second, "the tile's 4 dials", func() bool {
		return textOf(ctx, "camp-renew-dials") == "4" && textOf(ctx, "camp-renew-connected") == "2"
	})

	do(t, ctx, "switch to Chinese", chromedp.Evaluate[chromedp.Void](`localStorage.setItem("callfloor.lang", "zh-CN")`), chromedp.Reload(), chromedp.WaitVisible(byTestID("camp-renew")))
	waitFor(t, ctx, 20*time.Second, "the tile in Chinese", func() bool {
		return textOf(ctx, "camp-renew-dials") == "4" && strings.Contains(pageText(ctx), "接通率") && strings.Contains(pageText(ctx), "今日外呼活动")
	})
	fullShot(t, ctx, "/tmp/shots-w13-outreports", "wall-campaign-zh.png")
	dial("2001", "team-b", false, false)
	waitFor(t, ctx, 20*time.Second, "the tile's 5 dials", func() bool { return textOf(ctx, "camp-renew-dials") == "5" })

	time.Sleep(2 * time.Second) // the history writer
	do(t, ctx, "open the outbound report", chromedp.Navigate(base+"/reports/outbound"), chromedp.WaitVisible(byTestID("out-rows")))
	waitFor(t, ctx, 20*time.Second, "the report's 5 dials", func() bool {
		return textOf(ctx, "out-dials-0") == "5" && strings.Contains(pageText(ctx), "外呼日报")
	})
	fullShot(t, ctx, "/tmp/shots-w13-outreports", "outbound-report-zh.png")
	do(t, ctx, "switch to English", chromedp.Evaluate[chromedp.Void](`localStorage.setItem("callfloor.lang", "en")`), chromedp.Reload(), chromedp.WaitVisible(byTestID("out-rows")))
	waitFor(t, ctx, 20*time.Second, "the report in English", func() bool {
		return textOf(ctx, "out-dials-0") == "5" && strings.Contains(pageText(ctx), "Connect rate (connected ÷ dials)")
	})
	fullShot(t, ctx, "/tmp/shots-w13-outreports", "outbound-report-en.png")
}
