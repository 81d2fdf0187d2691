package main

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/callfloor/callfloor/internal/testdb"
	"github.com/callfloor/callfloor/storage"
)

// The demo's customers come from the history's callers (names, tags, notes, three VIPs and one
// blacklisted number), the knowledge base has about thirty articles found by Chinese words, some
// past their review date, one with an edit history; a second run changes nothing.
func TestDemoW14Customers(t *testing.T) {
	db, _ := testdb.Open(t)
	ctx := context.Background()
	now := time.Now()
	for i := range 20 {
		if _, err := db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, queue, node, caller_number, entered_at, outcome, last_event_id)
			VALUES ($1, 'inbound', 'sales', 'ast1', $2, $3, 'answered', '1-0')`, fmt.Sprintf("h%d", i), fmt.Sprintf("1380013%04d", i%12), now.Add(-time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	for range 2 {
		if err := seedDemoCustomers(ctx, db, now, &out); err != nil {
			t.Fatal(err)
		}
		if err := seedDemoKB(ctx, db, now, &out); err != nil {
			t.Fatal(err)
		}
	}
	flags, err := db.FlaggedCustomers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	vip, bl := 0, 0
	for _, f := range flags {
		if f == "vip" {
			vip++
		} else {
			bl++
		}
	}
	if vip != 3 || bl != 1 {
		t.Fatalf("flags %v", flags)
	}
	hits, err := db.SearchCustomers(ctx, "", nil, 100)
	if err != nil || len(hits) != 12 || hits[0].Name == "" {
		t.Fatalf("customers %d %v", len(hits), err)
	}
	items, err := db.Timeline(ctx, hits[0].Phone, time.Time{}, 50)
	if err != nil || len(items) == 0 {
		t.Fatalf("timeline of %s: %v %v", hits[0].Phone, items, err)
	}
	as, err := db.SearchKB(ctx, storage.KBQuery{PublishedOnly: true, Limit: 200}, now)
	if err != nil || len(as) < 28 {
		t.Fatalf("articles %d %v", len(as), err)
	}
	if as, _ := db.SearchKB(ctx, storage.KBQuery{Text: "激活", PublishedOnly: true}, now); len(as) < 3 {
		t.Fatalf("激活: %d", len(as))
	}
	if as, _ := db.SearchKB(ctx, storage.KBQuery{ReviewDue: true}, now); len(as) < 3 {
		t.Fatalf("review due: %d", len(as))
	}
	as, _ = db.SearchKB(ctx, storage.KBQuery{Text: "账单分期手续费说明"}, now)
	if len(as) != 1 || as[0].Version != 3 {
		t.Fatalf("edited article %+v", as)
	}
}
