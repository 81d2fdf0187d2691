package dashboards

// HoldLoginSlots takes every place for concurrent password checks (as logins in progress would)
// and returns the function that gives them back.
func (a *Auth) HoldLoginSlots() (release func()) {
	a.init()
	n := cap(a.slots)
	for range n {
		a.slots <- struct{}{}
	}
	return func() {
		for range n {
			<-a.slots
		}
	}
}
