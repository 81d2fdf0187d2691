package telephony_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/telephony/sim"
)

// playLog records the simulator's POST /channels/{id}/play requests (what the caller heard).
type playLog struct {
	mu    sync.Mutex
	media []string
	next  http.Handler
}

func (p *playLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/play") {
		p.mu.Lock()
		p.media = append(p.media, r.URL.Query().Get("media"))
		p.mu.Unlock()
	}
	p.next.ServeHTTP(w, r)
}

func (p *playLog) played() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.media...)
}

// newFloorPlays is newFloor with the simulator behind a recorder of playbacks.
func newFloorPlays(t *testing.T, cfg *callfloor.Config) (*floor, *playLog) {
	t.Helper()
	rdb, prefix := testenv.Redis(t)
	s := sim.New(sim.Config{RecordingDir: t.TempDir()})
	s.SetDialplan(testDialplan(100*time.Millisecond, 0, 500*time.Millisecond))
	pl := &playLog{next: s.Handler()}
	srv := httptest.NewServer(pl)
	t.Cleanup(func() { srv.Close(); s.Close() })
	f := &floor{t: t, sim: s, simURL: srv.URL, rdb: rdb, prefix: prefix, store: realtime.New(rdb, prefix), cfg: cfg, cursor: "0"}
	f.start()
	return f, pl
}

// A VIP caller is answered before an ordinary caller who came earlier, through the real ACD;
// a blacklisted caller hears the prompt, is hung up and never offered, and the call ends
// blocked (not abandoned, not offered); the flags come from Redis and a rebuild replaces them.
func TestCustomerFlagsRouting(t *testing.T) {
	t.Parallel()
	cfg := testConfig("1001")
	cfg.ACD.Customers.BlacklistPlayFor = 300 * time.Millisecond
	cfg.ACD.Customers.BlacklistSound = "sound:ss-noservice"
	f, plays := newFloorPlays(t, cfg)
	ctx := context.Background()
	// the start rebuilds the flags from PostgreSQL; here straight from a map, with a stale one
	if err := f.store.SetCustomerFlag(ctx, "+8613911112222", callfloor.FlagBlacklist); err != nil {
		t.Fatal(err)
	}
	if err := f.store.ReplaceCustomerFlags(ctx, map[string]string{"+8613800001111": callfloor.FlagVIP, "+8613700009999": callfloor.FlagBlacklist}); err != nil {
		t.Fatal(err)
	}
	if fl, _ := f.store.CustomerFlag(ctx, "+8613911112222"); fl != "" {
		t.Fatalf("the rebuild kept a stale flag: %q", fl)
	}

	f.place(sim.CallerSpec{Queue: "sales", Number: "13600002222", TalkFor: 100 * time.Millisecond})
	time.Sleep(150 * time.Millisecond)
	f.place(sim.CallerSpec{Queue: "sales", Number: "13600003333", TalkFor: 100 * time.Millisecond})
	time.Sleep(150 * time.Millisecond)
	f.place(sim.CallerSpec{Queue: "sales", Number: "13800001111", TalkFor: 100 * time.Millisecond}) // the VIP, last
	testenv.Eventually(t, 5*time.Second, "three callers waiting", func() bool { return f.acd.WaitingCalls() == 3 })
	f.place(sim.CallerSpec{Queue: "sales", Number: "+86 137 0000 9999", TalkFor: 10 * time.Second})
	c := f.waitEvent(5*time.Second, "the blacklisted call to end", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallEnded && e.Call.CallerNumber == "+86 137 0000 9999"
	}).Call
	if c.Outcome != callfloor.OutcomeBlocked || c.HangupBy != callfloor.HangupSystem || len(c.Offers) != 0 || c.Agent != "" {
		t.Fatalf("blacklisted call: outcome %s by %s offers %d agent %q", c.Outcome, c.HangupBy, len(c.Offers), c.Agent)
	}
	if p := plays.played(); len(p) != 1 || p[0] != "sound:ss-noservice" {
		t.Fatalf("played %v, want the blacklist prompt once", p)
	}
	f.login("1001")
	var order []string
	testenv.Eventually(t, 15*time.Second, "three calls answered", func() bool {
		f.poll()
		order = order[:0]
		for _, e := range f.events {
			if e.Type == callfloor.EvCallAnswered {
				order = append(order, e.Call.CallerNumber)
			}
		}
		return len(order) == 3
	})
	if strings.Join(order, ",") != "13800001111,13600002222,13600003333" {
		t.Fatalf("answer order %v, want the VIP first, then the others in their order", order)
	}
	entered, offered := 0, 0
	for _, e := range f.events {
		if e.Call != nil && e.Call.CallerNumber == "+86 137 0000 9999" {
			if e.Type == callfloor.EvCallEntered {
				entered++
			}
			if e.Type == callfloor.EvCallOffered {
				offered++
			}
		}
	}
	if entered != 0 || offered != 0 {
		t.Fatalf("blacklisted call: %d entered, %d offered events", entered, offered)
	}
	cnt, err := f.store.Counters(ctx, "sales", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if cnt[realtime.CntOffered] != 3 || cnt[realtime.CntAbandoned] != 0 {
		t.Fatalf("counters %v: want 3 offered (not the blocked caller), 0 abandoned", cnt)
	}
}

// A blacklisted caller who hangs up during the prompt is still blocked, not an abandon.
func TestCustomerBlacklistCallerHangsUp(t *testing.T) {
	t.Parallel()
	cfg := testConfig("1001")
	cfg.ACD.Customers.BlacklistPlayFor = 5 * time.Second
	f, _ := newFloorPlays(t, cfg)
	ctx := context.Background()
	if err := f.store.SetCustomerFlag(ctx, "+8613700009999", callfloor.FlagBlacklist); err != nil {
		t.Fatal(err)
	}
	f.place(sim.CallerSpec{Queue: "sales", Number: "13700009999", Patience: 300 * time.Millisecond})
	c := f.ended(5 * time.Second)
	if c.Outcome != callfloor.OutcomeBlocked || c.HangupBy != callfloor.HangupCaller {
		t.Fatalf("outcome %s by %s", c.Outcome, c.HangupBy)
	}
	cnt, _ := f.store.Counters(ctx, "sales", time.Now())
	if cnt[realtime.CntAbandoned] != 0 || cnt[realtime.CntOffered] != 0 {
		t.Fatalf("counters %v", cnt)
	}
}
