package telephony

// Crash makes the next stop leave the leases held, as a crash would (lease_test.go).
func (a *ACD) Crash() { a.crashed.Store(true) }

// LeaseToken is the fencing token of the node's current term (0: none).
func (a *ACD) LeaseToken(node string) int64 {
	if t := a.nodes[node].term.Load(); t != nil {
		return t.lease.Token
	}
	return 0
}

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
