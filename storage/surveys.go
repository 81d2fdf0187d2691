package storage

// Post-call satisfaction surveys (issue 14, migration 00035): the report (offer rate, response
// rate and satisfaction, each with its denominator, by agent, team, queue, project or day), the
// surveys of a period one by one, a customer's timeline items, the dissatisfied answers'
// actions, and the month's facts for the score's survey bonus.
//
// Definitions (metrics.md): answered = inbound calls answered (entered in the period);
// offered = surveys offered for those calls; responded = surveys with a Q1 rating;
// offer rate = offered ÷ answered; response rate = responded ÷ offered;
// satisfaction = satisfied ÷ responded. A call is counted by its entry time, in the report's
// zone, as every call report does. The survey's time is never part of the call's talk time.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/callfloor/callfloor"
)

// Survey report groupings.
const (
	SurveyByAgent   = "agent"
	SurveyByTeam    = "team"
	SurveyByQueue   = "queue"
	SurveyByProject = "project"
	SurveyByDay     = "day"
)

// SurveyGroups are the groupings the report takes.
var SurveyGroups = []string{SurveyByAgent, SurveyByTeam, SurveyByQueue, SurveyByProject, SurveyByDay}

// SurveyFilter selects a report's calls: entered in [From, To); empty lists do not filter.
type SurveyFilter struct {
	From, To time.Time
	Loc      *time.Location // days; default UTC
	Group    string
	Queues   []string
	Teams    []string
	Agents   []string
	Projects []string // nil: any (a project manager's scope is set here)
}

// SurveyCounts are a row's figures; the rates carry their denominators (Answered, Offered,
// Responded) beside them and are nil when the denominator is 0.
type SurveyCounts struct {
	Answered     int64    `json:"answered"`
	Offered      int64    `json:"offered"`
	Responded    int64    `json:"responded"`
	Satisfied    int64    `json:"satisfied"`
	Neutral      int64    `json:"neutral"`
	Dissatisfied int64    `json:"dissatisfied"`
	Completed    int64    `json:"completed"`
	Partial      int64    `json:"partial"`
	NoInput      int64    `json:"no_input"`
	HungUp       int64    `json:"caller_hangup"`
	OfferRate    *float64 `json:"offer_rate"`    // offered ÷ answered
	ResponseRate *float64 `json:"response_rate"` // responded ÷ offered
	Satisfaction *float64 `json:"satisfaction"`  // satisfied ÷ responded
}

// SurveyRow is one group's figures.
type SurveyRow struct {
	Key string `json:"key"`
	SurveyCounts
}

// SurveyReport is the report: rows by key and the total of the filter.
type SurveyReport struct {
	Group string       `json:"group"`
	From  time.Time    `json:"from"`
	To    time.Time    `json:"to"`
	Rows  []SurveyRow  `json:"rows"`
	Total SurveyCounts `json:"total"`
}

// ratio is n/d, nil when d is 0 (no denominator: no rate, not 0 %).
func ratio[T int | int64](n, d T) *float64 {
	if d <= 0 {
		return nil
	}
	v := float64(n) / float64(d)
	return &v
}

func (c *SurveyCounts) rates() {
	c.OfferRate = ratio(c.Offered, c.Answered)
	c.ResponseRate = ratio(c.Responded, c.Offered)
	c.Satisfaction = ratio(c.Satisfied, c.Responded)
}

func (c *SurveyCounts) add(o SurveyCounts) {
	c.Answered += o.Answered
	c.Offered += o.Offered
	c.Responded += o.Responded
	c.Satisfied += o.Satisfied
	c.Neutral += o.Neutral
	c.Dissatisfied += o.Dissatisfied
	c.Completed += o.Completed
	c.Partial += o.Partial
	c.NoInput += o.NoInput
	c.HungUp += o.HungUp
}

// CheckSurveyFilter checks a filter as the API receives it.
func CheckSurveyFilter(f SurveyFilter) error {
	if f.Group != "" && !containsStr(SurveyGroups, f.Group) {
		return invalidField("group", "must be one of %s, got %q", strings.Join(SurveyGroups, ", "), f.Group).
			With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": SurveyGroups, "value": f.Group})
	}
	if !f.From.Before(f.To) {
		return invalidField("to", "must be after from").With(callfloor.CodeMustBeAfter, callfloor.Params{"other": "from"})
	}
	if f.To.Sub(f.From) > MaxSearchRange {
		return invalidField("to", "a report may span at most %d days", int(MaxSearchRange.Hours()/24)).
			With(callfloor.CodeOutOfRange, callfloor.Params{"max": int(MaxSearchRange.Hours() / 24), "unit": "days"})
	}
	return nil
}

func containsStr(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// SurveyReport computes the report.
func (db *DB) SurveyReport(ctx context.Context, f SurveyFilter) (SurveyReport, error) {
	if f.Group == "" {
		f.Group = SurveyByAgent
	}
	if err := CheckSurveyFilter(f); err != nil {
		return SurveyReport{}, err
	}
	loc := f.Loc
	if loc == nil {
		loc = time.UTC
	}
	// the same keys and filters over the answered calls (c) and the surveys (s)
	key := func(alias, team string) string {
		switch f.Group {
		case SurveyByTeam:
			return "coalesce(" + team + ", '')"
		case SurveyByQueue:
			return "coalesce(" + alias + ".queue, '')"
		case SurveyByProject:
			return "coalesce(qu.project_id, '')"
		case SurveyByDay:
			return "to_char(" + alias + ".%s AT TIME ZONE $3, 'YYYY-MM-DD')"
		}
		return "coalesce(" + alias + ".agent_id, '')"
	}
	// every parameter is referenced (pgx checks the count): empty lists do not filter
	where := func(alias, team string) string {
		return ` AND $3::text IS NOT NULL
		AND (cardinality($4::text[]) = 0 OR ` + alias + `.queue = ANY($4))
		AND (cardinality($5::text[]) = 0 OR ` + team + ` = ANY($5))
		AND (cardinality($6::text[]) = 0 OR ` + alias + `.agent_id = ANY($6))
		AND ($7::text[] IS NULL OR qu.project_id = ANY($7))`
	}
	callKey := strings.Replace(key("c", "ag.team_id"), "%s", "entered_at", 1)
	survKey := strings.Replace(key("s", "s.team_id"), "%s", "call_entered_at", 1)
	sql := `WITH a AS (
	SELECT ` + callKey + ` AS k, count(*) AS answered
	FROM calls c LEFT JOIN agents ag ON ag.id = c.agent_id LEFT JOIN queues qu ON qu.name = c.queue
	WHERE c.entered_at >= $1 AND c.entered_at < $2 AND c.direction = 'inbound' AND c.outcome = 'answered'` + where("c", "ag.team_id") + `
	GROUP BY 1
), s AS (
	SELECT ` + survKey + ` AS k, count(*) AS offered,
		count(*) FILTER (WHERE s.rating IS NOT NULL) AS responded,
		count(*) FILTER (WHERE s.rating = 'satisfied') AS satisfied,
		count(*) FILTER (WHERE s.rating = 'neutral') AS neutral,
		count(*) FILTER (WHERE s.rating = 'dissatisfied') AS dissatisfied,
		count(*) FILTER (WHERE s.outcome = 'completed') AS completed,
		count(*) FILTER (WHERE s.outcome = 'partial') AS partial,
		count(*) FILTER (WHERE s.outcome = 'no_input') AS no_input,
		count(*) FILTER (WHERE s.outcome = 'caller_hangup') AS hung_up
	FROM surveys s LEFT JOIN queues qu ON qu.name = s.queue
	WHERE s.call_entered_at >= $1 AND s.call_entered_at < $2` + where("s", "s.team_id") + `
	GROUP BY 1
)
SELECT coalesce(a.k, s.k), coalesce(a.answered, 0), coalesce(s.offered, 0), coalesce(s.responded, 0), coalesce(s.satisfied, 0),
	coalesce(s.neutral, 0), coalesce(s.dissatisfied, 0), coalesce(s.completed, 0), coalesce(s.partial, 0), coalesce(s.no_input, 0),
	coalesce(s.hung_up, 0)
FROM a FULL JOIN s ON s.k = a.k ORDER BY 1`
	rows, err := db.Pool.Query(ctx, sql, f.From, f.To, loc.String(), nonNil(f.Queues), nonNil(f.Teams), nonNil(f.Agents), f.Projects)
	if err != nil {
		return SurveyReport{}, fmt.Errorf("survey report: %w", err)
	}
	out := SurveyReport{Group: f.Group, From: f.From, To: f.To, Rows: []SurveyRow{}}
	for rows.Next() {
		var r SurveyRow
		if err := rows.Scan(&r.Key, &r.Answered, &r.Offered, &r.Responded, &r.Satisfied, &r.Neutral, &r.Dissatisfied,
			&r.Completed, &r.Partial, &r.NoInput, &r.HungUp); err != nil {
			rows.Close()
			return SurveyReport{}, err
		}
		r.rates()
		out.Total.add(r.SurveyCounts)
		out.Rows = append(out.Rows, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return SurveyReport{}, fmt.Errorf("survey report: %w", err)
	}
	out.Total.rates()
	return out, nil
}

// SurveyRecord is one stored survey (the report's per-call detail and the timeline's item).
type SurveyRecord struct {
	callfloor.SurveyResult
	Project     string `json:"project,omitempty"`
	ActionState string `json:"action_state,omitempty"`
	ActionRef   string `json:"action_ref,omitempty"`
}

const surveySelect = `SELECT s.call_id, s.call_entered_at, coalesce(s.number, ''), s.queue, coalesce(s.agent_id, ''), coalesce(s.team_id, ''),
	coalesce(s.language, ''), s.offered_at, s.ended_at, coalesce(s.q1, ''), s.q1_at, coalesce(s.rating, ''), coalesce(s.q2, ''), s.q2_at,
	s.outcome, coalesce(s.abandoned_at, 0), coalesce(s.action, ''), coalesce(s.action_state, ''), coalesce(s.action_ref, ''),
	coalesce(qu.project_id, '')
	FROM surveys s LEFT JOIN queues qu ON qu.name = s.queue `

func scanSurvey(r pgx.CollectableRow) (SurveyRecord, error) {
	var s SurveyRecord
	var q1At, q2At *time.Time
	var ab int16
	err := r.Scan(&s.CallID, &s.CallEntered, &s.Number, &s.Queue, &s.Agent, &s.Team, &s.Language, &s.OfferedAt, &s.EndedAt,
		&s.Q1, &q1At, &s.Rating, &s.Q2, &q2At, &s.Outcome, &ab, &s.Action, &s.ActionState, &s.ActionRef, &s.Project)
	if q1At != nil {
		s.Q1At = *q1At
	}
	if q2At != nil {
		s.Q2At = *q2At
	}
	s.AbandonedAt = int(ab)
	return s, err
}

// MaxSurveyList bounds Surveys' answer.
const MaxSurveyList = 5000

// Surveys lists the surveys of the filter's calls one by one (newest first, at most
// MaxSurveyList).
func (db *DB) Surveys(ctx context.Context, f SurveyFilter) ([]SurveyRecord, error) {
	if f.Group == "" {
		f.Group = SurveyByAgent
	}
	if err := CheckSurveyFilter(f); err != nil {
		return nil, err
	}
	rows, err := db.Pool.Query(ctx, surveySelect+`WHERE s.call_entered_at >= $1 AND s.call_entered_at < $2
		AND (cardinality($3::text[]) = 0 OR s.queue = ANY($3)) AND (cardinality($4::text[]) = 0 OR s.team_id = ANY($4))
		AND (cardinality($5::text[]) = 0 OR s.agent_id = ANY($5)) AND ($6::text[] IS NULL OR qu.project_id = ANY($6))
		ORDER BY s.offered_at DESC, s.call_id LIMIT `+fmt.Sprint(MaxSurveyList), f.From, f.To, nonNil(f.Queues), nonNil(f.Teams), nonNil(f.Agents), f.Projects)
	if err != nil {
		return nil, fmt.Errorf("surveys: %w", err)
	}
	return pgx.CollectRows(rows, scanSurvey)
}

// SurveyOf is a call's survey (not found: none was offered, or it is not stored yet).
func (db *DB) SurveyOf(ctx context.Context, callID string) (SurveyRecord, error) {
	rows, err := db.Pool.Query(ctx, surveySelect+`WHERE s.call_id = $1`, callID)
	if err != nil {
		return SurveyRecord{}, err
	}
	s, err := pgx.CollectExactlyOneRow(rows, scanSurvey)
	if err == pgx.ErrNoRows {
		return SurveyRecord{}, callfloor.NotFound("survey", callID, "no survey for call %s", callID)
	}
	return s, err
}

func init() { RegisterTimelineSource("surveys", surveyTimeline) }

// surveyTimeline is a number's surveys on the customer's timeline: Title is the outcome code,
// Detail the answers (the UI translates).
func surveyTimeline(ctx context.Context, db *DB, phone string, before time.Time, limit int) ([]TimelineItem, error) {
	var b any
	if !before.IsZero() {
		b = before
	}
	rows, err := db.Pool.Query(ctx, surveySelect+`WHERE s.number = $1 AND ($2::timestamptz IS NULL OR s.offered_at <= $2)
		ORDER BY s.offered_at DESC, s.call_id LIMIT $3`, phone, b, limit)
	if err != nil {
		return nil, fmt.Errorf("survey timeline: %w", err)
	}
	list, err := pgx.CollectRows(rows, scanSurvey)
	if err != nil {
		return nil, err
	}
	out := make([]TimelineItem, 0, len(list))
	for _, s := range list {
		d := map[string]any{"call_id": s.CallID, "queue": s.Queue, "agent": s.Agent, "outcome": s.Outcome}
		if s.Rating != "" {
			d["rating"] = s.Rating
		}
		if s.Q2 != "" {
			d["q2"] = s.Q2
		}
		if s.AbandonedAt > 0 {
			d["abandoned_at"] = s.AbandonedAt
		}
		if s.Action != "" {
			d["action"], d["action_state"] = s.Action, s.ActionState
		}
		title := s.Outcome
		if s.Rating != "" {
			title = s.Rating
		}
		out = append(out, TimelineItem{At: s.OfferedAt, Kind: "survey", Ref: s.CallID, Title: title, Detail: d})
	}
	return out, nil
}

// surveyScoreInputs adds the month's survey responses and satisfied answers of each agent
// (surveys of calls entered in [from, to)) to the score's inputs (the survey bonus).
func surveyScoreInputs(ctx context.Context, db *DB, out map[string]*callfloor.ScoreInputs, agents []string, from, to time.Time) error {
	rows, err := db.Pool.Query(ctx, `SELECT agent_id, count(*) FILTER (WHERE rating IS NOT NULL), count(*) FILTER (WHERE rating = 'satisfied')
		FROM surveys WHERE call_entered_at >= $1 AND call_entered_at < $2 AND agent_id = ANY($3) GROUP BY agent_id`, from, to, agents)
	if err != nil {
		return fmt.Errorf("survey score inputs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		var n, sat int
		if err := rows.Scan(&a, &n, &sat); err != nil {
			return err
		}
		if in := out[a]; in != nil {
			in.SurveyResponses, in.SurveySatisfied = n, sat
		}
	}
	return rows.Err()
}
