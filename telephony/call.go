package telephony

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	aril "github.com/CyCoreSystems/ari/v5"
	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/telephony/ari"
)

// Messages a call actor handles.
type (
	msgEnter struct {
		adopted, answered bool
		offerTo           string // a transfer to this agent, reserved for the call already
	} // a caller entered Stasis (or was transferred into a queue)
	msgRestored struct{} // loaded from Redis after a restart
	msgDial     struct{} // outbound click-to-call placed
	msgOffer    struct {
		agent string
		at    time.Time
	} // the dispatcher claimed an agent
	msgEvent struct{ ev aril.Event } // an ARI event about one of the call's channels
	msgTimer struct {
		kind string
		seq  int
	} // max wait, ring backstop
	msgReconcile struct {
		live     map[string]ari.StasisChannel
		listedAt time.Time // when the channel list was asked for
		restart  asteriskRestart
		mixed    map[string][]string // our mixing bridges (cf-<call>-mix): the channels in each
	} // after a (re)connect: the channels Asterisk has now, and whether it restarted
	msgDisconnected struct{} // the node's event stream dropped
	msgAdoptTalk    struct{} // a conversation found in Asterisk that Redis never learned of (node.adoptTalk)
)

// call is the actor owning one live call. Only its goroutine touches c.
type call struct {
	acd  *ACD
	node *node
	c    *callfloor.Call

	// read by the dispatcher under acd.mu; set once at creation
	id       string
	queue    string
	priority int
	entered  time.Time

	// The mailbox: unbounded (a call gets a bounded number of events) so the node's event loop
	// never waits on a busy call; dead is set under mu when the call ends, after which sends fail
	// and the sender handles the message itself.
	mu      sync.Mutex
	mailbox []any
	dead    bool
	signal  chan struct{} // cap 1: the mailbox has messages
	quit    chan struct{} // instance shutdown (or the node's lease lost)
	exited  chan struct{} // closed when the actor's goroutine returns
	closed  bool          // actor side: the call ended

	timers      []*time.Timer
	offerSeq    int // bumps on each offer, to ignore stale ring timers
	dialStatus  string
	outbox      []pendingOp          // live-state writes kept while Redis is unreachable, in order
	monitors    []*monitor           // supervisors listening, whispering or barging
	monSeq      int                  // numbers the monitoring channels
	recvAt      time.Time            // when the call entered (routing latency)
	nonce       string               // this actor's, in its agent transitions' op ids
	opSeq       int                  // numbers those transitions
	parked      bool                 // the desktop's holding bridge may exist (deskhold.go)
	bridgeTries int                  // failed attempts at bridging the answered call (bridgeTalking)
	lost        bool                 // the caller was cut off by an Asterisk crash or restart (endInbound books it so)
	leaving     *leaving             // a leg left Stasis: the call ends when its ChannelDestroyed (the cause) comes
	goneAt      time.Time            // reconciling: when Asterisk's channel list was taken (endTime)
	recorded    bool                 // its RecordingFinished arrived
	closing     []string             // ended: these bridges are destroyed once the recording finished (closeBridges)
	fromRedis   bool                 // loaded from Redis at start (set before the actor runs)
	origAt      map[string]time.Time // when the call created each of its channels (originate)
	handedOver  bool                 // transferred to a queue or an agent: the caller goes on as another call (desktop.go)
	agentLeft   bool                 // transferred to a number: the agent left the call (wrap-up) before its end
	dl          *dialLine            // a dialler call's state (dialer_call.go); nil for the others
	campInc     map[string]int64     // the next save's campaign counters, when not the agent's (dialer_call.go)
}

// leaving is an inbound call's end in waiting: the caller (or the talking agent) left Stasis,
// and Asterisk sends the leg's ChannelDestroyed, which carries the hang-up cause, only after the
// StasisEnd. The call ends with that cause, at the time the leg left; if the ChannelDestroyed
// does not come within leavingWait it ends without a cause.
type leaving struct {
	channel, by string
	at          time.Time
}

// leavingWait bounds the wait for a leg's ChannelDestroyed after its StasisEnd (it follows
// within milliseconds when the application is subscribed to the channel).
const leavingWait = time.Second

func newCall(a *ACD, n *node, c *callfloor.Call) *call {
	return &call{acd: a, node: n, c: c, id: c.ID, queue: c.Queue, priority: c.Priority, entered: c.EnteredAt,
		signal: make(chan struct{}, 1), quit: make(chan struct{}), exited: make(chan struct{}), recvAt: time.Now(), nonce: strconv.FormatInt(rand.Int64(), 36)}
}

func (a *ACD) now() time.Time { return time.Now().UTC() }

// start registers the actor and runs it, handling first before any routed event.
func (cl *call) start(first any) {
	cl.acd.register(cl)
	cl.send(first)
	cl.acd.wg.Add(1)
	go cl.run()
}

// send delivers a message; false when the call has ended.
func (cl *call) send(m any) bool {
	cl.mu.Lock()
	if cl.dead {
		cl.mu.Unlock()
		return false
	}
	cl.mailbox = append(cl.mailbox, m)
	cl.mu.Unlock()
	select {
	case cl.signal <- struct{}{}:
	default:
	}
	return true
}

// close stops the actor (instance shutdown): the call stays live in Redis for the next start.
func (cl *call) close() {
	select {
	case <-cl.quit:
	default:
		close(cl.quit)
	}
}

func (cl *call) channels() []string {
	var out []string
	for _, ch := range []string{cl.c.CallerChannel, cl.c.AgentChannel, cl.c.CustomerChannel} {
		if ch != "" {
			out = append(out, ch)
		}
	}
	return out
}

func (cl *call) run() {
	defer cl.acd.wg.Done()
	defer close(cl.exited)
	defer func() {
		for _, t := range cl.timers {
			t.Stop()
		}
	}()
	for {
		select {
		case <-cl.quit:
			return
		case <-cl.signal:
		}
		for {
			cl.mu.Lock()
			if len(cl.mailbox) == 0 {
				cl.mu.Unlock()
				break
			}
			m := cl.mailbox[0]
			cl.mailbox[0] = nil
			cl.mailbox = cl.mailbox[1:]
			cl.mu.Unlock()
			cl.handle(m)
			if cl.closed {
				cl.afterEnd()
				return
			}
		}
	}
}

// afterEnd refuses further messages and settles those already queued: a recording that
// finished while the call was ending still belongs in its record.
func (cl *call) afterEnd() {
	cl.mu.Lock()
	cl.dead = true
	left := cl.mailbox
	cl.mailbox = nil
	cl.mu.Unlock()
	for _, m := range left {
		if r, ok := m.(request); ok {
			r.replyTo() <- errCallJustEnded
		}
		if o, ok := m.(msgOffer); ok {
			// claimed for this call just as it ended: the agent is not to stay reserved
			cl.acd.release(cl.ctx(), o.agent, cl.c.ID)
		}
		if e, ok := m.(msgEvent); ok {
			if r, ok := e.ev.(*aril.RecordingFinished); ok {
				cl.acd.recordingDone(cl.c.ID, r.Recording)
			}
		}
	}
}

// ctx is the node's: under a lease, the term's (fenced, cancelled when the lease is lost).
func (cl *call) ctx() context.Context { return cl.node.ctx() }

func (cl *call) ari() *ari.Client { return cl.node.client }

// originate creates one of the call's channels, noting when: a reconciliation whose channel
// list was taken before then must not take the channel's absence from it for a hang-up.
func (cl *call) originate(ctx context.Context, r ari.OriginateRequest) (*aril.ChannelData, error) {
	if cl.origAt == nil {
		cl.origAt = map[string]time.Time{}
	}
	cl.origAt[r.ChannelID] = time.Now()
	return cl.ari().Originate(ctx, r)
}

// liveNow is what a reconciliation knows of Asterisk's channels, from the call's side: the
// channels listed plus those the call created after the list was taken (their events come on
// the new connection).
func (cl *call) liveNow(m msgReconcile) msgReconcile {
	var late []string
	for id, at := range cl.origAt {
		if _, listed := m.live[id]; !listed && !at.Before(m.listedAt) {
			late = append(late, id)
		}
	}
	if len(late) == 0 {
		return m
	}
	live := make(map[string]ari.StasisChannel, len(m.live)+len(late))
	for id, ch := range m.live {
		live[id] = ch
	}
	for _, id := range late {
		live[id] = ari.StasisChannel{ID: id, State: "Down"}
	}
	m.live = live
	return m
}

func (cl *call) queueCfg() *callfloor.Queue { return cl.acd.settings().queues[cl.c.Queue] }

func (cl *call) after(d time.Duration, kind string, seq int) {
	cl.timers = append(cl.timers, time.AfterFunc(d, func() { cl.send(msgTimer{kind: kind, seq: seq}) }))
}

func (cl *call) logf(msg string, args ...any) {
	cl.acd.log.Info(msg, append([]any{"call", cl.c.ID, "queue", cl.c.Queue, "node", cl.node.name}, args...)...)
}

func (cl *call) warn(msg string, err error, args ...any) {
	cl.acd.log.Warn(msg, append([]any{"call", cl.c.ID, "node", cl.node.name, "err", err}, args...)...)
}

// save persists the call with its change-stream event and counters (see persist).
func (cl *call) save(evType string, queueInc, agentInc map[string]int64, agent string, offer *callfloor.Offer) {
	cl.c.Rev++
	snap := *cl.c
	snap.Offers = append([]callfloor.Offer(nil), cl.c.Offers...)
	var ev *callfloor.Event
	if evType != "" {
		var o *callfloor.Offer
		if offer != nil {
			oc := *offer
			o = &oc
		}
		ev = &callfloor.Event{Type: evType, At: cl.acd.now(), Call: &snap, Offer: o}
	}
	change := realtime.CallChange{Call: &snap, Event: ev, QueueInc: queueInc, AgentInc: agentInc, AgentID: agent}
	if snap.CampaignID != "" && snap.Direction == callfloor.Outbound {
		change.CampaignInc = campaignInc(agentInc)
		if cl.campInc != nil {
			change.CampaignInc, cl.campInc = cl.campInc, nil
		}
		if ag := cl.acd.settings().agents[snap.Agent]; ag != nil && change.CampaignInc[realtime.CampDials] == 0 {
			change.CampaignTeam = ag.Team // a dial is the campaign's; what the agent made of it, the team's too
		}
	}
	cl.persist(pendingOp{What: "saving call state", Call: snap.ID, Save: &change})
}

// transition changes an agent's state on behalf of the call (see persist).
func (cl *call) transition(what string, t realtime.Transition) { cl.transitionElse(what, t, false) }

// transitionElse is transition; with orFree, an agent the change finds available (Redis lost
// the claim: a failover) goes to t.To all the same (pendingOp.Else).
func (cl *call) transitionElse(what string, t realtime.Transition, orFree bool) {
	if t.Now.IsZero() {
		t.Now = cl.acd.now()
	}
	cl.opSeq++
	t.Op = fmt.Sprintf("%s:%s:%d", cl.c.ID, cl.nonce, cl.opSeq) // a retry after a lost reply applies once
	p := pendingOp{What: what, Call: cl.c.ID, Transition: &t}
	if orFree {
		e := t
		e.From, e.IfCall, e.Op = []callfloor.AgentState{callfloor.AgentAvailable}, "", t.Op+":else"
		p.Else = &e
	}
	cl.persist(p)
}

// persist runs one write to the live state. When Redis cannot be reached the write is kept, in
// order, and retried until it lands: a call goes on while Redis is down, and its record,
// counters and change-stream events arrive, once each and in order, when Redis is back. A kept
// write is also appended to the node's durable outbox (outbox.go), so that it survives a stop or
// a crash of callfloor and is replayed by the next start.
// Refusals (an agent no longer in the expected state) are logged, not retried.
func (cl *call) persist(p pendingOp) {
	p.Fence = cl.node.fence()
	if len(cl.outbox) == 0 {
		ctx := cl.ctx()
		err := cl.acd.apply(ctx, &p)
		if err == nil {
			return
		}
		switch {
		case ctx.Err() != nil:
			// stopping: the write goes to the outbox for the next start
		case !transient(ctx, err):
			cl.warn(p.What, err)
			return
		default:
			cl.warn(p.What+": kept until redis answers", err)
			cl.after(retryBackoff(0), "flush", 0)
		}
	}
	cl.node.outbox.add(&p)
	cl.outbox = append(cl.outbox, p)
}

func transient(ctx context.Context, err error) bool {
	return ctx.Err() == nil && callfloor.ErrorCode(err) == callfloor.EINTERNAL
}

func retryBackoff(attempt int) time.Duration {
	d := 50 * time.Millisecond << min(attempt, 6)
	return min(d, 2*time.Second)
}

// flush retries the kept writes in order. Stopping leaves them in the outbox.
func (cl *call) flush(attempt int) {
	ctx := cl.ctx()
	for len(cl.outbox) > 0 {
		p := &cl.outbox[0]
		if err := cl.acd.apply(ctx, p); err != nil {
			if ctx.Err() != nil {
				return
			}
			if transient(ctx, err) {
				cl.after(retryBackoff(attempt+1), "flush", attempt+1)
				return
			}
			cl.warn(p.What, err)
		}
		cl.node.outbox.done(p)
		cl.outbox = cl.outbox[1:]
	}
	cl.acd.log.Info("kept writes landed in redis", "call", cl.c.ID)
}

func (cl *call) handle(m any) {
	if cl.closing != nil {
		cl.handleClosing(m)
		return
	}
	switch m := m.(type) {
	case msgEnter:
		cl.enter(m)
	case msgRestored:
		cl.restored()
	case msgAdoptTalk:
		cl.adoptedTalking()
	case msgDial:
		cl.dialAgent()
	case msgDialCustomer:
		cl.dialCustomer()
	case msgOffer:
		cl.offer(m)
	case msgMonitor:
		m.reply <- cl.startMonitor(m)
	case msgHold:
		m.reply <- cl.deskHold(m.on)
	case msgHangup:
		m.reply <- cl.deskHangup()
	case msgTransfer:
		m.reply <- cl.transfer(m)
	case msgEvent:
		if cl.monitorEvent(m.ev) {
			return
		}
		if cl.c.Direction == callfloor.Outbound {
			cl.outboundEvent(m.ev)
		} else {
			cl.inboundEvent(m.ev)
		}
	case msgTimer:
		cl.timer(m)
	case msgReconcile:
		cl.reconcile(m)
	case msgDisconnected:
		cl.disconnected()
	}
}

// ---- inbound ----

func (cl *call) enter(m msgEnter) {
	c := cl.c
	if m.offerTo != "" {
		defer func() {
			if c.State == callfloor.CallEnded { // the caller went before the agent could be rung
				cl.acd.release(cl.ctx(), m.offerTo, c.ID)
			}
		}()
	}
	q := cl.queueCfg()
	if q == nil {
		cl.unknownQueue()
		return
	}
	if m.offerTo == "" && cl.screenCaller() { // customer flags: VIP ahead, blacklist refused (customers.go)
		return
	}
	cl.acd.metrics.offered.WithLabelValues(c.Queue).Inc()
	cl.save(callfloor.EvCallEntered, map[string]int64{realtime.CntOffered: 1}, nil, "", nil)
	if m.offerTo == "" {
		cl.acd.setWaiting(cl, true)
	}
	ctx := cl.ctx()
	// Stay subscribed to the caller's channel after it leaves Stasis: its ChannelDestroyed,
	// which follows the StasisEnd, carries the hang-up cause.
	if err := cl.ari().SubscribeChannel(ctx, c.CallerChannel); err != nil {
		if ari.IsUnprocessable(err) { // 422: the channel does not exist (404 is the application)
			cl.endInbound(callfloor.HangupCaller, 0, "") // gone already
			return
		}
		cl.warn("subscribing to the caller's channel (hang-up cause)", err)
	}
	if !m.answered {
		if err := cl.ari().Answer(ctx, c.CallerChannel); err != nil {
			cl.callerGoneOnError("answering the caller", err)
			return
		}
	}
	c.HoldBridge = chanPrefix + c.ID + "-hold"
	if _, err := cl.ari().CreateBridge(ctx, c.HoldBridge, "holding", "queue-"+c.Queue); err != nil && !ari.IsConflict(err) {
		cl.warn("creating the holding bridge", err)
	}
	if err := cl.ari().AddChannel(ctx, c.HoldBridge, c.CallerChannel); err != nil {
		cl.callerGoneOnError("putting the caller on hold", err)
		return
	}
	if err := cl.ari().StartBridgeMOH(ctx, c.HoldBridge, q.MusicClass); err != nil {
		cl.warn("starting music on hold", err)
	}
	cl.save("", nil, nil, "", nil)
	if q.MaxWait > 0 {
		cl.after(q.MaxWait, "maxwait", 0)
	}
	cl.callbackArm()
	if m.offerTo != "" {
		cl.offer(msgOffer{agent: m.offerTo, at: cl.acd.now()}) // a transfer to that agent
	}
}

// callerGoneOnError ends the call when a request fails because the caller's channel is gone
// (its StasisEnd will follow, but the call cannot go on either way).
func (cl *call) callerGoneOnError(what string, err error) {
	if ari.IsNotFound(err) {
		cl.endInbound(callfloor.HangupCaller, 0, "")
		return
	}
	cl.warn(what, err)
}

func (cl *call) unknownQueue() {
	c := cl.c
	s := cl.acd.settings()
	cl.acd.metrics.unknownQueue.Inc()
	cl.acd.log.Warn("call for an unknown queue", "queue", c.Queue, "args", c.Args, "channel", c.CallerChannel, "action", s.acd.UnknownQueue.Action)
	cl.leave(s.acd.UnknownQueue)
	c.State, c.Outcome, c.EndedAt, c.HangupBy = callfloor.CallEnded, callfloor.OutcomeUnknownQueue, cl.acd.now(), callfloor.HangupSystem
	cl.save(callfloor.EvCallEnded, nil, nil, "", nil)
	cl.finish()
}

// leave sends the caller out of Stasis: hang up, or continue in the dialplan.
func (cl *call) leave(d callfloor.Destination) {
	ctx := cl.ctx()
	if d.Action == callfloor.ActionContinue {
		prio := d.Priority
		if prio == 0 {
			prio = 1
		}
		if err := cl.ari().Continue(ctx, cl.c.CallerChannel, d.Context, d.Extension, prio); err == nil {
			return
		} else if !ari.IsNotFound(err) {
			cl.warn("continuing in the dialplan", err)
		}
	}
	if err := cl.ari().Hangup(ctx, cl.c.CallerChannel, "normal"); err != nil && !ari.IsNotFound(err) {
		cl.warn("hanging up the caller", err)
	}
}

func (cl *call) offer(m msgOffer) {
	c := cl.c
	s := cl.acd.settings()
	q := cl.queueCfg()
	ag := s.agents[m.agent]
	if c.State != callfloor.CallWaiting || ag == nil || q == nil || !cl.node.connected() || cl.leaving != nil {
		cl.acd.release(cl.ctx(), m.agent, c.ID)
		if c.State == callfloor.CallWaiting && cl.leaving == nil {
			cl.acd.setWaiting(cl, true)
		}
		return
	}
	cl.offerSeq++
	now := cl.acd.now()
	ch := fmt.Sprintf("%s%s-o%d", chanPrefix, c.ID, len(c.Offers)+1)
	c.State = callfloor.CallOffering
	c.AgentChannel = ch
	if c.FirstOfferAt.IsZero() {
		c.FirstOfferAt = now
	}
	c.Offers = append(c.Offers, callfloor.Offer{Agent: ag.ID, Channel: ch, Start: now})
	first := len(c.Offers) == 1
	_, err := cl.originate(cl.ctx(), ari.OriginateRequest{
		ChannelID: ch, Endpoint: ag.Endpoint, App: s.acd.App, AppArgs: []string{"agent", c.ID},
		CallerID: callerID(c.CallerName, c.CallerNumber), Timeout: q.RingTimeout,
	})
	if first {
		d := time.Since(cl.recvAt)
		cl.acd.metrics.routing.Observe(d.Seconds())
		if cl.acd.onRouted != nil {
			cl.acd.onRouted(d)
		}
	}
	off := c.LastOffer()
	cl.save(callfloor.EvCallOffered, nil, map[string]int64{realtime.CntOffers: 1}, ag.ID, off)
	if err != nil {
		cl.warn("ringing the agent", err, "agent", ag.ID, "endpoint", ag.Endpoint)
		cl.offerEnded(callfloor.OfferFailed, 0)
		return
	}
	// Backstop: Asterisk ends the ring at the timeout; if that event is lost, we end it here.
	cl.after(q.RingTimeout+5*time.Second, "ring", cl.offerSeq)
}

func callerID(name, number string) string {
	if number == "" {
		return ""
	}
	if name == "" {
		return "<" + number + ">"
	}
	return fmt.Sprintf("%q <%s>", name, number)
}

// offerEnded closes the current offer without an answer and puts the call back in the queue.
// Only a ring the agent let go (no answer, rejected) is a missed offer: it counts against them
// and pauses them (acd.missed_pause_reason). A phone that could not be rung (failed) goes back
// to available after a back-off (ACD.releaseAfterFailure); a ring whose result is unknown
// because the event stream was down (interrupted) or that the caller ended (canceled) puts
// the agent back to available at once.
func (cl *call) offerEnded(result string, cause int) {
	c := cl.c
	off := c.LastOffer()
	if off == nil || off.Result != "" {
		return
	}
	off.End, off.Result, off.Cause = cl.acd.now(), result, cause
	agent := off.Agent
	c.AgentChannel = ""
	c.State = callfloor.CallWaiting
	cl.acd.metrics.offers.WithLabelValues(result).Inc()
	agentInc := map[string]int64{}
	missed := result == callfloor.OfferNoAnswer || result == callfloor.OfferRejected
	if missed {
		agentInc[realtime.CntOffersNoAnswer] = 1
	}
	cl.save(callfloor.EvCallOfferEnded, nil, agentInc, agent, off)
	if result == callfloor.OfferFailed {
		cl.acd.releaseAfterFailure(agent, c.ID)
	} else {
		if missed {
			cl.acd.rang(agent)
		}
		s := cl.acd.settings()
		reason := s.acd.MissedPauseReason
		t := realtime.Transition{Agent: agent, From: []callfloor.AgentState{callfloor.AgentRinging}, IfCall: c.ID, To: callfloor.AgentAvailable}
		if missed && reason != "" {
			// paused after acd.missed_pause_after misses in a row, for the missed queue's time
			// (0: until unpaused); the ACD returns them (endTimedPauses)
			t.To, t.Reason, t.MissedAfter = callfloor.AgentPaused, reason, max(s.acd.MissedPauseAfter, 1)
			t.Now = cl.acd.now()
			if d := s.queues[c.Queue].MissedPause(s.acd); d > 0 {
				t.PauseUntil = t.Now.Add(d)
			}
		}
		cl.transition("agent after an unanswered offer", t)
	}
	if result != callfloor.OfferCanceled {
		cl.acd.setWaiting(cl, true)
	}
}

// disconnected: the node's event stream dropped. A ring in progress is withdrawn (its result
// could not be known, and an answer now would meet a deactivated application): the agent's
// phone stops ringing, the agent is available again, the caller waits to be offered again after
// the reconnect.
func (cl *call) disconnected() {
	c := cl.c
	if c.Direction != callfloor.Inbound || c.State != callfloor.CallOffering {
		return
	}
	cl.logf("offer withdrawn: the events connection is down", "agent", c.LastOffer().Agent)
	cl.withdrawOffer(callfloor.OfferInterrupted, 0)
}

// withdrawOffer ends the ringing offer with result (see offerEnded) and hangs up the agent's
// ringing leg.
func (cl *call) withdrawOffer(result string, cause int) {
	off := cl.c.LastOffer()
	cl.offerEnded(result, cause)
	if off != nil {
		cl.hangup(off.Channel)
	}
}

func (cl *call) inboundEvent(ev aril.Event) {
	c := cl.c
	if cl.callbackEvent(ev) { // key presses, the call-back's legs (callback.go)
		return
	}
	switch e := ev.(type) {
	case *aril.StasisStart:
		if e.Channel.ID == c.AgentChannel && c.State == callfloor.CallOffering {
			cl.agentAnswered()
		} else if e.Channel.ID == c.CustomerChannel && c.CustomerChannel != "" && c.State == callfloor.CallTalking {
			cl.transferAnswered()
		} else if callIDOf(e.Channel.ID) == c.ID && e.Channel.ID != c.AgentChannel {
			// a late answer of an offer we already gave up on
			go cl.ari().Hangup(cl.ctx(), e.Channel.ID, "normal") //nolint:errcheck
		}
	case *aril.ChannelDestroyed:
		cl.channelGone(e.Channel.ID, e.Cause, e.CauseTxt)
	case *aril.StasisEnd:
		cl.leftStasis(e.Channel.ID)
	case *aril.RecordingFinished:
		cl.recording(e.Recording)
	case *aril.RecordingFailed:
		cl.warn("recording failed", fmt.Errorf("%s", e.Recording.Cause), "recording", e.Recording.Name)
	case *aril.ChannelHold:
		cl.hold(e.Channel.ID, true)
	case *aril.ChannelUnhold:
		cl.hold(e.Channel.ID, false)
	}
}

// hold follows the legs' hold keys: the call is on hold from a leg's ChannelHold to that leg's
// ChannelUnhold (the customer hears music on hold; the agent is still on the call). Hold time
// counts only while the call is talking; a hold still on at the end ends with the call.
func (cl *call) hold(ch string, on bool) {
	c := cl.c
	now := cl.acd.now()
	switch {
	case ch == "" || (ch != c.AgentChannel && ch != c.CallerChannel && ch != c.CustomerChannel):
	case on && c.StartHold(ch, now):
		cl.logf("call on hold", "channel", ch)
		cl.save(callfloor.EvCallHeld, nil, nil, c.Agent, nil)
	case !on && c.EndHold(ch, now):
		cl.logf("call off hold", "channel", ch, "held_ms", c.HeldMs)
		cl.save(callfloor.EvCallResumed, nil, nil, c.Agent, nil)
	}
}

// leftStasis: a leg's StasisEnd. Asterisk sends it before the leg's ChannelDestroyed (see the
// traces), and only ChannelDestroyed has the hang-up cause. A caller (or the talking agent)
// leaving ends the call: routing for it stops now, and the call ends with the cause when the
// ChannelDestroyed comes (bounded by leavingWait), timed at this StasisEnd.
func (cl *call) leftStasis(ch string) {
	c := cl.c
	if cl.leaving != nil {
		return
	}
	var by string
	switch {
	case ch == c.CallerChannel:
		by = callfloor.HangupCaller
	case ch == c.AgentChannel && c.State == callfloor.CallTalking:
		by = callfloor.HangupAgent
	case ch == c.CustomerChannel && c.CustomerChannel != "":
		by = callfloor.HangupSystem // the number the call was transferred to hung up
	default:
		cl.channelGone(ch, 0, "") // e.g. the ringing agent leg: its end is the offer's
		return
	}
	cl.leaving = &leaving{channel: ch, by: by, at: cl.acd.now()}
	cl.acd.setWaiting(cl, false)
	if c.State == callfloor.CallOffering {
		cl.withdrawOffer(callfloor.OfferCanceled, 0)
	}
	cl.after(leavingWait, "leaving", 0)
}

func (cl *call) channelGone(ch string, cause int, causeTxt string) {
	c := cl.c
	if l := cl.leaving; l != nil {
		if ch == l.channel {
			cl.endInbound(l.by, cause, causeTxt)
		}
		return // the call is ending with the leg that left first
	}
	switch {
	case ch == c.CallerChannel:
		if c.Cause == 0 {
			c.Cause, c.CauseText = cause, causeTxt
		}
		cl.endInbound(callfloor.HangupCaller, cause, causeTxt)
	case ch == c.AgentChannel && c.State == callfloor.CallOffering:
		result := callfloor.OfferNoAnswer
		switch cause {
		case 17, 21:
			result = callfloor.OfferRejected
		case 19, 18, 0, 16:
		default:
			result = callfloor.OfferFailed
		}
		cl.offerEnded(result, cause)
	case ch == c.AgentChannel && c.State == callfloor.CallTalking:
		cl.endInbound(callfloor.HangupAgent, cause, causeTxt)
	case ch == c.CustomerChannel && c.CustomerChannel != "":
		cl.endInbound(callfloor.HangupSystem, cause, causeTxt) // the number did not answer, or hung up
	}
}

func (cl *call) agentAnswered() {
	c := cl.c
	if c.IsCallback() {
		cl.callbackAgentAnswered() // the caller's number is dialled now (callback.go)
		return
	}
	s := cl.acd.settings()
	q := cl.queueCfg()
	now := cl.acd.now()
	off := c.LastOffer()
	off.End, off.Result = now, callfloor.OfferAnswered
	cl.acd.rang(off.Agent)
	c.State, c.AnsweredAt, c.Agent = callfloor.CallTalking, now, off.Agent
	c.MixBridge = chanPrefix + c.ID + "-mix"
	cl.transitionElse("agent to on call", realtime.Transition{Agent: off.Agent, From: []callfloor.AgentState{callfloor.AgentRinging}, IfCall: c.ID,
		To: callfloor.AgentOnCall, Direction: callfloor.Inbound, Call: c.ID, Now: now}, true)
	inc := map[string]int64{realtime.CntAnswered: 1, realtime.CntSumWaitAnswered: c.WaitMs()}
	if q != nil {
		if within, _ := q.Thresholds().Classify(c.WaitMs(), true); within {
			inc[realtime.CntAnsweredWithinT] = 1
		}
	}
	cl.acd.metrics.answered.WithLabelValues(c.Queue).Inc()
	if *s.acd.RecordCalls {
		c.RecordingName = fmt.Sprintf("callfloor/%s/%s", now.Format("2006-01-02"), c.ID)
		c.RecordingFormat = s.acd.RecordingFormat
	}
	cl.save(callfloor.EvCallAnswered, inc, map[string]int64{realtime.CntAnswered: 1}, off.Agent, off)
	cl.bridgeTalking(false)
}

// bridgeTalking moves the answered caller from the holding bridge into the call's mixing bridge
// with the agent, starts the recording and destroys the holding bridge; HoldBridge = "" marks it
// done. Every step may run again (redo: a restart or a refusal interrupted it, see reconcile):
// an existing bridge, a channel already in it, a recording in progress are left as they are.
// Only a redo asks Asterisk who is in the bridge already (one REST call less per answered call).
func (cl *call) bridgeTalking(redo bool) {
	c := cl.c
	ctx := cl.ctx()
	if _, err := cl.ari().CreateBridge(ctx, c.MixBridge, "mixing", ""); err != nil && !ari.IsConflict(err) {
		cl.warn("creating the call bridge", err)
	}
	if c.HoldBridge != "" {
		if err := cl.ari().RemoveChannel(ctx, c.HoldBridge, c.CallerChannel); err != nil && !ari.IsNotFound(err) && !ari.IsUnprocessable(err) {
			cl.warn("taking the caller off hold", err)
		}
	}
	add := []string{c.CallerChannel, c.AgentChannel}
	if redo {
		if b, err := cl.ari().GetBridge(ctx, c.MixBridge); err == nil {
			add = slices.DeleteFunc(add, func(ch string) bool { return slices.Contains(b.ChannelIDs, ch) })
		}
	}
	bridged := true
	if len(add) > 0 {
		if err := cl.ari().AddChannel(ctx, c.MixBridge, add...); err != nil {
			cl.warn("bridging caller and agent", err)
			bridged = false
		}
	}
	if c.RecordingName != "" {
		if _, err := cl.ari().Record(ctx, c.MixBridge, c.RecordingName, c.RecordingFormat); err != nil && !ari.IsConflict(err) {
			cl.warn("starting the recording", err)
		}
	}
	if c.HoldBridge != "" {
		if err := cl.ari().DestroyBridge(ctx, c.HoldBridge); err != nil && !ari.BridgeGone(err) {
			cl.warn("destroying the holding bridge", err)
		}
	}
	if ctx.Err() != nil {
		return // stopping: HoldBridge stays set, so the next start completes this
	}
	if !bridged {
		// Asterisk refused or did not answer: keep HoldBridge (not done) and try again
		cl.bridgeTries++
		cl.after(retryBackoff(cl.bridgeTries), "rebridge", 0)
		return
	}
	cl.bridgeTries = 0
	c.HoldBridge = ""
	cl.save("", nil, nil, "", nil)
}

// endInbound ends an inbound call in whatever state it is.
func (cl *call) endInbound(by string, cause int, causeTxt string) {
	c := cl.c
	if c.State == callfloor.CallEnded {
		return
	}
	now := cl.endTime()
	q := cl.queueCfg()
	th := callfloor.Thresholds{ServiceLevelT: 20 * time.Second, ShortAbandonS: 5 * time.Second}
	if q != nil {
		th = q.Thresholds()
	}
	wasTalking := c.State == callfloor.CallTalking
	if c.State == callfloor.CallOffering {
		cl.withdrawOffer(callfloor.OfferCanceled, 0)
	}
	cl.acd.setWaiting(cl, false)
	c.State, c.EndedAt, c.HangupBy = callfloor.CallEnded, now, by
	if c.Cause == 0 {
		c.Cause, c.CauseText = cause, causeTxt
	}
	inc := map[string]int64{}
	agentInc := map[string]int64{}
	if wasTalking {
		c.Outcome = callfloor.OutcomeAnswered
		wrap := wrapUp(q).Milliseconds()
		hold := c.SettleHold(now)
		c.WrapMs = &wrap
		inc[realtime.CntHandled] = 1
		inc[realtime.CntSumTalk] = c.TalkMs()
		inc[realtime.CntSumHold] = hold
		inc[realtime.CntSumWrap] = wrap
		agentInc[realtime.CntHandled] = 1
		agentInc[realtime.CntSumTalk] = c.TalkMs()
		agentInc[realtime.CntSumHold] = hold
		agentInc[realtime.CntSumWrap] = wrap
	} else if c.Outcome == "" && cl.lost {
		// cut off by an Asterisk crash or restart: a system fault, not an abandon
		c.Outcome = callfloor.OutcomeLost
		inc[realtime.CntLost] = 1
		cl.acd.metrics.lost.WithLabelValues(c.Queue).Inc()
	} else if c.Outcome == "" {
		w := c.WaitMs()
		within, short := th.Classify(w, false)
		c.Outcome = callfloor.OutcomeAbandoned
		inc[realtime.CntAbandoned] = 1
		inc[realtime.CntSumWaitAbandoned] = w
		if within {
			inc[realtime.CntAbandonedWithinT] = 1
		}
		if short {
			c.Outcome = callfloor.OutcomeShortAbandon
			inc[realtime.CntShortAbandoned] = 1
		}
		cl.acd.metrics.abandoned.WithLabelValues(c.Queue).Inc()
	}
	cl.save(callfloor.EvCallEnded, inc, agentInc, c.Agent, nil)
	cl.logf("call ended", "outcome", c.Outcome, "by", by, "wait_ms", c.WaitMs(), "talk_ms", c.TalkMs())
	if by != callfloor.HangupCaller && !cl.handedOver && !(wasTalking && by == callfloor.HangupAgent && cl.startSurvey()) {
		cl.hangup(c.CallerChannel)
	}
	if wasTalking && by != callfloor.HangupAgent {
		cl.hangup(c.AgentChannel)
	}
	if c.CustomerChannel != "" {
		cl.hangup(c.CustomerChannel) // the number the call was transferred to
	}
	if wasTalking && !cl.agentLeft {
		cl.toWrapUp(c.Agent, wrapUp(q))
	}
	cl.closeBridges(c.HoldBridge, c.MixBridge)
}

// endTime is when an ending call ended: when its leg left Stasis (not when its cause arrived),
// or, for an end a reconciliation infers from a channel gone, when Asterisk's channel list
// showed it gone (goneAt: the earliest time known to be after the hang-up), else now.
func (cl *call) endTime() time.Time {
	switch {
	case cl.leaving != nil:
		return cl.leaving.at
	case !cl.goneAt.IsZero():
		t := cl.goneAt.UTC()
		for _, b := range []time.Time{cl.c.EnteredAt, cl.c.AnsweredAt} {
			if b.After(t) {
				t = b // another instance's clock
			}
		}
		return t
	}
	return cl.acd.now()
}

func wrapUp(q *callfloor.Queue) time.Duration {
	if q == nil {
		return 0
	}
	return q.WrapUp
}

func (cl *call) toWrapUp(agent string, wrap time.Duration) {
	now := cl.acd.now()
	t := realtime.Transition{Agent: agent, From: []callfloor.AgentState{callfloor.AgentOnCall, callfloor.AgentRinging}, IfCall: cl.c.ID,
		To: callfloor.AgentWrapUp, WrapUntil: now.Add(wrap), CountCall: true, Now: now}
	if wrap <= 0 {
		t.To, t.WrapUntil = callfloor.AgentAvailable, time.Time{}
	}
	cl.transition("agent to wrap-up", t)
}

func (cl *call) hangup(ch string) {
	if ch == "" {
		return
	}
	if err := cl.ari().Hangup(cl.ctx(), ch, "normal"); err != nil && !ari.IsNotFound(err) {
		cl.warn("hanging up", err, "channel", ch)
	}
}

// recordingWait bounds the wait for RecordingFinished after stopping an ended call's recording.
const recordingWait = 3 * time.Second

// closeBridges destroys an ended call's bridges and finishes the actor. The mixing bridge is
// recorded: Asterisk, when a bridge is destroyed while it is still recording, sometimes sends
// no RecordingFinished, and that recording would never reach the catalogue (no duration, never
// pruned). So the recording is stopped first (POST /recordings/live/{name}/stop) and the bridge
// destroyed once its RecordingFinished (or RecordingFailed) arrived, or after recordingWait.
func (cl *call) closeBridges(bridges ...string) {
	c := cl.c
	var keep []string
	for _, b := range bridges {
		if b == "" {
			continue
		}
		if b == c.MixBridge && c.RecordingName != "" && !cl.recorded {
			keep = append(keep, b)
			continue
		}
		cl.destroyBridge(b)
	}
	if len(keep) == 0 {
		cl.finish()
		return
	}
	if err := cl.ari().StopRecording(cl.ctx(), c.RecordingName); err != nil {
		if !ari.IsNotFound(err) { // not found: not recording (finished already, or never started)
			cl.warn("stopping the recording", err, "recording", c.RecordingName)
		}
		for _, b := range keep {
			cl.destroyBridge(b)
		}
		cl.finish()
		return
	}
	cl.closing = keep
	cl.after(recordingWait, "recording", 0)
}

func (cl *call) destroyBridge(b string) {
	if err := cl.ari().DestroyBridge(cl.ctx(), b); err != nil && !ari.BridgeGone(err) {
		cl.warn("destroying bridge", err, "bridge", b)
	}
}

// handleClosing: the call has ended and waits for its recording to finish (closeBridges).
func (cl *call) handleClosing(m any) {
	done := false
	switch m := m.(type) {
	case msgEvent:
		switch e := m.ev.(type) {
		case *aril.RecordingFinished:
			cl.recording(e.Recording)
			done = true
		case *aril.RecordingFailed:
			cl.warn("recording failed", fmt.Errorf("%s", e.Recording.Cause), "recording", e.Recording.Name)
			done = true
		}
	case msgTimer:
		switch m.kind {
		case "recording":
			cl.warn("no RecordingFinished after stopping the recording: the catalogue sweep will add it", nil, "recording", cl.c.RecordingName)
			done = true
		case "flush":
			cl.flush(m.seq)
		}
	case msgOffer:
		cl.acd.release(cl.ctx(), m.agent, cl.c.ID)
	case request:
		m.replyTo() <- errCallJustEnded
	}
	if done {
		for _, b := range cl.closing {
			cl.destroyBridge(b)
		}
		cl.closing = nil
		cl.finish()
	}
}

// finish stops the actor; late events (recording finished) are handled by the node.
func (cl *call) finish() {
	cl.endMonitors()
	cl.unpark()
	cl.closed = true
	cl.acd.unregister(cl)
	if len(cl.outbox) > 0 {
		cl.acd.drain(cl.node, cl.c.ID, cl.outbox)
		cl.outbox = nil
	}
}

func (cl *call) recording(r aril.LiveRecordingData) {
	c := cl.c
	cl.recorded = true
	c.RecordingDuration = int(time.Duration(r.Duration) / time.Second)
	cl.save(callfloor.EvRecordingReady, nil, nil, "", nil)
}

// recordingDone attaches a recording that finished after its call ended.
func (a *ACD) recordingDone(callID string, r aril.LiveRecordingData) {
	ctx := a.ctx
	c, err := a.store.Call(ctx, callID)
	if err != nil {
		return
	}
	c.RecordingDuration = int(time.Duration(r.Duration) / time.Second)
	ev := &callfloor.Event{Type: callfloor.EvRecordingReady, At: a.now(), Call: c}
	if err := a.store.SaveCall(ctx, realtime.CallChange{Call: c, Event: ev}); err != nil {
		a.log.Warn("saving recording", "call", callID, "err", err)
	}
}

func (cl *call) timer(m msgTimer) {
	c := cl.c
	if cl.dl != nil && cl.dialerTimer(m) {
		return
	}
	if cl.customerTimer(m) {
		return
	}
	switch m.kind {
	case "maxwait":
		if (c.State != callfloor.CallWaiting && c.State != callfloor.CallOffering) || cl.leaving != nil || c.IsCallback() {
			return
		}
		q := cl.queueCfg()
		cl.logf("max wait reached", "action", q.OnMaxWait.Action)
		if c.State == callfloor.CallOffering {
			cl.withdrawOffer(callfloor.OfferCanceled, 0)
		}
		cl.acd.setWaiting(cl, false)
		if c.HoldBridge != "" {
			_ = cl.ari().RemoveChannel(cl.ctx(), c.HoldBridge, c.CallerChannel)
		}
		c.Outcome = callfloor.OutcomeFlowedOut
		cl.acd.metrics.flowedOut.WithLabelValues(c.Queue).Inc()
		now := cl.acd.now()
		c.State, c.EndedAt, c.HangupBy = callfloor.CallEnded, now, callfloor.HangupSystem
		cl.save(callfloor.EvCallEnded, map[string]int64{realtime.CntFlowedOut: 1}, nil, "", nil)
		cl.leave(q.OnMaxWait)
		if c.HoldBridge != "" {
			_ = cl.ari().DestroyBridge(cl.ctx(), c.HoldBridge)
		}
		cl.finish()
	case "ring":
		if m.seq != cl.offerSeq || c.State != callfloor.CallOffering {
			return
		}
		if cl.node.connected() {
			cl.withdrawOffer(callfloor.OfferNoAnswer, 19)
		} else {
			cl.withdrawOffer(callfloor.OfferInterrupted, 0) // its end event could not reach us
		}
	case "leaving":
		if l := cl.leaving; l != nil && c.State != callfloor.CallEnded {
			cl.warn("no ChannelDestroyed after StasisEnd: ending without a hang-up cause", nil, "channel", l.channel)
			if c.Direction == callfloor.Outbound {
				cl.outboundGone(l.channel, 0, "")
			} else {
				cl.endInbound(l.by, 0, "")
			}
		}
	case "flush":
		cl.flush(m.seq)
	case "cboffer", "cbconfirm", "cbretry":
		cl.callbackTimer(m)
	case "rebridge":
		if c.State == callfloor.CallTalking && c.HoldBridge != "" && cl.leaving == nil {
			cl.bridgeTalking(true)
		}
	case "agentring":
		if c.State == callfloor.CallDialing && c.CustomerChannel == "" && c.AnsweredAt.IsZero() && m.seq == cl.offerSeq {
			cl.endOutbound(callfloor.OutcomeFailed, callfloor.HangupSystem, 19, "agent did not answer")
		}
	}
}

// ---- restart and reconnect ----

func (cl *call) restored() {
	c := cl.c
	cl.parked = c.HoldChannel == callfloor.DeskHoldChannel
	switch c.State {
	case callfloor.CallWaiting:
		if !cl.callbackHeld() {
			cl.acd.setWaiting(cl, true)
		}
	case callfloor.CallOffering:
		cl.callbackArm()
		cl.offerSeq++
		if q := cl.queueCfg(); q != nil {
			cl.after(q.RingTimeout+5*time.Second, "ring", cl.offerSeq)
		}
	}
	if q := cl.queueCfg(); q != nil && q.MaxWait > 0 && !c.IsCallback() && (c.State == callfloor.CallWaiting || c.State == callfloor.CallOffering) {
		cl.after(time.Until(c.EnteredAt.Add(q.MaxWait)), "maxwait", 0)
	}
}

func (cl *call) reconcile(m msgReconcile) {
	c := cl.c
	m = cl.liveNow(m)
	if cl.leaving != nil {
		return // ending already, with the leg that left
	}
	cl.goneAt = m.listedAt // an end inferred here is dated by the channel list
	defer func() { cl.goneAt = time.Time{} }()
	_, callerUp := m.live[c.CallerChannel]
	agentCh, agentUp := m.live[c.AgentChannel]
	if c.Direction == callfloor.Inbound && c.AgentChannel == "" && cl.c.TransferredTo != "" {
		agentUp = true // transferred to a number: the agent has left, the caller and the number remain
		if _, up := m.live[c.CustomerChannel]; !up && c.CustomerChannel != "" && callerUp {
			cl.endInbound(callfloor.HangupSystem, 16, "gone during disconnect")
			return
		}
	}
	if cl.dl != nil {
		cl.dialerReconcile(m)
		return
	}
	if c.Direction == callfloor.Inbound && cl.callbackReconcile(m) {
		return // a call-back has no caller on the line (callback.go)
	}
	if c.Direction == callfloor.Outbound {
		custCh, custUp := m.live[c.CustomerChannel]
		switch {
		case c.AgentChannel != "" && !agentUp:
			out := callfloor.OutcomeFailed
			if !c.AnsweredAt.IsZero() {
				out = callfloor.OutcomeAnswered
			}
			cl.endOutbound(out, callfloor.HangupAgent, 16, "gone during disconnect")
		case c.CustomerChannel != "" && !custUp:
			out := callfloor.OutcomeNoAnswer
			if !c.AnsweredAt.IsZero() {
				out = callfloor.OutcomeAnswered
			}
			cl.endOutbound(out, callfloor.HangupCaller, 16, "gone during disconnect")
		case c.CustomerChannel != "" && custUp && custCh.State == "Up" && c.AnsweredAt.IsZero():
			cl.customerAnswered()
		case c.AgentChannel != "" && agentUp && agentCh.State == "Up" && c.MixBridge == "":
			cl.agentLegAnswered()
		}
		return
	}
	lost := m.restart.lost(c.EnteredAt)
	if c.State == callfloor.CallWaiting || c.State == callfloor.CallOffering {
		if leg, agent := cl.bridgedLeg(m); agent != "" {
			cl.adoptBridged(leg, agent)
			return
		}
	}
	switch c.State {
	case callfloor.CallWaiting:
		switch {
		case !callerUp && lost:
			cl.endLost()
		case !callerUp:
			cl.endInbound(callfloor.HangupCaller, 16, "gone during disconnect")
		}
	case callfloor.CallOffering:
		switch {
		case !callerUp && lost:
			cl.endLost()
		case !callerUp:
			cl.endInbound(callfloor.HangupCaller, 16, "gone during disconnect")
		case !agentUp:
			// The ring ended while we could not hear it (the agent let it ring out, or answered
			// into the deactivated application and was hung up): not a missed ring.
			cl.offerEnded(callfloor.OfferInterrupted, 0)
		case agentCh.State == "Up":
			cl.agentAnswered()
		}
	case callfloor.CallTalking:
		switch {
		case lost && (!callerUp || !agentUp):
			cl.endInbound(callfloor.HangupSystem, 0, "asterisk restarted")
		case !callerUp && !agentUp:
			cl.endInbound(callfloor.HangupSystem, 16, "both legs gone while disconnected")
		case !callerUp:
			cl.endInbound(callfloor.HangupCaller, 16, "gone during disconnect")
		case !agentUp:
			cl.endInbound(callfloor.HangupAgent, 16, "gone during disconnect")
		case c.HoldBridge != "":
			// answered, but the bridging did not finish (callfloor stopped in between)
			cl.logf("completing the bridging of an answered call")
			cl.bridgeTalking(true)
		}
	}
}

// adoptedTalking books a conversation found in Asterisk that Redis never learned of (the
// previous holder's writes were refused): the call enters and is answered by its agent, who is
// marked on this call whatever Redis said (Asterisk shows them talking).
func (cl *call) adoptedTalking() {
	c := cl.c
	now := cl.acd.now()
	cl.acd.metrics.offered.WithLabelValues(c.Queue).Inc()
	cl.save(callfloor.EvCallEntered, map[string]int64{realtime.CntOffered: 1}, nil, "", nil)
	cl.bookAdoptedAnswer(now)
	// the caller's ChannelDestroyed, after its StasisEnd, carries the hang-up cause
	if err := cl.ari().SubscribeChannel(cl.ctx(), c.CallerChannel); err != nil && ari.IsUnprocessable(err) {
		cl.endInbound(callfloor.HangupCaller, 0, "")
	}
}

// bookAdoptedAnswer books the answer of a conversation found in Asterisk (c talking with
// c.Agent already): the agent is marked on this call whatever Redis said, as Asterisk shows them
// talking, and the answer is counted.
func (cl *call) bookAdoptedAnswer(now time.Time) {
	c := cl.c
	cl.transition("adopted conversation: agent on call", realtime.Transition{Agent: c.Agent,
		To: callfloor.AgentOnCall, Direction: callfloor.Inbound, Call: c.ID, Now: now})
	inc := map[string]int64{realtime.CntAnswered: 1, realtime.CntSumWaitAnswered: c.WaitMs()}
	if q := cl.queueCfg(); q != nil {
		if within, _ := q.Thresholds().Classify(c.WaitMs(), true); within {
			inc[realtime.CntAnsweredWithinT] = 1
		}
	}
	cl.acd.metrics.answered.WithLabelValues(c.Queue).Inc()
	cl.save(callfloor.EvCallAnswered, inc, map[string]int64{realtime.CntAnswered: 1}, c.Agent, c.LastOffer())
}

// bridgedLeg is the agent leg (cf-<call>-o<n>) Asterisk has in the call's mixing bridge with
// its caller, and the agent whose endpoint rang it; "" when the caller is not so bridged.
func (cl *call) bridgedLeg(m msgReconcile) (ari.StasisChannel, string) {
	c := cl.c
	chans := m.mixed[chanPrefix+c.ID+"-mix"]
	if !slices.Contains(chans, c.CallerChannel) {
		return ari.StasisChannel{}, ""
	}
	for _, id := range chans {
		if leg, ok := m.live[id]; ok && strings.HasPrefix(id, chanPrefix+c.ID+"-o") {
			if ag := cl.acd.agentOfChannel(leg.Name); ag != "" {
				return leg, ag
			}
		}
	}
	return ari.StasisChannel{}, ""
}

// adoptBridged takes up a restored call that Redis has waiting (or ringing) while Asterisk has
// its caller talking with an agent (bridgedLeg): the previous holder's writes about the offer
// and the answer were refused. The call is talking with that agent, not offered again.
func (cl *call) adoptBridged(leg ari.StasisChannel, agent string) {
	c := cl.c
	cl.logf("adopting the conversation asterisk has", "agent", agent, "leg", leg.ID)
	now := cl.acd.now()
	answered := leg.CreatedAt()
	if answered.IsZero() || answered.After(now) || answered.Before(c.EnteredAt) {
		answered = now
	}
	if off := c.LastOffer(); off != nil && off.Result == "" && (off.Channel != leg.ID || off.Agent != agent) {
		cl.offerEnded(callfloor.OfferInterrupted, 0) // another ring the refused writes left behind
	}
	cl.acd.setWaiting(cl, false)
	if off := c.LastOffer(); off == nil || off.Channel != leg.ID {
		c.Offers = append(c.Offers, callfloor.Offer{Agent: agent, Channel: leg.ID, Start: answered})
	}
	off := c.LastOffer()
	off.End, off.Result = answered, callfloor.OfferAnswered
	if c.FirstOfferAt.IsZero() {
		c.FirstOfferAt = answered
	}
	c.State, c.AnsweredAt, c.Agent, c.AgentChannel = callfloor.CallTalking, answered, agent, leg.ID
	c.MixBridge = chanPrefix + c.ID + "-mix"
	cl.bookAdoptedAnswer(now)
	if c.HoldBridge != "" {
		if err := cl.ari().DestroyBridge(cl.ctx(), c.HoldBridge); err != nil && !ari.BridgeGone(err) {
			cl.warn("destroying the holding bridge", err)
		}
		c.HoldBridge = ""
		cl.save("", nil, nil, "", nil)
	}
}

// endLost ends a waiting caller cut off by an Asterisk crash or restart (outcome lost).
func (cl *call) endLost() {
	cl.lost = true
	cl.endInbound(callfloor.HangupSystem, 0, "asterisk restarted")
}

// ---- outbound ----

func (cl *call) dialAgent() {
	c := cl.c
	s := cl.acd.settings()
	ag := s.agents[c.Agent]
	cl.acd.metrics.outbound.WithLabelValues("placed").Inc()
	c.AgentChannel = fmt.Sprintf("%s%s-a1", chanPrefix, c.ID)
	cl.save(callfloor.EvCallEntered, nil, map[string]int64{realtime.CntOutDials: 1}, c.Agent, nil)
	if ag == nil {
		cl.endOutbound(callfloor.OutcomeFailed, callfloor.HangupSystem, 0, "agent removed")
		return
	}
	ringFor := 15 * time.Second
	_, err := cl.originate(cl.ctx(), ari.OriginateRequest{ChannelID: c.AgentChannel, Endpoint: ag.Endpoint, App: s.acd.App,
		AppArgs: []string{"agent-outbound", c.ID}, CallerID: callerID("", c.CalledNumber), Timeout: ringFor})
	if err != nil {
		cl.warn("ringing the agent for an outbound call", err, "agent", ag.ID)
		cl.endOutbound(callfloor.OutcomeFailed, callfloor.HangupSystem, 0, err.Error())
		return
	}
	cl.offerSeq++
	cl.after(ringFor+5*time.Second, "agentring", cl.offerSeq)
}

// outboundEvent handles an outbound call's events: a click-to-call's (agent first) or a
// dialler call's (customer first, dialer_call.go).
func (cl *call) outboundEvent(ev aril.Event) {
	c := cl.c
	agentUp, customerUp := cl.agentLegAnswered, cl.customerAnswered
	if cl.dl != nil {
		agentUp, customerUp = cl.dialAgentUp, cl.dialAnswered
	}
	switch e := ev.(type) {
	case *aril.StasisStart:
		switch e.Channel.ID {
		case c.AgentChannel:
			agentUp()
		case c.CustomerChannel:
			customerUp()
		}
	case *aril.Dial:
		if e.Peer.ID == c.CustomerChannel && e.Dialstatus != "" {
			cl.dialStatus = e.Dialstatus
		}
	case *aril.ChannelDestroyed:
		if cl.dl != nil {
			cl.dialChannelGone(e.Channel.ID, e.Cause, e.CauseTxt)
			return
		}
		if l := cl.leaving; l != nil {
			if e.Channel.ID == l.channel {
				cl.outboundGone(e.Channel.ID, e.Cause, e.CauseTxt)
			}
			return
		}
		cl.outboundGone(e.Channel.ID, e.Cause, e.CauseTxt)
	case *aril.StasisEnd:
		// as inbound (leftStasis): the leg's ChannelDestroyed, with the cause, follows (a dialler
		// call waits for it: the ;2 half's carries the network's cause)
		if ch := e.Channel.ID; cl.dl == nil && cl.leaving == nil && (ch == c.CustomerChannel || ch == c.AgentChannel) {
			cl.leaving = &leaving{channel: ch, at: cl.acd.now()}
			cl.after(leavingWait, "leaving", 0)
		}
	case *aril.RecordingFinished:
		cl.recording(e.Recording)
	case *aril.ChannelHold:
		cl.hold(e.Channel.ID, true)
	case *aril.ChannelUnhold:
		cl.hold(e.Channel.ID, false)
	case *aril.PlaybackFinished:
		if cl.dl != nil {
			cl.dialDropPlayed(e.Playback)
		}
	}
}

func (cl *call) agentLegAnswered() {
	c := cl.c
	ctx := cl.ctx()
	s := cl.acd.settings()
	if c.MixBridge != "" {
		return
	}
	c.MixBridge = chanPrefix + c.ID + "-mix"
	cl.transition("agent to on call", realtime.Transition{Agent: c.Agent, From: []callfloor.AgentState{callfloor.AgentRinging}, IfCall: c.ID,
		To: callfloor.AgentOnCall, Direction: callfloor.Outbound, Call: c.ID})
	if _, err := cl.ari().CreateBridge(ctx, c.MixBridge, "mixing", ""); err != nil && !ari.IsConflict(err) {
		cl.warn("creating the call bridge", err)
	}
	if err := cl.ari().AddChannel(ctx, c.MixBridge, c.AgentChannel); err != nil {
		cl.warn("bridging the agent", err)
	}
	c.CustomerChannel = fmt.Sprintf("%s%s-c1", chanPrefix, c.ID)
	c.CustomerRingAt = cl.acd.now()
	out := s.acd.Outbound
	cl.save("", nil, nil, "", nil)
	_, err := cl.originate(ctx, ari.OriginateRequest{ChannelID: c.CustomerChannel, Endpoint: strings.ReplaceAll(out.DialString, "{number}", c.CalledNumber),
		App: s.acd.App, AppArgs: []string{"customer", c.ID}, CallerID: out.CallerID, Timeout: out.RingTimeout})
	if err != nil {
		cl.warn("dialling the customer", err)
		cl.endOutbound(callfloor.OutcomeFailed, callfloor.HangupSystem, 0, err.Error())
	}
}

func (cl *call) customerAnswered() {
	c := cl.c
	ctx := cl.ctx()
	s := cl.acd.settings()
	if !c.AnsweredAt.IsZero() {
		return
	}
	c.AnsweredAt = cl.acd.now()
	c.State = callfloor.CallTalking
	if *s.acd.RecordCalls {
		c.RecordingName = fmt.Sprintf("callfloor/%s/%s", c.AnsweredAt.Format("2006-01-02"), c.ID)
		c.RecordingFormat = s.acd.RecordingFormat
	}
	cl.save(callfloor.EvCallAnswered, nil, map[string]int64{realtime.CntOutAnswered: 1}, c.Agent, nil)
	if err := cl.ari().AddChannel(ctx, c.MixBridge, c.CustomerChannel); err != nil {
		cl.warn("bridging the customer", err)
	}
	if c.RecordingName != "" {
		if _, err := cl.ari().Record(ctx, c.MixBridge, c.RecordingName, c.RecordingFormat); err != nil {
			cl.warn("starting the recording", err)
		}
	}
}

func (cl *call) outboundGone(ch string, cause int, causeTxt string) {
	c := cl.c
	switch ch {
	case c.CustomerChannel:
		if !c.AnsweredAt.IsZero() {
			cl.endOutbound(callfloor.OutcomeAnswered, callfloor.HangupCaller, cause, causeTxt)
			return
		}
		out := callfloor.OutcomeFailed
		switch {
		case cl.dialStatus == "BUSY" || cause == 17:
			out = callfloor.OutcomeBusy
		case cl.dialStatus == "NOANSWER" || cause == 19 || cause == 18:
			out = callfloor.OutcomeNoAnswer
		}
		cl.endOutbound(out, callfloor.HangupCaller, cause, causeTxt)
	case c.AgentChannel:
		out := callfloor.OutcomeFailed
		if !c.AnsweredAt.IsZero() {
			out = callfloor.OutcomeAnswered
		}
		cl.endOutbound(out, callfloor.HangupAgent, cause, causeTxt)
	}
}

func (cl *call) endOutbound(out callfloor.Outcome, by string, cause int, causeTxt string) {
	c := cl.c
	if c.State == callfloor.CallEnded {
		return
	}
	now := cl.endTime()
	agentReached := c.MixBridge != ""
	c.State, c.EndedAt, c.Outcome, c.HangupBy = callfloor.CallEnded, now, out, by
	if c.Cause == 0 {
		c.Cause, c.CauseText = cause, causeTxt
	}
	if !c.CustomerRingAt.IsZero() {
		end := now
		if !c.AnsweredAt.IsZero() {
			end = c.AnsweredAt
		}
		c.Offers = append(c.Offers, callfloor.Offer{Agent: c.Agent, Channel: c.CustomerChannel, Start: c.CustomerRingAt, End: end, Result: string(out)})
	}
	agentInc := map[string]int64{}
	switch out {
	case callfloor.OutcomeAnswered:
		wrap, hold := cl.acd.settings().acd.Outbound.WrapUp.Milliseconds(), c.SettleHold(now)
		c.WrapMs = &wrap
		agentInc[realtime.CntHandled] = 1
		agentInc[realtime.CntSumTalk] = c.TalkMs()
		agentInc[realtime.CntSumHold] = hold
		agentInc[realtime.CntSumWrap] = wrap
	case callfloor.OutcomeBusy:
		agentInc[realtime.CntOutBusy] = 1
	case callfloor.OutcomeNoAnswer:
		agentInc[realtime.CntOutNoAnswer] = 1
	default:
		agentInc[realtime.CntOutFailed] = 1
	}
	cl.acd.metrics.outbound.WithLabelValues(string(out)).Inc()
	cl.save(callfloor.EvCallEnded, nil, agentInc, c.Agent, nil)
	cl.logf("outbound call ended", "outcome", out, "by", by, "agent", c.Agent, "number", c.CalledNumber)
	if by != callfloor.HangupAgent {
		cl.hangup(c.AgentChannel)
	}
	if by != callfloor.HangupCaller {
		cl.hangup(c.CustomerChannel)
	}
	if agentReached {
		cl.toWrapUp(c.Agent, cl.acd.settings().acd.Outbound.WrapUp)
	} else if c.Agent != "" {
		cl.transition("agent after an outbound call", realtime.Transition{Agent: c.Agent, From: []callfloor.AgentState{callfloor.AgentRinging}, IfCall: c.ID, To: callfloor.AgentAvailable})
	}
	cl.closeBridges(c.MixBridge)
	if cl.dl != nil && cl.acd.dialer != nil {
		snap := *c
		cl.acd.dialer.ended(&snap, cl.dl.dropped)
	}
}

// campaignInc turns an agent-placed outbound call's agent counters into its campaign's (the
// agent is on the line before the customer is dialled, so every answer is a connect).
func campaignInc(agentInc map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for f, v := range agentInc {
		switch f {
		case realtime.CntOutDials:
			out[realtime.CampDials] += v
		case realtime.CntOutAnswered:
			out[realtime.CampAnswered] += v
			out[realtime.CampConnected] += v
		case realtime.CntSumTalk:
			out[realtime.CampTalkMs] += v
		case realtime.CntOutBusy:
			out[realtime.CampBusy] += v
		case realtime.CntOutNoAnswer:
			out[realtime.CampNoAnswer] += v
		case realtime.CntOutFailed:
			out[realtime.CampFailed] += v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
