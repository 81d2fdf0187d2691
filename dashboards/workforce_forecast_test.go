package dashboards_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// A queue's forecast from four weeks of history: the same weekday's volume, Erlang C and A heads,
// heads to schedule after shrinkage; a past day's accuracy against a saved forecast.
func TestForecastAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	loc := e.base.Location()
	queue := e.acd.Queues()[0].Name
	var rows [][]any
	day := time.Now().In(loc).AddDate(0, 0, 7) // a week ahead: history four weeks before it
	d0 := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	for w := 1; w <= 5; w++ {
		d := d0.AddDate(0, 0, -7*w)
		for q := 10 * 4; q < 12*4; q++ { // 10:00–12:00: 25 calls every 15 minutes, AHT 180 s
			rows = append(rows, []any{d.Add(time.Duration(q) * 15 * time.Minute), queue, "", "inbound", int64(25), int64(24), int64(1), int64(0), int64(20), int64(0),
				int64(0), int64(0), int64(240_000), int64(60_000), int64(30_000), int64(24), int64(24 * 150_000), int64(0), int64(24 * 30_000), int64(0), int64(0), int64(0), int64(0)})
		}
	}
	cols := []string{"bucket", "queue", "agent_id", "direction", "offered", "answered", "abandoned", "short_abandoned", "answered_within_t",
		"abandoned_within_t", "flowed_out", "lost", "sum_wait_answered_ms", "sum_wait_abandoned_ms", "max_wait_ms", "handled", "sum_talk_ms",
		"sum_hold_ms", "sum_wrap_ms", "transfers", "outbound_dials", "outbound_connects", "outbound_talk_ms"}
	if _, err := e.db.Pool.CopyFrom(ctx, pgx.Identifier{"rollup_calls"}, cols, pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
	ds := d0.Format(time.DateOnly)
	out := e.expect("lead-a", "GET", "/forecast?queue="+queue+"&day="+ds+"&weeks=4", "", 200)
	f := out["forecast"].(map[string]any)
	if f["method"] != "same_weekday" || len(f["basis"].([]any)) != 4 {
		t.Fatalf("forecast %v %v", f["method"], f["basis"])
	}
	st := out["staffing"].([]any)
	s := st[20].(map[string]any) // 10:00–10:30: 50 calls, AHT 180 s → 5 Erlangs
	if s["volume"].(float64) != 50 || s["aht_seconds"].(float64) != 180 || s["traffic"].(float64) != 5 || s["erlang_c"] == nil || out["patience_s"] == nil {
		t.Fatalf("10:00 %v (patience %v)", s, out["patience_s"])
	}
	if s["scheduled"].(float64) < s["erlang_c"].(float64) || s["erlang_a"].(float64) > s["erlang_c"].(float64) {
		t.Fatalf("heads %v", s)
	}
	if st[0].(map[string]any)["erlang_c"] != nil {
		t.Fatalf("midnight needs nobody: %v", st[0])
	}
	// a past day: its accuracy against the forecast saved before it
	past := d0.AddDate(0, 0, -14).Format(time.DateOnly) // a week ago
	e.expect("ana", "POST", "/forecast?queue="+queue+"&day="+past+"&weeks=3", "", 403)
	e.expect("sup", "POST", "/forecast?queue="+queue+"&day="+past+"&weeks=3", "", 201)
	acc := e.expect("sup", "GET", "/forecast?queue="+queue+"&day="+past+"&weeks=3", "", 200)
	if a := acc["accuracy"].(map[string]any); a["wape"].(float64) != 0 || acc["accuracy_of"] == nil {
		t.Fatalf("accuracy %v", acc["accuracy"])
	}
	e.expectInvalid("", []badInput{
		{"GET", "/forecast", ``, "queue"},
		{"GET", "/forecast?queue=nope", ``, "queue"},
		{"GET", "/forecast?queue=" + queue + "&interval=20", ``, "interval"},
		{"GET", "/forecast?queue=" + queue + "&weeks=0", ``, "weeks"},
		{"GET", "/forecast?queue=" + queue + "&shrinkage=1", ``, "shrinkage"},
		{"GET", "/forecast?queue=" + queue + "&day=tomorrow", ``, "day"},
	})
}
