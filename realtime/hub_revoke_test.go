package realtime_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// fakeCreds plays the API's credentials: X-User is the user id, X-Session the credential id,
// X-Token "1" an API token; checks answers what states says of a credential id.
type fakeCreds struct {
	mu     sync.Mutex
	states map[string]error               // credential id -> error the re-check returns
	roles  map[string]callfloor.Principal // credential id -> who the re-check says it is now
	at     time.Time                      // the credentials' check time (zero: now)
}

func newFakeCreds() *fakeCreds {
	return &fakeCreds{states: map[string]error{}, roles: map[string]callfloor.Principal{}}
}

func (f *fakeCreds) credential(r *http.Request) (realtime.Credential, bool) {
	uid, err := strconv.ParseInt(r.Header.Get("X-User"), 10, 64)
	if err != nil {
		return realtime.Credential{}, false
	}
	p := callfloor.Principal{UserID: uid, Username: "u" + r.Header.Get("X-User"), Role: callfloor.RoleSupervisor}
	id := r.Header.Get("X-Session")
	f.mu.Lock()
	at := f.at
	f.mu.Unlock()
	if at.IsZero() {
		at = time.Now()
	}
	return realtime.Credential{Principal: p, ID: id, Token: r.Header.Get("X-Token") == "1", At: at,
		Check: func(context.Context) (callfloor.Principal, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			if err := f.states[id]; err != nil {
				return callfloor.Principal{}, err
			}
			if np, ok := f.roles[id]; ok {
				return np, nil
			}
			return p, nil
		}}, true
}

// secondNode starts another hub and server on the same Redis and prefix as e.
func (e *hubEnv) secondNode(t *testing.T, o realtime.HubOptions) (*realtime.Hub, string) {
	t.Helper()
	o.KPI, o.Store = e.cfg.kpi(e.s), e.s
	if o.Coalesce == 0 {
		o.Coalesce = 10 * time.Millisecond
	}
	hub := realtime.NewHub(o)
	srv := httptest.NewServer(hub)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = hub.Run(ctx) }()
	t.Cleanup(func() { cancel(); srv.CloseClientConnections(); srv.Close(); <-done })
	return hub, "ws" + strings.TrimPrefix(srv.URL, "http")
}

func hdr(user, session string) http.Header {
	return http.Header{"X-User": {user}, "X-Session": {session}}
}

// liveSocket dials and subscribes to the queue tiles, so the socket is fully registered.
func liveSocket(t *testing.T, url string, h http.Header) *websocket.Conn {
	t.Helper()
	c := dial(t, url, h)
	send(t, c, subscribe("q", realtime.View{Kind: "queues"}))
	if m := recv(t, c, 3*time.Second); m.Type != "snapshot" {
		t.Fatalf("subscribe answered %+v", m)
	}
	return c
}

// A user disabled on one node loses their sockets on every node sharing Redis within a second,
// with the reason; other users keep theirs.
func TestHubRevokeUserClosesSocketsOnEveryNode(t *testing.T) {
	f := newFakeCreds()
	e := newHubEnv(t, realtime.HubOptions{Credential: f.credential}, false)
	_, url2 := e.secondNode(t, realtime.HubOptions{Credential: f.credential})
	a1 := liveSocket(t, e.url, hdr("7", "s-a"))
	a2 := liveSocket(t, url2, hdr("7", "s-b"))
	other1 := liveSocket(t, e.url, hdr("8", "s-c"))
	other2 := liveSocket(t, url2, hdr("8", "s-d"))

	e.hub.Revoke(context.Background(), realtime.Revocation{UserID: 7, Reason: realtime.RevokeUserDisabled})
	for i, c := range []*websocket.Conn{a1, a2} {
		code, text := testenv.SocketClose(t, c, time.Second)
		if code != realtime.CloseRevoked || !strings.HasPrefix(text, "user_disabled") {
			t.Errorf("node %d: closed with %d %q, want %d user_disabled", i+1, code, text, realtime.CloseRevoked)
		}
	}
	testenv.AnswersPing(t, other1, "another user on node 1")
	testenv.AnswersPing(t, other2, "another user on node 2")
	if got := testutil.ToFloat64(mustCollector(t, e.reg, "callfloor_ws_closed_total")); got != 1 {
		t.Errorf("callfloor_ws_closed_total = %v, want 1", got)
	}
}

// Revoking one session (a logout) closes that session's sockets only; revoking a user's tokens
// closes their token sockets only.
func TestHubRevokeOneSessionOrTheTokens(t *testing.T) {
	f := newFakeCreds()
	e := newHubEnv(t, realtime.HubOptions{Credential: f.credential}, false)
	_, url2 := e.secondNode(t, realtime.HubOptions{Credential: f.credential})
	s1n1 := liveSocket(t, e.url, hdr("7", "s1"))
	s1n2 := liveSocket(t, url2, hdr("7", "s1"))
	s2 := liveSocket(t, url2, hdr("7", "s2"))
	th := hdr("7", "t1")
	th.Set("X-Token", "1")
	tok := liveSocket(t, e.url, th)

	e.hub.Revoke(context.Background(), realtime.Revocation{UserID: 7, Session: "s1", Reason: realtime.RevokeLogout})
	for _, c := range []*websocket.Conn{s1n1, s1n2} {
		if code, text := testenv.SocketClose(t, c, time.Second); code != realtime.CloseRevoked || !strings.HasPrefix(text, "logout") {
			t.Errorf("logged-out session's socket closed with %d %q", code, text)
		}
	}
	testenv.AnswersPing(t, s2, "the user's other session")
	testenv.AnswersPing(t, tok, "the user's token socket")

	e.hub.Revoke(context.Background(), realtime.Revocation{UserID: 7, Tokens: true, Reason: realtime.RevokeToken})
	if code, text := testenv.SocketClose(t, tok, time.Second); code != realtime.CloseRevoked || !strings.HasPrefix(text, "token_revoked") {
		t.Errorf("token socket closed with %d %q", code, text)
	}
	testenv.AnswersPing(t, s2, "the user's session after a token revocation")
}

// A role change closes with the re-scope code (the client reconnects, authenticated again).
func TestHubRevokeRoleChangedAsksToReconnect(t *testing.T) {
	f := newFakeCreds()
	e := newHubEnv(t, realtime.HubOptions{Credential: f.credential}, false)
	c := liveSocket(t, e.url, hdr("7", "s1"))
	rv := realtime.Revocation{UserID: 7, Reason: realtime.RevokeRoleChanged, At: time.Now()}
	e.hub.Revoke(context.Background(), rv)
	if code, text := testenv.SocketClose(t, c, time.Second); code != realtime.CloseRescoped || !strings.HasPrefix(text, "role_changed") {
		t.Errorf("closed with %d %q, want %d role_changed", code, text, realtime.CloseRescoped)
	}
	// the reconnect (checked after the change) is let in, and stays when the same revocation
	// arrives again late (its echo through Redis, another node's delivery)
	again := liveSocket(t, e.url, hdr("7", "s1"))
	if err := realtime.PublishRevocation(context.Background(), e.s.Client(), e.s.Prefix(), rv); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the hub's subscriber applies it
	testenv.AnswersPing(t, again, "the reconnect after a late copy of the revocation")
}

// A socket whose credential was checked before a revocation but registers after it went by is
// closed all the same.
func TestHubRevocationReachesSocketStillUpgrading(t *testing.T) {
	f := newFakeCreds()
	f.at = time.Now().Add(-time.Second) // authenticated a second ago
	e := newHubEnv(t, realtime.HubOptions{Credential: f.credential}, false)
	e.hub.Revoke(context.Background(), realtime.Revocation{UserID: 7, Reason: realtime.RevokeUserDisabled})
	c := dial(t, e.url, hdr("7", "s1"))
	if code, text := testenv.SocketClose(t, c, time.Second); code != realtime.CloseRevoked || !strings.HasPrefix(text, "user_disabled") {
		t.Errorf("closed with %d %q", code, text)
	}
	f.mu.Lock()
	f.at = time.Time{} // authenticated now, after the revocation
	f.mu.Unlock()
	liveSocket(t, e.url, hdr("7", "s2"))
}

// The periodic re-check closes a socket whose session expired or whose role changed without
// an announcement, and keeps it when the check itself fails for another reason.
func TestHubRecheckNoticesExpiredSessionAndNewRole(t *testing.T) {
	f := newFakeCreds()
	e := newHubEnv(t, realtime.HubOptions{Credential: f.credential, Recheck: 100 * time.Millisecond}, false)
	expired := liveSocket(t, e.url, hdr("7", "s1"))
	expired2 := liveSocket(t, e.url, hdr("7", "s1"))
	moved := liveSocket(t, e.url, hdr("8", "s2"))
	dbDown := liveSocket(t, e.url, hdr("9", "s3"))
	f.mu.Lock()
	f.states["s1"] = &callfloor.Error{Code: callfloor.EUNAUTH, Message: "no valid session"}
	f.roles["s2"] = callfloor.Principal{UserID: 8, Username: "u8", Role: callfloor.RoleAgent, AgentID: "a1"}
	f.states["s3"] = errors.New("database unreachable")
	f.mu.Unlock()
	for _, c := range []*websocket.Conn{expired, expired2} {
		if code, text := testenv.SocketClose(t, c, 2*time.Second); code != realtime.CloseRevoked || !strings.HasPrefix(text, "session_expired") {
			t.Errorf("expired session's socket closed with %d %q", code, text)
		}
	}
	if code, text := testenv.SocketClose(t, moved, 2*time.Second); code != realtime.CloseRescoped || !strings.HasPrefix(text, "role_changed") {
		t.Errorf("re-roled user's socket closed with %d %q", code, text)
	}
	time.Sleep(300 * time.Millisecond) // a few re-checks
	testenv.AnswersPing(t, dbDown, "a socket whose re-check could not reach the database")
}

// The 21st socket of a user on a node is refused with a reason naming the limit; other users
// and, once one closes, the same user get in again.
func TestHubLimitsSocketsPerUser(t *testing.T) {
	f := newFakeCreds()
	e := newHubEnv(t, realtime.HubOptions{Credential: f.credential}, false)
	var mine []*websocket.Conn
	for i := range realtime.DefaultMaxSocketsPerUser {
		mine = append(mine, liveSocket(t, e.url, hdr("7", "s"+strconv.Itoa(i))))
	}
	extra := dial(t, e.url, hdr("7", "s-extra"))
	code, text := testenv.SocketClose(t, extra, time.Second)
	if code != realtime.CloseTooMany || !strings.Contains(text, "at most 20 live connections per user") || !strings.Contains(text, "max_sockets_per_user") {
		t.Errorf("21st socket closed with %d %q, want %d naming the per-user limit", code, text, realtime.CloseTooMany)
	}
	testenv.AnswersPing(t, mine[0], "the first socket")
	liveSocket(t, e.url, hdr("8", "x")) // another user
	mine[3].Close()
	testenvEventually(t, 2*time.Second, "a slot freed", func() bool {
		c, _, err := websocket.DefaultDialer.Dial(e.url, hdr("7", "again"))
		if err != nil {
			return false
		}
		defer c.Close()
		send(t, c, map[string]any{"type": "ping"})
		_ = c.SetReadDeadline(time.Now().Add(time.Second))
		_, b, err := c.ReadMessage()
		return err == nil && strings.Contains(string(b), "pong")
	})
	if got := testutil.ToFloat64(mustCollector(t, e.reg, "callfloor_ws_closed_total")); got < 1 {
		t.Errorf("callfloor_ws_closed_total = %v, want the refusal counted", got)
	}
}

// Past the node's limit every user is refused, with a reason naming it.
func TestHubLimitsSocketsPerNode(t *testing.T) {
	f := newFakeCreds()
	e := newHubEnv(t, realtime.HubOptions{Credential: f.credential, MaxPerNode: 3}, false)
	for i := range 3 {
		liveSocket(t, e.url, hdr(strconv.Itoa(10+i), "s"))
	}
	c := dial(t, e.url, hdr("99", "s"))
	if code, text := testenv.SocketClose(t, c, time.Second); code != realtime.CloseTooMany || !strings.Contains(text, "max_sockets_per_node") {
		t.Errorf("4th socket on the node closed with %d %q", code, text)
	}
}

// A view that stops being allowed while followed (the agent moved to another team) closes the
// connection with the re-scope code at the next re-check.
func TestHubRecheckClosesViewNoLongerAllowed(t *testing.T) {
	f := newFakeCreds()
	var mu sync.Mutex
	team := map[string]string{"a1": "t1"}
	e := newHubEnv(t, realtime.HubOptions{Credential: f.credential, Recheck: 100 * time.Millisecond,
		Allowed: func(p callfloor.Principal, v realtime.View) error {
			mu.Lock()
			defer mu.Unlock()
			if v.Kind == realtime.ViewAgent && team[v.Agent] != "t1" {
				return &callfloor.Error{Code: callfloor.EFORBID, Message: "outside your team"}
			}
			return nil
		}}, false)
	e.cfg.addAgent(t, e.s, "a1", "t1", "sales")
	c := dial(t, e.url, hdr("7", "s1"))
	send(t, c, subscribe("a", realtime.View{Kind: "agent", Agent: "a1"}))
	if m := recv(t, c, 3*time.Second); m.Type != "snapshot" {
		t.Fatalf("subscribe answered %+v", m)
	}
	other := liveSocket(t, e.url, hdr("7", "s1")) // queue tiles only
	time.Sleep(300 * time.Millisecond)
	testenv.AnswersPing(t, c, "an allowed view after re-checks")
	mu.Lock()
	team["a1"] = "t2"
	mu.Unlock()
	if code, text := testenv.SocketClose(t, c, 2*time.Second); code != realtime.CloseRescoped || !strings.HasPrefix(text, "scope_changed") {
		t.Errorf("closed with %d %q, want %d scope_changed", code, text, realtime.CloseRescoped)
	}
	testenv.AnswersPing(t, other, "a connection whose views are still allowed")
}

// The periodic re-check notices a change of a user's projects (or of what their projects own:
// a project manager's queues and teams) as a change of scope.
func TestHubRecheckNoticesNewProjects(t *testing.T) {
	f := newFakeCreds()
	e := newHubEnv(t, realtime.HubOptions{Credential: f.credential, Recheck: 100 * time.Millisecond}, false)
	c := liveSocket(t, e.url, hdr("10", "s10"))
	same := liveSocket(t, e.url, hdr("11", "s11"))
	f.mu.Lock()
	f.roles["s10"] = callfloor.Principal{UserID: 10, Username: "u10", Role: callfloor.RoleSupervisor, Projects: []string{"acme"}, ProjectTeams: []string{"t1"}}
	f.mu.Unlock()
	if code, text := testenv.SocketClose(t, c, 2*time.Second); code != realtime.CloseRescoped || !strings.HasPrefix(text, "role_changed") {
		t.Errorf("socket of a user given projects closed with %d %q", code, text)
	}
	testenv.AnswersPing(t, same, "an unchanged user's socket")
}
