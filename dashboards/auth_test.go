package dashboards_test

import (
	"context"
	"encoding/json"
	"github.com/callfloor/callfloor/internal/testdb"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/dashboards"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/storage"
)

func init() { storage.BcryptCost = bcrypt.MinCost }

const goodPW = "correct horse battery"

type authEnv struct {
	t    *testing.T
	db   *storage.DB
	auth *dashboards.Auth
	srv  *httptest.Server
}

// newAuthEnv serves the auth routes plus GET/POST /api/v1/whoami behind the middleware.
func newAuthEnv(t *testing.T) *authEnv {
	t.Helper()
	db, _ := testdb.Open(t)
	rdb, prefix := testenv.Redis(t)
	a := &dashboards.Auth{DB: db, Redis: rdb, Prefix: prefix, SessionTTL: time.Hour,
		AllowedOrigins: []string{"https://wall.example.com/"}}
	mux := http.NewServeMux()
	a.Register(mux)
	whoami := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := dashboards.PrincipalFrom(r.Context())
		if !ok {
			t.Error("no principal in the context")
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(p)
	})
	mux.Handle("GET /api/v1/whoami", a.Middleware(whoami))
	mux.Handle("POST /api/v1/whoami", a.Middleware(whoami))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &authEnv{t: t, db: db, auth: a, srv: srv}
}

func (e *authEnv) user(name string, role callfloor.Role, agent string) storage.User {
	e.t.Helper()
	u, err := e.db.CreateUser(context.Background(), storage.NewUser{Username: name, Password: goodPW, Role: role, AgentID: agent})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

type resp struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
	cookie *http.Cookie
}

// do sends a request; hdr holds extra headers ("Cookie" may be given as a session value with
// the key "session").
func (e *authEnv) do(method, path, body string, hdr map[string]string) resp {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range hdr {
		if k == "session" {
			req.AddCookie(&http.Cookie{Name: dashboards.SessionCookie, Value: v})
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	out := resp{status: res.StatusCode, header: res.Header, raw: string(b)}
	if len(b) > 0 {
		_ = json.Unmarshal(b, &out.body)
	}
	for _, c := range res.Cookies() {
		if c.Name == dashboards.SessionCookie {
			out.cookie = c
		}
	}
	return out
}

func (e *authEnv) login(user, pass string, hdr map[string]string) resp {
	e.t.Helper()
	b, _ := json.Marshal(map[string]string{"username": user, "password": pass})
	return e.do("POST", "/api/v1/login", string(b), hdr)
}

func (e *authEnv) audit(action string) []storage.AuditEntry {
	e.t.Helper()
	es, err := e.db.ListAudit(context.Background(), storage.AuditFilter{Action: action})
	if err != nil {
		e.t.Fatal(err)
	}
	return es
}

func TestLoginSessionAndLogout(t *testing.T) {
	t.Parallel()
	e := newAuthEnv(t)
	u := e.user("alice", callfloor.RoleAgent, "1001")

	r := e.login("Alice", goodPW, map[string]string{"User-Agent": "ua-test"})
	if r.status != 200 || r.cookie == nil {
		t.Fatalf("login: %d %s", r.status, r.raw)
	}
	c := r.cookie
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure || c.MaxAge != 3600 || len(c.Value) != 43 {
		t.Fatalf("cookie attributes: %+v", c)
	}
	if r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("login answer cacheable: %q", r.header.Get("Cache-Control"))
	}
	user := r.body["user"].(map[string]any)
	if user["username"] != "alice" || user["role"] != "agent" || user["agent_id"] != "1001" {
		t.Fatalf("user %v", user)
	}
	if strings.Contains(r.raw, "hash") || strings.Contains(r.raw, "$2") {
		t.Fatalf("the answer shows the password hash: %s", r.raw)
	}
	exp, err := time.Parse(time.RFC3339, r.body["expires_at"].(string))
	if err != nil || exp.Sub(time.Now()) < 59*time.Minute || exp.Sub(time.Now()) > 61*time.Minute {
		t.Fatalf("expires_at %v %v", exp, err)
	}

	who := e.do("GET", "/api/v1/whoami", "", map[string]string{"session": c.Value})
	if who.status != 200 || who.body["user_id"] != float64(u.ID) || who.body["agent_id"] != "1001" {
		t.Fatalf("whoami: %d %s", who.status, who.raw)
	}
	me := e.do("GET", "/api/v1/me", "", map[string]string{"session": c.Value})
	if me.status != 200 || me.body["via"] != "session" || me.body["permissions"].(map[string]any)["configure"] != false {
		t.Fatalf("me: %d %s", me.status, me.raw)
	}

	logins := e.audit("login")
	if len(logins) != 1 || logins[0].ActorUserID != u.ID || logins[0].Actor != "alice" || logins[0].IP != "127.0.0.1" || logins[0].TargetID != strconv.FormatInt(u.ID, 10) {
		t.Fatalf("login audit: %+v", logins)
	}

	out := e.do("POST", "/api/v1/logout", "", map[string]string{"session": c.Value, "Origin": e.srv.URL})
	if out.status != 204 || out.cookie == nil || out.cookie.MaxAge >= 0 {
		t.Fatalf("logout: %d %+v", out.status, out.cookie)
	}
	if n := len(e.audit("logout")); n != 1 {
		t.Fatalf("%d logout audit rows", n)
	}
	if r := e.do("GET", "/api/v1/whoami", "", map[string]string{"session": c.Value}); r.status != 401 {
		t.Fatalf("session alive after logout: %d", r.status)
	}
}

func TestLoginFailuresLookAlike(t *testing.T) {
	t.Parallel()
	e := newAuthEnv(t)
	u := e.user("bob", callfloor.RoleSupervisor, "")
	dis := e.user("dora", callfloor.RoleQA, "")
	yes := true
	if _, err := e.db.UpdateUser(context.Background(), dis.ID, storage.UserUpdate{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	bad := e.login("bob", "wrong password!", nil)
	unknown := e.login("nobody", goodPW, nil)
	disabled := e.login("dora", goodPW, nil)
	for _, r := range []resp{bad, unknown, disabled} {
		if r.status != 401 || r.body["code"] != "bad_credentials" || r.body["kind"] != "unauthorized" || r.cookie != nil {
			t.Fatalf("failed login: %d %s", r.status, r.raw)
		}
	}
	if bad.raw != unknown.raw || bad.raw != disabled.raw {
		t.Fatalf("failures differ:\n%s\n%s\n%s", bad.raw, unknown.raw, disabled.raw)
	}
	fails := e.audit("login_failed")
	if len(fails) != 3 {
		t.Fatalf("login_failed rows: %+v", fails)
	}
	reasons := map[string]storage.AuditEntry{}
	for _, f := range fails {
		reasons[f.Detail["reason"].(string)] = f
	}
	if reasons["bad_password"].ActorUserID != u.ID || reasons["unknown_user"].ActorUserID != 0 || reasons["unknown_user"].Actor != "nobody" || reasons["disabled"].ActorUserID != dis.ID {
		t.Fatalf("reasons: %+v", reasons)
	}
	// Strict body.
	if r := e.do("POST", "/api/v1/login", `{"username":"bob","password":"x","remember":true}`, nil); r.status != 400 || r.body["field"] != "remember" {
		t.Fatalf("unknown field: %d %s", r.status, r.raw)
	}
	if r := e.do("POST", "/api/v1/login", `{"username":"bob"}`, nil); r.status != 400 || r.body["field"] != "password" {
		t.Fatalf("missing password: %d %s", r.status, r.raw)
	}
}

func TestBearerTokens(t *testing.T) {
	t.Parallel()
	e := newAuthEnv(t)
	sup := e.user("fay", callfloor.RoleSupervisor, "")
	e.user("root", callfloor.RoleAdmin, "")
	other := e.user("gil", callfloor.RoleAgent, "1002")
	sess := e.login("fay", goodPW, nil).cookie.Value
	origin := map[string]string{"session": sess, "Origin": e.srv.URL}

	r := e.do("POST", "/api/v1/tokens", `{"name":"wallboard"}`, origin)
	if r.status != 201 || !strings.HasPrefix(r.body["token"].(string), "cf_") || r.body["user_id"] != float64(sup.ID) {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	tok, id := r.body["token"].(string), int64(r.body["id"].(float64))
	bearer := map[string]string{"Authorization": "Bearer " + tok}

	who := e.do("GET", "/api/v1/whoami", "", bearer)
	if who.status != 200 || who.body["user_id"] != float64(sup.ID) || who.body["role"] != "supervisor" {
		t.Fatalf("bearer: %d %s", who.status, who.raw)
	}
	// A token needs no Origin for writes.
	if r := e.do("POST", "/api/v1/whoami", "", bearer); r.status != 200 {
		t.Fatalf("bearer POST: %d %s", r.status, r.raw)
	}
	if me := e.do("GET", "/api/v1/me", "", bearer); me.body["via"] != "token" {
		t.Fatalf("me: %s", me.raw)
	}
	list := e.do("GET", "/api/v1/tokens", "", bearer)
	if toks := list.body["tokens"].([]any); len(toks) != 1 || strings.Contains(list.raw, tok) {
		t.Fatalf("list: %s", list.raw)
	}

	// Not an admin: no tokens for others, no revoking theirs.
	if r := e.do("POST", "/api/v1/tokens", `{"name":"x","user_id":`+strconv.FormatInt(other.ID, 10)+`}`, bearer); r.status != 403 {
		t.Fatalf("token for another user: %d %s", r.status, r.raw)
	}
	adminSess := e.login("root", goodPW, nil).cookie.Value
	ar := e.do("POST", "/api/v1/tokens", `{"name":"for gil","user_id":`+strconv.FormatInt(other.ID, 10)+`}`,
		map[string]string{"session": adminSess, "Origin": e.srv.URL})
	if ar.status != 201 || ar.body["user_id"] != float64(other.ID) {
		t.Fatalf("admin creates for gil: %d %s", ar.status, ar.raw)
	}
	gilTok := ar.body["token"].(string)
	gilID := strconv.FormatInt(int64(ar.body["id"].(float64)), 10)
	if r := e.do("DELETE", "/api/v1/tokens/"+gilID, "", bearer); r.status != 404 {
		t.Fatalf("fay revokes gil's token: %d", r.status)
	}
	if r := e.do("GET", "/api/v1/whoami", "", map[string]string{"Authorization": "Bearer " + gilTok}); r.body["user_id"] != float64(other.ID) {
		t.Fatalf("gil's token: %s", r.raw)
	}

	// Revoked: refused.
	if r := e.do("DELETE", "/api/v1/tokens/"+strconv.FormatInt(id, 10), "", bearer); r.status != 204 {
		t.Fatalf("revoke: %d %s", r.status, r.raw)
	}
	if r := e.do("GET", "/api/v1/whoami", "", bearer); r.status != 401 || r.body["code"] != "unauthorized" || r.header.Get("WWW-Authenticate") == "" {
		t.Fatalf("revoked token: %d %s", r.status, r.raw)
	}
	for _, h := range []string{"Bearer ", "Bearer cf_nope", "Basic Zm9vOmJhcg==", tok} {
		if r := e.do("GET", "/api/v1/whoami", "", map[string]string{"Authorization": h}); r.status != 401 {
			t.Fatalf("Authorization %q: %d", h, r.status)
		}
	}
	if r := e.do("GET", "/api/v1/whoami", "", nil); r.status != 401 || r.body["code"] != "unauthorized" {
		t.Fatalf("no credentials: %d %s", r.status, r.raw)
	}
	if n := len(e.audit("token_created")); n != 2 {
		t.Fatalf("token_created rows: %d", n)
	}
	if rv := e.audit("token_revoked"); len(rv) != 1 || rv[0].ActorUserID != sup.ID {
		t.Fatalf("token_revoked rows: %+v", rv)
	}
}

func TestCSRFOriginCheck(t *testing.T) {
	t.Parallel()
	e := newAuthEnv(t)
	e.user("hal", callfloor.RoleQA, "")
	sess := e.login("hal", goodPW, nil).cookie.Value
	cases := []struct {
		method string
		hdr    map[string]string
		want   int
	}{
		{"GET", map[string]string{}, 200}, // safe method: no origin needed
		{"GET", map[string]string{"Origin": "https://evil.example"}, 200},
		{"POST", map[string]string{"Origin": e.srv.URL}, 200},
		{"POST", map[string]string{"Referer": e.srv.URL + "/floor"}, 200},
		{"POST", map[string]string{"Origin": "https://wall.example.com"}, 200}, // AllowedOrigins
		{"POST", map[string]string{}, 403},
		{"POST", map[string]string{"Origin": "https://evil.example"}, 403},
		{"POST", map[string]string{"Origin": "null"}, 403},
		{"POST", map[string]string{"Referer": "https://evil.example/" + e.srv.Listener.Addr().String()}, 403},
		{"POST", map[string]string{"Origin": "https://wall.example.com.evil.example"}, 403},
	}
	for _, c := range cases {
		c.hdr["session"] = sess
		r := e.do(c.method, "/api/v1/whoami", "", c.hdr)
		if r.status != c.want {
			t.Errorf("%s %v: %d %s, want %d", c.method, c.hdr, r.status, r.raw, c.want)
		}
		if r.status == 403 && r.body["code"] != "forbidden" {
			t.Errorf("403 body %s", r.raw)
		}
	}
	// Login posted from another site is refused too (login CSRF).
	if r := e.login("hal", goodPW, map[string]string{"Origin": "https://evil.example"}); r.status != 403 || r.cookie != nil {
		t.Fatalf("cross-site login: %d", r.status)
	}
}

func TestExpiredSessionAndSecureCookie(t *testing.T) {
	t.Parallel()
	e := newAuthEnv(t)
	e.user("ivy", callfloor.RoleQA, "")
	e.auth.SecureCookie = true
	r := e.login("ivy", goodPW, nil)
	if r.cookie == nil || !r.cookie.Secure {
		t.Fatalf("SecureCookie: %+v", r.cookie)
	}
	if _, err := e.db.Pool.Exec(context.Background(), `UPDATE sessions SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	if r := e.do("GET", "/api/v1/whoami", "", map[string]string{"session": r.cookie.Value}); r.status != 401 || r.body["code"] != "unauthorized" {
		t.Fatalf("expired session: %d %s", r.status, r.raw)
	}
	if r := e.do("GET", "/api/v1/whoami", "", map[string]string{"session": "made-up"}); r.status != 401 {
		t.Fatalf("made-up session: %d", r.status)
	}
}

func TestWithPrincipal(t *testing.T) {
	t.Parallel()
	p := callfloor.Principal{UserID: 3, Role: callfloor.RoleQA}
	got, ok := dashboards.PrincipalFrom(dashboards.WithPrincipal(context.Background(), p))
	if !ok || !got.Same(p) {
		t.Fatalf("%+v %v", got, ok)
	}
	if _, ok := dashboards.PrincipalFrom(context.Background()); ok {
		t.Fatal("principal from nowhere")
	}
}
