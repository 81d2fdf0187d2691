package ari

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"github.com/callfloor/callfloor/internal/testenv"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	aril "github.com/CyCoreSystems/ari/v5"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// tracesDir is where the real Asterisk captures are (shared/asterisk/traces).
func tracesDir(t testing.TB) string {
	return filepath.Join(testenv.SharedDir(t), "asterisk", "traces")
}

// restLine is one line of a traces/*.rest.log:
// "POST /bridges/hold-1/addChannel?channel=caller-1-leg2 -> 204 ".
type restLine struct {
	file, raw string
	method    string
	segments  []string // unescaped path segments, without /ari
	rawQuery  string
	status    int
	body      string
}

func parseRestLogs(t *testing.T) []restLine {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(tracesDir(t), "*.rest.log"))
	if len(files) == 0 {
		t.Fatal("no REST traces in " + tracesDir(t))
	}
	var out []restLine
	for _, fn := range files {
		f, err := os.Open(fn)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if strings.TrimSpace(line) == "" {
				continue
			}
			req, resp, ok := strings.Cut(line, " -> ")
			if !ok {
				t.Fatalf("%s: bad line %q", fn, line)
			}
			method, uri, _ := strings.Cut(req, " ")
			p, q, _ := strings.Cut(uri, "?")
			code, body, _ := strings.Cut(resp, " ")
			status, err := strconv.Atoi(code)
			if err != nil {
				t.Fatalf("%s: bad status in %q", fn, line)
			}
			out = append(out, restLine{file: filepath.Base(fn), raw: line, method: method,
				segments: unescapeSegments(t, p), rawQuery: q, status: status, body: strings.TrimSpace(body)})
		}
		f.Close()
	}
	return out
}

func unescapeSegments(t *testing.T, escapedPath string) []string {
	t.Helper()
	var segs []string
	for _, s := range strings.Split(strings.TrimPrefix(escapedPath, "/"), "/") {
		u, err := url.PathUnescape(s)
		if err != nil {
			t.Fatalf("unescape %q: %v", s, err)
		}
		segs = append(segs, u)
	}
	return segs
}

// callFor maps a logged request to the Client method the ACD would use,
// with arguments taken from the logged request. The test then checks that
// the Client reproduces the request byte for byte (query) and segment for
// segment (path). ok is false for requests the connector has no method for.
func callFor(l restLine) (call func(ctx context.Context, c *Client) (any, error), ok bool) {
	q, _ := url.ParseQuery(l.rawQuery)
	s := l.segments
	split := func(v string) []string {
		if v == "" {
			return nil
		}
		return strings.Split(v, ",")
	}
	switch {
	case l.method == "POST" && len(s) == 1 && s[0] == "channels":
		r := OriginateRequest{
			ChannelID: q.Get("channelId"), OtherChannelID: q.Get("otherChannelId"),
			Endpoint: q.Get("endpoint"), App: q.Get("app"), AppArgs: split(q.Get("appArgs")),
			Extension: q.Get("extension"), Context: q.Get("context"), CallerID: q.Get("callerId"),
		}
		if p := q.Get("priority"); p != "" {
			r.Priority, _ = strconv.Atoi(p)
		}
		if to := q.Get("timeout"); to != "" {
			n, _ := strconv.Atoi(to)
			r.Timeout = time.Duration(n) * time.Second
		}
		return func(ctx context.Context, c *Client) (any, error) { return c.Originate(ctx, r) }, true
	case l.method == "POST" && len(s) == 3 && s[0] == "channels" && s[2] == "answer":
		return func(ctx context.Context, c *Client) (any, error) { return nil, c.Answer(ctx, s[1]) }, true
	case l.method == "DELETE" && len(s) == 2 && s[0] == "channels":
		return func(ctx context.Context, c *Client) (any, error) { return nil, c.Hangup(ctx, s[1], q.Get("reason")) }, true
	case l.method == "POST" && len(s) == 3 && s[0] == "channels" && s[2] == "snoop":
		r := SnoopRequest{SnoopID: q.Get("snoopId"), Spy: q.Get("spy"), Whisper: q.Get("whisper"),
			App: q.Get("app"), AppArgs: split(q.Get("appArgs"))}
		return func(ctx context.Context, c *Client) (any, error) { return c.Snoop(ctx, s[1], r) }, true
	case l.method == "POST" && len(s) == 1 && s[0] == "bridges":
		return func(ctx context.Context, c *Client) (any, error) {
			return c.CreateBridge(ctx, q.Get("bridgeId"), q.Get("type"), q.Get("name"))
		}, true
	case l.method == "DELETE" && len(s) == 2 && s[0] == "bridges":
		return func(ctx context.Context, c *Client) (any, error) { return nil, c.DestroyBridge(ctx, s[1]) }, true
	case l.method == "POST" && len(s) == 3 && s[0] == "bridges" && s[2] == "addChannel":
		return func(ctx context.Context, c *Client) (any, error) {
			return nil, c.AddChannel(ctx, s[1], split(q.Get("channel"))...)
		}, true
	case l.method == "POST" && len(s) == 3 && s[0] == "bridges" && s[2] == "removeChannel":
		return func(ctx context.Context, c *Client) (any, error) {
			return nil, c.RemoveChannel(ctx, s[1], q.Get("channel"))
		}, true
	case l.method == "POST" && len(s) == 3 && s[0] == "bridges" && s[2] == "moh":
		return func(ctx context.Context, c *Client) (any, error) {
			return nil, c.StartBridgeMOH(ctx, s[1], q.Get("mohClass"))
		}, true
	case l.method == "POST" && len(s) == 3 && s[0] == "bridges" && s[2] == "record":
		return func(ctx context.Context, c *Client) (any, error) {
			return c.Record(ctx, s[1], q.Get("name"), q.Get("format"))
		}, true
	}
	return nil, false
}

// TestRESTMatchesAsteriskTraces replays every request of the real
// Asterisk REST logs through the Client against a fake server answering
// what Asterisk answered, and checks the request the Client sent.
func TestRESTMatchesAsteriskTraces(t *testing.T) {
	lines := parseRestLogs(t)
	f := newFakeARI(t)
	c, reg, _ := testClient(t, f.URL(), nil)
	ctx := context.Background()

	replayed := 0
	for _, l := range lines {
		call, ok := callFor(l)
		if !ok {
			// GET /recordings/stored/{name} (metadata): the connector only downloads the file.
			if l.method == "GET" && len(l.segments) == 3 && l.segments[1] == "stored" {
				continue
			}
			t.Errorf("%s: no Client method for %q", l.file, l.raw)
			continue
		}
		f.resetRequests()
		f.setRespond(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, l.status, l.body) })
		res, err := call(ctx, c)
		replayed++

		reqs := f.requests()
		if len(reqs) != 1 {
			t.Fatalf("%s: %q: server saw %d requests", l.file, l.raw, len(reqs))
		}
		got := reqs[0]
		if !got.Auth {
			t.Errorf("%q: request without basic auth", l.raw)
		}
		gp, gq, _ := strings.Cut(strings.TrimPrefix(got.RequestURI, "/ari"), "?")
		if got.Method != l.method || !equalStrings(unescapeSegments(t, gp), l.segments) || gq != l.rawQuery {
			t.Errorf("%s:\n  want %s %s?%s\n  got  %s", l.file, l.method, strings.Join(l.segments, "/"), l.rawQuery, got.Method+" "+got.RequestURI)
		}

		switch {
		case l.status >= 400:
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%q: err = %v, want *Error", l.raw, err)
			}
			var m struct{ Message string }
			_ = json.Unmarshal([]byte(l.body), &m)
			if e.Status != l.status || e.Message != m.Message || e.Method != l.method {
				t.Errorf("%q: got %+v", l.raw, e)
			}
			if IsNotFound(err) != (l.status == 404) || IsConflict(err) != (l.status == 409) {
				t.Errorf("%q: IsNotFound=%v IsConflict=%v", l.raw, IsNotFound(err), IsConflict(err))
			}
		case err != nil:
			t.Errorf("%q: unexpected error %v", l.raw, err)
		case l.body != "":
			var want struct{ ID, Name string }
			_ = json.Unmarshal([]byte(l.body), &want)
			switch v := res.(type) {
			case *aril.ChannelData:
				if v.ID != want.ID || v.Name != want.Name || v.State != "Down" && v.State != "Up" || v.Caller == nil || v.Dialplan == nil {
					t.Errorf("%q: decoded channel %+v", l.raw, v)
				}
			case *aril.BridgeData:
				if v.ID != want.ID || v.Type == "" {
					t.Errorf("%q: decoded bridge %+v", l.raw, v)
				}
			case *aril.LiveRecordingData:
				if v.Name != want.Name || v.Format != "wav" || v.State != "queued" || v.TargetURI == "" {
					t.Errorf("%q: decoded recording %+v", l.raw, v)
				}
			default:
				t.Errorf("%q: unexpected result %T", l.raw, res)
			}
		}
	}
	if replayed < len(lines)-5 {
		t.Errorf("replayed only %d of %d requests", replayed, len(lines))
	}
	if n := testutil.CollectAndCount(reg, "callfloor_ari_request_duration_seconds"); n == 0 {
		t.Error("no request duration observed")
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestRESTRequests checks the calls the traces do not cover.
func TestRESTRequests(t *testing.T) {
	f := newFakeARI(t)
	c, _, _ := testClient(t, f.URL(), nil)
	ctx := context.Background()

	type tc struct {
		name       string
		call       func() error
		wantMethod string
		wantURI    string // raw, without /ari
		wantBody   string // JSON, "" = none
	}
	respondWith := func(status int, body string) {
		f.setRespond(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, status, body) })
	}
	chJSON := `{"id":"agent-1001;2","name":"Local/1001@agents-00000002;2","state":"Up","protocol_id":"","caller":{"name":"","number":""},"connected":{"name":"","number":""},"accountcode":"","dialplan":{"context":"agents","exten":"1001","priority":1,"app_name":"","app_data":""},"creationtime":"2026-11-22T05:51:24.480+0000","language":"en"}`
	cases := []tc{
		{"hangup reason", func() error { return c.Hangup(ctx, "agent-1001;2", "normal") }, "DELETE", "/channels/agent-1001%3B2?reason=normal", ""},
		{"get channel", func() error {
			respondWith(200, chJSON)
			ch, err := c.GetChannel(ctx, "agent-1001;2")
			if err == nil && (ch.ID != "agent-1001;2" || ch.State != "Up") {
				t.Errorf("GetChannel decoded %+v", ch)
			}
			return err
		}, "GET", "/channels/agent-1001%3B2", ""},
		{"list channels", func() error {
			respondWith(200, "["+chJSON+","+chJSON+"]")
			chs, err := c.ListChannels(ctx)
			if err == nil && (len(chs) != 2 || chs[1].ID != "agent-1001;2") {
				t.Errorf("ListChannels decoded %+v", chs)
			}
			return err
		}, "GET", "/channels", ""},
		{"ring", func() error { return c.Ring(ctx, "agent-1001") }, "POST", "/channels/agent-1001/ring", ""},
		{"moh", func() error { return c.StartMOH(ctx, "caller-1-leg2", "default") }, "POST", "/channels/caller-1-leg2/moh?mohClass=default", ""},
		{"set variable", func() error { return c.SetVariable(ctx, "caller-1-leg2", "CDR(queue)", "sales & more") },
			"POST", "/channels/caller-1-leg2/variable?value=sales+%26+more&variable=CDR%28queue%29", ""},
		{"originate variables, timeout rounded up, default app", func() error {
			respondWith(200, chJSON)
			_, err := c.Originate(ctx, OriginateRequest{ChannelID: "agent-1001", Endpoint: "Local/1001@agents",
				AppArgs: []string{"agent", "caller-1-leg2"}, Timeout: 7500 * time.Millisecond,
				Variables: map[string]string{"CALLFLOOR_CALL": "call-1"}})
			return err
		}, "POST", "/channels?app=callfloor&appArgs=agent%2Ccaller-1-leg2&channelId=agent-1001&endpoint=Local%2F1001%40agents&timeout=8",
			`{"variables":{"CALLFLOOR_CALL":"call-1"}}`},
		{"snoop default app", func() error {
			respondWith(200, chJSON)
			_, err := c.Snoop(ctx, "agent-1001;2", SnoopRequest{SnoopID: "snoop-1", Spy: "both", Whisper: "none"})
			return err
		}, "POST", "/channels/agent-1001%3B2/snoop?app=callfloor&snoopId=snoop-1&spy=both&whisper=none", ""},
		{"get bridge", func() error {
			respondWith(200, `{"id":"call-1","technology":"simple_bridge","bridge_type":"mixing","bridge_class":"stasis","creator":"Stasis","name":"","channels":["a","b;2"],"creationtime":"2026-11-22T05:51:26.484+0000","video_mode":"talker"}`)
			b, err := c.GetBridge(ctx, "call-1")
			if err == nil && (b.ID != "call-1" || len(b.ChannelIDs) != 2 || b.ChannelIDs[1] != "b;2") {
				t.Errorf("GetBridge decoded %+v", b)
			}
			return err
		}, "GET", "/bridges/call-1", ""},
		{"list bridges", func() error {
			respondWith(200, `[{"id":"hold-1","bridge_type":"holding","channels":[]}]`)
			bs, err := c.ListBridges(ctx)
			if err == nil && (len(bs) != 1 || bs[0].Type != "holding") {
				t.Errorf("ListBridges decoded %+v", bs)
			}
			return err
		}, "GET", "/bridges", ""},
		{"stop recording", func() error { return c.StopRecording(ctx, "callfloor/inbound-1") }, "POST", "/recordings/live/callfloor%2Finbound-1/stop", ""},
		{"get application", func() error {
			respondWith(200, `{"name":"callfloor","channel_ids":["caller-1-leg2"],"bridge_ids":["hold-1"],"endpoint_ids":[],"device_names":[],"events_allowed":[],"events_disallowed":[]}`)
			a, err := c.GetApplication(ctx)
			if err == nil && (a.Name != "callfloor" || len(a.ChannelIDs) != 1 || a.BridgeIDs[0] != "hold-1") {
				t.Errorf("GetApplication decoded %+v", a)
			}
			return err
		}, "GET", "/applications/callfloor", ""},
		{"event filter", func() error {
			respondWith(200, `{"name":"callfloor"}`)
			return c.SetEventFilter(ctx, []string{"StasisStart", "StasisEnd"})
		}, "PUT", "/applications/callfloor/eventFilter", `{"allowed":[{"type":"StasisStart"},{"type":"StasisEnd"}]}`},
		{"ping", func() error {
			respondWith(200, `{"asterisk_id":"02:fc:00:00:00:01","ping":"pong","timestamp":"2026-11-22T05:51:22.476+0000"}`)
			return c.Ping(ctx)
		}, "GET", "/asterisk/ping", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.resetRequests()
			respondWith(204, "")
			if err := tc.call(); err != nil {
				t.Fatalf("error: %v", err)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("server saw %d requests", len(reqs))
			}
			if got := reqs[0].Method + " " + strings.TrimPrefix(reqs[0].RequestURI, "/ari"); got != tc.wantMethod+" "+tc.wantURI {
				t.Errorf("sent %s\n want %s %s", got, tc.wantMethod, tc.wantURI)
			}
			if tc.wantBody == "" && reqs[0].Body != "" {
				t.Errorf("unexpected body %s", reqs[0].Body)
			}
			if tc.wantBody != "" && !jsonEqual(reqs[0].Body, tc.wantBody) {
				t.Errorf("body %s, want %s", reqs[0].Body, tc.wantBody)
			}
		})
	}
}

func jsonEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return mustJSON(x) == mustJSON(y)
}

func TestStoredRecordingFile(t *testing.T) {
	f := newFakeARI(t)
	c, _, _ := testClient(t, f.URL(), nil)
	wav := "RIFF....WAVEfmt "
	f.setRespond(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.EscapedPath() == "/ari/recordings/stored/callfloor%2Finbound-1/file" {
			w.Header().Set("Content-Type", "audio/wav")
			_, _ = io.WriteString(w, wav)
			return
		}
		writeJSON(w, 404, `{"message":"Recording not found"}`)
	})
	body, ctype, err := c.StoredRecordingFile(context.Background(), "callfloor/inbound-1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(body)
	body.Close()
	if err != nil || string(b) != wav || ctype != "audio/wav" {
		t.Fatalf("got %q %q %v", b, ctype, err)
	}
	if got := f.requests()[0].RequestURI; got != "/ari/recordings/stored/callfloor%2Finbound-1/file" {
		t.Errorf("sent %s", got)
	}

	_, _, err = c.StoredRecordingFile(context.Background(), "callfloor/missing")
	if !IsNotFound(err) || err.Error() != "ari GET /recordings/stored/callfloor%2Fmissing/file: 404 Recording not found" {
		t.Errorf("missing recording: %v", err)
	}
}

func TestRESTErrors(t *testing.T) {
	f := newFakeARI(t)
	c, _, _ := testClient(t, f.URL(), nil)
	ctx := context.Background()

	f.setRespond(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/ari/bridges/x/"):
			writeJSON(w, 404, `{"message":"Bridge not found"}`)
		case r.URL.Path == "/ari/bridges":
			writeJSON(w, 409, `{"message":"Bridge with id 'hold-1' already exists"}`)
		default:
			w.WriteHeader(500)
			_, _ = io.WriteString(w, "Internal Server Error\n")
		}
	})
	err := c.AddChannel(ctx, "x", "caller-1-leg2")
	if err == nil || err.Error() != "ari POST /bridges/x/addChannel: 404 Bridge not found" || !IsNotFound(err) || IsConflict(err) {
		t.Errorf("404: %v", err)
	}
	_, err = c.CreateBridge(ctx, "hold-1", "holding", "queue-sales")
	var e *Error
	if !errors.As(err, &e) || e.Status != 409 || e.Message != "Bridge with id 'hold-1' already exists" || !IsConflict(err) {
		t.Errorf("409: %v", err)
	}
	err = c.Answer(ctx, "c")
	if !errors.As(err, &e) || e.Status != 500 || e.Message != "Internal Server Error" {
		t.Errorf("500 non-JSON: %v", err)
	}
	// Wrong password: 401 with Asterisk's message.
	bad := New(Config{Name: "pbx1", URL: f.URL(), Username: testUser, Password: "wrong"})
	err = bad.Ping(ctx)
	if !errors.As(err, &e) || e.Status != 401 || e.Message != "Authentication required" {
		t.Errorf("401: %v", err)
	}
	if IsNotFound(nil) || IsConflict(errors.New("x")) {
		t.Error("IsNotFound/IsConflict on non-ARI errors")
	}
}

// TestRESTDeadline: a server that hangs does not hang the caller.
func TestRESTDeadline(t *testing.T) {
	f := newFakeARI(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) }) // runs before the server is closed
	f.setRespond(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-time.After(10 * time.Second):
		}
		w.WriteHeader(204)
	})
	c, reg, _ := testClient(t, f.URL(), func(cfg *Config) { cfg.RequestTimeout = 100 * time.Millisecond })

	start := time.Now()
	_, err := c.GetChannel(context.Background(), "caller-1")
	el := time.Since(start)
	if err == nil {
		t.Fatal("no error from a hanging server")
	}
	if el > time.Second {
		t.Fatalf("returned after %v, want about 100ms", el)
	}
	var e *Error
	if !errors.As(err, &e) || e.Status != 0 || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %#v (%v), want *Error wrapping DeadlineExceeded", err, err)
	}
	if !strings.HasPrefix(err.Error(), "ari GET /channels/caller-1: ") {
		t.Errorf("message %q", err.Error())
	}

	// The caller's own, longer deadline does not extend it; a shorter one wins.
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	start = time.Now()
	if err := c.Answer(ctx, "caller-1"); err == nil || time.Since(start) > time.Second {
		t.Errorf("Answer with long caller ctx: %v after %v", err, time.Since(start))
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := c.Ring(ctx2, "caller-1"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: %v", err)
	}
	if n := testutil.CollectAndCount(reg, "callfloor_ari_request_duration_seconds"); n != 2 {
		t.Errorf("want the series {GET,error} and {POST,error}, got %d", n)
	}
}

// TestRESTNetworkErrorCause: a network failure is reported with its cause (connection
// refused), not as the "context canceled" of the request's own cancellation.
func TestRESTNetworkErrorCause(t *testing.T) {
	c, _, _ := testClient(t, "http://"+freeAddr(t), nil)
	_, err := c.Originate(context.Background(), OriginateRequest{Endpoint: "Local/1001@agents", App: "callfloor"})
	var e *Error
	if !errors.As(err, &e) || e.Status != 0 {
		t.Fatalf("err = %#v, want *Error without status", err)
	}
	if errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "context canceled") {
		t.Errorf("error hides its cause: %v", err)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error %q does not say the connection was refused", err)
	}
	if !strings.HasPrefix(err.Error(), "ari POST /channels: ") {
		t.Errorf("message %q", err.Error())
	}
}

func TestTransportTuning(t *testing.T) {
	c := New(Config{URL: "http://127.0.0.1:8088"})
	tr, ok := c.http.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("transport %T", c.http.Transport)
	}
	if tr.MaxIdleConnsPerHost < 64 || tr.MaxConnsPerHost != 0 || tr.Proxy != nil {
		t.Errorf("transport MaxIdleConnsPerHost=%d MaxConnsPerHost=%d proxy=%v", tr.MaxIdleConnsPerHost, tr.MaxConnsPerHost, tr.Proxy != nil)
	}
	if c.cfg.RequestTimeout != 5*time.Second || c.cfg.App != "callfloor" || c.cfg.BufferSize != 4096 ||
		c.cfg.MinBackoff != 250*time.Millisecond || c.cfg.MaxBackoff != 10*time.Second {
		t.Errorf("defaults %+v", c.cfg)
	}
}

// TestRESTNormalisesDates: a response with RFC 3339 dates (a simulator,
// another Asterisk version) still decodes into ari/v5 types.
func TestRESTNormalisesDates(t *testing.T) {
	f := newFakeARI(t)
	c, _, _ := testClient(t, f.URL(), nil)
	f.setRespond(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `[{"id":"caller-1","name":"Local/x;1","state":"Up","caller":{"name":"","number":""},"connected":{"name":"","number":""},"dialplan":{"context":"c","exten":"s","priority":1},"creationtime":"2026-11-22T05:51:22Z"}]`)
	})
	chs, err := c.ListChannels(context.Background())
	if err != nil || len(chs) != 1 || chs[0].ID != "caller-1" || chs[0].Creationtime == nil ||
		chs[0].Creationtime.Seconds != time.Date(2026, 11, 22, 5, 51, 22, 0, time.UTC).Unix() {
		t.Fatalf("ListChannels = %+v, %v", chs, err)
	}
}

// A stored recording takes longer to read than the REST deadline: the deadline bounds the
// response headers only, never the body (issue 9 item 4: every large download failed at 5 s).
func TestStoredRecordingFileDeadlineOnHeadersOnly(t *testing.T) {
	f := newFakeARI(t)
	c, _, _ := testClient(t, f.URL(), func(cfg *Config) { cfg.RequestTimeout = 50 * time.Millisecond })
	f.setRespond(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.EscapedPath(), "slow-headers") {
			time.Sleep(300 * time.Millisecond)
		}
		w.Header().Set("Content-Type", "audio/wav")
		_, _ = io.WriteString(w, "RIFF")
		w.(http.Flusher).Flush()
		time.Sleep(300 * time.Millisecond) // longer than the deadline, between two parts of the body
		_, _ = io.WriteString(w, "....WAVE")
	})
	body, _, err := c.StoredRecordingFile(context.Background(), "callfloor/long")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(body)
	body.Close()
	if err != nil || string(b) != "RIFF....WAVE" {
		t.Fatalf("body read past the header deadline: %q %v", b, err)
	}
	// the headers themselves are still bounded
	if _, _, err := c.StoredRecordingFile(context.Background(), "callfloor/slow-headers"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("headers later than the deadline: %v", err)
	}
	// and the caller's context still ends the body
	ctx, cancel := context.WithCancel(context.Background())
	body, _, err = c.StoredRecordingFile(ctx, "callfloor/long")
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := io.ReadAll(body); err == nil {
		t.Fatal("body read after the caller cancelled")
	}
	body.Close()
}

// Every DELETE /bridges/{id} a real Asterisk refused in the traces refused it because the bridge
// was already gone (404, or 409 right after its destruction): BridgeGone says so for each.
func TestBridgeGoneMatchesTraces(t *testing.T) {
	f := newFakeARI(t)
	c, _, _ := testClient(t, f.URL(), nil)
	seen := map[int]bool{}
	for _, l := range parseRestLogs(t) {
		if l.method != "DELETE" || len(l.segments) != 2 || l.segments[0] != "bridges" || l.status < 400 {
			continue
		}
		f.setRespond(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, l.status, l.body) })
		err := c.DestroyBridge(context.Background(), l.segments[1])
		if !BridgeGone(err) {
			t.Errorf("%s: %q: BridgeGone(%v) = false", l.file, l.raw, err)
		}
		seen[l.status] = true
	}
	if !seen[404] || !seen[409] {
		t.Fatalf("traces refused DELETE /bridges with %v, want both 404 and 409", seen)
	}
	if BridgeGone(nil) || BridgeGone(errors.New("x")) {
		t.Error("BridgeGone on a success or a non-ARI error")
	}
}

// A guard (the ACD's lease, telephony/lease.go) stops every request that changes something
// before it leaves; reads still go.
func TestGuardRefusesChangingRequests(t *testing.T) {
	f := newFakeARI(t)
	c, _, _ := testClient(t, f.URL(), nil)
	ctx := context.Background()
	f.setRespond(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, "[]") })
	notHolder := errors.New("not the lease holder")
	c.SetGuard(func() error { return notHolder })
	f.resetRequests()
	err := c.Hangup(ctx, "ch1", "normal")
	if !errors.Is(err, notHolder) || !strings.Contains(err.Error(), "not the lease holder") {
		t.Fatalf("guarded hang-up: %v", err)
	}
	if n := len(f.requests()); n != 0 {
		t.Fatalf("the guarded request reached Asterisk (%d requests)", n)
	}
	if _, err := c.ListChannels(ctx); err != nil || len(f.requests()) != 1 {
		t.Fatalf("a read under the guard: %v, %d requests", err, len(f.requests()))
	}
	c.SetGuard(func() error { return nil })
	if err := c.Hangup(ctx, "ch1", "normal"); err != nil {
		t.Fatalf("hang-up with the guard passing: %v", err)
	}
}
