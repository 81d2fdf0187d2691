package telephony

import (
	"context"
	"strings"
	"time"

	aril "github.com/CyCoreSystems/ari/v5"
	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
)

// Sessions close when the phone becomes unreachable (issue 12): Asterisk tells of an endpoint
// going "offline" (a PJSIP contact unreachable, a registration expired) with EndpointStateChange;
// a logged-in agent whose phone it is is logged out with the reason LogoutPhoneUnreachable — a
// logout the history records like any other (the logged_out interval carries the reason).
// Agents ringing or on a call are left to the call (their phone's failure ends it); Local
// channel "phones" (the demo's) have no endpoint state.

// Logout reasons the system gives (an agent's own logout has none).
const (
	LogoutPhoneUnreachable = "phone_unreachable"
	LogoutShiftOver        = "shift_over"
)

// endpointTechs are the technologies of the agents' phones callfloor subscribes to on every
// node (endpoint:<tech>): "PJSIP" for "PJSIP/1001"; Local channels have no endpoint state.
func endpointTechs(agents map[string]*callfloor.Agent) []string {
	var out []string
	for _, ag := range agents {
		tech, _, ok := strings.Cut(ag.Endpoint, "/")
		if !ok || tech == "" || strings.EqualFold(tech, "Local") {
			continue
		}
		if !containsString(out, tech) {
			out = append(out, tech)
		}
	}
	return out
}

func containsString(l []string, v string) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

// subscribeEndpoints subscribes the node to its agents' phone technologies (after a connect).
func (n *node) subscribeEndpoints(ctx context.Context) {
	for _, tech := range endpointTechs(n.acd.settings().agents) {
		if err := n.client.SubscribeEndpoint(ctx, tech); err != nil {
			n.acd.log.Warn("subscribing to endpoint states: phones going unreachable will not log agents out", "node", n.name, "technology", tech, "err", err)
		}
	}
}

// endpointAgents returns the agents whose phone is tech/resource (the dial string, or its
// first part before an option such as "PJSIP/1001/sip:…").
func (a *ACD) endpointAgents(tech, resource string) []string {
	id := tech + "/" + resource
	var out []string
	for _, ag := range a.settings().agents {
		if ag.Endpoint == id || strings.HasPrefix(ag.Endpoint, id+"/") {
			out = append(out, ag.ID)
		}
	}
	return out
}

// endpointState handles EndpointStateChange: offline logs the phone's agents out.
func (n *node) endpointState(e *aril.EndpointStateChange) {
	st := strings.ToLower(e.Endpoint.State)
	if st != "offline" && st != "unreachable" {
		return
	}
	a := n.acd
	for _, id := range a.endpointAgents(e.Endpoint.Technology, e.Endpoint.Resource) {
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			ctx, cancel := context.WithTimeout(a.ctx, 10*time.Second)
			defer cancel()
			if err := a.LogoutWithReason(ctx, id, LogoutPhoneUnreachable); err == nil {
				a.log.Warn("agent logged out: their phone is unreachable", "agent", id, "endpoint", e.Endpoint.Technology+"/"+e.Endpoint.Resource)
			} else if callfloor.ErrorCode(err) != callfloor.ECONFLICT {
				a.log.Warn("logging out an agent whose phone is unreachable", "agent", id, "err", err)
			}
		}()
	}
}

// LogoutWithReason logs a logged-in agent out for a reason the system gives (the phone is
// unreachable, the shift is long over); refused (ECONFLICT) while they ring or talk, or when
// already logged out.
func (a *ACD) LogoutWithReason(ctx context.Context, id, reason string) error {
	if _, err := a.agent(id); err != nil {
		return err
	}
	_, err := a.store.Transition(ctx, realtime.Transition{Agent: id, From: []callfloor.AgentState{callfloor.AgentAvailable, callfloor.AgentPaused, callfloor.AgentWrapUp},
		To: callfloor.AgentLoggedOut, Reason: reason, Now: time.Now()})
	return err
}

// ShiftSessions finds the agents whose login session, begun for a rostered shift, is still
// open margin after that shift's end (storage.DB implements it from the published roster and
// the recorded sessions).
type ShiftSessions interface {
	OverdueAgents(ctx context.Context, now time.Time, margin time.Duration, loc *time.Location) ([]string, error)
}

// SessionSweepEvery is how often the ACD looks for sessions open past their shift.
var SessionSweepEvery = time.Minute

// sweepSessions logs out (reason LogoutShiftOver) the agents ShiftSessions names, once per
// SessionSweepEvery; an agent ringing or on a call is logged out at a later round. Every
// instance may sweep: a logout is a compare-and-set on the state.
func (a *ACD) sweepSessions(ctx context.Context) {
	t := time.NewTicker(SessionSweepEvery)
	defer t.Stop()
	for {
		a.CloseOverdueSessions(ctx, time.Now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// CloseOverdueSessions runs one round of the session sweep at now; it returns the agents logged
// out.
func (a *ACD) CloseOverdueSessions(ctx context.Context, now time.Time) []string {
	if a.sessions == nil {
		return nil
	}
	s := a.settings()
	margin := s.acd.SessionCloseMargin
	if margin <= 0 {
		margin = callfloor.DefaultSessionCloseMargin
	}
	agents, err := a.sessions.OverdueAgents(ctx, now, margin, a.loc)
	if err != nil {
		if ctx.Err() == nil {
			a.log.Warn("looking for sessions open past their shift", "err", err)
		}
		return nil
	}
	var out []string
	for _, id := range agents {
		if s.agents[id] == nil {
			continue
		}
		err := a.LogoutWithReason(ctx, id, LogoutShiftOver)
		switch {
		case err == nil:
			a.log.Info("agent logged out: their shift ended long ago", "agent", id, "margin", margin)
			out = append(out, id)
		case callfloor.ErrorCode(err) != callfloor.ECONFLICT:
			a.log.Warn("logging out an agent past their shift", "agent", id, "err", err)
		}
	}
	return out
}
