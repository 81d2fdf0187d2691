package telephony

import (
	"fmt"
	"strings"
	"time"

	aril "github.com/CyCoreSystems/ari/v5"
	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/telephony/ari"
)

// The call actor's side of a dialler call (dialer.go): the customer is dialled first (channel
// cf-<id>-p1), then, once they answer, an agent of the campaign is claimed and rung (cf-<id>-a<n>)
// and both are bridged; no agent within the drop wait and the customer is played the drop
// message and hung up.

// msgDialCustomer: the dialler placed the call; originate the customer.
type msgDialCustomer struct{}

// dialLine is a dialler call's own state (nil for every other call).
type dialLine struct {
	callerID string
	dropAt   time.Time // an answered customer with no agent by then is dropped
	dropped  bool
	custGone bool // the originated half ended unanswered: its ;2 half's cause is awaited
	cause1   int
	cause2   int // the ;2 half's ChannelDestroyed cause: the network's (outbound-busy.jsonl)
	cause2T  string
	agentN   int // numbers the agent legs
}

// dialerSuffix marks a dialler call's customer channel (restore tells dialler calls so).
const dialerSuffix = "-p1"

func isDialerCall(c *callfloor.Call) bool {
	return c.Direction == callfloor.Outbound && c.CampaignID != "" && strings.HasSuffix(c.CustomerChannel, dialerSuffix)
}

func (cl *call) dialCustomer() {
	c := cl.c
	s := cl.acd.settings()
	out := s.acd.Outbound
	c.CustomerChannel = chanPrefix + c.ID + dialerSuffix
	c.CustomerRingAt = cl.acd.now()
	cl.acd.metrics.outbound.WithLabelValues("placed").Inc()
	cl.save(callfloor.EvCallEntered, nil, map[string]int64{realtime.CntOutDials: 1}, "", nil)
	_, err := cl.originate(cl.ctx(), ari.OriginateRequest{ChannelID: c.CustomerChannel, Endpoint: strings.ReplaceAll(out.DialString, "{number}", c.CalledNumber),
		App: s.acd.App, AppArgs: []string{"customer", c.ID}, CallerID: cl.dl.callerID, Timeout: out.RingTimeout})
	if err != nil {
		cl.warn("dialling a lead", err, "number", c.CalledNumber)
		cl.endOutbound(callfloor.OutcomeFailed, callfloor.HangupSystem, 0, err.Error())
	}
}

func (cl *call) dialChannelGone(ch string, cause int, causeTxt string) {
	c, dl := cl.c, cl.dl
	switch {
	case ch == c.CustomerChannel+";2":
		dl.cause2, dl.cause2T = cause, causeTxt
		if dl.custGone {
			cl.dialCustomerEnd()
		}
	case ch == c.CustomerChannel:
		switch {
		case c.MixBridge != "":
			cl.endOutbound(callfloor.OutcomeAnswered, callfloor.HangupCaller, cause, causeTxt)
		case !c.AnsweredAt.IsZero():
			cl.dialDropped(callfloor.HangupCaller, cause, causeTxt) // hung up waiting for an agent
		default:
			dl.custGone, dl.cause1 = true, cause
			if dl.cause2 != 0 || cl.dialStatus == "BUSY" || cl.dialStatus == "NOANSWER" || cause != 0 {
				cl.dialCustomerEnd()
			} else {
				cl.after(leavingWait/2, "custcause", 0)
			}
		}
	case ch == c.AgentChannel && ch != "":
		if c.MixBridge != "" {
			cl.endOutbound(callfloor.OutcomeAnswered, callfloor.HangupAgent, cause, causeTxt)
			return
		}
		cl.dialAgentLost()
	}
}

// dialCustomerEnd ends a dial the customer never answered, with the network's cause.
func (cl *call) dialCustomerEnd() {
	c, dl := cl.c, cl.dl
	if c.State == callfloor.CallEnded {
		return
	}
	cause, txt := dl.cause2, dl.cause2T
	if cause == 0 {
		cause = dl.cause1
	}
	switch {
	case cause == 0 && cl.dialStatus == "BUSY":
		cause = 17
	case cause == 0 && cl.dialStatus == "NOANSWER":
		cause = 19
	}
	out := callfloor.OutcomeFailed
	switch res := callfloor.ResultOfCause(cause); res {
	case callfloor.ResultBusy:
		out = callfloor.OutcomeBusy
	case callfloor.ResultNoAnswer:
		out = callfloor.OutcomeNoAnswer
	case callfloor.ResultUnallocated:
		cl.campInc = map[string]int64{realtime.CampUnalloc: 1}
	case callfloor.ResultSwitchedOff:
		cl.campInc = map[string]int64{realtime.CampSwitchOff: 1}
	}
	cl.endOutbound(out, callfloor.HangupCaller, cause, txt)
}

func (cl *call) dialAnswered() {
	c := cl.c
	if !c.AnsweredAt.IsZero() || c.State == callfloor.CallEnded {
		return
	}
	c.AnsweredAt = cl.acd.now()
	cl.dl.dropAt = c.AnsweredAt.Add(cl.acd.dialer.o.DropWait)
	cl.save("", nil, nil, "", nil)
	cl.acd.dialer.answered(c.CampaignID, c.ID, c.AnsweredAt)
	cl.dialClaim()
}

// dialClaim finds the answered customer an agent, tries again shortly until the drop wait is
// over, then drops the call.
func (cl *call) dialClaim() {
	c, dl := cl.c, cl.dl
	if dl.dropped || c.State == callfloor.CallEnded || c.AgentChannel != "" {
		return
	}
	if c.Agent != "" { // reserved before the dial (progressive)
		cl.dialRingAgent(c.Agent)
		return
	}
	if cl.dialClaimNow() {
		return
	}
	if time.Now().Before(dl.dropAt) {
		cl.after(100*time.Millisecond, "claim", 0)
		return
	}
	cl.dialDrop()
}

// dialClaimNow tries once to claim a free agent for the waiting customer and rings them; false:
// none (the retries of dialClaim go on).
func (cl *call) dialClaimNow() bool {
	c, dl := cl.c, cl.dl
	if dl.dropped || c.State == callfloor.CallEnded || c.AgentChannel != "" || c.Agent != "" || c.AnsweredAt.IsZero() {
		return false
	}
	ag := cl.acd.dialer.claimAgent(cl.ctx(), c.CampaignID, c.ID)
	if ag == "" {
		return false
	}
	cl.dialRingAgent(ag)
	return true
}

func (cl *call) dialRingAgent(agent string) {
	c, dl := cl.c, cl.dl
	s := cl.acd.settings()
	ag := s.agents[agent]
	c.Agent = agent
	dl.agentN++
	c.AgentChannel = fmt.Sprintf("%s%s-a%d", chanPrefix, c.ID, dl.agentN)
	cl.save("", nil, nil, "", nil)
	ring := cl.acd.dialer.o.AgentRing
	var err error
	if ag == nil {
		err = fmt.Errorf("agent %s removed", agent)
	} else {
		_, err = cl.originate(cl.ctx(), ari.OriginateRequest{ChannelID: c.AgentChannel, Endpoint: ag.Endpoint, App: s.acd.App,
			AppArgs: []string{"agent-outbound", c.ID}, CallerID: callerID(c.CallerName, c.CalledNumber), Timeout: ring})
	}
	if err != nil {
		cl.warn("ringing an agent for a dialled customer", err, "agent", agent)
		cl.acd.releaseAfterFailure(agent, c.ID)
		c.Agent, c.AgentChannel = "", ""
		cl.acd.dialer.reserved(c.CampaignID, c.ID, false)
		cl.dialClaim()
		return
	}
	cl.offerSeq++
	cl.after(ring+2*time.Second, "dagentring", cl.offerSeq)
}

// dialAgentLost: the agent rung for the customer did not answer (or their leg failed).
func (cl *call) dialAgentLost() {
	c := cl.c
	if c.Agent != "" {
		cl.transition("agent after a missed dialler ring", realtime.Transition{Agent: c.Agent, From: []callfloor.AgentState{callfloor.AgentRinging}, IfCall: c.ID, To: callfloor.AgentAvailable})
	}
	c.Agent, c.AgentChannel = "", ""
	cl.acd.dialer.reserved(c.CampaignID, c.ID, false)
	if c.State != callfloor.CallEnded && !c.AnsweredAt.IsZero() {
		cl.dialClaim()
	}
}

func (cl *call) dialAgentUp() {
	c := cl.c
	ctx := cl.ctx()
	s := cl.acd.settings()
	if c.MixBridge != "" || c.State == callfloor.CallEnded {
		return
	}
	c.MixBridge = chanPrefix + c.ID + "-mix"
	c.State = callfloor.CallTalking
	cl.acd.rang(c.Agent)
	cl.transition("agent to on call", realtime.Transition{Agent: c.Agent, From: []callfloor.AgentState{callfloor.AgentRinging}, IfCall: c.ID,
		To: callfloor.AgentOnCall, Direction: callfloor.Outbound, Call: c.ID})
	if _, err := cl.ari().CreateBridge(ctx, c.MixBridge, "mixing", ""); err != nil && !ari.IsConflict(err) {
		cl.warn("creating the call bridge", err)
	}
	if err := cl.ari().AddChannel(ctx, c.MixBridge, c.CustomerChannel, c.AgentChannel); err != nil {
		cl.warn("bridging the customer and the agent", err)
	}
	if *s.acd.RecordCalls {
		c.RecordingName = fmt.Sprintf("callfloor/%s/%s", c.AnsweredAt.Format("2006-01-02"), c.ID)
		c.RecordingFormat = s.acd.RecordingFormat
		if _, err := cl.ari().Record(ctx, c.MixBridge, c.RecordingName, c.RecordingFormat); err != nil {
			cl.warn("starting the recording", err)
		}
	}
	cl.save(callfloor.EvCallAnswered, nil, map[string]int64{realtime.CntOutAnswered: 1}, c.Agent, nil)
	cl.acd.dialer.connected(c.CampaignID, c.ID)
}

// dialDrop plays the drop message to a customer no agent could take; the hang-up follows the
// message's PlaybackFinished (dialDropPlayed), or twice its expected length if that never comes.
func (cl *call) dialDrop() {
	c, dl := cl.c, cl.dl
	dl.dropped = true
	o := cl.acd.dialer.o
	cl.logf("dialler: no agent free for an answered customer: dropped", "campaign", c.CampaignID)
	if err := cl.ari().Play(cl.ctx(), c.CustomerChannel, c.ID+dropPlayback, o.DropSound); err != nil {
		if !ari.IsNotFound(err) {
			cl.warn("playing the drop message", err)
		}
		cl.after(0, "dropend", 0) // no message: hang up now (a gone channel's end is on its way)
		return
	}
	cl.after(2*o.DropPlayFor, "dropend", 0)
}

// dropPlayback suffixes the call's id into its drop message's playback id.
const dropPlayback = "-drop"

// dialDropPlayed: a playback on the customer's channel finished. The drop message done: hang up.
// Failed: the customer most likely hung up during it (Asterisk ends the playback so before the
// channel leaves Stasis), so the hang-up waits a moment for the channel's end rather than
// issue a second one; a message that failed on a live channel (a missing sound) still ends.
func (cl *call) dialDropPlayed(pb aril.PlaybackData) {
	c := cl.c
	if pb.ID != c.ID+dropPlayback || c.State == callfloor.CallEnded {
		return
	}
	if pb.State == "failed" {
		cl.after(leavingWait, "dropend", 0)
		return
	}
	cl.dialDropped(callfloor.HangupSystem, 16, "dropped: no agent free")
}

// dialDropped ends a dropped call (dialled customer answered, no agent talked with them).
func (cl *call) dialDropped(by string, cause int, causeTxt string) {
	cl.dl.dropped = true
	cl.campInc = map[string]int64{realtime.CampAnswered: 1, realtime.CampDropped: 1}
	cl.endOutbound(callfloor.OutcomeAbandoned, by, cause, causeTxt)
}

// dialerTimer handles a dialler call's timers; false: not one of them.
func (cl *call) dialerTimer(m msgTimer) bool {
	c := cl.c
	switch m.kind {
	case "claim":
		cl.dialClaim()
	case "claimnow": // an agent became available (dialer.agentFreed)
		cl.dialClaimNow()
	case "dropend":
		if c.State != callfloor.CallEnded {
			cl.dialDropped(callfloor.HangupSystem, 16, "dropped: no agent free")
		}
	case "custcause":
		cl.dialCustomerEnd()
	case "dagentring":
		if m.seq == cl.offerSeq && c.MixBridge == "" && c.AgentChannel != "" {
			cl.hangup(c.AgentChannel) // its ChannelDestroyed ends the ring (dialAgentLost)
		}
	default:
		return false
	}
	return true
}

// dialerReconcile: after a (re)connect, what Asterisk has now of a dialler call.
func (cl *call) dialerReconcile(m msgReconcile) {
	c := cl.c
	cust, custUp := m.live[c.CustomerChannel]
	agent, agentUp := m.live[c.AgentChannel]
	switch {
	case !custUp && c.MixBridge != "":
		cl.endOutbound(callfloor.OutcomeAnswered, callfloor.HangupCaller, 16, "gone during disconnect")
	case !custUp && !c.AnsweredAt.IsZero():
		cl.dialDropped(callfloor.HangupCaller, 16, "gone during disconnect")
	case !custUp:
		cl.endOutbound(callfloor.OutcomeFailed, callfloor.HangupCaller, 0, "gone during disconnect")
	case c.MixBridge != "" && !agentUp:
		cl.endOutbound(callfloor.OutcomeAnswered, callfloor.HangupAgent, 16, "gone during disconnect")
	case c.MixBridge != "":
	case c.AgentChannel != "" && agentUp && agent.State == "Up":
		cl.dialAgentUp()
	case c.AgentChannel != "" && !agentUp:
		cl.dialAgentLost()
	case c.AnsweredAt.IsZero() && cust.State == "Up":
		cl.dialAnswered()
	case !c.AnsweredAt.IsZero() && c.AgentChannel == "" && !cl.dl.dropped:
		cl.dialClaim()
	}
}
