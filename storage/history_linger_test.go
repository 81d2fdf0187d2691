package storage_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/storage"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// A trickle of events (a floor's few per second, issue 11's cost per call) shares transactions:
// 40 calls (80 events) produced over ~200 ms are written in a handful of batches, not one
// transaction per event or two, and every call is there.
func TestHistoryTrickleSharesBatches(t *testing.T) {
	// not parallel: it times a trickle, which other tests' load would spread
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

// A floor's trickle over most of a second (issue 11: a floor at 5 calls/s) goes in one
// transaction with the default linger, not two or more.
func TestHistoryTrickleOfASecondSharesOneBatch(t *testing.T) {
	// not parallel: it times a trickle, which other tests' load would spread
	e := newHistEnv(t)
	reg := prometheus.NewRegistry()
	w, stop := e.start(t, e.db, storage.WriterOptions{Consumer: "w1", Registerer: reg}) // default linger
	time.Sleep(200 * time.Millisecond)                                                  // the writer is up and waiting
	produceCalls(t, e, "t", 0, 13, 50*time.Millisecond)                                 // ~600 ms
	drained(t, w, 10*time.Second)
	stop()
	e.checkCalls(t, 13)
	if batches := metricValue(t, reg, "callfloor_history_batches_total", "ok"); batches != 1 {
		t.Errorf("13 calls over ~600 ms took %v batches (transactions); want 1 (they linger %s together)", batches, storage.DefaultBatchLinger)
	}
}

// The staging tables are plain temporary tables (ON COMMIT DELETE ROWS truncated all eight at
// every commit, the writer's main PostgreSQL cost): a batch empties the ones it filled, so the
// next batch on the connection never sees its rows again. Two batches on the upsert path
// (the second updates the calls of the first) leave nothing staged.
func TestHistoryStagingEmptiedAfterBatch(t *testing.T) {
	t.Parallel()
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

// cmdCounter counts the commands a Redis client sends, by name.
type cmdCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *cmdCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *cmdCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.mu.Lock()
		c.n[strings.ToLower(cmd.Name())]++
		c.mu.Unlock()
		return next(ctx, cmd)
	}
}
func (c *cmdCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (c *cmdCounter) get(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[name]
}

// An idle writer (issue 11, the platform's fixed cost) does not ask Redis for its lag at every
// read: once the gauge read zero it asks again only now and then, while it keeps reading the
// stream. After a burst the gauge still comes back to zero once the batch is acknowledged.
func TestHistoryIdleWriterDoesNotPollLag(t *testing.T) {
	t.Parallel()
	e := newHistEnv(t)
	cc := &cmdCounter{n: map[string]int{}}
	rdb := redis.NewClient(e.rdb.Options())
	rdb.AddHook(cc)
	t.Cleanup(func() { rdb.Close() })
	reg := prometheus.NewRegistry()
	w := storage.NewWriter(e.db, storage.WriterOptions{Redis: rdb, Stream: e.stream, Consumer: "w1", Registerer: reg,
		BatchWait: 20 * time.Millisecond, BatchLinger: -1, Logger: quietLogger()})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	produceCalls(t, e, "t", 0, 5, 0)
	drained(t, w, 10*time.Second)
	testenv.Eventually(t, 5*time.Second, "the lag gauge back to zero", func() bool {
		return metricValue(t, reg, "callfloor_history_lag_events", "") == 0 && cc.get("xreadgroup") > 0
	})
	x0, r0 := cc.get("xinfo"), cc.get("xreadgroup")
	testenv.Eventually(t, 10*time.Second, "the idle writer to read the stream 20 more times", func() bool {
		return cc.get("xreadgroup") >= r0+20
	})
	x1, r1 := cc.get("xinfo"), cc.get("xreadgroup")
	t.Logf("idle: %d reads, %d lag queries", r1-r0, x1-x0)
	if x1-x0 > 2 {
		t.Errorf("an idle writer asked for its lag %d times in %d reads; want at most 2", x1-x0, r1-r0)
	}
	produceCalls(t, e, "u", 0, 3, 0)
	drained(t, w, 10*time.Second)
	e.checkCalls(t, 8)
	testenv.Eventually(t, 5*time.Second, "the lag gauge back to zero after a second burst", func() bool {
		return metricValue(t, reg, "callfloor_history_lag_events", "") == 0
	})
}
