package dashboards

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
)

// LiveTargets keeps every queue's targets in force (its own, else its project's) for the live
// views (realtime.KPIOptions.Targets), read from PostgreSQL at start, after a change made here
// (API.OnTargets: Reload) and every Every (a change made on another node).
type LiveTargets struct {
	DB  *storage.DB
	Log *slog.Logger
	// OnChange is called after the targets read differ from the ones held (the hub recomputes
	// its views).
	OnChange func()
	cur      atomic.Pointer[map[string]realtime.QueueTargets]
}

// Get returns the targets held (never nil).
func (t *LiveTargets) Get() map[string]realtime.QueueTargets {
	if m := t.cur.Load(); m != nil {
		return *m
	}
	return map[string]realtime.QueueTargets{}
}

// Reload reads the targets again; OnChange runs when they changed.
func (t *LiveTargets) Reload(ctx context.Context) error {
	all, err := t.DB.QueueTargets(ctx)
	if err != nil {
		return err
	}
	m := make(map[string]realtime.QueueTargets, len(all))
	for q, x := range all {
		m[q] = realtime.QueueTargets{ServiceLevel: x.ServiceLevel, AHTS: x.AHTS, ConnectRate: x.ConnectRate, OccupancyMin: x.OccupancyMin,
			OccupancyMax: x.OccupancyMax, DailyDials: x.DailyDials, DailyTalkMinutes: x.DailyTalkMinutes}
	}
	old := t.cur.Swap(&m)
	if (old == nil || !sameTargets(*old, m)) && t.OnChange != nil {
		t.OnChange()
	}
	return nil
}

// Run reloads every every until ctx ends.
func (t *LiveTargets) Run(ctx context.Context, every time.Duration) {
	tk := time.NewTicker(every)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			if err := t.Reload(ctx); err != nil && ctx.Err() == nil && t.Log != nil {
				t.Log.Warn("reading the queues' targets", "err", err)
			}
		}
	}
}

func sameTargets(a, b map[string]realtime.QueueTargets) bool {
	if len(a) != len(b) {
		return false
	}
	eqF := func(x, y *float64) bool { return (x == nil && y == nil) || (x != nil && y != nil && *x == *y) }
	eqI := func(x, y *int64) bool { return (x == nil && y == nil) || (x != nil && y != nil && *x == *y) }
	for k, x := range a {
		y, ok := b[k]
		if !ok || !eqF(x.ServiceLevel, y.ServiceLevel) || !eqF(x.AHTS, y.AHTS) || !eqF(x.ConnectRate, y.ConnectRate) ||
			!eqF(x.OccupancyMin, y.OccupancyMin) || !eqF(x.OccupancyMax, y.OccupancyMax) || !eqI(x.DailyDials, y.DailyDials) ||
			!eqI(x.DailyTalkMinutes, y.DailyTalkMinutes) {
			return false
		}
	}
	return true
}
