package callfloor

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Shifts, rostered days and attendance taken from the system's own records (issue 12).
//
// A shift template is wall-clock times in the centre's zone ("08:30"–"17:30", breaks
// "12:00"–"14:00"); an end at or before the start ends the next day (a night shift
// "22:00"–"06:00"). A shift on a day is placed with time.Date in the zone, so on a daylight-saving
// change the shift is an hour longer or shorter, as the wall clock says.
//
// Attendance of a rostered day: the first work (the first moment available, ringing, on a call or
// in wrap-up) more than the grace (5 minutes) after the shift start is a late arrival, counted in
// minutes from the shift start; the last work ending more than the grace before the shift end is
// an early leave, counted in minutes to the shift end; no work at all is an absence, unless the
// day is on leave. Minutes are started minutes (5 min 1 s late is 6 minutes).

// ShiftBreak is a break inside a shift, wall-clock times.
type ShiftBreak struct {
	Start string `json:"start"` // "12:00"
	End   string `json:"end"`   // "14:00"
	Paid  bool   `json:"paid,omitempty"`
}

// Shift is a shift template.
type Shift struct {
	Code   string       `json:"code"` // "E" 早班
	Name   string       `json:"name"`
	Start  string       `json:"start"` // "08:30"
	End    string       `json:"end"`   // "17:30"; at or before Start: the next day
	Breaks []ShiftBreak `json:"breaks,omitempty"`
}

// Span is a half-open time range [Start, End).
type Span struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Dur is the span's length.
func (s Span) Dur() time.Duration { return s.End.Sub(s.Start) }

// overlap is the length of the part of s inside o.
func (s Span) overlap(o Span) time.Duration {
	a, b := s.Start, s.End
	if o.Start.After(a) {
		a = o.Start
	}
	if o.End.Before(b) {
		b = o.End
	}
	if b.After(a) {
		return b.Sub(a)
	}
	return 0
}

// ShiftOn is a shift placed on a day.
type ShiftOn struct {
	Day    string `json:"day"` // the day the shift starts, YYYY-MM-DD
	Code   string `json:"code"`
	Span   Span   `json:"span"`
	Breaks []Span `json:"breaks"`
	// PaidBreaks are the breaks that count as work time.
	PaidBreaks []bool `json:"paid_breaks"`
}

// WorkTime is the shift's rostered work time: its length without unpaid breaks.
func (s ShiftOn) WorkTime() time.Duration {
	d := s.Span.Dur()
	for i, b := range s.Breaks {
		if !s.PaidBreaks[i] {
			d -= b.overlap(s.Span)
		}
	}
	return d
}

func parseClock(field, v string) (int, int, error) {
	t, err := time.Parse("15:04", v)
	if err != nil || len(v) != 5 {
		return 0, 0, invalid(field, "must be a time HH:MM, got %q", v).With(CodeInvalidFormat, Params{"format": "time", "value": v})
	}
	return t.Hour(), t.Minute(), nil
}

// Validate checks a shift template: times, breaks inside the shift and not overlapping.
func (s Shift) Validate() error {
	if err := checkLabel("code", s.Code); err != nil {
		return err
	}
	on, err := s.On("2001-01-01", time.UTC)
	if err != nil {
		return err
	}
	for i, b := range on.Breaks {
		field := fmt.Sprintf("breaks[%d]", i)
		if b.Start.Before(on.Span.Start) || b.End.After(on.Span.End) || !b.End.After(b.Start) {
			return invalid(field, "break %s–%s is not inside the shift %s–%s", s.Breaks[i].Start, s.Breaks[i].End, s.Start, s.End).
				With(CodeOutOfRange, Params{"min": s.Start, "max": s.End, "value": s.Breaks[i].Start + "–" + s.Breaks[i].End})
		}
		if i > 0 && b.Start.Before(on.Breaks[i-1].End) {
			return invalid(field, "break overlaps the one before").With(CodeMustBeAfter, Params{"other": fmt.Sprintf("breaks[%d]", i-1)})
		}
	}
	return nil
}

func checkLabel(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return invalid(field, "is required").With(CodeRequired, nil)
	}
	if len([]rune(v)) > 40 {
		return invalid(field, "at most 40 characters").With(CodeTooLong, Params{"max": 40})
	}
	return nil
}

// On places the shift on day (YYYY-MM-DD) in loc. Breaks are placed after the shift start (a
// night shift's 02:00 break is on the next day).
func (s Shift) On(day string, loc *time.Location) (ShiftOn, error) {
	d, err := time.ParseInLocation(time.DateOnly, day, loc)
	if err != nil {
		return ShiftOn{}, invalid("day", "must be a day YYYY-MM-DD, got %q", day).With(CodeInvalidFormat, Params{"format": "date", "value": day})
	}
	at := func(field, clock string, after time.Time, strict bool) (time.Time, error) {
		h, m, err := parseClock(field, clock)
		if err != nil {
			return time.Time{}, err
		}
		t := time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, loc)
		for i := 0; i < 2 && (t.Before(after) || (strict && t.Equal(after))); i++ {
			t = time.Date(d.Year(), d.Month(), d.Day()+i+1, h, m, 0, 0, loc)
		}
		return t, nil
	}
	start, err := at("start", s.Start, time.Time{}, false)
	if err != nil {
		return ShiftOn{}, err
	}
	end, err := at("end", s.End, start, true)
	if err != nil {
		return ShiftOn{}, err
	}
	on := ShiftOn{Day: day, Code: s.Code, Span: Span{start, end}}
	for i, b := range s.Breaks {
		bs, err := at(fmt.Sprintf("breaks[%d].start", i), b.Start, start, false)
		if err != nil {
			return ShiftOn{}, err
		}
		be, err := at(fmt.Sprintf("breaks[%d].end", i), b.End, bs, true)
		if err != nil {
			return ShiftOn{}, err
		}
		on.Breaks = append(on.Breaks, Span{bs, be})
		on.PaidBreaks = append(on.PaidBreaks, b.Paid)
	}
	return on, nil
}

// StateInterval is an agent state interval from history (agent_state_intervals), or a state still
// running (End = now).
type StateInterval struct {
	State  AgentState `json:"state"`
	Reason string     `json:"reason,omitempty"`
	Start  time.Time  `json:"start"`
	End    time.Time  `json:"end"`
}

// Working is whether a state is work: available, ringing, on a call, wrap-up.
func (s AgentState) Working() bool {
	return s == AgentAvailable || s == AgentRinging || s == AgentOnCall || s == AgentWrapUp
}

// AttendanceRules are the attendance settings.
type AttendanceRules struct {
	Grace time.Duration `json:"grace"` // 5 minutes
	// PaidPause says whether a pause reason is paid (pause_reasons.paid); "" (no reason) is unpaid.
	PaidPause func(reason string) bool `json:"-"`
	// WorkPause says whether a pause reason is rostered work (training, a meeting, coaching):
	// work for the first and last work and in adherence during work time.
	WorkPause func(reason string) bool `json:"-"`
	// Now, if set, is the time the records run to: a shift not over by then has no early leave
	// or absence yet (the agent may still come or stay), only NotYetIn.
	Now time.Time `json:"-"`
}

// DefaultGrace is the manuals' five minutes.
const DefaultGrace = 5 * time.Minute

// AttendanceDay is an agent's day.
type AttendanceDay struct {
	Agent string `json:"agent"`
	Day   string `json:"day"`
	// Shift is the rostered shift ("" not rostered); Leave the day's leave type ("" none).
	Shift string `json:"shift,omitempty"`
	Leave string `json:"leave,omitempty"`
	// LeaveRef names the leave request ("leave:42"): a leave of several days is one leave for the
	// score (−4 per leave, not per day).
	LeaveRef string `json:"leave_ref,omitempty"`

	RosteredMs int64      `json:"rostered_ms"` // work time of the shift
	FirstLogin *time.Time `json:"first_login,omitempty"`
	FirstWork  *time.Time `json:"first_work,omitempty"`
	LastWork   *time.Time `json:"last_work,omitempty"`
	LastLogout *time.Time `json:"last_logout,omitempty"`

	LateMinutes  int  `json:"late_minutes"`
	EarlyMinutes int  `json:"early_minutes"`
	Absent       bool `json:"absent"`
	// NotYetIn: the shift started more than the grace ago, is not over (AttendanceRules.Now), and
	// the agent has not started work: the wallboard's "rostered, not logged in".
	NotYetIn bool `json:"not_yet_in,omitempty"`
	// InProgress: the shift is not over at AttendanceRules.Now.
	InProgress bool `json:"in_progress,omitempty"`

	// StateMs is logged-in time by state; paused time by reason under "paused:<reason>".
	StateMs        map[string]int64 `json:"state_ms"`
	LoggedInMs     int64            `json:"logged_in_ms"`
	PaidMs         int64            `json:"paid_ms"` // working states and paid pauses
	UnpaidPausedMs int64            `json:"unpaid_paused_ms"`

	// Adherence: of the shift's time, the part spent as rostered (working, or on a work pause,
	// during work time; not working during unpaid breaks). Nil when not rostered or on leave.
	AdherentMs       int64    `json:"adherent_ms"`
	AdherencePercent *float64 `json:"adherence_percent,omitempty"`
	ShiftMs          int64    `json:"shift_ms,omitempty"` // the shift's whole length: adherence's denominator

	// Corrected: the fields a team lead corrected, with the raw value kept (storage applies the
	// latest correction of each field; the raw facts are never overwritten).
	Corrected map[string]AttendanceCorrection `json:"corrected,omitempty"`
}

// AttendanceCorrection is a correction of one field of a day.
type AttendanceCorrection struct {
	Field  string    `json:"field"`
	Raw    any       `json:"raw"`
	Value  any       `json:"value"`
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// Correctable fields of an attendance day.
var AttendanceFields = []string{"first_work", "last_work", "late_minutes", "early_minutes", "absent", "leave"}

// Correct applies a correction to the day: value is a time (RFC 3339) for first_work/last_work,
// whole minutes ≥ 0 for late/early_minutes, a boolean for absent, a leave type or "" for leave.
func (a *AttendanceDay) Correct(field string, value any, reason, by string, at time.Time) error {
	bad := func(format string) error {
		return invalid("value", "%s takes %s, got %v", field, format, value).With(CodeInvalidFormat, Params{"format": format, "value": fmt.Sprint(value)})
	}
	var raw any // the value as recorded, before any correction
	switch field {
	case "first_work", "last_work":
		s, ok := value.(string)
		t, err := time.Parse(time.RFC3339, s)
		if !ok || err != nil {
			return bad("time")
		}
		p := &a.FirstWork
		if field == "last_work" {
			p = &a.LastWork
		}
		raw, *p = *p, &t
	case "late_minutes", "early_minutes":
		f, ok := value.(float64)
		if i, isInt := value.(int); isInt {
			f, ok = float64(i), true
		}
		if !ok || f < 0 || f > 1440 || f != float64(int(f)) {
			return bad("integer")
		}
		p := &a.LateMinutes
		if field == "early_minutes" {
			p = &a.EarlyMinutes
		}
		raw, *p = *p, int(f)
	case "absent":
		b, ok := value.(bool)
		if !ok {
			return bad("boolean")
		}
		raw, a.Absent = a.Absent, b
	case "leave":
		s, ok := value.(string)
		if !ok || (s != "" && !slices.Contains(LeaveTypes, s)) {
			return invalid("value", "leave takes a leave type or \"\"").With(CodeInvalidChoice, Params{"allowed": LeaveTypes, "value": fmt.Sprint(value)})
		}
		raw, a.Leave = a.Leave, s
	default:
		return invalid("field", "must be one of %v, got %q", AttendanceFields, field).With(CodeInvalidChoice, Params{"allowed": AttendanceFields, "value": field})
	}
	if a.Corrected == nil {
		a.Corrected = map[string]AttendanceCorrection{}
	}
	if prev, ok := a.Corrected[field]; ok {
		raw = prev.Raw // a later correction keeps the recorded value, not the earlier correction's
	}
	a.Corrected[field] = AttendanceCorrection{Field: field, Raw: raw, Value: value, Reason: reason, By: by, At: at}
	return nil
}

func startedMinutes(d time.Duration) int {
	return int((d + time.Minute - 1) / time.Minute)
}

// Attend computes an agent's day from their state intervals. shift is nil for a day without a
// shift (time is still totalled); leave is the day's approved leave type, if any (a day on leave
// is never late, early or absent). window bounds the intervals that belong to the day (the caller
// picks it: the shift with margins, or the local calendar day); intervals are clipped to it.
func Attend(agent, day string, shift *ShiftOn, leave string, window Span, intervals []StateInterval, rules AttendanceRules) AttendanceDay {
	if rules.Grace == 0 {
		rules.Grace = DefaultGrace
	}
	paid := func(r string) bool { return rules.PaidPause != nil && rules.PaidPause(r) }
	workPause := func(r string) bool { return rules.WorkPause != nil && rules.WorkPause(r) }
	a := AttendanceDay{Agent: agent, Day: day, Leave: leave, StateMs: map[string]int64{}}
	ivs := intervals
	if !slices.IsSortedFunc(ivs, func(x, y StateInterval) int { return x.Start.Compare(y.Start) }) {
		ivs = slices.Clone(intervals)
		slices.SortFunc(ivs, func(x, y StateInterval) int { return x.Start.Compare(y.Start) })
	}
	// first and last login and work, kept as values and given to a at the end (a pointer a
	// row was an allocation per interval)
	var firstLogin, lastLogout, firstWork, lastWork time.Time
	// time by state (and pause reason) summed in a few slots and put in the map at the end: a
	// day has hundreds of intervals over a handful of states
	type slot struct {
		state  AgentState
		reason string
		ms     int64
	}
	var slotsArr [12]slot
	slots := slotsArr[:0]
	for _, iv := range ivs {
		if iv.State == AgentLoggedOut {
			continue
		}
		s := Span{iv.Start, iv.End}
		if s.Start.Before(window.Start) {
			s.Start = window.Start
		}
		if s.End.After(window.End) {
			s.End = window.End
		}
		if !s.End.After(s.Start) {
			continue
		}
		ms := s.Dur().Milliseconds()
		reason := ""
		if iv.State == AgentPaused {
			reason = iv.Reason
		}
		k := 0
		for k < len(slots) && (slots[k].state != iv.State || slots[k].reason != reason) {
			k++
		}
		if k == len(slots) {
			slots = append(slots, slot{state: iv.State, reason: reason})
		}
		slots[k].ms += ms
		a.LoggedInMs += ms
		if firstLogin.IsZero() {
			firstLogin = s.Start
		}
		if s.End.After(lastLogout) {
			lastLogout = s.End
		}
		isWork := iv.State.Working() || (iv.State == AgentPaused && workPause(iv.Reason))
		if isWork {
			if firstWork.IsZero() {
				firstWork = s.Start
			}
			if s.End.After(lastWork) {
				lastWork = s.End
			}
		}
		switch {
		case iv.State.Working():
			a.PaidMs += ms
		case iv.State == AgentPaused && paid(iv.Reason):
			a.PaidMs += ms
		default:
			a.UnpaidPausedMs += ms
		}
	}
	for _, sl := range slots {
		key := string(sl.state)
		if sl.state == AgentPaused {
			key = "paused:" + sl.reason
		}
		a.StateMs[key] += sl.ms
	}
	tp := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	a.FirstLogin, a.LastLogout, a.FirstWork, a.LastWork = tp(firstLogin), tp(lastLogout), tp(firstWork), tp(lastWork)
	if shift == nil {
		return a
	}
	a.Shift = shift.Code
	a.RosteredMs = shift.WorkTime().Milliseconds()
	if leave != "" {
		return a
	}
	a.InProgress = !rules.Now.IsZero() && rules.Now.Before(shift.Span.End)
	switch {
	case a.FirstWork == nil && a.InProgress:
		a.NotYetIn = rules.Now.Sub(shift.Span.Start) > rules.Grace
	case a.FirstWork == nil:
		a.Absent = true
	default:
		if late := a.FirstWork.Sub(shift.Span.Start); late > rules.Grace {
			a.LateMinutes = startedMinutes(late)
		}
		if early := shift.Span.End.Sub(*a.LastWork); early > rules.Grace && !a.InProgress {
			a.EarlyMinutes = startedMinutes(early)
		}
	}
	// adherence over the shift: during work time working (or on a work pause); during an unpaid
	// break not working. The state at an instant is the first interval (in start order) holding
	// it, so each interval counts only past the furthest end of the ones before it; over those
	// pieces, adherent = |breaks| + Σ working pieces (|piece| − 2 |piece ∩ breaks|): linear in
	// the intervals (cutting at every edge and looking each piece up was quadratic, 47 s for a
	// 300-agent month).
	clip := func(x Span, to Span) Span {
		if x.Start.Before(to.Start) {
			x.Start = to.Start
		}
		if x.End.After(to.End) {
			x.End = to.End
		}
		if x.End.Before(x.Start) {
			x.End = x.Start
		}
		return x
	}
	var breaks []Span // the unpaid breaks within the shift, merged
	for i, b := range shift.Breaks {
		if !shift.PaidBreaks[i] {
			if c := clip(b, shift.Span); c.End.After(c.Start) {
				breaks = append(breaks, c)
			}
		}
	}
	slices.SortFunc(breaks, func(x, y Span) int { return x.Start.Compare(y.Start) })
	merged := breaks[:0]
	for _, b := range breaks {
		if n := len(merged); n > 0 && !b.Start.After(merged[n-1].End) {
			if b.End.After(merged[n-1].End) {
				merged[n-1].End = b.End
			}
			continue
		}
		merged = append(merged, b)
	}
	var adherent time.Duration
	for _, b := range merged {
		adherent += b.Dur()
	}
	var reach time.Time // the furthest end of the intervals so far
	for k, iv := range ivs {
		if !iv.Start.Before(shift.Span.End) {
			break // ordered by start: nothing further overlaps the shift
		}
		p := Span{iv.Start, iv.End}
		if k > 0 && reach.After(p.Start) {
			p.Start = reach
		}
		if k == 0 || iv.End.After(reach) {
			reach = iv.End
		}
		p = clip(p, shift.Span)
		if !p.End.After(p.Start) || !(iv.State.Working() || (iv.State == AgentPaused && workPause(iv.Reason))) {
			continue
		}
		adherent += p.Dur()
		for _, b := range merged {
			if p.Start.Before(b.End) && b.Start.Before(p.End) {
				adherent -= 2 * clip(p, b).Dur()
			}
		}
	}
	a.AdherentMs = adherent.Milliseconds()
	a.ShiftMs = shift.Span.Dur().Milliseconds()
	if total := shift.Span.Dur(); total > 0 {
		v := float64(adherent) / float64(total) * 100
		a.AdherencePercent = &v
	}
	return a
}

// AttendanceFacts turns attendance days into the score's attendance facts: a late arrival, an early
// leave, and each leave (once per LeaveRef; a day of leave without a reference is its own leave).
func AttendanceFacts(days []AttendanceDay) []AttendanceFact {
	var out []AttendanceFact
	seen := map[string]bool{}
	days = slices.Clone(days)
	slices.SortStableFunc(days, func(a, b AttendanceDay) int { return cmp.Compare(a.Day, b.Day) })
	for _, d := range days {
		if d.LateMinutes > 0 {
			out = append(out, AttendanceFact{Kind: AttendanceLate, Day: d.Day, Minutes: d.LateMinutes})
		}
		if d.EarlyMinutes > 0 {
			out = append(out, AttendanceFact{Kind: AttendanceEarly, Day: d.Day, Minutes: d.EarlyMinutes})
		}
		if d.Leave != "" && !seen[d.LeaveRef] {
			out = append(out, AttendanceFact{Kind: AttendanceLeave, Day: d.Day, LeaveType: d.Leave, Evidence: d.LeaveRef})
			if d.LeaveRef != "" {
				seen[d.LeaveRef] = true
			}
		}
	}
	slices.SortStableFunc(out, func(a, b AttendanceFact) int { return cmp.Compare(a.Day, b.Day) })
	return out
}
