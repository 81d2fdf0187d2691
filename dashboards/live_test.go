package dashboards_test

// The live WebSocket end to end: two web nodes (each its own API, auth and hub) share one
// PostgreSQL and one Redis, as behind a load balancer. A revocation made through either node's
// API closes the user's sockets on both.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/dashboards"
	"github.com/callfloor/callfloor/internal/testdb"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
	"github.com/callfloor/callfloor/telephony"
	"github.com/gorilla/websocket"
)

type liveNode struct {
	srv *httptest.Server
	ws  string // ws:// URL of /api/v1/ws
}

type liveEnv struct {
	t     *testing.T
	db    *storage.DB
	nodes []*liveNode
	root  string // admin API token
	ids   map[string]int64
}

const livePW = "a long enough password"

func newLiveEnv(t *testing.T, o realtime.HubOptions) *liveEnv {
	t.Helper()
	ctx := context.Background()
	db, _ := testdb.Open(t)
	rdb, prefix := testenv.Redis(t)
	base := &callfloor.Config{
		Queues: []callfloor.Queue{{Name: "sales"}},
		Agents: []callfloor.Agent{{ID: "1001", Name: "Ana", Endpoint: "PJSIP/1001", Team: "team-a", Skills: map[string]int{"sales": 5}}},
		Sim:    &callfloor.SimConfig{},
	}
	base.ApplyDefaults()
	cfg, _, err := dashboards.LoadConfig(ctx, db, base)
	if err != nil {
		t.Fatal(err)
	}
	store := realtime.New(rdb, prefix)
	acd, err := telephony.New(telephony.Options{Config: cfg, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	acdDone := make(chan struct{})
	go func() { defer close(acdDone); acd.Run(rctx) }()
	t.Cleanup(func() { cancel(); <-acdDone })
	e := &liveEnv{t: t, db: db, ids: map[string]int64{}}
	for range 2 {
		auth := &dashboards.Auth{DB: db, Redis: rdb, Prefix: prefix}
		mux := http.NewServeMux()
		api := &dashboards.API{ACD: acd, DB: db, Auth: auth, Base: base, Recordings: memRecordings{}}
		api.Register(mux)
		ho := o
		ho.KPI = realtime.NewKPI(store, realtime.KPIOptions{Queues: acd.Queues, Agents: acd.Agents})
		ho.Store, ho.Allowed, ho.Credential, ho.Coalesce = store, dashboards.LiveAllowed(acd), api.LiveCredential, 10*time.Millisecond
		hub := realtime.NewHub(ho)
		auth.OnRevoke = hub.Revoke
		api.MountLive(mux, hub)
		hubDone := make(chan struct{})
		go func() { defer close(hubDone); _ = hub.Run(rctx) }()
		srv := httptest.NewServer(mux)
		t.Cleanup(func() { srv.CloseClientConnections(); srv.Close(); cancel(); <-hubDone })
		e.nodes = append(e.nodes, &liveNode{srv: srv, ws: "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/v1/ws"})
	}
	for _, u := range []storage.NewUser{
		{Username: "root", Role: callfloor.RoleAdmin},
		{Username: "sup", Role: callfloor.RoleSupervisor},
		{Username: "sup2", Role: callfloor.RoleSupervisor},
	} {
		u.Password = livePW
		created, err := db.CreateUser(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		e.ids[u.Username] = created.ID
	}
	if e.root, _, err = db.CreateAPIToken(ctx, e.ids["root"], "test"); err != nil {
		t.Fatal(err)
	}
	return e
}

// login logs user in through node n and returns the session cookie's value.
func (e *liveEnv) login(n int, user string) string {
	e.t.Helper()
	res, err := http.Post(e.nodes[n].srv.URL+"/api/v1/login", "application/json",
		strings.NewReader(`{"username":"`+user+`","password":"`+livePW+`"}`))
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Name == dashboards.SessionCookie {
			return c.Value
		}
	}
	e.t.Fatalf("login %s: %d, no session cookie", user, res.StatusCode)
	return ""
}

// call sends an API request through node n: as the admin's token, or with a session cookie.
func (e *liveEnv) call(n int, method, path, body, session string) int {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.nodes[n].srv.URL+"/api/v1"+path, strings.NewReader(body))
	if session != "" {
		req.AddCookie(&http.Cookie{Name: dashboards.SessionCookie, Value: session})
		req.Header.Set("Origin", e.nodes[n].srv.URL)
	} else {
		req.Header.Set("Authorization", "Bearer "+e.root)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func sessionHeader(session string) http.Header {
	return http.Header{"Cookie": {dashboards.SessionCookie + "=" + session}}
}

// socket opens the live WebSocket on node n and subscribes to view; it returns the connection
// and the first answer (snapshot or error).
func (e *liveEnv) socket(n int, h http.Header, view realtime.View) (*websocket.Conn, map[string]any) {
	e.t.Helper()
	c, res, err := websocket.DefaultDialer.Dial(e.nodes[n].ws, h)
	if err != nil {
		e.t.Fatalf("dial node %d: %v (%v)", n, err, res)
	}
	e.t.Cleanup(func() { c.Close() })
	if err := c.WriteJSON(map[string]any{"type": "subscribe", "id": "s", "view": view}); err != nil {
		e.t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var m map[string]any
	if err := c.ReadJSON(&m); err != nil {
		e.t.Fatalf("node %d: no answer to subscribe: %v", n, err)
	}
	_ = c.SetReadDeadline(time.Time{})
	return c, m
}

func (e *liveEnv) floorSocket(n int, h http.Header) *websocket.Conn {
	e.t.Helper()
	c, m := e.socket(n, h, realtime.View{Kind: "floor"})
	if m["type"] != "snapshot" {
		e.t.Fatalf("node %d: floor subscription answered %v", n, m)
	}
	return c
}

// Disabling a user closes their sockets on both nodes within a second, with the reason;
// another user's sockets stay.
func TestLiveDisabledUserLosesSocketsOnEveryNode(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t, realtime.HubOptions{})
	sup := sessionHeader(e.login(0, "sup"))
	n1, n2 := e.floorSocket(0, sup), e.floorSocket(1, sup)
	other := e.floorSocket(1, sessionHeader(e.login(1, "sup2")))

	if code := e.call(0, "PUT", "/users/"+strconv.FormatInt(e.ids["sup"], 10), `{"disabled":true}`, ""); code != 200 {
		t.Fatalf("disable: %d", code)
	}
	for i, c := range []*websocket.Conn{n1, n2} {
		code, text := testenv.SocketClose(t, c, time.Second)
		if code != realtime.CloseRevoked || !strings.HasPrefix(text, "user_disabled") {
			t.Errorf("node %d: closed with %d %q, want %d user_disabled", i+1, code, text, realtime.CloseRevoked)
		}
	}
	testenv.AnswersPing(t, other, "another supervisor's socket")
	if _, res, err := websocket.DefaultDialer.Dial(e.nodes[1].ws, sup); err == nil || res == nil || res.StatusCode != 401 {
		t.Errorf("reconnect of the disabled user: %v %v, want 401", err, res)
	}
}

// Logging out closes the sockets of that session only, on every node; the same user's other
// session keeps its sockets.
func TestLiveLogoutClosesOnlyThatSession(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t, realtime.HubOptions{})
	a, b := e.login(0, "sup"), e.login(1, "sup")
	a1, a2 := e.floorSocket(0, sessionHeader(a)), e.floorSocket(1, sessionHeader(a))
	b1 := e.floorSocket(0, sessionHeader(b))

	if code := e.call(0, "POST", "/logout", "", a); code != 204 {
		t.Fatalf("logout: %d", code)
	}
	for i, c := range []*websocket.Conn{a1, a2} {
		if code, text := testenv.SocketClose(t, c, time.Second); code != realtime.CloseRevoked || !strings.HasPrefix(text, "logout") {
			t.Errorf("node %d: logged-out session's socket closed with %d %q", i+1, code, text)
		}
	}
	testenv.AnswersPing(t, b1, "the other session's socket")
}

// A role change closes the user's sockets with the re-scope code; the reconnect, with the same
// session, is scoped by the new role.
func TestLiveRoleChangeClosesAndReconnectIsRescoped(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t, realtime.HubOptions{})
	sup := sessionHeader(e.login(0, "sup"))
	c := e.floorSocket(1, sup)

	if code := e.call(0, "PUT", "/users/"+strconv.FormatInt(e.ids["sup"], 10), `{"role":"agent","agent_id":"1001","team_id":"team-a"}`, ""); code != 200 {
		t.Fatalf("role change: %d", code)
	}
	if code, text := testenv.SocketClose(t, c, time.Second); code != realtime.CloseRescoped || !strings.HasPrefix(text, "role_changed") {
		t.Fatalf("closed with %d %q, want %d role_changed", code, text, realtime.CloseRescoped)
	}
	_, m := e.socket(1, sup, realtime.View{Kind: "floor"})
	if m["type"] != "error" || m["code"] != "forbidden" {
		t.Errorf("the floor after becoming an agent: %v, want forbidden", m)
	}
	_, m = e.socket(1, sup, realtime.View{Kind: "agent", Agent: "1001"})
	if m["type"] != "snapshot" {
		t.Errorf("their own agent view after becoming an agent: %v", m)
	}
}

// Revoking an API token closes the sockets opened with it.
func TestLiveTokenRevokedClosesItsSockets(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t, realtime.HubOptions{})
	tok, id, err := e.db.CreateAPIToken(context.Background(), e.ids["sup"], "wallboard tv")
	if err != nil {
		t.Fatal(err)
	}
	c := e.floorSocket(1, http.Header{"Authorization": {"Bearer " + tok}})
	session := e.floorSocket(1, sessionHeader(e.login(1, "sup")))
	if code := e.call(0, "DELETE", "/tokens/"+strconv.FormatInt(id, 10), "", ""); code != 204 {
		t.Fatalf("revoke token: %d", code)
	}
	if code, text := testenv.SocketClose(t, c, time.Second); code != realtime.CloseRevoked || !strings.HasPrefix(text, "token_revoked") {
		t.Errorf("token socket closed with %d %q", code, text)
	}
	testenv.AnswersPing(t, session, "the user's browser session")
}

// A session that expires while its socket is open is noticed by the periodic re-check.
func TestLiveExpiredSessionClosedByRecheck(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t, realtime.HubOptions{Recheck: 200 * time.Millisecond})
	sup := sessionHeader(e.login(0, "sup"))
	c := e.floorSocket(0, sup)
	keep := e.floorSocket(0, sessionHeader(e.login(0, "sup2")))
	if _, err := e.db.Pool.Exec(context.Background(), `UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1`, e.ids["sup"]); err != nil {
		t.Fatal(err)
	}
	if code, text := testenv.SocketClose(t, c, 3*time.Second); code != realtime.CloseRevoked || !strings.HasPrefix(text, "session_expired") {
		t.Errorf("expired session's socket closed with %d %q", code, text)
	}
	time.Sleep(500 * time.Millisecond)
	testenv.AnswersPing(t, keep, "a valid session's socket after re-checks")
}

// The 21st socket of a user on a node is refused with a reason naming the limit (counted per
// node: the other node still lets the user in).
func TestLiveTwentyFirstSocketOfAUserRefused(t *testing.T) {
	t.Parallel()
	var def callfloor.Config
	def.ApplyDefaults() // the configuration's default limit
	e := newLiveEnv(t, realtime.HubOptions{MaxPerUser: def.Live.MaxSocketsPerUser})
	sup := sessionHeader(e.login(0, "sup"))
	for range 20 {
		e.floorSocket(0, sup)
	}
	c, res, err := websocket.DefaultDialer.Dial(e.nodes[0].ws, sup)
	if err != nil {
		t.Fatalf("dial: %v %v", err, res)
	}
	defer c.Close()
	if code, text := testenv.SocketClose(t, c, time.Second); code != realtime.CloseTooMany || !strings.Contains(text, "at most 20 live connections per user") {
		t.Errorf("21st socket closed with %d %q, want %d naming the limit", code, text, realtime.CloseTooMany)
	}
	e.floorSocket(1, sup)
	e.floorSocket(0, sessionHeader(e.login(0, "sup2")))
}
