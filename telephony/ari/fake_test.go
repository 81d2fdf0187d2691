package ari

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	aril "github.com/CyCoreSystems/ari/v5"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

const (
	testUser     = "callfloor"
	testPass     = "callfloor-test"
	testEntityID = "02:fc:00:00:00:01"
)

// recorded is one request the fake ARI server received.
type recorded struct {
	Method     string
	RequestURI string // raw, as sent: /ari/channels/agent-1001%3B2?...
	Body       string
	Auth       bool
}

// fakeARI is a minimal Asterisk ARI: basic auth, /ari/events WebSocket,
// /ari/asterisk/info, /ari/applications/{app}/eventFilter, and a
// programmable responder for everything else.
type fakeARI struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	reqs    []recorded
	filters []string // eventFilter PUT bodies
	wsQuery []string // raw query of each /ari/events handshake
	wsAuth  []bool
	respond func(w http.ResponseWriter, r *http.Request) // nil: 204

	conns chan *websocket.Conn // every accepted event WebSocket
}

func newFakeARI(t *testing.T) *fakeARI {
	f := newUnstartedFakeARI(t)
	f.srv.Start()
	return f
}

func newUnstartedFakeARI(t *testing.T) *fakeARI {
	f := &fakeARI{t: t, conns: make(chan *websocket.Conn, 16)}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		f.srv.CloseClientConnections()
		f.srv.Close()
	})
	return f
}

func (f *fakeARI) URL() string { return f.srv.URL }

func (f *fakeARI) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	u, p, ok := r.BasicAuth()
	auth := ok && u == testUser && p == testPass
	f.mu.Lock()
	f.reqs = append(f.reqs, recorded{Method: r.Method, RequestURI: r.RequestURI, Body: string(body), Auth: auth})
	respond := f.respond
	f.mu.Unlock()

	if r.URL.Path == "/ari/events" {
		f.mu.Lock()
		f.wsQuery = append(f.wsQuery, r.URL.RawQuery)
		f.wsAuth = append(f.wsAuth, auth)
		f.mu.Unlock()
	}
	if !auth {
		writeJSON(w, http.StatusUnauthorized, `{"message":"Authentication required"}`)
		return
	}
	switch {
	case r.URL.Path == "/ari/events":
		up := websocket.Upgrader{}
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		f.conns <- conn
		return
	case r.URL.Path == "/ari/asterisk/info" && r.Method == http.MethodGet:
		writeJSON(w, 200, `{"build":{"os":"Linux"},"system":{"version":"22.10.1","entity_id":"`+testEntityID+`"},"config":{"name":"","default_language":"en"},"status":{"startup_time":"2026-11-22T05:50:00.000+0000","last_reload_time":"2026-11-22T05:50:00.000+0000"}}`)
		return
	case strings.HasSuffix(r.URL.Path, "/eventFilter") && r.Method == http.MethodPut && respond == nil:
		f.mu.Lock()
		f.filters = append(f.filters, string(body))
		f.mu.Unlock()
		writeJSON(w, 200, `{"name":"callfloor","channel_ids":[],"bridge_ids":[],"endpoint_ids":[],"device_names":[],"events_allowed":[],"events_disallowed":[]}`)
		return
	}
	if respond != nil {
		respond(w, r)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	if body != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func (f *fakeARI) setRespond(fn func(w http.ResponseWriter, r *http.Request)) {
	f.mu.Lock()
	f.respond = fn
	f.mu.Unlock()
}

func (f *fakeARI) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

func (f *fakeARI) resetRequests() {
	f.mu.Lock()
	f.reqs = nil
	f.mu.Unlock()
}

// nextConn waits for the client's next event WebSocket.
func (f *fakeARI) nextConn(t *testing.T, within time.Duration) *websocket.Conn {
	t.Helper()
	select {
	case c := <-f.conns:
		t.Cleanup(func() { c.Close() })
		return c
	case <-time.After(within):
		t.Fatalf("no event WebSocket connection within %v", within)
		return nil
	}
}

func send(t *testing.T, c *websocket.Conn, frames ...string) {
	t.Helper()
	for _, fr := range frames {
		if err := c.WriteMessage(websocket.TextMessage, []byte(fr)); err != nil {
			t.Fatalf("write frame: %v", err)
		}
	}
}

// recHandler records what Run delivers and checks it is never called
// concurrently.
type recHandler struct {
	t      *testing.T
	inCall atomic.Int32

	events       chan aril.Event
	connected    chan bool // reconnect flag of each Connected
	nodes        chan NodeInfo
	disconnected chan error

	connectedHook func(ctx context.Context, n NodeInfo, reconnect bool) error
	eventHook     func(ev aril.Event)
}

func newRecHandler(t *testing.T) *recHandler {
	return &recHandler{
		t:            t,
		events:       make(chan aril.Event, 100000),
		connected:    make(chan bool, 100),
		nodes:        make(chan NodeInfo, 100),
		disconnected: make(chan error, 100),
	}
}

func (h *recHandler) enter() func() {
	if h.inCall.Add(1) != 1 {
		h.t.Error("handler called concurrently")
	}
	return func() { h.inCall.Add(-1) }
}

func (h *recHandler) Connected(ctx context.Context, n NodeInfo, reconnect bool) error {
	defer h.enter()()
	var err error
	if h.connectedHook != nil {
		err = h.connectedHook(ctx, n, reconnect)
	}
	h.nodes <- n
	h.connected <- reconnect
	return err
}

func (h *recHandler) Disconnected(err error) {
	defer h.enter()()
	h.disconnected <- err
}

func (h *recHandler) Event(ev aril.Event) {
	defer h.enter()()
	if h.eventHook != nil {
		h.eventHook(ev)
	}
	h.events <- ev
}

func (h *recHandler) waitConnected(t *testing.T, within time.Duration) bool {
	t.Helper()
	select {
	case r := <-h.connected:
		return r
	case <-time.After(within):
		t.Fatalf("Connected not called within %v", within)
		return false
	}
}

func (h *recHandler) waitEvent(t *testing.T, within time.Duration) aril.Event {
	t.Helper()
	select {
	case ev := <-h.events:
		return ev
	case <-time.After(within):
		t.Fatalf("no event within %v", within)
		return nil
	}
}

func (h *recHandler) waitDisconnected(t *testing.T, within time.Duration) error {
	t.Helper()
	select {
	case err := <-h.disconnected:
		return err
	case <-time.After(within):
		t.Fatalf("Disconnected not called within %v", within)
		return nil
	}
}

// logBuf is a goroutine-safe log sink.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// testClient returns a Client on url with fast backoff, its metrics
// registry and log sink.
func testClient(t *testing.T, url string, mod func(*Config)) (*Client, *prometheus.Registry, *logBuf) {
	t.Helper()
	reg := prometheus.NewRegistry()
	logs := &logBuf{}
	cfg := Config{
		Name:           "pbx1",
		URL:            url,
		Username:       testUser,
		Password:       testPass,
		RequestTimeout: 2 * time.Second,
		MinBackoff:     10 * time.Millisecond,
		MaxBackoff:     80 * time.Millisecond,
		Logger:         slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Metrics:        NewMetrics(reg),
	}
	if mod != nil {
		mod(&cfg)
	}
	return New(cfg), reg, logs
}

// startRun runs c.Run(h) in its own goroutine and stops it at cleanup,
// checking that it returns nil promptly.
func startRun(t *testing.T, c *Client, h Handler) (cancel func()) {
	t.Helper()
	ctx, cancelCtx := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, h) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancelCtx()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run returned %v, want nil", err)
				}
			case <-time.After(5 * time.Second):
				t.Error("Run did not return after ctx was cancelled")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// freeAddr returns a loopback address nobody listens on (yet).
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func eventuallyTrue(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
