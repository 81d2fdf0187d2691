package telephony

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the ACD's Prometheus collectors. Registered on the registry given, never globally.
type Metrics struct {
	offered, answered, abandoned, flowedOut *prometheus.CounterVec
	lost                                    *prometheus.CounterVec
	offers, outbound, events                *prometheus.CounterVec
	unknownQueue                            prometheus.Counter
	routing                                 prometheus.Histogram
	dials, drops                            *prometheus.CounterVec // the outbound dialler's (dialer.go)
	dialerLines                             *prometheus.GaugeVec
	leases                                  *prometheus.GaugeVec // 1 while this instance holds a node's lease (lease.go)
}

// NewMetrics creates the collectors and registers them on reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		offered:      prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callfloor_calls_offered_total", Help: "Inbound calls that entered a queue."}, []string{"queue"}),
		answered:     prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callfloor_calls_answered_total", Help: "Inbound calls answered by an agent."}, []string{"queue"}),
		abandoned:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callfloor_calls_abandoned_total", Help: "Inbound calls whose caller hung up before an agent answered (short abandons included)."}, []string{"queue"}),
		flowedOut:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callfloor_calls_flowed_out_total", Help: "Inbound calls that reached the queue's max wait."}, []string{"queue"}),
		lost:         prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callfloor_calls_lost_total", Help: "Inbound calls cut off by an Asterisk crash or restart before an agent answered (not abandons)."}, []string{"queue"}),
		offers:       prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callfloor_offers_ended_total", Help: "Agent phone rings that ended without an answer, by result."}, []string{"result"}),
		outbound:     prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callfloor_outbound_calls_total", Help: "Outbound click-to-call calls, placed and by outcome."}, []string{"outcome"}),
		events:       prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callfloor_acd_events_total", Help: "ARI events handled by the ACD, by type."}, []string{"type"}),
		unknownQueue: prometheus.NewCounter(prometheus.CounterOpts{Name: "callfloor_calls_unknown_queue_total", Help: "Calls that asked for a queue that is not configured."}),
		routing: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "callfloor_routing_decision_seconds", Help: "From a call entering the queue to the first agent's phone being originated.",
			Buckets: []float64{.0005, .001, .002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}}),
	}
	m.dials, m.drops, m.dialerLines = dialerMetrics()
	m.leases = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "callfloor_acd_lease_held", Help: "1 while this instance holds the node's lease and drives it, 0 while it stands by (acd.lease)."}, []string{"node"})
	if reg != nil {
		reg.MustRegister(m.leases)
		reg.MustRegister(m.dials, m.drops, m.dialerLines)
		reg.MustRegister(m.offered, m.answered, m.abandoned, m.flowedOut, m.lost, m.offers, m.outbound, m.events, m.unknownQueue, m.routing)
	}
	return m
}

func (m *Metrics) leaseHeld(node string, held bool) {
	v := 0.0
	if held {
		v = 1
	}
	m.leases.WithLabelValues(node).Set(v)
}
