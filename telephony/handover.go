package telephony

// The hand-over of a node's facts from one term of its lease to the next (issue 15).
//
// A Redis Sentinel failover leaves the holder able to reach Redis but not to write: the new
// master refuses writes (NOREPLICAS) until a replica follows it, 4–5 s, longer than the holder
// trusts its lease. Meanwhile the holder still drives its calls: what it learns (a caller hung
// up at T, an agent answered at T) is kept in its calls' outboxes, and when the standby then
// takes the lease those writes carry a token that is no longer the node's, so the fencing
// refuses them. And the failover itself loses writes the old master acknowledged after its
// replica was promoted. The next holder would then rebuild the calls from stale Redis and stamp
// their ends at its reconciliation, seconds late, or book an answered call as abandoned.
//
// So a term that ends without a clean stop hands its facts over: the writes its calls kept (the
// actors' outboxes, the ended calls' writes still draining) and the journal of the writes that
// landed lately (journalKeep: a failover may have lost them) go, unfenced, into one record
// P handover:{node}:{token} (realtime.PutHandover), retried until Redis takes it. They are
// facts, not commands: the old holder sends nothing to Asterisk and changes no state with them.
// The next holder, whoever it is, takes the record of the term before its own (its token − 1)
// before it restores the node's calls, and writes the facts under its own fence; a call's
// record carries a revision (a save whose revision Redis already has is skipped) and an agent
// transition an op id and its from-states (one already applied, or overtaken, is refused), so
// nothing is counted twice. A holder that took the lease right after Redis refused its writes
// (a failover: the previous holder was refused too) waits for the record up to handoverWait;
// after a crash or a partition it does not wait (nobody is there to write one, or not soon).
// An agent marked on a call whatever Redis said (pendingOp.Else: the failover lost the claim)
// is replayed from the journal only for a call the record does not show ended.

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
)

// handoverWait bounds how long a new holder waits for the previous term's hand-over when it
// expects one; the old holder retries writing it every handoverRetry.
const (
	handoverWait  = 2 * time.Second
	handoverRetry = 100 * time.Millisecond
	refusedRecent = 10 * time.Second // taking the lease met Redis errors this recently: a failover
)

// journalKeep: how long a landed write stays in the node's journal: the lease's TTL (the term
// may end that long after the failover that lost writes) and a margin.
func (a *ACD) journalKeep() time.Duration { return a.lease.TTL + 3*time.Second }

// handoverState is a node's side of the hand-over.
type handoverState struct {
	mu      sync.Mutex
	journal []landedOp   // writes landed lately under a term, oldest first
	drained []*pendingOp // ended calls' writes that the term's end stopped (ACD.drain)
	drains  sync.WaitGroup

	pending   atomic.Int64 // the token of a hand-over this instance has yet to write; 0: none
	refusedAt atomic.Int64 // unix ns: when taking the lease last met a Redis error
}

type landedOp struct {
	at time.Time
	op pendingOp
}

// handover is one term's record.
type handover struct {
	Node    string       `json:"node"`
	Token   int64        `json:"token"`
	Ended   time.Time    `json:"ended"`
	Ops     []*pendingOp `json:"ops"`
	Journal int          `json:"journal"` // the first Journal ops landed already (the journal)
}

// landed journals a write that landed under a node's lease (ctx's fence).
func (a *ACD) landed(ctx context.Context, p *pendingOp) {
	f, ok := realtime.FenceOf(ctx)
	if !ok {
		return
	}
	n := a.nodes[f.Node]
	if n == nil || !n.leased() {
		return
	}
	now := time.Now()
	op := *p
	op.seq, op.Fence = 0, nil
	if !op.ElseNow {
		op.Else = nil // it landed as it was meant to: again, an agent found available has moved on since
	}
	h := &n.ho
	h.mu.Lock()
	defer h.mu.Unlock()
	cut := 0
	for cut < len(h.journal) && now.Sub(h.journal[cut].at) > a.journalKeep() {
		cut++
	}
	h.journal = append(h.journal[cut:], landedOp{at: now, op: op})
}

// handBack keeps the writes of an ended call that a term's end stopped, for its hand-over.
func (n *node) handBack(ops []pendingOp) {
	n.ho.mu.Lock()
	defer n.ho.mu.Unlock()
	for i := range ops {
		n.ho.drained = append(n.ho.drained, &ops[i])
	}
}

// handOver writes the facts of term t, which has ended, for the next holder: kept (the actors'
// outboxes), the drained calls' writes, and unless the stop is clean the journal. A clean stop
// writes it at once (before the lease is released); otherwise it is retried until Redis takes it.
func (a *ACD) handOver(n *node, t *term, kept []*pendingOp, clean bool) {
	n.ho.drains.Wait() // the term's context is over: the drains stop and hand their writes back
	n.ho.mu.Lock()
	var ops []*pendingOp
	if !clean {
		for i := range n.ho.journal {
			op := &n.ho.journal[i].op
			if op.Transition != nil && len(op.Transition.From) == 0 && op.Transition.IfCall == "" {
				continue // unconditional: not to be replayed over what came after it
			}
			ops = append(ops, op)
		}
	}
	n.ho.journal = nil
	owed := append(kept, n.ho.drained...)
	n.ho.drained = nil
	n.ho.mu.Unlock()
	journal := len(ops)
	ops = append(ops, owed...)
	if len(ops) == 0 {
		return
	}
	b, err := json.Marshal(handover{Node: n.name, Token: t.lease.Token, Ended: time.Now().UTC(), Ops: ops, Journal: journal})
	if err != nil {
		a.log.Error("hand-over: encoding", "node", n.name, "err", err)
		return
	}
	landed := func() {
		for _, p := range owed {
			n.outbox.done(p) // in Redis now; the outbox would replay them under a stale token
		}
		a.log.Info("hand-over written for the next holder", "node", n.name, "token", t.lease.Token, "writes", len(ops), "owed", len(owed))
	}
	if clean {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := a.store.PutHandover(ctx, n.name, t.lease.Token, b); err != nil {
			a.log.Warn("hand-over not written: its writes stay in the outbox", "node", n.name, "err", err)
			return
		}
		landed()
		return
	}
	n.ho.pending.Store(t.lease.Token)
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer n.ho.pending.CompareAndSwap(t.lease.Token, 0)
		for attempt := 0; ; attempt++ {
			err := a.store.PutHandover(a.ctx, n.name, t.lease.Token, b)
			if err == nil {
				landed()
				return
			}
			if attempt == 0 {
				a.log.Warn("hand-over: redis refuses it; retrying", "node", n.name, "token", t.lease.Token, "err", err)
			}
			select {
			case <-a.ctx.Done():
				a.log.Warn("hand-over not written: its writes stay in the outbox", "node", n.name, "token", t.lease.Token)
				return
			case <-time.After(handoverRetry):
			}
		}
	}()
}

// takeHandover applies, at the start of term t, the facts the previous term handed over: before
// the node's calls are restored from Redis. It waits for them when they are expected (this
// instance has yet to write them, or taking the lease met Redis errors just now: a failover,
// which refused the previous holder's writes too). False when the term ended first.
func (a *ACD) takeHandover(n *node, t *term) bool {
	prev := t.lease.Token - 1
	if prev < 1 {
		return true
	}
	expect := n.ho.pending.Load() == prev || time.Since(time.Unix(0, n.ho.refusedAt.Load())) < refusedRecent
	deadline := time.Now().Add(handoverWait)
	var b []byte
	for {
		var ok bool
		var err error
		b, ok, err = a.store.TakeHandover(t.ctx, n.name, prev)
		if t.ctx.Err() != nil {
			return false
		}
		if ok || (err == nil && (!expect || time.Now().After(deadline))) {
			break
		}
		if err != nil {
			a.redisTrouble("taking the hand-over of node "+n.name, err)
		}
		select {
		case <-t.ctx.Done():
			return false
		case <-time.After(50 * time.Millisecond):
		}
	}
	if b == nil {
		if expect {
			a.log.Warn("no hand-over from the previous holder: its last facts are unknown", "node", n.name, "token", prev)
		}
		return true
	}
	var h handover
	if err := json.Unmarshal(b, &h); err != nil {
		a.log.Error("hand-over: unreadable", "node", n.name, "token", prev, "err", err)
		return true
	}
	// An agent marked on a call whatever Redis said (pendingOp.Else) is marked again only while
	// the call lasts: once it ended, the agent has moved on (wrap-up, another call).
	ended := map[string]bool{}
	for _, p := range h.Ops {
		if p.Save != nil && p.Save.Call.State == callfloor.CallEnded {
			ended[p.Call] = true
		}
	}
	refused := 0
	for i, p := range h.Ops {
		if i < h.Journal && p.ElseNow && ended[p.Call] {
			continue
		}
		p.Fence = nil // written under this term's fence (t.ctx): the facts are this holder's to write now
		if p.Save != nil {
			p.Tried = true // may be in Redis already: its revision decides
		}
		for attempt := 0; ; attempt++ {
			err := a.apply(t.ctx, p)
			if err == nil {
				break
			}
			if t.ctx.Err() != nil {
				return false
			}
			if !transient(t.ctx, err) {
				refused++ // overtaken (an agent's later state): not applied
				break
			}
			a.redisTrouble("applying the hand-over", err)
			select {
			case <-t.ctx.Done():
				return false
			case <-time.After(retryBackoff(attempt)):
			}
		}
	}
	a.log.Info("hand-over applied", "node", n.name, "from_token", prev, "writes", len(h.Ops), "not_applicable", refused, "ended", h.Ended)
	return true
}
