package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/redis/go-redis/v9"
)

// EvAgentPending is the change-stream event announcing that an agent's pending pause ("pause
// after this call") was set or cleared: live views re-read the agent. The history ignores it
// (no state changed).
const EvAgentPending = "agent.pending"

// The agent's pending pause, set (reason) or cleared (""), only while the agent is in one of
// the allowed states (a call's ring, the call, its wrap-up): a pending pause is applied by the
// transition that ends them (transitionScript).
var pendingScript = redis.NewScript(`
local p, id, reason, allowed = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local k = p .. 'agent:' .. id
if redis.call('EXISTS', k) == 0 then return redis.error_reply('NOTFOUND ' .. id) end
local cur = redis.call('HGET', k, 'state')
if allowed ~= '' then
  local ok = false
  for st in string.gmatch(allowed, '[^,]+') do if st == cur then ok = true end end
  if not ok then return redis.error_reply('STATE ' .. cur) end
end
if reason == '' then
  if redis.call('HDEL', k, 'pending') == 0 then return cur end
else
  redis.call('HSET', k, 'pending', reason)
end
redis.call('XADD', p .. 'stream', '*', 'e', ARGV[5])
return cur
`)

// PendingStates are the states in which a pause waits for the end of the call and wrap-up.
var PendingStates = []callfloor.AgentState{callfloor.AgentRinging, callfloor.AgentOnCall, callfloor.AgentWrapUp}

// SetPendingPause records that the agent pauses with reason when their call and wrap-up end;
// refused (ECONFLICT naming the state) unless the agent rings, talks or wraps up.
func (s *Store) SetPendingPause(ctx context.Context, id, reason string, now time.Time) error {
	return s.pending(ctx, id, reason, PendingStates, now)
}

// ClearPendingPause cancels the agent's pending pause (nothing to cancel is not an error).
func (s *Store) ClearPendingPause(ctx context.Context, id string, now time.Time) error {
	return s.pending(ctx, id, "", nil, now)
}

func (s *Store) pending(ctx context.Context, id, reason string, allowed []callfloor.AgentState, now time.Time) error {
	states := make([]string, len(allowed))
	for i, st := range allowed {
		states[i] = string(st)
	}
	ev, err := json.Marshal(callfloor.Event{Type: EvAgentPending, At: now, Agent: &callfloor.AgentStatus{Agent: id, PendingPause: reason}})
	if err != nil {
		return err
	}
	err = pendingScript.Run(ctx, s.rdb, []string{s.k("agent", id)}, s.p, id, reason, strings.Join(states, ","), string(ev)).Err()
	if err != nil {
		msg := err.Error()
		switch {
		case strings.HasPrefix(msg, "NOTFOUND "):
			return &callfloor.Error{Code: callfloor.ENOTFOUND, Message: fmt.Sprintf("agent %q not found", id)}
		case strings.HasPrefix(msg, "STATE "):
			return &callfloor.Error{Code: callfloor.ECONFLICT, Message: fmt.Sprintf("agent %q is %s: no call to pause after", id, strings.TrimPrefix(msg, "STATE "))}
		}
		return fmt.Errorf("pending pause: %w", err)
	}
	return nil
}
