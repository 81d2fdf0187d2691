package ari

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	aril "github.com/CyCoreSystems/ari/v5"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func stasisStart(id string) string {
	return `{"type":"StasisStart","timestamp":"2026-11-22T05:51:22.476+0000","args":["queue=sales"],"channel":{"id":"` + id + `","name":"Local/sales@from-caller-00000000;2","state":"Ring","protocol_id":"","caller":{"name":"Customer","number":"5550100"},"connected":{"name":"Customer","number":"5550100"},"accountcode":"","dialplan":{"context":"from-caller","exten":"sales","priority":2,"app_name":"Stasis","app_data":"callfloor,queue=sales"},"creationtime":"2026-11-22T05:51:22.476+0000","language":"en"},"asterisk_id":"02:fc:00:00:00:01","application":"callfloor"}`
}

func channelEvent(typ, id, ts, creation string) string {
	return `{"type":"` + typ + `","timestamp":"` + ts + `","channel":{"id":"` + id + `","name":"Local/sales@from-caller-00000000;2","state":"Up","protocol_id":"","caller":{"name":"","number":""},"connected":{"name":"","number":""},"accountcode":"","dialplan":{"context":"from-caller","exten":"sales","priority":2,"app_name":"Stasis","app_data":""},"creationtime":"` + creation + `","language":"en"},"asterisk_id":"02:fc:00:00:00:01","application":"callfloor"}`
}

func channelID(ev aril.Event) string {
	switch e := ev.(type) {
	case *aril.StasisStart:
		return e.Channel.ID
	case *aril.StasisEnd:
		return e.Channel.ID
	case *aril.ChannelStateChange:
		return e.Channel.ID
	case *aril.ChannelDestroyed:
		return e.Channel.ID
	case *aril.ChannelHangupRequest:
		return e.Channel.ID
	}
	return ""
}

func counter(t *testing.T, c *Client, name string, labels ...string) float64 {
	t.Helper()
	m := c.metrics
	lv := append([]string{c.cfg.Name}, labels...)
	switch name {
	case "events":
		return testutil.ToFloat64(m.Events.WithLabelValues(lv...))
	case "skipped":
		return testutil.ToFloat64(m.EventsSkipped.WithLabelValues(lv...))
	case "reconnects":
		return testutil.ToFloat64(m.Reconnects.WithLabelValues(lv...))
	case "connect_failures":
		return testutil.ToFloat64(m.ConnectFailures.WithLabelValues(lv...))
	case "connected":
		return testutil.ToFloat64(m.Connected.WithLabelValues(lv...))
	case "buffer_full":
		return testutil.ToFloat64(m.BufferFull.WithLabelValues(lv...))
	}
	t.Fatalf("unknown metric %s", name)
	return 0
}

// TestRunConnects: the handshake Asterisk expects, entity id, Node, gauge.
func TestRunConnects(t *testing.T) {
	f := newFakeARI(t)
	c, _, _ := testClient(t, f.URL(), nil)
	h := newRecHandler(t)
	stop := startRun(t, c, h)

	if h.waitConnected(t, 5*time.Second) {
		t.Error("first Connected has reconnect=true")
	}
	n := <-h.nodes
	if n.Name != "pbx1" || n.EntityID != testEntityID || !n.Connected || !n.StartedAt.Equal(time.Date(2026, 11, 22, 5, 50, 0, 0, time.UTC)) {
		t.Errorf("Connected node %+v", n)
	}
	if got := c.Node(); got != n {
		t.Errorf("Node() = %+v, want %+v", got, n)
	}
	if counter(t, c, "connected") != 1 {
		t.Error("connected gauge not 1")
	}
	f.mu.Lock()
	q, _ := url.ParseQuery(f.wsQuery[0])
	auth := f.wsAuth[0]
	f.mu.Unlock()
	if q.Get("app") != "callfloor" || q.Get("subscribeAll") != "false" || !auth {
		t.Errorf("handshake query %v, basic auth %v", q, auth)
	}
	conn := f.nextConn(t, time.Second)
	send(t, conn, stasisStart("caller-1-leg2"))
	if ev := h.waitEvent(t, 2*time.Second); channelID(ev) != "caller-1-leg2" || ev.GetNode() != testEntityID {
		t.Errorf("event %#v", ev)
	}

	stop()
	if c.Node().Connected || counter(t, c, "connected") != 0 {
		t.Error("still connected after Run returned")
	}
	// Run closed the socket.
	_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, _, err := conn.ReadMessage(); err == nil {
		t.Error("socket still open after Run returned")
	}
}

// TestRunPasswordNotInURL: the ARI password travels in the Authorization header only: not as
// api_key in the events URL, not as userinfo (URLs end up in logs and proxies).
func TestRunPasswordNotInURL(t *testing.T) {
	f := newFakeARI(t)
	check := func(name string) {
		t.Helper()
		f.mu.Lock()
		defer f.mu.Unlock()
		for i, q := range f.wsQuery {
			if strings.Contains(q, testPass) || strings.Contains(q, "api_key") {
				t.Errorf("%s: events handshake %d carries the password in its URL: %s", name, i, q)
			}
			if !f.wsAuth[i] {
				t.Errorf("%s: events handshake %d without basic auth", name, i)
			}
		}
		for _, r := range f.reqs {
			if strings.Contains(r.RequestURI, testPass) || !r.Auth {
				t.Errorf("%s: request %s %s: password in URL or no basic auth (auth %v)", name, r.Method, r.RequestURI, r.Auth)
			}
		}
	}
	withUser := strings.Replace(f.URL(), "http://", "http://"+testUser+":"+testPass+"@", 1)
	for _, u := range []string{f.URL(), withUser} {
		c, _, logs := testClient(t, u, nil)
		h := newRecHandler(t)
		stop := startRun(t, c, h)
		h.waitConnected(t, 5*time.Second)
		if err := c.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
		stop()
		if strings.Contains(logs.String(), testPass) {
			t.Errorf("the password is in the logs: %s", logs.String())
		}
		check(u)
	}
}

// TestRunServerDown: Run does not block while Asterisk is down, retries
// with backoff, logs and counts failures, then connects when it comes up.
func TestRunServerDown(t *testing.T) {
	addr := freeAddr(t)
	c, _, logs := testClient(t, "http://"+addr, nil)
	h := newRecHandler(t)

	started := time.Now()
	startRun(t, c, h)
	if time.Since(started) > 100*time.Millisecond {
		t.Fatal("starting Run blocked")
	}
	eventuallyTrue(t, 3*time.Second, "3 connect failures", func() bool { return counter(t, c, "connect_failures") >= 3 })
	if c.Node().Connected || counter(t, c, "connected") != 0 {
		t.Error("connected while server down")
	}
	select {
	case <-h.connected:
		t.Fatal("Connected called while server down")
	default:
	}
	l := logs.String()
	if !strings.Contains(l, "level=WARN msg=\"ari connect failed\" node=pbx1 url=http://"+addr) ||
		!strings.Contains(l, "retry_in=") || !strings.Contains(l, "connection refused") {
		t.Errorf("failure log:\n%s", l)
	}

	// Asterisk comes up on that address.
	f := newUnstartedFakeARI(t)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", addr, err)
	}
	f.srv.Listener.Close()
	f.srv.Listener = ln
	f.srv.Start()

	if h.waitConnected(t, 5*time.Second) {
		t.Error("first successful connect reported as reconnect")
	}
	if counter(t, c, "connected") != 1 || counter(t, c, "reconnects") != 0 {
		t.Errorf("connected=%v reconnects=%v", counter(t, c, "connected"), counter(t, c, "reconnects"))
	}
	conn := f.nextConn(t, time.Second)
	send(t, conn, stasisStart("a"))
	if ev := h.waitEvent(t, 2*time.Second); channelID(ev) != "a" {
		t.Errorf("event %v", ev)
	}
}

// TestRunReconnect: the server drops the socket; Disconnected, then
// Connected(reconnect=true), reconnects_total, events flow again.
func TestRunReconnect(t *testing.T) {
	f := newFakeARI(t)
	c, _, logs := testClient(t, f.URL(), nil)
	h := newRecHandler(t)
	startRun(t, c, h)

	h.waitConnected(t, 5*time.Second)
	conn := f.nextConn(t, time.Second)
	send(t, conn, stasisStart("before"))
	if ev := h.waitEvent(t, 2*time.Second); channelID(ev) != "before" {
		t.Fatalf("event %v", ev)
	}
	conn.Close() // Asterisk restarts / the socket breaks

	if err := h.waitDisconnected(t, 5*time.Second); err == nil {
		t.Error("Disconnected(nil)")
	}
	if !h.waitConnected(t, 5*time.Second) {
		t.Error("Connected after reconnect has reconnect=false")
	}
	if n := counter(t, c, "reconnects"); n != 1 {
		t.Errorf("reconnects_total = %v", n)
	}
	if counter(t, c, "connected") != 1 || !c.Node().Connected {
		t.Error("not connected after reconnect")
	}
	conn2 := f.nextConn(t, time.Second)
	send(t, conn2, stasisStart("after"))
	if ev := h.waitEvent(t, 2*time.Second); channelID(ev) != "after" {
		t.Errorf("event after reconnect %v", ev)
	}
	if !strings.Contains(logs.String(), `level=WARN msg="ari reconnected; handler reconciles"`) {
		t.Errorf("no reconnect warning:\n%s", logs.String())
	}
}

// TestRunConnectedGatesEvents: events of a connection are delivered only
// after Connected returns, and none is lost meanwhile; a Connected error
// closes the connection and retries.
func TestRunConnectedGatesEvents(t *testing.T) {
	f := newFakeARI(t)
	c, _, logs := testClient(t, f.URL(), nil)
	h := newRecHandler(t)
	calls := 0
	h.connectedHook = func(ctx context.Context, n NodeInfo, reconnect bool) error {
		calls++
		var conn *websocket.Conn
		select {
		case conn = <-f.conns:
		case <-time.After(2 * time.Second):
			t.Error("no socket")
			return nil
		}
		if calls == 1 {
			if reconnect {
				t.Error("first Connected with reconnect=true")
			}
			return errors.New("reconcile failed")
		}
		if reconnect {
			t.Error("Connected after a failed Connected has reconnect=true")
		}
		// While the handler reconciles, Asterisk sends events: they wait.
		for _, id := range []string{"during-reconcile-1", "during-reconcile-2"} {
			if err := conn.WriteMessage(websocket.TextMessage, []byte(stasisStart(id))); err != nil {
				t.Error(err)
			}
		}
		time.Sleep(50 * time.Millisecond)
		if len(h.events) != 0 {
			t.Error("event delivered before Connected returned")
		}
		return nil
	}
	startRun(t, c, h)
	h.waitConnected(t, 5*time.Second) // the failing one
	h.waitConnected(t, 5*time.Second)
	for _, want := range []string{"during-reconcile-1", "during-reconcile-2"} {
		if ev := h.waitEvent(t, 2*time.Second); channelID(ev) != want {
			t.Errorf("got %s, want %s", channelID(ev), want)
		}
	}
	if counter(t, c, "connect_failures") != 1 || !strings.Contains(logs.String(), "reconcile failed") {
		t.Errorf("Connected error not counted/logged: failures=%v", counter(t, c, "connect_failures"))
	}
}

// TestRunSkipsUndecodable: unknown types and malformed frames are skipped
// and counted; the events around them arrive in order; timestamps in
// other formats are normalised; the connection stays up.
func TestRunSkipsUndecodable(t *testing.T) {
	f := newFakeARI(t)
	c, _, logs := testClient(t, f.URL(), nil)
	h := newRecHandler(t)
	startRun(t, c, h)
	h.waitConnected(t, 5*time.Second)
	conn := f.nextConn(t, time.Second)

	send(t, conn,
		stasisStart("1"),
		`{"type":"ApplicationRegistered","timestamp":"2026-11-22T05:51:22.476+0000","application":"callfloor","asterisk_id":"02:fc:00:00:00:01"}`,
		`this is not JSON`,
		channelEvent("ChannelStateChange", "2", "2026-11-22T05:51:22.476+0000", "2026-11-22T05:51:22.476+0000"),
		`{"timestamp":"2026-11-22T05:51:22.476+0000","application":"callfloor"}`,
		`{"type":"ChannelTransfer","timestamp":"2026-11-22T05:51:22.476+0000"}`,
		`{"type":"CallBroadcast"}`,
		`{"type":"ChannelStateChange","channel":{"id":3}}`,
		`[]`,
		channelEvent("StasisEnd", "4", "2026-11-22T05:51:22Z", "2026-11-22T05:51:22.476+0000"),
		channelEvent("ChannelHangupRequest", "5", "2026-11-22T05:51:22.476+00:00", "2026-11-22T05:51:20+00:00"),
		channelEvent("ChannelDestroyed", "6", "2026-11-22T05:51:23.123456Z", "2026-11-22T05:51:20.5+0000"),
		stasisStart("7"),
	)
	want := []struct{ typ, id string }{
		{"StasisStart", "1"}, {"ChannelStateChange", "2"}, {"StasisEnd", "4"},
		{"ChannelHangupRequest", "5"}, {"ChannelDestroyed", "6"}, {"StasisStart", "7"},
	}
	var got []aril.Event
	for _, w := range want {
		ev := h.waitEvent(t, 2*time.Second)
		got = append(got, ev)
		if ev.GetType() != w.typ || channelID(ev) != w.id {
			t.Errorf("got %s %s, want %s %s", ev.GetType(), channelID(ev), w.typ, w.id)
		}
	}
	wantTS := time.Date(2026, 11, 22, 5, 51, 22, 0, time.UTC)
	if ts := time.Time(got[2].(*aril.StasisEnd).Timestamp); !ts.Equal(wantTS) {
		t.Errorf("Z timestamp decoded as %v", ts)
	}
	hr := got[3].(*aril.ChannelHangupRequest)
	if ts := time.Time(hr.Timestamp); !ts.Equal(wantTS.Add(476 * time.Millisecond)) {
		t.Errorf("+00:00 timestamp decoded as %v", ts)
	}
	if ct := hr.Channel.Creationtime; ct == nil || ct.Seconds != time.Date(2026, 11, 22, 5, 51, 20, 0, time.UTC).Unix() {
		t.Errorf("nested creationtime decoded as %v", ct)
	}
	if ts := time.Time(got[4].(*aril.ChannelDestroyed).Timestamp); !ts.Equal(wantTS.Add(time.Second + 123*time.Millisecond)) {
		t.Errorf("microsecond timestamp decoded as %v", ts)
	}
	if n := counter(t, c, "skipped", SkipUnknownType); n != 3 {
		t.Errorf("skipped unknown_type = %v, want 3", n)
	}
	if n := counter(t, c, "skipped", SkipMalformed); n != 4 {
		t.Errorf("skipped malformed = %v, want 4", n)
	}
	if counter(t, c, "events", "StasisStart") != 2 || counter(t, c, "events", "StasisEnd") != 1 {
		t.Error("events_total wrong")
	}
	select {
	case err := <-h.disconnected:
		t.Errorf("connection dropped: %v", err)
	default:
	}
	if counter(t, c, "reconnects") != 0 || counter(t, c, "connected") != 1 {
		t.Error("connection not kept")
	}
	// Rate-limited log: one line per reason in the interval.
	l := logs.String()
	if n := strings.Count(l, `msg="ari event skipped" node=pbx1 reason=unknown_type`); n != 1 {
		t.Errorf("%d unknown_type log lines, want 1:\n%s", n, l)
	}
	if n := strings.Count(l, `msg="ari event skipped" node=pbx1 reason=malformed`); n != 1 {
		t.Errorf("%d malformed log lines, want 1:\n%s", n, l)
	}
}

func readTraces(t *testing.T) (frames []string, types []string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(tracesDir(t), "*.jsonl"))
	if len(files) == 0 {
		t.Fatal("no traces in " + tracesDir(t))
	}
	for _, fn := range files {
		f, err := os.Open(fn)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" {
				continue
			}
			var hdr struct{ Type string }
			if err := jsonUnmarshal(line, &hdr); err != nil {
				t.Fatalf("%s: %v", fn, err)
			}
			frames = append(frames, line)
			types = append(types, hdr.Type)
		}
		f.Close()
	}
	return frames, types
}

// TestRunReplaysAsteriskTraces: every event real Asterisk 22 sent in the
// recorded scenarios is decoded and delivered, in order, none skipped.
func TestRunReplaysAsteriskTraces(t *testing.T) {
	frames, types := readTraces(t)
	f := newFakeARI(t)
	c, _, _ := testClient(t, f.URL(), nil)
	h := newRecHandler(t)
	startRun(t, c, h)
	h.waitConnected(t, 5*time.Second)
	conn := f.nextConn(t, time.Second)
	go func() {
		for _, fr := range frames {
			if conn.WriteMessage(websocket.TextMessage, []byte(fr)) != nil {
				return
			}
		}
	}()
	perType := map[string]int{}
	for i, typ := range types {
		ev := h.waitEvent(t, 5*time.Second)
		if ev.GetType() != typ {
			t.Fatalf("event %d: got %s, want %s", i, ev.GetType(), typ)
		}
		if ev.GetNode() != testEntityID || ev.GetApplication() != "callfloor" {
			t.Errorf("event %d: node %q app %q", i, ev.GetNode(), ev.GetApplication())
		}
		perType[typ]++
	}
	for typ, n := range perType {
		if got := counter(t, c, "events", typ); got != float64(n) {
			t.Errorf("events_total{type=%s} = %v, want %d", typ, got, n)
		}
	}
	if s := counter(t, c, "skipped", SkipUnknownType) + counter(t, c, "skipped", SkipMalformed); s != 0 {
		t.Errorf("%v trace events skipped", s)
	}
	t.Logf("replayed %d events of %d types", len(frames), len(perType))
}

// TestRunApplicationReplaced: logged at Error, delivered, Disconnected
// with ErrApplicationReplaced, and no reconnect before MaxBackoff.
func TestRunApplicationReplaced(t *testing.T) {
	f := newFakeARI(t)
	c, _, logs := testClient(t, f.URL(), func(cfg *Config) { cfg.MaxBackoff = 400 * time.Millisecond })
	h := newRecHandler(t)
	startRun(t, c, h)
	h.waitConnected(t, 5*time.Second)
	conn := f.nextConn(t, time.Second)

	send(t, conn, `{"type":"ApplicationReplaced","timestamp":"2026-11-22T05:51:22.476+0000","application":"callfloor","asterisk_id":"02:fc:00:00:00:01"}`)
	if ev := h.waitEvent(t, 2*time.Second); ev.GetType() != "ApplicationReplaced" {
		t.Errorf("event %s", ev.GetType())
	}
	if err := h.waitDisconnected(t, 2*time.Second); !errors.Is(err, ErrApplicationReplaced) {
		t.Errorf("Disconnected(%v)", err)
	}
	replacedAt := time.Now()
	if c.Node().Connected || counter(t, c, "connected") != 0 {
		t.Error("still connected after ApplicationReplaced")
	}
	// The client closed its socket.
	_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, _, err := conn.ReadMessage(); err == nil {
		t.Error("socket not closed")
	}
	if !h.waitConnected(t, 5*time.Second) {
		t.Error("reconnect after ApplicationReplaced not flagged")
	}
	if el := time.Since(replacedAt); el < 350*time.Millisecond {
		t.Errorf("reconnected after %v, want >= MaxBackoff (400ms)", el)
	}
	if counter(t, c, "events", "ApplicationReplaced") != 1 {
		t.Error("ApplicationReplaced not counted")
	}
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "ApplicationReplaced") {
		t.Errorf("no error log:\n%s", logs.String())
	}
}

// TestRunEventFilter: the filter is PUT after every connect, before
// Connected, with Asterisk's body shape.
func TestRunEventFilter(t *testing.T) {
	f := newFakeARI(t)
	c, _, _ := testClient(t, f.URL(), func(cfg *Config) {
		cfg.EventFilter = []string{"StasisStart", "StasisEnd", "ChannelDestroyed"}
	})
	h := newRecHandler(t)
	h.connectedHook = func(context.Context, NodeInfo, bool) error {
		f.mu.Lock()
		n := len(f.filters)
		f.mu.Unlock()
		if n == 0 {
			t.Error("Connected called before the event filter was set")
		}
		return nil
	}
	startRun(t, c, h)
	h.waitConnected(t, 5*time.Second)
	f.nextConn(t, time.Second).Close()
	h.waitConnected(t, 5*time.Second)

	f.mu.Lock()
	filters := append([]string(nil), f.filters...)
	f.mu.Unlock()
	if len(filters) != 2 {
		t.Fatalf("%d filter PUTs for 2 connects", len(filters))
	}
	want := `{"allowed":[{"type":"StasisStart"},{"type":"StasisEnd"},{"type":"ChannelDestroyed"}]}`
	for _, b := range filters {
		if !jsonEqual(b, want) {
			t.Errorf("filter body %s, want %s", b, want)
		}
	}
	var sawPut bool
	for _, r := range f.requests() {
		if r.Method == "PUT" {
			sawPut = true
			if r.RequestURI != "/ari/applications/callfloor/eventFilter" {
				t.Errorf("filter PUT to %s", r.RequestURI)
			}
		}
	}
	if !sawPut {
		t.Error("no PUT seen")
	}
}

// TestRunNoFilterWhenUnset: empty EventFilter sends no PUT.
func TestRunNoFilterWhenUnset(t *testing.T) {
	f := newFakeARI(t)
	c, _, _ := testClient(t, f.URL(), nil)
	h := newRecHandler(t)
	startRun(t, c, h)
	h.waitConnected(t, 5*time.Second)
	for _, r := range f.requests() {
		if r.Method == "PUT" {
			t.Errorf("unexpected %s %s", r.Method, r.RequestURI)
		}
	}
}

// TestRunBackPressure: a slow handler with a tiny buffer loses nothing.
func TestRunBackPressure(t *testing.T) {
	f := newFakeARI(t)
	c, _, _ := testClient(t, f.URL(), func(cfg *Config) { cfg.BufferSize = 4 })
	h := newRecHandler(t)
	gate := make(chan struct{})
	first := true
	h.eventHook = func(aril.Event) {
		if first {
			first = false
			<-gate // the handler stalls on the first event
		}
	}
	startRun(t, c, h)
	h.waitConnected(t, 5*time.Second)
	conn := f.nextConn(t, time.Second)

	const n = 2000
	go func() {
		for i := range n {
			if conn.WriteMessage(websocket.TextMessage, []byte(stasisStart(fmt.Sprint(i)))) != nil {
				return
			}
		}
	}()
	eventuallyTrue(t, 5*time.Second, "buffer full", func() bool { return counter(t, c, "buffer_full") > 0 })
	eventuallyTrue(t, 5*time.Second, "buffer depth 4", func() bool {
		return testutil.ToFloat64(c.metrics.BufferDepth.WithLabelValues("pbx1")) == 4
	})
	close(gate)
	for i := range n {
		ev := h.waitEvent(t, 5*time.Second)
		if channelID(ev) != fmt.Sprint(i) {
			t.Fatalf("event %d: got %s", i, channelID(ev))
		}
	}
	if counter(t, c, "events", "StasisStart") != n {
		t.Error("events_total wrong")
	}
	select {
	case err := <-h.disconnected:
		t.Errorf("disconnected under back-pressure: %v", err)
	default:
	}
}

func TestBackoff(t *testing.T) {
	c := New(Config{MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second})
	for attempt, max := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		max *= time.Millisecond
		if attempt == 5 {
			attempt = 100 // no overflow
		}
		for range 50 {
			d := c.backoff(attempt)
			if d < max/2 || d > max {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", attempt, d, max/2, max)
			}
		}
	}
}

func TestNormaliseTime(t *testing.T) {
	for in, want := range map[string]string{
		"2026-11-22T05:51:22.476+0000":  "2026-11-22T05:51:22.476+0000",
		"2026-11-22T05:51:22.476Z":      "2026-11-22T05:51:22.476+0000",
		"2026-11-22T05:51:22Z":          "2026-11-22T05:51:22.000+0000",
		"2026-11-22T05:51:22+00:00":     "2026-11-22T05:51:22.000+0000",
		"2026-11-22T07:51:22.5+02:00":   "2026-11-22T07:51:22.500+0200",
		"2026-11-22T05:51:22-0500":      "2026-11-22T05:51:22.000-0500",
		"2026-11-22T05:51:22.123456Z":   "2026-11-22T05:51:22.123+0000",
		"2026-11-22 05:51:22.476+00:00": "2026-11-22T05:51:22.476+0000",
	} {
		got, ok := normaliseTime(in)
		if !ok || got != want {
			t.Errorf("normaliseTime(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := normaliseTime("yesterday"); ok {
		t.Error("garbage accepted")
	}
}
