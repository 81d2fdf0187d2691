package ari

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Continue sends a channel out of Stasis to continue in the dialplan (POST /channels/{id}/continue).
func (c *Client) Continue(ctx context.Context, channelID, context_, extension string, priority int) error {
	q := url.Values{}
	if context_ != "" {
		q.Set("context", context_)
	}
	if extension != "" {
		q.Set("extension", extension)
	}
	if priority > 0 {
		q.Set("priority", strconv.Itoa(priority))
	}
	return c.do(ctx, request{method: http.MethodPost, path: "/channels/" + esc(channelID) + "/continue", query: q}, nil)
}

// StasisChannel is a channel as GET /channels lists it, with the dialplan application it is in
// (ari/v5's ChannelData drops app_name/app_data, which tell which Stasis arguments a caller
// entered with).
type StasisChannel struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	State   string `json:"state"`
	Created string `json:"creationtime"` // Asterisk's format: 2026-11-22T05:51:22.000+0000 (CreatedAt)
	Caller  struct {
		Name   string `json:"name"`
		Number string `json:"number"`
	} `json:"caller"`
	Dialplan struct {
		Context  string `json:"context"`
		Exten    string `json:"exten"`
		Priority int    `json:"priority"`
		AppName  string `json:"app_name"`
		AppData  string `json:"app_data"`
	} `json:"dialplan"`
}

// CreatedAt is the channel's creation time; zero when Asterisk did not give it.
func (ch StasisChannel) CreatedAt() time.Time {
	t, err := time.Parse("2006-01-02T15:04:05.000-0700", ch.Created)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// ListChannelsFull lists every channel with its dialplan application (GET /channels).
func (c *Client) ListChannelsFull(ctx context.Context) ([]StasisChannel, error) {
	var out []StasisChannel
	if err := c.do(ctx, request{method: http.MethodGet, path: "/channels"}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteStoredRecording deletes a stored recording's file on the node (DELETE /recordings/stored/{name}).
func (c *Client) DeleteStoredRecording(ctx context.Context, name string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/recordings/stored/" + esc(name)}, nil)
}

// SubscribeChannel subscribes the application to a channel's events
// (POST /applications/{app}/subscription?eventSource=channel:<id>). A channel that entered
// Stasis from the dialplan is otherwise heard of only while in Stasis: its StasisEnd comes, its
// ChannelDestroyed (with the hang-up cause) does not. A channel originated with app= is
// subscribed already.
func (c *Client) SubscribeChannel(ctx context.Context, channelID string) error {
	q := url.Values{"eventSource": {"channel:" + channelID}}
	return c.do(ctx, request{method: http.MethodPost, path: "/applications/" + esc(c.cfg.App) + "/subscription", query: q}, nil)
}

// StoredRecording is a recording stored on the node (GET /recordings/stored).
type StoredRecording struct {
	Name   string `json:"name"`
	Format string `json:"format"`
}

// ListStoredRecordings is GET /recordings/stored: every recording file the node keeps.
func (c *Client) ListStoredRecordings(ctx context.Context) ([]StoredRecording, error) {
	var out []StoredRecording
	if err := c.do(ctx, request{method: http.MethodGet, path: "/recordings/stored"}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// SubscribeEndpoint subscribes the application to an endpoint's events, or to every endpoint
// of a technology when id is only the technology (POST /applications/{app}/subscription?
// eventSource=endpoint:PJSIP or endpoint:PJSIP/1001): EndpointStateChange comes only so to an
// application connected without subscribeAll.
func (c *Client) SubscribeEndpoint(ctx context.Context, id string) error {
	q := url.Values{"eventSource": {"endpoint:" + id}}
	return c.do(ctx, request{method: http.MethodPost, path: "/applications/" + esc(c.cfg.App) + "/subscription", query: q}, nil)
}
