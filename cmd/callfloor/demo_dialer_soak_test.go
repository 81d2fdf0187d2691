package main

import (
	"context"
	"io"
	"os"
	"testing"
	"time"
)

// TestDemoDiallerSoak runs the demo (seeded fixture, real-time simulator) for
// CALLFLOOR_SOAK (a duration, e.g. 20m) and logs, every 30 s, what the running campaigns'
// dialler did: attempts by result, drops, leads left in dialling (and the oldest), live calls,
// callers waiting inbound, the Redis keys under the demo's prefix. It fails on a lead stuck in
// dialling (not awaiting its disposition) for more than 10 minutes, a drop rate over 3 % (30 answers at
// least) or Redis keys growing steadily. Skipped unless CALLFLOOR_SOAK is set.
func TestDemoDiallerSoak(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("CALLFLOOR_SOAK"))
	if err != nil || d <= 0 {
		t.Skip("set CALLFLOOR_SOAK=20m to watch the demo's dialler")
	}
	m, _, _ := startDemoOn(t, &demoSeededDB, 1)
	ctx := context.Background()
	if err := seedDemoCampaigns(ctx, m.DB, io.Discard); err != nil { // as `callfloor demo-data` does
		t.Fatal(err)
	}
	prefix := m.Config.Prefix
	keys := func() int {
		n := 0
		it := m.Redis.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for it.Next(ctx) {
			n++
		}
		return n
	}
	type sample struct {
		keys                        int
		dialling, answered, dropped int
		awaiting                    int // answered, awaiting the agent's disposition
		oldest                      time.Duration
	}
	var samples []sample
	start := time.Now()
	for time.Since(start) < d {
		time.Sleep(30 * time.Second)
		var s sample
		var oldest *time.Time
		// leads in dialling but not answered and awaiting the agent's disposition (those wait for
		// the desk, and the demo's simulated agents give none)
		if err := m.DB.Pool.QueryRow(ctx, `SELECT count(*), min(dialling_since), count(*) FILTER (WHERE last_result = 'answered' AND last_disposition IS NULL)
			FROM leads WHERE status = 'dialling' AND campaign_id IN ('renewals-2026q4', 'overseas-cards-2026q4')`).Scan(&s.dialling, &oldest, &s.awaiting); err != nil {
			t.Fatal(err)
		}
		if err := m.DB.Pool.QueryRow(ctx, `SELECT min(dialling_since) FROM leads WHERE status = 'dialling'
			AND campaign_id IN ('renewals-2026q4', 'overseas-cards-2026q4') AND NOT (last_result = 'answered' AND last_disposition IS NULL)`).Scan(&oldest); err != nil {
			t.Fatal(err)
		}
		if oldest != nil {
			s.oldest = time.Since(*oldest)
		}
		rows, err := m.DB.Pool.Query(ctx, `SELECT campaign_id, result, count(*) FROM lead_attempts WHERE at >= $1 GROUP BY 1, 2 ORDER BY 1, 2`, start)
		if err != nil {
			t.Fatal(err)
		}
		byResult := map[string]int{}
		for rows.Next() {
			var c, r string
			var n int
			if err := rows.Scan(&c, &r, &n); err != nil {
				t.Fatal(err)
			}
			byResult[c+"/"+r] = n
			switch r {
			case "answered":
				s.answered += n
			case "dropped":
				s.dropped += n
			}
		}
		rows.Close()
		waiting := 0
		for _, q := range []string{"sales", "support", "billing"} {
			n, _ := m.ACD.Store().WaitingCount(ctx, q)
			waiting += int(n)
		}
		s.keys = keys()
		samples = append(samples, s)
		t.Logf("%5.1f min: attempts %v; dialling %d (%d awaiting a disposition; oldest other %v); live calls %d; inbound waiting %d; redis keys %d",
			time.Since(start).Minutes(), byResult, s.dialling, s.awaiting, s.oldest.Round(time.Second), m.ACD.LiveCalls(), waiting, s.keys)
	}
	if len(samples) < 2 {
		return
	}
	last := samples[len(samples)-1]
	if ans := last.answered + last.dropped; ans >= 30 && float64(last.dropped)/float64(ans) > 0.03 {
		t.Errorf("drop rate %d of %d answered", last.dropped, ans)
	}
	half := samples[len(samples)/2]
	if last.keys > half.keys*3/2+50 {
		t.Errorf("redis keys grew from %d (half-way) to %d", half.keys, last.keys)
	}
	if last.oldest > 10*time.Minute {
		t.Errorf("a lead has been dialling for %v", last.oldest)
	}
}
