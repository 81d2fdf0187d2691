package dashboards_test

import (
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/dashboards"
)

// behindProxy makes the test server's own address (127.0.0.1) a trusted proxy and returns the
// headers of a request it forwards for client.
func behindProxy(e *authEnv) func(client string) map[string]string {
	e.auth.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	e.auth.LoginDelay = time.Minute // no delay runs out while the test goes on, however slow the machine
	return func(client string) map[string]string {
		return map[string]string{"X-Forwarded-For": client}
	}
}

// An attacker hammering pam's username from another client neither locks pam out nor gets more
// than a few guesses before growing delays; the attack raises one alarm (audited, counted) and
// its refusals are audited once per throttle key, not once per request.
func TestRealUserLogsInWhileAttacked(t *testing.T) {
	t.Parallel()
	e := newAuthEnv(t)
	reg := prometheus.NewRegistry()
	e.auth.Metrics = dashboards.NewAuthMetrics(reg)
	pam := e.user("pam", callfloor.RoleProjectManager, "")
	from := behindProxy(e)

	attackers := []string{"198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"}
	var refused, failed int
	for _, ip := range attackers {
		for i := range 8 {
			r := e.login("pam", "guess "+strconv.Itoa(i), from(ip))
			switch r.status {
			case 401:
				failed++
			case 429:
				refused++
				if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 {
					t.Fatalf("429 without Retry-After: %v", r.header)
				}
				if r.body["code"] != callfloor.ERATELIMIT {
					t.Fatalf("429 body %s", r.raw)
				}
			default:
				t.Fatalf("attack from %s: %d %s", ip, r.status, r.raw)
			}
		}
	}
	if failed != len(attackers)*dashboards.LoginPairFree || refused != len(attackers)*(8-dashboards.LoginPairFree) {
		t.Fatalf("attack: %d password checks, %d refused; want %d checks per client", failed, refused, dashboards.LoginPairFree)
	}

	// pam, from her own desk: in at once, whatever the attack did.
	if r := e.login("pam", goodPW, from("203.0.113.50")); r.status != 200 || r.cookie == nil {
		t.Fatalf("the real user is locked out: %d %s", r.status, r.raw)
	}

	alarms := e.audit("login_alarm")
	if len(alarms) != 1 || alarms[0].TargetID != strconv.FormatInt(pam.ID, 10) || alarms[0].Detail["username"] != "pam" {
		t.Fatalf("login_alarm rows: %+v", alarms)
	}
	if n := testutil.ToFloat64(e.auth.Metrics.Alarms); n != 1 {
		t.Fatalf("callfloor_login_alarms_total = %v", n)
	}
	if n := testutil.ToFloat64(e.auth.Metrics.Refused.WithLabelValues("pair")); int(n) != refused {
		t.Fatalf("callfloor_login_refused_total{scope=pair} = %v, want %d", n, refused)
	}
	rows := e.audit("login_refused")
	if len(rows) != len(attackers) { // one per (pam, client) pair and window
		t.Fatalf("login_refused rows: %d, want %d: %+v", len(rows), len(attackers), rows)
	}
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.IP] = true
		if r.Actor != "pam" || r.Detail["scope"] != "pair" {
			t.Fatalf("login_refused row %+v", r)
		}
	}
	for _, ip := range attackers {
		if !seen[ip] {
			t.Fatalf("no login_refused row for %s: %+v", ip, rows)
		}
	}
}

// Many users share the address of the TLS proxy in front; guesses from one client behind it
// (X-Forwarded-For, Forwarded or X-Real-IP from the trusted proxy) do not block the others.
func TestSharedProxyAddressDoesNotBlockEveryone(t *testing.T) {
	t.Parallel()
	for _, hdr := range []string{"X-Forwarded-For", "Forwarded", "X-Real-IP"} {
		t.Run(hdr, func(t *testing.T) {
			t.Parallel()
			e := newAuthEnv(t)
			e.user("dave", callfloor.RoleQA, "")
			e.auth.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
			e.auth.LoginDelay = time.Minute
			from := func(ip string) map[string]string {
				if hdr == "Forwarded" {
					return map[string]string{hdr: "for=" + ip + ";proto=https"}
				}
				return map[string]string{hdr: ip}
			}
			var refused int
			for i := range dashboards.LoginClientFree + 5 {
				// A different username each time: only the per-client count can trip.
				switch r := e.login("spray"+strconv.Itoa(i), goodPW, from("198.51.100.7")); r.status {
				case 401:
				case 429:
					refused++
				default:
					t.Fatalf("attempt %d: %d %s", i+1, r.status, r.raw)
				}
			}
			if refused == 0 {
				t.Fatalf("%d failures from one client, never delayed", dashboards.LoginClientFree+5)
			}
			if r := e.login("dave", goodPW, from("198.51.100.8")); r.status != 200 {
				t.Fatalf("another client behind the same proxy: %d %s", r.status, r.raw)
			}
			if rows := e.audit("login_refused"); len(rows) != 1 || rows[0].Detail["scope"] != "client" || rows[0].IP != "198.51.100.7" {
				t.Fatalf("login_refused rows: %+v", rows)
			}
		})
	}
}

// The client address comes from forwarding headers only when the peer is a trusted proxy, and
// is then the right-most hop that is not a trusted proxy.
func TestClientAddressFromTrustedProxiesOnly(t *testing.T) {
	t.Parallel()
	e := newAuthEnv(t)
	cases := []struct {
		trusted []string
		hdr     map[string]string
		want    string
	}{
		{nil, map[string]string{"X-Forwarded-For": "198.51.100.9"}, "127.0.0.1"},                    // no proxy configured
		{[]string{"10.0.0.0/8"}, map[string]string{"X-Forwarded-For": "198.51.100.9"}, "127.0.0.1"}, // the peer is not one
		{[]string{"10.0.0.0/8"}, map[string]string{"X-Real-IP": "198.51.100.9"}, "127.0.0.1"},
		{[]string{"127.0.0.0/8", "10.0.0.0/8"}, map[string]string{"X-Forwarded-For": "203.0.113.1, 198.51.100.9, 10.1.2.3"}, "198.51.100.9"},
		{[]string{"127.0.0.0/8"}, map[string]string{"X-Forwarded-For": "127.0.0.5"}, "127.0.0.5"}, // all trusted: the farthest
		{[]string{"127.0.0.0/8"}, map[string]string{"Forwarded": `for=192.0.2.60;proto=https, for="[2001:db8::17]:4711"`}, "2001:db8::17"},
		{[]string{"127.0.0.0/8"}, map[string]string{"X-Real-IP": "192.0.2.44"}, "192.0.2.44"},
		{[]string{"127.0.0.0/8"}, map[string]string{"X-Forwarded-For": "not-an-address"}, "127.0.0.1"},
	}
	for i, c := range cases {
		e.auth.TrustedProxies = nil
		for _, p := range c.trusted {
			e.auth.TrustedProxies = append(e.auth.TrustedProxies, netip.MustParsePrefix(p))
		}
		user := "nobody" + strconv.Itoa(i)
		if r := e.login(user, "wrong password!", c.hdr); r.status != 401 {
			t.Fatalf("case %d: %d %s", i, r.status, r.raw)
		}
		var got string
		for _, f := range e.audit("login_failed") {
			if f.Actor == user {
				got = f.IP
			}
		}
		if got != c.want {
			t.Errorf("case %d (%v, %v): client %q, want %q", i, c.trusted, c.hdr, got, c.want)
		}
	}
}

// Behind a proxy that does not pass the Host on, cookie-authenticated writes come from the
// public origin: allowed when it is in allowed_origins, or when the trusted proxy says that is
// the host it received (X-Forwarded-Host / Forwarded host=); never on a stranger's word.
func TestOriginBehindProxy(t *testing.T) {
	t.Parallel()
	e := newAuthEnv(t)
	e.user("hal", callfloor.RoleQA, "")
	sess := e.login("hal", goodPW, nil).cookie.Value
	post := func(hdr map[string]string) int {
		hdr["session"] = sess
		return e.do("POST", "/api/v1/whoami", "", hdr).status
	}
	pub := "https://floor.example.com"
	if s := post(map[string]string{"Origin": pub}); s != 403 {
		t.Fatalf("unknown origin: %d", s)
	}
	// A stranger's X-Forwarded-Host is ignored.
	if s := post(map[string]string{"Origin": pub, "X-Forwarded-Host": "floor.example.com", "X-Forwarded-Proto": "https"}); s != 403 {
		t.Fatalf("X-Forwarded-Host from an untrusted peer believed: %d", s)
	}
	e.auth.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	if s := post(map[string]string{"Origin": pub, "X-Forwarded-Host": "floor.example.com", "X-Forwarded-Proto": "https"}); s != 200 {
		t.Fatalf("X-Forwarded-Host from the trusted proxy: %d", s)
	}
	if s := post(map[string]string{"Origin": pub, "Forwarded": "for=192.0.2.1;host=floor.example.com;proto=https"}); s != 200 {
		t.Fatalf("Forwarded host= from the trusted proxy: %d", s)
	}
	if s := post(map[string]string{"Origin": "http://floor.example.com", "X-Forwarded-Host": "floor.example.com", "X-Forwarded-Proto": "https"}); s != 403 {
		t.Fatalf("http origin for an https site: %d", s)
	}
	e.auth.TrustedProxies = nil
	e.auth.AllowedOrigins = append(e.auth.AllowedOrigins, pub)
	if s := post(map[string]string{"Origin": pub}); s != 200 {
		t.Fatalf("allowed origin: %d", s)
	}
	if !e.auth.CheckOrigin(mustReq(t, pub)) || e.auth.CheckOrigin(mustReq(t, "https://evil.example")) {
		t.Fatal("the WebSocket origin check differs from the API's")
	}
}

// With Redis down the login throttle cannot count, so at most LoginConcurrency password checks
// run at once; the rest get 429 with a clear message instead of piling up bcrypt work.
func TestLoginWithoutRedisBoundsPasswordChecks(t *testing.T) {
	t.Parallel()
	e := newAuthEnv(t)
	e.user("ivy", callfloor.RoleQA, "")
	e.auth.Redis = redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	release := e.auth.HoldLoginSlots()
	r := e.login("ivy", goodPW, nil)
	if r.status != 429 || r.body["code"] != callfloor.ERATELIMIT || r.header.Get("Retry-After") == "" || r.cookie != nil {
		t.Fatalf("login with every slot busy: %d %s", r.status, r.raw)
	}
	if msg, _ := r.body["message"].(string); msg == "" || !containsAll(msg, "Redis", "try again") {
		t.Fatalf("message %q", msg)
	}
	release()
	if r := e.login("ivy", goodPW, nil); r.status != 200 {
		t.Fatalf("login once a slot is free: %d %s", r.status, r.raw)
	}
}

func mustReq(t *testing.T, origin string) *http.Request {
	t.Helper()
	r, err := http.NewRequest("GET", "http://127.0.0.1:8080/api/v1/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Origin", origin)
	r.RemoteAddr = "127.0.0.1:5555"
	return r
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// A success clears its (username, client) count: a user who mistypes now and then is never
// delayed for it.
func TestSuccessClearsThePairCount(t *testing.T) {
	t.Parallel()
	e := newAuthEnv(t)
	e.user("erin", callfloor.RoleQA, "")
	e.auth.LoginDelay = time.Minute
	for round := range 3 {
		for i := range dashboards.LoginPairFree - 1 {
			if r := e.login("erin", "wrong password!", nil); r.status != 401 {
				t.Fatalf("round %d, typo %d: %d %s", round, i+1, r.status, r.raw)
			}
		}
		if r := e.login("erin", goodPW, nil); r.status != 200 {
			t.Fatalf("round %d: count not cleared by the success: %d %s", round, r.status, r.raw)
		}
	}
}
