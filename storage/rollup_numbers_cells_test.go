package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor/storage"
)

// exec runs a statement or fails the test.
func (e *histEnv) exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	if _, err := e.db.Pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatal(err)
	}
}

// assertNumberCells: the unshared numbers' counts per rollup cell (rollup_numbers_cells and its
// daily level, kept by triggers) equal their recomputation from the number rows.
func assertNumberCells(t testing.TB, db *storage.DB) {
	t.Helper()
	for _, l := range []struct{ cells, rows, at string }{
		{"rollup_numbers_cells", "rollup_numbers", "bucket"},
		{"rollup_numbers_cells_day", "rollup_numbers_day", "day"},
	} {
		var diff, n int
		err := db.Pool.QueryRow(context.Background(), `WITH want AS (SELECT `+l.at+` AS at, queue, agent_id, direction, count(*) AS numbers,
    count(*) FILTER (WHERE connects > 0) AS connected FROM `+l.rows+` WHERE NOT shared GROUP BY 1, 2, 3, 4),
  got AS (SELECT `+l.at+` AS at, queue, agent_id, direction, numbers, connected FROM `+l.cells+`)
SELECT (SELECT count(*) FROM ((SELECT * FROM want EXCEPT SELECT * FROM got) UNION ALL (SELECT * FROM got EXCEPT SELECT * FROM want)) d),
  (SELECT count(*) FROM got)`).Scan(&diff, &n)
		if err != nil {
			t.Fatal(err)
		}
		if diff != 0 {
			t.Errorf("%s: %d cells differ from the unshared rows of %s", l.cells, diff, l.rows)
		}
	}
}

// TestNumberCellsMonthEqualsRaw: the month report's distinct dialled and connected numbers read
// from the cells' counts of unshared numbers and the shared rows equal count(DISTINCT) over the
// month's raw calls, per cell and overall, as numbers become shared (dialled again on another
// day, by another agent) and unshared again (that call gone), after a rebuild from nothing and
// a change of the daily level's zone; the counts stay equal to their recomputation throughout.
func TestNumberCellsMonthEqualsRaw(t *testing.T) {
	t.Parallel()
	e := newHistEnv(t)
	ctx := context.Background()
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	exec := func(sql string, args ...any) { t.Helper(); e.exec(t, sql, args...) }
	if _, err := e.db.SetRollupZone(ctx, shanghai); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"a1", "a2", "a3"} {
		exec(`INSERT INTO agents (id, name, endpoint) VALUES ($1, $1, 'PJSIP/' || $1) ON CONFLICT DO NOTHING`, a)
	}
	// March 2026 in Shanghai; the 1st's calls at 01:00 local are still February 28th in UTC
	dial := func(id, agent, number, at string, connected bool) {
		t.Helper()
		ts, err := time.ParseInLocation("2006-01-02 15:04", at, shanghai)
		if err != nil {
			t.Fatal(err)
		}
		var ans any
		outcome := "no_answer"
		if connected {
			ans, outcome = ts.Add(5*time.Second), "answered"
		}
		exec(`INSERT INTO calls (id, direction, agent_id, called_number, entered_at, answered_at, ended_at, talk_ms, outcome, last_event_id)
VALUES ($1, 'outbound', $2, $3, $4, $5, $6, 60000, $7, $1)`, id, agent, number, ts, ans, ts.Add(time.Minute), outcome)
	}
	dial("c1", "a1", "n1", "2026-03-01 01:00", false) // n1: one row, unshared
	dial("c2", "a1", "n2", "2026-03-01 10:00", false) // n2: two agents, two days: shared
	dial("c3", "a2", "n2", "2026-03-02 10:00", true)
	dial("c4", "a1", "n3", "2026-03-02 11:00", false) // n3: twice in one cell (one row), connected once
	dial("c5", "a1", "n3", "2026-03-02 11:05", true)
	dial("c6", "a2", "n4", "2026-03-02 12:00", true)  // n4: unshared, connected
	dial("c7", "a1", "n5", "2026-03-02 12:00", false) // n5: two agents on the same day
	dial("c8", "a2", "n5", "2026-03-02 12:10", true)
	dial("c9", "a3", "n1", "2026-02-27 09:00", false) // February: n1 is shared at both levels
	from, to := time.Date(2026, 2, 1, 0, 0, 0, 0, shanghai), time.Date(2026, 4, 1, 0, 0, 0, 0, shanghai)
	rebuild := func() {
		t.Helper()
		if _, err := e.db.RebuildRollups(ctx, from, to); err != nil {
			t.Fatal(err)
		}
	}
	march := storage.ProductionFilter{From: time.Date(2026, 3, 1, 0, 0, 0, 0, shanghai), To: time.Date(2026, 4, 1, 0, 0, 0, 0, shanghai), Loc: shanghai}
	check := func(stage string, dialled, connected int64) {
		t.Helper()
		assertNumberCells(t, e.db)
		want := func(cond string) int64 {
			return int64(e.count(t, `SELECT count(DISTINCT called_number) FROM calls WHERE direction = 'outbound' AND entered_at >= $1 AND entered_at < $2`+cond, march.From, march.To))
		}
		if w := want(""); w != dialled {
			t.Fatalf("%s: the test expects %d dialled numbers, the calls have %d", stage, dialled, w)
		}
		for _, iv := range []string{storage.IntervalDay, storage.IntervalWeek, storage.IntervalMonth, storage.IntervalRange, storage.Interval60m} {
			for _, g := range storage.ProductionGroups {
				f := march
				f.Interval, f.Group = iv, g
				rf := f
				rf.Source = storage.SourceRaw
				if a, b := report(t, e.db, f), report(t, e.db, rf); a != b {
					t.Errorf("%s, %s/%s: rollup report\n%s\nraw report\n%s", stage, iv, g, a, b)
				}
			}
		}
		r, err := e.db.ProductionReport(ctx, march)
		if err != nil {
			t.Fatal(err)
		}
		if r.Totals.DialledNumbers != dialled || r.Totals.ConnectedNumbers != connected || connected != want(" AND answered_at IS NOT NULL") {
			t.Errorf("%s: month's numbers dialled %d connected %d, want %d and %d", stage, r.Totals.DialledNumbers, r.Totals.ConnectedNumbers, dialled, connected)
		}
	}
	rebuild()
	check("first", 5, 4)
	var unshared int
	if unshared = e.count(t, `SELECT coalesce(sum(numbers), 0) FROM rollup_numbers_cells_day WHERE day >= '2026-03-01'`); unshared != 2 { // n3, n4
		t.Errorf("March's unshared daily numbers %d, want 2 (n3, n4)", unshared)
	}
	// n4 dialled again by a3 on the 3rd: its row of the 2nd becomes shared (flags recomputed
	// with the 3rd's buckets alone), its cell's count drops
	dial("c10", "a3", "n4", "2026-03-03 09:00", false)
	if _, err := e.db.RebuildRollups(ctx, time.Date(2026, 3, 3, 9, 0, 0, 0, shanghai), time.Date(2026, 3, 3, 9, 15, 0, 0, shanghai)); err != nil {
		t.Fatal(err)
	}
	check("n4 dialled again", 5, 4)
	if n := e.count(t, `SELECT coalesce(sum(numbers), 0) FROM rollup_numbers_cells_day WHERE day >= '2026-03-01'`); n != 1 {
		t.Errorf("after n4's second dial: %d unshared daily numbers in March, want 1 (n3)", n)
	}
	// a new number, and n4's second dial gone again
	dial("c11", "a3", "n6", "2026-03-20 15:00", true)
	exec(`DELETE FROM calls WHERE id = 'c10'`)
	rebuild()
	check("c10 gone, n6 new", 6, 5)
	// from nothing (TRUNCATE empties the counts too), and the daily level recomputed in a zone
	before := rollupSnapshot(t, e.db)
	exec(truncateRollups)
	if n := e.count(t, `SELECT (SELECT count(*) FROM rollup_numbers_cells) + (SELECT count(*) FROM rollup_numbers_cells_day)`); n != 0 {
		t.Fatalf("%d cells left after TRUNCATE", n)
	}
	rebuild()
	if after := rollupSnapshot(t, e.db); after != before {
		t.Errorf("rebuilt from nothing:\n%s\nwas:\n%s", after, before)
	}
	assertDailyFromScratch(t, e.db, shanghai)
	check("rebuilt", 6, 5)
}
