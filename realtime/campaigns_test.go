package realtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
)

// A dialler call's save counts into its campaign's day (the entry day in the centre's zone),
// with a team's share when the change names one; the desk adds conversions outside a save; the
// next day starts at zero.
func TestCampaignCounters(t *testing.T) {
	s, _, _ := newStore(t)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	s = s.WithLocation(loc)
	ctx := context.Background()
	at := time.Date(2026, 12, 4, 23, 59, 0, 0, loc)
	c := &callfloor.Call{ID: "d1", Direction: callfloor.Outbound, State: callfloor.CallDialing, Node: "n1", EnteredAt: at, CampaignID: "renewals", LeadID: 7}
	if err := s.SaveCall(ctx, realtime.CallChange{Call: c, CampaignInc: map[string]int64{realtime.CampDials: 1}}); err != nil {
		t.Fatal(err)
	}
	c.State, c.Agent = callfloor.CallTalking, "1001"
	if err := s.SaveCall(ctx, realtime.CallChange{Call: c, CampaignTeam: "t1",
		CampaignInc: map[string]int64{realtime.CampAnswered: 1, realtime.CampConnected: 1}}); err != nil {
		t.Fatal(err)
	}
	// a call without a campaign counts nowhere
	if err := s.SaveCall(ctx, realtime.CallChange{Call: &callfloor.Call{ID: "x", Direction: callfloor.Outbound, Node: "n1", EnteredAt: at},
		CampaignInc: map[string]int64{realtime.CampDials: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := s.IncrCampaign(ctx, "renewals", "t1", at, map[string]int64{realtime.CampSuccess: 1}); err != nil {
		t.Fatal(err)
	}
	f, err := s.CampaignCounters(ctx, "renewals", at)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"dials": 1, "answered": 1, "connected": 1, "success": 1}
	if len(f.Total) != len(want) {
		t.Fatalf("total = %v, want %v", f.Total, want)
	}
	for k, v := range want {
		if f.Total[k] != v {
			t.Errorf("total[%s] = %d, want %d (%v)", k, f.Total[k], v, f.Total)
		}
	}
	if tf := f.Teams["t1"]; len(tf) != 3 || tf["connected"] != 1 || tf["answered"] != 1 || tf["success"] != 1 || tf["dials"] != 0 {
		t.Errorf("team t1 = %v, want answered, connected and success 1, no dials", tf)
	}
	next, err := s.CampaignCounters(ctx, "renewals", at.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(next.Total) != 0 || len(next.Teams) != 0 {
		t.Errorf("the next day's counters = %+v, want none", next)
	}
}

// A campaign's live info is listed while it is refreshed and drops off the list once it expires.
func TestCampaignsLive(t *testing.T) {
	s, rdb, prefix := newStore(t)
	ctx := context.Background()
	now := time.Now()
	for _, c := range []realtime.CampaignLive{
		{ID: "renewals", Name: "续保", Status: "running", Mode: "predictive", LeadsLeft: 5000, LeadsDue: 1200, DialTarget: 8000, UpdatedAt: now},
		{ID: "alpha", Name: "Alpha", Status: "paused", Mode: "preview", UpdatedAt: now},
	} {
		if err := s.SetCampaignLive(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.CampaignsLive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "alpha" || got[1].ID != "renewals" || got[1].LeadsLeft != 5000 || got[1].Name != "续保" {
		t.Fatalf("CampaignsLive = %+v, want alpha then renewals with 5000 leads left", got)
	}
	if err := rdb.Del(ctx, prefix+"camplive:alpha").Err(); err != nil { // as if it expired
		t.Fatal(err)
	}
	got, err = s.CampaignsLive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "renewals" {
		t.Fatalf("after alpha expired: %+v, want renewals only", got)
	}
	if n, _ := rdb.SCard(ctx, prefix+"camplive").Result(); n != 1 {
		t.Errorf("the id set holds %d ids, want the expired one forgotten", n)
	}
}
