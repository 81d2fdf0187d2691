package callfloor

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Outbound campaigns (issue 13): the rules a dialler applies to a lead — which numbers may be
// dialled, when (calling windows in the customer's time zone, holidays), how often (attempts per
// lead and per day, frequency caps per number across campaigns) and what comes next after each
// outcome (retry delays, final dispositions, the do-not-call list).

// DialResult is what the network or the agent made of one attempt.
type DialResult string

const (
	ResultAnswered    DialResult = "answered"     // talked with an agent (the disposition says more)
	ResultBusy        DialResult = "busy"         // 忙 (cause 17)
	ResultNoAnswer    DialResult = "no_answer"    // 无人接听: rang out (cause 19 / the ring timeout)
	ResultUnallocated DialResult = "unallocated"  // 空号 (cause 1)
	ResultSwitchedOff DialResult = "switched_off" // 关机 / 停机 / out of coverage (cause 20, 27)
	ResultFailed      DialResult = "failed"       // congestion, trunk or other network failure
	ResultDropped     DialResult = "dropped"      // answered with no agent free: the message was played
)

// DialResults are the results in the order a report lists them.
var DialResults = []DialResult{ResultAnswered, ResultBusy, ResultNoAnswer, ResultUnallocated, ResultSwitchedOff, ResultFailed, ResultDropped}

// ResultOfCause maps an ISDN/Q.850 hang-up cause of an unanswered dial to its result.
func ResultOfCause(cause int) DialResult {
	switch cause {
	case 17:
		return ResultBusy
	case 18, 19, 16: // no user responding, no answer; 16 when the ring timeout cancelled the dial
		return ResultNoAnswer
	case 1, 22, 28: // unallocated, number changed, invalid number format
		return ResultUnallocated
	case 20, 27: // subscriber absent, destination out of order
		return ResultSwitchedOff
	}
	return ResultFailed
}

// Disposition is an agent's (or the dialler's) verdict on a lead after an attempt.
type Disposition struct {
	Code     string        `json:"code"`                  // success, refused, … (an identifier)
	Name     string        `json:"name"`                  // what agents see: 成功, 拒绝, …
	Final    bool          `json:"final"`                 // no further attempts at this lead
	Success  bool          `json:"success,omitempty"`     // counts as a conversion
	DNC      bool          `json:"dnc,omitempty"`         // adds the number to the do-not-call list (拒绝 / 禁呼)
	Callback bool          `json:"callback,omitempty"`    // needs a call-back time (预约回拨)
	Retry    time.Duration `json:"retry_after,omitempty"` // when not final: try again after this
}

// DefaultDispositions is the disposition set a new campaign starts with (the manuals' telesales
// outcomes); a campaign may rename, add or remove any but needs one final success.
func DefaultDispositions() []Disposition {
	return []Disposition{
		{Code: "success", Name: "成功", Final: true, Success: true},
		{Code: "interested", Name: "意向", Retry: 24 * time.Hour},
		{Code: "callback", Name: "预约回拨", Callback: true},
		{Code: "refused", Name: "拒绝", Final: true, DNC: true},
		{Code: "do_not_call", Name: "禁呼", Final: true, DNC: true},
		{Code: "wrong_person", Name: "非本人", Retry: 24 * time.Hour},
		{Code: "invalid_number", Name: "空号", Final: true},
		{Code: "suspended", Name: "停机", Final: true},
		{Code: "no_answer", Name: "无人接听", Retry: 2 * time.Hour},
		{Code: "busy", Name: "忙", Retry: 10 * time.Minute},
	}
}

// DefaultRetries are the waits before the next attempt after a dial nobody talked on.
// Unallocated numbers are final (空号 never becomes a customer).
var DefaultRetries = map[DialResult]time.Duration{
	ResultBusy:        10 * time.Minute,
	ResultNoAnswer:    2 * time.Hour,
	ResultSwitchedOff: 4 * time.Hour,
	ResultFailed:      30 * time.Minute,
	ResultDropped:     time.Hour, // the customer heard the message; do not ring back at once
}

// CallingWindow is a span of local time on some weekdays when a campaign may dial.
type CallingWindow struct {
	Days  []time.Weekday `json:"days"`  // 0 Sunday … 6 Saturday
	Start string         `json:"start"` // HH:MM, the customer's local time
	End   string         `json:"end"`   // HH:MM, after Start
}

// FrequencyCap limits attempts at one number across every campaign.
type FrequencyCap struct {
	PerDay  int `yaml:"per_day" json:"per_day"`   // attempts per local day (0: no cap)
	PerWeek int `yaml:"per_week" json:"per_week"` // attempts in any 7 days (0: no cap)
}

// Campaign holds one outbound campaign's rules.
type Campaign struct {
	ID                 string                       `json:"id"`
	Name               string                       `json:"name"`
	Project            string                       `json:"project,omitempty"`
	Teams              []string                     `json:"teams,omitempty"`
	Queue              string                       `json:"queue,omitempty"` // the inbound queue a blended campaign's agents serve first
	Mode               PacingMode                   `json:"mode"`
	Ratio              float64                      `json:"ratio,omitempty"`       // lines per free agent (ratio mode)
	DropTarget         float64                      `json:"drop_target,omitempty"` // predictive; 0: 3 %
	CallerIDs          []string                     `json:"caller_ids"`
	TimeZone           string                       `json:"time_zone"` // for leads with none of their own
	Windows            []CallingWindow              `json:"windows"`
	SkipHolidays       bool                         `json:"skip_holidays"` // no dialling on public holidays (make-up workdays dial)
	MaxAttempts        int                          `json:"max_attempts"`  // per lead, over the campaign
	MaxAttemptsPerDay  int                          `json:"max_attempts_per_day"`
	Retries            map[DialResult]time.Duration `json:"retries,omitempty"` // overrides DefaultRetries
	Dispositions       []Disposition                `json:"dispositions"`
	Script             string                       `json:"script,omitempty"` // 话术, with {{field}} from the lead
	RequireConsent     bool                         `json:"require_consent,omitempty"`
	RecordingKeepDays  int                          `json:"recording_keep_days"` // at least MinOutboundRecordingDays
	DailyDialTarget    int                          `json:"daily_dial_target,omitempty"`
	DailyConnectTarget int                          `json:"daily_connect_target,omitempty"`
}

// MinOutboundRecordingDays: outbound recordings are kept at least this long whatever the
// general retention says (China's rules for marketing calls keep records 30 days or more).
const MinOutboundRecordingDays = 30

var (
	hhmm       = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	idPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)
	fieldToken = regexp.MustCompile(`{{\s*([^{}]*?)\s*}}`)
)

// NewCampaign returns a campaign with the defaults filled in: predictive at 3 %, every day
// 09:00–20:00 in Asia/Shanghai with public holidays skipped, 6 attempts (2 a day), the default
// dispositions and retries, recordings kept 30 days.
func NewCampaign(id, name string) Campaign {
	every := []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
	return Campaign{
		ID: id, Name: name, Mode: PacePredictive, DropTarget: DefaultDropTarget,
		TimeZone: "Asia/Shanghai", Windows: []CallingWindow{{Days: every, Start: "09:00", End: "20:00"}},
		SkipHolidays: true, MaxAttempts: 6, MaxAttemptsPerDay: 2,
		Dispositions: DefaultDispositions(), RecordingKeepDays: MinOutboundRecordingDays,
	}
}

// Validate checks every rule, naming the field of the first problem.
func (c Campaign) Validate() error {
	switch {
	case !idPattern.MatchString(c.ID):
		return Invalid("id", CodeInvalidFormat, Params{"format": "identifier", "value": c.ID}, "lower-case letters, digits, _ . or -, at most 64")
	case strings.TrimSpace(c.Name) == "":
		return Invalid("name", CodeRequired, nil, "a campaign needs a name")
	case len([]rune(c.Name)) > 100:
		return Invalid("name", CodeTooLong, Params{"max": 100}, "at most 100 characters")
	}
	if _, err := NewPacer(c.Mode, c.Ratio, c.DropTarget); err != nil {
		switch {
		case !slices.Contains(PacingModes, c.Mode):
			return Invalid("mode", CodeInvalidChoice, Params{"allowed": PacingModes, "value": c.Mode}, "%v", err)
		case c.Mode == PaceRatio && (c.Ratio < 1 || c.Ratio > 20 || c.Ratio != c.Ratio):
			return Invalid("ratio", CodeOutOfRange, Params{"min": 1, "max": 20, "value": c.Ratio}, "%v", err)
		default:
			return Invalid("drop_target", CodeOutOfRange, Params{"min": 0, "max": 0.5, "value": c.DropTarget}, "%v", err)
		}
	}
	if c.Mode != PacePreview && len(c.CallerIDs) == 0 {
		return Invalid("caller_ids", CodeRequired, nil, "a dialling campaign needs at least one caller ID")
	}
	for _, n := range c.CallerIDs {
		if _, err := CanonicalPhone(n, "86"); err != nil {
			return Invalid("caller_ids", CodeInvalidNumber, Params{"value": n}, "%q is not a phone number", n)
		}
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "" {
		return Invalid("time_zone", CodeInvalidFormat, Params{"format": "time_zone", "value": c.TimeZone}, "an IANA time zone such as Asia/Shanghai")
	}
	if len(c.Windows) == 0 {
		return Invalid("windows", CodeTooFew, Params{"min": 1}, "a campaign needs at least one calling window")
	}
	for i, w := range c.Windows {
		f := fmt.Sprintf("windows[%d]", i)
		if !hhmm.MatchString(w.Start) {
			return Invalid(f+".start", CodeInvalidFormat, Params{"format": "time", "value": w.Start}, "HH:MM")
		}
		if !hhmm.MatchString(w.End) {
			return Invalid(f+".end", CodeInvalidFormat, Params{"format": "time", "value": w.End}, "HH:MM")
		}
		if w.End <= w.Start {
			return Invalid(f+".end", CodeMustBeAfter, Params{"other": "start"}, "the window ends after it starts")
		}
		if len(w.Days) == 0 {
			return Invalid(f+".days", CodeTooFew, Params{"min": 1}, "at least one day")
		}
		for _, d := range w.Days {
			if d < time.Sunday || d > time.Saturday {
				return Invalid(f+".days", CodeOutOfRange, Params{"min": 0, "max": 6, "value": int(d)}, "days are 0 (Sunday) to 6")
			}
		}
	}
	switch {
	case c.MaxAttempts < 1 || c.MaxAttempts > 50:
		return Invalid("max_attempts", CodeOutOfRange, Params{"min": 1, "max": 50, "value": c.MaxAttempts}, "1 to 50 attempts per lead")
	case c.MaxAttemptsPerDay < 1 || c.MaxAttemptsPerDay > c.MaxAttempts:
		return Invalid("max_attempts_per_day", CodeOutOfRange, Params{"min": 1, "max": c.MaxAttempts, "value": c.MaxAttemptsPerDay}, "1 to max_attempts a day")
	case c.RecordingKeepDays < MinOutboundRecordingDays:
		return Invalid("recording_keep_days", CodeOutOfRange, Params{"min": MinOutboundRecordingDays, "value": c.RecordingKeepDays}, "outbound recordings are kept at least %d days", MinOutboundRecordingDays)
	}
	for r, d := range c.Retries {
		if !slices.Contains(DialResults, r) || r == ResultAnswered {
			return Invalid("retries", CodeInvalidChoice, Params{"allowed": DialResults[1:], "value": r}, "no retry rule for %q", r)
		}
		if d < time.Minute || d > 30*24*time.Hour {
			return Invalid("retries", CodeOutOfRange, Params{"min": "1m", "max": "720h", "value": d.String()}, "a retry waits 1 minute to 30 days")
		}
	}
	return c.validateDispositions()
}

func (c Campaign) validateDispositions() error {
	if len(c.Dispositions) == 0 {
		return Invalid("dispositions", CodeTooFew, Params{"min": 1}, "a campaign needs dispositions")
	}
	seen := map[string]bool{}
	success := false
	for i, d := range c.Dispositions {
		f := fmt.Sprintf("dispositions[%d]", i)
		switch {
		case !idPattern.MatchString(d.Code):
			return Invalid(f+".code", CodeInvalidFormat, Params{"format": "identifier", "value": d.Code}, "lower-case letters, digits, _ . or -")
		case seen[d.Code]:
			return Invalid(f+".code", CodeDuplicate, Params{"value": d.Code}, "%q twice", d.Code)
		case strings.TrimSpace(d.Name) == "":
			return Invalid(f+".name", CodeRequired, nil, "a disposition needs a name")
		case d.Final && (d.Retry != 0 || d.Callback):
			return Invalid(f+".retry_after", CodeConflictsWith, Params{"other": "final"}, "a final disposition has no retry or call-back")
		case d.Callback && d.Retry != 0:
			return Invalid(f+".retry_after", CodeConflictsWith, Params{"other": "callback"}, "a call-back is set by its time, not a retry")
		case d.Success && !d.Final:
			return Invalid(f+".final", CodeRequired, nil, "a success ends the lead")
		case !d.Final && !d.Callback && d.Retry < time.Minute:
			return Invalid(f+".retry_after", CodeOutOfRange, Params{"min": "1m", "value": d.Retry.String()}, "a disposition that is not final retries after at least a minute")
		}
		seen[d.Code] = true
		success = success || d.Success
	}
	if !success {
		return Invalid("dispositions", CodeRequired, Params{"what": "success"}, "one disposition must count as a success")
	}
	return nil
}

// Disposition finds a disposition by code.
func (c Campaign) Disposition(code string) (Disposition, bool) {
	i := slices.IndexFunc(c.Dispositions, func(d Disposition) bool { return d.Code == code })
	if i < 0 {
		return Disposition{}, false
	}
	return c.Dispositions[i], true
}

// RetryAfter is the wait after a dial nobody talked on; ok is false when the result ends the
// lead (an unallocated number).
func (c Campaign) RetryAfter(r DialResult) (time.Duration, bool) {
	if d, ok := c.Retries[r]; ok {
		return d, true
	}
	d, ok := DefaultRetries[r]
	return d, ok
}

// clock parses HH:MM into minutes after midnight.
func clock(s string) int {
	return int(s[0]-'0')*600 + int(s[1]-'0')*60 + int(s[3]-'0')*10 + int(s[4]-'0')
}

// dialDay says whether the campaign dials at all on the local day of t.
func (c Campaign) dialDay(t time.Time, cal HolidayCalendar) bool {
	return !c.SkipHolidays || !cal.IsHoliday(t.Format(time.DateOnly))
}

// OpenAt says whether t falls in a calling window, read in loc (the customer's zone).
func (c Campaign) OpenAt(t time.Time, loc *time.Location, cal HolidayCalendar) bool {
	t = t.In(loc)
	if !c.dialDay(t, cal) {
		return false
	}
	m := t.Hour()*60 + t.Minute()
	wd := c.windowDay(t, cal)
	for _, w := range c.Windows {
		if slices.Contains(w.Days, wd) && m >= clock(w.Start) && m < clock(w.End) {
			return true
		}
	}
	return false
}

// windowDay is the weekday whose windows apply: a make-up workday (调休) dials with Monday's
// windows when the campaign skips holidays, because the country works that day.
func (c Campaign) windowDay(t time.Time, cal HolidayCalendar) time.Weekday {
	if c.SkipHolidays && cal[t.Format(time.DateOnly)].Kind == DayWorkday {
		return time.Monday
	}
	return t.Weekday()
}

// NextOpen is the first instant at or after t inside a calling window (in loc), searching up to
// 60 days ahead; false when no window opens in that time (every day a holiday, no windows).
func (c Campaign) NextOpen(t time.Time, loc *time.Location, cal HolidayCalendar) (time.Time, bool) {
	t = t.In(loc)
	for d := 0; d <= 60; d++ {
		day := time.Date(t.Year(), t.Month(), t.Day()+d, 0, 0, 0, 0, loc)
		if !c.dialDay(day, cal) {
			continue
		}
		wd := c.windowDay(day, cal)
		best := time.Time{}
		for _, w := range c.Windows {
			if !slices.Contains(w.Days, wd) {
				continue
			}
			s := time.Date(day.Year(), day.Month(), day.Day(), 0, clock(w.Start), 0, 0, loc)
			e := time.Date(day.Year(), day.Month(), day.Day(), 0, clock(w.End), 0, 0, loc)
			if !e.After(t) {
				continue
			}
			if s.Before(t) {
				s = t
			}
			if best.IsZero() || s.Before(best) {
				best = s
			}
		}
		if !best.IsZero() {
			return best, true
		}
	}
	return time.Time{}, false
}

// Attempt is one past dial of a lead.
type Attempt struct {
	At          time.Time  `json:"at"`
	Result      DialResult `json:"result"`
	Disposition string     `json:"disposition,omitempty"` // when an agent talked with the customer
}

// LeadNext is what becomes of a lead after an attempt.
type LeadNext struct {
	Done     bool      // no more attempts
	Reason   string    // why it is done: the disposition's code, "max_attempts", "unallocated", "no_window"
	At       time.Time // when to dial next (not Done)
	Callback bool      // At is a call-back the agent promised (comes first)
	DNC      bool      // add the number to the do-not-call list
	Success  bool
}

// Next decides a lead's next attempt after its latest one (the last of attempts, which holds
// every attempt of the lead in this campaign, oldest first): a final disposition or result ends
// it; otherwise the retry delay (or the call-back time) is moved into the next calling window
// in the customer's zone, to the next local day when the day's attempts are used up.
func (c Campaign) Next(attempts []Attempt, callbackAt time.Time, loc *time.Location, cal HolidayCalendar) LeadNext {
	if len(attempts) == 0 {
		return LeadNext{Reason: "no_attempt"}
	}
	last := attempts[len(attempts)-1]
	var wait time.Duration
	if last.Disposition != "" {
		d, ok := c.Disposition(last.Disposition)
		if !ok {
			return LeadNext{Done: true, Reason: "unknown_disposition"}
		}
		if d.Final {
			return LeadNext{Done: true, Reason: d.Code, DNC: d.DNC, Success: d.Success}
		}
		if d.Callback {
			// a promised call-back is honoured at its time even past the attempt limit
			at, ok := c.NextOpen(callbackAt, loc, cal)
			if !ok {
				return LeadNext{Done: true, Reason: "no_window"}
			}
			return LeadNext{At: at, Callback: true}
		}
		wait = d.Retry
	} else {
		d, ok := c.RetryAfter(last.Result)
		if !ok {
			return LeadNext{Done: true, Reason: string(last.Result)}
		}
		wait = d
	}
	if len(attempts) >= c.MaxAttempts {
		return LeadNext{Done: true, Reason: "max_attempts"}
	}
	at := last.At.Add(wait).In(loc)
	if sameDay := countOnDay(attempts, at, loc); sameDay >= c.MaxAttemptsPerDay {
		at = time.Date(at.Year(), at.Month(), at.Day()+1, 0, 0, 0, 0, loc)
	}
	next, ok := c.NextOpen(at, loc, cal)
	if !ok {
		return LeadNext{Done: true, Reason: "no_window"}
	}
	return LeadNext{At: next}
}

func countOnDay(attempts []Attempt, t time.Time, loc *time.Location) int {
	day := t.In(loc).Format(time.DateOnly)
	n := 0
	for _, a := range attempts {
		if a.At.In(loc).Format(time.DateOnly) == day {
			n++
		}
	}
	return n
}

// Allows says whether one more attempt at a number at now stays within the cap, given the
// number's earlier attempts in every campaign (local days in loc).
func (f FrequencyCap) Allows(earlier []time.Time, now time.Time, loc *time.Location) bool {
	day := now.In(loc).Format(time.DateOnly)
	perDay, perWeek := 0, 0
	for _, t := range earlier {
		if t.In(loc).Format(time.DateOnly) == day {
			perDay++
		}
		if now.Sub(t) < 7*24*time.Hour && !t.After(now) {
			perWeek++
		}
	}
	return (f.PerDay == 0 || perDay < f.PerDay) && (f.PerWeek == 0 || perWeek < f.PerWeek)
}

// FreeAt is when the cap next allows an attempt at a number dialled at earlier: now when it
// allows one now; else the later of the next local midnight (the day's cap) and the moment
// enough of the week's attempts are 7 days old (the week's).
func (f FrequencyCap) FreeAt(earlier []time.Time, now time.Time, loc *time.Location) time.Time {
	at := now
	for range 4 { // each step frees one cap; the other may then bind until its own time
		if f.Allows(earlier, at, loc) {
			return at
		}
		l := at.In(loc)
		next := at
		if f.PerDay > 0 {
			day := 0
			for _, t := range earlier {
				if t.In(loc).Format(time.DateOnly) == l.Format(time.DateOnly) {
					day++
				}
			}
			if day >= f.PerDay {
				next = time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc)
			}
		}
		if f.PerWeek > 0 {
			var week []time.Time
			for _, t := range earlier {
				if at.Sub(t) < 7*24*time.Hour && !t.After(at) {
					week = append(week, t)
				}
			}
			if len(week) >= f.PerWeek {
				slices.SortFunc(week, func(a, b time.Time) int { return a.Compare(b) })
				if w := week[len(week)-f.PerWeek].Add(7 * 24 * time.Hour); w.After(next) {
					next = w
				}
			}
		}
		at = next
	}
	return at
}

// CanonicalPhone is a number in E.164 form (+8613812345678) for de-duplication and the
// do-not-call list. country is the calling code assumed for national numbers ("86"). Chinese
// national numbers: mobiles 1[3-9]XXXXXXXXX (11 digits); landlines 0 + area code + 7–8 digits
// (10–12 digits in all); a leading 86 / 0086 / +86 is the country code. Other countries' numbers
// must carry their + (or 00) prefix: 8–15 digits.
func CanonicalPhone(raw, country string) (string, error) {
	n := NormalizeNumber(raw)
	bad := func(why string) (string, error) {
		return "", Invalid("phone", CodeInvalidNumber, Params{"value": raw}, "%q: %s", raw, why)
	}
	if n == "" {
		return bad("empty")
	}
	digits := strings.TrimPrefix(n, "+")
	for _, r := range digits {
		if r < '0' || r > '9' {
			return bad("not a phone number")
		}
	}
	intl := strings.HasPrefix(n, "+")
	if !intl && country == "86" && len(digits) == 13 && strings.HasPrefix(digits, "86") && digits[2] == '1' {
		digits, intl = digits[2:], false // 8613812345678 written without the +
	}
	if intl {
		if strings.HasPrefix(digits, "86") {
			return chinese(digits[2:], raw, bad)
		}
		if len(digits) < 8 || len(digits) > 15 || digits[0] == '0' {
			return bad("an international number has 8 to 15 digits after the +")
		}
		return "+" + digits, nil
	}
	if country != "86" {
		if len(digits) < 6 || len(digits) > 14 {
			return bad("too short or too long")
		}
		return "+" + country + strings.TrimPrefix(digits, "0"), nil
	}
	return chinese(digits, raw, bad)
}

// chinese checks a Chinese national number (after the country code) and returns it in E.164.
func chinese(d, raw string, bad func(string) (string, error)) (string, error) {
	switch {
	case len(d) == 11 && d[0] == '1':
		if d[1] < '3' || d[1] > '9' {
			return bad("a mobile number starts 13 to 19")
		}
		return "+86" + d, nil
	case d != "" && d[0] == '0' && len(d) >= 10 && len(d) <= 12:
		return "+86" + d[1:], nil // the trunk 0 goes; the area code stays
	case d != "" && d[0] != '0' && (d[0] != '1' || strings.HasPrefix(d, "10")) && len(d) >= 9 && len(d) <= 11:
		return "+86" + d, nil // a landline written without the trunk 0 (Beijing's area code is 10)
	case len(d) == 7 || len(d) == 8:
		return bad("a landline needs its area code (e.g. 021)")
	}
	return bad("not a Chinese mobile (11 digits from 13) or landline (0 + area code + number)")
}

// NationalDial is how a canonical Chinese number is dialled inside China: mobiles as their
// 11 digits, landlines with the trunk 0; other countries with 00 and the country code.
func NationalDial(canonical string) string {
	if d, ok := strings.CutPrefix(canonical, "+86"); ok {
		if d != "" && d[0] == '1' && len(d) == 11 {
			return d
		}
		return "0" + d
	}
	return "00" + strings.TrimPrefix(canonical, "+")
}

// RenderScript fills a script's {{field}} placeholders from a lead's fields (name, phone and
// custom fields); an unknown field shows as 【field】 so the agent sees what is missing.
func RenderScript(script string, fields map[string]string) string {
	return fieldToken.ReplaceAllStringFunc(script, func(m string) string {
		k := strings.TrimSpace(fieldToken.FindStringSubmatch(m)[1])
		if v, ok := fields[k]; ok && v != "" {
			return v
		}
		return "【" + k + "】"
	})
}
