package callfloor

import (
	"math"
	"math/rand"
	"testing"
	"time"
)

// A known weekly pattern: a weekday's level times an intraday shape (48 half hours), Poisson
// noise around it.
var (
	weekLevel = map[time.Weekday]float64{time.Monday: 1.3, time.Tuesday: 1.1, time.Wednesday: 1, time.Thursday: 1,
		time.Friday: 1.05, time.Saturday: 0.6, time.Sunday: 0.4}
	slotsPerDay = 48
)

func trueVolume(day string, slot int) float64 {
	h := float64(slot) / 2
	if h < 8 || h >= 22 {
		return 0
	}
	shape := 30 + 50*math.Exp(-(h-10.5)*(h-10.5)/3) + 40*math.Exp(-(h-15)*(h-15)/4)
	return shape * weekLevel[weekdayOf(day)]
}

func poisson(r *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean > 30 { // normal approximation
		return max(0, int(math.Round(mean+math.Sqrt(mean)*r.NormFloat64())))
	}
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func generated(t *testing.T, from, to string, cal HolidayCalendar, holidayFactor float64) DayHistory {
	t.Helper()
	r := rand.New(rand.NewSource(7))
	h := DayHistory{}
	for _, d := range Days(from, to) {
		slots := make([]SlotFigures, slotsPerDay)
		for s := range slots {
			mean := trueVolume(d, s)
			if cal.IsHoliday(d) {
				mean *= holidayFactor
			}
			n := poisson(r, mean)
			slots[s] = SlotFigures{Offered: n, Handled: n, SumHandleMs: int64(n) * 200_000}
		}
		h[d] = slots
	}
	return h
}

func truth(day string) []SlotFigures {
	out := make([]SlotFigures, slotsPerDay)
	for s := range out {
		out[s].Offered = int(math.Round(trueVolume(day, s)))
	}
	return out
}

// The forecast recovers a known weekly pattern from six weeks of noisy history: WAPE against the
// true means under 8 %, every weekday (Poisson noise averaged over six days: 4–6 % measured;
// averaging all days instead of the same weekday gives 15–60 %).
func TestForecastRecoversWeeklyPattern(t *testing.T) {
	cal := nationalDay(t)
	hist := generated(t, "2026-10-12", "2026-11-29", cal, 0.3)
	for _, day := range Days("2026-11-30", "2026-12-06") {
		f := ForecastDay(hist, day, slotsPerDay, 6, cal)
		if f.Method != MethodSameWeekday || len(f.Basis) != 6 {
			t.Fatalf("%s: %s over %v", day, f.Method, f.Basis)
		}
		for _, b := range f.Basis {
			if weekdayOf(b) != weekdayOf(day) {
				t.Fatalf("%s: basis %s is another weekday", day, b)
			}
		}
		acc := Accuracy(f.Slots, truth(day))
		if !acc.WAPEOk || acc.WAPE > 0.08 {
			t.Errorf("%s (%s): WAPE %.3f against the true pattern", day, weekdayOf(day), acc.WAPE)
		}
		if f.Slots[20].AHTSeconds != 200 {
			t.Fatalf("AHT %v", f.Slots[20].AHTSeconds)
		}
	}
}

// Holidays are left out of a normal day's basis; a holiday is forecast from holidays; a make-up
// workday from regular workdays.
func TestForecastHolidayAware(t *testing.T) {
	cal := nationalDay(t)
	hist := generated(t, "2026-08-01", "2026-10-31", cal, 0.3)
	// Thursday 15 October: the Thursdays before it, not 1 October (a holiday)
	f := ForecastDay(hist, "2026-10-15", slotsPerDay, 4, cal)
	want := []string{"2026-10-08", "2026-09-24", "2026-09-17", "2026-09-10"}
	if len(f.Basis) != 4 {
		t.Fatalf("basis %v", f.Basis)
	}
	for i := range want {
		if f.Basis[i] != want[i] {
			t.Fatalf("basis %v, want %v", f.Basis, want)
		}
	}
	// a holiday next year from this year's holidays: their low volume, not a normal day's
	cal2 := nationalDay(t)
	cal2["2026-11-11"] = CalendarDay{Day: "2026-11-11", Kind: DayHoliday, Name: "test"}
	hf := ForecastDay(hist, "2026-11-11", slotsPerDay, 4, cal2)
	if hf.Method != MethodHolidays || len(hf.Basis) != 4 || hf.Basis[0] != "2026-10-07" {
		t.Fatalf("holiday: %s %v", hf.Method, hf.Basis)
	}
	normal := ForecastDay(hist, "2026-11-04", slotsPerDay, 4, cal)
	if sum(hf.Slots) > 0.5*sum(normal.Slots) {
		t.Fatalf("the holiday's forecast %v is not the holidays' level (normal %v)", sum(hf.Slots), sum(normal.Slots))
	}
	mf := ForecastDay(hist, "2026-10-10", slotsPerDay, 5, cal) // Saturday worked
	if mf.Method != MethodWorkdays || mf.Basis[0] != "2026-10-09" || weekdayOf(mf.Basis[4]) == time.Saturday {
		t.Fatalf("make-up workday: %s %v", mf.Method, mf.Basis)
	}
	if none := ForecastDay(DayHistory{}, "2026-11-04", 4, 4, cal); len(none.Basis) != 0 || none.Slots[0].Volume != 0 {
		t.Fatalf("no history: %+v", none)
	}
}

func sum(s []ForecastSlot) float64 {
	var v float64
	for _, x := range s {
		v += x.Volume
	}
	return v
}

func TestReforecastAndAccuracy(t *testing.T) {
	f := DayForecast{Day: "2026-11-04", Slots: []ForecastSlot{{Volume: 10}, {Volume: 20}, {Volume: 30}, {Volume: 40}}}
	actual := []SlotFigures{{Offered: 12}, {Offered: 24}}
	r := Reforecast(f, actual, 2)
	if r.Method != MethodIntraday || r.Slots[0].Volume != 12 || r.Slots[1].Volume != 24 || math.Abs(r.Slots[2].Volume-36) > 1e-9 || math.Abs(r.Slots[3].Volume-48) > 1e-9 {
		t.Fatalf("re-forecast ×1.2: %+v", r.Slots)
	}
	if f.Slots[2].Volume != 30 {
		t.Fatal("the forecast was changed in place")
	}
	if r := Reforecast(f, []SlotFigures{{Offered: 100}, {Offered: 100}}, 2); r.Slots[3].Volume != 80 {
		t.Fatalf("the ratio is bounded at 2: %+v", r.Slots)
	}
	// MAPE over the intervals with calls: (2/12 + 5/15) ÷ 2 = 0.25; WAPE 7 ÷ 27
	acc := Accuracy([]ForecastSlot{{Volume: 10}, {Volume: 20}, {Volume: 0}}, []SlotFigures{{Offered: 12}, {Offered: 15}, {Offered: 0}})
	if !acc.MAPEOk || math.Abs(acc.MAPE-0.25) > 1e-12 || acc.MAPESlot != 2 || math.Abs(acc.WAPE-7.0/27) > 1e-12 || acc.Actual != 27 {
		t.Fatalf("%+v", acc)
	}
	if acc := Accuracy([]ForecastSlot{{Volume: 3}}, []SlotFigures{{Offered: 0}}); acc.MAPEOk || acc.WAPEOk {
		t.Fatalf("no calls: n/a, %+v", acc)
	}
}

// metrics.md's worked numbers: 100 calls in 30 min, AHT 180 s, 80 % in 20 s → 14 agents (SL
// 0.8884), 20 scheduled at 30 % shrinkage; with a 5-minute patience Erlang A needs fewer.
func TestStaffingWorkedNumbers(t *testing.T) {
	f := DayForecast{Slots: []ForecastSlot{{Slot: 0, Volume: 100, AHTSeconds: 180}, {Slot: 1}}}
	p := StaffingParams{Interval: 30 * time.Minute, Threshold: 20 * time.Second, ServiceLevel: 0.8, Shrinkage: 0.3, Patience: 5 * time.Minute}
	st, err := Staffing(f, p, []int{18, 2})
	if err != nil {
		t.Fatal(err)
	}
	s := st[0]
	if s.Traffic != 10 || s.ErlangC == nil || *s.ErlangC != 14 || math.Abs(*s.ErlangCSL-0.8884) > 5e-5 || s.Scheduled != 20 || s.Rostered != 18 {
		t.Fatalf("%+v", s)
	}
	if s.ErlangA == nil || *s.ErlangA > 14 || *s.ErlangASL < 0.8 {
		t.Fatalf("Erlang A %v", s.ErlangA)
	}
	below, _ := ErlangA(10, *s.ErlangA-1, 180*time.Second, 5*time.Minute, 20*time.Second)
	if below.ServiceLevel >= 0.8 {
		t.Fatalf("Erlang A's %d is not the smallest: %d agents give %v", *s.ErlangA, *s.ErlangA-1, below.ServiceLevel)
	}
	at14, _ := ErlangA(10, 14, 180*time.Second, 5*time.Minute, 20*time.Second)
	if math.Abs(at14.ServiceLevel-0.916792) > 1e-6 {
		t.Fatalf("Erlang A at 14: %v", at14.ServiceLevel)
	}
	if st[1].ErlangC != nil || st[1].Scheduled != 0 || st[1].Rostered != 2 {
		t.Fatalf("an interval without calls needs nobody: %+v", st[1])
	}
	p.MaxOccupancy = 0.7
	if st, _ := Staffing(f, p, nil); *st[0].ErlangC != 15 || st[0].Scheduled != 22 {
		t.Fatalf("max occupancy 0.70: %+v", st[0])
	}
	if _, err := Staffing(f, StaffingParams{Interval: 30 * time.Minute, ServiceLevel: 1.2}, nil); qaErrField(err) != "service_level" {
		t.Fatalf("%v", err)
	}
	if pt, ok := Patience(40_000, 20_000, 3); !ok || pt != 20*time.Second {
		t.Fatalf("patience %v", pt)
	}
	if _, ok := Patience(40_000, 0, 0); ok {
		t.Fatal("no abandons: no patience")
	}
}
