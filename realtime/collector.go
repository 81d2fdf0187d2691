package realtime

import (
	"context"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/prometheus/client_golang/prometheus"
)

// Collector exports the live state as gauges, read from Redis at scrape time so that every
// instance reports the whole floor: callfloor_queue_waiting_calls{queue}, callfloor_agents{state}.
type Collector struct {
	store   *Store
	queues  func() []string
	waiting *prometheus.Desc
	agents  *prometheus.Desc
	up      *prometheus.Desc
}

// NewCollector builds the collector; queues lists the configured queue names.
func NewCollector(s *Store, queues func() []string) *Collector {
	return &Collector{store: s, queues: queues,
		waiting: prometheus.NewDesc("callfloor_queue_waiting_calls", "Calls waiting in the queue now.", []string{"queue"}, nil),
		agents:  prometheus.NewDesc("callfloor_agents", "Agents by state now.", []string{"state"}, nil),
		up:      prometheus.NewDesc("callfloor_redis_up", "1 when the live state could be read from Redis at this scrape.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.waiting
	ch <- c.agents
	ch <- c.up
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	ok := 1.0
	for _, q := range c.queues() {
		n, err := c.store.WaitingCount(ctx, q)
		if err != nil {
			ok = 0
			break
		}
		ch <- prometheus.MustNewConstMetric(c.waiting, prometheus.GaugeValue, float64(n), q)
	}
	if st, err := c.store.Agents(ctx); err == nil {
		counts := map[callfloor.AgentState]int{}
		for _, s := range st {
			counts[s.State]++
		}
		for _, s := range callfloor.AgentStates {
			ch <- prometheus.MustNewConstMetric(c.agents, prometheus.GaugeValue, float64(counts[s]), string(s))
		}
	} else {
		ok = 0
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, ok)
}
