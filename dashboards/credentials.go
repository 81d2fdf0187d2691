package dashboards

// Credentials without PostgreSQL.
//
// PostgreSQL is the authority on sessions and API tokens: while it answers, every request is
// checked there. Each credential it finds valid is also copied to Redis (at most once per copyEvery
// per node): <prefix>auth:s:<sha256 hex> for a session, expiring with it; <prefix>auth:t:<sha256 hex>
// for a token, expiring copyTTL after its last use; and the user's index <prefix>auth:u:<id>, a
// hash from each copy's key to what it is ("s", or "t:<token id>"). The copies hold the
// principal only, never the secret.
//
// When PostgreSQL does not answer (or did not a moment ago: pgBreak), the copy decides, so the
// floor goes on: pause, unpause, click-to-call, hold, wallboards. A credential without a copy
// gets 503 (not 401: it may well be valid). Revocation deletes the copies at once, so a revoked
// session dies on every node, outage or not:
//   - endSession: logout (also while PostgreSQL is down: a tombstone then ends it there later);
//   - tokenRevoked: DELETE /tokens/{id};
//   - userChanged: user disabled, given a new password, or another role, team or agent link (the
//     next check copies the new principal);
//   - userDeleted.
// Each also ends the live WebSockets tied to what it revokes (Auth.OnRevoke, the live hub).
//
// A PostgreSQL answer that a credential is invalid deletes its copy as well, so a copy that
// survived a revocation (Redis down at that moment) dies at its next use while PostgreSQL
// answers; and WatchUsers drops the copies of users changed behind the API's back (the CLI's
// `user disable` and `user passwd`) within WatchUsersEvery.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
)

const (
	copyEvery   = 10 * time.Second // how often a node rewrites a credential's copy (another node may have dropped it)
	copyTTL     = 12 * time.Hour   // how long a token's copy lives after its last use
	pgCheckWait = 2 * time.Second  // the longest a credential check waits for PostgreSQL
	pgBreak     = 2 * time.Second  // after PostgreSQL failed to answer, go straight to the copies
	redisWait   = 1 * time.Second  // the longest a copy lookup waits for Redis
	tombstoneOf = 24 * time.Hour   // the least a logout's tombstone is kept (and never less than the session TTL)
)

// errAuthUnavailable: PostgreSQL does not answer and the credential has no copy.
var errAuthUnavailable = &callfloor.Error{Code: callfloor.EUNAVAILABLE,
	Message: "the database (PostgreSQL) is unavailable and this login is not known without it: try again shortly"}

// errDBUnavailable is what a request that needs PostgreSQL gets while it does not answer.
var errDBUnavailable = &callfloor.Error{Code: callfloor.EUNAVAILABLE,
	Message: "the database (PostgreSQL) is unavailable: this needs it, try again shortly; live floor actions (pause, unpause, calls, wallboards) still work"}

// dbUnavailable turns an error saying PostgreSQL does not answer into errDBUnavailable (503).
func dbUnavailable(err error) error {
	if callfloor.ErrorCode(err) == callfloor.EINTERNAL && storage.IsUnavailable(err) {
		return errDBUnavailable
	}
	return err
}

type credCopy struct {
	P       callfloor.Principal `json:"p"`
	TokenID int64               `json:"tid,omitempty"`
}

func secretHash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

func (a *Auth) credKey(kind, hash string) string { return a.Prefix + "auth:" + kind + ":" + hash }
func (a *Auth) userCredsKey(id int64) string {
	return a.Prefix + "auth:u:" + strconv.FormatInt(id, 10)
}

func (a *Auth) pgDown() bool { return time.Now().UnixNano() < a.pgDownUntil.Load() }

// checkSession is the session's principal: from PostgreSQL, else from its copy.
func (a *Auth) checkSession(ctx context.Context, secret string) (callfloor.Principal, error) {
	h := secretHash(secret)
	key := a.credKey("s", h)
	var p callfloor.Principal
	var exp time.Time
	if answered, err := a.askDB(ctx, key, func(qctx context.Context) (err error) {
		p, exp, err = a.DB.SessionInfo(qctx, secret)
		return err
	}); answered {
		if err != nil {
			return callfloor.Principal{}, err
		}
		if a.tombstoned(ctx, h) { // logged out while PostgreSQL was down
			_ = a.DB.DeleteSession(ctx, secret)
			a.forget(ctx, p.UserID, key)
			return callfloor.Principal{}, errUnauthSession
		}
		a.remember(ctx, key, "s", credCopy{P: p}, time.Until(exp))
		return p, nil
	}
	c, ok := a.recall(ctx, key)
	if !ok {
		if a.tombstoned(ctx, h) {
			return callfloor.Principal{}, errUnauthSession
		}
		return callfloor.Principal{}, errAuthUnavailable
	}
	return c.P, nil
}

var errUnauthSession = &callfloor.Error{Code: callfloor.EUNAUTH, Message: "no valid session: log in again"}

// checkToken is the API token's principal: from PostgreSQL, else from its copy.
func (a *Auth) checkToken(ctx context.Context, tok string) (callfloor.Principal, error) {
	key := a.credKey("t", secretHash(tok))
	var p callfloor.Principal
	var id int64
	if answered, err := a.askDB(ctx, key, func(qctx context.Context) (err error) {
		p, id, err = a.DB.TokenInfo(qctx, tok)
		return err
	}); answered {
		if err != nil {
			return callfloor.Principal{}, err
		}
		a.remember(ctx, key, "t:"+strconv.FormatInt(id, 10), credCopy{P: p, TokenID: id}, copyTTL)
		return p, nil
	}
	c, ok := a.recall(ctx, key)
	if !ok {
		return callfloor.Principal{}, errAuthUnavailable
	}
	return c.P, nil
}

// askDB runs a credential's PostgreSQL lookup (unless PostgreSQL failed a moment ago), at most
// pgCheckWait. answered is false when PostgreSQL did not answer: the copy under key decides then.
// An answer that the credential is invalid deletes that copy.
func (a *Auth) askDB(ctx context.Context, key string, lookup func(context.Context) error) (answered bool, err error) {
	if a.pgDown() {
		return false, nil
	}
	qctx, cancel := context.WithTimeout(ctx, pgCheckWait)
	err = lookup(qctx)
	cancel()
	if err != nil && storage.IsUnavailable(err) && ctx.Err() == nil {
		a.dbFailed(err)
		return false, nil
	}
	if callfloor.ErrorCode(err) == callfloor.EUNAUTH {
		a.forget(ctx, 0, key)
	}
	return true, err
}

func (a *Auth) dbFailed(err error) {
	a.pgDownUntil.Store(time.Now().Add(pgBreak).UnixNano())
	a.log().Warn("PostgreSQL does not answer: checking sessions and tokens against their Redis copies", "err", err)
}

// remember writes the copy of a credential PostgreSQL just found valid (at most once per
// copyEvery per node) and indexes it under its user.
func (a *Auth) remember(ctx context.Context, key, kind string, c credCopy, ttl time.Duration) {
	if a.Redis == nil || ttl <= 0 {
		return
	}
	now := time.Now()
	if t, ok := a.copied.Load(key); ok && now.Sub(t.(time.Time)) < copyEvery {
		return
	}
	b, err := json.Marshal(c)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), redisWait)
	defer cancel()
	uk := a.userCredsKey(c.P.UserID)
	pipe := a.Redis.TxPipeline()
	pipe.Set(ctx, key, b, ttl)
	pipe.HSet(ctx, uk, key, kind)
	pipe.PExpire(ctx, uk, max(ttl, a.ttl(), copyTTL)+time.Minute)
	if _, err := pipe.Exec(ctx); err != nil {
		a.log().Warn("session copy not written to Redis", "err", err)
		return
	}
	a.copied.Store(key, now)
}

// recall reads a credential's copy.
func (a *Auth) recall(ctx context.Context, key string) (credCopy, bool) {
	if a.Redis == nil {
		return credCopy{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, redisWait)
	defer cancel()
	b, err := a.Redis.Get(ctx, key).Bytes()
	if err != nil {
		return credCopy{}, false
	}
	var c credCopy
	if json.Unmarshal(b, &c) != nil || c.P.UserID == 0 {
		return credCopy{}, false
	}
	a.Metrics.DBDown.Inc()
	return c, true
}

// forget deletes copies (and their index entries when userID is known).
func (a *Auth) forget(ctx context.Context, userID int64, keys ...string) {
	for _, k := range keys {
		a.copied.Delete(k)
	}
	if a.Redis == nil || len(keys) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), redisWait)
	defer cancel()
	pipe := a.Redis.TxPipeline()
	pipe.Del(ctx, keys...)
	if userID != 0 {
		pipe.HDel(ctx, a.userCredsKey(userID), keys...)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		a.log().Error("credential copies not deleted from Redis: they die at their next check while PostgreSQL answers", "err", err)
	}
}

// forgetUser deletes the copies of the user's credentials whose kind passes keep == false.
func (a *Auth) forgetUser(ctx context.Context, userID int64, drop func(kind string) bool) {
	if a.Redis == nil {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), redisWait)
	all, err := a.Redis.HGetAll(rctx, a.userCredsKey(userID)).Result()
	cancel()
	if err != nil {
		a.log().Error("credential copies not deleted from Redis: they die at their next check while PostgreSQL answers", "user_id", userID, "err", err)
		return
	}
	var keys []string
	for k, kind := range all {
		if drop(kind) {
			keys = append(keys, k)
		}
	}
	a.forget(ctx, userID, keys...)
}

func (a *Auth) tombstoneKey(hash string) string { return a.Prefix + "auth:gone:" + hash }

// tombstoned reports whether the session was ended while PostgreSQL was down.
func (a *Auth) tombstoned(ctx context.Context, hash string) bool {
	if a.Redis == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, redisWait)
	defer cancel()
	n, err := a.Redis.Exists(ctx, a.tombstoneKey(hash)).Result()
	return err == nil && n > 0
}

// endSession ends one browser session (logout) everywhere, its live sockets with it. Without
// PostgreSQL the copy is deleted and a tombstone ends the database's row at its next use.
func (a *Auth) endSession(ctx context.Context, secret string, p callfloor.Principal) error {
	h := secretHash(secret)
	a.forget(ctx, p.UserID, a.credKey("s", h))
	err := a.DB.DeleteSession(ctx, secret)
	if err != nil && storage.IsUnavailable(err) && a.Redis != nil {
		tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), redisWait)
		defer cancel()
		if terr := a.Redis.Set(tctx, a.tombstoneKey(h), 1, max(a.ttl(), tombstoneOf)).Err(); terr != nil {
			return errors.Join(err, terr)
		}
		a.log().Warn("logout while PostgreSQL is down: the session ends now on every node, its row at its next use", "user_id", p.UserID)
		err = nil
	}
	if err == nil {
		a.revoke(ctx, realtime.Revocation{UserID: p.UserID, Session: CredentialID(secret), Reason: realtime.RevokeLogout})
	}
	return err
}

// tokenRevoked deletes the copies of a revoked API token and closes the user's token sockets.
func (a *Auth) tokenRevoked(ctx context.Context, userID, tokenID int64) {
	kind := "t:" + strconv.FormatInt(tokenID, 10)
	a.forgetUser(ctx, userID, func(k string) bool { return k == kind })
	a.revoke(ctx, realtime.Revocation{UserID: userID, Tokens: true, Reason: realtime.RevokeToken})
}

// WatchUsersEvery is how often WatchUsers looks for users changed outside this API.
const WatchUsersEvery = 5 * time.Second

// watchMargin covers transactions that committed after a poll with an updated_at before it.
const watchMargin = 30 * time.Second

// WatchUsers drops, every interval until ctx ends, the cached credentials of users changed in
// PostgreSQL by anyone (the CLI disabling a user or setting a password; other nodes' API
// changes, already dropped, do no harm). Run it once per node.
func (a *Auth) WatchUsers(ctx context.Context, interval time.Duration) {
	a.init()
	w := &userWatch{seen: map[int64]time.Time{}}
	a.pollUsers(ctx, w)
	a.watchUsers(ctx, w, interval)
}

type userWatch struct {
	since time.Time
	seen  map[int64]time.Time // user → the change already acted on
}

func (a *Auth) watchUsers(ctx context.Context, w *userWatch, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		a.pollUsers(ctx, w)
	}
}

// pollUsers drops the copies of users changed since the last poll; the first poll only learns
// where things stand.
func (a *Auth) pollUsers(ctx context.Context, w *userWatch) {
	qctx, cancel := context.WithTimeout(ctx, pgCheckWait)
	changed, now, err := a.DB.UsersChangedSince(qctx, w.since.Add(-watchMargin))
	cancel()
	if err != nil {
		if ctx.Err() == nil {
			a.log().Debug("watching user changes", "err", err)
		}
		return
	}
	for id, at := range changed {
		if !w.since.IsZero() && !w.seen[id].Equal(at) {
			a.forgetUser(ctx, id, func(string) bool { return true })
		}
		w.seen[id] = at
	}
	for id, at := range w.seen {
		if at.Before(now.Add(-2 * watchMargin)) {
			delete(w.seen, id)
		}
	}
	w.since = now
}

// revokeUserSessions is called when every session of the user has ended (disabled, deleted, new
// password): their cached credentials go too, on every node.
func (a *Auth) revokeUserSessions(ctx context.Context, userID int64, why string) {
	a.forgetUser(ctx, userID, func(string) bool { return true })
	a.log().Info("user's sessions revoked", "user_id", userID, "why", why)
}
