package realtime

// The KPI engine: the live views of views.go, computed from the live state with the domain's
// formulas (kpi.go at the root; definitions in shared/design/metrics.md).
//
// It owns no state of its own: every call reads Redis afresh, in as few round trips as the data
// allows (one pipeline for counters, waiting lists and agent hashes, one MGET for the agents'
// current calls), and derives the views in memory. The WebSocket hub reuses the same two halves
// (fetch → compute) so that it can keep the raw data of the whole floor and re-read only what an
// event touched. A KPI is safe for concurrent use; the configuration functions it is given must
// be too.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/redis/go-redis/v9"
)

// CntLost counts a queue's calls cut off by an Asterisk crash or restart (outcome "lost", a
// system fault): QueueCounters.Lost, kept out of the abandon rate.
const CntLost = "lost"

// DefaultWindow is the sliding window of the live views.
const DefaultWindow = 30 * time.Minute

// KPIOptions configure the KPI engine.
type KPIOptions struct {
	Window time.Duration            // sliding window, default 30m
	Queues func() []callfloor.Queue // the running configuration (changes at run time)
	Agents func() []callfloor.Agent // nil: the agents known to Redis, with the profile stored there
	// PauseReasons: the reasons in force (their maximum durations); nil: none has a maximum.
	PauseReasons func() []callfloor.PauseReason
	// Targets: each queue's targets in force (its own, else its project's); nil: none.
	Targets func() map[string]QueueTargets
	// Attendance: today's attendance of the rostered agents by agent id (their shift running now,
	// else today's); nil: no attendance alerts.
	Attendance func() map[string]LiveAttendance
}

// LiveAttendance is an agent's attendance for the wallboard (read from the records now and
// then: dashboards.LiveAttendance).
type LiveAttendance struct {
	Shift     string    // the rostered shift's code
	NotYetIn  bool      // the shift began more than the grace ago and work has not started
	LateMin   int       // work started this late after the shift's start (0: on time)
	FirstWork time.Time // when work started (zero: not yet)
}

// KPI computes the live views.
type KPI struct {
	s *Store
	o KPIOptions
}

// NewKPI returns the engine reading s.
func NewKPI(s *Store, o KPIOptions) *KPI {
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	if o.Queues == nil {
		o.Queues = func() []callfloor.Queue { return nil }
	}
	return &KPI{s: s, o: o}
}

// Window is the sliding window of the views.
func (k *KPI) Window() time.Duration { return k.o.Window }

// ---- raw data ----

// rawQueue is what Redis holds about one queue, enough to compute its view.
type rawQueue struct {
	cfg     callfloor.Queue
	waiting int
	oldest  *time.Time
	cbWait  int // call-backs among the waiting (callbacks.go)
	today   callfloor.QueueCounters
	window  callfloor.QueueCounters
}

// rawAgent is what Redis holds about one agent. meta is the configured profile (or, for an
// agent the configuration does not list, the one stored with its live state).
type rawAgent struct {
	meta     callfloor.Agent
	known    bool // has a live state in Redis
	st       callfloor.AgentStatus
	counters map[string]int64 // today's agent counters
	call     *callfloor.Call  // the current call, when the agent has one and its record exists
}

// rawTeam is a team's call counters (tc/tm keys): the calls attributed to it (TeamView).
type rawTeam struct {
	today, window callfloor.QueueCounters
}

// raw is a set of fetched queues, agents and teams' counters.
type raw struct {
	queues map[string]*rawQueue
	agents map[string]*rawAgent
	teams  map[string]*rawTeam
}

func newRaw() *raw {
	return &raw{queues: map[string]*rawQueue{}, agents: map[string]*rawAgent{}, teams: map[string]*rawTeam{}}
}

// merge copies o's entries over r's.
func (r *raw) merge(o *raw) {
	for n, q := range o.queues {
		r.queues[n] = q
	}
	for id, a := range o.agents {
		r.agents[id] = a
	}
	for t, c := range o.teams {
		r.teams[t] = c
	}
}

// config returns the configured queues and agents by name/id. When no agent configuration is
// given, the agent ids come from Redis (one round trip) and metas are filled at fetch time.
func (k *KPI) config(ctx context.Context) (map[string]callfloor.Queue, map[string]callfloor.Agent, error) {
	qs := map[string]callfloor.Queue{}
	for _, q := range k.o.Queues() {
		qs[q.Name] = q
	}
	as := map[string]callfloor.Agent{}
	if k.o.Agents != nil {
		for _, a := range k.o.Agents() {
			as[a.ID] = a
		}
		return qs, as, nil
	}
	ids, err := k.s.rdb.SMembers(ctx, k.s.k("agents")).Result()
	if err != nil {
		return nil, nil, err
	}
	for _, id := range ids {
		as[id] = callfloor.Agent{ID: id}
	}
	return qs, as, nil
}

// fetch reads the given queues, agents and teams' counters from Redis: one pipeline, then one
// MGET for the current calls of the agents that have one.
func (k *KPI) fetch(ctx context.Context, queues []callfloor.Queue, agents []callfloor.Agent, teams []string, now time.Time) (*raw, error) {
	return k.fetchCached(ctx, nil, queues, agents, teams, now)
}

// windowCache keeps the per-minute counter hashes of the queues' and teams' sliding windows
// (issue 11, cost per call): a warm hub re-reads only the current minute and the minutes its
// events touched (a call's counters go to the minute it entered, see SaveCall) instead of the
// whole window (30 hashes per queue and per team) at every refresh. Every change of a minute's
// counters comes with a change-stream event carrying the call (SaveCall writes both in one
// transaction), so the minutes of the events marked since the last refresh are all that may
// have changed; a full refresh (cold, a gap in the stream, the periodic resync) drops the cache.
type windowCache struct {
	q, t  map[string]map[int64]map[string]string // queue / team → minute → counters
	stale map[int64]bool                         // minutes to read again in this refresh
}

func newWindowCache() *windowCache {
	return &windowCache{q: map[string]map[int64]map[string]string{}, t: map[string]map[int64]map[string]string{}}
}

// window returns the cached minutes of one queue or team (created), dropping those out of the
// window.
func (wc *windowCache) window(m map[string]map[int64]map[string]string, name string, start int64) map[int64]map[string]string {
	w := m[name]
	if w == nil {
		w = map[int64]map[string]string{}
		m[name] = w
	}
	for min := range w {
		if min <= start {
			delete(w, min)
		}
	}
	return w
}

// fetchCached is fetch, reading the window's minutes through wc when it is not nil.
func (k *KPI) fetchCached(ctx context.Context, wc *windowCache, queues []callfloor.Queue, agents []callfloor.Agent, teams []string, now time.Time) (*raw, error) {
	out := newRaw()
	if len(queues) == 0 && len(agents) == 0 && len(teams) == 0 {
		return out, nil
	}
	s := k.s
	day := s.Day(now)
	end := now.Unix() / 60
	start := now.Add(-k.o.Window).Unix() / 60
	type qcmds struct {
		today   *redis.MapStringStringCmd
		waiting *redis.ZSliceCmd
		window  []windowRead
		cbWait  *redis.IntCmd
	}
	type acmds struct {
		hash, counters *redis.MapStringStringCmd
	}
	type tcmds struct {
		today  *redis.MapStringStringCmd
		window []windowRead
	}
	pipe := s.rdb.Pipeline()
	// readWindow reads the minutes (start, end] of one queue's or team's window: from the cache
	// when it has them (not the current minute, not a stale one), from Redis otherwise.
	readWindow := func(cache map[string]map[int64]map[string]string, kind, name string) []windowRead {
		var cached map[int64]map[string]string
		if wc != nil {
			cached = wc.window(cache, name, start)
		}
		rs := make([]windowRead, 0, end-start)
		for m := start + 1; m <= end; m++ {
			if h, ok := cached[m]; ok && m != end && !wc.stale[m] {
				rs = append(rs, windowRead{minute: m, val: h})
				continue
			}
			rs = append(rs, windowRead{minute: m, cmd: pipe.HGetAll(ctx, s.k(kind, name, strconv.FormatInt(m, 10))), into: cached})
		}
		return rs
	}
	qc := make([]qcmds, len(queues))
	for i, q := range queues {
		qc[i].today = pipe.HGetAll(ctx, s.k("qc", q.Name, day))
		qc[i].waiting = pipe.ZRangeWithScores(ctx, s.k("waiting", q.Name), 0, -1)
		qc[i].cbWait = pipe.ZCard(ctx, s.k("cbwaiting", q.Name))
		qc[i].window = readWindow(wcQueues(wc), "qm", q.Name)
	}
	tc := make([]tcmds, len(teams))
	for i, t := range teams {
		tc[i].today = pipe.HGetAll(ctx, s.k("tc", t, day))
		tc[i].window = readWindow(wcTeams(wc), "tm", t)
	}
	ac := make([]acmds, len(agents))
	for i, a := range agents {
		ac[i].hash = pipe.HGetAll(ctx, s.k("agent", a.ID))
		ac[i].counters = pipe.HGetAll(ctx, s.k("ac", a.ID, day))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("live views: %w", err)
	}
	for i, t := range teams {
		out.teams[t] = &rawTeam{today: queueCounters(intsOf(tc[i].today.Val())), window: sumWindow(tc[i].window)}
	}
	for i, q := range queues {
		rq := &rawQueue{cfg: q, today: queueCounters(intsOf(qc[i].today.Val())), window: sumWindow(qc[i].window)}
		zs := qc[i].waiting.Val()
		rq.waiting = len(zs)
		rq.cbWait = int(qc[i].cbWait.Val())
		for _, z := range zs {
			t := time.UnixMilli(enteredFromWaitScore(z.Score)).UTC()
			if rq.oldest == nil || t.Before(*rq.oldest) {
				rq.oldest = &t
			}
		}
		out.queues[q.Name] = rq
	}
	var callIDs []string
	var callOwners []*rawAgent
	for i, a := range agents {
		m := ac[i].hash.Val()
		ra := &rawAgent{meta: a, counters: intsOf(ac[i].counters.Val())}
		if len(m) > 0 {
			ra.known = true
			ra.st = s.statusFromHash(a.ID, m)
			if ra.meta.Name == "" && ra.meta.Team == "" && ra.meta.Skills == nil {
				ra.meta = agentFromHash(a.ID, m)
			}
			if ra.st.Call != "" && (ra.st.State == callfloor.AgentRinging || ra.st.State == callfloor.AgentOnCall) {
				callIDs = append(callIDs, s.k("call", ra.st.Call))
				callOwners = append(callOwners, ra)
			}
		} else {
			ra.st = callfloor.AgentStatus{Agent: a.ID, State: callfloor.AgentLoggedOut}
		}
		out.agents[a.ID] = ra
	}
	if len(callIDs) > 0 {
		vals, err := s.rdb.MGet(ctx, callIDs...).Result()
		if err != nil {
			return nil, fmt.Errorf("live views: current calls: %w", err)
		}
		for i, v := range vals {
			str, ok := v.(string)
			if !ok {
				continue
			}
			var c callfloor.Call
			if json.Unmarshal([]byte(str), &c) == nil {
				callOwners[i].call = &c
			}
		}
	}
	return out, nil
}

func wcQueues(wc *windowCache) map[string]map[int64]map[string]string {
	if wc == nil {
		return nil
	}
	return wc.q
}

func wcTeams(wc *windowCache) map[string]map[int64]map[string]string {
	if wc == nil {
		return nil
	}
	return wc.t
}

// windowRead is one minute of a window: read from Redis (cmd, then kept in into when not nil)
// or taken from the cache (val).
type windowRead struct {
	minute int64
	cmd    *redis.MapStringStringCmd
	into   map[int64]map[string]string
	val    map[string]string
}

// sumWindow adds up per-minute counter hashes (and caches the ones read).
func sumWindow(rs []windowRead) callfloor.QueueCounters {
	win := map[string]int64{}
	for _, r := range rs {
		h := r.val
		if r.cmd != nil {
			h = r.cmd.Val()
			if r.into != nil {
				r.into[r.minute] = h
			}
		}
		for f, v := range h {
			n, _ := strconv.ParseInt(v, 10, 64)
			win[f] += n
		}
	}
	return queueCounters(win)
}

// enteredFromWaitScore undoes waitScore (store.go): score = entered ms − priority × 1e13, and
// entered ms < 1e13 until the year 2286, so the entry time is the score modulo 1e13.
func enteredFromWaitScore(score float64) int64 {
	m := math.Mod(score, 1e13)
	if m < 0 {
		m += 1e13
	}
	return int64(math.Round(m))
}

// agentFromHash is the profile UpsertAgent stored beside the live state.
func agentFromHash(id string, m map[string]string) callfloor.Agent {
	a := callfloor.Agent{ID: id, Name: m["name"], Endpoint: m["endpoint"], Team: m["team"], Skills: map[string]int{}}
	for _, part := range strings.Split(m["q"], ",") {
		q, lvl, ok := strings.Cut(part, "=")
		if !ok || q == "" {
			continue
		}
		a.Skills[q], _ = strconv.Atoi(lvl)
	}
	return a
}

func intsOf(m map[string]string) map[string]int64 {
	out := make(map[string]int64, len(m))
	for f, v := range m {
		out[f], _ = strconv.ParseInt(v, 10, 64)
	}
	return out
}

// queueCounters maps a counter hash onto the domain's counters.
func queueCounters(m map[string]int64) callfloor.QueueCounters {
	return callfloor.QueueCounters{
		Offered:            m[CntOffered],
		Answered:           m[CntAnswered],
		Abandoned:          m[CntAbandoned],
		ShortAbandoned:     m[CntShortAbandoned],
		AnsweredWithinT:    m[CntAnsweredWithinT],
		AbandonedWithinT:   m[CntAbandonedWithinT],
		FlowedOut:          m[CntFlowedOut],
		Lost:               m[CntLost],
		SumWaitAnsweredMs:  m[CntSumWaitAnswered],
		SumWaitAbandonedMs: m[CntSumWaitAbandoned],
		SumTalkMs:          m[CntSumTalk],
		SumHoldMs:          m[CntSumHold],
		SumWrapMs:          m[CntSumWrap],
		Handled:            m[CntHandled],
	}
}

// ---- computing the views ----

func opt(v float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	return &v
}

func figures(c callfloor.QueueCounters) Figures {
	return Figures{
		Offered: c.Offered, Answered: c.Answered, Abandoned: c.Abandoned, ShortAbandoned: c.ShortAbandoned,
		AnsweredWithinT: c.AnsweredWithinT, FlowedOut: c.FlowedOut, Lost: c.Lost, Handled: c.Handled,
		ServiceLevel:     opt(c.ServiceLevel()),
		AbandonRate:      opt(c.AbandonRate()),
		GrossAbandonRate: opt(c.GrossAbandonRate()),
		ASA:              opt(c.ASA()),
		AHT:              opt(c.AHT()),
	}
}

func newCounts() AgentCounts { return AgentCounts{ByReason: map[string]int{}} }

func (c *AgentCounts) add(a *rawAgent) {
	switch a.st.State {
	case callfloor.AgentAvailable:
		c.Available++
	case callfloor.AgentRinging:
		c.Ringing++
	case callfloor.AgentOnCall:
		c.OnCall++
	case callfloor.AgentWrapUp:
		c.WrapUp++
	case callfloor.AgentPaused:
		c.Paused++
		c.ByReason[a.st.Reason]++
	default:
		c.LoggedOut++
	}
}

// occ accumulates occupancy's two sides over agents: handling = on call + wrap-up, available =
// available + ringing (an agent whose phone rings could have been given another call), each
// from today's counters plus the time spent so far in the current state, so the figure is live.
type occ struct{ handling, avail int64 }

func (o *occ) add(a *rawAgent, now time.Time) {
	c := a.counters
	o.handling += c["time_on_call_ms"] + c["time_wrap_up_ms"]
	o.avail += c["time_available_ms"] + c["time_ringing_ms"]
	if !a.known || a.st.Since.IsZero() || !now.After(a.st.Since) {
		return
	}
	d := now.Sub(a.st.Since).Milliseconds()
	switch a.st.State {
	case callfloor.AgentOnCall, callfloor.AgentWrapUp:
		o.handling += d
	case callfloor.AgentAvailable, callfloor.AgentRinging:
		o.avail += d
	}
}

func (o occ) value() *float64 { return opt(callfloor.Occupancy(o.handling, o.avail)) }

func agentAHT(c map[string]int64) *float64 {
	qc := callfloor.QueueCounters{SumTalkMs: c[CntSumTalk], SumHoldMs: c[CntSumHold], SumWrapMs: c[CntSumWrap], Handled: c[CntHandled]}
	return opt(qc.AHT())
}

func (k *KPI) agentView(a *rawAgent, now time.Time) AgentView {
	v := AgentView{
		Agent: a.meta.ID, Name: a.meta.Name, Team: a.meta.Team,
		State: a.st.State, Reason: a.st.Reason, PendingPause: a.st.PendingPause, LastCall: a.st.LastCall, Since: a.st.Since,
		HandledToday: a.counters[CntHandled],
		AHT:          agentAHT(a.counters),
		MissedOffers: a.counters[CntOffersNoAnswer],
	}
	if !a.st.WrapUntil.IsZero() && a.st.State == callfloor.AgentWrapUp {
		w := a.st.WrapUntil
		v.WrapUntil = &w
	}
	if a.st.State == callfloor.AgentPaused {
		v.PauseMaxS = k.pauseMax(a.st.Reason)
		if !a.st.PauseUntil.IsZero() {
			u := a.st.PauseUntil
			v.PauseUntil = &u
		}
	}
	var o occ
	o.add(a, now)
	v.Occupancy = o.value()
	if c := a.call; c != nil {
		cc := &CurrentCall{ID: c.ID, Direction: c.Direction, Queue: c.Queue, Number: c.CallerNumber}
		if c.Direction == callfloor.Outbound {
			cc.Number = c.CalledNumber
		}
		switch {
		case !c.AnsweredAt.IsZero():
			cc.Since = c.AnsweredAt
		case c.LastOffer() != nil:
			cc.Since = c.LastOffer().Start
		case !c.EnteredAt.IsZero():
			cc.Since = c.EnteredAt
		default:
			cc.Since = a.st.Since
		}
		if c.OnHold() {
			h := c.HoldStartedAt
			cc.HoldSince, cc.HoldDesk = &h, c.HoldChannel == callfloor.DeskHoldChannel
		}
		cc.Connected = c.State == callfloor.CallTalking
		v.Call = cc
	}
	return v
}

// servesQueue reports whether the agent's skills include the queue.
func servesQueue(a *rawAgent, q string) bool {
	_, ok := a.meta.Skills[q]
	return ok
}

func (k *KPI) queueView(q *rawQueue, agents map[string]*rawAgent, now time.Time) QueueView {
	v := QueueView{
		Queue: q.cfg.Name, Waiting: q.waiting, OldestSince: q.oldest, CallbacksWaiting: q.cbWait,
		Agents: newCounts(), Today: figures(q.today), Window: figures(q.window),
		WindowMin: int(k.o.Window / time.Minute),
		Thresholds: Thresholds{
			SLTarget: q.cfg.SLTarget, WaitingAmber: q.cfg.WaitingAmber, WaitingRed: q.cfg.WaitingRed,
			LongestAmber: q.cfg.LongestAmber.Seconds(), LongestRed: q.cfg.LongestRed.Seconds(),
		},
	}
	var o occ
	for _, a := range agents {
		if servesQueue(a, q.cfg.Name) {
			v.Agents.add(a)
			o.add(a, now)
		}
	}
	v.Occupancy = o.value()
	if k.o.Targets != nil {
		if t, ok := k.o.Targets()[q.cfg.Name]; ok {
			v.Targets = &t
			if t.ServiceLevel != nil && *t.ServiceLevel > 0 { // the target wins over the queue's sl_target
				qq := *q
				qq.cfg.SLTarget = *t.ServiceLevel
				q = &qq
				v.Thresholds.SLTarget = *t.ServiceLevel
			}
			v.AHTStatus = ahtStatus(v.Today.AHT, t.AHTS)
		}
	}
	v.Status, v.StatusReason, v.StatusReasons = queueStatus(q, v.Today.ServiceLevel, now)
	return v
}

// queueStatus is the worst threshold the queue crosses now; the reason lists every threshold
// crossed at that level.
func queueStatus(q *rawQueue, sl *float64, now time.Time) (string, string, []StatusReason) {
	var red, amber []string
	var redR, amberR []StatusReason
	c := q.cfg
	if c.WaitingRed > 0 && q.waiting >= c.WaitingRed {
		red = append(red, fmt.Sprintf("waiting %d ≥ %d", q.waiting, c.WaitingRed))
		redR = append(redR, StatusReason{"waiting", float64(q.waiting), float64(c.WaitingRed)})
	} else if c.WaitingAmber > 0 && q.waiting >= c.WaitingAmber {
		amber = append(amber, fmt.Sprintf("waiting %d ≥ %d", q.waiting, c.WaitingAmber))
		amberR = append(amberR, StatusReason{"waiting", float64(q.waiting), float64(c.WaitingAmber)})
	}
	if q.oldest != nil {
		longest := now.Sub(*q.oldest)
		if c.LongestRed > 0 && longest >= c.LongestRed {
			red = append(red, fmt.Sprintf("longest wait %ds ≥ %ds", int64(longest.Seconds()), int64(c.LongestRed.Seconds())))
			redR = append(redR, StatusReason{"longest_wait", float64(int64(longest.Seconds())), float64(int64(c.LongestRed.Seconds()))})
		} else if c.LongestAmber > 0 && longest >= c.LongestAmber {
			amber = append(amber, fmt.Sprintf("longest wait %ds ≥ %ds", int64(longest.Seconds()), int64(c.LongestAmber.Seconds())))
			amberR = append(amberR, StatusReason{"longest_wait", float64(int64(longest.Seconds())), float64(int64(c.LongestAmber.Seconds()))})
		}
	}
	if sl != nil && c.SLTarget > 0 {
		// A hair of tolerance so that 0.7 − 0.1 compares as 0.6, not 0.59999….
		const eps = 1e-9
		if *sl < c.SLTarget-0.1-eps {
			red = append(red, fmt.Sprintf("service level %.1f %% < %.1f %%", *sl*100, (c.SLTarget-0.1)*100))
			redR = append(redR, StatusReason{"service_level", round1(*sl * 100), round1((c.SLTarget - 0.1) * 100)})
		} else if *sl < c.SLTarget-eps {
			amber = append(amber, fmt.Sprintf("service level %.1f %% < %.1f %%", *sl*100, c.SLTarget*100))
			amberR = append(amberR, StatusReason{"service_level", round1(*sl * 100), round1(c.SLTarget * 100)})
		}
	}
	switch {
	case len(red) > 0:
		return "red", strings.Join(red, "; "), redR
	case len(amber) > 0:
		return "amber", strings.Join(amber, "; "), amberR
	}
	return "ok", "", nil
}

// round1 rounds to one decimal, as the English reason shows it.
func round1(v float64) float64 { return math.Round(v*10) / 10 }

// pauseMax is the reason's maximum pause in seconds (0: none, or an unknown reason).
func (k *KPI) pauseMax(reason string) int {
	if k.o.PauseReasons == nil {
		return 0
	}
	r, _ := callfloor.PauseReasonNamed(k.o.PauseReasons(), reason)
	return r.MaxSeconds
}

// pauseOverMax is when the agent's pause passes its reason's maximum (zero: it cannot).
func (k *KPI) pauseOverMax(a *rawAgent) time.Time {
	if a.st.State != callfloor.AgentPaused || a.st.Since.IsZero() {
		return time.Time{}
	}
	m := k.pauseMax(a.st.Reason)
	if m <= 0 {
		return time.Time{}
	}
	return a.st.Since.Add(time.Duration(m) * time.Second)
}

// alerts lists the agents (keep) paused longer than their reason allows, by agent id.
func (k *KPI) alerts(agents map[string]*rawAgent, keep func(*rawAgent) bool, now time.Time) []Alert {
	var out []Alert
	for _, a := range agents {
		if keep != nil && !keep(a) {
			continue
		}
		if at := k.pauseOverMax(a); !at.IsZero() && now.After(at) {
			out = append(out, Alert{Kind: AlertPauseOverMax, Agent: a.meta.ID, Name: a.meta.Name, Team: a.meta.Team, Reason: a.st.Reason,
				Since: a.st.Since, MaxS: k.pauseMax(a.st.Reason)})
		}
	}
	if k.o.Attendance != nil {
		for id, at := range k.o.Attendance() {
			a := agents[id]
			if a == nil || (keep != nil && !keep(a)) {
				continue
			}
			// not yet in: as the records said, unless the agent is logged in now
			if at.NotYetIn && (a.st.State == "" || a.st.State == callfloor.AgentLoggedOut) {
				out = append(out, Alert{Kind: AlertNotYetIn, Agent: id, Name: a.meta.Name, Team: a.meta.Team, Shift: at.Shift, Since: a.st.Since})
			}
			if at.LateMin > 0 {
				out = append(out, Alert{Kind: AlertLate, Agent: id, Name: a.meta.Name, Team: a.meta.Team, Shift: at.Shift, Since: at.FirstWork, LateMin: at.LateMin})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Agent != out[j].Agent {
			return out[i].Agent < out[j].Agent
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}

func (k *KPI) teamView(team string, agents map[string]*rawAgent, calls *rawTeam, now time.Time) TeamView {
	v := TeamView{Team: team, Agents: newCounts(), WindowMin: int(k.o.Window / time.Minute)}
	if calls == nil {
		calls = &rawTeam{}
	}
	v.Today, v.Window = figures(calls.today), figures(calls.window)
	var o occ
	var c callfloor.QueueCounters
	for _, a := range agents {
		if a.meta.Team != team {
			continue
		}
		v.Agents.add(a)
		o.add(a, now)
		v.Missed += a.counters[CntOffersNoAnswer]
		c.Handled += a.counters[CntHandled]
		c.SumTalkMs += a.counters[CntSumTalk]
		c.SumHoldMs += a.counters[CntSumHold]
		c.SumWrapMs += a.counters[CntSumWrap]
	}
	v.Handled = c.Handled
	v.AHT = opt(c.AHT())
	v.Occupancy = o.value()
	v.Alerts = k.alerts(agents, func(a *rawAgent) bool { return a.meta.Team == team }, now)
	return v
}

func (k *KPI) floorView(queues map[string]*rawQueue, agents map[string]*rawAgent, now time.Time) FloorView {
	v := FloorView{Agents: newCounts(), WindowMin: int(k.o.Window / time.Minute)}
	var today, window callfloor.QueueCounters
	for _, q := range queues {
		v.Waiting += q.waiting
		if q.oldest != nil && (v.OldestSince == nil || q.oldest.Before(*v.OldestSince)) {
			t := *q.oldest
			v.OldestSince = &t
		}
		today.Add(q.today)
		window.Add(q.window)
	}
	v.Today, v.Window = figures(today), figures(window)
	var o occ
	for _, a := range agents {
		v.Agents.add(a)
		o.add(a, now)
	}
	v.Occupancy = o.value()
	v.Alerts = k.alerts(agents, nil, now)
	return v
}

// ---- the public API: fresh reads ----

func notFound(format string, args ...any) error {
	return &callfloor.Error{Code: callfloor.ENOTFOUND, Message: fmt.Sprintf(format, args...)}
}

func sortedAgents(m map[string]callfloor.Agent, keep func(callfloor.Agent) bool) []callfloor.Agent {
	out := make([]callfloor.Agent, 0, len(m))
	for _, a := range m {
		if keep == nil || keep(a) {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Queue returns one queue's view; ENOTFOUND for a queue the configuration does not have.
func (k *KPI) Queue(ctx context.Context, name string, now time.Time) (QueueView, error) {
	vs, err := k.Queues(ctx, []string{name}, now)
	if err != nil {
		return QueueView{}, err
	}
	return vs[0], nil
}

// Queues returns the views of the named queues (nil or empty: every configured queue, sorted by
// name), read in one pipeline.
func (k *KPI) Queues(ctx context.Context, names []string, now time.Time) ([]QueueView, error) {
	qs, as, err := k.config(ctx)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		for n := range qs {
			names = append(names, n)
		}
		sort.Strings(names)
	}
	sel := make([]callfloor.Queue, 0, len(names))
	for _, n := range names {
		q, ok := qs[n]
		if !ok {
			return nil, notFound("queue %q not found", n)
		}
		sel = append(sel, q)
	}
	// The agents serving these queues are needed for their counts and occupancy. Without an
	// agent configuration the skills are only known once fetched: fetch everyone.
	var agents []callfloor.Agent
	if k.o.Agents != nil {
		agents = sortedAgents(as, func(a callfloor.Agent) bool {
			for _, q := range sel {
				if _, ok := a.Skills[q.Name]; ok {
					return true
				}
			}
			return false
		})
	} else {
		agents = sortedAgents(as, nil)
	}
	r, err := k.fetch(ctx, sel, agents, nil, now)
	if err != nil {
		return nil, err
	}
	out := make([]QueueView, len(sel))
	for i, q := range sel {
		out[i] = k.queueView(r.queues[q.Name], r.agents, now)
	}
	return out, nil
}

// Agent returns one agent's view; ENOTFOUND for an agent neither configured nor live.
func (k *KPI) Agent(ctx context.Context, id string, now time.Time) (AgentView, error) {
	vs, err := k.Agents(ctx, []string{id}, now)
	if err != nil {
		return AgentView{}, err
	}
	return vs[0], nil
}

// Agents returns the views of the given agents (nil or empty: every agent, sorted by id), read
// in one pipeline and one MGET.
func (k *KPI) Agents(ctx context.Context, ids []string, now time.Time) ([]AgentView, error) {
	_, as, err := k.config(ctx)
	if err != nil {
		return nil, err
	}
	var sel []callfloor.Agent
	if len(ids) == 0 {
		sel = sortedAgents(as, nil)
	} else {
		for _, id := range ids {
			a, ok := as[id]
			if !ok {
				a = callfloor.Agent{ID: id}
			}
			sel = append(sel, a)
		}
	}
	r, err := k.fetch(ctx, nil, sel, nil, now)
	if err != nil {
		return nil, err
	}
	out := make([]AgentView, len(sel))
	for i, a := range sel {
		ra := r.agents[a.ID]
		if _, configured := as[a.ID]; !configured && !ra.known {
			return nil, notFound("agent %q not found", a.ID)
		}
		out[i] = k.agentView(ra, now)
	}
	return out, nil
}

// Team returns a team's summary; ENOTFOUND for a team no agent belongs to.
func (k *KPI) Team(ctx context.Context, team string, now time.Time) (TeamView, error) {
	_, as, err := k.config(ctx)
	if err != nil {
		return TeamView{}, err
	}
	var sel []callfloor.Agent
	if k.o.Agents != nil {
		sel = sortedAgents(as, func(a callfloor.Agent) bool { return a.Team == team })
	} else {
		sel = sortedAgents(as, nil)
	}
	r, err := k.fetch(ctx, nil, sel, []string{team}, now)
	if err != nil {
		return TeamView{}, err
	}
	found := false
	for _, a := range r.agents {
		found = found || a.meta.Team == team
	}
	if !found {
		return TeamView{}, notFound("team %q not found", team)
	}
	return k.teamView(team, r.agents, r.teams[team], now), nil
}

// Teams returns every team's summary, sorted by team, from one read of all agents.
func (k *KPI) Teams(ctx context.Context, now time.Time) ([]TeamView, error) {
	_, as, err := k.config(ctx)
	if err != nil {
		return nil, err
	}
	r, err := k.fetch(ctx, nil, sortedAgents(as, nil), nil, now)
	if err != nil {
		return nil, err
	}
	names := teamNames(r.agents)
	tr, err := k.fetch(ctx, nil, nil, names, now)
	if err != nil {
		return nil, err
	}
	out := make([]TeamView, len(names))
	for i, t := range names {
		out[i] = k.teamView(t, r.agents, tr.teams[t], now)
	}
	return out, nil
}

// Floor returns the whole floor: every configured queue and every agent.
func (k *KPI) Floor(ctx context.Context, now time.Time) (FloorView, error) {
	r, err := k.fetchAll(ctx, now)
	if err != nil {
		return FloorView{}, err
	}
	return k.floorView(r.queues, r.agents, now), nil
}

// fetchAll reads every configured queue and every agent.
func (k *KPI) fetchAll(ctx context.Context, now time.Time) (*raw, error) {
	qs, as, err := k.config(ctx)
	if err != nil {
		return nil, err
	}
	queues := make([]callfloor.Queue, 0, len(qs))
	for _, q := range qs {
		queues = append(queues, q)
	}
	return k.fetch(ctx, queues, sortedAgents(as, nil), nil, now)
}

// teamNames are the teams the agents belong to, sorted.
func teamNames(agents map[string]*rawAgent) []string {
	teams := map[string]bool{}
	for _, a := range agents {
		if a.meta.Team != "" {
			teams[a.meta.Team] = true
		}
	}
	return sortedKeys(teams)
}
