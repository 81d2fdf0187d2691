package telephony

import "time"

// WaitingCalls is the number of inbound calls the dispatcher sees waiting (tests only).
func (a *ACD) WaitingCalls() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.waiting)
}

// DialerPass runs one pass of the dialler now (benchmarks; with DialerOptions.Manual).
func (a *ACD) DialerPass() { a.dialer.pass(a.ctx) }

// DialerLines is the number of the dialler's lines in progress (tests only).
func (a *ACD) DialerLines() int {
	a.dialer.mu.Lock()
	defer a.dialer.mu.Unlock()
	n := 0
	for _, st := range a.dialer.camps {
		n += len(st.lines)
	}
	return n
}

// DialerAgentReads is how many times the dialler read every agent's status from Redis (tests).
func (a *ACD) DialerAgentReads() int64 { return a.dialer.agentReads.Load() }

// SetDialerClock replaces the clock of the dialler's idle re-reads (tests; Manual dialler, before
// its first pass).
func (a *ACD) SetDialerClock(now func() time.Time) { a.dialer.clock = now }
