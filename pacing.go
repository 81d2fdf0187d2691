package callfloor

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"
)

// Pacing decides how many numbers an outbound campaign dials now (issue 13). A dialler asks it
// about once a second and after every event that changes the floor (an agent frees up, a dial
// ends).
//
//   - preview: never dials by itself; the agent reads the lead and presses dial.
//   - progressive: one call in progress per free agent; never drops a customer but leaves the
//     agent waiting through every ring, busy tone and no-answer.
//   - ratio: a fixed number of lines per free agent (VICIdial's "dial level"); the baseline that
//     predictive pacing is measured against.
//   - predictive: dials ahead for the agents who will be free by the time a dial is answered,
//     from the measured answer rate, answer delay and handle times, as far as the expected share
//     of dropped customers (answered with no agent free) stays under the campaign's target; a
//     feedback loop on the dials' real outcomes holds the day's drop rate at the target.
type PacingMode string

const (
	PacePreview     PacingMode = "preview"
	PaceProgressive PacingMode = "progressive"
	PaceRatio       PacingMode = "ratio"
	PacePredictive  PacingMode = "predictive"
)

// PacingModes lists the modes a campaign may use, in the order a form offers them.
var PacingModes = []PacingMode{PacePreview, PaceProgressive, PacePredictive, PaceRatio}

// DefaultDropTarget is the share of answered calls a predictive campaign may drop over a day
// unless the campaign says otherwise: 3 %, the common regulatory ceiling (Ofcom, the FTC's TSR).
const DefaultDropTarget = 0.03

// PacingState is the floor as the dialler sees it at one instant, for one campaign.
type PacingState struct {
	Agents   int             // logged in and serving the campaign: free + busy
	Free     int             // ready for the campaign's next call now
	Busy     []time.Duration // for every other agent: how long their present call (talk + wrap-up) has lasted
	Ringing  int             // dials placed and not yet answered or ended
	RingAges []time.Duration // optional: how long each of those has rung (a line ringing past the usual answer times will rarely be answered)
	Waiting  int             // customers answered and waiting (briefly) for an agent
}

// DialOutcome is what became of one dial.
type DialOutcome struct {
	Answered bool          // the customer picked up
	Dropped  bool          // answered while no agent was free: the message was played and the call ended
	Ring     time.Duration // from the dial to the answer (or to the failure: busy, no answer, …)
}

// Pacer holds one campaign's pacing settings and the statistics it measures from the outcomes.
// Its methods are not safe for concurrent use: one campaign's dialler owns it.
type Pacer struct {
	Mode       PacingMode
	Ratio      float64 // lines per free agent (ratio mode)
	DropTarget float64 // the day's dropped ÷ answered must stay at or under this (predictive)
	MaxLines   float64 // at most this many dials in progress per logged-in agent (default 5)
	LearnDials int     // completed dials measured before predictive dials ahead (0: 200)

	results  ring[DialOutcome]   // the last completed dials
	delays   ring[time.Duration] // ring time of the last answered dials
	handles  ring[time.Duration] // the last connected calls' talk + wrap-up
	sorted   []time.Duration     // handles, sorted (rebuilt when stale)
	stale    bool
	logGain  float64 // the drop controller's state: the target is scaled by exp(logGain)
	answered int     // today
	dropped  int     // today
}

// NewPacer returns a pacer with the campaign's mode, ratio and drop target (0 → 3 %).
func NewPacer(mode PacingMode, ratio, dropTarget float64) (*Pacer, error) {
	if !slices.Contains(PacingModes, mode) {
		return nil, fmt.Errorf("callfloor: unknown pacing mode %q", mode)
	}
	if dropTarget == 0 {
		dropTarget = DefaultDropTarget
	}
	if math.IsNaN(dropTarget) || dropTarget < 0 || dropTarget > 0.5 {
		return nil, fmt.Errorf("callfloor: drop target %v outside 0–50 %%", dropTarget)
	}
	if mode == PaceRatio && (math.IsNaN(ratio) || ratio < 1 || ratio > 20) {
		return nil, fmt.Errorf("callfloor: dial ratio %v outside 1–20 lines per agent", ratio)
	}
	return &Pacer{
		Mode: mode, Ratio: ratio, DropTarget: dropTarget, MaxLines: 5, logGain: startLogGain,
		results: newRing[DialOutcome](400), delays: newRing[time.Duration](200), handles: newRing[time.Duration](300),
	}, nil
}

// Prior guesses used until the campaign has its own measurements (they weigh as much as
// priorWeight dials or calls of its own).
const (
	priorAnswerRate = 0.3
	priorWeight     = 20
	priorDelay      = 10 * time.Second
	priorDelays     = 10 // the answer delay's prior fills in for at most this many answers (AnswerDelay)
	priorHandle     = 4 * time.Minute
	gainStep        = 0.003 // how far one answered call moves the drop controller
	setPoint        = 0.9   // the controller aims at 90 % of the drop target
	maxLogGain      = 2.8   // the target is scaled between e^-2.3 ≈ 0.1× and e^2.8 ≈ 16×
	minLogGain      = -2.3
	// startLogGain: a new campaign plans for half its target (e^-0.7) and earns the rest from
	// its own outcomes (one answered call without a drop adds gainStep), so that the first
	// hundreds of answers — too few for the day's rate to absorb an overshoot — stay under it
	startLogGain = -0.7
)

// Dialled records a completed dial: its outcome feeds the answer rate, the answer delay and the
// drop controller.
func (p *Pacer) Dialled(o DialOutcome) {
	p.results.add(o)
	if !o.Answered {
		return
	}
	p.delays.add(o.Ring)
	p.answered++
	// stochastic approximation: at equilibrium, drops ÷ answered = the set point, a little under
	// the target so that the day's rate ends under it, not around it
	if o.Dropped {
		p.dropped++
		sp := math.Max(setPoint*p.DropTarget, 0.001)
		p.logGain -= gainStep * (1 - sp) / sp
	} else {
		p.logGain += gainStep
	}
	p.logGain = math.Max(minLogGain, math.Min(maxLogGain, p.logGain))
}

// Handled records a connected call's handle time (talk, hold and wrap-up) when the agent is
// free again.
func (p *Pacer) Handled(d time.Duration) {
	p.handles.add(d)
	p.stale = true
}

// NewDay starts the day's drop count again (the controller keeps what it learnt).
func (p *Pacer) NewDay() { p.answered, p.dropped = 0, 0 }

// DayDropRate is today's dropped ÷ answered, and the answered count it is taken over.
func (p *Pacer) DayDropRate() (float64, int) {
	if p.answered == 0 {
		return 0, 0
	}
	return float64(p.dropped) / float64(p.answered), p.answered
}

// AnswerRate is the measured share of dials answered, smoothed with the prior.
func (p *Pacer) AnswerRate() float64 {
	n, a := 0, 0
	p.results.each(func(o DialOutcome) {
		n++
		if o.Answered {
			a++
		}
	})
	return (float64(a) + priorAnswerRate*priorWeight) / float64(n+priorWeight)
}

// cautiousAnswerRate is the answer rate plus 1.5 standard deviations of its estimate: while
// few dials are measured (a new campaign, a new list) the pacer assumes more answers than it
// has seen, so that an answer rate higher than the prior does not drop a burst of customers.
func (p *Pacer) cautiousAnswerRate() float64 {
	n := 0
	p.results.each(func(DialOutcome) { n++ })
	q := p.AnswerRate()
	return math.Min(1, q+1.5*math.Sqrt(q*(1-q)/float64(n+priorWeight)))
}

// answerChance returns P(answered | still ringing after age) for the measured dials: among
// those that lasted longer than age, the share answered (smoothed toward the unconditional
// rate q). It sorts the window once; each question is then two binary searches.
func (p *Pacer) answerChance(q float64) func(age time.Duration) float64 {
	var all, answered []time.Duration
	p.results.each(func(o DialOutcome) {
		all = append(all, o.Ring)
		if o.Answered {
			answered = append(answered, o.Ring)
		}
	})
	slices.Sort(all)
	slices.Sort(answered)
	longer := func(s []time.Duration, age time.Duration) int {
		i, _ := slices.BinarySearch(s, age+1)
		return len(s) - i
	}
	const w = 5 // a few dials' weight for the unconditional rate
	return func(age time.Duration) float64 {
		if age <= 0 {
			return q
		}
		return (float64(longer(answered, age)) + q*w) / float64(longer(all, age)+w)
	}
}

// AnswerDelay is the mean time from a dial to its answer. The prior stands in only for the
// answers not yet measured, up to priorDelays: answer delays vary little from one dial to the
// next, and a prior weighing like priorWeight answers kept the estimate far from a list whose
// customers answer much sooner than it (on the real-time simulator, 0.35 s measured, still
// 2 s estimated after 100 answers). A long horizon counts every busy agent as free by the
// answer: the pacer dialled with every agent busy and customers already waiting, and dropped
// them.
func (p *Pacer) AnswerDelay() time.Duration {
	var sum time.Duration
	n := 0
	p.delays.each(func(d time.Duration) { sum += d; n++ })
	w := max(priorDelays-n, 0)
	return (sum + priorDelay*time.Duration(w)) / time.Duration(n+w)
}

// Dials is how many new dials to place now (never negative).
func (p *Pacer) Dials(s PacingState) int {
	maxLines := int(math.Ceil(p.MaxLines * float64(s.Agents)))
	var n int
	switch p.Mode {
	case PaceProgressive:
		n = s.Free - s.Waiting - s.Ringing // an answered customer waiting takes a free agent
	case PaceRatio:
		n = int(math.Round(p.Ratio*float64(max(s.Free-s.Waiting, 0)))) - s.Ringing
	case PacePredictive:
		if p.learning() {
			n = s.Free - s.Waiting - s.Ringing // progressive until the answer rate is measured
		} else {
			n = p.predictive(s, maxLines)
		}
	}
	if s.Ringing+n > maxLines {
		n = maxLines - s.Ringing
	}
	return max(n, 0)
}

// learnDials is how many completed dials the predictive mode measures before it dials ahead:
// the first outcomes are the quick failures (busy, unallocated numbers), so an answer rate
// measured over fewer would be too low and the pacer would dial a burst that drops customers.
const learnDials = 200

func (p *Pacer) learning() bool {
	n := 0
	p.results.each(func(DialOutcome) { n++ })
	want := learnDials
	if p.LearnDials > 0 {
		want = min(p.LearnDials, len(p.results.buf))
	}
	return n < want
}

// predictive places the most new dials n for which the expected customers dropped among the
// answers of all lines in progress, E[max(0, X − A)], stay within the target share of the
// expected answers E[X]: X ~ Binomial(ringing + n, answer rate) and A is the free agents plus,
// for each busy agent, the chance of finishing within the answer delay (from the measured
// handle times, given how long the call has lasted) — a Poisson-binomial count.
func (p *Pacer) predictive(s PacingState, maxLines int) int {
	if s.Agents == 0 {
		return 0
	}
	q := p.cautiousAnswerRate()
	h := p.AnswerDelay()
	free := make([]float64, 0, len(s.Busy))
	for _, e := range s.Busy {
		free = append(free, p.freeWithin(e, h))
	}
	avail := poissonBinomial(free, s.Free)
	tau := p.DropTarget * math.Exp(p.logGain)
	if r, n := p.DayDropRate(); n >= 30 && r > setPoint*p.DropTarget {
		f := setPoint * p.DropTarget / r // the day is over its set point: pull back hard
		tau *= f * f
	}
	// answers to come from the lines already ringing, each by its age
	var inFlight []float64
	if len(s.RingAges) == s.Ringing {
		ages := slices.Clone(s.RingAges)
		slices.Sort(ages)
		inFlight = make([]float64, len(ages))
		chance := p.answerChance(q)
		for i, a := range ages {
			if i > 0 && ages[i-1] == a {
				inFlight[i] = inFlight[i-1]
				continue
			}
			inFlight[i] = chance(a)
		}
	} else {
		inFlight = make([]float64, s.Ringing)
		for i := range inFlight {
			inFlight[i] = q
		}
	}
	ringingAnswers := poissonBinomial(inFlight, s.Waiting)
	ok := func(lines int) bool {
		if lines <= s.Ringing {
			return true
		}
		// the chance that the newest line, if answered, finds every agent taken
		return noAgentChance(convolveBinomial(ringingAnswers, lines-1-s.Ringing, q), avail) <= tau
	}
	lo, hi := s.Ringing, maxLines
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if ok(mid) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo - s.Ringing
}

// freeWithin is P(handle ≤ e + h | handle > e) from the measured handle times: the chance that
// an agent whose call has lasted e is free within h. With fewer than 10 measured calls longer
// than e, it falls back on an exponential tail with the measured mean.
func (p *Pacer) freeWithin(e, h time.Duration) float64 {
	if p.stale {
		p.sorted = p.sorted[:0]
		p.handles.each(func(d time.Duration) { p.sorted = append(p.sorted, d) })
		slices.Sort(p.sorted)
		p.stale = false
	}
	n := len(p.sorted)
	longer := n - sort.Search(n, func(i int) bool { return p.sorted[i] > e })
	if longer < 10 {
		mean := priorHandle
		if n > 0 {
			var sum time.Duration
			for _, d := range p.sorted {
				sum += d
			}
			mean = sum / time.Duration(n)
		}
		return 1 - math.Exp(-h.Seconds()/mean.Seconds())
	}
	within := n - sort.Search(n, func(i int) bool { return p.sorted[i] > e+h })
	return float64(longer-within) / float64(longer)
}

// poissonBinomial is the distribution of base + Σ Bernoulli(ps[i]): dist[k] = P(count = k).
// Terms beyond a negligible tail are cut so that a large busy floor stays cheap.
func poissonBinomial(ps []float64, base int) []float64 {
	dist := make([]float64, 1, len(ps)+1)
	dist[0] = 1
	for _, pr := range ps {
		if pr <= 0 {
			continue
		}
		dist = append(dist, 0)
		for k := len(dist) - 1; k > 0; k-- { // in place, from the top
			dist[k] = dist[k]*(1-pr) + dist[k-1]*pr
		}
		dist[0] *= 1 - pr
		for len(dist) > 1 && dist[len(dist)-1] < 1e-12 {
			dist = dist[:len(dist)-1]
		}
	}
	out := make([]float64, base+len(dist))
	copy(out[base:], dist)
	return out
}

// noAgentChance is P(X ≥ A): the chance that one more line, if answered, finds every agent
// taken, with X distributed as answers (the other lines' answers and the customers already
// waiting) and A as avail.
func noAgentChance(answers, avail []float64) float64 {
	atLeast := make([]float64, len(answers)+1) // atLeast[k] = P(X ≥ k)
	for x := len(answers) - 1; x >= 0; x-- {
		atLeast[x] = atLeast[x+1] + answers[x]
	}
	pr := 0.0
	for a, pa := range avail {
		if a < len(atLeast) {
			pr += pa * atLeast[a]
		}
	}
	return pr
}

// convolveBinomial is the distribution of X + Binomial(n, q) for X distributed as dist.
func convolveBinomial(dist []float64, n int, q float64) []float64 {
	if n == 0 {
		return dist
	}
	b := binomial(n, q)
	out := make([]float64, len(dist)+n)
	for i, u := range dist {
		if u == 0 {
			continue
		}
		for j, v := range b {
			out[i+j] += u * v
		}
	}
	return out
}

func binomial(n int, q float64) []float64 {
	pmf := make([]float64, n+1)
	if q >= 1 {
		pmf[n] = 1
		return pmf
	}
	pmf[0] = math.Pow(1-q, float64(n))
	for x := 1; x <= n; x++ {
		pmf[x] = pmf[x-1] * float64(n-x+1) / float64(x) * q / (1 - q)
	}
	return pmf
}

// ring is a fixed-size window of the last values.
type ring[T any] struct {
	buf  []T
	next int
	full bool
}

func newRing[T any](n int) ring[T] { return ring[T]{buf: make([]T, n)} }

func (r *ring[T]) add(v T) {
	r.buf[r.next] = v
	r.next = (r.next + 1) % len(r.buf)
	if r.next == 0 {
		r.full = true
	}
}

func (r *ring[T]) each(f func(T)) {
	n := r.next
	if r.full {
		n = len(r.buf)
	}
	for i := 0; i < n; i++ {
		f(r.buf[i])
	}
}
