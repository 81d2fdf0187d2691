package sim

import (
	"fmt"
	"strings"
	"time"
)

// Hold presses (on) or releases the hold key of the phone behind channel id: Asterisk reports it
// as ChannelHold / ChannelUnhold on that channel to the applications subscribed to it. A
// channel already (off) hold reports nothing, as chan_pjsip does not re-send an unchanged
// hold state.
func (s *Server) Hold(id string, on bool) error {
	s.lock()
	defer s.unlock()
	ch := s.channels[id]
	if ch == nil || ch.destroyed {
		return fmt.Errorf("sim: no channel %s", id)
	}
	s.setHold(ch, on)
	return nil
}

func (s *Server) setHold(ch *channel, on bool) {
	if ch.held == on || ch.destroyed {
		return
	}
	ch.held = on
	if on {
		s.evChan(ch, nil, "ChannelHold", nil)
	} else {
		s.evChan(ch, nil, "ChannelUnhold", nil)
	}
}

// scheduleHold plays Behaviour.HoldAfter/HoldFor on the answered channel c1 (the ;1 half in
// Stasis, which carries the phone's hold indication): hold after HoldAfter, release HoldFor later.
func (s *Server) scheduleHold(c1, c2 *channel, b Behaviour) {
	if b.HoldFor <= 0 {
		return
	}
	s.chTimer(c2, s.scale(b.HoldAfter), func() {
		s.setHold(c1, true)
		s.chTimer(c2, s.scale(b.HoldFor), func() { s.setHold(c1, false) })
	})
}

// holdPlan draws whether an answered agent call has a hold, when and how long: with probability
// rate, after 3..15 s of talk, for 5..40 s.
func holdPlan(r, rate float64, uniform func(lo, hi time.Duration) time.Duration) (after, dur time.Duration) {
	if r >= rate {
		return 0, 0
	}
	return uniform(3*time.Second, 15*time.Second), uniform(5*time.Second, 40*time.Second)
}

// FailNext makes the next n REST requests whose method is method and whose path (after /ari)
// ends with suffix answer status with Asterisk's error body, before touching anything: a test
// plays an Asterisk that refuses or fails one step.
func (s *Server) FailNext(method, suffix string, status, n int) {
	s.lock()
	defer s.unlock()
	s.faults = append(s.faults, fault{method: method, suffix: suffix, status: status, left: n})
}

type fault struct {
	method, suffix string
	status, left   int
}

// injectedFault consumes a matching FailNext, if any.
func (s *Server) injectedFault(method, path string) (int, bool) {
	s.lock()
	defer s.unlock()
	for i := range s.faults {
		f := &s.faults[i]
		if f.left > 0 && f.method == method && strings.HasSuffix(path, f.suffix) {
			f.left--
			return f.status, true
		}
	}
	return 0, false
}
