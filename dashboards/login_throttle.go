package dashboards

// Login throttling, designed so that an attacker cannot deny the real user.
//
// Failures are counted in Redis under two keys, each a hash {n, until, prev}:
//   - the (username, client) pair: LoginPairFree failures, then each further attempt must wait
//     a delay that doubles from LoginDelayBase up to LoginDelayMax;
//   - the client: LoginClientFree failures (any usernames), then the same growing delays.
//
// An attempt reserves its place first (counted as if it failed, so parallel guesses cannot all
// slip past the check); a success deletes the pair's count and hands the client's place back.
// A key is forgotten LoginWindow after its last attempt. Nothing is counted per username alone:
// guesses at "pam" from elsewhere never delay pam's own client. Instead, LoginAlarmThreshold
// failures for one account within LoginWindow, from anywhere, raise an alarm: one audit row
// (login_alarm) and callfloor_login_alarms_total, once per window.
//
// A refused attempt (429) is audited as login_refused once per throttle key and window (an
// attack does not flood the audit log); every refusal is counted in
// callfloor_login_refused_total{scope}.

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// Login throttling.
const (
	LoginPairFree       = 3                // failures of one username from one client before delays
	LoginClientFree     = 20               // failures from one client, any usernames, before delays
	LoginDelayBase      = time.Second      // the first delay; each further failure doubles it
	LoginDelayMax       = 5 * time.Minute  // the longest delay
	LoginWindow         = 15 * time.Minute // a key is forgotten this long after its last attempt
	LoginAlarmThreshold = 10               // failures of one account in LoginWindow that raise the alarm
	// loginSlotWait is how long a login waits for a bcrypt slot while unthrottled.
	loginSlotWait = time.Second
)

// AuthMetrics are the Prometheus counters of authentication.
type AuthMetrics struct {
	Failures prometheus.Counter     // callfloor_login_failures_total
	Refused  *prometheus.CounterVec // callfloor_login_refused_total{scope}: pair, client, busy
	Alarms   prometheus.Counter     // callfloor_login_alarms_total
	DBDown   prometheus.Counter     // callfloor_auth_db_fallbacks_total
}

// NewAuthMetrics makes the counters and registers them with reg (nil: not registered).
func NewAuthMetrics(reg prometheus.Registerer) *AuthMetrics {
	m := &AuthMetrics{
		Failures: prometheus.NewCounter(prometheus.CounterOpts{Name: "callfloor_login_failures_total",
			Help: "Failed logins (wrong password, unknown or disabled user)."}),
		Refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callfloor_login_refused_total",
			Help: "Logins refused before the password check: delayed per username and client (pair), per client, or busy (too many bcrypt checks at once without Redis)."}, []string{"scope"}),
		Alarms: prometheus.NewCounter(prometheus.CounterOpts{Name: "callfloor_login_alarms_total",
			Help: "Accounts whose password was guessed at least login_alarm_threshold times in the window, from any clients."}),
		DBDown: prometheus.NewCounter(prometheus.CounterOpts{Name: "callfloor_auth_db_fallbacks_total",
			Help: "Requests authenticated from the Redis copy of their session or token because PostgreSQL did not answer."}),
	}
	if reg != nil {
		reg.MustRegister(m.Failures, m.Refused, m.Alarms, m.DBDown)
	}
	return m
}

func (a *Auth) init() {
	a.once.Do(func() {
		n := a.LoginConcurrency
		if n <= 0 {
			n = runtime.NumCPU()
		}
		a.slots = make(chan struct{}, n)
		if a.Metrics == nil {
			a.Metrics = NewAuthMetrics(nil)
		}
	})
}

// throttleReserve checks a throttle key and, if the caller may go on, counts the attempt as a
// failure. It returns {ms to wait} when refused, else {-1, until, prev} (to hand the place back).
var throttleReserve = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
local untilv = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
if now < untilv then
  return {untilv - now}
end
n = n + 1
local free = tonumber(ARGV[1])
local d = 0
if n >= free then
  d = tonumber(ARGV[2]) * math.pow(2, math.min(n - free, 40))
  if d > tonumber(ARGV[3]) then d = tonumber(ARGV[3]) end
end
local nu = now + math.floor(d)
redis.call('HSET', KEYS[1], 'n', n, 'until', nu, 'prev', untilv)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {-1, nu, untilv}
`)

// throttleRelease hands back a reserved place: one failure less and, unless another attempt
// reserved since, the delay that was in force before.
var throttleRelease = redis.NewScript(`
local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
if n <= 0 then return 0 end
redis.call('HSET', KEYS[1], 'n', n - 1)
if tonumber(redis.call('HGET', KEYS[1], 'until') or '0') == tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'until', ARGV[2])
end
return 1
`)

type throttleKey struct {
	scope string // "pair" or "client"
	key   string
	free  int
	// set by reserve, for release
	until, prev int64
}

func (a *Auth) throttleKeys(username, client string) (pair, cl *throttleKey) {
	return &throttleKey{scope: "pair", key: a.Prefix + "login:pair:" + client + ":" + strings.ToLower(username), free: LoginPairFree},
		&throttleKey{scope: "client", key: a.Prefix + "login:client:" + client, free: LoginClientFree}
}

func (a *Auth) reserveOne(ctx context.Context, k *throttleKey) (time.Duration, error) {
	base := a.LoginDelay
	if base <= 0 {
		base = LoginDelayBase
	}
	v, err := throttleReserve.Run(ctx, a.Redis, []string{k.key}, k.free, base.Milliseconds(),
		LoginDelayMax.Milliseconds(), LoginWindow.Milliseconds()).Int64Slice()
	if err != nil {
		return 0, err
	}
	if len(v) == 1 {
		return time.Duration(max(v[0], 1)) * time.Millisecond, nil
	}
	k.until, k.prev = v[1], v[2]
	return 0, nil
}

func (a *Auth) releaseOne(ctx context.Context, k *throttleKey) {
	if err := throttleRelease.Run(ctx, a.Redis, []string{k.key}, k.until, k.prev).Err(); err != nil {
		a.log().Warn("login throttle", "err", err)
	}
}

// reserve counts an attempt against the pair and the client; a refusal says which key refused
// and how long to wait. The keys are used one at a time so they may live on different cluster
// slots.
func (a *Auth) reserve(ctx context.Context, pair, client *throttleKey) (refusedBy *throttleKey, wait time.Duration, err error) {
	if wait, err = a.reserveOne(ctx, pair); err != nil || wait > 0 {
		return pair, wait, err
	}
	if wait, err = a.reserveOne(ctx, client); err != nil || wait > 0 {
		a.releaseOne(ctx, pair) // this attempt never ran
		return client, wait, err
	}
	return nil, 0, nil
}

// succeeded forgets the pair's failures and hands back the client's place. The client's
// earlier failures stay: one good account must not wash out guesses at others.
func (a *Auth) succeeded(ctx context.Context, pair, client *throttleKey) {
	if err := a.Redis.Del(ctx, pair.key).Err(); err != nil {
		a.log().Warn("login throttle", "err", err)
	}
	a.releaseOne(ctx, client)
}

// refused answers 429 and audits the refusal once per key and window.
func (a *Auth) refused(w http.ResponseWriter, r *http.Request, k *throttleKey, wait time.Duration, username, client string) error {
	secs := int((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	a.Metrics.Refused.WithLabelValues(k.scope).Inc()
	first, err := a.Redis.SetNX(r.Context(), k.key+":refused", 1, LoginWindow).Result()
	if err != nil {
		a.log().Warn("login throttle", "err", err)
	}
	if first {
		a.log().Warn("login refused: too many failures", "scope", k.scope, "username", username, "client", client, "wait", wait)
		a.audit(r, storage.AuditEntry{Actor: username, Action: "login_refused", TargetType: "user", TargetID: username, IP: client,
			Detail: map[string]any{"scope": k.scope, "retry_after_s": secs,
				"note": "first refusal for this " + k.scope + " in " + LoginWindow.String() + "; later ones are counted in callfloor_login_refused_total"}})
	}
	what := "for this username from your address"
	if k.scope == "client" {
		what = "from your address"
	}
	return &callfloor.Error{Code: callfloor.ERATELIMIT, Params: callfloor.Params{"retry_after": secs}, Message: fmt.Sprintf("too many failed logins %s: try again in %d s", what, secs)}
}

// failed counts a failed password check against the account (known users only) and raises the
// alarm once per window when it reaches LoginAlarmThreshold.
func (a *Auth) failed(r *http.Request, userID int64, username, client string) {
	a.Metrics.Failures.Inc()
	if a.Redis == nil || userID == 0 {
		return
	}
	ctx := r.Context()
	key := a.Prefix + "login:account:" + strconv.FormatInt(userID, 10)
	n, err := a.Redis.Incr(ctx, key).Result()
	if err != nil {
		a.log().Warn("login alarm", "err", err)
		return
	}
	if n == 1 {
		a.Redis.PExpire(ctx, key, LoginWindow)
	}
	if n == LoginAlarmThreshold {
		a.Metrics.Alarms.Inc()
		a.log().Warn("login alarm: an account's password is being guessed", "username", username, "user_id", userID,
			"failures", n, "window", LoginWindow, "last_client", client)
		a.audit(r, storage.AuditEntry{Actor: "system", Action: "login_alarm", TargetType: "user",
			TargetID: strconv.FormatInt(userID, 10), IP: client,
			Detail: map[string]any{"username": username, "failures": n, "window_s": int(LoginWindow / time.Second)}})
	}
}

// bcryptSlot takes one of the LoginConcurrency places for a password check while the throttle
// is down; false after loginSlotWait without one.
func (a *Auth) bcryptSlot(ctx context.Context) (release func(), ok bool) {
	t := time.NewTimer(loginSlotWait)
	defer t.Stop()
	select {
	case a.slots <- struct{}{}:
		return func() { <-a.slots }, true
	case <-t.C:
	case <-ctx.Done():
	}
	return nil, false
}
