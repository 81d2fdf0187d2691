package storage_test

import (
	"context"
	"math/rand"
	"reflect"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// Attendance from the records: rostered days (day and night shifts), approved leave, state
// intervals and a state still running, in the centre's zone.
func TestAttendanceFromRecords(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO teams (id, name) VALUES ('red', 'Red')`)
	exec(`INSERT INTO shifts (code, name, start_time, end_time, breaks) VALUES
		('E', '早班', '08:30', '17:30', '[{"start":"12:00","end":"14:00"}]'), ('N', '夜班', '22:00', '06:00', '[]')`)
	exec(`INSERT INTO pause_reasons (name, paid, position) VALUES ('lunch', false, 1), ('training', true, 2)`)
	exec(`UPDATE pause_reasons SET rostered_work = true WHERE name = 'training'`)
	roster := map[string]map[string]string{
		"1001": {"2026-11-02": "E", "2026-11-03": "E", "2026-11-04": "", "2026-11-05": "N", "2026-11-06": ""},
		"1002": {"2026-11-02": "E", "2026-11-03": "E", "2026-11-04": "E"},
		"1003": {"2026-11-06": "E"},
	}
	for a, ds := range roster {
		for d, code := range ds {
			exec(`INSERT INTO roster_days (agent_id, day, team_id, shift_code, published, published_code) VALUES ($1, $2, 'red', nullif($3, ''), true, nullif($3, ''))`, a, d, code)
		}
	}
	exec(`INSERT INTO leave_requests (agent_id, type, from_day, to_day, days, requested_on, chain, status)
		VALUES ('1002', 'sick', '2026-11-03', '2026-11-04', 2, '2026-11-03', '{team_lead}', 'approved'),
		       ('1002', 'personal', '2026-11-02', '2026-11-02', 1, '2026-10-20', '{team_lead}', 'rejected')`)
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	state := func(agent, st, reason, from, to string) {
		s, e := at(from), at(to)
		exec(`INSERT INTO agent_state_intervals (agent_id, state, reason, started_at, ended_at, duration_ms) VALUES ($1, $2, nullif($3, ''), $4, $5, $6)`,
			agent, st, reason, s, e, e.Sub(s).Milliseconds())
	}
	state("1001", "paused", "lunch", "2026-11-02 12:00", "2026-11-02 14:00")
	state("1001", "available", "", "2026-11-02 14:00", "2026-11-02 17:30")
	state("1001", "on_call", "", "2026-11-03 08:30", "2026-11-03 17:20")
	state("1001", "available", "", "2026-11-04 10:00", "2026-11-04 11:00")      // an off day worked
	state("1001", "available", "", "2026-11-05 21:55", "2026-11-06 02:00")      // night shift over midnight
	state("1001", "paused", "training", "2026-11-06 02:00", "2026-11-06 06:00") // paid, rostered work
	// written last (a history writer catching up, a correction): the rows of an agent reach
	// Attendance in the table's order, not by time
	state("1001", "available", "", "2026-11-02 08:40", "2026-11-02 12:00")
	state("1002", "available", "", "2026-11-04 08:00", "2026-11-04 09:00") // on leave, came in anyway
	// a change not published does not count: 1002 is not told to come on the 5th
	exec(`INSERT INTO roster_days (agent_id, day, team_id, shift_code) VALUES ('1002', '2026-11-05', 'red', 'E')`)
	// 1003's state is still running: available since 08:50 (agent_state_open, no interval yet)
	exec(`INSERT INTO agent_state_open (agent_id, started_at, state) VALUES ('1003', $1, 'available')`, at("2026-11-06 08:50"))

	days, err := db.Attendance(ctx, storage.AttendanceQuery{From: "2026-11-02", To: "2026-11-06", Loc: loc, Team: "red", Now: at("2026-11-06 10:00")})
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]callfloor.AttendanceDay{}
	for _, d := range days {
		by[d.Agent+" "+d.Day] = d
	}
	if len(days) != 15 {
		t.Fatalf("%d days, want 3 agents × 5 days", len(days))
	}
	check := func(key string, late, early int, absent bool, leave string, loggedIn time.Duration) callfloor.AttendanceDay {
		t.Helper()
		d, ok := by[key]
		if !ok {
			t.Fatalf("no %s", key)
		}
		if d.LateMinutes != late || d.EarlyMinutes != early || d.Absent != absent || d.Leave != leave || time.Duration(d.LoggedInMs)*time.Millisecond != loggedIn {
			t.Errorf("%s: late %d early %d absent %v leave %q logged in %v; want %d %d %v %q %v", key, d.LateMinutes, d.EarlyMinutes,
				d.Absent, d.Leave, time.Duration(d.LoggedInMs)*time.Millisecond, late, early, absent, leave, loggedIn)
		}
		return d
	}
	d := check("1001 2026-11-02", 10, 0, false, "", 8*time.Hour+50*time.Minute)
	if d.Shift != "E" || d.RosteredMs != (7*time.Hour).Milliseconds() || d.UnpaidPausedMs != (2*time.Hour).Milliseconds() {
		t.Errorf("%+v", d)
	}
	check("1001 2026-11-03", 0, 10, false, "", 8*time.Hour+50*time.Minute)
	if d := check("1001 2026-11-04", 0, 0, false, "", time.Hour); d.Shift != "" {
		t.Errorf("an off day has no shift: %+v", d)
	}
	d = check("1001 2026-11-05", 0, 0, false, "", 8*time.Hour+5*time.Minute)
	if d.PaidMs != d.LoggedInMs || d.AdherencePercent == nil || *d.AdherencePercent != 100 {
		t.Errorf("night shift: paid %v of %v, adherence %v", d.PaidMs, d.LoggedInMs, d.AdherencePercent)
	}
	check("1001 2026-11-06", 0, 0, false, "", 0) // the night shift's end belongs to the 5th
	check("1002 2026-11-02", 0, 0, true, "", 0)  // rostered, never came; the rejected leave does not count
	if d := by["1002 2026-11-05"]; d.Shift != "" || d.Absent {
		t.Errorf("an unpublished shift: %+v", d)
	}
	if d := check("1002 2026-11-03", 0, 0, false, "sick", 0); d.LeaveRef == "" {
		t.Errorf("leave without its reference: %+v", d)
	}
	d4 := check("1002 2026-11-04", 0, 0, false, "sick", time.Hour)
	if d4.LeaveRef != by["1002 2026-11-03"].LeaveRef {
		t.Errorf("one leave over two days: %q %q", d4.LeaveRef, by["1002 2026-11-03"].LeaveRef)
	}
	check("1003 2026-11-06", 20, 0, false, "", 70*time.Minute) // the running state counts up to now
	facts := callfloor.AttendanceFacts(append(append([]callfloor.AttendanceDay{}, days[:5]...), days[5:10]...))
	if len(facts) != 3 { // 1001 late on the 2nd, early on the 3rd; 1002's sick leave once
		t.Errorf("facts %+v", facts)
	}

	// a team lead's correction applies on top; the raw fact stays
	if _, err := db.AddAttendanceCorrection(ctx, "1001", "2026-11-02", "late_minutes", float64(0), "地铁停运，有证明", "lee"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddAttendanceCorrection(ctx, "1002", "2026-11-02", "absent", false, "", "lee"); callfloor.SpecificCode(err) != callfloor.CodeRequired {
		t.Errorf("no reason: %v", err)
	}
	_, err = db.AddAttendanceCorrection(ctx, "1002", "2026-11-02", "absent", "no", "x", "lee")
	wantCode(t, err, callfloor.EINVALID, "value")
	_, err = db.AddAttendanceCorrection(ctx, "1002", "2026-11-02", "mood", true, "x", "lee")
	wantCode(t, err, callfloor.EINVALID, "field")
	cor, err := db.Attendance(ctx, storage.AttendanceQuery{From: "2026-11-02", To: "2026-11-02", Loc: loc, Agents: []string{"1001"}})
	if err != nil || cor[0].LateMinutes != 0 || cor[0].Corrected["late_minutes"].Raw != 10 || cor[0].Corrected["late_minutes"].By != "lee" {
		t.Fatalf("corrected %+v %v", cor, err)
	}
	raw, _ := db.Attendance(ctx, storage.AttendanceQuery{From: "2026-11-02", To: "2026-11-02", Loc: loc, Agents: []string{"1001"}, Raw: true})
	if raw[0].LateMinutes != 10 || raw[0].Corrected != nil {
		t.Fatalf("raw %+v", raw[0])
	}

	// one agent, bad ranges
	one, err := db.Attendance(ctx, storage.AttendanceQuery{From: "2026-11-02", To: "2026-11-02", Loc: loc, Agents: []string{"1001"}, Raw: true})
	if err != nil || len(one) != 1 || one[0].LateMinutes != 10 {
		t.Fatalf("%+v %v", one, err)
	}
	if _, err := db.Attendance(ctx, storage.AttendanceQuery{From: "2026-11-05", To: "2026-11-02", Loc: loc}); callfloor.SpecificCode(err) != callfloor.CodeInvalidFormat {
		t.Errorf("backwards: %v", err)
	}
	if _, err := db.Attendance(ctx, storage.AttendanceQuery{From: "2026-01-01", To: "2026-03-31", Loc: loc}); callfloor.SpecificCode(err) != callfloor.CodeOutOfRange {
		t.Errorf("90 days: %v", err)
	}
}

// The order rows come in does not matter: two agents with the same roster and the same state
// intervals — one's inserted in time order, the other's shuffled (a writer catching up, two
// writers, corrections) — get the same days. The intervals are read into 6-hour buckets and
// sorted per bucket only when out of order, so this crosses bucket edges with short and long
// states, and a state still running since before the range.
func TestAttendanceIndependentOfRowOrder(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO teams (id, name) VALUES ('blue', 'Blue')`)
	exec(`INSERT INTO shifts (code, name, start_time, end_time, breaks) VALUES ('E', '早班', '08:30', '17:30', '[{"start":"12:00","end":"13:00"}]'), ('L', '晚班', '13:00', '22:00', '[]')`)
	exec(`INSERT INTO pause_reasons (name, paid, position) VALUES ('lunch', false, 1), ('meeting', true, 2)`)
	days := callfloor.Days("2026-11-01", "2026-11-10")
	for i, d := range days {
		code := []string{"E", "L", "", "E", "E"}[i%5]
		for _, a := range []string{"2001", "2002"} {
			exec(`INSERT INTO roster_days (agent_id, day, team_id, shift_code, published, published_code) VALUES ($1, $2, 'blue', nullif($3, ''), true, nullif($3, ''))`, a, d, code)
		}
	}
	type iv struct {
		state, reason string
		s, e          time.Time
	}
	var ivs []iv
	rng := rand.New(rand.NewSource(7))
	t0 := time.Date(2026, 10, 31, 20, 0, 0, 0, loc)
	end := time.Date(2026, 11, 11, 2, 0, 0, 0, loc)
	states := []struct{ state, reason string }{{"available", ""}, {"on_call", ""}, {"wrap_up", ""}, {"paused", "lunch"}, {"paused", "meeting"}, {"logged_out", ""}}
	for at := t0; at.Before(end); {
		d := time.Duration(rng.Intn(40*60)+1) * time.Second // up to 40 minutes
		if rng.Intn(30) == 0 {
			d = time.Duration(rng.Intn(14)+1) * time.Hour // now and then hours (an agent left logged in)
		}
		st := states[rng.Intn(len(states))]
		ivs = append(ivs, iv{st.state, st.reason, at, at.Add(d)})
		at = at.Add(d)
	}
	insert := func(agent string, x iv) {
		exec(`INSERT INTO agent_state_intervals (agent_id, state, reason, started_at, ended_at, duration_ms) VALUES ($1, $2, nullif($3, ''), $4, $5, $6)`,
			agent, x.state, x.reason, x.s, x.e, x.e.Sub(x.s).Milliseconds())
	}
	for _, x := range ivs {
		insert("2001", x)
	}
	for _, k := range rng.Perm(len(ivs)) {
		insert("2002", ivs[k])
	}
	// both also have a state running since before the range (no interval after it)
	for _, a := range []string{"2001", "2002"} {
		exec(`INSERT INTO agent_state_open (agent_id, started_at, state) VALUES ($1, $2, 'available')`, a, end)
	}
	got, err := db.Attendance(ctx, storage.AttendanceQuery{From: days[0], To: days[len(days)-1], Loc: loc, Team: "blue", Now: end.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2*len(days) || len(ivs) < 300 {
		t.Fatalf("%d days from %d intervals", len(got), len(ivs))
	}
	worked := 0
	for i, d := range got[:len(days)] {
		o := got[len(days)+i]
		if d.Agent != "2001" || o.Agent != "2002" {
			t.Fatalf("order: %s %s", d.Agent, o.Agent)
		}
		o.Agent = d.Agent
		if !reflect.DeepEqual(d, o) {
			t.Errorf("%s: in order %+v\nshuffled %+v", d.Day, d, o)
		}
		if d.LoggedInMs > 0 {
			worked++
		}
	}
	if worked < len(days)-1 {
		t.Errorf("only %d days with time logged in: the generated states do not cover the range", worked)
	}
	// the whole centre (no agent or team asked for) is read without the agents' filter: the
	// same days
	whole, err := db.Attendance(ctx, storage.AttendanceQuery{From: days[0], To: days[len(days)-1], Loc: loc, Now: end.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var mine []callfloor.AttendanceDay
	for _, d := range whole {
		if d.Agent == "2001" || d.Agent == "2002" {
			mine = append(mine, d)
		}
	}
	if !reflect.DeepEqual(mine, got) {
		t.Errorf("the whole centre's days of 2001 and 2002 differ from the team's")
	}
}
