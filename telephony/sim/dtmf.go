package sim

import (
	"fmt"
	"strings"
	"time"
)

// DTMF from callers (issue 14: call-back requests while waiting, survey answers after the
// agent hangs up). Asterisk sends ChannelDtmfReceived when a digit ENDS (there is no event for
// its start), on the channel in Stasis, with the digit and how long it was held:
//
//	{"type":"ChannelDtmfReceived","timestamp":…,"digit":"1","duration_ms":120,"channel":{…},
//	 "asterisk_id":…,"application":"callfloor"}
//
// The simulator emits exactly that for each digit of a press, one digit after the other.

// DTMFDuration is how long a simulated key is held (duration_ms of each event).
const DTMFDuration = 120 * time.Millisecond

// DTMFPress is a caller pressing keys at a time after their call entered Stasis
// (CallerSpec.Presses), or after SendDTMF is called.
type DTMFPress struct {
	After  time.Duration // from the call's entry into Stasis (CallerSpec) or from now (SendDTMF)
	Digits string        // 0-9, A-D, # or *
}

func validDTMF(digits string) error {
	if digits == "" {
		return fmt.Errorf("sim: no DTMF digits")
	}
	for _, r := range digits {
		if !strings.ContainsRune("0123456789ABCD#*", r) {
			return fmt.Errorf("sim: %q is not a DTMF digit", r)
		}
	}
	return nil
}

// SendDTMF makes the caller on channel id (the half in Stasis, as PlaceCall returns it) press
// digits: the first digit's event comes after DTMFDuration (scaled), each next one
// DTMFDuration+gap later. Digits pressed on a channel that is gone by then are dropped, as
// they would be on Asterisk.
func (s *Server) SendDTMF(id, digits string, gap time.Duration) error {
	if err := validDTMF(digits); err != nil {
		return err
	}
	s.lock()
	defer s.unlock()
	ch := s.channels[id]
	if ch == nil || ch.destroyed {
		return fmt.Errorf("sim: channel %q not found", id)
	}
	s.scheduleDTMFLocked(ch, 0, digits, gap)
	return nil
}

// scheduleDTMFLocked emits digits on ch, the first after delay+DTMFDuration.
func (s *Server) scheduleDTMFLocked(ch *channel, delay time.Duration, digits string, gap time.Duration) {
	at := delay
	for _, r := range digits {
		at += DTMFDuration
		digit := string(r)
		s.chTimer(ch, s.scale(at), func() {
			if ch.destroyed || ch.hangingUp {
				return
			}
			s.evChan(ch, nil, "ChannelDtmfReceived", obj{{"digit", digit}, {"duration_ms", int(DTMFDuration / time.Millisecond)}})
		})
		at += gap
	}
}
