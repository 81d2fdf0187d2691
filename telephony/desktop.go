package telephony

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/telephony/ari"
)

// The agent desktop's call actions: hang up, blind transfer (to a queue, an agent or a number),
// "pause after this call" (a pending pause, see realtime.SetPendingPause) and ending wrap-up
// early.
//
// A transfer to a queue or an agent ends the agent's call (outcome answered, hangup_by agent,
// transferred_to "queue:<name>" / "agent:<id>") and the caller goes on as a new call, a new
// queue leg whose transferred_from is the old call: they wait in the queue's holding bridge
// (entered now, so the new queue's service level counts from the transfer) with their priority,
// or ring the chosen agent, who was reserved (ringing) before anything moved. A transfer to a
// number stays the same call: the number is originated through the outbound dial string (as a
// click-to-call's customer), the caller waits in a holding bridge with music meanwhile and is
// bridged with the number when it answers; the agent leaves at once (wrap-up), their talk time
// ends at transferred_at. If the number does not answer, the call ends (hangup_by system).

type msgHangup struct{ reply chan error }

func (m msgHangup) replyTo() chan error { return m.reply }

type msgTransfer struct {
	queue, agent, number string
	newID                string // the new call's id (queue, agent)
	reply                chan error
}

func (m msgTransfer) replyTo() chan error { return m.reply }

// Transfer targets, as the call record names them.
const (
	xferQueue  = "queue:"
	xferAgent  = "agent:"
	xferNumber = "number:"
)

// Hangup ends the agent's current call from the desktop: Asterisk hangs up the agent's leg and
// the call ends as if the agent had hung up their phone (hangup_by agent).
func (a *ACD) Hangup(ctx context.Context, agentID string) error {
	err := a.askAgentCall(ctx, agentID, "hangup", 10*time.Second, func(reply chan error) any { return msgHangup{reply: reply} })
	return notOnCall(err)
}

// notOnCall gives askAgentCall's "not on a call" its own code.
func notOnCall(err error) error {
	if e, ok := err.(*callfloor.Error); ok && e.Class() == callfloor.ECONFLICT && strings.Contains(e.Message, "not on a call") {
		return &callfloor.Error{Code: callfloor.ENotOnCall, Kind: callfloor.ECONFLICT, Params: e.Params, Message: e.Message}
	}
	return err
}

func (cl *call) deskHangup() error {
	c := cl.c
	if cl.leaving != nil || c.State == callfloor.CallEnded || c.AgentChannel == "" {
		return &callfloor.Error{Code: callfloor.ENotOnCall, Message: fmt.Sprintf("call %s is ending already", c.ID)}
	}
	if c.Direction == callfloor.Inbound && c.State != callfloor.CallTalking {
		return &callfloor.Error{Code: callfloor.ENotOnCall, Message: fmt.Sprintf("call %s is not talking", c.ID)}
	}
	cl.logf("agent hangs up from the desktop", "agent", c.Agent)
	if err := cl.ari().Hangup(cl.ctx(), c.AgentChannel, "normal"); err != nil && !ari.IsNotFound(err) {
		return fmt.Errorf("hang-up: %w", err)
	}
	return nil // the leg's StasisEnd and ChannelDestroyed end the call (hangup_by agent)
}

// Transfer blind-transfers the agent's current call: exactly one of queue, agent, number.
func (a *ACD) Transfer(ctx context.Context, agentID, queue, agent, number string) error {
	s := a.settings()
	m := msgTransfer{queue: strings.TrimSpace(queue), agent: strings.TrimSpace(agent), number: strings.TrimSpace(number)}
	n := 0
	for _, v := range []string{m.queue, m.agent, m.number} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return &callfloor.Error{Code: callfloor.CodeRequired, Kind: callfloor.EINVALID, Field: "to_queue", Params: callfloor.Params{"one_of": []string{"to_queue", "to_agent", "to_number"}}, Message: "to_queue, to_agent or to_number: exactly one is required"}
	}
	if _, err := a.agent(agentID); err != nil {
		return err
	}
	switch {
	case m.queue != "":
		if s.queues[m.queue] == nil {
			return &callfloor.Error{Code: callfloor.CodeUnknownRef, Kind: callfloor.EINVALID, Field: "to_queue", Params: callfloor.Params{"what": "queue", "value": m.queue}, Message: fmt.Sprintf("to_queue: no queue %q", m.queue)}
		}
	case m.agent != "":
		if s.agents[m.agent] == nil {
			return &callfloor.Error{Code: callfloor.CodeUnknownRef, Kind: callfloor.EINVALID, Field: "to_agent", Params: callfloor.Params{"what": "agent", "value": m.agent}, Message: fmt.Sprintf("to_agent: no agent %q", m.agent)}
		}
		if m.agent == agentID {
			return &callfloor.Error{Code: callfloor.CodeNotAllowed, Kind: callfloor.EINVALID, Field: "to_agent", Params: callfloor.Params{"value": m.agent}, Message: "to_agent: you cannot transfer a call to yourself"}
		}
	case m.number != "":
		if !s.numberRE.MatchString(m.number) {
			return &callfloor.Error{Code: callfloor.CodeInvalidNumber, Kind: callfloor.EINVALID, Field: "to_number", Params: callfloor.Params{"value": m.number}, Message: fmt.Sprintf("to_number: %q is not a number that can be dialled", m.number)}
		}
		if s.acd.Outbound.DialString == "" {
			return &callfloor.Error{Code: callfloor.EINVALID, Field: "to_number", Message: "to_number: outbound calling is not configured (acd.outbound.dial_string)"}
		}
	}
	st, err := a.store.Agent(ctx, agentID)
	if err != nil {
		return err
	}
	if st.State != callfloor.AgentOnCall || st.Call == "" {
		return &callfloor.Error{Code: callfloor.ENotOnCall, Message: fmt.Sprintf("agent %q is %s, not on a call", agentID, st.State)}
	}
	if m.queue != "" || m.agent != "" {
		m.newID = newID(time.Now())
	}
	if m.agent != "" {
		// reserve the agent first: a transfer to someone who cannot take it moves nothing
		_, err := a.store.Transition(ctx, realtime.Transition{Agent: m.agent, From: []callfloor.AgentState{callfloor.AgentAvailable}, To: callfloor.AgentRinging,
			Direction: callfloor.Inbound, Call: m.newID, Now: time.Now()})
		if callfloor.ErrorCode(err) == callfloor.ECONFLICT {
			cur, _ := a.store.Agent(ctx, m.agent)
			return &callfloor.Error{Code: callfloor.EAgentUnavailable, Field: "to_agent", Message: fmt.Sprintf("to_agent: agent %q is %s, not available", m.agent, cur.State)}
		}
		if err != nil {
			return err
		}
	}
	err = a.askAgentCall(ctx, agentID, "transfer", 15*time.Second, func(reply chan error) any { m.reply = reply; return m })
	if err != nil && m.agent != "" {
		a.release(context.WithoutCancel(ctx), m.agent, m.newID)
	}
	return notOnCall(err)
}

func (cl *call) transfer(m msgTransfer) error {
	c := cl.c
	if c.Direction != callfloor.Inbound {
		return &callfloor.Error{Code: callfloor.ECONFLICT, Message: "only an inbound call can be transferred"}
	}
	if c.State != callfloor.CallTalking || cl.leaving != nil || c.HoldBridge != "" || c.AgentChannel == "" || c.TransferredTo != "" {
		return &callfloor.Error{Code: callfloor.ENotOnCall, Message: fmt.Sprintf("call %s is not talking", c.ID)}
	}
	if c.OnHold() && c.HoldChannel != callfloor.DeskHoldChannel {
		return &callfloor.Error{Code: callfloor.ECONFLICT, Message: "the call is on hold from a phone: release it on the phone first"}
	}
	if m.number != "" {
		return cl.transferToNumber(m.number)
	}
	return cl.transferToLeg(m)
}

// transferToLeg hands the caller over to a new call in a queue (m.queue) or ringing the
// reserved agent (m.agent, in this call's queue).
func (cl *call) transferToLeg(m msgTransfer) error {
	c := cl.c
	ctx := cl.ctx()
	queue, to := m.queue, xferQueue+m.queue
	if m.agent != "" {
		queue, to = c.Queue, xferAgent+m.agent
	}
	from := c.MixBridge
	if c.OnHold() {
		from = parkBridge(c.ID)
	}
	if err := cl.ari().RemoveChannel(ctx, from, c.CallerChannel); err != nil && !ari.IsUnprocessable(err) {
		if ari.IsNotFound(err) {
			return &callfloor.Error{Code: callfloor.ENotOnCall, Message: fmt.Sprintf("call %s: the caller is gone", c.ID)}
		}
		return fmt.Errorf("transfer: taking the caller out of the call: %w", err)
	}
	now := cl.acd.now()
	nc := &callfloor.Call{
		ID: m.newID, Direction: callfloor.Inbound, State: callfloor.CallWaiting, Queue: queue, Priority: c.Priority, Node: c.Node, AsteriskID: c.AsteriskID,
		Args: c.Args, EnteredAt: now, CallerChannel: c.CallerChannel, CallerNumber: c.CallerNumber, CallerName: c.CallerName, TransferredFrom: c.ID,
	}
	leg := newCall(cl.acd, cl.node, nc)
	cl.acd.mu.Lock()
	cl.node.byChannel[c.CallerChannel] = leg // the caller's events are the new call's from now on
	cl.acd.mu.Unlock()
	leg.start(msgEnter{adopted: true, answered: true, offerTo: m.agent})

	c.TransferredTo, c.TransferredAt = to, now
	cl.handedOver = true
	cl.logf("call transferred", "agent", c.Agent, "to", to, "new_call", nc.ID)
	cl.save(callfloor.EvCallTransferred, nil, nil, c.Agent, nil)
	agentCh := c.AgentChannel
	cl.endInbound(callfloor.HangupAgent, 16, "transferred")
	cl.hangup(agentCh)
	return nil
}

// transferToNumber dials the number for the caller and lets the agent go.
func (cl *call) transferToNumber(number string) error {
	c := cl.c
	ctx := cl.ctx()
	s := cl.acd.settings()
	out := s.acd.Outbound
	park := parkBridge(c.ID)
	// the caller waits with music in the holding bridge while the number rings
	if !c.OnHold() {
		cl.parked = true
		if _, err := cl.ari().CreateBridge(ctx, park, "holding", "hold-"+c.ID); err != nil && !ari.IsConflict(err) {
			return fmt.Errorf("transfer: creating the holding bridge: %w", err)
		}
		music := ""
		if q := cl.queueCfg(); q != nil {
			music = q.MusicClass
		}
		if err := cl.ari().StartBridgeMOH(ctx, park, music); err != nil {
			cl.warn("transfer: starting music on hold", err)
		}
		if err := cl.ari().RemoveChannel(ctx, c.MixBridge, c.CallerChannel); err != nil && !ari.IsUnprocessable(err) {
			return fmt.Errorf("transfer: taking the caller out of the call: %w", err)
		}
		if err := cl.ari().AddChannel(ctx, park, c.CallerChannel); err != nil {
			_ = cl.ari().AddChannel(ctx, c.MixBridge, c.CallerChannel)
			return fmt.Errorf("transfer: %w", err)
		}
	}
	now := cl.acd.now()
	c.EndHold(callfloor.DeskHoldChannel, now) // waiting for the number is not the agent's hold
	ch := fmt.Sprintf("%s%s-x1", chanPrefix, c.ID)
	_, err := cl.originate(ctx, ari.OriginateRequest{ChannelID: ch, Endpoint: strings.ReplaceAll(out.DialString, "{number}", number),
		App: s.acd.App, AppArgs: []string{"transfer", c.ID}, CallerID: callerID(c.CallerName, c.CallerNumber), Timeout: out.RingTimeout})
	if err != nil {
		// nothing is lost: the caller goes back to the agent
		_ = cl.ari().RemoveChannel(ctx, park, c.CallerChannel)
		_ = cl.ari().AddChannel(ctx, c.MixBridge, c.CallerChannel)
		return fmt.Errorf("transfer: dialling %s: %w", number, err)
	}
	c.CustomerChannel, c.CustomerRingAt = ch, now
	c.TransferredTo, c.TransferredAt = xferNumber+number, now
	agentCh := c.AgentChannel
	c.AgentChannel = "" // the agent's leg is no longer the call's: its end does not end it
	cl.agentLeft = true
	cl.logf("call transferred", "agent", c.Agent, "to", c.TransferredTo)
	cl.save(callfloor.EvCallTransferred, nil, nil, c.Agent, nil)
	cl.hangup(agentCh)
	cl.toWrapUp(c.Agent, wrapUp(cl.queueCfg()))
	return nil
}

// transferAnswered: the number answered; caller and number are bridged.
func (cl *call) transferAnswered() {
	c := cl.c
	ctx := cl.ctx()
	park := parkBridge(c.ID)
	if err := cl.ari().RemoveChannel(ctx, park, c.CallerChannel); err != nil && !ari.IsUnprocessable(err) && !ari.IsNotFound(err) {
		cl.warn("transfer: taking the caller off hold", err)
	}
	if err := cl.ari().AddChannel(ctx, c.MixBridge, c.CallerChannel, c.CustomerChannel); err != nil {
		cl.warn("transfer: bridging the caller with the number", err)
	}
	cl.destroyBridge(park)
	cl.parked = false
	cl.logf("transfer answered", "to", c.TransferredTo)
}

// EndWrapUp ends the agent's wrap-up early: available, or paused when a pause is pending.
func (a *ACD) EndWrapUp(ctx context.Context, id string) (callfloor.AgentStatus, error) {
	st, err := a.agentAction(ctx, id, realtime.Transition{From: []callfloor.AgentState{callfloor.AgentWrapUp}, To: callfloor.AgentAvailable})
	if callfloor.ErrorCode(err) == callfloor.ECONFLICT {
		cur, _ := a.store.Agent(ctx, id)
		return st, &callfloor.Error{Code: callfloor.ENotInWrapUp, Message: fmt.Sprintf("agent %q is %s, not in wrap-up", id, cur.State)}
	}
	return st, err
}

// CancelPendingPause cancels "pause after this call".
func (a *ACD) CancelPendingPause(ctx context.Context, id string) (callfloor.AgentStatus, error) {
	if _, err := a.agent(id); err != nil {
		return callfloor.AgentStatus{}, err
	}
	if err := a.store.ClearPendingPause(ctx, id, time.Now()); err != nil {
		return callfloor.AgentStatus{}, err
	}
	return a.store.Agent(ctx, id)
}
