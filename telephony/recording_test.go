package telephony_test

import (
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/telephony"
	"github.com/callfloor/callfloor/telephony/sim"
)

// Asterisk sometimes sends no RecordingFinished for a bridge destroyed while it records (here:
// every time). The ACD stops the recording and waits for RecordingFinished before destroying the
// call's bridge, so every recording reaches the catalogue (recording.ready, with its duration).
func TestRecordingStoppedBeforeBridgeDestroyed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		agentHangup time.Duration
		talk        time.Duration
		by          string
	}{
		{"caller hangs up", 0, 1200 * time.Millisecond, callfloor.HangupCaller},
		{"agent hangs up", 1300 * time.Millisecond, 0, callfloor.HangupAgent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFloorSim(t, testConfig("1001"), sim.Config{LoseRecordingFinished: func() bool { return true }})
			f.sim.SetDialplan(testDialplan(100*time.Millisecond, tc.agentHangup, 0))
			f.login("1001")
			f.place(sim.CallerSpec{Queue: "sales", TalkFor: tc.talk})
			c := f.ended(5 * time.Second)
			if c.Outcome != callfloor.OutcomeAnswered || c.HangupBy != tc.by || c.RecordingName == "" {
				t.Fatalf("outcome %s by %s recording %q", c.Outcome, c.HangupBy, c.RecordingName)
			}
			r := f.waitEvent(3*time.Second, "recording ready", func(e callfloor.Event) bool {
				return e.Type == callfloor.EvRecordingReady && e.Call.ID == c.ID
			}).Call
			if r.RecordingDuration < 1 {
				t.Errorf("recording duration %d s, want about 1", r.RecordingDuration)
			}
			if n := f.sim.Stats().RecordingsSilent; n != 0 {
				t.Errorf("%d recordings ended with their bridge, without RecordingFinished", n)
			}
			testenv.Eventually(t, 2*time.Second, "no channels or bridges left", func() bool {
				st := f.sim.Stats()
				return st.ChannelsLive == 0 && st.BridgesLive == 0 && st.RecordingsLive == 0
			})
		})
	}
}

// streamCatalogue is an in-memory recordings catalogue built from the change stream, as the
// history writer builds the real one: a call's recording is catalogued once a recording.ready
// event names it.
type streamCatalogue struct{ store *realtime.Store }

func (s streamCatalogue) Uncatalogued(ctx context.Context, names []string) ([]callfloor.Call, error) {
	evs, err := s.store.ReadStream(ctx, "0", 100000)
	if err != nil {
		return nil, err
	}
	ended, done := map[string]callfloor.Call{}, map[string]bool{}
	for _, e := range evs {
		switch {
		case e.Type == callfloor.EvCallEnded && e.Call.RecordingName != "":
			ended[e.Call.RecordingName] = *e.Call
		case e.Type == callfloor.EvRecordingReady:
			done[e.Call.RecordingName] = true
		}
	}
	var out []callfloor.Call
	for _, n := range names {
		if c, ok := ended[n]; ok && !done[n] {
			out = append(out, c)
		}
	}
	return out, nil
}

// A stored recording whose RecordingFinished never came (here: stopping it failed and Asterisk
// then lost the event with the bridge) is catalogued after the next connect, with its duration
// read from the file.
func TestStoredRecordingsCataloguedAfterConnect(t *testing.T) {
	t.Parallel()
	f, c := recordedWithoutFinished(t, func(f *floor) telephony.RecordingCatalogue { return streamCatalogue{store: f.store} })
	if n := f.sim.Stats().RecordingsSilent; n != 1 {
		t.Fatalf("%d recordings lost their RecordingFinished, want 1 (the scenario)", n)
	}
	r := f.sweptRecording(c)
	if r.RecordingName != c.RecordingName || r.RecordingFormat != "wav" || r.RecordingDuration < 1 || r.RecordingDuration > 2 {
		t.Errorf("catalogued %q format %q duration %d s, want %q wav about 1 s", r.RecordingName, r.RecordingFormat, r.RecordingDuration, c.RecordingName)
	}
	if r.Agent != "1001" || r.Queue != "sales" || r.Node != "pbx1" || !r.EnteredAt.Equal(c.EnteredAt) {
		t.Errorf("catalogued call %+v", r)
	}
}

// historyCatalogue answers as storage.DB.Uncatalogued does: with the few fields the history's
// query selects (no outcome, hang-up, cause, offers or revision).
type historyCatalogue struct{ streamCatalogue }

func (h historyCatalogue) Uncatalogued(ctx context.Context, names []string) ([]callfloor.Call, error) {
	calls, err := h.streamCatalogue.Uncatalogued(ctx, names)
	for i, c := range calls {
		calls[i] = callfloor.Call{ID: c.ID, Direction: c.Direction, Queue: c.Queue, Node: c.Node, AsteriskID: c.AsteriskID,
			Agent: c.Agent, EnteredAt: c.EnteredAt, AnsweredAt: c.AnsweredAt, EndedAt: c.EndedAt, RecordingName: c.RecordingName,
			State: callfloor.CallEnded}
	}
	return calls, err
}

// The sweep completes the call's own record in the live state: the history's partial copy must
// not replace it (the call's outcome, hang-up and revision stay).
func TestStoredRecordingSweepKeepsTheCallRecord(t *testing.T) {
	t.Parallel()
	f, c := recordedWithoutFinished(t, func(f *floor) telephony.RecordingCatalogue { return historyCatalogue{streamCatalogue{store: f.store}} })
	before, err := f.store.Call(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	r := f.sweptRecording(c)
	if r.RecordingDuration < 1 {
		t.Errorf("duration %d s", r.RecordingDuration)
	}
	after, err := f.store.Call(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Outcome != before.Outcome || after.HangupBy != before.HangupBy || after.Rev < before.Rev || len(after.Offers) != len(before.Offers) {
		t.Errorf("live record after the sweep: outcome %q by %q rev %d offers %d; before: %q by %q rev %d offers %d",
			after.Outcome, after.HangupBy, after.Rev, len(after.Offers), before.Outcome, before.HangupBy, before.Rev, len(before.Offers))
	}
	if after.RecordingDuration < 1 || after.RecordingFormat != "wav" {
		t.Errorf("recording not completed on the record: %d s %q", after.RecordingDuration, after.RecordingFormat)
	}
}

// recordedWithoutFinished runs a floor with the catalogue cat(f) and records one call whose
// RecordingFinished never comes (stopping it fails, then Asterisk loses the event with the
// bridge); it returns once the call has ended and its bridge is destroyed.
func recordedWithoutFinished(t *testing.T, cat func(f *floor) telephony.RecordingCatalogue) (*floor, *callfloor.Call) {
	t.Helper()
	f := newFloorSim(t, testConfig("1001"), sim.Config{LoseRecordingFinished: func() bool { return true }})
	f.stop()
	f.catalogue = cat(f)
	f.start()
	f.login("1001")
	f.sim.FailNext("POST", "/stop", 500, 1)
	f.place(sim.CallerSpec{Queue: "sales", TalkFor: 1200 * time.Millisecond})
	c := f.ended(5 * time.Second)
	if c.RecordingName == "" {
		t.Fatal("call not recorded")
	}
	testenv.Eventually(t, 3*time.Second, "bridge destroyed", func() bool { return f.sim.Stats().BridgesLive == 0 })
	return f, c
}

// sweptRecording restarts the instance (a (re)connect sweeps the node's stored recordings) and
// waits for the recording of c to be catalogued.
func (f *floor) sweptRecording(c *callfloor.Call) *callfloor.Call {
	f.t.Helper()
	f.stop()
	f.start()
	return f.waitEvent(10*time.Second, "recording catalogued", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvRecordingReady && e.Call.ID == c.ID
	}).Call
}
