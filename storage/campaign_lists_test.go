package storage_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// dialAll claims every due lead of a campaign and records result (and disposition) for each.
func dialAll(t *testing.T, db *storage.DB, campaign string, at time.Time, result callfloor.DialResult, disposition string) []storage.Lead {
	t.Helper()
	ctx := context.Background()
	ls, err := db.ClaimLeads(ctx, campaign, 1000, at, nextDial)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if _, err := db.RecordAttempt(ctx, storage.AttemptRecord{LeadID: l.ID, DialID: l.DialID, At: at, Result: result, CallID: l.DialID,
			Agent: "1001", Disposition: disposition}, nil); err != nil {
			t.Fatal(err)
		}
	}
	return ls
}

// A list's counts, pause and resume, recycling by outcome (with and without resetting the
// attempts), the export's leads and a lead's attempts.
func TestCampaignListsPauseRecycle(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	c := testCampaign("renew")
	c.MaxAttempts, c.MaxAttemptsPerDay = 2, 2
	if _, err := db.PutCampaign(ctx, c); err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for i := range 6 {
		rows = append(rows, []string{fmt.Sprintf("1380000%04d", i), fmt.Sprintf("客户%d", i)})
	}
	rep, err := db.ImportLeads(ctx, "renew", "十二月", "dec.csv", "pam", []string{"phone", "name"}, rows, storage.LeadMapping{Phone: "phone", Name: "name"})
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	day := time.Date(2026, 12, 2, 10, 0, 0, 0, loc)
	// paused: nothing handed out
	if before, err := db.SetListStatus(ctx, "renew", rep.ListID, "paused"); err != nil || before != "active" {
		t.Fatalf("pause: %q %v", before, err)
	}
	if ls, _ := db.ClaimLeads(ctx, "renew", 10, day, nextDial); len(ls) != 0 {
		t.Fatalf("a paused list handed out %d leads", len(ls))
	}
	if _, err := db.SetListStatus(ctx, "renew", rep.ListID, "stopped"); callfloor.SpecificCode(err) != callfloor.CodeInvalidChoice {
		t.Errorf("bad status: %v", err)
	}
	if _, err := db.SetListStatus(ctx, "other", rep.ListID, "active"); callfloor.ErrorKind(err) != callfloor.ENOTFOUND {
		t.Errorf("another campaign's list: %v", err)
	}
	if _, err := db.SetListStatus(ctx, "renew", rep.ListID, "active"); err != nil {
		t.Fatal(err)
	}
	// two no-answers each: the 2-attempt limit ends every lead
	dialAll(t, db, "renew", day, callfloor.ResultNoAnswer, "")
	dialAll(t, db, "renew", day.Add(2*time.Hour), callfloor.ResultNoAnswer, "")
	lists, err := db.CampaignLists(ctx, "renew", day.Add(-10*time.Hour))
	if err != nil || len(lists) != 1 || lists[0].Leads["done"] != 6 || lists[0].DialsToday != 12 || lists[0].RowsLoaded != 6 {
		t.Fatalf("lists %+v %v", lists, err)
	}
	// recycle without reset: one more try each, then done again
	if _, err := db.RecycleList(ctx, "renew", rep.ListID, storage.Recycle{Outcomes: []string{"success"}}, day); callfloor.SpecificCode(err) != callfloor.CodeInvalidChoice {
		t.Errorf("recycling successes: %v", err)
	}
	if _, err := db.RecycleList(ctx, "renew", rep.ListID, storage.Recycle{}, day); callfloor.SpecificCode(err) != callfloor.CodeTooFew {
		t.Errorf("no outcomes: %v", err)
	}
	n, err := db.RecycleList(ctx, "renew", rep.ListID, storage.Recycle{Outcomes: []string{"no_answer", "busy"}}, day.Add(3*time.Hour))
	if err != nil || n != 6 {
		t.Fatalf("recycle: %d %v", n, err)
	}
	dialAll(t, db, "renew", day.Add(4*time.Hour), callfloor.ResultBusy, "")
	if l, _ := db.CampaignLists(ctx, "renew", day); l[0].Leads["done"] != 6 {
		t.Errorf("without a reset a recycled lead at its limit gets one try: %v", l[0].Leads)
	}
	// with the reset: the attempts start again (busy → retried in 10 minutes, not done)
	n, err = db.RecycleList(ctx, "renew", rep.ListID, storage.Recycle{Outcomes: []string{"max_attempts"}, ResetAttempts: true}, day.Add(5*time.Hour))
	if err != nil || n != 6 {
		t.Fatalf("recycle with reset: %d %v", n, err)
	}
	ls := dialAll(t, db, "renew", day.Add(5*time.Hour), callfloor.ResultBusy, "")
	if l, _ := db.CampaignLists(ctx, "renew", day); l[0].Leads["scheduled"] != 6 {
		t.Errorf("after a reset: %v, want 6 scheduled", l[0].Leads)
	}
	d, err := db.GetLead(ctx, "renew", ls[0].ID)
	if err != nil || len(d.Attempts) != 4 || d.Attempts[3].Result != "busy" || d.Lead.Attempts != 1 || d.Status != "scheduled" {
		t.Errorf("lead detail %+v %v: 4 attempts in its history, 1 since the reset", d, err)
	}
	if _, err := db.GetLead(ctx, "other", ls[0].ID); callfloor.ErrorKind(err) != callfloor.ENOTFOUND {
		t.Errorf("a lead through another campaign: %v", err)
	}
	// a refused number is never recycled
	refused := dialAll(t, db, "renew", day.Add(6*time.Hour), callfloor.ResultAnswered, "refused")
	if len(refused) != 6 {
		t.Fatalf("claimed %d", len(refused))
	}
	if n, err := db.RecycleList(ctx, "renew", rep.ListID, storage.Recycle{Outcomes: []string{"busy", "no_answer", "max_attempts"}}, day.Add(7*time.Hour)); err != nil || n != 0 {
		t.Errorf("recycled %d refused leads (%v)", n, err)
	}
	all, err := db.ListLeads(ctx, "renew", rep.ListID)
	if err != nil || len(all) != 6 || all[0].Name != "客户0" || all[0].LastDisposition != "refused" || all[0].DoneReason != "refused" {
		t.Errorf("export leads %+v %v", all, err)
	}
}

// Consent required: only numbers with current evidence are dialled; an expired consent stops
// them. The do-not-call list per campaign and global; removing a number; a number's contact
// history across campaigns with its recording.
func TestConsentDNCAndContactHistory(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	vip := testCampaign("vip")
	vip.RequireConsent = true
	for _, c := range []callfloor.Campaign{testCampaign("renew"), vip} {
		if _, err := db.PutCampaign(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	phones := [][]string{{"13900000001"}, {"13900000002"}, {"13900000003"}}
	for _, id := range []string{"renew", "vip"} {
		if _, err := db.ImportLeads(ctx, id, "l", "", "pam", []string{"p"}, phones, storage.LeadMapping{Phone: "p"}); err != nil {
			t.Fatal(err)
		}
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, loc) // inside the calling window
	if _, err := db.PutConsent(ctx, storage.Consent{Phone: "139 0000 0001", Campaign: "vip", Evidence: ""}); callfloor.SpecificCode(err) != callfloor.CodeRequired {
		t.Errorf("no evidence: %v", err)
	}
	if _, err := db.PutConsent(ctx, storage.Consent{Phone: "139", Evidence: "x"}); callfloor.SpecificCode(err) != callfloor.CodeInvalidNumber {
		t.Errorf("bad number: %v", err)
	}
	if _, err := db.PutConsent(ctx, storage.Consent{Phone: "13900000001", Campaign: "nope", Evidence: "x"}); callfloor.SpecificCode(err) != callfloor.CodeUnknownRef {
		t.Errorf("unknown campaign: %v", err)
	}
	if before, err := db.PutConsent(ctx, storage.Consent{Phone: "139 0000 0001", Campaign: "vip", Evidence: "线上授权书 A-17", RecordedBy: "pam"}); err != nil || before != nil {
		t.Fatal(before, err)
	}
	if _, err := db.PutConsent(ctx, storage.Consent{Phone: "13900000002", Evidence: "通话录音 c-9 中同意", RecordedBy: "pam"}); err != nil {
		t.Fatal(err)
	}
	got, err := db.ClaimLeads(ctx, "vip", 10, now, nextDial)
	if err != nil || len(got) != 2 {
		t.Fatalf("consent required: claimed %d (%v), want the 2 with consent", len(got), err)
	}
	for _, l := range got {
		if _, err := db.RecordAttempt(ctx, storage.AttemptRecord{LeadID: l.ID, DialID: l.DialID, At: now.Add(-time.Hour), Result: callfloor.ResultBusy, CallID: "call-" + l.DialID, Agent: "1001"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExpireConsent(ctx, "13900000001", "vip", now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExpireConsent(ctx, "13900000001", "vip", now); callfloor.ErrorKind(err) != callfloor.ENOTFOUND {
		t.Errorf("expiring twice: %v", err)
	}
	if ls, _ := db.ClaimLeads(ctx, "vip", 10, now.Add(time.Hour), nextDial); len(ls) != 1 || ls[0].Phone != "+8613900000002" {
		t.Errorf("after the expiry: %+v, want only 13900000002", ls)
	}
	cs, err := db.ListConsents(ctx, "+8613900000001")
	if err != nil || len(cs) != 1 || cs[0].ExpiresAt == nil || cs[0].Evidence != "线上授权书 A-17" {
		t.Errorf("consents %+v %v", cs, err)
	}
	// a per-campaign do-not-call entry holds in its campaign only
	if err := db.AddDNC(ctx, "13900000003", "renew", "客户要求", "olga"); err != nil {
		t.Fatal(err)
	}
	if on, _ := db.OnDNC(ctx, "+8613900000003", "vip"); on {
		t.Error("renew's do-not-call entry holds in vip")
	}
	if on, _ := db.OnDNC(ctx, "+8613900000003", "renew"); !on {
		t.Error("renew's do-not-call entry")
	}
	e, err := db.RemoveDNC(ctx, "139-0000-0003", "renew")
	if err != nil || e.Reason != "客户要求" || e.Source != "manual" {
		t.Fatalf("remove: %+v %v", e, err)
	}
	if _, err := db.RemoveDNC(ctx, "13900000003", "renew"); callfloor.ErrorKind(err) != callfloor.ENOTFOUND {
		t.Errorf("removing twice: %v", err)
	}
	// the contact history: renew's attempt and vip's, with the recording of the one that has one
	rl := dialAll(t, db, "renew", now, callfloor.ResultAnswered, "interested")
	var target storage.Lead
	for _, l := range rl {
		if l.Phone == "+8613900000002" {
			target = l
		}
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, node, entered_at, recording_name, last_event_id) VALUES ($1, 'outbound', 'pbx1', $2, 'rec-x', '1-0')`, target.DialID, now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO recordings (name, node, format, call_id, call_entered_at, created_at) VALUES ('rec-x', 'pbx1', 'wav', $1, $2, $2)`, target.DialID, now); err != nil {
		t.Fatal(err)
	}
	h, err := db.ContactHistory(ctx, "139 0000 0002")
	if err != nil || len(h) != 2 {
		t.Fatalf("history %+v %v", h, err)
	}
	if h[0].Campaign != "vip" || h[0].Result != "busy" || h[1].Campaign != "renew" || h[1].Disposition != "interested" || h[1].Recording != "rec-x" || h[1].Agent != "1001" {
		t.Errorf("history %+v", h)
	}
}

// The retention sweep keeps a campaign call's recording for the campaign's recording_keep_days
// (and never under 30 days) whatever the general retention; other recordings go as before.
func TestPruneKeepsOutboundRecordings(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	nodes := &memNodes{audio: map[string]map[string]bool{}}
	now := time.Now().UTC().Truncate(time.Second)
	c := testCampaign("renew")
	c.RecordingKeepDays = 60
	if _, err := db.PutCampaign(ctx, c); err != nil {
		t.Fatal(err)
	}
	short := testCampaign("short")
	if _, err := db.PutCampaign(ctx, short); err != nil {
		t.Fatal(err)
	}
	// a campaign whose stored rules say less than the minimum (an older version's) still keeps 30 days
	if _, err := db.Pool.Exec(ctx, `UPDATE campaigns SET rules = jsonb_set(rules, '{recording_keep_days}', '7') WHERE id = 'short'`); err != nil {
		t.Fatal(err)
	}
	seedRecording(t, db, nodes, "in-20", "pbx1", now.AddDate(0, 0, -20), false)  // inbound, 20 days: general retention (7 days) deletes it
	seedRecording(t, db, nodes, "out-20", "pbx1", now.AddDate(0, 0, -20), false) // renew, 20 days: kept
	seedRecording(t, db, nodes, "out-50", "pbx1", now.AddDate(0, 0, -50), false) // renew, 50 days < 60: kept
	seedRecording(t, db, nodes, "out-70", "pbx1", now.AddDate(0, 0, -70), false) // renew, 70 days: goes
	seedRecording(t, db, nodes, "sh-20", "pbx1", now.AddDate(0, 0, -20), false)  // short, 20 days < 30: kept
	seedRecording(t, db, nodes, "sh-40", "pbx1", now.AddDate(0, 0, -40), false)  // short, 40 days: goes
	for i, x := range []struct{ campaign, rec string }{{"renew", "out-20"}, {"renew", "out-50"}, {"renew", "out-70"}, {"short", "sh-20"}, {"short", "sh-40"}} {
		if _, err := db.ImportLeads(ctx, x.campaign, x.rec, "", "pam", []string{"p"}, [][]string{{fmt.Sprintf("1360000%04d", i)}}, storage.LeadMapping{Phone: "p"}); err != nil {
			t.Fatal(err)
		}
	}
	// attach each campaign recording's call to an attempt: by call id for renew, by dial id (the
	// dialler's call id) for short
	rows, err := db.Pool.Query(ctx, `SELECT l.id, l.campaign_id, cl.name FROM leads l JOIN campaign_lists cl ON cl.id = l.list_id`)
	if err != nil {
		t.Fatal(err)
	}
	type lr struct {
		id             int64
		campaign, list string
	}
	var leads []lr
	for rows.Next() {
		var x lr
		if err := rows.Scan(&x.id, &x.campaign, &x.list); err != nil {
			t.Fatal(err)
		}
		leads = append(leads, x)
	}
	rows.Close()
	for _, l := range leads {
		a := storage.AttemptRecord{LeadID: l.id, DialID: "d-" + l.list, At: now, Result: callfloor.ResultBusy}
		if l.campaign == "renew" {
			a.CallID = "call-" + l.list
		} else {
			a.DialID = "call-" + l.list
		}
		if _, err := db.RecordAttempt(ctx, a, nil); err != nil {
			t.Fatal(err)
		}
	}
	deleted, err := db.PruneRecordings(ctx, now.AddDate(0, 0, -7), nodes, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"out-70", "sh-40", "in-20"}; !reflect.DeepEqual(deleted, want) {
		t.Errorf("deleted %v, want %v", deleted, want)
	}
	if got, want := recordingNames(t, db), []string{"out-20", "out-50", "sh-20"}; !reflect.DeepEqual(got, want) {
		t.Errorf("kept %v, want %v", got, want)
	}
}
