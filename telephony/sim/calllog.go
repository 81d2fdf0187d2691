package sim

import "time"

// CallRecord is the simulator's own record of one inbound customer call (Config.RecordCalls):
// what the far ends saw, for a test to compare callfloor's history with. It is not part of
// ARI: Asterisk keeps no such list (its CDRs play this part).
type CallRecord struct {
	Channel string // the ;2 half that entered Stasis (PlaceCall's id; callfloor's caller channel)
	Queue   string
	Number  string // caller id number
	Placed  time.Time
	// Entered is false when the application was not connected: the call never entered Stasis
	// and hung up at once (PlaceCall returned ErrAppNotConnected).
	Entered bool
	Bridged time.Time // first bridged with another party (an agent answered); zero: never
	Agent   string    // the other party's dial string ("1001@agents"), once bridged
	Ended   time.Time // the caller's half was destroyed (or the node crashed / closed)
	// EndedBy: "caller" (the caller hung up: patience or talk time over, HangupChannel),
	// "asterisk" (hung up by the application or the dialplan), "crash" (Crash or Close: the
	// call vanished with the node).
	EndedBy string
}

// Who ended a recorded call.
const (
	EndedByCaller   = "caller"
	EndedByAsterisk = "asterisk"
	EndedByCrash    = "crash"
)

// callLog is the record kept when Config.RecordCalls is set; nil otherwise (every hook is a
// no-op on nil). Guarded by the server's lock.
type callLog struct {
	order []*CallRecord
	byID  map[string]*CallRecord
}

func (l *callLog) placed(c2 *channel, queue string, entered bool) {
	if l == nil {
		return
	}
	r := &CallRecord{Channel: c2.id, Queue: queue, Number: c2.caller.Number, Placed: c2.created, Entered: entered}
	l.order = append(l.order, r)
	if entered {
		l.byID[c2.id] = r
	} else {
		r.Ended, r.EndedBy = c2.created, EndedByAsterisk
	}
}

// bridged: the caller's half c2 was bridged with other for the first time.
func (l *callLog) bridged(c2, other *channel) {
	if l == nil {
		return
	}
	if r := l.byID[c2.id]; r != nil && r.Bridged.IsZero() {
		r.Bridged = time.Now()
		if other != nil {
			r.Agent = other.dialstring
			if r.Agent == "" {
				r.Agent = other.name
			}
		}
	}
}

// callerHangup marks who ends the call before its half is torn down.
func (l *callLog) callerHangup(c2 *channel) {
	if l == nil {
		return
	}
	if r := l.byID[c2.id]; r != nil && r.EndedBy == "" {
		r.EndedBy = EndedByCaller
	}
}

// destroyed: the caller's half is gone.
func (l *callLog) destroyed(c2 *channel) {
	if l == nil {
		return
	}
	if r := l.byID[c2.id]; r != nil {
		r.Ended = time.Now()
		if r.EndedBy == "" {
			r.EndedBy = EndedByAsterisk
		}
		delete(l.byID, c2.id)
	}
}

// crashed: every call still up vanished with the node.
func (l *callLog) crashed() {
	if l == nil {
		return
	}
	now := time.Now()
	for id, r := range l.byID {
		r.Ended, r.EndedBy = now, EndedByCrash
		delete(l.byID, id)
	}
}

// CallRecords returns the record of every inbound call placed so far (Config.RecordCalls;
// nil without it), in the order they were placed; calls still up have a zero Ended.
func (s *Server) CallRecords() []CallRecord {
	s.lock()
	defer s.unlock()
	if s.calls == nil {
		return nil
	}
	out := make([]CallRecord, len(s.calls.order))
	for i, r := range s.calls.order {
		out[i] = *r
	}
	return out
}
