package ari

import (
	"context"
	"net/http"
	"net/url"
)

// Play starts a sound on a channel in Stasis: POST /channels/{id}/play?media=…&playbackId=…
// (the dialler's message to a customer it has no agent for). Asterisk answers with the Playback.
func (c *Client) Play(ctx context.Context, channelID, playbackID, media string) error {
	q := url.Values{"media": {media}}
	setIf(q, "playbackId", playbackID)
	return c.do(ctx, request{method: http.MethodPost, path: "/channels/" + esc(channelID) + "/play", query: q}, nil)
}
