package storage

import (
	"strings"

	"github.com/callfloor/callfloor"
)

// The history writer's part for surveys (history.go): a survey.ended event becomes one row of
// surveys, once (the call id is the key: a replayed event changes nothing).

var surveyCols = []string{"call_id", "call_entered_at", "number", "queue", "agent_id", "team_id", "language", "offered_at", "ended_at",
	"q1", "q1_at", "rating", "q2", "q2_at", "outcome", "abandoned_at", "action", "action_state"}

var insertSurveys = `INSERT INTO surveys (` + strings.Join(surveyCols, ", ") + `) SELECT ` + strings.Join(surveyCols, ", ") +
	` FROM st_surveys ORDER BY call_id ON CONFLICT (call_id) DO NOTHING`

func surveyValues(r *callfloor.SurveyResult) []any {
	var state any
	if r.Action != "" {
		state = "pending"
	}
	return []any{r.CallID, r.CallEntered, ns(r.Number), r.Queue, ns(r.Agent), ns(r.Team), ns(r.Language), r.OfferedAt, r.EndedAt,
		ns(r.Q1), nt(r.Q1At), ns(r.Rating), ns(r.Q2), nt(r.Q2At), r.Outcome, ni(r.AbandonedAt), ns(r.Action), state}
}
