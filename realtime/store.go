// Package realtime holds callfloor's live state in Redis: agents and their states, the queues'
// waiting calls, every live call, today's and per-minute counters, and the change stream (a
// Redis Stream) that wallboards and the history writer consume.
//
// Concurrency: a Store is safe for concurrent use. Every agent state change is one Lua script,
// so the check ("is this agent available?") and the change happen atomically in Redis: any
// number of callfloor instances sharing one Redis never give one agent two calls. A call's
// record, its counters and its change-stream entry are written in one MULTI/EXEC transaction,
// so after a crash Redis never holds counters for a change that the call's record lacks.
//
// Keys (P = the configured prefix). Redis Cluster: every script names one key of the floor as
// KEYS[1] (it routes the script) and builds the others from P, so all of a floor's keys must
// share one hash slot: on a Cluster P carries a hash tag ("{cf}:", RedisTarget.KeyPrefix). The
// claim cannot declare its keys in advance (the agents come from the availability set); Redis
// runs undeclared keys of the script's own slot. Any new key of the floor must start with P.
//
//	P agent:{id}        hash: state reason dir since call calls_today day wrap_until q endpoint name team
//	P agents            set of agent ids
//	P qstrat            hash: queue -> strategy
//	P avail:{queue}     zset: available agents serving the queue, lowest score is offered first
//	P wrapdue           zset: agents in wrap-up -> wrap_until ms
//	P call:{id}         string: the Call as JSON (kept an hour after it ends)
//	P calls:{node}      set: live call ids on that Asterisk node
//	P waiting:{queue}   zset: waiting call ids -> entered ms (position = rank)
//	P qc:{queue}:{day}  hash: today's counters, cohort = the day the call entered
//	P qm:{queue}:{min}  hash: per-minute counters (sliding window), expire after 3 h
//	P tc:{team}:{day}   hash: a team's counters (the queues' fields, for the calls attributed to
//	                    the team: teamShare), cohort = the day the call entered
//	P tm:{team}:{min}   hash: a team's per-minute counters, expire after 3 h
//	P ac:{agent}:{day}  hash: an agent's counters for the day, including time_<state>_ms spent in
//	                    each state (occupancy, utilisation)
//	P stream            stream of callfloor.Event JSON (field "e"), trimmed behind the history
//	                    writer's consumer group (TrimStream)
//	P cc:{campaign}:{day} hash: an outbound campaign's counters (campaigns.go), cohort = the day
//	                    the dial was placed; t:{team}:{field} for a team's share
//	P camplive:{id}     string: a running campaign's live info (CampaignLive), 2 min TTL; P camplive
//	                    the set of their ids
//	P campgen           counter: moved by campaign tile changes outside the stream (campaigns.go)
//	P kick              pub/sub channel: an agent became available somewhere
package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/redis/go-redis/v9"
)

// StreamMaxLen is the change stream's cap: the backlog (entries the history writer has not
// acknowledged) that raises the alarm as it nears it (StreamGuard). The stream is never trimmed
// past an unacknowledged entry: it is trimmed by the consumer group's position (TrimStream),
// not by length, so a history writer that stops (PostgreSQL down) loses nothing.
const StreamMaxLen = 1_000_000

// Store is the Redis-backed live state.
type Store struct {
	rdb redis.UniversalClient
	p   string
	loc *time.Location // the call centre's day: counters and calls_today reset at its midnight
}

// New returns a Store using keys under prefix, with days in UTC.
func New(rdb redis.UniversalClient, prefix string) *Store {
	return &Store{rdb: rdb, p: prefix, loc: time.UTC}
}

// WithLocation sets the time zone whose midnight starts a new counter day.
func (s *Store) WithLocation(loc *time.Location) *Store {
	if loc != nil {
		s.loc = loc
	}
	return s
}

// Day is the counter day of t in the store's time zone. Counters are attributed to the day
// the call entered.
func (s *Store) Day(t time.Time) string { return t.In(s.loc).Format("20060102") }

// Client returns the Redis client.
func (s *Store) Client() redis.UniversalClient { return s.rdb }

// Prefix returns the key prefix.
func (s *Store) Prefix() string { return s.p }

func (s *Store) k(parts ...string) string { return s.p + strings.Join(parts, ":") }

// StreamKey is the change stream's key.
func (s *Store) StreamKey() string { return s.p + "stream" }

// KickChannel is the pub/sub channel announcing that agents became available.
func (s *Store) KickChannel() string { return s.p + "kick" }

func ms(t time.Time) int64 { return t.UnixMilli() }

// ---- queues and agents ----

// SetQueues records each queue's routing strategy (read by the availability script).
func (s *Store) SetQueues(ctx context.Context, qs []callfloor.Queue) error {
	if len(qs) == 0 {
		return nil
	}
	vals := make([]any, 0, 2*len(qs))
	for _, q := range qs {
		vals = append(vals, q.Name, q.Strategy)
	}
	return s.rdb.HSet(ctx, s.k("qstrat"), vals...).Err()
}

func skillField(a callfloor.Agent) string {
	qs := make([]string, 0, len(a.Skills))
	for q, l := range a.Skills {
		qs = append(qs, q+"="+strconv.Itoa(l))
	}
	sort.Strings(qs)
	return strings.Join(qs, ",")
}

// UpsertAgent stores an agent's profile. A new agent starts logged out; an existing agent keeps
// its state, and if available is re-scored into the queues it now serves.
// indexLua is shared by the scripts that make an agent available: it puts the agent in the
// availability index of every queue in skills ("sales=5,support=1"). Lowest score is offered
// first: longest idle (second granularity), then higher skill; fewest_calls queues put today's
// call count first.
const indexLua = `
local function index_available(p, id, skills, idle, calls)
  for q, lvl in string.gmatch(skills, '([^,=]+)=(%d+)') do
    local score = math.floor(idle / 1000) * 100 + (99 - tonumber(lvl))
    if redis.call('HGET', p .. 'qstrat', q) == 'fewest_calls' then score = score + calls * 1e12 end
    redis.call('ZADD', p .. 'avail:' .. q, score, id)
  end
end
`

var upsertAgentScript = redis.NewScript(indexLua + `
local p, id = ARGV[1], ARGV[2]
local k = p .. 'agent:' .. id
local oldq = redis.call('HGET', k, 'q')
redis.call('HSET', k, 'q', ARGV[3], 'endpoint', ARGV[4], 'name', ARGV[5], 'team', ARGV[6])
redis.call('HSETNX', k, 'state', 'logged_out')
redis.call('HSETNX', k, 'since', ARGV[7])
redis.call('SADD', p .. 'agents', id)
if oldq then
  for q in string.gmatch(oldq, '([^,=]+)=%d+') do redis.call('ZREM', p .. 'avail:' .. q, id) end
end
if redis.call('HGET', k, 'state') == 'available' then
  index_available(p, id, ARGV[3], tonumber(redis.call('HGET', k, 'since')), tonumber(redis.call('HGET', k, 'calls_today') or '0'))
end
return 1
`)

func (s *Store) UpsertAgent(ctx context.Context, a callfloor.Agent, now time.Time) error {
	return upsertAgentScript.Run(ctx, s.rdb, []string{s.k("agent", a.ID)}, s.p, a.ID, skillField(a), a.Endpoint, a.Name, a.Team, ms(now)).Err()
}

// RemoveAgent deletes an agent from the live state (it must not be on a call).
func (s *Store) RemoveAgent(ctx context.Context, id string) error {
	_, err := s.Transition(ctx, Transition{Agent: id, From: []callfloor.AgentState{callfloor.AgentLoggedOut, callfloor.AgentAvailable, callfloor.AgentPaused, callfloor.AgentWrapUp}, To: callfloor.AgentLoggedOut, Now: time.Now()})
	if err != nil && callfloor.ErrorCode(err) != callfloor.ENOTFOUND {
		return err
	}
	pipe := s.rdb.TxPipeline()
	pipe.Del(ctx, s.k("agent", id))
	pipe.SRem(ctx, s.k("agents"), id)
	_, err = pipe.Exec(ctx)
	return err
}

// Transition is a compare-and-set agent state change.
type Transition struct {
	Agent     string
	From      []callfloor.AgentState // allowed current states; empty = any
	IfCall    string                 // when set, the agent's current call must be this one
	To        callfloor.AgentState
	Reason    string
	Direction string
	Call      string    // the call the agent is now busy with ("" clears)
	WrapUntil time.Time // for wrap_up
	CountCall bool      // add one to calls_today (the agent handled a call)
	Now       time.Time
	// Op, when set, names this change: the same Op again (a retry after a lost reply) is not
	// applied twice. The agent's last Op is remembered (changes without one leave it): a call's
	// writes are retried in order, so only its last one can be in doubt.
	Op string
	// PauseUntil (To paused): a timed pause; the ACD returns the agent to available at this
	// instant (DuePauses, ReturnFromPause). Any later change of the agent clears it.
	PauseUntil time.Time
	// MissedAfter > 0 marks the change after a missed ring: the agent's consecutive-miss count
	// goes up by one, and only when it reaches MissedAfter does the change go to To (paused, the
	// count starting over); before that the agent goes back to available. An answered call
	// (to on_call) resets the count.
	MissedAfter int
	// IfPauseUntil, when set, requires the agent's current timed pause to end at exactly this
	// instant: a return from a timed pause does not fire once the agent was unpaused, logged
	// out, or paused again (for any reason) meanwhile.
	IfPauseUntil time.Time
}

// The agent transition: check, change, re-index availability, append to the change stream and
// wake the dispatchers, all in one atomic step. Returns {previous state, since, calls_today} or
// an error reply naming the refusal.
var transitionScript = redis.NewScript(indexLua + `
local p, id = ARGV[1], ARGV[2]
` + fenceLua("ARGV[19]", "ARGV[20]") + `
local k = p .. 'agent:' .. id
if redis.call('EXISTS', k) == 0 then return redis.error_reply('NOTFOUND ' .. id) end
local cur = redis.call('HGET', k, 'state')
local op = ARGV[14]
if op ~= '' and redis.call('HGET', k, 'op') == op then return {cur, redis.call('HGET', k, 'calls_today')} end
local from = ARGV[3]
if from ~= '' then
  local ok = false
  for st in string.gmatch(from, '[^,]+') do if st == cur then ok = true end end
  if not ok then return redis.error_reply('STATE ' .. cur) end
end
if ARGV[4] ~= '' and redis.call('HGET', k, 'call') ~= ARGV[4] then return redis.error_reply('CALL ' .. (redis.call('HGET', k, 'call') or '')) end
if ARGV[18] ~= '0' and (redis.call('HGET', k, 'pause_until') or '0') ~= ARGV[18] then return redis.error_reply('STATE ' .. cur) end
local to, now = ARGV[5], tonumber(ARGV[9])
local reason, pause_until, evt = ARGV[6], ARGV[15], ARGV[13]
local missed_after = tonumber(ARGV[16])
if missed_after > 0 then
  -- a missed ring: pause only at the missed_after-th in a row
  local run = redis.call('HINCRBY', k, 'missed_run', 1)
  if run < missed_after then
    to, reason, pause_until, evt = 'available', '', '0', ARGV[17]
  else
    redis.call('HSET', k, 'missed_run', 0)
  end
end
if to == 'on_call' then redis.call('HSET', k, 'missed_run', 0) end
local day = ARGV[12]
if redis.call('HGET', k, 'day') ~= day then
  redis.call('HSET', k, 'day', day, 'calls_today', 0)
end
-- time spent in the state being left, for occupancy and utilisation (attributed to today)
local since = tonumber(redis.call('HGET', k, 'since') or now)
if since and now > since then
  local ac = p .. 'ac:' .. id .. ':' .. day
  redis.call('HINCRBY', ac, 'time_' .. cur .. '_ms', now - since)
  redis.call('EXPIRE', ac, 691200)
end
if ARGV[11] == '1' then redis.call('HINCRBY', k, 'calls_today', 1) end
local prev_reason = redis.call('HGET', k, 'reason') or ''
-- "pause after this call": a pending pause turns the end of a call or wrap-up into that pause
local pending = redis.call('HGET', k, 'pending') or ''
if pending ~= '' and to == 'available' and (cur == 'wrap_up' or cur == 'on_call' or cur == 'ringing') then
  to, reason, pause_until = 'paused', pending, '0'
end
if to ~= 'on_call' and to ~= 'wrap_up' and to ~= 'ringing' then redis.call('HDEL', k, 'pending') end
-- the call the agent last handled stays known through wrap-up (disposition, notes)
local oldcall = redis.call('HGET', k, 'call') or ''
if oldcall ~= '' and oldcall ~= ARGV[8] and cur == 'on_call' then redis.call('HSET', k, 'last_call', oldcall) end
redis.call('HSET', k, 'state', to, 'reason', reason, 'dir', ARGV[7], 'call', ARGV[8], 'since', now, 'wrap_until', ARGV[10], 'pause_until', pause_until)
-- a change without an op (the API's) leaves the last op: a call's retried op stays recognised
if op ~= '' then redis.call('HSET', k, 'op', op) end
local q = redis.call('HGET', k, 'q') or ''
if to == 'available' then
  index_available(p, id, q, now, tonumber(redis.call('HGET', k, 'calls_today') or '0'))
else
  for qq in string.gmatch(q, '([^,=]+)=%d+') do redis.call('ZREM', p .. 'avail:' .. qq, id) end
end
if to == 'wrap_up' then redis.call('ZADD', p .. 'wrapdue', tonumber(ARGV[10]), id) else redis.call('ZREM', p .. 'wrapdue', id) end
if to == 'paused' and pause_until ~= '0' then redis.call('ZADD', p .. 'pausedue', tonumber(pause_until), id) else redis.call('ZREM', p .. 'pausedue', id) end
local ev = string.gsub(evt, '"__PREV__"', '"' .. cur .. '"')
ev = string.gsub(ev, '"__TO__"', '"' .. to .. '"')
ev = string.gsub(ev, '"__REASON__"', (string.gsub(cjson.encode(reason), '%%', '%%%%')))
ev = string.gsub(ev, '"__CALLS__"', redis.call('HGET', k, 'calls_today') or '0')
ev = string.gsub(ev, '"__PREVSINCE__"', string.format('%d', since or now))
ev = string.gsub(ev, '"__PREVREASON__"', (string.gsub(cjson.encode(prev_reason), '%%', '%%%%')))
redis.call('XADD', p .. 'stream', '*', 'e', ev)
if to == 'available' then redis.call('PUBLISH', p .. 'kick', id) end
return {cur, redis.call('HGET', k, 'calls_today')}
`)

// Transition applies t atomically. It returns the previous state; a refused check is an
// ECONFLICT error naming the agent's current state, an unknown agent ENOTFOUND.
func (s *Store) Transition(ctx context.Context, t Transition) (callfloor.AgentState, error) {
	if t.Now.IsZero() {
		t.Now = time.Now()
	}
	from := make([]string, len(t.From))
	for i, f := range t.From {
		from[i] = string(f)
	}
	wrap := int64(0)
	if !t.WrapUntil.IsZero() {
		wrap = ms(t.WrapUntil)
	}
	pauseUntil, ifPauseUntil := int64(0), int64(0)
	if !t.PauseUntil.IsZero() && t.To == callfloor.AgentPaused {
		pauseUntil = ms(t.PauseUntil)
	}
	if !t.IfPauseUntil.IsZero() {
		ifPauseUntil = ms(t.IfPauseUntil)
	}
	// state and reason are known only inside the script (a pending pause may turn "available"
	// into it; a miss before the missed_after-th goes to available)
	event := func(st callfloor.AgentStatus) (string, error) {
		st.State, st.Reason = "__TO__", "__REASON__"
		ev := callfloor.Event{Type: callfloor.EvAgentState, At: t.Now, Prev: "__PREV__", PrevSinceMs: -1, PrevReason: "__PREVREASON__", Agent: &st}
		b, err := json.Marshal(ev)
		if err != nil {
			return "", err
		}
		// calls_today is only known inside the script.
		evs := strings.Replace(string(b), `"calls_today":0`, `"calls_today":"__CALLS__"`, 1)
		return strings.Replace(evs, `"prev_since_ms":-1`, `"prev_since_ms":"__PREVSINCE__"`, 1), nil
	}
	st := callfloor.AgentStatus{Agent: t.Agent, State: t.To, Reason: t.Reason, Direction: t.Direction, Since: t.Now, Call: t.Call, WrapUntil: t.WrapUntil}
	if pauseUntil != 0 {
		st.PauseUntil = time.UnixMilli(pauseUntil).UTC()
	}
	evs, err := event(st)
	if err != nil {
		return "", err
	}
	evAvail := ""
	if t.MissedAfter > 0 { // the event when this miss does not pause yet
		if evAvail, err = event(callfloor.AgentStatus{Agent: t.Agent, State: callfloor.AgentAvailable, Direction: t.Direction, Since: t.Now, Call: t.Call}); err != nil {
			return "", err
		}
	}
	count := "0"
	if t.CountCall {
		count = "1"
	}
	fnode, ftok := fenceArgs(ctx)
	res, err := transitionScript.Run(ctx, s.rdb, []string{s.k("agent", t.Agent)}, s.p, t.Agent, strings.Join(from, ","), t.IfCall,
		string(t.To), t.Reason, t.Direction, t.Call, ms(t.Now), wrap, count, s.Day(t.Now), evs, t.Op,
		pauseUntil, max(t.MissedAfter, 0), evAvail, ifPauseUntil, fnode, strconv.FormatInt(ftok, 10)).Slice()
	if ferr, fenced := fencedError(ctx, err); fenced {
		return "", ferr
	}
	if err != nil {
		msg := err.Error()
		switch {
		case strings.HasPrefix(msg, "NOTFOUND "):
			return "", callfloor.NotFound("agent", t.Agent, "agent %q not found", t.Agent)
		case strings.HasPrefix(msg, "STATE "):
			return callfloor.AgentState(strings.TrimPrefix(msg, "STATE ")), &callfloor.Error{Code: callfloor.CodeStateConflict,
				Params: callfloor.Params{"state": strings.TrimPrefix(msg, "STATE "), "to": string(t.To)}, Message: fmt.Sprintf("agent %q is %s; cannot go to %s", t.Agent, strings.TrimPrefix(msg, "STATE "), t.To)}
		case strings.HasPrefix(msg, "CALL "):
			return "", callfloor.StateConflict("call_ended", "agent %q is no longer on call %s", t.Agent, t.IfCall)
		}
		return "", fmt.Errorf("agent transition: %w", err)
	}
	prev, _ := res[0].(string)
	return callfloor.AgentState(prev), nil
}

// The claim: the best available agent of the queue goes to ringing for the call. Stale entries
// (agents no longer available) are cleaned on the way.
var claimScript = redis.NewScript(`
local p, queue, call, now, day = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
` + fenceLua("ARGV[7]", "ARGV[8]") + `
local z = p .. 'avail:' .. queue
for i = 1, 5 do
  local c = redis.call('ZRANGE', z, 0, 15)
  if #c == 0 then return false end
  for _, id in ipairs(c) do
    local k = p .. 'agent:' .. id
    if redis.call('HGET', k, 'state') == 'available' then
      if redis.call('HGET', k, 'day') ~= day then redis.call('HSET', k, 'day', day, 'calls_today', 0) end
      local since = tonumber(redis.call('HGET', k, 'since') or now)
      if since and tonumber(now) > since then
        local ac = p .. 'ac:' .. id .. ':' .. day
        redis.call('HINCRBY', ac, 'time_available_ms', tonumber(now) - since)
        redis.call('EXPIRE', ac, 691200)
      end
      redis.call('HSET', k, 'state', 'ringing', 'reason', '', 'dir', 'inbound', 'call', call, 'since', now)
      for qq in string.gmatch(redis.call('HGET', k, 'q') or '', '([^,=]+)=%d+') do redis.call('ZREM', p .. 'avail:' .. qq, id) end
      local ev = string.gsub(ARGV[6], '__AGENT__', id)
      ev = string.gsub(ev, '"__CALLS__"', redis.call('HGET', k, 'calls_today') or '0')
      ev = string.gsub(ev, '"__PREVSINCE__"', string.format('%d', since or tonumber(now)))
      redis.call('XADD', p .. 'stream', '*', 'e', ev)
      return id
    end
    redis.call('ZREM', z, id)
  end
end
return false
`)

// Claim atomically takes the best available agent of queue for call and puts them in ringing.
// It returns "" when no agent is available.
func (s *Store) Claim(ctx context.Context, queue, callID string, now time.Time) (string, error) {
	ev := callfloor.Event{Type: callfloor.EvAgentState, At: now, Prev: callfloor.AgentAvailable, PrevSinceMs: -1, Agent: &callfloor.AgentStatus{
		Agent: "__AGENT__", State: callfloor.AgentRinging, Direction: callfloor.Inbound, Since: now, Call: callID}}
	b, _ := json.Marshal(ev)
	evs := strings.Replace(string(b), `"calls_today":0`, `"calls_today":"__CALLS__"`, 1)
	evs = strings.Replace(evs, `"prev_since_ms":-1`, `"prev_since_ms":"__PREVSINCE__"`, 1)
	fnode, ftok := fenceArgs(ctx)
	res, err := claimScript.Run(ctx, s.rdb, []string{s.k("avail", queue)}, s.p, queue, callID, ms(now), s.Day(now), evs, fnode, strconv.FormatInt(ftok, 10)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if ferr, fenced := fencedError(ctx, err); fenced {
		return "", ferr
	}
	if err != nil {
		return "", fmt.Errorf("claim agent for %s: %w", queue, err)
	}
	id, _ := res.(string)
	return id, nil
}

// The day changed: reset calls_today of agents whose last call was on an earlier day and
// re-score every available agent, so fewest_calls ranks by today's calls.
var rescoreScript = redis.NewScript(indexLua + `
local p, id, day = ARGV[1], ARGV[2], ARGV[3]
local k = p .. 'agent:' .. id
if redis.call('EXISTS', k) == 0 then return 0 end
if redis.call('HGET', k, 'day') ~= day then redis.call('HSET', k, 'day', day, 'calls_today', 0) end
if redis.call('HGET', k, 'state') ~= 'available' then return 0 end
index_available(p, id, redis.call('HGET', k, 'q') or '', tonumber(redis.call('HGET', k, 'since')), tonumber(redis.call('HGET', k, 'calls_today') or '0'))
return 1
`)

// Rescore starts a new day for every agent (the ACD calls it when the day changes).
func (s *Store) Rescore(ctx context.Context, now time.Time) error {
	ids, err := s.rdb.SMembers(ctx, s.k("agents")).Result()
	if err != nil {
		return err
	}
	day := s.Day(now)
	for _, id := range ids {
		if err := rescoreScript.Run(ctx, s.rdb, []string{s.k("agent", id)}, s.p, id, day).Err(); err != nil {
			return fmt.Errorf("rescore agent %s: %w", id, err)
		}
	}
	return nil
}

// DueWrapUps lists agents whose wrap-up ended by now.
func (s *Store) DueWrapUps(ctx context.Context, now time.Time) ([]string, error) {
	return s.rdb.ZRangeByScore(ctx, s.k("wrapdue"), &redis.ZRangeBy{Min: "-inf", Max: strconv.FormatInt(ms(now), 10)}).Result()
}

// DuePause is a timed pause that has ended: the agent and the instant it was due.
type DuePause struct {
	Agent string
	Until time.Time
}

// DuePauses lists the timed pauses (Transition.PauseUntil) due by now, overdue ones included
// (after a restart).
func (s *Store) DuePauses(ctx context.Context, now time.Time) ([]DuePause, error) {
	zs, err := s.rdb.ZRangeByScoreWithScores(ctx, s.k("pausedue"), &redis.ZRangeBy{Min: "-inf", Max: strconv.FormatInt(ms(now), 10)}).Result()
	if err != nil {
		return nil, err
	}
	out := make([]DuePause, 0, len(zs))
	for _, z := range zs {
		id, _ := z.Member.(string)
		out = append(out, DuePause{Agent: id, Until: time.UnixMilli(int64(z.Score)).UTC()})
	}
	return out, nil
}

// Due lists the wrap-ups (as DueWrapUps) and the timed pauses (as DuePauses) due by now, both in
// one round trip: the ACD's sweeper asks on every tick.
func (s *Store) Due(ctx context.Context, now time.Time) (wrapUps []string, pauses []DuePause, err error) {
	max := strconv.FormatInt(ms(now), 10)
	pipe := s.rdb.Pipeline()
	w := pipe.ZRangeByScore(ctx, s.k("wrapdue"), &redis.ZRangeBy{Min: "-inf", Max: max})
	p := pipe.ZRangeByScoreWithScores(ctx, s.k("pausedue"), &redis.ZRangeBy{Min: "-inf", Max: max})
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, nil, err
	}
	for _, z := range p.Val() {
		id, _ := z.Member.(string)
		pauses = append(pauses, DuePause{Agent: id, Until: time.UnixMilli(int64(z.Score)).UTC()})
	}
	return w.Val(), pauses, nil
}

// ReturnFromPause ends a due timed pause: the agent goes to available, but only if they are
// still in that same timed pause (not unpaused, logged out or paused again meanwhile; then the
// result is an ECONFLICT error and nothing changes).
func (s *Store) ReturnFromPause(ctx context.Context, d DuePause, now time.Time) error {
	_, err := s.Transition(ctx, Transition{Agent: d.Agent, From: []callfloor.AgentState{callfloor.AgentPaused}, IfPauseUntil: d.Until, To: callfloor.AgentAvailable, Now: now})
	if callfloor.ErrorCode(err) == callfloor.ENOTFOUND {
		// removed from the live state: forget the entry (any change of a live agent's state
		// removes it in the transition itself)
		s.rdb.ZRem(ctx, s.k("pausedue"), d.Agent)
	}
	return err
}

// Agent returns an agent's live status.
func (s *Store) Agent(ctx context.Context, id string) (callfloor.AgentStatus, error) {
	m, err := s.rdb.HGetAll(ctx, s.k("agent", id)).Result()
	if err != nil {
		return callfloor.AgentStatus{}, err
	}
	if len(m) == 0 {
		return callfloor.AgentStatus{}, callfloor.NotFound("agent", id, "agent %q not found", id)
	}
	return s.statusFromHash(id, m), nil
}

func (s *Store) statusFromHash(id string, m map[string]string) callfloor.AgentStatus {
	st := callfloor.AgentStatus{Agent: id, State: callfloor.AgentState(m["state"]), Reason: m["reason"], Direction: m["dir"], Call: m["call"],
		PendingPause: m["pending"], LastCall: m["last_call"]}
	if v, err := strconv.ParseInt(m["since"], 10, 64); err == nil {
		st.Since = time.UnixMilli(v).UTC()
	}
	if v, err := strconv.ParseInt(m["wrap_until"], 10, 64); err == nil && v > 0 {
		st.WrapUntil = time.UnixMilli(v).UTC()
	}
	if v, err := strconv.ParseInt(m["pause_until"], 10, 64); err == nil && v > 0 && st.State == callfloor.AgentPaused {
		st.PauseUntil = time.UnixMilli(v).UTC()
	}
	if m["day"] == s.Day(time.Now()) {
		st.CallsToday, _ = strconv.ParseInt(m["calls_today"], 10, 64)
	}
	return st
}

// Agents returns every known agent's status, sorted by id.
func (s *Store) Agents(ctx context.Context) ([]callfloor.AgentStatus, error) {
	ids, err := s.rdb.SMembers(ctx, s.k("agents")).Result()
	if err != nil {
		return nil, err
	}
	sort.Strings(ids)
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HGetAll(ctx, s.k("agent", id))
	}
	if len(ids) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, err
		}
	}
	out := make([]callfloor.AgentStatus, 0, len(ids))
	for i, id := range ids {
		m := cmds[i].Val()
		if len(m) == 0 {
			continue
		}
		out = append(out, s.statusFromHash(id, m))
	}
	return out, nil
}

// AgentEndpoint returns the dial string stored for the agent.
func (s *Store) AgentEndpoint(ctx context.Context, id string) (string, error) {
	v, err := s.rdb.HGet(ctx, s.k("agent", id), "endpoint").Result()
	if errors.Is(err, redis.Nil) {
		return "", callfloor.NotFound("agent", id, "agent %q not found", id)
	}
	return v, err
}

// ---- calls ----

// Counter field names of the queue and agent counter hashes.
const (
	CntOffered          = "offered"
	CntAnswered         = "answered"
	CntAbandoned        = "abandoned"
	CntShortAbandoned   = "short_abandoned"
	CntAnsweredWithinT  = "answered_within_t"
	CntAbandonedWithinT = "abandoned_within_t"
	CntFlowedOut        = "flowed_out"
	CntUnknownQueue     = "unknown_queue"
	CntSumWaitAnswered  = "sum_wait_answered_ms"
	CntSumWaitAbandoned = "sum_wait_abandoned_ms"
	CntSumTalk          = "sum_talk_ms"
	CntHandled          = "handled"
	CntSumWrap          = "sum_wrap_ms" // wrap-up time granted after handled calls (AHT's wrap part)
	CntSumHold          = "sum_hold_ms" // time handled calls spent on hold (AHT's hold part)
	CntOffers           = "offers"      // agent phone rings
	CntOffersNoAnswer   = "offers_no_answer"
	CntOutDials         = "outbound_dials"
	CntOutAnswered      = "outbound_answered"
	CntOutBusy          = "outbound_busy"
	CntOutNoAnswer      = "outbound_no_answer"
	CntOutFailed        = "outbound_failed"
)

// CallChange is one change of a call, written in one transaction.
type CallChange struct {
	Call      *callfloor.Call
	Event     *callfloor.Event // appended to the change stream
	QueueInc  map[string]int64 // added to the queue's counters of the call's entry day and minute
	AgentInc  map[string]int64 // added to the agent's counters of today
	AgentID   string           // whose counters AgentInc are
	MaxWaitMs int64            // raise the queue's max-wait-of-the-day to this

	// CampaignInc is added to the call's campaign's counters of the call's entry day
	// (Call.CampaignID; realtime/campaigns.go names the fields), and, with CampaignTeam, to that
	// team's share of them.
	CampaignInc  map[string]int64
	CampaignTeam string
}

// SaveCall writes the call's record, its waiting-list membership, counters and change-stream
// entry atomically.
func (s *Store) SaveCall(ctx context.Context, ch CallChange) error {
	c := ch.Call
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	var teamAgent string
	var teamInc map[string]int64
	if len(ch.QueueInc) > 0 && c.Queue != "" {
		teamAgent, teamInc = teamShare(c, ch.QueueInc)
	}
	var evb []byte
	if ch.Event != nil {
		if evb, err = marshalEvent(ch.Event, c, b); err != nil {
			return err
		}
	}
	fill := func(pipe redis.Pipeliner) error {
		s.saveCallCmds(ctx, pipe, ch, b, evb, teamAgent, teamInc)
		return nil
	}
	if f, ok := FenceOf(ctx); ok {
		// fenced (issue 15): the node's token is read under WATCH, so the transaction fails if
		// another instance takes the lease between the check and the write
		err = s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			if err := s.checkFence(ctx, tx, f); err != nil {
				return err
			}
			_, err := tx.TxPipelined(ctx, fill)
			return err
		}, s.leaseKey(f.Node)+":token")
		if errors.Is(err, redis.TxFailedErr) {
			err = leaseMoved(f, "changed")
		}
	} else {
		pipe := s.rdb.TxPipeline()
		_ = fill(pipe)
		_, err = pipe.Exec(ctx)
	}
	if err != nil {
		if callfloor.SpecificCode(err) == CodeLeaseMoved {
			return err
		}
		return fmt.Errorf("save call %s: %w", c.ID, err)
	}
	return nil
}

// eventWithCallJSON is an Event whose call is already encoded: its Call field (depth 0)
// dominates the embedded Event's (encoding/json's rule), so the call is written as encoded.
type eventWithCallJSON struct {
	*callfloor.Event
	Call json.RawMessage `json:"call,omitempty"`
}

// marshalEvent encodes ev; when its call is the call c SaveCall has just encoded as b, b is
// reused instead of encoding the call a second time (issue 11, CPU per call). The JSON differs
// from json.Marshal(ev) only in where the "call" key stands.
func marshalEvent(ev *callfloor.Event, c *callfloor.Call, b []byte) ([]byte, error) {
	if ev.Call == nil || ev.Call != c {
		return json.Marshal(ev)
	}
	return json.Marshal(eventWithCallJSON{Event: ev, Call: b})
}

// saveCallCmds queues SaveCall's writes on pipe (one MULTI/EXEC): b is the call's JSON, evb
// its change-stream event's (nil: none).
func (s *Store) saveCallCmds(ctx context.Context, pipe redis.Pipeliner, ch CallChange, b, evb []byte, teamAgent string, teamInc map[string]int64) {
	c := ch.Call
	key := s.k("call", c.ID)
	if c.State == callfloor.CallEnded {
		pipe.Set(ctx, key, b, time.Hour)
		pipe.SRem(ctx, s.k("calls", c.Node), c.ID)
	} else {
		pipe.Set(ctx, key, b, 0)
		pipe.SAdd(ctx, s.k("calls", c.Node), c.ID)
	}
	if c.Queue != "" && c.Direction == callfloor.Inbound {
		if c.State == callfloor.CallWaiting || c.State == callfloor.CallOffering {
			// score: higher priority first, then earlier entry
			pipe.ZAdd(ctx, s.k("waiting", c.Queue), redis.Z{Score: waitScore(c), Member: c.ID})
		} else {
			pipe.ZRem(ctx, s.k("waiting", c.Queue), c.ID)
		}
		s.callbackWaiting(ctx, pipe, c)
	}
	if len(ch.QueueInc) > 0 && c.Queue != "" {
		day := s.k("qc", c.Queue, s.Day(c.EnteredAt))
		minute := s.k("qm", c.Queue, strconv.FormatInt(c.EnteredAt.Unix()/60, 10))
		for f, v := range ch.QueueInc {
			pipe.HIncrBy(ctx, day, f, v)
			pipe.HIncrBy(ctx, minute, f, v)
		}
		pipe.Expire(ctx, day, 8*24*time.Hour)
		pipe.Expire(ctx, minute, 3*time.Hour)
	}
	if teamAgent != "" {
		// the agent's team counters: the team is read inside the transaction, by a script
		// (issue 11: a round trip before the MULTI less per counted save)
		args := []any{s.p, s.Day(c.EnteredAt), strconv.FormatInt(c.EnteredAt.Unix()/60, 10), int64(8 * 24 * 3600), int64(3 * 3600)}
		for _, f := range sortedKeys(teamInc) {
			args = append(args, f, teamInc[f])
		}
		teamCountersScript.Eval(ctx, pipe, []string{s.k("agent", teamAgent)}, args...)
	}
	if len(ch.AgentInc) > 0 && ch.AgentID != "" {
		ak := s.k("ac", ch.AgentID, s.Day(time.Now()))
		for f, v := range ch.AgentInc {
			pipe.HIncrBy(ctx, ak, f, v)
		}
		pipe.Expire(ctx, ak, 8*24*time.Hour)
	}
	if len(ch.CampaignInc) > 0 && c.CampaignID != "" {
		s.campaignInc(ctx, pipe, c.CampaignID, ch.CampaignTeam, c.EnteredAt, ch.CampaignInc)
	}
	if evb != nil {
		pipe.XAdd(ctx, &redis.XAddArgs{Stream: s.StreamKey(), Values: []any{"e", evb}}) // trimmed by TrimStream
	}
}

// teamCountersScript adds a call's share to its agent's team's counters of the call's entry day
// and minute (tc / tm, as the queue's qc / qm), the team read from the agent (KEYS[1]) at that
// moment; no team, nothing. ARGV: prefix, day, minute, day TTL s, minute TTL s, then field, value
// pairs.
var teamCountersScript = redis.NewScript(`
local team = redis.call('HGET', KEYS[1], 'team')
if not team or team == '' then return 0 end
local day = ARGV[1] .. 'tc:' .. team .. ':' .. ARGV[2]
local minute = ARGV[1] .. 'tm:' .. team .. ':' .. ARGV[3]
for i = 6, #ARGV, 2 do
  redis.call('HINCRBY', day, ARGV[i], ARGV[i + 1])
  redis.call('HINCRBY', minute, ARGV[i], ARGV[i + 1])
end
redis.call('EXPIRE', day, ARGV[4])
redis.call('EXPIRE', minute, ARGV[5])
return 1
`)

// teamCounters are the queue counter fields a team's figures are made of (offered is not among
// them: a team's offered is its calls' outcomes, see teamShare).
var teamCounters = []string{
	CntAnswered, CntAnsweredWithinT, CntSumWaitAnswered,
	CntAbandoned, CntShortAbandoned, CntAbandonedWithinT, CntSumWaitAbandoned,
	CntFlowedOut, CntLost, CntHandled, CntSumTalk, CntSumHold, CntSumWrap,
}

// teamShare is the part of a call's queue counters that belongs to a team, and the agent whose
// team it is (TeamView says why): answered and handled go to the agent who answered; an
// unanswered outcome (abandoned, flowed out, lost) to the last agent the call rang at, or to no
// one when it never rang. The team's offered counts the call once, with its outcome: the queue's
// offered is counted on entry, before any team can be known.
func teamShare(c *callfloor.Call, qinc map[string]int64) (string, map[string]int64) {
	inc := map[string]int64{}
	for _, f := range teamCounters {
		if v := qinc[f]; v != 0 {
			inc[f] = v
		}
	}
	if len(inc) == 0 {
		return "", nil
	}
	if outcomes := inc[CntAnswered] + inc[CntAbandoned] + inc[CntFlowedOut] + inc[CntLost]; outcomes != 0 {
		inc[CntOffered] = outcomes
	}
	agent := c.Agent
	if inc[CntAnswered] == 0 && inc[CntHandled] == 0 {
		agent = ""
		if o := c.LastOffer(); o != nil {
			agent = o.Agent
		}
	}
	if agent == "" {
		return "", nil
	}
	return agent, inc
}

func waitScore(c *callfloor.Call) float64 {
	return float64(ms(c.EnteredAt)) - float64(c.Priority)*1e13
}

// Call loads a call's record.
func (s *Store) Call(ctx context.Context, id string) (*callfloor.Call, error) {
	b, err := s.rdb.Get(ctx, s.k("call", id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, callfloor.NotFound("call", id, "call %q not found", id)
	}
	if err != nil {
		return nil, err
	}
	var c callfloor.Call
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("call %s: %w", id, err)
	}
	return &c, nil
}

// LiveCalls returns the live calls on a node.
func (s *Store) LiveCalls(ctx context.Context, node string) ([]*callfloor.Call, error) {
	ids, err := s.rdb.SMembers(ctx, s.k("calls", node)).Result()
	if err != nil {
		return nil, err
	}
	out := make([]*callfloor.Call, 0, len(ids))
	for _, id := range ids {
		c, err := s.Call(ctx, id)
		if callfloor.ErrorCode(err) == callfloor.ENOTFOUND {
			s.rdb.SRem(ctx, s.k("calls", node), id)
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// WaitingCall is a call's place in a queue.
type WaitingCall struct {
	ID        string    `json:"id"`
	Position  int       `json:"position"` // 1 = next
	EnteredAt time.Time `json:"entered_at"`
}

// Waiting lists a queue's waiting calls in order.
func (s *Store) Waiting(ctx context.Context, queue string) ([]WaitingCall, error) {
	ids, err := s.rdb.ZRange(ctx, s.k("waiting", queue), 0, -1).Result()
	if err != nil {
		return nil, err
	}
	out := make([]WaitingCall, 0, len(ids))
	for i, id := range ids {
		w := WaitingCall{ID: id, Position: i + 1}
		if c, err := s.Call(ctx, id); err == nil {
			w.EnteredAt = c.EnteredAt
		}
		out = append(out, w)
	}
	return out, nil
}

// WaitingCount returns how many calls wait in a queue.
func (s *Store) WaitingCount(ctx context.Context, queue string) (int64, error) {
	return s.rdb.ZCard(ctx, s.k("waiting", queue)).Result()
}

// Counters returns a queue's raw counters for a day.
func (s *Store) Counters(ctx context.Context, queue string, day time.Time) (map[string]int64, error) {
	return s.hashInts(ctx, s.k("qc", queue, s.Day(day)))
}

// AgentCounters returns an agent's raw counters for a day.
func (s *Store) AgentCounters(ctx context.Context, agent string, day time.Time) (map[string]int64, error) {
	return s.hashInts(ctx, s.k("ac", agent, s.Day(day)))
}

// WindowCounters sums a queue's per-minute counters over the window ending at now (cohort:
// calls that entered within the window).
func (s *Store) WindowCounters(ctx context.Context, queue string, now time.Time, window time.Duration) (map[string]int64, error) {
	end := now.Unix() / 60
	start := now.Add(-window).Unix() / 60
	pipe := s.rdb.Pipeline()
	var cmds []*redis.MapStringStringCmd
	for m := start + 1; m <= end; m++ {
		cmds = append(cmds, pipe.HGetAll(ctx, s.k("qm", queue, strconv.FormatInt(m, 10))))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	out := map[string]int64{}
	for _, c := range cmds {
		for f, v := range c.Val() {
			n, _ := strconv.ParseInt(v, 10, 64)
			out[f] += n
		}
	}
	return out, nil
}

func (s *Store) hashInts(ctx context.Context, key string) (map[string]int64, error) {
	m, err := s.rdb.HGetAll(ctx, key).Result()
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(m))
	for f, v := range m {
		out[f], _ = strconv.ParseInt(v, 10, 64)
	}
	return out, nil
}

// ---- change stream ----

// ReadStream reads change-stream events after id ("0" = from the start), up to count.
func (s *Store) ReadStream(ctx context.Context, after string, count int64) ([]callfloor.Event, error) {
	res, err := s.rdb.XRangeN(ctx, s.StreamKey(), "("+after, "+", count).Result()
	if after == "0" || after == "" {
		res, err = s.rdb.XRangeN(ctx, s.StreamKey(), "-", "+", count).Result()
	}
	if err != nil {
		return nil, err
	}
	out := make([]callfloor.Event, 0, len(res))
	for _, m := range res {
		raw, _ := m.Values["e"].(string)
		var ev callfloor.Event
		if err := json.Unmarshal([]byte(raw), &ev); err != nil {
			return nil, fmt.Errorf("stream entry %s: %w", m.ID, err)
		}
		ev.ID = m.ID
		out = append(out, ev)
	}
	return out, nil
}

// StreamState is the change stream as TrimStream leaves it.
type StreamState struct {
	Length  int64 // entries in the stream
	Backlog int64 // entries the consumer group has not acknowledged: pending plus never delivered
	Trimmed int64 // entries this trim removed
	Group   bool  // the consumer group exists (before the history writer first starts it does not)
}

// TrimStream trims the change stream behind the consumer group: only entries the group has
// acknowledged may go (every entry before its oldest pending one, or before its last delivered
// one when none is pending), and of those the ones younger than keepFor stay for the readers
// that follow the stream without a group (the wallboards' hubs). Without the group nothing is
// trimmed. Other groups on the stream are respected the same way.
func (s *Store) TrimStream(ctx context.Context, group string, keepFor time.Duration, now time.Time) (StreamState, error) {
	var st StreamState
	key := s.StreamKey()
	groups, err := s.rdb.XInfoGroups(ctx, key).Result()
	if err != nil {
		if strings.Contains(err.Error(), "no such key") {
			return st, nil
		}
		return st, fmt.Errorf("change stream groups: %w", err)
	}
	minID := fmt.Sprintf("%d-0", now.Add(-keepFor).UnixMilli())
	for _, g := range groups {
		safe := g.LastDeliveredID
		if g.Pending > 0 {
			p, err := s.rdb.XPending(ctx, key, g.Name).Result()
			if err != nil {
				return st, fmt.Errorf("change stream pending of %s: %w", g.Name, err)
			}
			if p.Count > 0 && streamIDLess(p.Lower, safe) {
				safe = p.Lower
			}
		}
		if streamIDLess(safe, minID) {
			minID = safe
		}
		if g.Name != group {
			continue
		}
		st.Group = true
		lag := g.Lag
		if lag < 0 {
			// Redis cannot tell (entries deleted in the middle): count what follows the last
			// delivered id, up to a bound.
			rest, err := s.rdb.XRangeN(ctx, key, "("+g.LastDeliveredID, "+", StreamMaxLen).Result()
			if err != nil {
				return st, err
			}
			lag = int64(len(rest))
		}
		st.Backlog = lag + g.Pending
	}
	if st.Group {
		// XTRIM MINID removes the entries before minID, exactly (not "~": a small cap means it)
		n, err := s.rdb.XTrimMinID(ctx, key, minID).Result()
		if err != nil {
			return st, fmt.Errorf("trimming the change stream: %w", err)
		}
		st.Trimmed = n
	}
	if st.Length, err = s.rdb.XLen(ctx, key).Result(); err != nil {
		return st, err
	}
	if !st.Group {
		st.Backlog = st.Length
	}
	return st, nil
}

// streamIDLess compares stream ids ("ms-seq").
func streamIDLess(a, b string) bool {
	am, as, _ := strings.Cut(a, "-")
	bm, bs, _ := strings.Cut(b, "-")
	ami, _ := strconv.ParseUint(am, 10, 64)
	bmi, _ := strconv.ParseUint(bm, 10, 64)
	if ami != bmi {
		return ami < bmi
	}
	asi, _ := strconv.ParseUint(as, 10, 64)
	bsi, _ := strconv.ParseUint(bs, 10, 64)
	return asi < bsi
}
