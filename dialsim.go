package callfloor

import (
	"container/heap"
	"math/rand/v2"
	"time"
)

// A simulated telesales day, fast-forwarded, to compare pacing modes on the same customers
// (issue 13's benchmark). Time is virtual: an 8-hour, 100-agent day takes well under a second.

// CustomerModel is how dialled customers behave: the shares of each outcome (they sum to 1) and
// how long each takes to show.
type CustomerModel struct {
	Answer, NoAnswer, Busy, SwitchedOff, Unallocated float64
	AnswerRing                                       [2]time.Duration // uniform: dial → answer
	NoAnswerRing                                     time.Duration    // the dial's ring timeout
	BusyRing, SwitchedOffRing, UnallocatedRing       [2]time.Duration // uniform: dial → failure
}

// TelesalesCustomers is issue 13's benchmark population: a quarter answer after 4–15 s; the
// rest ring out (30 s, callfloor's default outbound ring timeout), are busy, switched off or
// unallocated numbers, which the network reports within seconds.
var TelesalesCustomers = CustomerModel{
	Answer: 0.25, NoAnswer: 0.45, Busy: 0.12, SwitchedOff: 0.10, Unallocated: 0.08,
	AnswerRing:   [2]time.Duration{4 * time.Second, 15 * time.Second},
	NoAnswerRing: 30 * time.Second,
	BusyRing:     [2]time.Duration{2 * time.Second, 6 * time.Second}, SwitchedOffRing: [2]time.Duration{3 * time.Second, 8 * time.Second},
	UnallocatedRing: [2]time.Duration{1 * time.Second, 4 * time.Second},
}

// DialerDay configures one simulated day.
type DialerDay struct {
	Agents    int
	Length    time.Duration
	Customers CustomerModel
	Talk      [2]time.Duration // uniform
	Wrap      time.Duration
	DropWait  time.Duration // an answered customer waits this long for an agent before the message
	Tick      time.Duration // how often the dialler decides (1 s)
	Seed      uint64
}

// DialerDayResult is what the day produced.
type DialerDayResult struct {
	Dials, Answered, Connected, Dropped int
	TalkShare                           float64       // agents' talk ÷ logged-in time
	WaitBetween                         time.Duration // agents' idle time per connected call
	DropRate                            float64       // dropped ÷ answered
	ConnectRate                         float64       // answered ÷ dials
	PeakLines                           int           // the most dials in progress at once
}

type simEvent struct {
	at    time.Duration
	kind  int // evAnswer, evFail, evAgentFree, evDropDeadline
	agent int
	cust  int
}

const (
	evAnswer = iota
	evFail
	evAgentFree
	evDropDeadline
)

type simQueue []simEvent

func (q simQueue) Len() int           { return len(q) }
func (q simQueue) Less(i, j int) bool { return q[i].at < q[j].at }
func (q simQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *simQueue) Push(x any)        { *q = append(*q, x.(simEvent)) }
func (q *simQueue) Pop() any          { old := *q; e := old[len(old)-1]; *q = old[:len(old)-1]; return e }
func (q *simQueue) push(e simEvent)   { heap.Push(q, e) }
func (q *simQueue) peek() simEvent    { return (*q)[0] }
func (q *simQueue) pop() simEvent     { return heap.Pop(q).(simEvent) }
func uniform(r *rand.Rand, b [2]time.Duration) time.Duration {
	return b[0] + time.Duration(r.Int64N(int64(b[1]-b[0])+1))
}

// Simulate runs the day with the pacer deciding every tick. Customers and agents draw from
// separate random streams, so two pacers meet the same sequence of customers.
func (d DialerDay) Simulate(p *Pacer) DialerDayResult {
	custR := rand.New(rand.NewPCG(d.Seed, 1))
	agentR := rand.New(rand.NewPCG(d.Seed, 2))
	var q simQueue
	type agent struct {
		busy      bool
		since     time.Duration // start of the present call, or of the idle time
		talkStart time.Duration
	}
	agents := make([]agent, d.Agents)
	freeList := make([]int, 0, d.Agents) // longest idle first
	for i := range agents {
		freeList = append(freeList, i)
	}
	type cust struct {
		dialled time.Duration
		waiting bool
		done    bool
	}
	var custs []cust
	var waiting []int // answered customers waiting for an agent, oldest first
	var res DialerDayResult
	ringing := 0
	var ringingSet []int // customers whose dial is still ringing
	stopRinging := func(c int) {
		ringing--
		for i, x := range ringingSet {
			if x == c {
				ringingSet[i] = ringingSet[len(ringingSet)-1]
				ringingSet = ringingSet[:len(ringingSet)-1]
				return
			}
		}
	}
	var talk, idle time.Duration

	connect := func(now time.Duration, c int) {
		a := freeList[0]
		freeList = freeList[1:]
		idle += now - agents[a].since
		t := uniform(agentR, d.Talk)
		agents[a] = agent{busy: true, since: now, talkStart: now}
		end := now + t + d.Wrap
		if end > d.Length { // the day ends: only the talk within it counts
			talk += min(t, d.Length-now)
		} else {
			talk += t
		}
		q.push(simEvent{at: end, kind: evAgentFree, agent: a})
		custs[c].done = true
		res.Connected++
		p.Dialled(DialOutcome{Answered: true, Ring: now - custs[c].dialled})
	}
	handle := func(e simEvent) {
		switch e.kind {
		case evAnswer:
			stopRinging(e.cust)
			res.Answered++
			if len(freeList) > 0 {
				connect(e.at, e.cust)
				return
			}
			custs[e.cust].waiting = true
			waiting = append(waiting, e.cust)
			q.push(simEvent{at: e.at + d.DropWait, kind: evDropDeadline, cust: e.cust})
		case evFail:
			stopRinging(e.cust)
			p.Dialled(DialOutcome{Ring: e.at - custs[e.cust].dialled})
		case evAgentFree:
			a := e.agent
			p.Handled(e.at - agents[a].since)
			agents[a] = agent{since: e.at}
			freeList = append(freeList, a)
			for len(waiting) > 0 && len(freeList) > 0 {
				c := waiting[0]
				waiting = waiting[1:]
				custs[c].waiting = false
				connect(e.at, c)
			}
		case evDropDeadline:
			c := &custs[e.cust]
			if c.done || !c.waiting {
				return
			}
			c.done, c.waiting = true, false
			for i, w := range waiting {
				if w == e.cust {
					waiting = append(waiting[:i], waiting[i+1:]...)
					break
				}
			}
			res.Dropped++
			p.Dialled(DialOutcome{Answered: true, Dropped: true, Ring: e.at - c.dialled})
		}
	}
	dial := func(now time.Duration) {
		c := len(custs)
		custs = append(custs, cust{dialled: now})
		res.Dials++
		ringing++
		ringingSet = append(ringingSet, c)
		m := d.Customers
		x := custR.Float64()
		switch {
		case x < m.Answer:
			q.push(simEvent{at: now + uniform(custR, m.AnswerRing), kind: evAnswer, cust: c})
		case x < m.Answer+m.NoAnswer:
			q.push(simEvent{at: now + m.NoAnswerRing, kind: evFail, cust: c})
		case x < m.Answer+m.NoAnswer+m.Busy:
			q.push(simEvent{at: now + uniform(custR, m.BusyRing), kind: evFail, cust: c})
		case x < m.Answer+m.NoAnswer+m.Busy+m.SwitchedOff:
			q.push(simEvent{at: now + uniform(custR, m.SwitchedOffRing), kind: evFail, cust: c})
		default:
			q.push(simEvent{at: now + uniform(custR, m.UnallocatedRing), kind: evFail, cust: c})
		}
	}
	busy := make([]time.Duration, 0, d.Agents)
	var ages []time.Duration
	for now := time.Duration(0); now < d.Length; now += d.Tick {
		for q.Len() > 0 && q.peek().at <= now {
			handle(q.pop())
		}
		busy = busy[:0]
		for _, a := range agents {
			if a.busy {
				busy = append(busy, now-a.since)
			}
		}
		ages = ages[:0]
		for _, c := range ringingSet {
			ages = append(ages, now-custs[c].dialled)
		}
		n := p.Dials(PacingState{Agents: d.Agents, Free: len(freeList), Busy: busy, Ringing: ringing, RingAges: ages, Waiting: len(waiting)})
		for range n {
			dial(now)
		}
		res.PeakLines = max(res.PeakLines, ringing)
	}
	for _, a := range freeList { // idle until the end of the day
		idle += d.Length - agents[a].since
	}
	res.TalkShare = talk.Seconds() / (float64(d.Agents) * d.Length.Seconds())
	if res.Connected > 0 {
		res.WaitBetween = idle / time.Duration(res.Connected)
	}
	if res.Answered > 0 {
		res.DropRate = float64(res.Dropped) / float64(res.Answered)
	}
	if res.Dials > 0 {
		res.ConnectRate = float64(res.Answered) / float64(res.Dials)
	}
	return res
}

// TuneRatio finds the highest fixed dial ratio (lines per free agent, to 0.01) whose day drops
// at most maxDrop of its answers on these customers: the fixed-ratio dialler a supervisor would
// tune by hand to the same drop rate, the baseline predictive pacing must beat.
func (d DialerDay) TuneRatio(maxDrop float64) (float64, DialerDayResult) {
	run := func(r float64) DialerDayResult {
		p, _ := NewPacer(PaceRatio, r, 0)
		return d.Simulate(p)
	}
	lo, hi := 1.0, 10.0
	best := run(lo)
	for hi-lo > 0.01 {
		mid := (lo + hi) / 2
		if r := run(mid); r.DropRate <= maxDrop {
			lo, best = mid, r
		} else {
			hi = mid
		}
	}
	return lo, best
}
