package telephony

import (
	"context"
	"fmt"
	"time"

	aril "github.com/CyCoreSystems/ari/v5"
	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/telephony/ari"
)

// Supervisor monitoring of a live call: a snoop channel on the agent's leg, bridged with the
// supervisor's own phone. The mode decides what the snoop hears and where the supervisor's
// voice goes:
//
//	listen:  spy both, whisper none  — hears agent and customer, speaks to nobody
//	whisper: spy both, whisper out   — coaches the agent; the customer does not hear
//	barge:   spy both, whisper both  — speaks to both
const (
	MonitorListen  = "listen"
	MonitorWhisper = "whisper"
	MonitorBarge   = "barge"
)

var monitorDirections = map[string][2]string{
	MonitorListen:  {"both", "none"},
	MonitorWhisper: {"both", "out"},
	MonitorBarge:   {"both", "both"},
}

// monitor is one supervisor on one call; the call's actor owns it.
type monitor struct {
	mode, by      string
	snoop, phone  string
	bridge        string
	phoneAnswered bool
}

type msgMonitor struct {
	mode, endpoint, by string
	reply              chan error
}

// Monitor rings the supervisor's phone (endpoint) and, when answered, lets them listen,
// whisper to the agent, or barge in on the agent's current call. It returns once the phone is
// ringing.
func (a *ACD) Monitor(ctx context.Context, agentID, endpoint, mode, by string) error {
	if _, ok := monitorDirections[mode]; !ok {
		return callfloor.Invalid("mode", callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{"listen", "whisper", "barge"}, "value": mode}, "must be listen, whisper or barge, got %q", mode)
	}
	if endpoint == "" {
		return callfloor.Invalid("endpoint", CodeNoPhone, nil, "the supervisor has no phone endpoint (set the user's phone_endpoint)")
	}
	return a.askAgentCall(ctx, agentID, "monitor", 15*time.Second, func(reply chan error) any {
		return msgMonitor{mode: mode, endpoint: endpoint, by: by, reply: reply}
	})
}

// askAgentCall hands a request (msg, built around its reply channel) to the actor of the call
// the agent is on, and waits for its answer: ECONFLICT when the agent is on no call, the call is
// another instance's, or it ends meanwhile.
func (a *ACD) askAgentCall(ctx context.Context, agentID, what string, wait time.Duration, msg func(reply chan error) any) error {
	if _, err := a.agent(agentID); err != nil {
		return err
	}
	st, err := a.store.Agent(ctx, agentID)
	if err != nil {
		return err
	}
	if st.State != callfloor.AgentOnCall || st.Call == "" {
		return callfloor.StateConflict(string(st.State), "agent %q is %s, not on a call", agentID, st.State)
	}
	c := a.lookup(st.Call)
	if c == nil {
		return &callfloor.Error{Code: CodeOtherNode, Kind: callfloor.ECONFLICT, Message: fmt.Sprintf("call %s is handled by another callfloor instance", st.Call)}
	}
	reply := make(chan error, 1)
	if !c.send(msg(reply)) {
		return errCallJustEnded
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(wait):
		return fmt.Errorf("%s: the call did not answer in time", what)
	}
}

// errCallJustEnded answers a request that reached a call as it ended.
var errCallJustEnded = callfloor.StateConflict(string(callfloor.CallEnded), "the call has just ended")

// request is a message that waits for an answer (askAgentCall).
type request interface{ replyTo() chan error }

func (m msgMonitor) replyTo() chan error { return m.reply }

func (cl *call) startMonitor(m msgMonitor) error {
	c := cl.c
	if c.State != callfloor.CallTalking || c.AgentChannel == "" || c.MixBridge == "" {
		return callfloor.StateConflict("not_talking", "the call is not in conversation")
	}
	s := cl.acd.settings()
	ctx := cl.ctx()
	cl.monSeq++
	n := cl.monSeq
	mon := &monitor{mode: m.mode, by: m.by, snoop: fmt.Sprintf("%s%s-s%d", chanPrefix, c.ID, n),
		phone: fmt.Sprintf("%s%s-p%d", chanPrefix, c.ID, n), bridge: fmt.Sprintf("%s%s-m%d", chanPrefix, c.ID, n)}
	dir := monitorDirections[m.mode]
	if _, err := cl.ari().CreateBridge(ctx, mon.bridge, "mixing", "monitor"); err != nil {
		return fmt.Errorf("monitor bridge: %w", err)
	}
	if _, err := cl.ari().Snoop(ctx, c.AgentChannel, ari.SnoopRequest{SnoopID: mon.snoop, Spy: dir[0], Whisper: dir[1], App: s.acd.App,
		AppArgs: []string{"supervisor", c.ID}}); err != nil {
		_ = cl.ari().DestroyBridge(ctx, mon.bridge)
		return fmt.Errorf("snoop on the agent's channel: %w", err)
	}
	if err := cl.ari().AddChannel(ctx, mon.bridge, mon.snoop); err != nil {
		cl.teardownMonitor(mon)
		return fmt.Errorf("bridging the snoop: %w", err)
	}
	if _, err := cl.originate(ctx, ari.OriginateRequest{ChannelID: mon.phone, Endpoint: m.endpoint, App: s.acd.App,
		AppArgs: []string{"supervisor-phone", c.ID}, CallerID: callerID(m.mode+" "+c.Agent, c.CallerNumber), Timeout: 30 * time.Second}); err != nil {
		cl.teardownMonitor(mon)
		return fmt.Errorf("ringing the supervisor's phone %s: %w", m.endpoint, err)
	}
	cl.monitors = append(cl.monitors, mon)
	cl.logf("supervisor monitoring", "mode", m.mode, "by", m.by, "agent", c.Agent)
	return nil
}

// monitorEvent handles the events of monitoring channels; true when ev was one.
func (cl *call) monitorEvent(ev aril.Event) bool {
	var id string
	switch e := ev.(type) {
	case *aril.StasisStart:
		id = e.Channel.ID
	case *aril.StasisEnd:
		id = e.Channel.ID
	case *aril.ChannelDestroyed:
		id = e.Channel.ID
	default:
		return false
	}
	for i, mon := range cl.monitors {
		if id != mon.snoop && id != mon.phone && id != mon.phone+";2" {
			continue
		}
		switch ev.(type) {
		case *aril.StasisStart:
			if id == mon.phone && !mon.phoneAnswered {
				mon.phoneAnswered = true
				if err := cl.ari().AddChannel(cl.ctx(), mon.bridge, mon.phone); err != nil {
					cl.warn("bridging the supervisor's phone", err)
				}
			}
		default: // either leg gone: the monitoring ends
			cl.teardownMonitor(mon)
			cl.monitors = append(cl.monitors[:i], cl.monitors[i+1:]...)
		}
		return true
	}
	return false
}

func (cl *call) teardownMonitor(mon *monitor) {
	ctx := cl.ctx()
	for _, ch := range []string{mon.phone, mon.snoop} {
		if err := cl.ari().Hangup(ctx, ch, "normal"); err != nil && !ari.IsNotFound(err) {
			cl.warn("ending monitoring", err, "channel", ch)
		}
	}
	if err := cl.ari().DestroyBridge(ctx, mon.bridge); err != nil && !ari.BridgeGone(err) {
		cl.warn("destroying the monitor bridge", err)
	}
}

func (cl *call) endMonitors() {
	for _, mon := range cl.monitors {
		cl.teardownMonitor(mon)
	}
	cl.monitors = nil
}
