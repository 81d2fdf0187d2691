package sim

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/callfloor/callfloor/internal/testenv"
)

// specEvents reads the ARI events model of Asterisk 22 (shared/asterisk/api-docs/events.json):
// each event type's properties, with required ones flagged, plus those of Event and Message.
func specEvents(t *testing.T) map[string]map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.SharedDir(t), "asterisk", "api-docs", "events.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Models map[string]struct {
			Properties map[string]struct {
				Required bool `json:"required"`
			} `json:"properties"`
		} `json:"models"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]bool{}
	for name, m := range doc.Models {
		props := map[string]bool{}
		for _, base := range []string{"Message", "Event"} {
			for p, d := range doc.Models[base].Properties {
				props[p] = d.Required
			}
		}
		for p, d := range m.Properties {
			props[p] = d.Required
		}
		out[name] = props
	}
	return out
}

// Every event the simulator sends in a call with a hold — StasisStart, ChannelHold,
// ChannelUnhold, the hang-up events — has every property the ARI spec requires for its type
// and none the spec does not define.
func TestEventsMatchTheARISpec(t *testing.T) {
	spec := specEvents(t)
	s, base := startSim(t, Config{Speed: 50})
	c := dialEvents(t, base, "callfloor")
	id, err := s.PlaceCall(CallerSpec{Queue: "sales", Number: "5550100"})
	if err != nil {
		t.Fatal(err)
	}
	waitType(t, c, "StasisStart", id)
	if err := s.Hold(id, true); err != nil {
		t.Fatal(err)
	}
	hold := waitType(t, c, "ChannelHold", id)
	if err := s.Hold(id, true); err != nil { // unchanged: no second event
		t.Fatal(err)
	}
	if err := s.Hold(id, false); err != nil {
		t.Fatal(err)
	}
	waitType(t, c, "ChannelUnhold", id)
	if err := s.Hold("nope", true); err == nil {
		t.Error("hold of an unknown channel: no error")
	}
	if err := s.HangupChannel(id); err != nil {
		t.Fatal(err)
	}
	waitType(t, c, "StasisEnd", id)
	time.Sleep(100 * time.Millisecond)
	if hold["application"] != "callfloor" || hold["channel"].(map[string]any)["id"] != id {
		t.Errorf("ChannelHold %v", hold)
	}
	holds := 0
	for _, ev := range c.snapshot() {
		typ := str(ev["type"])
		props, ok := spec[typ]
		if !ok {
			t.Errorf("event type %q is not in the ARI spec", typ)
			continue
		}
		holds += map[bool]int{true: 1}[typ == "ChannelHold"]
		for p, required := range props {
			if _, has := ev[p]; required && !has {
				t.Errorf("%s lacks required %q: %v", typ, p, ev)
			}
		}
		for p := range ev {
			if _, known := props[p]; !known {
				t.Errorf("%s has %q, which the spec does not define", typ, p)
			}
		}
	}
	if holds != 1 {
		t.Errorf("%d ChannelHold events, want 1", holds)
	}
}
