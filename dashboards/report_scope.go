package dashboards

import (
	"slices"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// reportScope narrows a report's request to what the asker may read, the same rules for the
// outbound and the satisfaction reports: a project manager their projects (every one when none
// is asked for), a team lead their team, an agent themselves, see-all roles anything. The
// request's project, team and agent are checked against the directory first (an unknown one
// is named), as is its one other project-bound filter (the outbound report's campaign, the
// satisfaction report's queue: field, value and the project it belongs to).
type reportScope struct {
	what                 string // the report, in the refusals: "outbound report", "satisfaction report"
	project, team, agent string
	field, value, inProj string // the other filter: "campaign"/"queue", its value, its project
	known                bool   // the other filter's value exists
	projects             []string
}

// apply checks the filters and the asker's rights; on success team and agent are those the
// report reads (the asker's own for a team lead and an agent) and projects its projects.
func (s *reportScope) apply(p callfloor.Principal, dir *storage.ReportDirectory) error {
	if _, ok := dir.Projects[s.project]; s.project != "" && !ok {
		return unknownRef("project", "project", s.project)
	}
	if s.value != "" && !s.known {
		return unknownRef(s.field, s.field, s.value)
	}
	if _, ok := dir.Teams[s.team]; s.team != "" && !ok {
		return unknownRef("team", "team", s.team)
	}
	if _, ok := dir.Agents[s.agent]; s.agent != "" && !ok {
		return unknownRef("agent", "agent", s.agent)
	}
	if s.project != "" {
		s.projects = []string{s.project}
	}
	switch {
	case p.Role == callfloor.RoleProjectManager:
		if s.project != "" && !slices.Contains(p.Projects, s.project) {
			return forbidden("project %q is not one of your projects", s.project)
		}
		if s.project == "" {
			s.projects = append([]string{}, p.Projects...) // none: an empty report
		}
		if s.value != "" && !slices.Contains(p.Projects, s.inProj) {
			return forbidden("%s %q is not in your projects", s.field, s.value)
		}
		if s.team != "" && !slices.Contains(p.Projects, dir.TeamProject[s.team]) {
			return forbidden("team %q is not in your projects", s.team)
		}
	case p.CanSeeAll():
	case p.Role == callfloor.RoleTeamLead:
		if (s.team != "" && s.team != p.TeamID) || s.project != "" {
			return forbidden("team lead of %q reads their team's %s only", p.TeamID, s.what)
		}
		if s.agent != "" && dir.AgentTeam[s.agent] != p.TeamID {
			return forbidden("agent %q is not in your team", s.agent)
		}
		s.team = p.TeamID
	case p.AgentID != "":
		if (s.agent != "" && s.agent != p.AgentID) || s.team != "" || s.project != "" {
			return forbidden("an agent may read only their own %s", s.what)
		}
		s.agent = p.AgentID
	default:
		return forbidden("the %s role may not read the %s", p.Role, s.what)
	}
	return nil
}
