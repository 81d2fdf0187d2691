package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A late login shows on the wallboard (today's attendance: "late N min") and in the month's
// attendance sheet (a late arrival, its minutes, the day marked late when the row opens), in
// English and in Chinese.
func TestBrowserLateLoginOnWallboardAndSheet(t *testing.T) {
	t.Parallel()
	ctx, m, base, tok, _ := demoWithSupervisor(t)
	v1 := base + "/api/v1"
	loc := m.Config.Location()
	now := time.Now().In(loc)
	start := now.Add(-40 * time.Minute).Truncate(time.Minute)
	if start.Day() != now.Day() {
		start = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
		if now.Sub(start) < 15*time.Minute {
			t.Skip("too close to midnight for a late arrival today")
		}
	}
	day := start.Format(time.DateOnly)
	end := start.Add(8 * time.Hour)
	dbx := func(sql string, args ...any) {
		t.Helper()
		if _, err := m.DB.Pool.Exec(context.Background(), sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	dbx(`INSERT INTO shifts (code, name, start_time, end_time) VALUES ('X', 'Test', $1, $2)`, start.Format("15:04"), end.Format("15:04"))
	dbx(`INSERT INTO roster_days (agent_id, day, team_id, shift_code, published, published_code) VALUES ('1001', $1, 'team-a', 'X', true, 'X')`, day)
	// Ana comes in now: out, in again, a short break (the history then holds her work since)
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := api(t, "POST", v1+"/agents/1001/logout", tok, "")
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("logout 1001: %d %v", code, body)
		}
		time.Sleep(300 * time.Millisecond) // on a call: after it
	}
	if code, body := api(t, "POST", v1+"/agents/1001/login", tok, ""); code != 200 {
		t.Fatalf("login 1001: %d %v", code, body)
	}
	for try := 0; ; try++ {
		code, body := api(t, "POST", v1+"/agents/1001/pause", tok, `{"reason":"break"}`)
		if code == 200 && body["state"] == "paused" { // not a pending pause (on a call just offered)
			break
		}
		if try > 50 {
			t.Fatalf("pause 1001: %d %v", code, body)
		}
		time.Sleep(300 * time.Millisecond)
	}
	if code, body := api(t, "POST", v1+"/agents/1001/unpause", tok, ""); code != 200 {
		t.Fatalf("unpause 1001: %d %v", code, body)
	}
	art := artifactsDir(t)

	loginUI(t, ctx, base, "sue", supervisorPassword, "nav-wallboard")
	do(t, ctx, "open the wallboard", chromedp.Navigate(base+"/wallboard"))
	// the wallboard reads today's attendance every 15 s
	var late string
	waitFor(t, ctx, 90*time.Second, "Ana late on the wallboard", func() bool {
		late = textOf(ctx, "att-late-1001")
		return strings.Contains(late, "Ana") && strings.Contains(late, "late")
	})
	if n := number(t, strings.TrimSpace(strings.SplitN(strings.SplitN(late, "late ", 2)[1], " min", 2)[0])); n < 30 || n > 60 {
		t.Errorf("wallboard says %q, want about 40 minutes late", late)
	}
	screenshot(t, ctx, art, "attendance-wallboard-en")
	switchLang(t, ctx, "zh-CN")
	waitFor(t, ctx, 10*time.Second, "迟到 on the wallboard", func() bool { return strings.Contains(textOf(ctx, "att-late-1001"), "迟到") })
	screenshot(t, ctx, art, "attendance-wallboard-zh")

	// the month's sheet: team-a, Ana late once
	do(t, ctx, "open the attendance sheet", clickNav("nav-attendance"))
	elSelect(t, ctx, "att-team", "team-a")
	waitFor(t, ctx, 30*time.Second, "Ana's late arrival in the sheet", func() bool { return textOf(ctx, "att-row-late-1001") == "1" })
	if n := number(t, textOf(ctx, "att-row-late-min-1001")); n < 30 || n > 60 {
		t.Errorf("late minutes %d in the sheet, want about 40", n)
	}
	if !strings.Contains(pageText(ctx), "迟到次数") {
		t.Errorf("the sheet is not in Chinese:\n%s", pageText(ctx))
	}
	// Ana's row opens on her days: today late
	do(t, ctx, "open Ana's days", chromedp.Evaluate[chromedp.Void](`(() => { const rows = [...document.querySelectorAll('[data-testid="att-rows"] .el-table__row')];
		const r = rows.find(r => r.textContent.includes("1001")); r.querySelector('.el-table__expand-icon').click() })()`))
	waitFor(t, ctx, 15*time.Second, "Ana's day in the detail", func() bool { return textOf(ctx, fmt.Sprintf("att-status-1001-%s", day)) != "" })
	if n := number(t, textOf(ctx, fmt.Sprintf("att-late-1001-%s", day))); n < 30 {
		t.Errorf("the day's late minutes %d", n)
	}
	screenshot(t, ctx, art, "attendance-sheet-zh")
	switchLang(t, ctx, "en")
	waitFor(t, ctx, 10*time.Second, "the sheet in English", func() bool { return strings.Contains(pageText(ctx), "Late minutes") })
	screenshot(t, ctx, art, "attendance-sheet-en")
}
