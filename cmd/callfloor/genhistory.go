package main

// callfloor gen-history: a believable history of a call centre written straight into the raw
// history tables with COPY, for the report benchmarks (issue 11 item 6). Each day is simulated
// as the ACD would run it (inbound queues with longest-idle routing, missed rings, abandons,
// flows out at max wait, transfers; outbound preview dialling; shifts, breaks and lunch), and
// its rows are what the history writer (storage/history.go) would have stored for it: the same
// columns, ms units, outcomes, hangup_by values, state names and partitions.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
	"github.com/jackc/pgx/v5"
)

type genOpts struct {
	seats    int
	agents   int // people on the roster (0: one per seat)
	from, to time.Time
	loc      *time.Location
	seed     uint64
	workers  int
	dialsPer float64 // outbound dials a weekday per 100 seats of the campaign
	// generated, when set: whether the day (local midnight) is generated too. A shift's
	// logged-out interval runs to the agent's next login only within generated days (the
	// demo seeds only the days that have no history, and must not overlap the others).
	generated func(day time.Time) bool
	// occupancy the inbound volume is planned for (0: 0.68; a small floor pools less, so
	// needs less to keep its service level)
	occupancy float64
	// noRecordings: the calls have no recording_name (the demo has no files for them)
	noRecordings bool
}

func runGenHistory(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen-history", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("database-url", "", "PostgreSQL URL of a database (or search_path schema) of its own: required, never a shared one")
	seats := fs.Int("seats", 300, "seats of the centre")
	agents := fs.Int("agents", 0, "agents on the roster (default: one per seat, split over two shifts)")
	fromS := fs.String("from", "", "first day, YYYY-MM-DD in -tz (default: 365 days before -to)")
	toS := fs.String("to", "", "last day, YYYY-MM-DD in -tz (default: yesterday)")
	tz := fs.String("tz", "Asia/Shanghai", "the centre's time zone")
	seed := fs.Uint64("seed", 1, "random seed: the same seed and flags give the same rows")
	workers := fs.Int("workers", 2, "days generated and copied in parallel (one connection each)")
	dials := fs.Float64("dials-per-100-seats", 8000, "outbound campaign dials a weekday per 100 seats of the campaign (Saturday 60 %, none on Sunday)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *url == "" {
		return errors.New("gen-history: -database-url is required (a database or schema of its own)")
	}
	if *seats < 10 || *seats > 20000 {
		return fmt.Errorf("gen-history: -seats must be in 10..20000, got %d", *seats)
	}
	if *agents < 0 || (*agents > 0 && *agents < 10) {
		return fmt.Errorf("gen-history: -agents must be 0 (one per seat) or at least 10, got %d", *agents)
	}
	if *workers < 1 || *workers > 16 {
		return fmt.Errorf("gen-history: -workers must be in 1..16, got %d", *workers)
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return fmt.Errorf("gen-history: -tz: %w", err)
	}
	day := func(name, s string) (time.Time, error) {
		t, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			return time.Time{}, fmt.Errorf("gen-history: -%s: %q is not a day YYYY-MM-DD", name, s)
		}
		return t, nil
	}
	now := time.Now().In(loc)
	to := time.Date(now.Year(), now.Month(), now.Day()-1, 0, 0, 0, 0, loc)
	if *toS != "" {
		if to, err = day("to", *toS); err != nil {
			return err
		}
	}
	from := to.AddDate(0, 0, -364)
	if *fromS != "" {
		if from, err = day("from", *fromS); err != nil {
			return err
		}
	}
	if to.Before(from) || to.Sub(from) > 3*366*24*time.Hour {
		return errors.New("gen-history: -from must be on or before -to, and at most three years before it")
	}
	o := genOpts{seats: *seats, agents: *agents, from: from, to: to, loc: loc, seed: *seed, workers: *workers, dialsPer: *dials}
	if o.agents == 0 {
		o.agents = o.seats
	}
	return genHistory(ctx, *url, o, stderr)
}

// ---- the centre ----

type genQueue struct {
	name     string
	priority int
	share    float64 // of its project's inbound traffic
	talkMedS float64
	wrapMs   int64
	maxWait  int64 // ms, 0: none
	slMs     int64
}

type genProject struct {
	id, name string
	outbound bool
	did      string
	queues   []*genQueue
	agents   []*genAgent
}

type genAgent struct {
	idx      int
	id, name string
	team     string
	proj     *genProject
	late     bool
	weekends bool // off on Saturday and Sunday (else two weekdays)
	offDay   int  // first weekday off (1 = Monday) when !weekends
}

type genModel struct {
	o        genOpts
	projects []*genProject
	agents   []*genAgent
	teams    [][3]string // id, name, project
}

// The generated centre is a Chinese one: its names are data and Chinese (a zh page shows them as
// they are; the English pages too).
var genSurnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高", "罗"}
var genGiven = []string{"伟", "芳", "娜", "敏", "静", "磊", "军", "燕", "涛", "强", "平", "辉", "宇", "欣", "浩", "玲", "波", "宁", "丹", "凯", "瑞", "杰", "梅", "云"}

func buildGenModel(o genOpts) *genModel {
	m := &genModel{o: o}
	hot := &genProject{id: "hotline", name: "客服热线", did: "4008001000", queues: []*genQueue{
		{name: "hotline-general", priority: 1, share: 0.6, talkMedS: 140, wrapMs: 15000, maxWait: 300000, slMs: 20000},
		{name: "hotline-billing", priority: 1, share: 0.25, talkMedS: 190, wrapMs: 20000, maxWait: 300000, slMs: 20000},
		{name: "hotline-vip", priority: 3, share: 0.15, talkMedS: 220, wrapMs: 20000, slMs: 15000},
	}}
	ins := &genProject{id: "insurance", name: "保险理赔", did: "4008002000", queues: []*genQueue{
		{name: "claims", priority: 2, share: 0.6, talkMedS: 260, wrapMs: 30000, maxWait: 240000, slMs: 30000},
		{name: "policy", priority: 1, share: 0.4, talkMedS: 170, wrapMs: 20000, maxWait: 240000, slMs: 30000},
	}}
	tel := &genProject{id: "telesales", name: "电话营销", outbound: true}
	m.projects = []*genProject{hot, ins, tel}
	shares := []float64{0.45, 0.20, 0.35}
	n := o.agents
	counts := []int{int(math.Round(float64(n) * shares[0])), int(math.Round(float64(n) * shares[1]))}
	counts = append(counts, n-counts[0]-counts[1])
	idx := 0
	for pi, p := range m.projects {
		cnt := counts[pi]
		nteams := max(1, (cnt+14)/15)
		for t := range nteams {
			tid := fmt.Sprintf("%s-t%02d", p.id, t+1)
			m.teams = append(m.teams, [3]string{tid, fmt.Sprintf("%s%d组", p.name, t+1), p.id})
		}
		for i := range cnt {
			team := i * nteams / cnt
			a := &genAgent{idx: idx, id: fmt.Sprint(20001 + idx), proj: p,
				name: genSurnames[idx%len(genSurnames)] + genGiven[(idx/len(genSurnames)+idx*7)%len(genGiven)],
				team: fmt.Sprintf("%s-t%02d", p.id, team+1), late: team%2 == 1 || (nteams == 1 && i%2 == 1),
				weekends: idx%10 < 5, offDay: 1 + idx%5}
			if p.outbound { // the campaign does not dial on Sundays
				a.weekends = idx%10 < 6
				a.offDay = 1 + idx%5
			}
			p.agents = append(p.agents, a)
			m.agents = append(m.agents, a)
			idx++
		}
	}
	return m
}

// works reports whether a works on the local day d.
func (a *genAgent) works(d time.Time) bool {
	wd := int(d.Weekday())
	if a.proj.outbound && wd == 0 {
		return false
	}
	if a.weekends {
		return wd != 0 && wd != 6
	}
	return wd != a.offDay && wd != a.offDay+1
}

// shift of a on day d: scheduled login and end, unix ms.
func (a *genAgent) shift(d time.Time, seed uint64) (login, end int64) {
	h, mnt, mins := 8, 0, 510 // 8.5 h with lunch
	switch {
	case a.proj.outbound && a.late:
		h, mnt = 12, 30
	case a.proj.outbound:
		h = 9
	case a.late:
		h, mnt = 13, 30
	}
	start := time.Date(d.Year(), d.Month(), d.Day(), h, mnt, 0, 0, d.Location()).UnixMilli()
	r := rand.New(rand.NewPCG(seed^0x51a7, uint64(a.idx)<<32|uint64(d.Unix()/86400)&0xffffffff))
	jit := int64(r.NormFloat64()*120000) - 180000 // most log in a few minutes early, some late
	return start + jit, start + int64(mins)*60000
}

// nextLogin is a's first scheduled login after day d, within the generated range (0: none).
func (m *genModel) nextLogin(a *genAgent, d time.Time) int64 {
	for n := d.AddDate(0, 0, 1); !n.After(m.o.to); n = n.AddDate(0, 0, 1) {
		if m.o.generated != nil && !m.o.generated(n) {
			return 0
		}
		if a.works(n) {
			l, _ := a.shift(n, m.o.seed)
			return l
		}
	}
	return 0
}

// intraday arrival weights by local hour 8..21 (the hotline is open 08:00-22:00)
var genCurve = [24]float64{8: 0.55, 9: 1.0, 10: 1.25, 11: 1.2, 12: 0.85, 13: 0.9, 14: 1.15, 15: 1.2, 16: 1.1, 17: 0.9, 18: 0.7, 19: 0.6, 20: 0.5, 21: 0.35}

// ---- one day ----

type genRows struct {
	calls, offers, intervals, sessions, dispositions [][]any
	// the outbound campaign's leads and attempts (issue 13): their lead ids are indexes into
	// leads until writeGenDays reserves the day's ids (genLeadBase)
	leads, attempts [][]any
	leadIdx         map[string]int // phone -> index in leads
	retry           []int          // leads of the day whose last attempt may be retried
}

// genLead is a lead's index (a placeholder lead id) in a day's rows.
type genLead int64

type gCall struct {
	id, queue, caller, xferFrom, xferTo string
	q                                   *genQueue
	p                                   *genProject
	agent                               *gAgent
	outbound                            bool
	entered, firstOffer, answered, end  int64
	holdMs                              int64
	state                               byte // 'w' waiting, 'r' ringing, 't' talking, 'e' ended
	cutoff                              int64
	cutoffFlow                          bool
	offers                              []gOffer
	outcome                             callfloor.Outcome
	hangupBy                            string
	cause                               int
	causeText                           string
	wrapMs                              int64
	called                              string
	custRing                            int64
	lead                                int // index in genRows.leads (outbound)
}

type gOffer struct {
	agent, channel string
	start, end     int64
	result         string
	cause          int
}

type gAgent struct {
	a           *genAgent
	state       callfloor.AgentState
	reason, dir string
	call        string
	since       int64
	gen         int // bumped when a scheduled wake-up (pause end, dial) is no longer due
	login       int64
	pending     []gPause
	logoutDue   bool
	cur         *gCall
	dialGap     float64 // outbound: mean seconds between dials
	loggedIn    bool
}

type gIdle struct {
	ag    *gAgent
	since int64
}

type gPause struct {
	reason string
	dur    int64
}

const (
	evArrive = iota
	evCutoff
	evRingEnd
	evCallEnd
	evWrapEnd
	evPauseDue
	evPauseEnd
	evShiftEnd
	evDial
	evAgentAnswer
	evLogin
)

type gEvent struct {
	at   int64
	seq  uint64
	kind int
	ag   *gAgent
	c    *gCall
	gen  int
	p    gPause
	ok   bool
}

type gHeap []gEvent

func (h *gHeap) push(e gEvent) {
	*h = append(*h, e)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h gHeap) less(i, j int) bool {
	return h[i].at < h[j].at || (h[i].at == h[j].at && h[i].seq < h[j].seq)
}

func (h *gHeap) pop() gEvent {
	s := *h
	e := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && s.less(l, m) {
			m = l
		}
		if r < n && s.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return e
}

type daySim struct {
	m     *genModel
	r     *rand.Rand
	day   time.Time
	h     gHeap
	seq   uint64
	rows  *genRows
	waitQ map[*genProject][][]*gCall // per project, per queue: FIFO by entry
	avail map[*genProject][]gIdle    // per project: longest idle first (lazy: still available since then?)
}

func msT(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func (s *daySim) at(at int64, kind int, ag *gAgent, c *gCall) {
	s.seq++
	g := 0
	if ag != nil {
		g = ag.gen
	}
	s.h.push(gEvent{at: at, seq: s.seq, kind: kind, ag: ag, c: c, gen: g})
}

func (s *daySim) newID(at int64) string {
	return fmt.Sprintf("%011x%010x", at, s.r.Uint64()&0xffffffffff)
}

// lognormal with the given median (seconds) and sigma, in ms, clipped to [lo, hi] seconds
func (s *daySim) logn(med, sigma, lo, hi float64) int64 {
	v := med * math.Exp(s.r.NormFloat64()*sigma)
	return int64(math.Min(math.Max(v, lo), hi) * 1000)
}

func (s *daySim) uni(lo, hi float64) int64 { return int64((lo + s.r.Float64()*(hi-lo)) * 1000) }

// setState moves ag to st at t, writing the interval of the state it leaves (as the history
// writer does from the agent.state event). Returns the time used (at least 1 ms after the
// previous transition, as real transitions are).
func (s *daySim) setState(ag *gAgent, st callfloor.AgentState, reason, dir, call string, t int64) int64 {
	if t <= ag.since {
		t = ag.since + 1
	}
	if ag.state != "" && ag.state != callfloor.AgentLoggedOut {
		s.rows.intervals = append(s.rows.intervals, []any{ag.a.id, string(ag.state), nsv(ag.reason), nsv(ag.dir), nsv(ag.call),
			msT(ag.since), msT(t), t - ag.since})
	}
	ag.state, ag.reason, ag.dir, ag.call, ag.since = st, reason, dir, call, t
	if st == callfloor.AgentAvailable {
		if ag.a.proj.outbound {
			s.at(t+max(2000, int64(s.r.ExpFloat64()*ag.dialGap*1000)), evDial, ag, nil)
		} else {
			s.avail[ag.a.proj] = append(s.avail[ag.a.proj], gIdle{ag, t})
		}
	}
	return t
}

func nsv(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// free: the agent's call and wrap-up are over (or a pause ended): a pending pause, the end of
// the shift, or available.
func (s *daySim) free(ag *gAgent, t int64) {
	ag.gen++
	if ag.logoutDue {
		s.logout(ag, t)
		return
	}
	if len(ag.pending) > 0 {
		p := ag.pending[0]
		ag.pending = ag.pending[1:]
		t = s.setState(ag, callfloor.AgentPaused, p.reason, "", "", t)
		s.at(t+p.dur, evPauseEnd, ag, nil)
		return
	}
	s.setState(ag, callfloor.AgentAvailable, "", "", "", t)
	if !ag.a.proj.outbound {
		s.dispatch(ag.a.proj, t)
	}
}

func (s *daySim) logout(ag *gAgent, t int64) {
	t = s.setState(ag, callfloor.AgentLoggedOut, "", "", "", t)
	ag.loggedIn = false
	ag.gen++
	s.rows.sessions = append(s.rows.sessions, []any{ag.a.id, msT(ag.login), msT(t)})
	if next := s.m.nextLogin(ag.a, s.day); next > t {
		s.rows.intervals = append(s.rows.intervals, []any{ag.a.id, string(callfloor.AgentLoggedOut), nil, nil, nil, msT(t), msT(next), next - t})
	}
}

// dispatch offers waiting calls of p to its longest-idle available agents.
func (s *daySim) dispatch(p *genProject, t int64) {
	for {
		// the next waiting call: highest queue priority, then the longest waiting
		var best *gCall
		bq := -1
		for qi, q := range s.waitQ[p] {
			for len(q) > 0 && q[0].state != 'w' {
				q = q[1:]
			}
			s.waitQ[p][qi] = q
			if len(q) == 0 {
				continue
			}
			c := q[0]
			if best == nil || c.q.priority > best.q.priority || (c.q.priority == best.q.priority && c.entered < best.entered) {
				best, bq = c, qi
			}
		}
		if best == nil {
			return
		}
		av := s.avail[p]
		for len(av) > 0 && (av[0].ag.state != callfloor.AgentAvailable || av[0].since != av[0].ag.since) {
			av = av[1:]
		}
		s.avail[p] = av
		if len(av) == 0 {
			return
		}
		ag := av[0].ag
		s.avail[p] = av[1:]
		s.waitQ[p][bq] = s.waitQ[p][bq][1:]
		s.offer(ag, best, t)
	}
}

func (s *daySim) offer(ag *gAgent, c *gCall, t int64) {
	t = s.setState(ag, callfloor.AgentRinging, "", callfloor.Inbound, c.id, t)
	ag.cur = c
	c.state, c.agent = 'r', ag
	if c.firstOffer == 0 {
		c.firstOffer = t
	}
	c.offers = append(c.offers, gOffer{agent: ag.a.id, channel: fmt.Sprintf("cf-%s-o%d", c.id, len(c.offers)+1), start: t})
	ok := s.r.Float64() >= 0.02
	end := t + 15000 // ring timeout
	if ok {
		end = t + s.logn(3, 0.45, 0.8, 14)
	}
	if c.cutoff < end {
		s.at(max(c.cutoff, t+1), evCutoff, nil, c)
		return
	}
	s.h.push(gEvent{at: end, seq: s.nextSeq(), kind: evRingEnd, ag: ag, c: c, ok: ok})
}

func (s *daySim) nextSeq() uint64 { s.seq++; return s.seq }

func (s *daySim) enqueue(c *gCall, t int64, front bool) {
	qi := 0
	for i, q := range c.p.queues {
		if q == c.q {
			qi = i
		}
	}
	c.state = 'w'
	if front {
		s.waitQ[c.p][qi] = append([]*gCall{c}, s.waitQ[c.p][qi]...)
	} else {
		s.waitQ[c.p][qi] = append(s.waitQ[c.p][qi], c)
	}
	s.at(max(c.cutoff, t), evCutoff, nil, c)
	s.dispatch(c.p, t)
}

func (s *daySim) endCall(c *gCall, t int64) {
	c.end, c.state = t, 'e'
	var wait, ring, talk, hold, wrap any
	if c.answered > 0 {
		wait = c.answered - c.entered
	} else {
		wait = t - c.entered
	}
	if len(c.offers) > 0 {
		var r int64
		for _, o := range c.offers {
			r += o.end - o.start
		}
		ring = r
	}
	var agent, rec any
	dir := callfloor.Inbound
	if c.outbound {
		dir = callfloor.Outbound
	}
	if c.agent != nil && (c.answered > 0 || c.outbound) {
		agent = c.agent.a.id
	}
	if c.answered > 0 {
		talk = max(t-c.answered-c.holdMs, 0)
		hold = c.holdMs
		wrap = c.wrapMs
		if !s.m.o.noRecordings {
			rec = fmt.Sprintf("callfloor/%s/%s", msT(c.answered).Format("2006-01-02"), c.id)
		}
	}
	var fo any
	if c.firstOffer > 0 {
		fo = msT(c.firstOffer)
	}
	var ans any
	if c.answered > 0 {
		ans = msT(c.answered)
	}
	prio := 0
	var did, caller any
	if c.q != nil {
		prio, did, caller = c.q.priority, c.p.did, c.caller
	}
	var called any = did
	if c.outbound {
		called = c.called
	}
	cause := any(nil)
	if c.cause != 0 {
		cause = c.cause
	}
	var campaign, lead any
	if c.outbound {
		campaign, lead = c.p.id, genLead(c.lead)
	}
	s.rows.calls = append(s.rows.calls, []any{c.id, dir, nsv(c.queue), prio, "ast1", "02:fc:00:00:00:01", caller, nil,
		called, agent, msT(c.entered), fo, ans, msT(t), wait, ring, talk, hold, wrap, string(c.outcome), c.hangupBy, cause,
		nsv(c.causeText), rec, len(c.offers), fmt.Sprintf("%d-0", t), nsv(c.xferTo), nsv(c.xferFrom), campaign, lead})
	for i, o := range c.offers {
		var oc any
		if o.cause != 0 {
			oc = o.cause
		}
		s.rows.offers = append(s.rows.offers, []any{c.id, i + 1, msT(c.entered), o.agent, o.channel, msT(o.start), msT(o.end),
			o.end - o.start, o.result, oc})
	}
}

// giveUp ends a waiting or ringing call at its cutoff: the caller abandons, or max wait sends
// it out of the queue.
func (s *daySim) giveUp(c *gCall, t int64) {
	if c.state == 'r' {
		ag := c.agent
		o := &c.offers[len(c.offers)-1]
		o.end, o.result = t, callfloor.OfferCanceled
		ag.cur = nil
		c.agent = nil
		s.free(ag, t)
	}
	switch {
	case c.cutoffFlow:
		c.outcome, c.hangupBy = callfloor.OutcomeFlowedOut, callfloor.HangupSystem
	case t-c.entered <= 5000:
		c.outcome, c.hangupBy, c.cause, c.causeText = callfloor.OutcomeShortAbandon, callfloor.HangupCaller, 16, "Normal Clearing"
	default:
		c.outcome, c.hangupBy, c.cause, c.causeText = callfloor.OutcomeAbandoned, callfloor.HangupCaller, 16, "Normal Clearing"
	}
	s.endCall(c, t)
}

func (s *daySim) newInbound(p *genProject, q *genQueue, t int64, from, caller string) *gCall {
	c := &gCall{id: s.newID(t), queue: q.name, q: q, p: p, entered: t, xferFrom: from, caller: caller}
	if c.caller == "" {
		c.caller = fmt.Sprintf("1%d%09d", 3+s.r.IntN(7), s.r.IntN(1_000_000_000))
	}
	// patience: some hang up at once (short abandons), most wait a minute or two
	var pat int64
	if s.r.Float64() < 0.07 {
		pat = s.uni(0.5, 6)
	} else {
		pat = int64(s.r.ExpFloat64() * 150000)
		if from != "" {
			pat *= 3
		}
	}
	c.cutoff = t + pat
	if q.maxWait > 0 && q.maxWait < pat {
		c.cutoff, c.cutoffFlow = t+q.maxWait, true
	}
	return c
}

func (m *genModel) simulateDay(d time.Time) *genRows {
	s := &daySim{m: m, day: d, rows: &genRows{}, waitQ: map[*genProject][][]*gCall{}, avail: map[*genProject][]gIdle{},
		r: rand.New(rand.NewPCG(m.o.seed, uint64(d.Unix()/86400)))}
	wd := d.Weekday()
	var ags []*gAgent
	for _, p := range m.projects {
		s.waitQ[p] = make([][]*gCall, len(p.queues))
		working := 0
		for _, a := range p.agents {
			if a.works(d) {
				working++
			}
		}
		if working == 0 {
			continue
		}
		if p.outbound {
			// the day's dials are the campaign's target for the centre's size; each agent's
			// pace between dials follows (a preview dialler: the agent reads the record first)
			target := m.o.dialsPer * float64(len(p.agents)) / 100 * (0.9 + 0.2*s.r.Float64())
			if wd == 6 {
				target *= 0.6
			}
			perAgent := target / float64(working)
			cycle := 0.35*(300*1.5+15) + 0.65*(22+15) + 2 // mean talk+wrap (connected), ring+wrap (not)
			gap := math.Max(3, 7.4*3600/perAgent-cycle)
			for _, a := range p.agents {
				if a.works(d) {
					ags = append(ags, &gAgent{a: a, dialGap: gap})
				}
			}
			continue
		}
		for _, a := range p.agents {
			if a.works(d) {
				ags = append(ags, &gAgent{a: a})
			}
		}
		// inbound volume: what the day's roster can carry at ~70 % occupancy (o.occupancy), with the curve
		// (so mornings and evenings queue) and a little noise
		var mht float64
		for _, q := range p.queues {
			mht += q.share * (q.talkMedS*math.Exp(0.6*0.6/2) + 0.12*60 + float64(q.wrapMs)/1000 + 4)
		}
		occ := m.o.occupancy
		if occ == 0 {
			occ = 0.68
		}
		volume := float64(working) * 7.4 * 3600 * occ / mht * (0.92 + 0.16*s.r.Float64())
		var sum float64
		for _, w := range genCurve {
			sum += w
		}
		for h, w := range genCurve {
			if w == 0 {
				continue
			}
			for slot := range 4 {
				st := time.Date(d.Year(), d.Month(), d.Day(), h, slot*15, 0, 0, d.Location()).UnixMilli()
				for _, q := range p.queues {
					n := poisson(s.r, volume*q.share*w/sum/4)
					for range n {
						t := st + s.r.Int64N(900000)
						s.at(t, evArrive, nil, s.newInbound(p, q, t, "", ""))
					}
				}
			}
		}
	}
	for _, ag := range ags {
		login, end := ag.a.shift(d, m.o.seed)
		ag.state = callfloor.AgentLoggedOut
		s.at(login, evLogin, ag, nil)
		s.at(end, evShiftEnd, ag, nil)
		// two breaks and lunch; now and then training, a meeting or coaching
		s.h.push(gEvent{at: login + 2*3600000 + s.uni(-600, 600), seq: s.nextSeq(), kind: evPauseDue, ag: ag, p: gPause{"break", s.logn(900, 0.15, 300, 1500)}})
		s.h.push(gEvent{at: login + 4*3600000 + s.uni(-900, 900), seq: s.nextSeq(), kind: evPauseDue, ag: ag, p: gPause{"lunch", s.logn(1800, 0.1, 1200, 3000)}})
		s.h.push(gEvent{at: login + 6*3600000 + 30*60000 + s.uni(-600, 600), seq: s.nextSeq(), kind: evPauseDue, ag: ag, p: gPause{"break", s.logn(900, 0.15, 300, 1500)}})
		if s.r.Float64() < 0.12 {
			reason := []string{"training", "meeting", "coaching"}[s.r.IntN(3)]
			s.h.push(gEvent{at: login + 3*3600000 + s.uni(-900, 900), seq: s.nextSeq(), kind: evPauseDue, ag: ag, p: gPause{reason, s.logn(1500, 0.2, 600, 2400)}})
		}
	}
	for len(s.h) > 0 {
		e := s.h.pop()
		t := e.at
		ag, c := e.ag, e.c
		switch e.kind {
		case evLogin:
			ag.loggedIn, ag.since = true, t-1
			ag.login = s.setState(ag, callfloor.AgentAvailable, "", "", "", t)
			if !ag.a.proj.outbound {
				s.dispatch(ag.a.proj, t)
			}
		case evArrive:
			s.enqueue(c, t, false)
		case evCutoff:
			if c.state == 'w' || (c.state == 'r' && t >= c.cutoff) {
				s.giveUp(c, t)
			}
		case evRingEnd:
			if c.state != 'r' || c.agent != ag {
				continue
			}
			o := &c.offers[len(c.offers)-1]
			o.end = t
			if !e.ok { // missed ring: the agent is paused, the caller offered again
				o.result, o.cause = callfloor.OfferNoAnswer, 19
				c.agent, ag.cur = nil, nil
				ag.gen++
				t = s.setState(ag, callfloor.AgentPaused, "missed", "", "", t)
				s.at(t+30000, evPauseEnd, ag, nil)
				s.enqueue(c, t, true)
				continue
			}
			o.result = callfloor.OfferAnswered
			c.answered, c.state = t, 't'
			s.setState(ag, callfloor.AgentOnCall, "", callfloor.Inbound, c.id, t)
			talk := s.logn(c.q.talkMedS, 0.6, 8, 3600)
			if s.r.Float64() < 0.12 {
				c.holdMs = s.uni(10, 120)
			}
			if len(c.p.queues) > 1 && s.r.Float64() < 0.03 {
				to := c.p.queues[s.r.IntN(len(c.p.queues))]
				if to != c.q {
					c.xferTo = "queue:" + to.name
				}
			}
			s.at(t+talk+c.holdMs, evCallEnd, ag, c)
		case evCallEnd:
			c.outcome, c.wrapMs = callfloor.OutcomeAnswered, c.q.wrapMs
			c.cause, c.causeText = 16, "Normal Clearing"
			switch {
			case c.xferTo != "":
				c.hangupBy, c.causeText = callfloor.HangupAgent, "transferred"
			case s.r.Float64() < 0.75:
				c.hangupBy = callfloor.HangupCaller
			default:
				c.hangupBy = callfloor.HangupAgent
			}
			s.endCall(c, t)
			t = s.setState(ag, callfloor.AgentWrapUp, "", "", "", t)
			ag.cur = nil
			s.at(t+c.wrapMs+s.r.Int64N(80), evWrapEnd, ag, nil)
			if c.xferTo != "" {
				for _, q := range c.p.queues {
					if "queue:"+q.name == c.xferTo {
						nc := s.newInbound(c.p, q, t, c.id, c.caller)
						s.enqueue(nc, t, false)
					}
				}
			}
		case evWrapEnd:
			if e.gen == ag.gen && ag.state == callfloor.AgentWrapUp {
				s.free(ag, t)
			}
		case evPauseDue:
			if !ag.loggedIn || ag.logoutDue {
				continue
			}
			if ag.state == callfloor.AgentAvailable {
				ag.gen++
				t = s.setState(ag, callfloor.AgentPaused, e.p.reason, "", "", t)
				s.at(t+e.p.dur, evPauseEnd, ag, nil)
			} else {
				ag.pending = append(ag.pending, e.p)
			}
		case evPauseEnd:
			if e.gen == ag.gen && ag.state == callfloor.AgentPaused {
				s.free(ag, t)
			}
		case evShiftEnd:
			if !ag.loggedIn {
				continue
			}
			ag.pending = nil
			if ag.state == callfloor.AgentAvailable || ag.state == callfloor.AgentPaused {
				s.logout(ag, t)
			} else {
				ag.logoutDue = true
			}
		case evDial:
			if e.gen != ag.gen || ag.state != callfloor.AgentAvailable || !ag.loggedIn {
				continue
			}
			ag.gen++
			c := &gCall{id: s.newID(t), outbound: true, agent: ag, entered: t, p: ag.a.proj}
			c.lead, c.called = s.nextLead(t)
			t = s.setState(ag, callfloor.AgentRinging, "", callfloor.Outbound, c.id, t)
			c.entered = t
			ag.cur = c
			s.at(t+s.logn(1.5, 0.4, 0.5, 6), evAgentAnswer, ag, c)
		case evAgentAnswer:
			t = s.setState(ag, callfloor.AgentOnCall, "", callfloor.Outbound, c.id, t)
			c.custRing = t
			ch := fmt.Sprintf("cf-%s-c1", c.id)
			x := s.r.Float64()
			var ringEnd int64
			switch {
			case x < 0.35:
				c.outcome, c.cause, c.causeText = callfloor.OutcomeAnswered, 16, "Normal Clearing"
				ringEnd = t + s.logn(9, 0.4, 2, 29)
				c.answered = ringEnd
				if s.r.Float64() < 0.03 {
					c.holdMs = s.uni(10, 90)
				}
				c.end = ringEnd + s.logn(300, 0.9, 5, 3600) + c.holdMs
				c.wrapMs = 15000
				c.hangupBy = callfloor.HangupCaller
				if s.r.Float64() < 0.55 {
					c.hangupBy = callfloor.HangupAgent
				}
			case x < 0.75:
				c.outcome, c.cause, c.causeText, c.hangupBy = callfloor.OutcomeNoAnswer, 19, "No answer", callfloor.HangupCaller
				ringEnd = t + 30000 + s.r.Int64N(300)
				c.end = ringEnd
			case x < 0.87:
				c.outcome, c.cause, c.causeText, c.hangupBy = callfloor.OutcomeBusy, 17, "User busy", callfloor.HangupCaller
				ringEnd = t + s.logn(3, 0.4, 0.5, 10)
				c.end = ringEnd
			default:
				c.outcome, c.cause, c.causeText, c.hangupBy = callfloor.OutcomeFailed, 1, "Unallocated (unassigned) number", callfloor.HangupCaller
				ringEnd = t + s.logn(1.2, 0.4, 0.2, 5)
				c.end = ringEnd
			}
			c.offers = []gOffer{{agent: ag.a.id, channel: ch, start: t, end: ringEnd, result: string(c.outcome)}}
			s.at(c.end, evCallEnd+100, ag, c)
		case evCallEnd + 100: // outbound call over: wrap-up (the agent was reached)
			s.endCall(c, t)
			s.attempt(c, t)
			t = s.setState(ag, callfloor.AgentWrapUp, "", "", "", t)
			ag.cur = nil
			s.at(t+15000+s.r.Int64N(80), evWrapEnd, ag, nil)
		}
	}
	return s.rows
}

func poisson(r *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean > 50 {
		return max(0, int(math.Round(mean+r.NormFloat64()*math.Sqrt(mean))))
	}
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// ---- writing ----

var genCallCols = []string{"id", "direction", "queue", "priority", "node", "asterisk_id", "caller_number", "caller_name",
	"called_number", "agent_id", "entered_at", "first_offer_at", "answered_at", "ended_at", "wait_ms", "ring_ms", "talk_ms",
	"hold_ms", "wrap_ms", "outcome", "hangup_by", "cause", "cause_text", "recording_name", "offers", "last_event_id",
	"transferred_to", "transferred_from", "campaign_id", "lead_id"}
var genOfferCols = []string{"call_id", "seq", "call_entered_at", "agent_id", "channel", "started_at", "ended_at", "ring_ms", "result", "cause"}
var genIntervalCols = []string{"agent_id", "state", "reason", "direction", "call_id", "started_at", "ended_at", "duration_ms"}

// genSetup migrates the database and writes the centre's projects, teams, queues, agents and
// pause reasons; it refuses a database that already holds calls.
func genSetup(ctx context.Context, db *storage.DB, m *genModel) error {
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	var has bool
	if err := db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM calls)`).Scan(&has); err != nil {
		return err
	}
	if has {
		return errors.New("gen-history: the database already holds calls: generate into an empty database or schema")
	}
	return pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		for _, p := range m.projects {
			if _, err := tx.Exec(ctx, `INSERT INTO projects (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name`, p.id, p.name); err != nil {
				return err
			}
			for _, q := range p.queues {
				cq := callfloor.Queue{Name: q.name, Strategy: "longest_idle", Priority: q.priority, RingTimeout: 15 * time.Second,
					WrapUp: time.Duration(q.wrapMs) * time.Millisecond, MaxWait: time.Duration(q.maxWait) * time.Millisecond,
					OnMaxWait: callfloor.Destination{Action: callfloor.ActionHangup}, ServiceLevel: time.Duration(q.slMs) * time.Millisecond,
					ShortAbandon: 5 * time.Second, SLTarget: 0.8}
				js, _ := json.Marshal(cq)
				if _, err := tx.Exec(ctx, `INSERT INTO queues (name, settings, project_id) VALUES ($1, $2, $3)
					ON CONFLICT (name) DO UPDATE SET settings = EXCLUDED.settings, project_id = EXCLUDED.project_id`, q.name, js, p.id); err != nil {
					return err
				}
			}
		}
		for _, t := range m.teams {
			if _, err := tx.Exec(ctx, `INSERT INTO teams (id, name, project_id) VALUES ($1, $2, $3)
				ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, project_id = EXCLUDED.project_id`, t[0], t[1], t[2]); err != nil {
				return err
			}
		}
		for _, a := range m.agents {
			skills := map[string]int{}
			for _, q := range a.proj.queues {
				skills[q.name] = 5
			}
			js, _ := json.Marshal(skills)
			if _, err := tx.Exec(ctx, `INSERT INTO agents (id, name, endpoint, team_id, skills) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, team_id = EXCLUDED.team_id, skills = EXCLUDED.skills`,
				a.id, a.name, "PJSIP/"+a.id, a.team, js); err != nil {
				return err
			}
		}
		for i, r := range []struct {
			n    string
			paid bool
			max  int
		}{{"break", true, 900}, {"lunch", false, 2700}, {"training", true, 1800}, {"meeting", true, 1800}, {"missed", false, 120}, {"coaching", true, 1200}} {
			if _, err := tx.Exec(ctx, `INSERT INTO pause_reasons (name, paid, max_seconds, position) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING`,
				r.n, r.paid, r.max, i+1); err != nil {
				return err
			}
		}
		return nil
	})
}

func genHistory(ctx context.Context, url string, o genOpts, stderr io.Writer) error {
	db, err := storage.Open(ctx, url)
	if err != nil {
		return err
	}
	defer db.Close()
	m := buildGenModel(o)
	if err := genSetup(ctx, db, m); err != nil {
		return err
	}
	// every month the rows touch (UTC months; a day's calls may end past midnight)
	if err := db.EnsurePartitions(ctx, o.from.AddDate(0, 0, -1), o.to.AddDate(0, 0, 2)); err != nil {
		return err
	}
	var days []time.Time
	for d := o.from; !d.After(o.to); d = d.AddDate(0, 0, 1) {
		days = append(days, d)
	}
	if _, err := writeGenDays(ctx, db, m, days, o.workers, stderr); err != nil {
		return err
	}
	if _, err := db.Pool.Exec(ctx, `ANALYZE calls; ANALYZE offers; ANALYZE agent_state_intervals; ANALYZE agent_sessions`); err != nil {
		return err
	}
	return nil
}

// genCounts are the rows writeGenDays wrote.
type genCounts struct{ calls, offers, intervals, sessions, dispositions int64 }

// writeGenDays simulates the days and COPYs each day's rows in a transaction of its own,
// workers days at a time.
func writeGenDays(ctx context.Context, db *storage.DB, m *genModel, days []time.Time, workers int, stderr io.Writer) (*genCounts, error) {
	t0 := time.Now()
	if err := genCampaignSetup(ctx, db, m); err != nil {
		return nil, err
	}
	var next atomic.Int64
	var nCalls, nOffers, nIntervals, nSessions, nDisp, done atomic.Int64
	var firstErr error
	var mu sync.Mutex
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(days) || ctx.Err() != nil {
					return
				}
				rows := m.simulateDay(days[i])
				err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
					if err := m.writeGenLeads(ctx, db, tx, days[i], rows); err != nil {
						return err
					}
					for _, c := range []struct {
						t    string
						cols []string
						rows [][]any
					}{
						{"calls", genCallCols, rows.calls},
						{"offers", genOfferCols, rows.offers},
						{"agent_state_intervals", genIntervalCols, rows.intervals},
						{"agent_sessions", []string{"agent_id", "login_at", "logout_at"}, rows.sessions},
						{"call_dispositions", []string{"call_id", "queue", "agent_id", "code", "label", "note", "set_by", "set_at"}, rows.dispositions},
					} {
						if len(c.rows) == 0 {
							continue
						}
						if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.t}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
							return fmt.Errorf("copy into %s for %s: %w", c.t, days[i].Format("2006-01-02"), err)
						}
					}
					return nil
				})
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					cancel()
					return
				}
				nCalls.Add(int64(len(rows.calls)))
				nOffers.Add(int64(len(rows.offers)))
				nIntervals.Add(int64(len(rows.intervals)))
				nSessions.Add(int64(len(rows.sessions)))
				nDisp.Add(int64(len(rows.dispositions)))
				n := done.Add(1)
				tot := nCalls.Load() + nOffers.Load() + nIntervals.Load() + nSessions.Load() + nDisp.Load()
				el := time.Since(t0).Seconds()
				mu.Lock() // the workers share stderr (a bytes.Buffer in the tests)
				fmt.Fprintf(stderr, "gen-history: %d/%d days (%s): %d calls, %d offers, %d intervals; %.0f rows/s\n",
					n, len(days), days[i].Format("2006-01-02"), nCalls.Load(), nOffers.Load(), nIntervals.Load(), float64(tot)/el)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tot := nCalls.Load() + nOffers.Load() + nIntervals.Load() + nSessions.Load() + nDisp.Load()
	el := time.Since(t0)
	fmt.Fprintf(stderr, "gen-history: done in %s: %d days, %d agents, %d calls, %d offers, %d state intervals, %d sessions, %d dispositions; %.0f rows/s\n",
		el.Round(time.Second), len(days), len(m.agents), nCalls.Load(), nOffers.Load(), nIntervals.Load(), nSessions.Load(), nDisp.Load(), float64(tot)/el.Seconds())
	return &genCounts{nCalls.Load(), nOffers.Load(), nIntervals.Load(), nSessions.Load(), nDisp.Load()}, nil
}

// ---- the outbound campaign's leads and attempts ----

// genDispositionShares are the shares of the agents' dispositions of connected calls (codes of
// callfloor.DefaultDispositions), the rest refused: about 9 % of connects convert.
var genDispositionShares = []struct {
	code  string
	share float64
}{{"success", 0.09}, {"interested", 0.16}, {"callback", 0.12}, {"wrong_person", 0.09}, {"do_not_call", 0.03}}

// nextLead is the lead the agent dials next: one of the day's leads whose last attempt was busy
// or unanswered at least 10 minutes ago (about a fifth of the dials), else a fresh lead of the
// day's list. It returns the lead's index and the number to dial.
func (s *daySim) nextLead(t int64) (int, string) {
	r := s.rows
	if r.leadIdx == nil {
		r.leadIdx = map[string]int{}
	}
	if len(r.retry) > 0 && s.r.Float64() < 0.2 {
		i := s.r.IntN(len(r.retry))
		li := r.retry[i]
		if last, _ := r.leads[li][9].(time.Time); t-last.UnixMilli() >= 600_000 {
			r.retry = append(r.retry[:i], r.retry[i+1:]...)
			return li, strings.TrimPrefix(r.leads[li][3].(string), "+86")
		}
	}
	// a number unique to the day and the lead: the day's number since 2000 and the lead's index
	day := int(s.day.Sub(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).Hours() / 24)
	called := fmt.Sprintf("1%d%04d%05d", 3+s.r.IntN(7), day%10000, len(r.leads)%100000)
	li := len(r.leads)
	// id, campaign_id, list_id, phone, name, status, attempts, last_result, last_disposition, last_attempt_at, next_attempt_at, done_reason
	r.leads = append(r.leads, []any{genLead(li), "", int64(0), "+86" + called, genSurnames[s.r.IntN(len(genSurnames))] + genGiven[s.r.IntN(len(genGiven))],
		"new", 0, nil, nil, nil, nil, nil})
	r.leadIdx[called] = li
	return li, called
}

// attempt records an outbound call's attempt at its lead (the network's result, the agent's
// disposition) and moves the lead on as the campaign's rules would: a final disposition or an
// unallocated number closes it, a busy or unanswered dial may be retried later in the day.
func (s *daySim) attempt(c *gCall, t int64) {
	r := s.rows
	l := r.leads[c.lead]
	res := callfloor.ResultOfCause(c.cause)
	var disp any
	if c.outcome == callfloor.OutcomeAnswered {
		res = callfloor.ResultAnswered
		code, x := "refused", s.r.Float64()
		for _, d := range genDispositionShares {
			if x < d.share {
				code = d.code
				break
			}
			x -= d.share
		}
		disp = code
		name := code
		for _, d := range callfloor.DefaultDispositions() {
			if d.Code == code {
				name = d.Name
			}
		}
		r.dispositions = append(r.dispositions, []any{c.id, nil, c.agent.a.id, code, name, "", c.agent.a.id, msT(t + s.uni(1, 12))})
	}
	var ring any
	if c.custRing > 0 && len(c.offers) > 0 {
		ring = c.offers[0].end - c.custRing
	}
	// lead_id, campaign_id, phone, dial_id, call_id, agent_id, at, result, disposition, ring_ms
	r.attempts = append(r.attempts, []any{genLead(c.lead), c.p.id, l[3], c.id, c.id, c.agent.a.id, msT(c.entered), string(res), disp, ring})
	l[1] = c.p.id
	l[6] = l[6].(int) + 1
	l[7], l[8], l[9] = string(res), disp, msT(c.entered)
	final := res == callfloor.ResultUnallocated
	if d, ok := disp.(string); ok {
		final = d == "success" || d == "refused" || d == "do_not_call"
	}
	switch {
	case final:
		l[5], l[11] = "done", "final"
		if res == callfloor.ResultUnallocated {
			l[11] = "unallocated"
		}
	case res == callfloor.ResultBusy || res == callfloor.ResultNoAnswer:
		l[5] = "scheduled"
		if l[6].(int) < 3 {
			r.retry = append(r.retry, c.lead)
		}
	default:
		l[5] = "scheduled"
	}
}

// genCampaignSetup creates the campaign of each outbound project (its id the project's; paused:
// a history, not something for the dialler to work), once.
func genCampaignSetup(ctx context.Context, db *storage.DB, m *genModel) error {
	for _, p := range m.projects {
		if !p.outbound {
			continue
		}
		c := callfloor.NewCampaign(p.id, p.name)
		c.Project, c.Mode, c.CallerIDs = p.id, callfloor.PacePreview, []string{"02160001234"}
		for _, t := range m.teams {
			if t[2] == p.id {
				c.Teams = append(c.Teams, t[0])
			}
		}
		c.DailyDialTarget = int(m.o.dialsPer * float64(len(p.agents)) / 100)
		c.DailyConnectTarget = c.DailyDialTarget * 33 / 100
		rules, err := json.Marshal(c)
		if err != nil {
			return err
		}
		if _, err := db.Pool.Exec(ctx, `INSERT INTO campaigns (id, name, project_id, status, rules) VALUES ($1, $2, $3, 'paused', $4) ON CONFLICT (id) DO NOTHING`,
			c.ID, c.Name, p.id, rules); err != nil {
			return fmt.Errorf("gen-history campaign %s: %w", c.ID, err)
		}
	}
	return nil
}

// writeGenLeads writes a day's list, its leads and their attempts, with lead ids reserved from
// the leads' sequence, and points the day's outbound calls at them. Leads not done stay
// scheduled only when the day is among the last three of the range (an older one would have
// been worked out since: its attempts ran out).
func (m *genModel) writeGenLeads(ctx context.Context, db *storage.DB, tx pgx.Tx, day time.Time, rows *genRows) error {
	if len(rows.leads) == 0 {
		return nil
	}
	var last int64
	// reserve the ids (a lock makes nextval + setval one step across the day workers)
	if err := pgx.BeginFunc(ctx, db.Pool, func(rt pgx.Tx) error {
		if _, err := rt.Exec(ctx, `SELECT pg_advisory_xact_lock(1734700545)`); err != nil {
			return err
		}
		return rt.QueryRow(ctx, `SELECT setval('leads_id_seq', nextval('leads_id_seq') + $1 - 1)`, len(rows.leads)).Scan(&last)
	}); err != nil {
		return err
	}
	base := last - int64(len(rows.leads)) + 1
	id := func(v any) any {
		if g, ok := v.(genLead); ok {
			return base + int64(g)
		}
		return v
	}
	campaign := rows.attempts[0][1].(string)
	var listID int64
	if err := tx.QueryRow(ctx, `INSERT INTO campaign_lists (campaign_id, name, source, imported_by, imported_at, rows_total, rows_loaded)
		VALUES ($1, $2, $3, 'gen-history', $4, $5, $5) RETURNING id`, campaign, "名单 "+day.Format(time.DateOnly),
		"leads-"+day.Format("20060102")+".xlsx", day, len(rows.leads)).Scan(&listID); err != nil {
		return err
	}
	recent := !day.Before(m.o.to.AddDate(0, 0, -2))
	for _, l := range rows.leads {
		l[0], l[1], l[2] = id(l[0]), campaign, listID
		if l[5] == "scheduled" && !recent {
			l[5], l[11] = "done", "max_attempts"
		} else if l[5] == "scheduled" {
			l[10] = day.AddDate(0, 0, 1).Add(9 * time.Hour)
		}
	}
	for _, a := range rows.attempts {
		a[0] = id(a[0])
	}
	for _, c := range rows.calls {
		c[len(c)-1] = id(c[len(c)-1])
	}
	for _, c := range []struct {
		t    string
		cols []string
		rows [][]any
	}{
		{"leads", []string{"id", "campaign_id", "list_id", "phone", "name", "status", "attempts", "last_result", "last_disposition", "last_attempt_at", "next_attempt_at", "done_reason"}, rows.leads},
		{"lead_attempts", []string{"lead_id", "campaign_id", "phone", "dial_id", "call_id", "agent_id", "at", "result", "disposition", "ring_ms"}, rows.attempts},
	} {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.t}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			return fmt.Errorf("copy into %s for %s: %w", c.t, day.Format(time.DateOnly), err)
		}
	}
	return nil
}
