package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/storage"
)

// trusted_proxies and allowed_origins: checked, naming the field, and used by serve for the
// client address (throttling, audit) and the Origin check behind a proxy.
func TestTrustedProxiesAndAllowedOrigins(t *testing.T) {
	t.Parallel()
	base := `
asterisk: [{name: pbx1, url: "http://127.0.0.1:8088", password: x}]
queues: [{name: sales}]
`
	ok := base + "trusted_proxies: [10.0.0.0/8, 192.0.2.7, \"2001:db8::/32\"]\nallowed_origins: [\"https://floor.example.com\", \"http://10.1.2.3:8080\"]\n"
	if _, err := ParseConfig([]byte(ok)); err != nil {
		t.Fatalf("valid settings refused: %v", err)
	}
	for _, c := range []struct{ yaml, want string }{
		{"trusted_proxies: [10.0.0.0/8, proxy.example.com]\n", "trusted_proxies[1]"},
		{"trusted_proxies: [10.0.0.0/33]\n", "trusted_proxies[0]"},
		{"allowed_origins: [floor.example.com]\n", "allowed_origins[0]"},
		{"allowed_origins: [\"https://floor.example.com/app\"]\n", "allowed_origins[0]"},
		{"allowed_origins: [\"ftp://floor.example.com\"]\n", "allowed_origins[0]"},
	} {
		_, err := ParseConfig([]byte(base + c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming %s", strings.TrimSpace(c.yaml), err, c.want)
		}
	}

	// serve uses them.
	cfg := testConfig(t, testenv.RedisURL())
	cfg.Sim.Traffic = nil
	cfg.TrustedProxies = []string{"127.0.0.1"}
	cfg.AllowedOrigins = []string{"https://floor.example.com"}
	m := startMain(t, cfg, io.Discard)
	if _, err := m.DB.CreateUser(context.Background(), storage.NewUser{Username: "root", Password: "a long enough password", Role: callfloor.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	url := "http://" + m.Addr()
	login := func(pw string, hdr map[string]string) *http.Response {
		req, _ := http.NewRequest("POST", url+"/api/v1/login", strings.NewReader(`{"username":"root","password":"`+pw+`"}`))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if res := login("wrong password!", map[string]string{"X-Forwarded-For": "198.51.100.77"}); res.StatusCode != 401 {
		t.Fatalf("wrong password: %d", res.StatusCode)
	}
	fails, err := m.DB.ListAudit(context.Background(), storage.AuditFilter{Action: "login_failed"})
	if err != nil || len(fails) != 1 || fails[0].IP != "198.51.100.77" {
		t.Fatalf("the client behind the trusted proxy: %+v %v", fails, err)
	}
	if v := metricValue(t, url, "callfloor_login_failures_total"); v != 1 {
		t.Fatalf("callfloor_login_failures_total = %v", v)
	}
	res := login("a long enough password", map[string]string{"Origin": "https://floor.example.com"})
	if res.StatusCode != 200 {
		t.Fatalf("login from the allowed origin: %d", res.StatusCode)
	}
	req, _ := http.NewRequest("POST", url+"/api/v1/tokens", strings.NewReader(`{"name":"x"}`))
	req.Header.Set("Origin", "https://floor.example.com")
	for _, c := range res.Cookies() {
		req.AddCookie(c)
	}
	tres, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	tres.Body.Close()
	if tres.StatusCode != 201 {
		t.Fatalf("cookie-authenticated write from the allowed origin: %d", tres.StatusCode)
	}
}
