package sim

import (
	"fmt"
	"math/rand"
	"regexp"
	"sync"
	"time"
)

// TrafficHoldRate is the share of answered agent calls the traffic dialplan puts on hold.
const TrafficHoldRate = 0.2

var (
	agentRe    = regexp.MustCompile(`^Local/([0-9]{4})@agents(/n)?$`)
	outboundRe = regexp.MustCompile(`^Local/([0-9][0-9]+)@outbound(/n)?$`)
)

// DefaultDialplan mirrors conf/extensions.conf: Local/1XXX@agents rings 2 s, answers and
// hangs up after 30 s; Local/9XXX@agents never answers; Local/<num>@outbound answers after
// 3 s and hangs up after 18 s for [1-9]..., is busy for 0...; anything else is an error.
func DefaultDialplan(endpoint string) (Behaviour, error) {
	if m := agentRe.FindStringSubmatch(endpoint); m != nil {
		switch m[1][0] {
		case '1':
			return Behaviour{RingFor: 2 * time.Second, HangupAfter: 30 * time.Second}, nil
		case '9':
			return Behaviour{NoAnswer: true}, nil
		}
	}
	if m := outboundRe.FindStringSubmatch(endpoint); m != nil {
		if m[1][0] == '0' {
			return Behaviour{Busy: true}, nil
		}
		return Behaviour{RingFor: 3 * time.Second, HangupAfter: 18 * time.Second}, nil
	}
	return Behaviour{}, fmt.Errorf("Allocation failed: no extension for endpoint %s", endpoint)
}

// The talk time of an answered outbound customer in the traffic dialplan.
const (
	OutboundTalkMin = 20 * time.Second
	OutboundTalkMax = 150 * time.Second
)

// TrafficDialplan is a dialplan for generated agents: Local/<ext>@agents answers after a
// random 1..4 s ring, or with probability noAnswerRate never answers; Local/<num>@outbound
// is busy with busyRate, does not answer with noAnswerRate, else answers after 2..8 s and
// hangs up after OutboundTalkMin..OutboundTalkMax. Agents' answered calls are ended by the
// customer or the application (HangupAfter 0). An agent puts
// TrafficHoldRate of the answered calls on hold once (3..15 s in, for 5..40 s), drawn from its
// own random stream so the rest of the traffic is the same with or without holds.
func TrafficDialplan(seed int64, noAnswerRate, busyRate float64) Dialplan {
	var mu sync.Mutex
	rng := rand.New(rand.NewSource(seed))
	holdRng := rand.New(rand.NewSource(seed ^ 0x686f6c64)) // "hold"
	talkRng := rand.New(rand.NewSource(seed ^ 0x74616c6b)) // "talk": the rest of the traffic stays as it was
	talkUniform := func(lo, hi time.Duration) time.Duration {
		return lo + time.Duration(talkRng.Int63n(int64(hi-lo)+1))
	}
	uniform := func(lo, hi time.Duration) time.Duration {
		return lo + time.Duration(rng.Int63n(int64(hi-lo)+1))
	}
	holdUniform := func(lo, hi time.Duration) time.Duration {
		return lo + time.Duration(holdRng.Int63n(int64(hi-lo)+1))
	}
	local := regexp.MustCompile(`^Local/([^@/]+)@(agents|outbound)(/n)?$`)
	return func(endpoint string) (Behaviour, error) {
		m := local.FindStringSubmatch(endpoint)
		if m == nil {
			return Behaviour{}, fmt.Errorf("Allocation failed: no extension for endpoint %s", endpoint)
		}
		mu.Lock()
		defer mu.Unlock()
		r := rng.Float64()
		if m[2] == "agents" {
			if r < noAnswerRate {
				return Behaviour{NoAnswer: true}, nil
			}
			b := Behaviour{RingFor: uniform(time.Second, 4*time.Second)}
			b.HoldAfter, b.HoldFor = holdPlan(holdRng.Float64(), TrafficHoldRate, holdUniform)
			return b, nil
		}
		switch {
		case r < busyRate:
			return Behaviour{Busy: true}, nil
		case r < busyRate+noAnswerRate:
			return Behaviour{NoAnswer: true}, nil
		}
		// the customer of a click-to-call (or of a transfer to a number) talks for a believable
		// while, then hangs up: nobody else would end the call in the demo
		return Behaviour{RingFor: uniform(2*time.Second, 8*time.Second), HangupAfter: talkUniform(OutboundTalkMin, OutboundTalkMax)}, nil
	}
}
