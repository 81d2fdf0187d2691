package realtime

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// StreamGuardOptions configures a StreamGuard.
type StreamGuardOptions struct {
	Group string // the history writer's consumer group, default "history"
	// Cap: the backlog the stream is sized for, default StreamMaxLen. The stream is never
	// trimmed past an unacknowledged entry, so a backlog beyond the cap costs Redis memory, not
	// events: the alarm is raised at AlarmRatio of it, so that there is time to act.
	Cap        int64
	AlarmRatio float64       // default 0.8
	KeepFor    time.Duration // acknowledged entries kept this long for group-less readers, default 1m (<0: none)
	Every      time.Duration // default 5s
	Logger     *slog.Logger
	Registerer prometheus.Registerer // may be nil
}

// StreamGuard trims the change stream behind the history writer (Store.TrimStream) and raises
// an alarm (log, metrics, Status for /readyz) when the writer's backlog nears the cap. Any
// number of instances may run one: trimming behind the group is the same whoever does it.
type StreamGuard struct {
	s *Store
	o StreamGuardOptions

	backlog, length, alarmG prometheus.Gauge
	trimmed                 prometheus.Counter

	mu    sync.Mutex
	last  StreamState
	err   error
	alarm bool
}

// NewStreamGuard builds a guard; Run starts it.
func NewStreamGuard(s *Store, o StreamGuardOptions) *StreamGuard {
	if o.Group == "" {
		o.Group = "history"
	}
	if o.Cap <= 0 {
		o.Cap = StreamMaxLen
	}
	if o.AlarmRatio <= 0 || o.AlarmRatio > 1 {
		o.AlarmRatio = 0.8
	}
	if o.KeepFor == 0 {
		o.KeepFor = time.Minute
	} else if o.KeepFor < 0 {
		o.KeepFor = 0
	}
	if o.Every <= 0 {
		o.Every = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	g := &StreamGuard{s: s, o: o,
		backlog: prometheus.NewGauge(prometheus.GaugeOpts{Name: "callfloor_stream_backlog_events",
			Help: "Change-stream entries the history writer has not acknowledged (pending plus never delivered)."}),
		length: prometheus.NewGauge(prometheus.GaugeOpts{Name: "callfloor_stream_length_events",
			Help: "Entries in the change stream after the last trim."}),
		alarmG: prometheus.NewGauge(prometheus.GaugeOpts{Name: "callfloor_stream_backlog_alarm",
			Help: "1 while the history writer's backlog is near the change stream's cap (the stream is never trimmed past it: it grows instead)."}),
		trimmed: prometheus.NewCounter(prometheus.CounterOpts{Name: "callfloor_stream_trimmed_total",
			Help: "Acknowledged change-stream entries trimmed."}),
	}
	if o.Registerer != nil {
		o.Registerer.MustRegister(g.backlog, g.length, g.alarmG, g.trimmed)
	}
	return g
}

// Run trims and checks every Every until ctx ends.
func (g *StreamGuard) Run(ctx context.Context) {
	t := time.NewTicker(g.o.Every)
	defer t.Stop()
	for {
		_, _ = g.Check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Check trims once and updates the alarm.
func (g *StreamGuard) Check(ctx context.Context) (StreamState, error) {
	st, err := g.s.TrimStream(ctx, g.o.Group, g.o.KeepFor, time.Now())
	g.mu.Lock()
	defer g.mu.Unlock()
	g.err = err
	if err != nil {
		if ctx.Err() == nil {
			g.o.Logger.Debug("change stream check", "err", err)
		}
		return st, err
	}
	g.last = st
	g.backlog.Set(float64(st.Backlog))
	g.length.Set(float64(st.Length))
	g.trimmed.Add(float64(st.Trimmed))
	near := float64(st.Backlog) >= g.o.AlarmRatio*float64(g.o.Cap)
	switch {
	case near && !g.alarm:
		g.o.Logger.Error("change stream backlog near its cap: the history writer is behind (entries are kept, Redis memory grows)",
			"backlog", st.Backlog, "cap", g.o.Cap, "length", st.Length)
	case !near && g.alarm:
		g.o.Logger.Info("change stream backlog back under its alarm level", "backlog", st.Backlog, "cap", g.o.Cap)
	}
	g.alarm = near
	if near {
		g.alarmG.Set(1)
	} else {
		g.alarmG.Set(0)
	}
	return st, nil
}

// Status is the last check's result: nil when fine, else what is wrong.
func (g *StreamGuard) Status() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.err != nil:
		return fmt.Errorf("change stream not checked: %w", g.err)
	case g.alarm:
		return fmt.Errorf("change stream backlog %d of cap %d: the history writer is behind", g.last.Backlog, g.o.Cap)
	}
	return nil
}
