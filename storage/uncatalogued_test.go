package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// Uncatalogued finds the calls whose recording has no catalogue row (their recording.ready was
// lost); once the ACD's sweep sends recording.ready, the recording is catalogued and no longer
// reported.
func TestUncataloguedRecordings(t *testing.T) {
	t.Parallel()
	e := newHistEnv(t)
	ctx := context.Background()
	call := func(id string) *callfloor.Call {
		return &callfloor.Call{ID: id, Direction: callfloor.Inbound, State: callfloor.CallEnded, Queue: "sales", Node: "pbx1", AsteriskID: "02:fc",
			EnteredAt: sec(0), AnsweredAt: sec(5), EndedAt: sec(65), Outcome: callfloor.OutcomeAnswered, Agent: "1001",
			RecordingName: "callfloor/2026-11-22/" + id, RecordingFormat: "wav"}
	}
	lost, ok := call("L"), call("K")
	e.save(t, callfloor.EvCallEnded, sec(65), lost)
	e.save(t, callfloor.EvCallEnded, sec(65), ok)
	ok.RecordingDuration = 60
	e.save(t, callfloor.EvRecordingReady, sec(66), ok)
	w, stop := e.start(t, e.db, storage.WriterOptions{Consumer: "w1"})
	defer stop()
	drained(t, w, 10*time.Second)

	got, err := e.db.Uncatalogued(ctx, []string{lost.RecordingName, ok.RecordingName, "callfloor/2026-11-22/nosuchcall"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "L" || got[0].RecordingName != lost.RecordingName || got[0].State != callfloor.CallEnded ||
		got[0].Node != "pbx1" || got[0].Agent != "1001" || got[0].Queue != "sales" || !got[0].EnteredAt.Equal(lost.EnteredAt) {
		t.Fatalf("uncatalogued %+v, want call L only", got)
	}
	// the sweep catalogues it
	c := got[0]
	c.RecordingFormat, c.RecordingDuration = "wav", 60
	e.save(t, callfloor.EvRecordingReady, sec(70), &c)
	drained(t, w, 10*time.Second)
	r, err := e.db.RecordingByName(ctx, lost.RecordingName)
	if err != nil || r.CallID != "L" || r.DurationS == nil || *r.DurationS != 60 || r.Format != "wav" || r.Node != "pbx1" {
		t.Fatalf("catalogue row %+v, %v", r, err)
	}
	if got, err := e.db.Uncatalogued(ctx, []string{lost.RecordingName, ok.RecordingName}); err != nil || len(got) != 0 {
		t.Errorf("after the sweep: %+v, %v; want none", got, err)
	}
	if got, err := e.db.Uncatalogued(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("no names: %+v, %v", got, err)
	}
}
