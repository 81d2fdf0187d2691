package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
	"github.com/callfloor/callfloor/telephony/sim"
	"github.com/chromedp/chromedp"
)

// The team lead's part of the dispute path, the QA reports and the daily score sheet, end to end
// in headless Chromium:
//
//	(a) QA evaluates two calls of agent 1001 (team-a); the agent disputes both from My
//	    evaluations; team-a's lead rejects one with a note (a rejection is the lead's advice:
//	    the dispute stays open for the operations manager) and forwards the other; the
//	    operations manager sees both with the lead's notes and overturns the forwarded one;
//	(b) the reports page grouped by queue and by evaluator shows exactly the API's figures, and
//	    its CSV and printable links (fetched with the page's session) carry the same numbers;
//	(c) the team lead's score sheet shows the day's evaluations by the lead against the quota;
//	(d) the worklist, evaluate page, disputes inbox, reports and score sheet in Chinese.
func TestBrowserQAReviewPathAndReports(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	m, base, tok := startDemo(t, 5)
	v1 := base + "/api/v1"
	artifacts := artifactsDir(t)
	bg := context.Background()
	const pw = "a long enough password"
	tokens := map[string]string{}
	for _, u := range []storage.NewUser{
		{Username: "quinn", DisplayName: "Quinn QA", Password: pw, Role: callfloor.RoleQA},
		{Username: "ana", DisplayName: "Ana", Password: pw, Role: callfloor.RoleAgent, AgentID: "1001", TeamID: "team-a"},
		{Username: "lee", DisplayName: "Lee Lead", Password: pw, Role: callfloor.RoleTeamLead, TeamID: "team-a"},
		{Username: "olga", DisplayName: "Olga Ops", Password: pw, Role: callfloor.RoleOperationsManager},
		{Username: "pam", DisplayName: "Pam PM", Password: pw, Role: callfloor.RoleProjectManager},
	} {
		created, err := m.DB.CreateUser(bg, u)
		if err != nil {
			t.Fatal(err)
		}
		if tokens[u.Username], _, err = m.DB.CreateAPIToken(bg, created.ID, "browser test"); err != nil {
			t.Fatal(err)
		}
	}
	card := `{"id":"service","name":"Service basics","sections":[
	  {"id":"open","title":"Opening","items":[{"id":"greet","text":"Greets with the company name","kind":"yes_no","weight":1,"non_fatal":true}]},
	  {"id":"comp","title":"Compliance","items":[
	    {"id":"verify","text":"Verifies the caller's identity","kind":"yes_no","weight":2,"fatal":true},
	    {"id":"tone","text":"Friendly tone","kind":"scale","max":4,"weight":2,"allow_na":true,"non_fatal":true}]}]}`
	if code, body := api(t, "POST", v1+"/scorecards", tok, card); code != 201 {
		t.Fatalf("create scorecard: %d %v", code, body)
	}

	// four ended, recorded calls of team-a, two of them answered by 1001: sales calls go to
	// 1001 and 1002 only while the rest of team-a is paused
	for i := 1003; i <= 1012; i++ {
		if code, body := api(t, "POST", fmt.Sprintf("%s/agents/%d/pause", v1, i), tok, `{"reason":"training"}`); code != 200 {
			t.Fatalf("pause %d: %d %v", i, code, body)
		}
	}
	ana, others := recordedTeamCalls(t, m, v1, tok)
	t.Logf("calls of 1001: %v; other team-a calls: %v", ana, others)

	answers := func(greet, verify bool, tone int) string {
		return fmt.Sprintf(`[{"item_id":"greet","yes":%t},{"item_id":"verify","yes":%t},{"item_id":"tone","value":%d}]`, greet, verify, tone)
	}
	evaluate := func(who, callID, ans string) string {
		t.Helper()
		code, body := api(t, "POST", v1+"/evaluations", tokens[who], fmt.Sprintf(`{"call_id":%q,"scorecard_id":"service","answers":%s}`, callID, ans))
		if code != 201 {
			t.Fatalf("%s evaluates %s: %d %v", who, callID, code, body)
		}
		return fmt.Sprint(body["id"])
	}
	ev1 := evaluate("quinn", ana[0], answers(false, false, 3)) // fatal, one non-fatal error
	ev2 := evaluate("quinn", ana[1], answers(true, false, 2))  // fatal
	ev3 := evaluate("lee", others[0], answers(true, true, 4))  // 100
	ev4 := evaluate("lee", others[1], answers(false, true, 0)) // 40, two non-fatal errors

	// ---- (a) the agent disputes both of QA's evaluations in the UI ----
	actx := newTab(t, ctx)
	loginUI(t, actx, base, "ana", pw, "nav-qa-mine")
	do(t, actx, "open My evaluations", clickNav("nav-qa-mine"), chromedp.WaitVisible(byTestID("mine-dispute-"+ev1)))
	for _, ev := range []string{ev1, ev2} {
		do(t, actx, "dispute evaluation "+ev,
			chromedp.Click(byTestID("mine-dispute-"+ev)),
			chromedp.WaitVisible(byTestID("dispute-item-verify")))
		dialogSettled(t, actx)
		do(t, actx, "choose the item and give the reason",
			chromedp.Click(byTestID("dispute-item-verify")),
			chromedp.SendKeys(byTestID("dispute-reason"), "I verified the caller at the start of the call"),
			chromedp.Click(byTestID("dispute-submit")))
		waitFor(t, actx, 10*time.Second, "evaluation "+ev+" disputed", func() bool { return textOf(actx, "mine-status-"+ev) == "Disputed" })
		waitFor(t, actx, 10*time.Second, "the dispute dialog closed", func() bool { return !visible(actx, "dispute-reason") && !visible(actx, "dispute-item-verify") })
		dialogSettled(t, actx)
	}
	d1, d2 := disputeOf(t, v1, tok, ev1), disputeOf(t, v1, tok, ev2)

	// ---- the team lead rejects one dispute and forwards the other ----
	lctx := newTab(t, ctx)
	loginUI(t, lctx, base, "lee", pw, "nav-qa-disputes")
	const rejectNote = "Recording: no identity check anywhere"
	const forwardNote = "Identity checked at 0:05, please rescore"
	do(t, lctx, "reject dispute "+d1, clickNav("nav-qa-disputes"),
		chromedp.WaitVisible(byTestID("dispute-"+d1+"-reject")),
		chromedp.SendKeys(byTestID("dispute-"+d1+"-note"), rejectNote),
		chromedp.Click(byTestID("dispute-"+d1+"-reject")))
	waitFor(t, lctx, 10*time.Second, "the rejection confirmed", func() bool { return strings.Contains(textOf(lctx, "disp-msg"), "stays open") })
	// what storage does on a rejection: the lead's review and note are recorded, the dispute is
	// not decided and the evaluation stays disputed, waiting for the operations manager; the
	// agent cannot raise another dispute on it
	e1 := evaluation(t, v1, tok, ev1)
	disp := e1.Disputes[0]
	if e1.Status != "disputed" || disp.LeadReview != "rejected" || disp.LeadBy != "lee" || disp.LeadNote != rejectNote || disp.Decision != "" {
		t.Fatalf("after the lead's rejection: %+v", e1)
	}
	if code, body := api(t, "POST", v1+"/evaluations/"+ev1+"/disputes", tokens["ana"], `{"items":["verify"],"reason":"again"}`); code != 409 {
		t.Errorf("a second dispute after the rejection: %d %v", code, body)
	}
	if code, body := api(t, "POST", v1+"/disputes/"+d1+"/review", tokens["lee"], `{"action":"forward","note":"changed my mind"}`); code != 409 {
		t.Errorf("reviewing a reviewed dispute again: %d %v", code, body)
	}
	waitFor(t, lctx, 10*time.Second, "the rejected dispute shown with the lead's review, no buttons", func() bool {
		s := textOf(lctx, "dispute-"+d1+"-lead")
		return strings.Contains(s, "rejected by lee") && strings.Contains(s, rejectNote) && !present(lctx, "dispute-"+d1+"-reject")
	})
	do(t, lctx, "forward dispute "+d2,
		chromedp.SendKeys(byTestID("dispute-"+d2+"-note"), forwardNote),
		chromedp.Click(byTestID("dispute-"+d2+"-forward")))
	waitFor(t, lctx, 10*time.Second, "the forwarded dispute shown with the lead's review", func() bool {
		return strings.Contains(textOf(lctx, "dispute-"+d2+"-lead"), "forwarded by lee")
	})
	screenshot(t, lctx, artifacts, "lead-disputes.png")
	if e2 := evaluation(t, v1, tok, ev2); e2.Status != "disputed" || e2.Disputes[0].LeadReview != "forwarded" || e2.Disputes[0].LeadNote != forwardNote {
		t.Fatalf("after forwarding: %+v", e2)
	}
	if code, body := api(t, "POST", v1+"/disputes/"+d2+"/decide", tokens["lee"], `{"decision":"upheld"}`); code != 403 {
		t.Errorf("a team lead deciding: %d %v", code, body)
	}

	// ---- the operations manager sees both with the lead's notes and decides the forwarded one ----
	octx := newTab(t, ctx)
	loginUI(t, octx, base, "olga", pw, "nav-qa-disputes")
	do(t, octx, "open the disputes inbox", clickNav("nav-qa-disputes"),
		chromedp.WaitVisible(byTestID("dispute-"+d2+"-decide")), chromedp.WaitVisible(byTestID("dispute-"+d1+"-decide")))
	if s := textOf(octx, "dispute-"+d2+"-lead"); !strings.Contains(s, "forwarded by lee") || !strings.Contains(s, forwardNote) {
		t.Errorf("the manager sees the forwarded dispute as %q", s)
	}
	if s := textOf(octx, "dispute-"+d1+"-lead"); !strings.Contains(s, "rejected by lee") || !strings.Contains(s, rejectNote) {
		t.Errorf("the manager sees the rejected dispute as %q", s)
	}
	elSelect(t, octx, "dispute-"+d2+"-decision", "Overturned (rescore)")
	do(t, octx, "overturn with verify: yes",
		chromedp.Click(byTestID("fix-"+d2+"-verify-yes")),
		chromedp.SendKeys(byTestID("dispute-"+d2+"-note"), "Agreed with the lead"))
	screenshot(t, octx, artifacts, "ops-disputes.png")
	do(t, octx, "decide", chromedp.Click(byTestID("dispute-"+d2+"-decide")))
	waitFor(t, octx, 10*time.Second, "the decision confirmed", func() bool { return strings.Contains(textOf(octx, "disp-msg"), "overturned") })
	e2 := evaluation(t, v1, tok, ev2)
	if e2.Status != "decided" || e2.Fatal || e2.ScoreFinal != 80 || e2.Disputes[0].Decision != "overturned" || e2.Disputes[0].LeadNote != forwardNote {
		t.Fatalf("after the decision: %+v", e2)
	}
	// the rejected dispute is still the manager's to decide
	waitFor(t, octx, 10*time.Second, "the rejected dispute still in the manager's inbox", func() bool { return present(octx, "dispute-"+d1+"-decide") })

	// ---- (b) the reports page against the API, by queue and by evaluator ----
	do(t, octx, "reports page", clickNav("nav-qa-reports"), chromedp.WaitVisible(byTestID("rep-row-0")))
	for _, group := range []string{"queue", "evaluator"} {
		elSelect(t, octx, "rep-group", map[string]string{"queue": "Queue", "evaluator": "Evaluator"}[group])
		waitFor(t, octx, 10*time.Second, "the report by "+group, func() bool {
			return strings.Contains(attr(octx, "rep-csv", "href"), "group="+group) && textOf(octx, "rep-row-0") != ""
		})
		href := attr(octx, "rep-csv", "href")
		if !strings.Contains(href, "lang=en&") {
			t.Errorf("the CSV link %q does not carry the page's language", href)
		}
		query := strings.TrimSuffix(strings.TrimPrefix(href, "/api/v1/qa/reports?"), "&format=csv")
		var rep reportJSON
		getJSON(t, v1+"/qa/reports?"+query, tokens["olga"], &rep)
		if rep.Group != group || len(rep.Rows) == 0 {
			t.Fatalf("GET /qa/reports?%s: %+v", query, rep)
		}
		if n := count(octx, `[data-testid^="rep-row-"]`); n != len(rep.Rows) {
			t.Errorf("by %s: the page shows %d rows, the API %d", group, n, len(rep.Rows))
		}
		for i, r := range rep.Rows {
			cell := func(c string) string { return textOf(octx, fmt.Sprintf("rep-%s-%d", c, i)) }
			key := r.Key
			if key == "" {
				key = "(unknown)"
			}
			want := map[string]string{"period": r.Period, "key": key, "count": quotaOf(r.Evaluations, r.Quota), "avg": f2(r.AvgScore),
				"fatal": rateEN(r.FatalRate), "nonfatal": rateEN(r.NonFatalRate), "dispute": rateEN(r.DisputeRate), "overturn": rateEN(r.OverturnRate)}
			for c, w := range want {
				if got := cell(c); got != w {
					t.Errorf("by %s, row %d (%s) %s: page %q, API %q", group, i, r.Key, c, got, w)
				}
			}
			for _, it := range r.TopFailed {
				if top := cell("top"); !strings.Contains(top, fmt.Sprintf("%s×%d", it.Text, it.Count)) {
					t.Errorf("by %s, row %d: most-failed %q lacks %s×%d", group, i, top, it.Text, it.Count)
				}
			}
		}
		// the report's most-failed list is the API's, in its order
		var wantMF []string
		for _, it := range rep.TopFailed {
			wantMF = append(wantMF, it.ItemID)
		}
		gotMF, _ := chromedp.Run(octx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid^="rep-mf-"]')].map(e => e.dataset.testid.slice(7))`))
		if len(wantMF) == 0 || strings.Join(gotMF, ",") != strings.Join(wantMF, ",") {
			t.Errorf("by %s: most-failed list %v, API %v", group, gotMF, wantMF)
		}
		if group == "evaluator" {
			// quinn: ev1 fatal (0), ev2 overturned to 80; 1 non-fatal error of 4 opportunities;
			// both disputed, one decided and overturned
			q := rowOf(t, rep, "quinn")
			if q.Evaluations != 2 || q.Quota != nil || *q.AvgScore != 40 || rateEN(q.FatalRate) != "50.00 % of 2 evaluations" ||
				rateEN(q.NonFatalRate) != "25.00 % of 4 non-fatal items" || rateEN(q.DisputeRate) != "100.00 % of 2 evaluations" ||
				rateEN(q.OverturnRate) != "100.00 % of 1 decided disputes" {
				t.Errorf("quinn's row: %+v", q)
			}
			if l := rowOf(t, rep, "lee"); l.Evaluations != 2 || l.Quota == nil || *l.AvgScore != 70 || rateEN(l.NonFatalRate) != "50.00 % of 4 non-fatal items" {
				t.Errorf("lee's row (a team lead: with a quota): %+v", l)
			}
			// the charts are drawn: the trend, the scores by evaluator, the most-failed items
			for _, c := range []string{"rep-chart", "rep-chart-keys", "rep-chart-items"} {
				if n := count(octx, `[data-testid="`+c+`"] canvas`); n == 0 {
					t.Errorf("chart %s not drawn", c)
				}
			}
			screenshot(t, octx, artifacts, "reports-evaluator.png")
			do(t, octx, "scroll to the table", chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="rep-rows"]').scrollIntoView()`))
			screenshot(t, octx, artifacts, "reports-evaluator-table.png")
		} else {
			screenshot(t, octx, artifacts, "reports-queue.png")
		}

		// the CSV and the printable page of the same report, fetched with the page's session
		status, body := fetchInPage(t, octx, href)
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if status != 200 || err != nil || len(recs) != len(rep.Rows)+1 {
			t.Fatalf("CSV %s: %d %v\n%s", href, status, err, body)
		}
		if got := strings.Join(recs[0], ","); got != "group,key,period,evaluations,quota,avg_score,fatal_rate,fatal_count,fatal_denominator,fatal_rate_text,non_fatal_rate,non_fatal_errors,non_fatal_denominator,non_fatal_rate_text,top_failed_items,disputed,dispute_rate,decided,overturned,overturn_rate" {
			t.Errorf("CSV header %s", got)
		}
		for i, r := range rep.Rows {
			quota := ""
			if r.Quota != nil {
				quota = strconv.Itoa(*r.Quota)
			}
			want := []string{group, r.Key, r.Period, strconv.Itoa(r.Evaluations), quota, f2(r.AvgScore),
				pctOf(r.FatalRate), strconv.Itoa(r.FatalRate.Numerator), strconv.Itoa(r.FatalRate.Denominator), r.FatalRate.Text,
				pctOf(r.NonFatalRate), strconv.Itoa(r.NonFatalRate.Numerator), strconv.Itoa(r.NonFatalRate.Denominator), r.NonFatalRate.Text}
			for j, w := range want {
				if recs[i+1][j] != w {
					t.Errorf("CSV row %d column %s: %q, JSON %q", i, recs[0][j], recs[i+1][j], w)
				}
			}
			for j, w := range map[int]string{15: strconv.Itoa(r.Disputed), 16: pctOf(r.DisputeRate), 17: strconv.Itoa(r.Decided),
				18: strconv.Itoa(r.Overturned), 19: pctOf(r.OverturnRate)} {
				if recs[i+1][j] != w {
					t.Errorf("CSV row %d column %s: %q, JSON %q", i, recs[0][j], recs[i+1][j], w)
				}
			}
		}
		htmlHref := attr(octx, "rep-html", "href")
		if htmlHref != strings.TrimSuffix(href, "csv")+"html" {
			t.Errorf("printable link %q for CSV %q", htmlHref, href)
		}
		status, page := fetchInPage(t, octx, htmlHref)
		if status != 200 || !strings.Contains(page, "QA report by "+group) {
			t.Fatalf("printable %s: %d\n%s", htmlHref, status, page)
		}
		for _, r := range rep.Rows {
			for _, s := range []string{r.Key, f2(r.AvgScore), r.FatalRate.Text, r.NonFatalRate.Text, r.DisputeRate.Text, r.OverturnRate.Text} {
				if !strings.Contains(page, s) {
					t.Errorf("printable report by %s lacks %q", group, s)
				}
			}
		}
	}
	// the monthly report preset: one row per group for this month
	elSelect(t, octx, "rep-preset", "Monthly: this month")
	waitFor(t, octx, 10*time.Second, "the monthly report", func() bool { return strings.Contains(attr(octx, "rep-csv", "href"), "period=month") })
	if p := textOf(octx, "rep-period-0"); !strings.HasSuffix(p, "-01") {
		t.Errorf("the monthly report's period %q", p)
	}

	// ---- (c) the team lead's score sheet ----
	do(t, lctx, "score sheet", clickNav("nav-qa-score-sheet"), chromedp.WaitVisible(byTestID("sheet-row-"+ev3)))
	var sheet struct {
		Day         string `json:"day"`
		Quota       int    `json:"quota"`
		Evaluations int    `json:"evaluations"`
	}
	getJSON(t, v1+"/qa/score-sheet", tokens["lee"], &sheet)
	// the page opens on the centre's day, the API's default day (reports_logic centreToday)
	if openDay, _ := chromedp.Run(lctx, chromedp.Evaluate[string](`(e => e ? e.value : "")(document.querySelector('[data-testid=sheet-day] input'))`)); openDay != sheet.Day {
		t.Errorf("the score sheet page opens on %q, the API's day is %q", openDay, sheet.Day)
	}
	wantCount := fmt.Sprintf("%d / %d", sheet.Evaluations, sheet.Quota)
	if sheet.Quota == 0 {
		wantCount = fmt.Sprintf("%d (no quota at the weekend)", sheet.Evaluations)
	}
	waitFor(t, lctx, 10*time.Second, "the sheet's count "+wantCount, func() bool { return textOf(lctx, "sheet-count") == wantCount })
	if sheet.Evaluations != 2 || (sheet.Quota != 10 && sheet.Quota != 0) {
		t.Errorf("lee's sheet: %+v", sheet)
	}
	if f := textOf(lctx, "sheet-final-"+ev3); f != "100.00" {
		t.Errorf("ev3 on the sheet: %q", f)
	}
	if f := textOf(lctx, "sheet-final-"+ev4); f != "40.00" {
		t.Errorf("ev4 on the sheet: %q", f)
	}
	if present(lctx, "sheet-row-"+ev1) || count(lctx, `[data-testid^="sheet-row-"]`) != 2 {
		t.Errorf("lee's sheet should hold only lee's two evaluations: %s", textOf(lctx, "sheet-rows"))
	}
	if a := textOf(lctx, "sheet-avg"); a != "70.00" {
		t.Errorf("sheet average %q", a)
	}
	// the operations manager chooses the team: every evaluator's evaluations of team-a
	do(t, octx, "the manager's score sheet", clickNav("nav-qa-score-sheet"), chromedp.WaitVisible(byTestID("sheet-row-"+ev1)))
	if n := count(octx, `[data-testid^="sheet-row-"]`); n != 4 {
		t.Errorf("the manager's sheet of team-a shows %d evaluations, want 4", n)
	}
	elSelect(t, octx, "sheet-evaluator", "quinn")
	waitFor(t, octx, 10*time.Second, "quinn's evaluations only", func() bool {
		return count(octx, `[data-testid^="sheet-row-"]`) == 2 && present(octx, "sheet-row-"+ev2) && strings.Contains(attr(octx, "sheet-csv", "href"), "lead=quinn")
	})
	screenshot(t, octx, artifacts, "score-sheet-ops.png")

	sheetDay := "" // today
	if sheet.Quota == 0 {
		// a weekend: the quota counts on working days only, so move lee's two evaluations to
		// the last Friday (UTC) and pick that day on the sheet
		fri := time.Now().UTC().Truncate(24 * time.Hour)
		for fri.Weekday() != time.Friday {
			fri = fri.AddDate(0, 0, -1)
		}
		sheetDay = fri.Format(time.DateOnly)
		if _, err := m.DB.Pool.Exec(bg, `UPDATE evaluations SET created_at = $1 WHERE id IN ($2, $3)`, fri.Add(12*time.Hour), atoi64(t, ev3), atoi64(t, ev4)); err != nil {
			t.Fatal(err)
		}
		elDate(t, lctx, "sheet-day", sheetDay)
	}
	// the day picker: the day before holds none of lee's evaluations; back to the sheet's day
	day := sheetDay
	if day == "" {
		day = time.Now().UTC().Format(time.DateOnly)
	}
	dayT, _ := time.Parse(time.DateOnly, day)
	before := dayT.AddDate(0, 0, -1).Format(time.DateOnly)
	elDate(t, lctx, "sheet-day", before)
	waitFor(t, lctx, 10*time.Second, "the sheet of the day before, empty", func() bool {
		return strings.Contains(textOf(lctx, "sheet-heading"), before) && count(lctx, `[data-testid^="sheet-row-"]`) == 0 &&
			strings.Contains(attr(lctx, "sheet-csv", "href"), "day="+before)
	})
	elDate(t, lctx, "sheet-day", day)
	waitFor(t, lctx, 10*time.Second, "the sheet of a working day: 2 of the quota of 10", func() bool {
		return textOf(lctx, "sheet-count") == "2 / 10" && textOf(lctx, "sheet-togo") == "8 to go" && present(lctx, "sheet-row-"+ev3)
	})
	screenshot(t, lctx, artifacts, "score-sheet.png")
	// the server renders the CSV and the printable sheet in the reader's language
	for _, l := range []string{"sheet-csv", "sheet-html"} {
		if h := attr(lctx, l, "href"); !strings.HasSuffix(h, "&lang=en") {
			t.Errorf("%s link %q without the language", l, h)
		}
	}
	status, body := fetchInPage(t, lctx, attr(lctx, "sheet-csv", "href"))
	if recs, err := csv.NewReader(strings.NewReader(body)).ReadAll(); status != 200 || err != nil || len(recs) != 3 || recs[1][2] != ev3 || recs[2][2] != ev4 {
		t.Errorf("score sheet CSV: %d %v\n%s", status, err, body)
	}
	if status, page := fetchInPage(t, lctx, attr(lctx, "sheet-html", "href")); status != 200 || !strings.Contains(page, "Score sheet: team team-a") || !strings.Contains(page, "by lee") {
		t.Errorf("printable score sheet: %d\n%s", status, page)
	}

	// ---- (e) the lead sends the sheet to the project manager; her inbox shows it ----
	// a new team lead cannot send a sheet of a day before they existed: on a weekend the sheet
	// shown is last Friday's (picked above), so its sending is tried on working days only
	today := time.Now().UTC().Format(time.DateOnly)
	pageDay, _ := chromedp.Run(lctx, chromedp.Evaluate[string](`(e => e ? e.value : "")(document.querySelector('[data-testid=sheet-day] input'))`))
	if sheet.Day >= today && pageDay >= today {
		do(t, lctx, "send the short sheet without a note", chromedp.WaitVisible(byTestID("send-button")), chromedp.Click(byTestID("send-button")))
		waitFor(t, lctx, 10*time.Second, "the refusal naming the note", func() bool {
			return strings.Contains(textOf(lctx, "send-error"), "note") && strings.Contains(textOf(lctx, "send-error"), "quota of 10")
		})
		do(t, lctx, "write why and send", chromedp.SendKeys(byTestID("send-note"), "Two agents on leave"), chromedp.Click(byTestID("send-button")))
		waitFor(t, lctx, 10*time.Second, "the sheet shown as sent", func() bool { return strings.Contains(textOf(lctx, "send-status"), "2 of 10") })
		screenshot(t, lctx, artifacts, "score-sheet-sent.png")
		sentDay := sheetDay
		if sentDay == "" {
			sentDay = time.Now().UTC().Format(time.DateOnly) // the demo centre's zone is UTC
		}
		pctx := newTab(t, ctx)
		loginUI(t, pctx, base, "pam", pw, "nav-qa-score-sheets")
		if present(pctx, "nav-qa") || present(pctx, "nav-qa-disputes") {
			t.Error("a project manager is offered the QA worklist or the disputes inbox")
		}
		row := "team-a-" + sentDay + "-lee"
		do(t, pctx, "the project manager's inbox", clickNav("nav-qa-score-sheets"), chromedp.WaitVisible(byTestID("inbox-row-"+row)))
		waitFor(t, pctx, 10*time.Second, "lee's sheet sent", func() bool {
			return strings.HasPrefix(textOf(pctx, "inbox-status-"+row), "Sent") && strings.Contains(textOf(pctx, "inbox-row-"+row), "Two agents on leave") &&
				strings.Contains(textOf(pctx, "inbox-row-"+row), "2 / 10") && strings.HasPrefix(textOf(pctx, "inbox-summary"), "1 sent")
		})
		screenshot(t, pctx, artifacts, "score-sheets-inbox.png")
		if h := attr(pctx, "inbox-open-"+row, "href"); !strings.HasSuffix(h, "&lang=en") {
			t.Errorf("the inbox's sheet link %q without the language", h)
		}
		if status, page := fetchInPage(t, pctx, attr(pctx, "inbox-open-"+row, "href")); status != 200 || !strings.Contains(page, "sent by lee") ||
			!strings.Contains(page, "Note: Two agents on leave") {
			t.Errorf("the sheet as sent: %d\n%.400s", status, page)
		}
		switchLang(t, pctx, "zh-CN")
		waitFor(t, pctx, 10*time.Second, "the inbox in Chinese", func() bool {
			return strings.HasPrefix(textOf(pctx, "inbox-status-"+row), "已发送") && strings.HasPrefix(textOf(pctx, "inbox-summary"), "已发送 1 份") &&
				strings.HasSuffix(attr(pctx, "inbox-open-"+row, "href"), "&lang=zh-CN")
		})
		screenshot(t, pctx, artifacts, "zh-score-sheets-inbox.png")

	} else {
		t.Logf("the sheet's day %s (page %s) is before lee existed (%s): its sending is not tried at this hour", sheet.Day, pageDay, today)
	}
	// ---- (d) in Chinese: the team lead's pages ----
	switchLang(t, lctx, "zh-CN")
	for _, p := range []struct{ path, ready, heading, file string }{
		{"/qa", "worklist", "我的质检工作清单", "zh-worklist.png"},
		{"/qa/evaluate/" + url.PathEscape(others[0]), "item-greet", "评估通话 " + others[0], "zh-evaluate.png"},
		{"/qa/disputes", "dispute-" + d1 + "-lead", "申诉收件箱", "zh-disputes.png"},
		{"/qa/reports", "rep-row-0", "质检报表", "zh-reports.png"},
		{"/qa/score-sheet", "sheet-count", "每日评分单", "zh-score-sheet.png"},
	} {
		do(t, lctx, "open "+p.path, chromedp.Navigate(base+p.path), chromedp.WaitVisible(byTestID(p.ready)))
		h1, _ := chromedp.Run(lctx, chromedp.Evaluate[string](`document.querySelector("main h1").textContent`))
		if h1 != p.heading {
			t.Errorf("%s heading %q, want %q", p.path, h1, p.heading)
		}
		switch p.path {
		case "/qa/disputes":
			if s := textOf(lctx, "dispute-"+d1+"-lead"); !strings.Contains(s, "组长意见：已驳回（lee）") {
				t.Errorf("the lead's review in Chinese: %q", s)
			}
		case "/qa/reports":
			waitFor(t, lctx, 10*time.Second, "rates in Chinese", func() bool { return strings.Contains(textOf(lctx, "rep-rows"), "次评估）") })
			if h := attr(lctx, "rep-html", "href"); !strings.Contains(h, "lang=zh-CN&format=html") {
				t.Errorf("the printable link in Chinese %q does not carry lang=zh-CN", h)
			}
			if s := textOf(lctx, "nav-qa-score-sheet"); s != "每日评分单" {
				t.Errorf("score sheet nav link %q", s)
			}
		case "/qa/score-sheet":
			if sheetDay != "" {
				elDate(t, lctx, "sheet-day", sheetDay)
			}
			waitFor(t, lctx, 10*time.Second, "the sheet in Chinese", func() bool {
				return textOf(lctx, "sheet-count") == "2 / 10" && textOf(lctx, "sheet-togo") == "还差 8 次" && present(lctx, "sheet-row-"+ev3)
			})
			if h := attr(lctx, "sheet-html", "href"); !strings.HasSuffix(h, "&lang=zh-CN") {
				t.Errorf("the printable sheet's link in Chinese %q", h)
			}
			if status, _ := fetchInPage(t, lctx, attr(lctx, "sheet-html", "href")); status != 200 {
				t.Errorf("the printable sheet in Chinese: %d", status)
			}
		case "/qa/evaluate/" + url.PathEscape(others[0]):
			waitFor(t, lctx, 30*time.Second, "the waveform", func() bool {
				ok, _ := chromedp.Run(lctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid="waveform"]').dataset.ready === "1"`))
				return ok
			})
		}
		screenshot(t, lctx, artifacts, p.file)
	}
}

// recordedTeamCalls places sales calls until two ended, recorded calls of 1001 and two of other
// team-a agents are in the history.
func recordedTeamCalls(t *testing.T, m *Main, v1, tok string) (ana, others []string) {
	t.Helper()
	// today's calls only (the demo's day is UTC's): in the hour after midnight the last hour also
	// holds the seeded history's calls of yesterday, and a sheet of yesterday is not the new team
	// lead's to send (they did not exist yet)
	start := time.Now().Add(-time.Hour).UTC()
	if midnight := time.Now().UTC().Truncate(24 * time.Hour); start.Before(midnight) {
		start = midnight
	}
	from := start.Format(time.RFC3339)
	deadline := time.Now().Add(120 * time.Second)
	for {
		to := time.Now().Add(time.Minute).UTC().Format(time.RFC3339)
		code, body := api(t, "GET", v1+"/calls?outcome=answered&limit=500&from="+url.QueryEscape(from)+"&to="+url.QueryEscape(to), tok, "")
		if code != 200 {
			t.Fatalf("calls: %d %v", code, body)
		}
		ana, others = nil, nil
		calls, _ := body["calls"].([]any)
		for _, c := range calls {
			c := c.(map[string]any)
			talk, _ := c["talk_ms"].(float64)
			agent, _ := c["agent"].(string)
			n, _ := strconv.Atoi(agent)
			if c["ended_at"] == nil || c["recording_name"] == nil || c["recording_name"] == "" || talk < 300 || n < 1001 || n > 1012 {
				continue
			}
			if agent == "1001" {
				ana = append(ana, c["id"].(string))
			} else {
				others = append(others, c["id"].(string))
			}
		}
		if len(ana) >= 2 && len(others) >= 2 {
			return ana, others
		}
		if time.Now().After(deadline) {
			t.Fatalf("within 120 s: recorded calls of 1001 %v, of the rest of team-a %v", ana, others)
		}
		for range 2 {
			if _, err := m.Sim.PlaceCall(sim.CallerSpec{Queue: "sales", Number: "5550143", TalkFor: 10 * time.Second}); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(2 * time.Second)
	}
}

type qaRate struct {
	Percent         *float64 `json:"percent"`
	Numerator       int      `json:"numerator"`
	Denominator     int      `json:"denominator"`
	DenominatorName string   `json:"denominator_name"`
	Text            string   `json:"text"`
}

type reportRow struct {
	Key          string   `json:"key"`
	Period       string   `json:"period"`
	Evaluations  int      `json:"evaluations"`
	Quota        *int     `json:"quota"`
	AvgScore     *float64 `json:"avg_score"`
	FatalRate    qaRate   `json:"fatal_rate"`
	NonFatalRate qaRate   `json:"non_fatal_rate"`
	TopFailed    []struct {
		ItemID string `json:"item_id"`
		Text   string `json:"text"`
		Count  int    `json:"count"`
	} `json:"top_failed_items"`
	Disputed     int    `json:"disputed"`
	DisputeRate  qaRate `json:"dispute_rate"`
	Decided      int    `json:"decided"`
	Overturned   int    `json:"overturned"`
	OverturnRate qaRate `json:"overturn_rate"`
}

type reportJSON struct {
	Group     string      `json:"group"`
	Rows      []reportRow `json:"rows"`
	TopFailed []struct {
		ItemID string `json:"item_id"`
		Count  int    `json:"count"`
	} `json:"top_failed_items"`
}

// rowOf is the report's one row of key.
func rowOf(t *testing.T, rep reportJSON, key string) reportRow {
	t.Helper()
	var found []reportRow
	for _, r := range rep.Rows {
		if r.Key == key {
			found = append(found, r)
		}
	}
	if len(found) != 1 || found[0].AvgScore == nil {
		t.Fatalf("want one row of %s in %+v", key, rep.Rows)
	}
	return found[0]
}

// rateEN is how the page words a rate in English: two decimals and the denominator named.
func rateEN(r qaRate) string {
	if r.Percent == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.2f %% of %d %s", *r.Percent, r.Denominator, r.DenominatorName)
}

func pctOf(r qaRate) string {
	if r.Percent == nil {
		return ""
	}
	return strconv.FormatFloat(*r.Percent, 'f', 2, 64)
}

func f2(v *float64) string {
	if v == nil {
		return "–"
	}
	return strconv.FormatFloat(*v, 'f', 2, 64)
}

func quotaOf(n int, q *int) string {
	if q == nil {
		return strconv.Itoa(n)
	}
	return fmt.Sprintf("%d / %d", n, *q)
}

type evalJSON struct {
	Status     string  `json:"status"`
	ScoreFinal float64 `json:"score_final"`
	Fatal      bool    `json:"fatal"`
	Disputes   []struct {
		ID         int64  `json:"id"`
		LeadReview string `json:"lead_review"`
		LeadBy     string `json:"lead_by"`
		LeadNote   string `json:"lead_note"`
		Decision   string `json:"decision"`
	} `json:"disputes"`
}

func evaluation(t *testing.T, v1, tok, id string) evalJSON {
	t.Helper()
	var e evalJSON
	getJSON(t, v1+"/evaluations/"+id, tok, &e)
	if len(e.Disputes) != 1 {
		t.Fatalf("evaluation %s: want one dispute: %+v", id, e)
	}
	return e
}

func disputeOf(t *testing.T, v1, tok, evID string) string {
	t.Helper()
	return strconv.FormatInt(evaluation(t, v1, tok, evID).Disputes[0].ID, 10)
}

func atoi64(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func getJSON(t *testing.T, u, tok string, into any) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatalf("GET %s: %v\n%s", u, err, b)
	}
}
