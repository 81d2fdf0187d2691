package testenv

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// SocketClose reads c until the server closes it and returns the close code and text; 0 and ""
// when it is still open after within. A socket that ends without a close frame fails the test.
func SocketClose(t testing.TB, c *websocket.Conn, within time.Duration) (int, string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(within))
	for {
		_, _, err := c.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code, ce.Text
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return 0, ""
		}
		t.Fatalf("socket ended without a close frame: %v", err)
	}
}

// AnswersPing checks that the live socket c answers a ping with a pong (what names it in the
// failure).
func AnswersPing(t testing.TB, c *websocket.Conn, what string) {
	t.Helper()
	if err := c.WriteJSON(map[string]any{"type": "ping"}); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	for {
		_, b, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("%s: closed: %v", what, err)
		}
		if strings.Contains(string(b), `"pong"`) {
			return
		}
	}
}
