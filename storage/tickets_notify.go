package storage

import (
	"context"
	"encoding/json"
	"errors"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/callfloor/callfloor"
)

// Ticket notifications' settings and outbox (tickets.Service renders and sends them).

// TicketSMSSettings is the generic HTTP SMS gateway: the request's method, URL, content type
// and body template ({phone} and {text} are replaced, JSON-escaped in a JSON body, URL-escaped
// otherwise); with a secret, the body is signed in SignatureHeader (bulletins.WebhookSignature).
type TicketSMSSettings struct {
	Enabled         bool   `json:"enabled"`
	URL             string `json:"url"`
	Method          string `json:"method"`
	ContentType     string `json:"content_type"`
	BodyTemplate    string `json:"body_template"`
	SignatureHeader string `json:"signature_header"`
}

// TicketSMTPSettings is the staff's e-mail server (the password is the secret).
type TicketSMTPSettings struct {
	Enabled  bool   `json:"enabled"`
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Username string `json:"username"`
	From     string `json:"from"`
}

// TicketNotifyConfig is the notifications' settings. Templates: event ("created", "answered")
// → language ("zh-CN", "en") → text, with {number}, {subject}, {name}, {due}. Lang: the language
// of the customers' SMS and the staff's e-mail. StaffEmails: user id (as text) → address.
type TicketNotifyConfig struct {
	SMS         TicketSMSSettings            `json:"sms"`
	SMTP        TicketSMTPSettings           `json:"smtp"`
	Lang        string                       `json:"lang"`
	Templates   map[string]map[string]string `json:"templates"`
	StaffEmails map[string]string            `json:"staff_emails"`

	SMSSecret    string `json:"-"`
	SMTPPassword string `json:"-"`
	// for the API: whether the secrets are set (they are never returned)
	SMSSecretSet    bool `json:"sms_secret_set"`
	SMTPPasswordSet bool `json:"smtp_password_set"`
}

// DefaultTicketTemplates are the customer SMS texts when the admin has not written their own.
var DefaultTicketTemplates = map[string]map[string]string{
	"created": {
		"zh-CN": "【客服中心】您的工单{number}已受理：{subject}。我们将在{due}前答复您。",
		"en":    "Your ticket {number} ({subject}) is registered. We will answer by {due}.",
	},
	"answered": {
		"zh-CN": "【客服中心】您的工单{number}已处理：{subject}。稍后我们将回访您，感谢您的耐心。",
		"en":    "Your ticket {number} ({subject}) has been answered. We will call you back to check.",
	},
}

// TicketNotifyConfig reads the settings (defaults when never saved).
func (db *DB) TicketNotifyConfig(ctx context.Context) (TicketNotifyConfig, error) {
	var c TicketNotifyConfig
	var raw []byte
	err := db.Pool.QueryRow(ctx, `SELECT settings, sms_secret, smtp_secret FROM ticket_notify_config WHERE id`).Scan(&raw, &c.SMSSecret, &c.SMTPPassword)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return c, err
	}
	if raw != nil {
		if err := json.Unmarshal(raw, &c); err != nil {
			return c, err
		}
	}
	if c.Lang == "" {
		c.Lang = "zh-CN"
	}
	if c.SMS.Method == "" {
		c.SMS.Method = "POST"
	}
	if c.SMS.ContentType == "" {
		c.SMS.ContentType = "application/json"
	}
	if c.SMS.SignatureHeader == "" {
		c.SMS.SignatureHeader = "X-Callfloor-Signature"
	}
	if c.Templates == nil {
		c.Templates = map[string]map[string]string{}
	}
	for ev, langs := range DefaultTicketTemplates {
		if c.Templates[ev] == nil {
			c.Templates[ev] = map[string]string{}
		}
		for l, s := range langs {
			if strings.TrimSpace(c.Templates[ev][l]) == "" {
				c.Templates[ev][l] = s
			}
		}
	}
	if c.StaffEmails == nil {
		c.StaffEmails = map[string]string{}
	}
	c.SMSSecretSet, c.SMTPPasswordSet = c.SMSSecret != "", c.SMTPPassword != ""
	return c, nil
}

// Validate checks the settings.
func (c *TicketNotifyConfig) Validate() error {
	bad := func(field, code string, p callfloor.Params, msg string) error {
		return ticketInvalid(field, code, p, "%s", msg)
	}
	if c.Lang != "zh-CN" && c.Lang != "en" {
		return bad("lang", callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{"zh-CN", "en"}, "value": c.Lang}, "zh-CN or en")
	}
	if c.SMS.Enabled || c.SMS.URL != "" {
		u, err := url.Parse(c.SMS.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("sms.url", callfloor.CodeInvalidFormat, callfloor.Params{"format": "url"}, "an http(s) URL")
		}
	}
	c.SMS.Method = strings.ToUpper(strings.TrimSpace(c.SMS.Method))
	if c.SMS.Method == "" {
		c.SMS.Method = "POST"
	}
	if !slices.Contains([]string{"POST", "PUT", "GET"}, c.SMS.Method) {
		return bad("sms.method", callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{"POST", "PUT", "GET"}, "value": c.SMS.Method}, "POST, PUT or GET")
	}
	if c.SMS.Enabled && !strings.Contains(c.SMS.BodyTemplate+c.SMS.URL, "{text}") {
		return bad("sms.body_template", callfloor.CodeRequired, nil, "the template must contain {text}")
	}
	if len(c.SMS.BodyTemplate) > 4000 {
		return bad("sms.body_template", callfloor.CodeTooLong, callfloor.Params{"max": 4000}, "too long")
	}
	if c.SMTP.Enabled {
		if strings.TrimSpace(c.SMTP.Host) == "" {
			return bad("smtp.host", callfloor.CodeRequired, nil, "required")
		}
		if c.SMTP.Port < 0 || c.SMTP.Port > 65535 {
			return bad("smtp.port", callfloor.CodeOutOfRange, callfloor.Params{"min": 1, "max": 65535}, "1 to 65535")
		}
		if _, err := mail.ParseAddress(c.SMTP.From); err != nil {
			return bad("smtp.from", callfloor.CodeInvalidFormat, callfloor.Params{"format": "email", "value": c.SMTP.From}, "an e-mail address")
		}
	}
	for ev, langs := range c.Templates {
		if _, ok := DefaultTicketTemplates[ev]; !ok {
			return bad("templates."+ev, callfloor.CodeUnknownField, callfloor.Params{"value": ev}, "created or answered")
		}
		for l, s := range langs {
			if len([]rune(s)) > 500 {
				return bad("templates."+ev+"."+l, callfloor.CodeTooLong, callfloor.Params{"max": 500}, "too long")
			}
		}
	}
	for uid, addr := range c.StaffEmails {
		if _, err := strconv.ParseInt(uid, 10, 64); err != nil {
			return bad("staff_emails", callfloor.CodeInvalidFormat, callfloor.Params{"format": "integer", "value": uid}, "keys are user ids")
		}
		if addr == "" {
			delete(c.StaffEmails, uid)
			continue
		}
		if _, err := mail.ParseAddress(addr); err != nil {
			return bad("staff_emails."+uid, callfloor.CodeInvalidFormat, callfloor.Params{"format": "email", "value": addr}, "an e-mail address")
		}
	}
	return nil
}

// PutTicketNotifyConfig saves the settings. A nil secret keeps the stored one ("" clears it).
func (db *DB) PutTicketNotifyConfig(ctx context.Context, c TicketNotifyConfig, smsSecret, smtpPassword *string) (TicketNotifyConfig, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	raw, _ := json.Marshal(c)
	_, err := db.Pool.Exec(ctx, `INSERT INTO ticket_notify_config (id, settings, sms_secret, smtp_secret, updated_at)
		VALUES (true, $1, coalesce($2, ''), coalesce($3, ''), now())
		ON CONFLICT (id) DO UPDATE SET settings = $1, sms_secret = coalesce($2, ticket_notify_config.sms_secret),
			smtp_secret = coalesce($3, ticket_notify_config.smtp_secret), updated_at = now()`, raw, smsSecret, smtpPassword)
	if err != nil {
		return c, err
	}
	return db.TicketNotifyConfig(ctx)
}

// TicketNotice is a queued notification.
type TicketNotice struct {
	ID       int64
	TicketID int64
	Event    string // created, answered, assigned, escalated_1, escalated_2
	Channel  string // sms, email
	Phone    string
	UserID   int64
	Attempts int
}

// NoticeResult is what became of a notice: Err nil (sent), Skip (nothing to send it with: the
// channel is off or the user has no address), or an error (retried after Retry, failed for good
// after MaxAttempts).
type NoticeResult struct {
	Err  error
	Skip string
}

// SendTicketNotices claims the due notices (at most limit; rows another instance holds are
// skipped), hands each to send and records the result: sent, skipped, retried with backoff
// (1, 2, 4 … minutes) or failed after maxAttempts. It returns how many were handled.
func (db *DB) SendTicketNotices(ctx context.Context, now time.Time, limit, maxAttempts int, send func(TicketNotice) NoticeResult) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, ticket_id, event, channel, coalesce(phone, ''), coalesce(user_id, 0), attempts FROM ticket_notifications
			WHERE status = 'pending' AND next_at <= $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`, now, limit)
		if err != nil {
			return err
		}
		var ns []TicketNotice
		for rows.Next() {
			var x TicketNotice
			if err := rows.Scan(&x.ID, &x.TicketID, &x.Event, &x.Channel, &x.Phone, &x.UserID, &x.Attempts); err != nil {
				rows.Close()
				return err
			}
			ns = append(ns, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, x := range ns {
			r := send(x)
			var q string
			var args []any
			switch {
			case r.Skip != "":
				q, args = `UPDATE ticket_notifications SET status = 'skipped', last_error = $2 WHERE id = $1`, []any{x.ID, r.Skip}
			case r.Err == nil:
				q, args = `UPDATE ticket_notifications SET status = 'sent', sent_at = $2, attempts = attempts + 1, last_error = '' WHERE id = $1`, []any{x.ID, now}
			case x.Attempts+1 >= maxAttempts:
				q, args = `UPDATE ticket_notifications SET status = 'failed', attempts = attempts + 1, last_error = $2 WHERE id = $1`, []any{x.ID, r.Err.Error()}
			default:
				q = `UPDATE ticket_notifications SET attempts = attempts + 1, last_error = $2, next_at = $3 WHERE id = $1`
				args = []any{x.ID, r.Err.Error(), now.Add(time.Minute << min(x.Attempts, 6))}
			}
			if _, err := tx.Exec(ctx, q, args...); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// TicketNoticeRow is a notice as the admin page lists it (delivery problems are reported there).
type TicketNoticeRow struct {
	ID        int64      `json:"id"`
	TicketID  int64      `json:"ticket_id"`
	Number    string     `json:"number"`
	Event     string     `json:"event"`
	Channel   string     `json:"channel"`
	Status    string     `json:"status"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
}

// TicketNotices lists the latest notices, newest first.
func (db *DB) TicketNotices(ctx context.Context, limit int) ([]TicketNoticeRow, error) {
	rows, err := db.Pool.Query(ctx, `SELECT n.id, n.ticket_id, t.number, n.event, n.channel, n.status, n.attempts, n.last_error, n.created_at, n.sent_at
		FROM ticket_notifications n JOIN tickets t ON t.id = n.ticket_id ORDER BY n.id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (TicketNoticeRow, error) {
		var x TicketNoticeRow
		err := r.Scan(&x.ID, &x.TicketID, &x.Number, &x.Event, &x.Channel, &x.Status, &x.Attempts, &x.LastError, &x.CreatedAt, &x.SentAt)
		return x, err
	})
	if out == nil {
		out = []TicketNoticeRow{}
	}
	return out, err
}
