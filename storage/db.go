// Package storage is callfloor's history in PostgreSQL (through pgx/v5): the schema and its
// migrations (embedded, run by `callfloor migrate` and checked at start), the history writer
// that drains the Redis change stream into it, and the queries behind reports, users, roles,
// API tokens and the audit log.
//
// Concurrency: a DB is safe for concurrent use (pgxpool). Big tables (calls, offers, agent state
// intervals) are partitioned by month so old months can be detached and dropped.
package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the history database.
type DB struct {
	Pool *pgxpool.Pool
	// reports, when set (UseReports), serves the reads of reports, QA reports, call search and
	// exports: a streaming replica, so that a heavy report never slows ingest.
	reports *DB
}

// Reports is the database reports read from: the reports replica when one is configured
// (reports_database_url), else db itself. Only reads go through it: a replica refuses writes,
// and the reports pool is read-only even when it names a primary.
func (db *DB) Reports() *DB {
	if db.reports != nil {
		return db.reports
	}
	return db
}

// UseReports routes the reads of Reports to r (nil: back to db).
func (db *DB) UseReports(r *DB) { db.reports = r }

// OpenReports connects to the reports database (reports_database_url): every transaction on
// it is read-only (default_transaction_read_only), so a report that tried to write would fail
// on a primary as it would on a replica.
func OpenReports(ctx context.Context, url string) (*DB, error) {
	return open(ctx, url, func(cfg *pgxpool.Config) {
		cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
		cfg.ConnConfig.RuntimeParams["application_name"] = "callfloor-reports"
	})
}

// Open connects to PostgreSQL (url: postgres://user@host:port/db?sslmode=disable; extra query
// parameters such as search_path are passed to the server).
func Open(ctx context.Context, url string) (*DB, error) {
	return open(ctx, url, nil)
}

func open(ctx context.Context, url string, tune func(*pgxpool.Config)) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	if tune != nil {
		tune(cfg)
	}
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect postgres: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres at %s:%d does not answer: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	return &DB{Pool: pool}, nil
}

// Close closes the pool, and the reports pool if one is in use.
func (db *DB) Close() {
	if db.reports != nil && db.reports != db {
		db.reports.Close()
	}
	db.Pool.Close()
}

func (db *DB) goose() (*goose.Provider, *sql.DB, error) {
	sqldb := stdlib.OpenDBFromPool(db.Pool)
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, nil, err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqldb, sub)
	if err != nil {
		sqldb.Close()
		return nil, nil, fmt.Errorf("migrations: %w", err)
	}
	return p, sqldb, nil
}

// Migrate applies every pending migration; running it again changes nothing. It returns the
// versions applied. Instances upgraded at the same time (a package's upgrade on two nodes, a
// unit that migrates before it serves) take turns: the migrations run under an advisory lock of
// the database's schema, and the second finds nothing left to apply.
func (db *DB) Migrate(ctx context.Context) ([]int64, error) {
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	const key = `hashtextextended('callfloor migrate ' || current_schema(), 0)`
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+key+`)`); err != nil {
		return nil, fmt.Errorf("migrate: lock: %w", err)
	}
	defer func() {
		// a lost connection releases the lock with its session
		_, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+key+`)`)
	}()
	p, sqldb, err := db.goose()
	if err != nil {
		return nil, err
	}
	defer sqldb.Close()
	res, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if err := db.migrateRiver(ctx); err != nil {
		return nil, err
	}
	var out []int64
	for _, r := range res {
		out = append(out, r.Source.Version)
	}
	return out, nil
}

// ErrNotMigrated says the database is behind the binary: run `callfloor migrate`.
var ErrNotMigrated = errors.New("the database schema is not up to date: run `callfloor migrate`")

// CheckMigrated returns ErrNotMigrated (wrapped with the versions) when migrations are pending.
func (db *DB) CheckMigrated(ctx context.Context) error {
	p, sqldb, err := db.goose()
	if err != nil {
		return err
	}
	defer sqldb.Close()
	cur, target, err := p.GetVersions(ctx)
	if err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	if cur < target {
		return fmt.Errorf("%w (database at %d, binary at %d)", ErrNotMigrated, cur, target)
	}
	var river bool
	if err := db.Pool.QueryRow(ctx, `SELECT to_regclass('river_job') IS NOT NULL`).Scan(&river); err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	if !river {
		return fmt.Errorf("%w (the job queue's tables are missing)", ErrNotMigrated)
	}
	return nil
}

// migrateRiver applies the migrations of river, the job queue the bulletins run on (package
// bulletins), in the schema the connection's search_path selects.
func (db *DB) migrateRiver(ctx context.Context) error {
	m, err := rivermigrate.New(riverpgxv5.New(db.Pool), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("migrate the job queue: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate the job queue: %w", err)
	}
	return nil
}

// MigrationsDigest is a SHA-256 (hex) over the migrations embedded in this binary, names and
// contents: the tests name their migrated template database by it, so that a binary never
// copies a template migrated by another set of migrations (files on disk may have changed
// since the binary was built).
func MigrationsDigest() string {
	h := sha256.New()
	entries, _ := migrations.ReadDir("migrations")
	for _, e := range entries { // ReadDir sorts by name
		b, _ := migrations.ReadFile("migrations/" + e.Name())
		fmt.Fprintf(h, "%s %d\n", e.Name(), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}
