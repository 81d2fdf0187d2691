package ari

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultApp            = "callfloor"
	DefaultRequestTimeout = 5 * time.Second
	DefaultBufferSize     = 4096
	DefaultMinBackoff     = 250 * time.Millisecond
	DefaultMaxBackoff     = 10 * time.Second
)

// Config configures a Client for one Asterisk node.
type Config struct {
	Name               string        // configured node name (for logs/metrics), e.g. "pbx1"
	URL                string        // base URL, e.g. "http://127.0.0.1:8088" (the "/ari" prefix is added by the client)
	Username, Password string        // ARI user (ari.conf)
	App                string        // Stasis application name, default "callfloor"
	RequestTimeout     time.Duration // deadline on every REST call (and the WebSocket handshake), default 5s
	EventFilter        []string      // event types allowed; PUT /applications/{app}/eventFilter after each connect; empty = no filter
	BufferSize         int           // bounded event buffer between the socket reader and the handler, default 4096
	MinBackoff         time.Duration // reconnect backoff, default 250ms
	MaxBackoff         time.Duration // reconnect backoff ceiling, default 10s
	Logger             *slog.Logger  // default slog.Default()
	Metrics            *Metrics      // may be nil (then metrics are not recorded)
}

// NodeInfo is what the Client knows of its Asterisk node.
type NodeInfo struct {
	Name      string // Config.Name
	EntityID  string // system.entity_id from GET /asterisk/info (the events' asterisk_id), filled on connect
	Connected bool   // the event WebSocket is up and set up
	// StartedAt is Asterisk's startup time (status.startup_time of GET /asterisk/info), filled
	// on connect: a later one than before means Asterisk restarted and lost its calls.
	StartedAt time.Time
}

// Client talks to one Asterisk node. Create it with New.
type Client struct {
	cfg     Config
	base    string // URL without trailing slash, e.g. http://127.0.0.1:8088
	http    *http.Client
	log     *slog.Logger
	metrics *Metrics

	mu   sync.Mutex
	node NodeInfo

	known   knownTypes
	skipLog skipLimiter

	guard atomic.Pointer[func() error] // SetGuard's; nil: none
}

// SetGuard makes every REST request that changes something (any method but GET and HEAD) ask
// guard first; an error stops the request there (an *Error with Status 0 wrapping it). The ACD
// sets one on the nodes it drives under a lease (telephony/lease.go), so that an instance that
// lost the lease sends Asterisk nothing. Set it before Run.
func (c *Client) SetGuard(guard func() error) { c.guard.Store(&guard) }

// New returns a Client for cfg with defaults applied. It does not connect:
// call Run (in its own goroutine) for events; REST methods work at once.
func New(cfg Config) *Client {
	if cfg.App == "" {
		cfg.App = DefaultApp
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.BufferSize <= 0 {
		cfg.BufferSize = DefaultBufferSize
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = cfg.MinBackoff
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Client{
		cfg:     cfg,
		base:    strings.TrimRight(withoutUserinfo(&cfg), "/"),
		http:    &http.Client{Transport: newTransport()},
		log:     cfg.Logger.With("node", cfg.Name),
		metrics: cfg.Metrics,
		node:    NodeInfo{Name: cfg.Name},
	}
	c.metrics.init(cfg.Name)
	return c
}

// withoutUserinfo returns cfg.URL without user:password@ (which would then show in every log
// line naming the URL); credentials found there fill empty Username/Password. The password is
// sent in the Authorization header only.
func withoutUserinfo(cfg *Config) string {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.User == nil {
		return cfg.URL
	}
	if cfg.Username == "" {
		cfg.Username = u.User.Username()
	}
	if p, ok := u.User.Password(); ok && cfg.Password == "" {
		cfg.Password = p
	}
	u.User = nil
	return u.String()
}

// newTransport is tuned for many concurrent short requests to a loopback
// Asterisk: plenty of idle keep-alive connections per host and no limit on
// connections per host, so no request ever queues for a connection; how
// long a request may take is bounded by its context deadline only.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy: nil, // Asterisk is local; never route ARI through an environment proxy
		DialContext: (&net.Dialer{
			Timeout:   5 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   128,
		MaxConnsPerHost:       0, // unlimited: no wait for a free connection
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     false,
	}
}

// Node returns what is known of the node.
func (c *Client) Node() NodeInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.node
}

// setConnected records a set-up event stream with what GET /asterisk/info said (empty or zero
// values keep the previous ones).
func (c *Client) setConnected(entityID string, startedAt time.Time) NodeInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	if entityID != "" {
		c.node.EntityID = entityID
	}
	if !startedAt.IsZero() {
		c.node.StartedAt = startedAt
	}
	c.node.Connected = true
	return c.node
}

// setDisconnected records that the event stream is down; entity and startup time are kept.
func (c *Client) setDisconnected() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.node.Connected = false
}

// Error is the error of every REST call. Status is the HTTP status, or 0
// when no response arrived (deadline, connection refused: see Unwrap).
type Error struct {
	Method, Path string // e.g. "POST", "/bridges/x/addChannel" (escaped, without /ari and query)
	Status       int
	Message      string // Asterisk's {"message"} text, or the transport error
	err          error
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("ari %s %s: %s", e.Method, e.Path, e.Message)
	}
	return fmt.Sprintf("ari %s %s: %d %s", e.Method, e.Path, e.Status, e.Message)
}

// Unwrap returns the transport error (e.g. context.DeadlineExceeded), if any.
func (e *Error) Unwrap() error { return e.err }

// IsNotFound reports whether err is an ARI 404 (channel, bridge, recording... not found).
func IsNotFound(err error) bool { return statusOf(err) == http.StatusNotFound }

// IsConflict reports whether err is an ARI 409 (already exists, not in Stasis...).
func IsConflict(err error) bool { return statusOf(err) == http.StatusConflict }

// BridgeGone reports whether err, from DELETE /bridges/{id}, says the bridge no longer exists:
// 404, or the 409 "Bridge not in Stasis application" a real Asterisk answers for a bridge it has
// just destroyed (traces/caller-hangs-up-during-talk.rest.log). Either way there is nothing to do.
func BridgeGone(err error) bool { return IsNotFound(err) || IsConflict(err) }

// IsUnprocessable reports whether Asterisk answered 422 (e.g. a channel not in that bridge).
func IsUnprocessable(err error) bool { return statusOf(err) == http.StatusUnprocessableEntity }

func statusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// esc escapes one path segment: "agent-1001;2" -> "agent-1001%3B2",
// "callfloor/inbound-1" -> "callfloor%2Finbound-1".
func esc(s string) string { return url.PathEscape(s) }

// request is one REST call.
type request struct {
	method string
	path   string     // escaped, without the /ari prefix
	query  url.Values // may be nil
	body   any        // JSON-encoded when not nil
	// headersOnly puts the request deadline on the response headers only: the body (a stored
	// recording, up to hundreds of MiB) is then read under the caller's context alone.
	headersOnly bool
}

// send performs r under the request deadline and returns the response with
// a 2xx status; the caller must call done(resp) after reading the body.
// Non-2xx responses and transport errors are returned as *Error.
func (c *Client) send(ctx context.Context, r request) (*http.Response, context.CancelFunc, error) {
	if g := c.guard.Load(); g != nil && r.method != http.MethodGet && r.method != http.MethodHead {
		if err := (*g)(); err != nil {
			c.metrics.request(c.cfg.Name, r.method, "guarded", 0)
			return nil, nil, &Error{Method: r.method, Path: r.path, Message: err.Error(), err: err}
		}
	}
	var cancel context.CancelFunc
	var headerTimer *time.Timer
	if r.headersOnly {
		var cancelCause context.CancelCauseFunc
		ctx, cancelCause = context.WithCancelCause(ctx)
		cancel = func() { cancelCause(context.Canceled) }
		headerTimer = time.AfterFunc(c.cfg.RequestTimeout, func() { cancelCause(context.DeadlineExceeded) })
	} else {
		ctx, cancel = context.WithTimeout(ctx, c.cfg.RequestTimeout)
	}
	u := c.base + "/ari" + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			cancel()
			return nil, nil, &Error{Method: r.method, Path: r.path, Message: err.Error(), err: err}
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		cancel()
		return nil, nil, &Error{Method: r.method, Path: r.path, Message: err.Error(), err: err}
	}
	req.SetBasicAuth(c.cfg.Username, c.cfg.Password)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if headerTimer != nil && !headerTimer.Stop() && err == nil {
		// the headers came as the deadline passed: the body's context is already cancelled
		resp.Body.Close()
		err = context.DeadlineExceeded
	}
	if err != nil {
		c.metrics.request(c.cfg.Name, r.method, "error", time.Since(start).Seconds())
		// The transport's own error says why (connection refused, reset, no route, deadline):
		// read it before cancelling, and keep it, so that the log shows the cause rather than
		// the "context canceled" of our own cancel. A headers-only request's deadline cancels
		// its context with the cause DeadlineExceeded: name that.
		e := &Error{Method: r.method, Path: r.path, Message: transportMessage(err), err: err}
		if ctxErr := context.Cause(ctx); ctxErr != nil && !errors.Is(err, ctxErr) {
			e.err = errors.Join(err, ctxErr)
			if errors.Is(err, context.Canceled) {
				e.Message = ctxErr.Error()
			}
		}
		cancel()
		return nil, nil, e
	}
	c.metrics.request(c.cfg.Name, r.method, strconv.Itoa(resp.StatusCode), time.Since(start).Seconds())
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer cancel()
		defer resp.Body.Close()
		return nil, nil, &Error{Method: r.method, Path: r.path, Status: resp.StatusCode, Message: errorMessage(resp)}
	}
	return resp, cancel, nil
}

// transportMessage is a transport error without the request URL (net/http's *url.Error repeats
// method and URL, which Error already names): "dial tcp 127.0.0.1:8088: connect: connection refused".
func transportMessage(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err.Error()
	}
	return err.Error()
}

// errorMessage extracts Asterisk's {"message": "..."} text, falling back to
// the raw body or the status text.
func errorMessage(resp *http.Response) string {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var m struct {
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(b, &m) == nil {
		if m.Message != "" {
			return m.Message
		}
		if m.Error != "" {
			return m.Error
		}
	}
	if s := strings.TrimSpace(string(b)); s != "" && len(s) < 512 {
		return s
	}
	return http.StatusText(resp.StatusCode)
}

// do performs r and decodes a JSON response into out (when out is not nil
// and the response has a body).
func (c *Client) do(ctx context.Context, r request, out any) error {
	resp, cancel, err := c.send(ctx, r)
	if err != nil {
		return err
	}
	defer cancel()
	defer resp.Body.Close()
	if out == nil || resp.StatusCode == http.StatusNoContent {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err == nil {
		err = json.Unmarshal(b, out)
		if err != nil {
			// Dates in another format than Asterisk's would fail ari/v5's
			// types: normalise them and try again.
			if norm, changed, nerr := normaliseTimestamps(b); nerr == nil && changed {
				err = json.Unmarshal(norm, out)
			}
		}
	}
	if err != nil {
		return &Error{Method: r.method, Path: r.path, Status: resp.StatusCode, Message: "decoding response: " + err.Error(), err: err}
	}
	return nil
}

// maxResponse bounds a decoded REST response (GET /channels on a busy node
// is the largest).
const maxResponse = 64 << 20
