package realtime_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
	"github.com/prometheus/client_golang/prometheus"
)

// lostCall is a waiting call cut off by an Asterisk crash or restart, as the ACD books it
// (telephony: outcome lost, counter "lost").
func lostCall(id, queue string, entered time.Time) realtime.CallChange {
	c := &callfloor.Call{ID: id, Direction: callfloor.Inbound, State: callfloor.CallEnded, Queue: queue, Node: "pbx1",
		EnteredAt: entered, Outcome: callfloor.OutcomeLost}
	return realtime.CallChange{Call: c, QueueInc: map[string]int64{realtime.CntOffered: 1, realtime.CntLost: 1}}
}

// figuresJSON decodes the figures of a view as the wallboard receives them.
func figuresJSON(t *testing.T, v any) (today, window map[string]any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Today, Window map[string]any }
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m.Today, m.Window
}

// The lost calls counter reaches the live views: a queue's and the floor's figures, today and
// over the window, carry "lost" — and the abandon rates still leave them out.
func TestKPIViewsCarryLostCalls(t *testing.T) {
	s, _, _ := newStore(t)
	cfg := &floorCfg{queues: []callfloor.Queue{{Name: "sales"}, {Name: "support"}}}
	k := cfg.kpi(s)
	now := time.Now()
	saveCall(t, s, lostCall("l1", "sales", now))
	saveCall(t, s, lostCall("l2", "sales", now))
	saveCall(t, s, lostCall("l3", "support", now))

	q, err := k.Queue(context.Background(), "sales", now)
	if err != nil {
		t.Fatal(err)
	}
	today, window := figuresJSON(t, q)
	if today["lost"] != 2.0 || window["lost"] != 2.0 {
		t.Errorf("sales: lost today %v, window %v; want 2 and 2", today["lost"], window["lost"])
	}
	if q.Today.AbandonRate != nil || q.Today.GrossAbandonRate != nil {
		t.Errorf("sales offered only lost calls: abandon rates %v %v, want n/a", q.Today.AbandonRate, q.Today.GrossAbandonRate)
	}
	f, err := k.Floor(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	today, window = figuresJSON(t, f)
	if today["lost"] != 3.0 || window["lost"] != 3.0 {
		t.Errorf("floor: lost today %v, window %v; want 3 and 3", today["lost"], window["lost"])
	}

	// and /metrics: callfloor_queue_calls{outcome="lost"}
	reg := prometheus.NewRegistry()
	reg.MustRegister(realtime.NewKPICollector(k))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "callfloor_queue_calls" {
			continue
		}
		for _, m := range mf.GetMetric() {
			l := map[string]string{}
			for _, lp := range m.GetLabel() {
				l[lp.GetName()] = lp.GetValue()
			}
			if l["outcome"] == "lost" {
				got[l["queue"]+"/"+l["period"]] = m.GetGauge().GetValue()
			}
		}
	}
	if got["sales/today"] != 2 || got["sales/window"] != 2 || got["support/today"] != 1 {
		t.Errorf("callfloor_queue_calls{outcome=\"lost\"} = %v, want sales 2 (today, window), support 1", got)
	}
}

// What the hub pushes: a call lost while a wallboard watches arrives in the queue's and the
// floor's delta.
func TestHubDeltaCarriesLostCalls(t *testing.T) {
	e := newHubEnv(t, realtime.HubOptions{}, false)
	c := dial(t, e.url, nil)
	var seq int64
	send(t, c, subscribe("f", realtime.View{Kind: realtime.ViewFloor}))
	waitFor(t, c, &seq, "floor snapshot", func(m wsMsg) bool { return m.Type == "snapshot" })

	saveCall(t, e.s, lostCall("l1", "sales", time.Now()))
	deadline := time.Now().Add(5 * time.Second)
	var queueLost, floorLost any
	for time.Now().Before(deadline) && (queueLost != 1.0 || floorLost != 1.0) {
		_ = c.SetReadDeadline(deadline)
		_, b, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("reading: %v (sales lost %v, floor lost %v)", err, queueLost, floorLost)
		}
		var m struct {
			Type string
			Data struct {
				Queues []struct {
					Queue string
					Today map[string]any
				}
				Floor *struct{ Today map[string]any }
			}
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("server sent %s: %v", b, err)
		}
		if m.Type != "delta" {
			continue
		}
		for _, q := range m.Data.Queues {
			if q.Queue == "sales" {
				queueLost = q.Today["lost"]
			}
		}
		if m.Data.Floor != nil {
			floorLost = m.Data.Floor.Today["lost"]
		}
	}
	if queueLost != 1.0 || floorLost != 1.0 {
		t.Fatalf("after a lost call: sales lost %v, floor lost %v; want 1 and 1", queueLost, floorLost)
	}
}
