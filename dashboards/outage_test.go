package dashboards_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/dashboards"
	"github.com/callfloor/callfloor/internal/testdb"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
	"github.com/callfloor/callfloor/telephony"
)

// outageEnv is two web nodes (one ACD, one Redis) whose PostgreSQL is reached through a proxy
// the test can cut; direct is the same database without the proxy, for the test's own checks.
type outageEnv struct {
	t      *testing.T
	direct *storage.DB
	proxy  *testenv.Proxy
	nodes  [2]*httptest.Server
	auths  [2]*dashboards.Auth
	rdb    *redis.Client
	prefix string
}

func newOutageEnv(t *testing.T) *outageEnv {
	t.Helper()
	ctx := context.Background()
	direct, dbURL := testdb.Open(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := testenv.NewProxy(t, u.Host)
	u.Host = proxy.Addr()
	db, err := storage.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	rdb, prefix := testenv.Redis(t)
	base := &callfloor.Config{
		Queues: []callfloor.Queue{{Name: "sales"}},
		Agents: []callfloor.Agent{
			{ID: "1001", Name: "Ana", Endpoint: "PJSIP/1001", Team: "team-a", Skills: map[string]int{"sales": 5}},
			{ID: "1002", Name: "Ben", Endpoint: "PJSIP/1002", Team: "team-a", Skills: map[string]int{"sales": 5}},
		},
		Sim: &callfloor.SimConfig{},
		ACD: callfloor.ACDConfig{Outbound: callfloor.OutboundConfig{DialString: "PJSIP/{number}@trunk"}},
	}
	base.ApplyDefaults()
	cfg, _, err := dashboards.LoadConfig(ctx, db, base)
	if err != nil {
		t.Fatal(err)
	}
	acd, err := telephony.New(telephony.Options{Config: cfg, Store: realtime.New(rdb, prefix)})
	if err != nil {
		t.Fatal(err)
	}
	actx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); acd.Run(actx) }()
	t.Cleanup(func() { cancel(); <-done })
	e := &outageEnv{t: t, direct: direct, proxy: proxy, rdb: rdb, prefix: prefix}
	for i := range e.nodes {
		auth := &dashboards.Auth{DB: db, Redis: rdb, Prefix: prefix, SessionTTL: time.Hour}
		e.auths[i] = auth
		mux := http.NewServeMux()
		(&dashboards.API{ACD: acd, DB: db, Auth: auth, Base: base, Recordings: memRecordings{}}).Register(mux)
		e.nodes[i] = httptest.NewServer(mux)
		t.Cleanup(e.nodes[i].Close)
	}
	for _, nu := range []storage.NewUser{
		{Username: "root", Role: callfloor.RoleAdmin},
		{Username: "ana", Role: callfloor.RoleAgent, AgentID: "1001", TeamID: "team-a"},
		{Username: "ben", Role: callfloor.RoleAgent, AgentID: "1002", TeamID: "team-a"},
		{Username: "sam", Role: callfloor.RoleSupervisor},
	} {
		nu.Password = goodPW
		if _, err := direct.CreateUser(ctx, nu); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// do sends a request to node n with a session cookie ("" none) or a bearer token ("cf_...").
func (e *outageEnv) do(n int, cred, method, path, body string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.nodes[n].URL+"/api/v1"+path, strings.NewReader(body))
	switch {
	case strings.HasPrefix(cred, "cf_"):
		req.Header.Set("Authorization", "Bearer "+cred)
	case cred != "":
		req.AddCookie(&http.Cookie{Name: dashboards.SessionCookie, Value: cred})
		req.Header.Set("Origin", e.nodes[n].URL)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return res.StatusCode, out
}

func (e *outageEnv) login(n int, user string) string {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.nodes[n].URL+"/api/v1/login", strings.NewReader(`{"username":"`+user+`","password":"`+goodPW+`"}`))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Name == dashboards.SessionCookie && res.StatusCode == 200 {
			return c.Value
		}
	}
	e.t.Fatalf("login %s: %d", user, res.StatusCode)
	return ""
}

func (e *outageEnv) expect(n int, cred, method, path, body string, want int) map[string]any {
	e.t.Helper()
	code, out := e.do(n, cred, method, path, body)
	if code != want {
		e.t.Fatalf("node %d: %s %s: %d %v, want %d", n, method, path, code, out, want)
	}
	return out
}

// With PostgreSQL unreachable the floor goes on: sessions and API tokens are checked on their
// Redis copies, agents pause, unpause and log in and out, the live views answer; what needs
// PostgreSQL answers 503 saying so. A session revoked before or during the outage is refused at
// once on every node, and a logout during the outage still holds once PostgreSQL is back.
func TestFloorWorksWhilePostgresIsDown(t *testing.T) {
	t.Parallel()
	e := newOutageEnv(t)
	ctx := context.Background()

	ana := e.login(0, "ana")   // copied at login
	ben := e.login(0, "ben")   // to be disabled before the outage
	sam := e.login(1, "sam")   // to be re-scoped before the outage
	root := e.login(1, "root") // admin
	samID := e.expect(1, sam, "GET", "/me", "", 200)["user"].(map[string]any)["id"].(float64)
	benID := e.expect(0, ben, "GET", "/me", "", 200)["user"].(map[string]any)["id"].(float64)
	// An API token made outside the API, copied at its first check.
	tok, _, err := e.direct.CreateAPIToken(ctx, int64(samID), "wallboard")
	if err != nil {
		t.Fatal(err)
	}
	e.expect(0, tok, "GET", "/queues", "", 200)
	rootTok := e.expect(0, root, "POST", "/tokens", `{"name":"ops"}`, 201)["token"].(string) // copied at creation
	e.expect(1, root, "PUT", "/users/"+itoa(int64(benID)), `{"disabled":true}`, 200)
	e.expect(0, root, "PUT", "/users/"+itoa(int64(samID)), `{"role":"qa"}`, 200)

	e.proxy.Cut()

	inOut := [2]string{"login", "logout"}
	for n := range e.nodes {
		if n == 0 {
			e.expect(n, ana, "POST", "/agents/1001/login", "", 200)
		}
		e.expect(n, ana, "POST", "/agents/1001/pause", `{"reason":"lunch"}`, 200)
		e.expect(n, ana, "POST", "/agents/1001/unpause", "", 200)
		e.expect(n, ana, "GET", "/agents/1001", "", 200)
		e.expect(n, ana, "POST", "/agents/1001/hold", `{"on":true}`, 409) // reaches the ACD: not on a call
		// Click-to-call reaches the ACD (which has no Asterisk node here), not a 401/500/503.
		if out := e.expect(n, ana, "POST", "/agents/1001/calls", `{"number":"5551234"}`, 409); !strings.Contains(out["message"].(string), "Asterisk") {
			t.Fatalf("click-to-call without PostgreSQL: %v", out)
		}
		me := e.expect(n, ana, "GET", "/me", "", 200)
		if u := me["user"].(map[string]any); u["username"] != "ana" || u["role"] != "agent" || u["agent_id"] != "1001" {
			t.Fatalf("me without PostgreSQL: %v", me)
		}
		e.expect(n, rootTok, "GET", "/queues", "", 200)
		e.expect(n, rootTok, "GET", "/agents", "", 200)
		e.expect(n, rootTok, "POST", "/agents/1002/"+inOut[n], "", 200)
		// What needs PostgreSQL says so.
		out := e.expect(n, rootTok, "GET", "/users", "", 503)
		if out["code"] != callfloor.EUNAVAILABLE || !strings.Contains(out["message"].(string), "PostgreSQL") {
			t.Fatalf("users without PostgreSQL: %v", out)
		}
		e.expect(n, ana, "GET", "/calls?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z", "", 503)
		// Revoked before the outage: refused on every node, not served from a stale copy.
		if code, _ := e.do(n, ben, "GET", "/agents/1002", ""); code == 200 {
			t.Fatalf("node %d: a disabled user's session works while PostgreSQL is down", n)
		}
		// Re-scoped before the outage: never with the old role (supervisor could act on ben).
		if code, _ := e.do(n, sam, "POST", "/agents/1002/pause", `{"reason":"x"}`); code == 200 {
			t.Fatalf("node %d: a demoted user acts with the old role while PostgreSQL is down", n)
		}
		if code, _ := e.do(n, tok, "POST", "/agents/1002/pause", `{"reason":"x"}`); code == 200 {
			t.Fatalf("node %d: a demoted user's token acts with the old role", n)
		}
	}
	if code, out := e.do(0, "made-up", "GET", "/queues", ""); code == 200 || code == 500 {
		t.Fatalf("unknown session without PostgreSQL: %d %v", code, out)
	}

	// Logout during the outage ends the session on every node at once...
	e.expect(0, ana, "POST", "/logout", "", 204)
	for n := range e.nodes {
		e.expect(n, ana, "GET", "/queues", "", 401)
	}
	// ...and for good once PostgreSQL is back.
	e.proxy.Restore()
	testenv.Eventually(t, 15*time.Second, "PostgreSQL answering again", func() bool {
		code, _ := e.do(1, rootTok, "GET", "/users", "")
		return code == 200
	})
	// Its row goes at its first check against PostgreSQL (each node checks PostgreSQL again
	// pgBreak after its last failure); refused all along.
	testenv.Eventually(t, 15*time.Second, "ana's session row deleted", func() bool {
		e.expect(1, ana, "GET", "/queues", "", 401)
		var left int
		if err := e.direct.Pool.QueryRow(ctx, `SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'ana'`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		return left == 0
	})
	e.expect(0, ana, "GET", "/queues", "", 401)
}

// A user disabled or given a new password outside the API (the CLI writes PostgreSQL only)
// loses their cached credentials within WatchUsers' interval: a PostgreSQL outage right after
// does not revive them.
func TestUserChangedOutsideTheAPILosesCachedCredentials(t *testing.T) {
	t.Parallel()
	e := newOutageEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watched := e.auths[0].WatchUsersAfterFirstLook(ctx, 20*time.Millisecond)
	defer func() { cancel(); <-watched }()

	ben, ana := e.login(0, "ben"), e.login(1, "ana")
	e.expect(1, ben, "GET", "/agents/1002", "", 200)
	e.expect(0, ana, "GET", "/agents/1001", "", 200)
	b, err := e.direct.GetUserByUsername(context.Background(), "ben")
	if err != nil {
		t.Fatal(err)
	}
	off := true
	if _, err := e.direct.UpdateUser(context.Background(), b.ID, storage.UserUpdate{Disabled: &off}); err != nil { // what `callfloor user disable` does
		t.Fatal(err)
	}
	userKey := e.prefix + "auth:u:" + itoa(b.ID)
	testenv.Eventually(t, 10*time.Second, "ben's cached credentials dropped", func() bool {
		n, err := e.rdb.Exists(context.Background(), userKey).Result()
		return err == nil && n == 0
	})
	e.proxy.Cut()
	for n := range e.nodes {
		if code, _ := e.do(n, ben, "GET", "/agents/1002", ""); code == 200 {
			t.Fatalf("node %d: a user disabled by the CLI works on while PostgreSQL is down", n)
		}
		e.expect(n, ana, "GET", "/agents/1001", "", 200)
	}
}

// callfloor_auth_db_fallbacks_total counts the requests authenticated from a Redis copy: the
// request that finds PostgreSQL gone counts once, like those after it, and one served by
// PostgreSQL not at all.
func TestAuthFallbackMetricCountsEachRequestOnce(t *testing.T) {
	t.Parallel()
	e := newOutageEnv(t)
	ana := e.login(0, "ana")
	e.expect(0, ana, "GET", "/agents/1001", "", 200) // checked in PostgreSQL, copied
	fallbacks := func() int { return int(testutil.ToFloat64(e.auths[0].Metrics.DBDown)) }
	if n := fallbacks(); n != 0 {
		t.Fatalf("fallbacks while PostgreSQL answers: %d, want 0", n)
	}
	e.proxy.Cut()
	e.expect(0, ana, "GET", "/agents/1001", "", 200) // finds PostgreSQL gone, served from the copy
	if n := fallbacks(); n != 1 {
		t.Fatalf("fallbacks after the first request without PostgreSQL: %d, want 1", n)
	}
	e.expect(0, ana, "GET", "/agents/1001", "", 200) // straight to the copy
	if n := fallbacks(); n != 2 {
		t.Fatalf("fallbacks after the second request without PostgreSQL: %d, want 2", n)
	}
}
