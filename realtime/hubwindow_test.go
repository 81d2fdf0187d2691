package realtime_test

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// minuteReads counts the hub's reads of the queues' per-minute counter hashes, by minute.
type minuteReads struct {
	mu sync.Mutex
	n  map[int64]int
}

func (m *minuteReads) count(cmds []redis.Cmder) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range cmds {
		args := c.Args()
		if strings.ToLower(c.Name()) != "hgetall" || len(args) < 2 {
			continue
		}
		k, _ := args[1].(string)
		if i := strings.Index(k, ":qm:sales:"); i >= 0 {
			if min, err := strconv.ParseInt(k[i+len(":qm:sales:"):], 10, 64); err == nil {
				m.n[min]++
			}
		}
	}
}

func (m *minuteReads) DialHook(next redis.DialHook) redis.DialHook { return next }
func (m *minuteReads) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { m.count([]redis.Cmder{cmd}); return next(ctx, cmd) }
}
func (m *minuteReads) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { m.count(cmds); return next(ctx, cmds) }
}

func (m *minuteReads) take() map[int64]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.n
	m.n = map[int64]int{}
	return out
}

// A warm hub (issue 11, cost per call) re-reads from a queue's 30-minute window only the
// current minute and the minutes its events changed (a call's counters go to the minute it
// entered), not the 30 hashes at every refresh; and the window's figures stay exact: calls that
// entered 10 and 20 minutes ago, answered now, count in the window.
func TestHubWindowReadsOnlyChangedMinutes(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	reads := &minuteReads{n: map[int64]int{}}
	hooked := redis.NewClient(rdb.Options())
	hooked.AddHook(reads)
	t.Cleanup(func() { hooked.Close() })
	hs := realtime.New(hooked, prefix) // the hub's reads
	s := realtime.New(rdb, prefix)     // the test's writes
	cfg := &floorCfg{queues: []callfloor.Queue{{Name: "sales"}}}
	hub := realtime.NewHub(realtime.HubOptions{KPI: cfg.kpi(hs), Store: hs, Registerer: prometheus.NewRegistry(), Coalesce: 10 * time.Millisecond})
	srv := httptest.NewServer(hub)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = hub.Run(ctx) }()
	t.Cleanup(func() { cancel(); srv.CloseClientConnections(); srv.Close(); <-done })
	cfg.addAgent(t, s, "a1", "t1", "sales")

	c := dial(t, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	var seq int64
	send(t, c, subscribe("q", realtime.View{Kind: "queues", Queues: []string{"sales"}}))
	waitFor(t, c, &seq, "queue snapshot", func(m wsMsg) bool { return m.Type == "snapshot" })
	time.Sleep(50 * time.Millisecond) // the first (full) refreshes are over
	reads.take()

	now := time.Now()
	answered := func(id string, enteredAgo time.Duration) {
		call := waitingCall(id, "sales", 0, now.Add(-enteredAgo))
		call.State, call.Agent = callfloor.CallTalking, "a1"
		saveCall(t, s, realtime.CallChange{Call: call, QueueInc: map[string]int64{realtime.CntOffered: 1, realtime.CntAnswered: 1}})
	}
	answered("c10", 10*time.Minute)
	m := waitFor(t, c, &seq, "the window with the call of 10 minutes ago", func(m wsMsg) bool {
		return m.Type == "delta" && len(m.Data.Queues) == 1 && m.Data.Queues[0].Window.Answered == 1
	})
	answered("c20", 20*time.Minute)
	m = waitFor(t, c, &seq, "the window with both calls", func(m wsMsg) bool {
		return m.Type == "delta" && len(m.Data.Queues) == 1 && m.Data.Queues[0].Window.Answered == 2
	})
	if w := m.Data.Queues[0].Window; w.Offered != 2 {
		t.Errorf("window offered = %d, want 2", w.Offered)
	}
	changed := map[int64]bool{now.Add(-10*time.Minute).Unix() / 60: true, now.Add(-20*time.Minute).Unix() / 60: true}
	got := reads.take()
	var others int
	for min, n := range got {
		if !changed[min] && min < time.Now().Unix()/60-1 {
			others += n
		}
	}
	t.Logf("minute hashes read: %v", got)
	if others > 0 {
		t.Errorf("the warm hub read %d minute hashes no event changed; want only the current minute and the changed ones", others)
	}
}
