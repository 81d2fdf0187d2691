package callfloor

import (
	"fmt"
	"slices"
	"time"
)

// Rosters, the holiday calendar, shift swaps and leave (issue 12): the rules as pure functions;
// storage keeps the data, the API and the pages call these.

// Calendar day kinds.
const (
	DayHoliday = "holiday" // a public holiday (a weekday off)
	DayWorkday = "workday" // a make-up workday (调休: a weekend day worked)
)

// CalendarDay is an entry of the holiday calendar the admin maintains.
type CalendarDay struct {
	Day  string `json:"day"`  // YYYY-MM-DD
	Kind string `json:"kind"` // holiday, workday
	Name string `json:"name"` // 国庆节, 国庆节调休
}

// HolidayCalendar is the calendar by day.
type HolidayCalendar map[string]CalendarDay

// NewHolidayCalendar checks the entries and indexes them.
func NewHolidayCalendar(days []CalendarDay) (HolidayCalendar, error) {
	c := HolidayCalendar{}
	for i, d := range days {
		field := fmt.Sprintf("days[%d]", i)
		if !validDay(d.Day) {
			return nil, invalid(field+".day", "must be a day YYYY-MM-DD, got %q", d.Day).With(CodeInvalidFormat, Params{"format": "date", "value": d.Day})
		}
		if d.Kind != DayHoliday && d.Kind != DayWorkday {
			return nil, invalid(field+".kind", "must be holiday or workday, got %q", d.Kind).With(CodeInvalidChoice, Params{"allowed": []string{DayHoliday, DayWorkday}, "value": d.Kind})
		}
		if err := checkLabel(field+".name", d.Name); err != nil {
			return nil, err
		}
		if _, dup := c[d.Day]; dup {
			return nil, invalid(field+".day", "%s twice", d.Day).With(CodeDuplicate, Params{"value": d.Day})
		}
		c[d.Day] = d
	}
	return c, nil
}

func weekdayOf(day string) time.Weekday {
	t, _ := time.Parse(time.DateOnly, day)
	return t.Weekday()
}

// IsWorkday is whether day is an office workday: Monday to Friday unless a holiday, or a make-up
// workday. (A call centre staffs holidays and weekends too; this is what a weekday pattern and the
// forecast's "holiday-aware" read.)
func (c HolidayCalendar) IsWorkday(day string) bool {
	if d, ok := c[day]; ok {
		return d.Kind == DayWorkday
	}
	wd := weekdayOf(day)
	return wd != time.Saturday && wd != time.Sunday
}

// IsHoliday is whether day is a public holiday.
func (c HolidayCalendar) IsHoliday(day string) bool { return c[day].Kind == DayHoliday }

// Days lists from..to inclusive (YYYY-MM-DD).
func Days(from, to string) []string {
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil {
		return nil
	}
	var out []string
	for d := f; !d.After(t); d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format(time.DateOnly))
	}
	return out
}

// MonthDays lists the days of a month ("2026-11").
func MonthDays(month string) []string {
	f, err := time.Parse("2006-01", month)
	if err != nil {
		return nil
	}
	return Days(f.Format(time.DateOnly), f.AddDate(0, 1, -1).Format(time.DateOnly))
}

func dayIndex(day string) int {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return 0
	}
	return int(t.Unix() / 86400)
}

// Rotation is a repeating pattern of shifts: two on, two off (两作两息) is
// {Cycle: ["E", "E", "", ""]}; "" is a day off. Day Anchor is the cycle's first day; an agent's
// Offset shifts the cycle so a team covers every day.
type Rotation struct {
	Name   string   `json:"name"`
	Anchor string   `json:"anchor"`
	Cycle  []string `json:"cycle"`
	// Weekly, instead of a cycle: the shift per weekday (Sunday first), following the holiday
	// calendar when FollowCalendar (holidays off, a make-up workday worked with Monday's shift).
	Weekly         []string `json:"weekly,omitempty"`
	FollowCalendar bool     `json:"follow_calendar,omitempty"`
}

// Validate checks a rotation against the shift codes that exist.
func (r Rotation) Validate(shifts map[string]Shift) error {
	if err := checkLabel("name", r.Name); err != nil {
		return err
	}
	codes := r.Cycle
	if len(r.Weekly) > 0 {
		if len(r.Cycle) > 0 {
			return invalid("weekly", "a rotation is a cycle or a weekly pattern, not both").With(CodeConflictsWith, Params{"other": "cycle"})
		}
		if len(r.Weekly) != 7 {
			return invalid("weekly", "needs 7 days (Sunday first), got %d", len(r.Weekly)).With(CodeTooFew, Params{"min": 7})
		}
		codes = r.Weekly
	} else {
		if len(r.Cycle) == 0 || len(r.Cycle) > 56 {
			return invalid("cycle", "needs 1–56 days, got %d", len(r.Cycle)).With(CodeOutOfRange, Params{"min": 1, "max": 56, "value": len(r.Cycle)})
		}
		if !validDay(r.Anchor) {
			return invalid("anchor", "must be a day YYYY-MM-DD, got %q", r.Anchor).With(CodeInvalidFormat, Params{"format": "date", "value": r.Anchor})
		}
	}
	for i, c := range codes {
		if _, ok := shifts[c]; c != "" && !ok {
			return invalid(fmt.Sprintf("cycle[%d]", i), "no shift %q", c).With(CodeUnknownRef, Params{"what": "shift", "value": c})
		}
	}
	return nil
}

// On is the shift code of day for an agent with offset ("" off).
func (r Rotation) On(day string, offset int, cal HolidayCalendar) string {
	if len(r.Weekly) == 7 {
		if r.FollowCalendar {
			if cal.IsHoliday(day) {
				return ""
			}
			if c, ok := cal[day]; ok && c.Kind == DayWorkday {
				return r.Weekly[time.Monday]
			}
		}
		return r.Weekly[weekdayOf(day)]
	}
	if len(r.Cycle) == 0 {
		return ""
	}
	n := len(r.Cycle)
	i := ((dayIndex(day)-dayIndex(r.Anchor)+offset)%n + n) % n
	return r.Cycle[i]
}

// Swap is a shift swap: the agent gives away Days consecutive shifts from Day and works them back
// from PaybackDay.
type Swap struct {
	ID          int64  `json:"id,omitempty"`
	Agent       string `json:"agent"`
	Day         string `json:"day"`
	Days        int    `json:"days"` // 1, or 2 consecutive shifts
	PaybackDay  string `json:"payback_day"`
	RequestedOn string `json:"requested_on"` // the day it was asked for
	Status      string `json:"status"`       // pending, approved, rejected, cancelled
	// WithAgent, if set, is a colleague (off on the days given away) who works them, and whose
	// shift on PaybackDay the agent works in return.
	WithAgent string `json:"with_agent,omitempty"`
	Reason    string `json:"reason,omitempty"`
	DecidedBy string `json:"decided_by,omitempty"`
	Note      string `json:"note,omitempty"`
}

// SwapRules are the manuals' limits.
type SwapRules struct {
	PerMonth             int // 1 swap a month
	ConsecutiveMax       int // 2 shifts in one swap
	ConsecutivePerYear   int // twice a year
	ConsecutiveAheadDays int // asked at least 30 days ahead ("a month ahead")
}

// DefaultSwapRules are the manuals'.
var DefaultSwapRules = SwapRules{PerMonth: 1, ConsecutiveMax: 2, ConsecutivePerYear: 2, ConsecutiveAheadDays: 30}

func swapCounts(status string) bool { return status == "pending" || status == "approved" }

// CheckSwap checks a new swap against the agent's other swaps: one swap a month, paid back within
// the same month (after the day given away or before it), at most two consecutive shifts, and a
// two-shift swap at most twice a calendar year, asked a month ahead. Errors name the field.
func CheckSwap(r SwapRules, s Swap, others []Swap) error {
	if !validDay(s.Day) {
		return invalid("day", "must be a day YYYY-MM-DD, got %q", s.Day).With(CodeInvalidFormat, Params{"format": "date", "value": s.Day})
	}
	if !validDay(s.PaybackDay) {
		return invalid("payback_day", "must be a day YYYY-MM-DD, got %q", s.PaybackDay).With(CodeInvalidFormat, Params{"format": "date", "value": s.PaybackDay})
	}
	if !validDay(s.RequestedOn) {
		return invalid("requested_on", "must be a day YYYY-MM-DD").With(CodeInvalidFormat, Params{"format": "date", "value": s.RequestedOn})
	}
	if s.Days < 1 || s.Days > r.ConsecutiveMax {
		return invalid("days", "must be 1–%d, got %d", r.ConsecutiveMax, s.Days).With(CodeOutOfRange, Params{"min": 1, "max": r.ConsecutiveMax, "value": s.Days})
	}
	if s.Day < s.RequestedOn {
		return invalid("day", "is in the past").With(CodeMustBeAfter, Params{"other": "requested_on"})
	}
	if s.PaybackDay[:7] != s.Day[:7] {
		return invalid("payback_day", "must be in the same month as the day given away (%s)", s.Day[:7]).
			With(CodeSwapPaybackMonth, Params{"value": s.PaybackDay, "month": s.Day[:7]})
	}
	last := AddDays(s.Day, s.Days-1)
	if s.PaybackDay >= s.Day && s.PaybackDay <= last {
		return invalid("payback_day", "falls on a day given away").With(CodeConflictsWith, Params{"other": "day"})
	}
	month := 0
	consecutive := 0
	for _, o := range others {
		if o.ID == s.ID && s.ID != 0 || o.Agent != s.Agent || !swapCounts(o.Status) {
			continue
		}
		if len(o.Day) >= 7 && o.Day[:7] == s.Day[:7] {
			month++
		}
		if o.Days > 1 && len(o.Day) >= 4 && o.Day[:4] == s.Day[:4] {
			consecutive++
		}
	}
	if month >= r.PerMonth {
		return invalid("day", "at most %d swap(s) a month: %s has one already", r.PerMonth, s.Day[:7]).
			With(CodeSwapLimit, Params{"max": r.PerMonth, "period": s.Day[:7]})
	}
	if s.Days > 1 {
		if consecutive >= r.ConsecutivePerYear {
			return invalid("days", "at most %d swaps of consecutive shifts a year", r.ConsecutivePerYear).
				With(CodeSwapLimit, Params{"max": r.ConsecutivePerYear, "period": s.Day[:4]})
		}
		if dayIndex(s.Day)-dayIndex(s.RequestedOn) < r.ConsecutiveAheadDays {
			return invalid("day", "consecutive shifts are swapped at least %d days ahead", r.ConsecutiveAheadDays).
				With(CodeTooLate, Params{"min": r.ConsecutiveAheadDays})
		}
	}
	return nil
}

// AddDays is day (YYYY-MM-DD) moved by n days (day unchanged if it is not a day).
func AddDays(day string, n int) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}

// Workforce error codes (kind invalid).
const (
	CodeSwapPaybackMonth = "swap_payback_month" // params: value, month
	CodeSwapLimit        = "swap_limit"         // params: max, period (a month YYYY-MM or a year)
	CodeTooLate          = "too_late"           // asked too close to the day; params: min (days ahead)
	CodeAttachmentNeeded = "attachment_needed"  // params: what (sick_note)
)

func init() {
	RegisterCode(CodeSwapPaybackMonth, EINVALID)
	RegisterCode(CodeSwapLimit, EINVALID)
	RegisterCode(CodeTooLate, EINVALID)
	RegisterCode(CodeAttachmentNeeded, EINVALID)
}

// LeaveRequest is a request for leave. Days counts working days (half days allowed: 0.5).
type LeaveRequest struct {
	ID          int64   `json:"id,omitempty"`
	Agent       string  `json:"agent"`
	Type        string  `json:"type"`
	From        string  `json:"from"` // first day
	To          string  `json:"to"`   // last day
	Days        float64 `json:"days"`
	RequestedOn string  `json:"requested_on"`
	Attachments int     `json:"attachments"`
	Reason      string  `json:"reason"`
}

// LeaveStep is a rule of the approval chains: a leave of a type (any if Types is empty) of at least
// MinDays is approved by Chain, in order. Of the steps that apply, those naming the type beat the
// general ones, then the largest MinDays wins.
type LeaveStep struct {
	Types   []string `json:"types,omitempty"`
	MinDays float64  `json:"min_days"`
	Chain   []Role   `json:"chain"`
}

// LeavePolicy is leave's configuration.
type LeavePolicy struct {
	Steps []LeaveStep `json:"steps"`
	// AheadDays: a type asked at least this many days before its first day (personal: 2).
	AheadDays map[string]int `json:"ahead_days"`
	// AttachmentFromDays: a type needs an attachment (a sick note) from this many days.
	AttachmentFromDays map[string]float64 `json:"attachment_from_days"`
}

// DefaultLeavePolicy is the manuals': up to under two days the supervisor (the team's lead
// first), two days or more the centre director too; personal leave two days ahead; a sick note
// from one day of sick leave.
var DefaultLeavePolicy = LeavePolicy{
	Steps: []LeaveStep{
		{MinDays: 0, Chain: []Role{RoleTeamLead, RoleSupervisor}},
		{MinDays: 2, Chain: []Role{RoleTeamLead, RoleSupervisor, RoleOperationsManager}},
	},
	AheadDays:          map[string]int{LeavePersonal: 2},
	AttachmentFromDays: map[string]float64{LeaveSick: 1},
}

// Chain is the approvers of a request, in order.
func (p LeavePolicy) Chain(r LeaveRequest) []Role {
	var best *LeaveStep
	for i := range p.Steps {
		s := &p.Steps[i]
		if !(len(s.Types) == 0 || slices.Contains(s.Types, r.Type)) || r.Days < s.MinDays {
			continue
		}
		specific, bestSpecific := len(s.Types) > 0, best != nil && len(best.Types) > 0
		if best == nil || (specific && !bestSpecific) || (specific == bestSpecific && s.MinDays > best.MinDays) {
			best = s
		}
	}
	if best == nil {
		return nil
	}
	return best.Chain
}

// CheckLeave checks a request against the policy. Errors name the field.
func (p LeavePolicy) CheckLeave(r LeaveRequest) error {
	if !slices.Contains(LeaveTypes, r.Type) {
		return invalid("type", "unknown leave type %q", r.Type).With(CodeInvalidChoice, Params{"allowed": LeaveTypes, "value": r.Type})
	}
	if !validDay(r.From) {
		return invalid("from", "must be a day YYYY-MM-DD, got %q", r.From).With(CodeInvalidFormat, Params{"format": "date", "value": r.From})
	}
	if !validDay(r.To) {
		return invalid("to", "must be a day YYYY-MM-DD, got %q", r.To).With(CodeInvalidFormat, Params{"format": "date", "value": r.To})
	}
	if r.To < r.From {
		return invalid("to", "is before the first day").With(CodeMustBeAfter, Params{"other": "from"})
	}
	span := float64(len(Days(r.From, r.To)))
	if !finiteFloat(r.Days) || r.Days <= 0 || r.Days > span || r.Days*2 != float64(int(r.Days*2)) {
		return invalid("days", "must be a number of half days up to %v, got %v", span, r.Days).With(CodeOutOfRange, Params{"min": 0.5, "max": span, "value": r.Days})
	}
	if n, ok := p.AheadDays[r.Type]; ok && dayIndex(r.From)-dayIndex(r.RequestedOn) < n {
		return invalid("from", "%s leave is asked at least %d days ahead", r.Type, n).With(CodeTooLate, Params{"min": n})
	}
	if n, ok := p.AttachmentFromDays[r.Type]; ok && r.Days >= n && r.Attachments == 0 {
		return invalid("attachments", "%s leave of %v days needs an attachment", r.Type, r.Days).With(CodeAttachmentNeeded, Params{"what": "sick_note"})
	}
	if len(p.Chain(r)) == 0 {
		return invalid("type", "no approval chain for %s leave of %v days", r.Type, r.Days).With(CodeNotAllowed, Params{"value": r.Type})
	}
	return nil
}

// Validate checks a leave policy: at least one step, every step's roles and types known, a
// general step from 0 days (so every request has a chain), days ahead and attachment thresholds
// in range.
func (p LeavePolicy) Validate() error {
	if len(p.Steps) == 0 {
		return invalid("steps", "at least one step is needed").With(CodeTooFew, Params{"min": 1})
	}
	general := false
	for i, s := range p.Steps {
		field := fmt.Sprintf("steps[%d]", i)
		if !finiteFloat(s.MinDays) || s.MinDays < 0 || s.MinDays > 366 {
			return invalid(field+".min_days", "must be 0–366, got %v", s.MinDays).With(CodeOutOfRange, Params{"min": 0, "max": 366, "value": s.MinDays})
		}
		if len(s.Chain) == 0 || len(s.Chain) > 5 {
			return invalid(field+".chain", "needs 1–5 approvers").With(CodeOutOfRange, Params{"min": 1, "max": 5, "value": len(s.Chain)})
		}
		for j, r := range s.Chain {
			if !slices.Contains([]Role{RoleTeamLead, RoleSupervisor, RoleProjectManager, RoleOperationsManager, RoleAdmin}, r) {
				return invalid(fmt.Sprintf("%s.chain[%d]", field, j), "%q does not approve leave", r).With(CodeInvalidChoice,
					Params{"allowed": []Role{RoleTeamLead, RoleSupervisor, RoleProjectManager, RoleOperationsManager, RoleAdmin}, "value": r})
			}
		}
		for j, t := range s.Types {
			if !slices.Contains(LeaveTypes, t) {
				return invalid(fmt.Sprintf("%s.types[%d]", field, j), "unknown leave type %q", t).With(CodeInvalidChoice, Params{"allowed": LeaveTypes, "value": t})
			}
		}
		if len(s.Types) == 0 && s.MinDays == 0 {
			general = true
		}
	}
	if !general {
		return invalid("steps", "a step for every type from 0 days is needed").With(CodeRequired, nil)
	}
	for t, n := range p.AheadDays {
		if !slices.Contains(LeaveTypes, t) || n < 0 || n > 365 {
			return invalid("ahead_days", "%s: %d", t, n).With(CodeOutOfRange, Params{"min": 0, "max": 365, "value": n})
		}
	}
	for t, n := range p.AttachmentFromDays {
		if !slices.Contains(LeaveTypes, t) || !finiteFloat(n) || n < 0 || n > 366 {
			return invalid("attachment_from_days", "%s: %v", t, n).With(CodeOutOfRange, Params{"min": 0, "max": 366, "value": n})
		}
	}
	return nil
}
