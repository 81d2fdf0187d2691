package storage

// The list of calibration sessions (migration 00009). A summary carries who is invited and who
// has scored, never anyone's answers: the list is the same for every caller who may see a
// session, and blindness before the close is kept by leaving answers out altogether.

import (
	"context"
	"fmt"
	"github.com/callfloor/callfloor"

	"github.com/jackc/pgx/v5"
)

// Calibration statuses.
const (
	CalibrationOpen   = "open"
	CalibrationClosed = "closed"
)

// MaxCalibrationList bounds one page of ListCalibrations.
const MaxCalibrationList = 500

// CalibrationFilter narrows ListCalibrations; empty fields do not filter.
type CalibrationFilter struct {
	// Member keeps the sessions member is invited to or opened.
	Member string
	Status string // CalibrationOpen or CalibrationClosed
	Limit  int    // default 100, at most MaxCalibrationList
}

// CalibrationSummary is a session without its scores: who is invited and who has scored.
type CalibrationSummary struct {
	CalibrationHead
	Status    string   `json:"status"`
	Submitted []string `json:"submitted"` // evaluators who have scored, by name
}

// ListCalibrations returns sessions, open ones first, each group newest first.
func (db *DB) ListCalibrations(ctx context.Context, f CalibrationFilter) ([]CalibrationSummary, error) {
	switch f.Status {
	case "", CalibrationOpen, CalibrationClosed:
	default:
		return nil, invalidField("status", "must be %q or %q, got %q", CalibrationOpen, CalibrationClosed, f.Status).With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{CalibrationOpen, CalibrationClosed}, "value": f.Status})
	}
	if f.Limit < 0 || f.Limit > MaxCalibrationList {
		return nil, invalidField("limit", "must be 1–%d, got %d", MaxCalibrationList, f.Limit).With(callfloor.CodeOutOfRange, callfloor.Params{"min": 1, "max": MaxCalibrationList, "value": f.Limit})
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	var w sqlWhere
	w.add("true")
	if f.Member != "" {
		w.add("(? = ANY (s.evaluators) OR s.created_by = ?)", f.Member, f.Member)
	}
	switch f.Status {
	case CalibrationOpen:
		w.add("s.closed_at IS NULL")
	case CalibrationClosed:
		w.add("s.closed_at IS NOT NULL")
	}
	limit := w.arg(f.Limit)
	rows, err := db.Pool.Query(ctx, `SELECT s.id, s.call_id, s.scorecard_id, s.scorecard_version, s.reference_evaluator, s.evaluators,
		s.created_by, s.created_at, s.closed_at,
		array(SELECT c.evaluator FROM calibration_scores c WHERE c.session_id = s.id ORDER BY c.evaluator)
		FROM calibration_sessions s WHERE `+w.clause()+`
		ORDER BY s.closed_at IS NOT NULL, s.created_at DESC, s.id DESC LIMIT `+limit, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list calibrations: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CalibrationSummary, error) {
		var s CalibrationSummary
		err := r.Scan(&s.ID, &s.CallID, &s.ScorecardID, &s.ScorecardVersion, &s.ReferenceEvaluator, &s.Evaluators, &s.CreatedBy,
			&s.CreatedAt, &s.ClosedAt, &s.Submitted)
		s.Status = CalibrationOpen
		if s.ClosedAt != nil {
			s.Status = CalibrationClosed
		}
		if s.Submitted == nil {
			s.Submitted = []string{}
		}
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("list calibrations: %w", err)
	}
	if out == nil {
		out = []CalibrationSummary{}
	}
	return out, nil
}
