package telephony_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/telephony"
)

// restLog sits between the ACD and the simulator and notes every REST request ("DELETE
// /ari/channels/cf-…-p1"); events pass through (WebSocket upgrade).
type restLog struct {
	mu   sync.Mutex
	reqs []string
}

func (f *dialFloor) logREST() *restLog {
	f.t.Helper()
	target, err := url.Parse(f.simURL)
	if err != nil {
		f.t.Fatal(err)
	}
	rl := &restLog{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rl.mu.Lock()
		rl.reqs = append(rl.reqs, r.Method+" "+r.URL.Path)
		rl.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	f.t.Cleanup(srv.Close)
	f.simURL = srv.URL + strings.TrimPrefix(f.simURL, target.Scheme+"://"+target.Host)
	return rl
}

func (rl *restLog) count(req string) int {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	n := 0
	for _, r := range rl.reqs {
		if r == req {
			n++
		}
	}
	return n
}

// droppedCall runs a ratio campaign of two answering customers for one agent: one talks with
// the agent, the other is dropped after the drop wait; it returns the dropped call's end.
func droppedCall(t *testing.T, talk time.Duration) (*dialFloor, *restLog, *callfloor.Call) {
	f := newDialFloor(t, 1, byPrefix(200*time.Millisecond, talk), telephony.DialerOptions{DropWait: 500 * time.Millisecond, DropPlayFor: 5 * time.Second})
	rl := f.logREST()
	f.campaign("drop", callfloor.PaceRatio, phones("138", 2), nil)
	f.start()
	f.login("1001")
	e := f.waitEvent(20*time.Second, "the dropped call's end", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallEnded && e.Call.CampaignID == "drop" && e.Call.Outcome == callfloor.OutcomeAbandoned
	})
	return f, rl, e.Call
}

// A dropped customer hears the whole message and is hung up when its PlaybackFinished comes,
// not on a timer: with the message 1.1 s long and the fallback at twice 5 s, the call ends
// 1.1 s after the drop, well before the fallback.
func TestDialerDropHangsUpOnPlaybackFinished(t *testing.T) {
	t.Parallel()
	f, rl, c := droppedCall(t, 20*time.Second)
	held := c.EndedAt.Sub(c.AnsweredAt)
	if held < 1500*time.Millisecond || held > 3500*time.Millisecond {
		t.Errorf("the dropped customer was held %v after answering, want the drop wait (0.5 s) plus the message (1.1 s)", held)
	}
	if c.HangupBy != callfloor.HangupSystem {
		t.Errorf("dropped call hung up by %s, want system", c.HangupBy)
	}
	// the call's end is published before its hang-up is sent
	del := "DELETE /ari/channels/" + c.CustomerChannel
	testenv.Eventually(t, 5*time.Second, "the dropped customer's channel hung up", func() bool { return rl.count(del) >= 1 })
	testenv.Eventually(t, 5*time.Second, "the drop recorded", func() bool { return countResults(f.attempts("drop"))["dropped"] == 1 })
	if n := rl.count(del); n != 1 {
		t.Errorf("%d hang-ups of the dropped customer's channel, want 1", n)
	}
}

// A dropped customer who hangs up during the message ends the call as theirs, and callfloor
// sends no hang-up of its own (the playback's PlaybackFinished, state failed, comes first).
func TestDialerDropCustomerHangsUpDuringMessage(t *testing.T) {
	t.Parallel()
	f, rl, c := droppedCall(t, 1100*time.Millisecond) // 0.6 s into the 1.1 s message
	if c.HangupBy != callfloor.HangupCaller {
		t.Errorf("dropped call hung up by %s, want the customer", c.HangupBy)
	}
	time.Sleep(2 * time.Second) // any late hang-up of ours
	if n := rl.count("DELETE /ari/channels/" + c.CustomerChannel); n != 0 {
		t.Errorf("%d hang-ups of a customer who hung up during the message, want none", n)
	}
	testenv.Eventually(t, 5*time.Second, "the drop recorded", func() bool { return countResults(f.attempts("drop"))["dropped"] == 1 })
}
