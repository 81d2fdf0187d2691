package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

func testCampaign(id string) callfloor.Campaign {
	c := callfloor.NewCampaign(id, "续保 "+id)
	c.CallerIDs = []string{"02160001234"}
	return c
}

var dialSeq struct {
	sync.Mutex
	n int
}

func nextDial() string {
	dialSeq.Lock()
	defer dialSeq.Unlock()
	dialSeq.n++
	return fmt.Sprintf("dial-%d", dialSeq.n)
}

func TestCampaignImportRejectsAndDedupes(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	if _, err := db.PutCampaign(ctx, callfloor.Campaign{ID: "x"}); callfloor.SpecificCode(err) != callfloor.CodeRequired {
		t.Errorf("an empty campaign: %v, want required (name)", err)
	}
	c := testCampaign("renew")
	c.Project = "nope"
	if _, err := db.PutCampaign(ctx, c); callfloor.SpecificCode(err) != callfloor.CodeUnknownRef {
		t.Errorf("unknown project: %v", err)
	}
	c.Project = ""
	if _, err := db.PutCampaign(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := db.AddDNC(ctx, "139 0000 0009", "", "complaint", "olga"); err != nil {
		t.Fatal(err)
	}
	header := []string{"姓名", "手机", "保单号", "到期日", "时区"}
	rows := [][]string{
		{"王芳", "138 1234 5678", "PA-1", "2026-12-20", ""},     // row 2
		{"王芳", "+86 138-1234-5678", "PA-1", "2026-12-20", ""}, // 3: the same number again
		{"李娜", "12345", "PA-2", "", ""},                       // 4: not a number
		{"张伟", "", "PA-3", "", ""},                            // 5: no number
		{"刘洋", "021-8765 4321", "PA-4", "2026-12-28", ""},     // 6: a landline
		{"陈静", "13900000009", "PA-5", "", ""},                 // 7: on the do-not-call list
		{"赵磊", "13700000001", "PA-6", "", "Asia/Urumqi"},      // 8
		{"孙丽", "13700000002", "PA-7", "", "Mars/Base"},        // 9: unknown zone
	}
	m := storage.LeadMapping{Phone: "手机", Name: "姓名", TimeZone: "时区", Fields: []string{"保单号", "到期日"}}
	rep, err := db.ImportLeads(ctx, "renew", "十二月到期", "dec.xlsx", "pam", header, rows, m)
	if err != nil {
		t.Fatal(err)
	}
	want := []storage.ImportReject{
		{Row: 3, Column: "手机", Code: callfloor.CodeDuplicate, Value: "+86 138-1234-5678", First: 2},
		{Row: 4, Column: "手机", Code: callfloor.CodeInvalidNumber, Value: "12345"},
		{Row: 5, Column: "手机", Code: callfloor.CodeRequired},
		{Row: 7, Column: "手机", Code: storage.CodeDoNotCall, Value: "+8613900000009"},
		{Row: 9, Column: "时区", Code: callfloor.CodeInvalidFormat, Value: "Mars/Base"},
	}
	if rep.Total != 8 || rep.Loaded != 3 || fmt.Sprint(rep.Rejected) != fmt.Sprint(want) {
		t.Errorf("report %+v\nwant 8 rows, 3 loaded, rejected %+v", rep, want)
	}
	// a second list: the landline is already a lead of the campaign
	rep2, err := db.ImportLeads(ctx, "renew", "补充", "more.csv", "pam", []string{"phone"}, [][]string{{"02187654321"}, {"13700000003"}}, storage.LeadMapping{Phone: "phone"})
	if err != nil {
		t.Fatal(err)
	}
	if rep2.Loaded != 1 || len(rep2.Rejected) != 1 || rep2.Rejected[0].Code != callfloor.CodeAlreadyExists || rep2.Rejected[0].Row != 2 {
		t.Errorf("second list: %+v", rep2)
	}
	// a mapping naming a column the sheet lacks
	if _, err := db.ImportLeads(ctx, "renew", "x", "", "pam", header, rows, storage.LeadMapping{Phone: "电话"}); callfloor.SpecificCode(err) != callfloor.CodeUnknownRef {
		t.Errorf("missing column: %v", err)
	}
	ci, err := db.GetCampaign(ctx, "renew")
	if err != nil || ci.Status != "draft" || ci.Leads["new"] != 4 {
		t.Errorf("campaign %+v %v, want draft with 4 new leads", ci, err)
	}
	leads, err := db.ClaimLeads(ctx, "renew", 10, time.Now(), nextDial)
	if err != nil || len(leads) != 4 {
		t.Fatalf("claimed %d, %v", len(leads), err)
	}
	for _, l := range leads {
		if l.Phone == "+8613812345678" && (l.Name != "王芳" || l.Fields["保单号"] != "PA-1" || l.Fields["到期日"] != "2026-12-20") {
			t.Errorf("lead %+v lost its fields", l)
		}
		if l.Phone == "+8613700000001" && l.TimeZone != "Asia/Urumqi" {
			t.Errorf("lead %+v lost its zone", l)
		}
	}
}

// Leads are handed out once, call-backs first; an attempt's result schedules the next; a refusal
// puts the number on the global do-not-call list and closes it in other campaigns too.
func TestLeadsClaimAttemptsAndDNC(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	for _, id := range []string{"renew", "upsell"} {
		if _, err := db.PutCampaign(ctx, testCampaign(id)); err != nil {
			t.Fatal(err)
		}
	}
	var phones [][]string
	for i := range 40 {
		phones = append(phones, []string{fmt.Sprintf("1370000%04d", i)})
	}
	if _, err := db.ImportLeads(ctx, "renew", "a", "", "pam", []string{"phone"}, phones, storage.LeadMapping{Phone: "phone"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportLeads(ctx, "upsell", "b", "", "pam", []string{"phone"}, phones[:2], storage.LeadMapping{Phone: "phone"}); err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, loc) // a Wednesday, inside 09:00–20:00
	// two diallers at once never get the same lead
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ls, err := db.ClaimLeads(ctx, "renew", 7, now, nextDial)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			for _, l := range ls {
				seen[l.ID]++
				if l.Status != "dialling" || l.DialID == "" {
					t.Errorf("claimed lead %+v not marked dialling", l)
				}
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(seen) != 28 {
		t.Errorf("4 claims of 7: %d distinct leads, want 28", len(seen))
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("lead %d handed out %d times", id, n)
		}
	}
	inFlight, err := db.DiallingLeads(ctx, "renew")
	if err != nil || len(inFlight) != 28 {
		t.Fatalf("dialling leads %d %v", len(inFlight), err)
	}
	// lead 0: busy → again 10 minutes later
	l0 := inFlight[0]
	next, err := db.RecordAttempt(ctx, storage.AttemptRecord{LeadID: l0.ID, DialID: l0.DialID, At: now, Result: callfloor.ResultBusy, Ring: 4 * time.Second}, nil)
	if err != nil || next.Done || !next.At.Equal(now.Add(10*time.Minute)) {
		t.Errorf("busy: %+v %v", next, err)
	}
	// lead 1: answered; the agent's disposition comes later: a call-back tomorrow at 15:00
	l1 := inFlight[1]
	ans := storage.AttemptRecord{LeadID: l1.ID, DialID: l1.DialID, At: now, Result: callfloor.ResultAnswered, Ring: 8 * time.Second, CallID: "c-1", Agent: "1001"}
	if _, err := db.RecordAttempt(ctx, ans, nil); err != nil {
		t.Fatal(err)
	}
	if ls, _ := db.DiallingLeads(ctx, "renew"); len(ls) != 27 {
		t.Errorf("an answered lead awaiting its disposition stays with the agent: %d dialling, want 27", len(ls))
	}
	ans.Disposition, ans.CallbackAt = "callback", now.Add(29*time.Hour)
	next, err = db.RecordAttempt(ctx, ans, nil)
	if err != nil || !next.Callback || !next.At.Equal(now.Add(29*time.Hour)) {
		t.Errorf("call-back: %+v %v", next, err)
	}
	// a bad disposition is refused, naming it
	bad := ans
	bad.Disposition = "maybe"
	if _, err := db.RecordAttempt(ctx, bad, nil); callfloor.SpecificCode(err) != callfloor.CodeInvalidChoice {
		t.Errorf("unknown disposition: %v", err)
	}
	// lead 2 (the number also in "upsell"): refused → done, on the global DNC, upsell's lead closed
	l2 := inFlight[2]
	if _, err := db.RecordAttempt(ctx, storage.AttemptRecord{LeadID: l2.ID, DialID: l2.DialID, At: now, Result: callfloor.ResultAnswered, Agent: "1002", Disposition: "refused"}, nil); err != nil {
		t.Fatal(err)
	}
	if on, _ := db.OnDNC(ctx, l2.Phone, "upsell"); !on {
		t.Errorf("refused number %s not on the do-not-call list", l2.Phone)
	}
	up, err := db.ClaimLeads(ctx, "upsell", 10, now, nextDial)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range up {
		if l.Phone == l2.Phone {
			t.Errorf("upsell handed out %s after it was refused in renew", l.Phone)
		}
	}
	// the same dial reported twice is one attempt
	if _, err := db.RecordAttempt(ctx, storage.AttemptRecord{LeadID: l0.ID, DialID: l0.DialID, At: now, Result: callfloor.ResultBusy}, nil); err != nil {
		t.Fatal(err)
	}
	if ra, _ := db.RecentAttempts(ctx, []string{l0.Phone}, now.Add(-time.Hour)); len(ra[l0.Phone]) != 1 {
		t.Errorf("attempts of %s: %v, want one", l0.Phone, ra)
	}
	// the 12 not yet claimed come next; the call-back comes first once due, before older leads
	rest, _ := db.ClaimLeads(ctx, "renew", 100, now.Add(30*time.Hour), nextDial)
	if len(rest) < 2 || rest[0].ID != l1.ID {
		t.Errorf("after the call-back's time: first %+v, want the call-back (lead %d)", rest[0], l1.ID)
	}
	// a lead given back (outside its window) is due again at the time given
	r := rest[1]
	if err := db.Reschedule(ctx, r.ID, r.DialID, now.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if again, _ := db.ClaimLeads(ctx, "renew", 100, now.Add(47*time.Hour), nextDial); len(again) != 0 {
		t.Errorf("rescheduled lead handed out early: %+v", again)
	}
	if again, _ := db.ClaimLeads(ctx, "renew", 100, now.Add(48*time.Hour), nextDial); len(again) != 1 || again[0].ID != r.ID {
		t.Errorf("rescheduled lead at its time: %+v", again)
	}
}

// The owner column: an agent named by agent id, by the login of the agent's user (any case) or
// by name; an unknown owner and a name two agents share are rejected with the row named.
func TestCampaignImportOwnerColumn(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO teams (id, name) VALUES ('red', '电销一组')`,
		`INSERT INTO agents (id, name, endpoint, team_id) VALUES ('8001', '王芳', 'PJSIP/8001', 'red'), ('8002', '李娜', 'PJSIP/8002', 'red'),
			('8003', '张伟', 'PJSIP/8003', 'red'), ('8004', '张伟', 'PJSIP/8004', 'red')`,
		`INSERT INTO users (username, password_hash, role, team_id, agent_id, created_at) VALUES ('lina', 'x', 'agent', 'red', '8002', now())`,
	} {
		if _, err := db.Pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.PutCampaign(ctx, testCampaign("renew")); err != nil {
		t.Fatal(err)
	}
	header := []string{"手机", "归属坐席"}
	rows := [][]string{
		{"13700000001", "8001"}, // 2: agent id
		{"13700000002", "LiNa"}, // 3: login
		{"13700000003", "王芳"},   // 4: name
		{"13700000004", ""},     // 5: nobody's
		{"13700000005", "赵六"},   // 6: unknown
		{"13700000006", "张伟"},   // 7: two agents have the name
		{"13700000007", "8003"}, // 8: the id still tells them apart
	}
	rep, err := db.ImportLeads(ctx, "renew", "带归属", "owners.xlsx", "pam", header, rows, storage.LeadMapping{Phone: "手机", Owner: "归属坐席"})
	if err != nil {
		t.Fatal(err)
	}
	want := []storage.ImportReject{
		{Row: 6, Column: "归属坐席", Code: callfloor.CodeUnknownRef, Value: "赵六"},
		{Row: 7, Column: "归属坐席", Code: storage.CodeAmbiguousOwner, Value: "张伟"},
	}
	if rep.Loaded != 5 || fmt.Sprint(rep.Rejected) != fmt.Sprint(want) {
		t.Fatalf("report %+v, want 5 loaded and rejected %+v", rep, want)
	}
	leads, err := db.ListLeads(ctx, "renew", rep.ListID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, l := range leads {
		got[l.Phone] = l.Owner
	}
	wantOwners := map[string]string{"+8613700000001": "8001", "+8613700000002": "8002", "+8613700000003": "8001", "+8613700000004": "", "+8613700000007": "8003"}
	if fmt.Sprint(got) != fmt.Sprint(wantOwners) {
		t.Errorf("owners %v, want %v", got, wantOwners)
	}
	// a mapping naming an owner column the sheet lacks
	_, err = db.ImportLeads(ctx, "renew", "x", "", "pam", header, rows, storage.LeadMapping{Phone: "手机", Owner: "坐席"})
	var ce *callfloor.Error
	if !errors.As(err, &ce) || ce.Code != callfloor.CodeUnknownRef || ce.Field != "mapping.owner" {
		t.Errorf("missing owner column: %v", err)
	}
}
