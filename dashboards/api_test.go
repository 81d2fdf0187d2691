package dashboards_test

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/callfloor/callfloor/internal/testdb"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/bulletins"
	"github.com/callfloor/callfloor/dashboards"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
	"github.com/callfloor/callfloor/telephony"
	"gopkg.in/yaml.v3"
)

// recorder is a Mux that remembers the patterns registered.
type recorder struct {
	*http.ServeMux
	patterns []string
}

func (r *recorder) Handle(p string, h http.Handler) {
	r.patterns = append(r.patterns, p)
	r.ServeMux.Handle(p, h)
}

// apiEnv is the API over a real PostgreSQL, Redis and ACD (no Asterisk node: the state actions
// and the configuration still go through the real ACD and live state).
type apiEnv struct {
	t      *testing.T
	srv    *httptest.Server
	api    *dashboards.API
	db     *storage.DB
	acd    *telephony.ACD
	base   *callfloor.Config // the API's file settings (time_zone and the like)
	mux    *recorder
	bul    *bulletins.Service
	tokens map[string]string // username -> API token
	ids    map[string]int64
}

func newAPIEnv(t *testing.T) *apiEnv {
	t.Helper()
	ctx := context.Background()
	db, _ := testdb.Open(t)
	rdb, prefix := testenv.Redis(t)
	base := &callfloor.Config{
		Queues: []callfloor.Queue{{Name: "sales"}, {Name: "support"}},
		Agents: []callfloor.Agent{
			{ID: "1001", Name: "Ana", Endpoint: "PJSIP/1001", Team: "team-a", Skills: map[string]int{"sales": 5}},
			{ID: "1002", Name: "Ben", Endpoint: "PJSIP/1002", Team: "team-a", Skills: map[string]int{"sales": 5}},
			{ID: "2001", Name: "Chen", Endpoint: "PJSIP/2001", Team: "team-b", Skills: map[string]int{"support": 5}},
		},
		Sim: &callfloor.SimConfig{},
	}
	base.ApplyDefaults()
	cfg, seeded, err := dashboards.LoadConfig(ctx, db, base)
	if err != nil || !seeded {
		t.Fatalf("seed: %v %v", seeded, err)
	}
	store := realtime.New(rdb, prefix)
	acd, err := telephony.New(telephony.Options{Config: cfg, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	actx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); acd.Run(actx) }()
	t.Cleanup(func() { cancel(); <-done })
	auth := &dashboards.Auth{DB: db, Redis: rdb, Prefix: prefix}
	mux := &recorder{ServeMux: http.NewServeMux()}
	api := &dashboards.API{ACD: acd, DB: db, Auth: auth, Base: base, Recordings: memRecordings{}}
	api.RecordingCache = &dashboards.RecordingCache{Dir: t.TempDir(), Source: api.Recordings}
	api.Register(mux)
	api.MountLive(mux, http.NotFoundHandler()) // the hub itself is tested in realtime/
	// the bulletins' routes; their scheduler starts only in the tests that need it (startBulletins)
	bul := &bulletins.Service{Pool: db.Pool, Redis: rdb, Prefix: prefix}
	api.RegisterBulletins(mux, bul)
	e := &apiEnv{t: t, srv: httptest.NewServer(mux), api: api, db: db, acd: acd, base: base, mux: mux, tokens: map[string]string{}, ids: map[string]int64{}, bul: bul}
	t.Cleanup(e.srv.Close)
	for _, u := range []storage.NewUser{
		{Username: "root", Role: callfloor.RoleAdmin},
		{Username: "ops", Role: callfloor.RoleOperationsManager},
		{Username: "ana", Role: callfloor.RoleAgent, AgentID: "1001", TeamID: "team-a"},
		{Username: "lead-a", Role: callfloor.RoleTeamLead, TeamID: "team-a"},
		{Username: "qa", Role: callfloor.RoleQA},
		{Username: "sup", Role: callfloor.RoleSupervisor},
	} {
		u.Password = "a long enough password"
		created, err := db.CreateUser(ctx, u)
		if err != nil {
			t.Fatalf("user %s: %v", u.Username, err)
		}
		tok, _, err := db.CreateAPIToken(ctx, created.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[u.Username], e.ids[u.Username] = tok, created.ID
	}
	return e
}

// memRecordings serves recordings from memory (the node's spool, for these tests).
type memRecordings struct{}

func (memRecordings) Recording(ctx context.Context, node, name string) (io.ReadCloser, string, error) {
	return io.NopCloser(strings.NewReader("RIFF....WAVEfmt 0123456789")), "audio/wav", nil
}

// do sends a request as user ("" = anonymous) and decodes the JSON answer.
func (e *apiEnv) do(user, method, path, body string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+"/api/v1"+path, strings.NewReader(body))
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[user])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(bytes.TrimSpace(b)) > 0 && json.Unmarshal(b, &out) != nil {
		e.t.Fatalf("%s %s: %d, not JSON: %q", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode, out
}

func (e *apiEnv) expect(user, method, path, body string, want int) map[string]any {
	e.t.Helper()
	code, out := e.do(user, method, path, body)
	if code != want {
		e.t.Fatalf("%s %s as %q: %d %v, want %d", method, path, user, code, out, want)
	}
	return out
}

// The OpenAPI document and the routes are the same set.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(dashboards.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented = append(documented, strings.ToUpper(method)+" /api/v1"+path)
		}
	}
	var routed []string
	for _, p := range e.mux.patterns {
		if p != "/api/" {
			routed = append(routed, p)
		}
	}
	sort.Strings(documented)
	sort.Strings(routed)
	if strings.Join(documented, "\n") != strings.Join(routed, "\n") {
		t.Fatalf("OpenAPI and routes differ\ndocumented:\n%s\nrouted:\n%s", strings.Join(documented, "\n"), strings.Join(routed, "\n"))
	}
	// and the document is served
	resp, err := http.Get(e.srv.URL + "/api/v1/openapi.yaml")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("openapi.yaml: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
}

func TestAuthenticationRequired(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	for _, p := range []string{"/queues", "/agents", "/calls", "/users", "/audit", "/teams", "/agents/1001/today"} {
		if code, body := e.do("", "GET", p, ""); code != 401 || body["code"] != "unauthorized" {
			t.Errorf("GET %s anonymous: %d %v", p, code, body)
		}
	}
}

func TestRoleScoping(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	// an agent sees and acts on themselves only
	agents := e.expect("ana", "GET", "/agents", "", 200)["agents"].([]any)
	if len(agents) != 1 || agents[0].(map[string]any)["id"] != "1001" {
		t.Fatalf("agent sees %v", agents)
	}
	e.expect("ana", "GET", "/agents/1002", "", 403)
	e.expect("ana", "GET", "/agents/1002/today", "", 403)
	e.expect("ana", "POST", "/agents/1002/login", "", 403)
	e.expect("ana", "POST", "/agents/1001/login", "", 200)
	e.expect("ana", "GET", "/agents/1001/today", "", 200)
	// an agent asking for another agent's calls is refused
	from, to := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), time.Now().Add(time.Minute).UTC().Format(time.RFC3339)
	e.expect("ana", "GET", "/calls?from="+from+"&to="+to+"&agent=1002", "", 403)
	e.expect("ana", "GET", "/calls?from="+from+"&to="+to+"&team=team-a", "", 403)
	e.expect("ana", "GET", "/calls?from="+from+"&to="+to, "", 200)
	// a team lead: their team only
	if n := len(e.expect("lead-a", "GET", "/agents", "", 200)["agents"].([]any)); n != 2 {
		t.Fatalf("team lead sees %d agents, want 2", n)
	}
	e.expect("lead-a", "GET", "/agents/2001", "", 403)
	e.expect("lead-a", "POST", "/agents/1002/login", "", 200)
	e.expect("lead-a", "POST", "/agents/1002/pause", `{"reason":"coaching"}`, 200)
	e.expect("lead-a", "POST", "/agents/2001/login", "", 403)
	e.expect("lead-a", "GET", "/calls?from="+from+"&to="+to+"&team=team-b", "", 403)
	e.expect("lead-a", "GET", "/calls?from="+from+"&to="+to+"&agent=2001", "", 403)
	e.expect("lead-a", "GET", "/calls?from="+from+"&to="+to+"&agent=1002", "", 200)
	// QA and managers see everyone; only admins and operations managers configure
	if n := len(e.expect("qa", "GET", "/agents", "", 200)["agents"].([]any)); n != 3 {
		t.Fatalf("qa sees %d agents", n)
	}
	e.expect("qa", "POST", "/queues", `{"name":"vip"}`, 403)
	e.expect("sup", "POST", "/agents/2001/login", "", 200)
	e.expect("sup", "GET", "/users", "", 403)
	e.expect("lead-a", "GET", "/audit", "", 403)
	e.expect("ana", "GET", "/users/"+itoa(e.ids["root"]), "", 403)
	e.expect("ana", "GET", "/users/"+itoa(e.ids["ana"]), "", 200)
	e.expect("ops", "POST", "/users", `{"username":"boss","password":"a long enough password","role":"admin"}`, 403)
	// acting on another agent is on record
	entries := e.expect("root", "GET", "/audit?action=agent_pause", "", 200)["entries"].([]any)
	if len(entries) != 1 || entries[0].(map[string]any)["actor"] != "lead-a" || entries[0].(map[string]any)["target_id"] != "1002" {
		t.Fatalf("audit %v", entries)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Configuration changes through the API take effect in the running ACD without a restart.
func TestConfigurationTakesEffect(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	q := e.expect("ops", "POST", "/queues", `{"name":"vip","strategy":"fewest_calls","ring_timeout_s":10,"wrap_up_s":5,"service_level_s":15}`, 201)
	if q["strategy"] != "fewest_calls" || q["ring_timeout_s"] != 10.0 || q["short_abandon_s"] != 5.0 {
		t.Fatalf("created %v", q)
	}
	if _, err := e.acd.Queue("vip"); err != nil {
		t.Fatalf("the ACD does not know the new queue: %v", err)
	}
	e.expect("ops", "POST", "/queues", `{"name":"vip"}`, 409)
	e.expect("ops", "PUT", "/queues/vip", `{"ring_timeout_s":20,"waiting_amber":2,"waiting_red":4,"longest_wait_amber_s":30,"longest_wait_red_s":90}`, 200)
	if q, _ := e.acd.Queue("vip"); q.RingTimeout != 20*time.Second || q.WaitingAmber != 2 || q.WaitingRed != 4 || q.LongestRed != 90*time.Second {
		t.Fatalf("queue in the ACD %+v", q)
	}
	if q := e.expect("ops", "GET", "/queues/vip", "", 200); q["waiting_red"] != 4.0 || q["longest_wait_amber_s"] != 30.0 {
		t.Errorf("thresholds read back %v", q)
	}
	// an agent gets the new skill and is offered from the new queue at once
	e.expect("root", "PUT", "/agents/1001", `{"name":"Ana","endpoint":"PJSIP/1001","team":"team-a","skills":{"sales":5,"vip":9}}`, 200)
	e.expect("root", "POST", "/agents/1001/login", "", 200)
	got, err := e.acd.Store().Claim(context.Background(), "vip", "c1", time.Now())
	if err != nil || got != "1001" {
		t.Fatalf("claim from the new queue: %q %v", got, err)
	}
	e.expect("ops", "DELETE", "/queues/vip", "", 409) // agent 1001 serves it
	// new agent, new team
	e.expect("ops", "POST", "/teams", `{"id":"team-c","name":"Night shift"}`, 201)
	e.expect("ops", "POST", "/agents", `{"id":"3001","name":"Dee","endpoint":"PJSIP/3001","team":"team-c","skills":{"support":3}}`, 201)
	if st, err := e.acd.AgentStatus(context.Background(), "3001"); err != nil || st.State != callfloor.AgentLoggedOut {
		t.Fatalf("new agent in the ACD: %+v %v", st, err)
	}
	e.expect("ops", "POST", "/agents", `{"id":"3002","endpoint":"PJSIP/3002","team":"nope"}`, 400)
	e.expect("ops", "DELETE", "/agents/3001", "", 200)
	if _, err := e.acd.AgentStatus(context.Background(), "3001"); callfloor.ErrorCode(err) != callfloor.ENOTFOUND {
		t.Fatalf("deleted agent still in the ACD: %v", err)
	}
	// the changes are audited
	for _, action := range []string{"queue_created", "queue_updated", "agent_updated", "team_created", "agent_created", "agent_deleted"} {
		if n := len(e.expect("root", "GET", "/audit?action="+action, "", 200)["entries"].([]any)); n != 1 {
			t.Errorf("%d audit rows for %s", n, action)
		}
	}
}

// badInput is a request the API must refuse with 400 invalid naming field.
type badInput struct{ method, path, body, field string }

// expectInvalid sends each request as root and requires a 400 of kind "invalid" with a specific
// code, naming its field, with a readable message (checkReadable) holding msg.
func (e *apiEnv) expectInvalid(msg string, cases []badInput) {
	e.t.Helper()
	for _, c := range cases {
		code, body := e.do("root", c.method, c.path, c.body)
		m, _ := body["message"].(string)
		if code != http.StatusBadRequest || body["kind"] != "invalid" || body["code"] == "invalid" || body["code"] == "" || body["field"] != c.field || !strings.Contains(m, msg) {
			e.t.Errorf("%s %s %s: %d %v, want 400 with a specific code naming %q (%q)", c.method, c.path, c.body, code, body, c.field, msg)
		}
		if bad := checkReadable(c.field, m); bad != "" {
			e.t.Errorf("%s %s %s: message %q %s", c.method, c.path, c.body, m, bad)
		}
	}
}

func TestBadInputNamesTheField(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	e.expectInvalid("", []badInput{
		{"POST", "/queues", `{"name":"x y"}`, "name"},
		{"POST", "/queues", `{"name":"q1","ring_timeout_s":-1}`, "ring_timeout_s"},
		{"POST", "/queues", `{"name":"q1","waiting_amber":5,"waiting_red":3}`, "waiting_amber"},
		{"POST", "/queues", `{"name":"q1","longest_wait_red_s":-5}`, "longest_wait_red_s"},
		{"POST", "/queues", `{"name":"q1","strategy":"random"}`, "strategy"},
		{"POST", "/queues", `{"name":"q1","colour":"red"}`, "colour"},
		{"POST", "/queues", `{"name":"q1","priority":"high"}`, "priority"},
		{"POST", "/agents", `{"id":"9","endpoint":"nodial"}`, "endpoint"},
		{"POST", "/agents", `{"id":"9","endpoint":"PJSIP/9","skills":{"nope":3}}`, "skills.nope"},
		{"POST", "/users", `{"username":"u1","password":"short","role":"agent","agent_id":"1002"}`, "password"},
		{"POST", "/users", `{"username":"u1","password":"a long enough password","role":"king"}`, "role"},
		{"GET", "/calls?from=yesterday&to=2026-11-22T00:00:00Z", "", "from"},
		{"GET", "/calls?from=2026-11-22T00:00:00Z&to=2026-11-21T00:00:00Z", "", "to"},
		{"GET", "/calls?from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z&number=1'%20OR%201=1--", "", "number"},
		{"GET", "/calls?from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z&outcome=answered'--", "", "outcome"},
		{"GET", "/calls?from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z&recorded=maybe", "", "recorded"},
		{"GET", "/calls?from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z&limit=100000", "", "limit"},
		{"GET", "/calls?from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z&cursor=garbage!", "", "cursor"},
		{"GET", "/calls?from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z&sort=evil", "", "sort"},
		{"GET", "/calls?from=2020-01-01T00:00:00Z&to=2026-11-22T00:00:00Z", "", "to"},
		{"POST", "/agents/1001/pause", `{"reason":""}`, "reason"},
	})
	// oversized and malformed bodies
	if code, _ := e.do("root", "POST", "/queues", `{"name":"`+strings.Repeat("x", 70<<10)+`"}`); code != 400 {
		t.Errorf("oversized body: %d", code)
	}
	if code, _ := e.do("root", "POST", "/queues", `{"name":`); code != 400 {
		t.Errorf("truncated JSON: %d", code)
	}
	// unknown things are 404 with JSON
	for _, p := range []string{"/agents/nobody", "/queues/nope", "/teams/nope", "/users/999999", "/calls/nope", "/nothing"} {
		if code, body := e.do("root", "GET", p, ""); code != 404 || body["code"] != "not_found" {
			t.Errorf("GET %s: %d %v", p, code, body)
		}
	}
	for _, op := range []string{"login", "logout", "unpause"} {
		if code, _ := e.do("root", "POST", "/agents/nobody/"+op, ""); code != 404 {
			t.Errorf("%s unknown agent: %d", op, code)
		}
	}
}

// History rows are scoped too: an agent sees their own calls, not a colleague's; every listen to
// a recording is on record.
func TestCallHistoryScopeAndRecordingAudit(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	now := time.Now().UTC()
	for i, row := range []struct{ id, agent string }{{"c1", "1001"}, {"c2", "1002"}, {"c3", "2001"}, {"c4", "1001"}} {
		if _, err := e.db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, queue, node, caller_number, agent_id, entered_at, ended_at,
			outcome, recording_name, last_event_id) VALUES ($1, 'inbound', 'sales', 'pbx1', '5550100', $2, $3, $3, 'answered', $4, '1-0')`,
			row.id, row.agent, now.Add(-time.Duration(i+1)*time.Minute), "callfloor/2026-11-22/"+row.id); err != nil {
			t.Fatal(err)
		}
	}
	from, to := now.Add(-time.Hour).Format(time.RFC3339), now.Add(time.Minute).Format(time.RFC3339)
	ids := func(user string) string {
		calls := e.expect(user, "GET", "/calls?from="+from+"&to="+to, "", 200)["calls"].([]any)
		var out []string
		for _, c := range calls {
			out = append(out, c.(map[string]any)["id"].(string))
		}
		return strings.Join(out, ",")
	}
	if got := ids("ana"); got != "c1,c4" {
		t.Errorf("agent 1001 sees %s, want c1,c4", got)
	}
	if got := ids("lead-a"); got != "c1,c2,c4" {
		t.Errorf("team lead of team-a sees %s", got)
	}
	if got := ids("qa"); got != "c1,c2,c3,c4" {
		t.Errorf("qa sees %s", got)
	}
	e.expect("ana", "GET", "/calls/c1", "", 200)
	e.expect("ana", "GET", "/calls/c2", "", 403)
	e.expect("lead-a", "GET", "/calls/c3", "", 403)
	e.expect("ana", "GET", "/calls/c2/recording", "", 403)
	if rec := e.expect("ana", "GET", "/calls/c1/recording", "", 200); rec["name"] != "callfloor/2026-11-22/c1" || rec["node"] != "pbx1" {
		t.Fatalf("recording metadata %v", rec)
	}
	// listening and downloading are audited; refused listens are not served
	get := func(user, path string) int {
		code, _, _ := e.get(user, path)
		return code
	}
	if code := get("ana", "/calls/c1/recording/file"); code != 200 {
		t.Fatalf("own recording: %d", code)
	}
	if code := get("qa", "/calls/c3/recording/file?download=1"); code != 200 {
		t.Fatalf("qa download: %d", code)
	}
	if code := get("ana", "/calls/c2/recording/file"); code != 403 {
		t.Fatalf("colleague's recording: %d", code)
	}
	// the player seeks with HTTP Range
	resp, part := e.getFile("ana", "/calls/c1/recording/file", map[string]string{"Range": "bytes=4-7"})
	if resp.StatusCode != 206 || string(part) != "...." || resp.Header.Get("Content-Range") != "bytes 4-7/26" {
		t.Fatalf("range: %d %q %q", resp.StatusCode, part, resp.Header.Get("Content-Range"))
	}
	listened := e.expect("root", "GET", "/audit?action=recording_listened", "", 200)["entries"].([]any)
	downloaded := e.expect("root", "GET", "/audit?action=recording_downloaded", "", 200)["entries"].([]any)
	if len(listened) != 1 || listened[0].(map[string]any)["actor"] != "ana" || listened[0].(map[string]any)["target_id"] != "callfloor/2026-11-22/c1" {
		t.Fatalf("listen audit %v", listened)
	}
	if len(downloaded) != 1 || downloaded[0].(map[string]any)["actor"] != "qa" {
		t.Fatalf("download audit %v", downloaded)
	}
	// a listen made only of ranged requests (bytes=0- returns the whole file) is audited, once
	for _, rng := range []string{"bytes=0-", "bytes=10-", "bytes=0-"} {
		resp, _ := e.getFile("lead-a", "/calls/c1/recording/file", map[string]string{"Range": rng})
		if resp.StatusCode != 206 {
			t.Fatalf("lead-a %s: %d", rng, resp.StatusCode)
		}
	}
	if n := e.auditCount("recording_listened", "lead-a"); n != 1 {
		t.Errorf("lead-a's ranged listen audited %d times, want 1", n)
	}
}

func TestMonitorPermissions(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	e.expect("ana", "POST", "/agents/1001/monitor", `{"mode":"listen"}`, 403)
	e.expect("qa", "POST", "/agents/1001/monitor", `{"mode":"listen"}`, 403)
	e.expect("lead-a", "POST", "/agents/2001/monitor", `{"mode":"listen"}`, 403) // other team
	if body := e.expect("sup", "POST", "/agents/1001/monitor", `{"mode":"listen"}`, 400); body["field"] != "endpoint" {
		t.Fatalf("no phone: %v", body)
	}
	if body := e.expect("root", "PUT", "/users/"+itoa(e.ids["sup"]), `{"phone_endpoint":"nodial"}`, 400); body["field"] != "phone_endpoint" {
		t.Fatalf("bad phone: %v", body)
	}
	e.expect("root", "PUT", "/users/"+itoa(e.ids["sup"]), `{"phone_endpoint":"PJSIP/2001"}`, 200)
	if body := e.expect("sup", "POST", "/agents/1001/monitor", `{"mode":"spy"}`, 400); body["field"] != "mode" {
		t.Fatalf("bad mode: %v", body)
	}
	e.expect("sup", "POST", "/agents/1001/monitor", `{"mode":"whisper"}`, 409) // not on a call
	e.expect("sup", "POST", "/agents/nobody/monitor", `{"mode":"whisper"}`, 404)
}
