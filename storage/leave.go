package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/callfloor/callfloor"
)

// Leave (issue 12): requests checked by the leave policy (callfloor.LeavePolicy), approved step by
// step along the chain saved on the request, attachments (a sick note), balances per agent, type
// and year. Approved leave shows on the roster and in attendance.

// LeaveRequestView is a request with its chain's progress.
type LeaveRequestView struct {
	callfloor.LeaveRequest
	Half      string            `json:"half,omitempty"`
	Chain     []callfloor.Role  `json:"chain"`
	Step      int               `json:"step"` // index of the next approver in Chain
	Status    string            `json:"status"`
	Decisions []LeaveDecision   `json:"decisions"`
	Files     []LeaveAttachment `json:"files"`
	CreatedAt time.Time         `json:"created_at"`
	NextRole  callfloor.Role    `json:"next_role,omitempty"`
}

// LeaveDecision is a step of the chain decided.
type LeaveDecision struct {
	Step      int            `json:"step"`
	Role      callfloor.Role `json:"role"`
	DecidedBy string         `json:"decided_by"`
	Decision  string         `json:"decision"`
	Note      string         `json:"note"`
	At        time.Time      `json:"at"`
}

// LeaveAttachment is an attachment's description (its bytes: LeaveAttachmentData).
type LeaveAttachment struct {
	ID          int64  `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
}

// NewAttachment is a file sent with a request.
type NewAttachment struct {
	Filename, ContentType string
	Data                  []byte
}

// MaxLeaveAttachment is an attachment's largest size.
const MaxLeaveAttachment = 10 << 20

// LeaveAttachmentTypes are the content types taken (sniffed, not trusted from the client).
var LeaveAttachmentTypes = []string{"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"}

// CodeLeaveBalance: a request over the remaining balance.
const CodeLeaveBalance = "leave_balance" // params: value (days asked), max (days remaining)

func init() { callfloor.RegisterCode(CodeLeaveBalance, callfloor.EINVALID) }

// LeavePolicy reads the policy (the default while none was saved).
func (db *DB) LeavePolicy(ctx context.Context) (callfloor.LeavePolicy, error) {
	var raw []byte
	err := db.Pool.QueryRow(ctx, `SELECT policy FROM leave_policy`).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return callfloor.DefaultLeavePolicy, nil
	}
	if err != nil {
		return callfloor.LeavePolicy{}, fmt.Errorf("leave policy: %w", err)
	}
	var p callfloor.LeavePolicy
	return p, json.Unmarshal(raw, &p)
}

// PutLeavePolicy saves the policy.
func (db *DB) PutLeavePolicy(ctx context.Context, p callfloor.LeavePolicy, by string) error {
	if err := p.Validate(); err != nil {
		return err
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = db.Pool.Exec(ctx, `INSERT INTO leave_policy (id, policy, updated_by) VALUES (true, $1, $2)
		ON CONFLICT (id) DO UPDATE SET policy = EXCLUDED.policy, updated_by = EXCLUDED.updated_by, updated_at = now()`, raw, by)
	return wrapErr("leave policy", err)
}

// LeaveBalance is an agent's year of a leave type.
type LeaveBalance struct {
	Type      string   `json:"type"`
	Entitled  *float64 `json:"entitled"` // nil: no entitlement set (not limited)
	Taken     float64  `json:"taken"`    // approved
	Pending   float64  `json:"pending"`
	Remaining *float64 `json:"remaining"`
}

// LeaveBalances lists an agent's balances of a year (every type).
func (db *DB) LeaveBalances(ctx context.Context, agent string, year int) ([]LeaveBalance, error) {
	return leaveBalances(ctx, db.Pool, agent, year)
}

func leaveBalances(ctx context.Context, db rowQuerier, agent string, year int) ([]LeaveBalance, error) {
	by := map[string]*LeaveBalance{}
	out := make([]LeaveBalance, len(callfloor.LeaveTypes))
	for i, t := range callfloor.LeaveTypes {
		out[i].Type = t
		by[t] = &out[i]
	}
	rows, err := db.Query(ctx, `SELECT type, entitled_days::float8 FROM leave_balances WHERE agent_id = $1 AND year = $2`, agent, year)
	if err != nil {
		return nil, fmt.Errorf("leave balances: %w", err)
	}
	for rows.Next() {
		var t string
		var v float64
		if err := rows.Scan(&t, &v); err != nil {
			rows.Close()
			return nil, err
		}
		if b := by[t]; b != nil {
			b.Entitled = &v
		}
	}
	rows.Close()
	rows, err = db.Query(ctx, `SELECT type, status, sum(days)::float8 FROM leave_requests WHERE agent_id = $1
		AND extract(year FROM from_day) = $2 AND status IN ('approved', 'pending') GROUP BY 1, 2`, agent, year)
	if err != nil {
		return nil, fmt.Errorf("leave balances: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t, st string
		var v float64
		if err := rows.Scan(&t, &st, &v); err != nil {
			return nil, err
		}
		if b := by[t]; b != nil {
			if st == "approved" {
				b.Taken = v
			} else {
				b.Pending = v
			}
		}
	}
	for i := range out {
		if e := out[i].Entitled; e != nil {
			r := *e - out[i].Taken
			out[i].Remaining = &r
		}
	}
	return out, rows.Err()
}

// PutLeaveBalance sets an entitlement.
func (db *DB) PutLeaveBalance(ctx context.Context, agent, typ string, year int, days float64) error {
	if !slices.Contains(callfloor.LeaveTypes, typ) {
		return callfloor.Invalid("type", callfloor.CodeInvalidChoice, callfloor.Params{"allowed": callfloor.LeaveTypes, "value": typ}, "unknown leave type %q", typ)
	}
	if days < 0 || days > 366 || days*2 != float64(int(days*2)) {
		return callfloor.Invalid("entitled_days", callfloor.CodeOutOfRange, callfloor.Params{"min": 0, "max": 366, "value": days}, "must be half days 0–366")
	}
	if year < 2000 || year > 2100 {
		return callfloor.Invalid("year", callfloor.CodeOutOfRange, callfloor.Params{"min": 2000, "max": 2100, "value": year}, "must be 2000–2100")
	}
	_, err := db.Pool.Exec(ctx, `INSERT INTO leave_balances (agent_id, type, year, entitled_days) VALUES ($1, $2, $3, $4)
		ON CONFLICT (agent_id, type, year) DO UPDATE SET entitled_days = EXCLUDED.entitled_days`, agent, typ, year, days)
	return wrapErr("leave balance", err)
}

// RequestLeave checks a request against the policy and the balance, saves it with its chain and
// attachments, pending at the chain's first step.
func (db *DB) RequestLeave(ctx context.Context, r callfloor.LeaveRequest, half string, files []NewAttachment, by string) (*LeaveRequestView, error) {
	p, err := db.LeavePolicy(ctx)
	if err != nil {
		return nil, err
	}
	r.Attachments = len(files)
	if err := p.CheckLeave(r); err != nil {
		return nil, err
	}
	if half != "" && half != "am" && half != "pm" {
		return nil, callfloor.Invalid("half", callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{"am", "pm"}, "value": half}, "must be am or pm")
	}
	if half != "" && (r.Days != 0.5 || r.From != r.To) {
		return nil, callfloor.Invalid("half", callfloor.CodeNotApplicable, callfloor.Params{"other": "days", "value": half}, "only for half a day")
	}
	if len(r.Reason) > 500 {
		return nil, callfloor.Invalid("reason", callfloor.CodeTooLong, callfloor.Params{"max": 500}, "at most 500 characters")
	}
	for i, f := range files {
		if len(f.Data) == 0 || len(f.Data) > MaxLeaveAttachment {
			return nil, callfloor.Invalid(fmt.Sprintf("attachments[%d]", i), callfloor.CodeTooLarge, callfloor.Params{"max": MaxLeaveAttachment}, "a file of 1 byte to 10 MB")
		}
		if !slices.Contains(LeaveAttachmentTypes, f.ContentType) {
			return nil, callfloor.Invalid(fmt.Sprintf("attachments[%d]", i), callfloor.CodeInvalidChoice, callfloor.Params{"allowed": LeaveAttachmentTypes, "value": f.ContentType},
				"an image or a PDF, not %s", f.ContentType)
		}
	}
	year, _ := strconv.Atoi(r.From[:4])
	chain := p.Chain(r)
	var id int64
	err = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		// one request of an agent at a time: the overlap and balance checks below see the
		// requests saved before this one (two sent at once would both pass otherwise)
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('leave:' || $1))`, r.Agent); err != nil {
			return err
		}
		bal, err := leaveBalances(ctx, tx, r.Agent, year)
		if err != nil {
			return err
		}
		for _, b := range bal {
			if b.Type == r.Type && b.Remaining != nil && r.Days > *b.Remaining-b.Pending {
				return callfloor.Invalid("days", CodeLeaveBalance, callfloor.Params{"value": r.Days, "max": *b.Remaining - b.Pending},
					"%v days asked, %v left", r.Days, *b.Remaining-b.Pending)
			}
		}
		var overlap int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM leave_requests WHERE agent_id = $1 AND status IN ('pending', 'approved')
			AND from_day <= $3::date AND to_day >= $2::date`, r.Agent, r.From, r.To).Scan(&overlap); err != nil {
			return err
		}
		if overlap > 0 {
			return callfloor.Invalid("from", callfloor.CodeConflictsWith, callfloor.Params{"other": "leave"}, "overlaps another leave request")
		}
		var h any
		if half != "" {
			h = half
		}
		if err := tx.QueryRow(ctx, `INSERT INTO leave_requests (agent_id, type, from_day, to_day, days, half, reason, requested_on, chain)
			VALUES ($1, $2, $3::date, $4::date, $5, $6, $7, $8::date, $9) RETURNING id`,
			r.Agent, r.Type, r.From, r.To, r.Days, h, r.Reason, r.RequestedOn, chain).Scan(&id); err != nil {
			return err
		}
		for _, f := range files {
			if _, err := tx.Exec(ctx, `INSERT INTO leave_attachments (request_id, filename, content_type, size, data, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6)`,
				id, f.Filename, f.ContentType, len(f.Data), f.Data, by); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrapErr("request leave", err)
	}
	return db.GetLeave(ctx, id)
}

const leaveCols = `id, agent_id, type, from_day::text, to_day::text, days::float8, coalesce(half, ''), reason, requested_on::text, chain, step, status, created_at`

func scanLeave(r pgx.Row) (*LeaveRequestView, error) {
	var v LeaveRequestView
	var chain []string
	err := r.Scan(&v.ID, &v.Agent, &v.Type, &v.From, &v.To, &v.Days, &v.Half, &v.Reason, &v.RequestedOn, &chain, &v.Step, &v.Status, &v.CreatedAt)
	for _, c := range chain {
		v.Chain = append(v.Chain, callfloor.Role(c))
	}
	if v.Status == "pending" && v.Step < len(v.Chain) {
		v.NextRole = v.Chain[v.Step]
	}
	v.Decisions, v.Files = []LeaveDecision{}, []LeaveAttachment{}
	return &v, err
}

func (db *DB) fillLeave(ctx context.Context, vs []*LeaveRequestView) error {
	if len(vs) == 0 {
		return nil
	}
	by := map[int64]*LeaveRequestView{}
	ids := make([]int64, 0, len(vs))
	for _, v := range vs {
		by[v.ID] = v
		ids = append(ids, v.ID)
	}
	rows, err := db.Pool.Query(ctx, `SELECT request_id, step, role, decided_by, decision, note, at FROM leave_decisions WHERE request_id = ANY($1) ORDER BY request_id, step`, ids)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var d LeaveDecision
		var role string
		if err := rows.Scan(&id, &d.Step, &role, &d.DecidedBy, &d.Decision, &d.Note, &d.At); err != nil {
			rows.Close()
			return err
		}
		d.Role = callfloor.Role(role)
		by[id].Decisions = append(by[id].Decisions, d)
	}
	rows.Close()
	rows, err = db.Pool.Query(ctx, `SELECT request_id, id, filename, content_type, size FROM leave_attachments WHERE request_id = ANY($1) ORDER BY id`, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var a LeaveAttachment
		if err := rows.Scan(&id, &a.ID, &a.Filename, &a.ContentType, &a.Size); err != nil {
			return err
		}
		by[id].Files = append(by[id].Files, a)
		by[id].Attachments++
	}
	return rows.Err()
}

// GetLeave reads a request with its decisions and attachments.
func (db *DB) GetLeave(ctx context.Context, id int64) (*LeaveRequestView, error) {
	v, err := scanLeave(db.Pool.QueryRow(ctx, `SELECT `+leaveCols+` FROM leave_requests WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, callfloor.NotFound("leave", strconv.FormatInt(id, 10), "no leave request %d", id)
	}
	if err != nil {
		return nil, err
	}
	return v, db.fillLeave(ctx, []*LeaveRequestView{v})
}

// LeaveFilter selects requests: agents (nil any), status ("" any), next role (pending at that step).
type LeaveFilter struct {
	Agents   []string
	Status   string
	NextRole callfloor.Role
}

// ListLeave lists requests, newest first (at most 500).
func (db *DB) ListLeave(ctx context.Context, f LeaveFilter) ([]*LeaveRequestView, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+leaveCols+` FROM leave_requests WHERE ($1::text[] IS NULL OR agent_id = ANY($1))
		AND ($2 = '' OR status = $2) AND ($3 = '' OR (status = 'pending' AND chain[step + 1] = $3)) ORDER BY id DESC LIMIT 500`,
		nilIfEmpty(f.Agents), f.Status, string(f.NextRole))
	if err != nil {
		return nil, fmt.Errorf("leave: %w", err)
	}
	vs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*LeaveRequestView, error) { return scanLeave(r) })
	if err != nil {
		return nil, err
	}
	if vs == nil {
		vs = []*LeaveRequestView{}
	}
	return vs, db.fillLeave(ctx, vs)
}

// DecideLeave records the decision of the chain's current step, taken as role (the API checked
// that the caller may act as it): a step of another role (the request moved on since) is a state
// conflict. An approval at the last step approves the request, a
// rejection at any step rejects it.
func (db *DB) DecideLeave(ctx context.Context, id int64, role callfloor.Role, by string, approve bool, note string) (*LeaveRequestView, error) {
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		v, err := scanLeave(tx.QueryRow(ctx, `SELECT `+leaveCols+` FROM leave_requests WHERE id = $1 FOR UPDATE`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return callfloor.NotFound("leave", strconv.FormatInt(id, 10), "no leave request %d", id)
		}
		if err != nil {
			return err
		}
		if v.Status != "pending" {
			return callfloor.StateConflict(v.Status, "leave request %d is %s", id, v.Status)
		}
		// the step the caller was allowed to decide may have been decided meanwhile (two team
		// leads at once): the request moved on to another role's step, which is not theirs
		if v.NextRole != role {
			return callfloor.StateConflict(v.Status, "step %d of leave request %d is for a %s, not a %s", v.Step+1, id, v.NextRole, role)
		}
		decision, status, step := "rejected", "rejected", v.Step
		if approve {
			decision, step = "approved", v.Step+1
			status = "pending"
			if step >= len(v.Chain) {
				status = "approved"
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO leave_decisions (request_id, step, role, decided_by, decision, note) VALUES ($1, $2, $3, $4, $5, $6)`,
			id, v.Step, string(role), by, decision, note); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE leave_requests SET step = $2, status = $3, updated_at = now() WHERE id = $1`, id, step, status)
		return err
	})
	if err != nil {
		return nil, wrapErr("decide leave", err)
	}
	return db.GetLeave(ctx, id)
}

// CancelLeave cancels a pending request.
func (db *DB) CancelLeave(ctx context.Context, id int64) (*LeaveRequestView, error) {
	tag, err := db.Pool.Exec(ctx, `UPDATE leave_requests SET status = 'cancelled', updated_at = now() WHERE id = $1 AND status = 'pending'`, id)
	if err != nil {
		return nil, wrapErr("cancel leave", err)
	}
	v, err := db.GetLeave(ctx, id)
	if err != nil {
		return nil, err
	}
	if tag.RowsAffected() == 0 {
		return nil, callfloor.StateConflict(v.Status, "leave request %d is %s", id, v.Status)
	}
	return v, nil
}

// LeaveAttachmentData reads an attachment's bytes and the request it belongs to.
func (db *DB) LeaveAttachmentData(ctx context.Context, id int64) (LeaveAttachment, int64, []byte, error) {
	var a LeaveAttachment
	var req int64
	var data []byte
	err := db.Pool.QueryRow(ctx, `SELECT id, filename, content_type, size, request_id, data FROM leave_attachments WHERE id = $1`, id).
		Scan(&a.ID, &a.Filename, &a.ContentType, &a.Size, &req, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, 0, nil, callfloor.NotFound("attachment", strconv.FormatInt(id, 10), "no attachment %d", id)
	}
	return a, req, data, err
}
