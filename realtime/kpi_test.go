package realtime_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
)

// floorCfg is a running configuration the tests can change.
type floorCfg struct {
	mu      sync.Mutex
	queues  []callfloor.Queue
	agents  []callfloor.Agent
	reasons []callfloor.PauseReason
	att     map[string]realtime.LiveAttendance // nil: no attendance
}

func (f *floorCfg) Attendance() map[string]realtime.LiveAttendance {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.att
}

func (f *floorCfg) PauseReasons() []callfloor.PauseReason {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]callfloor.PauseReason(nil), f.reasons...)
}

func (f *floorCfg) Queues() []callfloor.Queue {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]callfloor.Queue(nil), f.queues...)
}

func (f *floorCfg) Agents() []callfloor.Agent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]callfloor.Agent(nil), f.agents...)
}

func (f *floorCfg) kpi(s *realtime.Store) *realtime.KPI {
	return realtime.NewKPI(s, realtime.KPIOptions{Queues: f.Queues, Agents: f.Agents, PauseReasons: f.PauseReasons, Attendance: f.Attendance})
}

// addAgent configures the agent and stores it as the ACD does at start.
func (f *floorCfg) addAgent(t testing.TB, s *realtime.Store, id, team string, queues ...string) {
	t.Helper()
	a := callfloor.Agent{ID: id, Name: "Agent " + strings.ToUpper(id), Endpoint: "PJSIP/" + id, Team: team, Skills: map[string]int{}}
	for _, q := range queues {
		a.Skills[q] = 5
	}
	f.mu.Lock()
	f.agents = append(f.agents, a)
	f.mu.Unlock()
	if err := s.UpsertAgent(context.Background(), a, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
}

func move(t testing.TB, s *realtime.Store, tr realtime.Transition) {
	t.Helper()
	if _, err := s.Transition(context.Background(), tr); err != nil {
		t.Fatalf("Transition(%s → %s): %v", tr.Agent, tr.To, err)
	}
}

func saveCall(t testing.TB, s *realtime.Store, ch realtime.CallChange) {
	t.Helper()
	if ch.Event == nil {
		ch.Event = &callfloor.Event{Type: callfloor.EvCallEntered, At: time.Now(), Call: ch.Call}
	}
	if err := s.SaveCall(context.Background(), ch); err != nil {
		t.Fatal(err)
	}
}

func waitingCall(id, queue string, prio int, entered time.Time) *callfloor.Call {
	return &callfloor.Call{ID: id, Direction: callfloor.Inbound, State: callfloor.CallWaiting, Queue: queue, Priority: prio,
		Node: "pbx1", CallerNumber: "+3120555" + id, EnteredAt: entered}
}

func near(a, b float64) bool { return math.Abs(a-b) < 5e-5 }

func wantRate(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s = n/a, want %.4f", what, want)
		return
	}
	if !near(*got, want) {
		t.Errorf("%s = %.5f, want %.5f", what, *got, want)
	}
}

// The ICMI test vector of metrics.md, fed as counters, read back through a QueueView.
func TestKPIQueueICMIFigures(t *testing.T) {
	s, _, _ := newStore(t)
	cfg := &floorCfg{queues: []callfloor.Queue{{Name: "sales", ServiceLevel: 20 * time.Second, ShortAbandon: 5 * time.Second}}}
	k := cfg.kpi(s)
	now := time.Now()
	c := &callfloor.Call{ID: "icmi", Direction: callfloor.Inbound, State: callfloor.CallEnded, Queue: "sales", Node: "pbx1", EnteredAt: now.Add(-time.Minute)}
	saveCall(t, s, realtime.CallChange{Call: c, QueueInc: map[string]int64{
		realtime.CntOffered: 1060, realtime.CntAnswered: 1000, realtime.CntAbandoned: 60, realtime.CntAnsweredWithinT: 860,
		realtime.CntAbandonedWithinT: 20, realtime.CntShortAbandoned: 10, realtime.CntSumWaitAnswered: 12_000_000,
		realtime.CntHandled: 1000, realtime.CntSumTalk: 180_000_000, realtime.CntSumWrap: 30_000_000,
	}})
	v, err := k.Queue(context.Background(), "sales", now)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []realtime.Figures{v.Today, v.Window} {
		wantRate(t, "service level", f.ServiceLevel, 0.8190476)
		if got := callfloor.FormatPercent(*f.ServiceLevel, true); got != "81.90 %" {
			t.Errorf("service level shows %s, want 81.90 %%", got)
		}
		wantRate(t, "abandon rate", f.AbandonRate, 50.0/1050)
		wantRate(t, "gross abandon rate", f.GrossAbandonRate, 60.0/1060)
		wantRate(t, "ASA", f.ASA, 12)
		wantRate(t, "AHT", f.AHT, 210)
		if f.Offered != 1060 || f.Answered != 1000 || f.Abandoned != 60 || f.ShortAbandoned != 10 || f.AnsweredWithinT != 860 || f.Handled != 1000 {
			t.Errorf("counts = %+v", f)
		}
	}
	if v.WindowMin != 30 {
		t.Errorf("window_min = %d, want 30", v.WindowMin)
	}
}

// Calls lost to an Asterisk crash or restart (counter "lost") are out of the live abandon rates,
// as in callfloor.QueueCounters (the history books them with outcome "lost", hangup_by system).
func TestKPILostCallsOutOfAbandonRate(t *testing.T) {
	s, _, _ := newStore(t)
	cfg := &floorCfg{queues: []callfloor.Queue{{Name: "sales", ServiceLevel: 20 * time.Second, ShortAbandon: 5 * time.Second}}}
	k := cfg.kpi(s)
	now := time.Now()
	c := &callfloor.Call{ID: "lost", Direction: callfloor.Inbound, State: callfloor.CallEnded, Queue: "sales", Node: "pbx1", EnteredAt: now.Add(-time.Minute)}
	saveCall(t, s, realtime.CallChange{Call: c, QueueInc: map[string]int64{
		realtime.CntOffered: 1100, realtime.CntAnswered: 1000, realtime.CntAbandoned: 60, realtime.CntAnsweredWithinT: 860,
		realtime.CntShortAbandoned: 10, realtime.CntLost: 40,
	}})
	v, err := k.Queue(context.Background(), "sales", now)
	if err != nil {
		t.Fatal(err)
	}
	wantRate(t, "abandon rate", v.Today.AbandonRate, 50.0/1050)
	wantRate(t, "gross abandon rate", v.Today.GrossAbandonRate, 60.0/1060)
}

// A queue that offered nothing has no service level: null, never 1.0.
func TestKPIQueueNoCallsIsNA(t *testing.T) {
	s, _, _ := newStore(t)
	cfg := &floorCfg{queues: []callfloor.Queue{{Name: "sales", SLTarget: 0.8}}}
	v, err := cfg.kpi(s).Queue(context.Background(), "sales", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if v.Today.ServiceLevel != nil || v.Window.ServiceLevel != nil || v.Today.AbandonRate != nil || v.Today.ASA != nil || v.Today.AHT != nil || v.Occupancy != nil {
		t.Fatalf("rates without calls must be n/a: %+v", v)
	}
	b, _ := json.Marshal(v)
	if !strings.Contains(string(b), `"service_level":null`) {
		t.Errorf("JSON %s lacks service_level null", b)
	}
	if v.Status != "ok" || v.OldestSince != nil || v.Waiting != 0 {
		t.Errorf("empty queue: status %q oldest %v waiting %d", v.Status, v.OldestSince, v.Waiting)
	}
	if _, err := cfg.kpi(s).Queue(context.Background(), "nope", time.Now()); callfloor.ErrorCode(err) != callfloor.ENOTFOUND {
		t.Errorf("unknown queue: %v, want not_found", err)
	}
	if _, err := cfg.kpi(s).Agent(context.Background(), "nobody", time.Now()); callfloor.ErrorCode(err) != callfloor.ENOTFOUND {
		t.Errorf("unknown agent: %v, want not_found", err)
	}
	if _, err := cfg.kpi(s).Team(context.Background(), "nobody", time.Now()); callfloor.ErrorCode(err) != callfloor.ENOTFOUND {
		t.Errorf("unknown team: %v, want not_found", err)
	}
}

func TestKPIQueueAgentsByStateAndLongestWait(t *testing.T) {
	s, _, _ := newStore(t)
	cfg := &floorCfg{queues: []callfloor.Queue{{Name: "sales"}, {Name: "support"}}}
	now := time.Now()
	for _, id := range []string{"a1", "a2", "a3", "a4", "a5", "a6"} {
		cfg.addAgent(t, s, id, "t1", "sales")
	}
	cfg.addAgent(t, s, "s1", "t2", "support")
	at := now.Add(-10 * time.Minute)
	move(t, s, realtime.Transition{Agent: "a1", To: callfloor.AgentAvailable, Now: at})
	move(t, s, realtime.Transition{Agent: "a2", To: callfloor.AgentPaused, Reason: "break", Now: at})
	move(t, s, realtime.Transition{Agent: "a3", To: callfloor.AgentPaused, Reason: "lunch", Now: at})
	move(t, s, realtime.Transition{Agent: "a4", To: callfloor.AgentPaused, Reason: "break", Now: at})
	move(t, s, realtime.Transition{Agent: "a5", To: callfloor.AgentOnCall, Direction: callfloor.Inbound, Call: "x", Now: at})
	move(t, s, realtime.Transition{Agent: "s1", To: callfloor.AgentPaused, Reason: "break", Now: at}) // not serving sales
	// The oldest waiting call is not the first in line: a later one has a higher priority.
	oldest := now.Add(-5 * time.Minute).Truncate(time.Millisecond)
	saveCall(t, s, realtime.CallChange{Call: waitingCall("c1", "sales", 0, oldest)})
	saveCall(t, s, realtime.CallChange{Call: waitingCall("c2", "sales", 5, now.Add(-time.Minute))})
	c3 := waitingCall("c3", "sales", 0, now.Add(-2*time.Minute))
	c3.State = callfloor.CallOffering // still waits while an agent's phone rings
	saveCall(t, s, realtime.CallChange{Call: c3})

	v, err := cfg.kpi(s).Queue(context.Background(), "sales", now)
	if err != nil {
		t.Fatal(err)
	}
	want := realtime.AgentCounts{Available: 1, OnCall: 1, Paused: 3, LoggedOut: 1, ByReason: map[string]int{"break": 2, "lunch": 1}}
	if b1, b2 := js(v.Agents), js(want); b1 != b2 {
		t.Errorf("agents = %s, want %s", b1, b2)
	}
	if v.Waiting != 3 {
		t.Errorf("waiting = %d, want 3", v.Waiting)
	}
	if v.OldestSince == nil || !v.OldestSince.Equal(oldest) {
		t.Errorf("oldest waiting since = %v, want %v", v.OldestSince, oldest)
	}
}

func js(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestKPIQueueStatusThresholds(t *testing.T) {
	s, _, _ := newStore(t)
	now := time.Now()
	q := callfloor.Queue{Name: "sales", SLTarget: 0.8, WaitingAmber: 2, WaitingRed: 5, LongestAmber: 60 * time.Second, LongestRed: 10 * time.Minute}
	cfg := &floorCfg{queues: []callfloor.Queue{q}}
	k := cfg.kpi(s)
	status := func() (string, string) {
		t.Helper()
		v, err := k.Queue(context.Background(), "sales", now)
		if err != nil {
			t.Fatal(err)
		}
		return v.Status, v.StatusReason
	}
	if st, why := status(); st != "ok" || why != "" {
		t.Errorf("idle queue: %s (%s), want ok", st, why)
	}
	for i := range 3 {
		saveCall(t, s, realtime.CallChange{Call: waitingCall(string(rune('a'+i)), "sales", 0, now.Add(-10*time.Second))})
	}
	if st, why := status(); st != "amber" || why != "waiting 3 ≥ 2" {
		t.Errorf("3 waiting: %s (%s), want amber (waiting 3 ≥ 2)", st, why)
	}
	for i := 3; i < 7; i++ {
		saveCall(t, s, realtime.CallChange{Call: waitingCall(string(rune('a'+i)), "sales", 0, now.Add(-10*time.Second))})
	}
	if st, why := status(); st != "red" || why != "waiting 7 ≥ 5" {
		t.Errorf("7 waiting: %s (%s), want red (waiting 7 ≥ 5)", st, why)
	}

	// Longest wait alone.
	s2, _, _ := newStore(t)
	k = cfg.kpi(s2)
	saveCall(t, s2, realtime.CallChange{Call: waitingCall("old", "sales", 0, now.Add(-90*time.Second))})
	v, _ := k.Queue(context.Background(), "sales", now)
	if v.Status != "amber" || v.StatusReason != "longest wait 90s ≥ 60s" {
		t.Errorf("longest 90 s: %s (%s), want amber", v.Status, v.StatusReason)
	}
	saveCall(t, s2, realtime.CallChange{Call: waitingCall("older", "sales", 0, now.Add(-11*time.Minute))})
	v, _ = k.Queue(context.Background(), "sales", now)
	if v.Status != "red" || v.StatusReason != "longest wait 660s ≥ 600s" {
		t.Errorf("longest 11 min: %s (%s), want red", v.Status, v.StatusReason)
	}
	// the same as codes and numbers, for a UI to say in its language
	if len(v.StatusReasons) != 1 || v.StatusReasons[0] != (realtime.StatusReason{Code: "longest_wait", Value: 660, Limit: 600}) {
		t.Errorf("longest 11 min: reasons %+v", v.StatusReasons)
	}

	// Service level against its target: ≥ target ok, below amber, more than 10 points below red.
	s3, _, _ := newStore(t)
	k = cfg.kpi(s3)
	feed := func(id string, ans, within int64) {
		c := &callfloor.Call{ID: id, Direction: callfloor.Inbound, State: callfloor.CallEnded, Queue: "sales", Node: "pbx1", EnteredAt: now.Add(-time.Minute)}
		saveCall(t, s3, realtime.CallChange{Call: c, QueueInc: map[string]int64{realtime.CntOffered: ans, realtime.CntAnswered: ans, realtime.CntAnsweredWithinT: within}})
	}
	feed("x1", 10, 8) // 80 %
	if st, why := status2(t, k, now); st != "ok" {
		t.Errorf("SL 80 %% at target 80 %%: %s (%s), want ok", st, why)
	}
	feed("x2", 10, 6) // 70 %
	if st, why := status2(t, k, now); st != "amber" || why != "service level 70.0 % < 80.0 %" {
		t.Errorf("SL 70 %%: %s (%s), want amber", st, why)
	}
	feed("x3", 20, 5) // 19/40 = 47.5 %
	if st, why := status2(t, k, now); st != "red" || why != "service level 47.5 % < 70.0 %" {
		t.Errorf("SL 47.5 %%: %s (%s), want red", st, why)
	}
}

func status2(t *testing.T, k *realtime.KPI, now time.Time) (string, string) {
	t.Helper()
	v, err := k.Queue(context.Background(), "sales", now)
	if err != nil {
		t.Fatal(err)
	}
	return v.Status, v.StatusReason
}

func TestKPIAgentViewCurrentCallAndOccupancy(t *testing.T) {
	s, _, _ := newStore(t)
	cfg := &floorCfg{queues: []callfloor.Queue{{Name: "sales"}}}
	cfg.addAgent(t, s, "a1", "t1", "sales")
	cfg.addAgent(t, s, "a2", "t1", "sales")
	cfg.addAgent(t, s, "a3", "t1", "sales")
	k := cfg.kpi(s)
	ctx := context.Background()
	now := time.Now().Truncate(time.Millisecond)
	t0 := now.Add(-10 * time.Minute)

	// a1: available 6 min, on a call 2 min, in wrap-up for 2 min so far: (2+2) ÷ (4+6) = 0.4.
	move(t, s, realtime.Transition{Agent: "a1", To: callfloor.AgentAvailable, Now: t0})
	move(t, s, realtime.Transition{Agent: "a1", To: callfloor.AgentOnCall, Direction: callfloor.Inbound, Call: "old", Now: t0.Add(6 * time.Minute)})
	move(t, s, realtime.Transition{Agent: "a1", To: callfloor.AgentWrapUp, WrapUntil: now.Add(time.Minute), CountCall: true, Now: t0.Add(8 * time.Minute)})
	v, err := k.Agent(ctx, "a1", now)
	if err != nil {
		t.Fatal(err)
	}
	wantRate(t, "a1 occupancy", v.Occupancy, 0.4)
	if v.State != callfloor.AgentWrapUp || v.WrapUntil == nil || v.Call != nil || !v.Since.Equal(t0.Add(8*time.Minute)) {
		t.Errorf("a1 = %s", js(v))
	}

	// a2 talks with an inbound caller.
	answered := now.Add(-30 * time.Second)
	c := &callfloor.Call{ID: "in1", Direction: callfloor.Inbound, State: callfloor.CallTalking, Queue: "sales", Node: "pbx1",
		CallerNumber: "+31205550101", CalledNumber: "0800", Agent: "a2", EnteredAt: answered.Add(-20 * time.Second), AnsweredAt: answered,
		Offers: []callfloor.Offer{{Agent: "a2", Start: answered.Add(-5 * time.Second), End: answered, Result: callfloor.OfferAnswered}}}
	move(t, s, realtime.Transition{Agent: "a2", To: callfloor.AgentOnCall, Direction: callfloor.Inbound, Call: c.ID, Now: answered})
	saveCall(t, s, realtime.CallChange{Call: c, AgentID: "a2", AgentInc: map[string]int64{realtime.CntHandled: 2, realtime.CntSumTalk: 200_000, realtime.CntSumWrap: 40_000, realtime.CntOffersNoAnswer: 1}})
	v, err = k.Agent(ctx, "a2", now)
	if err != nil {
		t.Fatal(err)
	}
	want := &realtime.CurrentCall{ID: "in1", Direction: callfloor.Inbound, Queue: "sales", Number: "+31205550101", Since: answered, Connected: true}
	if js(v.Call) != js(want) {
		t.Errorf("a2 call = %s, want %s", js(v.Call), js(want))
	}
	// the phone's hold key: the view says since when the caller is on hold
	held := now.Add(-10 * time.Second)
	if !c.StartHold("a2-leg", held) {
		t.Fatal("a talking call did not go on hold")
	}
	saveCall(t, s, realtime.CallChange{Call: c, AgentID: "a2"})
	if hv, err := k.Agent(ctx, "a2", now); err != nil || hv.Call == nil || hv.Call.HoldSince == nil || !hv.Call.HoldSince.Equal(held) || hv.Call.HoldDesk {
		t.Errorf("a2 on hold from the phone: %s %v", js(hv), err)
	}
	c.EndHold("a2-leg", now)
	c.StartHold(callfloor.DeskHoldChannel, now)
	saveCall(t, s, realtime.CallChange{Call: c, AgentID: "a2"})
	if hv, err := k.Agent(ctx, "a2", now); err != nil || hv.Call == nil || !hv.Call.HoldDesk {
		t.Errorf("a2 on hold from the desktop: %s %v", js(hv), err)
	}
	c.EndHold(callfloor.DeskHoldChannel, now)
	saveCall(t, s, realtime.CallChange{Call: c, AgentID: "a2"})
	if hv, err := k.Agent(ctx, "a2", now); err != nil || hv.Call == nil || hv.Call.HoldSince != nil || hv.Call.HoldDesk {
		t.Errorf("a2 off hold: %s %v", js(hv), err)
	}
	if v.HandledToday != 2 || v.MissedOffers != 1 || v.Name != "Agent A2" || v.Team != "t1" {
		t.Errorf("a2 = %s", js(v))
	}
	wantRate(t, "a2 AHT", v.AHT, 120)

	// a3's phone rings for a call: since = the current offer's start; outbound numbers are the called party.
	ring := now.Add(-4 * time.Second)
	c2 := &callfloor.Call{ID: "in2", Direction: callfloor.Inbound, State: callfloor.CallOffering, Queue: "sales", Node: "pbx1",
		CallerNumber: "+31205550102", EnteredAt: now.Add(-40 * time.Second),
		Offers: []callfloor.Offer{{Agent: "a1", Start: now.Add(-30 * time.Second), End: now.Add(-15 * time.Second), Result: callfloor.OfferNoAnswer}, {Agent: "a3", Start: ring}}}
	move(t, s, realtime.Transition{Agent: "a3", To: callfloor.AgentRinging, Direction: callfloor.Inbound, Call: c2.ID, Now: ring})
	saveCall(t, s, realtime.CallChange{Call: c2})
	vs, err := k.Agents(ctx, []string{"a3", "a2"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[0].Agent != "a3" || vs[0].Call == nil || !vs[0].Call.Since.Equal(ring) || vs[0].Call.Number != "+31205550102" {
		t.Errorf("a3 ringing = %s", js(vs))
	}
	out := &callfloor.Call{ID: "out1", Direction: callfloor.Outbound, State: callfloor.CallTalking, Node: "pbx1", CallerNumber: "0800", CalledNumber: "+31612345678",
		Agent: "a3", EnteredAt: now.Add(-time.Minute), AnsweredAt: now.Add(-50 * time.Second)}
	move(t, s, realtime.Transition{Agent: "a3", To: callfloor.AgentOnCall, Direction: callfloor.Outbound, Call: out.ID, Now: out.AnsweredAt})
	saveCall(t, s, realtime.CallChange{Call: out})
	v, _ = k.Agent(ctx, "a3", now)
	if v.Call == nil || v.Call.Number != "+31612345678" || v.Call.Direction != callfloor.Outbound || !v.Call.Since.Equal(out.AnsweredAt) {
		t.Errorf("a3 outbound = %s", js(v.Call))
	}
}

func TestKPITeamAndFloor(t *testing.T) {
	s, _, _ := newStore(t)
	cfg := &floorCfg{queues: []callfloor.Queue{{Name: "sales"}, {Name: "support"}}}
	cfg.addAgent(t, s, "a1", "red", "sales")
	cfg.addAgent(t, s, "a2", "red", "sales", "support")
	cfg.addAgent(t, s, "b1", "blue", "support")
	k := cfg.kpi(s)
	ctx := context.Background()
	now := time.Now().Truncate(time.Millisecond)
	t0 := now.Add(-10 * time.Minute)
	move(t, s, realtime.Transition{Agent: "a1", To: callfloor.AgentAvailable, Now: t0})                                        // 10 min available
	move(t, s, realtime.Transition{Agent: "a2", To: callfloor.AgentOnCall, Direction: callfloor.Inbound, Call: "zz", Now: t0}) // 10 min on a call
	move(t, s, realtime.Transition{Agent: "b1", To: callfloor.AgentPaused, Reason: "training", Now: t0})                       // paused: not in occupancy
	saveCall(t, s, realtime.CallChange{Call: &callfloor.Call{ID: "h1", Direction: callfloor.Inbound, State: callfloor.CallEnded, Queue: "sales", Node: "pbx1", EnteredAt: now.Add(-time.Minute)},
		AgentID: "a1", AgentInc: map[string]int64{realtime.CntHandled: 3, realtime.CntSumTalk: 300_000, realtime.CntSumWrap: 60_000},
		QueueInc: map[string]int64{realtime.CntOffered: 4, realtime.CntAnswered: 3, realtime.CntAnsweredWithinT: 3, realtime.CntAbandoned: 1}})
	saveCall(t, s, realtime.CallChange{Call: &callfloor.Call{ID: "h2", Direction: callfloor.Inbound, State: callfloor.CallEnded, Queue: "support", Node: "pbx1", EnteredAt: now.Add(-time.Minute)},
		AgentID: "a2", AgentInc: map[string]int64{realtime.CntHandled: 1, realtime.CntSumTalk: 60_000, realtime.CntOffersNoAnswer: 2},
		QueueInc: map[string]int64{realtime.CntOffered: 6, realtime.CntAnswered: 5, realtime.CntAnsweredWithinT: 4, realtime.CntAbandoned: 1}})
	saveCall(t, s, realtime.CallChange{Call: waitingCall("w1", "support", 0, now.Add(-3*time.Minute))})
	saveCall(t, s, realtime.CallChange{Call: waitingCall("w2", "sales", 0, now.Add(-time.Minute))})

	tv, err := k.Team(ctx, "red", now)
	if err != nil {
		t.Fatal(err)
	}
	if tv.Handled != 4 || tv.Missed != 2 || tv.Agents.Available != 1 || tv.Agents.OnCall != 1 || tv.Agents.Paused != 0 {
		t.Errorf("team red = %s", js(tv))
	}
	wantRate(t, "team AHT", tv.AHT, 105) // (300+60+60) s ÷ 4
	wantRate(t, "team occupancy", tv.Occupancy, 0.5)

	fv, err := k.Floor(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if fv.Waiting != 2 || fv.OldestSince == nil || !fv.OldestSince.Equal(now.Add(-3*time.Minute)) {
		t.Errorf("floor waiting = %d since %v", fv.Waiting, fv.OldestSince)
	}
	if fv.Today.Offered != 10 || fv.Today.Answered != 8 || fv.Agents.Paused != 1 || fv.Agents.ByReason["training"] != 1 {
		t.Errorf("floor = %s", js(fv))
	}
	wantRate(t, "floor SL", fv.Today.ServiceLevel, 7.0/10) // ratio of sums, not the mean of 0.75 and 0.667
	wantRate(t, "floor occupancy", fv.Occupancy, 0.5)

	qs, err := k.Queues(ctx, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 2 || qs[0].Queue != "sales" || qs[1].Queue != "support" || qs[1].Agents.Paused != 1 || qs[1].Agents.OnCall != 1 || qs[0].Agents.Available != 1 {
		t.Errorf("queues = %s", js(qs))
	}
	all, err := k.Agents(ctx, nil, now)
	if err != nil || len(all) != 3 {
		t.Fatalf("all agents = %d, %v", len(all), err)
	}
}

// A call that entered 40 minutes ago counts today, not in a 30-minute window (cohort).
func TestKPIWindowVersusToday(t *testing.T) {
	s, _, _ := newStore(t)
	cfg := &floorCfg{queues: []callfloor.Queue{{Name: "sales"}}}
	k := cfg.kpi(s)
	now := time.Now()
	for id, ago := range map[string]time.Duration{"old": 40 * time.Minute, "new": 10 * time.Minute} {
		c := &callfloor.Call{ID: id, Direction: callfloor.Inbound, State: callfloor.CallEnded, Queue: "sales", Node: "pbx1", EnteredAt: now.Add(-ago)}
		saveCall(t, s, realtime.CallChange{Call: c, QueueInc: map[string]int64{realtime.CntOffered: 1, realtime.CntAnswered: 1}})
	}
	v, err := k.Queue(context.Background(), "sales", now)
	if err != nil {
		t.Fatal(err)
	}
	wantToday := int64(1)
	if s.Day(now.Add(-40*time.Minute)) == s.Day(now) {
		wantToday = 2
	}
	if v.Today.Offered != wantToday || v.Window.Offered != 1 {
		t.Errorf("today offered %d (want %d), window offered %d (want 1)", v.Today.Offered, wantToday, v.Window.Offered)
	}
}

// Without an agent configuration the profiles stored in Redis are used.
func TestKPIAgentsFromRedis(t *testing.T) {
	s, _, _ := newStore(t)
	cfg := &floorCfg{queues: []callfloor.Queue{{Name: "sales"}}}
	cfg.addAgent(t, s, "a1", "t9", "sales")
	k := realtime.NewKPI(s, realtime.KPIOptions{Queues: cfg.Queues})
	move(t, s, realtime.Transition{Agent: "a1", To: callfloor.AgentAvailable, Now: time.Now()})
	v, err := k.Queue(context.Background(), "sales", time.Now())
	if err != nil || v.Agents.Available != 1 {
		t.Fatalf("queue = %s, %v", js(v), err)
	}
	tv, err := k.Team(context.Background(), "t9", time.Now())
	if err != nil || tv.Agents.Available != 1 {
		t.Fatalf("team = %s, %v", js(tv), err)
	}
}
