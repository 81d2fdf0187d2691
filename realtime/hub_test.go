package realtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

type hubEnv struct {
	s   *realtime.Store
	cfg *floorCfg
	hub *realtime.Hub
	srv *httptest.Server
	url string
	reg *prometheus.Registry
}

// smallBufListener shrinks the kernel send buffer of accepted connections, so that a client
// that stops reading fills the server's send queue after a few messages, not megabytes.
type smallBufListener struct{ net.Listener }

func (l smallBufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096)
	}
	return c, err
}

func newHubEnv(t testing.TB, o realtime.HubOptions, small bool) *hubEnv {
	t.Helper()
	rdb, prefix := testenv.Redis(t)
	s := realtime.New(rdb, prefix)
	cfg := &floorCfg{queues: []callfloor.Queue{{Name: "sales", WaitingAmber: 1, WaitingRed: 3}, {Name: "support"}}}
	e := &hubEnv{s: s, cfg: cfg, reg: prometheus.NewRegistry()}
	o.KPI, o.Store, o.Registerer = cfg.kpi(s), s, e.reg
	if o.Coalesce == 0 {
		o.Coalesce = 10 * time.Millisecond
	}
	e.hub = realtime.NewHub(o)
	e.srv = httptest.NewUnstartedServer(e.hub)
	if small {
		e.srv.Listener = smallBufListener{e.srv.Listener}
	}
	e.srv.Start()
	e.url = "ws" + strings.TrimPrefix(e.srv.URL, "http")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = e.hub.Run(ctx) }()
	t.Cleanup(func() { cancel(); e.srv.CloseClientConnections(); e.srv.Close(); <-done })
	return e
}

type wsMsg struct {
	Type    string    `json:"type"`
	Sub     string    `json:"sub"`
	Seq     int64     `json:"seq"`
	At      time.Time `json:"at"`
	Code    string    `json:"code"`
	Message string    `json:"message"`
	ID      string    `json:"id"`
	Data    struct {
		Queues []realtime.QueueView `json:"queues"`
		Agents []realtime.AgentView `json:"agents"`
		Team   *realtime.TeamView   `json:"team"`
		Floor  *realtime.FloorView  `json:"floor"`
		Teams  []realtime.TeamView  `json:"teams"`
	} `json:"data"`
}

func dial(t testing.TB, url string, h http.Header) *websocket.Conn {
	t.Helper()
	c, resp, err := websocket.DefaultDialer.Dial(url, h)
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func send(t testing.TB, c *websocket.Conn, v any) {
	t.Helper()
	var err error
	if s, ok := v.(string); ok {
		err = c.WriteMessage(websocket.TextMessage, []byte(s))
	} else {
		err = c.WriteJSON(v)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func recv(t testing.TB, c *websocket.Conn, within time.Duration) wsMsg {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(within))
	_, b, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	var m wsMsg
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("server sent %s: %v", b, err)
	}
	return m
}

func subscribe(id string, v realtime.View) map[string]any {
	return map[string]any{"type": "subscribe", "id": id, "view": v}
}

// waitFor reads messages until cond accepts one, checking that seq grows by one.
func waitFor(t testing.TB, c *websocket.Conn, lastSeq *int64, what string, cond func(wsMsg) bool) wsMsg {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		m := recv(t, c, time.Until(deadline))
		if m.Type == "delta" || m.Type == "snapshot" {
			if m.Seq != *lastSeq+1 {
				t.Fatalf("seq %d after %d: a gap", m.Seq, *lastSeq)
			}
			*lastSeq = m.Seq
		}
		if cond(m) {
			return m
		}
	}
	t.Fatalf("no message with %s", what)
	return wsMsg{}
}

func agentIn(vs []realtime.AgentView, id string) *realtime.AgentView {
	for i := range vs {
		if vs[i].Agent == id {
			return &vs[i]
		}
	}
	return nil
}

func TestHubSnapshotThenDeltas(t *testing.T) {
	e := newHubEnv(t, realtime.HubOptions{}, false)
	e.cfg.addAgent(t, e.s, "a1", "t1", "sales")
	e.cfg.addAgent(t, e.s, "a2", "t1", "support")
	c := dial(t, e.url, nil)
	var seq int64

	send(t, c, subscribe("q", realtime.View{Kind: "queues", Queues: []string{"sales"}}))
	m := waitFor(t, c, &seq, "queue snapshot", func(m wsMsg) bool { return m.Type == "snapshot" })
	if m.Sub != "q" || m.Seq != 1 || len(m.Data.Queues) != 1 || m.Data.Queues[0].Queue != "sales" || m.Data.Queues[0].Agents.LoggedOut != 1 {
		t.Fatalf("snapshot = %+v", m)
	}
	send(t, c, subscribe("me", realtime.View{Kind: "agent", Agent: "a1"}))
	m = waitFor(t, c, &seq, "agent snapshot", func(m wsMsg) bool { return m.Type == "snapshot" })
	if m.Sub != "me" || len(m.Data.Agents) != 1 || m.Data.Agents[0].State != callfloor.AgentLoggedOut {
		t.Fatalf("agent snapshot = %+v", m)
	}
	send(t, c, subscribe("team", realtime.View{Kind: "team", Team: "t1"}))
	m = waitFor(t, c, &seq, "team snapshot", func(m wsMsg) bool { return m.Type == "snapshot" })
	if m.Data.Team == nil || m.Data.Team.Agents.LoggedOut != 2 || len(m.Data.Agents) != 2 {
		t.Fatalf("team snapshot = %+v", m)
	}

	// a1 logs in: the queue tile, a1's tile and the team change; a2's tile does not.
	changed := time.Now()
	move(t, e.s, realtime.Transition{Agent: "a1", To: callfloor.AgentAvailable, Now: changed})
	var gotQ, gotA, gotT bool
	for !(gotQ && gotA && gotT) {
		m = waitFor(t, c, &seq, "deltas for a1", func(m wsMsg) bool { return m.Type == "delta" })
		switch m.Sub {
		case "q":
			gotQ = len(m.Data.Queues) == 1 && m.Data.Queues[0].Agents.Available == 1
		case "me":
			gotA = len(m.Data.Agents) == 1 && m.Data.Agents[0].State == callfloor.AgentAvailable
		case "team":
			gotT = m.Data.Team != nil && m.Data.Team.Agents.Available == 1 && len(m.Data.Agents) == 1 && m.Data.Agents[0].Agent == "a1"
		}
		if m.At.Before(changed.Truncate(time.Millisecond)) || time.Since(m.At) > 2*time.Second {
			t.Errorf("delta at %v, the change was at %v", m.At, changed)
		}
	}

	// A call waits: the queue's delta, turning amber.
	saveCall(t, e.s, realtime.CallChange{Call: waitingCall("c1", "sales", 0, time.Now())})
	m = waitFor(t, c, &seq, "waiting delta", func(m wsMsg) bool { return m.Sub == "q" && len(m.Data.Queues) == 1 && m.Data.Queues[0].Waiting == 1 })
	if q := m.Data.Queues[0]; q.Status != "amber" || q.OldestSince == nil {
		t.Errorf("queue after a call = %+v", q)
	}

	// Unsubscribed views stop; the others go on.
	send(t, c, map[string]any{"type": "unsubscribe", "id": "q"})
	send(t, c, map[string]any{"type": "unsubscribe", "id": "team"})
	time.Sleep(50 * time.Millisecond)
	move(t, e.s, realtime.Transition{Agent: "a1", To: callfloor.AgentPaused, Reason: "break"})
	m = waitFor(t, c, &seq, "a1 paused", func(m wsMsg) bool { return m.Type == "delta" })
	if m.Sub != "me" || m.Data.Agents[0].State != callfloor.AgentPaused || m.Data.Agents[0].Reason != "break" {
		t.Errorf("after unsubscribing q: %+v", m)
	}
}

func TestHubFloorResyncAfterReconnect(t *testing.T) {
	e := newHubEnv(t, realtime.HubOptions{}, false)
	e.cfg.addAgent(t, e.s, "a1", "t1", "sales")
	c := dial(t, e.url, nil)
	var seq int64
	send(t, c, subscribe("f", realtime.View{Kind: "floor"}))
	m := waitFor(t, c, &seq, "floor snapshot", func(m wsMsg) bool { return m.Type == "snapshot" })
	if m.Data.Floor == nil || len(m.Data.Queues) != 2 || len(m.Data.Agents) != 1 {
		t.Fatalf("floor snapshot = %+v", m)
	}
	c.Close() // the connection drops

	// While away: a1 logs in and two calls wait.
	move(t, e.s, realtime.Transition{Agent: "a1", To: callfloor.AgentAvailable})
	saveCall(t, e.s, realtime.CallChange{Call: waitingCall("c1", "sales", 0, time.Now())})
	saveCall(t, e.s, realtime.CallChange{Call: waitingCall("c2", "support", 0, time.Now())})

	// Reconnecting and subscribing again gives a fresh snapshot, numbered from 1.
	deadline := time.Now().Add(3 * time.Second)
	for {
		c2 := dial(t, e.url, nil)
		var seq2 int64
		send(t, c2, subscribe("f", realtime.View{Kind: "floor"}))
		m = waitFor(t, c2, &seq2, "floor snapshot", func(m wsMsg) bool { return m.Type == "snapshot" })
		if m.Seq != 1 {
			t.Fatalf("a new connection starts at seq 1, got %d", m.Seq)
		}
		if m.Data.Floor.Waiting == 2 && m.Data.Floor.Agents.Available == 1 && agentIn(m.Data.Agents, "a1").State == callfloor.AgentAvailable {
			break
		}
		c2.Close()
		if time.Now().After(deadline) {
			t.Fatalf("snapshot after reconnect still stale: %+v", m.Data.Floor)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestHubDropsSlowClientOthersKeepUp(t *testing.T) {
	e := newHubEnv(t, realtime.HubOptions{SendQueue: 4, Coalesce: 5 * time.Millisecond}, true)
	for _, id := range []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"} {
		e.cfg.addAgent(t, e.s, id, "t1", "sales", "support")
	}
	d := websocket.Dialer{NetDial: func(network, addr string) (net.Conn, error) {
		c, err := net.Dial(network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(4096)
		}
		return c, err
	}}
	slow, _, err := d.Dial(e.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	send(t, slow, subscribe("f", realtime.View{Kind: "floor"}))
	fast := dial(t, e.url, nil)
	var seq int64
	send(t, fast, subscribe("f", realtime.View{Kind: "floor"}))
	waitFor(t, fast, &seq, "snapshot", func(m wsMsg) bool { return m.Type == "snapshot" })

	// Drive changes; the fast client sees each one promptly although the slow one reads nothing.
	reasons := []string{"break", "lunch", "training", "meeting"}
	var worst time.Duration
	for i := range 120 {
		id := []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"}[i%8]
		reason := reasons[i%len(reasons)] + string(rune('a'+i%26))
		move(t, e.s, realtime.Transition{Agent: id, To: callfloor.AgentPaused, Reason: reason})
		start := time.Now()
		waitFor(t, fast, &seq, "the change", func(m wsMsg) bool {
			a := agentIn(m.Data.Agents, id)
			return m.Type == "delta" && a != nil && a.Reason == reason
		})
		worst = max(worst, time.Since(start))
	}
	if worst > time.Second {
		t.Errorf("fast client waited up to %v for a delta", worst)
	}
	testenvEventually(t, 3*time.Second, "the slow client dropped", func() bool {
		return testutil.ToFloat64(mustCollector(t, e.reg, "callfloor_ws_dropped_slow_total")) == 1
	})
	// The slow client finds, after what was buffered, a close frame: try again later.
	_ = slow.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, _, err := slow.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || (ce.Code != websocket.CloseTryAgainLater && ce.Code != websocket.ClosePolicyViolation) {
			t.Logf("slow client ended with %v (close frame may be lost when the socket is full)", err)
		}
		break
	}
}

func testenvEventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// mustCollector finds a registered metric by name (the hub's metrics are not exported).
func mustCollector(t testing.TB, reg *prometheus.Registry, name string) prometheus.Collector {
	t.Helper()
	return collectorFunc(func(ch chan<- prometheus.Metric) {
		mfs, err := reg.Gather()
		if err != nil {
			t.Error(err)
			return
		}
		for _, mf := range mfs {
			if mf.GetName() == name && len(mf.Metric) > 0 {
				v := 0.0
				if c := mf.Metric[0].Counter; c != nil {
					v = c.GetValue()
				} else if g := mf.Metric[0].Gauge; g != nil {
					v = g.GetValue()
				}
				ch <- prometheus.MustNewConstMetric(prometheus.NewDesc(name, "x", nil, nil), prometheus.UntypedValue, v)
			}
		}
	})
}

type collectorFunc func(chan<- prometheus.Metric)

func (f collectorFunc) Describe(chan<- *prometheus.Desc)    {}
func (f collectorFunc) Collect(ch chan<- prometheus.Metric) { f(ch) }

func TestHubRefusesAtTheUpgrade(t *testing.T) {
	e := newHubEnv(t, realtime.HubOptions{Principal: func(r *http.Request) (callfloor.Principal, bool) {
		if r.Header.Get("X-User") == "" {
			return callfloor.Principal{}, false
		}
		return callfloor.Principal{Username: r.Header.Get("X-User"), Role: callfloor.RoleSupervisor}, true
	}}, false)
	_, resp, err := websocket.DefaultDialer.Dial(e.url, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without a principal: %v, %v; want 401", err, resp)
	}
	_, resp, err = websocket.DefaultDialer.Dial(e.url, http.Header{"X-User": {"sup"}, "Origin": {"https://evil.example"}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("foreign origin: %v, %v; want 403", err, resp)
	}
	host := strings.TrimPrefix(e.srv.URL, "http://")
	c := dial(t, e.url, http.Header{"X-User": {"sup"}, "Origin": {"http://" + host}})
	send(t, c, map[string]any{"type": "ping"})
	if m := recv(t, c, 2*time.Second); m.Type != "pong" {
		t.Errorf("ping answered %+v", m)
	}
	if got := testutil.ToFloat64(mustCollector(t, e.reg, "callfloor_ws_connections")); got != 1 {
		t.Errorf("connections gauge = %v, want 1", got)
	}
}

func TestHubMalformedMessagesKeepTheConnection(t *testing.T) {
	e := newHubEnv(t, realtime.HubOptions{}, false)
	e.cfg.addAgent(t, e.s, "a1", "t1", "sales")
	c := dial(t, e.url, nil)
	for _, tc := range []struct {
		msg      any
		code, id string
	}{
		{"this is not json", "invalid", ""},
		{`{"type":"dance"}`, "invalid", ""},
		{subscribe("s1", realtime.View{Kind: "galaxy"}), "invalid", "s1"},
		{map[string]any{"type": "subscribe", "id": "s2"}, "invalid", "s2"},
		{subscribe("", realtime.View{Kind: "floor"}), "invalid", ""},
		{subscribe("s3", realtime.View{Kind: "queues", Queues: []string{"nope"}}), "not_found", "s3"},
		{subscribe("s4", realtime.View{Kind: "agent", Agent: "ghost"}), "not_found", "s4"},
		{subscribe("s5", realtime.View{Kind: "team"}), "invalid", "s5"},
		{map[string]any{"type": "unsubscribe", "id": "never"}, "not_found", "never"},
	} {
		send(t, c, tc.msg)
		m := recv(t, c, 3*time.Second)
		if m.Type != "error" || m.Code != tc.code || m.ID != tc.id || m.Message == "" {
			t.Errorf("%v answered %+v, want error %s", tc.msg, m, tc.code)
		}
	}
	send(t, c, map[string]any{"type": "ping"})
	if m := recv(t, c, 2*time.Second); m.Type != "pong" {
		t.Errorf("ping after errors answered %+v", m)
	}
	send(t, c, subscribe("ok", realtime.View{Kind: "agent", Agent: "a1"}))
	if m := recv(t, c, 3*time.Second); m.Type != "snapshot" || m.Seq != 1 || len(m.Data.Agents) != 1 {
		t.Errorf("subscribe after errors answered %+v", m)
	}
}

func TestHubAllowedRefusesView(t *testing.T) {
	e := newHubEnv(t, realtime.HubOptions{
		Principal: func(*http.Request) (callfloor.Principal, bool) {
			return callfloor.Principal{Username: "ann", Role: callfloor.RoleAgent, AgentID: "a1"}, true
		},
		Allowed: func(p callfloor.Principal, v realtime.View) error {
			if v.Kind == realtime.ViewAgent && p.CanSeeAgent(v.Agent, "") {
				return nil
			}
			return p.Authorize(callfloor.PermSeeAll, "", "")
		},
	}, false)
	e.cfg.addAgent(t, e.s, "a1", "t1", "sales")
	e.cfg.addAgent(t, e.s, "a2", "t1", "sales")
	c := dial(t, e.url, nil)
	for _, v := range []realtime.View{{Kind: "floor"}, {Kind: "agent", Agent: "a2"}, {Kind: "queues"}} {
		send(t, c, subscribe("x", v))
		if m := recv(t, c, 3*time.Second); m.Type != "error" || m.Code != "forbidden" || m.ID != "x" {
			t.Errorf("%+v answered %+v, want forbidden", v, m)
		}
	}
	send(t, c, subscribe("me", realtime.View{Kind: "agent", Agent: "a1"}))
	if m := recv(t, c, 3*time.Second); m.Type != "snapshot" || m.Seq != 1 {
		t.Errorf("own agent view answered %+v", m)
	}
}

func TestHubClosesSilentClient(t *testing.T) {
	e := newHubEnv(t, realtime.HubOptions{Ping: 50 * time.Millisecond}, false)
	alive := dial(t, e.url, nil)
	silent := dial(t, e.url, nil)
	// alive reads (so its library answers pings); silent reads nothing for a while.
	go func() {
		for {
			if _, _, err := alive.ReadMessage(); err != nil {
				return
			}
		}
	}()
	time.Sleep(400 * time.Millisecond)
	_ = silent.SetReadDeadline(time.Now().Add(2 * time.Second))
	for {
		if _, _, err := silent.ReadMessage(); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("the silent client was not closed")
			}
			break
		}
	}
	if err := alive.WriteJSON(map[string]any{"type": "ping"}); err != nil {
		t.Errorf("the answering client was closed: %v", err)
	}
	testenvEventually(t, 2*time.Second, "one connection left", func() bool {
		return testutil.ToFloat64(mustCollector(t, e.reg, "callfloor_ws_connections")) == 1
	})
}

// Two web nodes behind a load balancer share one Redis: a change made anywhere reaches the
// clients of both (each hub follows the change stream itself).
func TestHubFanOutAcrossNodes(t *testing.T) {
	e := newHubEnv(t, realtime.HubOptions{}, false)
	e.cfg.addAgent(t, e.s, "a1", "t1", "sales")
	// a second node: its own hub and HTTP server on the same Redis and prefix
	hub2 := realtime.NewHub(realtime.HubOptions{KPI: e.cfg.kpi(e.s), Store: e.s, Coalesce: 10 * time.Millisecond})
	srv2 := httptest.NewServer(hub2)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = hub2.Run(ctx) }()
	t.Cleanup(func() { cancel(); srv2.CloseClientConnections(); srv2.Close(); <-done })

	c1 := dial(t, e.url, nil)
	c2 := dial(t, "ws"+strings.TrimPrefix(srv2.URL, "http"), nil)
	var s1, s2 int64
	for _, c := range []struct {
		c   *websocket.Conn
		seq *int64
	}{{c1, &s1}, {c2, &s2}} {
		send(t, c.c, subscribe("me", realtime.View{Kind: "agent", Agent: "a1"}))
		waitFor(t, c.c, c.seq, "snapshot", func(m wsMsg) bool { return m.Type == "snapshot" })
	}
	move(t, e.s, realtime.Transition{Agent: "a1", To: callfloor.AgentAvailable})
	for _, c := range []struct {
		c   *websocket.Conn
		seq *int64
	}{{c1, &s1}, {c2, &s2}} {
		waitFor(t, c.c, c.seq, "a1 available on every node", func(m wsMsg) bool {
			return m.Type == "delta" && len(m.Data.Agents) == 1 && m.Data.Agents[0].State == callfloor.AgentAvailable
		})
	}
}
