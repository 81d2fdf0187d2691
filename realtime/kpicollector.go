package realtime

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// KPICollector exports the wallboard KPIs as Prometheus series with queue and team labels,
// computed at scrape time by the same KPI engine the wallboards use (one definition of every
// metric: shared/design/metrics.md). Rates that are n/a (zero denominator) are left out of the
// scrape rather than reported as 0 or 1.
type KPICollector struct {
	kpi                              *KPI
	waitingLongest, sl, abandon      *prometheus.Desc
	asa, aht, calls                  *prometheus.Desc
	teamAgents, teamOcc, teamHandled *prometheus.Desc
	teamAHT, queueOcc                *prometheus.Desc
}

// NewKPICollector builds the collector.
func NewKPICollector(k *KPI) *KPICollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	return &KPICollector{kpi: k,
		waitingLongest: d("callfloor_queue_longest_wait_seconds", "The longest current wait in the queue (0 when nobody waits).", "queue"),
		sl:             d("callfloor_queue_service_level", "Service level Ans_T ÷ (Ans + Ab − SAb), today or over the sliding window.", "queue", "period"),
		abandon:        d("callfloor_queue_abandon_rate", "Abandon rate (Ab − SAb) ÷ (offered − SAb − lost), today or over the sliding window.", "queue", "period"),
		asa:            d("callfloor_queue_asa_seconds", "Average speed of answer, today or over the sliding window.", "queue", "period"),
		aht:            d("callfloor_queue_aht_seconds", "Average handle time (talk + hold + wrap-up) ÷ handled.", "queue", "period"),
		calls:          d("callfloor_queue_calls", "Calls of the queue by outcome, today or over the sliding window (cohort: by entry time).", "queue", "period", "outcome"),
		queueOcc:       d("callfloor_queue_occupancy", "Occupancy of the agents serving the queue, today.", "queue"),
		teamAgents:     d("callfloor_team_agents", "Agents of the team by state now.", "team", "state"),
		teamOcc:        d("callfloor_team_occupancy", "Occupancy of the team's agents today: handling ÷ (handling + available).", "team"),
		teamHandled:    d("callfloor_team_handled_calls", "Calls the team's agents handled today.", "team"),
		teamAHT:        d("callfloor_team_aht_seconds", "Average handle time of the team's agents today.", "team"),
	}
}

// Describe implements prometheus.Collector.
func (c *KPICollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.waitingLongest, c.sl, c.abandon, c.asa, c.aht, c.calls, c.queueOcc, c.teamAgents, c.teamOcc, c.teamHandled, c.teamAHT} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *KPICollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	now := time.Now()
	gauge := func(d *prometheus.Desc, v *float64, labels ...string) {
		if v != nil {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, *v, labels...)
		}
	}
	val := func(v float64) *float64 { return &v }
	queues, err := c.kpi.Queues(ctx, nil, now)
	if err == nil {
		for _, q := range queues {
			longest := 0.0
			if q.OldestSince != nil {
				longest = now.Sub(*q.OldestSince).Seconds()
			}
			gauge(c.waitingLongest, &longest, q.Queue)
			gauge(c.queueOcc, q.Occupancy, q.Queue)
			for period, f := range map[string]Figures{"today": q.Today, "window": q.Window} {
				gauge(c.sl, f.ServiceLevel, q.Queue, period)
				gauge(c.abandon, f.AbandonRate, q.Queue, period)
				gauge(c.asa, f.ASA, q.Queue, period)
				gauge(c.aht, f.AHT, q.Queue, period)
				gauge(c.calls, val(float64(f.Offered)), q.Queue, period, "offered")
				gauge(c.calls, val(float64(f.Answered)), q.Queue, period, "answered")
				gauge(c.calls, val(float64(f.Abandoned)), q.Queue, period, "abandoned")
				gauge(c.calls, val(float64(f.ShortAbandoned)), q.Queue, period, "short_abandoned")
				gauge(c.calls, val(float64(f.FlowedOut)), q.Queue, period, "flowed_out")
				gauge(c.calls, val(float64(f.Lost)), q.Queue, period, "lost")
			}
		}
	}
	teams, err := c.kpi.Teams(ctx, now)
	if err != nil {
		return
	}
	for _, tv := range teams {
		team := tv.Team
		for state, n := range map[string]int{"available": tv.Agents.Available, "ringing": tv.Agents.Ringing, "on_call": tv.Agents.OnCall,
			"wrap_up": tv.Agents.WrapUp, "paused": tv.Agents.Paused, "logged_out": tv.Agents.LoggedOut} {
			gauge(c.teamAgents, val(float64(n)), team, state)
		}
		gauge(c.teamOcc, tv.Occupancy, team)
		gauge(c.teamHandled, val(float64(tv.Handled)), team)
		gauge(c.teamAHT, tv.AHT, team)
	}
}
