package realtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
)

// A queue tile carries its targets; a service-level target replaces the queue's sl_target in
// the colouring and the thresholds; AHT is coloured against the AHT target.
func TestKPIQueueAgainstTargets(t *testing.T) {
	s, _, _ := newStore(t)
	cfg := &floorCfg{queues: []callfloor.Queue{{Name: "sales", SLTarget: 0.5, ServiceLevel: 20 * time.Second}, {Name: "support", SLTarget: 0.5}}}
	f := func(v float64) *float64 { return &v }
	targets := map[string]realtime.QueueTargets{"sales": {ServiceLevel: f(0.9), AHTS: f(186)}}
	k := realtime.NewKPI(s, realtime.KPIOptions{Queues: cfg.Queues, Agents: cfg.Agents, Targets: func() map[string]realtime.QueueTargets { return targets }})
	now := time.Now()
	for _, q := range []string{"sales", "support"} {
		c := &callfloor.Call{ID: "c-" + q, Direction: callfloor.Inbound, State: callfloor.CallEnded, Queue: q, Node: "pbx1", EnteredAt: now.Add(-time.Minute)}
		// SL 85 %, AHT 210 s
		saveCall(t, s, realtime.CallChange{Call: c, QueueInc: map[string]int64{
			realtime.CntOffered: 100, realtime.CntAnswered: 100, realtime.CntAnsweredWithinT: 85,
			realtime.CntHandled: 100, realtime.CntSumTalk: 18_000_000, realtime.CntSumWrap: 3_000_000,
		}})
	}
	v, err := k.Queue(context.Background(), "sales", now)
	if err != nil {
		t.Fatal(err)
	}
	if v.Targets == nil || *v.Targets.ServiceLevel != 0.9 || *v.Targets.AHTS != 186 {
		t.Fatalf("targets %+v", v.Targets)
	}
	if v.Thresholds.SLTarget != 0.9 || v.Status != "amber" || len(v.StatusReasons) != 1 || v.StatusReasons[0].Code != "service_level" || v.StatusReasons[0].Limit != 90 {
		t.Errorf("SL 85 %% against a 90 %% target: %s %+v (thresholds %+v)", v.Status, v.StatusReasons, v.Thresholds)
	}
	if v.AHTStatus != "amber" { // 210 s > 186 s, not above 223 s
		t.Errorf("AHT 210 s against 186 s: %q", v.AHTStatus)
	}
	targets = map[string]realtime.QueueTargets{"sales": {AHTS: f(170)}}
	if v, _ = k.Queue(context.Background(), "sales", now); v.AHTStatus != "red" || v.Status != "ok" || v.Thresholds.SLTarget != 0.5 {
		t.Errorf("AHT 210 s against 170 s, SL against the queue's own 50 %%: %s %s %+v", v.AHTStatus, v.Status, v.Thresholds)
	}
	// no target: as before
	w, err := k.Queue(context.Background(), "support", now)
	if err != nil {
		t.Fatal(err)
	}
	if w.Targets != nil || w.AHTStatus != "" || w.Status != "ok" || w.Thresholds.SLTarget != 0.5 {
		t.Errorf("support without targets: %+v", w)
	}
}
