package ari

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	aril "github.com/CyCoreSystems/ari/v5"
)

// OriginateRequest is POST /channels. Empty fields are omitted.
type OriginateRequest struct {
	ChannelID, OtherChannelID string
	Endpoint                  string // e.g. "Local/1001@agents"
	// App and AppArgs send the answered channel into Stasis. When both App
	// and Extension are empty, App defaults to Config.App.
	App     string
	AppArgs []string // joined with ","
	// Extension, Context and Priority send the channel to the dialplan instead.
	Extension, Context string
	Priority           int
	CallerID           string            // e.g. `"Customer" <5550100>`
	Timeout            time.Duration     // seconds, rounded up; 0 = omit (Asterisk's default, 30s)
	Variables          map[string]string // JSON body {"variables":{...}}
}

// SnoopRequest is POST /channels/{id}/snoop.
type SnoopRequest struct {
	SnoopID string
	Spy     string // none|in|out|both
	Whisper string // none|in|out|both
	App     string // default Config.App
	AppArgs []string
}

func setIf(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

// Originate creates a channel: POST /channels (channelId as query param).
// It returns the channel as Asterisk reports it (state Down); StasisStart
// follows when it is answered.
func (c *Client) Originate(ctx context.Context, r OriginateRequest) (*aril.ChannelData, error) {
	q := url.Values{}
	setIf(q, "endpoint", r.Endpoint)
	app := r.App
	if app == "" && r.Extension == "" {
		app = c.cfg.App
	}
	setIf(q, "app", app)
	setIf(q, "appArgs", strings.Join(r.AppArgs, ","))
	setIf(q, "extension", r.Extension)
	setIf(q, "context", r.Context)
	if r.Priority != 0 {
		q.Set("priority", strconv.Itoa(r.Priority))
	}
	setIf(q, "callerId", r.CallerID)
	if r.Timeout > 0 {
		q.Set("timeout", strconv.FormatInt(int64((r.Timeout+time.Second-1)/time.Second), 10))
	}
	setIf(q, "channelId", r.ChannelID)
	setIf(q, "otherChannelId", r.OtherChannelID)
	var body any
	if len(r.Variables) > 0 {
		body = map[string]any{"variables": r.Variables}
	}
	var ch aril.ChannelData
	if err := c.do(ctx, request{method: http.MethodPost, path: "/channels", query: q, body: body}, &ch); err != nil {
		return nil, err
	}
	return &ch, nil
}

// Answer answers a channel: POST /channels/{id}/answer.
func (c *Client) Answer(ctx context.Context, channelID string) error {
	return c.do(ctx, request{method: http.MethodPost, path: "/channels/" + esc(channelID) + "/answer"}, nil)
}

// Hangup hangs a channel up: DELETE /channels/{id}[?reason=normal]. An
// unknown channel is a 404 error (check with IsNotFound).
func (c *Client) Hangup(ctx context.Context, channelID, reason string) error {
	q := url.Values{}
	setIf(q, "reason", reason)
	return c.do(ctx, request{method: http.MethodDelete, path: "/channels/" + esc(channelID), query: q}, nil)
}

// GetChannel is GET /channels/{id}.
func (c *Client) GetChannel(ctx context.Context, id string) (*aril.ChannelData, error) {
	var ch aril.ChannelData
	if err := c.do(ctx, request{method: http.MethodGet, path: "/channels/" + esc(id)}, &ch); err != nil {
		return nil, err
	}
	return &ch, nil
}

// ListChannels is GET /channels (every channel of the node, not only the application's).
func (c *Client) ListChannels(ctx context.Context) ([]aril.ChannelData, error) {
	var chs []aril.ChannelData
	if err := c.do(ctx, request{method: http.MethodGet, path: "/channels"}, &chs); err != nil {
		return nil, err
	}
	return chs, nil
}

// Ring indicates ringing to a channel: POST /channels/{id}/ring.
func (c *Client) Ring(ctx context.Context, channelID string) error {
	return c.do(ctx, request{method: http.MethodPost, path: "/channels/" + esc(channelID) + "/ring"}, nil)
}

// StartMOH plays music on hold to a channel: POST /channels/{id}/moh[?mohClass=class].
func (c *Client) StartMOH(ctx context.Context, channelID, class string) error {
	q := url.Values{}
	setIf(q, "mohClass", class)
	return c.do(ctx, request{method: http.MethodPost, path: "/channels/" + esc(channelID) + "/moh", query: q}, nil)
}

// SetVariable is POST /channels/{id}/variable?variable=name&value=value.
func (c *Client) SetVariable(ctx context.Context, channelID, name, value string) error {
	q := url.Values{"variable": {name}, "value": {value}}
	return c.do(ctx, request{method: http.MethodPost, path: "/channels/" + esc(channelID) + "/variable", query: q}, nil)
}

// Snoop creates a snoop channel on channelID: POST /channels/{id}/snoop.
func (c *Client) Snoop(ctx context.Context, channelID string, r SnoopRequest) (*aril.ChannelData, error) {
	q := url.Values{}
	app := r.App
	if app == "" {
		app = c.cfg.App
	}
	q.Set("app", app)
	setIf(q, "appArgs", strings.Join(r.AppArgs, ","))
	setIf(q, "snoopId", r.SnoopID)
	setIf(q, "spy", r.Spy)
	setIf(q, "whisper", r.Whisper)
	var ch aril.ChannelData
	if err := c.do(ctx, request{method: http.MethodPost, path: "/channels/" + esc(channelID) + "/snoop", query: q}, &ch); err != nil {
		return nil, err
	}
	return &ch, nil
}

// CreateBridge is POST /bridges?bridgeId=id&type=typ[&name=name]; typ is
// e.g. "holding" or "mixing". An existing id is a 409 (IsConflict).
func (c *Client) CreateBridge(ctx context.Context, id, typ, name string) (*aril.BridgeData, error) {
	q := url.Values{}
	setIf(q, "bridgeId", id)
	setIf(q, "type", typ)
	setIf(q, "name", name)
	var b aril.BridgeData
	if err := c.do(ctx, request{method: http.MethodPost, path: "/bridges", query: q}, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// GetBridge is GET /bridges/{id}.
func (c *Client) GetBridge(ctx context.Context, id string) (*aril.BridgeData, error) {
	var b aril.BridgeData
	if err := c.do(ctx, request{method: http.MethodGet, path: "/bridges/" + esc(id)}, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// ListBridges is GET /bridges.
func (c *Client) ListBridges(ctx context.Context) ([]aril.BridgeData, error) {
	var bs []aril.BridgeData
	if err := c.do(ctx, request{method: http.MethodGet, path: "/bridges"}, &bs); err != nil {
		return nil, err
	}
	return bs, nil
}

// DestroyBridge is DELETE /bridges/{id}.
func (c *Client) DestroyBridge(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/bridges/" + esc(id)}, nil)
}

// AddChannel is POST /bridges/{id}/addChannel?channel=a,b.
func (c *Client) AddChannel(ctx context.Context, bridgeID string, channelIDs ...string) error {
	q := url.Values{"channel": {strings.Join(channelIDs, ",")}}
	return c.do(ctx, request{method: http.MethodPost, path: "/bridges/" + esc(bridgeID) + "/addChannel", query: q}, nil)
}

// RemoveChannel is POST /bridges/{id}/removeChannel?channel=id.
func (c *Client) RemoveChannel(ctx context.Context, bridgeID, channelID string) error {
	q := url.Values{"channel": {channelID}}
	return c.do(ctx, request{method: http.MethodPost, path: "/bridges/" + esc(bridgeID) + "/removeChannel", query: q}, nil)
}

// StartBridgeMOH is POST /bridges/{id}/moh[?mohClass=class].
func (c *Client) StartBridgeMOH(ctx context.Context, bridgeID, class string) error {
	q := url.Values{}
	setIf(q, "mohClass", class)
	return c.do(ctx, request{method: http.MethodPost, path: "/bridges/" + esc(bridgeID) + "/moh", query: q}, nil)
}

// Record starts recording a bridge:
// POST /bridges/{id}/record?format=format&ifExists=overwrite&name=name.
// A name like "callfloor/inbound-1" is stored in a sub-folder.
func (c *Client) Record(ctx context.Context, bridgeID, name, format string) (*aril.LiveRecordingData, error) {
	q := url.Values{"name": {name}, "ifExists": {"overwrite"}}
	setIf(q, "format", format)
	var rec aril.LiveRecordingData
	if err := c.do(ctx, request{method: http.MethodPost, path: "/bridges/" + esc(bridgeID) + "/record", query: q}, &rec); err != nil {
		return nil, err
	}
	return &rec, nil
}

// StopRecording is POST /recordings/live/{name}/stop.
func (c *Client) StopRecording(ctx context.Context, name string) error {
	return c.do(ctx, request{method: http.MethodPost, path: "/recordings/live/" + esc(name) + "/stop"}, nil)
}

// StoredRecordingFile downloads a stored recording:
// GET /recordings/stored/{name}/file, with name path-escaped
// (callfloor/inbound-1 -> callfloor%2Finbound-1). It returns the body and
// its content type (e.g. audio/wav). The caller must Close the body.
// Config.RequestTimeout bounds the wait for the response headers only: a
// recording of an hour or more takes longer than that to read, so the body is
// bounded by ctx alone (the caller's deadline or idle watchdog).
func (c *Client) StoredRecordingFile(ctx context.Context, name string) (io.ReadCloser, string, error) {
	resp, cancel, err := c.send(ctx, request{method: http.MethodGet, path: "/recordings/stored/" + esc(name) + "/file", headersOnly: true})
	if err != nil {
		return nil, "", err
	}
	return &cancelBody{ReadCloser: resp.Body, cancel: cancel}, resp.Header.Get("Content-Type"), nil
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// GetApplication is GET /applications/{app}.
func (c *Client) GetApplication(ctx context.Context) (*aril.ApplicationData, error) {
	var a aril.ApplicationData
	if err := c.do(ctx, request{method: http.MethodGet, path: "/applications/" + esc(c.cfg.App)}, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

type eventType struct {
	Type string `json:"type"`
}

// SetEventFilter restricts the events Asterisk sends the application:
// PUT /applications/{app}/eventFilter with {"allowed":[{"type":"StasisStart"},...]}.
// An empty list allows every event type again.
func (c *Client) SetEventFilter(ctx context.Context, allowed []string) error {
	body := struct {
		Allowed []eventType `json:"allowed"`
	}{Allowed: make([]eventType, 0, len(allowed))}
	for _, t := range allowed {
		body.Allowed = append(body.Allowed, eventType{Type: t})
	}
	return c.do(ctx, request{method: http.MethodPut, path: "/applications/" + esc(c.cfg.App) + "/eventFilter", body: body}, nil)
}

// Ping is GET /asterisk/ping.
func (c *Client) Ping(ctx context.Context) error {
	return c.do(ctx, request{method: http.MethodGet, path: "/asterisk/ping"}, nil)
}

// asteriskInfo is GET /asterisk/info, reduced to what the connector uses
// (decoded locally so that the status timestamps cannot fail it).
func (c *Client) asteriskInfo(ctx context.Context) (entityID string, startedAt time.Time, err error) {
	var info struct {
		System struct {
			EntityID string `json:"entity_id"`
			Version  string `json:"version"`
		} `json:"system"`
		Status struct {
			StartupTime string `json:"startup_time"`
		} `json:"status"`
	}
	if err := c.do(ctx, request{method: http.MethodGet, path: "/asterisk/info"}, &info); err != nil {
		return "", time.Time{}, err
	}
	if s, ok := normaliseTime(info.Status.StartupTime); ok {
		startedAt, _ = time.Parse(aril.DateFormat, s)
	}
	return info.System.EntityID, startedAt, nil
}
