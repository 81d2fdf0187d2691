package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/dashboards"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/storage"
)

// liveSocket logs user in through the API and opens their live WebSocket on the floor view.
func liveSocket(t *testing.T, base, user, password string) *websocket.Conn {
	t.Helper()
	res, err := http.Post(base+"/api/v1/login", "application/json", strings.NewReader(`{"username":"`+user+`","password":"`+password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var session string
	for _, c := range res.Cookies() {
		if c.Name == dashboards.SessionCookie {
			session = c.Value
		}
	}
	if session == "" {
		t.Fatalf("login %s: %d, no session cookie", user, res.StatusCode)
	}
	h := http.Header{"Cookie": {dashboards.SessionCookie + "=" + session}, "Origin": {base}}
	c, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/api/v1/ws", h)
	if err != nil {
		t.Fatalf("%s's live socket: %v (%v)", user, err, resp)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.WriteJSON(map[string]any{"type": "subscribe", "id": "f", "view": map[string]any{"kind": "floor"}}); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var m map[string]any
	if err := c.ReadJSON(&m); err != nil || m["type"] != "snapshot" {
		t.Fatalf("%s's floor subscription: %v %v", user, m, err)
	}
	return c
}

// `callfloor user disable` and `user passwd` close the user's open live sockets at once, on the
// web nodes sharing the configuration's Redis and prefix (not at the hub's 30-second re-check);
// with that Redis away they still succeed, saying so on stderr.
func TestUserCommandClosesLiveSockets(t *testing.T) {
	t.Setenv("CALLFLOOR_REDIS_URL", testenv.RedisURL()) // the CLI's Redis: the demo's
	m, base, _ := startDemo(t, 5)
	const pw = "a long enough password"
	createUsers(t, m,
		storage.NewUser{Username: "sue", Password: pw, Role: callfloor.RoleSupervisor},
		storage.NewUser{Username: "pat", Password: pw, Role: callfloor.RoleSupervisor},
		storage.NewUser{Username: "kim", Password: pw, Role: callfloor.RoleSupervisor})
	ctx := context.Background()
	path := writeConfig(t, checkBase+"database_url: "+m.Config.DatabaseURL+"\nredis_prefix: \""+m.Config.Prefix+"\"\n")
	user := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := runUser(ctx, append(args, "-config", path), &out, &errOut); err != nil {
			t.Fatalf("user %v: %v (%s)", args, err, errOut.String())
		}
		return errOut.String()
	}
	// well under the hubs' 30-second re-check: only the CLI's revocation can close them this soon
	const soon = 3 * time.Second

	sue := liveSocket(t, base, "sue", pw)
	kim := liveSocket(t, base, "kim", pw)
	user("disable", "-username", "sue")
	if code, text := testenv.SocketClose(t, sue, soon); code != 4401 || !strings.HasPrefix(text, "user_disabled") {
		t.Fatalf("sue's socket after `user disable`: close %d %q, want 4401 user_disabled within %v", code, text, soon)
	}

	pat := liveSocket(t, base, "pat", pw)
	t.Setenv("CALLFLOOR_USER_PASSWORD", "another long password")
	user("passwd", "-username", "pat")
	if code, text := testenv.SocketClose(t, pat, soon); code != 4401 || !strings.HasPrefix(text, "session_revoked") {
		t.Fatalf("pat's socket after `user passwd`: close %d %q, want 4401 session_revoked within %v", code, text, soon)
	}
	// nobody else's
	if code, text := testenv.SocketClose(t, kim, 200*time.Millisecond); code != 0 {
		t.Fatalf("kim's socket closed too: %d %q", code, text)
	}

	// Redis away: the change is made all the same, and stderr says when the sockets close instead.
	t.Setenv("CALLFLOOR_REDIS_URL", "redis://127.0.0.1:1/0")
	errOut := user("disable", "-username", "kim")
	if !strings.Contains(errOut, "warning") || !strings.Contains(errOut, "Redis") || !strings.Contains(errOut, "30-second re-check") {
		t.Errorf("stderr without Redis: %q", errOut)
	}
	if u, err := m.DB.GetUserByUsername(ctx, "kim"); err != nil || !u.Disabled {
		t.Fatalf("kim after `user disable` without Redis: %+v %v", u, err)
	}
}
