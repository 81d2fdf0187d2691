package realtime

// Leases on Asterisk nodes (issue 15): several callfloor instances may be configured for one
// node; the one holding the node's lease drives it, the others stand by (telephony/lease.go).
//
// Keys (P = the store's prefix):
//
//	P lease:{node}        string: the holder's id, with a TTL (SET NX PX); renewed by compare-and-extend
//	P lease:{node}:token  counter: the fencing token, INCR on every acquisition (never expires)
//	P lease:{node}:last   string: the owner of the last acquisition (an instance re-acquiring, even after a
//	                      restart, knows whether anybody held the lease in between)
//	P handover:{node}:{token}  string: the facts the holder of that term could not write (PutHandover), for the next holder
//
// Fencing: a write made for a node carries the token of the lease it was made under (WithFence);
// the agent claim and transition scripts and the call save compare it with the node's current
// token inside the same atomic step and refuse it (CodeLeaseMoved) once another instance has
// taken the lease.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/redis/go-redis/v9"
)

// CodeLeaseMoved: a write made under a node's lease that another instance has since taken.
const CodeLeaseMoved = "lease_moved"

func init() { callfloor.RegisterCode(CodeLeaseMoved, callfloor.ECONFLICT) }

// Fence names the lease a write is made under: the node and its fencing token.
type Fence struct {
	Node  string `json:"node"`
	Token int64  `json:"token"`
}

type fenceKey struct{}

// WithFence returns ctx carrying f: the store's fenced writes made with it check that f.Token is
// still the node's token.
func WithFence(ctx context.Context, f Fence) context.Context {
	return context.WithValue(ctx, fenceKey{}, f)
}

// FenceOf returns the fence ctx carries, if any.
func FenceOf(ctx context.Context) (Fence, bool) {
	f, ok := ctx.Value(fenceKey{}).(Fence)
	return f, ok && f.Node != ""
}

// fenceArgs are the two script arguments of ctx's fence: the node ("" for none) and the token.
func fenceArgs(ctx context.Context) (string, int64) {
	f, _ := FenceOf(ctx)
	return f.Node, f.Token
}

// fenceLua refuses a script's write when the fence it was given (node name in ARGV[n], token in
// ARGV[n+1]) is not the node's current token. Used as fenceLua(p, 'ARGV[19]', 'ARGV[20]').
func fenceLua(node, token string) string {
	return `if ` + node + ` ~= '' and (redis.call('GET', p .. 'lease:' .. ` + node + ` .. ':token') or '0') ~= ` + token + ` then
  return redis.error_reply('FENCED ' .. (redis.call('GET', p .. 'lease:' .. ` + node + ` .. ':token') or '0'))
end
`
}

// fencedError turns a script's FENCED refusal into CodeLeaseMoved; other errors are returned as they are.
func fencedError(ctx context.Context, err error) (error, bool) {
	if err == nil {
		return nil, false
	}
	msg := err.Error()
	if len(msg) < 7 || msg[:7] != "FENCED " {
		return err, false
	}
	f, _ := FenceOf(ctx)
	return leaseMoved(f, msg[7:]), true
}

func leaseMoved(f Fence, now string) error {
	return &callfloor.Error{Code: CodeLeaseMoved, Kind: callfloor.ECONFLICT, Params: callfloor.Params{"node": f.Node},
		Message: fmt.Sprintf("the lease on node %s has moved (token %d, now %s): write refused", f.Node, f.Token, now)}
}

func (s *Store) leaseKey(node string) string { return s.k("lease", node) }

var acquireScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local t = redis.call('INCR', KEYS[2])
  local prev = redis.call('GET', KEYS[3]) or ''
  redis.call('SET', KEYS[3], ARGV[3])
  return {t, prev}
end
return false
`)

// Lease is one acquisition of a node's lease.
type Lease struct {
	Node   string
	Holder string
	Token  int64
	// Again: the previous acquisition was this owner's too, so nobody held the lease in
	// between (the writes it kept under the previous token may still land).
	Again bool
}

// AcquireLease takes node's lease for holder (unique to this acquisition's process) when nobody
// holds it; ok false when someone does. owner names what outlives the process (its host and
// local state): Lease.Again says whether the previous acquisition was the same owner's.
func (s *Store) AcquireLease(ctx context.Context, node, holder, owner string, ttl time.Duration) (l Lease, ok bool, err error) {
	k := s.leaseKey(node)
	res, err := acquireScript.Run(ctx, s.rdb, []string{k, k + ":token", k + ":last"}, holder, ttl.Milliseconds(), owner).Slice()
	if errors.Is(err, redis.Nil) {
		return Lease{}, false, nil
	}
	if err != nil {
		return Lease{}, false, fmt.Errorf("acquire lease on %s: %w", node, err)
	}
	tok, _ := res[0].(int64)
	prev, _ := res[1].(string)
	return Lease{Node: node, Holder: holder, Token: tok, Again: prev == owner}, true, nil
}

var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('GET', KEYS[2]) == ARGV[3] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`)

// RenewLease extends l by ttl if it is still held under l's token; false when it has been lost.
func (s *Store) RenewLease(ctx context.Context, l Lease, ttl time.Duration) (bool, error) {
	k := s.leaseKey(l.Node)
	n, err := renewScript.Run(ctx, s.rdb, []string{k, k + ":token"}, l.Holder, ttl.Milliseconds(), strconv.FormatInt(l.Token, 10)).Int()
	if err != nil {
		return false, fmt.Errorf("renew lease on %s: %w", l.Node, err)
	}
	return n == 1, nil
}

var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('GET', KEYS[2]) == ARGV[2] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// ReleaseLease gives l up (a clean stop), so that a standby takes over at its next poll.
func (s *Store) ReleaseLease(ctx context.Context, l Lease) error {
	k := s.leaseKey(l.Node)
	if err := releaseScript.Run(ctx, s.rdb, []string{k, k + ":token"}, l.Holder, strconv.FormatInt(l.Token, 10)).Err(); err != nil {
		return fmt.Errorf("release lease on %s: %w", l.Node, err)
	}
	return nil
}

// LeaseHolder returns who holds node's lease ("" nobody) and the node's current token.
func (s *Store) LeaseHolder(ctx context.Context, node string) (string, int64, error) {
	k := s.leaseKey(node)
	vals, err := s.rdb.MGet(ctx, k, k+":token").Result()
	if err != nil {
		return "", 0, err
	}
	holder, _ := vals[0].(string)
	var tok int64
	if t, ok := vals[1].(string); ok {
		tok, _ = strconv.ParseInt(t, 10, 64)
	}
	return holder, tok, nil
}

// checkFence is the call save's fence check: inside a WATCH on the token key, so that the
// transaction that follows fails if the lease moves in between.
func (s *Store) checkFence(ctx context.Context, tx *redis.Tx, f Fence) error {
	cur, err := tx.Get(ctx, s.leaseKey(f.Node)+":token").Int64()
	if err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	if cur != f.Token {
		return leaseMoved(f, strconv.FormatInt(cur, 10))
	}
	return nil
}

// Hand-over (issue 15): when a term ends with facts its holder could not write (a failover's
// new master refusing writes, then the lease moving), the holder stores them here, unfenced,
// keyed by the term's token, and the next holder takes them before it restores the node's
// calls (telephony/handover.go). Kept an hour at most; nobody else reads them.

func (s *Store) handoverKey(node string, token int64) string {
	return s.k("handover", node, strconv.FormatInt(token, 10))
}

// PutHandover stores the hand-over of node's term token (b: its facts).
func (s *Store) PutHandover(ctx context.Context, node string, token int64, b []byte) error {
	if err := s.rdb.Set(ctx, s.handoverKey(node, token), b, time.Hour).Err(); err != nil {
		return fmt.Errorf("hand-over of %s (token %d): %w", node, token, err)
	}
	return nil
}

// TakeHandover returns and deletes the hand-over of node's term token; ok false when none.
func (s *Store) TakeHandover(ctx context.Context, node string, token int64) (b []byte, ok bool, err error) {
	b, err = s.rdb.GetDel(ctx, s.handoverKey(node, token)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("hand-over of %s (token %d): %w", node, token, err)
	}
	return b, true, nil
}
