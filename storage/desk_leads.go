package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/callfloor/callfloor"
)

// The agent's side of outbound campaigns (issue 13 item 5): a preview lead reserved by one
// agent (kept across a page reload and a restart), the lead's history for the agent's card,
// and the conversions counted once per call.

// Reservation is the preview lead an agent holds: the lead is 'dialling' under DialID until the
// agent dials it (DialledAt), skips it, or the reservation expires.
type Reservation struct {
	Agent      string     `json:"agent"`
	LeadID     int64      `json:"lead_id"`
	Campaign   string     `json:"campaign"`
	DialID     string     `json:"dial_id"`
	ReservedAt time.Time  `json:"reserved_at"`
	DialledAt  *time.Time `json:"dialled_at,omitempty"`
}

const reservationCols = `r.agent_id, r.lead_id, r.campaign_id, r.dial_id, r.reserved_at, r.dialled_at`

func scanReservation(row pgx.Row) (*Reservation, error) {
	var r Reservation
	err := row.Scan(&r.Agent, &r.LeadID, &r.Campaign, &r.DialID, &r.ReservedAt, &r.DialledAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// Reservation returns the agent's reserved lead (nil: none). A reservation whose lead is no
// longer dialling under its dial id (given back by a step interrupted half-way) is dropped.
func (db *DB) Reservation(ctx context.Context, agent string) (*Reservation, error) {
	r, err := scanReservation(db.Pool.QueryRow(ctx, `SELECT `+reservationCols+` FROM desk_reservations r
		JOIN leads l ON l.id = r.lead_id AND l.status = 'dialling' AND l.dial_id = r.dial_id WHERE r.agent_id = $1`, agent))
	if err != nil || r != nil {
		return r, err
	}
	_, err = db.Pool.Exec(ctx, `DELETE FROM desk_reservations WHERE agent_id = $1`, agent)
	return nil, err
}

// ReserveLead gives the agent the next lead of the campaigns (preview): the agent's own
// call-backs first, then shared call-backs, then the longest due, never another agent's personal
// call-back, a paused list's lead, a number on the do-not-call list or, where the campaign asks
// for it, one without consent. The lead is marked dialling under dialID(), like ClaimLeads does
// for the dialler, so nobody else takes it. An agent holds one lead at a time: when they hold one
// already, that one is returned (existing true). No lead due: nil.
func (db *DB) ReserveLead(ctx context.Context, agent string, campaigns []string, now time.Time, dialID func() string) (res *Reservation, existing bool, err error) {
	return db.ReserveLeadCapped(ctx, agent, campaigns, now, dialID, LeadCap{})
}

// ReserveLeadCapped is ReserveLead under a frequency cap: a lead whose number is at the cap is
// put off to when the cap frees it (LeadCap) and the next one chosen.
func (db *DB) ReserveLeadCapped(ctx context.Context, agent string, campaigns []string, now time.Time, dialID func() string, lc LeadCap) (res *Reservation, existing bool, err error) {
	err = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('desk-reserve:' || $1))`, agent); err != nil {
			return err
		}
		cur, err := scanReservation(tx.QueryRow(ctx, `SELECT `+reservationCols+` FROM desk_reservations r
			JOIN leads l ON l.id = r.lead_id AND l.status = 'dialling' AND l.dial_id = r.dial_id WHERE r.agent_id = $1`, agent))
		if err != nil {
			return err
		}
		if cur != nil {
			res, existing = cur, true
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM desk_reservations WHERE agent_id = $1`, agent); err != nil {
			return err
		}
		var leadID int64
		var campaign string
		for range 4 * capRounds {
			var cc capCandidate
			err = tx.QueryRow(ctx, `SELECT l.id, l.campaign_id, l.phone, coalesce(l.time_zone, ''), coalesce(c.rules->>'time_zone', '') FROM leads l
			JOIN campaign_lists cl ON cl.id = l.list_id AND cl.status = 'active'
			JOIN campaigns c ON c.id = l.campaign_id
			WHERE l.campaign_id = ANY($1) AND l.status IN ('new', 'scheduled', 'callback')
			  AND coalesce(l.callback_at, l.next_attempt_at, '-infinity') <= $2
			  AND (l.status <> 'callback' OR l.owner IS NULL OR l.owner = $3)
			  AND NOT EXISTS (SELECT 1 FROM dnc d WHERE d.phone = l.phone AND d.campaign_id IN ('', l.campaign_id))
			  AND (NOT coalesce((c.rules->>'require_consent')::boolean, false) OR EXISTS (SELECT 1 FROM consents s
			        WHERE s.phone = l.phone AND s.campaign_id IN ('', l.campaign_id) AND (s.expires_at IS NULL OR s.expires_at > $2)))
			ORDER BY (l.status = 'callback' AND l.owner IS NOT DISTINCT FROM $3) DESC, (l.callback_at IS NULL),
			  coalesce(l.callback_at, l.next_attempt_at, '-infinity'), l.id
			LIMIT 1 FOR UPDATE OF l SKIP LOCKED`, campaigns, now, agent).Scan(&cc.id, &campaign, &cc.phone, &cc.zone, &cc.campTZ)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			} else if err != nil {
				return err
			}
			ok, err := putOffCapped(ctx, tx, lc, []capCandidate{cc}, now)
			if err != nil {
				return err
			}
			if len(ok) == 1 {
				leadID = cc.id
				break
			}
		}
		if leadID == 0 {
			return nil // every lead looked at was capped (and put off): none now
		}
		r := Reservation{Agent: agent, LeadID: leadID, Campaign: campaign, DialID: dialID(), ReservedAt: now}
		if _, err := tx.Exec(ctx, `UPDATE leads SET status = 'dialling', dial_id = $2, dialling_since = $3 WHERE id = $1`, leadID, r.DialID, now); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO desk_reservations (agent_id, lead_id, campaign_id, dial_id, reserved_at) VALUES ($1, $2, $3, $4, $5)`,
			agent, leadID, campaign, r.DialID, now)
		res = &r
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("reserve a lead for %s: %w", agent, err)
	}
	return res, existing, nil
}

// MarkDialled records that the reservation's dial was placed.
func (db *DB) MarkDialled(ctx context.Context, agent, dialID string, at time.Time) error {
	_, err := db.Pool.Exec(ctx, `UPDATE desk_reservations SET dialled_at = $3 WHERE agent_id = $1 AND dial_id = $2`, agent, dialID, at)
	return err
}

// RenewDial gives a reservation whose dial never reached the customer (the agent's own phone
// did not answer) a fresh dial id, so the agent can dial the same lead again.
func (db *DB) RenewDial(ctx context.Context, agent, oldDial, newDial string) error {
	return pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE desk_reservations SET dial_id = $3, dialled_at = NULL WHERE agent_id = $1 AND dial_id = $2`, agent, oldDial, newDial)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE leads SET dial_id = $2 WHERE dial_id = $1 AND status = 'dialling'`, oldDial, newDial)
		return err
	})
}

// ReleaseReservation gives the reserved lead back (a skip, an expired or refused reservation):
// due again at at, no attempt recorded.
func (db *DB) ReleaseReservation(ctx context.Context, r Reservation, at time.Time) error {
	if err := db.Reschedule(ctx, r.LeadID, r.DialID, at); err != nil {
		return err
	}
	return db.EndReservation(ctx, r.Agent, r.DialID)
}

// EndReservation drops the reservation once its attempt is recorded (the lead went on by the
// campaign's rules).
func (db *DB) EndReservation(ctx context.Context, agent, dialID string) error {
	_, err := db.Pool.Exec(ctx, `DELETE FROM desk_reservations WHERE agent_id = $1 AND dial_id = $2`, agent, dialID)
	return err
}

// ExpireReservations gives back every reservation not dialled since before (due again at
// now); it returns how many.
func (db *DB) ExpireReservations(ctx context.Context, before, now time.Time) (int, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+reservationCols+` FROM desk_reservations r WHERE r.dialled_at IS NULL AND r.reserved_at < $1`, before)
	if err != nil {
		return 0, err
	}
	old, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Reservation, error) {
		r, err := scanReservation(row)
		return *r, err
	})
	if err != nil {
		return 0, err
	}
	for _, r := range old {
		if err := db.ReleaseReservation(ctx, r, now); err != nil {
			return 0, err
		}
	}
	return len(old), nil
}

// LeadByID reads one lead (the agent's card; GetLead reads one of a campaign's with its attempts).
func (db *DB) LeadByID(ctx context.Context, id int64) (Lead, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+leadCols+` FROM leads WHERE id = $1`, id)
	if err != nil {
		return Lead{}, err
	}
	l, err := pgx.CollectExactlyOneRow(rows, scanLead)
	if errors.Is(err, pgx.ErrNoRows) {
		return l, callfloor.NotFound("lead", fmt.Sprint(id), "no lead %d", id)
	}
	return l, err
}

// LeadCardAttempt is one earlier attempt at a lead as the agent's card shows it, with the note
// the agent left on its call.
type LeadCardAttempt struct {
	At          time.Time `json:"at"`
	Result      string    `json:"result"`
	Disposition string    `json:"disposition,omitempty"`
	Agent       string    `json:"agent,omitempty"`
	CallID      string    `json:"call_id"`
	RingMs      *int64    `json:"ring_ms,omitempty"`
	Note        string    `json:"note,omitempty"`
}

// LeadHistory lists a lead's attempts, newest first (at most 50).
func (db *DB) LeadHistory(ctx context.Context, leadID int64) ([]LeadCardAttempt, error) {
	rows, err := db.Pool.Query(ctx, `SELECT a.at, a.result, coalesce(a.disposition, ''), coalesce(a.agent_id, ''),
		coalesce(a.call_id, a.dial_id), a.ring_ms::bigint, coalesce(d.note, '')
		FROM lead_attempts a LEFT JOIN call_dispositions d ON d.call_id = coalesce(a.call_id, a.dial_id)
		WHERE a.lead_id = $1 ORDER BY a.at DESC, a.id DESC LIMIT 50`, leadID)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[LeadCardAttempt])
	if out == nil {
		out = []LeadCardAttempt{}
	}
	return out, err
}

// LeadOfDial finds the lead a dial id (a campaign call's id) belongs to: the lead dialling under
// it, or the lead with an attempt under it.
func (db *DB) LeadOfDial(ctx context.Context, dialID string) (Lead, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+leadCols+` FROM leads WHERE id = (
		SELECT id FROM leads WHERE dial_id = $1 AND status = 'dialling'
		UNION ALL SELECT lead_id FROM lead_attempts WHERE dial_id = $1 LIMIT 1)`, dialID)
	if err != nil {
		return Lead{}, err
	}
	l, err := pgx.CollectExactlyOneRow(rows, scanLead)
	if errors.Is(err, pgx.ErrNoRows) {
		return l, callfloor.NotFound("lead", dialID, "no lead dialled as %q", dialID)
	}
	return l, err
}

// ShareCallback makes a lead's promised call-back a shared one (any agent of the campaign may
// take it): RecordAttempt leaves the lead with the agent who gave the disposition.
func (db *DB) ShareCallback(ctx context.Context, leadID int64) error {
	_, err := db.Pool.Exec(ctx, `UPDATE leads SET owner = NULL WHERE id = $1 AND status = 'callback'`, leadID)
	return err
}

// CountConversion says how a call's saved disposition moves the campaign's conversions: +1 the
// first time it is a success, -1 when a counted success changes to something else, else 0.
func (db *DB) CountConversion(ctx context.Context, callID, campaign string, success bool) (int64, error) {
	var q string
	var args []any
	if success {
		q, args = `INSERT INTO desk_conversions (call_id, campaign_id) VALUES ($1, $2) ON CONFLICT (call_id) DO NOTHING`, []any{callID, campaign}
	} else {
		q, args = `DELETE FROM desk_conversions WHERE call_id = $1`, []any{callID}
	}
	tag, err := db.Pool.Exec(ctx, q, args...)
	if err != nil || tag.RowsAffected() == 0 {
		return 0, err
	}
	if success {
		return 1, nil
	}
	return -1, nil
}
