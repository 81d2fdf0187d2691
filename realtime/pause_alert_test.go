package realtime_test

import (
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
)

// A paused agent's tile carries the reason's maximum and a timed pause's end; a pause that
// passes its reason's maximum raises a pause_over_max alert in the floor and team views
// within moments, without any event, once per pause (the same alert while it holds).
func TestHubPauseOverMaxAlert(t *testing.T) {
	// a coalescing window of 300 ms: the hub reads the moves below after the first snapshot
	// could be served (as on a loaded machine)
	e := newHubEnv(t, realtime.HubOptions{Coalesce: 300 * time.Millisecond}, false)
	e.cfg.mu.Lock()
	e.cfg.reasons = []callfloor.PauseReason{{Name: "coffee", Paid: true, MaxSeconds: 2}, {Name: "missed", MaxSeconds: 60}, {Name: "lunch"}}
	e.cfg.mu.Unlock()
	e.cfg.addAgent(t, e.s, "a1", "t1", "sales")
	e.cfg.addAgent(t, e.s, "a2", "t1", "sales")
	e.cfg.addAgent(t, e.s, "a3", "t2", "sales")
	paused := time.Now()
	move(t, e.s, realtime.Transition{Agent: "a1", To: callfloor.AgentPaused, Reason: "coffee", Now: paused})
	until := paused.Add(30 * time.Second).Truncate(time.Millisecond)
	move(t, e.s, realtime.Transition{Agent: "a2", To: callfloor.AgentPaused, Reason: "missed", PauseUntil: until, Now: paused})
	move(t, e.s, realtime.Transition{Agent: "a3", To: callfloor.AgentPaused, Reason: "lunch", Now: paused.Add(-time.Hour)})

	// The hub follows the change stream: a snapshot served before it has read the three moves
	// shows the agents as they were (logged out). Subscribe until the snapshot has them.
	var c *websocket.Conn
	var seq int64
	var m wsMsg
	var snapAt time.Time
	testenv.Eventually(t, 10*time.Second, "a floor snapshot with the three pauses", func() bool {
		if c != nil {
			c.Close()
		}
		c, seq = dial(t, e.url, nil), 0
		send(t, c, subscribe("f", realtime.View{Kind: "floor"}))
		m = waitFor(t, c, &seq, "floor snapshot", func(m wsMsg) bool { return m.Type == "snapshot" })
		snapAt = time.Now()
		for _, id := range []string{"a1", "a2", "a3"} {
			if a := agentIn(m.Data.Agents, id); a == nil || a.State != callfloor.AgentPaused {
				return false
			}
		}
		return true
	})
	a1, a2, a3 := agentIn(m.Data.Agents, "a1"), agentIn(m.Data.Agents, "a2"), agentIn(m.Data.Agents, "a3")
	if a1 == nil || a1.PauseMaxS != 2 || a1.PauseUntil != nil {
		t.Fatalf("a1 (coffee, max 2 s): %+v", a1)
	}
	if a2 == nil || a2.PauseMaxS != 60 || a2.PauseUntil == nil || !a2.PauseUntil.Equal(until) {
		t.Fatalf("a2 (timed missed pause until %v): %+v", until, a2)
	}
	if a3 == nil || a3.PauseMaxS != 0 {
		t.Fatalf("a3 (lunch, no maximum, paused an hour): %+v", a3)
	}
	if m.Data.Floor == nil || (snapAt.Sub(paused) < 2*time.Second && len(m.Data.Floor.Alerts) != 0) {
		t.Fatalf("alerts before any pause passed its maximum: %+v", m.Data.Floor)
	}
	send(t, c, subscribe("t", realtime.View{Kind: "team", Team: "t1"}))
	ts := waitFor(t, c, &seq, "team snapshot", func(m wsMsg) bool { return m.Type == "snapshot" })

	// no event happens: the alert comes by itself once coffee passes 2 s (already in the
	// snapshots if the machine was that slow)
	var floorAlert, teamAlert *realtime.Alert
	if len(m.Data.Floor.Alerts) > 0 {
		floorAlert = &m.Data.Floor.Alerts[0]
	}
	if ts.Data.Team != nil && len(ts.Data.Team.Alerts) > 0 {
		teamAlert = &ts.Data.Team.Alerts[0]
	}
	for floorAlert == nil || teamAlert == nil {
		m = waitFor(t, c, &seq, "the pause_over_max alert", func(m wsMsg) bool {
			return m.Type == "delta" && ((m.Data.Floor != nil && len(m.Data.Floor.Alerts) > 0) || (m.Data.Team != nil && len(m.Data.Team.Alerts) > 0))
		})
		if m.Data.Floor != nil && len(m.Data.Floor.Alerts) > 0 {
			floorAlert = &m.Data.Floor.Alerts[0]
			if len(m.Data.Floor.Alerts) != 1 {
				t.Errorf("floor alerts %+v, want a1's only", m.Data.Floor.Alerts)
			}
		}
		if m.Data.Team != nil && len(m.Data.Team.Alerts) > 0 {
			teamAlert = &m.Data.Team.Alerts[0]
		}
	}
	if d := time.Since(paused); d > 2*time.Second+4*time.Second {
		t.Errorf("alert %s after the pause began, want soon after its 2 s maximum", d)
	}
	want := realtime.Alert{Kind: realtime.AlertPauseOverMax, Agent: "a1", Name: "Agent A1", Team: "t1", Reason: "coffee", Since: paused.Truncate(time.Millisecond).UTC(), MaxS: 2}
	for _, got := range []*realtime.Alert{floorAlert, teamAlert} {
		got.Since = got.Since.UTC()
		if *got != want {
			t.Errorf("alert %+v, want %+v", *got, want)
		}
	}
	// back to work: the alert goes
	move(t, e.s, realtime.Transition{Agent: "a1", To: callfloor.AgentAvailable})
	waitFor(t, c, &seq, "the alert gone", func(m wsMsg) bool {
		return m.Type == "delta" && m.Sub == "f" && m.Data.Floor != nil && len(m.Data.Floor.Alerts) == 0
	})
}
