package storage

import (
	"context"
	"fmt"

	"github.com/callfloor/callfloor"
	"github.com/jackc/pgx/v5"
)

// PauseReasons returns the pause reasons in their order; none when the table is empty (the
// configuration file's list is in force then).
func (db *DB) PauseReasons(ctx context.Context) ([]callfloor.PauseReason, error) {
	rows, err := db.Pool.Query(ctx, `SELECT name, paid, max_seconds FROM pause_reasons ORDER BY position, name`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (callfloor.PauseReason, error) {
		var p callfloor.PauseReason
		return p, r.Scan(&p.Name, &p.Paid, &p.MaxSeconds)
	})
}

// PutPauseReasons replaces the whole list (validated by the caller), in one transaction.
func (db *DB) PutPauseReasons(ctx context.Context, rs []callfloor.PauseReason) error {
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	if err := putPauseReasons(ctx, tx, rs); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func putPauseReasons(ctx context.Context, tx pgx.Tx, rs []callfloor.PauseReason) error {
	if _, err := tx.Exec(ctx, `DELETE FROM pause_reasons`); err != nil {
		return err
	}
	for i, r := range rs {
		if _, err := tx.Exec(ctx, `INSERT INTO pause_reasons (name, paid, max_seconds, position) VALUES ($1, $2, $3, $4)`,
			r.Name, r.Paid, r.MaxSeconds, i); err != nil {
			return fmt.Errorf("save pause reason %s: %w", r.Name, err)
		}
	}
	return nil
}

// SeedPauseReasons writes the configuration file's reasons into an empty table; a table that
// has any reason is left alone (the API owns it then). It reports whether it wrote.
func (db *DB) SeedPauseReasons(ctx context.Context, rs []callfloor.PauseReason) (bool, error) {
	if len(rs) == 0 {
		return false, nil
	}
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	// one seeder at a time (several instances starting together)
	if _, err := tx.Exec(ctx, `LOCK TABLE pause_reasons IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		return false, err
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM pause_reasons`).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if err := putPauseReasons(ctx, tx, rs); err != nil {
		return false, err
	}
	return true, tx.Commit(ctx)
}
