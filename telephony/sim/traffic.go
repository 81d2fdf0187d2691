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
}

// Traffic describes generated inbound calls.
type Traffic struct {
	App      string
	Queues   []QueueTraffic
	Seed     int64 // reproducible
	MaxCalls int   // stop after this many (0 = unbounded until ctx done)
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
}

func newTrafficPlan(t Traffic) (*trafficPlan, error) {
	p := &trafficPlan{t: t, rng: rand.New(rand.NewSource(t.Seed))}
	for _, q := range t.Queues {
		if q.CallsPerMinute < 0 {
			return nil, fmt.Errorf("sim: negative rate for queue %q", q.Queue)
		}
		p.total += q.CallsPerMinute
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
	return plannedCall{gap: gap, spec: spec}
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
