package storage

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// MigrateTo applies the migrations up to version (tests of a migration's backfill).
func (db *DB) MigrateTo(ctx context.Context, version int64) error {
	p, sqldb, err := db.goose()
	if err != nil {
		return err
	}
	defer sqldb.Close()
	_, err = p.UpTo(ctx, version)
	return err
}

// WriteBatchAndCountStaged writes msgs as one batch on a sink of its own (as Run's sinks do)
// and returns the rows left afterwards in that session's staging tables.
func (w *Writer) WriteBatchAndCountStaged(ctx context.Context, msgs []redis.XMessage) (int, error) {
	s := &sink{w: w}
	defer s.dropConn(false)
	if err := s.write(ctx, w.build(msgs), false); err != nil {
		return 0, err
	}
	var n int
	err := s.conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM st_calls) + (SELECT count(*) FROM st_reccalls) + (SELECT count(*) FROM st_offers)
		+ (SELECT count(*) FROM st_intervals) + (SELECT count(*) FROM st_opens) + (SELECT count(*) FROM st_logins)
		+ (SELECT count(*) FROM st_logouts) + (SELECT count(*) FROM st_recs)`).Scan(&n)
	return n, err
}
