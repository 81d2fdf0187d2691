package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/callfloor/callfloor"
)

// DefaultSessionCloseMargin is how long after its shift's end a session still open is closed
// (acd.session_close_margin).
const DefaultSessionCloseMargin = callfloor.DefaultSessionCloseMargin

// OverdueSession is a login session still open after its shift's end plus the margin.
type OverdueSession struct {
	Agent    string
	LoginAt  time.Time
	Shift    string    // the shift's code
	ShiftEnd time.Time // the end of the shift the session belongs to
}

// OverdueSessions lists the open sessions (agent_sessions without logout) that belong to a
// published shift — logged in from AttendanceMargin before its start to margin after its end —
// and are still open at now, margin after that shift's end. A session begun outside any shift
// (overtime on a day off, or after the margin) belongs to none and is left alone.
func (db *DB) OverdueSessions(ctx context.Context, now time.Time, margin time.Duration, loc *time.Location) ([]OverdueSession, error) {
	if loc == nil {
		loc = time.UTC
	}
	if margin <= 0 {
		margin = DefaultSessionCloseMargin
	}
	// the open sessions of the last days with the published shifts of their login's day and the
	// day before (a night shift)
	rows, err := db.Pool.Query(ctx, `
SELECT s.agent_id, s.login_at, coalesce(r.day::text, ''), coalesce(r.published_code, '')
FROM agent_sessions s
LEFT JOIN roster_days r ON r.agent_id = s.agent_id AND r.published AND r.published_code IS NOT NULL
  AND r.day BETWEEN (s.login_at AT TIME ZONE $2)::date - 1 AND (s.login_at AT TIME ZONE $2)::date
WHERE s.logout_at IS NULL AND s.login_at > $1::timestamptz - interval '3 days' AND s.login_at <= $1
ORDER BY s.agent_id, s.login_at, r.day`, now, loc.String())
	if err != nil {
		return nil, fmt.Errorf("overdue sessions: %w", err)
	}
	type cand struct {
		agent     string
		login     time.Time
		day, code string
	}
	var cands []cand
	for rows.Next() {
		var c cand
		if err := rows.Scan(&c.agent, &c.login, &c.day, &c.code); err != nil {
			rows.Close()
			return nil, fmt.Errorf("overdue sessions: %w", err)
		}
		cands = append(cands, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("overdue sessions: %w", err)
	}
	if len(cands) == 0 {
		return nil, nil
	}
	shifts, err := db.Shifts(ctx)
	if err != nil {
		return nil, err
	}
	// per session, the latest shift it belongs to
	type key struct {
		agent string
		login time.Time
	}
	best := map[key]OverdueSession{}
	var order []key
	for _, c := range cands {
		k := key{c.agent, c.login}
		s, ok := shifts[c.code]
		if c.code == "" || !ok {
			continue
		}
		on, err := s.On(c.day, loc)
		if err != nil {
			return nil, fmt.Errorf("overdue sessions: shift %s on %s: %w", c.code, c.day, err)
		}
		if c.login.Before(on.Span.Start.Add(-AttendanceMargin)) || !c.login.Before(on.Span.End.Add(margin)) {
			continue
		}
		if old, seen := best[k]; !seen || on.Span.End.After(old.ShiftEnd) {
			if !seen {
				order = append(order, k)
			}
			best[k] = OverdueSession{Agent: c.agent, LoginAt: c.login, Shift: c.code, ShiftEnd: on.Span.End}
		}
	}
	var out []OverdueSession
	for _, k := range order {
		if o := best[k]; !now.Before(o.ShiftEnd.Add(margin)) {
			out = append(out, o)
		}
	}
	return out, nil
}

// OverdueAgents is OverdueSessions' agents (telephony.ShiftSessions: the ACD logs them out).
func (db *DB) OverdueAgents(ctx context.Context, now time.Time, margin time.Duration, loc *time.Location) ([]string, error) {
	list, err := db.OverdueSessions(ctx, now, margin, loc)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, o := range list {
		if len(out) == 0 || out[len(out)-1] != o.Agent {
			out = append(out, o.Agent)
		}
	}
	return out, nil
}
