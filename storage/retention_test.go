package storage_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// memNodes is the audio on each node, in memory; a node in down fails every delete.
type memNodes struct {
	mu    sync.Mutex
	audio map[string]map[string]bool // node -> names
	down  map[string]bool
	calls []string // "node/name" of every delete asked
}

func (m *memNodes) DeleteRecording(ctx context.Context, node, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, node+"/"+name)
	if m.down[node] {
		return fmt.Errorf("node %s: connection refused", node)
	}
	if !m.audio[node][name] {
		return &callfloor.Error{Code: callfloor.ENOTFOUND, Message: "no such recording on " + node}
	}
	delete(m.audio[node], name)
	return nil
}

func (m *memNodes) has(node, name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.audio[node][name]
}

// seedRecording adds a call and its recording made at created (audio on node unless missing).
func seedRecording(t *testing.T, db *storage.DB, nodes *memNodes, name, node string, created time.Time, missing bool) {
	t.Helper()
	ctx := context.Background()
	callID := "call-" + name
	if _, err := db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, node, entered_at, recording_name, last_event_id)
		VALUES ($1, 'inbound', $2, $3, $4, '1-0')`, callID, node, created.Add(-time.Minute), name); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO recordings (name, node, format, call_id, call_entered_at, created_at)
		VALUES ($1, $2, 'wav', $3, $4, $5)`, name, node, callID, created.Add(-time.Minute), created); err != nil {
		t.Fatal(err)
	}
	if !missing {
		if nodes.audio[node] == nil {
			nodes.audio[node] = map[string]bool{}
		}
		nodes.audio[node][name] = true
	}
}

func recordingNames(t *testing.T, db *storage.DB) []string {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `SELECT name FROM recordings ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func callRecording(t *testing.T, db *storage.DB, name string) string {
	t.Helper()
	var rn *string
	if err := db.Pool.QueryRow(context.Background(), `SELECT recording_name FROM calls WHERE id = $1`, "call-"+name).Scan(&rn); err != nil {
		t.Fatal(err)
	}
	if rn == nil {
		return ""
	}
	return *rn
}

func TestPruneRecordings(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	nodes := &memNodes{audio: map[string]map[string]bool{}, down: map[string]bool{"pbx2": true}}
	now := time.Now().UTC().Truncate(time.Second)
	cutoff := now.AddDate(0, 0, -90)
	seedRecording(t, db, nodes, "r-a", "pbx1", cutoff.AddDate(0, 0, -30), false) // oldest
	seedRecording(t, db, nodes, "r-b", "pbx2", cutoff.AddDate(0, 0, -20), false) // its node fails
	seedRecording(t, db, nodes, "r-c", "pbx1", cutoff.AddDate(0, 0, -10), true)  // audio already gone from the node
	seedRecording(t, db, nodes, "r-d", "pbx1", cutoff.Add(-time.Second), false)  // just past the cutoff
	seedRecording(t, db, nodes, "r-e", "pbx1", cutoff, false)                    // not older than the cutoff: kept
	seedRecording(t, db, nodes, "r-f", "pbx1", now, false)                       // new: kept

	// the limit takes the oldest first
	deleted, err := db.PruneRecordings(ctx, cutoff, nodes, 1)
	if err != nil || !reflect.DeepEqual(deleted, []string{"r-a"}) {
		t.Fatalf("limit 1: %v %v", deleted, err)
	}
	if nodes.has("pbx1", "r-a") || callRecording(t, db, "r-a") != "" {
		t.Fatal("r-a: audio or call link left")
	}

	// a failing node leaves its recording and is reported; the others go on
	deleted, err = db.PruneRecordings(ctx, cutoff, nodes, 0)
	if !reflect.DeepEqual(deleted, []string{"r-c", "r-d"}) {
		t.Fatalf("deleted %v", deleted)
	}
	if err == nil || !strings.Contains(err.Error(), "r-b") || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("want r-b's node error, got %v", err)
	}
	if got, want := recordingNames(t, db), []string{"r-b", "r-e", "r-f"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("recordings left %v, want %v", got, want)
	}
	for name, want := range map[string]string{"r-b": "r-b", "r-c": "", "r-d": "", "r-e": "r-e", "r-f": "r-f"} {
		if got := callRecording(t, db, name); got != want {
			t.Fatalf("call of %s: recording_name %q, want %q", name, got, want)
		}
	}
	if !nodes.has("pbx2", "r-b") || !nodes.has("pbx1", "r-e") || !nodes.has("pbx1", "r-f") || nodes.has("pbx1", "r-d") {
		t.Fatalf("audio left on nodes: %v", nodes.audio)
	}

	// the node is back: the next run takes what was left
	nodes.mu.Lock()
	nodes.down = nil
	nodes.mu.Unlock()
	deleted, err = db.PruneRecordings(ctx, cutoff, nodes, 0)
	if err != nil || !reflect.DeepEqual(deleted, []string{"r-b"}) {
		t.Fatalf("retry: %v %v", deleted, err)
	}
	if deleted, err = db.PruneRecordings(ctx, cutoff, nodes, 0); err != nil || len(deleted) != 0 {
		t.Fatalf("nothing left to prune: %v %v", deleted, err)
	}

	// one audit entry per recording deleted, by retention, naming node and call
	entries, err := db.ListAudit(ctx, storage.AuditFilter{Action: "recording_deleted"})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]storage.AuditEntry{}
	for _, e := range entries {
		if _, dup := byName[e.TargetID]; dup {
			t.Fatalf("%s audited twice", e.TargetID)
		}
		byName[e.TargetID] = e
	}
	if len(byName) != 4 {
		t.Fatalf("audited %v", entries)
	}
	for _, name := range []string{"r-a", "r-b", "r-c", "r-d"} {
		e, ok := byName[name]
		if !ok || e.Actor != storage.RetentionActor || e.ActorUserID != 0 || e.TargetType != "recording" ||
			e.Detail["call_id"] != "call-"+name || e.Detail["node"] == nil || e.Detail["node"] == "" {
			t.Fatalf("audit of %s: %+v", name, e)
		}
	}
	if byName["r-b"].Detail["node"] != "pbx2" {
		t.Fatalf("r-b audit %+v", byName["r-b"])
	}
}

// delFunc is a RecordingDeleter from a function.
type delFunc func(ctx context.Context, node, name string) error

func (f delFunc) DeleteRecording(ctx context.Context, node, name string) error {
	return f(ctx, node, name)
}

// Every node failure is reported, joined; a cancelled run deletes nothing; a wrapped
// fs.ErrNotExist counts as not-found.
func TestPruneRecordingsErrorsJoined(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	nodes := &memNodes{audio: map[string]map[string]bool{}, down: map[string]bool{"pbx1": true, "pbx2": true}}
	old := time.Now().AddDate(-1, 0, 0)
	seedRecording(t, db, nodes, "x1", "pbx1", old, false)
	seedRecording(t, db, nodes, "x2", "pbx2", old.Add(time.Second), false)
	deleted, err := db.PruneRecordings(ctx, time.Now(), nodes, 10)
	if len(deleted) != 0 || err == nil {
		t.Fatalf("deleted %v err %v", deleted, err)
	}
	if !strings.Contains(err.Error(), "x1") || !strings.Contains(err.Error(), "x2") {
		t.Fatalf("both failures must be reported: %v", err)
	}
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) || len(joined.Unwrap()) != 2 {
		t.Fatalf("want 2 joined errors, got %v", err)
	}
	if got := recordingNames(t, db); len(got) != 2 {
		t.Fatalf("rows left %v", got)
	}

	// a cancelled context stops the run without deleting anything
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	nodes.down = nil
	if deleted, err := db.PruneRecordings(cctx, time.Now(), nodes, 10); len(deleted) != 0 || err == nil {
		t.Fatalf("cancelled: %v %v", deleted, err)
	}
	gone := delFunc(func(ctx context.Context, node, name string) error {
		return fmt.Errorf("stat %s on %s: %w", name, node, fs.ErrNotExist)
	})
	if deleted, err := db.PruneRecordings(ctx, time.Now(), gone, 10); err != nil || !reflect.DeepEqual(deleted, []string{"x1", "x2"}) {
		t.Fatalf("not-exist: %v %v", deleted, err)
	}
}
