package main

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testdb"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/storage"
)

// The demo's database, seeded once per test binary and copied for each test that wants it
// (CREATE DATABASE … TEMPLATE: a file copy, where seeding weeks of history takes a minute under
// the race detector). Each test gets a copy of its own to check its seeder against and to change.
//
//   - demoSeededDB: migrated, then seedDemo (the configuration, projects, rosters, users,
//     scorecard, sampling plan), as `callfloor demo-data` begins;
//   - demoHistoryDB: that, with demoFixtureWeeks weeks of history before today (seedDemoHistory).
//
// The demo users' password is demoFixturePassword.

const (
	demoFixturePassword = supervisorPassword
	demoFixtureWeeks    = 5
)

// demoFixture is what seeding the fixture said and did.
type demoFixture struct {
	Config  *callfloor.Config
	Out     string             // what the first seedDemo printed
	Now     time.Time          // the history's "now" (demoHistoryDB)
	History *demoHistoryResult // demoHistoryDB's seedDemoHistory
}

var (
	demoSeededDB  = testenv.Template{From: testdb.MigratedTemplate, Build: buildDemoSeeded}
	demoHistoryDB = testenv.Template{From: demoSeededName, Build: buildDemoHistory}
)

// demoSeededName builds demoSeededDB (when no test has yet) for demoHistoryDB to start from.
func demoSeededName() (string, error) { return demoSeededDB.Name() }

func buildDemoSeeded(ctx context.Context, url string) (any, error) {
	return withDemoDB(ctx, url, func(db *storage.DB, cfg *callfloor.Config) (*demoFixture, error) {
		var out bytes.Buffer
		if err := seedDemo(ctx, db, cfg, demoFixturePassword, &out); err != nil {
			return nil, err
		}
		return &demoFixture{Config: cfg, Out: out.String()}, nil
	})
}

func buildDemoHistory(ctx context.Context, url string) (any, error) {
	seeded, err := demoSeededDB.Info()
	if err != nil {
		return nil, err
	}
	return withDemoDB(ctx, url, func(db *storage.DB, cfg *callfloor.Config) (*demoFixture, error) {
		fx := *seeded.(*demoFixture)
		fx.Now = time.Now()
		if fx.History, err = seedDemoHistory(ctx, db, cfg, demoFixtureWeeks, fx.Now); err != nil {
			return nil, err
		}
		return &fx, nil
	})
}

// withDemoDB runs seed on the database at url with the demo's configuration, and closes it.
func withDemoDB(ctx context.Context, url string, seed func(*storage.DB, *callfloor.Config) (*demoFixture, error)) (*demoFixture, error) {
	cfg, err := LoadConfig("")
	if err != nil {
		return nil, err
	}
	db, err := storage.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return seed(db, cfg)
}

// openDemoDB opens a copy of the fixture tp (demoSeededDB or demoHistoryDB), closed and dropped
// at cleanup, with what seeding it did and a demo configuration of its own.
func openDemoDB(t testing.TB, tp *testenv.Template) (*storage.DB, *demoFixture) {
	t.Helper()
	url, info := tp.Clone(t)
	db, err := storage.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	fx := *info.(*demoFixture)
	if fx.Config, err = LoadConfig(""); err != nil {
		t.Fatal(err)
	}
	return db, &fx
}

// demoFixtureConfig is testConfig (on the test Redis) over a copy of the demo fixture tp.
func demoFixtureConfig(t testing.TB, tp *testenv.Template) (*callfloor.Config, *demoFixture) {
	t.Helper()
	url, info := tp.Clone(t)
	_, prefix := testenv.Redis(t)
	cfg := testConfigOn(t, url, prefix)
	cfg.RedisURL = testenv.RedisURL()
	return cfg, info.(*demoFixture)
}

// startDemoOn is startDemo over a copy of the demo fixture tp: the demo served on its seeded
// database, as after `callfloor demo-data`.
func startDemoOn(t *testing.T, tp *testenv.Template, speed float64) (*Main, string, *demoFixture) {
	t.Helper()
	cfg, fx := demoFixtureConfig(t, tp)
	cfg.Sim.Speed = speed
	m := startMain(t, cfg, io.Discard)
	return m, "http://" + m.Addr(), fx
}
