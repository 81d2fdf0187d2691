package realtime_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
)

// A project manager's floor view holds only their projects' queues, teams and agents, with a
// floor summary of those; a supervisor's floor view on the same hub holds everything.
func TestHubProjectManagerFloor(t *testing.T) {
	e := newHubEnv(t, realtime.HubOptions{Principal: func(r *http.Request) (callfloor.Principal, bool) {
		if r.Header.Get("X-User") == "pam" {
			return callfloor.Principal{UserID: 2, Username: "pam", Role: callfloor.RoleProjectManager, Projects: []string{"acme"},
				ProjectTeams: []string{"t1"}, ProjectQueues: []string{"sales"}}, true
		}
		return callfloor.Principal{UserID: 1, Username: "sam", Role: callfloor.RoleSupervisor}, true
	}}, false)
	e.cfg.addAgent(t, e.s, "a1", "t1", "sales")
	e.cfg.addAgent(t, e.s, "a2", "t2", "support")
	pam := dial(t, e.url, http.Header{"X-User": {"pam"}})
	sam := dial(t, e.url, http.Header{"X-User": {"sam"}})
	var pseq, sseq int64
	send(t, pam, subscribe("f", realtime.View{Kind: "floor"}))
	send(t, sam, subscribe("f", realtime.View{Kind: "floor"}))
	pm := waitFor(t, pam, &pseq, "pm floor snapshot", func(m wsMsg) bool { return m.Type == "snapshot" })
	sm := waitFor(t, sam, &sseq, "supervisor floor snapshot", func(m wsMsg) bool { return m.Type == "snapshot" })
	if len(pm.Data.Queues) != 1 || pm.Data.Queues[0].Queue != "sales" || len(pm.Data.Agents) != 1 || pm.Data.Agents[0].Agent != "a1" ||
		len(pm.Data.Teams) != 1 || pm.Data.Teams[0].Team != "t1" || pm.Data.Floor == nil || pm.Data.Floor.Agents.LoggedOut != 1 {
		t.Fatalf("pm floor %+v", pm.Data)
	}
	if len(sm.Data.Queues) != 2 || len(sm.Data.Agents) != 2 || len(sm.Data.Teams) != 2 || sm.Data.Floor == nil || sm.Data.Floor.Agents.LoggedOut != 2 {
		t.Fatalf("supervisor floor %+v", sm.Data)
	}
	// a2 (another project) logs in: the supervisor hears of it, the project manager does not
	move(t, e.s, realtime.Transition{Agent: "a2", To: callfloor.AgentAvailable, Now: time.Now()})
	waitFor(t, sam, &sseq, "a2 available", func(m wsMsg) bool {
		a := agentIn(m.Data.Agents, "a2")
		return a != nil && a.State == callfloor.AgentAvailable
	})
	move(t, e.s, realtime.Transition{Agent: "a1", To: callfloor.AgentAvailable, Now: time.Now()})
	// every message the project manager gets names only their agents and queues
	check := func(x wsMsg) {
		if agentIn(x.Data.Agents, "a2") != nil {
			t.Errorf("pm saw a2: %+v", x.Data)
		}
		for _, q := range x.Data.Queues {
			if q.Queue != "sales" {
				t.Errorf("pm saw queue %s", q.Queue)
			}
		}
		if x.Data.Floor != nil && x.Data.Floor.Agents.Available > 1 {
			t.Errorf("pm floor counts another project's agents: %+v", x.Data.Floor.Agents)
		}
	}
	check(pm)
	waitFor(t, pam, &pseq, "a1 available", func(m wsMsg) bool {
		check(m)
		a := agentIn(m.Data.Agents, "a1")
		return a != nil && a.State == callfloor.AgentAvailable
	})
}
