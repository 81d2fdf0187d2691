package storage

// QA evaluations, disputes and the evaluation history (migration 00007).
//
// The workflow: an evaluation is "submitted" against the latest version of a scorecard; the
// evaluated agent "acknowledges" it or raises one dispute ("disputed"); their team lead reviews
// the dispute (forwarded or rejected: advice for the decider); an operations manager decides it
// for good ("decided"): upheld keeps the score, overturned or partly rescores the evaluation with
// corrected answers on the same scorecard version. Who may do what is the API's business; this
// file keeps the states consistent (row locks, ECONFLICT on a move the state forbids) and writes
// every change to evaluation_history, which is append only: the first line keeps the original
// result whatever happens later.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/callfloor/callfloor"
)

// Evaluation statuses.
const (
	EvalSubmitted    = "submitted"
	EvalAcknowledged = "acknowledged"
	EvalDisputed     = "disputed"
	EvalDecided      = "decided"
)

// Lead reviews and decisions of a dispute.
const (
	DisputeForwarded  = "forwarded"
	DisputeRejected   = "rejected"
	DisputeUpheld     = "upheld"
	DisputeOverturned = "overturned"
	DisputePartly     = "partly"
)

// Limits on what an evaluation carries.
const (
	MaxEvalComments    = 200
	MaxEvalCommentText = 4000 // bytes
	MaxDisputeReason   = 4000 // bytes
)

// EvalComment is a remark pinned to a moment of the call's recording.
type EvalComment struct {
	AtMs int64  `json:"at_ms"`
	Text string `json:"text"`
}

// Evaluation is one scored call. Disputes and History are filled by Evaluation (one), not by
// Evaluations (lists).
type Evaluation struct {
	ID               int64              `json:"id"`
	CallID           string             `json:"call_id"`
	AgentID          string             `json:"agent_id"`
	TeamID           string             `json:"team_id,omitempty"`
	Evaluator        string             `json:"evaluator"`
	EvaluatorUserID  int64              `json:"evaluator_user_id,omitempty"`
	ScorecardID      string             `json:"scorecard_id"`
	ScorecardVersion int                `json:"scorecard_version"`
	Answers          []callfloor.Answer `json:"answers"`
	Comments         []EvalComment      `json:"comments"`
	Result           callfloor.Result   `json:"result"`
	ScoreRaw         float64            `json:"score_raw"`
	ScoreFinal       float64            `json:"score_final"`
	Fatal            bool               `json:"fatal"`
	NonFatalErrors   int                `json:"non_fatal_errors"`
	Applicable       int                `json:"applicable"`
	Status           string             `json:"status"`
	CreatedAt        time.Time          `json:"created_at"`
	AcknowledgedAt   *time.Time         `json:"acknowledged_at,omitempty"`
	// SupersededBy: a duplicate evaluation of the call on the same scorecard from before the
	// one-per-call rule (migration 00013), replaced by that one; not counted anywhere.
	SupersededBy *int64 `json:"superseded_by,omitempty"`

	Disputes []Dispute         `json:"disputes,omitempty"`
	History  []EvaluationEvent `json:"history,omitempty"`
}

// Dispute is an agent's challenge of items of an evaluation.
type Dispute struct {
	ID           int64              `json:"id"`
	EvaluationID int64              `json:"evaluation_id"`
	Items        []string           `json:"items"`
	Reason       string             `json:"reason"`
	RaisedBy     string             `json:"raised_by"`
	RaisedAt     time.Time          `json:"raised_at"`
	LeadReview   string             `json:"lead_review,omitempty"`
	LeadBy       string             `json:"lead_by,omitempty"`
	LeadAt       *time.Time         `json:"lead_at,omitempty"`
	LeadNote     string             `json:"lead_note,omitempty"`
	Decision     string             `json:"decision,omitempty"`
	DecidedBy    string             `json:"decided_by,omitempty"`
	DecidedAt    *time.Time         `json:"decided_at,omitempty"`
	DecisionNote string             `json:"decision_note,omitempty"`
	NewAnswers   []callfloor.Answer `json:"new_answers,omitempty"`
}

// EvaluationEvent is one line of an evaluation's history. Before and After are snapshots of
// the evaluation (status, answers, result) around the change.
type EvaluationEvent struct {
	ID           int64           `json:"id"`
	EvaluationID int64           `json:"evaluation_id"`
	At           time.Time       `json:"at"`
	Actor        string          `json:"actor"`
	Action       string          `json:"action"`
	Before       json.RawMessage `json:"before,omitempty"`
	After        json.RawMessage `json:"after,omitempty"`
}

// NewEvaluation is what CreateEvaluation needs. The API resolves the call's agent and team.
type NewEvaluation struct {
	CallID          string
	AgentID         string
	TeamID          string
	Evaluator       string
	EvaluatorUserID int64
	ScorecardID     string
	Answers         []callfloor.Answer
	Comments        []EvalComment
	Queue           string // the call's queue; "" looks it up in the history
}

// EvaluationFilter selects evaluations, newest first; zero fields do not filter.
type EvaluationFilter struct {
	Agent    string
	Team     string
	From, To time.Time // created_at >= From, < To
	Status   string
	// OrAgent widens Team: evaluations of the team or of this agent (a team lead's scope:
	// their team and themselves). Alone, it selects that agent's evaluations.
	OrAgent string
	Limit   int // default 100, at most 1000
	// InTeams, when set, keeps only the evaluations of agents of these teams (a project
	// manager's projects); empty matches nothing.
	InTeams *[]string
}

type evalQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// evalScorecard reads a scorecard version (version 0: the latest) from the scorecards table
// (migration 00006). The form column holds the callfloor.Scorecard; id, version and name come
// from their columns. For the latest version, a retired scorecard is ECONFLICT: it takes no
// new evaluations (its versions stay readable, for rescoring).
func evalScorecard(ctx context.Context, q evalQuerier, id string, version int) (callfloor.Scorecard, error) {
	var card callfloor.Scorecard
	var name string
	var v int
	var form []byte
	var retired bool
	err := q.QueryRow(ctx, `SELECT version, name, form, retired FROM scorecards WHERE id = $1 AND ($2::int = 0 OR version = $2::int)
		ORDER BY version DESC LIMIT 1`, id, version).Scan(&v, &name, &form, &retired)
	if errors.Is(err, pgx.ErrNoRows) {
		if version == 0 {
			return card, invalidField("scorecard_id", "no scorecard %q", id).With(callfloor.CodeUnknownRef, callfloor.Params{"what": "scorecard", "value": id})
		}
		return card, callfloor.NotFound("scorecard", id, "scorecard %q version %d not found", id, version)
	}
	if err != nil {
		return card, fmt.Errorf("scorecard %q: %w", id, err)
	}
	if version == 0 && retired {
		return card, &callfloor.Error{Code: callfloor.CodeStateConflict, Field: "scorecard_id", Params: callfloor.Params{"state": "retired"}, Message: fmt.Sprintf("scorecard_id: scorecard %q is retired", id)}
	}
	if err := json.Unmarshal(form, &card); err != nil {
		return card, fmt.Errorf("scorecard %q v%d: form: %w", id, v, err)
	}
	card.ID, card.Version, card.Name = id, v, name
	return card, nil
}

func checkEvalComments(cs []EvalComment) error {
	if len(cs) > MaxEvalComments {
		return invalidField("comments", "at most %d comments", MaxEvalComments).With(callfloor.CodeTooLong, callfloor.Params{"max": MaxEvalComments})
	}
	for i, c := range cs {
		f := "comments[" + strconv.Itoa(i) + "]"
		if c.AtMs < 0 {
			return invalidField(f+".at_ms", "must be ≥ 0, got %d", c.AtMs).With(callfloor.CodeOutOfRange, callfloor.Params{"min": 0, "value": c.AtMs})
		}
		if strings.TrimSpace(c.Text) == "" {
			return invalidField(f+".text", "required").With(callfloor.CodeRequired, nil)
		}
		if len(c.Text) > MaxEvalCommentText || !utf8.ValidString(c.Text) {
			return invalidField(f+".text", "at most %d bytes of UTF-8", MaxEvalCommentText).With(callfloor.CodeTooLong, callfloor.Params{"max": MaxEvalCommentText})
		}
	}
	return nil
}

const evalCols = `id, call_id, agent_id, team_id, evaluator, coalesce(evaluator_user_id, 0), scorecard_id, scorecard_version,
	answers, comments, result, score_raw::float8, score_final::float8, fatal, non_fatal_errors, applicable, status, created_at,
	acknowledged_at, superseded_by`

func scanEvaluation(row pgx.Row) (Evaluation, error) {
	var e Evaluation
	var answers, comments, result []byte
	err := row.Scan(&e.ID, &e.CallID, &e.AgentID, &e.TeamID, &e.Evaluator, &e.EvaluatorUserID, &e.ScorecardID, &e.ScorecardVersion,
		&answers, &comments, &result, &e.ScoreRaw, &e.ScoreFinal, &e.Fatal, &e.NonFatalErrors, &e.Applicable, &e.Status, &e.CreatedAt,
		&e.AcknowledgedAt, &e.SupersededBy)
	if err != nil {
		return e, err
	}
	if err := json.Unmarshal(answers, &e.Answers); err != nil {
		return e, fmt.Errorf("evaluation %d answers: %w", e.ID, err)
	}
	if err := json.Unmarshal(comments, &e.Comments); err != nil {
		return e, fmt.Errorf("evaluation %d comments: %w", e.ID, err)
	}
	if err := json.Unmarshal(result, &e.Result); err != nil {
		return e, fmt.Errorf("evaluation %d result: %w", e.ID, err)
	}
	if e.Comments == nil {
		e.Comments = []EvalComment{}
	}
	return e, nil
}

const disputeCols = `id, evaluation_id, items, reason, raised_by, raised_at, coalesce(lead_review, ''), coalesce(lead_by, ''), lead_at,
	coalesce(lead_note, ''), coalesce(decision, ''), coalesce(decided_by, ''), decided_at, coalesce(decision_note, ''), new_answers`

func scanDispute(row pgx.Row) (Dispute, error) {
	var d Dispute
	var items, newAnswers []byte
	err := row.Scan(&d.ID, &d.EvaluationID, &items, &d.Reason, &d.RaisedBy, &d.RaisedAt, &d.LeadReview, &d.LeadBy, &d.LeadAt,
		&d.LeadNote, &d.Decision, &d.DecidedBy, &d.DecidedAt, &d.DecisionNote, &newAnswers)
	if err != nil {
		return d, err
	}
	if err := json.Unmarshal(items, &d.Items); err != nil {
		return d, fmt.Errorf("dispute %d items: %w", d.ID, err)
	}
	if newAnswers != nil {
		if err := json.Unmarshal(newAnswers, &d.NewAnswers); err != nil {
			return d, fmt.Errorf("dispute %d new_answers: %w", d.ID, err)
		}
	}
	return d, nil
}

func evaluationNotFound(id int64) error {
	return callfloor.NotFound("evaluation", strconv.FormatInt(id, 10), "evaluation %d not found", id)
}

func disputeNotFound(id int64) error {
	return callfloor.NotFound("dispute", strconv.FormatInt(id, 10), "dispute %d not found", id)
}

// evalConflict is a 409 for a move the evaluation's or dispute's state (named) forbids.
func evalConflict(state, format string, args ...any) error {
	return callfloor.StateConflict(state, format, args...)
}

// evalSnapshot is what a history line records of the evaluation.
type evalSnapshot struct {
	Status           string             `json:"status"`
	ScorecardVersion int                `json:"scorecard_version"`
	Answers          []callfloor.Answer `json:"answers"`
	Result           callfloor.Result   `json:"result"`
	ScoreFinal       float64            `json:"score_final"`
	AcknowledgedAt   *time.Time         `json:"acknowledged_at,omitempty"`
	DisputeID        int64              `json:"dispute_id,omitempty"`
}

func snapshot(e Evaluation) evalSnapshot {
	return evalSnapshot{Status: e.Status, ScorecardVersion: e.ScorecardVersion, Answers: e.Answers, Result: e.Result,
		ScoreFinal: e.Result.ScoreFinal, AcknowledgedAt: e.AcknowledgedAt}
}

func appendEvalHistory(ctx context.Context, tx pgx.Tx, evalID int64, actor, action string, before, after *evalSnapshot) error {
	enc := func(s *evalSnapshot) (*string, error) {
		if s == nil {
			return nil, nil
		}
		b, err := json.Marshal(s)
		if err != nil {
			return nil, err
		}
		str := string(b)
		return &str, nil
	}
	b, err := enc(before)
	if err != nil {
		return err
	}
	a, err := enc(after)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO evaluation_history (evaluation_id, actor, action, before, after) VALUES ($1, $2, $3, $4, $5)`,
		evalID, actor, action, b, a)
	return err
}

// DuplicateEvaluation is the error of CreateEvaluation when the call already has an evaluation
// on the scorecard (one per call and scorecard: a dispute rescores that one). It is ECONFLICT.
type DuplicateEvaluation struct {
	Existing Evaluation
	err      *callfloor.Error
}

func (d *DuplicateEvaluation) Error() string { return d.err.Message }
func (d *DuplicateEvaluation) Unwrap() error { return d.err }

func duplicateEvaluation(e Evaluation) error {
	return &DuplicateEvaluation{Existing: e, err: &callfloor.Error{Code: callfloor.CodeAlreadyExists, Field: "call_id", Params: callfloor.Params{"what": "evaluation", "value": strconv.FormatInt(e.ID, 10)},
		Message: fmt.Sprintf("call %s was already evaluated on scorecard %s: evaluation %d by %s on %s (one evaluation per call and scorecard; a dispute rescores it)",
			e.CallID, e.ScorecardID, e.ID, e.Evaluator, e.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"))}}
}

// currentEvaluation returns the call's evaluation on the scorecard that counts (not superseded).
func currentEvaluation(ctx context.Context, q evalQuerier, callID, scorecardID string) (Evaluation, error) {
	return scanEvaluation(q.QueryRow(ctx, `SELECT `+evalCols+` FROM evaluations
		WHERE call_id = $1 AND scorecard_id = $2 AND superseded_by IS NULL`, callID, scorecardID))
}

// CreateEvaluation scores the answers against the latest version of the scorecard and stores
// the evaluation ("submitted") with the first line of its history. Bad answers or comments are
// EINVALID naming the field (e.g. "answers[greet].yes"); an unknown scorecard is EINVALID on
// scorecard_id; a call that already has an evaluation on the scorecard is a *DuplicateEvaluation
// (ECONFLICT) naming it and its evaluator.
func (db *DB) CreateEvaluation(ctx context.Context, ne NewEvaluation) (Evaluation, error) {
	if ne.CallID == "" {
		return Evaluation{}, invalidField("call_id", "required").With(callfloor.CodeRequired, nil)
	}
	if ne.AgentID == "" {
		return Evaluation{}, invalidField("call_id", "the call has no agent to evaluate").With(callfloor.CodeNotAllowed, nil)
	}
	if ne.ScorecardID == "" {
		return Evaluation{}, invalidField("scorecard_id", "required").With(callfloor.CodeRequired, nil)
	}
	if ne.Evaluator == "" {
		return Evaluation{}, invalidField("evaluator", "required").With(callfloor.CodeRequired, nil)
	}
	if ne.Comments == nil {
		ne.Comments = []EvalComment{}
	}
	if err := checkEvalComments(ne.Comments); err != nil {
		return Evaluation{}, err
	}
	if ne.Answers == nil {
		ne.Answers = []callfloor.Answer{}
	}
	var out Evaluation
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		card, err := evalScorecard(ctx, tx, ne.ScorecardID, 0)
		if err != nil {
			return err
		}
		res, err := callfloor.Evaluate(&card, ne.Answers)
		if err != nil {
			return err
		}
		// bad answers are told first (400), then that the call has its evaluation (409)
		if e, err := currentEvaluation(ctx, tx, ne.CallID, card.ID); err == nil {
			return duplicateEvaluation(e)
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		answers, _ := json.Marshal(ne.Answers)
		comments, _ := json.Marshal(ne.Comments)
		result, _ := json.Marshal(res)
		var evalUser *int64
		if ne.EvaluatorUserID != 0 {
			evalUser = &ne.EvaluatorUserID
		}
		out, err = scanEvaluation(tx.QueryRow(ctx, `INSERT INTO evaluations (call_id, agent_id, team_id, evaluator, evaluator_user_id,
			scorecard_id, scorecard_version, answers, comments, result, score_raw, score_final, fatal, non_fatal_errors, applicable, queue)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
				coalesce(nullif($16, ''), (SELECT c.queue FROM calls c WHERE c.id = $1 AND c.queue IS NOT NULL LIMIT 1), '')) RETURNING `+evalCols,
			ne.CallID, ne.AgentID, ne.TeamID, ne.Evaluator, evalUser, card.ID, card.Version, string(answers), string(comments),
			string(result), res.ScoreRaw, res.ScoreFinal, res.Fatal, res.NonFatalErrors, res.Applicable, ne.Queue))
		if err != nil {
			return err
		}
		after := snapshot(out)
		return appendEvalHistory(ctx, tx, out.ID, ne.Evaluator, "submitted", nil, &after)
	})
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "evaluations_one_per_call" {
		// another evaluation of the call was stored at the same moment
		if e, cerr := currentEvaluation(ctx, db.Pool, ne.CallID, ne.ScorecardID); cerr == nil {
			return Evaluation{}, duplicateEvaluation(e)
		}
		return Evaluation{}, evalConflict("evaluated", "call %s was evaluated on scorecard %s by someone else at the same moment", ne.CallID, ne.ScorecardID)
	}
	if err != nil {
		return Evaluation{}, err
	}
	return out, nil
}

// Evaluation returns one evaluation with its disputes and full history; ENOTFOUND if none.
func (db *DB) Evaluation(ctx context.Context, id int64) (Evaluation, error) {
	e, err := scanEvaluation(db.Pool.QueryRow(ctx, `SELECT `+evalCols+` FROM evaluations WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return e, evaluationNotFound(id)
	}
	if err != nil {
		return e, err
	}
	rows, err := db.Pool.Query(ctx, `SELECT `+disputeCols+` FROM disputes WHERE evaluation_id = $1 ORDER BY id`, id)
	if err != nil {
		return e, err
	}
	if e.Disputes, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Dispute, error) { return scanDispute(r) }); err != nil {
		return e, err
	}
	rows, err = db.Pool.Query(ctx, `SELECT id, evaluation_id, at, actor, action, before, after FROM evaluation_history
		WHERE evaluation_id = $1 ORDER BY id`, id)
	if err != nil {
		return e, err
	}
	e.History, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (EvaluationEvent, error) {
		var h EvaluationEvent
		var before, after []byte
		err := r.Scan(&h.ID, &h.EvaluationID, &h.At, &h.Actor, &h.Action, &before, &after)
		h.Before, h.After = before, after
		return h, err
	})
	if e.Disputes == nil {
		e.Disputes = []Dispute{}
	}
	return e, err
}

// Evaluations returns the evaluations matching f, newest first, without disputes or history.
func (db *DB) Evaluations(ctx context.Context, f EvaluationFilter) ([]Evaluation, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	if f.Limit > 1000 {
		f.Limit = 1000
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return nil, invalidField("to", "must be after from").With(callfloor.CodeMustBeAfter, callfloor.Params{"other": "from"})
	}
	var w sqlWhere
	if f.Agent != "" {
		w.add("agent_id = ?", f.Agent)
	}
	if f.InTeams != nil {
		w.add("team_id = ANY(?)", nonNil(*f.InTeams))
	}
	if f.Team != "" && f.OrAgent != "" {
		w.add("(team_id = ? OR agent_id = ?)", f.Team, f.OrAgent)
	} else if f.Team != "" {
		w.add("team_id = ?", f.Team)
	} else if f.OrAgent != "" {
		w.add("agent_id = ?", f.OrAgent)
	}
	if !f.From.IsZero() {
		w.add("created_at >= ?", f.From)
	}
	if !f.To.IsZero() {
		w.add("created_at < ?", f.To)
	}
	if f.Status != "" {
		w.add("status = ?", f.Status)
	}
	q := `SELECT ` + evalCols + ` FROM evaluations`
	if c := w.clause(); c != "" {
		q += ` WHERE ` + c
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ` + w.arg(f.Limit)
	rows, err := db.Pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("evaluations: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Evaluation, error) { return scanEvaluation(r) })
	if out == nil {
		out = []Evaluation{}
	}
	return out, err
}

func lockEvaluation(ctx context.Context, tx pgx.Tx, id int64) (Evaluation, error) {
	e, err := scanEvaluation(tx.QueryRow(ctx, `SELECT `+evalCols+` FROM evaluations WHERE id = $1 FOR UPDATE`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return e, evaluationNotFound(id)
	}
	return e, err
}

// AcknowledgeEvaluation records that the agent has seen and accepts a submitted evaluation;
// any other status is ECONFLICT.
func (db *DB) AcknowledgeEvaluation(ctx context.Context, id int64, actor string) (Evaluation, error) {
	var out Evaluation
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		e, err := lockEvaluation(ctx, tx, id)
		if err != nil {
			return err
		}
		if e.Status != EvalSubmitted {
			return evalConflict(string(e.Status), "evaluation %d is %s: only a submitted evaluation can be acknowledged", id, e.Status)
		}
		before := snapshot(e)
		out, err = scanEvaluation(tx.QueryRow(ctx, `UPDATE evaluations SET status = 'acknowledged', acknowledged_at = now()
			WHERE id = $1 RETURNING `+evalCols, id))
		if err != nil {
			return err
		}
		after := snapshot(out)
		return appendEvalHistory(ctx, tx, id, actor, "acknowledged", &before, &after)
	})
	return out, err
}

func cardItems(card callfloor.Scorecard) map[string]bool {
	ids := map[string]bool{}
	for _, s := range card.Sections {
		for _, it := range s.Items {
			ids[it.ID] = true
		}
	}
	return ids
}

// RaiseDispute opens the evaluation's one dispute on the given items (ids of its scorecard
// version's items). A second dispute, or one on a decided evaluation, is ECONFLICT.
func (db *DB) RaiseDispute(ctx context.Context, evalID int64, items []string, reason, actor string) (Dispute, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Dispute{}, invalidField("reason", "required").With(callfloor.CodeRequired, nil)
	}
	if len(reason) > MaxDisputeReason || !utf8.ValidString(reason) {
		return Dispute{}, invalidField("reason", "at most %d bytes of UTF-8", MaxDisputeReason).With(callfloor.CodeTooLong, callfloor.Params{"max": MaxDisputeReason})
	}
	if len(items) == 0 {
		return Dispute{}, invalidField("items", "name at least one disputed item").With(callfloor.CodeTooFew, callfloor.Params{"min": 1})
	}
	var out Dispute
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		e, err := lockEvaluation(ctx, tx, evalID)
		if err != nil {
			return err
		}
		if e.SupersededBy != nil {
			return evalConflict("superseded", "evaluation %d was replaced by evaluation %d of the same call: dispute that one", evalID, *e.SupersededBy)
		}
		switch e.Status {
		case EvalDecided:
			return evalConflict("decided", "evaluation %d is decided: it cannot be disputed again", evalID)
		case EvalDisputed:
			return evalConflict("disputed", "evaluation %d is already disputed", evalID)
		}
		card, err := evalScorecard(ctx, tx, e.ScorecardID, e.ScorecardVersion)
		if err != nil {
			return err
		}
		known := cardItems(card)
		seen := map[string]bool{}
		for i, it := range items {
			if !known[it] {
				return invalidField(fmt.Sprintf("items[%d]", i), "no item %q on scorecard %s v%d", it, e.ScorecardID, e.ScorecardVersion).With(callfloor.CodeUnknownRef, callfloor.Params{"what": "item", "value": it})
			}
			if seen[it] {
				return invalidField(fmt.Sprintf("items[%d]", i), "item %q named twice", it).With(callfloor.CodeDuplicate, callfloor.Params{"value": it})
			}
			seen[it] = true
		}
		itemsJSON, _ := json.Marshal(items)
		out, err = scanDispute(tx.QueryRow(ctx, `INSERT INTO disputes (evaluation_id, items, reason, raised_by) VALUES ($1, $2, $3, $4)
			RETURNING `+disputeCols, evalID, string(itemsJSON), reason, actor))
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" {
			return evalConflict("disputed", "evaluation %d has already been disputed once", evalID)
		}
		if err != nil {
			return err
		}
		before := snapshot(e)
		if _, err := tx.Exec(ctx, `UPDATE evaluations SET status = 'disputed' WHERE id = $1`, evalID); err != nil {
			return err
		}
		after := before
		after.Status, after.DisputeID = EvalDisputed, out.ID
		return appendEvalHistory(ctx, tx, evalID, actor, "dispute_raised", &before, &after)
	})
	return out, err
}

// Dispute returns one dispute; ENOTFOUND if none.
func (db *DB) Dispute(ctx context.Context, id int64) (Dispute, error) {
	d, err := scanDispute(db.Pool.QueryRow(ctx, `SELECT `+disputeCols+` FROM disputes WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return d, disputeNotFound(id)
	}
	return d, err
}

func lockDispute(ctx context.Context, tx pgx.Tx, id int64) (Dispute, Evaluation, error) {
	// the evaluation first, as every other writer does, then the dispute
	var evalID int64
	err := tx.QueryRow(ctx, `SELECT evaluation_id FROM disputes WHERE id = $1`, id).Scan(&evalID)
	if errors.Is(err, pgx.ErrNoRows) {
		return Dispute{}, Evaluation{}, disputeNotFound(id)
	}
	if err != nil {
		return Dispute{}, Evaluation{}, err
	}
	e, err := lockEvaluation(ctx, tx, evalID)
	if err != nil {
		return Dispute{}, e, err
	}
	d, err := scanDispute(tx.QueryRow(ctx, `SELECT `+disputeCols+` FROM disputes WHERE id = $1 FOR UPDATE`, id))
	return d, e, err
}

// ReviewDispute records the team lead's review (forwarded or rejected) of an undecided dispute;
// a dispute is reviewed once (ECONFLICT after).
func (db *DB) ReviewDispute(ctx context.Context, id int64, action, note, actor string) (Dispute, error) {
	if action != DisputeForwarded && action != DisputeRejected {
		return Dispute{}, invalidField("action", "must be forward or reject, got %q", action).With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{"forward", "reject"}, "value": action})
	}
	var out Dispute
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		d, e, err := lockDispute(ctx, tx, id)
		if err != nil {
			return err
		}
		if d.Decision != "" {
			return evalConflict("decided", "dispute %d is already decided (%s)", id, d.Decision)
		}
		if d.LeadReview != "" {
			return evalConflict("reviewed", "dispute %d was already reviewed (%s by %s)", id, d.LeadReview, d.LeadBy)
		}
		out, err = scanDispute(tx.QueryRow(ctx, `UPDATE disputes SET lead_review = $2, lead_by = $3, lead_at = now(), lead_note = $4
			WHERE id = $1 RETURNING `+disputeCols, id, action, actor, note))
		if err != nil {
			return err
		}
		s := snapshot(e)
		s.DisputeID = id
		return appendEvalHistory(ctx, tx, e.ID, actor, "dispute_"+action, &s, &s)
	})
	return out, err
}

// mergeAnswers replaces base's answers by the corrected ones with the same item id and
// appends those for items base did not answer.
func mergeAnswers(base, corrected []callfloor.Answer) []callfloor.Answer {
	out := slices.Clone(base)
	for _, c := range corrected {
		i := slices.IndexFunc(out, func(a callfloor.Answer) bool { return a.ItemID == c.ItemID })
		if i >= 0 {
			out[i] = c
		} else {
			out = append(out, c)
		}
	}
	return out
}

// DecideDispute decides a dispute for good. upheld keeps the evaluation as it is (answers must
// be empty); overturned and partly need the corrected answers, which replace the answers of the
// same items, and rescore the evaluation on its scorecard version. The evaluation becomes
// "decided" and its history gains the before and after. A decided dispute is ECONFLICT.
func (db *DB) DecideDispute(ctx context.Context, id int64, decision, note string, answers []callfloor.Answer, actor string) (Dispute, Evaluation, error) {
	switch decision {
	case DisputeUpheld:
		if len(answers) > 0 {
			return Dispute{}, Evaluation{}, invalidField("answers", "an upheld evaluation keeps its answers: send none").With(callfloor.CodeNotApplicable, callfloor.Params{"other": "decision", "value": decision})
		}
	case DisputeOverturned, DisputePartly:
		if len(answers) == 0 {
			return Dispute{}, Evaluation{}, invalidField("answers", "the corrected answers are required when the decision is %s", decision).With(callfloor.CodeRequired, callfloor.Params{"other": "decision", "value": decision})
		}
	default:
		return Dispute{}, Evaluation{}, invalidField("decision", "must be upheld, overturned or partly, got %q", decision).With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{"upheld", "overturned", "partly"}, "value": decision})
	}
	var outD Dispute
	var outE Evaluation
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		d, e, err := lockDispute(ctx, tx, id)
		if err != nil {
			return err
		}
		if d.Decision != "" {
			return evalConflict("decided", "dispute %d was already decided (%s by %s): a decision is final", id, d.Decision, d.DecidedBy)
		}
		before := snapshot(e)
		newAnswers, res := e.Answers, e.Result
		var newAnswersJSON *string
		if decision != DisputeUpheld {
			card, err := evalScorecard(ctx, tx, e.ScorecardID, e.ScorecardVersion)
			if err != nil {
				return err
			}
			known := cardItems(card)
			for i, a := range answers {
				if !known[a.ItemID] {
					return invalidField(fmt.Sprintf("answers[%d].item_id", i), "no item %q on scorecard %s v%d", a.ItemID, e.ScorecardID, e.ScorecardVersion).With(callfloor.CodeUnknownRef, callfloor.Params{"what": "item", "value": a.ItemID})
				}
			}
			newAnswers = mergeAnswers(e.Answers, answers)
			if res, err = callfloor.Evaluate(&card, newAnswers); err != nil {
				return err
			}
			b, _ := json.Marshal(answers)
			s := string(b)
			newAnswersJSON = &s
		}
		outD, err = scanDispute(tx.QueryRow(ctx, `UPDATE disputes SET decision = $2, decided_by = $3, decided_at = now(),
			decision_note = $4, new_answers = $5 WHERE id = $1 RETURNING `+disputeCols, id, decision, actor, note, newAnswersJSON))
		if err != nil {
			return err
		}
		answersJSON, _ := json.Marshal(newAnswers)
		resultJSON, _ := json.Marshal(res)
		outE, err = scanEvaluation(tx.QueryRow(ctx, `UPDATE evaluations SET status = 'decided', answers = $2, result = $3,
			score_raw = $4, score_final = $5, fatal = $6, non_fatal_errors = $7, applicable = $8 WHERE id = $1 RETURNING `+evalCols,
			e.ID, string(answersJSON), string(resultJSON), res.ScoreRaw, res.ScoreFinal, res.Fatal, res.NonFatalErrors, res.Applicable))
		if err != nil {
			return err
		}
		after := snapshot(outE)
		before.DisputeID, after.DisputeID = id, id
		return appendEvalHistory(ctx, tx, e.ID, actor, "dispute_"+decision, &before, &after)
	})
	return outD, outE, err
}
