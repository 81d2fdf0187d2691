package storage_test

import (
	"testing"
	"time"

	"github.com/callfloor/callfloor/storage"
	"github.com/prometheus/client_golang/prometheus"
)

// A trickle of events (a floor's few per second, issue 11's cost per call) shares transactions:
// 40 calls (80 events) produced over ~200 ms are written in a handful of batches, not one
// transaction per event or two, and every call is there.
func TestHistoryTrickleSharesBatches(t *testing.T) {
	e := newHistEnv(t)
	reg := prometheus.NewRegistry()
	w, stop := e.start(t, e.db, storage.WriterOptions{Consumer: "w1", Registerer: reg}) // default linger
	time.Sleep(200 * time.Millisecond)                                                  // the writer is up and waiting
	produceCalls(t, e, "t", 0, 40, 5*time.Millisecond)
	drained(t, w, 10*time.Second)
	stop()
	e.checkCalls(t, 40)
	batches := metricValue(t, reg, "callfloor_history_batches_total", "ok")
	t.Logf("batches: %v", batches)
	if batches < 1 || batches > 4 {
		t.Errorf("80 events over ~200 ms took %v batches (transactions); want 1 to 4 (they linger %s together)", batches, storage.DefaultBatchLinger)
	}
}
