package telephony_test

import (
	"testing"
	"time"

	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/telephony"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
)

// Started while Redis is down, the ACD still exports every queue's call counters from the
// start, zeros included, as it does when Redis answers: the lost calls' too.
func TestQueueSeriesExportedWhenRedisDownAtStart(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	reg := prometheus.NewRegistry()
	if _, err := telephony.New(telephony.Options{Config: testConfig("1001"), Store: realtime.New(rdb, "cf-test-nodown:"),
		Logger: logger(t), Metrics: telephony.NewMetrics(reg)}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"callfloor_calls_answered_total", "callfloor_calls_abandoned_total", "callfloor_calls_lost_total"} {
		if n, err := testutil.GatherAndCount(reg, name); err != nil || n != 2 {
			t.Errorf("%s: %d series (%v), want one per queue (2)", name, n, err)
		}
	}
}
