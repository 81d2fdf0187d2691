package telephony

import (
	"context"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/telephony/ari"
)

// Customer flags on the call path (issue 14 item 2). When a caller enters a queue the ACD reads
// the caller's flag from Redis (realtime.Store.CustomerFlag; never PostgreSQL):
//
//   - VIP: the call's priority is raised by acd.customers.vip_priority. The waiting list is
//     ordered by priority, then entry time (the dispatcher's settings.before and the Redis
//     waiting score agree on it), so a VIP goes ahead of the ordinary callers who came earlier
//     and the others keep their order among themselves.
//   - blacklist: the caller is answered, hears acd.customers.blacklist_sound and is hung up
//     acd.customers.blacklist_play_for later, never queued or offered. The call ends with outcome
//     callfloor.OutcomeBlocked and no queue counter: like a call for an unknown queue it never
//     entered the queue, so it is neither offered nor abandoned (service level, abandon rate
//     and ASA do not see it); the history keeps it, searchable by its outcome. It is not saved
//     to the live state until it ends, so a restart during the prompt adopts the channel again
//     and screens it again.
//
// The lookup is bounded (flagLookupTimeout): when Redis does not answer the caller is routed as
// an ordinary caller rather than kept waiting.

const flagLookupTimeout = 300 * time.Millisecond

// screenCaller applies the caller's flag as the call enters its queue; true when the call was
// taken over (blacklisted) and must not be queued. Transfers are not screened again.
func (cl *call) screenCaller() bool {
	c := cl.c
	if c.Direction != callfloor.Inbound || c.TransferredFrom != "" || c.CallerNumber == "" {
		return false
	}
	phone, err := callfloor.CanonicalPhone(c.CallerNumber, "86")
	if err != nil {
		return false // withheld or not a phone number: no customer
	}
	ctx, cancel := context.WithTimeout(cl.ctx(), flagLookupTimeout)
	flag, err := cl.acd.store.CustomerFlag(ctx, phone)
	cancel()
	if err != nil {
		cl.warn("reading the caller's customer flag: routed as an ordinary caller", err)
		return false
	}
	cfg := cl.acd.settings().acd.Customers
	switch flag {
	case callfloor.FlagVIP:
		boost := cfg.VIPPriority
		if boost == 0 {
			boost = callfloor.DefaultVIPPriority
		}
		c.Priority += boost
		cl.priority = c.Priority // before setWaiting: the dispatcher reads it under acd.mu from then on
		cl.logf("VIP caller: queued ahead", "priority", c.Priority)
	case callfloor.FlagBlacklist:
		cl.blockCaller(cfg)
		return true
	}
	return false
}

// blockCaller answers a blacklisted caller, plays the prompt and hangs up after it.
func (cl *call) blockCaller(cfg callfloor.CustomerRouting) {
	c := cl.c
	c.Outcome = callfloor.OutcomeBlocked // endInbound keeps it (no abandon) if the caller hangs up first
	cl.logf("blacklisted caller: prompt, then hang-up")
	ctx := cl.ctx()
	if err := cl.ari().SubscribeChannel(ctx, c.CallerChannel); err != nil && !ari.IsUnprocessable(err) {
		cl.warn("subscribing to the caller's channel (hang-up cause)", err)
	}
	if err := cl.ari().Answer(ctx, c.CallerChannel); err != nil {
		cl.callerGoneOnError("answering the caller", err)
		if c.State == callfloor.CallEnded {
			return
		}
	}
	sound := cfg.BlacklistSound
	if sound == "" {
		sound = callfloor.DefaultBlacklistSound
	}
	if err := cl.ari().Play(ctx, c.CallerChannel, "", sound); err != nil && !ari.IsNotFound(err) {
		cl.warn("playing the blacklist prompt", err)
	}
	playFor := cfg.BlacklistPlayFor
	if playFor <= 0 {
		playFor = 3 * time.Second
	}
	cl.after(playFor, "blockend", 0)
}

// customerTimer handles the blacklist prompt's end; false: not its timer.
func (cl *call) customerTimer(m msgTimer) bool {
	if m.kind != "blockend" {
		return false
	}
	c := cl.c
	if c.State == callfloor.CallEnded || cl.leaving != nil {
		return true // the caller hung up during the prompt (endInbound booked it)
	}
	c.State, c.EndedAt, c.HangupBy = callfloor.CallEnded, cl.acd.now(), callfloor.HangupSystem
	c.Cause, c.CauseText = 21, "Call Rejected" // Q.850 21: the number refuses the caller
	cl.save(callfloor.EvCallEnded, nil, nil, "", nil)
	cl.hangup(c.CallerChannel)
	cl.finish()
	return true
}
