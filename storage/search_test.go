package storage_test

import (
	"context"
	"fmt"
	"github.com/callfloor/callfloor/internal/testdb"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// seedCalls inserts n history rows spread over the days before now: agents a0..a9 (teams t0 for
// a0-a4, t1 for a5-a9), queues q0..q2, outcomes cycling, caller numbers 555<i>.
func seedCalls(t testing.TB, db *storage.DB, n int, span time.Duration) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Pool.Exec(ctx, `INSERT INTO agents (id, name, endpoint, team_id)
		SELECT 'a' || g, 'Agent ' || g, 'PJSIP/' || g, CASE WHEN g < 5 THEN 't0' ELSE 't1' END FROM generate_series(0, 9) g
		ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	_, err := db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, queue, node, caller_number, called_number, agent_id, entered_at,
		answered_at, ended_at, wait_ms, talk_ms, outcome, hangup_by, last_event_id, recording_name)
		SELECT 'c' || lpad(g::text, 8, '0'),
		       CASE WHEN g % 10 = 9 THEN 'outbound' ELSE 'inbound' END,
		       'q' || (g % 3), 'pbx1',
		       '555' || g, CASE WHEN g % 10 = 9 THEN '666' || g END,
		       CASE WHEN g % 7 = 3 THEN NULL ELSE 'a' || (g % 10) END,
		       now() - ($2::bigint * g / $1) * interval '1 millisecond',
		       now() - ($2::bigint * g / $1) * interval '1 millisecond' + interval '8 seconds',
		       now() - ($2::bigint * g / $1) * interval '1 millisecond' + interval '90 seconds',
		       8000, 82000,
		       (ARRAY['answered','abandoned','short_abandon','answered','flowed_out'])[1 + g % 5],
		       'caller', '1-' || g,
		       CASE WHEN g % 5 IN (0, 3) THEN 'callfloor/rec-' || g END -- the answered ones
		FROM generate_series(1, $1) g`, n, span.Milliseconds())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `ANALYZE calls`); err != nil {
		t.Fatal(err)
	}
}

func openMigrated(t testing.TB) *storage.DB {
	t.Helper()
	db, _ := testdb.Open(t)
	return db
}

func TestSearchCalls(t *testing.T) {
	t.Parallel()
	db := openMigrated(t)
	seedCalls(t, db, 1000, 10*24*time.Hour)
	ctx := context.Background()
	now := time.Now()
	all := storage.CallFilter{From: now.Add(-11 * 24 * time.Hour), To: now.Add(time.Minute)}

	// keyset pagination walks every row exactly once, newest first
	seen := map[string]bool{}
	var last time.Time
	f := all
	f.Limit = 97
	pages := 0
	for {
		page, next, err := db.SearchCalls(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, c := range page {
			if seen[c.ID] {
				t.Fatalf("call %s twice", c.ID)
			}
			if !last.IsZero() && c.EnteredAt.After(last) {
				t.Fatalf("not newest first at %s", c.ID)
			}
			seen[c.ID], last = true, c.EnteredAt
		}
		if next == "" {
			break
		}
		f.Cursor = next
	}
	if len(seen) != 1000 || pages != 11 {
		t.Fatalf("%d calls over %d pages, want 1000 over 11", len(seen), pages)
	}

	count := func(mod func(f *storage.CallFilter)) int {
		t.Helper()
		f := all
		f.Limit = 500
		mod(&f)
		n := 0
		for {
			page, next, err := db.SearchCalls(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			n += len(page)
			if next == "" {
				return n
			}
			f.Cursor = next
		}
	}
	yesRecorded, noRecorded := true, false
	cases := []struct {
		name string
		mod  func(f *storage.CallFilter)
		want int
	}{
		{"queue", func(f *storage.CallFilter) { f.Queue = "q1" }, 334},      // g%3 == 1 for g in 1..1000
		{"agent", func(f *storage.CallFilter) { f.Agent = "a3" }, 100 - 15}, // g%10 == 3 except g%70 == 3
		{"team", func(f *storage.CallFilter) { f.Team = "t0" }, 500 - 72},   // a0..a4 minus unassigned
		{"outcome", func(f *storage.CallFilter) { f.Outcome = "flowed_out" }, 200},
		{"direction", func(f *storage.CallFilter) { f.Direction = callfloor.Outbound }, 100},
		{"recorded", func(f *storage.CallFilter) { f.Recorded = &yesRecorded }, 400},
		{"not recorded", func(f *storage.CallFilter) { f.Recorded = &noRecorded }, 600},
		{"number exact", func(f *storage.CallFilter) { f.Number = "555123" }, 1},
		{"called number", func(f *storage.CallFilter) { f.Number = "666129" }, 1},
		{"number prefix", func(f *storage.CallFilter) { f.Number = "55512*" }, 11}, // 12, 120..129
		{"hostile number", func(f *storage.CallFilter) { f.Number = "1' OR '1'='1" }, 0},
		{"hostile queue", func(f *storage.CallFilter) { f.Queue = "q1'; DROP TABLE calls; --" }, 0},
		{"last day", func(f *storage.CallFilter) { f.From = now.Add(-24 * time.Hour) }, 99}, // g < 100
	}
	for _, c := range cases {
		if got := count(c.mod); got != c.want {
			t.Errorf("%s: %d calls, want %d", c.name, got, c.want)
		}
	}
	// the table survived the hostile input
	if got := count(func(*storage.CallFilter) {}); got != 1000 {
		t.Fatalf("after hostile input: %d calls", got)
	}
	for _, bad := range []storage.CallFilter{
		{},
		{From: now, To: now.Add(-time.Hour)},
		{From: now.Add(-500 * 24 * time.Hour), To: now},
		{From: all.From, To: all.To, Limit: 501},
		{From: all.From, To: all.To, Cursor: "not-a-cursor"},
		{From: all.From, To: all.To, Number: "%*"},
	} {
		if _, _, err := db.SearchCalls(ctx, bad); callfloor.ErrorCode(err) != callfloor.EINVALID {
			t.Errorf("%+v: %v, want invalid", bad, err)
		}
	}
	c, err := db.CallByID(ctx, "c00000123")
	if err != nil || c.CallerNumber != "555123" || c.Agent != "a3" || *c.TalkMs != 82000 {
		t.Fatalf("CallByID: %+v %v", c, err)
	}
	if _, err := db.CallByID(ctx, "nope"); callfloor.ErrorCode(err) != callfloor.ENOTFOUND {
		t.Fatalf("unknown call: %v", err)
	}
}

// Call-history search over a million calls: p50/p95/p99 of a mix of the searches people run
// (a page of the last hour, one agent's week, a queue's answered calls today, a caller's number,
// a team's abandons), each a first page of 50 newest first, then a deep page by cursor.
// go test -run XXX -bench BenchmarkSearch -benchtime 400x ./storage/
func BenchmarkSearch1M(b *testing.B) {
	db := openMigrated(b)
	ctx := context.Background()
	start := time.Now()
	seedCalls(b, db, 1_000_000, 180*24*time.Hour)
	now := time.Now()
	if err := db.EnsurePartitions(ctx, now.Add(-181*24*time.Hour), now.Add(24*time.Hour)); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `ANALYZE calls`); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded 1,000,000 calls over 180 days in monthly partitions in %s", time.Since(start).Round(time.Second))
	mix := []storage.CallFilter{
		{From: now.Add(-time.Hour), To: now},
		{From: now.Add(-7 * 24 * time.Hour), To: now, Agent: "a3"},
		{From: now.Add(-24 * time.Hour), To: now, Queue: "q1", Outcome: "answered"},
		{From: now.Add(-90 * 24 * time.Hour), To: now, Number: "555424242"},
		{From: now.Add(-30 * 24 * time.Hour), To: now, Team: "t1", Outcome: "abandoned"},
		{From: now.Add(-180 * 24 * time.Hour), To: now, Number: "5551234*"},
	}
	// a cursor deep into the agent's week
	deep := mix[1]
	for i := 0; i < 20; i++ {
		_, next, err := db.SearchCalls(ctx, deep)
		if err != nil || next == "" {
			b.Fatalf("paging: %v", err)
		}
		deep.Cursor = next
	}
	mix = append(mix, deep)
	lat := make([]time.Duration, 0, b.N)
	worst := make([]time.Duration, len(mix))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := mix[i%len(mix)]
		f.Limit = 50
		t0 := time.Now()
		if _, _, err := db.SearchCalls(ctx, f); err != nil {
			b.Fatal(err)
		}
		d := time.Since(t0)
		lat = append(lat, d)
		worst[i%len(mix)] = max(worst[i%len(mix)], d)
	}
	b.StopTimer()
	for i, w := range worst {
		fmt.Fprintf(os.Stderr, "search %d: worst %s\n", i, w)
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)]) / 1e6 }
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.95), "p95-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}
