package realtime_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// The change stream, with a small cap, is never trimmed past an entry the history writer's
// consumer group has not acknowledged: a writer that stops loses nothing, the backlog raises
// the alarm as it nears the cap, and once the writer acknowledges, the stream is trimmed behind it.
func TestStreamTrimmedOnlyBehindTheHistoryWriter(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	s := realtime.New(rdb, prefix)
	ctx := context.Background()
	key := s.StreamKey()
	if err := rdb.XGroupCreateMkStream(ctx, key, "history", "0").Err(); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i := range 300 {
		c := &callfloor.Call{ID: fmt.Sprintf("c%03d", i), Node: "pbx1", Queue: "sales", Direction: callfloor.Inbound, State: callfloor.CallEnded, EnteredAt: now}
		if err := s.SaveCall(ctx, realtime.CallChange{Call: c, Event: &callfloor.Event{Type: callfloor.EvCallEnded, At: now, Call: c}}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := rdb.XRange(ctx, key, "-", "+").Result()
	if err != nil || len(all) != 300 {
		t.Fatalf("stream holds %d entries after 300 writes with a cap of 50 (%v): unacknowledged entries were trimmed", len(all), err)
	}
	reg := prometheus.NewRegistry()
	g := realtime.NewStreamGuard(s, realtime.StreamGuardOptions{Cap: 50, KeepFor: -1, Registerer: reg})

	// the writer has read nothing: nothing goes, and the backlog is over the alarm level
	st, err := g.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Length != 300 || st.Backlog != 300 {
		t.Errorf("nothing read: %+v, want all 300 kept and in the backlog", st)
	}
	if err := g.Status(); err == nil || !strings.Contains(err.Error(), "backlog 300") {
		t.Errorf("status with a backlog of 300 for a cap of 50: %v", err)
	}
	if v := gauge(t, reg, "callfloor_stream_backlog_alarm"); v != 1 {
		t.Errorf("alarm gauge %v, want 1", v)
	}

	// the writer read 200 and acknowledged the first 100: only those 100 may go
	res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "history", Consumer: "w1", Streams: []string{key, ">"}, Count: 200}).Result()
	if err != nil || len(res[0].Messages) != 200 {
		t.Fatalf("read: %v", err)
	}
	var first100 []string
	for _, m := range res[0].Messages[:100] {
		first100 = append(first100, m.ID)
	}
	if err := rdb.XAck(ctx, key, "history", first100...).Err(); err != nil {
		t.Fatal(err)
	}
	if st, err = g.Check(ctx); err != nil {
		t.Fatal(err)
	}
	left, _ := rdb.XRange(ctx, key, "-", "+").Result()
	if len(left) != 200 || left[0].ID != all[100].ID || st.Backlog != 200 || st.Trimmed != 100 {
		t.Errorf("after 100 acknowledged: %d left starting at %s (want 200 from %s), state %+v", len(left), left[0].ID, all[100].ID, st)
	}

	// everything acknowledged: the stream is trimmed behind the writer, the alarm ends
	var rest []string
	for _, m := range res[0].Messages[100:] {
		rest = append(rest, m.ID)
	}
	res2, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "history", Consumer: "w1", Streams: []string{key, ">"}, Count: 200}).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range res2[0].Messages {
		rest = append(rest, m.ID)
	}
	if err := rdb.XAck(ctx, key, "history", rest...).Err(); err != nil {
		t.Fatal(err)
	}
	if st, err = g.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if st.Backlog != 0 || st.Length > 1 {
		t.Errorf("all acknowledged: %+v, want no backlog and at most the last delivered entry", st)
	}
	if err := g.Status(); err != nil {
		t.Errorf("status after the writer caught up: %v", err)
	}
	if v := gauge(t, reg, "callfloor_stream_backlog_alarm"); v != 0 {
		t.Errorf("alarm gauge %v, want 0", v)
	}
}

func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) > 0 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("metric %s not registered", name)
	return 0
}
