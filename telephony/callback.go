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

// Call-back that keeps the caller's place (issue 14; the domain's rules are in callback.go at
// the root). The call actor's side:
//
//   - offer: a waiting caller of a queue with callback.offer hears callback.prompt (POST
//     /channels/{id}/play on the caller, who is in the queue's holding bridge: the music resumes
//     when the playback ends) after callback.after of waiting;
//   - request: Asterisk sends ChannelDtmfReceived on the caller's channel (in Stasis) when a key
//     is released; "1" after the prompt requests the call-back: the caller hears
//     callback.confirm and is hung up (on its PlaybackFinished, or confirmWait at the latest).
//     The call does not end: it stays in its queue with its entry time (Call.EnteredAt, the
//     score of the queue's waiting set and the dispatcher's order) and the caller's number, as
//     a call-back (Call.CallbackAt). It lives in Redis like any waiting call, so a restart
//     restores it, and reconciliation keeps it although it has no channel on Asterisk;
//   - service: the dispatcher claims an agent for it with the same atomic claim as for a caller
//     on the line (same order: queue priority, call priority, entry time), the agent's phone is
//     rung as for any offer, and when the agent answers the caller's number is dialled
//     (acd.outbound.dial_string, as the agents' click-to-call) from the call's mixing bridge,
//     where the agent waits; when the number answers it joins the bridge and is recorded;
//   - retries: a number that does not answer (busy, no answer, failed) is tried again
//     callback.retry_every later, at the same place in the queue, callback.tries times in all;
//     then the call ends with outcome callback_failed and lands on the team's call-back list
//     (storage/callbacks.go).
//
// Channel ids: cf-<call>-k<try> for the number's legs; playback ids cf-<call>-cbo (the offer)
// and cf-<call>-cbc (the confirmation), so that PlaybackFinished finds its call (callIDOf).

// confirmWait bounds the wait for the confirmation's PlaybackFinished before hanging up.
const confirmWait = 15 * time.Second

func (cl *call) cbCfg() *callfloor.CallbackConfig {
	if q := cl.queueCfg(); q != nil {
		return &q.Callback
	}
	return nil
}

// callbackArm schedules the call-back offer of a caller who waits on the line (enter, restored).
func (cl *call) callbackArm() {
	c := cl.c
	cb := cl.cbCfg()
	if cb == nil || !cb.Offer || c.IsCallback() || !c.CallbackOfferedAt.IsZero() || c.CallerChannel == "" {
		return
	}
	cl.after(time.Until(c.EnteredAt.Add(cb.After)), "cboffer", 0)
}

// callbackHeld reports whether a restored waiting call must not be offered yet: a call-back
// whose caller is still hearing the confirmation, or whose next try is not due. It arms what
// will release it.
func (cl *call) callbackHeld() bool {
	c := cl.c
	if !c.IsCallback() {
		cl.callbackArm()
		return false
	}
	if c.CallerChannel != "" {
		cl.after(0, "cbconfirm", 0) // restarted during the confirmation: hang the caller up
		return true
	}
	if d := time.Until(c.CallbackNext); d > 0 {
		cl.after(d, "cbretry", 0)
		return true
	}
	return false
}

// callbackTimer handles the call-back's timers.
func (cl *call) callbackTimer(m msgTimer) {
	c := cl.c
	switch m.kind {
	case "cboffer":
		cb := cl.cbCfg()
		if cb == nil || !cb.Offer || c.IsCallback() || cl.leaving != nil || c.CallerChannel == "" ||
			(c.State != callfloor.CallWaiting && c.State != callfloor.CallOffering) {
			return
		}
		c.CallbackOfferedAt = cl.acd.now()
		if err := cl.ari().Play(cl.ctx(), c.CallerChannel, chanPrefix+c.ID+"-cbo", cb.Prompt); err != nil {
			cl.warn("playing the call-back offer", err)
		}
		cl.logf("call-back offered", "prompt", cb.Prompt)
		cl.save("", nil, nil, "", nil)
	case "cbconfirm":
		if c.IsCallback() && c.CallerChannel != "" {
			cl.hangup(c.CallerChannel)
		}
	case "cbretry":
		if c.IsCallback() && c.State == callfloor.CallWaiting && c.CallerChannel == "" {
			cl.acd.setWaiting(cl, true)
		}
	}
}

// callbackEvent handles the events of a call-back and the key presses of a waiting caller; it
// reports whether the event was the call-back's (the inbound handlers do not see it then).
func (cl *call) callbackEvent(ev aril.Event) bool {
	c := cl.c
	switch e := ev.(type) {
	case *aril.ChannelDtmfReceived:
		if e.Channel.ID != c.CallerChannel || e.Digit != callfloor.CallbackDigit || c.CallbackOfferedAt.IsZero() || c.IsCallback() ||
			cl.leaving != nil || (c.State != callfloor.CallWaiting && c.State != callfloor.CallOffering) {
			return false
		}
		cl.requestCallback()
		return true
	case *aril.PlaybackFinished:
		if e.Playback.ID == chanPrefix+c.ID+"-cbc" && c.CallerChannel != "" {
			cl.hangup(c.CallerChannel)
		}
		return true
	}
	if !c.IsCallback() {
		return false
	}
	switch e := ev.(type) {
	case *aril.StasisEnd:
		if e.Channel.ID == c.CallerChannel {
			cl.callbackCallerGone()
			return true
		}
	case *aril.ChannelDestroyed:
		if e.Channel.ID == c.CallerChannel {
			cl.callbackCallerGone()
			return true
		}
	}
	switch c.State {
	case callfloor.CallDialing:
		cl.callbackDialingEvent(ev)
		return true
	case callfloor.CallTalking:
		// the number (CustomerChannel) is the caller of a call-back
		switch e := ev.(type) {
		case *aril.StasisEnd:
			if e.Channel.ID == c.CustomerChannel && cl.leaving == nil {
				cl.leaving = &leaving{channel: e.Channel.ID, by: callfloor.HangupCaller, at: cl.acd.now()}
				cl.after(leavingWait, "leaving", 0)
				return true
			}
		case *aril.ChannelDestroyed:
			if e.Channel.ID == c.CustomerChannel && cl.leaving == nil {
				cl.endInbound(callfloor.HangupCaller, e.Cause, e.CauseTxt)
				return true
			}
		}
	}
	return false
}

// requestCallback: the waiting caller pressed 1 after the offer.
func (cl *call) requestCallback() {
	c := cl.c
	cb := cl.cbCfg()
	if c.State == callfloor.CallOffering {
		cl.withdrawOffer(callfloor.OfferCanceled, 0) // the caller will not be there to take it
	}
	cl.acd.setWaiting(cl, false) // until the caller is off the line (callbackCallerGone)
	c.CallbackAt = cl.acd.now()
	cl.logf("call-back requested", "number", c.CallerNumber)
	cl.save(callfloor.EvCallCallbackRequested, nil, nil, "", nil)
	media := callfloor.DefaultCallbackConfirm
	if cb != nil {
		media = cb.Confirm
	}
	if err := cl.ari().Play(cl.ctx(), c.CallerChannel, chanPrefix+c.ID+"-cbc", media); err != nil {
		cl.warn("playing the call-back confirmation", err)
		cl.hangup(c.CallerChannel)
		return
	}
	cl.after(confirmWait, "cbconfirm", 0)
}

// callbackCallerGone: the caller who requested the call-back is off the line; the call goes on
// waiting in its queue without a channel.
func (cl *call) callbackCallerGone() {
	c := cl.c
	a := cl.acd
	a.mu.Lock()
	if cl.node.byChannel[c.CallerChannel] == cl {
		delete(cl.node.byChannel, c.CallerChannel)
	}
	a.mu.Unlock()
	c.CallerChannel = ""
	if c.HoldBridge != "" {
		cl.destroyBridge(c.HoldBridge)
		c.HoldBridge = ""
	}
	cl.save("", nil, nil, "", nil)
	if c.State == callfloor.CallWaiting {
		a.setWaiting(cl, true)
	}
}

// callbackAgentAnswered: the agent took the call-back; the caller's number is dialled from the
// mixing bridge the agent waits in.
func (cl *call) callbackAgentAnswered() {
	c := cl.c
	s := cl.acd.settings()
	ctx := cl.ctx()
	now := cl.acd.now()
	off := c.LastOffer()
	off.End, off.Result = now, callfloor.OfferAnswered
	cl.acd.rang(off.Agent)
	c.State, c.Agent = callfloor.CallDialing, off.Agent
	c.MixBridge = chanPrefix + c.ID + "-mix"
	cl.dialStatus = ""
	cl.transition("agent to on call", realtime.Transition{Agent: off.Agent, From: []callfloor.AgentState{callfloor.AgentRinging}, IfCall: c.ID,
		To: callfloor.AgentOnCall, Direction: callfloor.Inbound, Call: c.ID, Now: now})
	c.CallbackTries++
	c.CustomerChannel = fmt.Sprintf("%s%s-k%d", chanPrefix, c.ID, c.CallbackTries)
	c.CustomerRingAt = now
	cl.save(callfloor.EvCallOfferEnded, nil, nil, off.Agent, off)
	if _, err := cl.ari().CreateBridge(ctx, c.MixBridge, "mixing", ""); err != nil && !ari.IsConflict(err) {
		cl.warn("creating the call bridge", err)
	}
	if err := cl.ari().AddChannel(ctx, c.MixBridge, c.AgentChannel); err != nil {
		cl.warn("bridging the agent", err)
	}
	number := callfloor.NormalizeNumber(c.CallerNumber)
	out := s.acd.Outbound
	if out.DialString == "" || !s.numberRE.MatchString(number) {
		cl.warn("a call-back to a number this centre cannot dial", nil, "number", c.CallerNumber)
		c.CallbackTries = max(c.CallbackTries, cl.cbCfg().Tries) // no point in trying again
		cl.callbackTryFailed(callfloor.OutcomeFailed, 0)
		return
	}
	cl.logf("call-back: dialling the caller", "agent", c.Agent, "number", number, "try", c.CallbackTries)
	_, err := cl.originate(ctx, ari.OriginateRequest{ChannelID: c.CustomerChannel, Endpoint: strings.ReplaceAll(out.DialString, "{number}", number),
		App: s.acd.App, AppArgs: []string{"customer", c.ID}, CallerID: out.CallerID, Timeout: out.RingTimeout})
	if err != nil {
		cl.warn("dialling the caller back", err)
		cl.callbackTryFailed(callfloor.OutcomeFailed, 0)
	}
}

// callbackDialingEvent: the agent waits while the caller's number rings.
func (cl *call) callbackDialingEvent(ev aril.Event) {
	c := cl.c
	switch e := ev.(type) {
	case *aril.StasisStart:
		if e.Channel.ID == c.CustomerChannel {
			cl.callbackConnected()
		}
	case *aril.Dial:
		if e.Peer.ID == c.CustomerChannel && e.Dialstatus != "" {
			cl.dialStatus = e.Dialstatus
		}
	case *aril.ChannelDestroyed:
		switch e.Channel.ID {
		case c.CustomerChannel:
			out := callfloor.OutcomeFailed
			switch {
			case cl.dialStatus == "BUSY" || e.Cause == 17:
				out = callfloor.OutcomeBusy
			case cl.dialStatus == "NOANSWER" || e.Cause == 19 || e.Cause == 18 || e.Cause == 16 || e.Cause == 0:
				out = callfloor.OutcomeNoAnswer
			}
			cl.callbackTryFailed(out, e.Cause)
		case c.AgentChannel:
			cl.callbackTryFailed(callfloor.OutcomeFailed, e.Cause) // the agent gave up first
		}
	}
}

// callbackConnected: the caller's number answered. The call is answered now: the wait of a
// call-back (metrics.md's W, SL, ASA) runs from the caller's first entry into the queue to
// this moment, not to the agent answering, because the caller is served when they talk to the
// agent; a number that does not answer leaves the caller unserved and the wait goes on. The
// history row's wait_ms is the same (Call.WaitMs: answered − entered).
func (cl *call) callbackConnected() {
	c := cl.c
	s := cl.acd.settings()
	q := cl.queueCfg()
	ctx := cl.ctx()
	now := cl.acd.now()
	c.State, c.AnsweredAt = callfloor.CallTalking, now
	c.Offers = append(c.Offers, callfloor.Offer{Agent: c.Agent, Channel: c.CustomerChannel, Start: c.CustomerRingAt, End: now, Result: callfloor.OfferAnswered})
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
	cl.logf("call-back connected", "agent", c.Agent, "wait_ms", c.WaitMs())
	cl.save(callfloor.EvCallAnswered, inc, map[string]int64{realtime.CntAnswered: 1}, c.Agent, nil)
	if err := cl.ari().AddChannel(ctx, c.MixBridge, c.CustomerChannel); err != nil {
		cl.warn("bridging the caller called back", err)
	}
	if c.RecordingName != "" {
		if _, err := cl.ari().Record(ctx, c.MixBridge, c.RecordingName, c.RecordingFormat); err != nil && !ari.IsConflict(err) {
			cl.warn("starting the recording", err)
		}
	}
}

// callbackTryFailed: this try did not reach the caller. The agent is free again; the call-back
// waits callback.retry_every at its place, or, its tries spent, ends (callback_failed) and goes
// to the team's call-back list.
func (cl *call) callbackTryFailed(out callfloor.Outcome, cause int) {
	c := cl.c
	now := cl.acd.now()
	cb := cl.cbCfg()
	tries, every := callfloor.DefaultCallbackTries, callfloor.DefaultCallbackRetryEvery
	if cb != nil {
		tries, every = cb.Tries, cb.RetryEvery
	}
	agent := c.Agent
	c.Offers = append(c.Offers, callfloor.Offer{Agent: agent, Channel: c.CustomerChannel, Start: c.CustomerRingAt, End: now, Result: string(out), Cause: cause})
	cl.hangup(c.CustomerChannel)
	cl.hangup(c.AgentChannel)
	if c.MixBridge != "" {
		cl.destroyBridge(c.MixBridge)
	}
	cl.transition("agent after a call-back that did not connect", realtime.Transition{Agent: agent, From: []callfloor.AgentState{callfloor.AgentOnCall, callfloor.AgentRinging},
		IfCall: c.ID, To: callfloor.AgentAvailable})
	c.Agent, c.AgentChannel, c.CustomerChannel, c.MixBridge, c.CustomerRingAt = "", "", "", "", time.Time{}
	cl.logf("call-back try failed", "result", out, "try", c.CallbackTries, "of", tries)
	if c.CallbackTries >= tries {
		c.State, c.Outcome, c.EndedAt, c.HangupBy, c.Cause = callfloor.CallEnded, callfloor.OutcomeCallbackFailed, now, callfloor.HangupSystem, cause
		cl.save(callfloor.EvCallEnded, nil, nil, agent, nil)
		cl.finish()
		return
	}
	c.State = callfloor.CallWaiting
	c.CallbackNext = now.Add(every)
	cl.save(callfloor.EvCallOfferEnded, nil, nil, agent, c.LastOffer())
	cl.after(every, "cbretry", 0)
}

// callbackReconcile: after a (re)connect, a call-back's legs as Asterisk has them now. It
// reports whether it handled the call (the inbound rules would end a call with no caller).
func (cl *call) callbackReconcile(m msgReconcile) bool {
	c := cl.c
	if !c.IsCallback() {
		return false
	}
	_, agentUp := m.live[c.AgentChannel]
	custCh, custUp := m.live[c.CustomerChannel]
	switch c.State {
	case callfloor.CallWaiting, callfloor.CallOffering:
		if c.CallerChannel != "" {
			if _, up := m.live[c.CallerChannel]; !up {
				cl.callbackCallerGone()
			}
		}
		if c.State == callfloor.CallOffering && !agentUp {
			cl.offerEnded(callfloor.OfferInterrupted, 0)
		} else if c.State == callfloor.CallOffering && m.live[c.AgentChannel].State == "Up" {
			cl.callbackAgentAnswered()
		}
	case callfloor.CallDialing:
		switch {
		case !agentUp:
			cl.callbackTryFailed(callfloor.OutcomeFailed, 0)
		case custUp && custCh.State == "Up":
			cl.callbackConnected()
		case !custUp:
			cl.callbackTryFailed(callfloor.OutcomeNoAnswer, 0)
		}
	case callfloor.CallTalking:
		switch {
		case !custUp && !agentUp:
			cl.endInbound(callfloor.HangupSystem, 16, "both legs gone while disconnected")
		case !custUp:
			cl.endInbound(callfloor.HangupCaller, 16, "gone during disconnect")
		case !agentUp:
			cl.endInbound(callfloor.HangupAgent, 16, "gone during disconnect")
		}
	}
	return true
}
