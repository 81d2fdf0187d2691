package dashboards

// Authentication: who is asking, for every /api/v1 request but login.
//
// Two credentials are accepted. An API token (Authorization: Bearer cf_...) acts as the user it
// was made for; it is never sent automatically by a browser, so it needs no CSRF defence. A
// browser session lives in the callfloor_session cookie (HttpOnly, SameSite=Strict); because a
// browser attaches it on its own, unsafe methods authenticated by it must also come from our own
// origin (Origin, else Referer, is the request's host or one of AllowedOrigins).
//
// Login is throttled in Redis (login_throttle.go) so that an attacker cannot deny the real user:
// failures count per (username, client) pair and per client, each with growing delays past a
// free allowance rather than a lock, and an account whose password is being guessed from
// anywhere raises an alarm (audited, counted in Prometheus) instead of being locked. The client
// is the peer address, or behind a trusted proxy (TrustedProxies) the right-most untrusted hop
// of X-Forwarded-For / Forwarded / X-Real-IP. Without Redis, login goes on unthrottled (logged)
// but at most LoginConcurrency bcrypt checks run at once.
//
// Sessions and API tokens are checked in PostgreSQL; each one found valid is copied to Redis
// (credentials.go) so that, while PostgreSQL does not answer, the floor keeps working on the
// copies. Revocation (logout, token revoked, user disabled, deleted, re-scoped) deletes the copies
// at once, so it holds on every node.

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
)

// SessionCookie is the name of the browser session cookie.
const SessionCookie = "callfloor_session"

// DefaultSessionTTL is used when Auth.SessionTTL is zero: a long shift.
const DefaultSessionTTL = 12 * time.Hour

// Auth authenticates API requests and serves login, logout, /me and API token management.
type Auth struct {
	DB             *storage.DB
	Redis          redis.UniversalClient
	Prefix         string        // Redis key prefix
	SessionTTL     time.Duration // 0: DefaultSessionTTL
	SecureCookie   bool          // mark the cookie Secure even on plain HTTP (TLS ends at a proxy)
	AllowedOrigins []string      // extra origins allowed to send cookie-authenticated writes, "https://host[:port]"
	Log            *slog.Logger
	// TrustedProxies (trusted_proxies) are the reverse proxies whose X-Forwarded-For, Forwarded,
	// X-Real-IP and X-Forwarded-Host/Proto are believed (client address for throttling, audit,
	// sessions; the site's own origin). Empty: the peer address is the client, headers ignored.
	TrustedProxies []netip.Prefix
	// TimeZone is the centre's time zone (time_zone), told to the UI by /me: its days are the
	// days of QA reports, score sheets and daily draws. "" is UTC.
	TimeZone string
	// LoginConcurrency bounds the password checks (bcrypt) running at once while the login
	// throttle (Redis) is unavailable; 0: the number of CPUs. Excess logins get 429.
	LoginConcurrency int
	Metrics          *AuthMetrics // nil: counters that are not registered
	// LoginDelay is the first delay once a throttle key's free failures are used up, doubling
	// with each further failure up to LoginDelayMax; 0: LoginDelayBase.
	LoginDelay time.Duration

	once        sync.Once
	slots       chan struct{} // bcrypt places while unthrottled
	pgDownUntil atomic.Int64  // unix ns: until then, credentials are checked on their copies
	copied      sync.Map      // copy key → time.Time last written by this node

	// OnRevoke is called after a change that ends or re-scopes a user's credentials (logout,
	// token revoked, user disabled, deleted or given another role): the live hub's Revoke, which
	// closes their sockets on every web node. nil: nothing is called.
	OnRevoke func(ctx context.Context, rv realtime.Revocation)
}

type authKey struct{}

// authInfo is what the middleware puts in the request context.
type authInfo struct {
	p       callfloor.Principal
	via     string // "session" or "token"
	session string // the session secret, for logout
}

// WithPrincipal returns ctx carrying p, as the middleware does (for handlers' tests).
func WithPrincipal(ctx context.Context, p callfloor.Principal) context.Context {
	return context.WithValue(ctx, authKey{}, authInfo{p: p, via: "token"})
}

// PrincipalFrom returns who is making the request; false outside the middleware.
func PrincipalFrom(ctx context.Context) (callfloor.Principal, bool) {
	ai, ok := ctx.Value(authKey{}).(authInfo)
	return ai.p, ok
}

func (a *Auth) ttl() time.Duration {
	if a.SessionTTL > 0 {
		return a.SessionTTL
	}
	return DefaultSessionTTL
}

func (a *Auth) log() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return slog.Default()
}

// authStatus is StatusOf plus the codes only this file produces.
func authStatus(code string) int {
	if code == callfloor.ERATELIMIT {
		return http.StatusTooManyRequests
	}
	return StatusOf(code)
}

func (a *Auth) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	err = dbUnavailable(err)
	code := callfloor.ErrorCode(err)
	if code == callfloor.EINTERNAL {
		a.log().Error("auth", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, authStatus(code), errorBody(err))
}

var errUnauth = &callfloor.Error{Code: callfloor.EUNAUTH,
	Message: "authentication required: log in, or send an API token (Authorization: Bearer <token>)"}

var errCSRF = &callfloor.Error{Code: callfloor.EFORBID,
	Message: "cross-origin request refused: the Origin (or Referer) is not this site"}

func unsafeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	}
	return true
}

// Middleware lets through requests that carry a valid API token or session cookie, with the
// Principal in the context; others get 401. Cookie-authenticated writes from another origin
// get 403.
func (a *Auth) Middleware(next http.Handler) http.Handler {
	a.init()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ai, err := a.authenticate(r)
		if err != nil {
			if callfloor.ErrorCode(err) == callfloor.EUNAUTH {
				w.Header().Set("WWW-Authenticate", `Bearer realm="callfloor"`)
			}
			a.writeErr(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), authKey{}, ai)))
	})
}

// Authenticate is the principal of the request's API token or session cookie, checked as
// Middleware checks it, for callers outside the API's routes (/readyz, the live re-check).
func (a *Auth) Authenticate(r *http.Request) (callfloor.Principal, error) {
	a.init()
	ai, err := a.authenticate(r)
	return ai.p, err
}

func (a *Auth) authenticate(r *http.Request) (authInfo, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return authInfo{}, errUnauth
		}
		p, err := a.checkToken(r.Context(), strings.TrimSpace(tok))
		if err != nil {
			return authInfo{}, err
		}
		return authInfo{p: p, via: "token"}, nil
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return authInfo{}, errUnauth
	}
	// The origin check comes first: a forged cross-site write learns nothing, not even whether
	// the session is valid.
	if unsafeMethod(r.Method) && !a.sameOrigin(r, false) {
		return authInfo{}, errCSRF
	}
	p, err := a.checkSession(r.Context(), c.Value)
	if err != nil {
		return authInfo{}, err
	}
	return authInfo{p: p, via: "session", session: c.Value}, nil
}

// sameOrigin reports whether the request comes from our own pages: its Origin (else its
// Referer) names the site's host, or is in AllowedOrigins. The site's host is the request's, or
// behind a trusted proxy the one the proxy says it received (X-Forwarded-Host, Forwarded host=),
// reached over the scheme it says (X-Forwarded-Proto, Forwarded proto=). With neither header,
// absentOK decides.
func (a *Auth) sameOrigin(r *http.Request, absentOK bool) bool {
	src := r.Header.Get("Origin")
	if src == "" {
		src = r.Header.Get("Referer")
		if src == "" {
			return absentOK
		}
	}
	if src == "null" { // sandboxed or privacy-stripped: cannot be ours
		return false
	}
	u, err := url.Parse(src)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) && (r.TLS == nil || u.Scheme == "https") {
		return true
	}
	if a.fromTrustedProxy(r) {
		host, proto := forwardedHost(r)
		if host != "" && strings.EqualFold(u.Host, host) && (proto == "" || strings.EqualFold(u.Scheme, proto)) {
			return true
		}
	}
	origin := strings.ToLower(u.Scheme + "://" + u.Host)
	for _, o := range a.AllowedOrigins {
		if strings.ToLower(strings.TrimRight(strings.TrimSpace(o), "/")) == origin {
			return true
		}
	}
	return false
}

// CheckOrigin is sameOrigin for WebSocket upgrades (realtime.HubOptions.CheckOrigin): a browser
// always sends Origin; a client without one is not a browser and carries no ambient cookie risk.
func (a *Auth) CheckOrigin(r *http.Request) bool { return a.sameOrigin(r, true) }

// forwardedHost is the host and scheme a trusted proxy says the client used: the last (the
// nearest proxy's) Forwarded host=/proto=, else X-Forwarded-Host / X-Forwarded-Proto.
func forwardedHost(r *http.Request) (host, proto string) {
	for _, el := range forwardedElements(r) {
		if v := el["host"]; v != "" {
			host = v
		}
		if v := el["proto"]; v != "" {
			proto = v
		}
	}
	if host == "" {
		host = lastCSV(r.Header.Values("X-Forwarded-Host"))
	}
	if proto == "" {
		proto = lastCSV(r.Header.Values("X-Forwarded-Proto"))
	}
	return host, proto
}

func lastCSV(vals []string) string {
	parts := strings.Split(strings.Join(vals, ","), ",")
	return strings.TrimSpace(parts[len(parts)-1])
}

// forwardedElements parses RFC 7239 Forwarded headers: one map of lower-case parameters per
// hop, in order.
func forwardedElements(r *http.Request) []map[string]string {
	var out []map[string]string
	for _, h := range r.Header.Values("Forwarded") {
		for _, el := range strings.Split(h, ",") {
			m := map[string]string{}
			for _, pair := range strings.Split(el, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if !ok {
					continue
				}
				m[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(v), `"`)
			}
			out = append(out, m)
		}
	}
	return out
}

func (a *Auth) trusted(x netip.Addr) bool {
	for _, p := range a.TrustedProxies {
		if p.Contains(x) {
			return true
		}
	}
	return false
}

func peerAddr(r *http.Request) (netip.Addr, string) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, host
	}
	return addr.Unmap(), host
}

func (a *Auth) fromTrustedProxy(r *http.Request) bool {
	addr, _ := peerAddr(r)
	return addr.IsValid() && a.trusted(addr)
}

// parseHop reads one hop address: "198.51.100.7", "[2001:db8::1]:4711", "198.51.100.7:4711".
func parseHop(s string) (netip.Addr, bool) {
	s = strings.Trim(strings.TrimSpace(s), `"`)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if ad, err := netip.ParseAddr(s); err == nil {
		return ad.Unmap(), true
	}
	return netip.Addr{}, false
}

// clientIP is the peer address or, when the peer is a trusted proxy, the right-most hop that is
// not a trusted proxy in X-Forwarded-For (else Forwarded for=, else X-Real-IP). From any other
// peer those headers are ignored: anyone can write them.
func (a *Auth) clientIP(r *http.Request) string {
	addr, raw := peerAddr(r)
	if !addr.IsValid() {
		return raw
	}
	if !a.trusted(addr) {
		return addr.String()
	}
	var hops []string
	if v := r.Header.Values("X-Forwarded-For"); len(v) > 0 {
		hops = strings.Split(strings.Join(v, ","), ",")
	} else if els := forwardedElements(r); len(els) > 0 {
		for _, el := range els {
			hops = append(hops, el["for"])
		}
	} else if v := r.Header.Get("X-Real-IP"); v != "" {
		hops = []string{v}
	}
	for i := len(hops) - 1; i >= 0; i-- {
		h, ok := parseHop(hops[i])
		if !ok {
			break // garbage or "unknown": the nearest trusted hop is all we know
		}
		if !a.trusted(h) {
			return h.String()
		}
		addr = h
	}
	return addr.String()
}

// Register adds POST /api/v1/login (open to all) and, behind the middleware, POST
// /api/v1/logout, GET /api/v1/me, GET and POST /api/v1/tokens, DELETE /api/v1/tokens/{id}.
func (a *Auth) Register(mux Mux) {
	a.init()
	mux.Handle("POST /api/v1/login", a.handle(a.login))
	mux.Handle("POST /api/v1/logout", a.Middleware(a.handle(a.logout)))
	mux.Handle("GET /api/v1/me", a.Middleware(a.handle(a.me)))
	mux.Handle("GET /api/v1/tokens", a.Middleware(a.handle(a.listTokens)))
	mux.Handle("POST /api/v1/tokens", a.Middleware(a.handle(a.createToken)))
	mux.Handle("DELETE /api/v1/tokens/{id}", a.Middleware(a.handle(a.revokeToken)))
}

type noContent struct{}

func (a *Auth) handle(fn func(w http.ResponseWriter, r *http.Request) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		v, err := fn(w, r)
		switch {
		case err != nil:
			a.writeErr(w, r, err)
		case v == (noContent{}):
			w.WriteHeader(http.StatusNoContent)
		default:
			status := http.StatusOK
			if c, ok := v.(created); ok {
				status, v = http.StatusCreated, c.v
			}
			writeJSON(w, status, v)
		}
	})
}

// audit writes an entry whatever happens to the request (a client that hangs up does not erase
// its trail); a failure is logged, not shown to the client.
func (a *Auth) audit(r *http.Request, e storage.AuditEntry) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
	defer cancel()
	if e.IP == "" {
		e.IP = a.clientIP(r)
	}
	if err := a.DB.Audit(ctx, e); err != nil {
		a.log().Error("audit", "action", e.Action, "err", err)
	}
}

// LoginResponse is the body of a successful login.
type LoginResponse struct {
	User      storage.User `json:"user"`
	ExpiresAt time.Time    `json:"expires_at"`
}

func (a *Auth) login(w http.ResponseWriter, r *http.Request) (any, error) {
	// A login form posted from another site would log the victim into the attacker's account.
	if !a.sameOrigin(r, true) {
		return nil, errCSRF
	}
	var body struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	body.Username = strings.TrimSpace(body.Username)
	if body.Username == "" {
		return nil, invalid("username", "required").With(callfloor.CodeRequired, nil)
	}
	if body.Password == "" {
		return nil, invalid("password", "required").With(callfloor.CodeRequired, nil)
	}
	if len(body.Username) > 200 {
		return nil, invalid("username", "too long").With(callfloor.CodeTooLong, callfloor.Params{"max": 200})
	}
	ctx := r.Context()
	ip := a.clientIP(r)
	pair, client := a.throttleKeys(body.Username, ip)
	throttled := a.Redis != nil
	if throttled {
		by, wait, err := a.reserve(ctx, pair, client)
		switch {
		case err != nil:
			throttled = false
			a.log().Error("login throttle unavailable: login not rate limited, password checks bounded", "err", err)
		case wait > 0:
			return nil, a.refused(w, r, by, wait, body.Username, ip)
		}
	}
	if !throttled {
		release, ok := a.bcryptSlot(ctx)
		if !ok {
			a.Metrics.Refused.WithLabelValues("busy").Inc()
			w.Header().Set("Retry-After", "2")
			return nil, &callfloor.Error{Code: callfloor.ERATELIMIT, Params: callfloor.Params{"retry_after": 2},
				Message: "too many logins at once while the login throttle (Redis) is unavailable: try again in 2 s"}
		}
		defer release()
	}
	u, err := a.DB.Authenticate(ctx, body.Username, body.Password)
	if err != nil {
		var af *storage.AuthFailure
		if errors.As(err, &af) {
			target := body.Username
			if af.UserID != 0 {
				target = strconv.FormatInt(af.UserID, 10)
			}
			a.audit(r, storage.AuditEntry{ActorUserID: af.UserID, Actor: body.Username, Action: "login_failed",
				TargetType: "user", TargetID: target, IP: ip, Detail: map[string]any{"reason": af.Reason}})
			a.failed(r, af.UserID, body.Username, ip)
		} else if throttled { // not a wrong password: the attempt does not count
			a.releaseOne(ctx, pair)
			a.releaseOne(ctx, client)
		}
		return nil, err
	}
	if throttled {
		a.succeeded(ctx, pair, client)
	}
	ttl := a.ttl()
	expires := time.Now().Add(ttl)
	tok, err := a.DB.CreateSession(ctx, u.ID, ttl, ip, r.UserAgent())
	if err != nil {
		return nil, err
	}
	a.remember(ctx, a.credKey("s", secretHash(tok)), "s", credCopy{P: u.Principal()}, ttl)
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: a.SecureCookie || r.TLS != nil, MaxAge: int(ttl / time.Second), Expires: expires})
	a.audit(r, storage.AuditEntry{ActorUserID: u.ID, Actor: u.Username, Action: "login", TargetType: "user",
		TargetID: strconv.FormatInt(u.ID, 10), IP: ip})
	return LoginResponse{User: u, ExpiresAt: expires.UTC().Truncate(time.Second)}, nil
}

func (a *Auth) logout(w http.ResponseWriter, r *http.Request) (any, error) {
	ai, _ := r.Context().Value(authKey{}).(authInfo)
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: a.SecureCookie || r.TLS != nil, MaxAge: -1})
	if ai.session == "" { // an API token: nothing to end (revoke it instead)
		return noContent{}, nil
	}
	if err := a.endSession(r.Context(), ai.session, ai.p); err != nil {
		return nil, err
	}
	a.audit(r, storage.AuditEntry{ActorUserID: ai.p.UserID, Actor: ai.p.Username, Action: "logout", TargetType: "user",
		TargetID: strconv.FormatInt(ai.p.UserID, 10)})
	return noContent{}, nil
}

// MeResponse is who you are and what the UI may offer you.
type MeResponse struct {
	User        storage.User    `json:"user"`
	Via         string          `json:"via"` // session or token
	Permissions map[string]bool `json:"permissions"`
	TimeZone    string          `json:"time_zone"` // the centre's IANA zone, e.g. "Asia/Shanghai"
}

func (a *Auth) me(w http.ResponseWriter, r *http.Request) (any, error) {
	ai, _ := r.Context().Value(authKey{}).(authInfo)
	u, err := a.DB.GetUser(r.Context(), ai.p.UserID)
	if storage.IsUnavailable(err) || (err != nil && a.pgDown()) {
		// Without PostgreSQL the UI still needs to know who is logged in to run the floor.
		p := ai.p
		u, err = storage.User{ID: p.UserID, Username: p.Username, DisplayName: p.Username, Role: p.Role, TeamID: p.TeamID, AgentID: p.AgentID}, nil
	}
	if err != nil {
		return nil, err
	}
	tz := a.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	return MeResponse{User: u, Via: ai.via, TimeZone: tz, Permissions: map[string]bool{
		"see_all": ai.p.CanSeeAll(), "configure": ai.p.CanConfigure(),
	}}, nil
}

// CreatedToken is the answer to POST /api/v1/tokens: the only time the secret is shown.
type CreatedToken struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	UserID int64  `json:"user_id"`
	Token  string `json:"token"`
}

func (a *Auth) createToken(w http.ResponseWriter, r *http.Request) (any, error) {
	p, _ := PrincipalFrom(r.Context())
	var body struct {
		Name   string `json:"name"`
		UserID int64  `json:"user_id"`
	}
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	owner, ownerP, ownerDisabled := p.UserID, p, false
	if body.UserID != 0 && body.UserID != p.UserID {
		if p.Role != callfloor.RoleAdmin {
			return nil, &callfloor.Error{Code: callfloor.EFORBID, Field: "user_id", Message: "user_id: only an admin may create tokens for another user"}
		}
		ou, err := a.DB.GetUser(r.Context(), body.UserID)
		if err != nil {
			return nil, err
		}
		owner, ownerP, ownerDisabled = body.UserID, ou.Principal(), ou.Disabled
	}
	tok, id, err := a.DB.CreateAPIToken(r.Context(), owner, body.Name)
	if err != nil {
		return nil, err
	}
	if !ownerDisabled {
		a.remember(r.Context(), a.credKey("t", secretHash(tok)), "t:"+strconv.FormatInt(id, 10), credCopy{P: ownerP, TokenID: id}, copyTTL)
	}
	a.audit(r, storage.AuditEntry{ActorUserID: p.UserID, Actor: p.Username, Action: "token_created", TargetType: "api_token",
		TargetID: strconv.FormatInt(id, 10), Detail: map[string]any{"user_id": owner, "name": strings.TrimSpace(body.Name)}})
	return created{CreatedToken{ID: id, Name: strings.TrimSpace(body.Name), UserID: owner, Token: tok}}, nil
}

func (a *Auth) listTokens(w http.ResponseWriter, r *http.Request) (any, error) {
	p, _ := PrincipalFrom(r.Context())
	owner := p.UserID
	if s := r.URL.Query().Get("user_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, invalid("user_id", "a number").With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "id"})
		}
		if id != p.UserID && p.Role != callfloor.RoleAdmin {
			return nil, &callfloor.Error{Code: callfloor.EFORBID, Field: "user_id", Message: "user_id: only an admin may list another user's tokens"}
		}
		owner = id
	}
	toks, err := a.DB.ListAPITokens(r.Context(), owner)
	if err != nil {
		return nil, err
	}
	return map[string]any{"tokens": toks}, nil
}

func (a *Auth) revokeToken(w http.ResponseWriter, r *http.Request) (any, error) {
	p, _ := PrincipalFrom(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, invalid("id", "a number").With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "id"})
	}
	t, err := a.DB.GetAPIToken(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if t.UserID != p.UserID && p.Role != callfloor.RoleAdmin {
		// Others' tokens are not even acknowledged.
		return nil, callfloor.NotFound("token", strconv.FormatInt(id, 10), "API token %d not found", id)
	}
	if err := a.DB.RevokeAPIToken(r.Context(), id); err != nil {
		return nil, err
	}
	a.tokenRevoked(r.Context(), t.UserID, id)
	a.audit(r, storage.AuditEntry{ActorUserID: p.UserID, Actor: p.Username, Action: "token_revoked", TargetType: "api_token",
		TargetID: strconv.FormatInt(id, 10), Detail: map[string]any{"user_id": t.UserID}})
	return noContent{}, nil
}
