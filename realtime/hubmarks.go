package realtime

import (
	"encoding/json"
	"time"

	"github.com/callfloor/callfloor"
)

// markEvent is the part of a change-stream event the hub's mark reads: when, and which queue and
// agents it touches. Decoding only this (not the call's whole snapshot: times, numbers, causes)
// is most of the hub's stream reading cost saved (issue 11, cost per call).
type markEvent struct {
	At   time.Time `json:"at"`
	Call *struct {
		Queue      string    `json:"queue"`
		EnteredAt  time.Time `json:"entered_at"`
		CampaignID string    `json:"campaign_id"`
		Agent      string    `json:"agent"`
		Offers     []struct {
			Agent string `json:"agent"`
		} `json:"offers"`
	} `json:"call"`
	Agent *struct {
		Agent string `json:"agent"`
	} `json:"agent"`
	Offer *struct {
		Agent string `json:"agent"`
	} `json:"offer"`
}

// decodeMarks decodes a change-stream entry into an Event carrying only what mark reads.
func decodeMarks(raw []byte) (*callfloor.Event, error) {
	var m markEvent
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	ev := &callfloor.Event{At: m.At}
	if m.Agent != nil {
		ev.Agent = &callfloor.AgentStatus{Agent: m.Agent.Agent}
	}
	if m.Offer != nil {
		ev.Offer = &callfloor.Offer{Agent: m.Offer.Agent}
	}
	if c := m.Call; c != nil {
		ev.Call = &callfloor.Call{Queue: c.Queue, Agent: c.Agent, EnteredAt: c.EnteredAt, CampaignID: c.CampaignID}
		for _, o := range c.Offers {
			ev.Call.Offers = append(ev.Call.Offers, callfloor.Offer{Agent: o.Agent})
		}
	}
	return ev, nil
}
