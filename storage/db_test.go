package storage_test

import (
	"context"
	"sync"
	"testing"

	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/storage"
)

func TestMigrateFromEmptyAndAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := storage.Open(ctx, testenv.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CheckMigrated(ctx); err == nil {
		t.Fatal("an empty database passes the migration check")
	}
	applied, err := db.Migrate(ctx)
	if err != nil || len(applied) == 0 {
		t.Fatalf("migrate from empty: %v %v", applied, err)
	}
	if err := db.CheckMigrated(ctx); err != nil {
		t.Fatal(err)
	}
	again, err := db.Migrate(ctx)
	if err != nil || len(again) != 0 {
		t.Fatalf("second migrate applied %v, %v", again, err)
	}
	// The history tables exist in the URL's schema (search_path), partitioned ones with their
	// default partition.
	for _, table := range []string{"calls", "calls_default", "offers", "offers_default", "agent_state_intervals",
		"agent_state_intervals_default", "agent_sessions", "recordings"} {
		var n int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_class WHERE relname = $1 AND relnamespace = current_schema()::regnamespace`,
			table).Scan(&n); err != nil || n != 1 {
			t.Errorf("table %s in the current schema: %d, %v", table, n, err)
		}
	}
	var kind string
	if err := db.Pool.QueryRow(ctx, `SELECT relkind::text FROM pg_class WHERE oid = to_regclass('calls')`).Scan(&kind); err != nil || kind != "p" {
		t.Errorf("calls relkind %q, %v; want partitioned", kind, err)
	}
}

// TestMigrateConcurrently: two instances migrating one empty database at once (an upgrade on
// two nodes) both succeed, and the migrations are applied once.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := testenv.Postgres(t)
	var dbs [2]*storage.DB
	for i := range dbs {
		db, err := storage.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs[i] = db
	}
	var applied [2][]int64
	var errs [2]error
	var wg sync.WaitGroup
	for i, db := range dbs {
		wg.Go(func() { applied[i], errs[i] = db.Migrate(ctx) })
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("concurrent migrations: %v / %v", errs[0], errs[1])
	}
	if n := len(applied[0]) + len(applied[1]); min(len(applied[0]), len(applied[1])) != 0 || n == 0 {
		t.Fatalf("applied %v and %v: want everything by one of them, nothing by the other", applied[0], applied[1])
	}
	if err := dbs[1].CheckMigrated(ctx); err != nil {
		t.Fatal(err)
	}
}
