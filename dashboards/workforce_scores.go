package dashboards

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// The monthly 100-point score (issue 12; score.go, storage/scores.go). Team leads draft their
// team's month from the records and enter conduct deductions and bonuses; trainers enter the
// exam; a project manager of the team's project reviews; the operations manager approves (or
// returns); the agent acknowledges or disputes, and the lead upholds or rejects the dispute.
// Every step is audited and kept in the sheet's history.

func (a *API) registerScores(h func(pattern string, fn handlerFunc)) {
	h("GET /api/v1/scores", a.listScores)
	h("POST /api/v1/scores/draft", a.draftScores)
	h("GET /api/v1/scores/{agent}/{month}", a.getScore)
	h("POST /api/v1/scores/{agent}/{month}/{action}", a.moveScore)
	h("GET /api/v1/scores/ranking", a.scoreRanking)
	h("GET /api/v1/score-rules", a.listScoreRules)
	h("POST /api/v1/score-rules", a.addScoreRule)
	h("PUT /api/v1/exams/{agent}/{month}", a.putExam)
	h("GET /api/v1/score-entries", a.listScoreEntries)
	h("POST /api/v1/score-entries", a.addScoreEntry)
	h("DELETE /api/v1/score-entries/{id}", a.deleteScoreEntry)
}

// canSeeScores: personnel data, like attendance (trainers too: they coach on it).
func canSeeScores(p callfloor.Principal, agent, team string) bool {
	if p.Role == callfloor.RoleTrainer {
		return true
	}
	return canSeeAttendance(p, agent, team)
}

func (a *API) scoreAgents(p callfloor.Principal, team string) []string {
	var out []string
	for _, ag := range a.ACD.Agents() {
		if (team == "" || ag.Team == team) && canSeeScores(p, ag.ID, ag.Team) {
			out = append(out, ag.ID)
		}
	}
	return out
}

func monthParam(r *http.Request) (string, error) {
	m := r.URL.Query().Get("month")
	if m == "" {
		m = r.PathValue("month")
	}
	return m, callfloor.CheckMonth("month", m)
}

// listScores: ?month=&team= — the sheets the caller may see; an agent sees their own once
// approved.
func (a *API) listScores(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r, "month", "team"); err != nil {
		return nil, err
	}
	month, err := monthParam(r)
	if err != nil {
		return nil, err
	}
	p := principal(r)
	agents := a.scoreAgents(p, r.URL.Query().Get("team"))
	out := []storage.MonthScore{}
	if len(agents) > 0 {
		list, err := a.DB.ScoreSheets(r.Context(), agents, month)
		if err != nil {
			return nil, err
		}
		for _, s := range list {
			if p.Role == callfloor.RoleAgent && (s.Status == "draft" || s.Status == "reviewed") {
				continue
			}
			out = append(out, s)
		}
	}
	return map[string]any{"month": month, "sheets": out}, nil
}

// ScoreDraftBody drafts a team's month.
type ScoreDraftBody struct {
	Team  string `json:"team"`
	Month string `json:"month"`
}

func (a *API) draftScores(w http.ResponseWriter, r *http.Request) (any, error) {
	var in ScoreDraftBody
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	p := principal(r)
	if in.Team == "" {
		return nil, invalid("team", "is required").With(callfloor.CodeRequired, nil)
	}
	if !(p.Role == callfloor.RoleTeamLead && p.CanSeeTeam(in.Team)) && !p.CanConfigure() && p.Role != callfloor.RoleSupervisor {
		return nil, forbidden("%s %q may not draft team %s's scores", p.Role, p.Username, in.Team)
	}
	if err := callfloor.CheckMonth("month", in.Month); err != nil {
		return nil, err
	}
	var agents []string
	for _, ag := range a.ACD.Agents() {
		if ag.Team == in.Team {
			agents = append(agents, ag.ID)
		}
	}
	drafted, skipped, err := a.DB.DraftScores(r.Context(), agents, in.Team, in.Month, a.Base.Location(), p.Username)
	if err != nil {
		return nil, err
	}
	a.audit(r, "scores_drafted", "team", in.Team, map[string]any{"month": in.Month, "drafted": len(drafted), "skipped": skipped})
	if drafted == nil {
		drafted = []storage.MonthScore{}
	}
	if skipped == nil {
		skipped = []string{}
	}
	return map[string]any{"drafted": drafted, "skipped": skipped}, nil
}

func (a *API) getScore(w http.ResponseWriter, r *http.Request) (any, error) {
	month, err := monthParam(r)
	if err != nil {
		return nil, err
	}
	ag, err := a.agentProfile(r.PathValue("agent"))
	if err != nil {
		return nil, err
	}
	p := principal(r)
	if !canSeeScores(p, ag.ID, ag.Team) {
		return nil, forbidden("%s %q may not see %s's score", p.Role, p.Username, ag.ID)
	}
	list, err := a.DB.ScoreSheets(r.Context(), []string{ag.ID}, month)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 || (p.Role == callfloor.RoleAgent && (list[0].Status == "draft" || list[0].Status == "reviewed")) {
		return nil, callfloor.NotFound("score_sheet", ag.ID+" "+month, "no score sheet of %s for %s", ag.ID, month)
	}
	h, err := a.DB.ScoreHistory(r.Context(), ag.ID, month)
	if err != nil {
		return nil, err
	}
	return map[string]any{"sheet": list[0], "history": h}, nil
}

// ScoreMoveBody carries a step's note (a dispute's reason).
type ScoreMoveBody struct {
	Note string `json:"note"`
}

// moveScore: who may take each step.
func (a *API) moveScore(w http.ResponseWriter, r *http.Request) (any, error) {
	month, err := monthParam(r)
	if err != nil {
		return nil, err
	}
	ag, err := a.agentProfile(r.PathValue("agent"))
	if err != nil {
		return nil, err
	}
	var in ScoreMoveBody
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	action := r.PathValue("action")
	p := principal(r)
	ok := false
	switch action {
	case "review":
		ok = (p.Role == callfloor.RoleProjectManager && p.CanSeeTeam(ag.Team)) || p.CanConfigure()
	case "approve", "return":
		ok = p.CanConfigure()
	case "acknowledge", "dispute":
		ok = p.AgentID == ag.ID
	case "uphold", "reject":
		ok = (p.Role == callfloor.RoleTeamLead && p.CanSeeTeam(ag.Team)) || p.CanConfigure() || p.Role == callfloor.RoleSupervisor
	default:
		return nil, invalid("action", "must be review, approve, return, acknowledge, dispute, uphold or reject, got %q", action).With(callfloor.CodeInvalidChoice,
			callfloor.Params{"allowed": []string{"review", "approve", "return", "acknowledge", "dispute", "uphold", "reject"}, "value": action})
	}
	if !ok || (p.AgentID == ag.ID && action != "acknowledge" && action != "dispute") {
		return nil, forbidden("%s %q may not %s %s's score", p.Role, p.Username, action, ag.ID)
	}
	s, err := a.DB.MoveScore(r.Context(), ag.ID, month, action, p.Username, in.Note)
	if err != nil {
		return nil, err
	}
	a.audit(r, "score_"+action, "agent", ag.ID, map[string]any{"month": month, "note": in.Note, "status": s.Status, "total": s.Total})
	return s, nil
}

// scoreRanking: ?period=2026-H2 | 2026 | 2026-11 — totals and ranks of the final sheets, and the
// training flags as of the period's last month.
func (a *API) scoreRanking(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r, "period", "team"); err != nil {
		return nil, err
	}
	period := r.URL.Query().Get("period")
	var from, to string
	switch {
	case len(period) == 4 && isDigits(period):
		from, to = period+"-01", period+"-12"
	case len(period) == 7 && strings.HasSuffix(period, "-H1") && isDigits(period[:4]):
		from, to = period[:4]+"-01", period[:4]+"-06"
	case len(period) == 7 && strings.HasSuffix(period, "-H2") && isDigits(period[:4]):
		from, to = period[:4]+"-07", period[:4]+"-12"
	case callfloor.CheckMonth("period", period) == nil:
		from, to = period, period
	default:
		return nil, invalid("period", "must be a year (2026), a half year (2026-H2) or a month (2026-11), got %q", period).With(callfloor.CodeInvalidFormat,
			callfloor.Params{"format": "period", "value": period})
	}
	p := principal(r)
	agents := a.scoreAgents(p, r.URL.Query().Get("team"))
	see := map[string]bool{}
	for _, x := range agents {
		see[x] = true
	}
	all, err := a.DB.FinalScores(r.Context(), from, to)
	if err != nil {
		return nil, err
	}
	var mine []callfloor.ScoreSheet
	for _, s := range all {
		if see[s.Agent] {
			mine = append(mine, s)
		}
	}
	flags := callfloor.TrainingFlags(mine, to)
	if flags == nil {
		flags = []callfloor.TrainingFlag{}
	}
	return map[string]any{"period": period, "from": from, "to": to, "ranking": rankWithMoney(mine), "training_flags": flags}, nil
}

// ScoreRank is a ranking row with the money the period's sheets pay (fen): the attendance bonus
// (全勤奖) and the evaluation bonus, summed over the months.
type ScoreRank struct {
	callfloor.ScoreTotal
	AttendanceBonusFen int64 `json:"attendance_bonus_fen"`
	EvaluationBonusFen int64 `json:"evaluation_bonus_fen"`
	BonusFen           int64 `json:"bonus_fen"`
}

func rankWithMoney(sheets []callfloor.ScoreSheet) []ScoreRank {
	att, ev := map[string]int64{}, map[string]int64{}
	for _, s := range sheets {
		att[s.Agent] += s.AttendanceBonusFen
		ev[s.Agent] += s.EvaluationBonusFen
	}
	ranked := callfloor.RankScores(sheets)
	out := make([]ScoreRank, len(ranked))
	for i, r := range ranked {
		out[i] = ScoreRank{ScoreTotal: r, AttendanceBonusFen: att[r.Agent], EvaluationBonusFen: ev[r.Agent], BonusFen: att[r.Agent] + ev[r.Agent]}
	}
	return out
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func (a *API) listScoreRules(w http.ResponseWriter, r *http.Request) (any, error) {
	rules, err := a.DB.ScoreRules(r.Context())
	if err != nil {
		return nil, err
	}
	return map[string]any{"rules": rules}, nil
}

func (a *API) addScoreRule(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	var in callfloor.ScoreRule
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if err := a.DB.AddScoreRule(r.Context(), in, principal(r).Username); err != nil {
		return nil, err
	}
	a.audit(r, "score_rule_added", "score_rule", strconv.Itoa(in.Version), map[string]any{"rule": in})
	return created{in}, nil
}

// ExamBody is a trainer's entry.
type ExamBody struct {
	Score *float64 `json:"score"`
	Note  string   `json:"note"`
}

// putExam: trainers, operations managers, admins.
func (a *API) putExam(w http.ResponseWriter, r *http.Request) (any, error) {
	p := principal(r)
	if p.Role != callfloor.RoleTrainer && !p.CanConfigure() {
		return nil, forbidden("exam results are entered by trainers (you are %s)", p.Role)
	}
	ag, err := a.agentProfile(r.PathValue("agent"))
	if err != nil {
		return nil, err
	}
	month, err := monthParam(r)
	if err != nil {
		return nil, err
	}
	var in ExamBody
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if in.Score == nil {
		return nil, invalid("score", "is required").With(callfloor.CodeRequired, nil)
	}
	if err := a.DB.PutExamResult(r.Context(), ag.ID, month, *in.Score, in.Note, p.Username); err != nil {
		return nil, err
	}
	a.audit(r, "exam_entered", "agent", ag.ID, map[string]any{"month": month, "score": *in.Score})
	return map[string]any{"agent": ag.ID, "month": month, "score": *in.Score, "note": in.Note}, nil
}

func (a *API) listScoreEntries(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r, "month", "team"); err != nil {
		return nil, err
	}
	month, err := monthParam(r)
	if err != nil {
		return nil, err
	}
	agents := a.scoreAgents(principal(r), r.URL.Query().Get("team"))
	out := []storage.ScoreEntryRow{}
	if len(agents) > 0 {
		if out, err = a.DB.ScoreEntries(r.Context(), agents, month); err != nil {
			return nil, err
		}
	}
	return map[string]any{"entries": out}, nil
}

// ScoreEntryBody is a conduct deduction or bonus.
type ScoreEntryBody struct {
	Agent    string `json:"agent"`
	Month    string `json:"month"`
	Kind     string `json:"kind"`
	Points   int    `json:"points"`
	Reason   string `json:"reason"`
	Evidence string `json:"evidence"`
}

// addScoreEntry: the agent's team lead, supervisors and up.
func (a *API) addScoreEntry(w http.ResponseWriter, r *http.Request) (any, error) {
	var in ScoreEntryBody
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	ag, err := a.agentProfile(in.Agent)
	if err != nil {
		return nil, invalid("agent", "no agent %q", in.Agent).With(callfloor.CodeUnknownRef, callfloor.Params{"what": "agent", "value": in.Agent})
	}
	p := principal(r)
	if p.AgentID == ag.ID || !(canEditRoster(p, ag.Team) && p.Role != callfloor.RoleProjectManager) {
		return nil, forbidden("%s %q may not enter %s's score items", p.Role, p.Username, ag.ID)
	}
	if err := callfloor.CheckMonth("month", in.Month); err != nil {
		return nil, err
	}
	id, err := a.DB.AddScoreEntry(r.Context(), ag.ID, in.Month, in.Kind, callfloor.ScoreEntry{Points: in.Points, Reason: in.Reason, Evidence: in.Evidence, By: p.Username})
	if err != nil {
		return nil, err
	}
	a.audit(r, "score_entry_added", "agent", ag.ID, map[string]any{"id": id, "month": in.Month, "kind": in.Kind, "points": in.Points, "reason": in.Reason})
	return created{map[string]any{"id": id}}, nil
}

func (a *API) deleteScoreEntry(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := numericPathID(r, "a score entry")
	if err != nil {
		return nil, err
	}
	agent, err := a.DB.ScoreEntryAgent(r.Context(), id)
	if err != nil {
		return nil, err
	}
	team := ""
	if ag, err := a.agentProfile(agent); err == nil {
		team = ag.Team
	}
	p := principal(r)
	if p.AgentID == agent || !(canEditRoster(p, team) && p.Role != callfloor.RoleProjectManager) {
		return nil, forbidden("%s %q may not withdraw %s's score items", p.Role, p.Username, agent)
	}
	if err := a.DB.DeleteScoreEntry(r.Context(), id); err != nil {
		return nil, err
	}
	a.audit(r, "score_entry_withdrawn", "score_entry", strconv.FormatInt(id, 10), nil)
	return map[string]any{"deleted": id}, nil
}
