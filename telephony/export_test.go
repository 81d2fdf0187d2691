package telephony

// WaitingCalls is the number of inbound calls the dispatcher sees waiting (tests only).
func (a *ACD) WaitingCalls() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.waiting)
}
