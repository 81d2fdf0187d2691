package telephony

// The durable outbox: live-state writes that could not land in Redis, kept on local disk.
//
// A call goes on while Redis is unreachable; its writes (the call's record with its counters and
// change-stream event, the agent's transitions) wait in the call's memory and land in order when
// Redis answers (call.go: persist, flush). Memory dies with the process: a callfloor killed
// during a Redis outage would lose them, and the next start would rebuild the call from the last
// state Redis had, at reconcile time (an answer stamped when callfloor came back, a caller's
// hang-up turned into hangup_by=system). So every write that is kept is also appended to a file
// (one per Asterisk node under the data directory, fsynced before the call goes on), and marked
// done there once it lands. On start, before the node's calls are restored from Redis and
// reconciled with Asterisk, the writes still pending in the file are replayed in order: the
// reconcile then starts from the true times.
//
// A write is data, not a closure (pendingOp: a realtime.CallChange or realtime.Transition), so
// it can be written and replayed. Replay lands each once: a call's record carries a revision
// (a save whose revision Redis already has is skipped) and an agent transition an op id (the
// same op is not applied twice); both exist for retries after a lost reply.
//
// File format: JSON lines, appended. An entry {"seq":N,"op":{"call":...,"save"|"transition":...}}, and
// {"done":N} once entry N landed (or was refused for good). Entries are fsynced before the call
// goes on; done marks are not (a lost mark only means a replay, which lands once). A torn last
// line (a crash while writing) is cut off at open. When no entry is pending the file is emptied.
// A file of mostly done entries is rewritten with its pending ones (compact).
//
// Concurrency: an outbox is shared by the actors of its node's calls; its methods lock mu. The
// file is locked (flock) so that two callfloor processes never use one outbox.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
)

// pendingOp is one write to the live state: a call's change or an agent transition.
type pendingOp struct {
	What       string               `json:"what"`
	Call       string               `json:"call"`
	Save       *realtime.CallChange `json:"save,omitempty"`
	Transition *realtime.Transition `json:"transition,omitempty"`
	// Else is applied instead of Transition when that is refused because the agent is available:
	// the agent answered the call's ring, but Redis lost the claim (a failover's lost writes).
	Else *realtime.Transition `json:"else,omitempty"`
	// ElseNow: Transition was refused so; Else is what is sent (until it lands).
	ElseNow bool `json:"else_now,omitempty"`
	// Tried: an attempt failed, so it may have landed all the same (the reply was lost); the
	// record's revision is checked before it is sent again (a transition's Else is not applied
	// after one that may have landed).
	Tried bool `json:"tried,omitempty"`
	// Fence: the lease the write was made under (lease.go); nil: none. It is refused once the
	// lease has moved.
	Fence *realtime.Fence `json:"fence,omitempty"`

	seq uint64 // its entry in the durable outbox; 0: none
}

// apply sends one write to Redis; one that landed under a lease goes to the node's journal
// (handover.go).
func (a *ACD) apply(ctx context.Context, p *pendingOp) error {
	if p.Fence != nil {
		ctx = realtime.WithFence(ctx, a.carriedOver(*p.Fence))
	}
	err := a.send(ctx, p)
	if err == nil {
		a.landed(ctx, p)
	}
	return err
}

func (a *ACD) send(ctx context.Context, p *pendingOp) error {
	switch {
	case p.Save != nil:
		if a.refuseSaves.Load() {
			return errRefusedForTest
		}
		if p.Tried {
			// An attempt that failed may have landed all the same (the connection broke after
			// Redis applied it, before the reply): the stored revision tells, so that counters and
			// events are not added twice.
			cur, err := a.store.Call(ctx, p.Save.Call.ID)
			switch {
			case err == nil && cur.Rev >= p.Save.Call.Rev:
				return nil
			case err != nil && callfloor.ErrorCode(err) != callfloor.ENOTFOUND:
				return err // cannot tell yet: ask again on the next retry
			}
		}
		p.Tried = true
		return a.store.SaveCall(ctx, *p.Save)
	case p.Transition != nil:
		// the op id makes a retry after a lost reply land once
		if p.ElseNow {
			_, err := a.store.Transition(ctx, *p.Else)
			return err
		}
		cur, err := a.store.Transition(ctx, *p.Transition)
		switch {
		case err == nil:
		case p.Else != nil && !p.Tried && cur == callfloor.AgentAvailable && callfloor.SpecificCode(err) == callfloor.CodeStateConflict:
			// Else only when the change surely never landed: one tried before may have (a lost
			// reply, a replay of the outbox), and its agent found available has moved on since
			a.log.Warn("an agent who answered is available in redis (the claim was lost): marked on the call", "agent", p.Else.Agent, "call", p.Call)
			p.ElseNow = true
			_, err = a.store.Transition(ctx, *p.Else)
		case !writeRefused(err):
			p.Tried = true
		}
		return err
	}
	return nil
}

type outboxEntry struct {
	Seq  uint64     `json:"seq,omitempty"`
	Done uint64     `json:"done,omitempty"`
	Op   *pendingOp `json:"op,omitempty"`
}

// outbox is one node's durable outbox file.
type outbox struct {
	path string
	log  *slog.Logger

	mu      sync.Mutex
	f       *os.File
	seq     uint64
	entries map[uint64][]byte // the pending entries' lines by seq (for compact)
	lines   int               // lines in the file
	failed  bool              // a write to the file failed: logged once
}

// compactMin: an outbox of at least this many lines, most of them done, is rewritten with its
// pending entries only (compact). Without it, a write that stays pending (retried for as long
// as Redis refuses it) would keep the file from ever being emptied, and every later outage's
// entries and done marks would pile up behind it.
const compactMin = 1024

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9_.-]`)

// openOutbox opens (creating) the outbox of a node under dir and returns the writes it still
// holds, in order. The file stays locked until close.
func openOutbox(dir, node string, log *slog.Logger) (*outbox, []*pendingOp, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("data_dir: %w", err)
	}
	path := filepath.Join(dir, "outbox-"+unsafeFileChars.ReplaceAllString(node, "_")+".jsonl")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("data_dir: outbox: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("data_dir: outbox %s is in use by another callfloor process (each instance needs a data_dir of its own): %w", path, err)
	}
	o := &outbox{path: path, log: log, f: f, entries: map[uint64][]byte{}}
	ops, err := o.read()
	if err != nil {
		o.close()
		return nil, nil, err
	}
	return o, ops, nil
}

// read loads the pending entries (at open).
func (o *outbox) read() ([]*pendingOp, error) {
	if _, err := o.f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("outbox %s: %w", o.path, err)
	}
	byseq := map[uint64]*pendingOp{}
	raw := map[uint64][]byte{}
	var order []uint64
	var good int64 // where the last complete line ends
	r := bufio.NewReader(o.f)
	for line := 1; ; line++ {
		b, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			if len(b) > 0 {
				// the process stopped while writing it: cut it off, or the next entry would be
				// appended to it
				o.log.Warn("outbox: dropping a torn last entry (the process stopped while writing it)", "file", o.path, "line", line)
				if err := o.f.Truncate(good); err != nil {
					return nil, fmt.Errorf("outbox %s: %w", o.path, err)
				}
			}
			break
		}
		if err != nil {
			return nil, fmt.Errorf("outbox %s: %w", o.path, err)
		}
		good += int64(len(b))
		o.lines++
		var e outboxEntry
		if err := json.Unmarshal(b, &e); err != nil {
			o.log.Error("outbox: skipping an unreadable entry", "file", o.path, "line", line, "err", err)
			continue
		}
		switch {
		case e.Done != 0:
			delete(byseq, e.Done)
		case e.Seq != 0 && e.Op != nil:
			e.Op.seq = e.Seq
			e.Op.Tried = true // it may have landed before the process stopped
			byseq[e.Seq] = e.Op
			raw[e.Seq] = b[:len(b)-1]
			order = append(order, e.Seq)
		}
		o.seq = max(o.seq, e.Seq, e.Done)
	}
	var ops []*pendingOp
	for _, s := range order {
		if p := byseq[s]; p != nil {
			ops = append(ops, p)
			o.entries[s] = raw[s]
		}
	}
	if len(ops) == 0 {
		o.truncate()
	}
	return ops, nil
}

// add writes p to the file (fsynced) and numbers it.
func (o *outbox) add(p *pendingOp) {
	if o == nil || p.seq != 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seq++
	p.seq = o.seq
	b, err := json.Marshal(outboxEntry{Seq: p.seq, Op: p})
	if err == nil {
		err = o.write(b, true)
	}
	if err != nil {
		o.fail("outbox: a kept write could not be written to disk (it is kept in memory only)", err)
		return
	}
	o.entries[p.seq] = b
	o.lines++
}

// done records that p landed (or was refused for good). With nothing pending the file is
// emptied.
func (o *outbox) done(p *pendingOp) {
	if o == nil || p.seq == 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.entries[p.seq]; !ok {
		return
	}
	delete(o.entries, p.seq)
	if len(o.entries) == 0 {
		o.truncate()
		return
	}
	// not synced: a done mark lost with a crash only makes the write replayed, and a replay
	// lands once (revision, op id)
	if err := o.write(fmt.Appendf(nil, `{"done":%d}`, p.seq), false); err != nil {
		o.fail("outbox: marking a write done", err)
		return
	}
	o.lines++
	if o.lines >= compactMin && o.lines > 4*len(o.entries) {
		o.compact()
	}
}

// compact rewrites the file with the pending entries only, in order: written to a new file
// (locked, synced) that then replaces the old one, so that a crash meanwhile leaves one of the
// two whole. o.mu held.
func (o *outbox) compact() {
	tmp := o.path + ".compact"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o600)
	if err != nil {
		o.fail("outbox: compacting", err)
		return
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		o.fail("outbox: compacting", err)
		return
	}
	seqs := slices.Sorted(maps.Keys(o.entries))
	var buf []byte
	for _, s := range seqs {
		buf = append(append(buf, o.entries[s]...), '\n')
	}
	if _, err := f.Write(buf); err != nil {
		o.fail("outbox: compacting", err)
		return
	}
	if err := f.Sync(); err != nil {
		o.fail("outbox: compacting", err)
		return
	}
	if err := os.Rename(tmp, o.path); err != nil {
		o.fail("outbox: compacting", err)
		return
	}
	ok = true
	if d, err := os.Open(filepath.Dir(o.path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	o.f.Close()
	o.f, o.lines = f, len(seqs)
}

// write appends one line, synced to disk if sync; o.mu held.
func (o *outbox) write(b []byte, sync bool) error {
	if o.f == nil {
		return errors.New("outbox closed")
	}
	if _, err := o.f.Write(append(b, '\n')); err != nil {
		return err
	}
	if !sync {
		return nil
	}
	return o.f.Sync()
}

// truncate empties the file; o.mu held (or at open).
func (o *outbox) truncate() {
	if err := o.f.Truncate(0); err != nil {
		o.fail("outbox: emptying", err)
		return
	}
	o.lines = 0
	if err := o.f.Sync(); err != nil {
		o.fail("outbox: emptying", err)
	}
}

func (o *outbox) fail(msg string, err error) {
	if !o.failed {
		o.failed = true
		o.log.Error(msg, "file", o.path, "err", err)
	}
}

// Pending is how many writes wait in the file.
func (o *outbox) Pending() int {
	if o == nil {
		return 0
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.entries)
}

func (o *outbox) close() {
	if o == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.f != nil {
		o.f.Close() // releases the lock
		o.f = nil
	}
}

// leftUnsent logs the writes of a call that stopping leaves unsent.
func (n *node) leftUnsent(callID string, writes int) {
	if n.outbox != nil {
		n.acd.log.Warn("stopping with live-state writes not landed: kept in the outbox for the next start", "call", callID, "writes", writes, "file", n.outbox.path)
		return
	}
	n.acd.log.Error("stopping with live-state writes not landed (no outbox: they are lost)", "call", callID, "writes", writes)
}

// replay lands the writes a previous run left in the outbox, in order, before the node's calls
// are restored from Redis. It returns when all landed (or were refused) or ctx ended.
func (a *ACD) replay(ctx context.Context, n *node, ops []*pendingOp) error {
	if len(ops) == 0 {
		return nil
	}
	a.log.Info("replaying writes kept in the outbox by the previous run", "node", n.name, "writes", len(ops), "file", n.outbox.path)
	for i, p := range ops {
		for attempt := 0; ; attempt++ {
			err := a.apply(ctx, p)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !transient(ctx, err) {
				a.log.Warn(p.What+" (replayed from the outbox)", "call", p.Call, "err", err)
				break
			}
			a.redisTrouble("replaying the outbox", err)
			if attempt == 0 {
				a.log.Warn("replaying the outbox: redis does not answer; retrying", "node", n.name, "left", len(ops)-i, "err", err)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(retryBackoff(attempt)):
			}
		}
		n.outbox.done(p)
	}
	a.log.Info("outbox replayed", "node", n.name, "writes", len(ops))
	return nil
}

// openOutboxes opens (and locks) every node's outbox, keeping what they hold for startUp.
func (a *ACD) openOutboxes() error {
	if a.outboxDir == "" {
		return nil
	}
	for _, n := range a.nodeOrder {
		o, left, err := openOutbox(a.outboxDir, n.name, a.log)
		if err != nil {
			for _, m := range a.nodeOrder {
				m.outbox.close()
			}
			return err
		}
		n.outbox, n.kept = o, left
	}
	return nil
}

// startUp readies the ACD before it connects to Asterisk: it waits for Redis (callfloor starts
// while Redis is down and begins work once it answers), writes the queues and agents New could
// not, replays each node's outbox and restores its live calls, so that the reconcile after
// connecting starts from the true state.
func (a *ACD) startUp(ctx context.Context) error {
	if !a.waitRedis(ctx, "starting the ACD", func(ctx context.Context) error { return a.store.Client().Ping(ctx).Err() }) {
		return ctx.Err()
	}
	if a.unsynced {
		if !a.waitRedis(ctx, "writing queues and agents", func(ctx context.Context) error { return a.storeSettings(ctx, a.settings()) }) {
			return ctx.Err()
		}
		a.unsynced = false
	}
	for _, n := range a.nodeOrder {
		if n.leased() {
			continue // at each acquisition of its lease (lease.go)
		}
		if err := a.replay(ctx, n, n.kept); err != nil {
			return err
		}
		n.kept = nil
		if !a.waitRedis(ctx, "restoring the live calls of node "+n.name, func(ctx context.Context) error { return a.restore(ctx, n) }) {
			return ctx.Err()
		}
	}
	// timed pauses overdue while no instance ran
	now := time.Now()
	_, due, err := a.store.Due(ctx, now)
	a.redisTrouble("reading due pauses", err)
	if err == nil {
		a.endTimedPauses(ctx, due, now)
	}
	return nil
}

// waitRedis runs f until it succeeds (true) or ctx ends (false), logging once while Redis does
// not answer.
func (a *ACD) waitRedis(ctx context.Context, what string, f func(context.Context) error) bool {
	logged := false
	for attempt := 0; ; attempt++ {
		err := f(ctx)
		if err == nil {
			if logged {
				a.log.Info("redis answers: "+what, "after_attempts", attempt+1)
			}
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if !logged {
			a.log.Error("redis not reachable: waiting for it before "+what, "err", err)
			logged = true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(min(retryBackoff(attempt), time.Second)):
		}
	}
}

// writeRefused reports a write Redis refused without applying it (a master without enough
// replicas, a replica), as against one whose reply was lost.
func writeRefused(err error) bool {
	msg := err.Error()
	return errors.Is(err, errRefusedForTest) || strings.Contains(msg, "NOREPLICAS") || strings.Contains(msg, "READONLY")
}

// errRefusedForTest is a call record's write refused by ACD.refuseSaves (tests): transient, as
// Redis's NOREPLICAS is, so the write is kept and retried.
var errRefusedForTest = fmt.Errorf("NOREPLICAS Not enough good replicas to write (test)")
