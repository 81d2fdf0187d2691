package telephony_test

import (
	"context"
	"strings"
	"testing"
	"time"

	aril "github.com/CyCoreSystems/ari/v5"
	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/telephony/sim"
)

// callbackConfig: sales offers a call-back after 1 s of waiting; a number that does not answer
// is tried twice, 1 s apart.
func callbackConfig(agents ...string) *callfloor.Config {
	cfg := testConfig(agents...)
	for i := range cfg.Queues {
		cfg.Queues[i].Callback = callfloor.CallbackConfig{Offer: true, After: time.Second, Tries: 2, RetryEvery: time.Second}
	}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	return cfg
}

// requestCallback places a caller who presses 1 after the offer and waits until the call-back
// is requested and the caller is off the line (the call waits without a channel).
func (f *floor) requestCallback(number string) *callfloor.Call {
	f.t.Helper()
	f.place(sim.CallerSpec{Queue: "sales", Number: number, Presses: []sim.DTMFPress{{After: 1300 * time.Millisecond, Digits: "1"}}})
	req := f.waitEvent(5*time.Second, "call-back of "+number+" requested", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallCallbackRequested && e.Call.CallerNumber == number
	}).Call
	testenv.Eventually(f.t, 5*time.Second, "caller "+number+" hung up after the confirmation", func() bool {
		c, err := f.store.Call(context.Background(), req.ID)
		return err == nil && c.CallerChannel == "" && c.State == callfloor.CallWaiting
	})
	return req
}

// enteredOf returns the call.entered event of number.
func (f *floor) enteredOf(number string) *callfloor.Call {
	f.t.Helper()
	return f.waitEvent(3*time.Second, number+" entered", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallEntered && e.Call.CallerNumber == number
	}).Call
}

// servedOrder waits for n answered calls and returns them in the order they were answered.
func (f *floor) servedOrder(n int, within time.Duration) []*callfloor.Call {
	f.t.Helper()
	var out []*callfloor.Call
	testenv.Eventually(f.t, within, "calls answered", func() bool {
		f.poll()
		out = out[:0]
		for i := range f.events {
			if f.events[i].Type == callfloor.EvCallAnswered {
				out = append(out, f.events[i].Call)
			}
		}
		return len(out) >= n
	})
	return out
}

func TestCallbackKeepsPlace(t *testing.T) {
	t.Parallel()
	for _, restart := range []bool{false, true} {
		name := "running"
		if restart {
			name = "across a restart"
		}
		t.Run(name, func(t *testing.T) { callbackKeepsPlace(t, restart) })
	}
}

// A, B, C wait; B presses 1 and is hung up; D enters after B's request. One agent serves them
// one at a time: A, B (a call-back: the agent is rung first, then B's number), C, D.
func callbackKeepsPlace(t *testing.T, restart bool) {
	f := newFloor(t, callbackConfig("1001"))
	talk := 300 * time.Millisecond
	f.place(sim.CallerSpec{Queue: "sales", Number: "5550001", TalkFor: talk})
	a := f.enteredOf("5550001")
	time.Sleep(20 * time.Millisecond)
	req := f.requestCallback("5550002")
	bEntered := f.enteredOf("5550002")
	f.place(sim.CallerSpec{Queue: "sales", Number: "5550003", TalkFor: talk})
	f.enteredOf("5550003")
	if !a.EnteredAt.Before(bEntered.EnteredAt) {
		t.Fatal("A must enter before B")
	}
	if restart {
		f.stop()
		f.start()
		time.Sleep(200 * time.Millisecond) // reconciled: the call-back has no channel and must stay
		if c, err := f.store.Call(context.Background(), req.ID); err != nil || c.State != callfloor.CallWaiting {
			t.Fatalf("call-back after the restart: %+v %v", c, err)
		}
	}
	f.place(sim.CallerSpec{Queue: "sales", Number: "5550004", TalkFor: talk})
	f.enteredOf("5550004")
	w, err := f.store.Waiting(context.Background(), "sales")
	if err != nil || len(w) != 4 || w[1].ID != req.ID {
		t.Fatalf("waiting %+v %v: want 4 with the call-back second", w, err)
	}
	if n, _ := f.store.CallbacksWaiting(context.Background(), []string{"sales"}); n["sales"] != 1 {
		t.Errorf("call-backs waiting %v, want 1", n)
	}
	kpi := realtime.NewKPI(f.store, realtime.KPIOptions{Queues: f.acd.Queues, Agents: f.acd.Agents})
	if qv, err := kpi.Queue(context.Background(), "sales", time.Now()); err != nil || qv.CallbacksWaiting != 1 || qv.Waiting != 4 {
		t.Errorf("wallboard's sales tile: %d call-backs of %d waiting (%v), want 1 of 4", qv.CallbacksWaiting, qv.Waiting, err)
	}
	f.login("1001")
	got := f.servedOrder(4, 20*time.Second)
	var order []string
	for _, c := range got {
		order = append(order, c.CallerNumber)
	}
	if strings.Join(order, ",") != "5550001,5550002,5550003,5550004" {
		t.Fatalf("served %v, want A, B, C, D", order)
	}
	b := got[1]
	if !b.IsCallback() || b.ID != req.ID || b.Agent != "1001" {
		t.Fatalf("B served as %+v, want the call-back %s by 1001", b, req.ID)
	}
	// the agent is rung first, then B's number
	if len(b.Offers) < 2 || b.Offers[0].Agent != "1001" || b.Offers[0].Result != callfloor.OfferAnswered ||
		!strings.Contains(b.Offers[len(b.Offers)-1].Channel, "-k") || b.Offers[len(b.Offers)-1].Start.Before(b.Offers[0].Start) {
		t.Fatalf("B's offers %+v: want the agent's ring answered, then the number's", b.Offers)
	}
	// SL from the original entry: B's wait runs from its first entry to its number answering
	if !b.EnteredAt.Equal(bEntered.EnteredAt) || b.WaitMs() != b.AnsweredAt.Sub(bEntered.EnteredAt).Milliseconds() ||
		b.WaitMs() < b.AnsweredAt.Sub(req.CallbackAt).Milliseconds()+1000 {
		t.Fatalf("B entered %v wait %d ms, want from its first entry %v", b.EnteredAt, b.WaitMs(), bEntered.EnteredAt)
	}
	bEnd := f.waitEvent(5*time.Second, "B's call ended", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallEnded && e.Call.ID == req.ID
	}).Call
	if bEnd.Outcome != callfloor.OutcomeAnswered || bEnd.HangupBy != callfloor.HangupCaller {
		t.Errorf("B ended %s by %s, want answered, hung up by the caller", bEnd.Outcome, bEnd.HangupBy)
	}
	testenv.Eventually(t, 10*time.Second, "all four ended", func() bool { return f.countEvents(callfloor.EvCallEnded) == 4 })
	cnt := f.counters("sales")
	if cnt[realtime.CntOffered] != 4 || cnt[realtime.CntAnswered] != 4 || cnt[realtime.CntAbandoned] != 0 {
		t.Errorf("counters %v: want 4 offered, 4 answered, no abandon (a call-back request is not one)", cnt)
	}
	var sum int64
	for _, c := range got {
		sum += c.WaitMs()
	}
	if cnt[realtime.CntSumWaitAnswered] != sum {
		t.Errorf("sum of waits %d, want %d (B's from its first entry)", cnt[realtime.CntSumWaitAnswered], sum)
	}
	if n, _ := f.store.CallbacksWaiting(context.Background(), []string{"sales"}); n["sales"] != 0 {
		t.Errorf("call-backs waiting after service %v, want 0", n)
	}
}

// A number that does not answer is tried callback.tries times, then the call ends
// callback_failed (not abandoned) and the agent is free.
func TestCallbackNoAnswerRetries(t *testing.T) {
	t.Parallel()
	f := newFloor(t, callbackConfig("1001"))
	f.login("1001")
	if _, err := f.acd.Pause(context.Background(), "1001", "break"); err != nil {
		t.Fatal(err)
	}
	req := f.requestCallback("95550009") // 9…@outbound never answers
	if _, err := f.acd.Unpause(context.Background(), "1001"); err != nil {
		t.Fatal(err)
	}
	end := f.waitEvent(20*time.Second, "the call-back to end", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallEnded && e.Call.ID == req.ID
	}).Call
	if end.Outcome != callfloor.OutcomeCallbackFailed || end.CallbackTries != 2 || !end.AnsweredAt.IsZero() {
		t.Fatalf("ended %s after %d tries (answered %v), want callback_failed after 2", end.Outcome, end.CallbackTries, end.AnsweredAt)
	}
	var tries []callfloor.Offer
	for _, o := range end.Offers {
		if strings.Contains(o.Channel, "-k") {
			tries = append(tries, o)
		}
	}
	if len(tries) != 2 || tries[0].Result != string(callfloor.OutcomeNoAnswer) || tries[1].Start.Sub(tries[0].End) < 900*time.Millisecond {
		t.Fatalf("tries %+v: want 2 unanswered, retry_every apart", tries)
	}
	testenv.Eventually(t, 3*time.Second, "agent free", func() bool { return f.agentState("1001").State == callfloor.AgentAvailable })
	cnt := f.counters("sales")
	if cnt[realtime.CntAbandoned] != 0 || cnt[realtime.CntAnswered] != 0 {
		t.Errorf("counters %v: a failed call-back is neither answered nor abandoned", cnt)
	}
}

// A key other than 1, or 1 before the offer, does not request a call-back; the frames are
// ChannelDtmfReceived as ari/v5 decodes them from the spec's shape.
func TestCallbackDTMFFrames(t *testing.T) {
	t.Parallel()
	frame := `{"type":"ChannelDtmfReceived","timestamp":"2026-12-04T10:00:01.500+0000","digit":"1","duration_ms":120,` +
		`"channel":{"id":"1733300000.42","name":"PJSIP/trunk-00000001","state":"Up","caller":{"name":"","number":"13800138000"},` +
		`"connected":{"name":"","number":""},"accountcode":"","dialplan":{"context":"from-trunk","exten":"400","priority":2,"app_name":"Stasis","app_data":"callfloor,queue=sales"},` +
		`"creationtime":"2026-12-04T10:00:00.000+0000","language":"en"},"asterisk_id":"00:11:22:33:44:55","application":"callfloor"}`
	ev, err := aril.DecodeEvent([]byte(frame))
	if err != nil {
		t.Fatal(err)
	}
	d, ok := ev.(*aril.ChannelDtmfReceived)
	if !ok || d.Digit != "1" || d.DurationMs != 120 || d.Channel.ID != "1733300000.42" {
		t.Fatalf("decoded %#v", ev)
	}

	f := newFloor(t, callbackConfig("1001"))
	// 1 before the offer (at 1 s), then 2 after it: neither requests a call-back
	ch := f.place(sim.CallerSpec{Queue: "sales", Number: "5550005", Presses: []sim.DTMFPress{{After: 100 * time.Millisecond, Digits: "1"}, {After: 1500 * time.Millisecond, Digits: "2"}}})
	f.enteredOf("5550005")
	time.Sleep(2200 * time.Millisecond)
	if n := f.countEvents(callfloor.EvCallCallbackRequested); n != 0 {
		t.Fatalf("%d call-back requests, want none", n)
	}
	// then 1, sent now
	if err := f.sim.SendDTMF(ch, "1", 0); err != nil {
		t.Fatal(err)
	}
	f.waitEvent(3*time.Second, "call-back requested", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallCallbackRequested })
}
