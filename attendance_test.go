package callfloor

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

func atIn(loc *time.Location, s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04:05", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

func iv(loc *time.Location, st AgentState, reason, from, to string) StateInterval {
	return StateInterval{State: st, Reason: reason, Start: atIn(loc, from), End: atIn(loc, to)}
}

var early = Shift{Code: "E", Name: "早班", Start: "08:30", End: "17:30", Breaks: []ShiftBreak{{Start: "12:00", End: "14:00"}}}

func mustOn(t *testing.T, s Shift, day string, loc *time.Location) ShiftOn {
	t.Helper()
	on, err := s.On(day, loc)
	if err != nil {
		t.Fatal(err)
	}
	return on
}

func dayWindow(loc *time.Location, day string) Span {
	d := atIn(loc, day+" 00:00:00")
	return Span{d, d.AddDate(0, 0, 1)}
}

func TestAttendLateEarlyAndGrace(t *testing.T) {
	on := mustOn(t, early, "2026-11-03", shanghai)
	if on.WorkTime() != 7*time.Hour {
		t.Fatalf("work time %v, want 9 h less a 2 h break", on.WorkTime())
	}
	for _, c := range []struct {
		name         string
		first, last  string
		late, early  int
		wantAdherent time.Duration
	}{
		{"on time", "08:29:00", "17:31:00", 0, 0, 9 * time.Hour},
		{"exactly the grace", "08:35:00", "17:25:00", 0, 0, 9*time.Hour - 10*time.Minute},
		{"a second past the grace", "08:35:01", "17:24:59", 6, 6, 9*time.Hour - 10*time.Minute - 2*time.Second},
		{"late 40 min, left 1 h early", "09:10:00", "16:30:00", 40, 60, 9*time.Hour - 100*time.Minute},
	} {
		d := "2026-11-03 "
		ivs := []StateInterval{
			iv(shanghai, AgentAvailable, "", d+c.first, d+"10:00:00"),
			iv(shanghai, AgentOnCall, "", d+"10:00:00", d+"12:00:00"),
			iv(shanghai, AgentPaused, "lunch", d+"12:00:00", d+"14:00:00"),
			iv(shanghai, AgentAvailable, "", d+"14:00:00", d+c.last),
		}
		a := Attend("1001", "2026-11-03", &on, "", dayWindow(shanghai, "2026-11-03"), ivs, AttendanceRules{})
		if a.LateMinutes != c.late || a.EarlyMinutes != c.early || a.Absent {
			t.Errorf("%s: late %d early %d absent %v, want %d %d", c.name, a.LateMinutes, a.EarlyMinutes, a.Absent, c.late, c.early)
		}
		if time.Duration(a.AdherentMs)*time.Millisecond != c.wantAdherent {
			t.Errorf("%s: adherent %v, want %v", c.name, time.Duration(a.AdherentMs)*time.Millisecond, c.wantAdherent)
		}
		if a.StateMs["paused:lunch"] != (2*time.Hour).Milliseconds() || a.UnpaidPausedMs != a.StateMs["paused:lunch"] {
			t.Errorf("%s: lunch %v unpaid %v", c.name, a.StateMs["paused:lunch"], a.UnpaidPausedMs)
		}
	}
}

func TestAttendAbsenceLeaveAndPay(t *testing.T) {
	on := mustOn(t, early, "2026-11-04", shanghai)
	w := dayWindow(shanghai, "2026-11-04")
	if a := Attend("1001", "2026-11-04", &on, "", w, nil, AttendanceRules{}); !a.Absent || a.LateMinutes != 0 {
		t.Fatalf("no work on a rostered day is an absence: %+v", a)
	}
	// while the shift runs nobody is absent yet: "not yet in" past the grace; no early leave
	mid := Attend("1001", "2026-11-04", &on, "", w, nil, AttendanceRules{Now: atIn(shanghai, "2026-11-04 08:36:00")})
	if mid.Absent || !mid.NotYetIn || !mid.InProgress {
		t.Fatalf("08:36, nobody in: %+v", mid)
	}
	if a := Attend("1001", "2026-11-04", &on, "", w, nil, AttendanceRules{Now: atIn(shanghai, "2026-11-04 08:34:00")}); a.NotYetIn || a.Absent {
		t.Fatalf("within the grace: %+v", a)
	}
	running := []StateInterval{iv(shanghai, AgentAvailable, "", "2026-11-04 08:31:00", "2026-11-04 11:00:00")}
	if a := Attend("1001", "2026-11-04", &on, "", w, running, AttendanceRules{Now: atIn(shanghai, "2026-11-04 11:00:00")}); a.EarlyMinutes != 0 || a.NotYetIn {
		t.Fatalf("at 11:00 nobody has left early: %+v", a)
	}
	// logged in but never worked (paused all day) is still an absence
	ivs := []StateInterval{iv(shanghai, AgentPaused, "", "2026-11-04 08:30:00", "2026-11-04 17:30:00")}
	if a := Attend("1001", "2026-11-04", &on, "", w, ivs, AttendanceRules{}); !a.Absent || a.FirstLogin == nil {
		t.Fatalf("paused all day: %+v", a)
	}
	if a := Attend("1001", "2026-11-04", &on, LeaveSick, w, nil, AttendanceRules{}); a.Absent || a.Leave != LeaveSick || a.AdherencePercent != nil {
		t.Fatalf("a day on leave is not an absence: %+v", a)
	}
	// paid pauses (training) count as paid time and, being work, as adherent
	ivs = []StateInterval{
		iv(shanghai, AgentAvailable, "", "2026-11-04 08:30:00", "2026-11-04 10:00:00"),
		iv(shanghai, AgentPaused, "training", "2026-11-04 10:00:00", "2026-11-04 12:00:00"),
		iv(shanghai, AgentPaused, "lunch", "2026-11-04 12:00:00", "2026-11-04 14:00:00"),
		iv(shanghai, AgentPaused, "break", "2026-11-04 14:00:00", "2026-11-04 14:15:00"),
		iv(shanghai, AgentAvailable, "", "2026-11-04 14:15:00", "2026-11-04 17:30:00"),
	}
	rules := AttendanceRules{PaidPause: func(r string) bool { return r == "training" || r == "break" }, WorkPause: func(r string) bool { return r == "training" }}
	a := Attend("1001", "2026-11-04", &on, "", w, ivs, rules)
	if a.PaidMs != (7*time.Hour).Milliseconds() || a.UnpaidPausedMs != (2*time.Hour).Milliseconds() {
		t.Fatalf("paid %v unpaid %v", a.PaidMs, a.UnpaidPausedMs)
	}
	if a.AdherentMs != (9*time.Hour-15*time.Minute).Milliseconds() || *a.AdherencePercent < 97.2 || *a.AdherencePercent > 97.3 {
		t.Fatalf("adherent %v (%v %%): the 15-minute break outside the rostered break is not adherent", a.AdherentMs, *a.AdherencePercent)
	}
}

// A night shift runs over midnight: its intervals belong to the day it started.
func TestAttendNightShiftOverMidnight(t *testing.T) {
	night := Shift{Code: "N", Start: "22:00", End: "06:00", Breaks: []ShiftBreak{{Start: "02:00", End: "02:30"}}}
	on := mustOn(t, night, "2026-11-05", shanghai)
	if !on.Span.End.Equal(atIn(shanghai, "2026-11-06 06:00:00")) || !on.Breaks[0].Start.Equal(atIn(shanghai, "2026-11-06 02:00:00")) {
		t.Fatalf("night shift %+v", on)
	}
	ivs := []StateInterval{
		iv(shanghai, AgentAvailable, "", "2026-11-05 22:07:00", "2026-11-06 02:00:00"),
		iv(shanghai, AgentPaused, "break", "2026-11-06 02:00:00", "2026-11-06 02:30:00"),
		iv(shanghai, AgentOnCall, "", "2026-11-06 02:30:00", "2026-11-06 05:50:00"),
	}
	w := Span{on.Span.Start.Add(-4 * time.Hour), on.Span.End.Add(4 * time.Hour)}
	a := Attend("1001", "2026-11-05", &on, "", w, ivs, AttendanceRules{})
	if a.LateMinutes != 7 || a.EarlyMinutes != 10 || a.Absent {
		t.Fatalf("late %d early %d", a.LateMinutes, a.EarlyMinutes)
	}
	if a.LoggedInMs != (7*time.Hour + 43*time.Minute).Milliseconds() {
		t.Fatalf("logged in %v", time.Duration(a.LoggedInMs)*time.Millisecond)
	}
	// the same intervals cut by calendar days (no shift): each day gets its part
	d5 := Attend("1001", "2026-11-05", nil, "", dayWindow(shanghai, "2026-11-05"), ivs, AttendanceRules{})
	d6 := Attend("1001", "2026-11-06", nil, "", dayWindow(shanghai, "2026-11-06"), ivs, AttendanceRules{})
	if d5.LoggedInMs != (113*time.Minute).Milliseconds() || d5.LoggedInMs+d6.LoggedInMs != a.LoggedInMs {
		t.Fatalf("split at midnight: %v + %v", d5.LoggedInMs, d6.LoggedInMs)
	}
}

// On the night the clocks go forward the wall-clock shift is an hour shorter, and lateness is
// still measured from the wall-clock start.
func TestAttendAcrossDST(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	night := Shift{Code: "N", Start: "22:00", End: "06:00"}
	spring := mustOn(t, night, "2026-03-28", london) // 01:00 GMT → 02:00 BST on the 29th
	autumn := mustOn(t, night, "2026-10-24", london) // 02:00 BST → 01:00 GMT on the 25th
	if spring.Span.Dur() != 7*time.Hour || autumn.Span.Dur() != 9*time.Hour {
		t.Fatalf("spring %v autumn %v, want 7 h and 9 h", spring.Span.Dur(), autumn.Span.Dur())
	}
	ivs := []StateInterval{iv(london, AgentAvailable, "", "2026-03-28 22:06:00", "2026-03-29 06:00:00")}
	a := Attend("1001", "2026-03-28", &spring, "", Span{spring.Span.Start.Add(-time.Hour), spring.Span.End.Add(time.Hour)}, ivs, AttendanceRules{})
	if a.LateMinutes != 6 || a.EarlyMinutes != 0 || a.LoggedInMs != (7*time.Hour-6*time.Minute).Milliseconds() {
		t.Fatalf("%+v", a)
	}
}

func TestShiftValidate(t *testing.T) {
	for _, c := range []struct {
		s     Shift
		field string
	}{
		{Shift{Code: "", Start: "08:30", End: "17:30"}, "code"},
		{Shift{Code: "E", Start: "8:30", End: "17:30"}, "start"},
		{Shift{Code: "E", Start: "08:30", End: "25:00"}, "end"},
		{Shift{Code: "E", Start: "08:30", End: "17:30", Breaks: []ShiftBreak{{Start: "18:00", End: "18:30"}}}, "breaks[0]"},
		{Shift{Code: "E", Start: "08:30", End: "17:30", Breaks: []ShiftBreak{{Start: "12:00", End: "13:00"}, {Start: "12:30", End: "14:00"}}}, "breaks[1]"},
	} {
		if err := c.s.Validate(); qaErrField(err) != c.field {
			t.Errorf("%+v: %v, want EINVALID %s", c.s, err, c.field)
		}
	}
	if err := early.Validate(); err != nil {
		t.Fatal(err)
	}
	late := Shift{Code: "L", Name: "晚班", Start: "09:30", End: "22:00", Breaks: []ShiftBreak{{Start: "12:00", End: "14:00"}}}
	if err := late.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestAttendanceFactsOneLeaveNotPerDay(t *testing.T) {
	days := []AttendanceDay{
		{Day: "2026-11-10", Leave: LeaveSick, LeaveRef: "leave:7"},
		{Day: "2026-11-09", Leave: LeaveSick, LeaveRef: "leave:7"},
		{Day: "2026-11-03", LateMinutes: 8, EarlyMinutes: 6},
		{Day: "2026-11-20", Leave: LeavePersonal},
	}
	facts := AttendanceFacts(days)
	if len(facts) != 4 || facts[0].Kind != AttendanceLate || facts[2].Evidence != "leave:7" || facts[2].Day != "2026-11-09" || facts[3].LeaveType != LeavePersonal {
		t.Fatalf("%+v", facts)
	}
	s := mustScore(t, novemberRules(), ScoreInputs{Agent: "1001", Month: "2026-11", Attendance: facts})
	if s.Buckets[BucketAttendance] != 20-2-2-4-4 {
		t.Fatalf("attendance %d: a two-day sick leave is one leave", s.Buckets[BucketAttendance])
	}
}

// Adherence against a brute-force oracle: on random days of back-to-back and overlapping
// intervals (whole seconds), the adherent time equals the count of the shift's seconds at which
// the agent's state (the first interval, in start order, holding that second) is working
// exactly when the second is not in an unpaid break.
func TestAttendAdherenceMatchesSecondBySecond(t *testing.T) {
	on := mustOn(t, early, "2026-11-02", shanghai)
	states := []AgentState{AgentAvailable, AgentOnCall, AgentWrapUp, AgentPaused, AgentRinging, AgentLoggedOut}
	r := rand.New(rand.NewPCG(7, 12))
	for round := range 40 {
		var ivs []StateInterval
		at := on.Span.Start.Add(-time.Duration(r.IntN(3600)) * time.Second)
		for at.Before(on.Span.End.Add(time.Hour)) {
			d := time.Duration(1+r.IntN(900)) * time.Second
			start := at
			if r.IntN(10) == 0 { // now and then an interval that overlaps the one before
				start = start.Add(-time.Duration(r.IntN(120)) * time.Second)
			}
			ivs = append(ivs, StateInterval{State: states[r.IntN(len(states))], Reason: "lunch", Start: start, End: at.Add(d)})
			at = at.Add(d + time.Duration(r.IntN(3))*time.Minute*time.Duration(r.IntN(2)))
		}
		day := Attend("1001", on.Day, &on, "", dayWindow(shanghai, on.Day), ivs, AttendanceRules{Now: on.Span.End.Add(24 * time.Hour)})
		sorted := slices.Clone(ivs)
		slices.SortFunc(sorted, func(x, y StateInterval) int { return x.Start.Compare(y.Start) })
		var want int64
		for s := on.Span.Start; s.Before(on.Span.End); s = s.Add(time.Second) {
			st := AgentLoggedOut
			for _, iv := range sorted {
				if !s.Before(iv.Start) && s.Before(iv.End) {
					st = iv.State
					break
				}
			}
			inBreak := false
			for i, b := range on.Breaks {
				if !on.PaidBreaks[i] && !s.Before(b.Start) && s.Before(b.End) {
					inBreak = true
				}
			}
			if st.Working() != inBreak {
				want += 1000
			}
		}
		if day.AdherentMs != want {
			t.Fatalf("round %d: adherent %d ms, second by second %d ms (%d intervals)", round, day.AdherentMs, want, len(ivs))
		}
	}
}
