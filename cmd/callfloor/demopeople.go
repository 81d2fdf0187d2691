package main

import (
	"context"
	"log/slog"
	"math"
	"math/rand"
	"sync"
	"time"

	"github.com/callfloor/callfloor"
)

// The demo's agents behave like people (sim.people: true): each takes a short break every hour
// or two, one lunch in the shift, now and then a training or coaching session, never longer
// than the reason allows, and comes back by themselves; at most a sixth of the floor is away at
// once. Rings they miss come from the simulated phones (sim.no_answer_rate); the ACD itself
// returns them after the timed missed pause. A pause someone else gave them without an end
// (a supervisor's, or a missed pause of missed_pause_seconds 0) they end themselves once the
// reason's maximum has passed (10 minutes for a reason without one), as a person would, so the
// demo floor stays staffed for hours. All durations are on the demo's clock: real time ×
// sim.speed. After a campaign call they give its disposition (demodisposer.go) through the
// desk's API, so the demo's leads leave "dialling".

// peopleACD is what the people need of the ACD (telephony.ACD).
type peopleACD interface {
	Pause(ctx context.Context, id, reason string) (callfloor.AgentStatus, error)
	Unpause(ctx context.Context, id string) (callfloor.AgentStatus, error)
	AgentStatus(ctx context.Context, id string) (callfloor.AgentStatus, error)
	PauseReasons() []callfloor.PauseReason
}

type person struct {
	id        string
	nextBreak time.Time // demo clock
	away      string    // the reason of the break they are on ("" = working)
	since     time.Time // the break began (demo clock)
	backAt    time.Time // demo clock
	breaks    int
	lunched   bool
	// the campaign call they will dispose of at disposeAt (demo clock), and the last one done
	pendingCall, disposed string
	disposeAt             time.Time
}

type demoPeople struct {
	acd   peopleACD
	log   *slog.Logger
	speed float64
	rng   *rand.Rand
	start time.Time // real
	t0    time.Time // demo clock at start
	ppl   []*person

	mu sync.Mutex
	// stats, for the tests and the log
	breaksTaken    map[string]int
	selfReturns    map[string]int // pauses others gave them that they ended themselves, by reason
	longestBreakS  map[string]float64
	maxAwayAtOnce  int
	unpauseRefused int
	disposals      map[string]int // dispositions given, by code ("" none due)
	disposeErrors  int

	// dispose gives an agent's finished call its disposition as the desk would (nil: they
	// give none; demodisposer.go): the code given, "" when none was due
	dispose func(ctx context.Context, agent, callID string, rng *rand.Rand) (string, error)
}

func newDemoPeople(acd peopleACD, agents []string, speed float64, seed int64, log *slog.Logger) *demoPeople {
	if speed <= 0 {
		speed = 1
	}
	now := time.Now()
	p := &demoPeople{acd: acd, log: log, speed: speed, rng: rand.New(rand.NewSource(seed ^ 0x70656f706c65)), start: now, t0: now,
		breaksTaken: map[string]int{}, selfReturns: map[string]int{}, longestBreakS: map[string]float64{}, disposals: map[string]int{}}
	for _, id := range agents {
		// first breaks spread over the first two hours
		p.ppl = append(p.ppl, &person{id: id, nextBreak: now.Add(p.minutes(20, 120))})
	}
	return p
}

// now is the demo clock.
func (p *demoPeople) now() time.Time {
	return p.t0.Add(time.Duration(float64(time.Since(p.start)) * p.speed))
}

func (p *demoPeople) minutes(lo, hi float64) time.Duration {
	return time.Duration((lo + p.rng.Float64()*(hi-lo)) * float64(time.Minute))
}

// Run steps the people until ctx ends: every demo second (at most every 10 ms of real time).
func (p *demoPeople) Run(ctx context.Context) {
	tick := time.Duration(math.Max(float64(time.Second)/p.speed, float64(10*time.Millisecond)))
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.step(ctx)
		}
	}
}

// maxOf is the reason's maximum on the demo clock (0: none).
func maxOf(rs []callfloor.PauseReason, reason string) time.Duration {
	r, _ := callfloor.PauseReasonNamed(rs, reason)
	return time.Duration(r.MaxSeconds) * time.Second
}

// breakPlan picks the next break: a reason the list allows and a length within its maximum.
func (p *demoPeople) breakPlan(pp *person, rs []callfloor.PauseReason) (string, time.Duration) {
	has := func(r string) bool {
		_, ok := callfloor.PauseReasonNamed(rs, r)
		return ok || len(rs) == 0
	}
	reason, d := "break", p.minutes(7, 14)
	switch x := p.rng.Float64(); {
	case !pp.lunched && pp.breaks >= 2 && has("lunch"):
		reason, d = "lunch", p.minutes(28, 42)
	case x < 0.08 && has("training"):
		reason, d = "training", p.minutes(15, 28)
	case x < 0.14 && has("coaching"):
		reason, d = "coaching", p.minutes(8, 18)
	}
	if !has(reason) && len(rs) > 0 {
		reason = rs[0].Name
	}
	if m := maxOf(rs, reason); m > 0 && d > m*9/10 {
		d = m * 9 / 10
	}
	return reason, d
}

func (p *demoPeople) step(ctx context.Context) {
	now := p.now()
	rs := p.acd.PauseReasons()
	away := 0
	for _, pp := range p.ppl {
		if pp.away != "" {
			away++
		}
	}
	maxAway := max(1, len(p.ppl)/6)
	for _, pp := range p.ppl {
		if ctx.Err() != nil {
			return
		}
		st, err := p.acd.AgentStatus(ctx, pp.id)
		if err != nil {
			continue
		}
		p.disposeStep(ctx, pp, st, now)
		if pp.away != "" {
			if now.Before(pp.backAt) {
				continue
			}
			if st.State == callfloor.AgentPaused && st.Reason == pp.away {
				if _, err := p.acd.Unpause(ctx, pp.id); err != nil {
					p.mu.Lock()
					p.unpauseRefused++
					p.mu.Unlock()
					continue
				}
			}
			p.mu.Lock()
			if s := now.Sub(pp.since).Seconds(); s > p.longestBreakS[pp.away] {
				p.longestBreakS[pp.away] = s
			}
			p.mu.Unlock()
			pp.away = ""
			away--
			pp.nextBreak = now.Add(p.minutes(55, 110))
			continue
		}
		if st.State == callfloor.AgentPaused && st.PauseUntil.IsZero() {
			// someone else paused them, with no end: they come back once the reason's
			// maximum has passed (a timed pause is the ACD's to end)
			limit := maxOf(rs, st.Reason)
			if limit == 0 {
				limit = 10 * time.Minute
			}
			inPause := time.Duration(float64(time.Since(st.Since)) * p.speed)
			if inPause > limit {
				if _, err := p.acd.Unpause(ctx, pp.id); err == nil {
					p.mu.Lock()
					p.selfReturns[st.Reason]++
					p.mu.Unlock()
					p.log.Info("demo agent back from a pause by themselves", "agent", pp.id, "reason", st.Reason)
				}
			}
			continue
		}
		if now.Before(pp.nextBreak) || (st.State != callfloor.AgentAvailable && st.State != callfloor.AgentWrapUp) {
			continue
		}
		if away >= maxAway {
			pp.nextBreak = now.Add(p.minutes(2, 6)) // a colleague is away: a little later
			continue
		}
		reason, d := p.breakPlan(pp, rs)
		if _, err := p.acd.Pause(ctx, pp.id, reason); err != nil {
			continue // a call came in: try at the next step
		}
		pp.away, pp.since, pp.backAt = reason, now, now.Add(d)
		pp.breaks++
		pp.lunched = pp.lunched || reason == "lunch"
		away++
		p.mu.Lock()
		p.breaksTaken[reason]++
		p.maxAwayAtOnce = max(p.maxAwayAtOnce, away)
		p.mu.Unlock()
	}
}

// disposeStep: the call they last talked on gets its disposition 3–12 s (demo clock) after it
// ends — in the wrap-up, as the desk asks of a campaign call — once.
func (p *demoPeople) disposeStep(ctx context.Context, pp *person, st callfloor.AgentStatus, now time.Time) {
	if p.dispose == nil || st.LastCall == "" || st.LastCall == pp.disposed ||
		(st.State != callfloor.AgentWrapUp && st.State != callfloor.AgentAvailable && st.State != callfloor.AgentPaused) {
		return
	}
	if pp.pendingCall != st.LastCall {
		pp.pendingCall, pp.disposeAt = st.LastCall, now.Add(time.Duration(3+p.rng.Intn(10))*time.Second)
		return
	}
	if now.Before(pp.disposeAt) {
		return
	}
	pp.disposed = st.LastCall
	code, err := p.dispose(ctx, pp.id, st.LastCall, p.rng)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.disposeErrors++
		p.log.Info("demo agent's disposition refused", "agent", pp.id, "call", st.LastCall, "err", err)
		return
	}
	p.disposals[code]++
}
