// Package testdb gives tests a migrated callfloor database of their own, dropped at cleanup.
//
// Migrating a fresh database takes seconds (25 migrations of DDL, each committed to disk), and
// most tests want one: the migrations are applied once, into a template database named after
// the migrations' contents, and every test gets a copy of it (CREATE DATABASE … TEMPLATE, a file
// copy). The template is shared by the test binaries of a run and kept for the next runs; a
// change to a migration (or to the code and modules that apply them) names another one.
package testdb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/storage"
)

// Open returns the database and its URL, with every migration applied.
func Open(t testing.TB) (*storage.DB, string) {
	t.Helper()
	url := URL(t)
	db, err := storage.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db, url
}

// URL returns the URL of a migrated database of the test's own (a copy of the migrated
// template), dropped at cleanup.
func URL(t testing.TB) string {
	t.Helper()
	name, err := MigratedTemplate()
	if err != nil {
		t.Fatalf("the migrated template database: %v", err)
	}
	return testenv.CopyDatabase(t, name)
}

var (
	tplOnce sync.Once
	tplName string
	tplErr  error
)

// MigratedTemplate is the name of the template database holding every migration, built when
// missing (a testenv.Template's From).
func MigratedTemplate() (string, error) {
	tplOnce.Do(func() {
		var sum string
		if sum, tplErr = migrationsSum(); tplErr != nil {
			return
		}
		tplName = "cftpl_migrated_" + sum[:16]
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		tplErr = ensureTemplate(ctx, tplName)
	})
	return tplName, tplErr
}

// ensureTemplate builds the template under a name of its own and renames it into place: a
// database with the final name is always a whole one. Two binaries building at once both
// build; the second rename loses and drops its copy.
func ensureTemplate(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, testenv.PostgresURL())
	if err != nil {
		return fmt.Errorf("postgres at %s does not answer (%v): run the tests with ./deploy/test.sh, which starts it", testenv.PostgresURL(), err)
	}
	defer conn.Close(context.Background())
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil || exists {
		return err
	}
	tmp, err := testenv.CreateDatabase("")
	if err != nil {
		return err
	}
	db, err := storage.Open(ctx, testenv.DatabaseURL(tmp))
	if err == nil {
		_, err = db.Migrate(ctx)
		db.Close()
	}
	if err == nil {
		_, err = conn.Exec(ctx, "ALTER DATABASE "+tmp+" RENAME TO "+name)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: another binary won
			err = nil
		} else if err == nil {
			return nil
		}
	}
	testenv.DropDatabase(tmp)
	return err
}

// migrationsSum hashes what decides the migrated schema: the migrations, the code applying them
// (storage/db.go: the job queue's migrations too) and the modules' versions (go.sum).
func migrationsSum() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	// the migrations are the ones embedded in this test binary (the files on disk may have
	// changed since it was built: a template named by them once held the wrong schema);
	// db.go and go.sum stand for how they are run
	files := []string{filepath.Join(root, "storage", "db.go"), filepath.Join(root, "go.sum")}
	h := sha256.New()
	fmt.Fprintf(h, "migrations %s\n", storage.MigrationsDigest())
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the test's directory")
		}
		dir = parent
	}
}
