package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/callfloor/callfloor/internal/testdb"
	"github.com/callfloor/callfloor/storage"
)

// The demo's campaigns load: the running predictive renewals-2026q4 of team-a with a few
// thousand leads and custom fields, a list's report with rejected rows, the preview campaign
// with consent for most of its numbers, do-not-call entries by hand and from refusals; a
// second run changes nothing.
func TestDemoCampaigns(t *testing.T) {
	storage.BcryptCost = bcrypt.MinCost
	db, _ := testdb.Open(t)
	ctx := context.Background()
	cfg, err := LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := seedDemo(ctx, db, cfg, "demo password", &out); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := seedDemoCampaigns(ctx, db, &out); err != nil {
			t.Fatal(err)
		}
	}
	c, err := db.GetCampaign(ctx, "renewals-2026q4")
	if err != nil || c.Status != "running" || c.Mode != "predictive" || c.Project != "cards" || len(c.Teams) != 1 || c.Teams[0] != "team-a" {
		t.Fatalf("renewals %+v %v", c, err)
	}
	if n := c.Leads["new"]; n < 4000 || n > 4300 {
		t.Errorf("renewals leads %v, want about 4,300 new", c.Leads)
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
	lists, err := db.CampaignLists(ctx, "renewals-2026q4", c.UpdatedAt)
	if err != nil || len(lists) != 2 {
		t.Fatalf("lists %v %v", lists, err)
	}
	bad := 0
	for _, l := range lists {
		bad += l.RowsRejected
	}
	if bad < 6 {
		t.Errorf("rejected rows %d, want the demo file's 6 or more", bad)
	}
	for id, want := range map[string]string{"vip-review-2026q4": "paused", "renewals-2026q3": "finished"} {
		if c, err := db.GetCampaign(ctx, id); err != nil || c.Status != want {
			t.Errorf("%s: %s %v, want %s", id, c.Status, err, want)
		}
	}
	cs, _ := db.ListConsents(ctx, "")
	dnc, _ := db.ListDNC(ctx, "")
	if len(cs) < 200 || len(dnc) < 30 {
		t.Errorf("%d consents, %d do-not-call entries", len(cs), len(dnc))
	}
	// entries name their campaigns (pages show names, never ids)
	named := 0
	for _, d := range dnc {
		if (d.Campaign != "" && d.CampaignName == "") || (strings.HasPrefix(d.Source, "disposition:") && d.SourceCampaignName == "") {
			t.Errorf("a do-not-call entry without its campaign's name: %+v", d)
			break
		}
		if d.SourceCampaignName != "" {
			named++
		}
	}
	if named == 0 {
		t.Error("no do-not-call entry came from a campaign's disposition")
	}
	ls, err := db.ClaimLeads(ctx, "renewals-2026q4", 1, c.UpdatedAt, func() string { return "demo-dial-1" })
	if err != nil || len(ls) != 1 || ls[0].Name == "" || ls[0].Fields["车牌号"] == "" || ls[0].Fields["保单到期"] == "" || ls[0].Fields["上年保费"] == "" {
		t.Errorf("a demo lead %+v %v", ls, err)
	}
	// the overseas cardholders' campaign: running, each lead in its own zone; with the Shanghai
	// renewals, team-a has a lead inside its calling window at every hour of every day
	ov, err := db.GetCampaign(ctx, "overseas-cards-2026q4")
	if err != nil || ov.Status != "running" || ov.Leads["new"] < 3900 {
		t.Fatalf("overseas campaign %+v %v", ov, err)
	}
	zones := map[string]bool{}
	for i := range 10 {
		ls, err := db.ClaimLeads(ctx, "overseas-cards-2026q4", 1, ov.UpdatedAt, func() string { return fmt.Sprintf("demo-ov-%d", i) })
		if err != nil || len(ls) != 1 || ls[0].TimeZone == "" || !strings.HasPrefix(ls[0].Phone, "+") || strings.HasPrefix(ls[0].Phone, "+86") {
			t.Fatalf("an overseas lead %+v %v", ls, err)
		}
		zones[ls[0].TimeZone] = true
	}
	sh, _ := time.LoadLocation("Asia/Shanghai")
	monday := time.Date(2026, 12, 7, 0, 30, 0, 0, time.UTC)
	for h := range 7 * 24 {
		at := monday.Add(time.Duration(h) * time.Hour)
		open := c.OpenAt(at, sh, nil)
		for _, a := range demoAbroad {
			loc, _ := time.LoadLocation(a.zone)
			open = open || ov.OpenAt(at, loc, nil)
		}
		if !open {
			t.Errorf("%s: no demo campaign may dial", at.Format(time.RFC3339))
		}
	}
	if len(zones) < 3 {
		t.Errorf("overseas zones %v", zones)
	}
}
