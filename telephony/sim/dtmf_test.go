package sim

import (
	"testing"
	"time"
)

// TestDTMF: a caller's presses arrive as ChannelDtmfReceived on the half in Stasis, one event
// per digit in order, with the spec's required fields; bad digits are refused; digits pressed
// after the caller hung up are never sent.
func TestDTMF(t *testing.T) {
	s, base := startSim(t, Config{Speed: 10})
	c := dialEvents(t, base, "callfloor")
	id, err := s.PlaceCall(CallerSpec{Queue: "sales", Number: "13800138000", Presses: []DTMFPress{{After: time.Second, Digits: "1"}}})
	if err != nil {
		t.Fatal(err)
	}
	waitType(t, c, "StasisStart", id)
	ev := waitType(t, c, "ChannelDtmfReceived", id)
	if ev["digit"] != "1" || ev["duration_ms"].(float64) != 120 || ev["application"] != "callfloor" || ev["timestamp"] == nil {
		t.Fatalf("event %v", ev)
	}
	if err := s.SendDTMF(id, "2#", 0); err != nil {
		t.Fatal(err)
	}
	if !c.waitUntil(5*time.Second, func(evs []map[string]any) bool {
		var got string
		for _, e := range evs {
			if str(e["type"]) == "ChannelDtmfReceived" && evID(e) == id {
				got += str(e["digit"])
			}
		}
		return got == "12#"
	}) {
		t.Fatalf("digits not in order")
	}
	if err := s.SendDTMF(id, "x", 0); err == nil {
		t.Fatal("x accepted as a digit")
	}
	if _, err := s.PlaceCall(CallerSpec{Queue: "sales", Presses: []DTMFPress{{Digits: ""}}}); err == nil {
		t.Fatal("empty press accepted")
	}
	if err := s.SendDTMF(id, "9", 0); err != nil {
		t.Fatal(err)
	}
	if err := s.HangupChannel(id); err != nil {
		t.Fatal(err)
	}
	waitType(t, c, "StasisEnd", id)
	time.Sleep(100 * time.Millisecond)
	for _, e := range c.snapshot() {
		if str(e["type"]) == "ChannelDtmfReceived" && e["digit"] == "9" {
			t.Fatal("a digit was sent after the caller hung up")
		}
	}
	if err := s.SendDTMF(id, "1", 0); err == nil {
		t.Fatal("DTMF on a gone channel accepted")
	}
}
