package main

import (
	"context"
	"math/rand"
	"sync"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/dashboards"
	"github.com/callfloor/callfloor/storage"
)

// demoDisposer gives the demo's simulated agents' answered campaign calls their disposition,
// through the desk's own API handler (PUT /api/v1/calls/{id}/disposition, as the agent): a
// believable mix — about 10 % successes, call-backs at a time inside the campaign's windows
// in the lead's zone, interest to follow up, wrong persons, refusals (do-not-call, as the
// campaign's 拒绝 says), now and then an empty number or an explicit 禁呼 — so that the demo's
// leads leave "dialling", and its campaign pages, do-not-call list and outbound report fill.
type demoDisposer struct {
	api *dashboards.API
	db  *storage.DB

	mu     sync.Mutex
	users  map[string]callfloor.Principal // by agent id
	given  map[string]int                 // codes given, for the tests and the log
	failed int
}

func newDemoDisposer(api *dashboards.API, db *storage.DB) *demoDisposer {
	return &demoDisposer{api: api, db: db, users: map[string]callfloor.Principal{}, given: map[string]int{}}
}

// demoDispositionMix: the weights of the kinds of outcome an agent gives, each with the test
// of a campaign's disposition of that kind (the first of the campaign's that passes).
var demoDispositionMix = []struct {
	weight float64
	is     func(d callfloor.Disposition) bool
}{
	{0.10, func(d callfloor.Disposition) bool { return d.Success }},
	{0.15, func(d callfloor.Disposition) bool { return d.Callback }},
	{0.17, func(d callfloor.Disposition) bool { return d.Code == "interested" }},
	{0.07, func(d callfloor.Disposition) bool { return d.Code == "wrong_person" }},
	{0.03, func(d callfloor.Disposition) bool { return d.Code == "invalid_number" }},
	{0.03, func(d callfloor.Disposition) bool { return d.Code == "do_not_call" }},
	{0.45, func(d callfloor.Disposition) bool { return d.Code == "refused" || (d.Final && d.DNC) }},
}

// pick chooses a disposition of the campaign's set by the mix (any non-call-back one when the
// set has none of the kind drawn).
func pickDemoDisposition(ds []callfloor.Disposition, rng *rand.Rand) (callfloor.Disposition, bool) {
	x := rng.Float64()
	for _, m := range demoDispositionMix {
		if x -= m.weight; x < 0 {
			for _, d := range ds {
				if m.is(d) {
					return d, true
				}
			}
			break
		}
	}
	for _, d := range ds {
		if !d.Callback {
			return d, true
		}
	}
	return callfloor.Disposition{}, false
}

// principal is the agent's user (the one the desk logs in as); a bare agent principal when the
// agent has no user.
func (d *demoDisposer) principal(ctx context.Context, agent string) callfloor.Principal {
	d.mu.Lock()
	p, ok := d.users[agent]
	d.mu.Unlock()
	if ok {
		return p
	}
	p = callfloor.Principal{Username: agent, Role: callfloor.RoleAgent, AgentID: agent}
	if us, err := d.db.ListUsers(ctx); err == nil {
		for _, u := range us {
			if u.AgentID == agent && !u.Disabled && u.Role == callfloor.RoleAgent {
				p = u.Principal()
				break
			}
		}
	}
	d.mu.Lock()
	d.users[agent] = p
	d.mu.Unlock()
	return p
}

// dispose gives the agent's call its disposition when it is a campaign call whose lead awaits
// one; the code given ("" when there was nothing to do).
func (d *demoDisposer) dispose(ctx context.Context, agent, callID string, rng *rand.Rand) (string, error) {
	l, err := d.db.LeadOfDial(ctx, callID)
	if err != nil || l.Status != "dialling" || l.DialID != callID {
		return "", nil // not a campaign call, or its lead has moved on
	}
	c, err := d.db.GetCampaign(ctx, l.Campaign)
	if err != nil {
		return "", err
	}
	disp, ok := pickDemoDisposition(c.Dispositions, rng)
	if !ok {
		return "", nil
	}
	body := dashboards.DispositionBody{Code: &disp.Code}
	if disp.Callback {
		tz := l.TimeZone
		if tz == "" {
			tz = c.TimeZone
		}
		loc, err := time.LoadLocation(tz)
		if err != nil {
			loc = time.Local
		}
		// tomorrow or the day after, at the first open minute after a random hour
		want := time.Now().Add(time.Duration(18+rng.Intn(36)) * time.Hour)
		at, ok := c.NextOpen(want, loc, nil)
		if !ok {
			return "", nil
		}
		at = at.Add(time.Duration(rng.Intn(90)) * time.Minute).Truncate(time.Minute)
		if !c.OpenAt(at, loc, nil) {
			at, _ = c.NextOpen(want, loc, nil)
		}
		shared := rng.Intn(4) == 0 // most call-backs are the agent's own
		personal := !shared
		body.CallbackAt, body.Personal = &at, &personal
	}
	p := d.principal(ctx, agent)
	if err := d.api.DispositionAs(ctx, p, callID, body); err != nil {
		if !disp.Callback {
			d.count("", true)
			return "", err
		}
		// a call-back the centre's calendar refuses (a holiday): interest to follow up instead
		for _, alt := range c.Dispositions {
			if !alt.Callback && !alt.Final {
				code := alt.Code
				if err := d.api.DispositionAs(ctx, p, callID, dashboards.DispositionBody{Code: &code}); err != nil {
					d.count("", true)
					return "", err
				}
				d.count(code, false)
				return code, nil
			}
		}
		d.count("", true)
		return "", err
	}
	d.count(disp.Code, false)
	return disp.Code, nil
}

func (d *demoDisposer) count(code string, failed bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if failed {
		d.failed++
		return
	}
	d.given[code]++
}
