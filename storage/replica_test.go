package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
)

// TestReportsReplica: with reports_database_url naming a real streaming replica, the reports
// read from it (DB.Reports) equal the primary's once replication has caught up; a write
// through the reports pool is refused (on the replica, and on a primary named as the reports
// database too); and the history writer rides through a restart of the primary (connections
// cut, the batch retried, nothing acknowledged in Redis before it is committed: every call is
// in history once). Tens of seconds (initdb, a base backup): CALLFLOOR_CHAOS=1
// (deploy/chaos/redis-pg.sh).
func TestReportsReplica(t *testing.T) {
	t.Parallel()
	testenv.Chaos(t)
	ctx := context.Background()
	pair := testenv.PostgresReplica(t)
	db, err := storage.Open(ctx, pair.PrimaryURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	rdb, prefix := testenv.Redis(t)
	st := realtime.New(rdb, prefix)
	e := &histEnv{db: db, url: pair.PrimaryURL, rdb: rdb, store: st, stream: st.StreamKey()}

	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	if _, err := db.SetRollupZone(ctx, shanghai); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 2, 15, 10, 0, 0, time.UTC)
	mixedTraffic(t, e, start, 40)
	w, stop := e.start(t, db, storage.WriterOptions{Consumer: "w1", BatchSize: 20})
	drained(t, w, 30*time.Second)

	rep, err := storage.OpenReports(ctx, pair.ReplicaURL)
	if err != nil {
		t.Fatal(err)
	}
	if db.Reports() != db {
		t.Fatal("Reports() without a replica is not the primary")
	}
	db.UseReports(rep) // closed by db.Close
	if db.Reports() != rep {
		t.Fatal("Reports() does not use the replica")
	}
	pair.CaughtUp(t)
	from := time.Date(2026, 3, 2, 0, 0, 0, 0, shanghai)
	for _, iv := range storage.ProductionIntervals {
		for _, g := range storage.ProductionGroups {
			f := storage.ProductionFilter{From: from, To: from.AddDate(0, 0, 2), Loc: shanghai, Interval: iv, Group: g}
			if a, b := report(t, db, f), report(t, db.Reports(), f); a != b {
				t.Errorf("%s/%s: replica report\n%s\nprimary report\n%s", iv, g, b, a)
			} else if !strings.Contains(a, `"Offered"`) && !strings.Contains(a, `"offered"`) {
				t.Errorf("%s/%s: an empty report proves nothing:\n%s", iv, g, a)
			}
		}
	}
	if _, _, err := db.Reports().SearchCalls(ctx, storage.CallFilter{From: from, To: from.AddDate(0, 0, 2), Limit: 10}); err != nil {
		t.Errorf("call search on the replica: %v", err)
	}

	// writes through the reports pool are refused: on the replica, and on a primary named as
	// the reports database
	for name, r := range map[string]*storage.DB{"replica": rep, "primary as reports": openReports(t, pair.PrimaryURL)} {
		_, err := r.Pool.Exec(ctx, `INSERT INTO audit_log (actor, action) VALUES ('x', 'x')`)
		if err == nil || !strings.Contains(err.Error(), "read-only") {
			t.Errorf("%s: a write through the reports pool gave %v, want a read-only refusal", name, err)
		}
	}

	// the primary restarts under traffic: the writer retries, every call lands once
	calls := e.count(t, `SELECT count(*) FROM calls`)
	done := make(chan struct{})
	go func() {
		defer close(done)
		produceCalls(t, e, "r", 0, 150, 5*time.Millisecond)
	}()
	time.Sleep(200 * time.Millisecond)
	pair.RestartPrimary(t)
	<-done
	drained(t, w, 60*time.Second)
	stop()
	if got := e.count(t, `SELECT count(*) FROM calls`); got != calls+150 {
		t.Errorf("calls after the primary's restart: %d, want %d", got, calls+150)
	}
	if got := e.count(t, `SELECT count(DISTINCT id) FROM calls WHERE id LIKE 'r-%' AND outcome IS NOT NULL`); got != 150 {
		t.Errorf("ended calls of the restart's traffic: %d, want 150", got)
	}
	pair.CaughtUp(t)
	var n int
	if err := rep.Pool.QueryRow(ctx, `SELECT count(*) FROM calls`).Scan(&n); err != nil || n != calls+150 {
		t.Errorf("the replica has %d calls (%v), want %d", n, err, calls+150)
	}
}

func openReports(t *testing.T, url string) *storage.DB {
	t.Helper()
	r, err := storage.OpenReports(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}
