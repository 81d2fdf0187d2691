package realtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
)

// teamCall is an inbound call of queue sales that entered at entered and rang at the agents
// listed, in order; answered by the last of them when answered is true.
func teamCall(id string, entered time.Time, answered bool, rang ...string) *callfloor.Call {
	c := &callfloor.Call{ID: id, Direction: callfloor.Inbound, State: callfloor.CallEnded, Queue: "sales", Node: "pbx1", EnteredAt: entered}
	for _, a := range rang {
		c.Offers = append(c.Offers, callfloor.Offer{Agent: a, Start: entered.Add(time.Second)})
	}
	if answered && len(rang) > 0 {
		c.Agent = rang[len(rang)-1]
		c.State = callfloor.CallTalking
	}
	return c
}

// feedTeamCalls plays the counters the ACD writes for a few calls (entry, answer, end), each
// call's record carrying the agents it rang at and the one who answered.
func feedTeamCalls(t *testing.T, s *realtime.Store, now time.Time) {
	t.Helper()
	entered := func(c *callfloor.Call) {
		w := *c
		w.State, w.Agent, w.Offers = callfloor.CallWaiting, "", nil
		saveCall(t, s, realtime.CallChange{Call: &w, QueueInc: map[string]int64{realtime.CntOffered: 1}})
	}
	answer := func(c *callfloor.Call, waitMs int64, within bool) {
		inc := map[string]int64{realtime.CntAnswered: 1, realtime.CntSumWaitAnswered: waitMs}
		if within {
			inc[realtime.CntAnsweredWithinT] = 1
		}
		saveCall(t, s, realtime.CallChange{Call: c, QueueInc: inc, AgentID: c.Agent, AgentInc: map[string]int64{realtime.CntAnswered: 1}})
	}
	end := func(c *callfloor.Call, inc map[string]int64) {
		e := *c
		e.State = callfloor.CallEnded
		saveCall(t, s, realtime.CallChange{Call: &e, QueueInc: inc})
	}
	// c1: rang at b1 (no answer), then answered by a1 in 10 s, 120 s talk + 30 s wrap-up: red's
	c1 := teamCall("c1", now.Add(-5*time.Minute), true, "b1", "a1")
	entered(c1)
	answer(c1, 10_000, true)
	end(c1, map[string]int64{realtime.CntHandled: 1, realtime.CntSumTalk: 120_000, realtime.CntSumWrap: 30_000})
	// c2: answered by b1 after 30 s: blue's
	c2 := teamCall("c2", now.Add(-4*time.Minute), true, "b1")
	entered(c2)
	answer(c2, 30_000, false)
	// c3: rang at b1, then a2, abandoned after 40 s: red's (the last agent it rang at)
	c3 := teamCall("c3", now.Add(-3*time.Minute), false, "b1", "a2")
	entered(c3)
	end(c3, map[string]int64{realtime.CntAbandoned: 1, realtime.CntSumWaitAbandoned: 40_000})
	// c4: a short abandon that never rang at anyone: no team's
	c4 := teamCall("c4", now.Add(-2*time.Minute), false)
	entered(c4)
	end(c4, map[string]int64{realtime.CntAbandoned: 1, realtime.CntShortAbandoned: 1, realtime.CntAbandonedWithinT: 1, realtime.CntSumWaitAbandoned: 2_000})
	// c5: entered 40 minutes ago, answered by a1 in 5 s: red's, today only (outside the window)
	c5 := teamCall("c5", now.Add(-40*time.Minute), true, "a1")
	entered(c5)
	answer(c5, 5_000, true)
	// c6: still waiting, rang at a1 (no answer yet): no outcome, no team's
	c6 := teamCall("c6", now.Add(-time.Minute), false, "a1")
	c6.State = callfloor.CallWaiting
	entered(c6)
}

func TestKPITeamFiguresFromTheirCalls(t *testing.T) {
	s, _, _ := newStore(t)
	cfg := &floorCfg{queues: []callfloor.Queue{{Name: "sales", ServiceLevel: 20 * time.Second, ShortAbandon: 5 * time.Second}}}
	cfg.addAgent(t, s, "a1", "red", "sales")
	cfg.addAgent(t, s, "a2", "red", "sales")
	cfg.addAgent(t, s, "b1", "blue", "sales")
	k := cfg.kpi(s)
	now := time.Now()
	feedTeamCalls(t, s, now)
	sameDay := s.Day(now.Add(-40*time.Minute)) == s.Day(now)

	red, err := k.Team(context.Background(), "red", now)
	if err != nil {
		t.Fatal(err)
	}
	// window (last 30 min): c1 answered within T, c3 abandoned
	w := red.Window
	if w.Offered != 2 || w.Answered != 1 || w.Abandoned != 1 || w.ShortAbandoned != 0 || w.AnsweredWithinT != 1 || w.Handled != 1 {
		t.Errorf("red window = %s", js(w))
	}
	wantRate(t, "red window SL", w.ServiceLevel, 0.5) // 1 ÷ (1 + 1 − 0)
	wantRate(t, "red window abandon rate", w.AbandonRate, 0.5)
	wantRate(t, "red window ASA", w.ASA, 10)
	wantRate(t, "red window AHT", w.AHT, 150)
	if red.WindowMin != 30 {
		t.Errorf("window_min = %d", red.WindowMin)
	}
	// today: c5 too, when it entered today
	td := red.Today
	if sameDay {
		if td.Offered != 3 || td.Answered != 2 || td.Abandoned != 1 || td.AnsweredWithinT != 2 {
			t.Errorf("red today = %s", js(td))
		}
		wantRate(t, "red today SL", td.ServiceLevel, 2.0/3)
		wantRate(t, "red today ASA", td.ASA, 7.5)
		wantRate(t, "red today abandon rate", td.AbandonRate, 1.0/3)
	}

	blue, err := k.Team(context.Background(), "blue", now)
	if err != nil {
		t.Fatal(err)
	}
	if b := blue.Window; b.Offered != 1 || b.Answered != 1 || b.Abandoned != 0 || b.AnsweredWithinT != 0 {
		t.Errorf("blue window = %s (c1 and c3 rang at b1 but are not blue's)", js(b))
	}
	wantRate(t, "blue SL", blue.Window.ServiceLevel, 0)
	wantRate(t, "blue ASA", blue.Window.ASA, 30)
	if blue.Window.AHT != nil {
		t.Errorf("blue AHT = %v, want n/a (no call of blue's has ended)", *blue.Window.AHT)
	}

	// The queue keeps every call, the teams' sum leaves out the one that never rang (c4) and the
	// one still waiting (c6).
	q, err := k.Queue(context.Background(), "sales", now)
	if err != nil {
		t.Fatal(err)
	}
	if q.Window.Offered != 5 || q.Window.Abandoned != 2 {
		t.Errorf("queue window = %s", js(q.Window))
	}

	// Teams gives the same figures.
	all, err := k.Teams(context.Background(), now)
	if err != nil || len(all) != 2 || all[0].Team != "blue" || all[1].Team != "red" {
		t.Fatalf("teams = %s, %v", js(all), err)
	}
	if js(all[1].Window) != js(red.Window) || js(all[0].Today) != js(blue.Today) {
		t.Errorf("Teams = %s, Team = %s / %s", js(all), js(red), js(blue))
	}
}

// A team with no calls says n/a, never 100 %.
func TestKPITeamWithoutCallsIsNA(t *testing.T) {
	s, _, _ := newStore(t)
	cfg := &floorCfg{queues: []callfloor.Queue{{Name: "sales"}}}
	cfg.addAgent(t, s, "a1", "red", "sales")
	v, err := cfg.kpi(s).Team(context.Background(), "red", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if v.Today.Offered != 0 || v.Today.ServiceLevel != nil || v.Window.ASA != nil || v.Today.AbandonRate != nil {
		t.Errorf("team without calls = %s", js(v))
	}
}

func teamIn(vs []realtime.TeamView, name string) *realtime.TeamView {
	for i := range vs {
		if vs[i].Team == name {
			return &vs[i]
		}
	}
	return nil
}

// A team lead's team view and a supervisor's floor view (which carries every team, for the
// wallboard's team filter) get the team's figures, live: a call answered by the team's agent
// moves them; the other team's view is not sent again.
func TestHubTeamFiguresLive(t *testing.T) {
	e := newHubEnv(t, realtime.HubOptions{}, false)
	e.cfg.mu.Lock()
	e.cfg.queues = []callfloor.Queue{{Name: "sales", ServiceLevel: 20 * time.Second}}
	e.cfg.mu.Unlock()
	e.cfg.addAgent(t, e.s, "a1", "t1", "sales")
	e.cfg.addAgent(t, e.s, "b1", "t2", "sales")
	now := time.Now()
	// a call answered by b1 before anyone looks (its answered event marks b1's team for the hub)
	old := teamCall("old", now.Add(-2*time.Minute), true, "b1")
	saveCall(t, e.s, realtime.CallChange{Call: old, Event: &callfloor.Event{Type: callfloor.EvCallAnswered, At: now.Add(-2 * time.Minute), Call: old},
		QueueInc: map[string]int64{realtime.CntOffered: 1, realtime.CntAnswered: 1, realtime.CntAnsweredWithinT: 1, realtime.CntSumWaitAnswered: 4000}})

	c := dial(t, e.url, nil)
	var seq int64
	// the floor view carries every team; t2 shows b1's call once the hub has read its event
	// (in the snapshot, or in a delta right after it when the hub reads the event later)
	send(t, c, subscribe("floor", realtime.View{Kind: "floor"}))
	m := waitFor(t, c, &seq, "floor snapshot", func(m wsMsg) bool { return m.Type == "snapshot" })
	if len(m.Data.Teams) != 2 || m.Data.Teams[0].Team != "t1" || m.Data.Teams[1].Team != "t2" {
		t.Fatalf("floor snapshot teams = %s", js(m.Data.Teams))
	}
	for t2 := teamIn(m.Data.Teams, "t2"); t2 == nil || t2.Today.Answered != 1; t2 = teamIn(m.Data.Teams, "t2") {
		m = waitFor(t, c, &seq, "t2 with b1's call", func(m wsMsg) bool { return m.Type == "delta" && m.Sub == "floor" })
	}
	if t2 := teamIn(m.Data.Teams, "t2"); t2.Today.Answered != 1 || t2.Window.Answered != 1 || t2.Agents.LoggedOut != 1 {
		t.Errorf("t2 in the floor view = %s", js(t2))
	}
	wantRate(t, "t2 ASA", teamIn(m.Data.Teams, "t2").Today.ASA, 4)
	send(t, c, subscribe("team", realtime.View{Kind: "team", Team: "t1"}))
	m = waitFor(t, c, &seq, "team snapshot", func(m wsMsg) bool { return m.Type == "snapshot" && m.Sub == "team" })
	if m.Data.Team == nil || m.Data.Team.Today.Offered != 0 || m.Data.Team.Today.ServiceLevel != nil {
		t.Fatalf("team snapshot = %s", js(m.Data.Team))
	}

	// a1 answers a call after 25 s (outside T)
	c1 := teamCall("c1", time.Now().Add(-25*time.Second), true, "a1")
	saveCall(t, e.s, realtime.CallChange{Call: c1, Event: &callfloor.Event{Type: callfloor.EvCallAnswered, At: time.Now(), Call: c1},
		QueueInc: map[string]int64{realtime.CntAnswered: 1, realtime.CntSumWaitAnswered: 25_000}})
	var gotTeam, gotFloor bool
	for !(gotTeam && gotFloor) {
		m = waitFor(t, c, &seq, "team figures", func(m wsMsg) bool { return m.Type == "delta" })
		switch m.Sub {
		case "team":
			if tv := m.Data.Team; tv != nil && tv.Today.Answered == 1 {
				gotTeam = true
				if tv.Today.Offered != 1 || tv.Window.Answered != 1 {
					t.Errorf("t1 = %s", js(tv))
				}
				wantRate(t, "t1 SL", tv.Today.ServiceLevel, 0)
				wantRate(t, "t1 ASA", tv.Today.ASA, 25)
			}
		case "floor":
			if tv := teamIn(m.Data.Teams, "t1"); tv != nil && tv.Today.Answered == 1 {
				gotFloor = true
				if teamIn(m.Data.Teams, "t2") != nil {
					t.Errorf("t2 did not change, yet was sent: %s", js(m.Data.Teams))
				}
			}
		}
	}
}
