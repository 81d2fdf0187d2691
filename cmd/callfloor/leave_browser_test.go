package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor/storage"
	"github.com/chromedp/chromedp"
)

// Leave in both languages: an agent asks for two days of sick leave with a sick note on the leave
// page; the team lead, the supervisor and the operations manager each find it in their inbox (the
// count on the navigation entry) and approve in turn; the agent sees it approved, and the leave
// shows on the agent's roster and in their attendance (through the API: the roster page is
// another item of issue 12).
func TestBrowserLeaveRequestApprovedThroughTheChain(t *testing.T) {
	t.Parallel()
	ctx, m, base, tok, _ := demoWithSupervisor(t)
	v1 := base + "/api/v1"
	artifacts := artifactsDir(t)
	var users []storage.NewUser
	for _, u := range demoUsers {
		if u.Username == "ana" || u.Username == "lee" || u.Username == "olga" {
			u.Password = supervisorPassword
			users = append(users, u)
		}
	}
	createUsers(t, m, users...)
	note := filepath.Join(t.TempDir(), "sick-note.pdf")
	if err := os.WriteFile(note, []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// two weekdays, a week or more ahead: a Monday and Tuesday, the next week's for the second language
	monday := time.Now().AddDate(0, 0, 7)
	for monday.Weekday() != time.Monday {
		monday = monday.AddDate(0, 0, 1)
	}
	login := func(user, lang string) context.Context {
		tab, _ := ownTab(t, ctx)
		do(t, tab, "language "+lang, chromedp.Navigate(base+"/login"), chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`localStorage.setItem("callfloor.lang", %q)`, lang)))
		loginUI(t, tab, base, user, supervisorPassword, "btn-signout")
		return tab
	}
	for i, lang := range []string{"en", "zh-CN"} {
		tr := func(en, zh string) string {
			if lang == "en" {
				return en
			}
			return zh
		}
		sfx := map[string]string{"en": "en", "zh-CN": "zh"}[lang]
		from := monday.AddDate(0, 0, 7*i).Format(time.DateOnly)
		to := monday.AddDate(0, 0, 7*i+1).Format(time.DateOnly)

		// the agent asks
		ana := login("ana", lang)
		jsClick(t, ana, "nav-leave")
		waitFor(t, ana, 45*time.Second, "the agent's balances", func() bool { return visible(ana, "leave-balance-sick") })
		clickThen(t, ana, "leave-new", "leave-form-reason")
		dialogSettled(t, ana)
		elSelect(t, ana, "leave-form-type", tr("Sick leave", "病假"))
		elRange(t, ana, "leave-form-dates", from, to)
		waitFor(t, ana, 30*time.Second, "two working days in the form", func() bool {
			v, _ := chromedp.Run(ana, chromedp.Evaluate[string](`(e => e ? (e.tagName === "INPUT" ? e : e.querySelector("input")).value : "")(document.querySelector('[data-testid="leave-form-days"]'))`))
			return v == "2"
		})
		waitFor(t, ana, 30*time.Second, "the sick-note rule and the three-step chain shown", func() bool {
			s := textOf(ana, "leave-form-rules")
			return strings.Contains(s, tr("sick note", "病假证明")) && strings.Contains(s, tr("Operations manager", "运营经理"))
		})
		fillInput(t, ana, "leave-form-reason", tr("flu", "发烧"))
		do(t, ana, "attach the sick note", chromedp.SetUploadFiles(chromedp.CSS(`input.el-upload__input`), []string{note}))
		waitFor(t, ana, 30*time.Second, "the note in the upload list", func() bool { return strings.Contains(pageText(ana), "sick-note.pdf") })
		screenshot(t, ana, artifacts, "leave-request-"+sfx+".png")
		jsClick(t, ana, "leave-submit")
		var id string
		waitFor(t, ana, 30*time.Second, "the request saved", func() bool {
			code, body := api(t, "GET", v1+"/leave?agent=1001&status=pending", tok, "")
			reqs, _ := body["requests"].([]any)
			if code != 200 || len(reqs) != 1 {
				return false
			}
			r := reqs[0].(map[string]any)
			if r["from"] != from || r["to"] != to || r["type"] != "sick" || r["days"] != 2.0 || len(r["files"].([]any)) != 1 || len(r["chain"].([]any)) != 3 {
				t.Fatalf("the request as saved: %v", r)
			}
			id = fmt.Sprint(r["id"])
			return true
		})
		waitFor(t, ana, 30*time.Second, "the request pending on the agent's page", func() bool {
			return textOf(ana, "leave-status-"+id) == tr("Pending", "审批中")
		})

		// the chain: team lead, supervisor, operations manager
		for _, who := range []string{"lee", "sue", "olga"} {
			tab := login(who, lang)
			waitFor(t, tab, 30*time.Second, who+"'s inbox count on the navigation", func() bool { return textOf(tab, "nav-leave-badge") == "1" })
			jsClick(t, tab, "nav-leave")
			// the page's first requests may be slow on a loaded machine
			waitFor(t, tab, 45*time.Second, "the request in "+who+"'s inbox", func() bool { return visible(tab, "leave-decide-"+id) })
			clickThen(t, tab, "leave-decide-"+id, "leave-decision-note")
			dialogSettled(t, tab)
			fillInput(t, tab, "leave-decision-note", tr("get well", "好好休息"))
			screenshot(t, tab, artifacts, "leave-decide-"+who+"-"+sfx+".png")
			jsClick(t, tab, "leave-approve")
			waitFor(t, tab, 30*time.Second, who+"'s inbox emptied", func() bool {
				return !present(tab, "leave-decide-"+id) && !present(tab, "nav-leave-badge")
			})
			if who == "olga" {
				cssClick(t, tab, "#tab-history")
				waitFor(t, tab, 30*time.Second, "the request approved in the history", func() bool { return textOf(tab, "leave-hstatus-"+id) == tr("Approved", "已批准") })
				cssClick(t, tab, `[data-testid="leave-history"] .el-table__expand-icon`)
				waitFor(t, tab, 30*time.Second, "the steps with their notes", func() bool {
					return strings.Contains(textOf(tab, "leave-step-"+id+"-2"), tr("get well", "好好休息"))
				})
				screenshot(t, tab, artifacts, "leave-history-"+sfx+".png")
				cssClick(t, tab, "#tab-policy")
				waitFor(t, tab, 30*time.Second, "the policy's rules", func() bool {
					return visible(tab, "leave-policy-save") && count(tab, `[data-testid^="leave-step-chain-"]`) == 2
				})
				screenshot(t, tab, artifacts, "leave-policy-"+sfx+".png")
			}
		}

		// the agent sees it approved; the roster and attendance show it
		do(t, ana, "reload", chromedp.Reload())
		waitFor(t, ana, 30*time.Second, "the request approved on the agent's page", func() bool {
			return textOf(ana, "leave-status-"+id) == tr("Approved", "已批准")
		})
		waitFor(t, ana, 30*time.Second, "the sick days taken", func() bool { return textOf(ana, "leave-taken-sick") == fmt.Sprint(2*(i+1)) })
		screenshot(t, ana, artifacts, "leave-approved-"+sfx+".png")
		code, body := api(t, "GET", v1+"/agents/1001/roster?from="+from+"&to="+to, tok, "")
		days, _ := body["days"].([]any)
		if code != 200 || len(days) != 2 {
			t.Fatalf("roster: %d %v", code, body)
		}
		for _, d := range days {
			if d.(map[string]any)["leave"] != "sick" {
				t.Errorf("roster day without the leave: %v", d)
			}
		}
		code, body = api(t, "GET", v1+"/attendance?agent=1001&from="+from+"&to="+to, tok, "")
		days, _ = body["days"].([]any)
		if code != 200 || len(days) != 2 {
			t.Fatalf("attendance: %d %v", code, body)
		}
		for _, d := range days {
			if d := d.(map[string]any); d["leave"] != "sick" || d["leave_ref"] != "leave:"+id {
				t.Errorf("attendance day without the leave: %v", d)
			}
		}
	}
}

// elRange types the first and last day into an Element Plus date-range picker (wrapped in a span
// carrying testID) as a user does, and closes its calendar.
func elRange(t *testing.T, ctx context.Context, testID, from, to string) {
	t.Helper()
	for i, day := range []string{from, to} {
		sel := fmt.Sprintf(`document.querySelectorAll('[data-testid=%q] input.el-range-input')[%d]`, testID, i)
		waitFor(t, ctx, 10*time.Second, fmt.Sprintf("%s input %d", testID, i), func() bool {
			ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(e => { if (!e) return false; e.focus(); e.select(); return true })(%s)`, sel)))
			return ok
		})
		keys := day
		if i == 1 {
			keys += "\r"
		} else {
			keys += "\t"
		}
		do(t, ctx, "type "+day, chromedp.KeyEvent(keys))
	}
	waitFor(t, ctx, 5*time.Second, testID+" showing "+from+" – "+to, func() bool {
		v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`[...document.querySelectorAll('[data-testid=%q] input.el-range-input')].map(e => e.value).join(" ")`, testID)))
		return v == from+" "+to
	})
	do(t, ctx, "close the calendar", chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur()`))
}

// cssClick clicks the first visible element matching css from the page, retried until there is
// one (a table still rendering on a loaded machine).
func cssClick(t *testing.T, ctx context.Context, css string) {
	t.Helper()
	waitFor(t, ctx, 30*time.Second, css+" to click", func() bool {
		ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(e => { if (!e || e.offsetParent === null) return false; e.click(); return true })(document.querySelector(%q))`, css)))
		return ok
	})
}
