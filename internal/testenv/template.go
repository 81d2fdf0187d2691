package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Template is a PostgreSQL database built once per test binary — lazily, by the first test that
// asks for a copy — and copied for every test that wants it: CREATE DATABASE … TEMPLATE copies
// files, far faster than building the same data again (weeks of demo history, say). Each test
// gets a copy of its own, so tests may change theirs and run in parallel. Call DropTemplates
// from TestMain after m.Run.
type Template struct {
	// From names the database the template starts as a copy of (nil: an empty one), such as
	// testdb.MigratedTemplate.
	From func() (string, error)
	// Build fills the fresh, empty database at url; it must close every connection it opened
	// (a database being copied may have no sessions). What it returns is kept as Info.
	Build func(ctx context.Context, url string) (info any, err error)

	once sync.Once
	name string
	info any
	err  error
}

var (
	templatesMu sync.Mutex // CREATE DATABASE … TEMPLATE one at a time: the template may have no other session
	templates   []string
)

// Name builds the template when no test has yet, and returns its database's name.
func (tp *Template) Name() (string, error) {
	tp.once.Do(func() {
		from := ""
		if tp.From != nil {
			if from, tp.err = tp.From(); tp.err != nil {
				return
			}
		}
		if tp.name, tp.err = CreateDatabase(from); tp.err != nil {
			return
		}
		templatesMu.Lock()
		templates = append(templates, tp.name)
		templatesMu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
		defer cancel()
		if tp.info, tp.err = tp.Build(ctx, DatabaseURL(tp.name)); tp.err != nil {
			tp.err = fmt.Errorf("building the template database %s: %w", tp.name, tp.err)
		}
	})
	return tp.name, tp.err
}

// Info builds the template when no test has yet, and returns what its Build returned.
func (tp *Template) Info() (any, error) {
	_, err := tp.Name()
	return tp.info, err
}

// Clone returns the URL of a fresh copy of the template, dropped at the test's cleanup, and what
// Build returned. A Build that failed fails every test asking for a copy, with its error.
func (tp *Template) Clone(t testing.TB) (string, any) {
	t.Helper()
	start := time.Now()
	name, err := tp.Name()
	if err != nil {
		t.Fatal(err)
	}
	url := CopyDatabase(t, name)
	if d := time.Since(start); d > 5*time.Second {
		t.Logf("the template database %s (built once for the test binary) and a copy of it: %s", name, d.Round(time.Millisecond))
	}
	return url, tp.info
}

// CopyDatabase returns the URL of a fresh copy of the database template (which nobody may be
// connected to), dropped at the test's cleanup.
func CopyDatabase(t testing.TB, template string) string {
	t.Helper()
	name, err := CreateDatabase(template)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { DropDatabase(name) })
	return DatabaseURL(name)
}

// DatabaseURL is the test server's URL (PostgresURL) for the database name.
func DatabaseURL(name string) string {
	u, err := url.Parse(PostgresURL())
	if err != nil {
		panic(fmt.Sprintf("CALLFLOOR_TEST_DATABASE_URL: %v", err))
	}
	u.Path = "/" + name
	return u.String()
}

// CreateDatabase creates an empty database (template "") or a copy of template, and returns its
// name. Nothing drops it: see CopyDatabase and DropDatabase.
func CreateDatabase(template string) (string, error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "cftest_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, PostgresURL())
	if err != nil {
		return "", fmt.Errorf("postgres at %s does not answer (%v): run the tests with ./deploy/test.sh, which starts it", PostgresURL(), err)
	}
	defer conn.Close(context.Background())
	q := "CREATE DATABASE " + name
	if template != "" {
		q += " TEMPLATE " + template
		templatesMu.Lock()
		defer templatesMu.Unlock()
	}
	if _, err := conn.Exec(ctx, q); err != nil {
		return "", fmt.Errorf("%s: %w", q, err)
	}
	return name, nil
}

// DropDatabase drops the database, closing the sessions still connected to it.
func DropDatabase(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, PostgresURL())
	if err != nil {
		return
	}
	defer conn.Close(context.Background())
	_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
}

// DropTemplates drops the template databases the test binary built.
func DropTemplates() {
	templatesMu.Lock()
	defer templatesMu.Unlock()
	for _, n := range templates {
		DropDatabase(n)
	}
	templates = nil
}
