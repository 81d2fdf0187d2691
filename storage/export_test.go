package storage

import "context"

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
