package ari

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Skip reasons used in callfloor_ari_events_skipped_total.
const (
	SkipUnknownType = "unknown_type" // a type ari/v5 cannot decode (ApplicationRegistered, ChannelTransfer...)
	SkipMalformed   = "malformed"    // not JSON, no type, or fields that do not decode
)

// Metrics holds the connector's Prometheus collectors. One Metrics may be
// shared by the Clients of several nodes (every series has a node label).
type Metrics struct {
	Events          *prometheus.CounterVec   // callfloor_ari_events_total{node,type}
	EventsSkipped   *prometheus.CounterVec   // callfloor_ari_events_skipped_total{node,reason}
	Reconnects      *prometheus.CounterVec   // callfloor_ari_reconnects_total{node}
	ConnectFailures *prometheus.CounterVec   // callfloor_ari_connect_failures_total{node}
	Connected       *prometheus.GaugeVec     // callfloor_ari_connected{node}
	RequestDuration *prometheus.HistogramVec // callfloor_ari_request_duration_seconds{node,method,code}
	BufferDepth     *prometheus.GaugeVec     // callfloor_ari_event_buffer_depth{node}
	BufferFull      *prometheus.CounterVec   // callfloor_ari_event_buffer_full_total{node}
}

// NewMetrics creates the collectors and registers them with reg (when reg
// is not nil). It panics if they are already registered with reg, like
// prometheus.MustRegister.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "callfloor_ari_events_total",
			Help: "ARI events decoded and delivered to the handler, by event type.",
		}, []string{"node", "type"}),
		EventsSkipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "callfloor_ari_events_skipped_total",
			Help: "ARI WebSocket frames skipped, by reason (unknown_type, malformed).",
		}, []string{"node", "reason"}),
		Reconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "callfloor_ari_reconnects_total",
			Help: "Successful ARI event WebSocket connections after the first one.",
		}, []string{"node"}),
		ConnectFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "callfloor_ari_connect_failures_total",
			Help: "Failed attempts to connect (or set up) the ARI event WebSocket.",
		}, []string{"node"}),
		Connected: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "callfloor_ari_connected",
			Help: "1 while the ARI event WebSocket is connected and set up, else 0.",
		}, []string{"node"}),
		RequestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "callfloor_ari_request_duration_seconds",
			Help:    "ARI REST request duration, by method and HTTP status code (\"error\" when no response).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"node", "method", "code"}),
		BufferDepth: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "callfloor_ari_event_buffer_depth",
			Help: "Frames waiting in the buffer between the WebSocket reader and the handler.",
		}, []string{"node"}),
		BufferFull: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "callfloor_ari_event_buffer_full_total",
			Help: "Times the WebSocket reader found the event buffer full and waited (back-pressure; nothing is dropped).",
		}, []string{"node"}),
	}
	if reg != nil {
		reg.MustRegister(m.Events, m.EventsSkipped, m.Reconnects, m.ConnectFailures,
			m.Connected, m.RequestDuration, m.BufferDepth, m.BufferFull)
	}
	return m
}

// The helpers below are nil-safe so that a Client without Metrics works.

func (m *Metrics) event(node, typ string) {
	if m != nil {
		m.Events.WithLabelValues(node, typ).Inc()
	}
}

func (m *Metrics) skipped(node, reason string) {
	if m != nil {
		m.EventsSkipped.WithLabelValues(node, reason).Inc()
	}
}

func (m *Metrics) reconnect(node string) {
	if m != nil {
		m.Reconnects.WithLabelValues(node).Inc()
	}
}

func (m *Metrics) connectFailure(node string) {
	if m != nil {
		m.ConnectFailures.WithLabelValues(node).Inc()
	}
}

func (m *Metrics) setConnected(node string, up bool) {
	if m != nil {
		v := 0.0
		if up {
			v = 1
		}
		m.Connected.WithLabelValues(node).Set(v)
	}
}

func (m *Metrics) request(node, method, code string, seconds float64) {
	if m != nil {
		m.RequestDuration.WithLabelValues(node, method, code).Observe(seconds)
	}
}

func (m *Metrics) bufferDepth(node string, n int) {
	if m != nil {
		m.BufferDepth.WithLabelValues(node).Set(float64(n))
	}
}

func (m *Metrics) bufferFull(node string) {
	if m != nil {
		m.BufferFull.WithLabelValues(node).Inc()
	}
}

// init creates the node's series so that dashboards see zeros before the
// first event.
func (m *Metrics) init(node string) {
	if m == nil {
		return
	}
	m.Reconnects.WithLabelValues(node)
	m.ConnectFailures.WithLabelValues(node)
	m.Connected.WithLabelValues(node).Set(0)
	m.BufferDepth.WithLabelValues(node).Set(0)
	m.BufferFull.WithLabelValues(node)
	m.EventsSkipped.WithLabelValues(node, SkipUnknownType)
	m.EventsSkipped.WithLabelValues(node, SkipMalformed)
}
