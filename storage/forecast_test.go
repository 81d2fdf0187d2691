package storage_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// Six weeks of a queue's rollups with a known weekly pattern: the history read back per local
// half hour forecasts next Monday at the Mondays' level exactly (no noise here), patience comes
// from the abandons, and the published roster's heads are counted per half hour.
func TestForecastFromRollups(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	level := map[time.Weekday]int64{time.Monday: 12, time.Tuesday: 10, time.Wednesday: 10, time.Thursday: 10, time.Friday: 10, time.Saturday: 6, time.Sunday: 4}
	var rows [][]any
	first := time.Date(2026, 10, 19, 0, 0, 0, 0, loc) // a Monday
	for d := first; d.Before(first.AddDate(0, 0, 42)); d = d.AddDate(0, 0, 1) {
		for q := 8 * 4; q < 20*4; q++ { // 08:00–20:00, every 15 minutes
			b := d.Add(time.Duration(q) * 15 * time.Minute)
			n := level[d.Weekday()]
			rows = append(rows, []any{b, "sales", "", "inbound", n, n - 1, int64(1), int64(0), n - 1, int64(0), int64(0), int64(0),
				(n - 1) * 10_000, int64(30_000), int64(40_000), n - 1, (n - 1) * 150_000, int64(0), (n - 1) * 30_000, int64(0), int64(0), int64(0), int64(0)})
		}
	}
	cols := []string{"bucket", "queue", "agent_id", "direction", "offered", "answered", "abandoned", "short_abandoned", "answered_within_t",
		"abandoned_within_t", "flowed_out", "lost", "sum_wait_answered_ms", "sum_wait_abandoned_ms", "max_wait_ms", "handled", "sum_talk_ms",
		"sum_hold_ms", "sum_wrap_ms", "transfers", "outbound_dials", "outbound_connects", "outbound_talk_ms"}
	if _, err := db.Pool.CopyFrom(ctx, pgx.Identifier{"rollup_calls"}, cols, pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
	hist, err := db.QueueHistory(ctx, "sales", "2026-10-19", "2026-11-29", loc, 30)
	if err != nil {
		t.Fatal(err)
	}
	if s := hist["2026-10-19"][16]; s.Offered != 24 || s.Handled != 22 || s.SumHandleMs != 22*180_000 { // 08:00–08:30: two buckets of 12
		t.Fatalf("Monday 08:00 %+v", s)
	}
	f := callfloor.ForecastDay(hist, "2026-11-30", 48, 6, nil)
	if f.Method != callfloor.MethodSameWeekday || len(f.Basis) != 6 || f.Slots[16].Volume != 24 || f.Slots[16].AHTSeconds != 180 || f.Slots[40].Volume != 0 {
		t.Fatalf("forecast %s %v %+v", f.Method, f.Basis, f.Slots[16])
	}
	if sun := callfloor.ForecastDay(hist, "2026-12-06", 48, 6, nil); sun.Slots[20].Volume != 8 {
		t.Fatalf("Sunday %+v", sun.Slots[20])
	}
	p, ok, err := db.QueuePatience(ctx, "sales", first, first.AddDate(0, 0, 42))
	// per bucket: waits (n−1)·10 s answered + 30 s abandoned, one abandon
	var want float64
	var buckets float64
	for _, n := range level {
		want += float64((n-1)*10_000 + 30_000)
		buckets++
	}
	if err != nil || !ok || math.Abs(p.Seconds()-want/buckets/1000) > 0.01 {
		t.Fatalf("patience %v (want %.2f s) %v", p, want/buckets/1000, err)
	}
	if _, err := db.QueueHistory(ctx, "sales", "2026-10-19", "2026-10-19", loc, 20); callfloor.SpecificCode(err) != callfloor.CodeInvalidChoice {
		t.Fatalf("20-minute intervals: %v", err)
	}

	// rostered heads: two skilled agents on E (08:30–17:30, lunch 12–13), one unskilled, one on leave
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO teams (id, name) VALUES ('red', 'Red')`)
	exec(`INSERT INTO agents (id, name, endpoint, team_id, skills) VALUES ('1', 'a', 'PJSIP/1', 'red', '{"sales":1}'), ('2', 'b', 'PJSIP/2', 'red', '{"sales":2}'),
		('3', 'c', 'PJSIP/3', 'red', '{"support":1}'), ('4', 'd', 'PJSIP/4', 'red', '{"sales":1}')`)
	if _, err := db.PutShift(ctx, callfloor.Shift{Code: "E", Name: "早班", Start: "08:30", End: "17:30", Breaks: []callfloor.ShiftBreak{{Start: "12:00", End: "13:00"}}}); err != nil {
		t.Fatal(err)
	}
	var cells []storage.RosterCell
	for _, a := range []string{"1", "2", "3", "4"} {
		cells = append(cells, storage.RosterCell{Agent: a, Day: "2026-11-30", Shift: "E"})
	}
	if _, err := db.PutRosterCells(ctx, "red", "2026-11", cells); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.PublishRoster(ctx, "red", "2026-11", "lee"); err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO leave_requests (agent_id, type, from_day, to_day, days, requested_on, chain, status) VALUES ('4', 'annual', '2026-11-30', '2026-11-30', 1, '2026-11-01', '{team_lead}', 'approved')`)
	heads, err := db.RosteredHeads(ctx, "sales", "2026-11-30", loc, 30)
	if err != nil {
		t.Fatal(err)
	}
	if heads[16] != 0 || heads[17] != 2 || heads[24] != 0 || heads[26] != 2 || heads[34] != 2 || heads[35] != 0 {
		t.Fatalf("heads 08:00 %d 08:30 %d 12:00 %d 13:00 %d 17:00 %d 17:30 %d", heads[16], heads[17], heads[24], heads[26], heads[34], heads[35])
	}
	// a forecast as made, read back
	if err := db.SaveForecast(ctx, "sales", 30, f, "paul"); err != nil {
		t.Fatal(err)
	}
	saved, at, err := db.SavedForecast(ctx, "sales", "2026-11-30", 30)
	if err != nil || saved == nil || at == nil || saved.Slots[16].Volume != 24 || len(saved.Basis) != 6 {
		t.Fatalf("saved %+v %v", saved, err)
	}
}
