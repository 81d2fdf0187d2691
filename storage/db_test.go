package storage_test

import (
	"context"
	"testing"

	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/storage"
)

func TestMigrateFromEmptyAndAgain(t *testing.T) {
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
}
