package telephony_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
	"github.com/callfloor/callfloor/telephony"
)

// countingSource counts the dialler's campaign queries.
type countingSource struct {
	telephony.CampaignSource
	running atomic.Int64
}

func (c *countingSource) RunningCampaigns(ctx context.Context) ([]storage.CampaignInfo, error) {
	c.running.Add(1)
	return c.CampaignSource.RunningCampaigns(ctx)
}

// TestDialerIdlePasses: with no campaign running, 50 passes over 5 s (the dialler's clock) read
// no agent from Redis and the campaigns at most once per IdleEvery; a campaign started afterwards
// is dialled by the first pass after IdleEvery, and from then on every pass reads the campaigns
// and the agents again, as before (issue 11, CPU per call: an inbound-only centre paid both reads
// every second and whenever an agent freed up).
func TestDialerIdlePasses(t *testing.T) {
	t.Parallel()
	const idle = 5 * time.Second
	f := newDialFloor(t, 2, byPrefix(time.Second, time.Second), telephony.DialerOptions{Manual: true, IdleEvery: idle})
	src := &countingSource{CampaignSource: f.db}
	f.dialer.Source = src
	f.start()
	now := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	f.acd.SetDialerClock(func() time.Time { return now })
	f.login("1001", "1002")

	for range 50 {
		now = now.Add(100 * time.Millisecond)
		f.acd.DialerPass()
	}
	if n := f.acd.DialerAgentReads(); n != 0 {
		t.Errorf("%d reads of the agents in 50 passes with no campaign running, want 0", n)
	}
	// the first pass reads; the next read is due IdleEvery later (the 50th pass is at 5.0 s)
	if n := src.running.Load(); n < 1 || n > 2 {
		t.Errorf("%d campaign queries in 50 passes over %v with IdleEvery %v, want 1 or 2", n, 50*100*time.Millisecond, idle)
	}

	// a campaign started now: numbers that ring unanswered, so its lines stay
	f.campaign("late", callfloor.PaceProgressive, phones("139", 2), nil)
	now = now.Add(idle)
	f.acd.DialerPass()
	if n := f.acd.DialerLines(); n == 0 {
		t.Fatalf("a campaign started with the dialler idle was not dialled by the first pass after IdleEvery (%v)", idle)
	}
	if f.acd.DialerAgentReads() == 0 {
		t.Error("the pass that dialled read no agents")
	}
	// running: every pass reads the campaigns again, whatever the clock says
	before := src.running.Load()
	for range 3 {
		f.acd.DialerPass()
	}
	if got := src.running.Load() - before; got != 3 {
		t.Errorf("%d campaign queries in 3 passes with a campaign running, want 3", got)
	}
}
