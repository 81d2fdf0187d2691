package dashboards

import (
	"net/http"
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
