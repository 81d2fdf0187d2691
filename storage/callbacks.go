package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/jackc/pgx/v5"
)

// The call-back list (issue 14, migration 00034): callers who abandoned a queue and call-backs
// that failed, per team, one open entry per number. SyncCallbacks builds it from the calls'
// history (the history writer's rows); agents and team leads work it (Claim, Dialled, Record);
// CallbackTimeliness is 回拨及时率: entries dialled within their target / entries due.

// Callback list statuses and outcomes.
const (
	CallbackOpen    = "open"
	CallbackClaimed = "claimed"
	CallbackDone    = "done"   // an agent recorded the outcome
	CallbackServed  = "served" // a later answered call from or to the number closed it

	CallbackReached     = "reached"      // done
	CallbackNotNeeded   = "not_needed"   // done
	CallbackWrongNumber = "wrong_number" // done
	CallbackNoAnswer    = "no_answer"    // back to open, for another try
	CallbackBusy        = "busy"         // back to open
)

// CallbackOutcomes lists the outcomes an agent may record.
var CallbackOutcomes = []string{CallbackReached, CallbackNoAnswer, CallbackBusy, CallbackWrongNumber, CallbackNotNeeded}

// CallbackEntry is one entry of a team's call-back list.
type CallbackEntry struct {
	ID          int64      `json:"id"`
	Team        string     `json:"team"`
	Queue       string     `json:"queue"`
	Phone       string     `json:"phone"`
	Source      string     `json:"source"` // abandoned | callback_failed
	FirstCallID string     `json:"first_call_id"`
	LastCallID  string     `json:"last_call_id"`
	Calls       int        `json:"calls"`
	Since       time.Time  `json:"since"`
	LastAt      time.Time  `json:"last_at"`
	DueAt       time.Time  `json:"due_at"`
	Overdue     bool       `json:"overdue"` // open or claimed past its due time
	Status      string     `json:"status"`
	ClaimedBy   string     `json:"claimed_by,omitempty"`
	ClaimedAt   *time.Time `json:"claimed_at,omitempty"`
	Attempts    int        `json:"attempts"`
	DialledAt   *time.Time `json:"dialled_at,omitempty"`
	DialCallID  string     `json:"dial_call_id,omitempty"`
	Outcome     string     `json:"outcome,omitempty"`
	Note        string     `json:"note,omitempty"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
	ClosedBy    string     `json:"closed_by,omitempty"`
}

// CallbackRule is what the list needs of a queue: its team and target (callfloor.CallbackConfig).
type CallbackRule struct {
	Team   string
	Target time.Duration
}

// CallbackSync says how SyncCallbacks reads the history.
type CallbackSync struct {
	Rules   map[string]CallbackRule // by queue; a queue without a rule is not listed
	Country string                  // the calling code national numbers have ("86")
	Since   time.Duration           // how far back calls are looked at; default 48h
}

// PhoneVariants are the forms a canonical number may take in the calls' history: +8613812345678,
// 8613812345678, 13812345678 (a landline: 0 + area code + number).
func PhoneVariants(canonical string) []string {
	out := []string{canonical, strings.TrimPrefix(canonical, "+")}
	if d, ok := strings.CutPrefix(canonical, "+86"); ok {
		out = append(out, callfloor.NationalDial(canonical), "0086"+d)
	}
	return out
}

// SyncCallbacks adds the calls that ended abandoned (not short abandons: the history's outcome
// abandoned, metrics.md) or callback_failed since cfg.Since to their team's list, one open entry
// per number (a new abandon of a listed number counts on it), except the calls of numbers
// served later (an answered call from or to the number after it); then closes the open
// entries whose number a later call served. It returns how many entries it added and closed.
func (db *DB) SyncCallbacks(ctx context.Context, now time.Time, cfg CallbackSync) (added, closed int, err error) {
	if cfg.Since == 0 {
		cfg.Since = 48 * time.Hour
	}
	rows, err := db.Pool.Query(ctx, `
SELECT c.id, c.queue, coalesce(c.caller_number, ''), c.ended_at, c.outcome FROM calls c
WHERE c.ended_at >= $1 AND c.outcome IN ('abandoned', 'callback_failed') AND c.direction = 'inbound'
  AND NOT EXISTS (SELECT 1 FROM callback_sources s WHERE s.call_id = c.id)
ORDER BY c.ended_at, c.id`, now.Add(-cfg.Since))
	if err != nil {
		return 0, 0, fmt.Errorf("callbacks: read abandoned calls: %w", err)
	}
	type src struct {
		id, queue, number, outcome string
		ended                      time.Time
	}
	var srcs []src
	for rows.Next() {
		var s src
		if err := rows.Scan(&s.id, &s.queue, &s.number, &s.ended, &s.outcome); err != nil {
			rows.Close()
			return 0, 0, err
		}
		srcs = append(srcs, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	for _, s := range srcs {
		err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
			rule, ok := cfg.Rules[s.queue]
			phone, perr := callfloor.CanonicalPhone(s.number, cfg.Country)
			var entry *int64
			if ok && perr == nil {
				variants := PhoneVariants(phone)
				var served bool
				if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM calls WHERE answered_at > $2
  AND (caller_number = ANY($1) OR called_number = ANY($1)))`, variants, s.ended).Scan(&served); err != nil {
					return err
				}
				if !served {
					var id int64
					var inserted bool
					err := tx.QueryRow(ctx, `
INSERT INTO callback_list (team, queue, phone, variants, source, first_call_id, last_call_id, since, last_at, due_at)
VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $7, $8)
ON CONFLICT (team, phone) WHERE status IN ('open', 'claimed') DO UPDATE
  SET calls = callback_list.calls + 1, last_call_id = EXCLUDED.last_call_id, last_at = greatest(callback_list.last_at, EXCLUDED.last_at)
RETURNING id, (xmax = 0)`, rule.Team, s.queue, phone, variants, s.outcome, s.id, s.ended, s.ended.Add(rule.Target)).Scan(&id, &inserted)
					if err != nil {
						return err
					}
					entry = &id
					if inserted {
						added++
					}
				}
			}
			_, err := tx.Exec(ctx, `INSERT INTO callback_sources (call_id, entry_id, ended_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, s.id, entry, s.ended)
			return err
		})
		if err != nil {
			return added, 0, fmt.Errorf("callbacks: list call %s: %w", s.id, err)
		}
	}
	tag, err := db.Pool.Exec(ctx, `
WITH s AS (
  SELECT DISTINCT ON (l.id) l.id AS entry, c.id AS call_id, c.answered_at
  FROM callback_list l JOIN calls c ON c.answered_at > l.last_at AND (c.caller_number = ANY(l.variants) OR c.called_number = ANY(l.variants))
  WHERE l.status IN ('open', 'claimed')
  ORDER BY l.id, c.answered_at)
UPDATE callback_list l SET status = 'served', closed_at = s.answered_at, closed_by = s.call_id
FROM s WHERE l.id = s.entry AND l.status IN ('open', 'claimed')`)
	if err != nil {
		return added, 0, fmt.Errorf("callbacks: close served entries: %w", err)
	}
	return added, int(tag.RowsAffected()), nil
}

// CallbackFilter selects list entries.
type CallbackFilter struct {
	Teams  *[]string // nil: every team
	Status []string  // empty: open and claimed
	Phone  string
	Limit  int // default 500
}

const callbackCols = `id, team, queue, phone, source, first_call_id, last_call_id, calls, since, last_at, due_at, status,
  coalesce(claimed_by, ''), claimed_at, attempts, dialled_at, coalesce(dial_call_id, ''), coalesce(outcome, ''), coalesce(note, ''), closed_at, coalesce(closed_by, '')`

func scanCallback(row pgx.Row, now time.Time) (CallbackEntry, error) {
	var e CallbackEntry
	err := row.Scan(&e.ID, &e.Team, &e.Queue, &e.Phone, &e.Source, &e.FirstCallID, &e.LastCallID, &e.Calls, &e.Since, &e.LastAt, &e.DueAt, &e.Status,
		&e.ClaimedBy, &e.ClaimedAt, &e.Attempts, &e.DialledAt, &e.DialCallID, &e.Outcome, &e.Note, &e.ClosedAt, &e.ClosedBy)
	e.Overdue = (e.Status == CallbackOpen || e.Status == CallbackClaimed) && now.After(e.DueAt)
	return e, err
}

// Callbacks lists entries, the most urgent first (due time, then id).
func (db *DB) Callbacks(ctx context.Context, now time.Time, f CallbackFilter) ([]CallbackEntry, error) {
	if len(f.Status) == 0 {
		f.Status = []string{CallbackOpen, CallbackClaimed}
	}
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 500
	}
	q := `SELECT ` + callbackCols + ` FROM callback_list WHERE status = ANY($1) AND ($2::text[] IS NULL OR team = ANY($2)) AND ($3 = '' OR phone = $3)
ORDER BY due_at, id LIMIT $4`
	var teams []string
	if f.Teams != nil {
		teams = nonNil(*f.Teams)
	}
	rows, err := db.Pool.Query(ctx, q, f.Status, teams, f.Phone, f.Limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CallbackEntry{}
	for rows.Next() {
		e, err := scanCallback(rows, now)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Callback returns one entry.
func (db *DB) Callback(ctx context.Context, now time.Time, id int64) (CallbackEntry, error) {
	e, err := scanCallback(db.Pool.QueryRow(ctx, `SELECT `+callbackCols+` FROM callback_list WHERE id = $1`, id), now)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, callfloor.NotFound("callback", fmt.Sprint(id), "call-back %d not found", id)
	}
	return e, err
}

// CodeCallbackTaken: the entry is claimed by someone else, or closed.
const CodeCallbackTaken = "callback_taken"

func init() { callfloor.RegisterCode(CodeCallbackTaken, callfloor.ECONFLICT) }

func callbackTaken(e CallbackEntry) error {
	return &callfloor.Error{Code: CodeCallbackTaken, Kind: callfloor.ECONFLICT, Params: callfloor.Params{"by": e.ClaimedBy, "status": e.Status},
		Message: fmt.Sprintf("call-back %d is %s (%s)", e.ID, e.Status, e.ClaimedBy)}
}

// ClaimCallback gives an open entry to user (again to its holder: no change).
func (db *DB) ClaimCallback(ctx context.Context, now time.Time, id int64, user string) (CallbackEntry, error) {
	tag, err := db.Pool.Exec(ctx, `UPDATE callback_list SET status = 'claimed', claimed_by = $2, claimed_at = $3
WHERE id = $1 AND (status = 'open' OR (status = 'claimed' AND claimed_by = $2))`, id, user, now)
	if err != nil {
		return CallbackEntry{}, err
	}
	e, err := db.Callback(ctx, now, id)
	if err == nil && tag.RowsAffected() == 0 {
		return e, callbackTaken(e)
	}
	return e, err
}

// CallbackDialled records that user dialled the entry's number (click-to-call callID) at now:
// the first dial is the one the timeliness counts. The entry must be claimed by user.
func (db *DB) CallbackDialled(ctx context.Context, now time.Time, id int64, user, callID string) (CallbackEntry, error) {
	tag, err := db.Pool.Exec(ctx, `UPDATE callback_list SET dialled_at = coalesce(dialled_at, $3), dial_call_id = $4, attempts = attempts + 1
WHERE id = $1 AND status = 'claimed' AND claimed_by = $2`, id, user, now, callID)
	if err != nil {
		return CallbackEntry{}, err
	}
	e, err := db.Callback(ctx, now, id)
	if err == nil && tag.RowsAffected() == 0 {
		return e, callbackTaken(e)
	}
	return e, err
}

// RecordCallback records the outcome of user's call-back: reached, not_needed and wrong_number
// close the entry; no_answer and busy give it back to the list (open) for another try. An entry
// user claimed that their answered dial served meanwhile (SyncCallbacks) takes the outcome and
// note and stays served.
func (db *DB) RecordCallback(ctx context.Context, now time.Time, id int64, user, outcome, note string) (CallbackEntry, error) {
	status := CallbackDone
	switch outcome {
	case CallbackReached, CallbackNotNeeded, CallbackWrongNumber:
	case CallbackNoAnswer, CallbackBusy:
		status = CallbackOpen
	default:
		return CallbackEntry{}, callfloor.Invalid("outcome", callfloor.CodeInvalidChoice, callfloor.Params{"allowed": CallbackOutcomes, "value": outcome}, "%q is not one of %s", outcome, strings.Join(CallbackOutcomes, ", "))
	}
	if len([]rune(note)) > 500 {
		return CallbackEntry{}, callfloor.Invalid("note", callfloor.CodeTooLong, callfloor.Params{"max": 500}, "at most 500 characters")
	}
	tag, err := db.Pool.Exec(ctx, `UPDATE callback_list SET outcome = $3, note = nullif($4, ''),
  status = CASE WHEN status = 'served' THEN status ELSE $5 END,
  closed_at = CASE WHEN status = 'served' THEN closed_at WHEN $5 = 'done' THEN $6::timestamptz END,
  closed_by = CASE WHEN status = 'served' THEN closed_by WHEN $5 = 'done' THEN $2 END,
  claimed_by = CASE WHEN status = 'served' OR $5 = 'done' THEN claimed_by END,
  claimed_at = CASE WHEN status = 'served' OR $5 = 'done' THEN claimed_at END
WHERE id = $1 AND status IN ('claimed', 'served') AND claimed_by = $2`, id, user, outcome, note, status, now)
	if err != nil {
		return CallbackEntry{}, err
	}
	e, err := db.Callback(ctx, now, id)
	if err == nil && tag.RowsAffected() == 0 {
		return e, callbackTaken(e)
	}
	return e, err
}

// CallbackTimelinessRow is 回拨及时率 for one team, queue and day (the day the entries fell
// due, in loc): Due entries fell due that day (by now); Within of them were dialled from the
// list by their due time. Entries a later call served before they fell due needed no call-back
// and are not counted.
type CallbackTimelinessRow struct {
	Day    string   `json:"day"`
	Team   string   `json:"team"`
	Queue  string   `json:"queue"`
	Due    int      `json:"due"`
	Within int      `json:"within"`
	Rate   *float64 `json:"rate"` // Within / Due; null when nothing fell due
}

// CallbackTimeliness returns the rows of [from, to) (days in loc), teams nil: every team.
func (db *DB) CallbackTimeliness(ctx context.Context, now time.Time, from, to time.Time, loc *time.Location, teams *[]string) ([]CallbackTimelinessRow, error) {
	var tf []string
	if teams != nil {
		tf = nonNil(*teams)
	}
	rows, err := db.Pool.Query(ctx, `
SELECT to_char(due_at AT TIME ZONE $4, 'YYYY-MM-DD') AS day, team, queue, count(*) AS due,
  count(*) FILTER (WHERE dialled_at IS NOT NULL AND dialled_at <= due_at) AS within
FROM callback_list
WHERE due_at >= $1 AND due_at < $2 AND due_at <= $3 AND ($5::text[] IS NULL OR team = ANY($5))
  AND NOT (status = 'served' AND closed_at <= due_at AND dialled_at IS NULL)
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`, from, to, now, loc.String(), tf)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CallbackTimelinessRow{}
	for rows.Next() {
		var r CallbackTimelinessRow
		if err := rows.Scan(&r.Day, &r.Team, &r.Queue, &r.Due, &r.Within); err != nil {
			return nil, err
		}
		if r.Due > 0 {
			v := float64(r.Within) / float64(r.Due)
			r.Rate = &v
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// The customer's timeline: the call-backs the number requested while waiting and its entries
// on the call-back lists.
func init() {
	RegisterTimelineSource("callbacks", func(ctx context.Context, db *DB, phone string, before time.Time, limit int) ([]TimelineItem, error) {
		if before.IsZero() {
			before = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		rows, err := db.Pool.Query(ctx, `
(SELECT 'request', id, callback_at, coalesce(queue, ''), coalesce(outcome, ''), coalesce(agent_id, ''), answered_at, NULL::timestamptz, 0
 FROM calls WHERE callback_at IS NOT NULL AND callback_at <= $2 AND caller_number = ANY($1)
 ORDER BY callback_at DESC LIMIT $3)
UNION ALL
(SELECT 'list', id::text, since, queue, status, coalesce(closed_by, claimed_by, ''), dialled_at, closed_at, calls
 FROM callback_list WHERE phone = $4 AND since <= $2 ORDER BY since DESC LIMIT $3)`, PhoneVariants(phone), before, limit, phone)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []TimelineItem
		for rows.Next() {
			var kind, ref, queue, status, who string
			var at time.Time
			var t1, t2 *time.Time
			var calls int
			if err := rows.Scan(&kind, &ref, &at, &queue, &status, &who, &t1, &t2, &calls); err != nil {
				return nil, err
			}
			d := map[string]any{"queue": queue, "status": status}
			if kind == "request" {
				d["outcome"], d["agent"], d["served_at"] = status, who, t1
				out = append(out, TimelineItem{At: at, Kind: "callback", Ref: ref, Title: "callback.requested", Detail: d})
			} else {
				d["by"], d["dialled_at"], d["closed_at"], d["calls"] = who, t1, t2, calls
				out = append(out, TimelineItem{At: at, Kind: "callback", Ref: "list:" + ref, Title: "callback.listed", Detail: d})
			}
		}
		return out, rows.Err()
	})
}
