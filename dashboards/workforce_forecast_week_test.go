package dashboards_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// forecastRollups writes a queue's inbound rollups: on each day, every 15 minutes from quarter
// fromQ to toQ (exclusive), `offered` calls all answered and handled in `handle` each.
func forecastRollups(t *testing.T, e *apiEnv, queue string, days []time.Time, fromQ, toQ int, offered int64, handle time.Duration) {
	t.Helper()
	var rows [][]any
	for _, d := range days {
		for q := fromQ; q < toQ; q++ {
			rows = append(rows, []any{d.Add(time.Duration(q) * 15 * time.Minute), queue, "", "inbound", offered, offered, int64(0), int64(0), offered, int64(0),
				int64(0), int64(0), offered * 5_000, int64(0), int64(10_000), offered, offered * handle.Milliseconds(), int64(0), int64(0), int64(0), int64(0), int64(0), int64(0)})
		}
	}
	cols := []string{"bucket", "queue", "agent_id", "direction", "offered", "answered", "abandoned", "short_abandoned", "answered_within_t",
		"abandoned_within_t", "flowed_out", "lost", "sum_wait_answered_ms", "sum_wait_abandoned_ms", "max_wait_ms", "handled", "sum_talk_ms",
		"sum_hold_ms", "sum_wrap_ms", "transfers", "outbound_dials", "outbound_connects", "outbound_talk_ms"}
	if _, err := e.db.Pool.CopyFrom(context.Background(), pgx.Identifier{"rollup_calls"}, cols, pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
}

func num(v any) float64 { f, _ := v.(float64); return f }

// metrics.md's worked numbers through the API: a history of 100 calls per half hour with an AHT
// of 180 s on a queue answering 80 % in 20 s needs 14 agents (Erlang C), 20 scheduled at the
// default 30 % shrinkage; the queue's stored shrinkage (40 %: 24 scheduled) is used until a query
// parameter overrides it; the setting is supervisors' and up, scoped like the queue, and checked.
func TestForecastWorkedStaffingAndShrinkageSetting(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	loc := e.base.Location()
	e.expect("root", "PUT", "/queues/sales", `{"service_level_s":20,"sl_target":0.8}`, 200)
	now := time.Now().In(loc)
	d0 := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 7)
	var days []time.Time
	for w := 1; w <= 4; w++ {
		days = append(days, d0.AddDate(0, 0, -7*w))
	}
	forecastRollups(t, e, "sales", days, 9*4, 11*4, 50, 180*time.Second) // 09:00–11:00: 100 per half hour
	ds := d0.Format(time.DateOnly)
	slot := func(out map[string]any) map[string]any { return out["staffing"].([]any)[18].(map[string]any) } // 09:00–09:30
	out := e.expect("lead-a", "GET", "/forecast?queue=sales&day="+ds+"&weeks=4", "", 200)
	s := slot(out)
	if num(s["volume"]) != 100 || num(s["traffic"]) != 10 || num(s["erlang_c"]) != 14 || num(s["scheduled"]) != 20 ||
		out["shrinkage"] != 0.3 || out["shrinkage_stored"] != true || out["shrinkage_source"] != "default" || out["threshold_s"] != 20.0 || out["service_level_target"] != 0.8 {
		t.Fatalf("09:00 %v (shrinkage %v stored %v, T %v, target %v)", s, out["shrinkage"], out["shrinkage_stored"], out["threshold_s"], out["service_level_target"])
	}
	if st := e.expect("lead-a", "GET", "/forecast/settings?queue=sales", "", 200); st["shrinkage"] != 0.3 || st["default"] != true {
		t.Fatalf("default setting %v", st)
	}
	// the stored setting
	e.expect("lead-a", "PUT", "/forecast/settings?queue=sales", `{"shrinkage":0.4}`, 403)
	e.expect("ana", "PUT", "/forecast/settings?queue=sales", `{"shrinkage":0.4}`, 403)
	if st := e.expect("sup", "PUT", "/forecast/settings?queue=sales", `{"shrinkage":0.4}`, 200); st["shrinkage"] != 0.4 || st["default"] != false || st["updated_by"] != "sup" {
		t.Fatalf("stored setting %v", st)
	}
	if out := e.expect("lead-a", "GET", "/forecast?queue=sales&day="+ds+"&weeks=4", "", 200); num(slot(out)["scheduled"]) != 24 || out["shrinkage"] != 0.4 || out["shrinkage_source"] != "queue" {
		t.Fatalf("with 40 %% stored: %v (shrinkage %v)", slot(out), out["shrinkage"])
	}
	if out := e.expect("lead-a", "GET", "/forecast?queue=sales&day="+ds+"&weeks=4&shrinkage=0.3", "", 200); num(slot(out)["scheduled"]) != 20 || out["shrinkage_stored"] != false || out["shrinkage_source"] != "query" {
		t.Fatalf("query parameter over the stored setting: %v", slot(out))
	}
	if st := e.expect("lead-a", "GET", "/forecast/settings?queue=support", "", 200); st["shrinkage"] != 0.3 || st["default"] != true {
		t.Fatalf("another queue keeps the default: %v", st)
	}
	// scoping: a project manager without the queue's project sees neither its forecast nor its setting
	e.expect("root", "POST", "/projects", `{"id":"acme","name":"Acme","queues":["support"]}`, 201)
	e.addUser(storage.NewUser{Username: "pm", Role: callfloor.RoleProjectManager, Projects: []string{"acme"}})
	e.expect("pm", "GET", "/forecast/settings?queue=support", "", 200)
	e.expect("pm", "PUT", "/forecast/settings?queue=support", `{"shrinkage":0.25}`, 200)
	e.expect("pm", "GET", "/forecast?queue=sales&day="+ds, "", 403)
	e.expect("pm", "GET", "/forecast/week?queue=sales&day="+ds, "", 403)
	e.expect("pm", "GET", "/forecast/settings?queue=sales", "", 403)
	e.expect("pm", "PUT", "/forecast/settings?queue=sales", `{"shrinkage":0.1}`, 403)
	e.expectInvalid("", []badInput{
		{"PUT", "/forecast/settings?queue=sales", `{"shrinkage":0.95}`, "shrinkage"},
		{"PUT", "/forecast/settings?queue=sales", `{"shrinkage":-0.1}`, "shrinkage"},
		{"PUT", "/forecast/settings?queue=sales", `{}`, "shrinkage"},
		{"PUT", "/forecast/settings?queue=sales", `{"shrinkage":"high"}`, "shrinkage"},
		{"PUT", "/forecast/settings?queue=nope", `{"shrinkage":0.2}`, "queue"},
		{"PUT", "/forecast/settings", `{"shrinkage":0.2}`, "queue"},
		{"GET", "/forecast/settings?queue=sales&colour=red", ``, "colour"},
		{"GET", "/forecast/week?queue=sales&days=0", ``, "days"},
		{"GET", "/forecast/week?queue=sales&days=15", ``, "days"},
		{"GET", "/forecast/week?queue=sales&day=monday", ``, "day"},
		{"GET", "/forecast/week?queue=sales&interval=45", ``, "interval"},
	})
	if st := e.expect("sup", "GET", "/forecast/settings?queue=sales", "", 200); st["shrinkage"] != 0.4 {
		t.Fatalf("refused changes changed the setting: %v", st)
	}
}

// The week ahead in one call: per day and half hour, Erlang C's requirement, the heads to
// schedule, the published roster's heads and the gap; each day equal to that day's own
// GET /forecast.
func TestForecastWeekHeatmap(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	loc := e.base.Location()
	now := time.Now().In(loc)
	d0 := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 1) // tomorrow
	var days []time.Time
	for i := 1; i <= 28; i++ {
		days = append(days, d0.AddDate(0, 0, -i))
	}
	forecastRollups(t, e, "sales", days, 10*4, 12*4, 25, 180*time.Second)
	// two agents skilled on sales on an early shift tomorrow, published
	if _, err := e.db.Pool.Exec(ctx, `UPDATE agents SET skills = '{"sales":1}' WHERE id IN ('1001', '1002')`); err != nil {
		t.Fatal(err)
	}
	var team string
	if err := e.db.Pool.QueryRow(ctx, `SELECT team_id FROM agents WHERE id = '1001'`).Scan(&team); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.PutShift(ctx, callfloor.Shift{Code: "E", Name: "Early", Start: "08:30", End: "17:30", Breaks: []callfloor.ShiftBreak{{Start: "12:00", End: "13:00"}}}); err != nil {
		t.Fatal(err)
	}
	ds := d0.Format(time.DateOnly)
	month := d0.Format("2006-01")
	if _, err := e.db.PutRosterCells(ctx, team, month, []storage.RosterCell{{Agent: "1001", Day: ds, Shift: "E"}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.db.PublishRoster(ctx, team, month, "lead-a"); err != nil {
		t.Fatal(err)
	}
	wk := e.expect("lead-a", "GET", "/forecast/week?queue=sales&day="+ds+"&weeks=4&shrinkage=0.3", "", 200)
	got := wk["days"].([]any)
	if len(got) != 7 || wk["from"] != ds || wk["to"] != d0.AddDate(0, 0, 6).Format(time.DateOnly) {
		t.Fatalf("week %v..%v, %d days", wk["from"], wk["to"], len(got))
	}
	for i, x := range got {
		d := x.(map[string]any)
		one := e.expect("lead-a", "GET", "/forecast?queue=sales&day="+d["day"].(string)+"&weeks=4&shrinkage=0.3", "", 200)
		st := one["staffing"].([]any)
		cells := d["slots"].([]any)
		if len(cells) != 48 || len(st) != 48 {
			t.Fatalf("day %d: %d cells", i, len(cells))
		}
		for j, c := range cells {
			c, s := c.(map[string]any), st[j].(map[string]any)
			if c["required"] != s["erlang_c"] || c["scheduled"] != s["scheduled"] || c["rostered"] != s["rostered"] || num(c["gap"]) != num(s["scheduled"])-num(s["rostered"]) {
				t.Fatalf("%s slot %d: week %v, day %v", d["day"], j, c, s)
			}
		}
	}
	first := got[0].(map[string]any)["slots"].([]any)
	c20, c17, c24 := first[20].(map[string]any), first[17].(map[string]any), first[24].(map[string]any)
	// 10:00: 50 calls of 180 s per half hour (5 Erlangs) → needed; one rostered
	if c20["required"] == nil || num(c20["rostered"]) != 1 || num(c20["gap"]) != num(c20["scheduled"])-1 || num(c20["scheduled"]) < 6 {
		t.Fatalf("10:00 %v", c20)
	}
	// 08:30: rostered without calls (gap −1); 12:00: lunch, nobody rostered, no calls
	if c17["required"] != nil || num(c17["rostered"]) != 1 || num(c17["gap"]) != -1 || num(c24["rostered"]) != 0 || num(c24["gap"]) != 0 {
		t.Fatalf("08:30 %v 12:00 %v", c17, c24)
	}
	if two := e.expect("lead-a", "GET", "/forecast/week?queue=sales&day="+ds+"&days=2&interval=15", "", 200)["days"].([]any); len(two) != 2 ||
		len(two[0].(map[string]any)["slots"].([]any)) != 96 {
		t.Fatalf("two days of quarter hours: %d", len(two))
	}
}

// Holidays through the API: a holiday's forecast is the mean of the past holidays (not of the
// same weekday), a make-up workday's the regular workdays', and the basis names the days.
func TestForecastHolidayAwareAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	loc := e.base.Location()
	now := time.Now().In(loc)
	d0 := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 14)
	// the same weekday four weeks back: 20 calls per quarter at 10:00–11:00; two of them, and
	// two other past days, are holidays with 4 calls per quarter
	var normal, holidays []time.Time
	for w := 1; w <= 6; w++ {
		normal = append(normal, d0.AddDate(0, 0, -7*w))
	}
	hol := []time.Time{d0.AddDate(0, 0, -7), d0.AddDate(0, 0, -10), d0.AddDate(0, 0, -30)}
	holidays = hol
	for _, d := range append(append([]time.Time{}, hol...), d0) {
		if _, err := e.db.PutCalendarDay(ctx, callfloor.CalendarDay{Day: d.Format(time.DateOnly), Kind: callfloor.DayHoliday, Name: "Holiday"}); err != nil {
			t.Fatal(err)
		}
	}
	var plain []time.Time
	for _, d := range normal {
		if d != hol[0] {
			plain = append(plain, d)
		}
	}
	forecastRollups(t, e, "sales", plain, 10*4, 11*4, 20, 120*time.Second)
	forecastRollups(t, e, "sales", holidays, 10*4, 11*4, 4, 120*time.Second)
	ds := d0.Format(time.DateOnly)
	out := e.expect("lead-a", "GET", "/forecast?queue=sales&day="+ds+"&weeks=4", "", 200)
	f := out["forecast"].(map[string]any)
	basis := f["basis"].([]any)
	if f["method"] != callfloor.MethodHolidays || len(basis) != 3 || basis[0] != hol[0].Format(time.DateOnly) {
		t.Fatalf("holiday: %v over %v", f["method"], basis)
	}
	if v := num(f["slots"].([]any)[20].(map[string]any)["volume"]); v != 8 {
		t.Fatalf("holiday 10:00 volume %v, want 8 (the holidays' 2 × 4)", v)
	}
	// the next same weekday, not a holiday: the same weekdays but the holiday one
	next := d0.AddDate(0, 0, 7).Format(time.DateOnly)
	f = e.expect("lead-a", "GET", "/forecast?queue=sales&day="+next+"&weeks=4", "", 200)["forecast"].(map[string]any)
	for _, b := range f["basis"].([]any) {
		if b == hol[0].Format(time.DateOnly) || b == ds {
			t.Fatalf("a regular day averaged a holiday: %v", f["basis"])
		}
	}
	if v := num(f["slots"].([]any)[20].(map[string]any)["volume"]); f["method"] != callfloor.MethodSameWeekday || len(f["basis"].([]any)) != 4 || v != 40 {
		t.Fatalf("regular day: %v over %v, 10:00 %v", f["method"], f["basis"], v)
	}
	// the week variant names the same method per day
	wk := e.expect("lead-a", "GET", "/forecast/week?queue=sales&day="+ds+"&weeks=4", "", 200)["days"].([]any)
	if wk[0].(map[string]any)["method"] != callfloor.MethodHolidays {
		t.Fatalf("week's first day %v", wk[0].(map[string]any)["method"])
	}
}

// Today's row of the heatmap is the intraday re-forecast's from the interval running now (as the
// day's own GET /forecast staffing): a morning with twice the calls of the history doubles the
// rest of the day's requirement; intraday=false gives back the morning's forecast.
func TestForecastWeekUsesReforecastToday(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	loc := e.base.Location()
	now := time.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	var past []time.Time
	for w := 1; w <= 4; w++ {
		past = append(past, today.AddDate(0, 0, -7*w))
	}
	forecastRollups(t, e, "sales", past, 0, 96, 10, 180*time.Second)               // 20 calls per half hour, all day
	forecastRollups(t, e, "sales", []time.Time{today}, 0, 96, 20, 180*time.Second) // today: twice as many
	ds := today.Format(time.DateOnly)
	q := "/forecast/week?queue=sales&day=" + ds + "&weeks=4&shrinkage=0.3&days=2"
	wk := e.expect("lead-a", "GET", q, "", 200)
	plain := e.expect("lead-a", "GET", q+"&intraday=false", "", 200)
	if wk["intraday"] != true || plain["intraday"] != false || wk["today"] != ds {
		t.Fatalf("intraday %v / %v, today %v", wk["intraday"], plain["intraday"], wk["today"])
	}
	d0, p0 := wk["days"].([]any)[0].(map[string]any), plain["days"].([]any)[0].(map[string]any)
	if _, ok := p0["reforecast_from"]; ok {
		t.Fatalf("the morning's forecast names a re-forecast: %v", p0["reforecast_from"])
	}
	if _, ok := wk["days"].([]any)[1].(map[string]any)["reforecast_from"]; ok {
		t.Fatal("tomorrow is re-forecast")
	}
	from, ok := d0["reforecast_from"].(float64)
	if !ok || d0["method"] != callfloor.MethodSameWeekday {
		t.Fatalf("today: reforecast_from %v, method %v", d0["reforecast_from"], d0["method"])
	}
	one := e.expect("lead-a", "GET", "/forecast?queue=sales&day="+ds+"&weeks=4&shrinkage=0.3", "", 200)
	st := one["staffing"].([]any)
	cells, pcells := d0["slots"].([]any), p0["slots"].([]any)
	higher := 0
	for s := range cells {
		c, pc, os := cells[s].(map[string]any), pcells[s].(map[string]any), st[s].(map[string]any)
		if num(pc["scheduled"]) == 0 {
			t.Fatalf("slot %d: the history's 20 calls need no one: %v", s, pc)
		}
		if s >= int(from) && from > 0 { // (at 00:00–00:30 nothing is known yet: ratio 1)
			// the morning had twice the calls: the rest of the day is re-forecast at twice the volume
			if num(c["scheduled"]) <= num(pc["scheduled"]) {
				t.Errorf("slot %d (re-forecast from %d): %v scheduled, the morning's forecast %v", s, int(from), c["scheduled"], pc["scheduled"])
			}
			higher++
		}
		if num(c["scheduled"]) != num(os["scheduled"]) && int(from) == slotOf(time.Now().In(loc), 30) {
			t.Errorf("slot %d: week %v, GET /forecast %v", s, c, os)
		}
	}
	if int(from) > 0 && higher == 0 && int(from) < 48 {
		t.Error("no interval re-forecast")
	}
	e.expectInvalid("", []badInput{{"GET", q + "&intraday=maybe", "", "intraday"}})
}

func slotOf(t time.Time, minutes int) int { return (t.Hour()*60 + t.Minute()) / minutes }
