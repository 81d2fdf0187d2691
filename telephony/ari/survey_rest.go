package ari

import (
	"context"
	"net/http"
)

// StopPlayback stops a playback: DELETE /playbacks/{id}. Asterisk then sends its
// PlaybackFinished (state done); an unknown playback (finished already) is a 404.
func (c *Client) StopPlayback(ctx context.Context, playbackID string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/playbacks/" + esc(playbackID)}, nil)
}
