package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/redis/go-redis/v9"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
	"github.com/gorilla/websocket"
)

// serveBenchOpts are one `callfloor bench serve` run's settings.
type serveBenchOpts struct {
	rate       float64
	calls      int
	agents     int
	talk       time.Duration
	ring       time.Duration
	wrap       time.Duration
	wallboards int
	profile    string // write callfloor's CPU profile of the call phase here
	idleProf   string // and of the idle phase here
	trace      string // write a runtime trace of 5 s of the call phase here
	pgTop      int
	keep       bool
	logLevel   string
}

// runBenchServe measures the CPU per call of the whole platform as deployed: `callfloor serve`
// (this binary, its own process: ACD, live hub and KPI engine, metrics, history writer, API)
// with its own Redis and its own PostgreSQL (started here, on free ports, so their CPU is not
// the machine's other users'), a simulated Asterisk in a child process (`callfloor sim`), and
// K wallboard WebSocket clients (the floor view, team views, the queues view) reading
// everything. It measures an idle phase (everything connected, no calls) and then the call
// phase (until every call is in PostgreSQL), and reports the CPU of each process
// (utime+stime from /proc; PostgreSQL summed over the postmaster and its backends, exited
// ones included) per call, raw and minus idle.
func runBenchServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o serveBenchOpts
	fs.Float64Var(&o.rate, "rate", 5, "new calls per second (Poisson)")
	fs.IntVar(&o.calls, "calls", 100, "calls to place")
	fs.IntVar(&o.agents, "agents", 20, "agents (all logged in, teams of 10)")
	fs.DurationVar(&o.talk, "talk", 3*time.Second, "talk time of every call")
	fs.DurationVar(&o.ring, "ring", 500*time.Millisecond, "the agents' phones ring this long before answering")
	fs.DurationVar(&o.wrap, "wrap", time.Second, "wrap-up after each call")
	fs.IntVar(&o.wallboards, "wallboards", 4, "wallboard WebSocket clients (one floor view, the rest team views and the queues view)")
	fs.StringVar(&o.profile, "cpuprofile", "", "write callfloor's CPU profile of the call phase to this file (pprof)")
	fs.StringVar(&o.idleProf, "idleprofile", "", "write callfloor's CPU profile of the idle phase to this file (pprof)")
	fs.StringVar(&o.trace, "trace", "", "write a runtime trace (/debug/pprof/trace) of 5 s of the call phase, from 2 s after its start, to this file (go tool trace)")
	fs.IntVar(&o.pgTop, "pg-top", 12, "print this many of PostgreSQL's most expensive statements (pg_stat_statements)")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (logs, configuration) instead of removing it")
	fs.StringVar(&o.logLevel, "log-level", "info", "callfloor's log level (as deployed: info)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.rate <= 0 || o.rate > 500 || o.calls < 1 || o.calls > 100000 || o.agents < 1 || o.agents > 5000 || o.talk <= 0 || o.wallboards < 0 || o.wallboards > 200 {
		return errors.New("bench serve: -rate in (0, 500], -calls in 1..100000, -agents in 1..5000, -talk > 0, -wallboards in 0..200")
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("/var/tmp", "callfloor-bench-serve-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintf(stderr, "bench serve: keeping %s\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	var stops []func()
	defer func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}()

	// Redis of our own: no persistence.
	redisAddr, err := freeAddr()
	if err != nil {
		return err
	}
	_, redisPort, _ := strings.Cut(redisAddr, ":")
	redisCmd := exec.Command("redis-server", "--port", redisPort, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", tmp, "--logfile", filepath.Join(tmp, "redis.log"))
	if err := redisCmd.Start(); err != nil {
		return fmt.Errorf("bench serve: redis-server: %w", err)
	}
	stops = append(stops, func() { _ = redisCmd.Process.Kill(); _ = redisCmd.Wait() })

	// Commands Redis processed (INFO stats): callfloor's round trips, independent of the load.
	benchRdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	stops = append(stops, func() { benchRdb.Close() })
	redisCmds := func() int64 {
		info, err := benchRdb.Info(ctx, "stats").Result()
		if err != nil {
			return -1
		}
		for _, l := range strings.Split(info, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(l), "total_commands_processed:"); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				return n
			}
		}
		return -1
	}
	// Calls per command (INFO commandstats), to tell which commands the call phase's count is made of.
	redisCmdStats := func() map[string]int64 {
		info, err := benchRdb.Info(ctx, "commandstats").Result()
		if err != nil {
			return nil
		}
		out := map[string]int64{}
		for _, l := range strings.Split(info, "\n") {
			name, rest, ok := strings.Cut(strings.TrimSpace(l), ":calls=")
			if !ok {
				continue
			}
			v, _, _ := strings.Cut(rest, ",")
			out[strings.TrimPrefix(name, "cmdstat_")], _ = strconv.ParseInt(v, 10, 64)
		}
		return out
	}

	// PostgreSQL of our own, with pg_stat_statements.
	pg, err := startBenchPG(tmp)
	if err != nil {
		return err
	}
	stops = append(stops, pg.stop)
	dbURL := fmt.Sprintf("postgres://callfloor@127.0.0.1:%s/postgres?sslmode=disable", pg.port)
	db, err := storage.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	if _, err := db.Pool.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
		return fmt.Errorf("bench serve: pg_stat_statements: %w", err)
	}
	admin, err := db.CreateUser(ctx, storage.NewUser{Username: "bench", Password: "bench-serve-password", Role: callfloor.RoleAdmin})
	if err != nil {
		return err
	}
	token, _, err := db.CreateAPIToken(ctx, admin.ID, "bench")
	if err != nil {
		return err
	}

	// The simulated Asterisk, a child process (its CPU is not callfloor's, as with a real one).
	simAddr, err := freeAddr()
	if err != nil {
		return err
	}
	cpm := strconv.FormatFloat(o.rate*60, 'f', -1, 64)
	simCmd := exec.Command(exe, "sim", "-listen", simAddr, "-ring", o.ring.String(), "-patience-min", "0", "-patience-max", "0",
		"-talk-min", o.talk.String(), "-talk-max", o.talk.String(), "-traffic", "sales:"+cpm, "-max-calls", strconv.Itoa(o.calls),
		"-start-on-stdin", "-seed", "1", "-recordings", filepath.Join(tmp, "recordings"))
	simIn, err := simCmd.StdinPipe()
	if err != nil {
		return err
	}
	simLog, _ := os.Create(filepath.Join(tmp, "sim.log"))
	simCmd.Stdout, simCmd.Stderr = simLog, simLog
	if err := simCmd.Start(); err != nil {
		return err
	}
	stops = append(stops, func() { _ = simCmd.Process.Signal(os.Interrupt); waitOrKill(simCmd) })

	// callfloor serve, as deployed.
	listen, err := freeAddr()
	if err != nil {
		return err
	}
	pprofAddr, err := freeAddr()
	if err != nil {
		return err
	}
	var y strings.Builder
	fmt.Fprintf(&y, "listen: %s\nredis_url: redis://%s/0\nredis_prefix: \"bench:\"\ndatabase_url: %s\nlog_level: %s\ndata_dir: %s\n",
		listen, redisAddr, dbURL, o.logLevel, filepath.Join(tmp, "data"))
	fmt.Fprintf(&y, "acd:\n  app: callfloor\nasterisk:\n  - {name: sim, url: \"http://%s\", username: callfloor, password: callfloor-test}\n", simAddr)
	fmt.Fprintf(&y, "queues:\n  - {name: sales, strategy: longest_idle, ring_timeout: 15s, wrap_up: %s, service_level: 20s, short_abandon: 5s}\n", o.wrap)
	y.WriteString("agents:\n")
	teams := map[string]bool{}
	for i := 0; i < o.agents; i++ {
		id := strconv.Itoa(1001 + i)
		team := fmt.Sprintf("team-%d", i/10+1)
		teams[team] = true
		fmt.Fprintf(&y, "  - {id: \"%s\", name: Agent %d, endpoint: \"Local/%s@agents\", team: %s, skills: {sales: %d}}\n", id, i+1, id, team, 1+i%10)
	}
	cfgPath := filepath.Join(tmp, "callfloor.yaml")
	if err := os.WriteFile(cfgPath, []byte(y.String()), 0o600); err != nil {
		return err
	}
	serveLog, _ := os.Create(filepath.Join(tmp, "serve.log"))
	serveCmd := exec.Command(exe, "serve", "-config", cfgPath, "-pprof", pprofAddr)
	serveCmd.Stdout, serveCmd.Stderr = serveLog, serveLog
	serveCmd.Env = append(os.Environ(), "CALLFLOOR_REDIS_URL=", "CALLFLOOR_DATABASE_URL=", "CALLFLOOR_CONFIG=")
	if err := serveCmd.Start(); err != nil {
		return err
	}
	stops = append(stops, func() { _ = serveCmd.Process.Signal(os.Interrupt); waitOrKill(serveCmd) })
	base := "http://" + listen
	hc := &http.Client{Timeout: 10 * time.Second}
	call := func(method, path string) (int, error) {
		req, _ := http.NewRequestWithContext(ctx, method, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if code, err := call("GET", "/readyz"); err == nil && code == 200 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench serve: callfloor not ready after 60 s (see %s/serve.log; -keep keeps it)", tmp)
		}
	}
	for i := 0; i < o.agents; i++ {
		if code, err := call("POST", "/api/v1/agents/"+strconv.Itoa(1001+i)+"/login"); err != nil || code != 200 {
			return fmt.Errorf("bench serve: logging agent %d in: %d %v", 1001+i, code, err)
		}
	}

	// The wallboards: one floor view, then team views and the queues view in turn.
	var wbMsgs, wbBytes atomic.Int64
	var teamNames []string
	for t := range teams {
		teamNames = append(teamNames, t)
	}
	sort.Strings(teamNames)
	wctx, wcancel := context.WithCancel(ctx)
	var wwg sync.WaitGroup
	stops = append(stops, func() { wcancel(); wwg.Wait() })
	for i := 0; i < o.wallboards; i++ {
		view := map[string]any{"kind": "floor"}
		if i > 0 {
			if k := (i - 1) % (len(teamNames) + 1); k < len(teamNames) {
				view = map[string]any{"kind": "team", "team": teamNames[k]}
			} else {
				view = map[string]any{"kind": "queues"}
			}
		}
		h := http.Header{"Authorization": {"Bearer " + token}, "Origin": {base}}
		ws, _, err := websocket.DefaultDialer.DialContext(ctx, "ws://"+listen+"/api/v1/ws", h)
		if err != nil {
			return fmt.Errorf("bench serve: wallboard %d: %w", i, err)
		}
		if err := ws.WriteJSON(map[string]any{"type": "subscribe", "id": "w" + strconv.Itoa(i), "view": view}); err != nil {
			return err
		}
		wwg.Add(1)
		go func() {
			defer wwg.Done()
			go func() { <-wctx.Done(); ws.Close() }()
			for {
				_, b, err := ws.ReadMessage()
				if err != nil {
					return
				}
				wbMsgs.Add(1)
				wbBytes.Add(int64(len(b)))
			}
		}()
	}

	callCount := func() (placed, ended int, err error) {
		err = db.Pool.QueryRow(ctx, "SELECT count(*), count(ended_at) FROM calls").Scan(&placed, &ended)
		return
	}
	sample := func() benchCPU {
		return benchCPU{callfloor: procCPU(serveCmd.Process.Pid), redis: procCPU(redisCmd.Process.Pid), pg: pg.cpu(), sim: procCPU(simCmd.Process.Pid), at: time.Now()}
	}

	host, _ := os.Hostname()
	fmt.Fprintf(stdout, "callfloor bench serve: %s, %d CPUs (%s), %s/%s, %s, %s\n", host, runtime.NumCPU(), cpuModel(), runtime.GOOS, runtime.GOARCH, runtime.Version(), time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintf(stdout, "%d calls at %.1f/s (Poisson), talk %s, ring %s, wrap-up %s, %d agents, %d wallboards; callfloor serve (all roles, log %s), its own Redis %s and PostgreSQL %s (pg_stat_statements), simulator in a child process\n",
		o.calls, o.rate, o.talk, o.ring, o.wrap, o.agents, o.wallboards, o.logLevel, redisVersion(), pg.version)

	// Let the start-up settle, then the idle phase: as long as the call phase is expected to last.
	time.Sleep(3 * time.Second)
	idleDur := time.Duration(float64(o.calls)/o.rate*float64(time.Second)) + o.talk + o.ring + o.wrap + 3*time.Second
	load0 := loadAvg()
	var idleProfDone chan error
	if o.idleProf != "" {
		idleProfDone = make(chan error, 1)
		secs := int(idleDur.Seconds()) - 1
		go func() {
			idleProfDone <- fetchProfile(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", pprofAddr, secs), o.idleProf)
		}()
	}
	i0, ri0 := sample(), redisCmds()
	time.Sleep(idleDur)
	i1, ri1 := sample(), redisCmds()
	idle := i1.sub(i0)
	if idleProfDone != nil {
		if err := <-idleProfDone; err != nil {
			fmt.Fprintf(stderr, "bench serve: idle profile: %v\n", err)
		}
	}

	if _, err := db.Pool.Exec(ctx, "SELECT pg_stat_statements_reset()"); err != nil {
		return err
	}
	var profDone chan error
	if o.profile != "" {
		profDone = make(chan error, 1)
		secs := int(idleDur.Seconds()) + 1
		go func() {
			profDone <- fetchProfile(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", pprofAddr, secs), o.profile)
		}()
		time.Sleep(100 * time.Millisecond)
	}
	var traceDone chan error
	if o.trace != "" {
		traceDone = make(chan error, 1)
		go func() {
			time.Sleep(2 * time.Second)
			traceDone <- fetchProfile(fmt.Sprintf("http://%s/debug/pprof/trace?seconds=5", pprofAddr), o.trace)
		}()
	}
	// Counters of callfloor's own /metrics (summed over their labels), per call placed.
	scrape := func() map[string]float64 {
		out := map[string]float64{}
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
		resp, err := hc.Do(req)
		if err != nil {
			return out
		}
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			l := sc.Text()
			if strings.HasPrefix(l, "#") {
				continue
			}
			name, val, ok := strings.Cut(l, " ")
			if !ok {
				continue
			}
			if i := strings.IndexByte(name, '{'); i >= 0 {
				name = name[:i]
			}
			f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
			if err == nil {
				out[name] += f
			}
		}
		return out
	}
	m0 := scrape() // before the phase's first CPU sample: rendering /metrics is not the calls' work
	c0, rc0, rs0 := sample(), redisCmds(), redisCmdStats()
	pg0 := pg.breakdown()
	msgs0, bytes0 := wbMsgs.Load(), wbBytes.Load()
	fmt.Fprintln(simIn, "go")
	var placed, ended int
	deadline := time.Now().Add(idleDur + 2*time.Minute)
	for {
		time.Sleep(100 * time.Millisecond)
		if placed, ended, err = callCount(); err != nil {
			return err
		}
		if ended >= o.calls {
			break
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(stdout, "WARNING: only %d of %d calls ended in PostgreSQL after %s\n", ended, o.calls, time.Since(c0.at).Round(time.Second))
			break
		}
	}
	// the last wrap-ups end, their state intervals reach PostgreSQL
	time.Sleep(o.wrap + 2*time.Second)
	c1, rc1, rs1, m1 := sample(), redisCmds(), redisCmdStats(), scrape()
	pg1 := pg.breakdown()
	load1 := loadAvg()
	run := c1.sub(c0)
	if profDone != nil {
		if err := <-profDone; err != nil {
			fmt.Fprintf(stderr, "bench serve: profile: %v\n", err)
		}
	}
	if traceDone != nil {
		if err := <-traceDone; err != nil {
			fmt.Fprintf(stderr, "bench serve: trace: %v\n", err)
		}
	}
	var answered, offers, intervals int
	_ = db.Pool.QueryRow(ctx, "SELECT count(answered_at) FROM calls").Scan(&answered)
	_ = db.Pool.QueryRow(ctx, "SELECT count(*) FROM offers").Scan(&offers)
	_ = db.Pool.QueryRow(ctx, "SELECT count(*) FROM agent_state_intervals").Scan(&intervals)

	fmt.Fprintf(stdout, "calls placed %d, in PostgreSQL %d, ended %d, answered %d; %d offers, %d state intervals; call phase %s wall; wallboards got %d messages (%d KB)\n",
		o.calls, placed, ended, answered, offers, intervals, run.wall.Round(time.Millisecond), wbMsgs.Load()-msgs0, (wbBytes.Load()-bytes0)/1024)
	fmt.Fprintf(stdout, "load average: %s before, %s after (2 cores shared with other work: the idle column is the noise floor)\n\n", load0, load1)
	n := time.Duration(o.calls)
	scale := float64(run.wall) / float64(idle.wall)
	row := func(name string, r, i time.Duration) {
		iScaled := time.Duration(float64(i) * scale)
		fmt.Fprintf(stdout, "| %s | %s | %s | %s | %s |\n", name, msf(r), msf(iScaled), msf(r/n), msf((r-iScaled)/n))
	}
	fmt.Fprintf(stdout, "| process | CPU, call phase | CPU idle, same wall time | CPU/call | CPU/call minus idle |\n|---|---:|---:|---:|---:|\n")
	row("callfloor serve", run.callfloor, idle.callfloor)
	row("PostgreSQL (all processes)", run.pg, idle.pg)
	row("Redis", run.redis, idle.redis)
	row("simulator (not callfloor)", run.sim, idle.sim)

	fmt.Fprintf(stdout, "\nRedis commands: call phase %d (%.1f per call placed), idle phase %.1f per second\n",
		rc1-rc0, float64(rc1-rc0)/float64(o.calls), float64(ri1-ri0)/idle.wall.Seconds())
	type cmdCount struct {
		name string
		n    int64
	}
	var byCmd []cmdCount
	for name, n := range rs1 {
		if d := n - rs0[name]; d > 0 {
			byCmd = append(byCmd, cmdCount{name, d})
		}
	}
	sort.Slice(byCmd, func(i, j int) bool {
		return byCmd[i].n > byCmd[j].n || byCmd[i].n == byCmd[j].n && byCmd[i].name < byCmd[j].name
	})
	fmt.Fprintf(stdout, "Redis commands per call placed, call phase (commandstats; a script's commands count under their own names too):")
	for i, c := range byCmd {
		if i == 16 {
			break
		}
		fmt.Fprintf(stdout, " %s %.1f;", c.name, float64(c.n)/float64(o.calls))
	}
	fmt.Fprintln(stdout)
	perCall := func(name string) float64 { return (m1[name] - m0[name]) / float64(o.calls) }
	fmt.Fprintf(stdout, "callfloor per call placed (its /metrics): ARI events %.1f, ARI REST requests %.1f, GC cycles %.2f\n",
		perCall("callfloor_ari_events_total"), perCall("callfloor_ari_request_duration_seconds_count"), perCall("go_gc_duration_seconds_count"))

	var kinds []string
	for k := range pg1 {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	fmt.Fprintf(stdout, "\nPostgreSQL CPU in the call phase by process:")
	for _, k := range kinds {
		fmt.Fprintf(stdout, " %s %s;", k, msf(pg1[k]-pg0[k]))
	}
	fmt.Fprintln(stdout)

	if o.pgTop > 0 {
		rows, err := db.Pool.Query(ctx, `SELECT calls, total_exec_time, rows, left(regexp_replace(query, '\s+', ' ', 'g'), 110)
			FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE 'SELECT count(%' ORDER BY total_exec_time DESC LIMIT $1`, o.pgTop)
		if err == nil {
			fmt.Fprintf(stdout, "\nPostgreSQL, call phase: top statements by execution time (pg_stat_statements, track=all)\n\n| calls | total ms | ms/call placed | rows | statement |\n|---:|---:|---:|---:|---|\n")
			var total float64
			for rows.Next() {
				var c, r int64
				var t float64
				var q string
				if err := rows.Scan(&c, &t, &r, &q); err != nil {
					break
				}
				total += t
				fmt.Fprintf(stdout, "| %d | %.1f | %.3f | %d | `%s` |\n", c, t, t/float64(o.calls), r, strings.ReplaceAll(q, "|", "\\|"))
			}
			rows.Close()
			var all float64
			var nstmt int64
			_ = db.Pool.QueryRow(ctx, `SELECT coalesce(sum(total_exec_time),0), coalesce(sum(calls),0) FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'`).Scan(&all, &nstmt)
			fmt.Fprintf(stdout, "\nall statements: %d executions (%.1f per call placed), %.1f ms\n", nstmt, float64(nstmt)/float64(o.calls), all)
		} else {
			fmt.Fprintf(stdout, "pg_stat_statements: %v\n", err)
		}
	}
	return nil
}

type benchCPU struct {
	callfloor, redis, pg, sim time.Duration
	at                        time.Time
	wall                      time.Duration
}

func (a benchCPU) sub(b benchCPU) benchCPU {
	return benchCPU{callfloor: a.callfloor - b.callfloor, redis: a.redis - b.redis, pg: a.pg - b.pg, sim: a.sim - b.sim, wall: a.at.Sub(b.at)}
}

func msf(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// clkTck is USER_HZ, the unit of /proc/<pid>/stat's times (100 on Linux everywhere).
const clkTck = 100

// procStat returns a process's utime+stime and cutime+cstime (its waited-for children), and
// its parent.
func procStat(pid int) (self, children time.Duration, ppid int, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, 0, false
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 15 {
		return 0, 0, 0, false
	}
	num := func(k int) int64 { v, _ := strconv.ParseInt(f[k-3], 10, 64); return v }
	tick := time.Second / clkTck
	return time.Duration(num(14)+num(15)) * tick, time.Duration(num(16)+num(17)) * tick, int(num(4)), true
}

func procCPU(pid int) time.Duration {
	self, _, _, _ := procStat(pid)
	return self
}

// benchPG is the bench's own PostgreSQL server.
type benchPG struct {
	bin, data, port, version string
	stopFn                   func()
}

func startBenchPG(tmp string) (*benchPG, error) {
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(bins) == 0 {
		return nil, errors.New("bench serve: no PostgreSQL binaries under /usr/lib/postgresql (deploy/dev-services.sh installs them)")
	}
	sort.Strings(bins)
	p := &benchPG{bin: filepath.Dir(bins[len(bins)-1]), data: filepath.Join(tmp, "pg")}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	_, p.port, _ = strings.Cut(addr, ":")
	if err := os.MkdirAll(p.data, 0o700); err != nil {
		return nil, err
	}
	asPG := func(name string, args ...string) *exec.Cmd {
		if os.Getuid() == 0 { // PostgreSQL refuses to run as root
			_ = exec.Command("chown", "-R", "postgres:", tmp).Run()
			return exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(p.bin, name)}, args...)...)
		}
		return exec.Command(filepath.Join(p.bin, name), args...)
	}
	if os.Getuid() == 0 {
		_ = os.Chmod(tmp, 0o755)
	}
	if out, err := asPG("initdb", "-D", p.data, "-U", "callfloor", "--auth=trust", "-E", "UTF8").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("bench serve: initdb: %v: %s", err, out)
	}
	opts := fmt.Sprintf("-p %s -k %s -c listen_addresses=127.0.0.1 -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all", p.port, p.data)
	if out, err := asPG("pg_ctl", "-D", p.data, "-l", filepath.Join(p.data, "server.log"), "-w", "-o", opts, "start").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("bench serve: pg_ctl start: %v: %s", err, out)
	}
	if out, err := exec.Command(filepath.Join(p.bin, "postgres"), "--version").Output(); err == nil {
		p.version = strings.TrimSpace(string(out))
	}
	p.stopFn = func() { _ = asPG("pg_ctl", "-D", p.data, "-m", "immediate", "stop").Run() }
	return p, nil
}

func (p *benchPG) stop() {
	if p.stopFn != nil {
		p.stopFn()
	}
}

// postmaster is the server's process id (postmaster.pid's first line).
func (p *benchPG) postmaster() int {
	b, err := os.ReadFile(filepath.Join(p.data, "postmaster.pid"))
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(line))
	return pid
}

// breakdown is the CPU of the server's processes by kind (their title: "callfloor postgres
// 127.0.0.1(…)" backends, walwriter, checkpointer, autovacuum …), the exited ones (backends of
// closed connections, autovacuum workers) together as "exited".
func (p *benchPG) breakdown() map[string]time.Duration {
	out := map[string]time.Duration{}
	pm := p.postmaster()
	self, children, _, ok := procStat(pm)
	if !ok {
		return out
	}
	out["postmaster"] = self
	out["exited"] = children
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == pm {
			continue
		}
		if s, _, ppid, ok := procStat(pid); ok && ppid == pm {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			title := strings.TrimPrefix(strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " ")), "postgres: ")
			if strings.HasPrefix(title, "callfloor ") {
				title = "backends"
			}
			out[title] += s
		}
	}
	return out
}

// cpu is the CPU of the whole server: the postmaster, its exited children (cutime, cstime: the
// postmaster waits for them) and its live ones.
func (p *benchPG) cpu() time.Duration {
	pm := p.postmaster()
	self, children, _, ok := procStat(pm)
	if !ok {
		return 0
	}
	total := self + children
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == pm {
			continue
		}
		if s, _, ppid, ok := procStat(pid); ok && ppid == pm {
			total += s
		}
	}
	return total
}

func waitOrKill(cmd *exec.Cmd) {
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

func fetchProfile(url, path string) error {
	resp, err := (&http.Client{Timeout: 10 * time.Minute}).Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s: %s", resp.Status, b)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func redisVersion() string {
	out, err := exec.Command("redis-server", "--version").Output()
	if err != nil {
		return "?"
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		for _, f := range strings.Fields(sc.Text()) {
			if v, ok := strings.CutPrefix(f, "v="); ok {
				return v
			}
		}
	}
	return "?"
}
