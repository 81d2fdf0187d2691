package realtime_test

import (
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
)

// Today's attendance on the wallboard: an agent rostered now and not logged in raises
// not_yet_in (gone the moment they log in, without waiting for the records), an agent who came
// in late raises late with the minutes; an agent the records call not yet in but logged in now
// raises nothing; the team view has its team's only.
func TestHubAttendanceAlerts(t *testing.T) {
	e := newHubEnv(t, realtime.HubOptions{}, false)
	e.cfg.addAgent(t, e.s, "a1", "t1", "sales")
	e.cfg.addAgent(t, e.s, "a2", "t1", "sales")
	e.cfg.addAgent(t, e.s, "a3", "t2", "sales")
	e.cfg.addAgent(t, e.s, "a4", "t2", "sales")
	came := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	move(t, e.s, realtime.Transition{Agent: "a2", To: callfloor.AgentAvailable, Now: came})
	move(t, e.s, realtime.Transition{Agent: "a3", To: callfloor.AgentAvailable})
	e.cfg.mu.Lock()
	e.cfg.att = map[string]realtime.LiveAttendance{
		"a1": {Shift: "E", NotYetIn: true},
		"a2": {Shift: "E", LateMin: 12, FirstWork: came},
		"a3": {Shift: "E", NotYetIn: true}, // logged in since the records were read
		"a4": {Shift: "L"},                 // on time
	}
	e.cfg.mu.Unlock()

	c := dial(t, e.url, nil)
	var seq int64
	send(t, c, subscribe("f", realtime.View{Kind: "floor"}))
	m := waitFor(t, c, &seq, "floor snapshot", func(m wsMsg) bool { return m.Type == "snapshot" })
	got := m.Data.Floor.Alerts
	if len(got) != 2 || got[0].Kind != realtime.AlertNotYetIn || got[0].Agent != "a1" || got[0].Shift != "E" || got[0].Team != "t1" ||
		got[1].Kind != realtime.AlertLate || got[1].Agent != "a2" || got[1].LateMin != 12 || !got[1].Since.Equal(came) {
		t.Fatalf("floor alerts %+v", got)
	}
	send(t, c, subscribe("t", realtime.View{Kind: "team", Team: "t2"}))
	m = waitFor(t, c, &seq, "team snapshot", func(m wsMsg) bool { return m.Type == "snapshot" && m.Sub == "t" })
	if len(m.Data.Team.Alerts) != 0 {
		t.Fatalf("team t2 alerts %+v, want none", m.Data.Team.Alerts)
	}
	// a1 logs in: not_yet_in goes at once
	move(t, e.s, realtime.Transition{Agent: "a1", To: callfloor.AgentAvailable})
	waitFor(t, c, &seq, "not_yet_in gone", func(m wsMsg) bool {
		return m.Type == "delta" && m.Sub == "f" && m.Data.Floor != nil && len(m.Data.Floor.Alerts) == 1 && m.Data.Floor.Alerts[0].Kind == realtime.AlertLate
	})
}
