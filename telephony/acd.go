// Package telephony is callfloor's ACD: the Stasis application that decides who takes each call,
// drives Asterisk over ARI (telephony/ari) and records every fact in the live state
// (realtime). The simulated Asterisk lives in telephony/sim.
//
// Concurrency: each Asterisk node's events arrive on one goroutine (the ari client's handler)
// and are routed to the call they concern. Every call is an actor: one goroutine owns the
// call's record and performs its REST requests in order, so calls never wait on each other. One
// dispatcher goroutine per ACD matches waiting calls with agents; the agent claim itself is an
// atomic script in Redis, so several ACD instances sharing a Redis never double-assign an
// agent. The ACD's maps are guarded by ACD.mu, never held across I/O.
package telephony

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/telephony/ari"
	"github.com/prometheus/client_golang/prometheus"
)

// EventFilter is the application event filter callfloor sets on every node: only what the ACD
// uses, so Asterisk does not send dialplan noise.
var EventFilter = []string{
	"StasisStart", "StasisEnd", "ChannelDestroyed", "ChannelStateChange", "Dial", "ChannelHold", "ChannelUnhold",
	"RecordingStarted", "RecordingFinished", "RecordingFailed", "ApplicationReplaced", "EndpointStateChange",
	"ChannelDtmfReceived", "PlaybackFinished", // call-back requests (callback.go), the dialler's drop message (dialer_call.go), the post-call survey (survey.go)
}

// Options wires an ACD.
type Options struct {
	Config  *callfloor.Config
	Store   *realtime.Store
	Nodes   []*ari.Client
	Logger  *slog.Logger
	Metrics *Metrics
	// Tick is how often the dispatcher and the wrap-up sweeper run without being woken; default 250ms.
	Tick time.Duration
	// OnRouted, when set, is told each call's routing decision latency: from the caller entering
	// Stasis to the first agent's phone being originated (the benchmark collects them).
	OnRouted func(time.Duration)
	// StaleAfter: how long an agent may ring or talk for a call that is no longer live before
	// the sweeper frees them; default 2 minutes (longer than any ring timeout plus its backstop).
	StaleAfter time.Duration
	// Catalogue, when set, is asked after each connect which recordings stored on the node have
	// no catalogue row; those are catalogued (recording.ready). Nil: no sweep.
	Catalogue RecordingCatalogue
	// OutboxDir holds the durable outboxes (outbox.go): one file per node of the writes kept
	// while Redis is unreachable. "": kept in memory only (lost if the process stops).
	OutboxDir string
	// Sessions, when set, is asked every SessionSweepEvery for the sessions open past their
	// shift's end plus acd.session_close_margin; those agents are logged out (endpoint.go).
	Sessions ShiftSessions
	// Dialer, when set, runs the outbound dialler over the running campaigns (dialer.go).
	Dialer *DialerOptions
}

// settings is the part of the configuration that can change at run time.
type settings struct {
	queues   map[string]*callfloor.Queue
	agents   map[string]*callfloor.Agent
	acd      callfloor.ACDConfig
	numberRE *regexp.Regexp
}

// ACD is the automatic call distributor.
type ACD struct {
	store      *realtime.Store
	log        *slog.Logger
	metrics    *Metrics
	tick       time.Duration
	set        atomic.Pointer[settings]
	onRouted   func(time.Duration)
	redisDown  atomic.Bool
	staleAfter time.Duration
	catalogue  RecordingCatalogue
	outboxDir  string
	sessions   ShiftSessions
	dialer     *dialer        // nil: no outbound dialler
	loc        *time.Location // the centre's zone (rosters' wall clock)
	// unsynced: queues and agents could not be written to Redis at New (Redis down); Run
	// writes them once Redis answers.
	unsynced    bool
	lease       callfloor.LeaseConfig // acd.lease at New: active / standby per node (lease.go)
	holderID    string                // this instance's name in the leases
	crashed     atomic.Bool           // tests: stop without releasing the leases, as a crash would
	noLease     atomic.Bool           // tests: take no lease (stay standby)
	refuseSaves atomic.Bool           // tests: call records are refused, as a new master without replicas refuses writes (NOREPLICAS)

	nodes     map[string]*node
	nodeOrder []*node

	mu       sync.Mutex
	calls    map[string]*call // live calls owned by this instance, by id
	waiting  map[string]*call // inbound calls waiting for an agent (not currently offering)
	failures map[string]int   // agent -> consecutive failed originates (releaseAfterFailure)
	redone   map[string]int   // call -> claims given back for a better call (dispatch)

	kick chan struct{}
	wg   sync.WaitGroup
	ctx  context.Context
	stop context.CancelFunc
}

// New builds an ACD. Run starts it.
func New(o Options) (*ACD, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Tick == 0 {
		o.Tick = 250 * time.Millisecond
	}
	a := &ACD{
		store: o.Store, log: o.Logger, metrics: o.Metrics, tick: o.Tick, onRouted: o.OnRouted, staleAfter: o.StaleAfter, catalogue: o.Catalogue, outboxDir: o.OutboxDir,
		sessions: o.Sessions, loc: o.Config.Location(), lease: o.Config.ACD.Lease, holderID: newHolderID(),
		nodes: map[string]*node{}, calls: map[string]*call{}, waiting: map[string]*call{}, failures: map[string]int{}, redone: map[string]int{},
		kick: make(chan struct{}, 1),
	}
	if a.metrics == nil {
		a.metrics = NewMetrics(nil)
	}
	if a.staleAfter == 0 {
		a.staleAfter = 2 * time.Minute
	}
	if err := a.Reconfigure(o.Config); err != nil {
		var se storeError
		if !errors.As(err, &se) {
			return nil, err
		}
		// Redis does not answer: start all the same (Run waits for it), with the settings kept
		a.log.Warn("redis not reachable: queues and agents are written to it once it answers", "err", err)
		a.set.Store(se.s)
		a.unsynced = true
		a.exportQueueSeries(o.Config.Queues)
	}
	for _, c := range o.Nodes {
		n := &node{acd: a, client: c, name: c.Node().Name, byChannel: map[string]*call{}}
		if n.leased() {
			c.SetGuard(n.leaseGuard)
		}
		a.nodes[n.name] = n
		a.nodeOrder = append(a.nodeOrder, n)
	}
	if o.Dialer != nil {
		if o.Dialer.Source == nil {
			return nil, errors.New("telephony: the dialler needs its campaign source")
		}
		a.dialer = newDialer(a, *o.Dialer)
	}
	if err := a.openOutboxes(); err != nil {
		return nil, err
	}
	return a, nil
}

// Reconfigure swaps queues, agents and ACD settings while running: the next routing decision
// uses them. Agents' profiles are written to Redis; removed agents are logged out.
func (a *ACD) Reconfigure(cfg *callfloor.Config) error {
	re, err := regexp.Compile(cfg.ACD.Outbound.NumberRE)
	if err != nil {
		return fmt.Errorf("acd.outbound.number_pattern: %w", err)
	}
	s := &settings{queues: cfg.QueueByName(), agents: map[string]*callfloor.Agent{}, acd: cfg.ACD, numberRE: re}
	for i := range cfg.Agents {
		ag := cfg.Agents[i]
		s.agents[ag.ID] = &ag
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.storeSettings(ctx, s); err != nil {
		return storeError{err: err, s: s}
	}
	if old := a.set.Load(); old != nil {
		for id := range old.agents {
			if _, ok := s.agents[id]; !ok {
				if err := a.store.RemoveAgent(ctx, id); err != nil {
					a.log.Warn("removing agent", "agent", id, "err", err)
				}
			}
		}
	}
	a.exportQueueSeries(cfg.Queues)
	a.set.Store(s)
	a.wake()
	return nil
}

// exportQueueSeries exports every queue's series from the start, zeros included.
func (a *ACD) exportQueueSeries(queues []callfloor.Queue) {
	for _, q := range queues {
		for _, v := range []*prometheus.CounterVec{a.metrics.offered, a.metrics.answered, a.metrics.abandoned, a.metrics.flowedOut, a.metrics.lost} {
			v.WithLabelValues(q.Name)
		}
	}
}

// storeSettings writes queues and agents' profiles to Redis.
func (a *ACD) storeSettings(ctx context.Context, s *settings) error {
	queues := make([]callfloor.Queue, 0, len(s.queues))
	for _, q := range s.queues {
		queues = append(queues, *q)
	}
	if err := a.store.SetQueues(ctx, queues); err != nil {
		return fmt.Errorf("store queues: %w", err)
	}
	now := time.Now()
	for _, ag := range s.agents {
		if err := a.store.UpsertAgent(ctx, *ag, now); err != nil {
			return fmt.Errorf("store agent %s: %w", ag.ID, err)
		}
	}
	return nil
}

// storeError is a Reconfigure that failed writing to Redis (s: the settings it would apply).
type storeError struct {
	err error
	s   *settings
}

func (e storeError) Error() string { return e.err.Error() }
func (e storeError) Unwrap() error { return e.err }

func (a *ACD) settings() *settings { return a.set.Load() }

// Store returns the live state.
func (a *ACD) Store() *realtime.Store { return a.store }

// Run restores this instance's live calls from Redis, connects every node (retrying in the
// background while a node is down) and routes calls until ctx is done. It returns after every
// goroutine it started has stopped.
func (a *ACD) Run(ctx context.Context) error {
	a.ctx, a.stop = context.WithCancel(ctx)
	defer a.stop()
	defer func() { // last: the actors and drains that write to them have stopped
		for _, n := range a.nodeOrder {
			n.outbox.close()
		}
	}()
	if err := a.startUp(a.ctx); err != nil {
		a.stop()
		a.closeCalls()
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	for _, n := range a.nodeOrder {
		n := n
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			if n.leased() {
				a.runLeased(n)
				return
			}
			if err := n.client.Run(a.ctx, n); err != nil && !errors.Is(err, context.Canceled) {
				a.log.Error("ari connection ended", "node", n.name, "err", err)
			}
		}()
	}
	a.wg.Add(2)
	go func() { defer a.wg.Done(); a.dispatchLoop(a.ctx) }()
	go func() { defer a.wg.Done(); a.subscribeKicks(a.ctx) }()
	if a.dialer != nil && !a.dialer.o.Manual {
		a.wg.Add(1)
		go func() { defer a.wg.Done(); a.dialer.run(a.ctx) }()
	}
	if a.sessions != nil {
		a.wg.Add(1)
		go func() { defer a.wg.Done(); a.sweepSessions(a.ctx) }()
	}
	<-a.ctx.Done()
	a.closeCalls()
	return nil
}

// closeCalls stops the call actors (the calls stay live in Redis) and waits for every goroutine.
func (a *ACD) closeCalls() {
	a.mu.Lock()
	for _, c := range a.calls {
		c.close()
	}
	a.mu.Unlock()
	a.wg.Wait()
}

func (a *ACD) wake() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// subscribeKicks wakes the dispatcher when an agent becomes available on any instance.
func (a *ACD) subscribeKicks(ctx context.Context) {
	for ctx.Err() == nil {
		sub := a.store.Client().Subscribe(ctx, a.store.KickChannel())
		ch := sub.Channel()
		for done := false; !done; {
			select {
			case <-ctx.Done():
				done = true
			case _, ok := <-ch:
				if !ok {
					done = true
				}
				a.wake()
				if a.dialer != nil {
					a.dialer.agentFreed()
				}
			}
		}
		sub.Close()
		if ctx.Err() == nil {
			time.Sleep(time.Second)
		}
	}
}

// dispatchLoop matches waiting calls with agents whenever woken, and on every tick (which also
// ends due wrap-ups: the sweeper is shared by all instances, the transition is atomic).
func (a *ACD) dispatchLoop(ctx context.Context) {
	t := time.NewTicker(a.tick)
	defer t.Stop()
	lastSweep := time.Now()
	day := a.store.Day(lastSweep)
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.kick:
		case <-t.C:
			a.endDue(ctx)
			if d := a.store.Day(time.Now()); d != day {
				// a new day: calls_today restarts, fewest_calls ranks by today's calls
				if err := a.store.Rescore(ctx, time.Now()); err == nil {
					day = d
				}
			}
			if time.Since(lastSweep) > min(staleSweepEvery, a.staleAfter/2) {
				lastSweep = time.Now()
				a.sweepStale(ctx)
			}
		}
		a.dispatch(ctx)
	}
}

// redisTrouble logs Redis failures of the background loops once per outage, not once per tick.
func (a *ACD) redisTrouble(what string, err error) {
	if err == nil {
		if a.redisDown.CompareAndSwap(true, false) {
			a.log.Info("redis answers again")
		}
		return
	}
	if a.redisDown.CompareAndSwap(false, true) {
		a.log.Error("redis unreachable: routing paused, calls go on and their writes are kept", "while", what, "err", err)
	} else {
		a.log.Debug("redis still unreachable", "while", what, "err", err)
	}
}

const staleSweepEvery = 5 * time.Second

// sweepStale frees agents left ringing or on a call that is gone: a claim whose reply was lost
// with the Redis connection, or an instance that stopped between the call's end and the agent's
// wrap-up. Any instance may sweep; the transitions are compare-and-set on the call id.
func (a *ACD) sweepStale(ctx context.Context) {
	st, err := a.store.Agents(ctx)
	if err != nil {
		return
	}
	now := time.Now()
	for _, ag := range st {
		if (ag.State != callfloor.AgentRinging && ag.State != callfloor.AgentOnCall) || now.Sub(ag.Since) < a.staleAfter {
			continue
		}
		c, err := a.store.Call(ctx, ag.Call)
		if err != nil && callfloor.ErrorCode(err) != callfloor.ENOTFOUND {
			continue
		}
		if c != nil && c.State != callfloor.CallEnded {
			if ag.State == callfloor.AgentOnCall || (c.State == callfloor.CallOffering && c.LastOffer() != nil && c.LastOffer().Agent == ag.Agent) || c.State == callfloor.CallDialing {
				continue
			}
		}
		a.log.Warn("freeing an agent whose call is gone", "agent", ag.Agent, "state", ag.State, "call", ag.Call)
		if _, err := a.store.Transition(ctx, realtime.Transition{Agent: ag.Agent, From: []callfloor.AgentState{ag.State}, IfCall: ag.Call, To: callfloor.AgentAvailable, Now: now}); err != nil && callfloor.ErrorCode(err) != callfloor.ECONFLICT {
			a.log.Warn("freeing agent", "agent", ag.Agent, "err", err)
		}
	}
}

// PauseReasons returns the pause reasons in force.
func (a *ACD) PauseReasons() []callfloor.PauseReason {
	return append([]callfloor.PauseReason(nil), a.settings().acd.PauseReasons...)
}

// endTimedPauses makes agents whose timed pause (a missed ring) has ended available again,
// overdue ones too (a restart). Any instance may do it: the return is a compare-and-set on the
// pause's end, so an agent unpaused, logged out or paused again meanwhile stays as they are.
// endDue ends the wrap-ups and the timed pauses that are due (one round trip to find them).
func (a *ACD) endDue(ctx context.Context) {
	now := time.Now()
	wraps, pauses, err := a.store.Due(ctx, now)
	a.redisTrouble("reading due wrap-ups and pauses", err)
	if err != nil {
		return
	}
	a.endWrapUps(ctx, wraps, now)
	a.endTimedPauses(ctx, pauses, now)
}

func (a *ACD) endTimedPauses(ctx context.Context, due []realtime.DuePause, now time.Time) {
	for _, d := range due {
		if err := a.store.ReturnFromPause(ctx, d, now); err != nil && callfloor.ErrorCode(err) != callfloor.ECONFLICT && callfloor.ErrorCode(err) != callfloor.ENOTFOUND {
			a.log.Warn("ending a timed pause", "agent", d.Agent, "err", err)
		} else if err == nil {
			a.log.Info("timed pause over: agent available again", "agent", d.Agent)
		}
	}
}

func (a *ACD) endWrapUps(ctx context.Context, due []string, now time.Time) {
	for _, id := range due {
		if _, err := a.store.Transition(ctx, realtime.Transition{Agent: id, From: []callfloor.AgentState{callfloor.AgentWrapUp}, To: callfloor.AgentAvailable, Now: now}); err != nil && callfloor.ErrorCode(err) != callfloor.ECONFLICT {
			a.log.Warn("ending wrap-up", "agent", id, "err", err)
		}
	}
}

// dispatch offers waiting calls to available agents: queues by priority, then calls by their
// priority and entry time. A queue with no agent is skipped for the rest of the pass.
func (a *ACD) dispatch(ctx context.Context) {
	s := a.settings()
	a.mu.Lock()
	list := make([]*call, 0, len(a.waiting))
	for _, c := range a.waiting {
		list = append(list, c)
	}
	a.mu.Unlock()
	if len(list) == 0 {
		return
	}
	sort.Slice(list, func(i, j int) bool { return s.before(list[i], list[j]) })
	empty := map[string]bool{}
	for _, c := range list {
		if empty[c.queue] || ctx.Err() != nil {
			continue
		}
		if !c.node.connected() {
			// The node's event stream is down: an agent rung now could answer into an
			// application Asterisk has deactivated (it hangs up on them), and we would not hear
			// the result. The call waits for the reconnect, which wakes the dispatcher.
			continue
		}
		now := time.Now()
		agent, err := a.store.Claim(c.node.ctx(), c.queue, c.id, now) // fenced under a lease
		if callfloor.SpecificCode(err) == realtime.CodeLeaseMoved || (err != nil && c.node.ctx().Err() != nil) {
			continue // the node's term is ending: its calls go to the next holder
		}
		a.redisTrouble("claiming an agent", err)
		if err != nil {
			return
		}
		if agent == "" {
			empty[c.queue] = true
			continue
		}
		a.mu.Lock()
		_, still := a.waiting[c.id]
		if still {
			delete(a.waiting, c.id)
		}
		// The agent became available during this pass (after a better call's queue was found
		// empty), or a better call began waiting after the pass listed the calls: give the
		// agent back and start a new pass, which offers the better call first. At most twice
		// per call, so that an agent the better call's queue would not give (its skills
		// changed meanwhile) cannot loop.
		redo := still && a.betterWaiting(s, c, agent)
		if redo {
			a.waiting[c.id] = c
		}
		a.mu.Unlock()
		if redo {
			a.release(ctx, agent, c.id)
			a.wake()
			return
		}
		if !still || !c.send(msgOffer{agent: agent, at: now}) {
			a.release(ctx, agent, c.id)
		}
	}
}

// before reports whether waiting call x goes before y: queues by priority, then calls by their
// priority and entry time.
func (s *settings) before(x, y *call) bool {
	px, py := 0, 0
	if q := s.queues[x.queue]; q != nil {
		px = q.Priority
	}
	if q := s.queues[y.queue]; q != nil {
		py = q.Priority
	}
	if px != py {
		return px > py
	}
	if x.priority != y.priority {
		return x.priority > y.priority
	}
	return x.entered.Before(y.entered)
}

// betterWaiting reports whether a call agent serves is waiting (its node connected) and goes
// before c, when c's claims have not yet been given back twice. a.mu is held.
func (a *ACD) betterWaiting(s *settings, c *call, agent string) bool {
	ag := s.agents[agent]
	if ag == nil || a.redone[c.id] >= 2 {
		return false
	}
	for _, w := range a.waiting {
		if _, serves := ag.Skills[w.queue]; serves && w != c && w.node.connected() && s.before(w, c) {
			a.redone[c.id]++
			return true
		}
	}
	return false
}

// drain keeps retrying the writes an ended call could not land while Redis was unreachable.
// Stopping leaves them in the node's outbox, for the next start; under a lease they go on only
// as long as the term, whose end hands them over to the next holder (handover.go).
func (a *ACD) drain(n *node, callID string, ops []pendingOp) {
	ctx := a.ctx
	if n.leased() {
		ctx = n.ctx()
	}
	stop := func() {
		if n.leased() {
			n.handBack(ops)
			return
		}
		n.leftUnsent(callID, len(ops))
	}
	a.wg.Add(1)
	n.ho.drains.Add(1)
	go func() {
		defer a.wg.Done()
		defer n.ho.drains.Done()
		for attempt := 0; len(ops) > 0; attempt++ {
			if err := a.apply(ctx, &ops[0]); err != nil {
				if ctx.Err() != nil {
					stop()
					return
				}
				if !transient(ctx, err) {
					a.log.Warn(ops[0].What, "call", callID, "err", err)
					n.outbox.done(&ops[0])
					ops = ops[1:]
					continue
				}
				select {
				case <-ctx.Done():
					stop()
					return
				case <-time.After(retryBackoff(attempt)):
				}
				continue
			}
			n.outbox.done(&ops[0])
			ops = ops[1:]
		}
	}()
}

// maxFailureBackoff caps the wait before an agent whose phone could not be rung is offered
// calls again.
const maxFailureBackoff = 30 * time.Second

// failureBackoff is the wait after the n-th consecutive failed originate to an agent: 1 s,
// doubling, at most maxFailureBackoff.
func failureBackoff(n int) time.Duration {
	return min(time.Second<<min(max(n-1, 0), 5), maxFailureBackoff)
}

// releaseAfterFailure handles an agent whose phone could not be rung for callID (offer result
// failed: originate refused, REST error, Asterisk down, endpoint unreachable). That is not a
// missed ring: no missed pause, no missed-offer count. The agent goes back to available, but
// only after a back-off that doubles with each consecutive failure (failureBackoff); meanwhile
// they stay reserved for the call (state ringing), so that no ACD instance claims them in a
// tight loop against a broken phone or Asterisk. A successful ring resets the count.
func (a *ACD) releaseAfterFailure(agent, callID string) {
	a.mu.Lock()
	a.failures[agent]++
	d := failureBackoff(a.failures[agent])
	a.mu.Unlock()
	a.log.Info("agent's phone could not be rung: available again after a back-off", "agent", agent, "call", callID, "backoff", d)
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			a.release(a.ctx, agent, callID)
		case <-a.ctx.Done():
			// stopping: do not leave the agent reserved for the next start to sweep
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			a.release(ctx, agent, callID)
		}
	}()
}

// rang records that an agent's phone could be rung: the failure back-off starts over.
func (a *ACD) rang(agent string) {
	a.mu.Lock()
	delete(a.failures, agent)
	a.mu.Unlock()
}

// release puts an agent claimed for a call that no longer wants it back to available.
func (a *ACD) release(ctx context.Context, agent, callID string) {
	if _, err := a.store.Transition(ctx, realtime.Transition{Agent: agent, From: []callfloor.AgentState{callfloor.AgentRinging}, IfCall: callID, To: callfloor.AgentAvailable}); err != nil {
		a.log.Warn("releasing agent", "agent", agent, "call", callID, "err", err)
	}
}

func (a *ACD) setWaiting(c *call, waiting bool) {
	a.mu.Lock()
	if waiting {
		a.waiting[c.id] = c
	} else {
		delete(a.waiting, c.id)
	}
	a.mu.Unlock()
	if waiting {
		a.wake()
	}
}

func (a *ACD) register(c *call) {
	a.mu.Lock()
	a.calls[c.id] = c
	a.mu.Unlock()
}

func (a *ACD) unregister(c *call) {
	a.mu.Lock()
	delete(a.calls, c.id)
	delete(a.waiting, c.id)
	delete(a.redone, c.id)
	for _, ch := range c.channels() {
		if c.node.byChannel[ch] == c {
			delete(c.node.byChannel, ch)
		}
	}
	a.mu.Unlock()
}

func (a *ACD) lookup(id string) *call {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[id]
}

// LiveCalls returns how many calls this instance owns.
func (a *ACD) LiveCalls() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.calls)
}

// Ready reports whether every node is connected.
func (a *ACD) Ready() error {
	for _, n := range a.nodeOrder {
		if n.leased() && n.term.Load() == nil {
			continue // standing by: another instance drives the node
		}
		if !n.client.Node().Connected {
			return fmt.Errorf("asterisk node %s is not connected", n.name)
		}
	}
	return nil
}

// newID returns a time-ordered call id without dashes (channel ids embed it).
func newID(now time.Time) string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%011x%s", now.UnixMilli(), hex.EncodeToString(b[:]))
}

// ---- agent actions (HTTP API) ----

func (a *ACD) agent(id string) (*callfloor.Agent, error) {
	ag := a.settings().agents[id]
	if ag == nil {
		return nil, callfloor.NotFound("agent", id, "agent %q not found", id)
	}
	return ag, nil
}

// Login makes an agent available.
func (a *ACD) Login(ctx context.Context, id string) (callfloor.AgentStatus, error) {
	return a.agentAction(ctx, id, realtime.Transition{From: []callfloor.AgentState{callfloor.AgentLoggedOut}, To: callfloor.AgentAvailable})
}

// Logout logs an agent out; refused while they ring or talk.
func (a *ACD) Logout(ctx context.Context, id string) (callfloor.AgentStatus, error) {
	return a.agentAction(ctx, id, realtime.Transition{From: []callfloor.AgentState{callfloor.AgentAvailable, callfloor.AgentPaused, callfloor.AgentWrapUp}, To: callfloor.AgentLoggedOut})
}

// Pause pauses an agent with a reason.
func (a *ACD) Pause(ctx context.Context, id, reason string) (callfloor.AgentStatus, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return callfloor.AgentStatus{}, callfloor.Invalid("reason", callfloor.CodeRequired, nil, "required")
	}
	if err := callfloor.ValidateLabel("reason", reason); err != nil {
		return callfloor.AgentStatus{}, err
	}
	if allowed := a.settings().acd.PauseReasons; len(allowed) > 0 { // the current list (PUT /pause-reasons)
		if _, ok := callfloor.PauseReasonNamed(allowed, reason); !ok {
			names := make([]string, len(allowed))
			for i, r := range allowed {
				names[i] = r.Name
			}
			return callfloor.AgentStatus{}, callfloor.Invalid("reason", callfloor.CodeInvalidChoice, callfloor.Params{"allowed": names, "value": reason}, "%q is not one of %s", reason, strings.Join(names, ", "))
		}
	}
	// Ringing, on a call or in wrap-up, the pause waits for the end of the call and wrap-up
	// ("pause after this call", realtime.SetPendingPause). The state may change between the
	// two tries; each is atomic.
	for try := 0; ; try++ {
		st, err := a.agentAction(ctx, id, realtime.Transition{From: []callfloor.AgentState{callfloor.AgentAvailable, callfloor.AgentPaused}, To: callfloor.AgentPaused, Reason: reason})
		if callfloor.ErrorCode(err) != callfloor.ECONFLICT || try == 2 {
			return st, err
		}
		perr := a.store.SetPendingPause(ctx, id, reason, time.Now())
		if perr == nil {
			return a.store.Agent(ctx, id)
		}
		if callfloor.ErrorCode(perr) != callfloor.ECONFLICT {
			return st, perr
		}
		if cur, _ := a.store.Agent(ctx, id); cur.State == callfloor.AgentLoggedOut {
			return st, err
		}
	}
}

// Unpause makes a paused agent available.
func (a *ACD) Unpause(ctx context.Context, id string) (callfloor.AgentStatus, error) {
	return a.agentAction(ctx, id, realtime.Transition{From: []callfloor.AgentState{callfloor.AgentPaused}, To: callfloor.AgentAvailable})
}

func (a *ACD) agentAction(ctx context.Context, id string, t realtime.Transition) (callfloor.AgentStatus, error) {
	if _, err := a.agent(id); err != nil {
		return callfloor.AgentStatus{}, err
	}
	t.Agent = id
	t.Now = time.Now()
	if _, err := a.store.Transition(ctx, t); err != nil {
		return callfloor.AgentStatus{}, err
	}
	return a.store.Agent(ctx, id)
}

// AgentStatus returns an agent's live state.
func (a *ACD) AgentStatus(ctx context.Context, id string) (callfloor.AgentStatus, error) {
	if _, err := a.agent(id); err != nil {
		return callfloor.AgentStatus{}, err
	}
	return a.store.Agent(ctx, id)
}

// Agents lists the configured agents.
func (a *ACD) Agents() []callfloor.Agent {
	s := a.settings()
	out := make([]callfloor.Agent, 0, len(s.agents))
	for _, ag := range s.agents {
		out = append(out, *ag)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Queues lists the configured queues.
func (a *ACD) Queues() []callfloor.Queue {
	s := a.settings()
	out := make([]callfloor.Queue, 0, len(s.queues))
	for _, q := range s.queues {
		out = append(out, *q)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Queue returns one queue's configuration.
func (a *ACD) Queue(name string) (callfloor.Queue, error) {
	q := a.settings().queues[name]
	if q == nil {
		return callfloor.Queue{}, callfloor.NotFound("queue", name, "queue %q not found", name)
	}
	return *q, nil
}

// Dial places an agent's outbound click-to-call: the agent's phone rings first, then the
// customer is dialled through the configured dial string. It returns the new call's id.
func (a *ACD) Dial(ctx context.Context, agentID, number string) (string, error) {
	return a.dial(ctx, agentID, number, LeadDial{})
}

// LeadDial names the campaign lead a click-to-call dials (the agent's preview of a lead): the
// call's id is the lead's dial id, given by whoever claimed the lead (storage.ClaimLeads), so
// that the attempt, the call and, after a restart, the lead's dial all carry the same id.
type LeadDial struct {
	CallID   string // the lead's dial id: 16 to 64 characters of [0-9a-z-]
	Campaign string
	Lead     int64
}

// NewCallID returns a fresh call id (time-ordered), for a dial id claimed before the call.
func NewCallID() string { return newID(time.Now()) }

var callIDPattern = regexp.MustCompile(`^[0-9a-z-]{16,64}$`)

// DialLead places an agent's click-to-call to a campaign's lead (preview dialling): as Dial,
// with the call carrying the campaign and the lead and counted in the campaign's counters.
func (a *ACD) DialLead(ctx context.Context, agentID, number string, d LeadDial) (string, error) {
	if !callIDPattern.MatchString(d.CallID) || d.Campaign == "" || d.Lead <= 0 {
		return "", callfloor.Invalid("lead", callfloor.CodeInvalidFormat, callfloor.Params{"value": d.CallID}, "a lead's dial needs its dial id, campaign and lead")
	}
	if c, err := a.store.Call(ctx, d.CallID); err == nil && c != nil {
		return "", &callfloor.Error{Code: CodeAlreadyDialled, Kind: callfloor.ECONFLICT, Message: fmt.Sprintf("dial %s was already placed", d.CallID)}
	}
	return a.dial(ctx, agentID, number, d)
}

// CodeAlreadyDialled: a lead's dial id that already has a call (a double click, a retry).
const CodeAlreadyDialled = "already_dialled"

func init() { callfloor.RegisterCode(CodeAlreadyDialled, callfloor.ECONFLICT) }

func (a *ACD) dial(ctx context.Context, agentID, number string, lead LeadDial) (string, error) {
	s := a.settings()
	ag, err := a.agent(agentID)
	if err != nil {
		return "", err
	}
	number = callfloor.NormalizeNumber(number)
	if !s.numberRE.MatchString(number) {
		// the pattern is configuration: the message says what a number is, never the pattern
		return "", callfloor.Invalid("number", callfloor.CodeInvalidNumber, callfloor.Params{"value": number}, "%q is not a phone number this centre can dial", number)
	}
	if s.acd.Outbound.DialString == "" {
		return "", callfloor.Invalid("number", CodeOutboundOff, nil, "outbound calling is not configured (acd.outbound.dial_string)")
	}
	n := a.pickNode()
	if n == nil {
		return "", &callfloor.Error{Code: CodeNoNode, Kind: callfloor.ECONFLICT, Message: "no Asterisk node is connected"}
	}
	now := time.Now()
	id := newID(now)
	if lead.CallID != "" {
		id = lead.CallID
	}
	if _, err := a.store.Transition(ctx, realtime.Transition{Agent: ag.ID, From: []callfloor.AgentState{callfloor.AgentAvailable, callfloor.AgentPaused, callfloor.AgentWrapUp},
		To: callfloor.AgentRinging, Direction: callfloor.Outbound, Call: id, Now: now}); err != nil {
		return "", err
	}
	c := newCall(a, n, &callfloor.Call{
		ID: id, Direction: callfloor.Outbound, State: callfloor.CallDialing, Node: n.name, AsteriskID: n.entityID(),
		CalledNumber: number, Agent: ag.ID, EnteredAt: now, CampaignID: lead.Campaign, LeadID: lead.Lead,
	})
	c.start(msgDial{})
	return id, nil
}

func (a *ACD) pickNode() *node {
	for _, n := range a.nodeOrder {
		if n.client.Node().Connected {
			return n
		}
	}
	return nil
}
