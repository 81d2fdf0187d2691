package dashboards

import (
	"net/http"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
)

// LiveAllowed is the scope of live views: queue tiles (counts only) for everyone; one agent's
// view for whoever may see that agent; a team for its team lead and for those who see everyone;
// the whole floor (every agent's figures) for those who see everyone.
func LiveAllowed(acd ACD) func(p callfloor.Principal, v realtime.View) error {
	return func(p callfloor.Principal, v realtime.View) error {
		switch v.Kind {
		case "queues":
			return nil
		case "agent":
			team := ""
			for _, a := range acd.Agents() {
				if a.ID == v.Agent {
					team = a.Team
				}
			}
			if !p.CanSeeAgent(v.Agent, team) {
				return forbidden("agent %q is outside what %s %q may see", v.Agent, p.Role, p.Username)
			}
			return nil
		case "team":
			if p.CanSeeAll() || (p.Role == callfloor.RoleTeamLead && p.TeamID != "" && p.TeamID == v.Team) {
				return nil
			}
			return forbidden("team %q is outside what %s %q may see", v.Team, p.Role, p.Username)
		case "floor":
			if p.CanSeeAll() {
				return nil
			}
			return forbidden("the whole floor is for QA, supervisors and managers; subscribe to your team or queues")
		}
		return &callfloor.Error{Code: callfloor.EINVALID, Field: "view.kind", Message: "view.kind: must be queues, agent, team or floor"}
	}
}

// MountLive serves the live WebSocket (snapshot, then deltas) at /api/v1/ws, authenticated like
// the rest of the API.
func (a *API) MountLive(mux Mux, hub http.Handler) {
	mux.Handle("GET /api/v1/ws", a.Auth.Middleware(hub))
}
