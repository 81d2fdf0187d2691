// Package testenv gives tests the real services the test command starts (deploy/test.sh):
// a Redis reached through CALLFLOOR_TEST_REDIS_URL (default redis://127.0.0.1:6379/15), with a
// key prefix of its own per test so tests can run in parallel and leave nothing behind.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/redis/go-redis/v9"
)

// RedisURL is the Redis the tests use.
func RedisURL() string {
	if v := os.Getenv("CALLFLOOR_TEST_REDIS_URL"); v != "" {
		return v
	}
	return "redis://127.0.0.1:6379/15"
}

// Redis returns a client and a fresh key prefix; the prefix's keys are deleted at cleanup.
// A Redis that does not answer fails the test: run the tests with ./deploy/test.sh.
func Redis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	opt, err := redis.ParseURL(RedisURL())
	if err != nil {
		t.Fatalf("CALLFLOOR_TEST_REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("redis at %s does not answer (%v): run the tests with ./deploy/test.sh, which starts it", opt.Addr, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "test:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
		rdb.Close()
	})
	return rdb, prefix
}

// Eventually polls cond until it is true or the time is up.
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", within, what)
}

// SharedDir finds the project's read-only reference folder shared/ (the real Asterisk traces
// and ARI spec): $CALLFLOOR_SHARED, else a shared/ beside the checkout or one of its parents.
// Tests that compare with real captures fail, not skip, without it.
func SharedDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("CALLFLOOR_SHARED"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		cand := filepath.Join(dir, "shared")
		if st, err := os.Stat(filepath.Join(cand, "asterisk", "traces")); err == nil && st.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	t.Fatalf("shared/asterisk/traces not found beside the checkout or its parents; set CALLFLOOR_SHARED")
	return ""
}

// PostgresURL is the PostgreSQL server the tests use.
func PostgresURL() string {
	if v := os.Getenv("CALLFLOOR_TEST_DATABASE_URL"); v != "" {
		return v
	}
	return "postgres://callfloor@127.0.0.1:5432/postgres?sslmode=disable"
}

// Postgres returns a connection URL whose search_path is a fresh schema of the test's own,
// dropped at cleanup. A server that does not answer fails the test: run ./deploy/test.sh.
func Postgres(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, PostgresURL())
	if err != nil {
		t.Fatalf("postgres at %s does not answer (%v): run the tests with ./deploy/test.sh, which starts it", PostgresURL(), err)
	}
	defer conn.Close(context.Background())
	if err := sharedExtensions(ctx, conn); err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, PostgresURL())
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
	})
	u := PostgresURL()
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "search_path=" + schema + "," + extSchema
}

// extSchema holds the extensions the migrations create (pg_trgm, migration 00032). An
// extension is one per database: created by the first test's migration, it sat in that test's
// schema — hiding its operator classes from every other test's search_path ("operator class
// gin_trgm_ops does not exist") and vanishing when that schema was dropped. So it lives in a
// schema of its own that every test's search_path names after the test's schema.
const extSchema = "cf_ext"

// sharedExtensions puts pg_trgm in extSchema (created there, or moved there from a test's
// schema), one test at a time.
func sharedExtensions(ctx context.Context, conn *pgx.Conn) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('callfloor testenv extensions', 0))`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+extSchema); err != nil {
			return err
		}
		var where string
		err := tx.QueryRow(ctx, `SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'`).Scan(&where)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			_, err = tx.Exec(ctx, `CREATE EXTENSION pg_trgm SCHEMA `+extSchema)
		case err == nil && where != extSchema:
			_, err = tx.Exec(ctx, `ALTER EXTENSION pg_trgm SET SCHEMA `+extSchema)
		}
		if err != nil {
			return fmt.Errorf("testenv: pg_trgm in schema %s: %w", extSchema, err)
		}
		return nil
	})
}
