package telephony_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testdb"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/telephony"
	"github.com/callfloor/callfloor/telephony/sim"
)

// The network's results become the attempts' and the leads' next steps: an unallocated number
// (cause 1 on the ;2 half, as the busy trace) ends the lead as 空号; a busy one is retried after
// the campaign's busy retry; a switched-off phone and a number ringing out are retried.
func TestDialerResultsByCause(t *testing.T) {
	t.Parallel()
	f := newDialFloor(t, 2, byPrefix(100*time.Millisecond, 300*time.Millisecond), telephony.DialerOptions{})
	f.campaign("causes", callfloor.PaceProgressive, []string{"13600000001", "13700000001", "13500000001", "13800000001"}, nil)
	f.start()
	f.login("1001", "1002")
	testenv.Eventually(t, 15*time.Second, "four attempts recorded", func() bool { return len(f.attempts("causes")) >= 4 })
	got := map[string]string{}
	for _, a := range f.attempts("causes") {
		got[a.phone] = a.result
	}
	want := map[string]string{"+8613600000001": "unallocated", "+8613700000001": "busy", "+8613500000001": "switched_off", "+8613800000001": "answered"}
	for p, r := range want {
		if got[p] != r {
			t.Errorf("%s: result %q, want %q (all %v)", p, got[p], r, got)
		}
	}
	st, reason, _, _ := f.leadStatus("causes", "+8613600000001")
	if st != "done" || reason == "" {
		t.Errorf("unallocated lead: %s %q, want done (空号)", st, reason)
	}
	st, _, _, next := f.leadStatus("causes", "+8613700000001")
	if st != "scheduled" || next == nil || time.Until(*next) < 9*time.Minute || time.Until(*next) > 11*time.Minute {
		t.Errorf("busy lead: %s next %v, want scheduled in 10 min", st, next)
	}
	fig, err := f.store.CampaignCounters(context.Background(), "causes", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tot := fig.Total
	if tot[realtime.CampDials] != 4 || tot[realtime.CampUnalloc] != 1 || tot[realtime.CampBusy] != 1 || tot[realtime.CampSwitchOff] != 1 || tot[realtime.CampConnected] != 1 {
		t.Errorf("campaign counters %v", tot)
	}
	// the answered lead waits with the agent for the disposition: never dialled again
	time.Sleep(time.Second)
	if n := len(f.attempts("causes")); n != 4 {
		t.Errorf("%d attempts, want 4", n)
	}
}

// Progressive dials one line per free agent and, with nobody else taking the agents, never drops.
func TestDialerProgressiveNeverDrops(t *testing.T) {
	t.Parallel()
	// the customers stay on the line 2.5 s after answering: longer than the drop wait, so that a
	// drop is the dialler's, not a customer who hung up while their agent's phone rang
	f := newDialFloor(t, 3, byPrefix(150*time.Millisecond, 2500*time.Millisecond), telephony.DialerOptions{})
	f.campaign("prog", callfloor.PaceProgressive, phones("138", 18), nil)
	f.start()
	f.login("1001", "1002", "1003")
	testenv.Eventually(t, 60*time.Second, "18 attempts", func() bool { return len(f.attempts("prog")) >= 18 })
	c := countResults(f.attempts("prog"))
	if c["dropped"] != 0 || c["answered"] != 18 {
		f.poll()
		for _, e := range f.events {
			if e.Type == callfloor.EvCallEnded && e.Call.CampaignID == "prog" && e.Call.Outcome != callfloor.OutcomeAnswered {
				t.Logf("call %s: %s by %s cause %d %q, answered %s ended %s", e.Call.ID, e.Call.Outcome, e.Call.HangupBy, e.Call.Cause, e.Call.CauseText, e.Call.AnsweredAt, e.Call.EndedAt)
			}
		}
		t.Errorf("results %v, want 18 answered, none dropped", c)
	}
}

// A campaign whose calling window is closed dials nothing; a number put on the do-not-call list
// mid-campaign is not dialled.
func TestDialerWindowAndDNC(t *testing.T) {
	t.Parallel()
	f := newDialFloor(t, 2, byPrefix(100*time.Millisecond, 200*time.Millisecond), telephony.DialerOptions{})
	now := time.Now().UTC()
	closed := now.Add(2 * time.Hour).Format("15:04")
	closedEnd := now.Add(3 * time.Hour).Format("15:04")
	if closed > closedEnd { // the window would wrap midnight
		closed, closedEnd = "00:00", "00:01"
		if now.Hour() == 0 && now.Minute() < 2 {
			t.Skip("too close to midnight")
		}
	}
	f.campaign("shut", callfloor.PaceProgressive, phones("138", 3), func(c *callfloor.Campaign) {
		c.Windows = []callfloor.CallingWindow{{Days: []time.Weekday{now.Weekday()}, Start: closed, End: closedEnd}}
	})
	f.campaign("dnc", callfloor.PaceProgressive, []string{"13800000099"}, nil)
	if err := f.db.AddDNC(context.Background(), "13800000099", "", "complaint", "test"); err != nil {
		t.Fatal(err)
	}
	f.start()
	f.login("1001", "1002")
	time.Sleep(2 * time.Second)
	if n := len(f.attempts("shut")); n != 0 {
		t.Errorf("closed window: %d attempts", n)
	}
	if n := len(f.attempts("dnc")); n != 0 {
		t.Errorf("do-not-call number dialled %d times", n)
	}
	st, _, _, next := f.leadStatus("shut", "+8613800000001")
	if st != "new" || next == nil || next.Before(now.Add(time.Hour)) {
		t.Errorf("lead outside its window: %s next %v, want new, due at the window's opening", st, next)
	}
	if n := f.sim.Stats().Originates; n != 0 {
		t.Errorf("%d originates, want none", n)
	}
}

// Predictive on the simulator: a few hundred dials to a small floor with short talk times keep
// the drop rate under the campaign's target (3 % of answered), as issue 13 asks. The pacer
// learns from the first 40 dials (not 200) so that most of the 300 are paced predictively. The
// test logs why each drop happened (dropWhy) and the answer → agent path's latencies.
//
// Measured on 2026-12-05 (BENCHMARKS.md): before, 0.5–3.8 % (1–7 drops of ~186 answered in 10
// runs): the answer delay's 10 s prior outweighed the 0.35 s measured, so every busy agent
// counted as free by the answer and the pacer dialled with customers already waiting; and a
// customer who had just answered could take the agent one waiting longer needed. After
// (AnswerDelay's prior fading out, waiting customers served in answer order and at once when an
// agent frees up): no drop in 5 runs of ~186 answered at load 21–31.
func TestDialerPredictiveDropRate(t *testing.T) {
	if testing.Short() {
		t.Skip("a simulated minute of dialling")
	}
	t.Parallel()
	f := newDialFloor(t, 8, byPrefix(300*time.Millisecond, 2500*time.Millisecond), telephony.DialerOptions{LearnDials: 40})
	// a mixed list (as real ones are): three numbers in eight ring out (139…), the rest answer
	var list []string
	ring, ans := phones("139", 150), phones("138", 250)
	for i := range 400 {
		if i%8 < 3 && len(ring) > 0 {
			list, ring = append(list, ring[0]), ring[1:]
		} else if len(ans) > 0 {
			list, ans = append(list, ans[0]), ans[1:]
		}
	}
	f.cfg.ACD.Outbound.RingTimeout = 1500 * time.Millisecond
	f.campaign("pred", callfloor.PacePredictive, list, nil)
	f.start()
	f.login("1001", "1002", "1003", "1004", "1005", "1006", "1007", "1008")
	testenv.Eventually(t, 180*time.Second, "300 attempts", func() bool { return len(f.attempts("pred")) >= 300 })
	c := countResults(f.attempts("pred"))
	answered := c["answered"] + c["dropped"]
	rate := float64(c["dropped"]) / float64(answered)
	t.Logf("predictive: %v, drop rate %.2f %% of %d answered", c, rate*100, answered)
	reasons, lines := f.dropWhy("pred", 2*time.Second)
	for _, l := range lines {
		t.Log(l)
	}
	t.Logf("drops by cause: %v", reasons)
	if answered < 100 || rate > callfloor.DefaultDropTarget {
		t.Errorf("drop rate %.2f %% of %d answered, want ≤ 3 %% (the campaign's target)", rate*100, answered)
	}
}

// A restart of the ACD in the middle of a campaign dials no lead twice: every lead (one
// attempt each, all answer) is dialled exactly once across the two runs.
func TestDialerRestartNoDoubleDial(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	dialled := map[string]int{} // customer originates per number, as the simulator saw them
	inner := byPrefix(200*time.Millisecond, 600*time.Millisecond)
	f := newDialFloor(t, 3, func(ep string) (sim.Behaviour, error) {
		if strings.HasSuffix(ep, "@outbound") {
			mu.Lock()
			dialled[ep]++
			mu.Unlock()
		}
		return inner(ep)
	}, telephony.DialerOptions{})
	f.campaign("restart", callfloor.PaceProgressive, phones("138", 20), func(c *callfloor.Campaign) { c.MaxAttempts, c.MaxAttemptsPerDay = 1, 1 })
	f.start()
	f.login("1001", "1002", "1003")
	testenv.Eventually(t, 20*time.Second, "some attempts before the restart", func() bool { return len(f.attempts("restart")) >= 5 })
	f.stop() // mid-campaign: lines ringing, customers talking
	time.Sleep(300 * time.Millisecond)
	f.start()
	testenv.Eventually(t, 40*time.Second, "every lead attempted", func() bool { return len(f.attempts("restart")) >= 20 })
	time.Sleep(time.Second)
	seen := map[string]int{}
	for _, a := range f.attempts("restart") {
		seen[a.phone]++
	}
	for p, n := range seen {
		if n != 1 {
			t.Errorf("%s dialled %d times", p, n)
		}
	}
	if len(seen) != 20 {
		t.Errorf("%d leads attempted, want 20", len(seen))
	}
	mu.Lock()
	defer mu.Unlock()
	eachOnce(t, dialled, 20)
}

// eachOnce checks that want numbers were originated, each once.
func eachOnce(t *testing.T, dialled map[string]int, want int) {
	t.Helper()
	if len(dialled) != want {
		t.Errorf("%d numbers originated, want %d", len(dialled), want)
	}
	for ep, n := range dialled {
		if n != 1 {
			t.Errorf("%s originated %d times", ep, n)
		}
	}
}

// Blended: an agent of the campaign who becomes free while a caller waits in the inbound queue
// they serve takes the caller; the dialler neither dials for them nor gives them a customer.
func TestDialerBlendedInboundFirst(t *testing.T) {
	t.Parallel()
	f := newDialFloor(t, 1, byPrefix(100*time.Millisecond, 1500*time.Millisecond), telephony.DialerOptions{})
	f.campaign("blend", callfloor.PaceProgressive, phones("138", 20), func(c *callfloor.Campaign) { c.Queue = "sales" })
	f.start()
	f.login("1001")
	first := f.waitEvent(10*time.Second, "the agent talks with a dialled customer", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallAnswered && e.Call.CampaignID == "blend"
	}).Call
	f.place(sim.CallerSpec{Queue: "sales", Patience: time.Minute, TalkFor: 300 * time.Millisecond})
	next := f.waitEvent(10*time.Second, "the agent's next call", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallAnswered && e.Call.ID != first.ID
	}).Call
	if next.Direction != callfloor.Inbound || next.Agent != "1001" {
		t.Fatalf("after the dialled call the agent took %s call %s (campaign %q), want the waiting inbound caller", next.Direction, next.ID, next.CampaignID)
	}
	if c := countResults(f.attempts("blend")); c["dropped"] != 0 {
		t.Errorf("results %v: a dialled customer was dropped while the agent was kept for inbound", c)
	}
}

// Two instances sharing Redis and PostgreSQL: one dials the campaign at a time (the Redis lock)
// and no lead is dialled twice.
func TestDialerTwoInstancesOneDialler(t *testing.T) {
	t.Parallel()
	db, _ := testdb.Open(t)
	rdb, prefix := testenv.Redis(t)
	store := realtime.New(rdb, prefix)
	cfg := testConfig("1001", "1002")
	var mu sync.Mutex
	dialled := []map[string]int{{}, {}}
	var floors []*dialFloor
	for i := range 2 {
		inner := byPrefix(100*time.Millisecond, 400*time.Millisecond)
		s := sim.New(sim.Config{RecordingDir: t.TempDir(), EntityID: []string{"02:fc:00:00:00:01", "02:fc:00:00:00:02"}[i]})
		s.SetDialplan(func(ep string) (sim.Behaviour, error) {
			if strings.HasSuffix(ep, "@outbound") {
				mu.Lock()
				dialled[i][ep]++
				mu.Unlock()
			}
			return inner(ep)
		})
		url, err := s.Start("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		f := &dialFloor{floor: &floor{t: t, sim: s, simURL: url, rdb: rdb, prefix: prefix, store: store, cfg: cfg, cursor: "0",
			dialer: &telephony.DialerOptions{Source: db, Every: 200 * time.Millisecond}}, db: db}
		floors = append(floors, f)
	}
	floors[0].campaign("two", callfloor.PaceProgressive, phones("138", 20), func(c *callfloor.Campaign) { c.MaxAttempts, c.MaxAttemptsPerDay = 1, 1 })
	for i, f := range floors {
		f.startOn(f.simURL, []string{"pbx1", "pbx2"}[i])
		f.waitReady()
	}
	floors[0].login("1001", "1002")
	testenv.Eventually(t, 40*time.Second, "every lead attempted", func() bool { return len(floors[0].attempts("two")) >= 20 })
	time.Sleep(500 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(dialled[0]) != 0 && len(dialled[1]) != 0 {
		t.Errorf("both instances dialled the campaign: %d and %d numbers", len(dialled[0]), len(dialled[1]))
	}
	total := map[string]int{}
	for _, m := range dialled {
		for ep, n := range m {
			total[ep] += n
		}
	}
	eachOnce(t, total, 20)
}

// A number put on the do-not-call list while its campaign is being dialled is not dialled.
func TestDialerDNCMidCampaign(t *testing.T) {
	t.Parallel()
	f := newDialFloor(t, 1, byPrefix(100*time.Millisecond, 500*time.Millisecond), telephony.DialerOptions{})
	list := phones("138", 8)
	f.campaign("midnc", callfloor.PaceProgressive, list, nil)
	f.start()
	f.login("1001")
	testenv.Eventually(t, 15*time.Second, "the first attempt", func() bool { return len(f.attempts("midnc")) >= 1 })
	if err := f.db.AddDNC(context.Background(), list[7], "", "customer complained", "test"); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 30*time.Second, "the other leads attempted", func() bool { return len(f.attempts("midnc")) >= 7 })
	time.Sleep(time.Second)
	for _, a := range f.attempts("midnc") {
		if a.phone == "+86"+list[7] {
			t.Fatalf("%s dialled after it went on the do-not-call list", a.phone)
		}
	}
	if st, reason, _, _ := f.leadStatus("midnc", "+86"+list[7]); st != "done" || reason != "do_not_call" {
		t.Errorf("lead on the do-not-call list: %s %s", st, reason)
	}
}
