package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/callfloor/callfloor"
)

// Campaign lists (issue 13): a campaign's lists with their lead counts, pausing and recycling a
// list, exporting its leads, a lead's attempts, removing a number from the do-not-call list,
// consent evidence and a number's contact history across campaigns.

// ListStatuses: a paused list's leads are never handed to the dialler.
var ListStatuses = []string{"active", "paused"}

// CampaignList is one imported list with its leads counted by status.
type CampaignList struct {
	ID           int64          `json:"id"`
	Campaign     string         `json:"campaign"`
	Name         string         `json:"name"`
	Source       string         `json:"source"`
	Status       string         `json:"status"`
	ImportedBy   string         `json:"imported_by"`
	ImportedAt   time.Time      `json:"imported_at"`
	RowsTotal    int            `json:"rows_total"`
	RowsLoaded   int            `json:"rows_loaded"`
	RowsRejected int            `json:"rows_rejected"`
	Leads        map[string]int `json:"leads"`       // by lead status
	DialsToday   int            `json:"dials_today"` // attempts at its leads since the start of the day asked for
	Rejects      []ImportReject `json:"rejects,omitempty"`
}

// CampaignLists lists a campaign's lists, newest first, with lead counts and the attempts
// since since (the start of today).
func (db *DB) CampaignLists(ctx context.Context, campaignID string, since time.Time) ([]CampaignList, error) {
	return db.campaignLists(ctx, campaignID, 0, since)
}

// GetCampaignList reads one list of a campaign with its rejected rows.
func (db *DB) GetCampaignList(ctx context.Context, campaignID string, listID int64, since time.Time) (CampaignList, error) {
	out, err := db.campaignLists(ctx, campaignID, listID, since)
	if err != nil {
		return CampaignList{}, err
	}
	if len(out) == 0 {
		return CampaignList{}, callfloor.NotFound("list", fmt.Sprint(listID), "campaign %s has no list %d", campaignID, listID)
	}
	return out[0], nil
}

func (db *DB) campaignLists(ctx context.Context, campaignID string, listID int64, since time.Time) ([]CampaignList, error) {
	rows, err := db.Pool.Query(ctx, `SELECT cl.id, cl.campaign_id, cl.name, cl.source, cl.status, cl.imported_by, cl.imported_at,
		cl.rows_total, cl.rows_loaded, cl.rows_rejected, CASE WHEN $2 = 0 THEN '[]'::jsonb ELSE cl.rejects END,
		coalesce((SELECT jsonb_object_agg(status, n) FROM (SELECT status, count(*) AS n FROM leads l WHERE l.list_id = cl.id GROUP BY status) s), '{}'),
		(SELECT count(*) FROM lead_attempts la JOIN leads l ON l.id = la.lead_id WHERE l.list_id = cl.id AND la.at >= $3)
		FROM campaign_lists cl WHERE cl.campaign_id = $1 AND ($2 = 0 OR cl.id = $2) ORDER BY cl.imported_at DESC, cl.id DESC`, campaignID, listID, since)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CampaignList, error) {
		var l CampaignList
		var rejects, counts []byte
		if err := r.Scan(&l.ID, &l.Campaign, &l.Name, &l.Source, &l.Status, &l.ImportedBy, &l.ImportedAt,
			&l.RowsTotal, &l.RowsLoaded, &l.RowsRejected, &rejects, &counts, &l.DialsToday); err != nil {
			return l, err
		}
		if err := json.Unmarshal(rejects, &l.Rejects); err != nil {
			return l, err
		}
		return l, json.Unmarshal(counts, &l.Leads)
	})
	if err != nil {
		return nil, fmt.Errorf("lists of %s: %w", campaignID, err)
	}
	if out == nil {
		out = []CampaignList{}
	}
	return out, nil
}

// CampaignDials counts each campaign's attempts since a time (today's dials on the campaigns page).
func (db *DB) CampaignDials(ctx context.Context, since time.Time) (map[string]int, error) {
	rows, err := db.Pool.Query(ctx, `SELECT campaign_id, count(*) FROM lead_attempts WHERE at >= $1 GROUP BY campaign_id`, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// SetListStatus pauses or resumes a list; it returns the status it had.
func (db *DB) SetListStatus(ctx context.Context, campaignID string, listID int64, status string) (string, error) {
	if !slices.Contains(ListStatuses, status) {
		return "", callfloor.Invalid("status", callfloor.CodeInvalidChoice, callfloor.Params{"allowed": ListStatuses, "value": status}, "unknown list status %q", status)
	}
	var before string
	err := db.Pool.QueryRow(ctx, `UPDATE campaign_lists cl SET status = $3 FROM campaign_lists old
		WHERE cl.id = old.id AND cl.id = $2 AND cl.campaign_id = $1 RETURNING old.status`, campaignID, listID, status).Scan(&before)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", callfloor.NotFound("list", fmt.Sprint(listID), "campaign %s has no list %d", campaignID, listID)
	}
	return before, err
}

// RecycleOutcomes are what a recycle may select on: the network's results of an unanswered dial
// and any disposition code of the campaign.
var RecycleOutcomes = []string{string(callfloor.ResultBusy), string(callfloor.ResultNoAnswer), string(callfloor.ResultSwitchedOff),
	string(callfloor.ResultFailed), string(callfloor.ResultDropped), "max_attempts"}

// Recycle is a request to re-queue a list's leads by their last outcome.
type Recycle struct {
	// Outcomes: a lead is re-queued when its last disposition, or (no disposition) its last
	// result, or its done reason, is one of these (e.g. no_answer, busy, max_attempts).
	Outcomes []string `json:"outcomes"`
	// ResetAttempts: the lead's attempts are counted afresh from now (max_attempts and the
	// day's cap start again; the history stays). Without it the earlier attempts still count,
	// so a lead ended by max_attempts gets exactly one more try.
	ResetAttempts bool `json:"reset_attempts"`
}

// RecycleList re-queues, due now, the list's leads that are done or waiting for a retry and
// whose last outcome is one of r.Outcomes — never a lead with a dial in flight, one on the
// do-not-call list, nor one whose last disposition is final and a success or a do-not-call
// (those outcomes cannot be chosen). It returns how many leads it re-queued.
func (db *DB) RecycleList(ctx context.Context, campaignID string, listID int64, r Recycle, now time.Time) (int, error) {
	c, err := db.GetCampaign(ctx, campaignID)
	if err != nil {
		return 0, err
	}
	if len(r.Outcomes) == 0 {
		return 0, callfloor.Invalid("outcomes", callfloor.CodeTooFew, callfloor.Params{"min": 1}, "choose the outcomes to recycle")
	}
	allowed := slices.Clone(RecycleOutcomes)
	for _, d := range c.Dispositions {
		if !d.Success && !d.DNC {
			allowed = append(allowed, d.Code)
		}
	}
	for _, o := range r.Outcomes {
		if !slices.Contains(allowed, o) {
			return 0, callfloor.Invalid("outcomes", callfloor.CodeInvalidChoice, callfloor.Params{"allowed": allowed, "value": o}, "%q cannot be recycled", o)
		}
	}
	if _, err := db.GetCampaignList(ctx, campaignID, listID, now); err != nil {
		return 0, err
	}
	tag, err := db.Pool.Exec(ctx, `UPDATE leads l SET status = CASE WHEN $4 THEN 'new' ELSE 'scheduled' END,
		next_attempt_at = $5, callback_at = NULL, done_reason = NULL,
		attempts = CASE WHEN $4 THEN 0 ELSE attempts END,
		attempts_since = CASE WHEN $4 THEN $5 ELSE attempts_since END
		WHERE l.campaign_id = $1 AND l.list_id = $2 AND l.status IN ('done', 'scheduled')
		  AND (l.last_disposition = ANY($3) OR (l.last_disposition IS NULL AND l.last_result = ANY($3)) OR l.done_reason = ANY($3))
		  AND coalesce(l.done_reason, '') <> 'do_not_call'
		  AND NOT EXISTS (SELECT 1 FROM dnc d WHERE d.phone = l.phone AND d.campaign_id IN ('', l.campaign_id))`,
		campaignID, listID, r.Outcomes, r.ResetAttempts, now)
	if err != nil {
		return 0, fmt.Errorf("recycle list %d: %w", listID, err)
	}
	return int(tag.RowsAffected()), nil
}

// ListLeads returns every lead of a list in import order (the export).
func (db *DB) ListLeads(ctx context.Context, campaignID string, listID int64) ([]Lead, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+leadCols+` FROM leads WHERE campaign_id = $1 AND list_id = $2 ORDER BY id`, campaignID, listID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanLead)
}

// LeadAttempt is one recorded attempt at a lead.
type LeadAttempt struct {
	ID          int64     `json:"id"`
	At          time.Time `json:"at"`
	Result      string    `json:"result"`
	Disposition string    `json:"disposition,omitempty"`
	Agent       string    `json:"agent,omitempty"`
	CallID      string    `json:"call_id,omitempty"`
	RingMs      *int      `json:"ring_ms,omitempty"`
}

// LeadDetail is a lead with every attempt at it, oldest first.
type LeadDetail struct {
	Lead
	Attempts []LeadAttempt `json:"attempt_history"`
}

// GetLead reads a campaign's lead with its attempts.
func (db *DB) GetLead(ctx context.Context, campaignID string, leadID int64) (LeadDetail, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+leadCols+` FROM leads WHERE campaign_id = $1 AND id = $2`, campaignID, leadID)
	if err != nil {
		return LeadDetail{}, err
	}
	l, err := pgx.CollectExactlyOneRow(rows, scanLead)
	if errors.Is(err, pgx.ErrNoRows) {
		return LeadDetail{}, callfloor.NotFound("lead", fmt.Sprint(leadID), "campaign %s has no lead %d", campaignID, leadID)
	} else if err != nil {
		return LeadDetail{}, err
	}
	rows, err = db.Pool.Query(ctx, `SELECT id, at, result, coalesce(disposition, ''), coalesce(agent_id, ''), coalesce(call_id, ''), ring_ms
		FROM lead_attempts WHERE lead_id = $1 ORDER BY at, id`, leadID)
	if err != nil {
		return LeadDetail{}, err
	}
	att, err := pgx.CollectRows(rows, pgx.RowToStructByPos[LeadAttempt])
	if err != nil {
		return LeadDetail{}, err
	}
	if att == nil {
		att = []LeadAttempt{}
	}
	return LeadDetail{Lead: l, Attempts: att}, nil
}

// RemoveDNC takes a number off a do-not-call list (campaignID "": the global one) and returns
// the entry removed. The leads the entry closed stay closed: a list recycle or a new import
// brings them back.
func (db *DB) RemoveDNC(ctx context.Context, phone, campaignID string) (DNCEntry, error) {
	p, err := callfloor.CanonicalPhone(phone, "86")
	if err != nil {
		return DNCEntry{}, err
	}
	rows, err := db.Pool.Query(ctx, `DELETE FROM dnc WHERE phone = $1 AND campaign_id = $2
		RETURNING phone, campaign_id, reason, source, added_by, added_at, '', ''`, p, campaignID)
	if err != nil {
		return DNCEntry{}, err
	}
	e, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[DNCEntry])
	if errors.Is(err, pgx.ErrNoRows) {
		return DNCEntry{}, callfloor.NotFound("dnc", p, "%s is not on the do-not-call list %q", p, campaignID)
	}
	return e, err
}

// Consent is the evidence that a number agreed to be called (campaign "": by every campaign).
type Consent struct {
	Phone      string     `json:"phone"`
	Campaign   string     `json:"campaign"`
	Evidence   string     `json:"evidence"` // what and where: a signed form, a recorded call id, a web opt-in …
	RecordedBy string     `json:"recorded_by"`
	RecordedAt time.Time  `json:"recorded_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
}

// PutConsent records (or replaces) a number's consent evidence and returns what it replaced.
func (db *DB) PutConsent(ctx context.Context, c Consent) (*Consent, error) {
	p, err := callfloor.CanonicalPhone(c.Phone, "86")
	if err != nil {
		return nil, err
	}
	c.Evidence = strings.TrimSpace(c.Evidence)
	switch {
	case c.Evidence == "":
		return nil, callfloor.Invalid("evidence", callfloor.CodeRequired, nil, "say what the consent rests on")
	case len([]rune(c.Evidence)) > 500:
		return nil, callfloor.Invalid("evidence", callfloor.CodeTooLong, callfloor.Params{"max": 500}, "at most 500 characters")
	case c.ExpiresAt != nil && !c.ExpiresAt.After(time.Now()):
		return nil, callfloor.Invalid("expires_at", callfloor.CodeMustBeAfter, callfloor.Params{"other": "now"}, "a consent recorded now expires in the future")
	}
	if c.Campaign != "" {
		if _, err := db.GetCampaign(ctx, c.Campaign); err != nil {
			return nil, callfloor.Invalid("campaign", callfloor.CodeUnknownRef, callfloor.Params{"what": "campaign", "value": c.Campaign}, "no campaign %q", c.Campaign)
		}
	}
	var before *Consent
	err = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT phone, campaign_id, evidence, recorded_by, recorded_at, expires_at FROM consents
			WHERE phone = $1 AND campaign_id = $2 FOR UPDATE`, p, c.Campaign)
		if err != nil {
			return err
		}
		old, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Consent])
		if err != nil {
			return err
		}
		if len(old) == 1 {
			before = &old[0]
		}
		_, err = tx.Exec(ctx, `INSERT INTO consents (phone, campaign_id, evidence, recorded_by, expires_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (phone, campaign_id) DO UPDATE SET evidence = EXCLUDED.evidence, recorded_by = EXCLUDED.recorded_by,
			recorded_at = now(), expires_at = EXCLUDED.expires_at`, p, c.Campaign, c.Evidence, c.RecordedBy, c.ExpiresAt)
		return err
	})
	return before, err
}

// ListConsents lists consent evidence (of one number when phone is given), newest first, at most 1,000.
func (db *DB) ListConsents(ctx context.Context, phone string) ([]Consent, error) {
	rows, err := db.Pool.Query(ctx, `SELECT phone, campaign_id, evidence, recorded_by, recorded_at, expires_at FROM consents
		WHERE $1 = '' OR phone = $1 ORDER BY recorded_at DESC, phone LIMIT 1000`, phone)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Consent])
	if out == nil {
		out = []Consent{}
	}
	return out, err
}

// ExpireConsent ends a number's consent at now (the evidence is kept: an audit may ask what it
// was); a campaign that requires consent stops dialling the number.
func (db *DB) ExpireConsent(ctx context.Context, phone, campaignID string, now time.Time) (Consent, error) {
	p, err := callfloor.CanonicalPhone(phone, "86")
	if err != nil {
		return Consent{}, err
	}
	rows, err := db.Pool.Query(ctx, `UPDATE consents SET expires_at = $3 WHERE phone = $1 AND campaign_id = $2
		AND (expires_at IS NULL OR expires_at > $3)
		RETURNING phone, campaign_id, evidence, recorded_by, recorded_at, expires_at`, p, campaignID, now)
	if err != nil {
		return Consent{}, err
	}
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Consent])
	if errors.Is(err, pgx.ErrNoRows) {
		return Consent{}, callfloor.NotFound("consent", p, "no current consent of %s for %q", p, campaignID)
	}
	return c, err
}

// ContactAttempt is one attempt at a number in any campaign (for a complaint or an audit).
type ContactAttempt struct {
	At           time.Time `json:"at"`
	Campaign     string    `json:"campaign"`
	CampaignName string    `json:"campaign_name"`
	Project      string    `json:"project,omitempty"`
	LeadID       int64     `json:"lead_id"`
	Agent        string    `json:"agent,omitempty"`
	AgentName    string    `json:"agent_name,omitempty"`
	Result       string    `json:"result"`
	Disposition  string    `json:"disposition,omitempty"`
	CallID       string    `json:"call_id,omitempty"`
	Recording    string    `json:"recording,omitempty"`     // the recording's name when it is still kept
	RecordingURL string    `json:"recording_url,omitempty"` // where the API streams it (filled by the API)
	// DispositionLabel is the disposition's label in the reader's language (filled by the API)
	DispositionLabel string `json:"disposition_label,omitempty"`
}

// ContactHistory lists every attempt at a number across campaigns, oldest first.
func (db *DB) ContactHistory(ctx context.Context, phone string) ([]ContactAttempt, error) {
	p, err := callfloor.CanonicalPhone(phone, "86")
	if err != nil {
		return nil, err
	}
	rows, err := db.Pool.Query(ctx, `SELECT la.at, la.campaign_id, coalesce(c.name, ''), coalesce(c.project_id, ''), la.lead_id,
		coalesce(la.agent_id, ''), coalesce(ag.name, ''), la.result, coalesce(la.disposition, ''),
		coalesce(la.call_id, (SELECT r.call_id FROM recordings r WHERE r.call_id = la.dial_id LIMIT 1), ''),
		coalesce((SELECT r.name FROM recordings r WHERE r.call_id IN (la.call_id, la.dial_id) ORDER BY r.created_at LIMIT 1), ''), '', ''
		FROM lead_attempts la LEFT JOIN campaigns c ON c.id = la.campaign_id LEFT JOIN agents ag ON ag.id = la.agent_id
		WHERE la.phone = $1 ORDER BY la.at, la.id`, p)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ContactAttempt])
	if out == nil {
		out = []ContactAttempt{}
	}
	return out, err
}
