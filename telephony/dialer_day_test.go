package telephony_test

import (
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/telephony"
)

// The network's results become the attempts' and the leads' next steps: an unallocated number
// (cause 1 on the ;2 half, as the busy trace) ends the lead as 空号; a busy one is retried after
// the campaign's busy retry; a switched-off phone and a number ringing out are retried.
func TestDialerResultsByCause(t *testing.T) {
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
	f := newDialFloor(t, 3, byPrefix(150*time.Millisecond, 200*time.Millisecond), telephony.DialerOptions{})
	f.campaign("prog", callfloor.PaceProgressive, phones("138", 30), nil)
	f.start()
	f.login("1001", "1002", "1003")
	testenv.Eventually(t, 30*time.Second, "30 attempts", func() bool { return len(f.attempts("prog")) >= 30 })
	c := countResults(f.attempts("prog"))
	if c["dropped"] != 0 || c["answered"] != 30 {
		t.Errorf("results %v, want 30 answered, none dropped", c)
	}
}

// A campaign whose calling window is closed dials nothing; a number put on the do-not-call list
// mid-campaign is not dialled.
func TestDialerWindowAndDNC(t *testing.T) {
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
// the day's drop rate under the campaign's target (3 % of answered).
func TestDialerPredictiveDropRate(t *testing.T) {
	if testing.Short() {
		t.Skip("a simulated half-minute of dialling")
	}
	f := newDialFloor(t, 8, byPrefix(300*time.Millisecond, 1200*time.Millisecond), telephony.DialerOptions{})
	list := append(phones("139", 150), phones("138", 250)...) // 139…: ring out
	f.cfg.ACD.Outbound.RingTimeout = 1500 * time.Millisecond
	f.campaign("pred", callfloor.PacePredictive, list, nil)
	f.start()
	f.login("1001", "1002", "1003", "1004", "1005", "1006", "1007", "1008")
	testenv.Eventually(t, 90*time.Second, "300 attempts", func() bool { return len(f.attempts("pred")) >= 300 })
	c := countResults(f.attempts("pred"))
	answered := c["answered"] + c["dropped"]
	rate := float64(c["dropped"]) / float64(answered)
	t.Logf("predictive: %v, drop rate %.2f %% of %d answered", c, rate*100, answered)
	if answered < 100 || rate > callfloor.DefaultDropTarget {
		t.Errorf("drop rate %.2f %% of %d answered, want ≤ 3 %%", rate*100, answered)
	}
}
