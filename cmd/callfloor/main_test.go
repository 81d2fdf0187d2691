package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testdb"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/storage"
	"github.com/callfloor/callfloor/telephony/ari"
	"golang.org/x/crypto/bcrypt"
)

func TestConfigErrorsNameTheField(t *testing.T) {
	base := `
asterisk: [{name: pbx1, url: "http://127.0.0.1:8088", password: x}]
queues: [{name: sales}]
agents: [{id: "1001", endpoint: PJSIP/1001, skills: {sales: 5}}]
`
	if _, err := ParseConfig([]byte(base)); err != nil {
		t.Fatalf("valid config refused: %v", err)
	}
	cases := []struct{ name, yaml, want string }{
		{"unknown field", base + "colour: red\n", "colour"},
		{"bad strategy", strings.Replace(base, "{name: sales}", "{name: sales, strategy: random}", 1), "queues[0].strategy"},
		{"bad duration", strings.Replace(base, "{name: sales}", "{name: sales, ring_timeout: soon}", 1), "ring_timeout"},
		{"short abandon above SL", strings.Replace(base, "{name: sales}", "{name: sales, short_abandon: 30s}", 1), "queues[0].short_abandon"},
		{"amber not below red", strings.Replace(base, "{name: sales}", "{name: sales, waiting_amber: 4, waiting_red: 4}", 1), "queues[0].waiting_amber"},
		{"negative longest wait", strings.Replace(base, "{name: sales}", "{name: sales, longest_wait_red: -1s}", 1), "queues[0].longest_wait_red"},
		{"skill for unknown queue", strings.Replace(base, "{sales: 5}", "{sales: 5, nope: 1}", 1), "agents[0].skills.nope"},
		{"skill out of range", strings.Replace(base, "{sales: 5}", "{sales: 500}", 1), "agents[0].skills.sales"},
		{"endpoint", strings.Replace(base, "PJSIP/1001", "1001", 1), "agents[0].endpoint"},
		{"node url", strings.Replace(base, `"http://127.0.0.1:8088"`, `"ftp://x"`, 1), "asterisk[0].url"},
		{"missing secret", strings.Replace(base, "password: x", "password_env: CALLFLOOR_TEST_NO_SUCH_VAR", 1), "asterisk[0].password_env"},
		{"duplicate agent", strings.Replace(base, `skills: {sales: 5}}]`, `skills: {sales: 5}}, {id: "1001", endpoint: PJSIP/1002}]`, 1), "agents[1].id"},
		{"no queues", "asterisk: [{name: a, url: \"http://x:1\"}]\n", "queues"},
		{"max wait destination", strings.Replace(base, "{name: sales}", "{name: sales, max_wait: 1m, on_max_wait: {action: continue}}", 1), "queues[0].on_max_wait.context"},
		{"outbound pattern", base + "acd: {outbound: {dial_string: PJSIP/trunk}}\n", "acd.outbound.dial_string"},
		{"recording cache size", base + "recording_cache: {dir: /tmp/x, max_mb: -1}\n", "recording_cache.max_mb"},
		{"recording cache fetches", base + "recording_cache: {fetches_per_node: 1000}\n", "recording_cache.fetches_per_node"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(c.yaml))
			if err == nil {
				t.Fatalf("accepted")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not name %q", err, c.want)
			}
		})
	}
	// the command refuses to start on a bad file
	err := run(context.Background(), []string{"check-config", "-config", "/nonexistent.yaml"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "nonexistent") {
		t.Fatalf("check-config on a missing file: %v", err)
	}
}

func TestDemoConfigIsValid(t *testing.T) {
	cfg, err := LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Sim == nil || len(cfg.Agents) < 20 || len(cfg.Queues) != 3 {
		t.Fatalf("demo config: sim %v, %d agents, %d queues", cfg.Sim != nil, len(cfg.Agents), len(cfg.Queues))
	}
}

// startDemo runs the embedded demo on free ports with a test Redis prefix, a PostgreSQL schema
// of its own and fast traffic; it returns the base URL and an admin's API token.
func startDemo(t *testing.T, speed float64) (*Main, string, string) {
	t.Helper()
	cfg := testConfig(t, testenv.RedisURL())
	cfg.Sim.Speed = speed
	m := startMain(t, cfg, io.Discard)
	// this month's partitions before a test writes history rows itself: the writer creates them
	// as it starts, and a row inserted while it does fails (it was routed to the default
	// partition, which the new month's leaves: "violates partition constraint")
	now := time.Now()
	if err := m.DB.EnsurePartitions(context.Background(), now.AddDate(0, 0, -1), now); err != nil {
		t.Fatal(err)
	}
	return m, "http://" + m.Addr(), userToken(t, m, "root", callfloor.RoleAdmin)
}

// testConfig is the demo configuration on a fresh, migrated PostgreSQL database (testdb.URL) and
// the test's own Redis prefix on redisURL (the test Redis, or a proxy to it), with the simulator on
// a free port, no Asterisk and error logs only. Parallel tests (t.Parallel) may call it with the
// test Redis, testenv.RedisURL(): any other URL is also set as CALLFLOOR_REDIS_URL (t.Setenv, which
// parallel tests may not call). A test running the CLI against the test Redis sets that itself.
func testConfig(t testing.TB, redisURL string) *callfloor.Config {
	t.Helper()
	_, prefix := testenv.Redis(t)
	if redisURL != testenv.RedisURL() {
		t.Setenv("CALLFLOOR_REDIS_URL", redisURL)
	}
	cfg := testConfigOn(t, testdb.URL(t), prefix)
	cfg.RedisURL = redisURL
	return cfg
}

// testConfigOn is testConfig on the migrated database at dbURL (testdb.URL, a demo fixture's copy).
func testConfigOn(t testing.TB, dbURL, prefix string) *callfloor.Config {
	t.Helper()
	cfg, err := LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Prefix = prefix
	cfg.DatabaseURL = dbURL
	cfg.Sim.Listen = "127.0.0.1:0"
	cfg.Asterisk = nil
	cfg.LogLevel = "error"
	cfg.DataDir = t.TempDir()
	cfg.Sim.People = false // the tests drive the agents themselves (TestDemoDay* runs the people)
	// the customer's side of the live traffic (+86 callers, agents hanging up, surveys answered
	// and the tickets they open) is TestDemoCustomerSide's: the other tests count their own
	// surveys and tickets, with 555 callers who hang up first
	cfg.Sim.Numbers = ""
	for i := range cfg.Sim.Traffic {
		cfg.Sim.Traffic[i].AgentHangup = 0
	}
	return cfg
}

// startMain serves cfg on a free port until the test ends, logging to logs.
func startMain(t testing.TB, cfg *callfloor.Config, logs io.Writer) *Main {
	t.Helper()
	m := &Main{Config: cfg, Listen: "127.0.0.1:0", LogOutput: logs, Tick: 50 * time.Millisecond}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("serve did not start: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if storage.BcryptCost != bcrypt.MinCost { // TestMain sets it: parallel tests never write it
		storage.BcryptCost = bcrypt.MinCost
	}
	return m
}

// userToken creates a user with that role and returns an API token of theirs.
func userToken(t testing.TB, m *Main, username string, role callfloor.Role) string {
	t.Helper()
	ctx := context.Background()
	u, err := m.DB.CreateUser(ctx, storage.NewUser{Username: username, Password: "a long enough password", Role: role})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := m.DB.CreateAPIToken(ctx, u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func metricValue(t *testing.T, url, name string) float64 {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `(\{[^}]*\})? ([0-9.e+-]+)$`)
	var sum float64
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		sum += v
	}
	return sum
}

// The README's demo: calls are routed and the metrics move.
func TestDemoRoutesCallsAndMetricsMove(t *testing.T) {
	t.Parallel()
	m, url, tok := startDemo(t, 30)
	testenv.Eventually(t, 20*time.Second, "demo calls answered", func() bool {
		return metricValue(t, url, "callfloor_calls_answered_total") >= 3
	})
	if v := metricValue(t, url, "callfloor_calls_offered_total"); v < 3 {
		t.Errorf("offered %v", v)
	}
	if v := metricValue(t, url, "callfloor_agents"); v != 24 {
		t.Errorf("callfloor_agents sums to %v, want 24 agents", v)
	}
	if v := metricValue(t, url, "callfloor_ari_events_total"); v < 10 {
		t.Errorf("ari events %v", v)
	}
	for _, name := range []string{"callfloor_queue_waiting_calls", "callfloor_calls_abandoned_total", "callfloor_ari_reconnects_total", "callfloor_routing_decision_seconds_count"} {
		resp, _ := http.Get(url + "/metrics")
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), name) {
			t.Errorf("metric %s not exported", name)
		}
	}
	resp, err := http.Get(url + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", resp.StatusCode, err)
	}
	// the history writer brings ended calls into PostgreSQL, searchable through the API
	from, to := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	testenv.Eventually(t, 30*time.Second, "ended calls in the history", func() bool {
		code, body := api(t, "GET", url+"/api/v1/calls?from="+from+"&to="+to+"&outcome=answered", tok, "")
		if code != 200 {
			t.Fatalf("search: %d %v", code, body)
		}
		calls, _ := body["calls"].([]any)
		for _, c := range calls {
			c := c.(map[string]any)
			if c["ended_at"] != nil && c["agent"] != "" && c["talk_ms"].(float64) > 0 && c["wrap_ms"].(float64) >= 10000 && c["hold_ms"] == 0.0 {
				return true
			}
		}
		return false
	})
	// every series the Grafana dashboard in deploy/ queries is exported (rates once there are
	// handled calls: n/a is left out, not reported as 0)
	dash, err := os.ReadFile("../../deploy/grafana/callfloor-floor.json")
	if err != nil {
		t.Fatal(err)
	}
	mresp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	exposed, _ := io.ReadAll(mresp.Body)
	mresp.Body.Close()
	for _, name := range regexp.MustCompile(`callfloor_[a-z_]+`).FindAllString(string(dash), -1) {
		if !regexp.MustCompile(`(?m)^` + name + `[{ ]`).Match(exposed) {
			t.Errorf("the Grafana dashboard queries %s, which /metrics does not export", name)
		}
	}
	// recording retention deletes the audio on the node and the catalogue row
	ctx := context.Background()
	var name string
	testenv.Eventually(t, 20*time.Second, "a recording in the catalogue", func() bool {
		return m.DB.Pool.QueryRow(ctx, `SELECT name FROM recordings LIMIT 1`).Scan(&name) == nil
	})
	if _, _, err := m.Clients[0].StoredRecordingFile(ctx, name); err != nil {
		t.Fatalf("recording %s not on the node before pruning: %v", name, err)
	}
	gone, err := m.DB.PruneRecordings(ctx, time.Now().Add(time.Hour), nodeRecordings(m.Clients), 1000)
	if err != nil || len(gone) == 0 {
		t.Fatalf("prune: %v %v", gone, err)
	}
	if _, _, err := m.Clients[0].StoredRecordingFile(ctx, name); !ari.IsNotFound(err) {
		t.Fatalf("recording %s still on the node after pruning: %v", name, err)
	}
}

func api(t testing.TB, method, url, token, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %q", method, url, resp.StatusCode, b)
	}
	return resp.StatusCode, out
}

func TestAPI(t *testing.T) {
	t.Parallel()
	_, url, tok := startDemo(t, 1)
	v1 := url + "/api/v1"
	if code, body := api(t, "GET", v1+"/agents", "", ""); code != 401 || body["code"] != "unauthorized" {
		t.Fatalf("no token: %d %v", code, body)
	}
	if code, _ := api(t, "GET", v1+"/agents", "wrong", ""); code != 401 {
		t.Fatalf("wrong token: %d", code)
	}
	code, body := api(t, "GET", v1+"/agents", tok, "")
	if code != 200 || len(body["agents"].([]any)) != 24 {
		t.Fatalf("agents: %d %v", code, body)
	}
	if code, body := api(t, "GET", v1+"/agents/9999", tok, ""); code != 404 || body["code"] != "not_found" || !strings.Contains(fmt.Sprint(body["message"]), "9999") {
		t.Fatalf("unknown agent: %d %v", code, body)
	}
	for _, op := range []string{"login", "logout", "unpause"} {
		if code, body := api(t, "POST", v1+"/agents/nobody/"+op, tok, ""); code != 404 {
			t.Fatalf("%s unknown agent: %d %v", op, code, body)
		}
	}
	if code, _ := api(t, "POST", v1+"/agents/nobody/pause", tok, `{"reason":"lunch"}`); code != 404 {
		t.Fatalf("pause unknown agent: %d", code)
	}
	// the demo logs every agent in: pause 1001 with a reason, then refuse bad bodies
	code, body = api(t, "POST", v1+"/agents/1001/pause", tok, `{"reason":"lunch"}`)
	if code == 409 { // 1001 may be on a call right now
		t.Logf("1001 busy: %v", body)
	} else if code != 200 || body["state"] != "paused" || body["reason"] != "lunch" {
		t.Fatalf("pause: %d %v", code, body)
	}
	if code, body := api(t, "POST", v1+"/agents/1002/pause", tok, `{"reason":"lunch","colour":"red"}`); code != 400 || body["field"] != "colour" {
		t.Fatalf("unknown field: %d %v", code, body)
	}
	if code, body := api(t, "POST", v1+"/agents/1002/pause", tok, `{"reason":"sleeping"}`); code != 400 || body["field"] != "reason" {
		t.Fatalf("reason not allowed: %d %v", code, body)
	}
	if code, _ := api(t, "POST", v1+"/agents/1002/pause", tok, `{"reason":"`+strings.Repeat("x", 70000)+`"}`); code != 400 {
		t.Fatalf("oversized body: %d", code)
	}
	if code, _ := api(t, "POST", v1+"/agents/1002/pause", tok, `not json`); code != 400 {
		t.Fatalf("bad json: %d", code)
	}
	if code, body := api(t, "POST", v1+"/agents/1002/calls", tok, `{"number":"555; rm -rf"}`); code != 400 || body["field"] != "number" {
		t.Fatalf("bad number: %d %v", code, body)
	}
	if code, body := api(t, "GET", v1+"/queues/sales", tok, ""); code != 200 || body["name"] != "sales" {
		t.Fatalf("queue: %d %v", code, body)
	}
	if code, _ := api(t, "GET", v1+"/queues/nope", tok, ""); code != 404 {
		t.Fatalf("unknown queue: %d", code)
	}
	if code, _ := api(t, "GET", v1+"/calls/nope", tok, ""); code != 404 {
		t.Fatalf("unknown call: %d", code)
	}
	if code, _ := api(t, "GET", v1+"/nothing", tok, ""); code != 404 {
		t.Fatalf("unknown route: %d", code)
	}
}

// The bench command's machinery, on a small run with the simulator in-process (the test
// binary cannot be the child simulator): every call offered is routed and measured.
func TestBenchSmall(t *testing.T) {
	t.Parallel()
	rdb, _ := testenv.Redis(t)
	r, err := benchOne(context.Background(), rdb, benchOpts{agents: 20, rate: 50, calls: 40, talk: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if r.routed != 40 || r.p50 <= 0 || r.p99 < r.p50 || r.max < r.p99 || r.cpuPerCall <= 0 {
		t.Fatalf("bench result %+v", r)
	}
}
