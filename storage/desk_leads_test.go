package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// Reservations: one lead per agent, call-backs of the agent first, never another agent's
// personal call-back; given back on expiry; conversions counted once per call.
func TestDeskReservations(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	c := testCampaign("renew")
	c.Mode = callfloor.PacePreview
	if _, err := db.PutCampaign(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportLeads(ctx, "renew", "名单", "a.csv", "ops", []string{"手机", "姓名"},
		[][]string{{"13800000001", "甲"}, {"13800000002", "乙"}, {"13800000003", "丙"}, {"13800000004", "丁"}},
		storage.LeadMapping{Phone: "手机", Name: "姓名"}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ids := map[string]int64{}
	rows, _ := db.Pool.Query(ctx, `SELECT name, id FROM leads WHERE campaign_id = 'renew'`)
	for rows.Next() {
		var n string
		var id int64
		rows.Scan(&n, &id)
		ids[n] = id
	}
	// 丙 is Ana's personal call-back, 丁 Ben's, both due
	if _, err := db.Pool.Exec(ctx, `UPDATE leads SET status = 'callback', callback_at = $3, owner = $2 WHERE id = $1`, ids["丙"], "ana", now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE leads SET status = 'callback', callback_at = $3, owner = $2 WHERE id = $1`, ids["丁"], "ben", now.Add(-2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	r, existing, err := db.ReserveLead(ctx, "ana", []string{"renew"}, now, nextDial)
	if err != nil || r == nil || existing || r.LeadID != ids["丙"] {
		t.Fatalf("Ana's first lead %+v %v %v, want her call-back %d", r, existing, err, ids["丙"])
	}
	again, existing, err := db.ReserveLead(ctx, "ana", []string{"renew"}, now, nextDial)
	if err != nil || !existing || again.DialID != r.DialID {
		t.Errorf("second reservation %+v %v %v", again, existing, err)
	}
	cara, _, err := db.ReserveLead(ctx, "cara", []string{"renew"}, now, nextDial)
	if err != nil || cara == nil || cara.LeadID == ids["丁"] || cara.LeadID == ids["丙"] {
		t.Errorf("Cara took %+v (%v): another agent's call-back", cara, err)
	}
	// Cara's reservation expires: the lead is back, no attempt
	if n, err := db.ExpireReservations(ctx, now.Add(time.Second), now); err != nil || n != 2 {
		t.Errorf("expired %d %v, want 2 (Ana's and Cara's)", n, err)
	}
	if got, _ := db.Reservation(ctx, "cara"); got != nil {
		t.Errorf("Cara still holds %+v", got)
	}
	l, _ := db.LeadByID(ctx, cara.LeadID)
	if l.Status != "new" || l.DialID != "" || l.Attempts != 0 {
		t.Errorf("expired lead %+v", l)
	}
	if l, _ := db.LeadByID(ctx, ids["丙"]); l.Status != "callback" || l.Owner != "ana" {
		t.Errorf("Ana's call-back after expiry %+v", l)
	}

	// conversions: +1 once, -1 once
	for i, want := range []int64{1, 0, -1, 0, 1} {
		got, err := db.CountConversion(ctx, "call-1", "renew", i != 2 && i != 3)
		if err != nil || got != want {
			t.Errorf("conversion step %d: %d %v, want %d", i, got, err, want)
		}
	}
}
