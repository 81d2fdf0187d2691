package dashboards

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
)

// LiveAttendance holds today's attendance for the wallboard (realtime.KPIOptions.Attendance):
// read from the records (storage.DB.Attendance, yesterday and today: a night shift) every
// LiveAttendanceEvery; the hub recomputes its views when it changes. Per rostered agent: the
// shift running now, else today's.
type LiveAttendance struct {
	DB       *storage.DB
	Loc      *time.Location
	Log      *slog.Logger
	OnChange func()
	cur      atomic.Pointer[map[string]realtime.LiveAttendance]
}

// LiveAttendanceEvery is how often the wallboard's attendance is read again.
const LiveAttendanceEvery = 15 * time.Second

// Get returns the attendance held (never nil).
func (l *LiveAttendance) Get() map[string]realtime.LiveAttendance {
	if m := l.cur.Load(); m != nil {
		return *m
	}
	return map[string]realtime.LiveAttendance{}
}

// Reload reads today's attendance again at now.
func (l *LiveAttendance) Reload(ctx context.Context, now time.Time) error {
	loc := l.Loc
	if loc == nil {
		loc = time.UTC
	}
	today := now.In(loc).Format(time.DateOnly)
	days, err := l.DB.Attendance(ctx, storage.AttendanceQuery{From: callfloor.AddDays(today, -1), To: today, Loc: loc, Now: now})
	if err != nil {
		return err
	}
	m := map[string]realtime.LiveAttendance{}
	running := map[string]bool{}
	for _, d := range days {
		if d.Shift == "" || d.Leave != "" {
			continue
		}
		// the shift running now wins; else today's
		if !d.InProgress && (d.Day != today || running[d.Agent]) {
			continue
		}
		if d.InProgress {
			running[d.Agent] = true
		}
		v := realtime.LiveAttendance{Shift: d.Shift, NotYetIn: d.NotYetIn, LateMin: d.LateMinutes}
		if d.FirstWork != nil {
			v.FirstWork = *d.FirstWork
		}
		m[d.Agent] = v
	}
	old := l.cur.Swap(&m)
	if (old == nil || !sameAttendance(*old, m)) && l.OnChange != nil {
		l.OnChange()
	}
	return nil
}

// Run reloads every LiveAttendanceEvery until ctx ends.
func (l *LiveAttendance) Run(ctx context.Context) {
	tk := time.NewTicker(LiveAttendanceEvery)
	defer tk.Stop()
	for {
		if err := l.Reload(ctx, time.Now()); err != nil && ctx.Err() == nil && l.Log != nil {
			l.Log.Warn("reading today's attendance for the wallboard", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
	}
}

func sameAttendance(a, b map[string]realtime.LiveAttendance) bool {
	if len(a) != len(b) {
		return false
	}
	for k, x := range a {
		y, ok := b[k]
		if !ok || x.Shift != y.Shift || x.NotYetIn != y.NotYetIn || x.LateMin != y.LateMin || !x.FirstWork.Equal(y.FirstWork) {
			return false
		}
	}
	return true
}
