package main

// The chaos suite (issue 15, item 5; deploy/chaos/run.sh): the production setup built
// from real parts on loopback, then one failure after another under steady traffic, each
// checked against what the simulated Asterisk saw. chaos_test.go runs the steps and reports;
// chaossetup_test.go builds the setup and its instances.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/telephony/sim"
)

// TestChaosSuite: two callfloor instances (child processes of this test binary, every role,
// acd.lease on) for two simulated Asterisk nodes, Redis as a Sentinel set (each instance
// reaching it through a proxy of its own), PostgreSQL with a streaming replica as
// reports_database_url, steady inbound traffic on both nodes answered by the simulator's
// agents. Then, in turn: the active instance is killed (SIGKILL), the active instance is cut
// from Redis, the Redis master fails over, the PostgreSQL primary restarts, an Asterisk node
// restarts. After each, with the traffic stopped and drained: every call the simulator placed
// and let into Stasis is in history exactly once, with the outcome, the agent and the times the
// simulator saw (within a second), no agent ever had two calls at once (from the offers and the
// calls in history, and from the simulator's bridges), nothing is left live in Redis; and the
// take-over time is measured. Several minutes: CALLFLOOR_CHAOS=1 (deploy/chaos/run.sh).
func TestChaosSuite(t *testing.T) {
	testenv.Chaos(t)
	s := newChaosSuite(t)
	a := s.start(0)
	testenv.Eventually(t, 60*time.Second, "the first instance drives both nodes", func() bool {
		return a.drives("pbx1") && a.drives("pbx2")
	})
	b := s.start(1)
	time.Sleep(2 * time.Second)
	if b.drives("pbx1") || b.drives("pbx2") {
		t.Fatal("the second instance drives a node its peer holds")
	}

	var results []chaosResult
	// 1. the holder of pbx1 dies: its lease moves to the standby, which adopts the live calls
	var killed int
	results = append(results, s.step("kill the active instance (SIGKILL)", func(r *chaosResult) {
		killed = s.holder("pbx1")
		standby := s.procs[1-killed]
		t0 := time.Now()
		s.procs[killed].kill()
		r.takeover = standby.waitDrives(t, t0, 40*time.Second, "pbx1", "pbx2")
	}))
	s.start(killed) // it comes back (systemd's restart) as the standby
	time.Sleep(2 * time.Second)
	if s.procs[killed].drives("pbx1") {
		t.Error("the restarted instance took pbx1 back from the live holder")
	}

	// 2. the holder is cut from Redis (every server of the Sentinel set): it gives its nodes
	// up before its lease expires, the standby takes them; healed, it stands by
	var cut int
	results = append(results, s.step("partition the active instance from Redis", func(r *chaosResult) {
		cut = s.holder("pbx1")
		standby := s.procs[1-cut]
		t0 := time.Now()
		s.procs[cut].proxies.Cut()
		r.takeover = standby.waitDrives(t, t0, 40*time.Second, "pbx1", "pbx2")
		for _, n := range s.nodes { // what the cut-off holder saw before it left Asterisk, it could not save
			n.blind = append(n.blind, [2]time.Time{t0, t0.Add(r.takeover)})
		}
	}))
	s.procs[cut].proxies.Restore()
	time.Sleep(3 * time.Second) // it polls the leases again: it must stay standby
	if s.procs[cut].drives("pbx1") || s.procs[cut].drives("pbx2") {
		t.Error("the healed instance took a node back from the live holder")
	}

	// 3. the Redis master fails over to its replica (SENTINEL FAILOVER)
	results = append(results, s.step("Redis master failover (SENTINEL FAILOVER)", func(r *chaosResult) {
		t0 := time.Now()
		s.set.Failover(t)
		r.faultTook = time.Since(t0)
	}))

	// 4. the PostgreSQL primary restarts (pg_ctl restart -m fast: connections cut)
	results = append(results, s.step("PostgreSQL primary restart (-m fast)", func(r *chaosResult) {
		t0 := time.Now()
		s.pg.RestartPrimary(t)
		r.faultTook = time.Since(t0)
	}))

	// 5. an Asterisk node restarts: its calls end with it; the holder reconnects and
	// reconciles (a call cut before an agent answered is lost, one talked ends answered)
	results = append(results, s.step("Asterisk node pbx2 restart", func(r *chaosResult) {
		n := s.nodes[1]
		t0 := time.Now()
		n.sim.Crash()
		time.Sleep(time.Second)
		n.sim.Restart()
		r.faultTook = s.procs[s.holder("pbx2")].waitDrives(t, t0, 30*time.Second, "pbx2")
	}))

	s.pg.CaughtUp(t)
	primary, replica := s.countCalls(s.pg.PrimaryURL), s.countCalls(s.pg.ReplicaURL)
	if primary != replica || primary == 0 {
		t.Errorf("the reports replica has %d calls, the primary %d", replica, primary)
	}

	t.Log("chaos suite: step | calls placed | refused (no application) | entered | in history | duplicates | lost | wrong outcome/agent | times off > 1 s | stamped at the reconciliation (in a gap) | max time diff (outside gaps) | double-booked agents (history/sim) | take-over | fault took | longest gap without a connected instance | load average")
	for _, r := range results {
		t.Logf("%s | %d | %d | %d | %d | %d | %d | %d | %d | %d | %s | %d/%d | %s | %s | %s | %s", r.name, r.placed, r.refused, r.entered, r.inHistory,
			r.dups, r.lost, r.wrong, r.late, r.blind, r.maxDiff.Round(time.Millisecond), r.doubleHist, r.doubleSim,
			fmtDur(r.takeover), fmtDur(r.faultTook), fmtDur(r.gap), r.load)
	}
}

func fmtDur(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return d.Round(10 * time.Millisecond).String()
}

// chaosResult is one step's figures.
type chaosResult struct {
	name                                            string
	placed, refused, entered, inHistory, dups, lost int
	wrong, late, blind, doubleHist, doubleSim       int
	replaced                                        int // ApplicationReplaced on a node: two instances connected
	maxDiff                                         time.Duration
	takeover, faultTook                             time.Duration // kill/cut → standby drives; the fault itself
	gap                                             time.Duration // the longest time no instance was connected to a node
	load                                            string
}

// step runs traffic on both nodes, does the fault 5 s in, keeps the traffic 8 s more, stops
// it, drains, and checks every call placed during the step.
func (s *chaosSuite) step(name string, fault func(*chaosResult)) chaosResult {
	t := s.t
	r := chaosResult{name: name}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i, n := range s.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.traffic(ctx, n, rand.New(rand.NewPCG(uint64(i+1), uint64(len(s.results)+1))))
		}()
	}
	mctx, stopMonitor := context.WithCancel(context.Background())
	gaps := make(chan map[string][][2]time.Time, 1)
	go func() { gaps <- s.monitor(mctx) }()
	time.Sleep(5 * time.Second)
	t.Logf("%s: the fault at %s", name, time.Now().Format("15:04:05.000"))
	fault(&r)
	time.Sleep(8 * time.Second)
	cancel()
	wg.Wait()
	stopMonitor()
	byNode := <-gaps
	for _, n := range s.nodes {
		for _, g := range byNode[n.name] {
			n.blind = append(n.blind, g)
			r.gap = max(r.gap, g[1].Sub(g[0]))
		}
	}
	s.check(&r)
	r.load = loadAvg()
	s.results = append(s.results, r)
	t.Logf("%s: %d calls placed, %d entered, %d in history, %d duplicates, %d lost, take-over %s, fault %s, load %s",
		name, r.placed, r.entered, r.inHistory, r.dups, r.lost, fmtDur(r.takeover), fmtDur(r.faultTook), r.load)
	return r
}

// traffic places inbound calls on n until ctx is done: about one a second, half to sales
// (team A), half to support (team B), each caller patient 4-20 s and talking 2-6 s, each with a
// number of its own (how history rows are matched to the simulator's calls).
func (s *chaosSuite) traffic(ctx context.Context, n *chaosNode, rng *rand.Rand) {
	for {
		gap := time.Duration(rng.ExpFloat64() * float64(time.Second))
		select {
		case <-ctx.Done():
			return
		case <-time.After(gap):
		}
		n.seq++
		q := "sales"
		if rng.IntN(2) == 1 {
			q = "support"
		}
		_, err := n.sim.PlaceCall(sim.CallerSpec{Queue: q, Number: fmt.Sprintf("%s%08d", n.numbers, n.seq), Name: "客户",
			Patience: 4*time.Second + time.Duration(rng.Int64N(int64(16*time.Second))),
			TalkFor:  2*time.Second + time.Duration(rng.Int64N(int64(4*time.Second)))})
		if err != nil && err != sim.ErrAppNotConnected {
			s.t.Errorf("placing a call on %s: %v", n.name, err)
		}
	}
}

// stepRecords waits until every call of the step has ended on the simulators and returns them
// (each node's records since the previous step).
func (s *chaosSuite) stepRecords() []sim.CallRecord {
	var out []sim.CallRecord
	testenv.Eventually(s.t, 90*time.Second, "every call of the step to end on the simulators", func() bool {
		out = out[:0]
		for _, n := range s.nodes {
			recs := n.sim.CallRecords()[n.checked:]
			for _, r := range recs {
				if r.Ended.IsZero() {
					return false
				}
			}
			out = append(out, recs...)
		}
		return true
	})
	for _, n := range s.nodes {
		n.checked = len(n.sim.CallRecords())
	}
	return out
}

// check drains the step and compares the simulators' calls with history.
func (s *chaosSuite) check(r *chaosResult) {
	t := s.t
	recs := s.stepRecords()
	var numbers []string
	for _, rec := range recs {
		r.placed++
		if !rec.Entered {
			r.refused++
			continue
		}
		r.entered++
		numbers = append(numbers, rec.Number)
	}
	// the history writer catches up (every entered call ended), then a moment for a late duplicate
	deadline := time.Now().Add(60 * time.Second)
	for s.endedInHistory(numbers) < len(numbers) && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond)
	rows := s.historyRows(numbers)
	var ids []string
	simBusy := map[string][]busySpan{}
	for _, rec := range recs {
		got := rows[rec.Number]
		if !rec.Entered {
			if len(got) > 0 {
				t.Errorf("%s: call %s never entered Stasis (no application) but is in history: %+v", r.name, rec.Number, got[0])
			}
			continue
		}
		switch len(got) {
		case 0:
			r.lost++
			t.Errorf("%s: call %s (%s, %s by %s) is not in history", r.name, rec.Number, rec.Channel, simOutcome(rec), rec.EndedBy)
			continue
		case 1:
		default:
			r.dups += len(got) - 1
			t.Errorf("%s: call %s is in history %d times: %+v", r.name, rec.Number, len(got), got)
		}
		r.inHistory++
		h := got[0]
		ids = append(ids, h.id)
		if !rec.Bridged.IsZero() {
			simBusy[rec.Agent] = append(simBusy[rec.Agent], busySpan{rec.Bridged, rec.Ended, rec.Channel})
		}
		if !s.outcomeMatches(rec, h) {
			r.wrong++
			t.Errorf("%s: call %s: history says %s by agent %q (hung up by %s), the simulator %s by %q (ended by %s)",
				r.name, rec.Number, h.outcome, h.agent, h.hangupBy, simOutcome(rec), rec.Agent, rec.EndedBy)
		}
		late, blind := false, false
		for _, d := range []struct {
			what      string
			hist, sim time.Time
		}{{"entered", h.entered, rec.Placed}, {"answered", h.answered, rec.Bridged}, {"ended", h.ended, rec.Ended}} {
			if d.hist.IsZero() != d.sim.IsZero() {
				late = true
				t.Errorf("%s: call %s: %s at %v in history, %v on the simulator", r.name, rec.Number, d.what, d.hist, d.sim)
				continue
			}
			diff, slack := d.hist.Sub(d.sim).Abs(), time.Second
			// it happened while no instance was connected to the node: callfloor learns of it
			// (and stamps it) when the new holder reconciles
			if until, ok := s.blindAt(rec, d.sim); ok && d.hist.After(d.sim) {
				slack = until.Sub(d.sim) + time.Second
				blind = blind || diff > time.Second
			} else {
				r.maxDiff = max(r.maxDiff, diff)
			}
			if diff > slack {
				late = true
				t.Errorf("%s: call %s: %s %s off the simulator's (history %s, simulator %s)", r.name, rec.Number, d.what, diff,
					d.hist.Format("15:04:05.000"), d.sim.Format("15:04:05.000"))
			}
		}
		if late {
			r.late++
		}
		if blind {
			r.blind++
		}
	}
	r.doubleHist = s.doubleBooked(ids)
	r.doubleSim = overlaps(simBusy)
	if r.doubleHist > 0 || r.doubleSim > 0 {
		t.Errorf("%s: agents with two calls at once: %d in history, %d on the simulators", r.name, r.doubleHist, r.doubleSim)
	}
	for _, n := range s.nodes {
		if k := n.sim.Stats().AppsReplaced; k > 0 {
			r.replaced += int(k)
			t.Errorf("%s: on %s, %d application connections were replaced: two instances were connected at once", r.name, n.name, k)
		}
		testenv.Eventually(t, 15*time.Second, "no call left live in Redis on "+n.name, func() bool {
			live, err := s.store.LiveCalls(context.Background(), n.name)
			return err == nil && len(live) == 0
		})
	}
}

// monitor watches, every 200 ms until ctx is done, whether some instance is connected to each
// node, and returns the gaps (no instance connected), widened by the polling interval.
func (s *chaosSuite) monitor(ctx context.Context) map[string][][2]time.Time {
	const every = 200 * time.Millisecond
	gaps := map[string][][2]time.Time{}
	open, lastUp := map[string]time.Time{}, map[string]time.Time{}
	for {
		now := time.Now()
		for _, n := range s.nodes {
			up := false
			for _, p := range s.procs {
				up = up || (p != nil && p.gauge("callfloor_ari_connected", n.name) == 1)
			}
			switch {
			case up && !open[n.name].IsZero():
				gaps[n.name] = append(gaps[n.name], [2]time.Time{open[n.name], now})
				delete(open, n.name)
			case !up && open[n.name].IsZero():
				open[n.name] = lastUp[n.name]
				if open[n.name].IsZero() {
					open[n.name] = now.Add(-every)
				}
			}
			if up {
				lastUp[n.name] = now
			}
		}
		select {
		case <-ctx.Done():
			for node, from := range open {
				gaps[node] = append(gaps[node], [2]time.Time{from, time.Now()})
			}
			return gaps
		case <-time.After(every):
		}
	}
}

// blindAt: the moment at fell in a gap of the call's node; until is the gap's end.
func (s *chaosSuite) blindAt(rec sim.CallRecord, at time.Time) (until time.Time, ok bool) {
	for _, w := range s.nodeOf(rec).blind {
		if !at.Before(w[0]) && !at.After(w[1]) {
			return w[1], true
		}
	}
	return time.Time{}, false
}

// simOutcome is the outcome the simulator's record calls for.
func simOutcome(rec sim.CallRecord) callfloor.Outcome {
	switch {
	case !rec.Bridged.IsZero():
		return callfloor.OutcomeAnswered
	case rec.EndedBy == sim.EndedByCrash:
		return callfloor.OutcomeLost
	case rec.EndedBy == sim.EndedByCaller:
		return callfloor.OutcomeAbandoned
	}
	return "ended by asterisk"
}

func (s *chaosSuite) outcomeMatches(rec sim.CallRecord, h histRow) bool {
	want := simOutcome(rec)
	switch want {
	case callfloor.OutcomeAnswered:
		agent, _, _ := strings.Cut(rec.Agent, "@")
		return h.outcome == string(want) && h.agent == agent
	case callfloor.OutcomeAbandoned:
		return h.outcome == string(callfloor.OutcomeAbandoned) || h.outcome == string(callfloor.OutcomeShortAbandon)
	}
	return h.outcome == string(want)
}

func (s *chaosSuite) nodeOf(rec sim.CallRecord) *chaosNode {
	for _, n := range s.nodes {
		if strings.HasPrefix(rec.Number, n.numbers) {
			return n
		}
	}
	return s.nodes[0]
}

// busySpan is an agent busy with a call: ringing or talking.
type busySpan struct {
	from, to time.Time
	call     string
}

// overlaps counts, per agent, the spans that begin while a span of another call is not over.
func overlaps(busy map[string][]busySpan) int {
	n := 0
	for _, spans := range busy {
		sort.Slice(spans, func(i, j int) bool { return spans[i].from.Before(spans[j].from) })
		var cur busySpan
		for i, b := range spans {
			if i > 0 && b.call != cur.call && b.from.Before(cur.to) {
				n++
			}
			if i == 0 || b.to.After(cur.to) {
				cur = b
			}
		}
	}
	return n
}
