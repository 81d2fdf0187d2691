package sim

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"time"
)

// QueueTraffic is the arrival process of one queue.
type QueueTraffic struct {
	Queue                    string
	CallsPerMinute           float64       // Poisson arrivals (exponential gaps), scaled by Speed
	PatienceMin, PatienceMax time.Duration // uniform patience
	TalkMin, TalkMax         time.Duration // uniform talk time
	Priority                 int           // if >0 add "priority=N" arg
	// PressOne is the share of callers who press 1 PressAfter after entering (a call-back
	// request after the queue's offer, issue 14); they wait at least that long.
	PressOne   float64
	PressAfter time.Duration
	// AgentEnds is the share of callers whose agent ends the conversation
	// (CallerSpec.AgentHangsUp, after their talk time): they stay on the line for the post-call
	// survey and answer it as Traffic.Survey says. The others hang up first, as before.
	AgentEnds float64
}

// Traffic describes generated inbound calls.
type Traffic struct {
	App      string
	Queues   []QueueTraffic
	Seed     int64 // reproducible
	MaxCalls int   // stop after this many (0 = unbounded until ctx done)
	// Numbers gives the callers mainland Chinese numbers; nil: 555NNNN test numbers, named
	// "Caller N"
	Numbers *NumberPlan
	// Survey is how the callers whose agent ends the call (QueueTraffic.AgentEnds) answer the
	// post-call survey.
	Survey SurveyMix
}

// NumberPlan gives generated callers mainland Chinese numbers in E.164, as a trunk presents
// them (no caller name): mostly mobiles (+86 13x … 19x), Landlines of them from Beijing
// (+86 10 …) or Shanghai (+86 21 …), and KnownShare of all callers drawn from Known (a customer
// directory's numbers: callers who come back). Drawn from a random stream of its own, so the
// arrivals, queues and talk times of a seed are the same with or without a plan.
type NumberPlan struct {
	Known      []string // E.164 numbers, drawn uniformly (a number listed twice comes twice as often)
	KnownShare float64  // share of callers drawn from Known (0..1)
	Landlines  float64  // share of the other callers calling from a landline (0..1)
}

// SurveyMix is how generated callers answer a post-call survey once their agent has hung up:
// shares of them (each 0..1, together at most 1) pressing 1 (satisfied), 2 (neutral) or 3
// (dissatisfied) to the first question, or hanging up, half during the first question, half
// after answering it satisfied during the next prompt (the second question, or the thanks of a
// one-question survey); the rest press nothing. Those who answer the first question answer a second one too, if asked (1 yes,
// 2 no: "was your problem solved"), mostly in line with their first answer, sometimes not at all.
type SurveyMix struct {
	Satisfied, Neutral, Dissatisfied, HangUp float64
}

func checkShare(what string, v float64) error {
	if v < 0 || v > 1 {
		return fmt.Errorf("sim: %s must be between 0 and 1, got %v", what, v)
	}
	return nil
}

func (m SurveyMix) check() error {
	for _, x := range []struct {
		what string
		v    float64
	}{{"survey satisfied share", m.Satisfied}, {"survey neutral share", m.Neutral}, {"survey dissatisfied share", m.Dissatisfied}, {"survey hang-up share", m.HangUp}} {
		if err := checkShare(x.what, x.v); err != nil {
			return err
		}
	}
	if m.Satisfied+m.Neutral+m.Dissatisfied+m.HangUp > 1+1e-9 {
		return errors.New("sim: the survey's shares add up to more than 1")
	}
	return nil
}

// plannedCall is one generated arrival: the simulated gap since the previous one and the call.
type plannedCall struct {
	gap  time.Duration
	spec CallerSpec
}

// trafficPlan draws arrivals from a merged Poisson process (rate = sum of the queues'
// rates; each arrival picks its queue proportionally), deterministically for a seed.
type trafficPlan struct {
	t     Traffic
	rng   *rand.Rand
	total float64
	n     int
	// streams of their own (seeded from Traffic.Seed), drawn only when used: a plan without
	// numbers or agent hang-ups keeps the sequence it always had
	numRng, surveyRng *rand.Rand
}

func newTrafficPlan(t Traffic) (*trafficPlan, error) {
	p := &trafficPlan{t: t, rng: rand.New(rand.NewSource(t.Seed)),
		numRng:    rand.New(rand.NewSource(t.Seed ^ 0x6e756d73)), // "nums"
		surveyRng: rand.New(rand.NewSource(t.Seed ^ 0x73727679)), // "srvy"
	}
	for _, q := range t.Queues {
		if q.CallsPerMinute < 0 {
			return nil, fmt.Errorf("sim: negative rate for queue %q", q.Queue)
		}
		if err := checkShare("agent-ends share of queue "+q.Queue, q.AgentEnds); err != nil {
			return nil, err
		}
		p.total += q.CallsPerMinute
	}
	if err := t.Survey.check(); err != nil {
		return nil, err
	}
	if n := t.Numbers; n != nil {
		if err := checkShare("known-number share", n.KnownShare); err != nil {
			return nil, err
		}
		if err := checkShare("landline share", n.Landlines); err != nil {
			return nil, err
		}
	}
	if p.total <= 0 {
		return nil, errors.New("sim: traffic needs at least one queue with CallsPerMinute > 0")
	}
	if t.App == "" {
		p.t.App = "callfloor"
	}
	return p, nil
}

func uniformDur(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(rng.Int63n(int64(hi-lo)+1))
}

func (p *trafficPlan) next() plannedCall {
	gap := time.Duration(p.rng.ExpFloat64() / p.total * float64(time.Minute))
	x := p.rng.Float64() * p.total
	q := p.t.Queues[len(p.t.Queues)-1]
	for _, c := range p.t.Queues {
		if x < c.CallsPerMinute {
			q = c
			break
		}
		x -= c.CallsPerMinute
	}
	p.n++
	spec := CallerSpec{
		App:      p.t.App,
		Queue:    q.Queue,
		Number:   fmt.Sprintf("555%04d", p.rng.Intn(10000)),
		Name:     fmt.Sprintf("Caller %d", p.n),
		Patience: uniformDur(p.rng, q.PatienceMin, q.PatienceMax),
		TalkFor:  uniformDur(p.rng, q.TalkMin, q.TalkMax),
	}
	if q.Priority > 0 {
		spec.ExtraArgs = []string{fmt.Sprintf("priority=%d", q.Priority)}
	}
	if q.PressOne > 0 && p.rng.Float64() < q.PressOne { // no draw otherwise: other plans keep their sequence
		spec.Presses = []DTMFPress{{After: q.PressAfter, Digits: "1"}}
		spec.Patience = max(spec.Patience, q.PressAfter+10*time.Second)
	}
	if n := p.t.Numbers; n != nil {
		spec.Number, spec.Name = n.draw(p.numRng), ""
	}
	if q.AgentEnds > 0 && spec.TalkFor > 0 && p.surveyRng.Float64() < q.AgentEnds {
		spec.AgentHangsUp = true
		spec.SurveyAnswers, spec.SurveyHangUpAt = p.t.Survey.draw(p.surveyRng)
	}
	return plannedCall{gap: gap, spec: spec}
}

// mobilePrefixes: the second and third digits of mainland mobiles, roughly as common as they are.
var mobilePrefixes = []string{"30", "31", "32", "33", "35", "36", "37", "38", "39", "50", "51", "52", "55", "57", "58", "59",
	"76", "77", "80", "81", "82", "86", "87", "88", "89", "91", "99"}

// draw is one caller's number.
func (n *NumberPlan) draw(rng *rand.Rand) string {
	if len(n.Known) > 0 && rng.Float64() < n.KnownShare {
		return n.Known[rng.Intn(len(n.Known))]
	}
	if rng.Float64() < n.Landlines {
		if rng.Intn(2) == 0 {
			return fmt.Sprintf("+8610%d%07d", 5+rng.Intn(4), rng.Intn(10_000_000)) // Beijing: 8 digits from 5..8
		}
		return fmt.Sprintf("+8621%d%07d", 5+rng.Intn(2), rng.Intn(10_000_000)) // Shanghai: 8 digits from 5..6
	}
	return fmt.Sprintf("+861%s%08d", mobilePrefixes[rng.Intn(len(mobilePrefixes))], rng.Intn(100_000_000))
}

// draw is one caller's way through the survey: their keys, prompt by prompt, and the prompt
// they hang up at (0: none).
func (m SurveyMix) draw(rng *rand.Rand) (answers []string, hangUpAt int) {
	x := rng.Float64()
	second := rng.Float64()
	var q1, q2 string
	switch {
	case x < m.Satisfied:
		q1, q2 = "1", pick(second, 0.9, "1", "2")
	case x < m.Satisfied+m.Neutral:
		q1, q2 = "2", pick(second, 0.5, "1", "2")
	case x < m.Satisfied+m.Neutral+m.Dissatisfied:
		q1, q2 = "3", pick(second, 0.15, "1", "2")
	case x < m.Satisfied+m.Neutral+m.Dissatisfied+m.HangUp:
		// during the first question, or after answering it (satisfied) during the second
		if second < 0.5 {
			return nil, 1
		}
		return []string{"1"}, 2
	default:
		return nil, 0 // presses nothing: each question is asked twice, then thanks
	}
	if rng.Float64() < 0.1 {
		return []string{q1, "", ""}, 0 // leaves the second question unanswered (asked twice)
	}
	return []string{q1, q2}, 0
}

func pick(r, p float64, a, b string) string {
	if r < p {
		return a
	}
	return b
}

// RunTraffic places generated calls until ctx is done (returns ctx.Err()) or MaxCalls calls
// have been placed (returns nil). Gaps are divided by Config.Speed. Calls that fail because
// the application is not connected are counted in Stats and do not stop the generator.
func (s *Server) RunTraffic(ctx context.Context, t Traffic) error {
	plan, err := newTrafficPlan(t)
	if err != nil {
		return err
	}
	for placed := 0; t.MaxCalls == 0 || placed < t.MaxCalls; placed++ {
		c := plan.next()
		if err := sleepCtx(ctx, s.scale(c.gap)); err != nil {
			return err
		}
		if _, err := s.PlaceCall(c.spec); err != nil && !errors.Is(err, ErrAppNotConnected) {
			return err
		}
	}
	return nil
}
