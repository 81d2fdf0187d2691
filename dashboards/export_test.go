package dashboards

import (
	"context"
	"time"
)

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

// WatchUsersAfterFirstLook is WatchUsers whose first look at the users is over when it returns.
func (a *Auth) WatchUsersAfterFirstLook(ctx context.Context, interval time.Duration) (done <-chan struct{}) {
	a.init()
	w := &userWatch{seen: map[int64]time.Time{}}
	a.pollUsers(ctx, w)
	ch := make(chan struct{})
	go func() { defer close(ch); a.watchUsers(ctx, w, interval) }()
	return ch
}
