package sim

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func hasEvent(c *evClient, typ, id string) bool {
	for _, e := range c.snapshot() {
		if str(e["type"]) == typ && (id == "" || evID(e) == id) {
			return true
		}
	}
	return false
}

// As on Asterisk: a caller that entered Stasis from the dialplan is heard of until its
// StasisEnd only (the traces have no ChannelDestroyed for it); an application subscribed to the
// channel also gets its ChannelDestroyed, with the cause, after the StasisEnd.
func TestSubscriptionKeepsChannelDestroyed(t *testing.T) {
	s, base := startSim(t, Config{Speed: 50})
	c := dialEvents(t, base, "callfloor")
	plain, _ := s.PlaceCall(CallerSpec{Queue: "sales"})
	subd, _ := s.PlaceCall(CallerSpec{Queue: "sales"})
	waitType(t, c, "StasisStart", subd)
	if st, body := doREST(t, base, "POST", "/applications/callfloor/subscription?eventSource=channel:"+subd, nil, true); st != 200 || !strings.Contains(string(body), subd) {
		t.Fatalf("subscribe: %d %s", st, body)
	}
	if st, _ := doREST(t, base, "POST", "/applications/callfloor/subscription?eventSource=channel:nope", nil, true); st != 422 {
		t.Errorf("subscribe to a missing channel: %d, want 422", st)
	}
	_ = s.HangupChannel(plain)
	_ = s.HangupChannel(subd)
	d := waitType(t, c, "ChannelDestroyed", subd)
	if d["cause"].(float64) != 16 || d["cause_txt"] != "Normal Clearing" {
		t.Errorf("ChannelDestroyed %v", d)
	}
	var order []string
	for _, e := range c.snapshot() {
		if evID(e) == subd && (str(e["type"]) == "StasisEnd" || str(e["type"]) == "ChannelDestroyed") {
			order = append(order, str(e["type"]))
		}
	}
	if strings.Join(order, ",") != "StasisEnd,ChannelDestroyed" {
		t.Errorf("subscribed caller's events %v, want StasisEnd then ChannelDestroyed", order)
	}
	waitType(t, c, "StasisEnd", plain)
	time.Sleep(100 * time.Millisecond)
	if hasEvent(c, "ChannelDestroyed", plain) {
		t.Error("ChannelDestroyed for a caller the application is not subscribed to")
	}
}

// An originated channel answered while its application has no events socket: Asterisk logs
// "Stasis app not active" and hangs up; no StasisStart ever comes.
func TestAnswerWhileApplicationInactive(t *testing.T) {
	s, base := startSim(t, Config{})
	c := dialEvents(t, base, "callfloor")
	if st, _ := doREST(t, base, "POST", "/channels?endpoint=Local/1001@agents&app=callfloor&channelId=agent-1", nil, true); st != 200 {
		t.Fatalf("originate %d", st)
	}
	waitType(t, c, "Dial", "")
	s.EventsOutage(true)
	if c2 := tryDial(base); c2 {
		t.Error("events handshake accepted during the outage")
	}
	time.Sleep(2500 * time.Millisecond) // the agent answers after 2 s
	st := s.Stats()
	if st.StasisFailed != 1 || st.ChannelsLive != 0 {
		t.Fatalf("stats %+v, want the answered channel failed and hung up", st)
	}
	s.EventsOutage(false)
	c3 := dialEvents(t, base, "callfloor")
	time.Sleep(100 * time.Millisecond)
	if hasEvent(c, "StasisStart", "agent-1") || hasEvent(c3, "StasisStart", "agent-1") {
		t.Error("StasisStart for a channel answered while the application was inactive")
	}
}

// A crash loses every channel, bridge and socket without an event and cuts requests off at the
// network level; the restart comes back empty with a later startup time.
func TestCrashAndRestart(t *testing.T) {
	s, base := startSim(t, Config{Speed: 50})
	c := dialEvents(t, base, "callfloor")
	id, _ := s.PlaceCall(CallerSpec{Queue: "sales"})
	waitType(t, c, "StasisStart", id)
	_, info := doREST(t, base, "GET", "/asterisk/info", nil, true)
	s.Crash()
	if !c.waitUntil(5*time.Second, func([]map[string]any) bool { c.mu.Lock(); defer c.mu.Unlock(); return c.closed }) {
		t.Fatal("socket not closed by the crash")
	}
	if hasEvent(c, "StasisEnd", id) {
		t.Error("events sent by a crashed Asterisk")
	}
	if st := s.Stats(); st.ChannelsLive != 0 || st.BridgesLive != 0 {
		t.Errorf("after crash: %+v", st)
	}
	s.Restart()
	st, info2 := doREST(t, base, "GET", "/asterisk/info", nil, true)
	var a, b struct {
		Status struct {
			StartupTime string `json:"startup_time"`
		} `json:"status"`
	}
	_ = json.Unmarshal(info, &a)
	_ = json.Unmarshal(info2, &b)
	if st != 200 || a.Status.StartupTime == "" || b.Status.StartupTime <= a.Status.StartupTime {
		t.Errorf("startup time %q then %q (status %d), want later after the restart", a.Status.StartupTime, b.Status.StartupTime, st)
	}
}

// tryDial reports whether an events handshake for callfloor succeeds.
func tryDial(base string) bool {
	u := "ws" + strings.TrimPrefix(base, "http") + "/ari/events?app=callfloor&api_key=callfloor:callfloor-test"
	ws, _, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		return false
	}
	ws.Close()
	return true
}

// A restarted Asterisk has no memory of the bridges it destroyed before the crash: deleting
// one again is 404 Bridge not found, not the 409 it answers shortly after a destruction.
func TestRestartForgetsDestroyedBridges(t *testing.T) {
	s, base := startSim(t, Config{})
	dialEvents(t, base, "callfloor")
	if st, body := doREST(t, base, "POST", "/bridges?bridgeId=b-1&type=mixing", nil, true); st != 200 {
		t.Fatalf("create bridge: %d %s", st, body)
	}
	if st, _ := doREST(t, base, "DELETE", "/bridges/b-1", nil, true); st != 204 {
		t.Fatalf("delete bridge: %d", st)
	}
	if st, _ := doREST(t, base, "DELETE", "/bridges/b-1", nil, true); st != 409 {
		t.Fatalf("delete a just-destroyed bridge: %d, want 409 as in the traces", st)
	}
	s.Crash()
	s.Restart()
	if st, body := doREST(t, base, "DELETE", "/bridges/b-1", nil, true); st != 404 || !strings.Contains(string(body), "Bridge not found") {
		t.Errorf("delete after the restart: %d %s, want 404 Bridge not found", st, body)
	}
}
