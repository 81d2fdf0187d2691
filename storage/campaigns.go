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

// Outbound campaigns (issue 13): campaigns, lists and leads, attempts, the do-not-call list and
// consent. The rules are the root package's (callfloor.Campaign); this file keeps their data
// and hands leads to the dialler without ever handing one out twice.

// CampaignStatuses: draft (being set up), running (the dialler works it), paused, finished.
var CampaignStatuses = []string{"draft", "running", "paused", "finished"}

// CampaignInfo is a campaign with its state and lead counts.
type CampaignInfo struct {
	callfloor.Campaign
	Status string         `json:"status"`
	Leads  map[string]int `json:"leads"` // by lead status
	// DialsToday: the attempts since the centre's midnight (filled by the campaigns API)
	DialsToday int       `json:"dials_today"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// PutCampaign creates or replaces a campaign's rules (its status is kept; a new one is a
// draft). It returns the rules it replaced (nil: created).
func (db *DB) PutCampaign(ctx context.Context, c callfloor.Campaign) (*callfloor.Campaign, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	rules, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	var before *callfloor.Campaign
	err = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var raw []byte
		err := tx.QueryRow(ctx, `SELECT rules FROM campaigns WHERE id = $1 FOR UPDATE`, c.ID).Scan(&raw)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return err
		default:
			var b callfloor.Campaign
			if err := json.Unmarshal(raw, &b); err != nil {
				return err
			}
			before = &b
		}
		if c.Project != "" {
			var ok bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM projects WHERE id = $1)`, c.Project).Scan(&ok); err != nil {
				return err
			}
			if !ok {
				return callfloor.Invalid("project", callfloor.CodeUnknownRef, callfloor.Params{"what": "project", "value": c.Project}, "no project %q", c.Project)
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO campaigns (id, name, project_id, rules) VALUES ($1, $2, NULLIF($3, ''), $4)
			ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, project_id = EXCLUDED.project_id, rules = EXCLUDED.rules, updated_at = now()`,
			c.ID, strings.TrimSpace(c.Name), c.Project, rules)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("put campaign %s: %w", c.ID, err)
	}
	return before, nil
}

// GetCampaign reads one campaign with its status and lead counts.
func (db *DB) GetCampaign(ctx context.Context, id string) (CampaignInfo, error) {
	all, err := db.campaigns(ctx, id)
	if err != nil {
		return CampaignInfo{}, err
	}
	if len(all) == 0 {
		return CampaignInfo{}, callfloor.NotFound("campaign", id, "no campaign %q", id)
	}
	return all[0], nil
}

// ListCampaigns lists every campaign by id.
func (db *DB) ListCampaigns(ctx context.Context) ([]CampaignInfo, error) {
	return db.campaigns(ctx, "")
}

func (db *DB) campaigns(ctx context.Context, id string) ([]CampaignInfo, error) {
	rows, err := db.Pool.Query(ctx, `SELECT c.rules, c.status, c.updated_at,
		coalesce((SELECT jsonb_object_agg(status, n) FROM (SELECT status, count(*) AS n FROM leads l WHERE l.campaign_id = c.id GROUP BY status) s), '{}')
		FROM campaigns c WHERE $1 = '' OR c.id = $1 ORDER BY c.id`, id)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CampaignInfo, error) {
		var ci CampaignInfo
		var rules, counts []byte
		if err := r.Scan(&rules, &ci.Status, &ci.UpdatedAt, &counts); err != nil {
			return ci, err
		}
		if err := json.Unmarshal(rules, &ci.Campaign); err != nil {
			return ci, err
		}
		return ci, json.Unmarshal(counts, &ci.Leads)
	})
	if err != nil {
		return nil, fmt.Errorf("campaigns: %w", err)
	}
	return out, nil
}

// SetCampaignStatus moves a campaign to running, paused, finished (or back to draft).
func (db *DB) SetCampaignStatus(ctx context.Context, id, status string) error {
	if !slices.Contains(CampaignStatuses, status) {
		return callfloor.Invalid("status", callfloor.CodeInvalidChoice, callfloor.Params{"allowed": CampaignStatuses, "value": status}, "unknown status %q", status)
	}
	tag, err := db.Pool.Exec(ctx, `UPDATE campaigns SET status = $2, updated_at = now() WHERE id = $1`, id, status)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return callfloor.NotFound("campaign", id, "no campaign %q", id)
	}
	return nil
}

// LeadMapping says which columns of an imported sheet hold what (by header text).
type LeadMapping struct {
	Phone    string   `json:"phone"`               // required
	Name     string   `json:"name,omitempty"`      // optional
	TimeZone string   `json:"time_zone,omitempty"` // optional: an IANA zone per lead
	Owner    string   `json:"owner,omitempty"`     // optional: the agent who owns the lead, by agent id, login or name
	Fields   []string `json:"fields,omitempty"`    // other columns kept as the lead's custom fields
}

// ImportReject names one refused row: its number in the file (the header is row 1), the column,
// the reason as an error code (required, invalid_number, duplicate, already_exists,
// do_not_call, invalid_format; unknown_reference and ambiguous_owner for the owner column) and
// the value.
type ImportReject struct {
	Row    int    `json:"row"`
	Column string `json:"column"`
	Code   string `json:"code"`
	Value  string `json:"value"`
	First  int    `json:"first_row,omitempty"` // duplicate: the row it repeats
}

// ImportReport is what an import did.
type ImportReport struct {
	ListID   int64          `json:"list_id"`
	Total    int            `json:"total"`
	Loaded   int            `json:"loaded"`
	Rejected []ImportReject `json:"rejected"`
}

// ImportLeads loads a sheet (header + rows, as read from CSV or XLSX) into a new list of the
// campaign: numbers put in E.164, rows refused with their reason (no number, not a number, the
// same number earlier in the file, already a lead of the campaign from another list, on the
// do-not-call list, an unknown time zone). Imports of one campaign are serialised.
func (db *DB) ImportLeads(ctx context.Context, campaignID, listName, source, by string, header []string, rows [][]string, m LeadMapping) (ImportReport, error) {
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	idx := func(field, name string, required bool) (int, error) {
		if name == "" && !required {
			return -1, nil
		}
		i, ok := col[strings.TrimSpace(name)]
		if !ok {
			return 0, callfloor.Invalid("mapping."+field, callfloor.CodeUnknownRef, callfloor.Params{"what": "column", "value": name}, "the sheet has no column %q", name)
		}
		return i, nil
	}
	if strings.TrimSpace(listName) == "" {
		return ImportReport{}, callfloor.Invalid("name", callfloor.CodeRequired, nil, "a list needs a name")
	}
	phoneCol, err := idx("phone", m.Phone, true)
	if err != nil {
		return ImportReport{}, err
	}
	nameCol, err := idx("name", m.Name, false)
	if err != nil {
		return ImportReport{}, err
	}
	tzCol, err := idx("time_zone", m.TimeZone, false)
	if err != nil {
		return ImportReport{}, err
	}
	ownerCol, err := idx("owner", m.Owner, false)
	if err != nil {
		return ImportReport{}, err
	}
	var owners ownerIndex
	if ownerCol >= 0 {
		if owners, err = db.ownerIndex(ctx); err != nil {
			return ImportReport{}, err
		}
	}
	fieldCols := make([]int, len(m.Fields))
	for i, f := range m.Fields {
		if fieldCols[i], err = idx("fields", f, true); err != nil {
			return ImportReport{}, err
		}
	}
	cell := func(r []string, i int) string {
		if i < 0 || i >= len(r) {
			return ""
		}
		return strings.TrimSpace(r[i])
	}
	type lead struct {
		row                    int
		phone, name, tz, owner string
		fields                 map[string]string
	}
	rep := ImportReport{Total: len(rows), Rejected: []ImportReject{}}
	var leads []lead
	firstRow := map[string]int{}
	for i, r := range rows {
		rowNo := i + 2
		raw := cell(r, phoneCol)
		if raw == "" {
			rep.Rejected = append(rep.Rejected, ImportReject{Row: rowNo, Column: m.Phone, Code: callfloor.CodeRequired})
			continue
		}
		phone, err := callfloor.CanonicalPhone(raw, "86")
		if err != nil {
			rep.Rejected = append(rep.Rejected, ImportReject{Row: rowNo, Column: m.Phone, Code: callfloor.CodeInvalidNumber, Value: raw})
			continue
		}
		if f, dup := firstRow[phone]; dup {
			rep.Rejected = append(rep.Rejected, ImportReject{Row: rowNo, Column: m.Phone, Code: callfloor.CodeDuplicate, Value: raw, First: f})
			continue
		}
		tz := cell(r, tzCol)
		if tz != "" {
			if _, err := time.LoadLocation(tz); err != nil {
				rep.Rejected = append(rep.Rejected, ImportReject{Row: rowNo, Column: m.TimeZone, Code: callfloor.CodeInvalidFormat, Value: tz})
				continue
			}
		}
		var owner string
		if o := cell(r, ownerCol); o != "" {
			var code string
			if owner, code = owners.resolve(o); code != "" {
				rep.Rejected = append(rep.Rejected, ImportReject{Row: rowNo, Column: m.Owner, Code: code, Value: o})
				continue
			}
		}
		firstRow[phone] = rowNo
		l := lead{row: rowNo, phone: phone, name: cell(r, nameCol), tz: tz, owner: owner, fields: map[string]string{}}
		for j, c := range fieldCols {
			if v := cell(r, c); v != "" {
				l.fields[m.Fields[j]] = v
			}
		}
		leads = append(leads, l)
	}
	err = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM campaigns WHERE id = $1 FOR UPDATE`, campaignID).Scan(&one); errors.Is(err, pgx.ErrNoRows) {
			return callfloor.NotFound("campaign", campaignID, "no campaign %q", campaignID)
		} else if err != nil {
			return err
		}
		phones := make([]string, len(leads))
		for i, l := range leads {
			phones[i] = l.phone
		}
		taken := map[string]string{} // phone → reason code
		rows, err := tx.Query(ctx, `SELECT phone, 'already_exists' FROM leads WHERE campaign_id = $1 AND phone = ANY($2)
			UNION ALL SELECT phone, 'do_not_call' FROM dnc WHERE campaign_id IN ('', $1) AND phone = ANY($2)`, campaignID, phones)
		if err != nil {
			return err
		}
		for rows.Next() {
			var p, code string
			if err := rows.Scan(&p, &code); err != nil {
				return err
			}
			if taken[p] != CodeDoNotCall {
				taken[p] = code
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		var keep [][]any
		if err := tx.QueryRow(ctx, `INSERT INTO campaign_lists (campaign_id, name, source, imported_by) VALUES ($1, $2, $3, $4) RETURNING id`,
			campaignID, strings.TrimSpace(listName), source, by).Scan(&rep.ListID); err != nil {
			return err
		}
		for _, l := range leads {
			if code, ok := taken[l.phone]; ok {
				rep.Rejected = append(rep.Rejected, ImportReject{Row: l.row, Column: m.Phone, Code: code, Value: l.phone})
				continue
			}
			fields, err := json.Marshal(l.fields)
			if err != nil {
				return err
			}
			var tz any
			if l.tz != "" {
				tz = l.tz
			}
			var owner any
			if l.owner != "" {
				owner = l.owner
			}
			keep = append(keep, []any{campaignID, rep.ListID, l.phone, l.name, tz, fields, owner})
		}
		n, err := tx.CopyFrom(ctx, pgx.Identifier{"leads"}, []string{"campaign_id", "list_id", "phone", "name", "time_zone", "fields", "owner"}, pgx.CopyFromRows(keep))
		if err != nil {
			return err
		}
		rep.Loaded = int(n)
		rejects, err := json.Marshal(rep.Rejected)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE campaign_lists SET rows_total = $2, rows_loaded = $3, rows_rejected = $4, rejects = $5 WHERE id = $1`,
			rep.ListID, rep.Total, rep.Loaded, len(rep.Rejected), rejects)
		return err
	})
	if err != nil {
		return ImportReport{}, fmt.Errorf("import leads into %s: %w", campaignID, err)
	}
	slices.SortStableFunc(rep.Rejected, func(a, b ImportReject) int { return a.Row - b.Row })
	return rep, nil
}

// CodeDoNotCall: the number is on the do-not-call list (an import's rejected row; a dial refused).
const CodeDoNotCall = "do_not_call"

func init() { callfloor.RegisterCode(CodeDoNotCall, callfloor.EINVALID) }

// Lead is one lead as the dialler and the agent's card read it.
type Lead struct {
	ID              int64             `json:"id"`
	Campaign        string            `json:"campaign"`
	ListID          int64             `json:"list_id"`
	Phone           string            `json:"phone"`
	Name            string            `json:"name"`
	TimeZone        string            `json:"time_zone,omitempty"`
	Fields          map[string]string `json:"fields"`
	Owner           string            `json:"owner,omitempty"`
	Status          string            `json:"status"`
	Attempts        int               `json:"attempts"`
	LastResult      string            `json:"last_result,omitempty"`
	LastDisposition string            `json:"last_disposition,omitempty"`
	LastAttemptAt   *time.Time        `json:"last_attempt_at,omitempty"`
	NextAttemptAt   *time.Time        `json:"next_attempt_at,omitempty"`
	CallbackAt      *time.Time        `json:"callback_at,omitempty"`
	DoneReason      string            `json:"done_reason,omitempty"`
	DialID          string            `json:"dial_id,omitempty"`
}

const leadCols = `id, campaign_id, list_id, phone, name, coalesce(time_zone, ''), fields, coalesce(owner, ''), status, attempts,
	coalesce(last_result, ''), coalesce(last_disposition, ''), last_attempt_at, next_attempt_at, callback_at, coalesce(done_reason, ''), coalesce(dial_id, '')`

func scanLead(r pgx.CollectableRow) (Lead, error) {
	var l Lead
	var fields []byte
	err := r.Scan(&l.ID, &l.Campaign, &l.ListID, &l.Phone, &l.Name, &l.TimeZone, &fields, &l.Owner, &l.Status, &l.Attempts,
		&l.LastResult, &l.LastDisposition, &l.LastAttemptAt, &l.NextAttemptAt, &l.CallbackAt, &l.DoneReason, &l.DialID)
	if err != nil {
		return l, err
	}
	return l, json.Unmarshal(fields, &l.Fields)
}

// ClaimLeads hands the dialler up to n leads due at now — promised call-backs first (their
// owner's, for a personal one, is the dialler's business), then the longest due — and marks
// each as dialling under a fresh dial id (the ARI channel id the dialler will originate with),
// so that no other dialler, and no restart, dials it again until its attempt is recorded.
// Leads of paused lists, numbers on the do-not-call list and, where the campaign requires it,
// numbers without consent are never handed out.
func (db *DB) ClaimLeads(ctx context.Context, campaignID string, n int, now time.Time, dialID func() string) ([]Lead, error) {
	return db.ClaimLeadsCapped(ctx, campaignID, n, now, dialID, LeadCap{})
}

// LeadCap is the frequency cap (per number across campaigns) the choice of leads respects: a
// lead whose number is at the cap is not handed out but put off to when the cap frees it
// (FrequencyCap.FreeAt, in the lead's zone, else its campaign's, else Zone).
type LeadCap struct {
	Cap  callfloor.FrequencyCap
	Zone *time.Location
}

func (lc LeadCap) on() bool { return lc.Cap.PerDay > 0 || lc.Cap.PerWeek > 0 }

// capCandidate is a lead about to be handed out, as the cap needs it.
type capCandidate struct {
	id           int64
	phone        string
	zone, campTZ string
}

// putOffCapped returns which of the candidates (locked by the caller's transaction) may be
// handed out under the cap, in order, and puts the others off to when the cap frees them
// (status kept: new, scheduled or a call-back moved no earlier). Candidates taken count as
// attempts for the ones after them (one number in two campaigns).
func putOffCapped(ctx context.Context, tx pgx.Tx, lc LeadCap, cands []capCandidate, now time.Time) ([]int64, error) {
	ids := make([]int64, 0, len(cands))
	if !lc.on() {
		for _, c := range cands {
			ids = append(ids, c.id)
		}
		return ids, nil
	}
	phones := make([]string, len(cands))
	for i, c := range cands {
		phones[i] = c.phone
	}
	rows, err := tx.Query(ctx, `SELECT phone, at FROM lead_attempts WHERE phone = ANY($1) AND at >= $2`, phones, now.Add(-8*24*time.Hour))
	if err != nil {
		return nil, err
	}
	recent := map[string][]time.Time{}
	for rows.Next() {
		var p string
		var at time.Time
		if err := rows.Scan(&p, &at); err != nil {
			rows.Close()
			return nil, err
		}
		recent[p] = append(recent[p], at)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var offIDs []int64
	var offAt []time.Time
	for _, c := range cands {
		loc := lc.Zone
		if loc == nil {
			loc = time.Local
		}
		for _, tz := range []string{c.zone, c.campTZ} {
			if l, err := time.LoadLocation(tz); tz != "" && err == nil {
				loc = l
				break
			}
		}
		if at := lc.Cap.FreeAt(recent[c.phone], now, loc); at.After(now) {
			offIDs, offAt = append(offIDs, c.id), append(offAt, at)
			continue
		}
		ids = append(ids, c.id)
		recent[c.phone] = append(recent[c.phone], now)
	}
	if len(offIDs) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE leads l SET next_attempt_at = CASE WHEN l.callback_at IS NULL THEN o.at ELSE l.next_attempt_at END,
			callback_at = CASE WHEN l.callback_at IS NOT NULL THEN greatest(l.callback_at, o.at) END
			FROM unnest($1::bigint[], $2::timestamptz[]) AS o(id, at) WHERE l.id = o.id`, offIDs, offAt); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// capRounds bounds the rounds of choosing when capped leads are put off (each round's capped
// leads leave the due ones, so the next round sees others).
const capRounds = 5

// ClaimLeadsCapped is ClaimLeads under a frequency cap: leads whose number is at the cap are
// put off (LeadCap), not handed out, and others taken in their place.
func (db *DB) ClaimLeadsCapped(ctx context.Context, campaignID string, n int, now time.Time, dialID func() string, lc LeadCap) ([]Lead, error) {
	if n <= 0 {
		return nil, nil
	}
	var out []Lead
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var rulesRaw []byte
		if err := tx.QueryRow(ctx, `SELECT rules FROM campaigns WHERE id = $1`, campaignID).Scan(&rulesRaw); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return callfloor.NotFound("campaign", campaignID, "no campaign %q", campaignID)
			}
			return err
		}
		var c callfloor.Campaign
		if err := json.Unmarshal(rulesRaw, &c); err != nil {
			return err
		}
		ids := []int64{} // not nil: "<> ALL(NULL)" is never true
		for round := 0; round < capRounds && len(ids) < n; round++ {
			rows, err := tx.Query(ctx, `SELECT l.id, l.phone, coalesce(l.time_zone, '') FROM leads l JOIN campaign_lists cl ON cl.id = l.list_id AND cl.status = 'active'
				WHERE l.campaign_id = $1 AND l.status IN ('new', 'scheduled', 'callback') AND l.id <> ALL($5)
				  AND coalesce(l.callback_at, l.next_attempt_at, '-infinity') <= $2
				  AND NOT EXISTS (SELECT 1 FROM dnc d WHERE d.phone = l.phone AND d.campaign_id IN ('', l.campaign_id))
				  AND (NOT $4 OR EXISTS (SELECT 1 FROM consents s WHERE s.phone = l.phone AND s.campaign_id IN ('', l.campaign_id)
				                          AND (s.expires_at IS NULL OR s.expires_at > $2)))
				ORDER BY (l.callback_at IS NULL), coalesce(l.callback_at, l.next_attempt_at, '-infinity'), l.id
				LIMIT $3 FOR UPDATE OF l SKIP LOCKED`, campaignID, now, n-len(ids), c.RequireConsent, ids)
			if err != nil {
				return err
			}
			cands, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (capCandidate, error) {
				cc := capCandidate{campTZ: c.TimeZone}
				return cc, r.Scan(&cc.id, &cc.phone, &cc.zone)
			})
			if err != nil {
				return err
			}
			ok, err := putOffCapped(ctx, tx, lc, cands, now)
			if err != nil {
				return err
			}
			ids = append(ids, ok...)
			if len(cands) == len(ok) {
				break // none put off: no more due
			}
		}
		dials := make([]string, len(ids))
		for i := range ids {
			dials[i] = dialID()
		}
		if _, err := tx.Exec(ctx, `UPDATE leads l SET status = 'dialling', dial_id = d.dial, dialling_since = $3
			FROM unnest($1::bigint[], $2::text[]) AS d(id, dial) WHERE l.id = d.id`, ids, dials, now); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+leadCols+` FROM leads WHERE id = ANY($1)`, ids)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectRows(rows, scanLead); err != nil {
			return err
		}
		// keep the claim's order (call-backs first)
		pos := make(map[int64]int, len(ids))
		for i, id := range ids {
			pos[id] = i
		}
		slices.SortFunc(out, func(a, b Lead) int { return pos[a.ID] - pos[b.ID] })
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim leads of %s: %w", campaignID, err)
	}
	return out, nil
}

// DiallingLeads are the campaign's leads with a dial in flight: after a restart the dialler
// settles each (the call, found by its dial id, says what happened) before dialling again.
func (db *DB) DiallingLeads(ctx context.Context, campaignID string) ([]Lead, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+leadCols+` FROM leads WHERE campaign_id = $1 AND status = 'dialling' ORDER BY id`, campaignID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanLead)
}

// Reschedule gives a claimed lead back, due at (outside its calling window, over a frequency
// cap): no attempt is recorded.
func (db *DB) Reschedule(ctx context.Context, leadID int64, dialID string, at time.Time) error {
	_, err := db.Pool.Exec(ctx, `UPDATE leads SET status = CASE WHEN callback_at IS NOT NULL THEN 'callback' WHEN attempts = 0 THEN 'new' ELSE 'scheduled' END,
		next_attempt_at = CASE WHEN callback_at IS NULL THEN $3 ELSE next_attempt_at END,
		callback_at = CASE WHEN callback_at IS NOT NULL THEN greatest(callback_at, $3) END,
		dial_id = NULL, dialling_since = NULL WHERE id = $1 AND status = 'dialling' AND dial_id = $2`, leadID, dialID, at)
	return err
}

// AttemptRecord is one attempt as the dialler (the network's result) and then the agent (the
// disposition) report it.
type AttemptRecord struct {
	LeadID      int64
	DialID      string
	At          time.Time // when the dial was placed
	Result      callfloor.DialResult
	Ring        time.Duration
	CallID      string
	Agent       string
	Disposition string    // "" until the agent gives one (an answered call)
	CallbackAt  time.Time // with a call-back disposition
}

// RecordAttempt stores an attempt (once per dial id: a second report of the same dial updates
// it, e.g. with the disposition the agent chose after the network's result) and decides the
// lead's next step from all its attempts by the campaign's rules: retry in the next window,
// call-back, or done; a disposition that means "do not call" puts the number on the global
// do-not-call list. An answered attempt without a disposition leaves the lead with the agent.
func (db *DB) RecordAttempt(ctx context.Context, a AttemptRecord, cal callfloor.HolidayCalendar) (callfloor.LeadNext, error) {
	var next callfloor.LeadNext
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var l Lead
		var rulesRaw []byte
		err := tx.QueryRow(ctx, `SELECT l.campaign_id, l.phone, coalesce(l.time_zone, ''), c.rules FROM leads l JOIN campaigns c ON c.id = l.campaign_id
			WHERE l.id = $1 FOR UPDATE OF l`, a.LeadID).Scan(&l.Campaign, &l.Phone, &l.TimeZone, &rulesRaw)
		if errors.Is(err, pgx.ErrNoRows) {
			return callfloor.NotFound("lead", fmt.Sprint(a.LeadID), "no lead %d", a.LeadID)
		} else if err != nil {
			return err
		}
		var c callfloor.Campaign
		if err := json.Unmarshal(rulesRaw, &c); err != nil {
			return err
		}
		if a.Disposition != "" {
			d, ok := c.Disposition(a.Disposition)
			if !ok {
				return callfloor.Invalid("disposition", callfloor.CodeInvalidChoice, callfloor.Params{"value": a.Disposition}, "campaign %s has no disposition %q", c.ID, a.Disposition)
			}
			if d.Callback && a.CallbackAt.IsZero() {
				return callfloor.Invalid("callback_at", callfloor.CodeRequired, nil, "a call-back needs its time")
			}
		}
		var ring any
		if a.Ring > 0 {
			ring = a.Ring.Milliseconds()
		}
		var attemptID int64
		if err := tx.QueryRow(ctx, `INSERT INTO lead_attempts (lead_id, campaign_id, phone, dial_id, call_id, agent_id, at, result, disposition, ring_ms)
			VALUES ($1, $2, $3, $4, NULLIF($5, ''), NULLIF($6, ''), $7, $8, NULLIF($9, ''), $10)
			ON CONFLICT (lead_id, dial_id) DO UPDATE SET call_id = coalesce(EXCLUDED.call_id, lead_attempts.call_id),
			  agent_id = coalesce(EXCLUDED.agent_id, lead_attempts.agent_id), disposition = coalesce(EXCLUDED.disposition, lead_attempts.disposition),
			  ring_ms = coalesce(EXCLUDED.ring_ms, lead_attempts.ring_ms)
			RETURNING id`, a.LeadID, l.Campaign, l.Phone, a.DialID, a.CallID, a.Agent, a.At, string(a.Result), a.Disposition, ring).Scan(&attemptID); err != nil {
			return err
		}
		if a.Disposition != "" { // the outbound report's dispositions rollup (the call's id is the dial id)
			if err := refreshDispositions(ctx, tx, a.DialID); err != nil {
				return err
			}
		}
		// a list recycled with its attempts reset counts them from the recycle (attempts_since)
		rows, err := tx.Query(ctx, `SELECT at, result, coalesce(disposition, '') FROM lead_attempts
			WHERE lead_id = $1 AND (id = $2 OR at >= coalesce((SELECT attempts_since FROM leads WHERE id = $1), '-infinity')) ORDER BY at, id`, a.LeadID, attemptID)
		if err != nil {
			return err
		}
		attempts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (callfloor.Attempt, error) {
			var at callfloor.Attempt
			var res string
			err := r.Scan(&at.At, &res, &at.Disposition)
			at.Result = callfloor.DialResult(res)
			return at, err
		})
		if err != nil {
			return err
		}
		last := attempts[len(attempts)-1]
		tz := l.TimeZone
		if tz == "" {
			tz = c.TimeZone
		}
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return err
		}
		set := func(status string, nextAt, callbackAt any, reason string) error {
			_, err := tx.Exec(ctx, `UPDATE leads SET status = $2, attempts = $3, last_result = $4, last_disposition = NULLIF($5, ''), last_attempt_at = $6,
				next_attempt_at = $7, callback_at = $8, done_reason = NULLIF($9, ''), owner = coalesce(NULLIF($10, ''), owner),
				dial_id = CASE WHEN $2 = 'dialling' THEN dial_id END, dialling_since = CASE WHEN $2 = 'dialling' THEN dialling_since END
				WHERE id = $1`, a.LeadID, status, len(attempts), string(last.Result), last.Disposition, last.At, nextAt, callbackAt, reason, a.Agent)
			return err
		}
		if last.Result == callfloor.ResultAnswered && last.Disposition == "" {
			return set("dialling", nil, nil, "") // with the agent until the disposition
		}
		next = c.Next(attempts, a.CallbackAt, loc, cal)
		switch {
		case next.Done:
			if err := set("done", nil, nil, next.Reason); err != nil {
				return err
			}
		case next.Callback:
			if err := set("callback", nil, next.At, ""); err != nil {
				return err
			}
		default:
			if err := set("scheduled", next.At, nil, ""); err != nil {
				return err
			}
		}
		if next.DNC {
			return addDNC(ctx, tx, l.Phone, "", last.Disposition, fmt.Sprintf("attempt:%d", attemptID), a.Agent)
		}
		return nil
	})
	if err != nil {
		return callfloor.LeadNext{}, fmt.Errorf("record attempt of lead %d: %w", a.LeadID, err)
	}
	return next, nil
}

// AddDNC puts a number on the do-not-call list (campaignID "": every campaign) and closes its
// open leads in the campaigns it covers.
func (db *DB) AddDNC(ctx context.Context, phone, campaignID, reason, by string) error {
	p, err := callfloor.CanonicalPhone(phone, "86")
	if err != nil {
		return err
	}
	if strings.TrimSpace(reason) == "" {
		return callfloor.Invalid("reason", callfloor.CodeRequired, nil, "say why the number may not be called")
	}
	return pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error { return addDNC(ctx, tx, p, campaignID, reason, "manual", by) })
}

func addDNC(ctx context.Context, tx pgx.Tx, phone, campaignID, reason, source, by string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO dnc (phone, campaign_id, reason, source, added_by) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (phone, campaign_id) DO NOTHING`, phone, campaignID, reason, source, by); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE leads SET status = 'done', done_reason = 'do_not_call', next_attempt_at = NULL, callback_at = NULL
		WHERE phone = $1 AND ($2 = '' OR campaign_id = $2) AND status IN ('new', 'scheduled', 'callback')`, phone, campaignID)
	return err
}

// OnDNC says whether a number may not be called in a campaign (the global list or its own).
func (db *DB) OnDNC(ctx context.Context, phone, campaignID string) (bool, error) {
	var on bool
	err := db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM dnc WHERE phone = $1 AND campaign_id IN ('', $2))`, phone, campaignID).Scan(&on)
	return on, err
}

// RecentAttempts returns, per number, the times of its attempts in every campaign since a time
// (for the frequency caps).
func (db *DB) RecentAttempts(ctx context.Context, phones []string, since time.Time) (map[string][]time.Time, error) {
	rows, err := db.Pool.Query(ctx, `SELECT phone, at FROM lead_attempts WHERE phone = ANY($1) AND at >= $2 ORDER BY phone, at`, phones, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]time.Time{}
	for rows.Next() {
		var p string
		var at time.Time
		if err := rows.Scan(&p, &at); err != nil {
			return nil, err
		}
		out[p] = append(out[p], at)
	}
	return out, rows.Err()
}

// DNCEntry is one number on a do-not-call list.
type DNCEntry struct {
	Phone    string    `json:"phone"`
	Campaign string    `json:"campaign"` // "" for the global list
	Reason   string    `json:"reason"`
	Source   string    `json:"source"`
	AddedBy  string    `json:"added_by"`
	AddedAt  time.Time `json:"added_at"`
	// CampaignName is the campaign's name ("" for the global list); SourceCampaignName the name
	// of the campaign a disposition's entry (source disposition:<campaign>) came from: pages
	// show names, and a reader may not be allowed to list that campaign
	CampaignName       string `json:"campaign_name"`
	SourceCampaignName string `json:"source_campaign_name"`
}

// ListDNC lists the do-not-call entries (of one number when phone is given), newest first, at
// most 1,000.
func (db *DB) ListDNC(ctx context.Context, phone string) ([]DNCEntry, error) {
	rows, err := db.Pool.Query(ctx, `SELECT d.phone, d.campaign_id, d.reason, d.source, d.added_by, d.added_at,
			coalesce(c.name, ''), coalesce(s.name, '')
		FROM dnc d
		LEFT JOIN campaigns c ON c.id = d.campaign_id
		LEFT JOIN campaigns s ON d.source LIKE 'disposition:%' AND s.id = substr(d.source, length('disposition:') + 1)
		WHERE $1 = '' OR d.phone = $1 ORDER BY d.added_at DESC, d.phone LIMIT 1000`, phone)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[DNCEntry])
	if out == nil {
		out = []DNCEntry{}
	}
	return out, err
}

// RunningCampaigns lists the campaigns whose status is running (the dialler's work), with their
// lead counts by status.
func (db *DB) RunningCampaigns(ctx context.Context) ([]CampaignInfo, error) {
	all, err := db.campaigns(ctx, "")
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, c := range all {
		if c.Status == "running" {
			out = append(out, c)
		}
	}
	return out, nil
}

// LeadsDue counts a campaign's leads the dialler could claim at now (the wallboard's "due"):
// due, of an active list, not on a do-not-call list.
func (db *DB) LeadsDue(ctx context.Context, campaignID string, now time.Time) (int64, error) {
	var n int64
	err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM leads l JOIN campaign_lists cl ON cl.id = l.list_id AND cl.status = 'active'
		WHERE l.campaign_id = $1 AND l.status IN ('new', 'scheduled', 'callback')
		  AND coalesce(l.callback_at, l.next_attempt_at, '-infinity') <= $2
		  AND NOT EXISTS (SELECT 1 FROM dnc d WHERE d.phone = l.phone AND d.campaign_id IN ('', l.campaign_id))`, campaignID, now).Scan(&n)
	return n, err
}

// CodeAmbiguousOwner rejects an import row whose owner names more than one agent.
const CodeAmbiguousOwner = "ambiguous_owner"

// ownerIndex finds an agent by what a sheet's owner column holds: the agent id (工号), the
// login of the agent's user, or the agent's name (when no other agent has it).
type ownerIndex struct {
	ids    map[string]bool
	logins map[string]string   // lower-cased login → agent id
	names  map[string][]string // name → agent ids
}

func (db *DB) ownerIndex(ctx context.Context) (ownerIndex, error) {
	o := ownerIndex{ids: map[string]bool{}, logins: map[string]string{}, names: map[string][]string{}}
	rows, err := db.Pool.Query(ctx, `SELECT a.id, a.name, coalesce(u.username, '') FROM agents a LEFT JOIN users u ON u.agent_id = a.id`)
	if err != nil {
		return o, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, name, login string
		if err := rows.Scan(&id, &name, &login); err != nil {
			return o, err
		}
		o.ids[id] = true
		if login != "" {
			o.logins[strings.ToLower(login)] = id
		}
		if name = strings.TrimSpace(name); name != "" {
			o.names[name] = append(o.names[name], id)
		}
	}
	return o, rows.Err()
}

// resolve gives the agent id v names, or the reject code: unknown_reference, ambiguous_owner.
func (o ownerIndex) resolve(v string) (string, string) {
	if o.ids[v] {
		return v, ""
	}
	if id, ok := o.logins[strings.ToLower(v)]; ok {
		return id, ""
	}
	switch ids := o.names[v]; len(ids) {
	case 0:
		return "", callfloor.CodeUnknownRef
	case 1:
		return ids[0], ""
	default:
		return "", CodeAmbiguousOwner
	}
}
