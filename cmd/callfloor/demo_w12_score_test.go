package main

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// The demo's scores: two rule versions, the last two months' sheets through the flow (one
// disputed), idempotent.
func TestDemoScores(t *testing.T) {
	t.Parallel()
	db, fx := openDemoDB(t, &demoSeededDB) // seedDemo ran
	ctx := context.Background()
	cfg := fx.Config
	var out bytes.Buffer
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, cfg.Location())
	if err := seedDemoScores(ctx, db, cfg, now, &out); err != nil {
		t.Fatal(err)
	}
	rules, _ := db.ScoreRules(ctx)
	if len(rules) != 2 || rules[1].EffectiveFrom != "2026-11" || rules[1].AccuracyStandard != 99 || rules[1].ExamPassMark != 90 {
		t.Fatalf("rules %+v", rules)
	}
	oct, _ := db.ScoreSheets(ctx, nil, "2026-10")
	nov, _ := db.ScoreSheets(ctx, nil, "2026-11")
	if len(oct) != len(cfg.Agents) || len(nov) != len(cfg.Agents) {
		t.Fatalf("%d October and %d November sheets for %d agents", len(oct), len(nov), len(cfg.Agents))
	}
	count := map[string]int{}
	for _, s := range nov {
		count[s.Status]++
		if s.RuleVersion != 2 {
			t.Errorf("%s scored by version %d", s.Agent, s.RuleVersion)
		}
		if s.Agent == "1001" && (s.Status != "disputed" || s.Dispute == "") {
			t.Errorf("1001's November: %s %q", s.Status, s.Dispute)
		}
	}
	for _, s := range oct {
		if s.Status != "acknowledged" || s.RuleVersion != 1 {
			t.Errorf("%s's October: %s v%d", s.Agent, s.Status, s.RuleVersion)
		}
	}
	if count["disputed"] != 1 || count["approved"] == 0 || count["acknowledged"] == 0 {
		t.Errorf("November's statuses %v", count)
	}
	entries, _ := db.ScoreEntries(ctx, nil, "2026-11")
	if len(entries) < 4 {
		t.Errorf("entries %+v", entries)
	}
	out.Reset()
	if err := seedDemoScores(ctx, db, cfg, now, &out); err != nil || out.Len() != 0 {
		t.Errorf("second run: %v\n%s", err, out.String())
	}
	if again, _ := db.ScoreEntries(ctx, nil, "2026-11"); len(again) != len(entries) {
		t.Errorf("second run entered %d entries, had %d", len(again), len(entries))
	}
}
