package storage

// QA sampling (migration 00008): sample plans, the draws made with callfloor.DrawSample and the
// calls each draw assigned to an evaluator.
//
// A call is assigned at most once, ever (sample_assignments' primary key is the call): the
// candidates of a draw are the calls with a recording that no draw has assigned yet. Every draw
// stores its seed, its canonical filters and its population size, so it can be redone and
// explained. An assignment is done once an evaluation of its call exists (computed on read).
// Active plans are also drawn automatically once per period (sampling_sched.go).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/callfloor/callfloor"
)

// Sample draw kinds.
const (
	DrawKindPlan          = "plan"
	DrawKindDailyTeamLead = "daily_team_lead"
)

// Plan periods: how much history one draw of the plan is meant to cover.
const (
	PlanPeriodDay   = callfloor.SamplePeriodDay
	PlanPeriodWeek  = callfloor.SamplePeriodWeek
	PlanPeriodMonth = callfloor.SamplePeriodMonth
)

// sampleLockKey serialises draws: two draws never pick the same call at the same time.
const sampleLockKey = 0x63667364 // "cfsd"

// CandidateFilter narrows the candidates of a draw; empty fields do not filter.
type CandidateFilter struct {
	Team  string // the agent's team (agents.team_id)
	Agent string
	Queue string
}

// SamplePlanRecord is a stored sample plan.
type SamplePlanRecord struct {
	ID        int64                `json:"id"`
	Name      string               `json:"name"`
	Scope     string               `json:"scope"`
	Plan      callfloor.SamplePlan `json:"plan"`
	Period    string               `json:"period"`
	CreatedBy string               `json:"created_by"`
	CreatedAt time.Time            `json:"created_at"`
	Active    bool                 `json:"active"`
}

// NewSamplePlan is what CreatePlan needs.
type NewSamplePlan struct {
	Name      string
	Plan      callfloor.SamplePlan
	Period    string
	CreatedBy string
}

// SampleDraw is a stored draw: callfloor.Draw (seed, period, filters, population, picks) and
// who made it, for what.
type SampleDraw struct {
	ID       int64     `json:"id"`
	PlanID   *int64    `json:"plan_id,omitempty"`
	Kind     string    `json:"kind"`
	DrawnFor string    `json:"drawn_for,omitempty"` // the team lead of a daily draw
	DrawnAt  time.Time `json:"drawn_at"`
	DrawnBy  string    `json:"drawn_by"`
	callfloor.Draw
	Unassigned []string `json:"unassigned"` // picks nobody may evaluate (no team lead, no QA): not assigned, left for later draws
}

// SampleAssignment is a call a draw gave an evaluator, with the call's details.
type SampleAssignment struct {
	DrawID        int64      `json:"draw_id"`
	Kind          string     `json:"kind"`
	CallID        string     `json:"call_id"`
	CallEnteredAt time.Time  `json:"call_entered_at"`
	Evaluator     string     `json:"evaluator"`
	AssignedAt    time.Time  `json:"assigned_at"`
	Done          bool       `json:"done"`
	DoneAt        *time.Time `json:"done_at,omitempty"` // done_at, else the first evaluation of the call
	Agent         string     `json:"agent,omitempty"`
	Team          string     `json:"team,omitempty"`
	Queue         string     `json:"queue,omitempty"`
	Direction     string     `json:"direction,omitempty"`
	Outcome       string     `json:"outcome,omitempty"`
	TalkMs        int64      `json:"talk_ms"`
	RecordingName string     `json:"recording_name,omitempty"`
	// The call's (first) evaluation, whoever made it: the worklist shows the call done by them.
	EvaluationID int64  `json:"evaluation_id,omitempty"`
	EvaluatedBy  string `json:"evaluated_by,omitempty"`
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Candidates returns the calls of [from, to) that may be sampled: with a recording, not yet
// assigned by any draw. Evaluated says an evaluation of the call exists.
func (db *DB) Candidates(ctx context.Context, from, to time.Time, f CandidateFilter) ([]callfloor.SampleCandidate, error) {
	return candidates(ctx, db.Pool, from, to, f)
}

func candidates(ctx context.Context, q querier, from, to time.Time, f CandidateFilter) ([]callfloor.SampleCandidate, error) {
	if !from.Before(to) {
		return nil, invalidField("to", "must be after from").With(callfloor.CodeMustBeAfter, callfloor.Params{"other": "from"})
	}
	where := []string{"c.entered_at >= $1", "c.entered_at < $2", "coalesce(c.recording_name, '') <> ''",
		"NOT EXISTS (SELECT 1 FROM sample_assignments s WHERE s.call_id = c.id)"}
	args := []any{from, to}
	add := func(cond string, v string) {
		if v != "" {
			args = append(args, v)
			where = append(where, fmt.Sprintf(cond, len(args)))
		}
	}
	add("a.team_id = $%d", f.Team)
	add("c.agent_id = $%d", f.Agent)
	add("c.queue = $%d", f.Queue)
	// DISTINCT ON: a call ID is one call even if the history ever held it twice.
	rows, err := q.Query(ctx, `SELECT DISTINCT ON (c.id) c.id, coalesce(c.agent_id, ''), coalesce(a.team_id, ''), coalesce(c.queue, ''),
		c.entered_at, coalesce(c.talk_ms, 0), c.direction, coalesce(c.outcome, ''),
		EXISTS (SELECT 1 FROM evaluations e WHERE e.call_id = c.id)
		FROM calls c LEFT JOIN agents a ON a.id = c.agent_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY c.id, c.entered_at DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("sample candidates: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (callfloor.SampleCandidate, error) {
		var c callfloor.SampleCandidate
		err := r.Scan(&c.CallID, &c.Agent, &c.Team, &c.Queue, &c.EnteredAt, &c.TalkMs, &c.Direction, &c.Outcome, &c.Evaluated)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("sample candidates: %w", err)
	}
	return out, nil
}

const planCols = `id, name, scope, plan, period, created_by, created_at, active`

func scanPlan(r pgx.Row) (SamplePlanRecord, error) {
	var p SamplePlanRecord
	var plan []byte
	if err := r.Scan(&p.ID, &p.Name, &p.Scope, &plan, &p.Period, &p.CreatedBy, &p.CreatedAt, &p.Active); err != nil {
		return p, err
	}
	if err := json.Unmarshal(plan, &p.Plan); err != nil {
		return p, fmt.Errorf("sample plan %d: %w", p.ID, err)
	}
	return p, nil
}

// CreatePlan validates and stores a plan. A plan never samples a call already evaluated:
// NotEvaluated is always set.
func (db *DB) CreatePlan(ctx context.Context, np NewSamplePlan) (SamplePlanRecord, error) {
	np.Name = strings.TrimSpace(np.Name)
	if np.Name == "" || len(np.Name) > 200 {
		return SamplePlanRecord{}, invalidField("name", "required, at most 200 bytes").With(callfloor.CodeRequired, callfloor.Params{"max": 200})
	}
	switch np.Period {
	case PlanPeriodDay, PlanPeriodWeek, PlanPeriodMonth:
	default:
		return SamplePlanRecord{}, invalidField("period", "must be day, week or month, got %q", np.Period).With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{"day", "week", "month"}, "value": np.Period})
	}
	if np.CreatedBy == "" {
		return SamplePlanRecord{}, invalidField("created_by", "required").With(callfloor.CodeRequired, nil)
	}
	np.Plan.NotEvaluated = true
	if err := np.Plan.Validate(); err != nil {
		var e *callfloor.Error
		if errors.As(err, &e) && e.Field != "" {
			return SamplePlanRecord{}, invalidField("plan."+e.Field, "%s", strings.TrimPrefix(e.Message, e.Field+": ")).With(e.Code, e.Params)
		}
		return SamplePlanRecord{}, err
	}
	plan, _ := json.Marshal(np.Plan)
	return scanPlan(db.Pool.QueryRow(ctx, `INSERT INTO sample_plans (name, scope, plan, period, created_by) VALUES ($1, $2, $3, $4, $5)
		RETURNING `+planCols, np.Name, np.Plan.Scope, string(plan), np.Period, np.CreatedBy))
}

// ListPlans returns every plan, newest first.
func (db *DB) ListPlans(ctx context.Context) ([]SamplePlanRecord, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+planCols+` FROM sample_plans ORDER BY id DESC`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (SamplePlanRecord, error) { return scanPlan(r) })
}

// Plan returns one plan; ENOTFOUND if none.
func (db *DB) Plan(ctx context.Context, id int64) (SamplePlanRecord, error) {
	p, err := scanPlan(db.Pool.QueryRow(ctx, `SELECT `+planCols+` FROM sample_plans WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return p, callfloor.NotFound("sample_plan", strconv.FormatInt(id, 10), "no sample plan %d", id)
	}
	return p, err
}

// evaluators returns the enabled team leads by team and the enabled QA users, by username.
func evaluators(ctx context.Context, q querier) (map[string][]string, []string, error) {
	rows, err := q.Query(ctx, `SELECT username, role, coalesce(team_id, '') FROM users
		WHERE NOT disabled AND role IN ('team_lead', 'qa') ORDER BY lower(username), username`)
	if err != nil {
		return nil, nil, err
	}
	leads := map[string][]string{}
	var pool []string
	var name, role, team string
	_, err = pgx.ForEachRow(rows, []any{&name, &role, &team}, func() error {
		if role == string(callfloor.RoleQA) {
			pool = append(pool, name)
		} else if team != "" {
			leads[team] = append(leads[team], name)
		}
		return nil
	})
	return leads, pool, err
}

// storeDraw inserts the draw and one assignment per (evaluator, call). ok is false when the
// (kind, drawn_for, period_from) draw already exists.
func storeDraw(ctx context.Context, tx pgx.Tx, d *SampleDraw, assigned map[string][]callfloor.SampleCandidate) (bool, error) {
	var drawnFor *string
	if d.DrawnFor != "" {
		drawnFor = &d.DrawnFor
	}
	err := tx.QueryRow(ctx, `INSERT INTO sample_draws (plan_id, kind, drawn_for, seed, filters, candidates, population_size, quota, short,
		period_from, period_to, drawn_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (kind, drawn_for, period_from) DO NOTHING RETURNING id, drawn_at`,
		d.PlanID, d.Kind, drawnFor, d.Seed, d.Filters, d.Candidates, d.PopulationSize, d.Quota, d.Short, d.From, d.To, d.DrawnBy).
		Scan(&d.ID, &d.DrawnAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store draw: %w", err)
	}
	d.Unassigned = []string{}
	names := make([]string, 0, len(assigned))
	for e := range assigned {
		names = append(names, e)
	}
	slices.Sort(names)
	for _, e := range names {
		for _, c := range assigned[e] {
			if e == "" {
				d.Unassigned = append(d.Unassigned, c.CallID)
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO sample_assignments (draw_id, call_id, call_entered_at, evaluator) VALUES ($1, $2, $3, $4)`,
				d.ID, c.CallID, c.EnteredAt, e); err != nil {
				var pe *pgconn.PgError
				if errors.As(err, &pe) && pe.Code == "23505" {
					return false, callfloor.AlreadyExists("", "assignment", c.CallID, "call %s is already assigned", c.CallID)
				}
				return false, fmt.Errorf("store assignment: %w", err)
			}
		}
	}
	return true, nil
}

// RunPlan draws plan planID over [from, to) with seed among the candidates (calls with a
// recording, not yet assigned, not yet evaluated), shares the picks among the team leads of each
// call's team and the QA pool (callfloor.Assign), and stores the draw and its assignments in one
// transaction. It returns the draw and the assignments it made.
func (db *DB) RunPlan(ctx context.Context, planID, seed int64, from, to time.Time, by string) (SampleDraw, []SampleAssignment, error) {
	if by == "" {
		return SampleDraw{}, nil, invalidField("drawn_by", "required").With(callfloor.CodeRequired, nil)
	}
	plan, err := db.Plan(ctx, planID)
	if err != nil {
		return SampleDraw{}, nil, err
	}
	if !plan.Active {
		return SampleDraw{}, nil, callfloor.StateConflict("inactive", "sample plan %d is not active", planID)
	}
	if !from.Before(to) {
		return SampleDraw{}, nil, invalidField("to", "must be after from").With(callfloor.CodeMustBeAfter, callfloor.Params{"other": "from"})
	}
	if to.Sub(from) > MaxSearchRange {
		return SampleDraw{}, nil, invalidField("to", "a draw may span at most %d days", int(MaxSearchRange.Hours()/24)).With(callfloor.CodeOutOfRange, callfloor.Params{"max": int(MaxSearchRange.Hours() / 24), "unit": "days"})
	}
	plan.Plan.NotEvaluated = true
	d := SampleDraw{PlanID: &plan.ID, Kind: DrawKindPlan, DrawnBy: by}
	var out []SampleAssignment
	err = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, sampleLockKey); err != nil {
			return err
		}
		pop, err := candidates(ctx, tx, from, to, CandidateFilter{})
		if err != nil {
			return err
		}
		if d.Draw, err = callfloor.DrawSample(plan.Plan, pop, seed, from, to); err != nil {
			return err
		}
		leads, pool, err := evaluators(ctx, tx)
		if err != nil {
			return err
		}
		assigned := callfloor.Assign(d.Picks, leads, pool)
		if _, err := storeDraw(ctx, tx, &d, assigned); err != nil {
			return err
		}
		out, err = drawAssignments(ctx, tx, d.ID)
		return err
	})
	if err != nil {
		return SampleDraw{}, nil, err
	}
	return d, out, nil
}

// DailyTeamLeadDraws makes, for every enabled team lead, the daily draw of day
// (callfloor.DailyTeamLeadDraw: DailyTeamLeadQuota of their team's calls of that day, all if
// fewer), among the team's calls with a recording not yet assigned nor evaluated, and assigns
// them to the lead. Idempotent: a lead's draw of a day is made once (later runs draw nothing for
// them). day must be over (a draw of a day in progress would miss its later calls). It returns
// the number of calls assigned.
func (db *DB) DailyTeamLeadDraws(ctx context.Context, day time.Time) (int, error) {
	y, m, dd := day.Date()
	from := time.Date(y, m, dd, 0, 0, 0, 0, day.Location())
	if to := from.AddDate(0, 0, 1); to.After(time.Now()) {
		return 0, invalidField("day", "%s is not over yet", from.Format(time.DateOnly)).With(callfloor.CodeOutOfRange, callfloor.Params{"value": from.Format(time.DateOnly)})
	}
	rows, err := db.Pool.Query(ctx, `SELECT username, team_id FROM users WHERE NOT disabled AND role = 'team_lead' AND team_id IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM sample_draws d WHERE d.kind = 'daily_team_lead' AND d.drawn_for = users.username AND d.period_from = $1)
		ORDER BY username`, from)
	if err != nil {
		return 0, err
	}
	type lead struct{ name, team string }
	leads, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (lead, error) {
		var l lead
		return l, r.Scan(&l.name, &l.team)
	})
	if err != nil {
		return 0, err
	}
	total := 0
	var errs []error
	for _, l := range leads {
		n := 0
		err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, sampleLockKey); err != nil {
				return err
			}
			pop, err := candidates(ctx, tx, from, from.AddDate(0, 0, 1), CandidateFilter{Team: l.team})
			if err != nil {
				return err
			}
			pop = slices.DeleteFunc(pop, func(c callfloor.SampleCandidate) bool { return c.Evaluated })
			dr, err := callfloor.DailyTeamLeadDraw(l.name, l.team, day, pop)
			if err != nil {
				return err
			}
			d := SampleDraw{Kind: DrawKindDailyTeamLead, DrawnFor: l.name, DrawnBy: "system", Draw: dr}
			ok, err := storeDraw(ctx, tx, &d, map[string][]callfloor.SampleCandidate{l.name: dr.Picks})
			if ok {
				n = len(dr.Picks)
			}
			return err
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("daily draw of %s: %w", l.name, err))
			continue
		}
		total += n
	}
	return total, errors.Join(errs...)
}

const assignmentSelect = `SELECT s.draw_id, d.kind, s.call_id, s.call_entered_at, s.evaluator, s.assigned_at,
	coalesce(s.done_at, ev.created_at),
	coalesce(c.agent_id, ''), coalesce(a.team_id, ''), coalesce(c.queue, ''), coalesce(c.direction, ''), coalesce(c.outcome, ''),
	coalesce(c.talk_ms, 0), coalesce(c.recording_name, ''), coalesce(ev.id, 0), coalesce(ev.evaluator, '')
	FROM sample_assignments s JOIN sample_draws d ON d.id = s.draw_id
	LEFT JOIN calls c ON c.id = s.call_id AND c.entered_at = s.call_entered_at
	LEFT JOIN agents a ON a.id = c.agent_id
	LEFT JOIN LATERAL (SELECT e.id, e.evaluator, e.created_at FROM evaluations e WHERE e.call_id = s.call_id AND e.superseded_by IS NULL
		ORDER BY e.created_at, e.id LIMIT 1) ev ON true `

func scanAssignment(r pgx.CollectableRow) (SampleAssignment, error) {
	var s SampleAssignment
	err := r.Scan(&s.DrawID, &s.Kind, &s.CallID, &s.CallEnteredAt, &s.Evaluator, &s.AssignedAt, &s.DoneAt, &s.Agent, &s.Team,
		&s.Queue, &s.Direction, &s.Outcome, &s.TalkMs, &s.RecordingName, &s.EvaluationID, &s.EvaluatedBy)
	s.Done = s.DoneAt != nil
	return s, err
}

func drawAssignments(ctx context.Context, q querier, drawID int64) ([]SampleAssignment, error) {
	rows, err := q.Query(ctx, assignmentSelect+`WHERE s.draw_id = $1 ORDER BY s.call_entered_at, s.call_id`, drawID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanAssignment)
}

// Worklist returns the calls assigned to evaluator, oldest call first, with the call's details;
// Done once an evaluation of the call exists.
func (db *DB) Worklist(ctx context.Context, evaluator string) ([]SampleAssignment, error) {
	rows, err := db.Pool.Query(ctx, assignmentSelect+`WHERE s.evaluator = $1 ORDER BY s.call_entered_at, s.call_id`, evaluator)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, scanAssignment)
	if err != nil {
		return nil, fmt.Errorf("worklist: %w", err)
	}
	return out, nil
}
