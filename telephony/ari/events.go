package ari

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	aril "github.com/CyCoreSystems/ari/v5"
	"github.com/gorilla/websocket"
)

// Handler receives the event stream of one node. Its methods are called
// from the goroutine running Client.Run, one at a time, never concurrently.
type Handler interface {
	// Connected is called after each successful connect (entity id known,
	// event filter set), before any event of that connection. reconnect is
	// false until a Connected call has returned nil, true afterwards: events may have been missed,
	// so the handler should reconcile (ListChannels, ListBridges,
	// GetApplication). Events arriving meanwhile are buffered. An error is
	// logged, the connection closed and retried.
	Connected(ctx context.Context, node NodeInfo, reconnect bool) error
	// Disconnected is called when a connection whose Connected returned nil
	// is lost (read error, or ErrApplicationReplaced); Run reconnects
	// afterwards. It is not called when Run returns because its ctx is done.
	Disconnected(err error)
	// Event is called for every decoded event, in the order Asterisk sent them.
	Event(ev aril.Event)
}

// ErrApplicationReplaced is passed to Handler.Disconnected when Asterisk
// sent ApplicationReplaced: another WebSocket took over the application.
var ErrApplicationReplaced = errors.New("ari: application replaced by another connection")

const (
	pingInterval = 20 * time.Second // WebSocket ping to detect a dead peer
	readTimeout  = 45 * time.Second // no frame nor pong for this long: connection dead
)

// Run connects the events WebSocket and keeps it up until ctx is done; it
// then closes the socket and returns nil. Call it in its own goroutine: it
// never blocks start-up, and while Asterisk is down it retries with
// exponential backoff and jitter (Config.MinBackoff .. MaxBackoff).
func (c *Client) Run(ctx context.Context, h Handler) error {
	attempt := 0
	reconnect := false
	defer c.markDown()
	for {
		if ctx.Err() != nil {
			return nil
		}
		res := c.session(ctx, h, reconnect)
		if res.announced {
			reconnect = true
		}
		if ctx.Err() != nil {
			return nil
		}
		var wait time.Duration
		switch {
		case res.replaced:
			wait = c.cfg.MaxBackoff
			attempt = 0
			c.log.Error("ari application replaced by another connection; reconnecting later",
				"app", c.cfg.App, "retry_in", wait)
		case res.announced && time.Since(res.since) >= c.cfg.MaxBackoff:
			// A healthy connection was lost: retry quickly.
			attempt = 0
			wait = c.backoff(attempt)
			attempt++
			c.log.Warn("ari disconnected", "url", c.base, "error", res.err, "retry_in", wait)
		default:
			wait = c.backoff(attempt)
			attempt++
			if res.announced {
				c.log.Warn("ari disconnected", "url", c.base, "error", res.err, "retry_in", wait)
			} else {
				c.metrics.connectFailure(c.cfg.Name)
				c.log.Warn("ari connect failed", "url", c.base, "stage", res.stage,
					"error", res.err, "retry_in", wait)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

func (c *Client) markDown() {
	c.setDisconnected()
	c.metrics.setConnected(c.cfg.Name, false)
	c.metrics.bufferDepth(c.cfg.Name, 0)
}

// backoff returns the wait before retry number attempt (0-based):
// MinBackoff*2^attempt capped at MaxBackoff, with equal jitter (half fixed,
// half random).
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.MaxBackoff
	if attempt < 30 {
		if e := c.cfg.MinBackoff << attempt; e > 0 && e < d {
			d = e
		}
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

type sessionResult struct {
	announced bool      // Handler.Connected returned nil
	since     time.Time // when it did
	replaced  bool      // ended by ApplicationReplaced
	stage     string    // where a connect failed
	err       error
}

// session runs one connection: dial, set up, announce, deliver events
// until the socket fails, the application is replaced or ctx is done.
func (c *Client) session(ctx context.Context, h Handler, reconnect bool) (res sessionResult) {
	conn, err := c.dial(ctx)
	if err != nil {
		return sessionResult{stage: "dial", err: err}
	}

	frames := make(chan []byte, c.cfg.BufferSize)
	readErr := make(chan error, 1)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); c.readLoop(conn, frames, readErr, stop) }()
	go func() { defer wg.Done(); pingLoop(conn, stop) }()
	defer func() {
		close(stop)
		_ = conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		_ = conn.Close()
		wg.Wait()
		c.markDown()
	}()

	// Set up before announcing; the reader already buffers events.
	entityID, startedAt, err := c.asteriskInfo(ctx)
	if err != nil {
		return sessionResult{stage: "asterisk_info", err: err}
	}
	if len(c.cfg.EventFilter) > 0 {
		if err := c.SetEventFilter(ctx, c.cfg.EventFilter); err != nil {
			return sessionResult{stage: "event_filter", err: err}
		}
	}
	node := c.setConnected(entityID, startedAt)
	c.metrics.setConnected(c.cfg.Name, true)
	if reconnect {
		c.metrics.reconnect(c.cfg.Name)
		c.log.Warn("ari reconnected; handler reconciles", "url", c.base, "entity_id", entityID, "app", c.cfg.App)
	} else {
		c.log.Info("ari connected", "url", c.base, "entity_id", entityID, "app", c.cfg.App)
	}
	if err := h.Connected(ctx, node, reconnect); err != nil {
		if ctx.Err() == nil {
			c.log.Error("ari handler rejected connection", "error", err)
		}
		return sessionResult{stage: "handler", err: err}
	}
	res = sessionResult{announced: true, since: time.Now()}

	for {
		select {
		case <-ctx.Done():
			return res
		case data := <-frames:
			c.metrics.bufferDepth(c.cfg.Name, len(frames))
			if c.dispatch(data, h) {
				res.replaced, res.err = true, ErrApplicationReplaced
				c.setDisconnected()
				c.metrics.setConnected(c.cfg.Name, false)
				h.Disconnected(ErrApplicationReplaced)
				return res
			}
		case err := <-readErr:
			// The reader pushed every frame before failing: deliver them.
			for len(frames) > 0 && ctx.Err() == nil {
				if c.dispatch(<-frames, h) {
					res.replaced = true
					err = ErrApplicationReplaced
					break
				}
			}
			c.setDisconnected()
			c.metrics.setConnected(c.cfg.Name, false)
			c.metrics.bufferDepth(c.cfg.Name, 0)
			if ctx.Err() != nil {
				return res
			}
			res.err = err
			h.Disconnected(err)
			return res
		}
	}
}

// dial opens GET {URL}/ari/events?app=<App>&subscribeAll=false with basic
// auth in the Authorization header (the password is never put in the URL:
// no api_key, no userinfo), under the request timeout.
func (c *Client) dial(ctx context.Context) (*websocket.Conn, error) {
	u, err := url.Parse(c.base)
	if err != nil {
		return nil, err
	}
	switch u.Scheme {
	case "https", "wss":
		u.Scheme = "wss"
	default:
		u.Scheme = "ws"
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/ari/events"
	u.RawPath = ""
	u.RawQuery = url.Values{
		"app":          {c.cfg.App},
		"subscribeAll": {"false"},
	}.Encode()

	d := websocket.Dialer{
		NetDialContext:   (&net.Dialer{Timeout: c.cfg.RequestTimeout}).DialContext,
		HandshakeTimeout: c.cfg.RequestTimeout,
		ReadBufferSize:   64 << 10,
		WriteBufferSize:  4 << 10,
	}
	hdr := http.Header{}
	hdr.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(c.cfg.Username+":"+c.cfg.Password)))
	dctx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	conn, resp, err := d.DialContext(dctx, u.String(), hdr)
	if err != nil {
		if resp != nil {
			msg := errorMessage(resp)
			resp.Body.Close()
			return nil, &Error{Method: http.MethodGet, Path: "/events", Status: resp.StatusCode, Message: msg, err: err}
		}
		return nil, &Error{Method: http.MethodGet, Path: "/events", Message: err.Error(), err: err}
	}
	conn.SetReadLimit(16 << 20)
	return conn, nil
}

// readLoop puts raw frames into the bounded buffer. When it is full the
// reader waits (back-pressure): nothing is dropped.
func (c *Client) readLoop(conn *websocket.Conn, frames chan<- []byte, readErr chan<- error, stop <-chan struct{}) {
	conn.SetPongHandler(func(string) error {
		return conn.SetReadDeadline(time.Now().Add(readTimeout))
	})
	for {
		// The deadline is set before each read, so time spent blocked on a
		// full buffer does not count against the peer.
		_ = conn.SetReadDeadline(time.Now().Add(readTimeout))
		_, data, err := conn.ReadMessage()
		if err != nil {
			readErr <- err
			return
		}
		select {
		case frames <- data:
		default:
			c.metrics.bufferFull(c.cfg.Name)
			select {
			case frames <- data:
			case <-stop:
				return
			}
		}
		c.metrics.bufferDepth(c.cfg.Name, len(frames))
	}
}

func pingLoop(conn *websocket.Conn, stop <-chan struct{}) {
	t := time.NewTicker(pingInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(5*time.Second)); err != nil {
				return
			}
		}
	}
}

// dispatch decodes one frame and delivers it. It reports whether the frame
// was ApplicationReplaced.
func (c *Client) dispatch(data []byte, h Handler) (replaced bool) {
	ev, reason, err := c.decode(data)
	if ev == nil {
		c.metrics.skipped(c.cfg.Name, reason)
		c.skipLog.log(c.log, reason, err, data)
		return false
	}
	typ := ev.GetType()
	c.metrics.event(c.cfg.Name, typ)
	if typ == aril.Events.ApplicationReplaced {
		c.log.Error("ari ApplicationReplaced: another connection took the Stasis application", "app", c.cfg.App)
		replaced = true
	}
	h.Event(ev)
	return replaced
}

// decode turns a frame into an event, or says why it is skipped.
func (c *Client) decode(data []byte) (ev aril.Event, reason string, err error) {
	defer func() {
		if r := recover(); r != nil {
			ev, reason, err = nil, SkipMalformed, fmt.Errorf("decoder panic: %v", r)
		}
	}()
	ev, err = aril.DecodeEvent(data)
	if err == nil {
		return ev, "", nil
	}
	var hdr struct {
		Type string `json:"type"`
	}
	if jerr := json.Unmarshal(data, &hdr); jerr != nil {
		return nil, SkipMalformed, jerr
	}
	if hdr.Type == "" {
		return nil, SkipMalformed, errors.New("no type")
	}
	if !c.known.has(hdr.Type) {
		return nil, SkipUnknownType, fmt.Errorf("event type %q unknown to ari/v5", hdr.Type)
	}
	// A known type that failed: most likely a timestamp in another format.
	norm, changed, nerr := normaliseTimestamps(data)
	if nerr != nil || !changed {
		return nil, SkipMalformed, err
	}
	ev, err = aril.DecodeEvent(norm)
	if err != nil {
		return nil, SkipMalformed, err
	}
	return ev, "", nil
}

// knownTypes caches which event types ari/v5's DecodeEvent knows.
type knownTypes struct {
	mu sync.Mutex
	m  map[string]bool
}

func (k *knownTypes) has(typ string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if v, ok := k.m[typ]; ok {
		return v
	}
	probe, _ := json.Marshal(map[string]string{"type": typ})
	_, err := aril.DecodeEvent(probe)
	known := err == nil
	if k.m == nil {
		k.m = make(map[string]bool)
	}
	if len(k.m) < 1024 { // bounded: types come from the peer
		k.m[typ] = known
	}
	return known
}

// dateKeys are the ARI model properties of type Date (api-docs).
var dateKeys = map[string]bool{
	"timestamp":        true,
	"creationtime":     true,
	"last_reload_time": true,
	"startup_time":     true,
}

// normaliseTimestamps rewrites Date properties that are not in Asterisk's
// format (ari.DateFormat) into it, at any depth. An empty date is removed.
func normaliseTimestamps(data []byte) ([]byte, bool, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false, err
	}
	if !normaliseValue(v) {
		return data, false, nil
	}
	out, err := json.Marshal(v)
	return out, err == nil, err
}

func normaliseValue(v any) (changed bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if s, ok := val.(string); ok && dateKeys[k] {
				if s == "" {
					delete(x, k)
					changed = true
				} else if n, ok := normaliseTime(s); ok && n != s {
					x[k] = n
					changed = true
				}
				continue
			}
			if normaliseValue(val) {
				changed = true
			}
		}
	case []any:
		for _, val := range x {
			if normaliseValue(val) {
				changed = true
			}
		}
	}
	return changed
}

var timeLayouts = []string{
	time.RFC3339Nano,               // 2026-11-22T05:51:22.476Z, ...+00:00, without millis
	"2006-01-02T15:04:05Z0700",     // +0000 without millis or with other precision
	"2006-01-02T15:04:05Z07",       // +00
	"2006-01-02 15:04:05Z07:00",    // space separator
	"2006-01-02 15:04:05Z0700",     //
	"2006-01-02T15:04:05",          // no zone: UTC
	"2006-01-02 15:04:05",          //
	"2006-01-02T15:04:05.000Z0700", // canonical (also accepts Z)
}

// normaliseTime converts s to ari.DateFormat if it is a recognisable time.
func normaliseTime(s string) (string, bool) {
	if _, err := time.Parse(aril.DateFormat, s); err == nil {
		return s, true
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.Format(aril.DateFormat), true
		}
	}
	return s, false
}

// skipLimiter rate-limits the log of skipped frames: one line per reason
// per interval, with the number suppressed since the last one.
type skipLimiter struct {
	mu         sync.Mutex
	last       map[string]time.Time
	suppressed map[string]int
}

const skipLogInterval = 10 * time.Second

func (s *skipLimiter) log(l interface {
	Warn(string, ...any)
}, reason string, err error, frame []byte) {
	s.mu.Lock()
	if s.last == nil {
		s.last = make(map[string]time.Time)
		s.suppressed = make(map[string]int)
	}
	now := time.Now()
	if t, ok := s.last[reason]; ok && now.Sub(t) < skipLogInterval {
		s.suppressed[reason]++
		s.mu.Unlock()
		return
	}
	n := s.suppressed[reason]
	s.last[reason] = now
	s.suppressed[reason] = 0
	s.mu.Unlock()
	if len(frame) > 256 {
		frame = frame[:256]
	}
	l.Warn("ari event skipped", "reason", reason, "error", err, "frame", string(frame), "suppressed_since_last_log", n)
}
