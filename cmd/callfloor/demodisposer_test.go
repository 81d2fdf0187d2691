package main

import (
	"context"
	"io"
	"math/rand"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
)

// The demo agents' mix of dispositions over the default set: about 10 % successes, call-backs,
// refusals the largest part, now and then an empty number or a 禁呼.
func TestDemoDispositionMix(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	n := map[string]int{}
	const draws = 10000
	for range draws {
		d, ok := pickDemoDisposition(callfloor.DefaultDispositions(), rng)
		if !ok {
			t.Fatal("no disposition picked")
		}
		n[d.Code]++
	}
	share := func(code string) float64 { return float64(n[code]) / draws }
	for code, want := range map[string]float64{"success": 0.10, "callback": 0.15, "interested": 0.17, "refused": 0.45, "do_not_call": 0.03, "invalid_number": 0.03} {
		if got := share(code); got < want*0.8 || got > want*1.2 {
			t.Errorf("%s: %.3f of the dispositions, want about %.2f (%v)", code, got, want, n)
		}
	}
	// a set without call-backs or refusals still gets a disposition of its own
	only := []callfloor.Disposition{{Code: "ok", Final: true, Success: true}, {Code: "later", Retry: time.Hour}}
	for range 100 {
		if d, ok := pickDemoDisposition(only, rng); !ok || (d.Code != "ok" && d.Code != "later") {
			t.Fatalf("picked %+v", d)
		}
	}
}

// The demo's simulated agents give their answered campaign calls a disposition through the
// desk's handler: on the demo (seeded campaigns, the simulator at 4× speed, the people on) the
// campaign's answered leads leave "dialling" — dispositions recorded on the attempts and the
// calls, call-backs with their time — within a minute (about 8 answered leads at 4× speed).
func TestDemoAgentsDisposeCampaignCalls(t *testing.T) {
	t.Parallel()
	cfg, _ := demoFixtureConfig(t, &demoSeededDB)
	cfg.Sim.Speed = 4
	cfg.Sim.People = true
	m := startMain(t, cfg, io.Discard)
	ctx := context.Background()
	if err := seedDemoCampaigns(ctx, m.DB, io.Discard); err != nil { // as `callfloor demo-data` does
		t.Fatal(err)
	}
	var disposed, callbacks, desk int
	// a minute on a quiet machine; at load 25 the first minute gave 16 dials and 2 answers
	deadline := time.Now().Add(150 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(2 * time.Second)
		if err := m.DB.Pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE l.status = 'callback' AND l.callback_at > now()),
			count(*) FILTER (WHERE d.code = a.disposition)
			FROM lead_attempts a JOIN leads l ON l.id = a.lead_id LEFT JOIN call_dispositions d ON d.call_id = a.dial_id
			WHERE a.disposition IS NOT NULL`).Scan(&disposed, &callbacks, &desk); err != nil {
			t.Fatal(err)
		}
		if disposed >= 3 {
			break
		}
	}
	var attempts, answered, dialling int
	_ = m.DB.Pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE result = 'answered'), (SELECT count(*) FROM leads WHERE status = 'dialling') FROM lead_attempts`).Scan(&attempts, &answered, &dialling)
	if m.people != nil {
		m.people.mu.Lock()
		t.Logf("attempts %d, answered %d, leads dialling %d; the people's disposals %v, refused %d", attempts, answered, dialling, m.people.disposals, m.people.disposeErrors)
		m.people.mu.Unlock()
	} else {
		t.Logf("no demo people; attempts %d, answered %d", attempts, answered)
	}
	if disposed < 3 || desk != disposed {
		t.Fatalf("%d attempts disposed (%d also as the call's disposition), want 3 or more within 150 s", disposed, desk)
	}
	if m.people.disposeErrors > 0 {
		t.Errorf("%d dispositions refused by the desk's handler", m.people.disposeErrors)
	}
	// an answered lead does not wait long for its disposition
	var stuck int
	if err := m.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM leads WHERE status = 'dialling' AND last_result = 'answered'
		AND last_disposition IS NULL AND last_attempt_at < now() - interval '40 seconds'`).Scan(&stuck); err != nil {
		t.Fatal(err)
	}
	if stuck > 0 {
		t.Errorf("%d answered leads left without a disposition for over 40 s", stuck)
	}
	t.Logf("%d dispositions (%d call-backs pending) in the demo's first minute", disposed, callbacks)
}
