package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/callfloor/callfloor"
)

// Tickets (issue 14 item 2): complaints, difficult cases, repairs and enquiries that outlive a
// call. A ticket has a first owner (首问: who created it, never changes) while its assignee and
// team change; an answer is due by its category's SLA for its priority (escalated to the team
// lead, then the project managers, when it is not answered in time: EscalateTickets); it closes
// only after its follow-up (回访) call's outcome is recorded, and "not satisfied" reopens it.
// Every change appends a ticket_events row in the same transaction, and the notifications it
// causes go to the ticket_notifications outbox in that transaction too (tickets.Service sends
// them). Every function takes the time as now, so that tests run on a fake clock.

// Ticket priorities, statuses, follow-up outcomes and event kinds.
var (
	TicketPriorities = []string{"low", "normal", "high", "urgent"}
	TicketStatuses   = []string{"open", "in_progress", "waiting_followup", "closed", "reopened"}
	FollowupOutcomes = []string{"satisfied", "not_satisfied", "unreachable"}
	TicketFieldTypes = []string{"text", "number", "date", "choice"}
)

// Ticket error codes.
const (
	// CodeFollowupRequired: closing a ticket whose follow-up call's outcome is not recorded
	// (or was "not satisfied"); field "followup".
	CodeFollowupRequired = "followup_required"
	// CodeTicketClosed: an action a closed ticket does not allow (reopen it first).
	CodeTicketClosed = "ticket_closed"
)

func init() {
	callfloor.RegisterCode(CodeFollowupRequired, callfloor.ECONFLICT)
	callfloor.RegisterCode(CodeTicketClosed, callfloor.ECONFLICT)
	RegisterTimelineSource("tickets", ticketTimeline)
}

// Limits on ticket text (characters).
const (
	MaxTicketSubject = 200
	MaxTicketText    = 4000
)

var ticketZone atomic.Pointer[time.Location]

// SetTicketZone sets the time zone whose date a ticket's number carries (the centre's).
func SetTicketZone(loc *time.Location) {
	if loc != nil {
		ticketZone.Store(loc)
	}
}

func ticketLoc() *time.Location {
	if l := ticketZone.Load(); l != nil {
		return l
	}
	return time.Local
}

// TicketField is one of a category's own fields.
type TicketField struct {
	Key      string   `json:"key"`
	LabelZh  string   `json:"label_zh"`
	LabelEn  string   `json:"label_en"`
	Type     string   `json:"type"`
	Options  []string `json:"options,omitempty"`
	Required bool     `json:"required,omitempty"`
}

// TicketCategory is a kind of ticket.
type TicketCategory struct {
	Code            string             `json:"code"`
	NameZh          string             `json:"name_zh"`
	NameEn          string             `json:"name_en"`
	Fields          []TicketField      `json:"fields"`
	DefaultPriority string             `json:"default_priority"`
	SLAHours        map[string]float64 `json:"sla_hours"`
	SMSOnCreate     bool               `json:"sms_on_create"`
	SMSOnAnswer     bool               `json:"sms_on_answer"`
	Disabled        bool               `json:"disabled"`
	Sort            int                `json:"sort"`
}

// Ticket is one ticket.
type Ticket struct {
	ID              int64          `json:"id"`
	Number          string         `json:"number"`
	Category        string         `json:"category"`
	Priority        string         `json:"priority"`
	Status          string         `json:"status"`
	Phone           string         `json:"phone"`
	CustomerName    string         `json:"customer_name"`
	Subject         string         `json:"subject"`
	Description     string         `json:"description"`
	Fields          map[string]any `json:"fields"`
	ProjectID       string         `json:"project_id,omitempty"`
	FirstOwnerID    *int64         `json:"first_owner_id,omitempty"`
	FirstOwnerName  string         `json:"first_owner_name"`
	AssigneeID      *int64         `json:"assignee_id,omitempty"`
	AssigneeName    string         `json:"assignee_name,omitempty"`
	TeamID          string         `json:"team_id,omitempty"`
	CreatedBy       string         `json:"created_by"`
	CreatedAt       time.Time      `json:"created_at"`
	UpdatedAt       time.Time      `json:"updated_at"`
	SLAHours        float64        `json:"sla_hours"`
	DueAt           time.Time      `json:"due_at"`
	AnsweredAt      *time.Time     `json:"answered_at,omitempty"`
	EscalationLevel int            `json:"escalation_level"`
	EscalatedAt     *time.Time     `json:"escalated_at,omitempty"`
	CallID          string         `json:"call_id,omitempty"`
	CallAt          *time.Time     `json:"call_at,omitempty"`
	CallAgent       string         `json:"call_agent,omitempty"`
	Queue           string         `json:"queue,omitempty"`
	RecordingName   string         `json:"recording_name,omitempty"`
	FollowupOutcome string         `json:"followup_outcome,omitempty"`
	FollowupAt      *time.Time     `json:"followup_at,omitempty"`
	FollowupNote    string         `json:"followup_note,omitempty"`
	ClosedAt        *time.Time     `json:"closed_at,omitempty"`
	ReopenCount     int            `json:"reopen_count"`
	// Overdue: not answered and past its due time (at the time it was read).
	Overdue bool `json:"overdue"`
}

// TicketEvent is one row of a ticket's history.
type TicketEvent struct {
	ID       int64          `json:"id"`
	At       time.Time      `json:"at"`
	Kind     string         `json:"kind"`
	ByUserID *int64         `json:"by_user_id,omitempty"`
	By       string         `json:"by"`
	Detail   map[string]any `json:"detail"`
}

// TicketActor is who changes a ticket: a user (UserID > 0) or the system (UserID 0, Name
// "system:…").
type TicketActor struct {
	UserID int64
	Name   string
}

func (a TicketActor) id() *int64 {
	if a.UserID > 0 {
		return &a.UserID
	}
	return nil
}

func ticketInvalid(field, code string, p callfloor.Params, format string, args ...any) error {
	return callfloor.Invalid(field, code, p, format, args...)
}

func ticketNotFound(id int64) error {
	return callfloor.NotFound("ticket", strconv.FormatInt(id, 10), "ticket %d not found", id)
}

// ---- categories ----

const categoryCols = `code, name_zh, name_en, fields, default_priority, sla_hours, sms_on_create, sms_on_answer, disabled, sort`

func scanCategory(row pgx.Row) (TicketCategory, error) {
	var c TicketCategory
	var fields, sla []byte
	err := row.Scan(&c.Code, &c.NameZh, &c.NameEn, &fields, &c.DefaultPriority, &sla, &c.SMSOnCreate, &c.SMSOnAnswer, &c.Disabled, &c.Sort)
	if err != nil {
		return c, err
	}
	_ = json.Unmarshal(fields, &c.Fields)
	_ = json.Unmarshal(sla, &c.SLAHours)
	if c.Fields == nil {
		c.Fields = []TicketField{}
	}
	return c, nil
}

// TicketCategories lists the categories (disabled ones too), in their order.
func (db *DB) TicketCategories(ctx context.Context) ([]TicketCategory, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+categoryCols+` FROM ticket_categories ORDER BY sort, code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []TicketCategory{}
	for rows.Next() {
		c, err := scanCategory(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// TicketCategory returns one category.
func (db *DB) TicketCategory(ctx context.Context, code string) (TicketCategory, error) {
	c, err := scanCategory(db.Pool.QueryRow(ctx, `SELECT `+categoryCols+` FROM ticket_categories WHERE code = $1`, code))
	if errors.Is(err, pgx.ErrNoRows) {
		return c, callfloor.NotFound("ticket_category", code, "ticket category %q not found", code)
	}
	return c, err
}

// Validate checks a category.
func (c *TicketCategory) Validate() error {
	if !validCode(c.Code) {
		return ticketInvalid("code", callfloor.CodeInvalidFormat, callfloor.Params{"format": "identifier", "value": c.Code}, "lower-case letters, digits and _ (at most 40)")
	}
	c.NameZh, c.NameEn = strings.TrimSpace(c.NameZh), strings.TrimSpace(c.NameEn)
	if c.NameZh == "" {
		return ticketInvalid("name_zh", callfloor.CodeRequired, nil, "required")
	}
	if c.NameEn == "" {
		return ticketInvalid("name_en", callfloor.CodeRequired, nil, "required")
	}
	if c.DefaultPriority == "" {
		c.DefaultPriority = "normal"
	}
	if !slices.Contains(TicketPriorities, c.DefaultPriority) {
		return ticketInvalid("default_priority", callfloor.CodeInvalidChoice, callfloor.Params{"allowed": TicketPriorities, "value": c.DefaultPriority}, "not a priority")
	}
	for _, p := range TicketPriorities {
		h, ok := c.SLAHours[p]
		if !ok || h <= 0 || h > 24*90 || math.IsNaN(h) {
			return ticketInvalid("sla_hours."+p, callfloor.CodeOutOfRange, callfloor.Params{"min": 0, "max": 24 * 90, "value": h}, "hours above 0, at most 2160")
		}
	}
	seen := map[string]bool{}
	for i, f := range c.Fields {
		field := fmt.Sprintf("fields[%d]", i)
		if !validCode(f.Key) {
			return ticketInvalid(field+".key", callfloor.CodeInvalidFormat, callfloor.Params{"format": "identifier", "value": f.Key}, "lower-case letters, digits and _")
		}
		if seen[f.Key] {
			return ticketInvalid(field+".key", callfloor.CodeDuplicate, callfloor.Params{"value": f.Key}, "key twice")
		}
		seen[f.Key] = true
		if strings.TrimSpace(f.LabelZh) == "" || strings.TrimSpace(f.LabelEn) == "" {
			return ticketInvalid(field+".label_zh", callfloor.CodeRequired, nil, "both labels are required")
		}
		if !slices.Contains(TicketFieldTypes, f.Type) {
			return ticketInvalid(field+".type", callfloor.CodeInvalidChoice, callfloor.Params{"allowed": TicketFieldTypes, "value": f.Type}, "not a field type")
		}
		if f.Type == "choice" && len(f.Options) == 0 {
			return ticketInvalid(field+".options", callfloor.CodeTooFew, callfloor.Params{"min": 1}, "a choice needs options")
		}
	}
	return nil
}

func validCode(s string) bool {
	if s == "" || len(s) > 40 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// PutTicketCategory creates or replaces a category.
func (db *DB) PutTicketCategory(ctx context.Context, c TicketCategory) (TicketCategory, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	if c.Fields == nil {
		c.Fields = []TicketField{}
	}
	fields, _ := json.Marshal(c.Fields)
	sla, _ := json.Marshal(c.SLAHours)
	_, err := db.Pool.Exec(ctx, `INSERT INTO ticket_categories (code, name_zh, name_en, fields, default_priority, sla_hours, sms_on_create, sms_on_answer, disabled, sort)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (code) DO UPDATE SET name_zh = $2, name_en = $3, fields = $4, default_priority = $5, sla_hours = $6,
			sms_on_create = $7, sms_on_answer = $8, disabled = $9, sort = $10, updated_at = now()`,
		c.Code, c.NameZh, c.NameEn, fields, c.DefaultPriority, sla, c.SMSOnCreate, c.SMSOnAnswer, c.Disabled, c.Sort)
	return c, err
}

// DeleteTicketCategory deletes a category no ticket uses (disable it otherwise).
func (db *DB) DeleteTicketCategory(ctx context.Context, code string) error {
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM tickets WHERE category = $1`, code).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return &callfloor.Error{Code: callfloor.CodeInUse, Kind: callfloor.ECONFLICT, Params: callfloor.Params{"what": "ticket_category", "value": code},
			Message: fmt.Sprintf("ticket category %q is used by %d tickets: disable it instead", code, n)}
	}
	tag, err := db.Pool.Exec(ctx, `DELETE FROM ticket_categories WHERE code = $1`, code)
	if err == nil && tag.RowsAffected() == 0 {
		return callfloor.NotFound("ticket_category", code, "ticket category %q not found", code)
	}
	return err
}

// checkFields validates a ticket's field values against its category's fields. A ticket the
// system opens (a dissatisfied survey answer) may leave required fields empty: whoever works
// it fills them in (an update checks them).
func (c TicketCategory) checkFields(in map[string]any, system bool) (map[string]any, error) {
	out := map[string]any{}
	for k := range in {
		if !slices.ContainsFunc(c.Fields, func(f TicketField) bool { return f.Key == k }) {
			return nil, ticketInvalid("fields."+k, callfloor.CodeUnknownField, callfloor.Params{"value": k}, "not a field of category %s", c.Code)
		}
	}
	for _, f := range c.Fields {
		v, ok := in[f.Key]
		s := ""
		if ok && v != nil {
			s = strings.TrimSpace(fmt.Sprint(v))
		}
		if s == "" {
			if f.Required && !system {
				return nil, ticketInvalid("fields."+f.Key, callfloor.CodeRequired, nil, "required")
			}
			continue
		}
		switch f.Type {
		case "number":
			n, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, ticketInvalid("fields."+f.Key, callfloor.CodeInvalidFormat, callfloor.Params{"format": "integer", "value": s}, "not a number")
			}
			out[f.Key] = n
			continue
		case "date":
			if _, err := time.Parse(time.DateOnly, s); err != nil {
				return nil, ticketInvalid("fields."+f.Key, callfloor.CodeInvalidFormat, callfloor.Params{"format": "date", "value": s}, "not a date (YYYY-MM-DD)")
			}
		case "choice":
			if !slices.Contains(f.Options, s) {
				return nil, ticketInvalid("fields."+f.Key, callfloor.CodeInvalidChoice, callfloor.Params{"allowed": f.Options, "value": s}, "not one of the options")
			}
		}
		if utf8.RuneCountInString(s) > 500 {
			return nil, ticketInvalid("fields."+f.Key, callfloor.CodeTooLong, callfloor.Params{"max": 500}, "too long")
		}
		out[f.Key] = s
	}
	return out, nil
}

// ---- tickets ----

// NewTicket is what CreateTicket takes. Empty fields are filled from the call (CallID), the
// category (Priority) and the creator (TeamID, AssigneeID).
type NewTicket struct {
	Category     string         `json:"category"`
	Priority     string         `json:"priority"`
	Phone        string         `json:"phone"`
	CustomerName string         `json:"customer_name"`
	Subject      string         `json:"subject"`
	Description  string         `json:"description"`
	Fields       map[string]any `json:"fields"`
	ProjectID    string         `json:"project_id"`
	TeamID       string         `json:"team_id"`
	AssigneeID   *int64         `json:"assignee_id"`
	CallID       string         `json:"call_id"`
	// LiveCall: the call CallID names as the live state has it, when the history has not
	// written it yet (a call still on the desktop); its fields fill the ticket in the same way.
	LiveCall *TicketCall `json:"-"`
	// SurveyOf: the surveyed call whose dissatisfied answer opens the ticket (one ticket per
	// survey: tickets_one_per_survey).
	SurveyOf string `json:"-"`
}

// TicketCall is what a ticket takes from its call.
type TicketCall struct {
	Direction, Caller, Called, CallerName, Agent, Queue, Recording string
	At                                                             time.Time
}

func checkText(field, s string, max int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if required && s == "" {
		return s, ticketInvalid(field, callfloor.CodeRequired, nil, "required")
	}
	if utf8.RuneCountInString(s) > max {
		return s, ticketInvalid(field, callfloor.CodeTooLong, callfloor.Params{"max": max}, "at most %d characters", max)
	}
	return s, nil
}

type ticketUser struct {
	id     int64
	name   string
	team   string
	agent  string
	active bool
}

func userOf(ctx context.Context, q pgx.Tx, where string, arg any) (ticketUser, bool, error) {
	var u ticketUser
	var team, agent *string
	err := q.QueryRow(ctx, `SELECT id, CASE WHEN display_name <> '' THEN display_name ELSE username END, team_id, agent_id, NOT disabled
		FROM users WHERE `+where, arg).Scan(&u.id, &u.name, &team, &agent, &u.active)
	if errors.Is(err, pgx.ErrNoRows) {
		return u, false, nil
	}
	if team != nil {
		u.team = *team
	}
	if agent != nil {
		u.agent = *agent
	}
	return u, err == nil, err
}

// nextTicketNumber takes the day's next number: T + the centre's date + "-" + 4 digits.
func nextTicketNumber(ctx context.Context, tx pgx.Tx, now time.Time) (string, error) {
	day := now.In(ticketLoc()).Format("20060102")
	var n int
	err := tx.QueryRow(ctx, `INSERT INTO ticket_numbers (day, last) VALUES ($1, 1)
		ON CONFLICT (day) DO UPDATE SET last = ticket_numbers.last + 1 RETURNING last`, day).Scan(&n)
	return fmt.Sprintf("T%s-%04d", day, n), err
}

func addEvent(ctx context.Context, tx pgx.Tx, id int64, now time.Time, kind string, by TicketActor, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	b, _ := json.Marshal(detail)
	_, err := tx.Exec(ctx, `INSERT INTO ticket_events (ticket_id, at, kind, by_user_id, by_name, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, now, kind, by.id(), by.Name, b)
	return err
}

// notify queues a notification (sent by tickets.Service).
func notify(ctx context.Context, tx pgx.Tx, id int64, now time.Time, event, channel, phone string, userID int64) error {
	var ph *string
	var uid *int64
	if channel == "sms" {
		ph = &phone
	} else {
		uid = &userID
	}
	_, err := tx.Exec(ctx, `INSERT INTO ticket_notifications (ticket_id, event, channel, phone, user_id, next_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
		id, event, channel, ph, uid, now)
	return err
}

func slaHours(c TicketCategory, priority string) float64 {
	if h := c.SLAHours[priority]; h > 0 {
		return h
	}
	return 24
}

func hours(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }

// CreateTicket creates a ticket. by is its first owner when a user; a system creator (survey)
// makes the call's agent's user the first owner.
func (db *DB) CreateTicket(ctx context.Context, in NewTicket, by TicketActor, now time.Time) (Ticket, error) {
	var id int64
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var err error
		id, err = createTicket(ctx, tx, in, by, now)
		return err
	})
	if err != nil {
		return Ticket{}, err
	}
	return db.GetTicket(ctx, id, now)
}

func createTicket(ctx context.Context, tx pgx.Tx, in NewTicket, by TicketActor, now time.Time) (int64, error) {
	cat, err := scanCategory(tx.QueryRow(ctx, `SELECT `+categoryCols+` FROM ticket_categories WHERE code = $1`, in.Category))
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && cat.Disabled) {
		return 0, ticketInvalid("category", callfloor.CodeUnknownRef, callfloor.Params{"what": "ticket_category", "value": in.Category}, "no such category")
	}
	if err != nil {
		return 0, err
	}
	if in.Priority == "" {
		in.Priority = cat.DefaultPriority
	}
	if !slices.Contains(TicketPriorities, in.Priority) {
		return 0, ticketInvalid("priority", callfloor.CodeInvalidChoice, callfloor.Params{"allowed": TicketPriorities, "value": in.Priority}, "not a priority")
	}
	// from a call: its number, time, agent, queue (→ project) and recording
	var callAt *time.Time
	var callAgent, queue, recording, callName string
	if in.CallID != "" {
		var c TicketCall
		err := tx.QueryRow(ctx, `SELECT direction, coalesce(caller_number, ''), coalesce(called_number, ''), coalesce(caller_name, ''), coalesce(agent_id, ''),
			coalesce(queue, ''), coalesce(recording_name, ''), entered_at FROM calls WHERE id = $1 ORDER BY entered_at DESC LIMIT 1`, in.CallID).
			Scan(&c.Direction, &c.Caller, &c.Called, &c.CallerName, &c.Agent, &c.Queue, &c.Recording, &c.At)
		if errors.Is(err, pgx.ErrNoRows) && in.LiveCall != nil {
			c, err = *in.LiveCall, nil
		} else if err == nil && in.LiveCall != nil {
			// the history's row may not have the answer yet: the live call fills what it lacks
			l := in.LiveCall
			for _, f := range []struct {
				dst *string
				src string
			}{{&c.Agent, l.Agent}, {&c.Queue, l.Queue}, {&c.Recording, l.Recording}, {&c.CallerName, l.CallerName}} {
				if *f.dst == "" {
					*f.dst = f.src
				}
			}
		}
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, ticketInvalid("call_id", callfloor.CodeUnknownRef, callfloor.Params{"what": "call", "value": in.CallID}, "no such call")
		}
		if err != nil {
			return 0, err
		}
		dir, caller, called, at := c.Direction, c.Caller, c.Called, c.At
		callName, callAgent, queue, recording = c.CallerName, c.Agent, c.Queue, c.Recording
		callAt = &at
		if in.Phone == "" {
			in.Phone = caller
			if dir == "outbound" {
				in.Phone = called
			}
		}
		if in.CustomerName == "" {
			in.CustomerName = callName
		}
		if in.ProjectID == "" && queue != "" {
			_ = tx.QueryRow(ctx, `SELECT project_id FROM queues WHERE name = $1`, queue).Scan(&in.ProjectID)
		}
	}
	phone, err := callfloor.CanonicalPhone(in.Phone, "86")
	if err != nil {
		return 0, err
	}
	if in.Subject, err = checkText("subject", in.Subject, MaxTicketSubject, true); err != nil {
		return 0, err
	}
	if in.Description, err = checkText("description", in.Description, MaxTicketText, false); err != nil {
		return 0, err
	}
	if in.CustomerName, err = checkText("customer_name", in.CustomerName, 100, false); err != nil {
		return 0, err
	}
	fields, err := cat.checkFields(in.Fields, by.UserID == 0 && strings.HasPrefix(by.Name, "system:"))
	if err != nil {
		return 0, err
	}
	// the first owner: the creator, or for the system the call's agent's user
	var owner ticketUser
	var hasOwner bool
	if by.UserID > 0 {
		owner, hasOwner, err = userOf(ctx, tx, `id = $1`, by.UserID)
	} else if callAgent != "" {
		owner, hasOwner, err = userOf(ctx, tx, `agent_id = $1`, callAgent)
	}
	if err != nil {
		return 0, err
	}
	if in.TeamID == "" && hasOwner {
		in.TeamID = owner.team
	}
	assignee := in.AssigneeID
	if assignee == nil && hasOwner {
		assignee = &owner.id
	}
	var assigneeName string
	if assignee != nil {
		u, ok, err := userOf(ctx, tx, `id = $1`, *assignee)
		if err != nil {
			return 0, err
		}
		if !ok || !u.active {
			return 0, ticketInvalid("assignee_id", callfloor.CodeUnknownRef, callfloor.Params{"what": "user", "value": *assignee}, "no such user")
		}
		assigneeName = u.name
		if in.TeamID == "" {
			in.TeamID = u.team
		}
	}
	if in.TeamID != "" {
		var proj string
		if err := tx.QueryRow(ctx, `SELECT project_id FROM teams WHERE id = $1`, in.TeamID).Scan(&proj); errors.Is(err, pgx.ErrNoRows) {
			return 0, ticketInvalid("team_id", callfloor.CodeUnknownRef, callfloor.Params{"what": "team", "value": in.TeamID}, "no such team")
		} else if err != nil {
			return 0, err
		}
		if in.ProjectID == "" {
			in.ProjectID = proj
		}
	}
	if in.ProjectID != "" {
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM projects WHERE id = $1)`, in.ProjectID).Scan(&ok); err != nil {
			return 0, err
		}
		if !ok {
			return 0, ticketInvalid("project_id", callfloor.CodeUnknownRef, callfloor.Params{"what": "project", "value": in.ProjectID}, "no such project")
		}
	}
	number, err := nextTicketNumber(ctx, tx, now)
	if err != nil {
		return 0, err
	}
	sla := slaHours(cat, in.Priority)
	fb, _ := json.Marshal(fields)
	var ownerID *int64
	ownerName := by.Name
	if hasOwner {
		ownerID, ownerName = &owner.id, owner.name
	}
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO tickets (number, category, priority, status, phone, customer_name, subject, description, fields,
			project_id, first_owner_user_id, first_owner_name, assignee_user_id, team_id, created_by, created_at, updated_at, sla_hours, due_at,
			call_id, call_at, call_agent, queue, recording_name, survey_call_id)
		VALUES ($1, $2, $3, 'open', $4, $5, $6, $7, $8, nullif($9, ''), $10, $11, $12, nullif($13, ''), $14, $15, $15, $16, $17,
			nullif($18, ''), $19, nullif($20, ''), nullif($21, ''), nullif($22, ''), nullif($23, '')) RETURNING id`,
		number, cat.Code, in.Priority, phone, in.CustomerName, in.Subject, in.Description, fb,
		in.ProjectID, ownerID, ownerName, assignee, in.TeamID, by.Name, now, sla, now.Add(hours(sla)),
		in.CallID, callAt, callAgent, queue, recording, in.SurveyOf).Scan(&id)
	if err != nil {
		return 0, err
	}
	detail := map[string]any{"number": number, "category": cat.Code, "priority": in.Priority}
	if in.CallID != "" {
		detail["call_id"] = in.CallID
	}
	if err := addEvent(ctx, tx, id, now, "created", by, detail); err != nil {
		return 0, err
	}
	if assignee != nil {
		if err := addEvent(ctx, tx, id, now, "assigned", by, map[string]any{"assignee_id": *assignee, "assignee": assigneeName, "team_id": in.TeamID}); err != nil {
			return 0, err
		}
		if *assignee != by.UserID {
			if err := notify(ctx, tx, id, now, "assigned", "email", "", *assignee); err != nil {
				return 0, err
			}
		}
	}
	if cat.SMSOnCreate {
		if err := notify(ctx, tx, id, now, "created", "sms", phone, 0); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// TicketFromCall opens a ticket from a call (the survey's dissatisfied answer, the desktop).
type TicketFromCall struct {
	CallID   string
	Category string // category code, e.g. "complaint"
	Subject  string
	Note     string
	By       string // who opens it: a user id as text, or "system:survey"
	Survey   bool   // opened for the call's survey: at most one such ticket per call
}

// OpenTicketFromCall opens a ticket pre-filled from the call's row (number, time, agent,
// queue/project, recording); "system:…" creators make the call's agent the first owner.
func (db *DB) OpenTicketFromCall(ctx context.Context, in TicketFromCall) (int64, error) {
	by := TicketActor{Name: in.By}
	if !strings.HasPrefix(in.By, "system:") {
		uid, err := strconv.ParseInt(in.By, 10, 64)
		if err != nil || uid <= 0 {
			return 0, ticketInvalid("by", callfloor.CodeInvalidFormat, callfloor.Params{"format": "integer", "value": in.By}, "a user id or system:…")
		}
		var name string
		if err := db.Pool.QueryRow(ctx, `SELECT CASE WHEN display_name <> '' THEN display_name ELSE username END FROM users WHERE id = $1`, uid).Scan(&name); err != nil {
			return 0, ticketInvalid("by", callfloor.CodeUnknownRef, callfloor.Params{"what": "user", "value": in.By}, "no such user")
		}
		by = TicketActor{UserID: uid, Name: name}
	}
	var id int64
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var err error
		nt := NewTicket{Category: in.Category, Subject: in.Subject, Description: in.Note, CallID: in.CallID}
		if in.Survey {
			nt.SurveyOf = in.CallID
		}
		id, err = createTicket(ctx, tx, nt, by, time.Now())
		return err
	})
	return id, err
}

const ticketCols = `t.id, t.number, t.category, t.priority, t.status, t.phone, t.customer_name, t.subject, t.description, t.fields,
	coalesce(t.project_id, ''), t.first_owner_user_id, t.first_owner_name, t.assignee_user_id,
	coalesce((SELECT CASE WHEN u.display_name <> '' THEN u.display_name ELSE u.username END FROM users u WHERE u.id = t.assignee_user_id), ''),
	coalesce(t.team_id, ''), t.created_by, t.created_at, t.updated_at, t.sla_hours, t.due_at, t.answered_at, t.escalation_level, t.escalated_at,
	coalesce(t.call_id, ''), t.call_at, coalesce(t.call_agent, ''), coalesce(t.queue, ''), coalesce(t.recording_name, ''),
	coalesce(t.followup_outcome, ''), t.followup_at, t.followup_note, t.closed_at, t.reopen_count`

func scanTicket(row pgx.Row, now time.Time) (Ticket, error) {
	var t Ticket
	var fields []byte
	var sla float32
	err := row.Scan(&t.ID, &t.Number, &t.Category, &t.Priority, &t.Status, &t.Phone, &t.CustomerName, &t.Subject, &t.Description, &fields,
		&t.ProjectID, &t.FirstOwnerID, &t.FirstOwnerName, &t.AssigneeID, &t.AssigneeName, &t.TeamID, &t.CreatedBy, &t.CreatedAt, &t.UpdatedAt,
		&sla, &t.DueAt, &t.AnsweredAt, &t.EscalationLevel, &t.EscalatedAt, &t.CallID, &t.CallAt, &t.CallAgent, &t.Queue, &t.RecordingName,
		&t.FollowupOutcome, &t.FollowupAt, &t.FollowupNote, &t.ClosedAt, &t.ReopenCount)
	if err != nil {
		return t, err
	}
	t.SLAHours = float64(sla)
	_ = json.Unmarshal(fields, &t.Fields)
	t.Overdue = t.Status != "closed" && t.AnsweredAt == nil && !now.Before(t.DueAt)
	return t, nil
}

// GetTicket returns a ticket (Overdue as of now).
func (db *DB) GetTicket(ctx context.Context, id int64, now time.Time) (Ticket, error) {
	t, err := scanTicket(db.Pool.QueryRow(ctx, `SELECT `+ticketCols+` FROM tickets t WHERE t.id = $1`, id), now)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, ticketNotFound(id)
	}
	return t, err
}

// TicketEvents is a ticket's history, oldest first.
func (db *DB) TicketEvents(ctx context.Context, id int64) ([]TicketEvent, error) {
	rows, err := db.Pool.Query(ctx, `SELECT id, at, kind, by_user_id, by_name, detail FROM ticket_events WHERE ticket_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []TicketEvent{}
	for rows.Next() {
		var e TicketEvent
		var d []byte
		if err := rows.Scan(&e.ID, &e.At, &e.Kind, &e.ByUserID, &e.By, &d); err != nil {
			return nil, err
		}
		_ = json.Unmarshal(d, &e.Detail)
		out = append(out, e)
	}
	return out, rows.Err()
}

// TicketScope limits what a reader sees: All, or the tickets they first-own or hold, their
// team's (Teams) and their projects' (Projects).
type TicketScope struct {
	All      bool
	UserID   int64
	Teams    []string
	Projects []string
}

func (s TicketScope) where(w *whereBuilder) {
	if s.All {
		return
	}
	u := w.arg(s.UserID)
	t := w.arg(s.Teams)
	p := w.arg(s.Projects)
	w.add(fmt.Sprintf(`(t.first_owner_user_id = %s OR t.assignee_user_id = %s OR t.team_id = ANY(%s) OR t.project_id = ANY(%s))`, u, u, t, p))
}

// Sees reports whether the scope covers the ticket.
func (s TicketScope) Sees(t Ticket) bool {
	if s.All {
		return true
	}
	if s.UserID > 0 && ((t.FirstOwnerID != nil && *t.FirstOwnerID == s.UserID) || (t.AssigneeID != nil && *t.AssigneeID == s.UserID)) {
		return true
	}
	return (t.TeamID != "" && slices.Contains(s.Teams, t.TeamID)) || (t.ProjectID != "" && slices.Contains(s.Projects, t.ProjectID))
}

type whereBuilder struct {
	conds []string
	args  []any
}

func (w *whereBuilder) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

func (w *whereBuilder) add(c string) { w.conds = append(w.conds, c) }

func (w *whereBuilder) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// TicketFilter filters the ticket list. Zero values: no filter.
type TicketFilter struct {
	Status       string
	Category     string
	Project      string
	Team         string
	AssigneeID   int64
	FirstOwnerID int64
	Overdue      bool
	Number       string // a ticket number or a phone number (part of it)
	Text         string // in the subject, description or customer's name
	Limit        int
	Offset       int
}

// TicketPage is a page of the list and the total.
type TicketPage struct {
	Items []Ticket `json:"items"`
	Total int      `json:"total"`
}

// ListTickets lists tickets newest first.
func (db *DB) ListTickets(ctx context.Context, f TicketFilter, scope TicketScope, now time.Time) (TicketPage, error) {
	w := &whereBuilder{}
	scope.where(w)
	if f.Status != "" {
		w.add("t.status = " + w.arg(f.Status))
	}
	if f.Category != "" {
		w.add("t.category = " + w.arg(f.Category))
	}
	if f.Project != "" {
		w.add("t.project_id = " + w.arg(f.Project))
	}
	if f.Team != "" {
		w.add("t.team_id = " + w.arg(f.Team))
	}
	if f.AssigneeID > 0 {
		w.add("t.assignee_user_id = " + w.arg(f.AssigneeID))
	}
	if f.FirstOwnerID > 0 {
		w.add("t.first_owner_user_id = " + w.arg(f.FirstOwnerID))
	}
	if f.Overdue {
		w.add("t.status <> 'closed' AND t.answered_at IS NULL AND t.due_at <= " + w.arg(now))
	}
	if f.Number != "" {
		n := "%" + likeEscape(strings.TrimSpace(f.Number)) + "%"
		a := w.arg(n)
		w.add(fmt.Sprintf("(t.number ILIKE %s OR t.phone LIKE %s)", a, a))
	}
	if f.Text != "" {
		a := w.arg("%" + likeEscape(strings.TrimSpace(f.Text)) + "%")
		w.add(fmt.Sprintf("(t.subject ILIKE %s OR t.description ILIKE %s OR t.customer_name ILIKE %s)", a, a, a))
	}
	page := TicketPage{Items: []Ticket{}}
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM tickets t`+w.sql(), w.args...).Scan(&page.Total); err != nil {
		return page, err
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	q := `SELECT ` + ticketCols + ` FROM tickets t` + w.sql() + fmt.Sprintf(` ORDER BY t.created_at DESC, t.id DESC LIMIT %d OFFSET %d`, limit, max(f.Offset, 0))
	rows, err := db.Pool.Query(ctx, q, w.args...)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanTicket(rows, now)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, t)
	}
	return page, rows.Err()
}

// change runs fn on the ticket locked for update.
func (db *DB) change(ctx context.Context, id int64, now time.Time, fn func(tx pgx.Tx, t Ticket) error) (Ticket, error) {
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		t, err := scanTicket(tx.QueryRow(ctx, `SELECT `+ticketCols+` FROM tickets t WHERE t.id = $1 FOR UPDATE`, id), now)
		if errors.Is(err, pgx.ErrNoRows) {
			return ticketNotFound(id)
		}
		if err != nil {
			return err
		}
		if err := fn(tx, t); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE tickets SET updated_at = $2 WHERE id = $1`, id, now)
		return err
	})
	if err != nil {
		return Ticket{}, err
	}
	return db.GetTicket(ctx, id, now)
}

func closedErr(t Ticket) error {
	return &callfloor.Error{Code: CodeTicketClosed, Kind: callfloor.ECONFLICT, Params: callfloor.Params{"state": "closed"},
		Message: fmt.Sprintf("ticket %s is closed: reopen it first", t.Number)}
}

// TicketUpdate changes a ticket's details (nil: unchanged).
type TicketUpdate struct {
	Priority     *string         `json:"priority"`
	CustomerName *string         `json:"customer_name"`
	Subject      *string         `json:"subject"`
	Description  *string         `json:"description"`
	Fields       *map[string]any `json:"fields"`
	ProjectID    *string         `json:"project_id"`
}

// UpdateTicket changes a ticket's details. A new priority keeps the due time (the promise made).
func (db *DB) UpdateTicket(ctx context.Context, id int64, up TicketUpdate, by TicketActor, now time.Time) (Ticket, error) {
	return db.change(ctx, id, now, func(tx pgx.Tx, t Ticket) error {
		if t.Status == "closed" {
			return closedErr(t)
		}
		changed := map[string]any{}
		var err error
		if up.Priority != nil {
			if !slices.Contains(TicketPriorities, *up.Priority) {
				return ticketInvalid("priority", callfloor.CodeInvalidChoice, callfloor.Params{"allowed": TicketPriorities, "value": *up.Priority}, "not a priority")
			}
			t.Priority, changed["priority"] = *up.Priority, *up.Priority
		}
		if up.Subject != nil {
			if t.Subject, err = checkText("subject", *up.Subject, MaxTicketSubject, true); err != nil {
				return err
			}
			changed["subject"] = t.Subject
		}
		if up.Description != nil {
			if t.Description, err = checkText("description", *up.Description, MaxTicketText, false); err != nil {
				return err
			}
			changed["description"] = true
		}
		if up.CustomerName != nil {
			if t.CustomerName, err = checkText("customer_name", *up.CustomerName, 100, false); err != nil {
				return err
			}
			changed["customer_name"] = t.CustomerName
		}
		if up.Fields != nil {
			cat, err := scanCategory(tx.QueryRow(ctx, `SELECT `+categoryCols+` FROM ticket_categories WHERE code = $1`, t.Category))
			if err != nil {
				return err
			}
			if t.Fields, err = cat.checkFields(*up.Fields, false); err != nil {
				return err
			}
			changed["fields"] = t.Fields
		}
		if up.ProjectID != nil {
			var ok bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM projects WHERE id = $1)`, *up.ProjectID).Scan(&ok); err != nil {
				return err
			}
			if !ok {
				return ticketInvalid("project_id", callfloor.CodeUnknownRef, callfloor.Params{"what": "project", "value": *up.ProjectID}, "no such project")
			}
			t.ProjectID, changed["project_id"] = *up.ProjectID, *up.ProjectID
		}
		if len(changed) == 0 {
			return nil
		}
		fb, _ := json.Marshal(t.Fields)
		if _, err := tx.Exec(ctx, `UPDATE tickets SET priority = $2, subject = $3, description = $4, customer_name = $5, fields = $6, project_id = nullif($7, '') WHERE id = $1`,
			id, t.Priority, t.Subject, t.Description, t.CustomerName, fb, t.ProjectID); err != nil {
			return err
		}
		return addEvent(ctx, tx, id, now, "updated", by, changed)
	})
}

// AssignTicket gives the ticket to a user and/or moves it to a team (nil / "": unchanged). The
// first owner stays. Moving to a team without naming an assignee leaves it to the team.
func (db *DB) AssignTicket(ctx context.Context, id int64, assignee *int64, team string, by TicketActor, now time.Time) (Ticket, error) {
	return db.change(ctx, id, now, func(tx pgx.Tx, t Ticket) error {
		if t.Status == "closed" {
			return closedErr(t)
		}
		if assignee == nil && team == "" {
			return ticketInvalid("assignee_id", callfloor.CodeRequired, nil, "an assignee or a team")
		}
		if team != "" && team != t.TeamID {
			var ok bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM teams WHERE id = $1)`, team).Scan(&ok); err != nil {
				return err
			}
			if !ok {
				return ticketInvalid("team_id", callfloor.CodeUnknownRef, callfloor.Params{"what": "team", "value": team}, "no such team")
			}
			if _, err := tx.Exec(ctx, `UPDATE tickets SET team_id = $2 WHERE id = $1`, id, team); err != nil {
				return err
			}
			if err := addEvent(ctx, tx, id, now, "moved_team", by, map[string]any{"from": t.TeamID, "to": team}); err != nil {
				return err
			}
			if assignee == nil {
				if _, err := tx.Exec(ctx, `UPDATE tickets SET assignee_user_id = NULL WHERE id = $1`, id); err != nil {
					return err
				}
			}
		}
		if assignee != nil && (t.AssigneeID == nil || *t.AssigneeID != *assignee) {
			u, ok, err := userOf(ctx, tx, `id = $1`, *assignee)
			if err != nil {
				return err
			}
			if !ok || !u.active {
				return ticketInvalid("assignee_id", callfloor.CodeUnknownRef, callfloor.Params{"what": "user", "value": *assignee}, "no such user")
			}
			if _, err := tx.Exec(ctx, `UPDATE tickets SET assignee_user_id = $2, status = CASE WHEN status = 'open' THEN 'in_progress' ELSE status END WHERE id = $1`, id, u.id); err != nil {
				return err
			}
			if err := addEvent(ctx, tx, id, now, "assigned", by, map[string]any{"assignee_id": u.id, "assignee": u.name}); err != nil {
				return err
			}
			if u.id != by.UserID {
				return notify(ctx, tx, id, now, "assigned", "email", "", u.id)
			}
		}
		return nil
	})
}

// CommentTicket adds a comment; answer: the comment is the answer to the customer (the SLA's
// answer: the first one stops the escalation; the ticket then waits for its follow-up call).
func (db *DB) CommentTicket(ctx context.Context, id int64, text string, answer bool, by TicketActor, now time.Time) (Ticket, error) {
	return db.change(ctx, id, now, func(tx pgx.Tx, t Ticket) error {
		if t.Status == "closed" {
			return closedErr(t)
		}
		text, err := checkText("text", text, MaxTicketText, true)
		if err != nil {
			return err
		}
		if err := addEvent(ctx, tx, id, now, "commented", by, map[string]any{"text": text, "answer": answer}); err != nil {
			return err
		}
		if !answer {
			_, err := tx.Exec(ctx, `UPDATE tickets SET status = CASE WHEN status = 'open' THEN 'in_progress' ELSE status END WHERE id = $1`, id)
			return err
		}
		onTime := !now.After(t.DueAt)
		if _, err := tx.Exec(ctx, `UPDATE tickets SET status = 'waiting_followup', answered_at = coalesce(answered_at, $2),
				answered_on_time = coalesce(answered_on_time, $3) WHERE id = $1`, id, now, onTime); err != nil {
			return err
		}
		if t.AnsweredAt != nil {
			return nil
		}
		if err := addEvent(ctx, tx, id, now, "answered", by, map[string]any{"on_time": onTime}); err != nil {
			return err
		}
		var sms bool
		if err := tx.QueryRow(ctx, `SELECT sms_on_answer FROM ticket_categories WHERE code = $1`, t.Category).Scan(&sms); err != nil {
			return err
		}
		if sms {
			return notify(ctx, tx, id, now, "answered", "sms", t.Phone, 0)
		}
		return nil
	})
}

// reopen starts a new round: the ticket is due again one SLA period from now, not escalated.
func reopen(ctx context.Context, tx pgx.Tx, t Ticket, now time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE tickets SET status = 'reopened', reopen_count = reopen_count + 1, answered_at = NULL, answered_on_time = NULL,
		due_at = $2, escalation_level = 0, escalated_at = NULL, closed_at = NULL WHERE id = $1`, t.ID, now.Add(hours(t.SLAHours)))
	return err
}

// RecordFollowup records the follow-up call's outcome (satisfied, not_satisfied, unreachable)
// and note; callID: the follow-up call, if dialled from callfloor. "not_satisfied" reopens.
func (db *DB) RecordFollowup(ctx context.Context, id int64, outcome, note, callID string, by TicketActor, now time.Time) (Ticket, error) {
	return db.change(ctx, id, now, func(tx pgx.Tx, t Ticket) error {
		if t.Status == "closed" {
			return closedErr(t)
		}
		if !slices.Contains(FollowupOutcomes, outcome) {
			return ticketInvalid("outcome", callfloor.CodeInvalidChoice, callfloor.Params{"allowed": FollowupOutcomes, "value": outcome}, "not an outcome")
		}
		note, err := checkText("note", note, MaxTicketText, false)
		if err != nil {
			return err
		}
		if t.AnsweredAt == nil {
			return &callfloor.Error{Code: callfloor.CodeStateConflict, Kind: callfloor.ECONFLICT, Field: "outcome", Params: callfloor.Params{"state": t.Status},
				Message: fmt.Sprintf("ticket %s has no answer yet: answer it before the follow-up call", t.Number)}
		}
		if _, err := tx.Exec(ctx, `UPDATE tickets SET followup_outcome = $2, followup_note = $3, followup_at = $4, followup_call_id = nullif($5, ''),
				followups = followups + 1 WHERE id = $1`, id, outcome, note, now, callID); err != nil {
			return err
		}
		d := map[string]any{"outcome": outcome, "note": note}
		if callID != "" {
			d["call_id"] = callID
		}
		if err := addEvent(ctx, tx, id, now, "followup", by, d); err != nil {
			return err
		}
		if outcome != "not_satisfied" {
			return nil
		}
		if err := reopen(ctx, tx, t, now); err != nil {
			return err
		}
		return addEvent(ctx, tx, id, now, "reopened", by, map[string]any{"reason": "not_satisfied"})
	})
}

// CloseTicket closes a ticket whose follow-up outcome is recorded (satisfied or unreachable).
func (db *DB) CloseTicket(ctx context.Context, id int64, note string, by TicketActor, now time.Time) (Ticket, error) {
	return db.change(ctx, id, now, func(tx pgx.Tx, t Ticket) error {
		if t.Status == "closed" {
			return closedErr(t)
		}
		if t.FollowupOutcome != "satisfied" && t.FollowupOutcome != "unreachable" || t.Status == "reopened" {
			return &callfloor.Error{Code: CodeFollowupRequired, Kind: callfloor.ECONFLICT, Field: "followup", Params: callfloor.Params{"state": t.Status},
				Message: fmt.Sprintf("ticket %s: record the follow-up call's outcome before closing it", t.Number)}
		}
		note, err := checkText("note", note, MaxTicketText, false)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE tickets SET status = 'closed', closed_at = $2 WHERE id = $1`, id, now); err != nil {
			return err
		}
		return addEvent(ctx, tx, id, now, "closed", by, map[string]any{"note": note, "followup": t.FollowupOutcome})
	})
}

// ReopenTicket reopens a closed ticket (the customer came back).
func (db *DB) ReopenTicket(ctx context.Context, id int64, reason string, by TicketActor, now time.Time) (Ticket, error) {
	return db.change(ctx, id, now, func(tx pgx.Tx, t Ticket) error {
		if t.Status != "closed" {
			return &callfloor.Error{Code: callfloor.CodeStateConflict, Kind: callfloor.ECONFLICT, Params: callfloor.Params{"state": t.Status},
				Message: fmt.Sprintf("ticket %s is not closed", t.Number)}
		}
		reason, err := checkText("reason", reason, MaxTicketText, true)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE tickets SET followup_outcome = NULL WHERE id = $1`, id); err != nil {
			return err
		}
		if err := reopen(ctx, tx, t, now); err != nil {
			return err
		}
		return addEvent(ctx, tx, id, now, "reopened", by, map[string]any{"reason": reason})
	})
}

// Escalation is one escalation made: the ticket, the level and who was told.
type Escalation struct {
	TicketID int64
	Number   string
	Level    int
	To       []int64
}

// EscalateTickets escalates every ticket not answered in time: at its due time to the team
// lead(s) of its current team (level 1), one more SLA period later to the project managers of
// its project (level 2). Each step happens once, however many instances run it at once (the
// update's condition on the level is re-checked under the row lock).
func (db *DB) EscalateTickets(ctx context.Context, now time.Time) ([]Escalation, error) {
	var out []Escalation
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		steps := []struct {
			level int
			cond  string
			who   string
		}{
			{1, `escalation_level = 0 AND due_at <= $1`,
				`SELECT id FROM users WHERE role = 'team_lead' AND NOT disabled AND team_id = $1 ORDER BY id`},
			{2, `escalation_level = 1 AND due_at + sla_hours * interval '1 hour' <= $1`,
				`SELECT u.id FROM users u JOIN user_projects up ON up.user_id = u.id WHERE u.role = 'project_manager' AND NOT u.disabled AND up.project_id = $1 ORDER BY u.id`},
		}
		for _, s := range steps {
			rows, err := tx.Query(ctx, `UPDATE tickets SET escalation_level = `+strconv.Itoa(s.level)+`, escalated_at = $1
				WHERE status <> 'closed' AND answered_at IS NULL AND `+s.cond+` RETURNING id, number, coalesce(team_id, ''), coalesce(project_id, '')`, now)
			if err != nil {
				return err
			}
			type hit struct {
				id             int64
				number, target string
			}
			var hits []hit
			for rows.Next() {
				var h hit
				var team, project string
				if err := rows.Scan(&h.id, &h.number, &team, &project); err != nil {
					rows.Close()
					return err
				}
				h.target = team
				if s.level == 2 {
					h.target = project
				}
				hits = append(hits, h)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, h := range hits {
				var to []int64
				if h.target != "" {
					r, err := tx.Query(ctx, s.who, h.target)
					if err != nil {
						return err
					}
					to, err = pgx.CollectRows(r, pgx.RowTo[int64])
					if err != nil {
						return err
					}
				}
				if to == nil {
					to = []int64{}
				}
				if err := addEvent(ctx, tx, h.id, now, "escalated", TicketActor{Name: "system:escalation"},
					map[string]any{"level": s.level, "to": to, "target": h.target}); err != nil {
					return err
				}
				for _, u := range to {
					if err := notify(ctx, tx, h.id, now, fmt.Sprintf("escalated_%d", s.level), "email", "", u); err != nil {
						return err
					}
				}
				out = append(out, Escalation{TicketID: h.id, Number: h.number, Level: s.level, To: to})
			}
		}
		return nil
	})
	return out, err
}

// ticketTimeline is the "tickets" timeline source: a number's tickets.
func ticketTimeline(ctx context.Context, db *DB, phone string, before time.Time, limit int) ([]TimelineItem, error) {
	q := `SELECT id, number, subject, status, category, created_at FROM tickets WHERE phone = $1`
	args := []any{phone}
	if !before.IsZero() {
		q += ` AND created_at <= $2`
		args = append(args, before)
	}
	q += fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT %d`, max(limit, 1))
	rows, err := db.Pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TimelineItem
	for rows.Next() {
		var id int64
		var number, subject, status, category string
		var at time.Time
		if err := rows.Scan(&id, &number, &subject, &status, &category, &at); err != nil {
			return nil, err
		}
		out = append(out, TimelineItem{At: at, Kind: "ticket", Ref: strconv.FormatInt(id, 10), Title: subject,
			Detail: map[string]any{"status": status, "category": category, "number": number}})
	}
	return out, rows.Err()
}

// OpenTicketFromSurvey opens a complaint for a dissatisfied survey answer: the survey's actions
// (surveys_actions.go, queues[].survey.on_dissatisfied ticket) open it through the DB itself,
// as a SurveyTicketOpener; the call's agent is its first owner.
// It is idempotent: a survey has at most one ticket (tickets_one_per_survey), so a retry (the
// survey's state not saved after its ticket was opened) returns the ticket already opened.
func (db *DB) OpenTicketFromSurvey(ctx context.Context, callID, subject, note string) (int64, error) {
	if id, ok, err := db.surveyTicket(ctx, callID); err != nil || ok {
		return id, err
	}
	id, err := db.OpenTicketFromCall(ctx, TicketFromCall{CallID: callID, Category: "complaint", Subject: subject, Note: note, By: "system:survey", Survey: true})
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "tickets_one_per_survey" {
		id, _, err = db.surveyTicket(ctx, callID) // another instance opened it meanwhile
	}
	return id, err
}

// surveyTicket is the ticket opened for the survey of call callID, if any.
func (db *DB) surveyTicket(ctx context.Context, callID string) (int64, bool, error) {
	var id int64
	err := db.Pool.QueryRow(ctx, `SELECT id FROM tickets WHERE survey_call_id = $1`, callID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}
