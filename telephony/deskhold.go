package telephony

import (
	"context"
	"fmt"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/telephony/ari"
)

// Hold from the agent desktop: the customer's leg moves out of the call's bridge into a
// holding bridge of its own with music on hold (cf-<call>-park) and back. The agent stays in
// the call's bridge (the recording goes on); the hold is counted like a phone's hold key, with
// callfloor.DeskHoldChannel as the holding "leg".

type msgHold struct {
	on    bool
	reply chan error
}

func parkBridge(callID string) string { return chanPrefix + callID + "-park" }

// Hold puts the customer of the agent's current call on hold (on) or takes them off it. The
// agent must be on a call this instance handles; a hold from the phone is released on the phone.
func (a *ACD) Hold(ctx context.Context, agentID string, on bool) error {
	return a.askAgentCall(ctx, agentID, "hold", 10*time.Second, func(reply chan error) any { return msgHold{on: on, reply: reply} })
}

func (m msgHold) replyTo() chan error { return m.reply }

// customerChannel is the leg of the call's customer: the caller (inbound) or the called party.
func (cl *call) customerChannel() string {
	if cl.c.Direction == callfloor.Outbound {
		return cl.c.CustomerChannel
	}
	return cl.c.CallerChannel
}

func (cl *call) deskHold(on bool) error {
	c := cl.c
	ctx := cl.ctx()
	cust := cl.customerChannel()
	if c.State != callfloor.CallTalking || c.MixBridge == "" || cust == "" {
		return callfloor.StateConflict(string(c.State), "call %s is not talking", c.ID)
	}
	park := parkBridge(c.ID)
	now := cl.acd.now()
	if on {
		if c.OnHold() {
			return callfloor.StateConflict("on_hold", "call %s is already on hold", c.ID)
		}
		cl.parked = true
		if _, err := cl.ari().CreateBridge(ctx, park, "holding", "hold-"+c.ID); err != nil && !ari.IsConflict(err) {
			return fmt.Errorf("hold: creating the holding bridge: %w", err)
		}
		music := ""
		if q := cl.queueCfg(); q != nil {
			music = q.MusicClass
		}
		if err := cl.ari().StartBridgeMOH(ctx, park, music); err != nil {
			cl.warn("hold: starting music on hold", err)
		}
		if err := cl.ari().RemoveChannel(ctx, c.MixBridge, cust); err != nil && !ari.IsUnprocessable(err) {
			return fmt.Errorf("hold: taking the customer out of the call: %w", err)
		}
		if err := cl.ari().AddChannel(ctx, park, cust); err != nil {
			_ = cl.ari().AddChannel(ctx, c.MixBridge, cust) // put them back: no silent limbo
			return fmt.Errorf("hold: %w", err)
		}
		c.StartHold(callfloor.DeskHoldChannel, now)
		cl.logf("customer on hold from the desktop")
		cl.save(callfloor.EvCallHeld, nil, nil, c.Agent, nil)
		return nil
	}
	if !c.OnHold() {
		return callfloor.StateConflict(string(c.State), "call %s is not on hold", c.ID)
	}
	if c.HoldChannel != callfloor.DeskHoldChannel {
		return callfloor.StateConflict("phone_hold", "the call was put on hold from a phone: release it on the phone")
	}
	if err := cl.ari().RemoveChannel(ctx, park, cust); err != nil && !ari.IsNotFound(err) && !ari.IsUnprocessable(err) {
		return fmt.Errorf("hold: taking the customer off hold: %w", err)
	}
	if err := cl.ari().AddChannel(ctx, c.MixBridge, cust); err != nil {
		_ = cl.ari().AddChannel(ctx, park, cust) // back to the music, still on hold: no silent limbo
		return fmt.Errorf("hold: bringing the customer back: %w", err)
	}
	if err := cl.ari().DestroyBridge(ctx, park); err != nil && !ari.BridgeGone(err) {
		cl.warn("hold: destroying the holding bridge", err)
	}
	// gone: the end of the call must not delete it again (Asterisk answers a DELETE of a bridge
	// it has just destroyed with 409 "Bridge not in Stasis application")
	cl.parked = false
	c.EndHold(callfloor.DeskHoldChannel, now)
	cl.logf("customer off hold from the desktop", "held_ms", c.HeldMs)
	cl.save(callfloor.EvCallResumed, nil, nil, c.Agent, nil)
	return nil
}

// unpark destroys the desktop's holding bridge when the call ends.
func (cl *call) unpark() {
	if !cl.parked && cl.c.HoldChannel != callfloor.DeskHoldChannel {
		return
	}
	if err := cl.ari().DestroyBridge(cl.ctx(), parkBridge(cl.c.ID)); err != nil && !ari.BridgeGone(err) {
		cl.warn("destroying the holding bridge", err)
	}
}
