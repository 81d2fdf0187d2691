package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/jackc/pgx/v5"
)

// Disposition is one outcome code an agent may give a call of a queue.
type Disposition struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// DispositionSet is a queue's disposition codes, in order, and whether one is required.
type DispositionSet struct {
	Queue    string        `json:"queue"`
	Required bool          `json:"disposition_required"`
	Codes    []Disposition `json:"codes"`
}

// Has reports whether code is one of the set's codes and returns its label.
func (s DispositionSet) Has(code string) (string, bool) {
	for _, d := range s.Codes {
		if d.Code == code {
			return d.Label, true
		}
	}
	return "", false
}

// QueueDispositions returns a queue's disposition codes (none, not required, when never set).
func (db *DB) QueueDispositions(ctx context.Context, queue string) (DispositionSet, error) {
	set := DispositionSet{Queue: queue, Codes: []Disposition{}}
	err := db.Pool.QueryRow(ctx, `SELECT required FROM disposition_queues WHERE queue = $1`, queue).Scan(&set.Required)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return set, fmt.Errorf("queue dispositions: %w", err)
	}
	rows, err := db.Pool.Query(ctx, `SELECT code, label FROM dispositions WHERE queue = $1 ORDER BY position, code`, queue)
	if err != nil {
		return set, fmt.Errorf("queue dispositions: %w", err)
	}
	codes, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Disposition])
	if err != nil {
		return set, fmt.Errorf("queue dispositions: %w", err)
	}
	if codes != nil {
		set.Codes = codes
	}
	return set, nil
}

// PutQueueDispositions replaces a queue's disposition codes and its required flag.
func (db *DB) PutQueueDispositions(ctx context.Context, set DispositionSet) error {
	return pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO disposition_queues (queue, required, updated_at) VALUES ($1, $2, now())
			ON CONFLICT (queue) DO UPDATE SET required = EXCLUDED.required, updated_at = now()`, set.Queue, set.Required); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM dispositions WHERE queue = $1`, set.Queue); err != nil {
			return err
		}
		for i, d := range set.Codes {
			if _, err := tx.Exec(ctx, `INSERT INTO dispositions (queue, code, label, position) VALUES ($1, $2, $3, $4)`, set.Queue, d.Code, d.Label, i); err != nil {
				return err
			}
		}
		return nil
	})
}

// CallDisposition is the disposition and note of one call.
type CallDisposition struct {
	CallID  string    `json:"call_id"`
	Queue   string    `json:"queue,omitempty"`
	AgentID string    `json:"agent,omitempty"`
	Code    string    `json:"code,omitempty"`
	Label   string    `json:"label,omitempty"`
	Note    string    `json:"note"`
	SetBy   string    `json:"set_by"`
	SetAt   time.Time `json:"set_at"`
}

// SetCallDisposition records (replaces) a call's disposition and note, and recomputes the
// dispositions rollup of the call's bucket (and day) when the history has the call. A call the
// history does not have yet gets its rollup from the writer's batch that inserts it: the
// dispositions' gate (held shared by a writer's batch recomputing dispositions, exclusively
// here while the call is looked up) makes either this transaction see the call or the writer
// see this disposition.
func (db *DB) SetCallDisposition(ctx context.Context, d CallDisposition) error {
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO call_dispositions (call_id, queue, agent_id, code, label, note, set_by, set_at)
		VALUES ($1, nullif($2, ''), nullif($3, ''), nullif($4, ''), nullif($5, ''), $6, $7, $8)
		ON CONFLICT (call_id) DO UPDATE SET queue = EXCLUDED.queue, agent_id = EXCLUDED.agent_id, code = EXCLUDED.code,
		label = EXCLUDED.label, note = EXCLUDED.note, set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at`,
			d.CallID, d.Queue, d.AgentID, d.Code, d.Label, d.Note, d.SetBy, d.SetAt); err != nil {
			return err
		}
		return refreshDispositions(ctx, tx, d.CallID)
	})
	if err != nil {
		return fmt.Errorf("set call disposition: %w", err)
	}
	return nil
}

// refreshDispositions recomputes, in tx, the dispositions rollups (the queues' and the
// campaigns') of the bucket of call id when the history has the call. A call the history does
// not have yet gets its rollup from the writer's batch that inserts it: the dispositions' gate
// (held shared by a writer's batch recomputing dispositions, exclusively here while the call is
// looked up) makes either this transaction see the call or the writer see the disposition.
func refreshDispositions(ctx context.Context, tx pgx.Tx, id string) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, 0)`, lockDispGate); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT entered_at FROM calls WHERE id = $1`, id)
	if err != nil {
		return err
	}
	entered, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil || len(entered) == 0 {
		return err
	}
	r := newRollupRefresh()
	for _, t := range entered {
		r.disps[bucketOf(t)] = true
	}
	return r.run(ctx, tx)
}

// GetCallDisposition returns a call's disposition and note (ENOTFOUND when none was set).
func (db *DB) GetCallDisposition(ctx context.Context, callID string) (CallDisposition, error) {
	var d CallDisposition
	err := db.Pool.QueryRow(ctx, `SELECT call_id, coalesce(queue, ''), coalesce(agent_id, ''), coalesce(code, ''), coalesce(label, ''), note, set_by, set_at
		FROM call_dispositions WHERE call_id = $1`, callID).Scan(&d.CallID, &d.Queue, &d.AgentID, &d.Code, &d.Label, &d.Note, &d.SetBy, &d.SetAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, &callfloor.Error{Code: callfloor.ENOTFOUND, Message: fmt.Sprintf("call %q has no disposition", callID)}
	}
	return d, err
}

// RecentCalls returns the latest calls (at most limit) with number as caller or called number,
// newest first, except the call except (the one on the line now), over the last 400 days.
func (db *DB) RecentCalls(ctx context.Context, number, except string, limit int) ([]CallRecord, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+callSelect+` FROM calls `+callJoins+`
		WHERE (caller_number = $1 OR called_number = $1) AND calls.id <> $2 AND entered_at > now() - interval '400 days'
		ORDER BY entered_at DESC, calls.id DESC LIMIT $3`, number, except, limit)
	if err != nil {
		return nil, fmt.Errorf("recent calls: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanCall)
	if err != nil {
		return nil, fmt.Errorf("recent calls: %w", err)
	}
	return out, nil
}
