package telephony_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/callfloor/callfloor"
)

// dropWhy reads the change stream after a dialler run and says, for every dropped customer of
// the campaign, why no agent talked with them: from the agents' state changes around the
// customer's answer (who was free, who freed up during the drop wait and whom they went to,
// whether an agent was rung for the customer) — the measurement behind the predictive pacer's
// model of "an agent free at answer".
func (f *dialFloor) dropWhy(campaign string, wait time.Duration) (reasons map[string]int, lines []string) {
	f.t.Helper()
	for {
		n := len(f.events)
		f.poll()
		if len(f.events) == n {
			break
		}
	}
	type change struct {
		at    time.Time
		state callfloor.AgentState
		call  string
	}
	byAgent := map[string][]change{}
	var drops []*callfloor.Call
	calls := map[string]*callfloor.Call{}
	for _, e := range f.events {
		if e.Type == callfloor.EvCallEnded {
			calls[e.Call.ID] = e.Call
		}
		switch {
		case e.Type == callfloor.EvAgentState && e.Agent != nil:
			byAgent[e.Agent.Agent] = append(byAgent[e.Agent.Agent], change{e.At, e.Agent.State, e.Agent.Call})
		case e.Type == callfloor.EvCallEnded && e.Call.CampaignID == campaign && e.Call.Outcome == callfloor.OutcomeAbandoned:
			drops = append(drops, e.Call)
		}
	}
	stateAt := func(a string, t time.Time) callfloor.AgentState {
		s := callfloor.AgentLoggedOut
		for _, c := range byAgent[a] {
			if c.at.After(t) {
				break
			}
			s = c.state
		}
		return s
	}
	agents := make([]string, 0, len(byAgent))
	for a := range byAgent {
		agents = append(agents, a)
	}
	sort.Strings(agents)
	reasons = map[string]int{}
	for _, d := range drops {
		ans := d.AnsweredAt
		counts := map[callfloor.AgentState]int{}
		for _, a := range agents {
			counts[stateAt(a, ans)]++
		}
		rung := 0
		var freed []string   // agents available during the wait: "agent→next call"
		var firstFree string // the first agent available at or after the answer
		var firstAt time.Duration = -1
		later := 0 // agents freed during the wait who went to a customer who answered later
		for _, a := range agents {
			cs := byAgent[a]
			for i, c := range cs {
				if c.call == d.ID && c.state == callfloor.AgentRinging {
					rung++
				}
				if c.state != callfloor.AgentAvailable || c.at.Before(ans) && (i+1 >= len(cs) || cs[i+1].at.Before(ans)) {
					continue
				}
				from := max(c.at.Sub(ans), 0)
				if firstAt < 0 || from < firstAt {
					firstAt, firstFree = from, a
				}
				if from < wait {
					next := "—"
					if i+1 < len(cs) {
						next = fmt.Sprintf("%s %s at +%v", cs[i+1].state, short(cs[i+1].call), cs[i+1].at.Sub(ans).Round(time.Millisecond))
						if o := calls[cs[i+1].call]; o != nil && o.ID != d.ID && !o.AnsweredAt.IsZero() {
							next += fmt.Sprintf(" (answered %+v)", o.AnsweredAt.Sub(ans).Round(time.Millisecond))
							if o.AnsweredAt.After(ans) {
								later++
							}
						}
					}
					freed = append(freed, fmt.Sprintf("%s free +%v→%s", a, from.Round(time.Millisecond), next))
				}
			}
		}
		why := ""
		switch {
		case rung > 0:
			why = "an agent was rung for the customer and the call still dropped"
		case d.HangupBy == callfloor.HangupCaller && d.EndedAt.Sub(ans) < wait:
			why = "the customer hung up while waiting"
		case later > 0:
			why = "an agent freed during the wait went to a customer who answered later"
		case len(freed) > 0:
			why = "an agent was free during the wait and went to a customer waiting longer"
		case firstAt >= 0 && firstAt <= wait+time.Second:
			why = "no agent free within the wait; one freed within a second after it"
		default:
			why = "no agent free within the wait nor a second after it"
		}
		reasons[why]++
		lines = append(lines, fmt.Sprintf("drop %s: ring %v, held %v, by %s; at answer %v; rung %d; first free %s at +%v; during the wait: %s → %s",
			short(d.ID), d.AnsweredAt.Sub(d.EnteredAt).Round(time.Millisecond), d.EndedAt.Sub(ans).Round(time.Millisecond), d.HangupBy, counts, rung,
			firstFree, firstAt.Round(time.Millisecond), strings.Join(freed, "; "), why))
	}
	slices.Sort(lines)
	// the connected calls' path: customer answered → agent claimed (ringing) → agent up
	var claim, up []time.Duration
	for _, e := range f.events {
		if e.Type != callfloor.EvCallEnded || e.Call.CampaignID != campaign || e.Call.Outcome != callfloor.OutcomeAnswered {
			continue
		}
		c := e.Call
		for _, ch := range byAgent[c.Agent] {
			if ch.call != c.ID {
				continue
			}
			switch ch.state {
			case callfloor.AgentRinging:
				claim = append(claim, ch.at.Sub(c.AnsweredAt))
			case callfloor.AgentOnCall:
				if len(claim) > len(up) {
					up = append(up, ch.at.Sub(c.AnsweredAt)-claim[len(claim)-1])
				}
			}
		}
	}
	lines = append(lines, "answer→claim "+quantiles(claim), "claim→agent up "+quantiles(up))
	return reasons, lines
}

// quantiles: "n, median, 90th, max".
func quantiles(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	q := func(p float64) time.Duration { return s[int(p*float64(len(s)-1))].Round(time.Millisecond) }
	return fmt.Sprintf("n %d, median %v, p90 %v, max %v", len(s), q(0.5), q(0.9), s[len(s)-1].Round(time.Millisecond))
}

// short is the tail of a call id (the dial ids share their head).
func short(id string) string {
	if len(id) > 6 {
		return id[len(id)-6:]
	}
	return id
}
