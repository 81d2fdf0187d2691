package telephony_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
)

// An agent who dials while callfloor reconciles after a (re)connect: the channel list was
// asked for before the dial, so the agent's new channel is not in it; the call must not be
// taken for one whose agent hung up during the outage (found in CI under load: the outbound
// call ended "gone during disconnect" 10 ms after it began).
func TestDialDuringReconcile(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001"))
	f.login("1001")
	f.stop()
	target, err := url.Parse(f.simURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(r *http.Response) error {
		if r.Request.Method == "GET" && strings.HasSuffix(r.Request.URL.Path, "/ari/channels") {
			time.Sleep(800 * time.Millisecond) // the list is taken; the dial happens before it arrives
		}
		return nil
	}
	slowList := httptest.NewServer(proxy)
	t.Cleanup(slowList.Close)
	f.startOn(slowList.URL+strings.TrimPrefix(f.simURL, target.Scheme+"://"+target.Host), "pbx1")
	deadline := time.Now().Add(5 * time.Second)
	for !f.client.Node().Connected {
		if time.Now().After(deadline) {
			t.Fatal("not connected within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := f.acd.Dial(context.Background(), "1001", "5551234"); err != nil {
		t.Fatal(err)
	}
	c := f.ended(8 * time.Second)
	if c.Outcome != callfloor.OutcomeAnswered || c.HangupBy != callfloor.HangupCaller {
		t.Fatalf("a call dialled during the reconciliation ended %s by %s (%s), want answered and hung up by the customer", c.Outcome, c.HangupBy, c.CauseText)
	}
}
