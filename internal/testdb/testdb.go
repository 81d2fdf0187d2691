// Package testdb gives tests a migrated callfloor database in a PostgreSQL schema of their own
// (testenv.Postgres), closed and dropped at cleanup.
package testdb

import (
	"context"
	"testing"

	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/storage"
)

// Open returns the database and its URL, with every migration applied.
func Open(t testing.TB) (*storage.DB, string) {
	t.Helper()
	ctx := context.Background()
	url := testenv.Postgres(t)
	db, err := storage.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db, url
}
