package telephony

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// The outbound dialler (issue 13): about once a second, and whenever an agent becomes free, it
// works every running campaign that is not preview. For each it reads the floor (the campaign's
// agents: logged in, of one of its teams), asks the campaign's Pacer how many dials to place,
// claims that many leads in PostgreSQL (SKIP LOCKED; numbers at the frequency cap are put off to
// when it frees them, others taken instead), gives back the leads outside their calling window,
// and originates each customer through the outbound dial
// string, the call's id being the lead's dial id. The customer is dialled first; in progressive
// mode a free agent is reserved for the dial before it is placed (the inbound claim's atomic
// transition to ringing, the call's id as theirs: the wallboard and the desk show them ringing
// for an outbound call), so that no inbound call nor other campaign takes them during the ring
// and progressive never drops; the reservation ends with an unanswered dial. Otherwise, when
// the customer answers, a free agent of the campaign is claimed with the same atomic Redis
// transition the inbound claim uses and rung; none within DropWait and the call is dropped: the
// message is played, the customer hung up. Every attempt is recorded (RecordAttempt) when its
// call ends, and fed to the pacer.
//
// Several instances: one dialler per campaign at a time, by a Redis lock with expiry
// (dialler:{campaign}, renewed each pass); the leads' claim is PostgreSQL's in any case.
// A restart forgets the pacer's measurements (answer rate, ring and handle times, the drop
// controller's gain): it starts again from its priors, and the day's drop count from zero.

// CampaignSource is where the dialler reads campaigns and leads and records attempts
// (*storage.DB).
type CampaignSource interface {
	RunningCampaigns(ctx context.Context) ([]storage.CampaignInfo, error)
	ClaimLeadsCapped(ctx context.Context, campaignID string, n int, now time.Time, dialID func() string, lc storage.LeadCap) ([]storage.Lead, error)
	DiallingLeads(ctx context.Context, campaignID string) ([]storage.Lead, error)
	Reschedule(ctx context.Context, leadID int64, dialID string, at time.Time) error
	RecordAttempt(ctx context.Context, a storage.AttemptRecord, cal callfloor.HolidayCalendar) (callfloor.LeadNext, error)
	LeadsDue(ctx context.Context, campaignID string, now time.Time) (int64, error)
	HolidayCalendar(ctx context.Context, from, to string) (callfloor.HolidayCalendar, error)
}

// DialerOptions configure the dialler; nil Options.Dialer: no dialler.
type DialerOptions struct {
	Source       CampaignSource
	Every        time.Duration          // a pass at least this often; default 1 s
	DropWait     time.Duration          // an answered customer waits this long for a free agent; default 2 s
	DropSound    string                 // played to a dropped customer; default sound:vm-goodbye
	DropPlayFor  time.Duration          // the message's expected length; default 2 s (the hang-up follows its PlaybackFinished, or twice this if none comes)
	AgentRing    time.Duration          // an agent rung for an answered customer; default 10 s
	FrequencyCap callfloor.FrequencyCap // per number across campaigns (zero: none)
	MaxPerPass   int                    // dials one campaign places per pass at most; default 50
	LearnDials   int                    // completed dials a predictive campaign measures before it dials ahead (0: 200)
	LockTTL      time.Duration          // the per-campaign lock; default 5 s
	IdleEvery    time.Duration          // with no campaign running, the campaigns are re-read this often; default 5 s
	Manual       bool                   // no passes of its own: the benchmark runs them one by one
}

func (o *DialerOptions) defaults() {
	if o.Every <= 0 {
		o.Every = time.Second
	}
	if o.DropWait <= 0 {
		o.DropWait = 2 * time.Second
	}
	if o.DropSound == "" {
		o.DropSound = "sound:vm-goodbye"
	}
	if o.DropPlayFor <= 0 {
		o.DropPlayFor = 2 * time.Second
	}
	if o.AgentRing <= 0 {
		o.AgentRing = 10 * time.Second
	}
	if o.MaxPerPass <= 0 {
		o.MaxPerPass = 50
	}
	if o.LockTTL <= 0 {
		o.LockTTL = 5 * time.Second
	}
	if o.IdleEvery <= 0 {
		o.IdleEvery = 5 * time.Second
	}
}

type dialer struct {
	a     *ACD
	o     DialerOptions
	token string // this instance's, in the campaigns' locks
	kick  chan struct{}

	mu      sync.Mutex
	camps   map[string]*campState
	settled map[string]bool // campaigns whose leftover dials were settled since the start
	// restored: the lines restored from Redis (restoredLine) of campaigns with no state yet
	restored map[string]map[string]*line
	cal      callfloor.HolidayCalendar
	calDay   string

	// idleUntil: the last read found no campaign running; passes before this time read nothing
	// (zero: the next pass reads the campaigns). Only pass touches it.
	idleUntil time.Time
	clock     func() time.Time // time.Now; tests move it
	// agentReads counts the dialler's reads of every agent's status from Redis (tests).
	agentReads atomic.Int64
}

// campState is one campaign as this instance dials it.
type campState struct {
	c       callfloor.Campaign
	pacer   *callfloor.Pacer
	lines   map[string]*line // dials in progress: not yet connected to an agent, not ended
	nextCID int
	day     string
}

type line struct {
	at         time.Time
	answered   bool      // the customer picked up ...
	answeredAt time.Time // ... then (the order in which waiting customers get agents)
	agent      bool      // ... and an agent is reserved for them (ringing): not a free agent any more
}

func newDialer(a *ACD, o DialerOptions) *dialer {
	o.defaults()
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &dialer{a: a, o: o, token: hex.EncodeToString(b[:]), kick: make(chan struct{}, 1), camps: map[string]*campState{}, settled: map[string]bool{},
		clock: time.Now}
}

// agents reads every agent's status from Redis.
func (d *dialer) agents(ctx context.Context) ([]callfloor.AgentStatus, error) {
	d.agentReads.Add(1)
	return d.a.store.Agents(ctx)
}

func (d *dialer) wake() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

func (d *dialer) run(ctx context.Context) {
	t := time.NewTicker(d.o.Every)
	defer t.Stop()
	for {
		d.pass(ctx)
		select {
		case <-ctx.Done():
			d.unlockAll()
			return
		case <-t.C:
		case <-d.kick:
			// an agent became free: at most one extra pass per 100 ms
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

// reconnected: a node came back; the campaigns' leftovers are settled again on the next pass.
func (d *dialer) reconnected() {
	d.mu.Lock()
	d.settled = map[string]bool{}
	d.mu.Unlock()
	d.wake()
}

// calendar returns the holiday calendar around today (re-read once a day).
func (d *dialer) calendar(ctx context.Context, now time.Time) callfloor.HolidayCalendar {
	day := now.Format(time.DateOnly)
	d.mu.Lock()
	cal, cur := d.cal, d.calDay
	d.mu.Unlock()
	if cur == day {
		return cal
	}
	cal, err := d.o.Source.HolidayCalendar(ctx, now.AddDate(0, 0, -2).Format(time.DateOnly), now.AddDate(0, 0, 60).Format(time.DateOnly))
	if err != nil {
		d.a.log.Warn("dialler: reading the holiday calendar", "err", err)
		return nil
	}
	d.mu.Lock()
	d.cal, d.calDay = cal, day
	d.mu.Unlock()
	return cal
}

// pass works every running campaign once.
//
// While campaigns run, each pass reads them (PostgreSQL) and the agents (Redis). When a read
// finds none running, the passes of the next IdleEvery read nothing at all (issue 11: an
// inbound-only centre paid a campaigns query and a read of every agent each second and each time
// an agent freed up): a campaign started (or resumed) meanwhile is dialled within IdleEvery and
// a pass. Nothing tells the dialler of a campaign's change (the API only writes PostgreSQL, and
// may run on another instance), so IdleEvery is the bound. A running campaign paused or changed
// is seen at the next pass, as before.
func (d *dialer) pass(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	if !d.idleUntil.IsZero() && d.clock().Before(d.idleUntil) {
		return
	}
	camps, err := d.o.Source.RunningCampaigns(ctx)
	if err != nil {
		d.a.log.Warn("dialler: reading campaigns", "err", err)
		return
	}
	running := map[string]bool{}
	if len(camps) == 0 {
		d.idleUntil = d.clock().Add(d.o.IdleEvery)
	} else {
		d.idleUntil = time.Time{}
		statuses, err := d.agents(ctx)
		d.a.redisTrouble("dialler reading agents", err)
		if err != nil {
			return
		}
		now := time.Now()
		cal := d.calendar(ctx, now)
		for _, ci := range camps {
			running[ci.ID] = true
			d.campaign(ctx, ci, statuses, cal, now)
		}
	}
	d.mu.Lock()
	for id, st := range d.camps {
		if !running[id] && len(st.lines) == 0 {
			delete(d.camps, id)
		}
	}
	d.mu.Unlock()
}

// state returns the campaign's dialling state, with a new pacer when its pacing changed.
func (d *dialer) state(c callfloor.Campaign, day string) (*campState, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := d.camps[c.ID]
	if st != nil && st.c.Mode == c.Mode && st.c.Ratio == c.Ratio && st.c.DropTarget == c.DropTarget {
		st.c = c
		if st.day != day {
			st.pacer.NewDay()
			st.day = day
		}
		return st, nil
	}
	p, err := callfloor.NewPacer(c.Mode, c.Ratio, c.DropTarget)
	if err != nil {
		return nil, err
	}
	if st == nil {
		st = &campState{lines: map[string]*line{}}
		for id, l := range d.restored[c.ID] {
			st.lines[id] = l
		}
		delete(d.restored, c.ID)
		d.camps[c.ID] = st
	}
	p.LearnDials = d.o.LearnDials
	st.c, st.pacer, st.day = c, p, day
	return st, nil
}

// campaignAgents are the statuses of the logged-in agents of the campaign's teams.
func (d *dialer) campaignAgents(c callfloor.Campaign, statuses []callfloor.AgentStatus) []callfloor.AgentStatus {
	s := d.a.settings()
	var out []callfloor.AgentStatus
	for _, st := range statuses {
		ag := s.agents[st.Agent]
		if ag == nil || st.State == callfloor.AgentLoggedOut || !slices.Contains(c.Teams, ag.Team) {
			continue
		}
		out = append(out, st)
	}
	return out
}

// inboundFirst says whether agent serves an inbound queue where a caller waits: such an agent
// is the inbound dispatcher's (a blended campaign's Queue, and any other queue the agent has a
// skill in, so that a campaign never starves inbound).
func (d *dialer) inboundFirst(agent string, waiting map[string]int64) bool {
	ag := d.a.settings().agents[agent]
	if ag == nil {
		return false
	}
	for q := range ag.Skills {
		if waiting[q] > 0 {
			return true
		}
	}
	return false
}

// waitingInbound counts the callers waiting in each queue the campaign's agents serve.
func (d *dialer) waitingInbound(ctx context.Context, agents []callfloor.AgentStatus) map[string]int64 {
	s := d.a.settings()
	out := map[string]int64{}
	for _, st := range agents {
		ag := s.agents[st.Agent]
		if ag == nil {
			continue
		}
		for q := range ag.Skills {
			if _, done := out[q]; done {
				continue
			}
			n, err := d.a.store.WaitingCount(ctx, q)
			if err != nil {
				n = 0
			}
			out[q] = n
		}
	}
	return out
}

func (d *dialer) campaign(ctx context.Context, ci storage.CampaignInfo, statuses []callfloor.AgentStatus, cal callfloor.HolidayCalendar, now time.Time) {
	c := ci.Campaign
	agents := d.campaignAgents(c, statuses)
	live := realtime.CampaignLive{ID: c.ID, Name: c.Name, Project: c.Project, Teams: c.Teams, Status: ci.Status, Mode: string(c.Mode),
		DialTarget: c.DailyDialTarget, ConnectTarget: c.DailyConnectTarget, DropTarget: c.DropTarget, AgentsOn: len(agents), UpdatedAt: now}
	if live.DropTarget == 0 {
		live.DropTarget = callfloor.DefaultDropTarget
	}
	for _, s := range []string{"new", "scheduled", "callback", "dialling"} {
		live.LeadsLeft += int64(ci.Leads[s])
	}
	defer func() {
		if due, err := d.o.Source.LeadsDue(ctx, c.ID, time.Now()); err == nil {
			live.LeadsDue = due
		}
		if err := d.a.store.SetCampaignLive(ctx, live); err != nil {
			d.a.log.Debug("dialler: campaign live info", "campaign", c.ID, "err", err)
		}
	}()
	if c.Mode == callfloor.PacePreview {
		return // the desk dials (DialLead)
	}
	if !d.lock(ctx, c.ID) {
		return // another instance dials it
	}
	st, err := d.state(c, d.a.store.Day(now))
	if err != nil {
		d.a.log.Warn("dialler: campaign pacing", "campaign", c.ID, "err", err)
		return
	}
	d.mu.Lock()
	settled := d.settled[c.ID]
	d.mu.Unlock()
	if !settled {
		if err := d.settle(ctx, c, st, cal); err != nil {
			d.a.log.Warn("dialler: settling the dials left by a previous run", "campaign", c.ID, "err", err)
			return
		}
		d.mu.Lock()
		d.settled[c.ID] = true
		d.mu.Unlock()
	}
	// the lines first, then the agents: a line connected in between shows as a busy agent and
	// a line (one dial fewer, never one too many)
	d.mu.Lock()
	var lines []line
	for _, l := range st.lines {
		lines = append(lines, *l)
	}
	d.mu.Unlock()
	if fresh, err := d.agents(ctx); err == nil {
		agents = d.campaignAgents(c, fresh)
	}
	waiting := d.waitingInbound(ctx, agents)
	ps := callfloor.PacingState{Agents: len(agents)}
	for _, a := range agents {
		switch a.State {
		case callfloor.AgentAvailable:
			if !d.inboundFirst(a.Agent, waiting) {
				ps.Free++
			}
		case callfloor.AgentOnCall, callfloor.AgentWrapUp, callfloor.AgentRinging:
			ps.Busy = append(ps.Busy, now.Sub(a.Since))
		default:
			ps.Agents-- // paused: not working the campaign now
		}
	}
	for _, l := range lines {
		switch {
		case l.agent: // their agent (reserved before the dial, or ringing for the answer) counts as busy
		case l.answered:
			ps.Waiting++
		default:
			ps.Ringing++
			ps.RingAges = append(ps.RingAges, now.Sub(l.at))
		}
	}
	n := 0
	d.mu.Lock()
	if ps.Agents > 0 {
		n = min(st.pacer.Dials(ps), d.o.MaxPerPass)
	}
	d.mu.Unlock()
	live.Ringing = ps.Ringing
	if n <= 0 || d.a.pickNode() == nil {
		return
	}
	// numbers at the frequency cap are put off by the claim itself, to when the cap frees them
	leads, err := d.o.Source.ClaimLeadsCapped(ctx, c.ID, n, now, NewCallID, storage.LeadCap{Cap: d.o.FrequencyCap, Zone: d.a.loc})
	if err != nil {
		d.a.log.Warn("dialler: claiming leads", "campaign", c.ID, "err", err)
		return
	}
	for _, l := range leads {
		loc := leadZone(l, c, d.a.loc)
		if !c.OpenAt(now, loc, cal) {
			at, ok := c.NextOpen(now, loc, cal)
			if !ok {
				at = now.Add(24 * time.Hour)
			}
			d.reschedule(ctx, l, at)
			continue
		}
		agent := ""
		if c.Mode == callfloor.PaceProgressive {
			// the agent is reserved (ringing, for this dial) before the customer is dialled, so
			// that neither inbound nor another campaign takes them during the ring
			if agent = d.claimAgent(ctx, c.ID, l.DialID); agent == "" {
				d.reschedule(ctx, l, now) // the free agent went meanwhile: the lead is due again
				continue
			}
		}
		if err := d.place(ctx, st, l, agent); err != nil {
			d.a.log.Warn("dialler: dialling a lead", "campaign", c.ID, "lead", l.ID, "err", err)
			if agent != "" {
				d.a.release(ctx, agent, l.DialID)
			}
			d.reschedule(ctx, l, now.Add(time.Minute))
		}
	}
}

func leadZone(l storage.Lead, c callfloor.Campaign, def *time.Location) *time.Location {
	for _, tz := range []string{l.TimeZone, c.TimeZone} {
		if tz == "" {
			continue
		}
		if loc, err := time.LoadLocation(tz); err == nil {
			return loc
		}
	}
	return def
}

func (d *dialer) reschedule(ctx context.Context, l storage.Lead, at time.Time) {
	if err := d.o.Source.Reschedule(ctx, l.ID, l.DialID, at); err != nil {
		d.a.log.Warn("dialler: giving a lead back", "lead", l.ID, "err", err)
	}
}

// place originates one lead's customer as a new outbound call whose id is the lead's dial id;
// agent: the agent reserved for it (progressive), "" none.
func (d *dialer) place(ctx context.Context, st *campState, l storage.Lead, agent string) error {
	s := d.a.settings()
	if s.acd.Outbound.DialString == "" {
		return callfloor.Invalid("number", CodeOutboundOff, nil, "outbound calling is not configured (acd.outbound.dial_string)")
	}
	n := d.a.pickNode()
	if n == nil {
		return &callfloor.Error{Code: CodeNoNode, Kind: callfloor.ECONFLICT, Message: "no Asterisk node is connected"}
	}
	d.mu.Lock()
	cid := s.acd.Outbound.CallerID
	if ids := st.c.CallerIDs; len(ids) > 0 {
		cid = ids[st.nextCID%len(ids)]
		st.nextCID++
	}
	now := time.Now()
	st.lines[l.DialID] = &line{at: now, agent: agent != ""}
	d.mu.Unlock()
	d.a.metrics.dialerLines.WithLabelValues(st.c.ID).Inc()
	c := newCall(d.a, n, &callfloor.Call{
		ID: l.DialID, Direction: callfloor.Outbound, State: callfloor.CallDialing, Node: n.name, AsteriskID: n.entityID(),
		CalledNumber: callfloor.NationalDial(l.Phone), CallerName: l.Name, EnteredAt: now, CampaignID: st.c.ID, LeadID: l.ID, Agent: agent,
	})
	c.dl = &dialLine{callerID: cid}
	c.start(msgDialCustomer{})
	return nil
}

// settle decides, after a start, what became of the campaign's leads left dialling: a lead
// whose call is live is left to it; one whose call ended gets its attempt recorded from the
// call; one with no call at all was claimed but never dialled, and is given back. A lead whose
// answered attempt waits for the agent's disposition is left to the agent.
func (d *dialer) settle(ctx context.Context, c callfloor.Campaign, st *campState, cal callfloor.HolidayCalendar) error {
	leads, err := d.o.Source.DiallingLeads(ctx, c.ID)
	if err != nil {
		return err
	}
	for _, l := range leads {
		if l.DialID == "" || (l.LastResult == string(callfloor.ResultAnswered) && l.LastDisposition == "") {
			continue
		}
		if cl := d.a.lookup(l.DialID); cl != nil {
			continue // restored: its end records the attempt
		}
		call, err := d.a.store.Call(ctx, l.DialID)
		switch {
		case callfloor.ErrorCode(err) == callfloor.ENOTFOUND || (err == nil && call == nil):
			d.a.log.Info("dialler: a lead claimed but never dialled is given back", "campaign", c.ID, "lead", l.ID, "dial", l.DialID)
			d.reschedule(ctx, l, time.Now())
		case err != nil:
			return err
		case call.State == callfloor.CallEnded:
			d.record(ctx, endOf(call, false), cal)
		default:
			// live on another instance's node: its end records the attempt
		}
	}
	return nil
}

// dialEnd is what the dialler learns of one dial when its call ends.
type dialEnd struct {
	campaign, id, agent string
	lead                int64
	at                  time.Time
	result              callfloor.DialResult
	ring, handle        time.Duration
	answered, dropped   bool
}

// endOf reads a dial's end from its call record.
func endOf(c *callfloor.Call, dropped bool) dialEnd {
	e := dialEnd{campaign: c.CampaignID, id: c.ID, lead: c.LeadID, at: c.EnteredAt}
	connected := c.MixBridge != "" && c.Agent != "" && !c.AnsweredAt.IsZero()
	switch {
	case connected:
		e.result, e.answered, e.agent = callfloor.ResultAnswered, true, c.Agent
		e.handle = c.EndedAt.Sub(c.AnsweredAt)
		if c.WrapMs != nil {
			e.handle += time.Duration(*c.WrapMs) * time.Millisecond
		}
	case !c.AnsweredAt.IsZero() || dropped:
		e.result, e.answered, e.dropped = callfloor.ResultDropped, true, true
	case c.Outcome == callfloor.OutcomeBusy:
		e.result = callfloor.ResultBusy
	case c.Outcome == callfloor.OutcomeNoAnswer && c.Cause == 0:
		e.result = callfloor.ResultNoAnswer
	default:
		e.result = callfloor.ResultOfCause(c.Cause)
	}
	end := c.EndedAt
	if !c.AnsweredAt.IsZero() {
		end = c.AnsweredAt
	}
	if !end.IsZero() {
		e.ring = end.Sub(c.EnteredAt)
	}
	return e
}

// restoredLine is the dialler's state of a dial restored from Redis after a restart: an answered
// customer still waiting for an agent keeps the rest of their drop wait, counted from the answer
// (the call's AnsweredAt, in Redis), so that an agent freed meanwhile still takes them. The line
// counts in its campaign's pacing again once the campaign's state exists.
func (d *dialer) restoredLine(c *callfloor.Call) *dialLine {
	dl := &dialLine{}
	l := &line{at: c.EnteredAt, agent: c.Agent != ""} // an agent reserved or rung for it
	if !c.AnsweredAt.IsZero() {
		dl.dropAt = c.AnsweredAt.Add(d.o.DropWait)
		l.answered, l.answeredAt = true, c.AnsweredAt
	}
	if c.MixBridge != "" {
		return dl // talking: no longer a line of the pacer's
	}
	d.mu.Lock()
	if d.restored == nil {
		d.restored = map[string]map[string]*line{}
	}
	if d.restored[c.CampaignID] == nil {
		d.restored[c.CampaignID] = map[string]*line{}
	}
	d.restored[c.CampaignID][c.ID] = l
	d.mu.Unlock()
	d.a.metrics.dialerLines.WithLabelValues(c.CampaignID).Inc()
	return dl
}

// ended is told by a dialler call's actor that the call ended: the line is freed, the pacer
// fed and the attempt recorded.
func (d *dialer) ended(c *callfloor.Call, dropped bool) {
	e := endOf(c, dropped)
	d.mu.Lock()
	d.dropLine(e.campaign, e.id)
	if st := d.camps[e.campaign]; st != nil {
		st.pacer.Dialled(callfloor.DialOutcome{Answered: e.answered, Dropped: e.dropped, Ring: e.ring})
		if e.result == callfloor.ResultAnswered {
			st.pacer.Handled(e.handle)
		}
	}
	d.mu.Unlock()
	d.a.metrics.dials.WithLabelValues(e.campaign, string(e.result)).Inc()
	if e.dropped {
		d.a.metrics.drops.WithLabelValues(e.campaign).Inc()
	}
	d.a.wg.Add(1)
	go func() {
		defer d.a.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		d.record(ctx, e, d.calendar(ctx, time.Now()))
	}()
	d.wake()
}

// connected: the dial's customer is talking with an agent (the line is no longer the pacer's).
func (d *dialer) connected(campaign, id string) {
	d.mu.Lock()
	d.dropLine(campaign, id)
	d.mu.Unlock()
}

// lineOf is the dial's line (restored ones too), nil if none; d.mu held.
func (d *dialer) lineOf(campaign, id string) *line {
	if st := d.camps[campaign]; st != nil && st.lines[id] != nil {
		return st.lines[id]
	}
	return d.restored[campaign][id]
}

// dropLine forgets the dial's line; d.mu held.
func (d *dialer) dropLine(campaign, id string) {
	if d.lineOf(campaign, id) == nil {
		return
	}
	if st := d.camps[campaign]; st != nil {
		delete(st.lines, id)
	}
	delete(d.restored[campaign], id)
	d.a.metrics.dialerLines.WithLabelValues(campaign).Dec()
}

// reserved: an agent is (or is no longer) reserved for the dial's answered customer.
func (d *dialer) reserved(campaign, id string, on bool) {
	d.mu.Lock()
	if l := d.lineOf(campaign, id); l != nil {
		l.agent = on
	}
	d.mu.Unlock()
}

// answered: the dial's customer picked up (at) and waits for an agent.
func (d *dialer) answered(campaign, id string, at time.Time) {
	d.mu.Lock()
	if l := d.lineOf(campaign, id); l != nil {
		l.answered, l.answeredAt = true, at
	}
	d.mu.Unlock()
}

// waitingAhead counts the campaign's answered customers still waiting for an agent who
// answered before the dial id did (every one of them for a dial not answered, or not a line:
// progressive's reservation before the dial); d.mu held.
func (d *dialer) waitingAhead(campaign, id string) int {
	var at time.Time
	if l := d.lineOf(campaign, id); l != nil && l.answered {
		at = l.answeredAt
	}
	n := 0
	count := func(lines map[string]*line) {
		for lid, l := range lines {
			if lid != id && l.answered && !l.agent && (at.IsZero() || l.answeredAt.Before(at)) {
				n++
			}
		}
	}
	if st := d.camps[campaign]; st != nil {
		count(st.lines)
	}
	count(d.restored[campaign])
	return n
}

// agentFreed is told that an agent became available (on any instance): the customers waiting
// for an agent try at once, longest waiting first, rather than at their next retry, and a pass
// follows.
func (d *dialer) agentFreed() {
	type waiter struct {
		id string
		at time.Time
	}
	var ws []waiter
	d.mu.Lock()
	add := func(lines map[string]*line) {
		for id, l := range lines {
			if l.answered && !l.agent {
				ws = append(ws, waiter{id, l.answeredAt})
			}
		}
	}
	for _, st := range d.camps {
		add(st.lines)
	}
	for _, lines := range d.restored {
		add(lines)
	}
	d.mu.Unlock()
	sort.Slice(ws, func(i, j int) bool { return ws[i].at.Before(ws[j].at) })
	for _, w := range ws {
		if cl := d.a.lookup(w.id); cl != nil {
			cl.send(msgTimer{kind: "claimnow"})
		}
	}
	d.wake()
}

func (d *dialer) record(ctx context.Context, e dialEnd, cal callfloor.HolidayCalendar) {
	_, err := d.o.Source.RecordAttempt(ctx, storage.AttemptRecord{LeadID: e.lead, DialID: e.id, At: e.at, Result: e.result, Ring: e.ring, CallID: e.id, Agent: e.agent}, cal)
	if err != nil {
		d.a.log.Warn("dialler: recording an attempt", "campaign", e.campaign, "lead", e.lead, "dial", e.id, "err", err)
	}
}

// claimAgent reserves (ringing) a free agent of the campaign for an answered customer, the one
// free longest first, with the inbound claim's atomic transition; "" when none is free. The
// customers waiting longer come first: the free agents as many as they are are left to them
// (as a queue serves its callers in order), so that a customer who has just answered does not
// take the agent that one about to be dropped was waiting for.
func (d *dialer) claimAgent(ctx context.Context, campaign, callID string) string {
	d.mu.Lock()
	st := d.camps[campaign]
	var c callfloor.Campaign
	if st != nil {
		c = st.c
	}
	d.mu.Unlock()
	if st == nil {
		return ""
	}
	statuses, err := d.agents(ctx)
	if err != nil {
		return ""
	}
	agents := d.campaignAgents(c, statuses)
	sort.Slice(agents, func(i, j int) bool { return agents[i].Since.Before(agents[j].Since) })
	waiting := d.waitingInbound(ctx, agents)
	free := agents[:0]
	for _, a := range agents {
		if a.State == callfloor.AgentAvailable && !d.inboundFirst(a.Agent, waiting) {
			free = append(free, a)
		}
	}
	d.mu.Lock()
	ahead := d.waitingAhead(campaign, callID)
	d.mu.Unlock()
	if len(free) <= ahead {
		return ""
	}
	for _, a := range free {
		if _, err := d.a.store.Transition(ctx, realtime.Transition{Agent: a.Agent, From: []callfloor.AgentState{callfloor.AgentAvailable},
			To: callfloor.AgentRinging, Direction: callfloor.Outbound, Call: callID}); err == nil {
			d.reserved(campaign, callID, true)
			return a.Agent
		}
	}
	return ""
}

// lock takes or renews the campaign's dialler lock; false: another instance holds it.
func (d *dialer) lock(ctx context.Context, campaign string) bool {
	key := d.a.store.Prefix() + "dialler:" + campaign
	ok, err := lockScript.Run(ctx, d.a.store.Client(), []string{key}, d.token, d.o.LockTTL.Milliseconds()).Int()
	return err == nil && ok == 1
}

func (d *dialer) unlockAll() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	d.mu.Lock()
	ids := make([]string, 0, len(d.camps))
	for id := range d.camps {
		ids = append(ids, id)
	}
	d.mu.Unlock()
	for _, id := range ids {
		_ = unlockScript.Run(ctx, d.a.store.Client(), []string{d.a.store.Prefix() + "dialler:" + id}, d.token).Err()
	}
}

// dialerMetrics are the dialler's Prometheus collectors.
func dialerMetrics() (dials, drops *prometheus.CounterVec, lines *prometheus.GaugeVec) {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callfloor_dialer_dials_total", Help: "Dials the outbound dialler placed, by campaign and result (counted when the dial ends)."}, []string{"campaign", "result"}),
		prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callfloor_dialer_drops_total", Help: "Customers answered with no agent free: the message was played and the call ended."}, []string{"campaign"}),
		prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "callfloor_dialer_lines", Help: "The dialler's lines in progress (ringing, or answered and waiting for an agent), by campaign."}, []string{"campaign"})
}

var lockScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur == false or cur == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`)

var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)
