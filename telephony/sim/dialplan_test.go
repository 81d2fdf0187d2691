package sim

import "testing"

// The demo's click-to-call ends: an answered outbound customer hangs up after a believable talk.
func TestTrafficDialplanOutboundCustomerHangsUp(t *testing.T) {
	d := TrafficDialplan(7, 0, 0)
	for i := 0; i < 50; i++ {
		b, err := d("Local/5551234@outbound")
		if err != nil {
			t.Fatal(err)
		}
		if b.Busy || b.NoAnswer {
			t.Fatalf("busy/no answer with rates 0: %+v", b)
		}
		if b.HangupAfter < OutboundTalkMin || b.HangupAfter > OutboundTalkMax {
			t.Fatalf("outbound customer hangs up after %v, want %v..%v", b.HangupAfter, OutboundTalkMin, OutboundTalkMax)
		}
	}
}
