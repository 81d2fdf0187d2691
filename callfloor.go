// Package callfloor is the domain of the callfloor call-centre platform: calls, agents, queues,
// agent states, the domain events every adapter speaks, the configuration model and the metric
// formulas. It does no I/O: telephony/ (ARI and the ACD), realtime/ (Redis), storage/
// (PostgreSQL) and dashboards/ (HTTP) depend on it, never the other way round.
package callfloor

import (
	"errors"
	"fmt"
	"time"
)

// AgentState is where an agent is in the ACD's eyes. Only "available" agents are offered calls.
type AgentState string

const (
	AgentLoggedOut AgentState = "logged_out"
	AgentAvailable AgentState = "available"
	AgentRinging   AgentState = "ringing" // their phone is being rung for a call (inbound offer or outbound first leg)
	AgentOnCall    AgentState = "on_call" // Direction tells inbound / outbound
	AgentWrapUp    AgentState = "wrap_up"
	AgentPaused    AgentState = "paused" // Reason tells why (break, lunch, missed, ...)
)

// Valid reports whether s is one of the defined states.
func (s AgentState) Valid() bool {
	switch s {
	case AgentLoggedOut, AgentAvailable, AgentRinging, AgentOnCall, AgentWrapUp, AgentPaused:
		return true
	}
	return false
}

// AgentStates lists every state, in the order a wallboard shows them.
var AgentStates = []AgentState{AgentAvailable, AgentRinging, AgentOnCall, AgentWrapUp, AgentPaused, AgentLoggedOut}

// Direction of a call.
const (
	Inbound  = "inbound"
	Outbound = "outbound"
)

// CallState is the lifecycle position of a live call.
type CallState string

const (
	CallWaiting  CallState = "waiting"  // inbound: in the queue's holding bridge, no agent ringing
	CallOffering CallState = "offering" // inbound: an agent's phone is ringing for it (the caller still waits)
	CallDialing  CallState = "dialing"  // outbound: agent's phone or the customer is being rung
	CallTalking  CallState = "talking"  // bridged caller and agent
	CallEnded    CallState = "ended"
)

// Outcome is how a call ended; the history and the reports group by it.
type Outcome string

const (
	OutcomeAnswered     Outcome = "answered"
	OutcomeAbandoned    Outcome = "abandoned"
	OutcomeShortAbandon Outcome = "short_abandon" // abandoned with wait ≤ the queue's short-abandon threshold
	OutcomeFlowedOut    Outcome = "flowed_out"    // max wait reached: sent to a dialplan location or hung up
	OutcomeUnknownQueue Outcome = "unknown_queue"
	OutcomeBusy         Outcome = "busy"
	OutcomeNoAnswer     Outcome = "no_answer"
	OutcomeFailed       Outcome = "failed"
	// OutcomeLost: the caller was cut off by an Asterisk crash or restart before an agent
	// answered. A system outcome (hangup_by "system"): neither answered nor abandoned, and kept
	// out of the abandon rate (QueueCounters.Lost).
	OutcomeLost Outcome = "lost"
)

// Offer results, one per time an agent's phone rang for a call.
const (
	OfferAnswered = "answered"
	OfferNoAnswer = "no_answer"
	OfferRejected = "rejected" // busy / declined at the phone
	OfferFailed   = "failed"   // originate failed or the endpoint is unreachable
	OfferCanceled = "canceled" // the caller hung up or flowed out while the phone rang
	// OfferInterrupted: the ring's result is unknown because the node's event stream was down
	// (dropped, application deactivated, callfloor stopped) while it rang. Neither a missed ring
	// nor the agent's fault: the agent goes back to available and the caller is offered again.
	OfferInterrupted = "interrupted"
)

// Who hung up.
const (
	HangupCaller = "caller"
	HangupAgent  = "agent"
	HangupSystem = "system"
)

// Offer is one ring of one agent's phone for one call.
type Offer struct {
	Agent   string    `json:"agent"`
	Channel string    `json:"channel"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end,omitzero"`
	Result  string    `json:"result,omitempty"`
	Cause   int       `json:"cause,omitempty"`
}

// RingMs is how long this offer rang.
func (o Offer) RingMs() int64 {
	if o.End.IsZero() {
		return 0
	}
	return o.End.Sub(o.Start).Milliseconds()
}

// Call is one contact: for inbound, one stay in one queue (a "queue leg" in metrics.md).
// It is both the live record (in Redis while the call is up) and the history row's source.
type Call struct {
	ID         string    `json:"id"`
	Direction  string    `json:"direction"`
	State      CallState `json:"state"`
	Queue      string    `json:"queue,omitempty"`
	Priority   int       `json:"priority,omitempty"`
	Node       string    `json:"node"`        // configured Asterisk node name
	AsteriskID string    `json:"asterisk_id"` // entity id of that node
	Args       []string  `json:"args,omitempty"`

	CallerNumber string `json:"caller_number,omitempty"`
	CallerName   string `json:"caller_name,omitempty"`
	CalledNumber string `json:"called_number,omitempty"`

	Agent string `json:"agent,omitempty"` // the agent who answered (inbound) or placed it (outbound)

	EnteredAt    time.Time `json:"entered_at"`
	FirstOfferAt time.Time `json:"first_offer_at,omitzero"`
	AnsweredAt   time.Time `json:"answered_at,omitzero"`
	EndedAt      time.Time `json:"ended_at,omitzero"`

	Outcome   Outcome `json:"outcome,omitempty"`
	HangupBy  string  `json:"hangup_by,omitempty"`
	Cause     int     `json:"cause,omitempty"`
	CauseText string  `json:"cause_text,omitempty"`

	Offers []Offer `json:"offers,omitempty"`

	// Set when a handled call ends: the wrap-up time the agent was given after it, and the time
	// the customer spent on hold (the sum of the holds: a phone's hold key, ARI ChannelHold).
	WrapMs *int64 `json:"wrap_ms,omitempty"`
	HoldMs *int64 `json:"hold_ms,omitempty"`

	// Hold while the call is up: the leg that put it on hold and since when (zero: not on hold),
	// and the holds already over (ms).
	HoldChannel   string    `json:"hold_channel,omitempty"`
	HoldStartedAt time.Time `json:"hold_started_at,omitzero"`
	HeldMs        int64     `json:"held_ms,omitempty"`

	RecordingName     string `json:"recording_name,omitempty"`
	RecordingFormat   string `json:"recording_format,omitempty"`
	RecordingDuration int    `json:"recording_duration_s,omitempty"`

	// Asterisk objects the call owns on its node.
	CallerChannel   string    `json:"caller_channel,omitempty"`
	AgentChannel    string    `json:"agent_channel,omitempty"`
	CustomerChannel string    `json:"customer_channel,omitempty"`
	HoldBridge      string    `json:"hold_bridge,omitempty"`
	MixBridge       string    `json:"mix_bridge,omitempty"`
	CustomerRingAt  time.Time `json:"customer_ring_at,omitzero"`

	// A blind transfer from the agent desktop: where the call went ("queue:support",
	// "agent:1002", "number:5551234") and when. A transfer to a queue or an agent continues
	// as a new call (a new queue leg) whose TransferredFrom is this call's id; a transfer to a
	// number stays this call, the agent leaving it at TransferredAt.
	TransferredTo   string    `json:"transferred_to,omitempty"`
	TransferredFrom string    `json:"transferred_from,omitempty"`
	TransferredAt   time.Time `json:"transferred_at,omitzero"`

	// An outbound campaign's call (issue 13): the campaign and the lead it dials. The call's id
	// is the lead's dial id (storage leads.dial_id, lead_attempts.dial_id), so that after a
	// restart the dialler finds the call of every lead it left dialling.
	CampaignID string `json:"campaign_id,omitempty"`
	LeadID     int64  `json:"lead_id,omitempty"`

	// A call-back (issue 14, callback.go): when the waiting caller pressed 1 for one (zero: not a
	// call-back). The call keeps its EnteredAt, hence its place in the queue and its wait. The
	// offer's prompt was played at CallbackOfferedAt; CallbackTries counts the dials of the
	// caller's number; a number that did not answer is not dialled again before CallbackNext.
	CallbackAt        time.Time `json:"callback_at,omitzero"`
	CallbackOfferedAt time.Time `json:"callback_offered_at,omitzero"`
	CallbackTries     int       `json:"callback_tries,omitempty"`
	CallbackNext      time.Time `json:"callback_next,omitzero"`

	// Rev numbers the saves of the live record: a save retried after a lost reply checks it to
	// land once.
	Rev int64 `json:"rev,omitempty"`
}

// WaitMs is W of metrics.md: answered − entered, or (abandoned/flowed out) ended − entered.
// Ring time at agents is part of the wait.
func (c *Call) WaitMs() int64 {
	switch {
	case !c.AnsweredAt.IsZero():
		return c.AnsweredAt.Sub(c.EnteredAt).Milliseconds()
	case !c.EndedAt.IsZero():
		return c.EndedAt.Sub(c.EnteredAt).Milliseconds()
	}
	return 0
}

// TalkMs is answered → ended less the time on hold (metrics.md's AHT adds talk, hold and wrap).
func (c *Call) TalkMs() int64 {
	if c.AnsweredAt.IsZero() || c.EndedAt.IsZero() {
		return 0
	}
	end := c.EndedAt
	if !c.TransferredAt.IsZero() && c.TransferredAt.Before(end) {
		end = c.TransferredAt // the agent left the call when they transferred it
	}
	t := end.Sub(c.AnsweredAt).Milliseconds()
	if c.HoldMs != nil {
		t -= *c.HoldMs
	}
	return max(t, 0)
}

// DeskHoldChannel is Call.HoldChannel while the agent desktop (not a phone) holds the call.
const DeskHoldChannel = "desktop"

// OnHold reports whether the call is on hold now.
func (c *Call) OnHold() bool { return !c.HoldStartedAt.IsZero() }

// StartHold puts a talking call on hold by the leg ch at at; false when it is not talking or
// already on hold (a second leg's hold adds nothing: the call is on hold once).
func (c *Call) StartHold(ch string, at time.Time) bool {
	if c.State != CallTalking || c.OnHold() {
		return false
	}
	c.HoldChannel, c.HoldStartedAt = ch, at
	return true
}

// EndHold takes the call off hold when ch is the leg that held it; false otherwise.
func (c *Call) EndHold(ch string, at time.Time) bool {
	if !c.OnHold() || ch != c.HoldChannel {
		return false
	}
	c.HeldMs += max(at.Sub(c.HoldStartedAt).Milliseconds(), 0)
	c.HoldChannel, c.HoldStartedAt = "", time.Time{}
	return true
}

// SettleHold ends a hold still running at the end of the call (at) and returns the total time
// on hold, which it stores in HoldMs.
func (c *Call) SettleHold(at time.Time) int64 {
	c.EndHold(c.HoldChannel, at)
	h := c.HeldMs
	c.HoldMs = &h
	return h
}

// RingMs is the total time agents' phones rang for the call (inbound), or the customer's ring
// time (outbound).
func (c *Call) RingMs() int64 {
	var t int64
	for _, o := range c.Offers {
		t += o.RingMs()
	}
	return t
}

// LastOffer returns the current or last offer, or nil.
func (c *Call) LastOffer() *Offer {
	if len(c.Offers) == 0 {
		return nil
	}
	return &c.Offers[len(c.Offers)-1]
}

// Agent is a person who takes calls, with the phone endpoint callfloor rings.
type Agent struct {
	ID       string         `json:"id" yaml:"id"`
	Name     string         `json:"name" yaml:"name"`
	Endpoint string         `json:"endpoint" yaml:"endpoint"` // any Asterisk dial string: PJSIP/1001, Local/1001@agents
	Team     string         `json:"team,omitempty" yaml:"team"`
	Skills   map[string]int `json:"skills" yaml:"skills"` // queue name -> skill level 1..99 (higher is better); the queues served
}

// AgentStatus is an agent's live state as held in Redis.
type AgentStatus struct {
	Agent      string     `json:"agent"`
	State      AgentState `json:"state"`
	Reason     string     `json:"reason,omitempty"`
	Direction  string     `json:"direction,omitempty"`
	Since      time.Time  `json:"since"`
	Call       string     `json:"call,omitempty"`
	CallsToday int64      `json:"calls_today"`
	WrapUntil  time.Time  `json:"wrap_until,omitzero"`
	// PauseUntil: a timed pause (after missed rings): the ACD makes the agent available at this
	// instant unless their state changed meanwhile.
	PauseUntil time.Time `json:"pause_until,omitzero"`
	// PendingPause: "pause after this call", the reason of the pause the agent goes to when
	// their call and wrap-up end (instead of available).
	PendingPause string `json:"pending_pause,omitempty"`
	// LastCall: the call the agent last talked on (through wrap-up: its disposition and note).
	LastCall string `json:"last_call,omitempty"`
}

// Event types on the change stream. Every fact enters once, at the connector.
const (
	EvCallEntered     = "call.entered"
	EvCallOffered     = "call.offered"
	EvCallOfferEnded  = "call.offer_ended"
	EvCallAnswered    = "call.answered"
	EvCallHeld        = "call.held"        // a leg pressed hold
	EvCallResumed     = "call.resumed"     // that leg took the call off hold
	EvCallEnded       = "call.ended"       // carries the full Call record with its outcome
	EvCallTransferred = "call.transferred" // the agent transferred the call (TransferredTo)
	// EvCallCallbackRequested: the waiting caller pressed 1 for a call-back (Call.CallbackAt).
	EvCallCallbackRequested = "call.callback_requested"
	EvAgentState            = "agent.state"
	EvRecordingReady        = "recording.ready"
	EvSurveyEnded           = "survey.ended" // a post-call survey's result (Event.Survey; survey.go)
)

// Event is one entry of the change stream. Call is the call's record after the change.
type Event struct {
	ID    string       `json:"id,omitempty"` // stream id, filled when read back
	Type  string       `json:"type"`
	At    time.Time    `json:"at"`
	Call  *Call        `json:"call,omitempty"`
	Agent *AgentStatus `json:"agent,omitempty"`
	Offer *Offer       `json:"offer,omitempty"`
	Prev  AgentState   `json:"prev,omitempty"` // agent.state: the state left
	// agent.state: when the state left began and its reason: with At, the closed interval.
	PrevSinceMs int64  `json:"prev_since_ms,omitempty"`
	PrevReason  string `json:"prev_reason,omitempty"`
	// survey.ended: the survey's result
	Survey *SurveyResult `json:"survey,omitempty"`
}

// Error kinds (the generic classes), mapped to HTTP statuses by dashboards/. Until issue 10 they
// were the only codes; each is still a valid Error.Code where nothing more specific applies, and
// errors.go lists the specific codes and the kind of each.
const (
	ECONFLICT = "conflict"
	EINTERNAL = "internal"
	EINVALID  = "invalid"
	ENOTFOUND = "not_found"
	EUNAUTH   = "unauthorized"
	EFORBID   = "forbidden"
)

// Error is the application error: a code and params for machines (a UI translates them), a
// message for people who read the API in English.
//
// Code is specific (invalid_number, too_long, state_conflict…; errors.go) or one of the kinds
// above. Kind is the generic class that sets the HTTP status; left empty, it is KindOf(Code).
// Message is "field: text" when there is a field, with the field named once, and never holds a
// regular expression or a Go type.
type Error struct {
	Code    string
	Kind    string
	Message string
	Field   string // the offending field (JSON path), when one is to blame
	Params  Params // what the message says in words, as data: max, min, allowed, state, value…
}

func (e *Error) Error() string { return e.Message }

// Class is the error's kind: Kind, else KindOf(Code).
func (e *Error) Class() string {
	if e.Kind != "" {
		return e.Kind
	}
	return KindOf(e.Code)
}

// Errorf builds an *Error; code is a specific code or a kind.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorKind returns the kind (EINVALID, ENOTFOUND…) of the *Error in err's chain, or EINTERNAL.
func ErrorKind(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Class()
	}
	return EINTERNAL
}

// ErrorCode is ErrorKind, kept under its old name for the callers that compare it with the
// kinds (EINVALID, ECONFLICT…). The specific code is SpecificCode.
func ErrorCode(err error) string { return ErrorKind(err) }

// SpecificCode returns the specific code of the *Error in err's chain (its Code), or EINTERNAL.
func SpecificCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		if e.Code == "" {
			return e.Class()
		}
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of an *Error in err's chain, or a generic text.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
