package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/telephony"
	"github.com/callfloor/callfloor/telephony/ari"
	"github.com/callfloor/callfloor/telephony/sim"
)

// A fast-forwarded demo day: the embedded demo (its queues, 24 agents, traffic, missed rings,
// pause reasons, people taking breaks) runs an 8-hour day on a clock 240 times faster (two
// minutes), the simulator, the ACD and the people all on that clock: every duration the ACD
// uses (ring timeout, wrap-up, service-level threshold, max wait, missed pause) is divided by
// the speed. At the end of the day the floor is still staffed: service level ≥ 70 %, nobody
// paused longer than their reason allows (plus a minute of slack), nobody left paused
// "missed" (the ACD returned them all; the people never had to), the breaks were taken.
//
// Under the race detector it runs 1 demo hour at ×60. When the simulator's own call generator
// falls behind its clock (a machine too loaded for the fast-forward), the test is skipped, saying
// so, rather than blaming the floor. CALLFLOOR_DEMO_DAY_HOURS sets the day's length.
func TestDemoDayKeepsTheFloorStaffed(t *testing.T) {
	speed, hours := 240.0, 8.0
	if raceEnabled {
		// the race detector makes every step several times slower: a shorter day on a slower
		// clock, so that the platform, not the detector, sets the pace
		speed, hours = 60, 1 // at 120 the service level's 20 s were 167 ms, missed at load 15
	}
	if v, err := strconv.ParseFloat(os.Getenv("CALLFLOOR_DEMO_DAY_HOURS"), 64); err == nil && v > 0 {
		hours = v
	}
	cfg, err := LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	scale := func(d time.Duration) time.Duration { return time.Duration(float64(d) / speed) }
	for i := range cfg.Queues {
		q := &cfg.Queues[i]
		q.RingTimeout, q.WrapUp, q.MaxWait = scale(q.RingTimeout), scale(q.WrapUp), scale(q.MaxWait)
		q.ServiceLevel, q.ShortAbandon = scale(q.ServiceLevel), scale(q.ShortAbandon)
		q.LongestAmber, q.LongestRed = scale(q.LongestAmber), scale(q.LongestRed)
	}
	missed := cfg.Queues[0].MissedPause(cfg.ACD).Seconds() / speed
	cfg.ACD.MissedPauseSeconds = &missed
	off := false
	cfg.ACD.RecordCalls = &off
	sc := cfg.Sim

	rdb, prefix := testenv.Redis(t)
	store := realtime.New(rdb, prefix)
	s := sim.New(sim.Config{Speed: speed, RecordingDir: t.TempDir()})
	// A missed ring is the agent declining it (busy) rather than letting it ring out: ARI's
	// originate timeout counts whole seconds, and one real second is four demo minutes here,
	// longer than any caller waits. Both are missed rings to the ACD (no_answer, rejected).
	traffic := sim.TrafficDialplan(sc.Seed, sc.NoAnswerRate, sc.BusyRate)
	s.SetDialplan(func(ep string) (sim.Behaviour, error) {
		b, err := traffic(ep)
		if b.NoAnswer && strings.HasSuffix(ep, "@agents") {
			b = sim.Behaviour{Busy: true}
		}
		return b, err
	})
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	client := ari.New(ari.Config{Name: "sim", URL: url, Username: "callfloor", Password: "callfloor-test", App: cfg.ACD.App,
		RequestTimeout: 2 * time.Second, EventFilter: telephony.EventFilter, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Logger: quiet})
	acd, err := telephony.New(telephony.Options{Config: cfg, Store: store, Nodes: []*ari.Client{client}, Logger: quiet, Tick: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	acdDone := make(chan struct{})
	go func() { defer close(acdDone); acd.Run(ctx) }()
	defer func() { cancel(); <-acdDone }()
	testenv.Eventually(t, 5*time.Second, "ACD connected", func() bool { return acd.Ready() == nil })
	ids := make([]string, len(cfg.Agents))
	for i, a := range cfg.Agents {
		ids[i] = a.ID
		if _, err := acd.Login(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	tr := sim.Traffic{App: cfg.ACD.App, Seed: sc.Seed}
	for _, q := range sc.Traffic {
		tr.Queues = append(tr.Queues, sim.QueueTraffic{Queue: q.Queue, CallsPerMinute: q.CallsPerMinute,
			PatienceMin: q.PatienceMin, PatienceMax: q.PatienceMax, TalkMin: q.TalkMin, TalkMax: q.TalkMax})
	}
	dayCtx, endDay := context.WithTimeout(ctx, time.Duration(hours*float64(time.Hour)/speed))
	defer endDay()
	trafficDone := make(chan struct{})
	go func() { defer close(trafficDone); _ = s.RunTraffic(dayCtx, tr) }()
	people := newDemoPeople(acd, ids, speed, sc.Seed, quiet)
	lateness := make(chan time.Duration, 1) // the machine's scheduling delay over the day (p90)
	go func() { lateness <- sleepLateness(dayCtx, 5*time.Millisecond) }()
	peopleDone := make(chan struct{})
	go func() { defer close(peopleDone); people.Run(dayCtx) }()
	<-dayCtx.Done()
	<-peopleDone
	<-trafficDone
	end := time.Now()

	k := realtime.NewKPI(store, realtime.KPIOptions{Queues: acd.Queues, Agents: acd.Agents, PauseReasons: acd.PauseReasons})
	floor, err := k.Floor(context.Background(), end)
	if err != nil {
		t.Fatal(err)
	}
	day := floor.Today
	sl := 0.0
	if day.ServiceLevel != nil {
		sl = *day.ServiceLevel
	}
	t.Logf("demo day (%.1f h at ×%.0f): offered %d answered %d abandoned %d, service level %.1f %%, agents at the end %+v; breaks %v, longest break (demo s) %v, most away at once %d, self-returns %v",
		hours, speed, day.Offered, day.Answered, day.Abandoned, sl*100, floor.Agents, people.breaksTaken, people.longestBreakS, people.maxAwayAtOnce, people.selfReturns)
	perMinute := 0.0
	for _, q := range sc.Traffic {
		perMinute += q.CallsPerMinute
	}
	if expected := hours * 60 * perMinute; float64(day.Offered) < 0.75*expected {
		// the generator itself fell behind its clock: the machine could not keep up with the
		// fast-forward, and nothing below says anything about the floor
		t.Skipf("%d calls offered of about %.0f: this machine cannot run the demo day at ×%.0f now (load)", day.Offered, expected, speed)
	}
	if late := <-lateness; sl < 0.70 && late > 10*time.Millisecond {
		// the service level's 20 s are 333 ms here: a machine whose goroutines wake that late
		// (p90 of a 5 ms sleep's overshoot) answers late because of its load, not the floor
		t.Skipf("service level %.1f %%, but a 5 ms sleep overshot by %v (p90) during the day: this machine cannot run the demo day at ×%.0f now (load)", sl*100, late, speed)
	} else if sl < 0.70 {
		t.Errorf("service level %.1f %% at the end of the day, want ≥ 70 %% (a 5 ms sleep overshot by %v, p90)", sl*100, late)
	}
	statuses, err := store.Agents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rs := acd.PauseReasons()
	slack := time.Minute
	var missedOffers int64
	for _, st := range statuses {
		c, _ := store.AgentCounters(context.Background(), st.Agent, end)
		missedOffers += c[realtime.CntOffersNoAnswer]
		switch st.State {
		case callfloor.AgentLoggedOut:
			t.Errorf("agent %s logged out at the end of the day", st.Agent)
		case callfloor.AgentPaused:
			inPause := time.Duration(float64(end.Sub(st.Since)) * speed) // on the demo clock
			limit := maxOf(rs, st.Reason)
			if st.Reason == cfg.ACD.MissedPauseReason {
				limit = time.Duration(missed * speed * float64(time.Second))
			}
			if limit == 0 || inPause > limit+slack {
				t.Errorf("agent %s paused (%s) for %s of demo time, its limit is %s", st.Agent, st.Reason, inPause.Round(time.Second), limit)
			}
		}
	}
	if os.Getenv("CALLFLOOR_DEMO_DAY_DEBUG") != "" {
		res := map[string]int{}
		after := "0"
		for {
			evs, err := store.ReadStream(context.Background(), after, 5000)
			if err != nil || len(evs) == 0 {
				break
			}
			for _, e := range evs {
				after = e.ID
				if e.Type == callfloor.EvCallOfferEnded && e.Offer != nil {
					res[e.Offer.Result]++
				}
			}
		}
		t.Logf("offer results %v", res)
	}
	if missedOffers == 0 {
		t.Error("no ring was missed all day: the missed-pause path was not exercised")
	}
	if n := people.selfReturns[cfg.ACD.MissedPauseReason]; n > 0 {
		t.Errorf("%d missed pauses ended by the people, not by the ACD", n)
	}
	taken := 0
	for _, n := range people.breaksTaken {
		taken += n
	}
	// a third of the floor per hour over a day; in a short one (the race detector's), where each
	// agent's first break falls 20–120 demo minutes in, 60 % of the first breaks due by its end
	want := int(hours * float64(len(ids)) / 3)
	if hours < 2 {
		want = int(0.6 * float64(len(ids)) * min(1, (hours*60-20)/100))
	}
	if taken < want {
		t.Errorf("%d breaks taken in the day, want at least %d", taken, want)
	}
}

// sleepLateness sleeps d again and again until ctx ends and returns the 90th percentile of how
// late each sleep woke: how far behind its timers a loaded machine runs.
func sleepLateness(ctx context.Context, d time.Duration) time.Duration {
	var late []time.Duration
	for ctx.Err() == nil {
		t0 := time.Now()
		time.Sleep(d)
		late = append(late, time.Since(t0)-d)
	}
	if len(late) == 0 {
		return 0
	}
	slices.Sort(late)
	return late[len(late)*9/10]
}
