package callfloor

import (
	"math"
	"testing"
	"time"
)

func TestNewPacerRefusesBadSettings(t *testing.T) {
	for _, c := range []struct {
		mode          PacingMode
		ratio, target float64
	}{
		{"turbo", 0, 0}, {PacePredictive, 0, -0.01}, {PacePredictive, 0, 0.6}, {PacePredictive, 0, math.NaN()},
		{PaceRatio, 0.5, 0}, {PaceRatio, 25, 0},
	} {
		if _, err := NewPacer(c.mode, c.ratio, c.target); err == nil {
			t.Errorf("NewPacer(%q, %v, %v) accepted", c.mode, c.ratio, c.target)
		}
	}
	p, err := NewPacer(PacePredictive, 0, 0)
	if err != nil || p.DropTarget != DefaultDropTarget {
		t.Fatalf("default target: %v %v", p, err)
	}
}

func TestPacingSimpleModes(t *testing.T) {
	prev, _ := NewPacer(PacePreview, 0, 0)
	prog, _ := NewPacer(PaceProgressive, 0, 0)
	ratio, _ := NewPacer(PaceRatio, 2.5, 0)
	s := PacingState{Agents: 10, Free: 4, Busy: make([]time.Duration, 6), Ringing: 1}
	if n := prev.Dials(s); n != 0 {
		t.Errorf("preview dials %d, want 0 (the agent dials)", n)
	}
	if n := prog.Dials(s); n != 3 {
		t.Errorf("progressive dials %d, want 3 (one line per free agent, 1 ringing)", n)
	}
	if n := ratio.Dials(s); n != 9 {
		t.Errorf("ratio 2.5 dials %d, want 9 (10 lines for 4 free agents, 1 ringing)", n)
	}
	s.Ringing = 12
	if n := ratio.Dials(s); n != 0 {
		t.Errorf("ratio with more lines than it wants dials %d", n)
	}
	// never more lines than MaxLines per logged-in agent
	big, _ := NewPacer(PaceRatio, 20, 0)
	if n := big.Dials(PacingState{Agents: 10, Free: 10}); n != 50 {
		t.Errorf("ratio 20 on 10 agents dials %d, want the cap of 50", n)
	}
}

// measured feeds a pacer n dials with the given answer rate and answer delay, and handle
// times of exactly h.
func measured(p *Pacer, n int, rate float64, delay, h time.Duration) {
	for i := range n {
		answered := float64(i%100) < rate*100
		ring := 25 * time.Second
		if answered {
			ring = delay
		}
		p.results.add(DialOutcome{Answered: answered, Ring: ring})
		if answered {
			p.delays.add(ring)
		}
	}
	for range 100 {
		p.Handled(h)
	}
}

func TestPredictiveDialsAheadOnlyWhenAgentsWillBeFree(t *testing.T) {
	p, _ := NewPacer(PacePredictive, 0, 0)
	if n := p.Dials(PacingState{Agents: 10, Free: 3}); n != 3 {
		t.Errorf("learning: dials %d, want 3 (progressive until %d dials are measured)", n, learnDials)
	}
	measured(p, 400, 0.25, 10*time.Second, 200*time.Second)
	if q := p.AnswerRate(); math.Abs(q-0.25) > 0.02 {
		t.Errorf("answer rate %.3f, want ≈ 0.25", q)
	}
	// all 10 agents in calls that just started (handle times are always 200 s): nobody is
	// free within the 10 s an answer takes, so nothing is dialled
	busy := make([]time.Duration, 10)
	if n := p.Dials(PacingState{Agents: 10, Busy: busy}); n != 0 {
		t.Errorf("every agent busy for 190 s more: dials %d, want 0", n)
	}
	// the same agents 195 s into their calls: all will be free before an answer comes
	for i := range busy {
		busy[i] = 195 * time.Second
	}
	n := p.Dials(PacingState{Agents: 10, Busy: busy})
	if n < 10 || n > 40 {
		t.Errorf("10 agents about to be free, answer rate 25 %%: dials %d, want ahead of them (10–40)", n)
	}
	// 5 free agents: more than 5 lines (a quarter answer), but the chance that the last line
	// finds nobody stays under the target
	m := p.Dials(PacingState{Agents: 5, Free: 5})
	if m <= 5 || m >= 40 {
		t.Errorf("5 free agents: dials %d, want more than 5 and far fewer than 40", m)
	}
	q := p.cautiousAnswerRate()
	if c := noAgentChance(convolveBinomial([]float64{1}, m-1, q), poissonBinomial(nil, 5)); c > p.DropTarget*math.Exp(p.logGain) {
		t.Errorf("the last line's chance of no agent %.3f over the target", c)
	}
	if c := noAgentChance(convolveBinomial([]float64{1}, m, q), poissonBinomial(nil, 5)); c <= p.DropTarget*math.Exp(p.logGain) {
		t.Errorf("one line more (chance %.3f) would still be under the target: dials too few", c)
	}
}

func TestPredictiveCountsOldRingingLinesAsUnlikelyAnswers(t *testing.T) {
	p, _ := NewPacer(PacePredictive, 0, 0)
	measured(p, 400, 0.25, 10*time.Second, 200*time.Second) // answers come by 10 s, failures at 25 s
	young := p.Dials(PacingState{Agents: 10, Free: 10, Ringing: 20, RingAges: make([]time.Duration, 20)})
	old := make([]time.Duration, 20)
	for i := range old {
		old[i] = 20 * time.Second // past every measured answer: they will ring out
	}
	aged := p.Dials(PacingState{Agents: 10, Free: 10, Ringing: 20, RingAges: old})
	if aged <= young {
		t.Errorf("20 lines ringing for 20 s (past every answer seen): dials %d, want more than with 20 fresh lines (%d)", aged, young)
	}
	if c := p.answerChance(0.25)(20 * time.Second); c > 0.05 {
		t.Errorf("answer chance after 20 s of ringing %.3f, want ≈ 0", c)
	}
}

// A list whose customers answer in a third of a second (the real-time simulator's) is paced on
// its own answer delay, not on the 10 s prior: with every agent in a call of 2.5 s for at least
// half a second more and customers already waiting for an agent, nobody will be free by the
// next answer, and nothing is dialled. (The prior, weighing like 20 answers, made the horizon
// 2 s after 100 answers: every agent counted as about to be free, and the customers dialled
// then were dropped.)
func TestPredictiveHorizonIsTheMeasuredAnswerDelay(t *testing.T) {
	p, _ := NewPacer(PacePredictive, 0, 0)
	if d := p.AnswerDelay(); d != priorDelay {
		t.Errorf("answer delay with nothing measured %v, want the prior %v", d, priorDelay)
	}
	measured(p, 8, 0.625, 350*time.Millisecond, 2500*time.Millisecond)
	if d := p.AnswerDelay(); d <= 350*time.Millisecond || d >= priorDelay {
		t.Errorf("answer delay after 5 answers %v, want between the measured 350ms and the prior", d)
	}
	measured(p, 400, 0.625, 350*time.Millisecond, 2500*time.Millisecond)
	if d := p.AnswerDelay(); d != 350*time.Millisecond {
		t.Errorf("answer delay after 250 answers of 350ms: %v", d)
	}
	busy := make([]time.Duration, 8) // 1.3–2.0 s into calls of 2.5 s
	for i := range busy {
		busy[i] = 1300*time.Millisecond + time.Duration(i)*100*time.Millisecond
	}
	ages := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 600 * time.Millisecond, 1200 * time.Millisecond, 1300 * time.Millisecond}
	if n := p.Dials(PacingState{Agents: 8, Busy: busy, Ringing: 5, RingAges: ages, Waiting: 4}); n != 0 {
		t.Errorf("every agent busy for 0.5 s more, 4 customers waiting: dials %d, want 0", n)
	}
	// every agent 2.2–2.4 s into their call: all will be free within the answer delay
	for i := range busy {
		busy[i] = 2200*time.Millisecond + time.Duration(i)*30*time.Millisecond
	}
	if n := p.Dials(PacingState{Agents: 8, Busy: busy}); n < 8 {
		t.Errorf("8 agents about to be free, nothing ringing: dials %d, want at least 8", n)
	}
}

func TestPacerDropControllerPullsBack(t *testing.T) {
	p, _ := NewPacer(PacePredictive, 0, 0)
	measured(p, 400, 0.25, 10*time.Second, 200*time.Second)
	s := PacingState{Agents: 20, Free: 10, Busy: make([]time.Duration, 10)}
	before := p.Dials(s)
	for range 10 {
		p.Dialled(DialOutcome{Answered: true, Dropped: true, Ring: 10 * time.Second})
	}
	for range 30 {
		p.Dialled(DialOutcome{Answered: true, Ring: 10 * time.Second})
	}
	if r, n := p.DayDropRate(); n != 40 || r != 0.25 {
		t.Errorf("day drop rate %.3f over %d", r, n)
	}
	if after := p.Dials(s); after >= before {
		t.Errorf("after dropping a quarter of the day's answers: dials %d, want fewer than %d", after, before)
	}
	p.NewDay()
	if r, n := p.DayDropRate(); n != 0 || r != 0 {
		t.Errorf("new day: %v %d", r, n)
	}
}

// The distributions the pacer sums, against brute force.
func TestPacingDistributions(t *testing.T) {
	ps := []float64{0.1, 0.5, 0.9, 0.3}
	got := poissonBinomial(ps, 2)
	want := make([]float64, 2+len(ps)+1)
	for mask := range 1 << len(ps) {
		pr, k := 1.0, 0
		for i, p := range ps {
			if mask&(1<<i) != 0 {
				pr *= p
				k++
			} else {
				pr *= 1 - p
			}
		}
		want[2+k] += pr
	}
	for k := range want {
		if math.Abs(got[k]-want[k]) > 1e-12 {
			t.Errorf("poissonBinomial[%d] = %v, want %v", k, got[k], want[k])
		}
	}
	// X = 1 customer waiting + Binomial(3, 0.5); A = 2 or 3 agents, even odds
	x := convolveBinomial([]float64{0, 1}, 3, 0.5) // P(X=1..4) = 1/8, 3/8, 3/8, 1/8
	a := []float64{0, 0, 0.5, 0.5}
	// P(X ≥ A) = ½·P(X ≥ 2) + ½·P(X ≥ 3) = ½·7/8 + ½·4/8
	if c := noAgentChance(x, a); math.Abs(c-11.0/16) > 1e-12 {
		t.Errorf("noAgentChance = %v, want 11/16", c)
	}
}
