package callfloor

import (
	"testing"
	"time"
)

func TestCanonicalPhone(t *testing.T) {
	for raw, want := range map[string]string{
		"13812345678":       "+8613812345678",
		"138 1234 5678":     "+8613812345678",
		"+86 138-1234-5678": "+8613812345678",
		"008613812345678":   "+8613812345678",
		"8613812345678":     "+8613812345678",
		"１３８１２３４５６７８":       "+8613812345678", // typed with a Chinese input method
		"021-87654321":      "+862187654321",
		"(021) 8765 4321":   "+862187654321",
		"+86 21 8765 4321":  "+862187654321",
		"010-12345678":      "+861012345678",
		"+86 10 1234 5678":  "+861012345678",
		"0755-1234567":      "+867551234567",
		"+44 20 7946 0958":  "+442079460958",
		"0044 20 7946 0958": "+442079460958",
	} {
		got, err := CanonicalPhone(raw, "86")
		if err != nil || got != want {
			t.Errorf("CanonicalPhone(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, raw := range []string{"", "abc", "1381234567", "12812345678", "87654321", "PJSIP/1001", "+0123456789", "+12345", "138123456789"} {
		if got, err := CanonicalPhone(raw, "86"); err == nil {
			t.Errorf("CanonicalPhone(%q) = %q, want an error", raw, got)
		} else if SpecificCode(err) != CodeInvalidNumber || fieldOf(err) != "phone" {
			t.Errorf("CanonicalPhone(%q): %v, want invalid_number on phone", raw, err)
		}
	}
	for canon, want := range map[string]string{"+8613812345678": "13812345678", "+862187654321": "02187654321", "+442079460958": "00442079460958"} {
		if got := NationalDial(canon); got != want {
			t.Errorf("NationalDial(%q) = %q, want %q", canon, got, want)
		}
	}
}

func TestResultOfCause(t *testing.T) {
	for cause, want := range map[int]DialResult{17: ResultBusy, 19: ResultNoAnswer, 1: ResultUnallocated, 20: ResultSwitchedOff, 34: ResultFailed, 16: ResultNoAnswer} {
		if got := ResultOfCause(cause); got != want {
			t.Errorf("cause %d: %s, want %s", cause, got, want)
		}
	}
}

func validCampaign() Campaign {
	c := NewCampaign("renewals", "车险续保")
	c.CallerIDs = []string{"02160001234"}
	return c
}

func TestCampaignValidate(t *testing.T) {
	if err := validCampaign().Validate(); err != nil {
		t.Fatalf("the default campaign: %v", err)
	}
	for field, mut := range map[string]func(*Campaign){
		"id":                          func(c *Campaign) { c.ID = "Bad ID" },
		"name":                        func(c *Campaign) { c.Name = " " },
		"mode":                        func(c *Campaign) { c.Mode = "turbo" },
		"ratio":                       func(c *Campaign) { c.Mode, c.Ratio = PaceRatio, 0.5 },
		"drop_target":                 func(c *Campaign) { c.DropTarget = 0.7 },
		"caller_ids":                  func(c *Campaign) { c.CallerIDs = []string{"12"} },
		"time_zone":                   func(c *Campaign) { c.TimeZone = "Mars/Olympus" },
		"windows":                     func(c *Campaign) { c.Windows = nil },
		"windows[0].start":            func(c *Campaign) { c.Windows[0].Start = "9:00" },
		"windows[0].end":              func(c *Campaign) { c.Windows[0].End = "08:00" },
		"windows[0].days":             func(c *Campaign) { c.Windows[0].Days = []time.Weekday{7} },
		"max_attempts":                func(c *Campaign) { c.MaxAttempts = 0 },
		"max_attempts_per_day":        func(c *Campaign) { c.MaxAttemptsPerDay = 9 },
		"recording_keep_days":         func(c *Campaign) { c.RecordingKeepDays = 7 },
		"retries":                     func(c *Campaign) { c.Retries = map[DialResult]time.Duration{ResultBusy: time.Second} },
		"dispositions":                func(c *Campaign) { c.Dispositions = c.Dispositions[1:] }, // no success left
		"dispositions[1].code":        func(c *Campaign) { c.Dispositions[1].Code = "success" },
		"dispositions[0].retry_after": func(c *Campaign) { c.Dispositions[0].Retry = time.Hour },
		"dispositions[8].retry_after": func(c *Campaign) { c.Dispositions[8].Retry = 0 },
	} {
		c := validCampaign()
		c.Windows = []CallingWindow{{Days: append([]time.Weekday(nil), c.Windows[0].Days...), Start: "09:00", End: "20:00"}}
		c.Dispositions = DefaultDispositions()
		mut(&c)
		if err := c.Validate(); err == nil || fieldOf(err) != field {
			t.Errorf("%s: %v, want an error on that field", field, err)
		}
	}
	// a preview campaign needs no caller ID of its own
	c := validCampaign()
	c.Mode, c.CallerIDs = PacePreview, nil
	if err := c.Validate(); err != nil {
		t.Errorf("preview without caller IDs: %v", err)
	}
}

// fieldOf is the field an *Error names.
func fieldOf(err error) string {
	if e, ok := err.(*Error); ok {
		return e.Field
	}
	return ""
}

// nationalDay (workforce_test.go): 1–7 October 2026 off, 27 September and 10 October worked.

func TestCallingWindowsHolidaysAndZones(t *testing.T) {
	sh := shanghai
	cal := nationalDay(t)
	c := validCampaign()
	// weekdays 09:00–12:00 and 13:30–20:00; Saturday 10:00–16:00; no Sunday
	wk := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	c.Windows = []CallingWindow{{Days: wk, Start: "09:00", End: "12:00"}, {Days: wk, Start: "13:30", End: "20:00"}, {Days: []time.Weekday{time.Saturday}, Start: "10:00", End: "16:00"}}
	at := func(s string, loc *time.Location) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, x := range []struct {
		at   string
		open bool
		next string
	}{
		{"2026-09-30 08:59", false, "2026-09-30 09:00"},
		{"2026-09-30 12:30", false, "2026-09-30 13:30"}, // the lunch break
		{"2026-09-30 19:59", true, "2026-09-30 19:59"},
		{"2026-09-30 20:00", false, "2026-10-08 09:00"}, // 1–7 October are holidays; 8 October is a Thursday
		{"2026-10-03 11:00", false, "2026-10-08 09:00"}, // a Saturday inside the holiday
		{"2026-09-27 10:00", true, "2026-09-27 10:00"},  // a Sunday worked (调休): Monday's windows
		{"2026-10-10 16:30", true, "2026-10-10 16:30"},  // a Saturday worked: Monday's windows, not Saturday's
		{"2026-10-11 09:00", false, "2026-10-12 09:00"}, // an ordinary Sunday
	} {
		t0 := at(x.at, sh)
		if got := c.OpenAt(t0, sh, cal); got != x.open {
			t.Errorf("%s: open %v, want %v", x.at, got, x.open)
		}
		if got, ok := c.NextOpen(t0, sh, cal); !ok || !got.Equal(at(x.next, sh)) {
			t.Errorf("%s: next open %v, want %s", x.at, got.In(sh), x.next)
		}
	}
	// the same instant is outside the window for a customer in Ürümqi (2 h behind in practice,
	// Asia/Urumqi is UTC+6): 09:30 in Shanghai is 07:30 there
	urumqi, err := time.LoadLocation("Asia/Urumqi")
	if err != nil {
		t.Fatal(err)
	}
	t0 := at("2026-09-30 09:30", sh)
	if !c.OpenAt(t0, sh, cal) || c.OpenAt(t0, urumqi, cal) {
		t.Errorf("09:30 Shanghai: open in Shanghai %v, in Ürümqi %v; want true, false", c.OpenAt(t0, sh, cal), c.OpenAt(t0, urumqi, cal))
	}
	if next, _ := c.NextOpen(t0, urumqi, cal); !next.Equal(at("2026-09-30 09:00", urumqi)) {
		t.Errorf("Ürümqi's next window %v, want 09:00 there", next.In(urumqi))
	}
	// a campaign that dials on holidays
	c.SkipHolidays = false
	if !c.OpenAt(at("2026-10-02 10:00", sh), sh, cal) {
		t.Errorf("a Friday holiday with SkipHolidays off: closed")
	}
}

func TestLeadNext(t *testing.T) {
	sh := shanghai
	cal := nationalDay(t)
	c := validCampaign() // every day 09:00–20:00, 6 attempts, 2 a day, holidays skipped
	at := func(s string) time.Time {
		tm, _ := time.ParseInLocation("2006-01-02 15:04", s, sh)
		return tm
	}
	busy := Attempt{At: at("2026-09-29 10:00"), Result: ResultBusy}
	if n := c.Next([]Attempt{busy}, time.Time{}, sh, cal); n.Done || !n.At.Equal(at("2026-09-29 10:10")) {
		t.Errorf("busy: %+v, want again at 10:10", n)
	}
	// the second attempt of the day rang out: the day's 2 are used, so tomorrow at 09:00
	na := Attempt{At: at("2026-09-29 10:10"), Result: ResultNoAnswer}
	if n := c.Next([]Attempt{busy, na}, time.Time{}, sh, cal); n.Done || !n.At.Equal(at("2026-09-30 09:00")) {
		t.Errorf("second attempt of the day: %+v, want the next morning", n)
	}
	// no answer at 19:00 on the 30th: two hours later is 21:00, past the window; the next days
	// are the National Day holiday
	late := Attempt{At: at("2026-09-30 19:00"), Result: ResultNoAnswer}
	if n := c.Next([]Attempt{late}, time.Time{}, sh, cal); n.Done || !n.At.Equal(at("2026-10-08 09:00")) {
		t.Errorf("after the window before the holiday: %+v, want 8 October 09:00", n)
	}
	// an unallocated number, a refusal and a success end the lead; refusal adds to DNC
	if n := c.Next([]Attempt{{At: busy.At, Result: ResultUnallocated}}, time.Time{}, sh, cal); !n.Done || n.Reason != "unallocated" {
		t.Errorf("unallocated: %+v", n)
	}
	if n := c.Next([]Attempt{{At: busy.At, Result: ResultAnswered, Disposition: "refused"}}, time.Time{}, sh, cal); !n.Done || !n.DNC || n.Success {
		t.Errorf("refused: %+v, want done and on the do-not-call list", n)
	}
	if n := c.Next([]Attempt{{At: busy.At, Result: ResultAnswered, Disposition: "success"}}, time.Time{}, sh, cal); !n.Done || !n.Success || n.DNC {
		t.Errorf("success: %+v", n)
	}
	// a call-back promised for a holiday evening comes back at the next window, first
	cb := Attempt{At: busy.At, Result: ResultAnswered, Disposition: "callback"}
	if n := c.Next([]Attempt{cb}, at("2026-10-03 18:00"), sh, cal); n.Done || !n.Callback || !n.At.Equal(at("2026-10-08 09:00")) {
		t.Errorf("call-back on a holiday: %+v", n)
	}
	// the sixth attempt without a result is the last
	var six []Attempt
	for d := range 6 {
		six = append(six, Attempt{At: at("2026-09-21 10:00").AddDate(0, 0, d), Result: ResultNoAnswer})
	}
	if n := c.Next(six, time.Time{}, sh, cal); !n.Done || n.Reason != "max_attempts" {
		t.Errorf("six attempts: %+v, want done (max_attempts)", n)
	}
	// ...but a promised call-back is kept even then
	six[5] = Attempt{At: six[5].At, Result: ResultAnswered, Disposition: "callback"}
	if n := c.Next(six, at("2026-09-29 15:00"), sh, cal); n.Done || !n.Callback {
		t.Errorf("a call-back after the last attempt: %+v, want kept", n)
	}
}

func TestFrequencyCap(t *testing.T) {
	sh := shanghai
	now := time.Date(2026, 9, 29, 15, 0, 0, 0, sh)
	capped := FrequencyCap{PerDay: 2, PerWeek: 3}
	earlier := []time.Time{now.Add(-48 * time.Hour), now.Add(-3 * time.Hour)}
	if !capped.Allows(earlier, now, sh) {
		t.Errorf("1 today, 2 this week: refused")
	}
	earlier = append(earlier, now.Add(-time.Hour))
	if capped.Allows(earlier, now, sh) {
		t.Errorf("2 today: allowed a third")
	}
	// yesterday 23:30 Shanghai counts for yesterday, not today; 8 days ago not in the week
	old := []time.Time{now.AddDate(0, 0, -8), time.Date(2026, 9, 28, 23, 30, 0, 0, sh), now.Add(-time.Hour)}
	if !capped.Allows(old, now, sh) {
		t.Errorf("one today, two in the week: refused")
	}
	if !(FrequencyCap{}).Allows(earlier, now, sh) {
		t.Errorf("no cap: refused")
	}
}

func TestRenderScript(t *testing.T) {
	got := RenderScript("您好，请问是{{name}}先生/女士吗？您的保单{{ policy }}将于{{expires}}到期。", map[string]string{"name": "王", "policy": "PA-2026-0017"})
	want := "您好，请问是王先生/女士吗？您的保单PA-2026-0017将于【expires】到期。"
	if got != want {
		t.Errorf("RenderScript = %q, want %q", got, want)
	}
}
