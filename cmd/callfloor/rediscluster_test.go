package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// TestServeOnRedisCluster: serve as a whole (the ACD on the simulator, the history writer, the
// live hub) on a local 3-master Redis Cluster through redis_url redis+cluster://…: ready, calls
// answered and written to history, every key of the floor in one slot under the tagged prefix.
// CALLFLOOR_CHAOS=1 (deploy/chaos/redis-pg.sh): it starts a Cluster.
func TestServeOnRedisCluster(t *testing.T) {
	testenv.Chaos(t)
	cl := testenv.RedisCluster(t)
	cfg := testConfig(t, cl.URL())
	untagged := cfg.Prefix
	cfg.Sim.Speed = 30
	logs := &syncBuffer{}
	m := startMain(t, cfg, logs)
	if want := "{" + strings.TrimRight(untagged, ":") + "}:"; m.Config.Prefix != want {
		t.Errorf("prefix on the cluster %q, want %q", m.Config.Prefix, want)
	}
	base := "http://" + m.Addr()
	admin := userToken(t, m, "root", callfloor.RoleAdmin)
	testenv.Eventually(t, 60*time.Second, "ready on the cluster", func() bool {
		code, body, _ := readyz(t, base, "")
		return code == http.StatusOK && body.Status == "ready"
	})
	testenv.Eventually(t, 60*time.Second, "calls answered on the cluster", func() bool {
		return metricValue(t, base, "callfloor_calls_answered_total") >= 3
	})
	testenv.Eventually(t, 30*time.Second, "calls in history", func() bool {
		var n int
		_ = m.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM calls WHERE outcome IS NOT NULL`).Scan(&n)
		return n >= 1
	})
	if code, body, raw := readyz(t, base, admin); code != http.StatusOK || body.Components["change_stream"] != "ok" {
		t.Errorf("/readyz on the cluster: %d %s", code, raw)
	}
	slots := map[int64]bool{}
	rdb := m.Redis.(*redis.ClusterClient)
	err := rdb.ForEachMaster(context.Background(), func(ctx context.Context, c *redis.Client) error {
		keys, err := c.Keys(ctx, "*"+strings.TrimRight(untagged, ":")+"*").Result()
		for _, k := range keys {
			if !strings.HasPrefix(k, m.Config.Prefix) {
				t.Errorf("key %q outside the tagged prefix %q", k, m.Config.Prefix)
			}
			s, _ := c.ClusterKeySlot(ctx, k).Result()
			slots[s] = true
		}
		return err
	})
	if err != nil || len(slots) != 1 {
		t.Errorf("the floor's keys in slots %v (%v), want one", slots, err)
	}
	if strings.Contains(logs.String(), "CROSSSLOT") || strings.Contains(logs.String(), "non local key") {
		t.Errorf("cluster errors in the log:\n%s", logs.String())
	}
}
