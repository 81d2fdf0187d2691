package realtime_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
	"github.com/gorilla/websocket"
)

type campMsg struct {
	Type string `json:"type"`
	Sub  string `json:"sub"`
	Data struct {
		Campaigns []realtime.CampaignView `json:"campaigns"`
	} `json:"data"`
}

func waitCampaigns(t *testing.T, c *websocket.Conn, what string, cond func(campMsg) bool) campMsg {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		_ = c.SetReadDeadline(deadline)
		_, b, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		var m campMsg
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if cond(m) {
			return m
		}
	}
	t.Fatalf("no message with %s", what)
	return campMsg{}
}

func campIn(m campMsg, id string) *realtime.CampaignView {
	for i := range m.Data.Campaigns {
		if m.Data.Campaigns[i].ID == id {
			return &m.Data.Campaigns[i]
		}
	}
	return nil
}

// hubHasCampaign waits until the hub shows campaign id to a supervisor (its first read may
// precede the campaign's live info), so that the snapshots that follow carry it.
func hubHasCampaign(t *testing.T, e *hubEnv, id string, cond func(*realtime.CampaignView) bool) {
	t.Helper()
	c := dial(t, e.url, nil)
	defer c.Close()
	send(t, c, subscribe("f", realtime.View{Kind: "floor"}))
	waitCampaigns(t, c, "campaign "+id+" on the hub", func(m campMsg) bool { c := campIn(m, id); return c != nil && cond(c) })
}

// A running campaign's tile carries the counters its calls' saves wrote (CampaignInc), each
// team's share, and moves when another call is saved; a project manager sees only their
// projects' campaigns, a team's view only the team's share.
func TestHubCampaignTiles(t *testing.T) {
	e := newHubEnv(t, realtime.HubOptions{Principal: func(r *http.Request) (callfloor.Principal, bool) {
		switch r.Header.Get("X-User") {
		case "pam":
			return callfloor.Principal{UserID: 2, Username: "pam", Role: callfloor.RoleProjectManager, Projects: []string{"acme"},
				ProjectTeams: []string{"t1"}, ProjectQueues: []string{"sales"}}, true
		case "lee":
			return callfloor.Principal{UserID: 3, Username: "lee", Role: callfloor.RoleTeamLead, TeamID: "t1"}, true
		}
		return callfloor.Principal{UserID: 1, Username: "sam", Role: callfloor.RoleSupervisor}, true
	}}, false)
	ctx := t.Context()
	e.cfg.addAgent(t, e.s, "a1", "t1", "sales")
	e.cfg.addAgent(t, e.s, "a2", "t2", "support")
	for _, l := range []realtime.CampaignLive{
		{ID: "renew", Name: "续保", Project: "acme", Teams: []string{"t1", "t2"}, Status: "running", Mode: "predictive",
			LeadsLeft: 900, DialTarget: 100, ConnectTarget: 30, DropTarget: 0.03, UpdatedAt: time.Now()},
		{ID: "other", Name: "宽带", Project: "zzz", Status: "running", Mode: "preview", UpdatedAt: time.Now()},
	} {
		if err := e.s.SetCampaignLive(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	call := func(id, agent, team string, inc map[string]int64) {
		t.Helper()
		c := &callfloor.Call{ID: id, Direction: callfloor.Outbound, State: callfloor.CallDialing, Agent: agent, EnteredAt: now, CampaignID: "renew"}
		saveCall(t, e.s, realtime.CallChange{Call: c, Event: &callfloor.Event{Type: callfloor.EvCallEntered, At: now, Call: c},
			CampaignInc: map[string]int64{realtime.CampDials: 1}})
		end := *c
		end.State = callfloor.CallEnded
		saveCall(t, e.s, realtime.CallChange{Call: &end, Event: &callfloor.Event{Type: callfloor.EvCallEnded, At: now, Call: &end},
			CampaignInc: inc, CampaignTeam: team})
	}
	call("k1", "a1", "t1", map[string]int64{realtime.CampAnswered: 1, realtime.CampConnected: 1, realtime.CampTalkMs: 180000})
	hubHasCampaign(t, e, "renew", func(c *realtime.CampaignView) bool { return c.Figures.Dials == 1 && c.Figures.Connected == 1 })

	sam := dial(t, e.url, http.Header{"X-User": {"sam"}})
	pam := dial(t, e.url, http.Header{"X-User": {"pam"}})
	lee := dial(t, e.url, http.Header{"X-User": {"lee"}})
	send(t, sam, subscribe("f", realtime.View{Kind: "floor"}))
	send(t, pam, subscribe("f", realtime.View{Kind: "floor"}))
	send(t, lee, subscribe("t", realtime.View{Kind: "team", Team: "t1"}))
	sm := waitCampaigns(t, sam, "the supervisor's snapshot", func(m campMsg) bool { return m.Type == "snapshot" })
	r := campIn(sm, "renew")
	if len(sm.Data.Campaigns) != 2 || r == nil || r.Figures.Dials != 1 || r.Figures.Connected != 1 || r.Figures.TalkMinutes != 3 ||
		r.Figures.ConnectRate == nil || *r.Figures.ConnectRate != 1 || r.LeadsLeft != 900 || r.DialTarget != 100 ||
		len(r.ByTeam) != 2 || r.ByTeam[0].Team != "t1" || r.ByTeam[0].Connected != 1 || r.ByTeam[1].Connected != 0 {
		t.Fatalf("supervisor's campaigns %+v", sm.Data.Campaigns)
	}
	pm := waitCampaigns(t, pam, "the project manager's snapshot", func(m campMsg) bool { return m.Type == "snapshot" })
	if len(pm.Data.Campaigns) != 1 || pm.Data.Campaigns[0].ID != "renew" {
		t.Fatalf("project manager's campaigns %+v", pm.Data.Campaigns)
	}
	lm := waitCampaigns(t, lee, "the team's snapshot", func(m campMsg) bool { return m.Type == "snapshot" })
	if len(lm.Data.Campaigns) != 1 || lm.Data.Campaigns[0].Team != "t1" || lm.Data.Campaigns[0].Figures.Connected != 1 ||
		lm.Data.Campaigns[0].Figures.Dials != 0 || len(lm.Data.Campaigns[0].ByTeam) != 0 {
		t.Fatalf("team lead's campaigns %+v", lm.Data.Campaigns)
	}

	// a dropped dial (answered, no agent free): the tile moves, its drop rate over the target
	call("k2", "", "", map[string]int64{realtime.CampAnswered: 1, realtime.CampDropped: 1})
	m := waitCampaigns(t, sam, "the drop's delta", func(m campMsg) bool {
		c := campIn(m, "renew")
		return m.Type == "delta" && c != nil && c.Figures.Dials == 2 && c.Figures.Dropped == 1 // the answer and the drop may come in two deltas
	})
	r = campIn(m, "renew")
	if r.Figures.Dropped != 1 || r.Figures.DropRate == nil || *r.Figures.DropRate != 0.5 || !r.Figures.DropOver || campIn(m, "other") != nil {
		t.Errorf("after the drop %+v", m.Data.Campaigns)
	}
	waitCampaigns(t, pam, "the drop at the project manager's", func(m campMsg) bool {
		c := campIn(m, "renew")
		return m.Type == "delta" && c != nil && c.Figures.Dials == 2 && c.Figures.Dropped == 1 // the answer and the drop may come in two deltas
	})
}

// What moves a campaign tile outside the change stream reaches the wall within moments, not at
// the one-minute resync: a conversion the desk counts (IncrCampaign) and leads leaving the
// hopper (the dialler's pass storing fewer leads left, SetCampaignLive). A dialler pass that
// changes nothing but its refresh time moves no tile.
func TestHubCampaignTilesLiveOutsideStream(t *testing.T) {
	e := newHubEnv(t, realtime.HubOptions{Principal: func(r *http.Request) (callfloor.Principal, bool) {
		return callfloor.Principal{UserID: 1, Username: "sam", Role: callfloor.RoleSupervisor}, true
	}}, false)
	ctx := t.Context()
	e.cfg.addAgent(t, e.s, "a1", "t1", "sales")
	live := realtime.CampaignLive{ID: "renew", Name: "续保", Project: "acme", Teams: []string{"t1"}, Status: "running", Mode: "predictive",
		LeadsLeft: 900, LeadsDue: 40, UpdatedAt: time.Now()}
	if err := e.s.SetCampaignLive(ctx, live); err != nil {
		t.Fatal(err)
	}
	g0, err := e.s.CampaignGeneration(ctx)
	if err != nil {
		t.Fatal(err)
	}
	live.UpdatedAt = time.Now().Add(time.Second) // a pass that changed nothing else
	if err := e.s.SetCampaignLive(ctx, live); err != nil {
		t.Fatal(err)
	}
	if g, _ := e.s.CampaignGeneration(ctx); g != g0 {
		t.Errorf("a refresh-only pass moved the generation %d → %d", g0, g)
	}
	hubHasCampaign(t, e, "renew", func(c *realtime.CampaignView) bool { return c.LeadsLeft == 900 })
	sam := dial(t, e.url, nil)
	send(t, sam, subscribe("f", realtime.View{Kind: "floor"}))
	waitCampaigns(t, sam, "the snapshot", func(m campMsg) bool { return m.Type == "snapshot" && campIn(m, "renew") != nil })

	within := func(what string, cond func(*realtime.CampaignView) bool) {
		t.Helper()
		start := time.Now()
		waitCampaigns(t, sam, what, func(m campMsg) bool {
			c := campIn(m, "renew")
			return m.Type == "delta" && c != nil && cond(c)
		})
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s took %v", what, d)
		}
	}
	// the desk counts a conversion
	if err := e.s.IncrCampaign(ctx, "renew", "t1", time.Now(), map[string]int64{realtime.CampSuccess: 1}); err != nil {
		t.Fatal(err)
	}
	within("the conversion", func(c *realtime.CampaignView) bool { return c.Figures.Conversions == 1 })
	// a lead leaves the hopper
	live.LeadsLeft, live.LeadsDue, live.UpdatedAt = 899, 39, time.Now()
	if err := e.s.SetCampaignLive(ctx, live); err != nil {
		t.Fatal(err)
	}
	within("the lead leaving", func(c *realtime.CampaignView) bool { return c.LeadsLeft == 899 })
}
