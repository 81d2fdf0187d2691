package callfloor

import (
	"fmt"
	"slices"
	"strings"
)

// ERATELIMIT says the caller made too many attempts (login throttling); HTTP 429.
const ERATELIMIT = "rate_limited"

// EUNAVAILABLE says a service the request needs (PostgreSQL) does not answer; HTTP 503. The UI
// shows its own text for it in the user's language.
const EUNAVAILABLE = "unavailable"

// Role is what a user may do on the floor. The set is fixed: permissions follow from the role,
// the team and the ACD agent id a user is linked to, never from per-user grants.
type Role string

const (
	RoleAgent             Role = "agent"              // takes calls; sees only their own calls and figures
	RoleTrainer           Role = "trainer"            // reads everything (QA results, recordings) to coach; acts on nobody
	RoleTeamLead          Role = "team_lead"          // sees and acts on the agents of their team
	RoleQA                Role = "qa"                 // reads everything, listens to recordings, acts on nobody
	RoleSupervisor        Role = "supervisor"         // sees everyone, may pause/log out any agent
	RoleProjectManager    Role = "project_manager"    // supervisor of a project; receives the team leads' score sheets
	RoleOperationsManager Role = "operations_manager" // supervisor + configuration
	RoleAdmin             Role = "admin"              // everything, including other users' API tokens
)

// Roles lists every role, least to most powerful.
var Roles = []Role{RoleAgent, RoleTrainer, RoleTeamLead, RoleQA, RoleSupervisor, RoleProjectManager, RoleOperationsManager, RoleAdmin}

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool {
	switch r {
	case RoleAgent, RoleTrainer, RoleTeamLead, RoleQA, RoleSupervisor, RoleProjectManager, RoleOperationsManager, RoleAdmin:
		return true
	}
	return false
}

// ParseRole reads a role name (case and surrounding blanks ignored); an unknown name is EINVALID
// on the field "role".
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !r.Valid() {
		names := make([]string, len(Roles))
		for i, x := range Roles {
			names[i] = string(x)
		}
		return "", invalid("role", "%q is not one of %s", s, strings.Join(names, ", ")).With(CodeInvalidChoice, Params{"allowed": names, "value": s})
	}
	return r, nil
}

// Principal is who is making a request: a logged-in user or the user an API token acts for.
// TeamID and AgentID are empty when the user has no team / is not an ACD agent.
type Principal struct {
	UserID   int64  `json:"user_id"`
	Username string `json:"username"`
	Role     Role   `json:"role"`
	TeamID   string `json:"team_id,omitempty"`
	AgentID  string `json:"agent_id,omitempty"`
	// Projects are the projects a project manager runs (user_projects); empty for other roles.
	Projects []string `json:"projects,omitempty"`
	// ProjectTeams and ProjectQueues are the teams and queues those projects own (sorted),
	// resolved with Projects when the principal is looked up: a project manager sees and acts
	// on these only (agents through their team). Empty for other roles.
	ProjectTeams  []string `json:"project_teams,omitempty"`
	ProjectQueues []string `json:"project_queues,omitempty"`
}

// Same reports whether p and o are the same identity for authorization (every field, the
// projects in order).
func (p Principal) Same(o Principal) bool {
	return p.UserID == o.UserID && p.Username == o.Username && p.Role == o.Role && p.TeamID == o.TeamID &&
		p.AgentID == o.AgentID && slices.Equal(p.Projects, o.Projects) &&
		slices.Equal(p.ProjectTeams, o.ProjectTeams) && slices.Equal(p.ProjectQueues, o.ProjectQueues)
}

// inProjectTeam reports whether a project manager's projects own the team (never the team "").
func (p Principal) inProjectTeam(team string) bool {
	return team != "" && slices.Contains(p.ProjectTeams, team)
}

// Scoped reports whether the principal sees only part of the floor although not bound to a
// team: a project manager, who sees the queues, teams and agents of their projects.
func (p Principal) Scoped() bool { return p.Role == RoleProjectManager }

// CanSeeQueue reports whether the principal may see the queue's live figures, calls and
// targets: everyone (queue tiles are counts) but a project manager, who sees their projects'.
func (p Principal) CanSeeQueue(queue string) bool {
	if p.Role == RoleProjectManager {
		return queue != "" && slices.Contains(p.ProjectQueues, queue)
	}
	return true
}

// CanSeeTeam reports whether the principal may see the team's figures and agents: a team
// lead their team, a project manager their projects' teams, those who see all any team.
func (p Principal) CanSeeTeam(team string) bool {
	switch p.Role {
	case RoleTeamLead:
		return p.inTeam(team)
	case RoleProjectManager:
		return p.inProjectTeam(team)
	}
	return p.CanSeeAll()
}

// CanSeeProject reports whether the principal may see the project (its queues, teams and
// targets): a project manager their own; those who see all, any.
func (p Principal) CanSeeProject(project string) bool {
	if p.Role == RoleProjectManager {
		return slices.Contains(p.Projects, project)
	}
	return p.CanSeeAll()
}

// self reports whether agentID is the principal's own ACD agent.
func (p Principal) self(agentID string) bool { return p.AgentID != "" && agentID == p.AgentID }

// inTeam reports whether an agent of team agentTeam belongs to the principal's team.
func (p Principal) inTeam(agentTeam string) bool { return p.TeamID != "" && agentTeam == p.TeamID }

// CanSeeAll reports whether the principal sees every agent, call and figure on the floor. A
// project manager does not: they see their projects' (Scoped, CanSeeQueue, CanSeeTeam).
func (p Principal) CanSeeAll() bool {
	switch p.Role {
	case RoleTrainer, RoleQA, RoleSupervisor, RoleOperationsManager, RoleAdmin:
		return true
	}
	return false
}

// CanSeeAgent reports whether the principal may see the agent agentID (of team agentTeam, ""
// if none): their state, their calls and their figures.
func (p Principal) CanSeeAgent(agentID, agentTeam string) bool {
	switch p.Role {
	case RoleAgent:
		return p.self(agentID)
	case RoleTeamLead:
		return p.inTeam(agentTeam) || p.self(agentID)
	case RoleProjectManager:
		return p.inProjectTeam(agentTeam) || p.self(agentID)
	}
	return p.CanSeeAll()
}

// CanConfigure reports whether the principal may change the configuration: queues, agents,
// teams and users.
func (p Principal) CanConfigure() bool {
	return p.Role == RoleAdmin || p.Role == RoleOperationsManager
}

// CanActOnAgent reports whether the principal may change the agent's state (log in, pause,
// unpause, log out) or place calls as them. QA reads but never acts.
func (p Principal) CanActOnAgent(agentID, agentTeam string) bool {
	switch p.Role {
	case RoleAgent:
		return p.self(agentID)
	case RoleTeamLead:
		return p.inTeam(agentTeam) || p.self(agentID)
	case RoleProjectManager:
		return p.inProjectTeam(agentTeam) || p.self(agentID)
	case RoleSupervisor, RoleOperationsManager, RoleAdmin:
		return true
	}
	return false
}

// CanListenRecordings reports whether the principal may play recordings of the agent's calls.
// An agent may replay their own calls (they were on them); QA listens to everyone's.
func (p Principal) CanListenRecordings(agentID, agentTeam string) bool {
	return p.CanSeeAgent(agentID, agentTeam)
}

// Permission names what Authorize checks.
type Permission string

const (
	PermSeeAll           Permission = "see_all"
	PermSeeAgent         Permission = "see_agent"
	PermActOnAgent       Permission = "act_on_agent"
	PermConfigure        Permission = "configure"
	PermListenRecordings Permission = "listen_recordings"
)

// Authorize returns nil when the principal holds perm (agentID and agentTeam matter for the
// per-agent permissions only), else an EFORBID *Error saying what was refused.
func (p Principal) Authorize(perm Permission, agentID, agentTeam string) error {
	var ok bool
	what := ""
	switch perm {
	case PermSeeAll:
		ok, what = p.CanSeeAll(), "see the whole floor"
	case PermSeeAgent:
		ok, what = p.CanSeeAgent(agentID, agentTeam), fmt.Sprintf("see agent %s", agentID)
	case PermActOnAgent:
		ok, what = p.CanActOnAgent(agentID, agentTeam), fmt.Sprintf("act on agent %s", agentID)
	case PermConfigure:
		ok, what = p.CanConfigure(), "change the configuration"
	case PermListenRecordings:
		ok, what = p.CanListenRecordings(agentID, agentTeam), fmt.Sprintf("listen to recordings of agent %s", agentID)
	default:
		what = string(perm)
	}
	if ok {
		return nil
	}
	role := string(p.Role)
	if role == "" {
		role = "none"
	}
	return &Error{Code: EFORBID, Params: Params{"role": role}, Message: fmt.Sprintf("forbidden: role %s may not %s", role, what)}
}
