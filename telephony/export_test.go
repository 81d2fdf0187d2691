package telephony

import "time"

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

// DialerAgentReads is how many times the dialler read every agent's status from Redis (tests).
func (a *ACD) DialerAgentReads() int64 { return a.dialer.agentReads.Load() }

// SetDialerClock replaces the clock of the dialler's idle re-reads (tests; Manual dialler, before
// its first pass).
func (a *ACD) SetDialerClock(now func() time.Time) { a.dialer.clock = now }

// RefuseCallSaves makes every write of a call record fail as Redis refuses writes without
// enough replicas (NOREPLICAS, after a Sentinel failover): kept and retried (failover_test.go).
func (a *ACD) RefuseCallSaves(on bool) { a.refuseSaves.Store(on) }

// StayStandby keeps the instance from taking leases (failover_test.go: the standby, not the old
// holder, takes the lease once Redis accepts writes again).
func (a *ACD) StayStandby(on bool) { a.noLease.Store(on) }
