package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"

	"github.com/callfloor/callfloor/internal/testenv"
)

func TestParseRoles(t *testing.T) {
	if r, err := ParseRoles(" web, acd ,web"); err != nil || strings.Join(r, ",") != "web,acd" {
		t.Errorf("ParseRoles: %v %v", r, err)
	}
	for _, bad := range []string{"", ",", "acd,dialer"} {
		if _, err := ParseRoles(bad); err == nil || !strings.Contains(err.Error(), "-roles") {
			t.Errorf("ParseRoles(%q): %v, want an error naming -roles", bad, err)
		}
	}
	m := NewMain(io.Discard)
	if err := m.ParseFlags(nil); err != nil || !m.has(RoleACD) || !m.has(RoleWeb) || !m.has(RoleHistory) {
		t.Errorf("default roles %v %v, want all", m.Roles, err)
	}
	if err := m.ParseFlags([]string{"-roles", "acd"}); err != nil || m.has(RoleWeb) || m.has(RoleHistory) {
		t.Errorf("-roles acd: %v %v", m.Roles, err)
	}
}

func status(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// -roles acd serves /metrics and the health endpoints only (no API, no UI) and routes; -roles
// web serves the API and the UI and starts no ACD (the node is not connected by it).
func TestServeRoles(t *testing.T) {
	t.Parallel()
	acd := startMainRoles(t, testConfig(t, testenv.RedisURL()), RoleACD)
	base := "http://" + acd.Addr()
	for path, want := range map[string]int{"/healthz": 200, "/metrics": 200, "/api/me": 404, "/": 404} {
		if got := status(t, base+path); got != want {
			t.Errorf("-roles acd: GET %s: %d, want %d", path, got, want)
		}
	}
	testenv.Eventually(t, 10*time.Second, "the acd-only instance drives the node", func() bool { return acd.ACD.Ready() == nil })

	web := startMainRoles(t, testConfig(t, testenv.RedisURL()), RoleWeb)
	wbase := "http://" + web.Addr()
	if web.acdDone != nil || web.writerDone != nil {
		t.Error("-roles web started the ACD or the history writer")
	}
	if got := status(t, wbase+"/"); got != 200 {
		t.Errorf("-roles web: GET /: %d", got)
	}
	if got := status(t, wbase+"/api/me"); got != 401 {
		t.Errorf("-roles web: GET /api/me without a session: %d, want 401", got)
	}
	code, body, raw := readyz(t, wbase, "")
	if _, ok := body.Components["asterisk"]; ok || code != 200 {
		t.Errorf("-roles web: /readyz %d %s: want ready, without asterisk", code, raw)
	}
	if web.ACD.Ready() == nil && web.Clients[0].Node().Connected {
		t.Error("-roles web connected to the node")
	}
}

func startMainRoles(t *testing.T, cfg *callfloor.Config, roles ...string) *Main {
	t.Helper()
	m := &Main{Config: cfg, Listen: "127.0.0.1:0", LogOutput: io.Discard, Roles: roles}
	if err := m.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}
