package realtime

import (
	"context"

	"github.com/callfloor/callfloor"
	"github.com/redis/go-redis/v9"
)

// Call-backs waiting in a queue (issue 14, telephony/callback.go): a call-back stays in its
// queue's waiting set at its place; P cbwaiting:{queue} (zset: call id -> entered ms) also
// holds it from the request until its number answers or it fails, so that the wallboard can
// tell how many of the queue's waiting calls are call-backs, with no caller on the line.

// callbackWaiting adds or removes the call in its queue's call-backs (SaveCall's transaction).
func (s *Store) callbackWaiting(ctx context.Context, pipe redis.Pipeliner, c *callfloor.Call) {
	if !c.IsCallback() {
		return
	}
	switch c.State {
	case callfloor.CallWaiting, callfloor.CallOffering, callfloor.CallDialing:
		pipe.ZAdd(ctx, s.k("cbwaiting", c.Queue), redis.Z{Score: float64(c.EnteredAt.UnixMilli()), Member: c.ID})
	default:
		pipe.ZRem(ctx, s.k("cbwaiting", c.Queue), c.ID)
	}
}

// CallbacksWaiting returns how many call-backs wait in each of the queues (their number not
// yet connected).
func (s *Store) CallbacksWaiting(ctx context.Context, queues []string) (map[string]int64, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.IntCmd, len(queues))
	for i, q := range queues {
		cmds[i] = pipe.ZCard(ctx, s.k("cbwaiting", q))
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, err
	}
	out := make(map[string]int64, len(queues))
	for i, q := range queues {
		out[q] = cmds[i].Val()
	}
	return out, nil
}
