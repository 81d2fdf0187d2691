package callfloor

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Forecast and staffing (issue 12): per interval of a day and queue, the volume and AHT expected
// from the history, the agents required for the service-level target by Erlang C and by Erlang A
// (with the callers' patience measured from the abandons), the heads to schedule after shrinkage,
// an intraday re-forecast from the morning's actuals, and the forecast's accuracy (MAPE, WAPE).

// Forecast methods, named on the page.
const (
	MethodSameWeekday = "same_weekday" // the mean of the same weekday over the last N weeks, holidays and make-up days left out
	MethodHolidays    = "holidays"     // a holiday: the mean of the last N holidays in the history
	MethodWorkdays    = "workdays"     // a make-up workday (调休): the mean of the last N regular Monday–Friday workdays
	MethodIntraday    = "intraday"     // re-forecast: the day's forecast for the rest of the day scaled by actual ÷ forecast so far
)

// SlotFigures are an interval's history: calls offered and the handled calls' handle time.
type SlotFigures struct {
	Offered     int   `json:"offered"`
	Handled     int   `json:"handled"`
	SumHandleMs int64 `json:"sum_handle_ms"`
}

// DayHistory is a queue's history by day (YYYY-MM-DD) and interval of the day (index from
// midnight, in intervals of the forecast's length).
type DayHistory map[string][]SlotFigures

// ForecastSlot is an interval's forecast.
type ForecastSlot struct {
	Slot       int     `json:"slot"`
	Volume     float64 `json:"volume"`
	AHTSeconds float64 `json:"aht_seconds"` // 0 when no handled call in the basis
}

// DayForecast is a day's forecast for a queue.
type DayForecast struct {
	Day    string         `json:"day"`
	Method string         `json:"method"`
	Basis  []string       `json:"basis"` // the history days it averages
	Slots  []ForecastSlot `json:"slots"`
}

// ForecastDay forecasts day from the history: slots intervals a day, basis of up to weeks days of
// the same class (see the methods), only days before day. No basis day: every slot 0 and Basis
// empty (the page says "no history").
func ForecastDay(hist DayHistory, day string, slots, weeks int, cal HolidayCalendar) DayForecast {
	f := DayForecast{Day: day, Basis: []string{}}
	var pick func(d string) bool
	switch c, ok := cal[day]; {
	case ok && c.Kind == DayHoliday:
		f.Method = MethodHolidays
		pick = func(d string) bool { return cal.IsHoliday(d) }
	case ok && c.Kind == DayWorkday:
		f.Method = MethodWorkdays
		pick = func(d string) bool {
			_, special := cal[d]
			wd := weekdayOf(d)
			return !special && wd != time.Saturday && wd != time.Sunday
		}
	default:
		f.Method = MethodSameWeekday
		wd := weekdayOf(day)
		pick = func(d string) bool { _, special := cal[d]; return !special && weekdayOf(d) == wd }
	}
	// walk back a day at a time, at most a year
	for i := 1; i <= 366 && len(f.Basis) < weeks; i++ {
		d := AddDays(day, -i)
		if _, has := hist[d]; has && pick(d) {
			f.Basis = append(f.Basis, d)
		}
	}
	f.Slots = make([]ForecastSlot, slots)
	for s := range slots {
		var offered float64
		var handled int
		var sum int64
		for _, d := range f.Basis {
			if s < len(hist[d]) {
				offered += float64(hist[d][s].Offered)
				handled += hist[d][s].Handled
				sum += hist[d][s].SumHandleMs
			}
		}
		f.Slots[s] = ForecastSlot{Slot: s}
		if n := len(f.Basis); n > 0 {
			f.Slots[s].Volume = offered / float64(n)
		}
		if handled > 0 {
			f.Slots[s].AHTSeconds = float64(sum) / float64(handled) / 1000
		}
	}
	return f
}

// Reforecast scales the forecast of the slots from `from` on by the ratio of the actual calls to
// the forecast ones in the slots before it (bounded to 0.5–2, so one odd morning does not double
// the evening); the slots before `from` become the actuals.
func Reforecast(f DayForecast, actual []SlotFigures, from int) DayForecast {
	out := DayForecast{Day: f.Day, Method: MethodIntraday, Basis: f.Basis, Slots: slices.Clone(f.Slots)}
	var a, p float64
	for s := 0; s < from && s < len(out.Slots); s++ {
		if s < len(actual) {
			a += float64(actual[s].Offered)
			out.Slots[s].Volume = float64(actual[s].Offered)
			if actual[s].Handled > 0 {
				out.Slots[s].AHTSeconds = float64(actual[s].SumHandleMs) / float64(actual[s].Handled) / 1000
			}
		}
		p += f.Slots[s].Volume
	}
	ratio := 1.0
	if p > 0 {
		ratio = math.Min(2, math.Max(0.5, a/p))
	}
	for s := from; s < len(out.Slots); s++ {
		out.Slots[s].Volume *= ratio
	}
	return out
}

// ForecastAccuracy compares forecast volumes with what happened: MAPE (mean of |a − f| ÷ a over
// the intervals with calls; ok false when none had calls) and WAPE (Σ|a − f| ÷ Σa).
type ForecastAccuracy struct {
	MAPE     float64 `json:"mape"`
	MAPEOk   bool    `json:"mape_ok"`
	MAPESlot int     `json:"mape_slots"` // its denominator: intervals with calls
	WAPE     float64 `json:"wape"`
	WAPEOk   bool    `json:"wape_ok"`
	Actual   int     `json:"actual"` // WAPE's denominator: calls
}

// Accuracy of a forecast against the actual calls per interval.
func Accuracy(f []ForecastSlot, actual []SlotFigures) ForecastAccuracy {
	var r ForecastAccuracy
	var sumAbs, sumPct float64
	for i, s := range f {
		var a float64
		if i < len(actual) {
			a = float64(actual[i].Offered)
		}
		d := math.Abs(a - s.Volume)
		sumAbs += d
		r.Actual += int(a)
		if a > 0 {
			sumPct += d / a
			r.MAPESlot++
		}
	}
	if r.MAPESlot > 0 {
		r.MAPE, r.MAPEOk = sumPct/float64(r.MAPESlot), true
	}
	if r.Actual > 0 {
		r.WAPE, r.WAPEOk = sumAbs/float64(r.Actual), true
	}
	return r
}

// Patience estimates the callers' mean patience (exponential, censored by answers): the total time
// every caller waited (answered or not) divided by the number who abandoned. ok false without
// abandons (patience not measurable: Erlang A cannot be used, say so).
func Patience(sumWaitAnsweredMs, sumWaitAbandonedMs, abandoned int64) (time.Duration, bool) {
	if abandoned <= 0 {
		return 0, false
	}
	return time.Duration((sumWaitAnsweredMs+sumWaitAbandonedMs)/abandoned) * time.Millisecond, true
}

// StaffingSlot is an interval's staffing.
type StaffingSlot struct {
	Slot       int     `json:"slot"`
	Volume     float64 `json:"volume"`
	AHTSeconds float64 `json:"aht_seconds"`
	Traffic    float64 `json:"traffic"` // Erlangs
	// Erlang C: the agents required (nil: no calls, or the target cannot be met), and its SL.
	ErlangC   *int     `json:"erlang_c,omitempty"`
	ErlangCSL *float64 `json:"erlang_c_sl,omitempty"`
	// Erlang A with the measured patience (nil without a patience).
	ErlangA   *int     `json:"erlang_a,omitempty"`
	ErlangASL *float64 `json:"erlang_a_sl,omitempty"`
	// Scheduled is the Erlang C requirement after shrinkage; Rostered the heads on the roster.
	Scheduled int `json:"scheduled"`
	Rostered  int `json:"rostered"`
}

// StaffingParams are a queue's staffing inputs.
type StaffingParams struct {
	Interval     time.Duration // the slot's length
	Threshold    time.Duration // T
	ServiceLevel float64       // target fraction
	Shrinkage    float64       // 0–1
	Patience     time.Duration // 0: no Erlang A
	MaxOccupancy float64       // optional
}

// Staffing turns a day's forecast into required and scheduled agents per slot. rostered, if given,
// is the heads on the roster per slot.
func Staffing(f DayForecast, p StaffingParams, rostered []int) ([]StaffingSlot, error) {
	if p.Interval <= 0 {
		return nil, invalid("interval", "must be above 0").With(CodeOutOfRange, Params{"min": 0})
	}
	if !(p.ServiceLevel > 0 && p.ServiceLevel < 1) {
		return nil, invalid("service_level", "must be between 0 and 1, got %v", p.ServiceLevel).With(CodeOutOfRange, Params{"min": 0, "max": 1, "value": p.ServiceLevel})
	}
	if !(p.Shrinkage >= 0 && p.Shrinkage < 1) {
		return nil, invalid("shrinkage", "must be 0 or more and below 1, got %v", p.Shrinkage).With(CodeOutOfRange, Params{"min": 0, "max": 1, "value": p.Shrinkage})
	}
	out := make([]StaffingSlot, len(f.Slots))
	for i, s := range f.Slots {
		st := StaffingSlot{Slot: s.Slot, Volume: s.Volume, AHTSeconds: s.AHTSeconds}
		if i < len(rostered) {
			st.Rostered = rostered[i]
		}
		out[i] = st
		if s.Volume <= 0 || s.AHTSeconds <= 0 {
			continue
		}
		aht := time.Duration(s.AHTSeconds * float64(time.Second))
		a, err := OfferedLoad(s.Volume, aht, p.Interval)
		if err != nil {
			return nil, fmt.Errorf("slot %d: %w", s.Slot, err)
		}
		out[i].Traffic = a
		if r, err := RequiredAgents(StaffingTarget{Traffic: a, AHT: aht, Threshold: p.Threshold, ServiceLevel: p.ServiceLevel, MaxOccupancy: p.MaxOccupancy}); err == nil {
			n, sl := r.Agents, r.ServiceLevel
			out[i].ErlangC, out[i].ErlangCSL = &n, &sl
			if out[i].Scheduled, err = ScheduledAgents(n, p.Shrinkage); err != nil {
				return nil, err
			}
		}
		if p.Patience > 0 {
			if n, sl, ok := requiredErlangA(a, aht, p.Patience, p.Threshold, p.ServiceLevel); ok {
				out[i].ErlangA, out[i].ErlangASL = &n, &sl
			}
		}
	}
	return out, nil
}

// requiredErlangA is the smallest N whose Erlang A service level meets the target (callers who
// abandon make it reachable with fewer agents than Erlang C, even N ≤ A).
func requiredErlangA(a float64, aht, patience, t time.Duration, target float64) (int, float64, bool) {
	limit := int(math.Ceil(a))*2 + 50
	lo, hi := 1, limit
	r, err := ErlangA(a, hi, aht, patience, t)
	if err != nil || r.ServiceLevel < target {
		return 0, 0, false
	}
	sl := r.ServiceLevel
	for lo < hi { // SL grows with N: bisect
		mid := (lo + hi) / 2
		r, err := ErlangA(a, mid, aht, patience, t)
		if err != nil {
			return 0, 0, false
		}
		if r.ServiceLevel >= target {
			hi, sl = mid, r.ServiceLevel
		} else {
			lo = mid + 1
		}
	}
	return hi, sl, true
}
