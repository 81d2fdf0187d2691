package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testdb"
	"github.com/callfloor/callfloor/storage"
)

var cbT0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

func cbAt(min float64) time.Time { return cbT0.Add(time.Duration(min * float64(time.Minute))) }

// cbCall writes a history row (as the writer would: the list reads only the rows).
func cbCall(t *testing.T, db *storage.DB, id, dir, queue, caller, called string, entered, answered, ended time.Time, outcome callfloor.Outcome) {
	t.Helper()
	var ans any
	if !answered.IsZero() {
		ans = answered
	}
	_, err := db.Pool.Exec(context.Background(), `INSERT INTO calls (id, direction, queue, caller_number, called_number, entered_at, answered_at, ended_at, outcome, last_event_id)
VALUES ($1, $2, nullif($3, ''), nullif($4, ''), nullif($5, ''), $6, $7, $8, $9, '1-0')`, id, dir, queue, caller, called, entered, ans, ended, string(outcome))
	if err != nil {
		t.Fatal(err)
	}
}

func TestCallbackList(t *testing.T) {
	t.Parallel()
	db, _ := testdb.Open(t)
	ctx := context.Background()
	var none time.Time
	in, out := callfloor.Inbound, callfloor.Outbound
	cbCall(t, db, "X1", in, "sales", "13800138001", "", cbAt(0), none, cbAt(1), callfloor.OutcomeAbandoned)
	cbCall(t, db, "X2", in, "sales", "+8613800138001", "", cbAt(9), none, cbAt(10), callfloor.OutcomeAbandoned) // the same number again
	cbCall(t, db, "Y1", in, "sales", "13800138002", "", cbAt(2), none, cbAt(2.05), callfloor.OutcomeShortAbandon)
	cbCall(t, db, "Z1", in, "sales", "13800138003", "", cbAt(4), none, cbAt(5), callfloor.OutcomeAbandoned)
	cbCall(t, db, "Z2", in, "sales", "13800138003", "", cbAt(19), cbAt(20), cbAt(25), callfloor.OutcomeAnswered) // served later
	cbCall(t, db, "W1", in, "sales", "13800138004", "", cbAt(29), none, cbAt(30), callfloor.OutcomeAbandoned)
	cbCall(t, db, "F1", in, "sales", "13800138005", "", cbAt(20), none, cbAt(40), callfloor.OutcomeCallbackFailed)
	cbCall(t, db, "Q1", in, "other", "13800138006", "", cbAt(1), none, cbAt(2), callfloor.OutcomeAbandoned) // no rule
	sync := storage.CallbackSync{Rules: map[string]storage.CallbackRule{"sales": {Team: "t1", Target: 30 * time.Minute}}, Country: "86", Since: 365 * 24 * time.Hour}
	now := cbAt(45)
	added, closed, err := db.SyncCallbacks(ctx, now, sync)
	if err != nil {
		t.Fatal(err)
	}
	if added != 3 || closed != 0 {
		t.Fatalf("added %d closed %d, want 3 entries (X, W, F), none closed", added, closed)
	}
	if a, c, err := db.SyncCallbacks(ctx, now, sync); err != nil || a != 0 || c != 0 {
		t.Fatalf("second sync: added %d closed %d %v, want nothing (idempotent)", a, c, err)
	}
	list, err := db.Callbacks(ctx, now, storage.CallbackFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byPhone := map[string]storage.CallbackEntry{}
	for _, e := range list {
		byPhone[e.Phone] = e
	}
	x := byPhone["+8613800138001"]
	if len(list) != 3 || x.Calls != 2 || x.FirstCallID != "X1" || x.LastCallID != "X2" || !x.DueAt.Equal(cbAt(31)) || !x.Overdue || x.Team != "t1" {
		t.Fatalf("list %+v: want X (2 calls, due 09:31, overdue), W, F", list)
	}
	if f := byPhone["+8613800138005"]; f.Source != string(callfloor.OutcomeCallbackFailed) || f.Overdue {
		t.Fatalf("F %+v: want a failed call-back, not yet overdue", f)
	}
	if _, ok := byPhone["+8613800138003"]; ok {
		t.Fatal("Z was served later: not listed")
	}
	// an agent claims X and dials it at 09:20 (within its target), records reached
	if _, err := db.ClaimCallback(ctx, cbAt(19), x.ID, "1001"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ClaimCallback(ctx, cbAt(19), x.ID, "1002"); callfloor.ErrorCode(err) != callfloor.ECONFLICT {
		t.Fatalf("second claim: %v, want a conflict", err)
	}
	if _, err := db.CallbackDialled(ctx, cbAt(20), x.ID, "1002", "c-x"); callfloor.ErrorCode(err) != callfloor.ECONFLICT {
		t.Fatalf("dial by another: %v, want a conflict", err)
	}
	if _, err := db.CallbackDialled(ctx, cbAt(20), x.ID, "1001", "c-x"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordCallback(ctx, cbAt(22), x.ID, "1001", "maybe", ""); callfloor.ErrorCode(err) != callfloor.EINVALID {
		t.Fatalf("bad outcome: %v", err)
	}
	e, err := db.RecordCallback(ctx, cbAt(22), x.ID, "1001", storage.CallbackReached, "已回复客户")
	if err != nil || e.Status != storage.CallbackDone || e.Outcome != storage.CallbackReached || e.ClosedBy != "1001" {
		t.Fatalf("recorded %+v %v", e, err)
	}
	// W's number is reached by an outbound call at 09:50: the entry closes as served
	cbCall(t, db, "W2", out, "", "", "13800138004", cbAt(49), cbAt(50), cbAt(52), callfloor.OutcomeAnswered)
	if _, closed, err := db.SyncCallbacks(ctx, cbAt(55), sync); err != nil || closed != 1 {
		t.Fatalf("closed %d %v, want W served", closed, err)
	}
	w, _ := db.Callback(ctx, cbAt(55), byPhone["+8613800138004"].ID)
	if w.Status != storage.CallbackServed || w.ClosedBy != "W2" {
		t.Fatalf("W %+v: want served by W2", w)
	}
	// a new abandon of X's number opens a new entry (the old one is done)
	cbCall(t, db, "X3", in, "sales", "13800138001", "", cbAt(60), none, cbAt(61), callfloor.OutcomeAbandoned)
	if a, _, err := db.SyncCallbacks(ctx, cbAt(62), sync); err != nil || a != 1 {
		t.Fatalf("X3: added %d %v, want a new entry", a, err)
	}
	// 回拨及时率 at 12:00: X due 09:31 dialled 09:20 (within); W due 10:00 but served at 09:50
	// without a call-back (not counted); F due 10:10 never dialled; X3's entry due 10:01 not dialled.
	loc, _ := time.LoadLocation("Asia/Shanghai")
	rows, err := db.CallbackTimeliness(ctx, cbAt(180), cbT0.Add(-24*time.Hour), cbT0.Add(24*time.Hour), loc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Team != "t1" || rows[0].Queue != "sales" || rows[0].Day != "2026-11-20" || rows[0].Due != 3 || rows[0].Within != 1 {
		t.Fatalf("timeliness %+v, want 1 of 3 on 2026-11-20", rows)
	}
	if r := *rows[0].Rate; r < 0.333 || r > 0.334 {
		t.Fatalf("rate %v", r)
	}
	team := []string{"t2"}
	if rows, _ := db.CallbackTimeliness(ctx, cbAt(180), cbT0.Add(-24*time.Hour), cbT0.Add(24*time.Hour), loc, &team); len(rows) != 0 {
		t.Fatalf("another team sees %+v", rows)
	}
	// the timeline of X's number: its two list entries
	items, err := db.Timeline(ctx, "+8613800138001", time.Time{}, 50)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, it := range items {
		if it.Kind == "callback" && it.Title == "callback.listed" {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("timeline %+v, want 2 call-back list entries", items)
	}
}

// A call-back's history row: its wait runs from the caller's first entry to the number
// answering, and callback_at tells it was a call-back.
func TestCallbackHistoryRow(t *testing.T) {
	t.Parallel()
	e := newHistEnv(t)
	w, _ := e.start(t, e.db, storage.WriterOptions{Consumer: "w1"})
	c := &callfloor.Call{ID: "CB1", Direction: callfloor.Inbound, State: callfloor.CallWaiting, Queue: "sales", CallerNumber: "13800138009", EnteredAt: cbAt(0)}
	e.save(t, callfloor.EvCallEntered, cbAt(0), c)
	c.CallbackAt, c.CallbackOfferedAt = cbAt(1), cbAt(0.5)
	e.save(t, callfloor.EvCallCallbackRequested, cbAt(1), c)
	c.State, c.Agent, c.AnsweredAt, c.CallbackTries = callfloor.CallTalking, "1001", cbAt(6), 1
	e.save(t, callfloor.EvCallAnswered, cbAt(6), c)
	c.State, c.EndedAt, c.Outcome, c.HangupBy = callfloor.CallEnded, cbAt(8), callfloor.OutcomeAnswered, callfloor.HangupCaller
	e.save(t, callfloor.EvCallEnded, cbAt(8), c)
	drained(t, w, 10*time.Second)
	var wait int64
	var cb time.Time
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT wait_ms, callback_at FROM calls WHERE id = 'CB1'`).Scan(&wait, &cb); err != nil {
		t.Fatal(err)
	}
	if wait != 6*60*1000 || !cb.Equal(cbAt(1)) {
		t.Fatalf("wait_ms %d callback_at %v, want 360000 from the first entry and %v", wait, cb, cbAt(1))
	}
}
