package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
)

// syncBuffer is a log output written by many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type readyzBody struct {
	Status     string            `json:"status"`
	Components map[string]string `json:"components"`
	Details    map[string]string `json:"details"`
	HistoryLag *int64            `json:"history_lag"`
}

func readyz(t *testing.T, base, token string) (int, readyzBody, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/readyz", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out readyzBody
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("/readyz: %d, not JSON: %q", resp.StatusCode, b)
	}
	return resp.StatusCode, out, string(b)
}

// serve starts while Redis is down (instead of exiting), says so in its log and in /readyz, and
// begins work once Redis answers. /readyz tells everyone the status and which component is not
// ok, but only an admin what is wrong (addresses, driver errors).
func TestServeStartsWhileRedisIsDown(t *testing.T) {
	t.Parallel()
	ru, err := url.Parse(testenv.RedisURL())
	if err != nil {
		t.Fatal(err)
	}
	proxy := testenv.NewProxy(t, ru.Host)
	proxy.Cut()
	ru.Host = proxy.Addr()
	cfg := testConfig(t, testenv.RedisURL()) // the test's prefix on the test Redis, reached through the proxy
	cfg.RedisURL = ru.String()
	cfg.Sim.Speed = 30
	cfg.LogLevel = "info"
	logs := &syncBuffer{}
	m := startMain(t, cfg, logs) // while redis is down
	base := "http://" + m.Addr()
	if !strings.Contains(logs.String(), "redis is not reachable") {
		t.Errorf("the log does not say that redis is down:\n%s", logs.String())
	}

	admin, supervisor := userToken(t, m, "root", callfloor.RoleAdmin), userToken(t, m, "sue", callfloor.RoleSupervisor)

	for _, who := range []struct{ name, token string }{{"anonymous", ""}, {"a supervisor", supervisor}} {
		code, body, raw := readyz(t, base, who.token)
		if code != http.StatusServiceUnavailable || body.Status != "not ready" || body.Components["redis"] != "not ok" || body.Components["postgresql"] != "ok" {
			t.Errorf("/readyz for %s with redis down: %d %s", who.name, code, raw)
		}
		if body.Details != nil || body.HistoryLag != nil || strings.Contains(raw, "127.0.0.1") || strings.Contains(raw, "EOF") || strings.Contains(raw, "tcp") {
			t.Errorf("/readyz shows %s details: %s", who.name, raw)
		}
	}
	code, body, raw := readyz(t, base, admin)
	if code != http.StatusServiceUnavailable || body.Components["redis"] != "not ok" || body.Details["redis"] == "" {
		t.Errorf("/readyz for an admin with redis down: %d %s", code, raw)
	}

	proxy.Restore()
	testenv.Eventually(t, 30*time.Second, "ready once redis answers", func() bool {
		code, body, _ := readyz(t, base, "")
		return code == http.StatusOK && body.Status == "ready"
	})
	testenv.Eventually(t, 30*time.Second, "calls answered once redis answers", func() bool {
		return metricValue(t, base, "callfloor_calls_answered_total") >= 1
	})
	code, body, raw = readyz(t, base, admin)
	if code != http.StatusOK || body.HistoryLag == nil || body.Details != nil || body.Components["change_stream"] != "ok" {
		t.Errorf("/readyz for an admin when ready: %d %s", code, raw)
	}
}
