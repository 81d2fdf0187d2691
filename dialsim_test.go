package callfloor

import (
	"fmt"
	"testing"
	"time"
)

// benchDay is issue 13's benchmark day: 100 agents, a quarter of dials answered, talk 2–4 min,
// wrap-up 20 s, 8 hours.
func benchDay(seed uint64) DialerDay {
	return DialerDay{Agents: 100, Length: 8 * time.Hour, Customers: TelesalesCustomers,
		Talk: [2]time.Duration{2 * time.Minute, 4 * time.Minute}, Wrap: 20 * time.Second,
		DropWait: 2 * time.Second, Tick: time.Second, Seed: seed}
}

func simulate(t testing.TB, d DialerDay, mode PacingMode) DialerDayResult {
	p, err := NewPacer(mode, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return d.Simulate(p)
}

func TestDialerDayIsReproducible(t *testing.T) {
	d := benchDay(3)
	d.Agents, d.Length = 20, 30*time.Minute
	a, b := simulate(t, d, PacePredictive), simulate(t, d, PacePredictive)
	if a != b {
		t.Errorf("the same seed gave %+v then %+v", a, b)
	}
	// a progressive dialler never drops anyone, and every answer reaches an agent
	if r := simulate(t, d, PaceProgressive); r.Dropped != 0 || r.Connected != r.Answered || r.PeakLines > d.Agents {
		t.Errorf("progressive: %+v", r)
	}
}

// Predictive pacing keeps the drop rate under 3 % and the agents talking more than the
// progressive and the fixed-ratio diallers at the same drop rate (2 simulated hours here;
// BenchmarkDialerDay runs the 8-hour day of BENCHMARKS.md).
func TestPredictiveBeatsProgressiveAndRatio(t *testing.T) {
	d := benchDay(1)
	d.Length = 2 * time.Hour
	prog := simulate(t, d, PaceProgressive)
	pred := simulate(t, d, PacePredictive)
	ratio, fixed := d.TuneRatio(pred.DropRate)
	t.Logf("progressive %+v\npredictive %+v\nratio %.2f %+v", prog, pred, ratio, fixed)
	if pred.DropRate > DefaultDropTarget {
		t.Errorf("predictive drop rate %.4f over the 3 %% target", pred.DropRate)
	}
	if pred.TalkShare < 1.2*prog.TalkShare {
		t.Errorf("predictive talk share %.3f, want at least 1.2× progressive's %.3f", pred.TalkShare, prog.TalkShare)
	}
	if pred.TalkShare <= fixed.TalkShare {
		t.Errorf("predictive talk share %.3f not above the fixed ratio %.2f's %.3f at drop rate ≤ %.4f", pred.TalkShare, ratio, fixed.TalkShare, pred.DropRate)
	}
}

// Whatever the floor's size and the list's answer rate, the day's drop rate stays under the
// target (the pacer starts from a prior of 30 % answered and learns the rest).
func TestPredictiveDropRateAcrossFloorsAndLists(t *testing.T) {
	for _, agents := range []int{10, 40, 100} {
		for _, answer := range []float64{0.10, 0.50} {
			t.Run(fmt.Sprintf("%d agents, %.0f%% answered", agents, answer*100), func(t *testing.T) {
				d := benchDay(11)
				d.Agents, d.Length = agents, 2*time.Hour
				m := TelesalesCustomers
				m.NoAnswer += m.Answer - answer
				m.Answer = answer
				d.Customers = m
				prog, pred := simulate(t, d, PaceProgressive), simulate(t, d, PacePredictive)
				if pred.DropRate > DefaultDropTarget {
					t.Errorf("drop rate %.4f (%d of %d answered) over 3 %%", pred.DropRate, pred.Dropped, pred.Answered)
				}
				if pred.TalkShare <= prog.TalkShare {
					t.Errorf("talk share %.3f not above progressive's %.3f", pred.TalkShare, prog.TalkShare)
				}
			})
		}
	}
}

// BenchmarkDialerDay is issue 13's benchmark: the same simulated 8-hour day of 100 agents
// dialled progressively, at the fixed ratio tuned to predictive's drop rate, and predictively.
func BenchmarkDialerDay(b *testing.B) {
	d := benchDay(1)
	var pred DialerDayResult
	report := func(b *testing.B, r DialerDayResult) {
		b.ReportMetric(float64(r.Dials), "dials")
		b.ReportMetric(float64(r.Connected), "connects")
		b.ReportMetric(r.TalkShare*100, "talk%")
		b.ReportMetric(r.WaitBetween.Seconds(), "wait-s/call")
		b.ReportMetric(r.DropRate*100, "drop%")
	}
	b.Run("progressive", func(b *testing.B) {
		for b.Loop() {
			report(b, simulate(b, d, PaceProgressive))
		}
	})
	b.Run("predictive", func(b *testing.B) {
		for b.Loop() {
			pred = simulate(b, d, PacePredictive)
			report(b, pred)
		}
	})
	b.Run("ratio-at-same-drop", func(b *testing.B) {
		for b.Loop() {
			r, res := d.TuneRatio(pred.DropRate)
			b.ReportMetric(r, "ratio")
			report(b, res)
		}
	})
}
