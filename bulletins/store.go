package bulletins

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Destination is where bulletins go. URL and Secret carry credentials: the API never returns
// them (URLRedacted, SecretSet instead) and the logs never print them.
type Destination struct {
	ID        int64          `json:"id"`
	Name      string         `json:"name"`
	Kind      string         `json:"kind"`
	URL       string         `json:"-"`
	Secret    string         `json:"-"`
	Email     *EmailSettings `json:"email,omitempty"`
	ProjectID *string        `json:"project_id"`
	Lang      string         `json:"lang"`
	Enabled   bool           `json:"enabled"`
	// for the API
	URLRedacted string `json:"url,omitempty"`
	SecretSet   bool   `json:"secret_set"`
}

// Public fills the API-only fields.
func (d Destination) Public() Destination {
	if d.URL != "" {
		d.URLRedacted = RedactURL(d.URL)
	}
	d.SecretSet = d.Secret != ""
	return d
}

// Schedule is a scheduled bulletin.
type Schedule struct {
	ID             int64    `json:"id"`
	Name           string   `json:"name"`
	Times          []string `json:"times"`
	Weekdays       []int16  `json:"weekdays"`
	DestinationIDs []int64  `json:"destination_ids"`
	ProjectID      *string  `json:"project_id"`
	Enabled        bool     `json:"enabled"`
}

// Alert rule kinds.
const (
	RuleServiceLevel = "service_level"
	RuleWaiting      = "waiting"
	RuleLongestWait  = "longest_wait"
	RulePauseOverMax = "pause_over_max"
)

// RuleKinds are the alert rule kinds.
var RuleKinds = []string{RuleServiceLevel, RuleWaiting, RuleLongestWait, RulePauseOverMax}

// AlertRule is a threshold alert.
type AlertRule struct {
	ID             int64    `json:"id"`
	Name           string   `json:"name"`
	Kind           string   `json:"kind"`
	Threshold      *float64 `json:"threshold"`
	ForMinutes     int      `json:"for_minutes"`
	Queue          *string  `json:"queue"`
	ProjectID      *string  `json:"project_id"`
	DestinationIDs []int64  `json:"destination_ids"`
	Enabled        bool     `json:"enabled"`
}

// Run is one message sent or tried.
type Run struct {
	ID            int64      `json:"id"`
	Kind          string     `json:"kind"`
	DestinationID int64      `json:"destination_id"`
	Destination   string     `json:"destination"`
	ScheduleID    *int64     `json:"schedule_id"`
	RuleID        *int64     `json:"rule_id"`
	Slot          *time.Time `json:"slot"`
	Status        string     `json:"status"`
	Attempts      int        `json:"attempts"`
	Error         string     `json:"error"`
	CreatedAt     time.Time  `json:"created_at"`
	SentAt        *time.Time `json:"sent_at"`
	Alert         *AlertInfo `json:"alert,omitempty"`
}

// AlertInfo is what an alert message says.
type AlertInfo struct {
	Rule    string    `json:"rule"`
	Kind    string    `json:"kind"`
	Subject string    `json:"subject"`
	Value   float64   `json:"value"`
	Limit   float64   `json:"limit"`
	Since   time.Time `json:"since"`
	Cleared bool      `json:"cleared"`
}

// ErrNotFound: no such row.
var ErrNotFound = errors.New("not found")

// Store is the bulletins' tables.
type Store struct{ Pool *pgxpool.Pool }

const destCols = `id, name, kind, url, secret, email, project_id, lang, enabled`

func scanDest(row pgx.Row) (Destination, error) {
	var d Destination
	var email []byte
	err := row.Scan(&d.ID, &d.Name, &d.Kind, &d.URL, &d.Secret, &email, &d.ProjectID, &d.Lang, &d.Enabled)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, ErrNotFound
	}
	if err == nil && email != nil {
		d.Email = &EmailSettings{}
		err = json.Unmarshal(email, d.Email)
	}
	return d, err
}

// Destinations lists them by name.
func (s *Store) Destinations(ctx context.Context) ([]Destination, error) {
	rows, err := s.Pool.Query(ctx, `SELECT `+destCols+` FROM bulletin_destinations ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Destination{}
	for rows.Next() {
		d, err := scanDest(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Destination reads one.
func (s *Store) Destination(ctx context.Context, id int64) (Destination, error) {
	return scanDest(s.Pool.QueryRow(ctx, `SELECT `+destCols+` FROM bulletin_destinations WHERE id = $1`, id))
}

// SaveDestination inserts (ID 0) or updates d.
func (s *Store) SaveDestination(ctx context.Context, d *Destination) error {
	var email any
	if d.Email != nil {
		email = d.Email
	}
	if d.ID == 0 {
		return s.Pool.QueryRow(ctx, `INSERT INTO bulletin_destinations (name, kind, url, secret, email, project_id, lang, enabled)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id`, d.Name, d.Kind, d.URL, d.Secret, email, d.ProjectID, d.Lang, d.Enabled).Scan(&d.ID)
	}
	tag, err := s.Pool.Exec(ctx, `UPDATE bulletin_destinations SET name=$2, kind=$3, url=$4, secret=$5, email=$6, project_id=$7, lang=$8, enabled=$9, updated_at=now() WHERE id=$1`,
		d.ID, d.Name, d.Kind, d.URL, d.Secret, email, d.ProjectID, d.Lang, d.Enabled)
	if err == nil && tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return err
}

// DeleteDestination removes one (its runs go with it).
func (s *Store) DeleteDestination(ctx context.Context, id int64) error {
	return s.del(ctx, `DELETE FROM bulletin_destinations WHERE id=$1`, id)
}

func (s *Store) del(ctx context.Context, q string, id int64) error {
	tag, err := s.Pool.Exec(ctx, q, id)
	if err == nil && tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return err
}

const schedCols = `id, name, times, weekdays, destination_ids, project_id, enabled`

func scanSched(row pgx.Row) (Schedule, error) {
	var c Schedule
	err := row.Scan(&c.ID, &c.Name, &c.Times, &c.Weekdays, &c.DestinationIDs, &c.ProjectID, &c.Enabled)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	return c, err
}

// Schedules lists them by name.
func (s *Store) Schedules(ctx context.Context) ([]Schedule, error) {
	rows, err := s.Pool.Query(ctx, `SELECT `+schedCols+` FROM bulletin_schedules ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Schedule{}
	for rows.Next() {
		c, err := scanSched(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Schedule reads one.
func (s *Store) Schedule(ctx context.Context, id int64) (Schedule, error) {
	return scanSched(s.Pool.QueryRow(ctx, `SELECT `+schedCols+` FROM bulletin_schedules WHERE id=$1`, id))
}

// SaveSchedule inserts (ID 0) or updates c.
func (s *Store) SaveSchedule(ctx context.Context, c *Schedule) error {
	if c.ID == 0 {
		return s.Pool.QueryRow(ctx, `INSERT INTO bulletin_schedules (name, times, weekdays, destination_ids, project_id, enabled)
			VALUES ($1,$2,$3,$4,$5,$6) RETURNING id`, c.Name, c.Times, c.Weekdays, c.DestinationIDs, c.ProjectID, c.Enabled).Scan(&c.ID)
	}
	tag, err := s.Pool.Exec(ctx, `UPDATE bulletin_schedules SET name=$2, times=$3, weekdays=$4, destination_ids=$5, project_id=$6, enabled=$7, updated_at=now() WHERE id=$1`,
		c.ID, c.Name, c.Times, c.Weekdays, c.DestinationIDs, c.ProjectID, c.Enabled)
	if err == nil && tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return err
}

// DeleteSchedule removes one.
func (s *Store) DeleteSchedule(ctx context.Context, id int64) error {
	return s.del(ctx, `DELETE FROM bulletin_schedules WHERE id=$1`, id)
}

const ruleCols = `id, name, kind, threshold, for_minutes, queue, project_id, destination_ids, enabled`

func scanRule(row pgx.Row) (AlertRule, error) {
	var r AlertRule
	var th *float32
	err := row.Scan(&r.ID, &r.Name, &r.Kind, &th, &r.ForMinutes, &r.Queue, &r.ProjectID, &r.DestinationIDs, &r.Enabled)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrNotFound
	}
	if th != nil {
		v := float64(*th)
		r.Threshold = &v
	}
	return r, err
}

// AlertRules lists them by name.
func (s *Store) AlertRules(ctx context.Context) ([]AlertRule, error) {
	rows, err := s.Pool.Query(ctx, `SELECT `+ruleCols+` FROM bulletin_alert_rules ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []AlertRule{}
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// AlertRule reads one.
func (s *Store) AlertRule(ctx context.Context, id int64) (AlertRule, error) {
	return scanRule(s.Pool.QueryRow(ctx, `SELECT `+ruleCols+` FROM bulletin_alert_rules WHERE id=$1`, id))
}

// SaveAlertRule inserts (ID 0) or updates r.
func (s *Store) SaveAlertRule(ctx context.Context, r *AlertRule) error {
	if r.ID == 0 {
		return s.Pool.QueryRow(ctx, `INSERT INTO bulletin_alert_rules (name, kind, threshold, for_minutes, queue, project_id, destination_ids, enabled)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id`, r.Name, r.Kind, r.Threshold, r.ForMinutes, r.Queue, r.ProjectID, r.DestinationIDs, r.Enabled).Scan(&r.ID)
	}
	tag, err := s.Pool.Exec(ctx, `UPDATE bulletin_alert_rules SET name=$2, kind=$3, threshold=$4, for_minutes=$5, queue=$6, project_id=$7, destination_ids=$8, enabled=$9, updated_at=now() WHERE id=$1`,
		r.ID, r.Name, r.Kind, r.Threshold, r.ForMinutes, r.Queue, r.ProjectID, r.DestinationIDs, r.Enabled)
	if err == nil && tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	if err == nil {
		// a changed rule starts afresh
		_, err = s.Pool.Exec(ctx, `DELETE FROM bulletin_alert_state WHERE rule_id=$1`, r.ID)
	}
	return err
}

// DeleteAlertRule removes one.
func (s *Store) DeleteAlertRule(ctx context.Context, id int64) error {
	return s.del(ctx, `DELETE FROM bulletin_alert_rules WHERE id=$1`, id)
}

// Runs lists the latest runs, newest first.
func (s *Store) Runs(ctx context.Context, limit int) ([]Run, error) {
	rows, err := s.Pool.Query(ctx, `SELECT r.id, r.kind, r.destination_id, d.name, r.schedule_id, r.rule_id, r.slot, r.status, r.attempts, r.error, r.created_at, r.sent_at, r.alert
		FROM bulletin_runs r JOIN bulletin_destinations d ON d.id = r.destination_id ORDER BY r.created_at DESC, r.id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Run{}
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func scanRun(row pgx.Row) (Run, error) {
	var r Run
	var alert []byte
	err := row.Scan(&r.ID, &r.Kind, &r.DestinationID, &r.Destination, &r.ScheduleID, &r.RuleID, &r.Slot, &r.Status, &r.Attempts, &r.Error, &r.CreatedAt, &r.SentAt, &alert)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrNotFound
	}
	if err == nil && alert != nil {
		r.Alert = &AlertInfo{}
		err = json.Unmarshal(alert, r.Alert)
	}
	return r, err
}

// Run reads one.
func (s *Store) Run(ctx context.Context, id int64) (Run, error) {
	return scanRun(s.Pool.QueryRow(ctx, `SELECT r.id, r.kind, r.destination_id, d.name, r.schedule_id, r.rule_id, r.slot, r.status, r.attempts, r.error, r.created_at, r.sent_at, r.alert
		FROM bulletin_runs r JOIN bulletin_destinations d ON d.id = r.destination_id WHERE r.id=$1`, id))
}

func (s *Store) finishRun(ctx context.Context, id int64, status, errText string) error {
	_, err := s.Pool.Exec(ctx, `UPDATE bulletin_runs SET status=$2, error=$3, attempts=attempts+1,
		sent_at = CASE WHEN $2 = 'sent' THEN now() ELSE sent_at END WHERE id=$1`, id, status, errText)
	return err
}
