package realtime

// The WebSocket hub: live views pushed to wallboards and agent desktops as a snapshot, then
// deltas.
//
// Fan-out goes through Redis: every hub follows the change stream with its own cursor (XREAD
// from the stream's end when it starts), so every web node behind a load balancer sees every
// change, whichever node made it. The hub keeps the raw live data of the whole floor (queues'
// counters and waiting lists, agents' states and counters) and the last computed view of every
// queue, agent, team and the floor, as JSON. An event marks what it touches dirty; at most once
// per Coalesce the dirty queues and agents are re-read from Redis in one pipeline, the views
// that depend on them (their teams, the queues they serve, the floor) recomputed once, and only
// the views whose JSON changed are sent, each subscriber getting the part of its view that
// changed.
//
// Concurrency: Run owns two goroutines, the stream reader (marks dirty, under dmu) and the
// flusher. refreshMu serialises refreshes (Redis read → recompute → send), so the raw cache is
// written by one refresh at a time and always moves forward. mu guards the view cache, the
// connections and their subscriptions and sequence numbers; snapshots and deltas are queued
// under it, so a subscriber's deltas always follow its snapshot. Every connection has one
// reader (the ServeHTTP goroutine) and one writer goroutine with a bounded send queue; queueing
// never blocks: a full queue drops that connection (close 1013), never slowing the others.
//
// Every connection knows whose credential opened it (Credential). Revoking it — a logout, a
// user disabled, deleted or given another role, an API token revoked — is published on a Redis
// pub/sub channel that every hub follows, so the user's sockets close on every web node within
// moments, with a close code the UI acts on (CloseRevoked: log in again; CloseRescoped:
// reconnect, re-scoped by the new role). Pub/sub is fire-and-forget, so each hub also re-checks
// every credential it holds every Recheck (one check per credential, not per socket): a session
// that expired, or a revocation a node missed while Redis was away, closes its sockets then.
// A connection is refused (close CloseTooMany) past MaxPerUser sockets of one user or
// MaxPerNode sockets on this node; both are counted per node.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// View kinds a client can subscribe to.
const (
	ViewQueues = "queues" // the listed queues (none listed: every queue)
	ViewTeam   = "team"   // a team's summary and its agents
	ViewAgent  = "agent"  // one agent
	ViewFloor  = "floor"  // the floor summary, every queue, every agent and every team
)

// View is what a subscription shows.
type View struct {
	Kind   string   `json:"kind"`
	Queues []string `json:"queues,omitempty"`
	Team   string   `json:"team,omitempty"`
	Agent  string   `json:"agent,omitempty"`
}

// HubOptions configure the hub.
type HubOptions struct {
	KPI   *KPI
	Store *Store
	// Allowed is the scope check of a subscription; nil allows everything (tests). An error
	// refuses the view: its callfloor code (forbidden unless it says not_found) and message go
	// to the client.
	Allowed func(p callfloor.Principal, v View) error
	// Principal says who is asking (dashboards.PrincipalFrom); false refuses the request with 401.
	// nil lets everyone in with a zero Principal. Credential, when set, is used instead.
	Principal func(r *http.Request) (callfloor.Principal, bool)
	// Credential says who is asking and with what (dashboards.API.LiveCredential), so that the
	// connection can be revoked and re-checked; false refuses the request with 401.
	Credential func(r *http.Request) (Credential, bool)
	// MaxPerUser is how many sockets one user may hold open on this node (default 20; < 0: no
	// limit); MaxPerNode how many this node holds in all (default 5000; < 0: no limit). The
	// connection past either is closed at once with CloseTooMany and a reason naming the limit.
	MaxPerUser int
	MaxPerNode int
	// Recheck is how often every connection's credential is checked again (default 30s).
	Recheck     time.Duration
	CheckOrigin func(r *http.Request) bool // default: Origin absent or the request's own host
	SendQueue   int                        // messages queued per connection, default 256; full → dropped
	Ping        time.Duration              // default 20s; a client silent for 3×Ping is closed
	Coalesce    time.Duration              // default 50ms: changes within it go out as one delta
	Logger      *slog.Logger
	Registerer  prometheus.Registerer
}

// Hub serves /api/v1/ws.
type Hub struct {
	o   HubOptions
	k   *KPI
	s   *Store
	log *slog.Logger
	up  websocket.Upgrader

	connections prometheus.Gauge
	sent        prometheus.Counter
	droppedSlow prometheus.Counter
	latency     prometheus.Histogram
	closed      *prometheus.CounterVec

	dmu   sync.Mutex
	dirty dirtySet
	wake  chan struct{}

	refreshMu sync.Mutex
	raw       *raw         // written under refreshMu and mu
	wc        *windowCache // the windows' minutes, under refreshMu

	mu     sync.Mutex
	warm   bool
	qNames []string // sorted
	aIDs   []string // sorted
	tNames []string // sorted
	qv     map[string][]byte
	av     map[string][]byte
	tv     map[string][]byte
	fv     []byte
	// the campaign tiles (issue 13): by campaign id, and each team's share by "team|id"
	cIDs   []string // sorted
	cv     map[string][]byte
	cLive  map[string]CampaignLive
	ctKeys []string // sorted
	ctv    map[string][]byte
	conns  map[*wsConn]struct{}
	// Sockets counted against the limits (upgrading or open), per user and in all.
	perUser map[int64]int
	total   int
	// Revocations of the last revokeMemory, for connections authenticated before one and
	// registered after it went by.
	recent []Revocation
}

// Limits of the client protocol.
const (
	maxClientMessage = 16 << 10
	maxSubsPerConn   = 32
	writeWait        = 10 * time.Second
	resyncEvery      = time.Minute
)

// NewHub builds a hub; Run must be running for deltas to flow.
func NewHub(o HubOptions) *Hub {
	if o.SendQueue <= 0 {
		o.SendQueue = 256
	}
	if o.Ping <= 0 {
		o.Ping = 20 * time.Second
	}
	if o.Coalesce <= 0 {
		o.Coalesce = 50 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.CheckOrigin == nil {
		o.CheckOrigin = sameOrigin
	}
	if o.MaxPerUser == 0 {
		o.MaxPerUser = DefaultMaxSocketsPerUser
	}
	if o.MaxPerNode == 0 {
		o.MaxPerNode = DefaultMaxSocketsPerNode
	}
	if o.Recheck <= 0 {
		o.Recheck = 30 * time.Second
	}
	h := &Hub{
		o: o, k: o.KPI, s: o.Store, log: o.Logger,
		wake:  make(chan struct{}, 1),
		dirty: newDirty(),
		raw:   newRaw(),
		qv:    map[string][]byte{}, av: map[string][]byte{}, tv: map[string][]byte{},
		conns: map[*wsConn]struct{}{}, perUser: map[int64]int{},
		closed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callfloor_ws_closed_total",
			Help: "WebSocket connections closed or refused by the server, by reason (logout, user_disabled, role_changed, session_expired, user_limit, node_limit, ...)."},
			[]string{"reason"}),
		connections: prometheus.NewGauge(prometheus.GaugeOpts{Name: "callfloor_ws_connections",
			Help: "WebSocket connections open now."}),
		sent: prometheus.NewCounter(prometheus.CounterOpts{Name: "callfloor_ws_messages_sent_total",
			Help: "Messages written to WebSocket clients."}),
		droppedSlow: prometheus.NewCounter(prometheus.CounterOpts{Name: "callfloor_ws_dropped_slow_total",
			Help: "WebSocket connections dropped because their send queue was full."}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "callfloor_ws_delta_latency_seconds",
			Help:    "From the oldest change event a delta carries to the delta written to the client.",
			Buckets: []float64{.005, .01, .025, .05, .075, .1, .15, .25, .5, 1, 2.5, 5}}),
	}
	if h.k == nil {
		h.k = NewKPI(o.Store, KPIOptions{})
	}
	if h.s == nil {
		h.s = h.k.s
	}
	h.up = websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 16384, CheckOrigin: o.CheckOrigin}
	if o.Registerer != nil {
		o.Registerer.MustRegister(h.connections, h.sent, h.droppedSlow, h.latency, h.closed)
	}
	return h
}

// sameOrigin accepts a request without Origin (not a browser) or from the page's own host.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

// ---- following the change stream ----

// dirtySet is what changed since the last flush, with the earliest event time of each item.
type dirtySet struct {
	all    bool
	queues map[string]time.Time
	agents map[string]time.Time
	// minutes whose counter hashes the marked events changed (their calls' entry minutes, see
	// windowCache)
	minutes map[int64]bool
	// a campaign's call changed: re-read the campaigns' live info and counters
	campaigns bool
}

func newDirty() dirtySet {
	return dirtySet{queues: map[string]time.Time{}, agents: map[string]time.Time{}, minutes: map[int64]bool{}}
}

func (d dirtySet) empty() bool {
	return !d.all && len(d.queues) == 0 && len(d.agents) == 0 && !d.campaigns
}

func markAt(m map[string]time.Time, key string, at time.Time) {
	if key == "" {
		return
	}
	if old, ok := m[key]; !ok || (!at.IsZero() && (old.IsZero() || at.Before(old))) {
		m[key] = at
	}
}

// mark records what an event touches: its call's queue, the agents involved. Teams, the
// queues those agents serve and the floor follow at flush time.
func (h *Hub) mark(ev *callfloor.Event) {
	h.dmu.Lock()
	if ev.Agent != nil {
		markAt(h.dirty.agents, ev.Agent.Agent, ev.At)
	}
	if c := ev.Call; c != nil {
		if c.Queue != "" {
			markAt(h.dirty.queues, c.Queue, ev.At)
		}
		if !c.EnteredAt.IsZero() {
			h.dirty.minutes[c.EnteredAt.Unix()/60] = true
		}
		if c.CampaignID != "" {
			h.dirty.campaigns = true
		}
		markAt(h.dirty.agents, c.Agent, ev.At)
		for _, o := range c.Offers {
			markAt(h.dirty.agents, o.Agent, ev.At)
		}
	}
	if ev.Offer != nil {
		markAt(h.dirty.agents, ev.Offer.Agent, ev.At)
	}
	h.dmu.Unlock()
	h.kick()
}

// Invalidate recomputes every view at once (something the views show changed outside the
// stream: the targets).
func (h *Hub) Invalidate() { h.markAll() }

// markAll asks for a full re-read (after a gap in the stream).
func (h *Hub) markAll() {
	h.dmu.Lock()
	h.dirty.all = true
	h.dmu.Unlock()
	h.kick()
}

func (h *Hub) kick() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

func (h *Hub) takeDirty() dirtySet {
	h.dmu.Lock()
	defer h.dmu.Unlock()
	d := h.dirty
	h.dirty = newDirty()
	return d
}

// Run follows the change stream and pushes deltas until ctx ends.
func (h *Hub) Run(ctx context.Context) error {
	key := h.s.StreamKey()
	rdb := h.s.rdb
	// The cursor starts at the stream's current end; the full read below covers all before it.
	last := "0-0"
	for {
		res, err := rdb.XRevRangeN(ctx, key, "+", "-", 1).Result()
		if err == nil {
			if len(res) > 0 {
				last = res[0].ID
			}
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		h.log.Warn("ws hub: reading the change stream's end", "err", err)
		if !sleepCtx(ctx, time.Second) {
			return nil
		}
	}
	h.markAll()
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); h.flusher(ctx) }()
	go func() { defer wg.Done(); h.followRevocations(ctx) }()
	go func() { defer wg.Done(); h.rechecker(ctx) }()
	defer wg.Wait()
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		streams, err := rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{key, last}, Count: 1000, Block: time.Second}).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			h.log.Warn("ws hub: reading the change stream", "err", err)
			sleepCtx(ctx, backoff)
			backoff = min(2*backoff, 5*time.Second)
			h.markAll() // changes may have been missed: re-read everything
			continue
		}
		backoff = 100 * time.Millisecond
		for _, st := range streams {
			for _, m := range st.Messages {
				last = m.ID
				raw, _ := m.Values["e"].(string)
				ev, err := decodeMarks([]byte(raw))
				if err != nil {
					h.log.Warn("ws hub: undecodable stream entry", "id", m.ID, "err", err)
					continue
				}
				h.mark(ev)
			}
		}
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// flusher refreshes when something is dirty, at most once per Coalesce (the first change after
// a quiet spell goes out at once; the ones that follow within Coalesce go out together).
func (h *Hub) flusher(ctx context.Context) {
	var lastFlush time.Time
	// A full re-read now and then catches what the stream does not carry (a profile or
	// configuration change) and moves the time-dependent figures of quiet views.
	resync := time.NewTicker(resyncEvery)
	defer resync.Stop()
	// Pauses passing their reason's maximum change views without any event: look for them
	// often (in memory), and re-read those agents so the alert goes out within moments.
	overMax := time.NewTicker(overMaxEvery)
	defer overMax.Stop()
	lastOverMax := time.Now()
	// Campaign tiles' data that moves outside the change stream (desk conversions, leads left):
	// the campaign generation, read often.
	campPoll := time.NewTicker(campaignPollEvery)
	defer campPoll.Stop()
	campGen, _ := h.s.CampaignGeneration(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.wake:
		case <-resync.C:
			h.dmu.Lock()
			h.dirty.all = true
			h.dmu.Unlock()
		case now := <-overMax.C:
			ids := h.pausesOverMax(lastOverMax, now)
			lastOverMax = now
			if len(ids) == 0 {
				continue
			}
			h.dmu.Lock()
			if h.dirty.agents == nil {
				h.dirty.agents = map[string]time.Time{}
			}
			for _, id := range ids {
				if _, ok := h.dirty.agents[id]; !ok {
					h.dirty.agents[id] = now
				}
			}
			h.dmu.Unlock()
		case <-campPoll.C:
			g, err := h.s.CampaignGeneration(ctx)
			if err != nil || g == campGen {
				continue
			}
			campGen = g
			h.dmu.Lock()
			h.dirty.campaigns = true
			h.dmu.Unlock()
		}
		if wait := time.Until(lastFlush.Add(h.o.Coalesce)); wait > 0 && !sleepCtx(ctx, wait) {
			return
		}
		lastFlush = time.Now()
		d := h.takeDirty()
		if d.empty() {
			continue
		}
		if err := h.refresh(ctx, d); err != nil && ctx.Err() == nil {
			h.log.Warn("ws hub: refreshing live views", "err", err)
			h.markAll()
			sleepCtx(ctx, h.o.Coalesce)
		}
	}
}

// campaignPollEvery is how often the hub reads the campaign generation (CampaignGeneration).
const campaignPollEvery = 500 * time.Millisecond

// overMaxEvery is how often the hub looks for pauses passing their reason's maximum.
const overMaxEvery = 2 * time.Second

// pausesOverMax lists the agents whose pause passed its reason's maximum in (from, to].
func (h *Hub) pausesOverMax(from, to time.Time) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for id, a := range h.raw.agents {
		if at := h.k.pauseOverMax(a); !at.IsZero() && at.After(from) && !at.After(to) {
			out = append(out, id)
		}
	}
	return out
}

// ---- recomputing views ----

// changes is what one refresh changed, by item, with the earliest event time behind each.
type changes struct {
	queues    []string // sorted
	agents    []string
	teams     []string
	campaigns []string // ids
	campTeams []string // "team|id"
	floor     bool
	at        map[string]time.Time // "q:"/"a:"/"t:" + name, "f"
}

// refresh re-reads what d names (everything if the cache is cold), recomputes the views that
// depend on it and sends the changes to the subscribers.
func (h *Hub) refresh(ctx context.Context, d dirtySet) error {
	h.refreshMu.Lock()
	defer h.refreshMu.Unlock()
	now := time.Now()
	qs, as, err := h.k.config(ctx)
	if err != nil {
		return err
	}
	h.mu.Lock()
	full := d.all || !h.warm
	h.mu.Unlock()
	old := h.raw // only refresh writes it, and refreshMu is held
	if full || h.wc == nil {
		h.wc = newWindowCache()
	}
	h.wc.stale = d.minutes
	var fq []callfloor.Queue
	var fa []callfloor.Agent
	for n, q := range qs {
		if _, cached := old.queues[n]; full || !cached || hasKey(d.queues, n) {
			fq = append(fq, q)
		}
	}
	// The teams whose call counters to read again: those of the agents read again (a call's
	// events mark its agents, and its counters go to one of their teams), every team on a full
	// read. Guessed here from the configuration and the cache; teams only known once the agents
	// are read (no agent configuration, new agents) are read in a second, small round trip.
	ft := map[string]bool{}
	for id, a := range as {
		// An agent configured but not yet live in Redis is read again until it is.
		if ca, cached := old.agents[id]; full || !cached || !ca.known || hasKey(d.agents, id) {
			fa = append(fa, a)
			ft[a.Team] = true
			if m := metaOf(ca); m != nil {
				ft[m.Team] = true
			}
		}
	}
	delete(ft, "")
	fresh, err := h.k.fetchCached(ctx, h.wc, fq, fa, sortedKeys(ft), now)
	if err != nil {
		return err
	}

	// What to recompute: the fetched items, the teams and queues of fetched agents (before and
	// after, should their profile have changed), and the floor.
	at := map[string]time.Time{}
	affQ, affA, affT := map[string]bool{}, map[string]bool{}, map[string]bool{}
	var floorAt time.Time
	noteAt := func(key string, t time.Time) {
		if t.IsZero() {
			return
		}
		if o, ok := at[key]; !ok || t.Before(o) {
			at[key] = t
		}
		if floorAt.IsZero() || t.Before(floorAt) {
			floorAt = t
		}
	}
	for n := range fresh.queues {
		affQ[n] = true
		noteAt("q:"+n, d.queues[n])
	}
	for id, a := range fresh.agents {
		affA[id] = true
		t := d.agents[id]
		noteAt("a:"+id, t)
		for _, m := range []*callfloor.Agent{&a.meta, metaOf(old.agents[id])} {
			if m == nil {
				continue
			}
			if m.Team != "" {
				affT[m.Team] = true
				noteAt("t:"+m.Team, t)
			}
			for q := range m.Skills {
				affQ[q] = true
				noteAt("q:"+q, t)
			}
		}
	}

	nr := newRaw()
	for n, q := range old.queues {
		if _, ok := qs[n]; ok {
			nr.queues[n] = q
		}
	}
	for id, a := range old.agents {
		if _, ok := as[id]; ok {
			nr.agents[id] = a
		}
	}
	for t, c := range old.teams {
		nr.teams[t] = c
	}
	nr.merge(fresh)
	teams := map[string]bool{}
	for _, a := range nr.agents {
		if a.meta.Team != "" {
			teams[a.meta.Team] = true
		}
	}
	if full {
		for t := range teams {
			affT[t] = true
		}
	}
	var missing []string
	for t := range affT {
		if teams[t] && fresh.teams[t] == nil {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		more, err := h.k.fetchCached(ctx, h.wc, nil, nil, missing, now)
		if err != nil {
			return err
		}
		nr.merge(more)
	}
	for t := range nr.teams {
		if !teams[t] {
			delete(nr.teams, t)
		}
	}

	var camps []campaignRead
	if full || d.campaigns {
		if camps, err = h.readCampaigns(ctx, now); err != nil {
			return err
		}
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	h.raw = nr
	h.qNames = sortedKeys(nr.queues)
	h.aIDs = sortedKeys(nr.agents)
	h.tNames = sortedKeys(teams)
	for n := range h.qv {
		if nr.queues[n] == nil {
			delete(h.qv, n)
		}
	}
	for id := range h.av {
		if nr.agents[id] == nil {
			delete(h.av, id)
		}
	}
	for t := range h.tv {
		if !teams[t] {
			delete(h.tv, t)
		}
	}

	ch := &changes{at: at}
	for n := range affQ {
		q := nr.queues[n]
		if q == nil {
			continue
		}
		if setIfChanged(h.qv, n, mustJSON(h.k.queueView(q, nr.agents, now))) {
			ch.queues = append(ch.queues, n)
		}
	}
	for id := range affA {
		if setIfChanged(h.av, id, mustJSON(h.k.agentView(nr.agents[id], now))) {
			ch.agents = append(ch.agents, id)
		}
	}
	for t := range affT {
		if !teams[t] {
			continue
		}
		if setIfChanged(h.tv, t, mustJSON(h.k.teamView(t, nr.agents, nr.teams[t], now))) {
			ch.teams = append(ch.teams, t)
		}
	}
	if fv := mustJSON(h.k.floorView(nr.queues, nr.agents, now)); !bytes.Equal(fv, h.fv) {
		h.fv = fv
		ch.floor = true
		if !floorAt.IsZero() {
			at["f"] = floorAt
		}
	}
	if full || d.campaigns {
		h.setCampaigns(camps, ch)
	}
	sort.Strings(ch.queues)
	sort.Strings(ch.agents)
	sort.Strings(ch.teams)
	wasWarm := h.warm
	h.warm = true
	if wasWarm && (len(ch.queues) > 0 || len(ch.agents) > 0 || len(ch.teams) > 0 || ch.floor || len(ch.campaigns) > 0 || len(ch.campTeams) > 0) {
		h.sendDeltas(ch, now)
	}
	return nil
}

func hasKey(m map[string]time.Time, k string) bool { _, ok := m[k]; return ok }

func metaOf(a *rawAgent) *callfloor.Agent {
	if a == nil {
		return nil
	}
	return &a.meta
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func setIfChanged(m map[string][]byte, k string, b []byte) bool {
	if bytes.Equal(m[k], b) {
		return false
	}
	m[k] = b
	return true
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the views are plain data
	}
	return b
}

// ---- subscriptions and payloads ----

type subscription struct {
	id     string
	idJSON []byte
	view   View
	key    string          // the view, canonical: subscriptions with the same key share payloads
	queues map[string]bool // kind queues: the listed ones; nil = every queue
	// scope: a project manager's queues and teams (callfloor.Principal.Scoped): the queues and
	// floor views keep only those, and the floor summary is their projects' (nil: everything)
	scope *viewScope
}

// viewScope is the part of the floor a scoped principal sees.
type viewScope struct {
	queues, teams, projects map[string]bool
}

func scopeOf(p callfloor.Principal) *viewScope {
	if !p.Scoped() {
		return nil
	}
	sc := &viewScope{queues: map[string]bool{}, teams: map[string]bool{}, projects: map[string]bool{}}
	for _, pr := range p.Projects {
		sc.projects[pr] = true
	}
	for _, q := range p.ProjectQueues {
		sc.queues[q] = true
	}
	for _, t := range p.ProjectTeams {
		sc.teams[t] = true
	}
	return sc
}

// scopeKey names a principal's scope in a subscription's key ("" when not scoped).
func scopeKey(p callfloor.Principal) string {
	if !p.Scoped() {
		return ""
	}
	return "|scope:" + strings.Join(p.ProjectQueues, ",") + "|" + strings.Join(p.ProjectTeams, ",") + "|" + strings.Join(p.Projects, ",")
}

func viewKey(v View) string {
	qs := slices.Clone(v.Queues)
	sort.Strings(qs)
	return v.Kind + "|" + strings.Join(qs, ",") + "|" + v.Team + "|" + v.Agent
}

// payload builds a message's data for sub: every item of the view (ch == nil, a snapshot) or
// the changed ones. It returns nil when nothing of the view changed, and the earliest event
// time behind what it carries. Called with mu held.
func (h *Hub) payload(s *subscription, ch *changes) ([]byte, time.Time) {
	var at time.Time
	note := func(key string) {
		if ch == nil {
			return
		}
		if t, ok := ch.at[key]; ok && (at.IsZero() || t.Before(at)) {
			at = t
		}
	}
	var b bytes.Buffer
	b.WriteByte('{')
	n := 0
	list := func(name string, keys []string, cache map[string][]byte, prefix string, keep func(string) bool) {
		first := true
		for _, k := range keys {
			if !keep(k) || cache[k] == nil {
				continue
			}
			if first {
				if n > 0 {
					b.WriteByte(',')
				}
				b.WriteString(`"` + name + `":[`)
				first = false
				n++
			} else {
				b.WriteByte(',')
			}
			b.Write(cache[k])
			note(prefix + k)
		}
		if !first {
			b.WriteByte(']')
		}
	}
	one := func(name string, v []byte, key string) {
		if v == nil {
			return
		}
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + name + `":`)
		b.Write(v)
		note(key)
		n++
	}
	qNames, aIDs, teams, cIDs, ctKeys := h.qNames, h.aIDs, h.tNames, h.cIDs, h.ctKeys
	floor := true
	if ch != nil {
		qNames, aIDs, teams, floor, cIDs, ctKeys = ch.queues, ch.agents, ch.teams, ch.floor, ch.campaigns, ch.campTeams
	}
	all := func(string) bool { return true }
	inQ, inA, inT, inC := all, all, all, all
	if sc := s.scope; sc != nil {
		inC = func(id string) bool { return sc.projects[h.cLive[id].Project] }
		inQ = func(q string) bool { return sc.queues[q] }
		inT = func(t string) bool { return sc.teams[t] }
		inA = func(a string) bool {
			ra := h.raw.agents[a]
			return ra != nil && sc.teams[ra.meta.Team]
		}
	}
	switch s.view.Kind {
	case ViewQueues:
		list("queues", qNames, h.qv, "q:", func(q string) bool { return (s.queues == nil || s.queues[q]) && inQ(q) })
	case ViewAgent:
		list("agents", aIDs, h.av, "a:", func(a string) bool { return a == s.view.Agent })
	case ViewTeam:
		if ch == nil || slices.Contains(teams, s.view.Team) {
			one("team", h.tv[s.view.Team], "t:"+s.view.Team)
		}
		list("agents", aIDs, h.av, "a:", func(a string) bool {
			ra := h.raw.agents[a]
			return ra != nil && ra.meta.Team == s.view.Team
		})
		// the team's share of the campaigns it works
		list("campaigns", ctKeys, h.ctv, "ct:", func(k string) bool { return strings.HasPrefix(k, s.view.Team+"|") })
	case ViewFloor:
		if floor && s.scope == nil {
			one("floor", h.fv, "f")
		} else if floor {
			one("floor", h.scopedFloor(s.scope), "f")
		}
		list("queues", qNames, h.qv, "q:", inQ)
		list("agents", aIDs, h.av, "a:", inA)
		list("teams", teams, h.tv, "t:", inT) // for the wallboard's team filter
		list("campaigns", cIDs, h.cv, "c:", inC)
	}
	if n == 0 {
		return nil, at
	}
	b.WriteByte('}')
	return b.Bytes(), at
}

// scopedFloor is the floor summary of a scope's queues and agents (agents of its teams).
// Called with mu held.
func (h *Hub) scopedFloor(sc *viewScope) []byte {
	if h.raw == nil {
		return nil
	}
	qs := map[string]*rawQueue{}
	for n, q := range h.raw.queues {
		if sc.queues[n] {
			qs[n] = q
		}
	}
	as := map[string]*rawAgent{}
	for id, a := range h.raw.agents {
		if a != nil && sc.teams[a.meta.Team] {
			as[id] = a
		}
	}
	return mustJSON(h.k.floorView(qs, as, time.Now()))
}

// sendDeltas queues each subscription's changed part. Called with mu held.
func (h *Hub) sendDeltas(ch *changes, now time.Time) {
	type built struct {
		data []byte
		at   time.Time
	}
	cache := map[string]built{}
	for c := range h.conns {
		for _, s := range c.subs {
			p, ok := cache[s.key]
			if !ok {
				p.data, p.at = h.payload(s, ch)
				cache[s.key] = p
			}
			if p.data == nil {
				continue
			}
			c.queueSeq("delta", s, p.data, p.at, now)
		}
	}
}

// ---- connections ----

type outMsg struct {
	head, data []byte // the message is head + data + "}"
	evAt       time.Time
}

type wsConn struct {
	h    *Hub
	ws   *websocket.Conn
	p    callfloor.Principal
	cred Credential
	send chan outMsg
	done chan struct{}
	once sync.Once

	subs map[string]*subscription // under h.mu
	seq  int64                    // under h.mu
}

// ServeHTTP upgrades the request to the live-view WebSocket.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var cred Credential
	switch {
	case h.o.Credential != nil:
		var ok bool
		if cred, ok = h.o.Credential(r); !ok {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
	case h.o.Principal != nil:
		var ok bool
		if cred.Principal, ok = h.o.Principal(r); !ok {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
	}
	uid := cred.Principal.UserID
	refused := h.reserve(uid)
	ws, err := h.up.Upgrade(w, r, nil) // answers 403 itself for a foreign Origin
	if err != nil {
		if refused == "" {
			h.release(uid)
		}
		return
	}
	if refused != "" {
		// Refused after the upgrade, so that a browser can read why (a failed upgrade shows it
		// nothing): close at once with the limit named.
		h.closed.WithLabelValues(refused).Inc()
		h.log.Info("ws hub: connection refused", "user", cred.Principal.Username, "reason", refused)
		_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(CloseTooMany, h.limitText(refused)), time.Now().Add(time.Second))
		_ = ws.Close()
		return
	}
	c := &wsConn{h: h, ws: ws, p: cred.Principal, cred: cred, send: make(chan outMsg, h.o.SendQueue), done: make(chan struct{}), subs: map[string]*subscription{}}
	h.mu.Lock()
	h.conns[c] = struct{}{}
	var late *Revocation
	for i := range h.recent {
		if rv := &h.recent[i]; !cred.At.IsZero() && rv.matches(c) && rv.At.After(cred.At) {
			late = rv
		}
	}
	h.mu.Unlock()
	h.connections.Inc()
	if late != nil { // revoked between the credential's check and now
		c.revoke(late.Reason)
	}
	go c.writer()
	c.reader(r.Context())
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
	h.release(uid)
	h.connections.Dec()
	c.shut(websocket.CloseNormalClosure, "")
}

// reserve counts a socket of user uid against the limits; it returns "" or why it is refused
// ("user_limit", "node_limit"), in which case nothing was counted. User 0 (no Principal, tests)
// has no per-user limit.
func (h *Hub) reserve(uid int64) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.o.MaxPerNode > 0 && h.total >= h.o.MaxPerNode {
		return "node_limit"
	}
	if uid != 0 && h.o.MaxPerUser > 0 && h.perUser[uid] >= h.o.MaxPerUser {
		return "user_limit"
	}
	h.total++
	if uid != 0 {
		h.perUser[uid]++
	}
	return ""
}

func (h *Hub) release(uid int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.total--
	if uid != 0 {
		if h.perUser[uid]--; h.perUser[uid] <= 0 {
			delete(h.perUser, uid)
		}
	}
}

func (h *Hub) limitText(refused string) string {
	if refused == "user_limit" {
		return fmt.Sprintf("user_limit: at most %d live connections per user (live.max_sockets_per_user); close other tabs", h.o.MaxPerUser)
	}
	return fmt.Sprintf("node_limit: this server holds its maximum of %d live connections (live.max_sockets_per_node); try again later", h.o.MaxPerNode)
}

// shut closes the connection once: the writer stops, a close frame is attempted and the
// socket closed, off the caller's goroutine (a client that reads nothing must not hold us).
func (c *wsConn) shut(code int, reason string) {
	c.once.Do(func() {
		close(c.done)
		go func() {
			_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
			_ = c.ws.Close()
		}()
	})
}

// queue hands m to the writer without ever blocking; a full queue drops the connection.
func (c *wsConn) queue(m outMsg) bool {
	select {
	case <-c.done:
		return false
	default:
	}
	select {
	case c.send <- m:
		return true
	default:
		c.h.droppedSlow.Inc()
		c.h.log.Info("ws hub: dropping a slow client", "user", c.p.Username, "queued", cap(c.send))
		c.shut(websocket.CloseTryAgainLater, "slow consumer: send queue full")
		return false
	}
}

// queueSeq queues a snapshot or delta with the connection's next sequence number. Called with
// h.mu held, which orders every subscription's snapshot before its deltas.
func (c *wsConn) queueSeq(typ string, s *subscription, data []byte, evAt, now time.Time) {
	at := now
	if !evAt.IsZero() {
		at = evAt
	}
	head := make([]byte, 0, 96+len(s.idJSON))
	head = append(head, `{"type":"`...)
	head = append(head, typ...)
	head = append(head, `","sub":`...)
	head = append(head, s.idJSON...)
	head = fmt.Appendf(head, `,"seq":%d,"at":"`, c.seq+1)
	head = at.UTC().AppendFormat(head, time.RFC3339Nano)
	head = append(head, `","data":`...)
	if c.queue(outMsg{head: head, data: data, evAt: evAt}) {
		c.seq++
	}
}

func (c *wsConn) writer() {
	ping := time.NewTicker(c.h.o.Ping)
	defer ping.Stop()
	for {
		select {
		case <-c.done:
			return
		case m := <-c.send:
			_ = c.ws.SetWriteDeadline(time.Now().Add(writeWait))
			w, err := c.ws.NextWriter(websocket.TextMessage)
			if err == nil {
				_, _ = w.Write(m.head)
				if m.data != nil {
					_, _ = w.Write(m.data)
					_, _ = w.Write([]byte{'}'})
				}
				err = w.Close()
			}
			if err != nil {
				c.shut(websocket.CloseGoingAway, "")
				return
			}
			c.h.sent.Inc()
			if !m.evAt.IsZero() {
				c.h.latency.Observe(time.Since(m.evAt).Seconds())
			}
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				c.shut(websocket.CloseGoingAway, "")
				return
			}
		}
	}
}

type clientMsg struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	View *View  `json:"view"`
}

func (c *wsConn) reader(ctx context.Context) {
	ws := c.ws
	ws.SetReadLimit(maxClientMessage)
	deadline := func() { _ = ws.SetReadDeadline(time.Now().Add(3 * c.h.o.Ping)) }
	deadline()
	ws.SetPongHandler(func(string) error { deadline(); return nil })
	for {
		typ, b, err := ws.ReadMessage()
		if err != nil {
			return
		}
		deadline()
		if typ != websocket.TextMessage {
			c.sendError(callfloor.EINVALID, "messages are JSON text frames", "")
			continue
		}
		var m clientMsg
		if err := json.Unmarshal(b, &m); err != nil {
			c.sendError(callfloor.EINVALID, "not a JSON message: "+err.Error(), "")
			continue
		}
		switch m.Type {
		case "ping":
			c.queue(outMsg{head: []byte(`{"type":"pong"}`)})
		case "subscribe":
			if err := c.subscribe(ctx, m); err != nil {
				c.sendError(callfloor.ErrorCode(err), callfloor.ErrorMessage(err), m.ID)
			}
		case "unsubscribe":
			c.h.mu.Lock()
			_, ok := c.subs[m.ID]
			delete(c.subs, m.ID)
			c.h.mu.Unlock()
			if !ok {
				c.sendError(callfloor.ENOTFOUND, fmt.Sprintf("no subscription %q", m.ID), m.ID)
			}
		default:
			c.sendError(callfloor.EINVALID, fmt.Sprintf("unknown message type %q", m.Type), m.ID)
		}
	}
}

func (c *wsConn) sendError(code, msg, id string) {
	switch code {
	case callfloor.EINVALID, callfloor.EFORBID, callfloor.ENOTFOUND:
	default:
		code, msg = callfloor.EINTERNAL, "internal error"
	}
	m := map[string]string{"type": "error", "code": code, "message": msg}
	if id != "" {
		m["id"] = id
	}
	c.queue(outMsg{head: mustJSON(m)})
}

func invalid(format string, args ...any) error {
	return &callfloor.Error{Code: callfloor.EINVALID, Message: fmt.Sprintf(format, args...)}
}

// subscribe checks the view, registers it and queues its snapshot.
func (c *wsConn) subscribe(ctx context.Context, m clientMsg) error {
	h := c.h
	if m.ID == "" || len(m.ID) > 64 {
		return invalid("subscribe: id must be 1 to 64 characters")
	}
	if m.View == nil {
		return invalid("subscribe: view missing")
	}
	v := *m.View
	switch v.Kind {
	case ViewQueues, ViewFloor:
	case ViewTeam:
		if v.Team == "" {
			return invalid("subscribe: view of kind team needs a team")
		}
	case ViewAgent:
		if v.Agent == "" {
			return invalid("subscribe: view of kind agent needs an agent")
		}
	default:
		return invalid("subscribe: unknown view kind %q (queues, team, agent, floor)", v.Kind)
	}
	if h.o.Allowed != nil {
		if err := h.o.Allowed(c.p, v); err != nil {
			if callfloor.ErrorCode(err) == callfloor.ENOTFOUND {
				return err
			}
			msg := callfloor.ErrorMessage(err)
			if msg == "internal error" {
				msg = "forbidden: " + err.Error()
			}
			return &callfloor.Error{Code: callfloor.EFORBID, Message: msg}
		}
	}
	// Read what the stream cannot announce: queues and agents configured since the last read
	// (everything, before the hub's first read). Others' views change only if these did.
	if err := h.refresh(ctx, newDirty()); err != nil {
		return err
	}
	s := &subscription{id: m.ID, idJSON: mustJSON(m.ID), view: v, key: viewKey(v) + scopeKey(c.p), scope: scopeOf(c.p)}
	if v.Kind == ViewQueues && len(v.Queues) > 0 {
		s.queues = map[string]bool{}
		for _, q := range v.Queues {
			s.queues[q] = true
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch v.Kind {
	case ViewQueues:
		for _, q := range v.Queues {
			if h.raw.queues[q] == nil {
				return notFound("queue %q not found", q)
			}
		}
	case ViewTeam:
		if h.tv[v.Team] == nil {
			return notFound("team %q not found", v.Team)
		}
	case ViewAgent:
		if h.av[v.Agent] == nil {
			return notFound("agent %q not found", v.Agent)
		}
	}
	if _, replace := c.subs[m.ID]; !replace && len(c.subs) >= maxSubsPerConn {
		return invalid("subscribe: at most %d subscriptions per connection", maxSubsPerConn)
	}
	c.subs[m.ID] = s
	data, _ := h.payload(s, nil)
	if data == nil {
		data = []byte("{}")
	}
	c.queueSeq("snapshot", s, data, time.Time{}, time.Now())
	return nil
}

// ---- credentials, revocation and limits ----

// Default limits of live connections (HubOptions.MaxPerUser, MaxPerNode).
const (
	DefaultMaxSocketsPerUser = 20
	DefaultMaxSocketsPerNode = 5000
)

// Close codes the server ends a live connection with (the private range 4000-4999).
const (
	// CloseRevoked: the credential is no longer valid (logged out, session revoked or expired,
	// user disabled or deleted, API token revoked). Log in again; reconnecting will not help.
	CloseRevoked = 4401
	// CloseRescoped: the user's role, team or agent changed. Reconnect: the new connection is
	// authenticated again and scoped by the new role.
	CloseRescoped = 4409
	// CloseTooMany: past the per-user or per-node limit of live connections (the reason names it).
	CloseTooMany = 4429
)

// Revocation reasons.
const (
	RevokeLogout         = "logout"
	RevokeSession        = "session_revoked"
	RevokeSessionExpired = "session_expired"
	RevokeUserDisabled   = "user_disabled"
	RevokeUserDeleted    = "user_deleted"
	RevokeToken          = "token_revoked"
	RevokeRoleChanged    = "role_changed"
	RevokeScopeChanged   = "scope_changed" // a subscribed view is no longer allowed (an agent moved team)
)

// revokeMemory is how long a revocation is remembered for connections still upgrading.
const revokeMemory = 30 * time.Second

// Credential is who holds a live connection and how to check that they still may.
type Credential struct {
	Principal callfloor.Principal
	// ID names the credential without revealing it (a session's or token's hash): revocations
	// of one session name it.
	ID string
	// Token: an API token (a revocation may name every token socket of a user).
	Token bool
	// At is when the credential was last checked; a revocation after it closes the connection
	// even if the connection registers later.
	At time.Time
	// Check authenticates the credential again and says who it is now; an error coded
	// callfloor.EUNAUTH means it is no longer valid (others — a database away — keep the
	// connection). nil: never re-checked.
	Check func(ctx context.Context) (callfloor.Principal, error)
}

// Revocation closes the live connections of a user: every one, those of one credential
// (Session), or those opened with an API token (Tokens).
type Revocation struct {
	UserID  int64     `json:"user_id"`
	Session string    `json:"session,omitempty"` // a Credential.ID; "" and !Tokens: every socket of the user
	Tokens  bool      `json:"tokens,omitempty"`
	Reason  string    `json:"reason"` // Revoke*
	At      time.Time `json:"at"`     // when the change was made (set by Revoke)
}

func (rv *Revocation) matches(c *wsConn) bool {
	if rv.UserID == 0 || c.cred.Principal.UserID != rv.UserID {
		return false
	}
	switch {
	case rv.Session != "":
		return c.cred.ID == rv.Session
	case rv.Tokens:
		return c.cred.Token
	}
	return true
}

// CloseFor returns the close code and reason text a connection revoked for reason gets.
func CloseFor(reason string) (int, string) {
	switch reason {
	case RevokeRoleChanged:
		return CloseRescoped, "role_changed: your role or team changed; reconnect"
	case RevokeScopeChanged:
		return CloseRescoped, "scope_changed: a view you follow is no longer yours to see; reconnect"
	case RevokeLogout:
		return CloseRevoked, "logout: this session was logged out; log in again"
	case RevokeSession:
		return CloseRevoked, "session_revoked: this session was revoked; log in again"
	case RevokeSessionExpired:
		return CloseRevoked, "session_expired: this session is no longer valid; log in again"
	case RevokeUserDisabled:
		return CloseRevoked, "user_disabled: this user was disabled"
	case RevokeUserDeleted:
		return CloseRevoked, "user_deleted: this user was deleted"
	case RevokeToken:
		return CloseRevoked, "token_revoked: the API token was revoked"
	}
	return CloseRevoked, reason + ": log in again"
}

// RevokeChannel is the Redis pub/sub channel revocations travel on.
func (h *Hub) RevokeChannel() string { return RevokeChannel(h.s.p) }

// RevokeChannel is the pub/sub channel of revocations under a key prefix (for publishers
// without a hub, such as the command line).
func RevokeChannel(prefix string) string { return prefix + "ws:revoke" }

// PublishRevocation announces rv to every hub sharing the Redis and prefix.
func PublishRevocation(ctx context.Context, rdb redis.UniversalClient, prefix string, rv Revocation) error {
	if rv.At.IsZero() {
		rv.At = time.Now()
	}
	return rdb.Publish(ctx, RevokeChannel(prefix), mustJSON(rv)).Err()
}

// Revoke closes the matching connections of this node at once and announces the revocation to
// every node through Redis. A failure to publish is logged: the other nodes' periodic re-check
// catches what the announcement missed.
func (h *Hub) Revoke(ctx context.Context, rv Revocation) {
	if rv.At.IsZero() {
		rv.At = time.Now()
	}
	h.applyRevocation(rv)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := PublishRevocation(ctx, h.s.rdb, h.s.p, rv); err != nil {
		h.log.Warn("ws hub: publishing a revocation: other nodes re-check within their interval", "user", rv.UserID, "reason", rv.Reason, "err", err)
	}
}

// applyRevocation closes this node's connections rv matches and remembers rv a while.
func (h *Hub) applyRevocation(rv Revocation) {
	var hit []*wsConn
	now := time.Now()
	h.mu.Lock()
	keep := h.recent[:0]
	for _, r := range h.recent {
		if now.Sub(r.At) < revokeMemory {
			keep = append(keep, r)
		}
	}
	h.recent = append(keep, rv)
	for c := range h.conns {
		// a connection whose credential was checked after the revocation is already past it: the
		// revocation's echo from Redis (or another node's) came after the user had reconnected
		// and closed the new connection too (TestHubRevokeRoleChangedAsksToReconnect at load)
		if rv.matches(c) && (c.cred.At.IsZero() || !c.cred.At.After(rv.At)) {
			hit = append(hit, c)
		}
	}
	h.mu.Unlock()
	for _, c := range hit {
		c.revoke(rv.Reason)
	}
	if len(hit) > 0 {
		h.log.Info("ws hub: live connections revoked", "user", rv.UserID, "reason", rv.Reason, "connections", len(hit))
	}
}

// revoke closes the connection with the code and reason the UI acts on.
func (c *wsConn) revoke(reason string) {
	select {
	case <-c.done:
		return
	default:
	}
	c.h.closed.WithLabelValues(reason).Inc()
	code, text := CloseFor(reason)
	c.shut(code, text)
}

// followRevocations applies every revocation published on the channel until ctx ends. The
// client re-subscribes by itself after a dropped connection.
func (h *Hub) followRevocations(ctx context.Context) {
	ps := h.s.rdb.Subscribe(ctx, h.RevokeChannel())
	stop := context.AfterFunc(ctx, func() { _ = ps.Close() }) // a blocked receive does not watch ctx
	defer stop()
	defer ps.Close()
	for {
		msg, err := ps.ReceiveMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			h.log.Warn("ws hub: following revocations", "err", err)
			if !sleepCtx(ctx, time.Second) {
				return
			}
			continue
		}
		var rv Revocation
		if err := json.Unmarshal([]byte(msg.Payload), &rv); err != nil {
			h.log.Warn("ws hub: undecodable revocation", "err", err)
			continue
		}
		h.applyRevocation(rv)
	}
}

// rechecker checks every credential held again each Recheck.
func (h *Hub) rechecker(ctx context.Context) {
	t := time.NewTicker(h.o.Recheck)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		h.recheck(ctx)
	}
}

// recheck authenticates each distinct credential of the open connections once: no longer valid
// closes its connections (CloseRevoked), another role, team or agent closes them
// (CloseRescoped), an error that is not an authentication failure keeps them. Then every
// subscription is checked against Allowed again.
func (h *Hub) recheck(ctx context.Context) {
	type group struct {
		check func(context.Context) (callfloor.Principal, error)
		p     callfloor.Principal
		conns []*wsConn
	}
	groups := map[string]*group{}
	h.mu.Lock()
	for c := range h.conns {
		if c.cred.Check == nil {
			continue
		}
		key := c.cred.ID
		if key == "" {
			key = fmt.Sprintf("%p", c)
		}
		g := groups[key]
		if g == nil {
			g = &group{check: c.cred.Check, p: c.cred.Principal}
			groups[key] = g
		}
		g.conns = append(g.conns, c)
	}
	h.mu.Unlock()
	for _, g := range groups {
		if ctx.Err() != nil {
			return
		}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		p, err := g.check(cctx)
		cancel()
		reason := ""
		switch {
		case err != nil && callfloor.ErrorCode(err) == callfloor.EUNAUTH:
			reason = RevokeSessionExpired
		case err != nil:
			h.log.Warn("ws hub: re-checking a live connection's credential (kept open)", "user", g.p.Username, "err", err)
		case !p.Same(g.p): // another role, team, agent link or projects (a project manager's queues and teams)
			reason = RevokeRoleChanged
		}
		if reason == "" {
			continue
		}
		h.log.Info("ws hub: live connections closed on re-check", "user", g.p.Username, "reason", reason, "connections", len(g.conns))
		for _, c := range g.conns {
			c.revoke(reason)
		}
	}
	h.recheckScopes()
}

// recheckScopes closes the connections following a view their user may no longer see (the
// scope changed under them: an agent moved to another team).
func (h *Hub) recheckScopes() {
	if h.o.Allowed == nil {
		return
	}
	type held struct {
		c     *wsConn
		views []View
	}
	var all []held
	h.mu.Lock()
	for c := range h.conns {
		x := held{c: c}
		for _, s := range c.subs {
			x.views = append(x.views, s.view)
		}
		all = append(all, x)
	}
	h.mu.Unlock()
	for _, x := range all {
		for _, v := range x.views {
			if err := h.o.Allowed(x.c.p, v); err != nil && callfloor.ErrorCode(err) != callfloor.ENOTFOUND {
				h.log.Info("ws hub: live connection closed: view no longer allowed", "user", x.c.p.Username, "view", viewKey(v), "err", err)
				x.c.revoke(RevokeScopeChanged)
				break
			}
		}
	}
}

// ---- campaign tiles ----

// campaignRead is a running campaign's live info and day counters as read from Redis.
type campaignRead struct {
	live CampaignLive
	figs CampaignFigures
}

// readCampaigns reads the running campaigns (CampaignsLive) and their counters of now's day.
func (h *Hub) readCampaigns(ctx context.Context, now time.Time) ([]campaignRead, error) {
	lives, err := h.s.CampaignsLive(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]campaignRead, 0, len(lives))
	for _, l := range lives {
		f, err := h.s.CampaignCounters(ctx, l.ID, now)
		if err != nil {
			return nil, err
		}
		out = append(out, campaignRead{l, f})
	}
	return out, nil
}

// setCampaigns replaces the campaign tiles with camps and notes the changed ones in ch. Called
// with mu held.
func (h *Hub) setCampaigns(camps []campaignRead, ch *changes) {
	if h.cv == nil {
		h.cv, h.ctv, h.cLive = map[string][]byte{}, map[string][]byte{}, map[string]CampaignLive{}
	}
	ids, tkeys := map[string]bool{}, map[string]bool{}
	for _, c := range camps {
		ids[c.live.ID] = true
		h.cLive[c.live.ID] = c.live
		whole := campaignView(c.live, c.figs, "")
		if setIfChanged(h.cv, c.live.ID, mustJSON(whole)) {
			ch.campaigns = append(ch.campaigns, c.live.ID)
		}
		for _, t := range whole.ByTeam {
			k := t.Team + "|" + c.live.ID
			tkeys[k] = true
			if setIfChanged(h.ctv, k, mustJSON(campaignView(c.live, c.figs, t.Team))) {
				ch.campTeams = append(ch.campTeams, k)
			}
		}
	}
	for id := range h.cv {
		if !ids[id] {
			delete(h.cv, id)
			delete(h.cLive, id)
		}
	}
	for k := range h.ctv {
		if !tkeys[k] {
			delete(h.ctv, k)
		}
	}
	h.cIDs, h.ctKeys = sortedKeys(ids), sortedKeys(tkeys)
	sort.Strings(ch.campaigns)
	sort.Strings(ch.campTeams)
}
