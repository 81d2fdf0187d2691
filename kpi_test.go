package callfloor

import (
	"math"
	"testing"
	"time"
)

// icmi is the ICMI example data of metrics.md: Ans 1000, Ab 60,
// Ans_T(20 s) 860, Ab_T(20 s) 20, SAb(5 s) 10.
var icmi = QueueCounters{
	Offered:          1060,
	Answered:         1000,
	Abandoned:        60,
	AnsweredWithinT:  860,
	AbandonedWithinT: 20,
	ShortAbandoned:   10,
}

func TestServiceLevelICMIVector(t *testing.T) {
	cases := []struct {
		name string
		f    func() (float64, bool)
		want string
	}{
		{"default", icmi.ServiceLevel, "81.90 %"},
		{"SL-a", icmi.SLa, "81.13 %"},
		{"SL-b", icmi.SLb, "83.02 %"},
		{"SL-c", icmi.SLc, "82.69 %"},
		{"SL-e", icmi.SLe, "86.00 %"},
	}
	for _, c := range cases {
		if got := FormatPercent(c.f()); got != c.want {
			t.Errorf("%s = %s, want %s", c.name, got, c.want)
		}
	}
}

func TestRatiosNotApplicable(t *testing.T) {
	var zero QueueCounters
	for name, f := range map[string]func() (float64, bool){
		"ServiceLevel":     zero.ServiceLevel,
		"SLa":              zero.SLa,
		"SLb":              zero.SLb,
		"SLc":              zero.SLc,
		"SLe":              zero.SLe,
		"AbandonRate":      zero.AbandonRate,
		"GrossAbandonRate": zero.GrossAbandonRate,
		"ASA":              zero.ASA,
		"AHT":              zero.AHT,
	} {
		if v, ok := f(); ok || v != 0 {
			t.Errorf("%s on empty counters = (%v, %v), want n/a", name, v, ok)
		}
	}
	// Only short abandons: the default denominator is 0, which must be n/a,
	// not 100 %.
	onlyShort := QueueCounters{Offered: 3, Abandoned: 3, ShortAbandoned: 3, AbandonedWithinT: 3}
	if got := FormatPercent(onlyShort.ServiceLevel()); got != "n/a" {
		t.Errorf("SL with only short abandons = %s, want n/a", got)
	}
	if got := FormatPercent(onlyShort.AbandonRate()); got != "n/a" {
		t.Errorf("abandon rate with only short abandons = %s, want n/a", got)
	}
	if got := FormatPercent(onlyShort.GrossAbandonRate()); got != "100.00 %" {
		t.Errorf("gross abandon rate = %s, want 100.00 %%", got)
	}
	for name, f := range map[string]func() (float64, bool){
		"Occupancy":                 func() (float64, bool) { return Occupancy(0, 0) },
		"Utilisation":               func() (float64, bool) { return Utilisation(10, 0) },
		"AnswerWithinThresholdRate": func() (float64, bool) { return AnswerWithinThresholdRate(0, 0) },
		"OutboundConnectRate":       func() (float64, bool) { return OutboundConnectRate(0, 0) },
		"CallsPerHour":              func() (float64, bool) { return CallsPerHour(5, 0) },
	} {
		if _, ok := f(); ok {
			t.Errorf("%s with zero denominator is ok, want n/a", name)
		}
	}
	if got := FormatPercent(0, false); got != "n/a" {
		t.Errorf("FormatPercent(n/a) = %q", got)
	}
}

func TestAbandonRates(t *testing.T) {
	// ICMI: (60 − 10) ÷ (1060 − 10) and 60 ÷ 1060.
	if got := FormatPercent(icmi.AbandonRate()); got != "4.76 %" {
		t.Errorf("abandon rate = %s, want 4.76 %%", got)
	}
	if got := FormatPercent(icmi.GrossAbandonRate()); got != "5.66 %" {
		t.Errorf("gross abandon rate = %s, want 5.66 %%", got)
	}
}

// Calls lost to an Asterisk crash or restart are a system fault, not callers giving up: they
// stay out of both abandon rates (numerator and denominator) and change no service level.
func TestLostCallsOutOfAbandonRate(t *testing.T) {
	c := icmi
	c.Offered += 40
	c.Lost = 40
	if got := FormatPercent(c.AbandonRate()); got != "4.76 %" {
		t.Errorf("abandon rate with 40 lost calls = %s, want 4.76 %% as without them", got)
	}
	if got := FormatPercent(c.GrossAbandonRate()); got != "5.66 %" {
		t.Errorf("gross abandon rate with 40 lost calls = %s, want 5.66 %%", got)
	}
	if got := FormatPercent(c.ServiceLevel()); got != "81.90 %" {
		t.Errorf("service level = %s", got)
	}
	var sum QueueCounters
	sum.Add(c)
	sum.Add(c)
	if sum.Lost != 80 {
		t.Errorf("Add: lost = %d, want 80", sum.Lost)
	}
}

func approx(t *testing.T, name string, got float64, ok bool, want float64) {
	t.Helper()
	if !ok || math.Abs(got-want) > 1e-9 {
		t.Errorf("%s = (%v, %v), want %v", name, got, ok, want)
	}
}

func TestTimeAndAgentMetrics(t *testing.T) {
	c := QueueCounters{
		Answered:          4,
		SumWaitAnsweredMs: 30_000, // 7.5 s each
		Handled:           4,
		SumTalkMs:         600_000,
		SumHoldMs:         60_000,
		SumWrapMs:         60_000, // (600 + 60 + 60) s ÷ 4 = 180 s
	}
	v, ok := c.ASA()
	approx(t, "ASA", v, ok, 7.5)
	v, ok = c.AHT()
	approx(t, "AHT", v, ok, 180)

	v, ok = Occupancy(45*60_000, 15*60_000)
	approx(t, "Occupancy", v, ok, 0.75)
	v, ok = Utilisation(45*60_000, 90*60_000)
	approx(t, "Utilisation", v, ok, 0.5)
	v, ok = AnswerWithinThresholdRate(9, 10)
	approx(t, "AnswerWithinThresholdRate", v, ok, 0.9)
	v, ok = OutboundConnectRate(30, 120)
	approx(t, "OutboundConnectRate", v, ok, 0.25)
	v, ok = CallsPerHour(30, 2*3_600_000+30*60_000)
	approx(t, "CallsPerHour", v, ok, 12)
}

func TestQueueCountersAdd(t *testing.T) {
	a := QueueCounters{Offered: 1, Answered: 1, AnsweredWithinT: 1, SumWaitAnsweredMs: 3000, MaxWaitMs: 3000, Handled: 1, SumTalkMs: 100}
	b := QueueCounters{Offered: 2, Abandoned: 1, ShortAbandoned: 1, AbandonedWithinT: 1, FlowedOut: 1, SumWaitAbandonedMs: 2000, MaxWaitMs: 2000, SumHoldMs: 5, SumWrapMs: 7}
	a.Add(b)
	want := QueueCounters{
		Offered: 3, Answered: 1, Abandoned: 1, ShortAbandoned: 1, AnsweredWithinT: 1, AbandonedWithinT: 1,
		FlowedOut: 1, SumWaitAnsweredMs: 3000, SumWaitAbandonedMs: 2000, SumTalkMs: 100, SumHoldMs: 5,
		SumWrapMs: 7, Handled: 1, MaxWaitMs: 3000,
	}
	if a != want {
		t.Errorf("Add = %+v\nwant %+v", a, want)
	}
	a.Add(QueueCounters{MaxWaitMs: 9000})
	if a.MaxWaitMs != 9000 {
		t.Errorf("MaxWaitMs = %d, want max 9000", a.MaxWaitMs)
	}
}

func TestClassifyInclusiveBoundaries(t *testing.T) {
	th := Thresholds{ServiceLevelT: 20 * time.Second, ShortAbandonS: 5 * time.Second}
	cases := []struct {
		waitMs        int64
		answered      bool
		withinT, shrt bool
	}{
		{20_000, true, true, false},  // exactly T counts within T
		{20_001, true, false, false}, // one ms over does not
		{20_000, false, true, false}, // abandoned at exactly T: Ab_T
		{5_000, false, true, true},   // exactly S is a short abandon
		{5_001, false, true, false},
		{5_000, true, true, false}, // answered calls are never short abandons
		{0, false, true, true},
	}
	for _, c := range cases {
		w, s := th.Classify(c.waitMs, c.answered)
		if w != c.withinT || s != c.shrt {
			t.Errorf("Classify(%d, %v) = (%v, %v), want (%v, %v)", c.waitMs, c.answered, w, s, c.withinT, c.shrt)
		}
	}
	// Sub-millisecond thresholds: 20.0005 s still admits 20 000 ms only.
	odd := Thresholds{ServiceLevelT: 20*time.Second + 500*time.Microsecond, ShortAbandonS: 5 * time.Second}
	if w, _ := odd.Classify(20_000, true); !w {
		t.Error("20000 ms should be within 20.0005 s")
	}
	if w, _ := odd.Classify(20_001, true); w {
		t.Error("20001 ms should not be within 20.0005 s")
	}
}

func TestThresholdsValidate(t *testing.T) {
	if err := (Thresholds{20 * time.Second, 5 * time.Second}).Validate(); err != nil {
		t.Errorf("defaults rejected: %v", err)
	}
	for _, bad := range []Thresholds{
		{5 * time.Second, 5 * time.Second},
		{5 * time.Second, 20 * time.Second},
		{20 * time.Second, -time.Second},
	} {
		if bad.Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
