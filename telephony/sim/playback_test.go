package sim

import (
	"testing"
	"time"
)

// TestPlayback: POST /channels/{id}/play answers with the queued Playback; PlaybackStarted
// then PlaybackFinished (state done) after the sound's length; a hang-up during a sound ends it
// with PlaybackFinished state failed, before the channel's StasisEnd, and nothing more.
func TestPlayback(t *testing.T) {
	s, base := startSim(t, Config{})
	c := dialEvents(t, base, "callfloor")
	id, err := s.PlaceCall(CallerSpec{Queue: "sales", Number: "13800138000", Patience: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	waitType(t, c, "StasisStart", id)
	playbackOf := func(typ, pbID string) map[string]any {
		t.Helper()
		var found map[string]any
		if !c.waitUntil(5*time.Second, func(evs []map[string]any) bool {
			for _, e := range evs {
				if str(e["type"]) == typ && str(sub(e, "playback", "id")) == pbID {
					found = e
					return true
				}
			}
			return false
		}) {
			t.Fatalf("no %s for playback %s", typ, pbID)
		}
		return found
	}
	start := time.Now()
	if st, body := doREST(t, base, "POST", "/channels/"+id+"/play?media=sound:vm-goodbye&playbackId=pb1", nil, true); st != 201 {
		t.Fatalf("play: %d %s", st, body)
	}
	playbackOf("PlaybackStarted", "pb1")
	done := playbackOf("PlaybackFinished", "pb1")
	if got := str(sub(done, "playback", "state")); got != "done" || str(sub(done, "playback", "target_uri")) != "channel:"+id {
		t.Fatalf("finished playback %v", done["playback"])
	}
	if el := time.Since(start); el < time.Second {
		t.Errorf("vm-goodbye (1.1 s) finished after %v", el)
	}
	// a hang-up during the sound: failed, before StasisEnd
	if st, body := doREST(t, base, "POST", "/channels/"+id+"/play?media=sound:tt-monkeys&playbackId=pb2", nil, true); st != 201 {
		t.Fatalf("play: %d %s", st, body)
	}
	playbackOf("PlaybackStarted", "pb2")
	if err := s.HangupChannel(id); err != nil {
		t.Fatal(err)
	}
	waitType(t, c, "StasisEnd", id)
	time.Sleep(100 * time.Millisecond)
	failedAt, endAt, n := -1, -1, 0
	for i, e := range c.snapshot() {
		switch {
		case str(e["type"]) == "PlaybackFinished" && str(sub(e, "playback", "id")) == "pb2":
			n++
			failedAt = i
			if st := str(sub(e, "playback", "state")); st != "failed" {
				t.Errorf("playback ended by a hang-up: state %q, want failed", st)
			}
		case str(e["type"]) == "StasisEnd" && evID(e) == id:
			endAt = i
		}
	}
	if n != 1 || failedAt < 0 || failedAt > endAt {
		t.Errorf("%d PlaybackFinished for the hung-up playback at %d, StasisEnd at %d: want one, before StasisEnd", n, failedAt, endAt)
	}
}
