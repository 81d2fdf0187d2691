package callfloor

// Error codes of the agent desktop's actions (dashboards maps each to its HTTP status; the UI
// shows each in the user's language).
const (
	// EDispositionRequired: the call's queue requires a disposition before wrap-up may end early.
	EDispositionRequired = "disposition_required"
	// ENotInWrapUp: "ready" asked of an agent who is not in wrap-up.
	ENotInWrapUp = "not_in_wrap_up"
	// ENotOnCall: hang-up or transfer asked of an agent who is on no call (or one not talking).
	ENotOnCall = "not_on_call"
	// EAgentUnavailable: a transfer to an agent who is not available.
	EAgentUnavailable = "agent_unavailable"
	// EDispositionClosed: a disposition or note set too long after the call ended.
	EDispositionClosed = "disposition_closed"
)

func init() {
	RegisterCode(ENotInWrapUp, ECONFLICT)
	RegisterCode(ENotOnCall, ECONFLICT)
	RegisterCode(EAgentUnavailable, ECONFLICT)
	RegisterCode(EDispositionRequired, ECONFLICT)
	RegisterCode(EDispositionClosed, ECONFLICT)
}
