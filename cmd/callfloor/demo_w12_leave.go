package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// The demo's leave (issue 12): five days of annual leave a year for every agent, and a handful
// of requests around today at each point of their chains — one waiting for team lead lee, one for
// supervisor sam, a sick leave with its note approved through the whole chain (lee, sam, olga),
// one rejected, one of team-b approved — so the leave page, the inbox counts, the roster and
// attendance have something to show. Seeded once: nothing is added when any of these agents
// already has a request.
func seedDemoLeave(ctx context.Context, db *storage.DB, cfg *callfloor.Config, now time.Time, stdout io.Writer) error {
	loc := cfg.Location()
	l := now.In(loc)
	today := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	day := func(n int) string { return today.AddDate(0, 0, n).Format(time.DateOnly) }
	// weekday is the first Monday–Friday at or after n days from today
	weekday := func(n int) int {
		for d := today.AddDate(0, 0, n).Weekday(); d == time.Saturday || d == time.Sunday; d = today.AddDate(0, 0, n).Weekday() {
			n++
		}
		return n
	}
	agents := []string{"1001", "1003", "1005", "1008", "1013"}
	existing, err := db.ListLeave(ctx, storage.LeaveFilter{Agents: agents})
	if err != nil {
		return err
	}
	if len(existing) > 0 {
		return nil
	}
	for _, a := range cfg.Agents {
		if err := db.PutLeaveBalance(ctx, a.ID, callfloor.LeaveAnnual, today.Year(), 5); err != nil {
			return fmt.Errorf("demo leave balance %s: %w", a.ID, err)
		}
	}
	note := []storage.NewAttachment{{Filename: "病假条.pdf", ContentType: "application/pdf",
		Data: []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")}}
	type decision struct {
		role    callfloor.Role
		by      string
		approve bool
		note    string
	}
	next := weekday(7)
	sick := weekday(-9)
	half := weekday(3)
	for _, r := range []struct {
		req   callfloor.LeaveRequest
		half  string
		files []storage.NewAttachment
		steps []decision
	}{
		{req: callfloor.LeaveRequest{Agent: "1001", Type: callfloor.LeaveAnnual, From: day(next), To: day(next), Days: 1, RequestedOn: day(0), Reason: "家里有事"}},
		{req: callfloor.LeaveRequest{Agent: "1003", Type: callfloor.LeaveSick, From: day(sick), To: day(sick + 1), Days: 2, RequestedOn: day(sick), Reason: "发烧 38.5℃"}, files: note,
			steps: []decision{{callfloor.RoleTeamLead, "lee", true, "好好休息"}, {callfloor.RoleSupervisor, "sam", true, ""}, {callfloor.RoleOperationsManager, "olga", true, "病假条已收"}}},
		{req: callfloor.LeaveRequest{Agent: "1005", Type: callfloor.LeavePersonal, From: day(half), To: day(half), Days: 0.5, RequestedOn: day(0), Reason: "下午去办证"}, half: "pm",
			steps: []decision{{callfloor.RoleTeamLead, "lee", true, ""}}},
		{req: callfloor.LeaveRequest{Agent: "1008", Type: callfloor.LeavePersonal, From: day(weekday(4)), To: day(weekday(4)), Days: 1, RequestedOn: day(0), Reason: "搬家"},
			steps: []decision{{callfloor.RoleTeamLead, "lee", false, "月底冲量，人手不够，请改到下周"}}},
		{req: callfloor.LeaveRequest{Agent: "1013", Type: callfloor.LeaveAnnual, From: day(-14), To: day(-13), Days: 2, RequestedOn: day(-30), Reason: "回老家"},
			steps: []decision{{callfloor.RoleTeamLead, "admin", true, ""}, {callfloor.RoleSupervisor, "sam", true, ""}, {callfloor.RoleOperationsManager, "olga", true, ""}}},
	} {
		v, err := db.RequestLeave(ctx, r.req, r.half, r.files, "demo")
		if err != nil {
			return fmt.Errorf("demo leave of %s: %w", r.req.Agent, err)
		}
		for _, d := range r.steps {
			if _, err := db.DecideLeave(ctx, v.ID, d.role, d.by, d.approve, d.note); err != nil {
				return fmt.Errorf("demo leave %d: %w", v.ID, err)
			}
		}
	}
	fmt.Fprintf(stdout, "demo: leave requests and annual leave entitlements\n")
	return nil
}
