package realtime_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/redis/go-redis/v9"
)

// BenchmarkFanoutTwoNodes (issue 15, item 6): 5,000 WebSocket clients over two web nodes
// following one Redis, a 1,000-agent floor driven at 600 events/s for 10 s (twice the 500-agent
// floor of BenchmarkFanout). Each node is a hub in a child process of the test binary
// (TestFanoutNode), so that its CPU is its own; the clients and the driver run here. The
// clients are scoped as the live API scopes them: 1,000 agent desktops (an agent watching
// themself), 1,500 team leads' team boards, 1,500 supervisors' floor wallboards and 1,000 queue
// tiles, alternating between the nodes. Reported: event → delta p50/p99/max over every client,
// delivered deltas per second and per CPU-second of each node. Run once (needs ~5,100 file
// descriptors here, ~2,600 per node):
//
//	CALLFLOOR_TEST_REDIS_URL=redis://127.0.0.1:6379/15 go test -run '^$' -bench FanoutTwoNodes -benchtime 1x ./realtime/
func BenchmarkFanoutTwoNodes(b *testing.B) {
	for range b.N {
		runFanoutNodes(b, 2, 5000, 1000, 10*time.Second, 600)
	}
}

const (
	fanoutNodeEnv   = "CALLFLOOR_FANOUT_NODE" // a web node's settings (JSON fanoutNodeCfg)
	fanoutNodeReady = "FANOUT-NODE"           // printed with the node's WebSocket URL
	fanoutNodeCPU   = "FANOUT-CPU"            // printed with the node's CPU so far (ns), on each line read
)

type fanoutNodeCfg struct {
	RedisURL, Prefix string
	Agents           int
}

// TestFanoutNode is one web node of BenchmarkFanoutTwoNodes, run as its child process (skipped
// otherwise): a hub for the floor on a loopback port, as serve's web role runs it, with the
// benchmark's principals; it prints its CPU time for every line on its standard input and
// stops when that closes.
func TestFanoutNode(t *testing.T) {
	raw := os.Getenv(fanoutNodeEnv)
	if raw == "" {
		t.Skip("a web node of BenchmarkFanoutTwoNodes: the benchmark starts it")
	}
	var c fanoutNodeCfg
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		t.Fatal(err)
	}
	opt, err := redis.ParseURL(c.RedisURL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	s := realtime.New(rdb, c.Prefix)
	cfg := fanoutCfg(c.Agents)
	hub := realtime.NewHub(realtime.HubOptions{KPI: cfg.kpi(s), Store: s, SendQueue: 1024,
		Principal: fanoutPrincipal, Allowed: fanoutAllowed(cfg), MaxPerNode: -1})
	srv := httptest.NewServer(hub)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = hub.Run(ctx) }()
	fmt.Printf("%s ws%s\n", fanoutNodeReady, strings.TrimPrefix(srv.URL, "http"))
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		fmt.Printf("%s %d\n", fanoutNodeCPU, (tv(ru.Utime) + tv(ru.Stime)).Nanoseconds())
	}
	cancel()
	srv.CloseClientConnections()
	srv.Close()
	<-done
}

// fanoutPrincipal: who a benchmark client is, from its headers (X-Uid, X-Role: "supervisor",
// "team_lead:<team>" or "agent:<id>").
func fanoutPrincipal(r *http.Request) (callfloor.Principal, bool) {
	uid, _ := strconv.ParseInt(r.Header.Get("X-Uid"), 10, 64)
	p := callfloor.Principal{UserID: uid, Username: "u" + r.Header.Get("X-Uid"), Role: callfloor.RoleSupervisor}
	role, arg, _ := strings.Cut(r.Header.Get("X-Role"), ":")
	switch callfloor.Role(role) {
	case callfloor.RoleTeamLead:
		p.Role, p.TeamID = callfloor.RoleTeamLead, arg
	case callfloor.RoleAgent:
		p.Role, p.AgentID = callfloor.RoleAgent, arg
	}
	return p, true
}

// fanoutAllowed is the live API's subscription check (dashboards.LiveAllowed) on the
// benchmark's floor.
func fanoutAllowed(cfg *floorCfg) func(p callfloor.Principal, v realtime.View) error {
	team := map[string]string{}
	for _, a := range cfg.agents {
		team[a.ID] = a.Team
	}
	refused := errors.New("outside what the user may see")
	return func(p callfloor.Principal, v realtime.View) error {
		ok := false
		switch v.Kind {
		case "queues":
			ok = true
			for _, q := range v.Queues {
				ok = ok && p.CanSeeQueue(q)
			}
		case "agent":
			ok = p.CanSeeAgent(v.Agent, team[v.Agent])
		case "team":
			ok = p.CanSeeTeam(v.Team)
		case "floor":
			ok = p.CanSeeAll() || p.Scoped()
		}
		if !ok {
			return refused
		}
		return nil
	}
}

// fanoutNode is a running web node (child process).
type fanoutNode struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	url   string
}

func startFanoutNode(b *testing.B, c fanoutNodeCfg) *fanoutNode {
	raw, _ := json.Marshal(c)
	n := &fanoutNode{lines: make(chan string, 16)}
	n.cmd = exec.Command(os.Args[0], "-test.run=^TestFanoutNode$", "-test.count=1", "-test.timeout=0")
	n.cmd.Env = append(os.Environ(), fanoutNodeEnv+"="+string(raw))
	n.cmd.Stderr = os.Stderr
	out, err := n.cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if n.stdin, err = n.cmd.StdinPipe(); err != nil {
		b.Fatal(err)
	}
	if err := n.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	go func() {
		defer close(n.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "FANOUT-") {
				n.lines <- sc.Text()
			}
		}
	}()
	select {
	case line, ok := <-n.lines:
		if !ok {
			b.Fatal("a web node exited before serving")
		}
		n.url = strings.TrimPrefix(line, fanoutNodeReady+" ")
	case <-time.After(60 * time.Second):
		b.Fatal("a web node did not serve within a minute")
	}
	return n
}

// cpu is the node's CPU time so far.
func (n *fanoutNode) cpu(b *testing.B) time.Duration {
	if _, err := io.WriteString(n.stdin, "cpu\n"); err != nil {
		b.Fatal(err)
	}
	select {
	case line := <-n.lines:
		ns, err := strconv.ParseInt(strings.TrimPrefix(line, fanoutNodeCPU+" "), 10, 64)
		if err != nil {
			b.Fatalf("web node: %q", line)
		}
		return time.Duration(ns)
	case <-time.After(30 * time.Second):
		b.Fatal("a web node did not tell its CPU")
	}
	return 0
}

func (n *fanoutNode) stop() {
	n.stdin.Close()
	for range n.lines {
	}
	_ = n.cmd.Wait()
}

func runFanoutNodes(b *testing.B, nodes, clients, agents int, dur time.Duration, eventsPerSec int) {
	rdb, prefix := testenv.Redis(b)
	s := realtime.New(rdb, prefix)
	cfg := fanoutFloor(b, s, agents)
	web := make([]*fanoutNode, nodes)
	for i := range web {
		web[i] = startFanoutNode(b, fanoutNodeCfg{RedisURL: testenv.RedisURL(), Prefix: prefix, Agents: agents})
		defer web[i].stop()
	}
	// the clients, alternating between the nodes: desktops, team boards, floor wallboards, queue tiles
	run := newFanoutRun(nodes)
	teams := (agents + 24) / 25
	for i := range clients {
		h := http.Header{"X-Uid": {strconv.Itoa(i + 1)}}
		var view string
		switch {
		case i < clients/5: // an agent desktop: the agent's own figures
			a := cfg.agents[i%agents].ID
			h.Set("X-Role", string(callfloor.RoleAgent)+":"+a)
			view = `{"kind":"agent","agent":"` + a + `"}`
		case i < clients/2: // a team lead's board
			tm := fmt.Sprintf("t%02d", i%teams)
			h.Set("X-Role", string(callfloor.RoleTeamLead)+":"+tm)
			view = `{"kind":"team","team":"` + tm + `"}`
		case i < clients*4/5: // a supervisor's floor wallboard
			h.Set("X-Role", string(callfloor.RoleSupervisor))
			view = `{"kind":"floor"}`
		default: // queue tiles
			h.Set("X-Role", string(callfloor.RoleSupervisor))
			view = `{"kind":"queues"}`
		}
		run.dial(b, i%nodes, web[i%nodes].url, h, view)
	}
	run.waitReady()

	cpu0 := make([]time.Duration, nodes)
	for i, n := range web {
		cpu0[i] = n.cpu(b)
	}
	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	start := time.Now()
	run.measuring.Store(true)
	b.ResetTimer()
	events := driveFloor(b, s, cfg, eventsPerSec, dur)
	time.Sleep(300 * time.Millisecond) // let the last deltas arrive
	run.measuring.Store(false)
	wall := time.Since(start)
	b.StopTimer()
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := make([]time.Duration, nodes)
	for i, n := range web {
		cpu[i] = n.cpu(b) - cpu0[i]
	}
	run.close()

	b.ReportMetric(float64(events)/wall.Seconds(), "events/s")
	run.reportLatency(b)
	var total float64
	for i := range web {
		msgs := float64(run.received[i].Load())
		total += msgs
		b.ReportMetric(msgs/wall.Seconds(), fmt.Sprintf("node%d-msgs/s", i+1))
		b.ReportMetric(cpu[i].Seconds()/wall.Seconds(), fmt.Sprintf("node%d-cores", i+1))
		b.ReportMetric(msgs/cpu[i].Seconds(), fmt.Sprintf("node%d-msgs/cpu-s", i+1))
	}
	b.ReportMetric(total/wall.Seconds(), "msgs/s")
	b.ReportMetric((tv(ru1.Utime)+tv(ru1.Stime)-tv(ru0.Utime)-tv(ru0.Stime)).Seconds()/wall.Seconds(), "clients+driver-cores")
}
