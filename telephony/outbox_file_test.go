package telephony

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
)

// The outbox file keeps pending writes across opens, in order; done ones are gone; an entry torn
// by a crash while it was written is cut off, so the next entry is not appended to it; and a
// second process cannot open the same outbox.
func TestOutboxFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	o, ops, err := openOutbox(dir, "pbx/1", log)
	if err != nil || len(ops) != 0 {
		t.Fatalf("open: %v %v", ops, err)
	}
	if _, _, err := openOutbox(dir, "pbx/1", log); err == nil {
		t.Fatal("a second open of the same outbox was allowed")
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	c := &callfloor.Call{ID: "c1", State: callfloor.CallTalking, AnsweredAt: now, Rev: 3}
	p1 := &pendingOp{What: "save", Call: "c1", Save: &realtime.CallChange{Call: c, QueueInc: map[string]int64{"answered": 1}}}
	p2 := &pendingOp{What: "transition", Call: "c1", Transition: &realtime.Transition{Agent: "1001", To: callfloor.AgentOnCall, Now: now, Op: "c1:x:1"}}
	p3 := &pendingOp{What: "transition", Call: "c1", Transition: &realtime.Transition{Agent: "1001", To: callfloor.AgentWrapUp, Now: now, Op: "c1:x:2"}}
	o.add(p1)
	o.add(p2)
	o.add(p3)
	o.done(p2)
	o.close()
	path := filepath.Join(dir, "outbox-pbx_1.jsonl")
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"seq":4,"op":{"what":"torn","ca`)
	f.Close()

	o, ops, err = openOutbox(dir, "pbx/1", log)
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 2 || ops[0].Save == nil || !ops[0].Save.Call.AnsweredAt.Equal(now) || ops[0].Save.Call.Rev != 3 || ops[0].Save.QueueInc["answered"] != 1 ||
		ops[1].Transition == nil || ops[1].Transition.Op != "c1:x:2" || !ops[0].Tried {
		t.Fatalf("reopened: %+v", ops)
	}
	p5 := &pendingOp{What: "save", Call: "c2", Save: &realtime.CallChange{Call: &callfloor.Call{ID: "c2", Rev: 1}}}
	o.add(p5)
	o.close()
	o, ops, err = openOutbox(dir, "pbx/1", log)
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 3 || ops[2].Call != "c2" {
		t.Fatalf("after a torn entry, the next one was lost: %+v", ops)
	}
	for _, p := range ops {
		o.done(p)
	}
	if st, err := os.Stat(path); err != nil || st.Size() != 0 {
		t.Fatalf("nothing pending, yet the file holds %d bytes (%v)", st.Size(), err)
	}
	o.close()
}

// A write that stays pending (Redis keeps refusing it) does not let the file grow for ever
// behind it: once it is mostly done marks, the file is rewritten with the pending entries, which
// a reopen still finds, in order.
func TestOutboxFileCompacted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o, _, err := openOutbox(dir, "pbx1", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	stuck := &pendingOp{What: "save", Call: "stuck", Save: &realtime.CallChange{Call: &callfloor.Call{ID: "stuck", Rev: 1}}}
	o.add(stuck)
	for i := range 5000 {
		p := &pendingOp{What: "save", Call: "c", Save: &realtime.CallChange{Call: &callfloor.Call{ID: "c", Rev: int64(i + 1)}}}
		o.add(p)
		o.done(p)
	}
	last := &pendingOp{What: "save", Call: "last", Save: &realtime.CallChange{Call: &callfloor.Call{ID: "last", Rev: 1}}}
	o.add(last)
	path := filepath.Join(dir, "outbox-pbx1.jsonl")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(b, []byte("\n")); n > 2*compactMin {
		t.Errorf("the outbox holds %d lines for 2 pending writes", n)
	}
	o.close()
	o, ops, err := openOutbox(dir, "pbx1", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer o.close()
	if len(ops) != 2 || ops[0].Call != "stuck" || ops[1].Call != "last" {
		t.Fatalf("reopened: %d pending %+v", len(ops), ops)
	}
	// still locked after the rewrite
	if _, _, err := openOutbox(dir, "pbx1", slog.New(slog.DiscardHandler)); err == nil {
		t.Error("a second open of the compacted outbox was allowed")
	}
}
