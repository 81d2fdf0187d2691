package sim

import (
	"fmt"
	"hash/fnv"
	"math/rand"
	"regexp"
	"sync"
	"time"
)

// Customers is a population of called customers for an outbound (telesales) day: how the
// numbers dialled through Local/<num>@outbound behave. A number's kind is fixed by the seed
// (an unallocated number, 空号, is unallocated on every dial; a switched-off phone, 关机/停机,
// stays off); whether a live number is busy, rings out or answers, and the ring and talk times,
// are drawn on every dial from the seeded stream. Shares are of all dials; what remains answers.
type Customers struct {
	Seed                           int64
	Unallocated                    float64 // numbers that do not exist: cause 1 after UnallocatedAfter
	SwitchedOff                    float64 // phones off or out of coverage: cause 20 (or 27, one in four) after 2..6 s
	Busy                           float64 // cause 17 (Busy(), as outbound-busy.jsonl)
	NoAnswer                       float64 // rings until the originate's timeout (cause 19)
	RingMin, RingMax               time.Duration
	TalkMin, TalkMax               time.Duration // the customer hangs up this long after answering
	UnallocatedAfter               time.Duration // default 1 s (the network's announcement is not an answer)
	SwitchedOffMin, SwitchedOffMax time.Duration
	Numbers                        *regexp.Regexp // when set, only the numbers it matches are these customers
}

// TelesalesCustomers is the population of callfloor.TelesalesCustomers (the fast-forward
// benchmark's, dialsim.go) as the simulated Asterisk's customers: a quarter answer after 4–15 s;
// 45 % ring out, 12 % busy, 10 % switched off (3–8 s), 8 % unallocated numbers (2 s); talk
// 2–4 min. talk scales every time (1: real times; 0.01 for fast tests).
func TelesalesCustomers(seed int64, talk float64) Customers {
	sc := func(d time.Duration) time.Duration { return time.Duration(float64(d) * talk) }
	return Customers{Seed: seed, Unallocated: 0.08, SwitchedOff: 0.10, Busy: 0.12, NoAnswer: 0.45,
		RingMin: sc(4 * time.Second), RingMax: sc(15 * time.Second), TalkMin: sc(2 * time.Minute), TalkMax: sc(4 * time.Minute),
		UnallocatedAfter: sc(2 * time.Second), SwitchedOffMin: sc(3 * time.Second), SwitchedOffMax: sc(8 * time.Second)}
}

var outboundNumber = regexp.MustCompile(`^Local/([^@/]+)@outbound(/n)?$`)

// Dialplan answers Local/<num>@outbound with the customers' behaviour and hands every other
// endpoint to next.
func (c Customers) Dialplan(next Dialplan) Dialplan {
	var mu sync.Mutex
	rng := rand.New(rand.NewSource(c.Seed))
	if c.UnallocatedAfter == 0 {
		c.UnallocatedAfter = time.Second
	}
	return func(endpoint string) (Behaviour, error) {
		m := outboundNumber.FindStringSubmatch(endpoint)
		if m == nil || (c.Numbers != nil && !c.Numbers.MatchString(m[1])) {
			if next == nil {
				return Behaviour{}, fmt.Errorf("Allocation failed: no extension for endpoint %s", endpoint)
			}
			return next(endpoint)
		}
		h := fnv.New64a()
		fmt.Fprintf(h, "%d/%s", c.Seed, m[1])
		kind := float64(h.Sum64()%1_000_000) / 1_000_000 // the number's fixed nature
		mu.Lock()
		defer mu.Unlock()
		switch {
		case kind < c.Unallocated:
			return Behaviour{Cause: 1, RingFor: c.UnallocatedAfter}, nil
		case kind < c.Unallocated+c.SwitchedOff:
			cause := 20
			if h.Sum64()%4 == 0 {
				cause = 27
			}
			return Behaviour{Cause: cause, RingFor: uniformDur(rng, c.SwitchedOffMin, c.SwitchedOffMax)}, nil
		}
		// the live numbers: the remaining shares are of all dials, so rescale to the live ones
		live := 1 - c.Unallocated - c.SwitchedOff
		r := rng.Float64() * live
		switch {
		case r < c.Busy:
			return Behaviour{Busy: true}, nil
		case r < c.Busy+c.NoAnswer:
			return Behaviour{NoAnswer: true}, nil
		}
		return Behaviour{RingFor: uniformDur(rng, c.RingMin, c.RingMax), HangupAfter: max(uniformDur(rng, c.TalkMin, c.TalkMax), time.Millisecond)}, nil
	}
}
