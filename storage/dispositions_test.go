package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// A transfer reaches the history (transferred_to / transferred_from), dispositions per queue
// are kept in order with their required flag, and a call's disposition and note are on its
// record, searchable by code, by "none" (required, not given) and by note text.
func TestDispositionsTransfersAndSearch(t *testing.T) {
	t.Parallel()
	e := newHistEnv(t)
	ctx := context.Background()
	db := e.db
	now := time.Now().UTC().Truncate(time.Millisecond)
	at := func(s int) time.Time { return now.Add(time.Duration(s-600) * time.Second) }
	first := &callfloor.Call{ID: "X1", Direction: callfloor.Inbound, Queue: "sales", Node: "n", CallerNumber: "5550100", Agent: "1001",
		EnteredAt: at(0), AnsweredAt: at(5), EndedAt: at(65), TransferredAt: at(65), Outcome: callfloor.OutcomeAnswered,
		HangupBy: callfloor.HangupAgent, TransferredTo: "queue:support"}
	second := &callfloor.Call{ID: "X2", Direction: callfloor.Inbound, Queue: "support", Node: "n", CallerNumber: "5550100", Agent: "1002",
		EnteredAt: at(65), AnsweredAt: at(70), EndedAt: at(130), Outcome: callfloor.OutcomeAnswered, HangupBy: callfloor.HangupCaller, TransferredFrom: "X1"}
	other := &callfloor.Call{ID: "X3", Direction: callfloor.Inbound, Queue: "support", Node: "n", CallerNumber: "5550199", Agent: "1002",
		EnteredAt: at(200), AnsweredAt: at(205), EndedAt: at(230), Outcome: callfloor.OutcomeAnswered, HangupBy: callfloor.HangupCaller}
	e.save(t, callfloor.EvCallTransferred, at(65), first)
	e.save(t, callfloor.EvCallEnded, at(65), first)
	e.save(t, callfloor.EvCallEnded, at(130), second)
	e.save(t, callfloor.EvCallEnded, at(230), other)
	w, _ := e.start(t, db, storage.WriterOptions{Consumer: "w1"})
	drained(t, w, 10*time.Second)

	set := storage.DispositionSet{Queue: "support", Required: true, Codes: []storage.Disposition{{Code: "sold", Label: "Sold"}, {Code: "info", Label: "Information"}}}
	if err := db.PutQueueDispositions(ctx, set); err != nil {
		t.Fatal(err)
	}
	got, err := db.QueueDispositions(ctx, "support")
	if err != nil || !got.Required || len(got.Codes) != 2 || got.Codes[0].Code != "sold" || got.Codes[1].Label != "Information" {
		t.Fatalf("dispositions: %+v %v", got, err)
	}
	if none, err := db.QueueDispositions(ctx, "sales"); err != nil || none.Required || len(none.Codes) != 0 {
		t.Errorf("never set: %+v %v", none, err)
	}
	if err := db.SetCallDisposition(ctx, storage.CallDisposition{CallID: "X2", Queue: "support", AgentID: "1002", Code: "sold",
		Label: "Sold", Note: "Wants the 50% PLAN, call back Friday", SetBy: "ana", SetAt: now}); err != nil {
		t.Fatal(err)
	}

	r, err := db.CallByID(ctx, "X1")
	if err != nil || r.TransferredTo != "queue:support" || r.HangupBy != "agent" || r.Outcome != "answered" {
		t.Errorf("transferred call: %+v %v", r, err)
	}
	r, err = db.CallByID(ctx, "X2")
	if err != nil || r.TransferredFrom != "X1" || r.Disposition != "sold" || r.DispositionLabel != "Sold" || r.Note == "" || r.NoDisposition {
		t.Errorf("new leg: %+v %v", r, err)
	}
	r, _ = db.CallByID(ctx, "X3")
	if !r.NoDisposition {
		t.Errorf("X3 answered in a queue that requires a disposition, none given: no_disposition false")
	}
	search := func(f storage.CallFilter) []string {
		t.Helper()
		f.From, f.To = now.Add(-time.Hour), now.Add(time.Minute)
		calls, _, err := db.SearchCalls(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range calls {
			ids = append(ids, c.ID)
		}
		return ids
	}
	if ids := search(storage.CallFilter{Disposition: "sold"}); len(ids) != 1 || ids[0] != "X2" {
		t.Errorf("disposition=sold: %v", ids)
	}
	if ids := search(storage.CallFilter{Disposition: "none"}); len(ids) != 1 || ids[0] != "X3" {
		t.Errorf("disposition=none: %v", ids)
	}
	if ids := search(storage.CallFilter{Text: "50% plan"}); len(ids) != 1 || ids[0] != "X2" {
		t.Errorf("q=50%% plan: %v", ids)
	}
	if ids := search(storage.CallFilter{Text: "5_%"}); len(ids) != 0 {
		t.Errorf("q=5_%%: wildcards matched as wildcards: %v", ids)
	}
	if ids := search(storage.CallFilter{Queue: "support", Agent: "1002"}); len(ids) != 2 {
		t.Errorf("queue and agent filters with the joins: %v", ids)
	}
	recent, err := db.RecentCalls(ctx, "5550100", "X9", 5)
	if err != nil || len(recent) != 2 || recent[0].ID != "X2" || recent[0].Note == "" || recent[1].ID != "X1" {
		t.Errorf("recent calls: %+v %v", recent, err)
	}
	if recent, _ := db.RecentCalls(ctx, "5550100", "X2", 5); len(recent) != 1 || recent[0].ID != "X1" {
		t.Errorf("recent calls except the current: %+v", recent)
	}
}
