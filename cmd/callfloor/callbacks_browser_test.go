package main

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// The call-back list page in both languages: a team lead sees the team's list (an abandoned
// caller of sales, overdue), an agent of the team claims the entry and records the outcome.
func TestBrowserCallbacks(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	m, base, _ := startDemo(t, 5)
	shots := os.Getenv("CALLFLOOR_SHOTS")
	if shots == "" {
		shots = artifactsDir(t)
	}
	createUsers(t, m,
		storage.NewUser{Username: "cblead", DisplayName: "李强", Password: supervisorPassword, Role: callfloor.RoleTeamLead, TeamID: "team-a"},
		storage.NewUser{Username: "cbagent", DisplayName: "王芳", Password: supervisorPassword, Role: callfloor.RoleAgent, AgentID: "1002", TeamID: "team-a"})
	bg := context.Background()
	for i, lang := range []string{"en", "zh-CN"} {
		sfx := map[string]string{"en": "en", "zh-CN": "zh"}[lang]
		phone := "1380013800" + strconv.Itoa(i+1)
		ended := time.Now().Add(-40 * time.Minute) // the 30 minutes' target has passed
		if _, err := m.DB.Pool.Exec(bg, `INSERT INTO calls (id, direction, queue, caller_number, entered_at, ended_at, wait_ms, outcome, last_event_id)
VALUES ($1, 'inbound', 'sales', $2, $3, $4, 60000, 'abandoned', '1-0')`, "cb-browser-"+sfx, phone, ended.Add(-time.Minute), ended); err != nil {
			t.Fatal(err)
		}
		lead, _ := ownTab(t, ctx)
		loginUI(t, lead, base, "cblead", supervisorPassword, "nav-callbacks")
		if lang != "en" {
			switchLang(t, lead, lang)
		}
		do(t, lead, "call-back page", chromedp.Navigate(base+"/callbacks"), chromedp.WaitVisible(byTestID("cb-table")))
		// the list is rebuilt from the history every 30 s, or at most every 5 s when the page asks:
		// ask again until the call inserted above is on it (a loaded machine's sync may come late)
		polls := 0
		waitFor(t, lead, 40*time.Second, "the abandoned caller on the lead's list, overdue", func() bool {
			if polls++; polls%10 == 0 {
				tctx, cancel := context.WithTimeout(lead, 5*time.Second)
				_ = chromedp.Do(tctx, chromedp.Click(byTestID("cb-refresh")))
				cancel()
			}
			txt := textOf(lead, "cb-table")
			return strings.Contains(txt, "+86"+phone) && present(lead, "cb-overdue")
		})
		want := map[string]string{"en": "Hung up waiting", "zh-CN": "排队挂断"}[lang]
		if !strings.Contains(textOf(lead, "cb-table"), want) || !strings.Contains(textOf(lead, "cb-timeliness"), map[string]string{"en": "Call-back timeliness", "zh-CN": "回拨及时率"}[lang]) {
			t.Fatalf("%s: the list does not read %q; page:\n%s", lang, want, pageText(lead))
		}
		screenshot(t, lead, shots, "callbacks-lead-"+sfx+".png")

		list, err := m.DB.Callbacks(bg, time.Now(), storage.CallbackFilter{Phone: "+86" + phone})
		if err != nil || len(list) != 1 {
			t.Fatalf("entry of %s: %v %v", phone, list, err)
		}
		id := strconv.FormatInt(list[0].ID, 10)
		agent, _ := ownTab(t, ctx)
		loginUI(t, agent, base, "cbagent", supervisorPassword, "nav-callbacks")
		if lang != "en" {
			switchLang(t, agent, lang)
		}
		do(t, agent, "call-back page", chromedp.Navigate(base+"/callbacks"), chromedp.WaitVisible(byTestID("cb-table")))
		waitFor(t, agent, 10*time.Second, "the claim button", func() bool { return present(agent, "cb-claim-"+id) })
		jsClick(t, agent, "cb-claim-"+id)
		waitFor(t, agent, 10*time.Second, "the record button after claiming", func() bool { return present(agent, "cb-record-"+id) && present(agent, "cb-dial-"+id) })
		clickThen(t, agent, "cb-record-"+id, "cb-save")
		elSelect(t, agent, "cb-outcome", map[string]string{"en": "Reached", "zh-CN": "已联系上"}[lang])
		screenshot(t, agent, shots, "callbacks-agent-record-"+sfx+".png")
		jsClick(t, agent, "cb-save")
		waitFor(t, agent, 10*time.Second, "the entry done", func() bool {
			e, err := m.DB.Callback(bg, time.Now(), list[0].ID)
			return err == nil && e.Status == storage.CallbackDone && e.Outcome == storage.CallbackReached && e.ClosedBy == "cbagent"
		})
		waitFor(t, agent, 10*time.Second, "the entry off the to-do list", func() bool { return !present(agent, "cb-claim-"+id) && !present(agent, "cb-record-"+id) })
		// the lead sees it among the closed ones
		do(t, lead, "reload", chromedp.Navigate(base+"/callbacks"), chromedp.WaitVisible(byTestID("cb-table")))
		if strings.Contains(textOf(lead, "cb-table"), "+86"+phone) {
			t.Fatalf("%s: the done entry is still on the lead's to-do list", lang)
		}
		screenshot(t, agent, shots, "callbacks-agent-done-"+sfx+".png")
	}
}
