package dashboards

import (
	"net/http"
	"strconv"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// Monthly rosters (issue 12; storage/roster.go). A team lead (the duty lead) draws up and
// publishes their team's roster; supervisors, operations managers and admins any team's;
// project managers their projects' teams. Those who see a team (trainers, QA too) read its roster.
// An agent reads their own published days. Changes and publishing are audited.

func (a *API) registerRosters(h func(pattern string, fn handlerFunc)) {
	h("GET /api/v1/rosters/{team}/{month}", a.getRoster)
	h("PUT /api/v1/rosters/{team}/{month}/cells", a.putRosterCells)
	h("POST /api/v1/rosters/{team}/{month}/fill", a.fillRoster)
	h("POST /api/v1/rosters/{team}/{month}/publish", a.publishRoster)
	h("GET /api/v1/agents/{id}/roster", a.agentRoster)
	h("GET /api/v1/rosters/{team}/rules", a.getRosterRules)
	h("PUT /api/v1/rosters/{team}/rules", a.putRosterRules)
}

// getRosterRules: the team's minimum heads per day (whoever sees the team).
func (a *API) getRosterRules(w http.ResponseWriter, r *http.Request) (any, error) {
	p, team := principal(r), r.PathValue("team")
	if !p.CanSeeTeam(team) {
		return nil, forbidden("team %s is outside what %s %q may see", team, p.Role, p.Username)
	}
	if err := checkParams(r); err != nil {
		return nil, err
	}
	return a.DB.GetRosterRules(r.Context(), team)
}

// RosterRulesBody is PUT …/rules: both minimums are required.
type RosterRulesBody struct {
	MinHeads        *int `json:"min_heads"`
	WeekendMinHeads *int `json:"weekend_min_heads"`
}

// putRosterRules: whoever may edit the team's roster; audited.
func (a *API) putRosterRules(w http.ResponseWriter, r *http.Request) (any, error) {
	p, team := principal(r), r.PathValue("team")
	if !canEditRoster(p, team) {
		return nil, forbidden("%s %q may not change team %s's roster rules", p.Role, p.Username, team)
	}
	var in RosterRulesBody
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if in.MinHeads == nil {
		return nil, invalid("min_heads", "required: 0 or more").With(callfloor.CodeRequired, nil)
	}
	if in.WeekendMinHeads == nil {
		return nil, invalid("weekend_min_heads", "required: 0 or more").With(callfloor.CodeRequired, nil)
	}
	rules := storage.RosterRules{Team: team, MinHeads: *in.MinHeads, WeekendMinHeads: *in.WeekendMinHeads}
	before, err := a.DB.PutRosterRules(r.Context(), rules)
	if err != nil {
		return nil, err
	}
	a.audit(r, "roster_rules_set", "team", team, map[string]any{"before": before, "after": rules})
	return rules, nil
}

// canEditRoster: the team's lead, a project manager of the team's project, supervisors and up.
func canEditRoster(p callfloor.Principal, team string) bool {
	switch p.Role {
	case callfloor.RoleTeamLead, callfloor.RoleProjectManager:
		return p.CanSeeTeam(team)
	case callfloor.RoleSupervisor, callfloor.RoleOperationsManager, callfloor.RoleAdmin:
		return true
	}
	return false
}

func (a *API) rosterTeam(r *http.Request, edit bool) (string, string, error) {
	team, month := r.PathValue("team"), r.PathValue("month")
	p := principal(r)
	if edit && !canEditRoster(p, team) {
		return "", "", forbidden("%s %q may not change team %s's roster", p.Role, p.Username, team)
	}
	if !edit && !p.CanSeeTeam(team) {
		return "", "", forbidden("team %s is outside what %s %q may see", team, p.Role, p.Username)
	}
	return team, month, nil
}

func (a *API) getRoster(w http.ResponseWriter, r *http.Request) (any, error) {
	team, month, err := a.rosterTeam(r, false)
	if err != nil {
		return nil, err
	}
	if err := checkParams(r); err != nil {
		return nil, err
	}
	return a.DB.Roster(r.Context(), team, month)
}

// RosterCellsBody is PUT …/cells.
type RosterCellsBody struct {
	Cells []storage.RosterCell `json:"cells"`
}

func (a *API) putRosterCells(w http.ResponseWriter, r *http.Request) (any, error) {
	team, month, err := a.rosterTeam(r, true)
	if err != nil {
		return nil, err
	}
	var in RosterCellsBody
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	changed, err := a.DB.PutRosterCells(r.Context(), team, month, in.Cells)
	if err != nil {
		return nil, err
	}
	if len(changed) > 0 {
		a.audit(r, "roster_changed", "roster", team+"/"+month, map[string]any{"cells": changed})
	}
	return a.DB.Roster(r.Context(), team, month)
}

// RosterFillBody is POST …/fill.
type RosterFillBody struct {
	Assignments []storage.RotationAssignment `json:"assignments"`
}

func (a *API) fillRoster(w http.ResponseWriter, r *http.Request) (any, error) {
	team, month, err := a.rosterTeam(r, true)
	if err != nil {
		return nil, err
	}
	var in RosterFillBody
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	changed, err := a.DB.FillRoster(r.Context(), team, month, in.Assignments)
	if err != nil {
		return nil, err
	}
	a.audit(r, "roster_filled", "roster", team+"/"+month, map[string]any{"assignments": in.Assignments, "changed": len(changed)})
	return a.DB.Roster(r.Context(), team, month)
}

func (a *API) publishRoster(w http.ResponseWriter, r *http.Request) (any, error) {
	team, month, err := a.rosterTeam(r, true)
	if err != nil {
		return nil, err
	}
	version, changed, err := a.DB.PublishRoster(r.Context(), team, month, principal(r).Username)
	if err != nil {
		return nil, err
	}
	a.audit(r, "roster_published", "roster", team+"/"+month, map[string]any{"version": version, "changed": changed})
	return a.DB.Roster(r.Context(), team, month)
}

// agentRoster: ?from=&to= (days; default this week and next, Monday first, in the centre's zone).
func (a *API) agentRoster(w http.ResponseWriter, r *http.Request) (any, error) {
	ag, err := a.scopedAgent(r, r.PathValue("id"), canSee)
	if err != nil {
		return nil, err
	}
	if err := checkParams(r, "from", "to"); err != nil {
		return nil, err
	}
	loc := a.Base.Location()
	now := time.Now().In(loc)
	monday := now.AddDate(0, 0, -((int(now.Weekday()) + 6) % 7))
	from, to := monday.Format(time.DateOnly), monday.AddDate(0, 0, 13).Format(time.DateOnly)
	if v := r.URL.Query().Get("from"); v != "" {
		from = v
	}
	if v := r.URL.Query().Get("to"); v != "" {
		to = v
	}
	days, err := a.DB.AgentRoster(r.Context(), ag.ID, from, to, loc)
	if err != nil {
		return nil, err
	}
	return map[string]any{"agent": ag.ID, "today": now.Format(time.DateOnly), "days": days}, nil
}

// ---- shift swaps (storage/swaps.go) ----

func (a *API) registerSwaps(h func(pattern string, fn handlerFunc)) {
	h("GET /api/v1/swaps", a.listSwaps)
	h("POST /api/v1/agents/{id}/swaps", a.requestSwap)
	h("POST /api/v1/swaps/{id}/decision", a.decideSwap)
	h("POST /api/v1/swaps/{id}/cancel", a.cancelSwap)
}

// listSwaps: ?status=&agent= — an agent their own; a team lead their team's; a project manager
// their projects' teams'; those who see all, everyone's.
func (a *API) listSwaps(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r, "status", "agent"); err != nil {
		return nil, err
	}
	p := principal(r)
	st, err := requestStatus(r)
	if err != nil {
		return nil, err
	}
	var agents []string
	for _, ag := range a.ACD.Agents() {
		if p.CanSeeAgent(ag.ID, ag.Team) {
			if q := r.URL.Query().Get("agent"); q == "" || q == ag.ID {
				agents = append(agents, ag.ID)
			}
		}
	}
	if len(agents) == 0 {
		return map[string]any{"swaps": []callfloor.Swap{}}, nil
	}
	list, err := a.DB.ListSwaps(r.Context(), storage.SwapFilter{Agents: agents, Status: st})
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []callfloor.Swap{}
	}
	return map[string]any{"swaps": list}, nil
}

// requestStatus is the ?status= of a list of requests (swaps, leave): "" or one of their statuses.
func requestStatus(r *http.Request) (string, error) {
	st := r.URL.Query().Get("status")
	switch st {
	case "", "pending", "approved", "rejected", "cancelled":
		return st, nil
	}
	return "", invalid("status", "must be pending, approved, rejected or cancelled").With(callfloor.CodeInvalidChoice,
		callfloor.Params{"allowed": []string{"pending", "approved", "rejected", "cancelled"}, "value": st})
}

// SwapBody is a swap request.
type SwapBody struct {
	Day        string `json:"day"`
	Days       int    `json:"days"`
	PaybackDay string `json:"payback_day"`
	WithAgent  string `json:"with_agent"`
	Reason     string `json:"reason"`
}

// requestSwap: the agent themselves (or whoever may act on them, for them).
func (a *API) requestSwap(w http.ResponseWriter, r *http.Request) (any, error) {
	ag, err := a.scopedAgent(r, r.PathValue("id"), canAct)
	if err != nil {
		return nil, err
	}
	var in SwapBody
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if in.Days == 0 {
		in.Days = 1
	}
	if in.WithAgent != "" {
		other, err := a.agentProfile(in.WithAgent)
		if err != nil || other.Team != ag.Team {
			return nil, invalid("with_agent", "%q is not a colleague of %s's team", in.WithAgent, ag.ID).With(callfloor.CodeUnknownRef,
				callfloor.Params{"what": "agent", "value": in.WithAgent})
		}
	}
	today := time.Now().In(a.Base.Location()).Format(time.DateOnly)
	s, err := a.DB.RequestSwap(r.Context(), callfloor.Swap{Agent: ag.ID, Day: in.Day, Days: in.Days, PaybackDay: in.PaybackDay,
		WithAgent: in.WithAgent, Reason: in.Reason, RequestedOn: today})
	if err != nil {
		return nil, err
	}
	a.audit(r, "swap_requested", "swap", strconv.FormatInt(s.ID, 10), map[string]any{"swap": s})
	return created{s}, nil
}

// SwapDecisionBody approves or rejects.
type SwapDecisionBody struct {
	Approve *bool  `json:"approve"`
	Note    string `json:"note"`
}

// decideSwap: the agent's team lead, a project manager of the team, supervisors and up — never
// the agent themselves.
func (a *API) decideSwap(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := numericPathID(r, "a swap")
	if err != nil {
		return nil, err
	}
	var in SwapDecisionBody
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if in.Approve == nil {
		return nil, invalid("approve", "required: true or false").With(callfloor.CodeRequired, nil)
	}
	s, err := a.DB.GetSwap(r.Context(), id)
	if err != nil {
		return nil, err
	}
	p := principal(r)
	ag, err := a.agentProfile(s.Agent)
	if err != nil || p.AgentID == s.Agent || !canEditRoster(p, ag.Team) {
		return nil, forbidden("%s %q may not decide %s's swap", p.Role, p.Username, s.Agent)
	}
	s, err = a.DB.DecideSwap(r.Context(), id, *in.Approve, p.Username, in.Note)
	if err != nil {
		return nil, err
	}
	a.audit(r, "swap_"+s.Status, "swap", strconv.FormatInt(id, 10), map[string]any{"swap": s})
	return s, nil
}

// cancelSwap: the agent (or whoever may act on them) while it is pending.
func (a *API) cancelSwap(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := numericPathID(r, "a swap")
	if err != nil {
		return nil, err
	}
	s, err := a.DB.GetSwap(r.Context(), id)
	if err != nil {
		return nil, err
	}
	p := principal(r)
	ag, err := a.agentProfile(s.Agent)
	if err != nil || !p.CanActOnAgent(ag.ID, ag.Team) {
		return nil, forbidden("%s %q may not cancel %s's swap", p.Role, p.Username, s.Agent)
	}
	s, err = a.DB.CancelSwap(r.Context(), id)
	if err != nil {
		return nil, err
	}
	a.audit(r, "swap_cancelled", "swap", strconv.FormatInt(id, 10), map[string]any{"swap": s})
	return s, nil
}
