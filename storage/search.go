package storage

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/jackc/pgx/v5"
)

// CallFilter is a call history search. Every value reaches SQL as a parameter, never as text.
type CallFilter struct {
	From, To  time.Time // entered_at range [From, To); required
	Queue     string
	Agent     string
	Team      string // agents of the team
	Outcome   string
	Number    string // caller or called number, exact or a prefix ending in '*'
	Direction string
	Recorded  *bool // with (true) or without (false) a recording; nil: either
	// Disposition: calls given this code; "none": answered calls without one in a queue that
	// requires one (marked no_disposition).
	Disposition string
	Text        string // in the call's note (case-insensitive)
	Limit       int    // 1..500, default 50
	Cursor      string // from the previous page's Next
	// Scope, when set, keeps only the calls of these queues or of the agents of these teams
	// (a project manager's projects); an empty scope matches nothing.
	Scope *CallScope
}

// CallScope is the part of the floor a search may see: calls of Queues, or taken by an agent
// of Teams.
type CallScope struct {
	Queues, Teams []string
}

// CallRecord is one call of the history.
type CallRecord struct {
	ID            string     `json:"id"`
	Direction     string     `json:"direction"`
	Queue         string     `json:"queue,omitempty"`
	Node          string     `json:"node"`
	AsteriskID    string     `json:"asterisk_id,omitempty"`
	CallerNumber  string     `json:"caller_number,omitempty"`
	CalledNumber  string     `json:"called_number,omitempty"`
	Agent         string     `json:"agent,omitempty"`
	EnteredAt     time.Time  `json:"entered_at"`
	FirstOfferAt  *time.Time `json:"first_offer_at,omitempty"`
	AnsweredAt    *time.Time `json:"answered_at,omitempty"`
	EndedAt       *time.Time `json:"ended_at,omitempty"`
	WaitMs        *int64     `json:"wait_ms,omitempty"`
	RingMs        *int64     `json:"ring_ms,omitempty"`
	TalkMs        *int64     `json:"talk_ms,omitempty"`
	HoldMs        *int64     `json:"hold_ms,omitempty"`
	WrapMs        *int64     `json:"wrap_ms,omitempty"`
	Outcome       string     `json:"outcome,omitempty"`
	HangupBy      string     `json:"hangup_by,omitempty"`
	Cause         *int       `json:"cause,omitempty"`
	RecordingName string     `json:"recording_name,omitempty"`

	TransferredTo    string `json:"transferred_to,omitempty"`   // "queue:support", "agent:1002", "number:5551234"
	TransferredFrom  string `json:"transferred_from,omitempty"` // the call this one continues (a transfer)
	Disposition      string `json:"disposition,omitempty"`
	DispositionLabel string `json:"disposition_label,omitempty"`
	Note             string `json:"note,omitempty"`
	// NoDisposition: answered in a queue that requires a disposition, and none was given.
	NoDisposition bool `json:"no_disposition,omitempty"`
}

// callSelect and callJoins read a CallRecord (scanCall) with its transfer, disposition and note.
const callSelect = `calls.id, direction, coalesce(calls.queue, ''), coalesce(node, ''), coalesce(asterisk_id, ''), coalesce(caller_number, ''),
		coalesce(called_number, ''), coalesce(calls.agent_id, ''), entered_at, first_offer_at, answered_at, ended_at, wait_ms, ring_ms,
		talk_ms, hold_ms, wrap_ms, coalesce(outcome, ''), coalesce(hangup_by, ''), cause, coalesce(recording_name, ''),
		coalesce(transferred_to, ''), coalesce(transferred_from, ''), coalesce(cd.code, ''), coalesce(cd.label, ''), coalesce(cd.note, ''),
		(outcome = 'answered' AND direction = 'inbound' AND coalesce(dq.required, false) AND cd.code IS NULL)`

const callJoins = `LEFT JOIN call_dispositions cd ON cd.call_id = calls.id LEFT JOIN disposition_queues dq ON dq.queue = calls.queue`

// MaxSearchRange bounds one search's time range.
const MaxSearchRange = 400 * 24 * time.Hour

// invalidField is a 400 naming field once; give it its specific code with With.
func invalidField(field, format string, args ...any) *callfloor.Error {
	return callfloor.Invalid(field, callfloor.EINVALID, nil, format, args...)
}

var errBadCursor = invalidField("cursor", "not a cursor from a previous page").With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "cursor"})

func encodeCursor(t time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.UnixMicro(), 10) + "|" + id))
}

func decodeCursor(c string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", errBadCursor
	}
	ts, id, ok := strings.Cut(string(b), "|")
	us, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", errBadCursor
	}
	return time.UnixMicro(us).UTC(), id, nil
}

// SearchCalls returns one page of calls, newest first, and the cursor of the next page ("" at
// the end). Keyset pagination on (entered_at, id): deep pages cost what the first one does.
func (db *DB) SearchCalls(ctx context.Context, f CallFilter) ([]CallRecord, string, error) {
	if f.From.IsZero() || f.To.IsZero() {
		return nil, "", invalidField("from", "from and to are required").With(callfloor.CodeRequired, nil)
	}
	if !f.From.Before(f.To) {
		return nil, "", invalidField("to", "must be after from").With(callfloor.CodeMustBeAfter, callfloor.Params{"other": "from"})
	}
	if f.To.Sub(f.From) > MaxSearchRange {
		return nil, "", invalidField("to", "the range may span at most %d days", int(MaxSearchRange.Hours()/24)).With(callfloor.CodeOutOfRange, callfloor.Params{"max": int(MaxSearchRange.Hours() / 24), "unit": "days"})
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	if f.Limit < 1 || f.Limit > 500 {
		return nil, "", invalidField("limit", "must be 1..500, got %d", f.Limit).With(callfloor.CodeOutOfRange, callfloor.Params{"min": 1, "max": 500, "value": f.Limit})
	}
	var w sqlWhere
	w.add("entered_at >= ?", f.From)
	w.add("entered_at < ?", f.To)
	if f.Queue != "" {
		w.add("calls.queue = ?", f.Queue)
	}
	if f.Agent != "" {
		w.add("calls.agent_id = ?", f.Agent)
	}
	if f.Team != "" {
		w.add("calls.agent_id IN (SELECT id FROM agents WHERE team_id = ?)", f.Team)
	}
	if sc := f.Scope; sc != nil {
		w.add("(calls.queue = ANY(?) OR calls.agent_id IN (SELECT id FROM agents WHERE team_id = ANY(?)))", nonNil(sc.Queues), nonNil(sc.Teams))
	}
	if f.Outcome != "" {
		w.add("outcome = ?", f.Outcome)
	}
	if f.Direction != "" {
		w.add("direction = ?", f.Direction)
	}
	switch f.Disposition {
	case "":
	case "none":
		w.add("outcome = 'answered' AND direction = 'inbound' AND coalesce(dq.required, false) AND cd.code IS NULL")
	default:
		w.add("cd.code = ?", f.Disposition)
	}
	if f.Text != "" {
		w.add("cd.note ILIKE ?", "%"+likeEscape(f.Text)+"%")
	}
	if f.Recorded != nil {
		if *f.Recorded {
			w.add("coalesce(recording_name, '') <> ''")
		} else {
			w.add("coalesce(recording_name, '') = ''")
		}
	}
	if n := f.Number; n != "" {
		if p, ok := strings.CutSuffix(n, "*"); ok {
			if p == "" || strings.ContainsAny(p, "*%_\\") {
				return nil, "", invalidField("number", "a prefix search is digits followed by one '*'").With(callfloor.CodeInvalidNumber, nil)
			}
			w.add("(caller_number LIKE ? OR called_number LIKE ?)", p+"%")
		} else {
			w.add("(caller_number = ? OR called_number = ?)", n)
		}
	}
	if f.Cursor != "" {
		t, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		w.add("(entered_at, calls.id) < (?, ?)", t, id)
	}
	limit := w.arg(f.Limit + 1)
	q := `SELECT ` + callSelect + ` FROM calls ` + callJoins + ` WHERE ` + w.clause() + " ORDER BY entered_at DESC, calls.id DESC LIMIT " + limit
	rows, err := db.Pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("search calls: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanCall)
	if err != nil {
		return nil, "", fmt.Errorf("search calls: %w", err)
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = encodeCursor(last.EnteredAt, last.ID)
	}
	return out, next, nil
}

func scanCall(r pgx.CollectableRow) (CallRecord, error) {
	var c CallRecord
	err := r.Scan(&c.ID, &c.Direction, &c.Queue, &c.Node, &c.AsteriskID, &c.CallerNumber, &c.CalledNumber, &c.Agent,
		&c.EnteredAt, &c.FirstOfferAt, &c.AnsweredAt, &c.EndedAt, &c.WaitMs, &c.RingMs, &c.TalkMs, &c.HoldMs, &c.WrapMs,
		&c.Outcome, &c.HangupBy, &c.Cause, &c.RecordingName, &c.TransferredTo, &c.TransferredFrom, &c.Disposition, &c.DispositionLabel,
		&c.Note, &c.NoDisposition)
	return c, err
}

// CallByID returns one call of the history.
func (db *DB) CallByID(ctx context.Context, id string) (CallRecord, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+callSelect+` FROM calls `+callJoins+` WHERE calls.id = $1 LIMIT 1`, id)
	if err != nil {
		return CallRecord{}, err
	}
	out, err := pgx.CollectRows(rows, scanCall)
	if err != nil {
		return CallRecord{}, err
	}
	if len(out) == 0 {
		return CallRecord{}, callfloor.NotFound("call", id, "call %q not found", id)
	}
	return out[0], nil
}

// likeEscape escapes LIKE's wildcards so text matches as written.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s)
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}
