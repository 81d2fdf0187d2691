package sim

import (
	"testing"
	"time"
)

// The call record (Config.RecordCalls): a call refused for want of the application, a caller
// bridged with an agent who then hangs up, an abandoning caller, and one that vanishes with a
// crash; each with what the far ends saw.
func TestCallRecords(t *testing.T) {
	s, base := startSim(t, Config{RecordCalls: true})
	if _, err := s.PlaceCall(CallerSpec{Queue: "sales", Number: "+8613800000001"}); err != ErrAppNotConnected {
		t.Fatalf("no application: %v", err)
	}
	c := dialEvents(t, base, "callfloor")
	talk, _ := s.PlaceCall(CallerSpec{Queue: "sales", Number: "+8613800000002", TalkFor: 200 * time.Millisecond})
	waitType(t, c, "StasisStart", talk)
	doREST(t, base, "POST", "/channels/"+talk+"/answer", nil, true)
	doREST(t, base, "POST", "/channels?endpoint=Local/1001@agents&app=callfloor&appArgs=agent&channelId=a1", nil, true)
	waitType(t, c, "StasisStart", "a1")
	doREST(t, base, "POST", "/bridges?bridgeId=call-1&type=mixing", nil, true)
	bridged := time.Now()
	doREST(t, base, "POST", "/bridges/call-1/addChannel?channel="+talk+",a1", nil, true)
	abandon, _ := s.PlaceCall(CallerSpec{Queue: "support", Number: "+8613800000003", Patience: 100 * time.Millisecond})
	waitType(t, c, "StasisEnd", talk)
	waitType(t, c, "StasisEnd", abandon)
	lost, _ := s.PlaceCall(CallerSpec{Queue: "sales", Number: "+8613800000004"})
	waitType(t, c, "StasisStart", lost)
	if recs := s.CallRecords(); len(recs) != 4 || !recs[3].Ended.IsZero() {
		t.Fatalf("records before the crash: %+v", recs)
	}
	s.Crash()

	recs := s.CallRecords()
	if len(recs) != 4 {
		t.Fatalf("%d records, want 4: %+v", len(recs), recs)
	}
	if r := recs[0]; r.Entered || r.Number != "+8613800000001" || r.EndedBy != EndedByAsterisk {
		t.Errorf("refused call: %+v", r)
	}
	if r := recs[1]; !r.Entered || r.Channel != talk || r.Agent != "1001@agents" || r.EndedBy != EndedByCaller ||
		r.Bridged.Sub(bridged).Abs() > time.Second || r.Ended.Sub(r.Bridged) < 200*time.Millisecond {
		t.Errorf("talked call: %+v", r)
	}
	if r := recs[2]; r.Channel != abandon || r.Queue != "support" || !r.Bridged.IsZero() || r.EndedBy != EndedByCaller || r.Ended.Sub(r.Placed) < 100*time.Millisecond {
		t.Errorf("abandoned call: %+v", r)
	}
	if r := recs[3]; r.Channel != lost || r.EndedBy != EndedByCrash || r.Ended.IsZero() {
		t.Errorf("call cut by the crash: %+v", r)
	}
	if New(Config{}).CallRecords() != nil {
		t.Error("a record kept without RecordCalls")
	}
}
