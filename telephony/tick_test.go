package telephony_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/telephony/sim"
	"github.com/redis/go-redis/v9"
)

// tickCounter counts the ACD's reads of the due wrap-ups and pauses: alone (one round trip
// each) or inside a pipeline.
type tickCounter struct {
	mu                sync.Mutex
	single, pipelined int
}

func isDueRead(cmd redis.Cmder) bool {
	args := cmd.Args()
	if strings.ToLower(cmd.Name()) != "zrangebyscore" || len(args) < 2 {
		return false
	}
	k, _ := args[1].(string)
	return strings.HasSuffix(k, "wrapdue") || strings.HasSuffix(k, "pausedue")
}

func (c *tickCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *tickCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if isDueRead(cmd) {
			c.mu.Lock()
			c.single++
			c.mu.Unlock()
		}
		return next(ctx, cmd)
	}
}
func (c *tickCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			if isDueRead(cmd) {
				c.mu.Lock()
				c.pipelined++
				c.mu.Unlock()
			}
		}
		return next(ctx, cmds)
	}
}

// The ACD's sweeper (issue 11, the platform's fixed cost) finds the due wrap-ups and the due
// timed pauses in one round trip per tick, not one each; wrap-ups still end.
func TestTickReadsDueInOneRoundTrip(t *testing.T) {
	t.Parallel()
	rdb, prefix := testenv.Redis(t)
	cc := &tickCounter{}
	hooked := redis.NewClient(rdb.Options())
	hooked.AddHook(cc)
	t.Cleanup(func() { hooked.Close() })
	s := sim.New(sim.Config{RecordingDir: t.TempDir()})
	s.SetDialplan(testDialplan(100*time.Millisecond, 0, 0))
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f := &floor{t: t, sim: s, simURL: url, rdb: rdb, prefix: prefix, store: realtime.New(hooked, prefix), cfg: testConfig("1001"), cursor: "0"}
	f.start()
	f.login("1001")
	testenv.Eventually(t, 5*time.Second, "20 ticks", func() bool {
		cc.mu.Lock()
		defer cc.mu.Unlock()
		return cc.single+cc.pipelined >= 40
	})
	cc.mu.Lock()
	single, pipelined := cc.single, cc.pipelined
	cc.mu.Unlock()
	if single != 0 {
		t.Errorf("%d reads of the due wrap-ups/pauses were round trips of their own (%d pipelined); want all pipelined", single, pipelined)
	}
}
