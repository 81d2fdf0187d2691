package telephony

// Active / standby per Asterisk node (issue 15). With acd.lease.enabled, any number of callfloor
// instances may be configured for the same node: the one holding the node's lease in Redis
// (realtime/lease.go) drives it, the others stand by. A term is one holding of the lease:
//
//   - acquire (SET NX PX, a new fencing token) → replay the writes kept from an earlier term,
//     restore the node's live calls from Redis (ACD.restore), connect the node's ARI
//     application and reconcile (node.Connected): exactly what a restart does;
//   - renew every acd.lease.renew by compare-and-extend; the term is valid locally until the
//     last successful renewal's start plus TTL − margin, and a watchdog ends it then, before
//     the lease can expire in Redis, so that a holder cut from Redis leaves Asterisk before a
//     standby can connect (Asterisk keeps one WebSocket per application: a second connection
//     replaces the first);
//   - end (renewal refused, local validity lapsed, or stop): disconnect from ARI, stop the
//     node's calls' actors without touching Asterisk (the calls stay live in Redis for the next
//     holder), and on a clean stop release the lease so that a standby takes over at its next poll.
//
// Fencing: the term's context carries its token (realtime.WithFence); the calls' writes use it,
// so the claim and transition scripts and the call save refuse a write once the lease has
// moved. Every ARI request that changes something passes the node's guard (leaseGuard), which
// refuses it unless the term is valid locally.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/callfloor/callfloor/realtime"
)

// term is one holding of a node's lease.
type term struct {
	ctx    context.Context // the ACD's, with the fence; cancelled when the term ends
	cancel context.CancelFunc
	lease  realtime.Lease
	valid  atomic.Int64 // unix ns: the term is valid locally until then
	watch  *time.Timer  // ends the term when valid passes without a renewal
}

// errNotHolder is the guard's refusal: this instance does not (or no longer surely) hold the
// node's lease.
var errNotHolder = errors.New("this callfloor instance does not hold the node's lease: request not sent")

// leaseMargin is how long before the lease's expiry in Redis the holder stops trusting it: the
// renewal's clock starts when it is sent, Redis's when it arrives, and a standby polls.
func leaseMargin(ttl time.Duration) time.Duration { return ttl / 6 }

// newHolderID names this instance in the leases it takes: host and a random part.
func newHolderID() string {
	host, _ := os.Hostname()
	var b [6]byte
	_, _ = rand.Read(b[:])
	return host + "-" + hex.EncodeToString(b[:])
}

// leaseOwner names this instance's lasting state in the leases: host and outbox directory,
// which a restart keeps (the writes kept there carry their lease's token); without a durable
// outbox nothing outlives the process, and the holder id serves.
func (a *ACD) leaseOwner() string {
	if a.outboxDir == "" {
		return a.holderID
	}
	host, _ := os.Hostname()
	dir, err := filepath.Abs(a.outboxDir)
	if err != nil {
		dir = a.outboxDir
	}
	return host + ":" + dir
}

// leased reports whether the node is driven under a lease.
func (n *node) leased() bool { return n.acd.lease.Enabled }

// ctx is the context of the node's calls' work: the current term's (fenced, cancelled when the
// term ends) under a lease, else the ACD's.
func (n *node) ctx() context.Context {
	if t := n.term.Load(); t != nil {
		return t.ctx
	}
	return n.acd.ctx
}

// holder reports whether this instance holds the node's lease now (always true without leases).
func (n *node) holder() bool {
	if !n.leased() {
		return true
	}
	t := n.term.Load()
	return t != nil && t.ctx.Err() == nil && time.Now().UnixNano() < t.valid.Load()
}

// leaseGuard is the ARI client's guard (ari.Client.SetGuard): no request that changes Asterisk
// leaves an instance that is not surely the holder.
func (n *node) leaseGuard() error {
	if n.holder() {
		return nil
	}
	return errNotHolder
}

// runLeased drives the node under its lease until the ACD stops: stand by, polling, while
// another instance holds it; serve a term whenever it is ours.
func (a *ACD) runLeased(n *node) {
	for a.ctx.Err() == nil {
		sent := time.Now()
		var l realtime.Lease
		var ok bool
		var err error
		if !a.noLease.Load() {
			l, ok, err = a.store.AcquireLease(a.ctx, n.name, a.holderID, a.leaseOwner(), a.lease.TTL)
		}
		switch {
		case err != nil && a.ctx.Err() == nil:
			n.ho.refusedAt.Store(time.Now().UnixNano()) // a failover refuses every writer: a hand-over may come (handover.go)
			a.redisTrouble("taking the lease of node "+n.name, err)
		case ok:
			a.serveTerm(n, l, sent)
			continue
		}
		select {
		case <-a.ctx.Done():
		case <-time.After(a.lease.Poll):
		}
	}
}

// serveTerm holds the node from the acquisition (sent: when it was asked) until the term ends.
func (a *ACD) serveTerm(n *node, l realtime.Lease, sent time.Time) {
	ctx, cancel := context.WithCancel(a.ctx)
	t := &term{ctx: realtime.WithFence(ctx, realtime.Fence{Node: n.name, Token: l.Token}), cancel: cancel, lease: l}
	t.valid.Store(sent.Add(a.lease.TTL - leaseMargin(a.lease.TTL)).UnixNano())
	t.watch = time.AfterFunc(time.Until(sent.Add(a.lease.TTL-leaseMargin(a.lease.TTL))), cancel)
	n.term.Store(t)
	a.metrics.leaseHeld(n.name, true)
	a.log.Info("lease taken: this instance drives the node", "node", n.name, "token", l.Token, "holder", l.Holder)
	done := make(chan struct{})
	go func() { defer close(done); a.renewLoop(n, t) }()

	if a.adopt(n, t) {
		if err := n.client.Run(t.ctx, n); err != nil && !errors.Is(err, context.Canceled) {
			a.log.Error("ari connection ended", "node", n.name, "err", err)
		}
	}
	cancel()
	<-done
	t.watch.Stop() // after the renewals: none re-arms it
	a.endTerm(n, t)
}

// adopt takes the node's calls over at the start of a term: the writes the outbox kept from an
// earlier run, the facts the previous term handed over (handover.go), then the live calls in
// Redis, as a restart does. False when the term ended first.
func (a *ACD) adopt(n *node, t *term) bool {
	ops := n.kept // apply carries them over when nobody held the lease since (carriedOver)
	n.kept = nil
	if err := a.replay(t.ctx, n, ops); err != nil {
		return false
	}
	if !a.takeHandover(n, t) {
		return false
	}
	return a.waitRedis(t.ctx, "restoring the live calls of node "+n.name, func(ctx context.Context) error { return a.restore(ctx, n) })
}

// carriedOver is the fence a kept write is sent under: its own, or the node's current one when
// the write was made under this instance's previous term and nobody held the lease in between
// (a Redis outage longer than the TTL made it give the node up and take it again); a write
// made before someone else held the lease keeps its old token, and is refused.
func (a *ACD) carriedOver(f realtime.Fence) realtime.Fence {
	n := a.nodes[f.Node]
	if n == nil {
		return f
	}
	if t := n.term.Load(); t != nil && t.lease.Again && f.Token == t.lease.Token-1 {
		f.Token = t.lease.Token
	}
	return f
}

// renewLoop extends the lease every acd.lease.renew while the term lasts; a refusal ends the
// term at once, a Redis error leaves it to the watchdog (the term's local validity).
func (a *ACD) renewLoop(n *node, t *term) {
	tick := time.NewTicker(a.lease.Renew)
	defer tick.Stop()
	for {
		select {
		case <-t.ctx.Done():
			return
		case <-tick.C:
		}
		sent := time.Now()
		rctx, cancel := context.WithTimeout(t.ctx, a.lease.Renew)
		ok, err := a.store.RenewLease(rctx, t.lease, a.lease.TTL)
		cancel()
		switch {
		case t.ctx.Err() != nil:
			return
		case err != nil:
			a.log.Warn("renewing the node's lease", "node", n.name, "err", err)
		case !ok:
			a.log.Error("lease lost: another instance drives the node now", "node", n.name, "token", t.lease.Token)
			t.cancel()
			return
		default:
			until := sent.Add(a.lease.TTL - leaseMargin(a.lease.TTL))
			t.valid.Store(until.UnixNano())
			t.watch.Reset(time.Until(until))
		}
	}
}

// endTerm stops the node's calls' actors (the calls stay live in Redis, Asterisk is not
// touched) and, on a clean stop, releases the lease.
func (a *ACD) endTerm(n *node, t *term) {
	n.ready.Store(false)
	a.metrics.leaseHeld(n.name, false)
	a.mu.Lock()
	mine := n.callsLocked()
	for _, c := range mine {
		delete(a.calls, c.id)
		delete(a.waiting, c.id)
		delete(a.redone, c.id)
	}
	n.byChannel = map[string]*call{}
	n.surveys = map[string]*survey{}
	a.mu.Unlock()
	for _, c := range mine {
		c.close()
	}
	var kept []*pendingOp
	for _, c := range mine {
		<-c.exited
		for i := range c.outbox { // the actor has stopped: its kept writes are ours to hand over
			kept = append(kept, &c.outbox[i])
		}
	}
	n.term.Store(nil)
	clean := a.ctx.Err() != nil && !a.crashed.Load()
	a.handOver(n, t, kept, clean)
	if clean {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := a.store.ReleaseLease(ctx, t.lease); err != nil {
			a.log.Warn("releasing the node's lease", "node", n.name, "err", err)
		} else {
			a.log.Info("lease released", "node", n.name)
		}
		return
	}
	a.log.Warn("lease given up: standing by", "node", n.name, "calls_left_to_the_next_holder", len(mine))
}

// LeaseHolder reports whether this instance holds the node's lease now (true without leases).
func (a *ACD) LeaseHolder(node string) bool {
	n := a.nodes[node]
	return n != nil && n.holder()
}

// fence is a node's current fence ("" node: none), for the writes kept in an outbox.
func (n *node) fence() *realtime.Fence {
	if t := n.term.Load(); t != nil {
		f := realtime.Fence{Node: n.name, Token: t.lease.Token}
		return &f
	}
	return nil
}
