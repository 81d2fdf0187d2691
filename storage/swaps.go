package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/callfloor/callfloor"
)

// Shift swaps (issue 12): an agent gives away one or two consecutive rostered shifts and works a
// day off of the same month instead (the manuals' limits: callfloor.CheckSwap); with a colleague,
// the colleague works the shifts given away and the agent works the colleague's shift on the
// payback day. The team lead approves; an approved swap changes the published roster (and its
// working copy) at once.

const swapCols = `id, agent_id, day::text, days, payback_day::text, coalesce(with_agent, ''), reason, requested_on::text, status,
	coalesce(decided_by, ''), note`

func scanSwap(r pgx.Row) (callfloor.Swap, error) {
	var s callfloor.Swap
	err := r.Scan(&s.ID, &s.Agent, &s.Day, &s.Days, &s.PaybackDay, &s.WithAgent, &s.Reason, &s.RequestedOn, &s.Status, &s.DecidedBy, &s.Note)
	return s, err
}

// publishedShift is the agent's published shift on day ("" off or not rostered).
func publishedShift(ctx context.Context, q pgx.Tx, agent, day string) (string, error) {
	var code string
	err := q.QueryRow(ctx, `SELECT coalesce(published_code, '') FROM roster_days WHERE agent_id = $1 AND day = $2::date AND published`, agent, day).Scan(&code)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return code, err
}

// checkSwapRoster checks the swap against the published roster: the agent works the days given
// away and is off on the payback day; a colleague is off on the days given away and works the
// payback day.
func checkSwapRoster(ctx context.Context, tx pgx.Tx, s callfloor.Swap) error {
	days := callfloor.Days(s.Day, callfloor.AddDays(s.Day, s.Days-1))
	for _, d := range days {
		code, err := publishedShift(ctx, tx, s.Agent, d)
		if err != nil {
			return err
		}
		if code == "" {
			return callfloor.Invalid("day", callfloor.CodeNotAllowed, callfloor.Params{"value": d}, "%s is not rostered to work on %s", s.Agent, d)
		}
		if s.WithAgent != "" {
			if c, err := publishedShift(ctx, tx, s.WithAgent, d); err != nil {
				return err
			} else if c != "" {
				return callfloor.Invalid("with_agent", callfloor.CodeNotAllowed, callfloor.Params{"value": s.WithAgent}, "%s works on %s already", s.WithAgent, d)
			}
		}
	}
	code, err := publishedShift(ctx, tx, s.Agent, s.PaybackDay)
	if err != nil {
		return err
	}
	if code != "" {
		return callfloor.Invalid("payback_day", callfloor.CodeNotAllowed, callfloor.Params{"value": s.PaybackDay}, "%s works on %s already", s.Agent, s.PaybackDay)
	}
	if s.WithAgent != "" {
		if c, err := publishedShift(ctx, tx, s.WithAgent, s.PaybackDay); err != nil {
			return err
		} else if c == "" {
			return callfloor.Invalid("payback_day", callfloor.CodeNotAllowed, callfloor.Params{"value": s.PaybackDay}, "%s has no shift on %s to swap", s.WithAgent, s.PaybackDay)
		}
	}
	return nil
}

// RequestSwap records a pending swap after checking the manuals' limits against the agent's
// other swaps and the published roster. s.RequestedOn is today in the centre's zone.
func (db *DB) RequestSwap(ctx context.Context, s callfloor.Swap) (callfloor.Swap, error) {
	if len(s.Reason) > 500 {
		return s, callfloor.Invalid("reason", callfloor.CodeTooLong, callfloor.Params{"max": 500}, "at most 500 characters")
	}
	if s.WithAgent == s.Agent && s.WithAgent != "" {
		return s, callfloor.Invalid("with_agent", callfloor.CodeConflictsWith, callfloor.Params{"other": "agent"}, "cannot swap with oneself")
	}
	var out callfloor.Swap
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		// one request at a time per agent: the limits count the others
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('swap:' || $1))`, s.Agent); err != nil {
			return err
		}
		others, err := db.swapsOf(ctx, tx, s.Agent)
		if err != nil {
			return err
		}
		s.ID, s.Status = 0, "pending"
		if err := callfloor.CheckSwap(callfloor.DefaultSwapRules, s, others); err != nil {
			return err
		}
		if err := checkSwapRoster(ctx, tx, s); err != nil {
			return err
		}
		var with any
		if s.WithAgent != "" {
			with = s.WithAgent
		}
		out, err = scanSwap(tx.QueryRow(ctx, `INSERT INTO shift_swaps (agent_id, day, days, payback_day, with_agent, reason, requested_on)
			VALUES ($1, $2::date, $3, $4::date, $5, $6, $7::date) RETURNING `+swapCols, s.Agent, s.Day, s.Days, s.PaybackDay, with, s.Reason, s.RequestedOn))
		return err
	})
	return out, wrapErr("request swap", err)
}

func wrapErr(what string, err error) error {
	var e *callfloor.Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

func (db *DB) swapsOf(ctx context.Context, q pgx.Tx, agent string) ([]callfloor.Swap, error) {
	rows, err := q.Query(ctx, `SELECT `+swapCols+` FROM shift_swaps WHERE agent_id = $1`, agent)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (callfloor.Swap, error) { return scanSwap(r) })
}

// SwapFilter selects swaps: by agents (nil: any) and status ("": any).
type SwapFilter struct {
	Agents []string
	Status string
}

// ListSwaps lists swaps, newest first (at most 500).
func (db *DB) ListSwaps(ctx context.Context, f SwapFilter) ([]callfloor.Swap, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+swapCols+` FROM shift_swaps WHERE ($1::text[] IS NULL OR agent_id = ANY($1))
		AND ($2 = '' OR status = $2) ORDER BY id DESC LIMIT 500`, nilIfEmpty(f.Agents), f.Status)
	if err != nil {
		return nil, fmt.Errorf("swaps: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (callfloor.Swap, error) { return scanSwap(r) })
}

// GetSwap reads one swap.
func (db *DB) GetSwap(ctx context.Context, id int64) (callfloor.Swap, error) {
	s, err := scanSwap(db.Pool.QueryRow(ctx, `SELECT `+swapCols+` FROM shift_swaps WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return s, callfloor.NotFound("swap", fmt.Sprint(id), "no swap %d", id)
	}
	return s, err
}

// DecideSwap approves or rejects a pending swap; an approval checks the published roster again
// and applies the swap to it (published and working copy).
func (db *DB) DecideSwap(ctx context.Context, id int64, approve bool, by, note string) (callfloor.Swap, error) {
	var out callfloor.Swap
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		s, err := scanSwap(tx.QueryRow(ctx, `SELECT `+swapCols+` FROM shift_swaps WHERE id = $1 FOR UPDATE`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return callfloor.NotFound("swap", fmt.Sprint(id), "no swap %d", id)
		}
		if err != nil {
			return err
		}
		if s.Status != "pending" {
			return callfloor.StateConflict(s.Status, "swap %d is %s", id, s.Status)
		}
		status := "rejected"
		if approve {
			status = "approved"
			if err := checkSwapRoster(ctx, tx, s); err != nil {
				return err
			}
			set := func(agent, day, code string) error {
				var c any
				if code != "" {
					c = code
				}
				_, err := tx.Exec(ctx, `INSERT INTO roster_days (agent_id, day, team_id, shift_code, published, published_code)
					SELECT $1, $2::date, coalesce((SELECT team_id FROM agents WHERE id = $1), ''), $3, true, $3
					ON CONFLICT (agent_id, day) DO UPDATE SET shift_code = $3, published = true, published_code = $3`, agent, day, c)
				return err
			}
			days := callfloor.Days(s.Day, callfloor.AddDays(s.Day, s.Days-1))
			payback := ""
			for _, d := range days {
				code, err := publishedShift(ctx, tx, s.Agent, d)
				if err != nil {
					return err
				}
				if payback == "" {
					payback = code
				}
				if err := set(s.Agent, d, ""); err != nil {
					return err
				}
				if s.WithAgent != "" {
					if err := set(s.WithAgent, d, code); err != nil {
						return err
					}
				}
			}
			if s.WithAgent != "" {
				code, err := publishedShift(ctx, tx, s.WithAgent, s.PaybackDay)
				if err != nil {
					return err
				}
				payback = code
				if err := set(s.WithAgent, s.PaybackDay, ""); err != nil {
					return err
				}
			}
			if err := set(s.Agent, s.PaybackDay, payback); err != nil {
				return err
			}
		}
		out, err = scanSwap(tx.QueryRow(ctx, `UPDATE shift_swaps SET status = $2, decided_by = $3, decided_at = now(), note = $4
			WHERE id = $1 RETURNING `+swapCols, id, status, by, note))
		return err
	})
	return out, wrapErr("decide swap", err)
}

// CancelSwap cancels a pending swap (its agent's).
func (db *DB) CancelSwap(ctx context.Context, id int64) (callfloor.Swap, error) {
	s, err := scanSwap(db.Pool.QueryRow(ctx, `UPDATE shift_swaps SET status = 'cancelled' WHERE id = $1 AND status = 'pending' RETURNING `+swapCols, id))
	if errors.Is(err, pgx.ErrNoRows) {
		cur, gerr := db.GetSwap(ctx, id)
		if gerr != nil {
			return cur, gerr
		}
		return cur, callfloor.StateConflict(cur.Status, "swap %d is %s", id, cur.Status)
	}
	return s, wrapErr("cancel swap", err)
}
