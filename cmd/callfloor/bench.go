package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
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

// runBench measures routing end to end: callers enter Stasis on the simulated Asterisk (same
// process, loopback HTTP + WebSocket), the ACD claims an agent in Redis and originates the
// agent's phone. It reports calls routed per second, the routing decision latency (caller's
// StasisStart handled → agent's originate answered by Asterisk) and CPU per routed call.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	agentsFlag := fs.String("agents", "50,500,5000", "agent counts to run, comma separated")
	rate := fs.Float64("rate", 250, "new calls per second offered")
	dur := fs.Duration("duration", 10*time.Second, "how long calls are placed in each run")
	talk := fs.Duration("talk", 100*time.Millisecond, "talk time of each call (the caller hangs up)")
	redisURL := fs.String("redis", envOr("CALLFLOOR_REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL (keys under a fresh bench: prefix, deleted after)")
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
	ropt, err := redis.ParseURL(*redisURL)
	if err != nil {
		return fmt.Errorf("bench: -redis: %w", err)
	}
	rdb := redis.NewClient(ropt)
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("bench: redis at %s: %w (start it with deploy/dev-services.sh)", ropt.Addr, err)
	}
	host, _ := os.Hostname()
	fmt.Fprintf(stdout, "callfloor bench: %s, %d CPUs, %s/%s, %s, %s\n", host, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintf(stdout, "offered %.0f calls/s for %s, talk %s, agents answer at once, wrap-up 0\n\n", *rate, *dur, *talk)
	fmt.Fprintf(stdout, "| agents | calls placed | routed | routed/s | p50 decision | p99 decision | max | CPU/call (process) | CPU/call (redis) |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, n := range counts {
		r, err := benchOne(ctx, rdb, n, *rate, *dur, *talk)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "| %d | %d | %d | %.0f | %s | %s | %s | %s | %s |\n", n, r.placed, r.routed, r.perSec,
			ms(r.p50), ms(r.p99), ms(r.max), us(r.cpuPerCall), us(r.redisCPUPerCall))
	}
	return nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond)) }

type benchResult struct {
	placed, routed              int
	perSec                      float64
	p50, p99, max               time.Duration
	cpuPerCall, redisCPUPerCall time.Duration
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func redisCPU(ctx context.Context, rdb *redis.Client) time.Duration {
	info, err := rdb.Info(ctx, "cpu").Result()
	if err != nil {
		return 0
	}
	var total float64
	for _, line := range strings.Split(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && (k == "used_cpu_sys" || k == "used_cpu_user") {
			f, _ := strconv.ParseFloat(v, 64)
			total += f
		}
	}
	return time.Duration(total * float64(time.Second))
}

func benchOne(ctx context.Context, rdb *redis.Client, agents int, rate float64, dur, talk time.Duration) (benchResult, error) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	prefix := "bench:" + hex.EncodeToString(b[:]) + ":"
	defer func() {
		iter := rdb.Scan(context.Background(), 0, prefix+"*", 5000).Iterator()
		var keys []string
		for iter.Next(context.Background()) {
			keys = append(keys, iter.Val())
			if len(keys) == 5000 {
				rdb.Del(context.Background(), keys...)
				keys = keys[:0]
			}
		}
		if len(keys) > 0 {
			rdb.Del(context.Background(), keys...)
		}
	}()
	cfg := &callfloor.Config{Prefix: prefix, Queues: []callfloor.Queue{{Name: "bench", RingTimeout: 5 * time.Second}}, Sim: &callfloor.SimConfig{}}
	for i := 0; i < agents; i++ {
		id := strconv.Itoa(100000 + i)
		cfg.Agents = append(cfg.Agents, callfloor.Agent{ID: id, Endpoint: "Local/" + id + "@agents", Skills: map[string]int{"bench": 1 + i%10}})
	}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		return benchResult{}, err
	}
	quiet := slog.New(slog.DiscardHandler)
	s := sim.New(sim.Config{Logger: quiet})
	s.SetDialplan(func(ep string) (sim.Behaviour, error) { return sim.Behaviour{RingFor: time.Millisecond}, nil })
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		return benchResult{}, err
	}
	defer s.Close()
	store := realtime.New(rdb, prefix)
	client := ari.New(ari.Config{Name: "bench", URL: url, Username: "callfloor", Password: "callfloor-test", App: "callfloor",
		EventFilter: telephony.EventFilter, BufferSize: 65536, Logger: quiet})
	var mu sync.Mutex
	var lat []time.Duration
	acd, err := telephony.New(telephony.Options{Config: cfg, Store: store, Nodes: []*ari.Client{client}, Logger: quiet,
		OnRouted: func(d time.Duration) { mu.Lock(); lat = append(lat, d); mu.Unlock() }})
	if err != nil {
		return benchResult{}, err
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); acd.Run(rctx) }()
	defer func() { cancel(); <-done }()
	for deadline := time.Now().Add(10 * time.Second); acd.Ready() != nil; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			return benchResult{}, fmt.Errorf("bench: ACD did not connect to the simulator")
		}
	}
	for _, a := range cfg.Agents {
		if _, err := acd.Login(ctx, a.ID); err != nil {
			return benchResult{}, err
		}
	}
	cpu0, rcpu0 := cpuTime(), redisCPU(ctx, rdb)
	start := time.Now()
	gap := time.Duration(float64(time.Second) / rate)
	placed := 0
	for next := start; time.Since(start) < dur && ctx.Err() == nil; next = next.Add(gap) {
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		if _, err := s.PlaceCall(sim.CallerSpec{Queue: "bench", Number: "5550100", TalkFor: talk}); err == nil {
			placed++
		}
	}
	// let the last calls route
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		n := len(lat)
		mu.Unlock()
		if n >= placed {
			break
		}
	}
	elapsed := time.Since(start)
	cpu1, rcpu1 := cpuTime(), redisCPU(ctx, rdb)
	mu.Lock()
	defer mu.Unlock()
	r := benchResult{placed: placed, routed: len(lat)}
	if r.routed == 0 {
		return r, fmt.Errorf("bench: no call was routed")
	}
	r.perSec = float64(r.routed) / elapsed.Seconds()
	slices.Sort(lat)
	r.p50 = lat[len(lat)/2]
	r.p99 = lat[len(lat)*99/100]
	r.max = lat[len(lat)-1]
	r.cpuPerCall = (cpu1 - cpu0) / time.Duration(r.routed)
	r.redisCPUPerCall = (rcpu1 - rcpu0) / time.Duration(r.routed)
	return r, nil
}
