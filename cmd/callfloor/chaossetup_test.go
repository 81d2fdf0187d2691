package main

// The chaos suite's setup (TestChaosSuite): the servers, the simulated nodes, the callfloor
// instances as child processes of the test binary (TestChaosInstance), and the reads of history.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
	"github.com/callfloor/callfloor/telephony/sim"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

const (
	chaosChildEnv = "CALLFLOOR_CHAOS_CHILD" // a chaos instance's settings (JSON chaosChild)
	chaosReady    = "CHAOS-READY"           // what it prints, with its HTTP address, once serving
)

// chaosChild is what one callfloor instance of the suite is given.
type chaosChild struct {
	RedisURL    string            // redis_url: the Sentinel set
	Sentinels   []string          // the sentinels' addresses (the client is built here: it dials through Proxies)
	Proxies     string            // testenv.ProxySet.Map: this instance's road to every Redis server
	Prefix      string            // redis_prefix
	DatabaseURL string            // the primary
	ReportsURL  string            // reports_database_url: the streaming replica
	DataDir     string            // data_dir (the durable outbox): kept across a restart of the instance
	Nodes       map[string]string // Asterisk node name → ARI base URL
	LeaseTTL    time.Duration     // acd.lease.ttl (renew a third of it); 0: the defaults
}

// config is the embedded demo's floor (24 agents, three queues) on the suite's servers, with
// leases on; the queues lose their surveys and call-back offers (the simulated callers answer
// no prompts) and wrap up in half a second.
func (c chaosChild) config() (*callfloor.Config, error) {
	cfg, err := LoadConfig("")
	if err != nil {
		return nil, err
	}
	cfg.RedisURL, cfg.Prefix, cfg.DatabaseURL, cfg.ReportsDatabaseURL, cfg.DataDir = c.RedisURL, c.Prefix, c.DatabaseURL, c.ReportsURL, c.DataDir
	cfg.Sim, cfg.LogLevel, cfg.Asterisk = nil, "info", nil
	names := make([]string, 0, len(c.Nodes))
	for n := range c.Nodes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		cfg.Asterisk = append(cfg.Asterisk, callfloor.Node{Name: n, URL: c.Nodes[n], Username: "callfloor", Password: "callfloor-test"})
	}
	cfg.ACD.Lease.Enabled = true
	if c.LeaseTTL > 0 {
		cfg.ACD.Lease.TTL, cfg.ACD.Lease.Renew = c.LeaseTTL, c.LeaseTTL/3
	}
	for i := range cfg.Queues {
		q := &cfg.Queues[i]
		q.Survey, q.Callback.Offer, q.WrapUp = nil, false, 500*time.Millisecond
	}
	return cfg, cfg.Validate()
}

// TestChaosInstance is one callfloor instance of the chaos suite, run as a child process of the
// test binary by TestChaosSuite (skipped otherwise): serve with every role, Redis reached through
// the suite's proxies, the floor's agents logged in; it serves until its standard input closes
// (a clean stop) or it is killed.
func TestChaosInstance(t *testing.T) {
	raw := os.Getenv(chaosChildEnv)
	if raw == "" {
		t.Skip("an instance of the chaos suite: TestChaosSuite starts it")
	}
	var c chaosChild
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		t.Fatal(err)
	}
	cfg, err := c.config()
	if err != nil {
		t.Fatal(err)
	}
	m := &Main{Config: cfg, Listen: "127.0.0.1:0", LogOutput: os.Stderr}
	// the options the Sentinel test uses (short timeouts: a dead master is noticed quickly)
	m.Redis = redis.NewFailoverClient(&redis.FailoverOptions{MasterName: testenv.SentinelMaster, SentinelAddrs: c.Sentinels,
		Dialer: testenv.DialVia(c.Proxies), DialTimeout: 300 * time.Millisecond, ReadTimeout: 500 * time.Millisecond, WriteTimeout: 500 * time.Millisecond})
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, a := range cfg.Agents { // the other instance may have done it: a conflict is fine
		testenv.Eventually(t, 60*time.Second, "agent "+a.ID+" logged in", func() bool {
			_, err := m.ACD.Login(ctx, a.ID)
			return err == nil || callfloor.ErrorCode(err) == callfloor.ECONFLICT
		})
	}
	fmt.Printf("%s %s\n", chaosReady, m.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	m.Close()
}

// chaosSuite is the setup: servers, nodes, the two instances' slots.
type chaosSuite struct {
	t       *testing.T
	dir     string
	set     *testenv.Sentinel
	pg      *testenv.PGPair
	store   *realtime.Store // the floor's live state, read directly
	nodes   []*chaosNode
	procs   [2]*chaosProc
	proxies [2]*testenv.ProxySet // each instance slot's road to Redis (kept across its restarts)
	child   chaosChild
	results []chaosResult
}

// chaosNode is one simulated Asterisk node, recording its calls.
type chaosNode struct {
	name, numbers string // numbers: the callers' number prefix on this node
	sim           *sim.Server
	seq           int            // callers placed (the traffic goroutine's)
	checked       int            // records already checked by a step
	blind         [][2]time.Time // gaps: no instance connected to it (monitor), or the one connected cut from Redis
}

func newChaosSuite(t *testing.T) *chaosSuite {
	t.Helper()
	dir, err := os.MkdirTemp("", "callfloor-chaos-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // the instances' logs (a.log, b.log) are kept when the suite fails
		if t.Failed() {
			t.Logf("the instances' logs are kept in %s", dir)
			return
		}
		os.RemoveAll(dir)
	})
	s := &chaosSuite{t: t, dir: dir}
	// README: two replicas, or a failover pauses the writes (CALLFLOOR_CHAOS_REPLICAS=1 shows it)
	replicas := 2
	if n, err := strconv.Atoi(os.Getenv("CALLFLOOR_CHAOS_REPLICAS")); err == nil && n > 0 {
		replicas = n
	}
	s.set = testenv.RedisSentinelReplicas(t, replicas)
	s.pg = testenv.PostgresReplica(t)
	ctx := context.Background()
	db, err := storage.Open(ctx, s.pg.PrimaryURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()
	rt, err := realtime.ParseRedisURL(s.set.URL(0))
	if err != nil {
		t.Fatal(err)
	}
	rdb := rt.NewClient()
	t.Cleanup(func() { rdb.Close() })
	s.store = realtime.New(rdb, "chaos:")
	s.child = chaosChild{RedisURL: s.set.URL(0), Prefix: "chaos:", DatabaseURL: s.pg.PrimaryURL, ReportsURL: s.pg.ReplicaURL, Nodes: map[string]string{}}
	if d, err := time.ParseDuration(os.Getenv("CALLFLOOR_CHAOS_LEASE_TTL")); err == nil { // e.g. 10s: ride through a failover's write pause
		s.child.LeaseTTL = d
	}
	for _, a := range s.set.Sentinels {
		s.child.Sentinels = append(s.child.Sentinels, a.Addr())
	}
	// agents answer after 300 ms; one dialplan on both nodes (the agents' phones are shared)
	agents := func(ep string) (sim.Behaviour, error) {
		if strings.HasSuffix(ep, "@agents") {
			return sim.Behaviour{RingFor: 300 * time.Millisecond}, nil
		}
		return sim.DefaultDialplan(ep)
	}
	for i, numbers := range []string{"138", "139"} {
		n := &chaosNode{name: fmt.Sprintf("pbx%d", i+1), numbers: numbers,
			sim: sim.New(sim.Config{EntityID: fmt.Sprintf("02:fc:00:00:00:%02d", i+1), RecordingDir: t.TempDir(), RecordCalls: true, Dialplan: agents})}
		url, err := n.sim.Start("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.sim.Close() })
		s.child.Nodes[n.name] = url
		s.nodes = append(s.nodes, n)
	}
	for i := range s.proxies {
		s.proxies[i] = testenv.NewProxySet(t, s.set.Addrs()...)
	}
	return s
}

// chaosProc is one running instance.
type chaosProc struct {
	name    string
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	addr    string
	proxies *testenv.ProxySet
	done    chan struct{}
}

// start runs the instance of slot i (a child process) and waits until it serves.
func (s *chaosSuite) start(i int) *chaosProc {
	t := s.t
	t.Helper()
	name := string(rune('a' + i))
	c := s.child
	c.Proxies, c.DataDir = s.proxies[i].Map(), filepath.Join(s.dir, name)
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(s.dir, name+".log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	p := &chaosProc{name: name, proxies: s.proxies[i], done: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], "-test.run=^TestChaosInstance$", "-test.count=1", "-test.timeout=0")
	p.cmd.Env = append(os.Environ(), chaosChildEnv+"="+string(raw))
	ready := make(chan string, 1)
	p.cmd.Stdout = &readyWriter{log: logf, ready: ready}
	p.cmd.Stderr = logf
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(p.stop)
	select {
	case p.addr = <-ready:
	case <-p.done:
		tail, _ := os.ReadFile(logPath)
		t.Fatalf("instance %s exited before serving:\n%s", name, lastLines(tail, 40))
	case <-time.After(120 * time.Second):
		p.kill()
		t.Fatalf("instance %s did not serve within 2 min (log %s)", name, logPath)
	}
	s.procs[i] = p
	return p
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// readyWriter passes a child's standard output to its log, catching the ready line.
type readyWriter struct {
	mu    sync.Mutex
	log   io.Writer
	buf   []byte
	ready chan string
}

func (w *readyWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, b...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		line := string(w.buf[:i])
		w.buf = w.buf[i+1:]
		if addr, ok := strings.CutPrefix(line, chaosReady+" "); ok {
			select {
			case w.ready <- addr:
			default:
			}
			continue
		}
		fmt.Fprintln(w.log, line)
	}
}

// kill ends the instance at once (SIGKILL): no lease released, no socket closed cleanly.
func (p *chaosProc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// stop ends it cleanly (its standard input closes), or kills it after 20 s.
func (p *chaosProc) stop() {
	p.stdin.Close()
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.kill()
	}
}

var chaosClient = &http.Client{Timeout: 2 * time.Second}

// gauge reads a gauge of the node from the instance's /metrics (-1: unreadable).
func (p *chaosProc) gauge(name, node string) float64 {
	select {
	case <-p.done:
		return -1
	default:
	}
	resp, err := chaosClient.Get("http://" + p.addr + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^` + name + `\{node="` + regexp.QuoteMeta(node) + `"\} ([0-9.e+-]+)$`).FindSubmatch(b)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// drives: the instance holds the node's lease and its ARI socket is connected.
func (p *chaosProc) drives(node string) bool {
	return p.gauge("callfloor_acd_lease_held", node) == 1 && p.gauge("callfloor_ari_connected", node) == 1
}

// waitDrives waits until p drives every node given and returns the time since t0 (polled
// every 50 ms: /metrics is not small).
func (p *chaosProc) waitDrives(t *testing.T, t0 time.Time, within time.Duration, nodes ...string) time.Duration {
	t.Helper()
	for end := time.Now().Add(within); ; time.Sleep(50 * time.Millisecond) {
		all := true
		for _, n := range nodes {
			all = all && p.drives(n)
		}
		if all {
			return time.Since(t0)
		}
		if time.Now().After(end) {
			t.Fatalf("instance %s did not drive %s within %s", p.name, strings.Join(nodes, ", "), within)
		}
	}
}

// holder is the slot of the instance driving node (the test fails when none does).
func (s *chaosSuite) holder(node string) int {
	s.t.Helper()
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		for i, p := range s.procs {
			if p != nil && p.drives(node) {
				return i
			}
		}
	}
	s.t.Fatalf("no instance drives %s", node)
	return 0
}

// histRow is a call in history.
type histRow struct {
	id, outcome, agent, hangupBy string
	entered, answered, ended     time.Time
}

func (s *chaosSuite) query(url string, f func(context.Context, *pgx.Conn) error) {
	s.t.Helper()
	var err error
	for try := 0; try < 20; try++ { // a restart of the primary may be under way
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var c *pgx.Conn
		if c, err = pgx.Connect(ctx, url); err == nil {
			err = f(ctx, c)
			c.Close(context.Background())
		}
		cancel()
		if err == nil {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	s.t.Fatalf("reading history: %v", err)
}

// historyRows are the calls in history from these callers' numbers.
func (s *chaosSuite) historyRows(numbers []string) map[string][]histRow {
	out := map[string][]histRow{}
	s.query(s.pg.PrimaryURL, func(ctx context.Context, c *pgx.Conn) error {
		clear(out)
		rows, err := c.Query(ctx, `SELECT caller_number, id, coalesce(outcome, ''), coalesce(agent_id, ''), coalesce(hangup_by, ''),
			entered_at, answered_at, ended_at FROM calls WHERE caller_number = ANY($1)`, numbers)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var num string
			var h histRow
			var answered, ended *time.Time
			if err := rows.Scan(&num, &h.id, &h.outcome, &h.agent, &h.hangupBy, &h.entered, &answered, &ended); err != nil {
				return err
			}
			if answered != nil {
				h.answered = *answered
			}
			if ended != nil {
				h.ended = *ended
			}
			out[num] = append(out[num], h)
		}
		return rows.Err()
	})
	return out
}

// endedInHistory counts these callers' calls in history with an outcome.
func (s *chaosSuite) endedInHistory(numbers []string) int {
	var n int
	s.query(s.pg.PrimaryURL, func(ctx context.Context, c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT count(*) FROM calls WHERE caller_number = ANY($1) AND outcome IS NOT NULL`, numbers).Scan(&n)
	})
	return n
}

func (s *chaosSuite) countCalls(url string) int {
	var n int
	s.query(url, func(ctx context.Context, c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT count(*) FROM calls`).Scan(&n)
	})
	return n
}

// doubleBooked counts, from history, the times an agent's phone rang or an agent talked for
// one of these calls while ringing or talking for another.
func (s *chaosSuite) doubleBooked(ids []string) int {
	busy := map[string][]busySpan{}
	s.query(s.pg.PrimaryURL, func(ctx context.Context, c *pgx.Conn) error {
		clear(busy)
		rows, err := c.Query(ctx, `SELECT agent_id, call_id, started_at, coalesce(ended_at, started_at) FROM offers
			WHERE call_id = ANY($1) AND agent_id IS NOT NULL
			UNION ALL
			SELECT agent_id, id, answered_at, ended_at FROM calls
			WHERE id = ANY($1) AND agent_id IS NOT NULL AND answered_at IS NOT NULL AND ended_at IS NOT NULL`, ids)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var agent string
			var b busySpan
			if err := rows.Scan(&agent, &b.call, &b.from, &b.to); err != nil {
				return err
			}
			busy[agent] = append(busy[agent], b)
		}
		return rows.Err()
	})
	return overlaps(busy)
}
