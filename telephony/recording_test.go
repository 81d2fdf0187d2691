package telephony_test

import (
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/telephony/sim"
)

// Asterisk sometimes sends no RecordingFinished for a bridge destroyed while it records (here:
// every time). The ACD stops the recording and waits for RecordingFinished before destroying the
// call's bridge, so every recording reaches the catalogue (recording.ready, with its duration).
func TestRecordingStoppedBeforeBridgeDestroyed(t *testing.T) {
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
