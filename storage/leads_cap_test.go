package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// capFixture: campaigns "renew" (three leads) and "other" (the first lead's number too); that
// number was attempted three times today (Asia/Shanghai) from "other": at the day's cap.
func capFixture(t *testing.T) (*storage.DB, time.Time, string) {
	t.Helper()
	db := usersDB(t)
	ctx := context.Background()
	for _, id := range []string{"renew", "other"} {
		if _, err := db.PutCampaign(ctx, testCampaign(id)); err != nil {
			t.Fatal(err)
		}
	}
	capped := "+8613800000001"
	if _, err := db.ImportLeads(ctx, "renew", "l1", "", "pam", []string{"phone"}, [][]string{{"13800000001"}, {"13800000002"}, {"13800000003"}}, storage.LeadMapping{Phone: "phone"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportLeads(ctx, "other", "l2", "", "pam", []string{"phone"}, [][]string{{"13800000001"}}, storage.LeadMapping{Phone: "phone"}); err != nil {
		t.Fatal(err)
	}
	sh, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Now().In(sh)
	if now.Hour() < 3 {
		now = now.Add(3 * time.Hour) // three attempts today, each an hour apart
	}
	for i := 1; i <= 3; i++ {
		if _, err := db.Pool.Exec(ctx, `INSERT INTO lead_attempts (lead_id, campaign_id, phone, dial_id, at, result)
			SELECT id, campaign_id, phone, $2, $3, 'no_answer' FROM leads WHERE campaign_id = 'other' AND phone = $1`,
			capped, "old-"+string(rune('0'+i)), now.Add(-time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	return db, now, capped
}

func leadNext(t *testing.T, db *storage.DB, campaign, phone string) (string, *time.Time) {
	t.Helper()
	var st string
	var next *time.Time
	if err := db.Pool.QueryRow(context.Background(), `SELECT status, next_attempt_at FROM leads WHERE campaign_id = $1 AND phone = $2`, campaign, phone).Scan(&st, &next); err != nil {
		t.Fatal(err)
	}
	return st, next
}

// The dialler's claim skips a number at the frequency cap (3 a day across campaigns): it takes
// the others instead and puts the capped lead off to the next local midnight (not failed).
func TestClaimLeadsSkipsCappedNumbers(t *testing.T) {
	t.Parallel()
	db, now, capped := capFixture(t)
	ctx := context.Background()
	lc := storage.LeadCap{Cap: callfloor.FrequencyCap{PerDay: 3, PerWeek: 10}, Zone: time.UTC}
	got, err := db.ClaimLeadsCapped(ctx, "renew", 2, now, nextDial, lc)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d leads claimed, want 2 (the uncapped ones)", len(got))
	}
	for _, l := range got {
		if l.Phone == capped {
			t.Errorf("capped number %s handed out", capped)
		}
	}
	st, next := leadNext(t, db, "renew", capped)
	l := now.In(time.FixedZone("CST", 8*3600))
	midnight := time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, l.Location())
	if st != "new" || next == nil || !next.Equal(midnight) {
		t.Errorf("capped lead: %s next %v, want new, due at the next Shanghai midnight %v", st, next, midnight)
	}
	// without a cap it would have been the first
	if again, _ := db.ClaimLeadsCapped(ctx, "renew", 5, now, nextDial, lc); len(again) != 0 {
		t.Errorf("claimed %d more, want none (the capped lead is put off)", len(again))
	}
	if later, _ := db.ClaimLeadsCapped(ctx, "renew", 5, midnight, nextDial, lc); len(later) != 1 || later[0].Phone != capped {
		t.Errorf("at midnight: %v, want the capped lead", later)
	}
}

// The desk's next lead (preview) likewise skips a capped number and puts it off.
func TestReserveLeadSkipsCappedNumbers(t *testing.T) {
	t.Parallel()
	db, now, capped := capFixture(t)
	ctx := context.Background()
	lc := storage.LeadCap{Cap: callfloor.FrequencyCap{PerDay: 3, PerWeek: 10}, Zone: time.UTC}
	res, _, err := db.ReserveLeadCapped(ctx, "ana", []string{"renew"}, now, nextDial, lc)
	if err != nil || res == nil {
		t.Fatalf("reserve: %v %v", res, err)
	}
	l, err := db.LeadByID(ctx, res.LeadID)
	if err != nil {
		t.Fatal(err)
	}
	if l.Phone == capped {
		t.Fatalf("the desk was given the capped number %s", capped)
	}
	if st, next := leadNext(t, db, "renew", capped); st != "new" || next == nil || !next.After(now) {
		t.Errorf("capped lead: %s next %v, want new, put off", st, next)
	}
	// only capped leads left: none
	if _, err := db.Pool.Exec(ctx, `UPDATE leads SET status = 'done' WHERE campaign_id = 'renew' AND phone <> $1 AND status <> 'dialling'`, capped); err != nil {
		t.Fatal(err)
	}
	if r2, _, err := db.ReserveLeadCapped(ctx, "cara", []string{"renew"}, now, nextDial, lc); err != nil || r2 != nil {
		t.Errorf("only a capped lead due: %+v %v, want none", r2, err)
	}
}
