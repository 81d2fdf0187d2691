package realtime

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
)

// TestMarshalEventReusesTheCallsJSON: SaveCall's event, written with the call's JSON reused,
// decodes to the same event (and the same JSON object) as the event encoded on its own.
func TestMarshalEventReusesTheCallsJSON(t *testing.T) {
	at := time.Date(2026, 12, 5, 9, 30, 1, 250e6, time.UTC)
	c := &callfloor.Call{ID: "c1", Direction: callfloor.Inbound, Queue: "sales", State: callfloor.CallTalking,
		CallerNumber: "+8613800138000", CallerName: "王芳", Agent: "a7", EnteredAt: at.Add(-20 * time.Second),
		Offers: []callfloor.Offer{{Agent: "a7", Start: at.Add(-5 * time.Second)}}, Rev: 4}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	other := *c
	for _, ev := range []*callfloor.Event{
		{Type: callfloor.EvCallAnswered, At: at, Call: c, Offer: &callfloor.Offer{Agent: "a7", Start: at}},
		{Type: callfloor.EvCallAnswered, At: at, Call: &other}, // not the saved call: encoded on its own
		{Type: callfloor.EvCallAnswered, At: at},
	} {
		got, err := marshalEvent(ev, c, b)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(ev)
		var g, w map[string]any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatal(err)
		}
		_ = json.Unmarshal(want, &w)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("event JSON differs:\n got %s\nwant %s", got, want)
		}
		var ge, we callfloor.Event
		_ = json.Unmarshal(got, &ge)
		_ = json.Unmarshal(want, &we)
		if !reflect.DeepEqual(ge, we) {
			t.Errorf("decoded events differ:\n got %+v\nwant %+v", ge, we)
		}
	}
}

// BenchmarkSaveCallEncoding encodes a talking call and its event as SaveCall does: "twice" the
// call inside the event encoded again (before), "once" its JSON reused.
func BenchmarkSaveCallEncoding(b *testing.B) {
	at := time.Date(2026, 12, 5, 9, 30, 1, 250e6, time.UTC)
	c := &callfloor.Call{ID: "c1", Direction: callfloor.Inbound, Queue: "sales", State: callfloor.CallTalking,
		CallerNumber: "+8613800138000", CallerName: "王芳", Agent: "a7", EnteredAt: at.Add(-20 * time.Second),
		Offers: []callfloor.Offer{{Agent: "a7", Start: at.Add(-5 * time.Second)}}, Rev: 4}
	ev := &callfloor.Event{Type: callfloor.EvCallAnswered, At: at, Call: c}
	b.Run("twice", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_, _ = json.Marshal(c)
			_, _ = json.Marshal(ev)
		}
	})
	b.Run("once", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			cb, _ := json.Marshal(c)
			_, _ = marshalEvent(ev, c, cb)
		}
	})
}
