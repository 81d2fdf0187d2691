package dashboards

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
)

// LiveAllowed is the scope of live views: queue tiles (counts only) for everyone; one agent's
// view for whoever may see that agent; a team for its team lead and for those who see everyone;
// the whole floor (every agent's figures) for those who see everyone. A project manager sees
// the queues, teams and agents of their projects; their floor view holds only those.
func LiveAllowed(acd ACD) func(p callfloor.Principal, v realtime.View) error {
	return func(p callfloor.Principal, v realtime.View) error {
		switch v.Kind {
		case "queues":
			for _, q := range v.Queues { // a project manager: their projects' queues (the list is filtered)
				if !p.CanSeeQueue(q) {
					return forbidden("queue %q is outside what %s %q may see", q, p.Role, p.Username)
				}
			}
			return nil
		case "agent":
			team := ""
			for _, a := range acd.Agents() {
				if a.ID == v.Agent {
					team = a.Team
				}
			}
			if !p.CanSeeAgent(v.Agent, team) {
				return forbidden("agent %q is outside what %s %q may see", v.Agent, p.Role, p.Username)
			}
			return nil
		case "team":
			if p.CanSeeTeam(v.Team) { // those who see all; a team lead their team; a project manager their projects' teams
				return nil
			}
			return forbidden("team %q is outside what %s %q may see", v.Team, p.Role, p.Username)
		case "floor":
			if p.CanSeeAll() || p.Scoped() { // a project manager's floor holds their projects only (the hub's scope)
				return nil
			}
			return forbidden("the whole floor is for QA, supervisors and managers; subscribe to your team or queues")
		}
		return invalid("view.kind", "must be queues, agent, team or floor").With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{"queues", "agent", "team", "floor"}})
	}
}

// MountLive serves the live WebSocket (snapshot, then deltas) at /api/v1/ws, authenticated like
// the rest of the API. The time the request arrived is kept for LiveCredential: a revocation
// after it closes the connection even if it registers later.
func (a *API) MountLive(mux Mux, hub http.Handler) {
	auth := a.Auth.Middleware(hub)
	mux.Handle("GET /api/v1/ws", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), liveAtKey{}, time.Now())))
	}))
}

type liveAtKey struct{}

// CredentialID names a session secret or API token in revocations without revealing it.
func CredentialID(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// LiveCredential is the hub's Credential (realtime.HubOptions.Credential): who opened the
// socket, which session or token, and how to check it again later (the request's credentials
// through the same middleware, so whatever authenticates a request decides).
func (a *API) LiveCredential(r *http.Request) (realtime.Credential, bool) {
	ai, ok := r.Context().Value(authKey{}).(authInfo)
	if !ok {
		return realtime.Credential{}, false
	}
	at, _ := r.Context().Value(liveAtKey{}).(time.Time)
	c := realtime.Credential{Principal: ai.p, At: at}
	if ai.session != "" {
		c.ID = CredentialID(ai.session)
	} else if _, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok {
		c.ID, c.Token = CredentialID(strings.TrimSpace(tok)), true
	}
	// Only what authenticates a request is kept: the credentials and where they come from.
	hdr := http.Header{}
	for _, k := range []string{"Authorization", "Cookie", "X-Forwarded-For", "User-Agent"} {
		if v := r.Header.Values(k); len(v) > 0 {
			hdr[k] = v
		}
	}
	remote, host, uri := r.RemoteAddr, r.Host, r.URL.RequestURI()
	c.Check = func(ctx context.Context) (callfloor.Principal, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
		if err != nil {
			return callfloor.Principal{}, err
		}
		req.Header, req.RemoteAddr, req.Host = hdr.Clone(), remote, host
		p, err := a.Auth.Authenticate(req)
		switch {
		case err == nil:
			return p, nil
		case callfloor.ErrorCode(err) == callfloor.EUNAUTH:
			return callfloor.Principal{}, &callfloor.Error{Code: callfloor.EUNAUTH, Message: "credential no longer valid"}
		}
		return callfloor.Principal{}, fmt.Errorf("re-checking a live connection: %w", dbUnavailable(err))
	}
	return c, true
}

// revoke hands a revocation to OnRevoke (the live hub), if set. Call it after the change is
// committed, so that a reconnect sees the new state.
func (a *Auth) revoke(ctx context.Context, rv realtime.Revocation) {
	if a != nil && a.OnRevoke != nil {
		a.OnRevoke(ctx, rv)
	}
}

// userChanged drops, on every node, what a committed user change made stale. Its cached
// credentials: all of them when its sessions ended (disabled, a new password) or its principal
// changed (role, team, agent link; the next check copies the new one). Its live sockets:
// disabled closes them for good, another role, team or agent closes them for a re-scoped
// reconnect, a new password ends their sessions.
func (a *Auth) userChanged(ctx context.Context, c storage.UserChange) {
	id, before, after := c.After.ID, c.Before, c.After
	switch {
	case c.SessionsEnded:
		a.revokeUserSessions(ctx, id, "user_updated")
	case c.Changed():
		a.forgetUser(ctx, id, func(string) bool { return true })
	}
	switch {
	case after.Disabled && !before.Disabled:
		a.revoke(ctx, realtime.Revocation{UserID: id, Reason: realtime.RevokeUserDisabled})
	case after.Role != before.Role || after.TeamID != before.TeamID || after.AgentID != before.AgentID:
		a.revoke(ctx, realtime.Revocation{UserID: id, Reason: realtime.RevokeRoleChanged})
	}
	if c.PasswordChanged && !after.Disabled {
		a.revoke(ctx, realtime.Revocation{UserID: id, Reason: realtime.RevokeSession})
	}
}

// userDeleted drops, on every node, the deleted user's cached credentials and live sockets.
func (a *Auth) userDeleted(ctx context.Context, id int64) {
	a.revokeUserSessions(ctx, id, "user_deleted")
	a.revoke(ctx, realtime.Revocation{UserID: id, Reason: realtime.RevokeUserDeleted})
}
