package telephony

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	aril "github.com/CyCoreSystems/ari/v5"
	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/telephony/ari"
)

// node is one Asterisk server as the ACD sees it: the ari.Handler of its connection.
type node struct {
	acd       *ACD
	client    *ari.Client
	name      string
	entity    atomic.Value     // string: asterisk_id
	started   atomic.Value     // time.Time: Asterisk's startup time at the last connect
	ready     atomic.Bool      // connected and reconciled: calls may be offered (see connected)
	byChannel map[string]*call // inbound callers' channels (Asterisk's ids); guarded by acd.mu
	outbox    *outbox          // durable copy of the writes kept while Redis is down; nil: none
	kept      []*pendingOp     // what the outbox held at New, replayed by Run

	surveys map[string]*survey // callers' channels in a post-call survey (survey.go); guarded by acd.mu

	term atomic.Pointer[term] // the lease held now (lease.go); nil: none (or no leases)
	ho   handoverState        // the facts handed from one term to the next (handover.go)
}

var _ ari.Handler = (*node)(nil)

func (n *node) entityID() string {
	if v, ok := n.entity.Load().(string); ok {
		return v
	}
	return n.client.Node().EntityID
}

// Connected runs after every (re)connect, before the connection's events: it reconciles the
// calls this instance knows with what Asterisk has now, so calls that ended during the gap are
// closed and calls still up are picked up again.
func (n *node) Connected(ctx context.Context, info ari.NodeInfo, reconnect bool) error {
	n.ready.Store(false) // no offer between the channel list and the reconciliation
	n.entity.Store(info.EntityID)
	prevStart, _ := n.started.Load().(time.Time)
	if !info.StartedAt.IsZero() {
		n.started.Store(info.StartedAt)
	}
	restart := asteriskRestart{startedAt: info.StartedAt, restarted: !prevStart.IsZero() && info.StartedAt.After(prevStart)}
	if restart.restarted {
		n.acd.log.Warn("asterisk restarted: calls it had are lost", "node", n.name, "started_at", info.StartedAt)
	}
	listedAt := time.Now()
	chans, err := n.client.ListChannelsFull(ctx)
	if err != nil {
		return fmt.Errorf("reconcile: list channels: %w", err)
	}
	bridges, err := n.client.ListBridges(ctx)
	if err != nil {
		return fmt.Errorf("reconcile: list bridges: %w", err)
	}
	live := make(map[string]ari.StasisChannel, len(chans))
	for _, ch := range chans {
		live[ch.ID] = ch
	}
	a := n.acd
	a.mu.Lock()
	// Calls begun after the list was asked for (an agent's dial) are not in it, nor need to be:
	// their events come on this connection. Restored calls are always reconciled.
	var mine []*call
	for _, c := range n.callsLocked() {
		if c.fromRedis || c.recvAt.Before(listedAt) {
			mine = append(mine, c)
		}
	}
	// What no live call of ours knows (read under the lock: the actors own their records).
	// Conversations Redis never learned of (the holder's writes were refused, then the lease
	// moved): a caller in one of our mixing bridges with the agent leg callfloor rang for it.
	talks := n.unknownTalks(chans, bridges)
	var orphanBridges []string
	for _, b := range bridges {
		if cid := callIDOf(b.ID); cid != "" && a.calls[cid] == nil && talks[cid] == nil {
			orphanBridges = append(orphanBridges, b.ID)
		}
	}
	var unknown []ari.StasisChannel
	for _, ch := range chans {
		if cid := callIDOf(ch.ID); cid != "" {
			if a.calls[cid] == nil {
				unknown = append(unknown, ch)
			}
		} else if n.byChannel[ch.ID] == nil && n.surveys[ch.ID] == nil {
			unknown = append(unknown, ch)
		}
	}
	a.mu.Unlock()
	n.acd.log.Info("reconciling with asterisk", "node", n.name, "reconnect", reconnect, "calls", len(mine), "channels", len(chans))
	mixed := map[string][]string{}
	for _, b := range bridges {
		if cid := callIDOf(b.ID); cid != "" && b.ID == chanPrefix+cid+"-mix" {
			mixed[b.ID] = b.ChannelIDs
		}
	}
	for _, c := range mine {
		c.send(msgReconcile{live: live, listedAt: listedAt, restart: restart, mixed: mixed})
	}
	n.reconcileSurveys(live)
	// Channels in our application that no call knows: callers whose StasisStart was never
	// handled (the instance stopped in between) are adopted; our own orphans are hung up.
	app := a.settings().acd.App
	for _, t := range talks {
		a.log.Warn("adopting a conversation redis did not know", "node", n.name, "call", t.call, "caller", t.caller.ID, "agent", t.agent)
		n.adoptTalk(t)
	}
	for _, ch := range unknown {
		if t := talks[callIDOf(ch.ID)]; t != nil || talkOfCaller(talks, ch.ID) {
			continue // adopted above
		}
		if callIDOf(ch.ID) != "" {
			if !strings.HasSuffix(ch.ID, ";2") {
				a.log.Warn("hanging up orphan channel", "node", n.name, "channel", ch.ID)
				_ = n.client.Hangup(ctx, ch.ID, "normal")
				// a ring for a call Redis never learned of: its agent, claimed, is free again
				if cid := callIDOf(ch.ID); strings.HasPrefix(ch.ID, chanPrefix+cid+"-o") {
					if ag := a.agentOfChannel(ch.Name); ag != "" {
						a.release(n.ctx(), ag, cid)
					}
				}
			}
			continue
		}
		if ch.Dialplan.AppName == "Stasis" && strings.HasPrefix(ch.Dialplan.AppData, app+",") {
			args := strings.Split(strings.TrimPrefix(ch.Dialplan.AppData, app+","), ",")
			a.log.Info("adopting a caller already in stasis", "node", n.name, "channel", ch.ID)
			n.newInbound(ch.ID, ch.Caller.Name, ch.Caller.Number, ch.State, args, true)
		}
	}
	if n.term.Load() != nil {
		n.freeClaimsOfUnknownCalls(ctx, listedAt.Add(-time.Second))
	}
	// Our bridges (cf-<call>-mix/-hold/-m<n>) of calls that are over: left behind when callfloor
	// stopped between a call's end and the bridge's destruction. Asterisk would keep them forever.
	for _, id := range orphanBridges {
		a.log.Warn("destroying orphan bridge", "node", n.name, "bridge", id)
		if err := n.client.DestroyBridge(ctx, id); err != nil && !ari.BridgeGone(err) {
			a.log.Warn("destroying orphan bridge", "node", n.name, "bridge", id, "err", err)
		}
	}
	n.subscribeEndpoints(ctx)
	n.ready.Store(true)
	a.wake()
	if a.dialer != nil && reconnect {
		a.dialer.reconnected()
	}
	if a.catalogue != nil {
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			// after the calls reconciled now have ended and caught their RecordingFinished
			select {
			case <-a.ctx.Done():
				return
			case <-time.After(catalogueDelay):
			}
			a.catalogueStored(a.ctx, n)
		}()
	}
	return nil
}

// Disconnected is told when the events socket drops; the calls keep their state until the
// reconnect's reconciliation, except the offers ringing now: their result can no longer be
// known (an agent answering now would be hung up by Asterisk, the application being inactive),
// so they are withdrawn (msgDisconnected) and their callers offered again after the reconnect.
func (n *node) Disconnected(err error) {
	n.ready.Store(false)
	n.acd.log.Warn("asterisk events connection lost", "node", n.name, "err", err)
	a := n.acd
	a.mu.Lock()
	mine := n.callsLocked()
	a.mu.Unlock()
	for _, c := range mine {
		c.send(msgDisconnected{})
	}
}

// callsLocked returns the live calls on this node; the caller holds acd.mu.
func (n *node) callsLocked() []*call {
	var mine []*call
	for _, c := range n.acd.calls {
		if c.node == n {
			mine = append(mine, c)
		}
	}
	return mine
}

// connected reports whether the node's event stream is up and its calls reconciled after the
// (re)connect: only then may its callers be offered.
func (n *node) connected() bool { return n.ready.Load() && n.client.Node().Connected }

// asteriskRestart tells a reconciling call whether Asterisk restarted (crash or restart) since
// it last saw it: startedAt is its startup time now; restarted is true when it is later than at
// the previous connect. A call that entered before startedAt was lost with the restart too
// (callfloor itself may have been down meanwhile).
type asteriskRestart struct {
	startedAt time.Time
	restarted bool
}

// lost reports whether a call that entered at entered was on Asterisk when it restarted.
func (r asteriskRestart) lost(entered time.Time) bool {
	return r.restarted || (!r.startedAt.IsZero() && r.startedAt.After(entered))
}

// chanPrefix starts every channel id callfloor originates: cf-<call id>-<role><n>.
const chanPrefix = "cf-"

// callIDOf extracts the call id from a channel id or recording name callfloor made.
func callIDOf(id string) string {
	id = strings.TrimSuffix(id, ";2")
	if !strings.HasPrefix(id, chanPrefix) {
		return ""
	}
	id = id[len(chanPrefix):]
	if i := strings.IndexByte(id, '-'); i > 0 {
		return id[:i]
	}
	return ""
}

func recordingCallID(name string) string {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// Event routes one event to the call it concerns.
func (n *node) Event(ev aril.Event) {
	a := n.acd
	a.metrics.events.WithLabelValues(ev.GetType()).Inc()
	switch e := ev.(type) {
	case *aril.StasisStart:
		if c := n.callForChannel(e.Channel.ID); c != nil {
			c.send(msgEvent{ev})
			return
		}
		if len(e.Args) >= 2 && (e.Args[0] == "agent" || e.Args[0] == "agent-outbound" || e.Args[0] == "customer" || e.Args[0] == "transfer") {
			// a leg of a call that has ended or belongs to another instance
			if callIDOf(e.Channel.ID) != "" && a.lookup(callIDOf(e.Channel.ID)) == nil {
				a.log.Info("hanging up a leg of a call that is gone", "channel", e.Channel.ID)
				go n.client.Hangup(a.ctx, e.Channel.ID, "normal") //nolint:errcheck
			}
			return
		}
		if len(e.Args) >= 1 && e.Args[0] == "supervisor" {
			return
		}
		var name, number string
		if e.Channel.Caller != nil {
			name, number = e.Channel.Caller.Name, e.Channel.Caller.Number
		}
		n.newInbound(e.Channel.ID, name, number, e.Channel.State, e.Args, false)
	case *aril.RecordingFinished:
		n.toCall(recordingCallID(e.Recording.Name), ev)
	case *aril.RecordingFailed:
		n.toCall(recordingCallID(e.Recording.Name), ev)
	case *aril.StasisEnd:
		n.toChannel(e.Channel.ID, ev)
	case *aril.ChannelDestroyed:
		n.toChannel(e.Channel.ID, ev)
	case *aril.ChannelStateChange:
		n.toChannel(e.Channel.ID, ev)
	case *aril.ChannelHold:
		n.toChannel(e.Channel.ID, ev)
	case *aril.ChannelUnhold:
		n.toChannel(e.Channel.ID, ev)
	case *aril.Dial:
		n.toChannel(e.Peer.ID, ev)
	case *aril.ChannelDtmfReceived:
		n.toChannel(e.Channel.ID, ev) // a survey's answer (survey.go), else a waiting caller's key (callback.go)
	case *aril.PlaybackFinished:
		// a post-call survey's prompt goes to the survey holding the channel (survey.go);
		// callfloor's call-back prompts are named cf-<call>-… (callback.go); the dialler's drop
		// message is found by the channel it played on (dialer_call.go)
		ch, _ := strings.CutPrefix(e.Playback.TargetURI, "channel:")
		if ch != "" && n.surveyEvent(ch, ev) {
			break
		}
		if id := callIDOf(e.Playback.ID); id != "" {
			n.toCall(id, ev)
		} else if ch != "" {
			n.toChannel(ch, ev)
		}
	case *aril.EndpointStateChange:
		n.endpointState(e)
	case *aril.ApplicationReplaced:
		a.log.Error("another client took over the stasis application", "node", n.name)
	}
}

func (n *node) callForChannel(id string) *call {
	if cid := callIDOf(id); cid != "" {
		return n.acd.lookup(cid)
	}
	n.acd.mu.Lock()
	defer n.acd.mu.Unlock()
	return n.byChannel[id]
}

func (n *node) toChannel(id string, ev aril.Event) {
	if n.surveyEvent(id, ev) {
		return
	}
	if c := n.callForChannel(id); c != nil {
		c.send(msgEvent{ev})
	}
}

func (n *node) toCall(id string, ev aril.Event) {
	if c := n.acd.lookup(id); c != nil && c.send(msgEvent{ev}) {
		return
	}
	// The call already ended: the recording still belongs in its record.
	if e, ok := ev.(*aril.RecordingFinished); ok {
		n.acd.recordingDone(id, e.Recording)
	}
}

// newInbound starts a call for a caller entering Stasis(app,queue=...).
func (n *node) newInbound(chID, callerName, callerNumber, state string, args []string, adopted bool) {
	a := n.acd
	now := a.now()
	c := &callfloor.Call{
		ID: newID(now), Direction: callfloor.Inbound, State: callfloor.CallWaiting, Node: n.name, AsteriskID: n.entityID(),
		Args: args, EnteredAt: now, CallerChannel: chID, CallerNumber: callerNumber, CallerName: callerName,
	}
	inboundArgs(c, args)
	cl := newCall(a, n, c)
	a.mu.Lock()
	if old := n.byChannel[chID]; old != nil {
		a.mu.Unlock()
		return
	}
	n.byChannel[chID] = cl
	a.mu.Unlock()
	cl.start(msgEnter{adopted: adopted, answered: state == "Up"})
}

// restore loads this node's live calls from Redis after a restart.
func (a *ACD) restore(ctx context.Context, n *node) error {
	calls, err := a.store.LiveCalls(ctx, n.name)
	if err != nil {
		return err
	}
	// ringing: who may ring for each restored inbound call ("" none: it waits)
	ringing := map[string]string{}
	for _, c := range calls {
		if c.State == callfloor.CallEnded {
			continue
		}
		if c.Direction == callfloor.Inbound {
			switch off := c.LastOffer(); {
			case c.State == callfloor.CallWaiting:
				ringing[c.ID] = ""
			case c.State == callfloor.CallOffering && off != nil:
				ringing[c.ID] = off.Agent
			}
		}
		cl := newCall(a, n, c)
		cl.fromRedis = true
		if a.dialer != nil && isDialerCall(c) {
			cl.dl = a.dialer.restoredLine(c)
		}
		if c.Direction == callfloor.Inbound && c.CallerChannel != "" {
			a.mu.Lock()
			n.byChannel[c.CallerChannel] = cl
			a.mu.Unlock()
		}
		cl.start(msgRestored{})
	}
	if len(calls) > 0 {
		a.log.Info("restored live calls from redis", "node", n.name, "calls", len(calls))
	}
	a.freeReserved(ctx, ringing)
	if err := a.restoreSurveys(ctx, n); err != nil { // logged only, as freeReserved: the calls have started
		a.log.Warn("restoring the surveys in progress", "node", n.name, "err", err)
	}
	return nil
}

// freeReserved frees the agents a previous run left reserved (ringing) for a restored call that
// is not ringing them: the back-off after a failed originate (releaseAfterFailure) holds an
// agent so, and a crash during it would leave them held, and the caller waiting, until the stale
// sweep. At start no instance offers this node's calls yet, so the reservation is surely stale.
// Errors are logged only (the calls' actors have started: restore must not be run again).
func (a *ACD) freeReserved(ctx context.Context, ringing map[string]string) {
	if len(ringing) == 0 {
		return
	}
	agents, err := a.store.Agents(ctx)
	if err != nil {
		a.log.Warn("reading agents to free stale reservations", "err", err)
		return
	}
	for _, ag := range agents {
		if ag.State != callfloor.AgentRinging {
			continue
		}
		if who, ok := ringing[ag.Call]; ok && who != ag.Agent {
			a.log.Info("freeing an agent left reserved for a waiting call by the previous run", "agent", ag.Agent, "call", ag.Call)
			a.release(ctx, ag.Agent, ag.Call)
		}
	}
}

// talk is a conversation found in Asterisk that no call knows: a caller bridged in the mixing
// bridge of call with the agent leg callfloor originated for it (cf-<call>-o<n>).
type talk struct {
	call, bridge, agent string
	caller, leg         ari.StasisChannel
}

func talkOfCaller(talks map[string]*talk, ch string) bool {
	for _, t := range talks {
		if t.caller.ID == ch {
			return true
		}
	}
	return false
}

// unknownTalks finds, under acd.mu, the conversations no call knows: each mixing bridge
// cf-<call>-mix of a call that is not live here holding exactly one caller in our application
// (not an inbound caller of a known call) and an offer leg cf-<call>-o<n> whose endpoint is a
// configured agent's.
func (n *node) unknownTalks(chans []ari.StasisChannel, bridges []aril.BridgeData) map[string]*talk {
	a := n.acd
	byID := make(map[string]ari.StasisChannel, len(chans))
	for _, ch := range chans {
		byID[ch.ID] = ch
	}
	app := a.settings().acd.App
	talks := map[string]*talk{}
	for _, b := range bridges {
		cid := callIDOf(b.ID)
		if cid == "" || a.calls[cid] != nil || b.ID != chanPrefix+cid+"-mix" {
			continue
		}
		var callers, legs []ari.StasisChannel
		for _, id := range b.ChannelIDs {
			ch, ok := byID[id]
			switch {
			case !ok:
			case callIDOf(id) == cid && strings.HasPrefix(id, chanPrefix+cid+"-o"):
				legs = append(legs, ch)
			case callIDOf(id) == "" && n.byChannel[id] == nil && ch.Dialplan.AppName == "Stasis" && strings.HasPrefix(ch.Dialplan.AppData, app+","):
				callers = append(callers, ch)
			}
		}
		if len(callers) != 1 || len(legs) != 1 {
			continue
		}
		if ag := a.agentOfChannel(legs[0].Name); ag != "" {
			talks[cid] = &talk{call: cid, bridge: b.ID, agent: ag, caller: callers[0], leg: legs[0]}
		}
	}
	return talks
}

// agentOfChannel is the configured agent whose endpoint a channel's name is of
// (PJSIP/1001-0000001a, Local/1001@agents-00000001;1); "" none.
func (a *ACD) agentOfChannel(name string) string {
	for id, ag := range a.settings().agents {
		if ag.Endpoint != "" && strings.HasPrefix(name, ag.Endpoint+"-") {
			return id
		}
	}
	return ""
}

// adoptTalk starts a call for a conversation Asterisk has and no call knows (unknownTalks):
// the caller is talking with the agent, so the call enters and is answered at once, the agent
// marked on this call; it ends, into history, when a leg hangs up.
func (n *node) adoptTalk(t *talk) {
	a := n.acd
	now := a.now()
	entered := t.caller.CreatedAt()
	if entered.IsZero() || entered.After(now) {
		entered = now
	}
	answered := t.leg.CreatedAt()
	if answered.IsZero() || answered.After(now) || answered.Before(entered) {
		answered = now
	}
	args := strings.Split(strings.TrimPrefix(t.caller.Dialplan.AppData, a.settings().acd.App+","), ",")
	c := &callfloor.Call{
		ID: t.call, Direction: callfloor.Inbound, State: callfloor.CallTalking, Node: n.name, AsteriskID: n.entityID(),
		Args: args, EnteredAt: entered, CallerChannel: t.caller.ID, CallerNumber: t.caller.Caller.Number, CallerName: t.caller.Caller.Name,
		Agent: t.agent, AgentChannel: t.leg.ID, MixBridge: t.bridge, FirstOfferAt: answered, AnsweredAt: answered,
		Offers: []callfloor.Offer{{Agent: t.agent, Channel: t.leg.ID, Start: answered, End: answered, Result: callfloor.OfferAnswered}},
	}
	inboundArgs(c, args)
	cl := newCall(a, n, c)
	a.mu.Lock()
	if n.byChannel[t.caller.ID] != nil || a.calls[t.call] != nil {
		a.mu.Unlock()
		return
	}
	n.byChannel[t.caller.ID] = cl
	a.mu.Unlock()
	cl.start(msgAdoptTalk{})
}

// freeClaimsOfUnknownCalls frees, on taking a node's lease, the agents left ringing for a call
// Redis has no record of and no live call here knows: a previous holder claimed them while the
// call's record was refused (a Redis failover's NOREPLICAS), then gave the node up, withdrawing
// the ring with a write that was refused too. Only claims made before this connection (before
// the given time): a call's record is written before its first claim, so a claim without one
// is a refused call's (another node's too, whose holder, refused, gives its node up). The stale
// sweep would free them only after minutes, the callers waiting meanwhile.
func (n *node) freeClaimsOfUnknownCalls(ctx context.Context, before time.Time) {
	a := n.acd
	agents, err := a.store.Agents(ctx)
	if err != nil {
		a.log.Warn("reading agents to free the claims of unknown calls", "node", n.name, "err", err)
		return
	}
	for _, ag := range agents {
		if ag.State != callfloor.AgentRinging || ag.Call == "" || !ag.Since.Before(before) || a.lookup(ag.Call) != nil {
			continue
		}
		if _, err := a.store.Call(ctx, ag.Call); callfloor.ErrorCode(err) != callfloor.ENOTFOUND {
			continue
		}
		a.log.Warn("freeing an agent claimed for a call redis never learned of", "node", n.name, "agent", ag.Agent, "call", ag.Call)
		a.release(ctx, ag.Agent, ag.Call)
	}
}

// inboundArgs sets an inbound call's queue and priority from its Stasis arguments
// ("queue=sales", "priority=5").
func inboundArgs(c *callfloor.Call, args []string) {
	for _, arg := range args {
		k, v, _ := strings.Cut(arg, "=")
		switch strings.TrimSpace(k) {
		case "queue":
			c.Queue = strings.TrimSpace(v)
		case "priority":
			fmt.Sscan(v, &c.Priority)
		}
	}
}
