package callfloor

import (
	"reflect"
	"slices"
	"testing"
)

// China's 2026 National Day holiday as the admin would enter it: 1–7 October off (the 1st–3rd
// statutory, the rest moved), Sunday 27 September and Saturday 10 October worked instead (调休).
func nationalDay(t *testing.T) HolidayCalendar {
	t.Helper()
	var days []CalendarDay
	for _, d := range Days("2026-10-01", "2026-10-07") {
		days = append(days, CalendarDay{Day: d, Kind: DayHoliday, Name: "国庆节"})
	}
	days = append(days, CalendarDay{Day: "2026-09-27", Kind: DayWorkday, Name: "国庆节调休"},
		CalendarDay{Day: "2026-10-10", Kind: DayWorkday, Name: "国庆节调休"})
	c, err := NewHolidayCalendar(days)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestHolidayCalendarAndWeeklyRotation(t *testing.T) {
	cal := nationalDay(t)
	for day, want := range map[string]bool{
		"2026-09-26": false, // Saturday
		"2026-09-27": true,  // Sunday, make-up workday
		"2026-09-30": true,
		"2026-10-01": false, // Thursday, holiday
		"2026-10-05": false, // Monday, holiday
		"2026-10-08": true,
		"2026-10-10": true, // Saturday, make-up workday
		"2026-10-11": false,
	} {
		if cal.IsWorkday(day) != want {
			t.Errorf("IsWorkday(%s) = %v", day, !want)
		}
	}
	office := Rotation{Name: "office", Weekly: []string{"", "E", "E", "E", "E", "E", ""}, FollowCalendar: true}
	var worked []string
	for _, d := range Days("2026-09-26", "2026-10-11") {
		if office.On(d, 0, cal) != "" {
			worked = append(worked, d)
		}
	}
	want := []string{"2026-09-27", "2026-09-28", "2026-09-29", "2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10"}
	if !reflect.DeepEqual(worked, want) {
		t.Fatalf("worked %v\nwant %v", worked, want)
	}
	// the floor's weekly pattern ignores the calendar: weekends and holidays staffed
	floor := Rotation{Name: "floor", Weekly: []string{"L", "E", "E", "E", "E", "E", "L"}}
	if floor.On("2026-10-01", 0, cal) != "E" || floor.On("2026-10-04", 0, cal) != "L" {
		t.Fatalf("a floor's pattern works holidays")
	}
	if _, err := NewHolidayCalendar([]CalendarDay{{Day: "2026-10-01", Kind: "bridge", Name: "x"}}); qaErrField(err) != "days[0].kind" {
		t.Fatalf("bad kind: %v", err)
	}
	if _, err := NewHolidayCalendar([]CalendarDay{{Day: "2026-10-01", Kind: DayHoliday, Name: "a"}, {Day: "2026-10-01", Kind: DayHoliday, Name: "b"}}); qaErrField(err) != "days[1].day" {
		t.Fatalf("a day twice: %v", err)
	}
}

// 两作两息: two on, two off; four agents offset by one day each cover every day with two agents.
func TestTwoOnTwoOffCoversEveryDay(t *testing.T) {
	shifts := map[string]Shift{"E": early}
	r := Rotation{Name: "两作两息", Anchor: "2026-11-01", Cycle: []string{"E", "E", "", ""}}
	if err := r.Validate(shifts); err != nil {
		t.Fatal(err)
	}
	var first []string
	for _, d := range Days("2026-10-30", "2026-11-06") {
		first = append(first, r.On(d, 0, nil))
	}
	if !reflect.DeepEqual(first, []string{"", "", "E", "E", "", "", "E", "E"}) {
		t.Fatalf("offset 0 around the anchor (before it too): %v", first)
	}
	for _, d := range MonthDays("2026-11") {
		on := 0
		for offset := range 4 {
			if r.On(d, offset, nil) == "E" {
				on++
			}
		}
		if on != 2 {
			t.Fatalf("%s: %d on, want 2", d, on)
		}
	}
	bad := Rotation{Name: "x", Anchor: "2026-11-01", Cycle: []string{"E", "X"}}
	if err := bad.Validate(shifts); qaErrField(err) != "cycle[1]" {
		t.Fatalf("unknown shift: %v", err)
	}
}

func TestSwapRules(t *testing.T) {
	r := DefaultSwapRules
	ok := Swap{Agent: "1001", Day: "2026-11-10", Days: 1, PaybackDay: "2026-11-22", RequestedOn: "2026-11-02", Status: "pending"}
	if err := CheckSwap(r, ok, nil); err != nil {
		t.Fatal(err)
	}
	approvedNov := Swap{ID: 1, Agent: "1001", Day: "2026-11-03", Days: 1, PaybackDay: "2026-11-05", RequestedOn: "2026-11-01", Status: "approved"}
	twoDays := func(id int64, day string) Swap {
		return Swap{ID: id, Agent: "1001", Day: day, Days: 2, PaybackDay: day[:8] + "28", RequestedOn: "2026-01-01", Status: "approved"}
	}
	for _, c := range []struct {
		name   string
		s      Swap
		others []Swap
		field  string
		code   string
	}{
		{"paid back next month", Swap{Agent: "1001", Day: "2026-11-28", Days: 1, PaybackDay: "2026-12-02", RequestedOn: "2026-11-02"}, nil, "payback_day", CodeSwapPaybackMonth},
		{"second swap in a month", ok, []Swap{approvedNov}, "day", CodeSwapLimit},
		{"three consecutive", Swap{Agent: "1001", Day: "2026-12-20", Days: 3, PaybackDay: "2026-12-27", RequestedOn: "2026-11-02"}, nil, "days", CodeOutOfRange},
		{"two consecutive, not a month ahead", Swap{Agent: "1001", Day: "2026-11-20", Days: 2, PaybackDay: "2026-11-27", RequestedOn: "2026-11-02"}, nil, "day", CodeTooLate},
		{"two consecutive, third in a year", Swap{Agent: "1001", Day: "2026-12-20", Days: 2, PaybackDay: "2026-12-27", RequestedOn: "2026-11-02"},
			[]Swap{twoDays(2, "2026-03-10"), twoDays(3, "2026-07-10")}, "days", CodeSwapLimit},
		{"payback on a day given away", Swap{Agent: "1001", Day: "2026-12-20", Days: 2, PaybackDay: "2026-12-21", RequestedOn: "2026-11-02"}, nil, "payback_day", CodeConflictsWith},
		{"in the past", Swap{Agent: "1001", Day: "2026-11-01", Days: 1, PaybackDay: "2026-11-22", RequestedOn: "2026-11-02"}, nil, "day", CodeMustBeAfter},
	} {
		err := CheckSwap(r, c.s, c.others)
		var code string
		if e, isE := err.(*Error); isE {
			code = e.Code
		}
		if qaErrField(err) != c.field || code != c.code {
			t.Errorf("%s: %v (code %q), want %s %s", c.name, err, code, c.field, c.code)
		}
	}
	// rejected or cancelled swaps, another agent's, and last year's consecutive ones do not count
	others := []Swap{{ID: 4, Agent: "1001", Day: "2026-11-03", Days: 1, Status: "rejected"}, {ID: 5, Agent: "1002", Day: "2026-11-04", Days: 1, Status: "approved"},
		twoDays(6, "2025-03-10"), twoDays(7, "2025-07-10"), twoDays(8, "2026-03-10")}
	if err := CheckSwap(r, ok, others); err != nil {
		t.Fatal(err)
	}
	if err := CheckSwap(r, Swap{Agent: "1001", Day: "2026-12-20", Days: 2, PaybackDay: "2026-12-27", RequestedOn: "2026-11-02"}, others); err != nil {
		t.Fatalf("a second consecutive swap of the year, a month ahead: %v", err)
	}
	// editing a swap does not count it against itself
	if err := CheckSwap(r, approvedNov, []Swap{approvedNov}); err != nil {
		t.Fatal(err)
	}
}

func TestLeavePolicy(t *testing.T) {
	p := DefaultLeavePolicy
	half := LeaveRequest{Agent: "1001", Type: LeaveSick, From: "2026-11-10", To: "2026-11-10", Days: 0.5, RequestedOn: "2026-11-10"}
	if err := p.CheckLeave(half); err != nil {
		t.Fatal(err)
	}
	if c := p.Chain(half); !slices.Equal(c, []Role{RoleTeamLead, RoleSupervisor}) {
		t.Fatalf("half a day: %v", c)
	}
	long := LeaveRequest{Agent: "1001", Type: LeaveAnnual, From: "2026-11-10", To: "2026-11-12", Days: 3, RequestedOn: "2026-11-01"}
	if c := p.Chain(long); !slices.Equal(c, []Role{RoleTeamLead, RoleSupervisor, RoleOperationsManager}) {
		t.Fatalf("two days or more go to the centre director: %v", c)
	}
	for _, c := range []struct {
		name  string
		r     LeaveRequest
		field string
		code  string
	}{
		{"personal, one day ahead", LeaveRequest{Type: LeavePersonal, From: "2026-11-10", To: "2026-11-10", Days: 1, RequestedOn: "2026-11-09"}, "from", CodeTooLate},
		{"sick day without a note", LeaveRequest{Type: LeaveSick, From: "2026-11-10", To: "2026-11-10", Days: 1, RequestedOn: "2026-11-10"}, "attachments", CodeAttachmentNeeded},
		{"more days than the span", LeaveRequest{Type: LeaveAnnual, From: "2026-11-10", To: "2026-11-11", Days: 3, RequestedOn: "2026-11-01"}, "days", CodeOutOfRange},
		{"a third of a day", LeaveRequest{Type: LeaveAnnual, From: "2026-11-10", To: "2026-11-10", Days: 0.3, RequestedOn: "2026-11-01"}, "days", CodeOutOfRange},
		{"backwards", LeaveRequest{Type: LeaveAnnual, From: "2026-11-10", To: "2026-11-09", Days: 1, RequestedOn: "2026-11-01"}, "to", CodeMustBeAfter},
		{"unknown type", LeaveRequest{Type: "gardening", From: "2026-11-10", To: "2026-11-10", Days: 1}, "type", CodeInvalidChoice},
	} {
		err := p.CheckLeave(c.r)
		var code string
		if e, isE := err.(*Error); isE {
			code = e.Code
		}
		if qaErrField(err) != c.field || code != c.code {
			t.Errorf("%s: %v (code %q), want %s %s", c.name, err, code, c.field, c.code)
		}
	}
	ok := LeaveRequest{Type: LeavePersonal, From: "2026-11-10", To: "2026-11-10", Days: 1, RequestedOn: "2026-11-08"}
	if err := p.CheckLeave(ok); err != nil {
		t.Fatalf("personal leave two days ahead: %v", err)
	}
	if err := DefaultLeavePolicy.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		p     LeavePolicy
		field string
	}{
		{LeavePolicy{}, "steps"},
		{LeavePolicy{Steps: []LeaveStep{{MinDays: 2, Chain: []Role{RoleSupervisor}}}}, "steps"}, // nothing under 2 days
		{LeavePolicy{Steps: []LeaveStep{{Chain: []Role{RoleAgent}}}}, "steps[0].chain[0]"},
		{LeavePolicy{Steps: []LeaveStep{{Chain: nil}}}, "steps[0].chain"},
		{LeavePolicy{Steps: []LeaveStep{{Chain: []Role{RoleSupervisor}}, {Types: []string{"x"}, Chain: []Role{RoleSupervisor}}}}, "steps[1].types[0]"},
		{LeavePolicy{Steps: []LeaveStep{{Chain: []Role{RoleSupervisor}}}, AheadDays: map[string]int{LeavePersonal: -1}}, "ahead_days"},
	} {
		if err := c.p.Validate(); qaErrField(err) != c.field {
			t.Errorf("%+v: %v, want %s", c.p, err, c.field)
		}
	}
	// a step naming the type beats the general ones, however long the leave
	p.Steps = append(p.Steps, LeaveStep{Types: []string{LeaveMaternity}, MinDays: 0, Chain: []Role{RoleOperationsManager}})
	for _, days := range []float64{1, 90} {
		if c := p.Chain(LeaveRequest{Type: LeaveMaternity, Days: days}); !slices.Equal(c, []Role{RoleOperationsManager}) {
			t.Fatalf("maternity of %v days: %v", days, c)
		}
	}
}
