package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/bulletins"
	"github.com/callfloor/callfloor/dashboards"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
	"github.com/callfloor/callfloor/telephony"
	"github.com/callfloor/callfloor/telephony/ari"
	"github.com/callfloor/callfloor/telephony/sim"
	"github.com/callfloor/callfloor/tickets"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
)

// Main is one running callfloor: built by ParseFlags (or by setting Config directly, as tests
// do), started by Run, stopped by Close.
type Main struct {
	ConfigPath string
	Config     *callfloor.Config
	Listen     string // overrides the config's listen address (tests use 127.0.0.1:0)
	LogOutput  io.Writer
	Tick       time.Duration // ACD tick (tests shorten it)
	PprofAddr  string        // -pprof: serve net/http/pprof on this (separate, loopback) address
	// Roles this instance plays (-roles): RoleACD, RoleWeb, RoleHistory; empty: all three.
	Roles []string

	Log      *slog.Logger
	Registry *prometheus.Registry
	Redis    redis.UniversalClient // set before Run to use that client for redis_url's server(s) (closed by Close)
	DB       *storage.DB
	Writer   *storage.Writer
	KPI      *realtime.KPI
	Hub      *realtime.Hub
	Sim      *sim.Server
	ACD      *telephony.ACD
	Clients  []*ari.Client
	Stream   *realtime.StreamGuard
	// Bulletins sends the scheduled bulletins and threshold alerts (river, once across instances).
	Bulletins *bulletins.Service
	// Tickets escalates overdue tickets and sends their notifications (on the bulletins' river client).
	Tickets *tickets.Service

	auth *dashboards.Auth

	ln         net.Listener
	srv        *http.Server
	cancel     context.CancelFunc
	acdDone    chan struct{}
	writerDone chan struct{}
	maintDone  chan struct{}
	hubDone    chan struct{}
	authDone   chan struct{} // the watcher of user changes (dashboards.Auth.WatchUsers)
	simDone    chan struct{}
	peopleDone chan struct{}
	people     *demoPeople // the demo's simulated agents (sim.people), started once the API exists
	guardDone  chan struct{}
	loginDone  chan struct{}
	cacheTmp   string // the recording cache's temporary directory, removed at Close
	recCache   *dashboards.RecordingCache
	once       sync.Once
	closeErr   error
}

// NewMain returns a Main logging to w.
func NewMain(w io.Writer) *Main { return &Main{LogOutput: w} }

// ParseFlags reads serve's flags.
func (m *Main) ParseFlags(args []string) (err error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(m.LogOutput)
	fs.StringVar(&m.ConfigPath, "config", os.Getenv("CALLFLOOR_CONFIG"), "configuration file (default: the embedded demo)")
	fs.StringVar(&m.Listen, "listen", "", "HTTP listen address (overrides the file)")
	fs.StringVar(&m.PprofAddr, "pprof", "", "serve Go's profiles (/debug/pprof/) on this address, apart from the API (e.g. 127.0.0.1:6060)")
	roles := fs.String("roles", strings.Join(AllRoles, ","), "what this instance does, comma-separated: acd (drive the Asterisk nodes), web (API, UI, WebSocket), history (write the history to PostgreSQL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if m.Roles, err = ParseRoles(*roles); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// Addr is the HTTP listener's address.
func (m *Main) Addr() string {
	if m.ln == nil {
		return ""
	}
	return m.ln.Addr().String()
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// Run starts everything and returns once it is serving; it does not block.
func (m *Main) Run(ctx context.Context) (err error) {
	if m.Config == nil {
		if m.Config, err = LoadConfig(m.ConfigPath); err != nil {
			return err
		}
	}
	cfg := m.Config
	if err := CheckServe(cfg); err != nil { // what check-config checks too
		return err
	}
	if m.LogOutput == nil {
		m.LogOutput = os.Stderr
	}
	m.Log = newLogger(m.LogOutput, cfg.LogLevel)
	m.Registry = prometheus.NewRegistry()
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	rt, err := realtime.ParseRedisURL(cfg.RedisURL)
	if err != nil {
		return fmt.Errorf("config: redis_url: %w", err)
	}
	if m.Redis == nil { // a test may hand in its own client (the chaos suite's, through a cuttable proxy)
		m.Redis = rt.NewClient()
	}
	// In a Cluster every key of the floor carries one hash tag (realtime.RedisTarget.KeyPrefix):
	// set once here, so every Redis user below (and store.Prefix()) builds keys from it.
	cfg.Prefix = rt.KeyPrefix(cfg.Prefix)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = m.Redis.Ping(pctx).Err()
	cancel()
	if err != nil {
		// Start all the same: /readyz says so, and the ACD, the history writer and the live
		// hub begin their work once Redis answers.
		m.Log.Error("redis is not reachable: starting without it, the ACD begins once it answers (see /readyz)", "addr", rt.String(), "err", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("config: data_dir: %w", err)
	}
	if m.DB, err = storage.Open(ctx, cfg.DatabaseURL); err != nil {
		return fmt.Errorf("%w (start it with deploy/dev-services.sh)", err)
	}
	if err := m.DB.CheckMigrated(ctx); err != nil {
		return err
	}
	if cfg.ReportsDatabaseURL != "" {
		// reports, QA reports, call search and exports read from the replica; a replica that
		// does not answer at start leaves them on the primary (logged), calls go on regardless
		if rdb, err := storage.OpenReports(ctx, cfg.ReportsDatabaseURL); err != nil {
			m.Log.Error("reports_database_url: not reachable, reports read from database_url", "err", callfloor.Scrub(err.Error(), callfloor.SecretsIn(cfg.ReportsDatabaseURL)...))
		} else {
			m.DB.UseReports(rdb)
		}
	}
	// The database owns queues and agents once seeded from the file; the file keeps the rest.
	fileCfg := cfg
	if cfg, _, err = dashboards.LoadConfig(ctx, m.DB, fileCfg); err != nil {
		return fmt.Errorf("configuration from the database: %w", err)
	}
	m.Config = cfg

	store := realtime.New(m.Redis, cfg.Prefix).WithLocation(cfg.Location())

	runCtx, cancelRun := context.WithCancel(context.Background())
	m.cancel = cancelRun

	if cfg.Sim != nil {
		if err := m.startSim(); err != nil {
			return err
		}
	}

	ariMetrics := ari.NewMetrics(m.Registry)
	for _, n := range cfg.Asterisk {
		m.Clients = append(m.Clients, ari.New(ari.Config{
			Name: n.Name, URL: n.URL, Username: n.Username, Password: n.Password, App: cfg.ACD.App,
			RequestTimeout: cfg.ACD.RequestTimeout, EventFilter: telephony.EventFilter,
			Logger: m.Log, Metrics: ariMetrics,
		}))
	}
	m.ACD, err = telephony.New(telephony.Options{Config: cfg, Store: store, Nodes: m.Clients, Logger: m.Log, Metrics: telephony.NewMetrics(m.Registry), Tick: m.Tick,
		Catalogue: m.DB, OutboxDir: cfg.DataDir, Sessions: m.DB, Dialer: &telephony.DialerOptions{Source: m.DB, FrequencyCap: *cfg.ACD.Outbound.FrequencyCap}})
	if err != nil {
		return err
	}
	rebuildCustomerFlags(ctx, runCtx, m.DB, store, m.Log) // issue 14: the ACD reads customer flags from Redis only (customers.go)
	m.Registry.MustRegister(realtime.NewCollector(store, func() []string {
		var out []string
		for _, q := range m.ACD.Queues() {
			out = append(out, q.Name)
		}
		return out
	}))
	m.Writer = storage.NewWriter(m.DB, storage.WriterOptions{Redis: m.Redis, Stream: store.StreamKey(), Logger: m.Log, Registerer: m.Registry})
	m.Stream = realtime.NewStreamGuard(store, realtime.StreamGuardOptions{Logger: m.Log, Registerer: m.Registry})
	if m.has(RoleHistory) { // the history writer, the housekeeping and the change stream's trimming
		m.writerDone = make(chan struct{})
		go func() {
			defer close(m.writerDone)
			if err := m.Writer.Run(runCtx); err != nil && !errors.Is(err, context.Canceled) {
				m.Log.Error("history writer stopped", "err", err)
			}
		}()
		m.maintDone = make(chan struct{})
		go func() {
			defer close(m.maintDone)
			surveysDone := make(chan struct{}) // the surveys' dissatisfied actions (surveys_actions.go)
			go func() { defer close(surveysDone); m.surveyActions(runCtx) }()
			m.maintain(runCtx)
			<-surveysDone
		}()
		m.guardDone = make(chan struct{})
		go func() { defer close(m.guardDone); m.Stream.Run(runCtx) }()
	}
	if m.has(RoleACD) { // drive the Asterisk nodes (under their leases: acd.lease)
		m.acdDone = make(chan struct{})
		go func() {
			defer close(m.acdDone)
			if err := m.ACD.Run(runCtx); err != nil {
				m.Log.Error("acd stopped", "err", err)
			}
		}()
	}

	if cfg.Sim != nil && m.has(RoleACD) {
		if cfg.Sim.AutoLogin && !m.autoLogin(ctx) {
			// Redis is down: log the demo's agents in once the ACD has started
			m.loginDone = make(chan struct{})
			go func() {
				defer close(m.loginDone)
				for m.ACD.Ready() != nil {
					select {
					case <-runCtx.Done():
						return
					case <-time.After(100 * time.Millisecond):
					}
				}
				m.autoLogin(runCtx)
			}()
		}
		m.startTraffic(runCtx)
		if cfg.Sim.People {
			ids := make([]string, len(cfg.Agents))
			for i, a := range cfg.Agents {
				ids[i] = a.ID
			}
			m.people = newDemoPeople(m.ACD, ids, cfg.Sim.Speed, cfg.Sim.Seed, m.Log.With("component", "demo-people"))
		}
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", m.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry}))
	if m.has(RoleWeb) { // the API, the web UI and the live WebSocket; without it, only the three above
		if err := m.startWeb(ctx, runCtx, cfg, fileCfg, store, mux); err != nil {
			return err
		}
	}

	listen := cfg.Listen
	if m.Listen != "" {
		listen = m.Listen
	}
	if m.ln, err = net.Listen("tcp", listen); err != nil {
		return fmt.Errorf("listen %s: %w", listen, err)
	}
	m.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() {
		if err := m.srv.Serve(m.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("http server", "err", err)
		}
	}()
	if m.PprofAddr != "" {
		if err := m.servePprof(runCtx); err != nil {
			return err
		}
	}
	m.Log.Info("callfloor serving", "http", "http://"+m.ln.Addr().String(), "metrics", "http://"+m.ln.Addr().String()+"/metrics",
		"nodes", len(cfg.Asterisk), "queues", len(cfg.Queues), "agents", len(cfg.Agents), "sim", cfg.Sim != nil)
	return nil
}

// startWeb starts the web role (-roles web): authentication, the HTTP API, the live hub and its
// WebSocket, the bulletins and tickets jobs, and the web UI, on mux.
func (m *Main) startWeb(ctx, runCtx context.Context, cfg, fileCfg *callfloor.Config, store *realtime.Store, mux *http.ServeMux) (err error) {
	auth := &dashboards.Auth{DB: m.DB, Redis: m.Redis, Prefix: cfg.Prefix, SecureCookie: cfg.SecureCookie, Log: m.Log, TimeZone: cfg.TimeZone}
	m.auth = auth
	auth.TrustedProxies, _ = callfloor.ParseTrustedProxies(cfg.TrustedProxies) // Validate has checked them
	auth.AllowedOrigins = cfg.AllowedOrigins
	auth.Metrics = dashboards.NewAuthMetrics(m.Registry)
	m.authDone = make(chan struct{})
	go func() { defer close(m.authDone); auth.WatchUsers(runCtx, dashboards.WatchUsersEvery) }()
	api := &dashboards.API{ACD: m.ACD, DB: m.DB, Auth: auth, Base: fileCfg, Recordings: nodeRecordings(m.Clients), Log: m.Log}
	if api.RecordingCache, err = m.recordingCache(api.Recordings); err != nil {
		return err
	}
	m.recCache = api.RecordingCache
	api.Register(mux)
	if m.people != nil { // the demo's agents dispose of their campaign calls through the desk's handler
		people := m.people
		people.dispose = newDemoDisposer(api, m.DB).dispose
		m.peopleDone = make(chan struct{})
		go func() { defer close(m.peopleDone); people.Run(runCtx) }()
	}
	go api.RunCallbackSync(runCtx, 30*time.Second)           // the call-back list from the history (issue 14)
	targets := &dashboards.LiveTargets{DB: m.DB, Log: m.Log} // queue and project targets on the wallboard (issue 11)
	if err := targets.Reload(ctx); err != nil {
		m.Log.Warn("reading the queues' targets", "err", err)
	}
	attendance := &dashboards.LiveAttendance{DB: m.DB, Loc: cfg.Location(), Log: m.Log} // today's attendance on the wallboard (issue 12)
	m.KPI = realtime.NewKPI(store, realtime.KPIOptions{Queues: m.ACD.Queues, Agents: m.ACD.Agents, PauseReasons: m.ACD.PauseReasons, Targets: targets.Get, Attendance: attendance.Get})
	m.Registry.MustRegister(realtime.NewKPICollector(m.KPI))
	m.Hub = realtime.NewHub(realtime.HubOptions{KPI: m.KPI, Store: store, Allowed: dashboards.LiveAllowed(m.ACD),
		Credential: api.LiveCredential, MaxPerUser: cfg.Live.MaxSocketsPerUser, MaxPerNode: cfg.Live.MaxSocketsPerNode,
		CheckOrigin: auth.CheckOrigin,
		Logger:      m.Log, Registerer: m.Registry})
	auth.OnRevoke = m.Hub.Revoke // logout, token revoked, user disabled / deleted / re-roled: sockets close on every node
	targets.OnChange = m.Hub.Invalidate
	api.OnTargets = func() { _ = targets.Reload(runCtx) }
	go targets.Run(runCtx, 30*time.Second)
	attendance.OnChange = m.Hub.Invalidate
	go attendance.Run(runCtx)
	m.hubDone = make(chan struct{})
	go func() {
		defer close(m.hubDone)
		if err := m.Hub.Run(runCtx); err != nil && !errors.Is(err, context.Canceled) {
			m.Log.Error("live hub stopped", "err", err)
		}
	}()
	api.MountLive(mux, m.Hub)
	m.Bulletins = &bulletins.Service{Pool: m.DB.Pool, Redis: m.Redis, Prefix: cfg.Prefix, Live: m.KPI,
		Loc: cfg.Location, Log: m.Log, Sender: &bulletins.Sender{},
		Source: bulletins.ReportSource{DB: m.DB, Loc: cfg.Location}} // the bulletins' history figures are the reports'
	// tickets (issue 14): escalation and notifications, a periodic job on the bulletins' river client
	storage.SetTicketZone(cfg.Location())
	m.Tickets = &tickets.Service{DB: m.DB, Sender: m.Bulletins.Sender, Loc: cfg.Location, Log: m.Log}
	m.Bulletins.Extra = m.Tickets.Register
	if err := m.Bulletins.Start(runCtx); err != nil {
		return err
	}
	api.RegisterBulletins(mux, m.Bulletins)
	mux.Handle("/", dashboards.UI()) // the web UI: wallboard, agent desktop, login
	return nil
}

// readiness is /readyz's answer. Everyone gets the status and each component's ok / not ok;
// only an authenticated admin gets the details (addresses, driver errors, the history lag),
// which tell an attacker where the databases are and what they run.
type readiness struct {
	Status     string            `json:"status"`            // "ready" or "not ready"
	Components map[string]string `json:"components"`        // redis, postgresql, asterisk, history, change_stream: "ok" or "not ok"
	Details    map[string]string `json:"details,omitempty"` // admins only: what is wrong
	HistoryLag *int64            `json:"history_lag,omitempty"`
}

func (m *Main) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	res := readiness{Status: "ready", Components: map[string]string{}}
	details := map[string]string{}
	check := func(name string, err error) {
		if err == nil {
			res.Components[name] = "ok"
			return
		}
		res.Components[name] = "not ok"
		res.Status = "not ready"
		details[name] = err.Error()
	}
	check("redis", m.Redis.Ping(ctx).Err())
	if m.has(RoleACD) {
		check("asterisk", m.ACD.Ready())
	}
	check("postgresql", m.DB.Pool.Ping(ctx))
	lag, lagErr := m.Writer.Lag(ctx)
	switch {
	case lagErr != nil:
		check("history", fmt.Errorf("history lag unknown: %w", lagErr))
	case lag > maxReadyLag:
		check("history", fmt.Errorf("history writer behind by %d events", lag))
	default:
		check("history", nil)
	}
	if m.has(RoleHistory) {
		check("change_stream", m.Stream.Status())
	}
	if m.isAdmin(r) {
		if len(details) > 0 {
			res.Details = details
		}
		if lagErr == nil {
			res.HistoryLag = &lag
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if res.Status != "ready" {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(res)
}

// isAdmin reports whether the request carries an admin's API token or session.
func (m *Main) isAdmin(r *http.Request) bool {
	p, err := m.auth.Authenticate(r)
	return err == nil && p.Role == callfloor.RoleAdmin
}

// maintain runs hourly housekeeping: expired sessions go, history months past the retention
// are dropped whole, old recordings are pruned, and the team leads' daily samples and the
// sample plans' scheduled samples of the periods just over are drawn.
func (m *Main) maintain(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := m.DB.DeleteExpiredSessions(ctx); err != nil && ctx.Err() == nil {
			m.Log.Warn("deleting expired sessions", "err", err)
		} else if n > 0 {
			m.Log.Info("expired sessions deleted", "count", n)
		}
		if months := m.Config.RetentionMonths; months > 0 {
			before := time.Now().UTC().AddDate(0, -months, 0)
			if dropped, err := m.DB.DropMonthsBefore(ctx, before); err != nil && ctx.Err() == nil {
				m.Log.Warn("dropping old history months", "err", err)
			} else if len(dropped) > 0 {
				m.Log.Info("old history months dropped", "partitions", dropped)
			}
		}
		if days := m.Config.RecordingRetentionDays; days > 0 {
			gone, err := m.DB.PruneRecordings(ctx, time.Now().AddDate(0, 0, -days), cachedRecordings{nodeRecordings(m.Clients), m.recCache}, storage.DefaultPruneLimit)
			if err != nil && ctx.Err() == nil {
				m.Log.Warn("pruning recordings", "deleted", len(gone), "err", err)
			} else if len(gone) > 0 {
				m.Log.Info("old recordings deleted", "count", len(gone))
			}
		}
		// the team leads' daily lists: yesterday's calls (a whole day in the centre's time zone),
		// once per lead and day
		now := time.Now().In(m.Config.Location())
		if n, err := m.DB.DailyTeamLeadDraws(ctx, now.AddDate(0, 0, -1)); err != nil && ctx.Err() == nil {
			m.Log.Warn("drawing the team leads' daily samples", "assigned", n, "err", err)
		} else if n > 0 {
			m.Log.Info("team leads' daily samples drawn", "assigned", n)
		}
		// the sample plans' scheduled draws: each active plan's last whole day, week or month, once
		if draws, n, err := m.DB.ScheduledPlanDraws(ctx, now, m.Config.Location()); err != nil && ctx.Err() == nil {
			m.Log.Warn("drawing the sample plans' scheduled samples", "draws", draws, "assigned", n, "err", err)
		} else if draws > 0 {
			m.Log.Info("sample plans' scheduled samples drawn", "draws", draws, "assigned", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// maxReadyLag: beyond this many change-stream events not yet in PostgreSQL, /readyz says so.
const maxReadyLag = 10000

// recordingCache is the disk cache recordings are served from: the configured directory, or a
// temporary one removed at shutdown.
func (m *Main) recordingCache(src dashboards.RecordingSource) (*dashboards.RecordingCache, error) {
	rc := m.Config.RecordingCache
	dir := rc.Dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "callfloor-recordings-")
		if err != nil {
			return nil, fmt.Errorf("recording cache: %w", err)
		}
		dir, m.cacheTmp = tmp, tmp
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("recording_cache.dir: %w", err)
	}
	return &dashboards.RecordingCache{Dir: dir, MaxBytes: rc.MaxMB << 20, MaxAge: rc.MaxAge,
		FetchesPerNode: rc.FetchesPerNode, Source: src, Log: m.Log.With("component", "recordings")}, nil
}

// nodeRecordings fetches recordings from the node that made them.
type nodeRecordings []*ari.Client

func (n nodeRecordings) Recording(ctx context.Context, node, name string) (io.ReadCloser, string, error) {
	for _, c := range n {
		if c.Node().Name == node {
			rc, ct, err := c.StoredRecordingFile(ctx, name)
			if ari.IsNotFound(err) {
				return nil, "", callfloor.NotFound("recording", name, "recording %q is not on node %s", name, node)
			}
			return rc, ct, err
		}
	}
	return nil, "", callfloor.NotFound("recording", name, "recording %q is on node %q, which is not configured", name, node)
}

// DeleteRecording deletes a recording's audio on its node (retention). A node that is not
// configured is an error, so the catalogue keeps the row rather than forgetting audio that may
// still be on a node.
func (n nodeRecordings) DeleteRecording(ctx context.Context, node, name string) error {
	for _, c := range n {
		if c.Node().Name == node {
			err := c.DeleteStoredRecording(ctx, name)
			if ari.IsNotFound(err) {
				return callfloor.NotFound("recording", name, "recording %q is not on node %s", name, node)
			}
			return err
		}
	}
	return fmt.Errorf("recording %q is on node %q, which is not configured", name, node)
}

// cachedRecordings deletes a recording from its node and from the recording cache.
type cachedRecordings struct {
	nodeRecordings
	cache *dashboards.RecordingCache
}

func (c cachedRecordings) DeleteRecording(ctx context.Context, node, name string) error {
	if c.cache != nil {
		c.cache.Forget(node, name)
	}
	return c.nodeRecordings.DeleteRecording(ctx, node, name)
}

// startSim starts the embedded simulated Asterisk and points a node at it when none is set.
func (m *Main) startSim() error {
	sc := m.Config.Sim
	listen := sc.Listen
	if listen == "" {
		listen = "127.0.0.1:8088"
	}
	m.Sim = sim.New(sim.Config{Speed: sc.Speed, Logger: m.Log.With("component", "sim")})
	base, err := m.Sim.Start(listen)
	if err != nil {
		return fmt.Errorf("sim: listen %s: %w", listen, err)
	}
	if len(m.Config.Asterisk) == 0 {
		m.Config.Asterisk = []callfloor.Node{{Name: "sim", URL: base, Username: "callfloor", Password: "callfloor-test"}}
	} else {
		for i := range m.Config.Asterisk {
			if m.Config.Asterisk[i].Name == "sim" {
				m.Config.Asterisk[i].URL = base
			}
		}
	}
	m.Log.Info("simulated asterisk serving ARI", "url", base+"/ari")
	return nil
}

// autoLogin logs every agent in (the demo); false when some login failed.
func (m *Main) autoLogin(ctx context.Context) bool {
	ok := true
	for _, a := range m.Config.Agents {
		if _, err := m.ACD.Login(ctx, a.ID); err != nil && callfloor.ErrorCode(err) != callfloor.ECONFLICT {
			m.Log.Warn("demo auto-login", "agent", a.ID, "err", err)
			ok = false
		}
	}
	return ok
}

// chinaMobile matches a mainland mobile number as the trunk dials it (callfloor.NationalDial).
var chinaMobile = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

func (m *Main) startTraffic(ctx context.Context) {
	sc := m.Config.Sim
	if len(sc.Traffic) == 0 {
		return
	}
	// the campaigns' leads (mainland mobiles, as the dialler dials them) are a telesales day's
	// customers; click-to-call numbers keep the traffic dialplan's behaviour
	tele := sim.TelesalesCustomers(sc.Seed, 1)
	tele.Numbers = chinaMobile
	m.Sim.SetDialplan(tele.Dialplan(sim.TrafficDialplan(sc.Seed, sc.NoAnswerRate, sc.BusyRate)))
	t := sim.Traffic{App: m.Config.ACD.App, Seed: sc.Seed, // issue 14: the survey's answers (sim.survey)
		Survey: sim.SurveyMix{Satisfied: sc.Survey.Satisfied, Neutral: sc.Survey.Neutral, Dissatisfied: sc.Survey.Dissatisfied, HangUp: sc.Survey.HangUp}}
	if sc.Numbers == callfloor.SimNumbersCN { // +86 callers, some of them the directory's (demo_w14_callers.go)
		var err error
		if t.Numbers, err = demoNumberPlan(ctx, m.DB); err != nil {
			m.Log.Warn("demo callers: none from the customer directory", "err", err)
		}
	}
	queues := m.Config.QueueByName()
	for _, q := range sc.Traffic {
		qt := sim.QueueTraffic{Queue: q.Queue, CallsPerMinute: q.CallsPerMinute,
			PatienceMin: q.PatienceMin, PatienceMax: q.PatienceMax, TalkMin: q.TalkMin, TalkMax: q.TalkMax, AgentEnds: q.AgentHangup}
		if cq := queues[q.Queue]; cq != nil && cq.Callback.Offer { // issue 14: some callers press 1 after the call-back offer
			qt.PressOne, qt.PressAfter = q.CallbackShare, cq.Callback.After+3*time.Second
		}
		t.Queues = append(t.Queues, qt)
	}
	m.simDone = make(chan struct{})
	go func() {
		defer close(m.simDone)
		// give the ACD a moment to connect, so the first callers do not meet an inactive app
		deadline := time.Now().Add(10 * time.Second)
		for m.ACD.Ready() != nil && time.Now().Before(deadline) && ctx.Err() == nil {
			time.Sleep(50 * time.Millisecond)
		}
		if err := m.Sim.RunTraffic(ctx, t); err != nil && !errors.Is(err, context.Canceled) {
			m.Log.Warn("sim traffic stopped", "err", err)
		}
	}()
}

// Close stops callfloor: HTTP first, then traffic and the ACD, then the simulator and Redis.
// It is idempotent and bounded.
func (m *Main) Close() error {
	m.once.Do(func() {
		if m.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			m.closeErr = m.srv.Shutdown(ctx)
			cancel()
		}
		if m.cancel != nil {
			m.cancel()
		}
		for _, ch := range []chan struct{}{m.loginDone, m.simDone, m.peopleDone, m.acdDone, m.writerDone, m.maintDone, m.guardDone, m.hubDone, m.authDone} {
			if ch != nil {
				select {
				case <-ch:
				case <-time.After(10 * time.Second):
					m.Log.Warn("shutdown: a component did not stop in time")
				}
			}
		}
		if m.Bulletins != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := m.Bulletins.Stop(ctx); err != nil {
				m.Log.Warn("shutdown: bulletins", "err", err)
			}
			cancel()
		}
		if m.Sim != nil {
			_ = m.Sim.Close()
		}
		if m.Redis != nil {
			_ = m.Redis.Close()
		}
		if m.DB != nil {
			m.DB.Close()
		}
		if m.cacheTmp != "" {
			_ = os.RemoveAll(m.cacheTmp)
		}
		if m.Log != nil {
			m.Log.Info("callfloor stopped")
		}
	})
	return m.closeErr
}

// servePprof serves Go's profiles on their own listener (-pprof), never on the API's.
func (m *Main) servePprof(ctx context.Context) error {
	ln, err := net.Listen("tcp", m.PprofAddr)
	if err != nil {
		return fmt.Errorf("-pprof %s: %w", m.PprofAddr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	m.Log.Info("pprof serving", "url", "http://"+ln.Addr().String()+"/debug/pprof/")
	return nil
}
