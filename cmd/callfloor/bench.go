package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/telephony"
	"github.com/callfloor/callfloor/telephony/ari"
	"github.com/callfloor/callfloor/telephony/sim"
	"github.com/redis/go-redis/v9"
)

// benchOpts are one bench run's settings.
type benchOpts struct {
	agents     int
	rate       float64
	calls      int
	talk       time.Duration
	simProcess bool // run the simulator as a child process, so its CPU is not counted as callfloor's
}

// runBench measures routing end to end: callers enter Stasis on the simulated Asterisk (a child
// process on loopback: HTTP + WebSocket, Poisson arrivals), the ACD claims an agent in Redis and
// originates the agent's phone. It reports calls routed per second, the routing decision
// latency (caller's StasisStart handled → the agent's originate answered by Asterisk) and the
// CPU callfloor and Redis spent per routed call (each call's whole life: answer, hold, ring,
// bridge, record, hang-up, wrap-up).
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "reports" {
		return runBenchReports(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "serve" {
		return runBenchServe(ctx, args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	agentsFlag := fs.String("agents", "50,500,5000", "agent counts to run, comma separated")
	rate := fs.Float64("rate", 250, "new calls per second offered (Poisson)")
	dur := fs.Duration("duration", 10*time.Second, "how long calls arrive in each run")
	talk := fs.Duration("talk", 100*time.Millisecond, "talk time of each call (the caller hangs up)")
	simProcess := fs.Bool("sim-process", true, "run the simulator as a child process (false: in this process, counted in its CPU)")
	redisURL := fs.String("redis", envOr("CALLFLOOR_REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL (keys under a fresh bench: prefix, deleted after)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the runs to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *rate <= 0 || *rate > 5000 || *dur <= 0 || *dur > 5*time.Minute {
		return fmt.Errorf("bench: -rate must be in (0, 5000] and -duration in (0, 5m]")
	}
	var counts []int
	for _, s := range strings.Split(*agentsFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 20000 {
			return fmt.Errorf("bench: -agents: %q is not a count in 1..20000", s)
		}
		counts = append(counts, n)
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	rt, err := realtime.ParseRedisURL(*redisURL)
	if err != nil {
		return fmt.Errorf("bench: -redis: %w", err)
	}
	rdb := rt.NewClient()
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("bench: redis at %s: %w (start it with deploy/dev-services.sh)", rt, err)
	}
	host, _ := os.Hostname()
	fmt.Fprintf(stdout, "callfloor bench: %s, %d CPUs (%s), %s/%s, %s, %s\n", host, runtime.NumCPU(), cpuModel(), runtime.GOOS, runtime.GOARCH, runtime.Version(), time.Now().UTC().Format(time.RFC3339))
	where := "simulator in a child process"
	if !*simProcess {
		where = "simulator in this process (its CPU included)"
	}
	fmt.Fprintf(stdout, "%.0f new calls/s offered (Poisson) for %s, talk %s, agents answer after 1 ms, wrap-up 0; %s\n\n", *rate, *dur, *talk, where)
	fmt.Fprintf(stdout, "| agents | calls | routed | routed/s | p50 decision | p99 decision | max | callfloor CPU/call | Redis CPU/call | sim CPU/call |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, n := range counts {
		o := benchOpts{agents: n, rate: *rate, calls: int(*rate * dur.Seconds()), talk: *talk, simProcess: *simProcess}
		r, err := benchOne(ctx, rdb, o)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "| %d | %d | %d | %.0f | %s | %s | %s | %s | %s | %s |\n", n, o.calls, r.routed, r.perSec,
			ms(r.p50), ms(r.p99), ms(r.max), us(r.cpuPerCall), us(r.redisCPUPerCall), us(r.simCPUPerCall))
	}
	return nil
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
func us(d time.Duration) string {
	if d <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
}

type benchResult struct {
	routed                                     int
	perSec                                     float64
	p50, p99, max                              time.Duration
	cpuPerCall, redisCPUPerCall, simCPUPerCall time.Duration
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// redisCPU is the CPU Redis used so far (every master of a Cluster summed).
func redisCPU(ctx context.Context, rdb redis.UniversalClient) time.Duration {
	var mu sync.Mutex
	var total float64
	_ = realtime.EachServer(ctx, rdb, func(ctx context.Context, c *redis.Client) error {
		info, err := c.Info(ctx, "cpu").Result()
		if err != nil {
			return nil
		}
		for _, line := range strings.Split(info, "\n") {
			k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
			if ok && (k == "used_cpu_sys" || k == "used_cpu_user") {
				f, _ := strconv.ParseFloat(v, 64)
				mu.Lock()
				total += f
				mu.Unlock()
			}
		}
		return nil
	})
	return time.Duration(total * float64(time.Second))
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// benchSim is the simulator of one run: a child process started on a line on its stdin, or
// in-process.
type benchSim struct {
	url     string
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	inproc  *sim.Server
	traffic sim.Traffic
	cancel  context.CancelFunc
}

func startBenchSim(o benchOpts) (*benchSim, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cpm := strconv.FormatFloat(o.rate*60, 'f', -1, 64)
	if !o.simProcess {
		s := sim.New(sim.Config{Logger: slog.New(slog.DiscardHandler)})
		s.SetDialplan(func(string) (sim.Behaviour, error) { return sim.Behaviour{RingFor: time.Millisecond}, nil })
		url, err := s.Start(addr)
		if err != nil {
			return nil, err
		}
		return &benchSim{url: url, inproc: s, traffic: sim.Traffic{App: "callfloor", Seed: 1, MaxCalls: o.calls,
			Queues: []sim.QueueTraffic{{Queue: "bench", CallsPerMinute: o.rate * 60, TalkMin: o.talk, TalkMax: o.talk}}}}, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	t := o.talk.String()
	cmd := exec.Command(exe, "sim", "-listen", addr, "-ring", "1ms", "-patience-min", "0", "-patience-max", "0",
		"-talk-min", t, "-talk-max", t, "-traffic", "bench:"+cpm, "-max-calls", strconv.Itoa(o.calls), "-start-on-stdin", "-seed", "1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &benchSim{url: "http://" + addr, cmd: cmd, stdin: stdin}, nil
}

func (b *benchSim) go_() {
	if b.inproc != nil {
		ctx, cancel := context.WithCancel(context.Background())
		b.cancel = cancel
		go b.inproc.RunTraffic(ctx, b.traffic)
		return
	}
	fmt.Fprintln(b.stdin, "go")
}

// stop ends the simulator and returns its CPU time (child process only).
func (b *benchSim) stop() time.Duration {
	if b.inproc != nil {
		if b.cancel != nil {
			b.cancel()
		}
		b.inproc.Close()
		return 0
	}
	_ = b.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { b.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		b.cmd.Process.Kill()
		<-done
	}
	if ps := b.cmd.ProcessState; ps != nil {
		return ps.UserTime() + ps.SystemTime()
	}
	return 0
}

func benchOne(ctx context.Context, rdb redis.UniversalClient, o benchOpts) (benchResult, error) {
	var rb [4]byte
	_, _ = rand.Read(rb[:])
	prefix := "bench:" + hex.EncodeToString(rb[:]) + ":"
	if _, ok := rdb.(*redis.ClusterClient); ok {
		prefix = realtime.TaggedPrefix(prefix) // one floor, one slot (as serve does)
	}
	defer deletePrefix(rdb, prefix)
	cfg := &callfloor.Config{Prefix: prefix, Queues: []callfloor.Queue{{Name: "bench", RingTimeout: 5 * time.Second}}, Sim: &callfloor.SimConfig{}}
	for i := 0; i < o.agents; i++ {
		id := strconv.Itoa(100000 + i)
		cfg.Agents = append(cfg.Agents, callfloor.Agent{ID: id, Endpoint: "Local/" + id + "@agents", Skills: map[string]int{"bench": 1 + i%10}})
	}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		return benchResult{}, err
	}
	bs, err := startBenchSim(o)
	if err != nil {
		return benchResult{}, fmt.Errorf("bench: starting the simulator: %w", err)
	}
	simStopped := false
	defer func() {
		if !simStopped {
			bs.stop()
		}
	}()
	quiet := slog.New(slog.DiscardHandler)
	store := realtime.New(rdb, prefix)
	client := ari.New(ari.Config{Name: "bench", URL: bs.url, Username: "callfloor", Password: "callfloor-test", App: "callfloor",
		EventFilter: telephony.EventFilter, BufferSize: 65536, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Logger: quiet})
	var mu sync.Mutex
	lat := make([]time.Duration, 0, o.calls)
	var lastRouted time.Time
	acd, err := telephony.New(telephony.Options{Config: cfg, Store: store, Nodes: []*ari.Client{client}, Logger: quiet,
		OnRouted: func(d time.Duration) { mu.Lock(); lat = append(lat, d); lastRouted = time.Now(); mu.Unlock() }})
	if err != nil {
		return benchResult{}, err
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); acd.Run(rctx) }()
	defer func() { cancel(); <-done }()
	for deadline := time.Now().Add(15 * time.Second); acd.Ready() != nil; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			return benchResult{}, fmt.Errorf("bench: the ACD did not connect to the simulator at %s", bs.url)
		}
	}
	for _, a := range cfg.Agents {
		if _, err := acd.Login(ctx, a.ID); err != nil {
			return benchResult{}, err
		}
	}
	cpu0, rcpu0 := cpuTime(), redisCPU(ctx, rdb)
	start := time.Now()
	bs.go_()
	expect := time.Duration(float64(o.calls)/o.rate*float64(time.Second)) + 15*time.Second
	for deadline := time.Now().Add(expect); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		n := len(lat)
		mu.Unlock()
		if n >= o.calls {
			break
		}
	}
	// let the last calls finish so their CPU is counted
	time.Sleep(2*o.talk + 200*time.Millisecond)
	cpu1, rcpu1 := cpuTime(), redisCPU(ctx, rdb)
	simCPU := bs.stop()
	simStopped = true
	mu.Lock()
	defer mu.Unlock()
	r := benchResult{routed: len(lat)}
	if r.routed == 0 {
		return r, fmt.Errorf("bench: no call was routed")
	}
	r.perSec = float64(r.routed) / lastRouted.Sub(start).Seconds()
	slices.Sort(lat)
	r.p50 = lat[len(lat)/2]
	r.p99 = lat[len(lat)*99/100]
	r.max = lat[len(lat)-1]
	r.cpuPerCall = (cpu1 - cpu0) / time.Duration(r.routed)
	r.redisCPUPerCall = (rcpu1 - rcpu0) / time.Duration(r.routed)
	r.simCPUPerCall = simCPU / time.Duration(r.routed)
	return r, nil
}

func deletePrefix(rdb redis.UniversalClient, prefix string) {
	_ = realtime.DeletePrefix(context.Background(), rdb, prefix)
}
