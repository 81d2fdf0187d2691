package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

var pdf = []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

// Two days of sick leave with a sick note go through the whole chain (team lead, supervisor,
// centre director) and show in attendance; a rejection ends a request; balances limit annual leave.
func TestLeaveChainAndBalances(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	r := callfloor.LeaveRequest{Agent: "1001", Type: callfloor.LeaveSick, From: "2026-12-07", To: "2026-12-08", Days: 2, RequestedOn: "2026-12-07", Reason: "发烧"}
	_, err := db.RequestLeave(ctx, r, "", nil, "ana")
	if callfloor.SpecificCode(err) != callfloor.CodeAttachmentNeeded {
		t.Fatalf("no sick note: %v", err)
	}
	_, err = db.RequestLeave(ctx, r, "", []storage.NewAttachment{{Filename: "x.exe", ContentType: "application/octet-stream", Data: []byte("MZ")}}, "ana")
	wantCode(t, err, callfloor.EINVALID, "attachments[0]")
	v, err := db.RequestLeave(ctx, r, "", []storage.NewAttachment{{Filename: "病假条.pdf", ContentType: "application/pdf", Data: pdf}}, "ana")
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != "pending" || len(v.Chain) != 3 || v.NextRole != callfloor.RoleTeamLead || len(v.Files) != 1 || v.Attachments != 1 {
		t.Fatalf("%+v", v)
	}
	if _, err := db.RequestLeave(ctx, callfloor.LeaveRequest{Agent: "1001", Type: callfloor.LeaveAnnual, From: "2026-12-08", To: "2026-12-08", Days: 1, RequestedOn: "2026-12-01"}, "", nil, "ana"); callfloor.SpecificCode(err) != callfloor.CodeConflictsWith {
		t.Fatalf("overlapping: %v", err)
	}
	inbox, err := db.ListLeave(ctx, storage.LeaveFilter{NextRole: callfloor.RoleTeamLead})
	if err != nil || len(inbox) != 1 {
		t.Fatalf("team lead's inbox %+v %v", inbox, err)
	}
	for i, role := range []callfloor.Role{callfloor.RoleTeamLead, callfloor.RoleSupervisor, callfloor.RoleOperationsManager} {
		v, err = db.DecideLeave(ctx, v.ID, role, string(role), true, "")
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]string{true: "approved", false: "pending"}[i == 2]; v.Status != want || len(v.Decisions) != i+1 {
			t.Fatalf("after %s: %+v", role, v)
		}
	}
	if _, err := db.DecideLeave(ctx, v.ID, callfloor.RoleAdmin, "root", false, ""); callfloor.SpecificCode(err) != callfloor.CodeStateConflict {
		t.Fatalf("decided after approval: %v", err)
	}
	a, req, data, err := db.LeaveAttachmentData(ctx, v.Files[0].ID)
	if err != nil || req != v.ID || string(data) != string(pdf) || a.Filename != "病假条.pdf" {
		t.Fatalf("attachment %+v %d %v", a, req, err)
	}
	att, err := db.Attendance(ctx, storage.AttendanceQuery{From: "2026-12-07", To: "2026-12-08", Loc: loc, Agents: []string{"1001"}})
	if err != nil || att[0].Leave != callfloor.LeaveSick || att[1].LeaveRef != att[0].LeaveRef {
		t.Fatalf("attendance %+v %v", att, err)
	}

	// rejected at the first step
	half, err := db.RequestLeave(ctx, callfloor.LeaveRequest{Agent: "1001", Type: callfloor.LeavePersonal, From: "2026-12-10", To: "2026-12-10", Days: 0.5, RequestedOn: "2026-12-07"}, "pm", nil, "ana")
	if err != nil || len(half.Chain) != 2 || half.Half != "pm" {
		t.Fatalf("half a day: %+v %v", half, err)
	}
	if half, err = db.DecideLeave(ctx, half.ID, callfloor.RoleTeamLead, "lee", false, "那天人手不够"); err != nil || half.Status != "rejected" {
		t.Fatalf("%+v %v", half, err)
	}
	_, err = db.RequestLeave(ctx, callfloor.LeaveRequest{Agent: "1001", Type: callfloor.LeavePersonal, From: "2026-12-11", To: "2026-12-12", Days: 1, RequestedOn: "2026-12-07"}, "am", nil, "ana")
	wantCode(t, err, callfloor.EINVALID, "half")

	// balances: 5 days of annual leave a year
	if err := db.PutLeaveBalance(ctx, "1001", callfloor.LeaveAnnual, 2026, 5); err != nil {
		t.Fatal(err)
	}
	ok, err := db.RequestLeave(ctx, callfloor.LeaveRequest{Agent: "1001", Type: callfloor.LeaveAnnual, From: "2026-12-14", To: "2026-12-16", Days: 3, RequestedOn: "2026-12-07"}, "", nil, "ana")
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.RequestLeave(ctx, callfloor.LeaveRequest{Agent: "1001", Type: callfloor.LeaveAnnual, From: "2026-12-21", To: "2026-12-23", Days: 3, RequestedOn: "2026-12-07"}, "", nil, "ana")
	if callfloor.SpecificCode(err) != storage.CodeLeaveBalance {
		t.Fatalf("over the balance with 3 pending of 5: %v", err)
	}
	if _, err := db.CancelLeave(ctx, ok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CancelLeave(ctx, ok.ID); callfloor.SpecificCode(err) != callfloor.CodeStateConflict {
		t.Fatalf("cancelled twice: %v", err)
	}
	bal, err := db.LeaveBalances(ctx, "1001", 2026)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bal {
		switch b.Type {
		case callfloor.LeaveAnnual:
			if b.Entitled == nil || *b.Remaining != 5 || b.Pending != 0 {
				t.Fatalf("annual %+v", b)
			}
		case callfloor.LeaveSick:
			if b.Taken != 2 || b.Remaining != nil {
				t.Fatalf("sick %+v", b)
			}
		}
	}
	// the policy: saved, read back, checked
	p := callfloor.DefaultLeavePolicy
	p.AheadDays = map[string]int{callfloor.LeavePersonal: 3}
	if err := db.PutLeavePolicy(ctx, p, "ops"); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.LeavePolicy(ctx); got.AheadDays[callfloor.LeavePersonal] != 3 {
		t.Fatalf("policy %+v", got)
	}
	_, err = db.RequestLeave(ctx, callfloor.LeaveRequest{Agent: "1001", Type: callfloor.LeavePersonal, From: "2026-12-09", To: "2026-12-09", Days: 1, RequestedOn: "2026-12-07"}, "", nil, "ana")
	if callfloor.SpecificCode(err) != callfloor.CodeTooLate {
		t.Fatalf("two days ahead under a three-day policy: %v", err)
	}
	if err := db.PutLeavePolicy(ctx, callfloor.LeavePolicy{}, "ops"); err == nil {
		t.Fatal("an empty policy saved")
	}
}

// A step is decided once, by its own role: a second team lead's approval that arrives after the
// first one moved the request on (two leads clicking at once) is refused, not booked as the
// supervisor's step. Chains follow the type before the length.
func TestLeaveStepDecidedOnceAndChainByType(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	note := []storage.NewAttachment{{Filename: "note.pdf", ContentType: "application/pdf", Data: pdf}}
	v, err := db.RequestLeave(ctx, callfloor.LeaveRequest{Agent: "1001", Type: callfloor.LeaveSick, From: "2026-12-07", To: "2026-12-09", Days: 3, RequestedOn: "2026-12-07"}, "", note, "ana")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.DecideLeave(ctx, v.ID, callfloor.RoleTeamLead, "lee", true, ""); err != nil {
		t.Fatal(err)
	}
	_, err = db.DecideLeave(ctx, v.ID, callfloor.RoleTeamLead, "lena", true, "")
	if callfloor.SpecificCode(err) != callfloor.CodeStateConflict {
		t.Fatalf("a team lead's approval at the supervisor's step: %v", err)
	}
	if v, err = db.GetLeave(ctx, v.ID); err != nil || v.Step != 1 || v.Status != "pending" || len(v.Decisions) != 1 || v.NextRole != callfloor.RoleSupervisor {
		t.Fatalf("after the refused approval: %+v %v", v, err)
	}

	p := callfloor.DefaultLeavePolicy
	p.Steps = append(p.Steps, callfloor.LeaveStep{Types: []string{callfloor.LeaveMarriage}, MinDays: 0, Chain: []callfloor.Role{callfloor.RoleOperationsManager}})
	if err := db.PutLeavePolicy(ctx, p, "ops"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		typ  string
		days float64
		from string
		to   string
		want []callfloor.Role
	}{
		{callfloor.LeaveAnnual, 1, "2026-12-14", "2026-12-14", []callfloor.Role{callfloor.RoleTeamLead, callfloor.RoleSupervisor}},
		{callfloor.LeaveAnnual, 2, "2026-12-15", "2026-12-16", []callfloor.Role{callfloor.RoleTeamLead, callfloor.RoleSupervisor, callfloor.RoleOperationsManager}},
		{callfloor.LeaveMarriage, 3, "2026-12-21", "2026-12-23", []callfloor.Role{callfloor.RoleOperationsManager}},
	} {
		got, err := db.RequestLeave(ctx, callfloor.LeaveRequest{Agent: "1001", Type: c.typ, From: c.from, To: c.to, Days: c.days, RequestedOn: "2026-12-07"}, "", nil, "ana")
		if err != nil || !slices.Equal(got.Chain, c.want) {
			t.Errorf("%s of %v days: chain %v, want %v (%v)", c.typ, c.days, got, c.want, err)
		}
	}
}

// Two overlapping requests sent at the same moment (a double click, two tabs): one is saved, the
// other refused as overlapping — never both. Likewise two requests that each fit the balance but
// not together.
func TestLeaveConcurrentRequests(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	if err := db.PutLeaveBalance(ctx, "1002", callfloor.LeaveAnnual, 2027, 3); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		day := time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7*i).Format(time.DateOnly)
		errs := make(chan error, 2)
		start := make(chan struct{})
		for range 2 {
			go func() {
				<-start
				_, err := db.RequestLeave(ctx, callfloor.LeaveRequest{Agent: "1001", Type: callfloor.LeavePersonal, From: day, To: day, Days: 1, RequestedOn: "2026-12-01"}, "", nil, "ana")
				errs <- err
			}()
		}
		close(start)
		e1, e2 := <-errs, <-errs
		if (e1 == nil) == (e2 == nil) {
			t.Fatalf("two requests for %s at once: %v and %v; want one saved, one overlapping", day, e1, e2)
		}
		// 2 + 2 days of a balance of 3 (the second year's days only counted while pending)
		from := time.Date(2027, 6, 7, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7*i)
		start = make(chan struct{})
		for j := range 2 {
			go func() {
				<-start
				d := from.AddDate(0, 0, 2*j).Format(time.DateOnly)
				_, err := db.RequestLeave(ctx, callfloor.LeaveRequest{Agent: "1002", Type: callfloor.LeaveAnnual, From: d, To: from.AddDate(0, 0, 2*j+1).Format(time.DateOnly), Days: 2, RequestedOn: "2026-12-01"}, "", nil, "ben")
				errs <- err
			}()
		}
		close(start)
		e1, e2 = <-errs, <-errs
		if e1 == nil && e2 == nil {
			t.Fatalf("two requests of 2 days each on a balance of 3, at once: both saved")
		}
		if e1 != nil && e2 != nil {
			t.Fatalf("both refused: %v, %v", e1, e2)
		}
		// cancel what was saved so the next round starts from the full balance again
		pending, err := db.ListLeave(ctx, storage.LeaveFilter{Agents: []string{"1002"}, Status: "pending"})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range pending {
			if _, err := db.CancelLeave(ctx, v.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
}
