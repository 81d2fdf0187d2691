package dashboards

// QA evaluations and their disputes (storage/evaluations.go holds the workflow's states).
//
// Who may do what:
//   - evaluate a call: QA, operations managers and admins, or the team lead of the call's agent;
//     never one's own call;
//   - read evaluations: scoped like calls (an agent their own, a team lead their team, QA and
//     managers everyone);
//   - acknowledge an evaluation or dispute it (once): only the evaluated agent;
//   - review a dispute (forward or reject, advice for the decider): the agent's team lead;
//   - decide a dispute, for good: an operations manager or admin who is neither the evaluated
//     agent nor the evaluator.

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// RegisterEvaluations adds the evaluation and dispute routes.
func (a *API) RegisterEvaluations(mux Mux) {
	h := func(pattern string, fn handlerFunc) {
		mux.Handle(pattern, a.Auth.Middleware(a.wrap(fn)))
	}
	h("GET /api/v1/evaluations", a.listEvaluations)
	mux.Handle("POST /api/v1/evaluations", a.Auth.Middleware(http.HandlerFunc(a.createEvaluationHTTP)))
	h("GET /api/v1/evaluations/{id}", a.getEvaluation)
	h("POST /api/v1/evaluations/{id}/acknowledge", a.acknowledgeEvaluation)
	h("POST /api/v1/evaluations/{id}/disputes", a.raiseDispute)
	h("POST /api/v1/disputes/{id}/review", a.reviewDispute)
	h("POST /api/v1/disputes/{id}/decide", a.decideDispute)
}

func numericPathID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, invalid("id", "not %s id: %q", what, r.PathValue("id")).With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "id", "value": r.PathValue("id")})
	}
	return id, nil
}

// createEvaluationHTTP is createEvaluation, whose 409 for a call already evaluated on the
// scorecard also names, as data, the evaluation that exists and its evaluator (the UI links it).
func (a *API) createEvaluationHTTP(w http.ResponseWriter, r *http.Request) {
	v, err := a.createEvaluation(w, r)
	var dup *storage.DuplicateEvaluation
	if errors.As(err, &dup) {
		w.Header().Set("Cache-Control", "no-store")
		body := errorBody(err)
		body["evaluation_id"], body["evaluator"], body["evaluated_at"] = dup.Existing.ID, dup.Existing.Evaluator, dup.Existing.CreatedAt
		writeJSON(w, http.StatusConflict, body)
		return
	}
	a.wrap(func(http.ResponseWriter, *http.Request) (any, error) { return v, err }).ServeHTTP(w, r)
}

// EvaluationInput is the body of POST /evaluations.
type EvaluationInput struct {
	CallID      string                `json:"call_id"`
	ScorecardID string                `json:"scorecard_id"`
	Answers     []callfloor.Answer    `json:"answers"`
	Comments    []storage.EvalComment `json:"comments"`
}

func (a *API) createEvaluation(w http.ResponseWriter, r *http.Request) (any, error) {
	p := principal(r)
	switch p.Role {
	case callfloor.RoleQA, callfloor.RoleOperationsManager, callfloor.RoleAdmin, callfloor.RoleTeamLead:
	default:
		return nil, forbidden("the %s role may not evaluate calls", p.Role)
	}
	var in EvaluationInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if in.CallID == "" {
		return nil, invalid("call_id", "required").With(callfloor.CodeRequired, nil)
	}
	if in.ScorecardID == "" {
		return nil, invalid("scorecard_id", "required").With(callfloor.CodeRequired, nil)
	}
	ctx := r.Context()
	c, err := a.DB.CallByID(ctx, in.CallID)
	if callfloor.ErrorCode(err) == callfloor.ENOTFOUND {
		return nil, invalid("call_id", "no call %q in the history", in.CallID).With(callfloor.CodeUnknownRef, callfloor.Params{"what": "call", "value": in.CallID})
	}
	if err != nil {
		return nil, err
	}
	if c.Agent == "" {
		return nil, invalid("call_id", "call %q reached no agent: there is nobody to evaluate", c.ID).With(callfloor.CodeNotAllowed, callfloor.Params{"value": c.ID})
	}
	if p.AgentID != "" && p.AgentID == c.Agent {
		return nil, forbidden("nobody may evaluate their own call")
	}
	team := ""
	if ag, err := a.agentProfile(c.Agent); err == nil {
		team = ag.Team
	}
	if p.Role == callfloor.RoleTeamLead && (p.TeamID == "" || p.TeamID != team) {
		return nil, forbidden("team lead of %q may evaluate only calls of their team's agents", p.TeamID)
	}
	ev, err := a.DB.CreateEvaluation(ctx, storage.NewEvaluation{CallID: c.ID, AgentID: c.Agent, TeamID: team, Evaluator: p.Username,
		EvaluatorUserID: p.UserID, ScorecardID: in.ScorecardID, Answers: in.Answers, Comments: in.Comments, Queue: c.Queue})
	if err != nil {
		return nil, err
	}
	a.audit(r, "evaluation_submitted", "evaluation", strconv.FormatInt(ev.ID, 10), map[string]any{"call_id": ev.CallID,
		"agent_id": ev.AgentID, "scorecard_id": ev.ScorecardID, "scorecard_version": ev.ScorecardVersion, "score_final": ev.ScoreFinal})
	return created{ev}, nil
}

var evaluationParams = map[string]bool{"agent": true, "team": true, "from": true, "to": true, "status": true, "limit": true}

func (a *API) listEvaluations(w http.ResponseWriter, r *http.Request) (any, error) {
	q := r.URL.Query()
	for k, v := range q {
		if !evaluationParams[k] {
			return nil, invalid(k, "unknown parameter").With(callfloor.CodeUnknownField, nil)
		}
		if len(v) > 1 {
			return nil, invalid(k, "given more than once").With(callfloor.CodeDuplicate, nil)
		}
	}
	f := storage.EvaluationFilter{Agent: q.Get("agent"), Team: q.Get("team")}
	var err error
	if v := q.Get("from"); v != "" {
		if f.From, err = parseTime("from", v); err != nil {
			return nil, err
		}
	}
	if v := q.Get("to"); v != "" {
		if f.To, err = parseTime("to", v); err != nil {
			return nil, err
		}
	}
	switch s := q.Get("status"); s {
	case "", storage.EvalSubmitted, storage.EvalAcknowledged, storage.EvalDisputed, storage.EvalDecided:
		f.Status = s
	default:
		return nil, invalid("status", "must be submitted, acknowledged, disputed or decided, got %q", s).With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{"submitted", "acknowledged", "disputed", "decided"}, "value": s})
	}
	if v := q.Get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 || f.Limit > 1000 {
			return nil, invalid("limit", "must be 1..1000").With(callfloor.CodeOutOfRange, callfloor.Params{"min": 1, "max": 1000})
		}
	}
	p := principal(r)
	switch {
	case p.CanSeeAll():
	case p.Scoped(): // a project manager: their projects' teams
		if err := a.projectScopeQA(r, p, f.Team, f.Agent); err != nil {
			return nil, err
		}
		f.InTeams = &p.ProjectTeams
	case p.Role == callfloor.RoleTeamLead:
		if f.Team != "" && f.Team != p.TeamID {
			return nil, forbidden("team lead of %q may not read the evaluations of team %q", p.TeamID, f.Team)
		}
		if f.Agent != "" && f.Agent != p.AgentID {
			if _, err := a.scopedAgent(r, f.Agent, canSee); err != nil {
				return nil, err
			}
		}
		f.Team, f.OrAgent = p.TeamID, p.AgentID // their team, and themselves
	case p.AgentID != "":
		if (f.Agent != "" && f.Agent != p.AgentID) || f.Team != "" {
			return nil, forbidden("an agent may read only their own evaluations")
		}
		f.Agent = p.AgentID
	default:
		return nil, forbidden("the %s role may not read evaluations", p.Role)
	}
	es, err := a.DB.Evaluations(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return map[string]any{"evaluations": es}, nil
}

// evaluationInScope loads an evaluation the caller may see (403 otherwise).
func (a *API) evaluationInScope(r *http.Request, id int64) (storage.Evaluation, error) {
	ev, err := a.DB.Evaluation(r.Context(), id)
	if err != nil {
		return ev, err
	}
	if p := principal(r); !p.CanSeeAgent(ev.AgentID, ev.TeamID) {
		return ev, forbidden("evaluation %d is outside what %s %q may see", id, p.Role, p.Username)
	}
	return ev, nil
}

func (a *API) getEvaluation(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := numericPathID(r, "an evaluation")
	if err != nil {
		return nil, err
	}
	return a.evaluationInScope(r, id)
}

// evaluatedAgent loads the evaluation and checks the caller is the agent it evaluates.
func (a *API) evaluatedAgent(r *http.Request, what string) (storage.Evaluation, error) {
	id, err := numericPathID(r, "an evaluation")
	if err != nil {
		return storage.Evaluation{}, err
	}
	ev, err := a.evaluationInScope(r, id)
	if err != nil {
		return ev, err
	}
	if p := principal(r); p.AgentID == "" || p.AgentID != ev.AgentID {
		return ev, forbidden("only the evaluated agent (%s) may %s evaluation %d", ev.AgentID, what, id)
	}
	return ev, nil
}

func (a *API) acknowledgeEvaluation(w http.ResponseWriter, r *http.Request) (any, error) {
	ev, err := a.evaluatedAgent(r, "acknowledge")
	if err != nil {
		return nil, err
	}
	out, err := a.DB.AcknowledgeEvaluation(r.Context(), ev.ID, principal(r).Username)
	if err != nil {
		return nil, err
	}
	a.audit(r, "evaluation_acknowledged", "evaluation", strconv.FormatInt(ev.ID, 10), map[string]any{"agent_id": ev.AgentID})
	return out, nil
}

// DisputeInput is the body of POST /evaluations/{id}/disputes.
type DisputeInput struct {
	Items  []string `json:"items"`
	Reason string   `json:"reason"`
}

func (a *API) raiseDispute(w http.ResponseWriter, r *http.Request) (any, error) {
	ev, err := a.evaluatedAgent(r, "dispute")
	if err != nil {
		return nil, err
	}
	var in DisputeInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	d, err := a.DB.RaiseDispute(r.Context(), ev.ID, in.Items, in.Reason, principal(r).Username)
	if err != nil {
		return nil, err
	}
	a.audit(r, "dispute_raised", "dispute", strconv.FormatInt(d.ID, 10), map[string]any{"evaluation_id": ev.ID, "items": d.Items})
	return created{d}, nil
}

// disputeAndEvaluation loads the dispute of the path and its evaluation.
func (a *API) disputeAndEvaluation(r *http.Request) (storage.Dispute, storage.Evaluation, error) {
	id, err := numericPathID(r, "a dispute")
	if err != nil {
		return storage.Dispute{}, storage.Evaluation{}, err
	}
	d, err := a.DB.Dispute(r.Context(), id)
	if err != nil {
		return d, storage.Evaluation{}, err
	}
	ev, err := a.DB.Evaluation(r.Context(), d.EvaluationID)
	return d, ev, err
}

// ReviewInput is the body of POST /disputes/{id}/review.
type ReviewInput struct {
	Action string `json:"action"` // forward or reject
	Note   string `json:"note"`
}

func (a *API) reviewDispute(w http.ResponseWriter, r *http.Request) (any, error) {
	d, ev, err := a.disputeAndEvaluation(r)
	if err != nil {
		return nil, err
	}
	p := principal(r)
	if p.Role != callfloor.RoleTeamLead || p.TeamID == "" || p.TeamID != ev.TeamID || p.AgentID == ev.AgentID {
		return nil, forbidden("only the team lead of the evaluated agent's team (%q) may review dispute %d", ev.TeamID, d.ID)
	}
	var in ReviewInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	action := ""
	switch in.Action {
	case "forward":
		action = storage.DisputeForwarded
	case "reject":
		action = storage.DisputeRejected
	default:
		return nil, invalid("action", "must be forward or reject, got %q", in.Action).With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{"forward", "reject"}, "value": in.Action})
	}
	out, err := a.DB.ReviewDispute(r.Context(), d.ID, action, in.Note, p.Username)
	if err != nil {
		return nil, err
	}
	a.audit(r, "dispute_reviewed", "dispute", strconv.FormatInt(d.ID, 10), map[string]any{"evaluation_id": ev.ID, "review": action})
	return out, nil
}

// DecisionInput is the body of POST /disputes/{id}/decide.
type DecisionInput struct {
	Decision string             `json:"decision"` // upheld, overturned or partly
	Note     string             `json:"note"`
	Answers  []callfloor.Answer `json:"answers"` // the corrected answers (overturned, partly)
}

func (a *API) decideDispute(w http.ResponseWriter, r *http.Request) (any, error) {
	d, ev, err := a.disputeAndEvaluation(r)
	if err != nil {
		return nil, err
	}
	p := principal(r)
	switch {
	case p.Role != callfloor.RoleOperationsManager && p.Role != callfloor.RoleAdmin:
		return nil, forbidden("only an operations manager decides disputes (you are %s)", p.Role)
	case p.AgentID != "" && p.AgentID == ev.AgentID:
		return nil, forbidden("nobody may decide a dispute of their own evaluation")
	case p.Username == ev.Evaluator:
		return nil, forbidden("the evaluator may not decide a dispute of their own evaluation")
	}
	var in DecisionInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	outD, outE, err := a.DB.DecideDispute(r.Context(), d.ID, in.Decision, in.Note, in.Answers, p.Username)
	if err != nil {
		return nil, err
	}
	a.audit(r, "dispute_decided", "dispute", strconv.FormatInt(d.ID, 10), map[string]any{"evaluation_id": ev.ID, "decision": outD.Decision,
		"score_final_before": ev.ScoreFinal, "score_final_after": outE.ScoreFinal})
	return map[string]any{"dispute": outD, "evaluation": outE}, nil
}

// projectScopeQA refuses a team or an agent outside a project manager's projects.
func (a *API) projectScopeQA(r *http.Request, p callfloor.Principal, team, agent string) error {
	if team != "" && !p.CanSeeTeam(team) {
		return forbidden("team %q is outside the projects of %s %q", team, p.Role, p.Username)
	}
	if agent != "" {
		if _, err := a.scopedAgent(r, agent, canSee); err != nil {
			return err
		}
	}
	return nil
}
