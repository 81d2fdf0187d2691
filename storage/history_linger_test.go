package storage_test

import (
	"testing"
	"time"

	"github.com/callfloor/callfloor/storage"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
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

// The staging tables are plain temporary tables (ON COMMIT DELETE ROWS truncated all eight at
// every commit, the writer's main PostgreSQL cost): a batch empties the ones it filled, so the
// next batch on the connection never sees its rows again. Two batches on the upsert path
// (the second updates the calls of the first) leave nothing staged.
func TestHistoryStagingEmptiedAfterBatch(t *testing.T) {
	e := newHistEnv(t)
	ctx := t.Context()
	w := storage.NewWriter(e.db, storage.WriterOptions{Redis: e.rdb, Stream: e.stream, Consumer: "w1", Logger: quietLogger()})
	realisticTraffic(t, e)
	msgs, err := e.rdb.XRange(ctx, e.stream, "-", "+").Result()
	if err != nil || len(msgs) < 4 {
		t.Fatalf("stream: %d entries, %v", len(msgs), err)
	}
	half := len(msgs) / 2
	for _, part := range [][]redis.XMessage{msgs[:half], msgs[half:], msgs} { // the last: all again (a replay)
		n, err := w.WriteBatchAndCountStaged(ctx, part)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d rows left in the staging tables after a batch of %d entries", n, len(part))
		}
	}
	if got := e.count(t, `SELECT count(*) FROM calls`); got != 3 {
		t.Errorf("calls = %d, want 3", got)
	}
}
