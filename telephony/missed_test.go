package telephony_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/telephony/sim"
)

func fp(v float64) *float64 { return &v }

// missedConfig: agents 9001 (never answers) and 1002; the missed pause lasts seconds (nil: the
// default) unless a queue overrides it.
func missedConfig(seconds *float64, agents ...string) *callfloor.Config {
	cfg := testConfig(agents...)
	cfg.ACD.MissedPauseSeconds = seconds
	return cfg
}

// missOnce makes 9001 miss one ring of queue (1002 answers the call after).
func missOnce(t *testing.T, f *floor, queue string) callfloor.AgentStatus {
	t.Helper()
	f.place(sim.CallerSpec{Queue: queue, TalkFor: 100 * time.Millisecond})
	f.waitEvent(5*time.Second, "9001 missed the ring", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallOfferEnded && e.Offer != nil && e.Offer.Agent == "9001"
	})
	var st callfloor.AgentStatus
	testenv.Eventually(t, 2*time.Second, "9001 paused (missed)", func() bool {
		st = f.agentState("9001")
		return st.State == callfloor.AgentPaused && st.Reason == "missed"
	})
	return st
}

func TestMissedRingPauseEndsByItself(t *testing.T) {
	t.Parallel()
	f := newFloor(t, missedConfig(fp(1), "9001", "1002"))
	f.login("9001")
	time.Sleep(1100 * time.Millisecond) // longest idle: 9001 is offered first
	f.login("1002")
	before := time.Now()
	st := missOnce(t, f, "sales")
	if st.PauseUntil.IsZero() || st.PauseUntil.Before(before.Add(900*time.Millisecond)) || st.PauseUntil.After(time.Now().Add(1100*time.Millisecond)) {
		t.Fatalf("pause_until %v, want about 1 s after the missed ring (%v)", st.PauseUntil, before)
	}
	f.answeredBy("1002", 5*time.Second)
	testenv.Eventually(t, 3*time.Second, "9001 available again by itself", func() bool {
		return f.agentState("9001").State == callfloor.AgentAvailable
	})
	if got := f.agentState("9001"); !got.PauseUntil.IsZero() || got.Reason != "" {
		t.Errorf("after the timed pause: %+v, want no pause_until and no reason", got)
	}
	if time.Now().Before(st.PauseUntil) {
		t.Errorf("available before the pause's end %v", st.PauseUntil)
	}
	// the return is on the change stream (wallboards see it)
	f.waitEvent(time.Second, "agent.state available for 9001", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvAgentState && e.Agent != nil && e.Agent.Agent == "9001" && e.Agent.State == callfloor.AgentAvailable && e.Prev == callfloor.AgentPaused
	})
}

func TestMissedPauseZeroStaysPausedAndQueueOverrides(t *testing.T) {
	t.Parallel()
	// global 1 s, but sales says 0: until someone unpauses; support says 1 s while global is 0
	cfg := missedConfig(fp(1), "9001", "1002")
	cfg.Queues[0].MissedPauseSeconds = fp(0)
	cfg.Agents[0].Skills = map[string]int{"sales": 5, "support": 5}
	cfg.Agents[1].Skills = map[string]int{"sales": 5, "support": 5}
	f := newFloor(t, cfg)
	f.login("9001")
	time.Sleep(1100 * time.Millisecond)
	f.login("1002")
	st := missOnce(t, f, "sales")
	if !st.PauseUntil.IsZero() {
		t.Fatalf("sales (missed_pause_seconds 0): pause_until %v, want none", st.PauseUntil)
	}
	f.answeredBy("1002", 5*time.Second)
	time.Sleep(1500 * time.Millisecond)
	if got := f.agentState("9001"); got.State != callfloor.AgentPaused || got.Reason != "missed" {
		t.Fatalf("sales miss with missed_pause_seconds 0: %+v, want still paused (missed)", got)
	}

	// the other way round: global 0, support 1 s
	cfg2 := missedConfig(fp(0), "9001", "1002")
	cfg2.Queues[1].MissedPauseSeconds = fp(1)
	for i := range cfg2.Agents {
		cfg2.Agents[i].Skills = map[string]int{"support": 5}
	}
	f2 := newFloor(t, cfg2)
	f2.login("9001")
	time.Sleep(1100 * time.Millisecond)
	f2.login("1002")
	st = missOnce(t, f2, "support")
	if st.PauseUntil.IsZero() {
		t.Fatal("support (missed_pause_seconds 1, global 0): no pause_until")
	}
	testenv.Eventually(t, 3*time.Second, "9001 back after support's 1 s", func() bool {
		return f2.agentState("9001").State == callfloor.AgentAvailable
	})
}

func TestMissedPauseReturnSkipsAChangedAgent(t *testing.T) {
	t.Parallel()
	f := newFloor(t, missedConfig(fp(1), "9001", "1002"))
	ctx := context.Background()
	f.login("9001")
	time.Sleep(1100 * time.Millisecond)
	f.login("1002")
	st := missOnce(t, f, "sales")
	// a supervisor makes them available, then they go to lunch before the timed pause ends
	if _, err := f.acd.Unpause(ctx, "9001"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.acd.Pause(ctx, "9001", "lunch"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(st.PauseUntil) + 500*time.Millisecond)
	if got := f.agentState("9001"); got.State != callfloor.AgentPaused || got.Reason != "lunch" {
		t.Fatalf("re-paused for lunch: %+v after the missed pause's end, want still paused (lunch)", got)
	}

	// missed again, then logged out: stays logged out
	f.answeredBy("1002", 5*time.Second)
	if _, err := f.acd.Unpause(ctx, "9001"); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 3*time.Second, "1002 out of wrap-up", func() bool { return f.agentState("1002").State == callfloor.AgentAvailable })
	freshen(t, f, "1002") // 9001 idle longest again
	f.poll()
	f.events = nil
	st = missOnce(t, f, "sales")
	if _, err := f.acd.Logout(ctx, "9001"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(st.PauseUntil) + 500*time.Millisecond)
	if got := f.agentState("9001"); got.State != callfloor.AgentLoggedOut {
		t.Fatalf("logged out during the missed pause: %+v, want logged out", got)
	}
}

func TestMissedPauseReturnSurvivesRestart(t *testing.T) {
	t.Parallel()
	f := newFloor(t, missedConfig(fp(1), "9001", "1002"))
	f.login("9001")
	time.Sleep(1100 * time.Millisecond)
	f.login("1002")
	st := missOnce(t, f, "sales")
	f.answeredBy("1002", 5*time.Second)
	f.stop() // callfloor stops before the pause ends, and stays away past it
	time.Sleep(time.Until(st.PauseUntil) + 700*time.Millisecond)
	if got := f.agentState("9001"); got.State != callfloor.AgentPaused {
		t.Fatalf("while callfloor is stopped: %+v, want paused still", got)
	}
	f.start()
	testenv.Eventually(t, time.Second, "the overdue return applied at start", func() bool {
		return f.agentState("9001").State == callfloor.AgentAvailable
	})
}

func TestMissedPauseAfterConsecutiveMisses(t *testing.T) {
	t.Parallel()
	cfg := missedConfig(fp(0), "1001", "1002")
	cfg.ACD.MissedPauseAfter = 2
	f := newFloor(t, cfg)
	var answer atomic.Bool // does 1001 answer?
	f.sim.SetDialplan(func(ep string) (sim.Behaviour, error) {
		if strings.HasPrefix(ep, "Local/1001@") && !answer.Load() {
			return sim.Behaviour{NoAnswer: true}, nil
		}
		return testDialplan(100*time.Millisecond, 0, 0)(ep)
	})
	f.login("1001")
	time.Sleep(1100 * time.Millisecond)
	f.login("1002")
	missBy1001 := func(n int) {
		t.Helper()
		f.place(sim.CallerSpec{Queue: "sales", TalkFor: 100 * time.Millisecond})
		f.waitEvent(5*time.Second, "1001 missed the ring", func(e callfloor.Event) bool {
			return e.Type == callfloor.EvCallOfferEnded && e.Offer != nil && e.Offer.Agent == "1001"
		})
		f.answeredBy("1002", 5*time.Second)
		f.poll()
		f.events = nil
	}
	missBy1001(1)
	if got := f.agentState("1001"); got.State != callfloor.AgentAvailable {
		t.Fatalf("after 1 miss of 2: %+v, want available", got)
	}
	testenv.Eventually(t, 3*time.Second, "1002 out of wrap-up", func() bool { return f.agentState("1002").State == callfloor.AgentAvailable })
	freshen(t, f, "1002")
	answer.Store(true) // 1001 answers this one: the count starts over
	f.place(sim.CallerSpec{Queue: "sales", TalkFor: 100 * time.Millisecond})
	f.answeredBy("1001", 5*time.Second)
	f.poll()
	f.events = nil
	answer.Store(false)
	testenv.Eventually(t, 3*time.Second, "1001 out of wrap-up", func() bool { return f.agentState("1001").State == callfloor.AgentAvailable })
	testenv.Eventually(t, 3*time.Second, "1002 out of wrap-up", func() bool { return f.agentState("1002").State == callfloor.AgentAvailable })
	freshen(t, f, "1002") // 1001 idle longest: offered first
	missBy1001(2)
	if got := f.agentState("1001"); got.State != callfloor.AgentAvailable {
		t.Fatalf("a miss after an answered call (count reset): %+v, want available", got)
	}
	testenv.Eventually(t, 3*time.Second, "1002 out of wrap-up", func() bool { return f.agentState("1002").State == callfloor.AgentAvailable })
	freshen(t, f, "1002")
	missBy1001(3)
	if got := f.agentState("1001"); got.State != callfloor.AgentPaused || got.Reason != "missed" {
		t.Fatalf("after 2 misses in a row: %+v, want paused (missed)", got)
	}
}

// freshen makes agent idle for a second less than the others (longest idle ranks by the
// second), so that they are offered calls first.
func freshen(t *testing.T, f *floor, agent string) {
	t.Helper()
	time.Sleep(1100 * time.Millisecond)
	if _, err := f.acd.Pause(context.Background(), agent, "break"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.acd.Unpause(context.Background(), agent); err != nil {
		t.Fatal(err)
	}
}
