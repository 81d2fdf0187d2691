package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
	"github.com/chromedp/chromedp"
)

// The operations manager (who configures) clicks a shift template (start, end, a break), a
// rotation (两作两息 from an anchor day), a holiday and a make-up workday (调休) into the forms,
// then draws next month from the rotation and publishes it; agents ask for swaps on their
// desktops (a second one in the month is refused with the manuals' one-a-month limit named), and
// the team lead approves one and refuses another in the swaps inbox; the roster shows the
// approved one. In English, then again in Chinese (other codes, days and agents).
func TestBrowserRosterConfigFormsAndSwaps(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	m, base, _ := startDemo(t, 5)
	artifacts := artifactsDir(t)
	const pw = "a long enough password"
	createUsers(t, m,
		storage.NewUser{Username: "olga", DisplayName: "欧阳琳", Password: pw, Role: callfloor.RoleOperationsManager},
		storage.NewUser{Username: "lina", DisplayName: "林娜", Password: pw, Role: callfloor.RoleTeamLead, TeamID: "team-a"},
		storage.NewUser{Username: "ana", DisplayName: "安娜", Password: pw, Role: callfloor.RoleAgent, AgentID: "1001", TeamID: "team-a"},
		storage.NewUser{Username: "ben", DisplayName: "贝文", Password: pw, Role: callfloor.RoleAgent, AgentID: "1002", TeamID: "team-a"})
	loc := m.Config.Location()
	now := time.Now().In(loc)
	next := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, loc)
	month := next.Format("2006-01")
	day := func(d int) string { return fmt.Sprintf("%s-%02d", month, d) }

	ops := ctx
	loginUI(t, ops, base, "olga", pw, "nav-roster")
	lead := newTab(t, ctx)
	loginUI(t, lead, base, "lina", pw, "nav-roster")

	rounds := []struct {
		lang, code, shiftName, rotation, holiday, holidayName, workday, workdayName, agent, user, kindHoliday, kindWorkday string
		approve                                                                                                            bool
	}{
		{"en", "X", "早八班", "两作两息甲", day(8), "公司年会", day(9), "年会调休上班", "1001", "ana", "Holiday", "Make-up workday", true},
		{"zh-CN", "Y", "晚九班", "两作两息乙", day(15), "公司假日", day(16), "假日调休上班", "1002", "ben", "法定节假日", "调休上班", false},
	}
	for i, r := range rounds {
		if r.lang != "en" {
			switchLang(t, ops, r.lang)
			switchLang(t, lead, r.lang)
		}
		// the shift template
		open(t, ops, base+"/roster/shifts", "shifts-table")
		clickThen(t, ops, "shifts-add", "shift-code")
		setInput(t, ops, "shift-code", r.code)
		setInput(t, ops, "shift-name", r.shiftName)
		setInput(t, ops, "shift-start", "08:00")
		setInput(t, ops, "shift-end", "17:00")
		setInput(t, ops, "shift-breaks", "12:00-13:00")
		saveConfig(t, ops, "shifts-table", r.shiftName)
		// the rotation: two on, two off from the 1st of next month
		open(t, ops, base+"/roster/rotations", "rotations-table")
		clickThen(t, ops, "rotations-add", "rot-name")
		setInput(t, ops, "rot-name", r.rotation)
		typeDate(t, ops, "rot-anchor", day(1))
		setInput(t, ops, "rot-codes", r.code+" "+r.code+" - -")
		saveConfig(t, ops, "rotations-table", r.rotation)
		// the holiday and the make-up workday, in next month's year
		open(t, ops, base+"/roster/calendar", "calendar-table")
		if next.Year() != now.Year() {
			elSelect(t, ops, "cal-year", fmt.Sprint(next.Year()))
			if i == 0 && !visible(ops, "cal-unpublished") {
				t.Errorf("%s: a year without holidays does not say the State Council's notice is entered when published", r.lang)
			}
			screenshot(t, ops, artifacts, "roster-calendar-empty-"+r.lang+".png")
		}
		for _, c := range []struct{ day, kind, name string }{{r.holiday, r.kindHoliday, r.holidayName}, {r.workday, r.kindWorkday, r.workdayName}} {
			clickThen(t, ops, "calendar-add", "cal-name")
			typeDate(t, ops, "cal-day", c.day)
			elSelect(t, ops, "cal-kind", c.kind)
			setInput(t, ops, "cal-name", c.name)
			saveConfig(t, ops, "calendar-table", c.name)
		}
		cal, err := m.DB.HolidayCalendar(context.Background(), r.holiday, r.workday)
		if err != nil || cal[r.holiday].Kind != callfloor.DayHoliday || cal[r.workday].Kind != callfloor.DayWorkday {
			t.Fatalf("%s: the calendar holds %+v (%v)", r.lang, cal, err)
		}
		screenshot(t, ops, artifacts, "roster-calendar-"+r.lang+".png")

		// next month drawn from the new rotation and published
		open(t, ops, base+"/roster", "roster-status")
		typeDate(t, ops, "roster-month", month)
		waitFor(t, ops, 30*time.Second, "next month's roster", func() bool { return visible(ops, "roster-day-"+day(1)) })
		clickThen(t, ops, "roster-fill", "fill-all")
		elSelect(t, ops, "fill-all", r.rotation)
		jsClick(t, ops, "fill-submit")
		waitFor(t, ops, 30*time.Second, "the drawn draft", func() bool {
			return !visible(ops, "fill-dialog") && attr(ops, "roster-status", "data-status") == "draft"
		})
		do(t, ops, "publish", chromedp.Click(byTestID("roster-publish")))
		version := fmt.Sprint(i + 1)
		waitFor(t, ops, 30*time.Second, "published version "+version, func() bool {
			return attr(ops, "roster-status", "data-status") == "published" && attr(ops, "roster-status", "data-version") == version
		})
		if title := attr(ops, "roster-day-"+r.holiday, "title"); !strings.Contains(title, r.holidayName) {
			t.Errorf("%s: the holiday's header says %q", r.lang, title)
		}
		if title := attr(ops, "roster-day-"+r.workday, "title"); !strings.Contains(title, r.workdayName) {
			t.Errorf("%s: the make-up day's header says %q", r.lang, title)
		}
		screenshot(t, ops, artifacts, "roster-drawn-"+r.lang+".png")

		// the agent's published month: a working day to give away and a day off to work instead
		days, err := m.DB.AgentRoster(context.Background(), r.agent, day(1), day(28), loc)
		if err != nil {
			t.Fatal(err)
		}
		var work, off, work2, off2 string
		for _, d := range days {
			switch {
			case d.Shift == r.code && work == "":
				work = d.Day
			case d.Shift == r.code && work2 == "":
				work2 = d.Day
			case d.Shift == "" && d.Leave == "" && off == "":
				off = d.Day
			case d.Shift == "" && d.Leave == "" && off2 == "":
				off2 = d.Day
			}
		}
		if work == "" || off == "" || work2 == "" || off2 == "" {
			t.Fatalf("%s: %s's month has no two working days and two days off from rotation %s: %+v", r.lang, r.agent, r.rotation, days)
		}

		// the agent asks; a second swap in the month is refused with the limit named
		agent := newTab(t, ctx)
		if r.lang != "en" {
			do(t, agent, "language", chromedp.Navigate(base+"/login"), chromedp.Evaluate[chromedp.Void](`localStorage.setItem("callfloor.lang", "zh-CN")`))
		}
		loginUI(t, agent, base, r.user, pw, "desk-roster")
		requestSwap(t, agent, work, off, "")
		waitFor(t, agent, 20*time.Second, "the pending swap on the desktop", func() bool { return count(agent, `[data-testid^="desk-swap-"]`) == 1 })
		requestSwap(t, agent, work2, off2, "")
		limit := map[string]string{"en": "at most 1 such swap(s) in " + month, "zh-CN": month + " 内最多调换 1 次"}[r.lang]
		waitFor(t, agent, 20*time.Second, "the limit's refusal", func() bool { return strings.Contains(textOf(agent, "swap-msg"), limit) })
		screenshot(t, agent, artifacts, "roster-swap-limit-"+r.lang+".png")
		swaps, err := m.DB.ListSwaps(context.Background(), storage.SwapFilter{Agents: []string{r.agent}})
		if err != nil || len(swaps) != 1 {
			t.Fatalf("%s: %s's swaps %+v %v", r.lang, r.agent, swaps, err)
		}
		id := swaps[0].ID

		// the team lead decides in the inbox
		open(t, lead, base+"/roster/swaps", "swaps-rows")
		waitFor(t, lead, 30*time.Second, "the swap in the inbox", func() bool { return visible(lead, fmt.Sprintf("swap-approve-%d", id)) })
		screenshot(t, lead, artifacts, "roster-swaps-inbox-"+r.lang+".png")
		want := "approved"
		if r.approve {
			jsClick(t, lead, fmt.Sprintf("swap-approve-%d", id))
		} else {
			want = "rejected"
			jsClick(t, lead, fmt.Sprintf("swap-reject-%d", id))
			note := map[string]string{"en": "at most one swap a month", "zh-CN": "每月最多调班一次，本月人手紧张"}[r.lang]
			waitFor(t, lead, 10*time.Second, "the refusal's note box", func() bool {
				ok, _ := chromedp.Run(lead, chromedp.Evaluate[bool](`!!document.querySelector('.el-message-box input')`))
				return ok
			})
			do(t, lead, "the note", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const e = document.querySelector('.el-message-box input'); e.value = %q; e.dispatchEvent(new Event("input", {bubbles: true})) })()`, note)))
			cssClick(t, lead, ".el-message-box__btns .el-button--primary")
		}
		waitFor(t, lead, 30*time.Second, "the swap "+want, func() bool {
			s, err := m.DB.GetSwap(context.Background(), id)
			return err == nil && s.Status == want
		})
		// the roster shows the result: an approved swap moves the shift to the payback day
		open(t, lead, base+"/roster", "roster-status")
		typeDate(t, lead, "roster-month", month)
		waitFor(t, lead, 30*time.Second, "the roster after the decision", func() bool {
			gave, back := attr(lead, "cell-"+r.agent+"-"+work, "data-shift"), attr(lead, "cell-"+r.agent+"-"+off, "data-shift")
			if r.approve {
				return gave == "" && back == r.code && present(lead, "cell-"+r.agent+"-"+work)
			}
			return gave == r.code && back == ""
		})
		screenshot(t, lead, artifacts, "roster-after-swap-"+r.lang+".png")
		open(t, agent, base+"/desktop", "desk-roster")
		waitFor(t, agent, 20*time.Second, "the decision on the desktop", func() bool {
			return strings.Contains(textOf(agent, fmt.Sprintf("desk-swap-%d", id)), map[string]string{"approved": "Approved", "rejected": "已驳回"}[want])
		})
	}
}

// saveConfig saves the configuration dialog and waits for its table to show the new row.
func saveConfig(t *testing.T, ctx context.Context, table, text string) {
	t.Helper()
	jsClick(t, ctx, "config-save")
	waitFor(t, ctx, 20*time.Second, text+" in "+table, func() bool {
		return strings.Contains(textOf(ctx, table), text) || visible(ctx, "config-msg")
	})
	if visible(ctx, "config-msg") {
		t.Fatalf("saving %s: %s", text, textOf(ctx, "config-msg"))
	}
}

// typeDate types a day (or a month) into an Element Plus date picker wrapped in a span carrying
// testID, as a user does, then leaves it.
func typeDate(t *testing.T, ctx context.Context, testID, value string) {
	t.Helper()
	sel := fmt.Sprintf(`document.querySelector('[data-testid=%q] input')`, testID)
	waitFor(t, ctx, 10*time.Second, testID+" input", func() bool {
		ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(e => { if (!e) return false; e.focus(); e.select(); return true })(%s)`, sel)))
		return ok
	})
	do(t, ctx, "type "+value, chromedp.KeyEvent("\b"), chromedp.KeyEvent(value+"\r"))
	waitFor(t, ctx, 5*time.Second, testID+" showing "+value, func() bool {
		v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](sel+`.value`))
		return v == value
	})
	do(t, ctx, "leave "+testID, chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur()`))
}

// requestSwap fills the desktop's swap dialog and sends it.
func requestSwap(t *testing.T, ctx context.Context, day, payback, with string) {
	t.Helper()
	clickThen(t, ctx, "btn-swap", "swap-submit")
	typeDate(t, ctx, "swap-day", day)
	typeDate(t, ctx, "swap-payback", payback)
	if with != "" {
		setInput(t, ctx, "swap-with", with)
	}
	jsClick(t, ctx, "swap-submit")
}
