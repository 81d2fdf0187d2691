// Package tickets runs the tickets' scheduled work and notifications: the SLA escalation and
// the sending of the notices the store queued (storage.SendTicketNotices), as a periodic river
// job on the bulletins' river client (river enqueues a periodic job on its elected leader only;
// the escalation's update and the notices' SKIP LOCKED claim keep each step once even when two
// run at once). Notifications go through a Notifier: a generic HTTP SMS webhook to customers and
// SMTP e-mail to the staff, both over the bulletins' Sender (its HTTP checks, redaction and
// signature, its SMTP client), never copies of it.
package tickets

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/callfloor/callfloor/bulletins"
	"github.com/callfloor/callfloor/storage"
)

// Notice is a rendered notification: to a phone (SMS) or an e-mail address.
type Notice struct {
	To      string
	Subject string // e-mail only
	Text    string
}

// Notifier delivers notices: the plug-in point for gateways.
type Notifier interface {
	Notify(ctx context.Context, n Notice) error
}

// SMSWebhook is a generic HTTP SMS gateway.
type SMSWebhook struct {
	Settings storage.TicketSMSSettings
	Secret   string
	Sender   *bulletins.Sender
}

var _ Notifier = (*SMSWebhook)(nil)

// Body renders the request's body: {phone} and {text} replaced, escaped for a JSON body
// (content type …json) or URL-escaped otherwise.
func (w *SMSWebhook) Body(n Notice) string {
	esc := url.QueryEscape
	if strings.Contains(w.Settings.ContentType, "json") {
		esc = func(s string) string {
			b, _ := json.Marshal(s)
			return string(b[1 : len(b)-1])
		}
	}
	return strings.NewReplacer("{phone}", esc(n.To), "{text}", esc(n.Text)).Replace(w.Settings.BodyTemplate)
}

// Notify sends the SMS. The body is signed as the bulletins' webhooks are (X-Callfloor-Timestamp
// and the signature header) when a secret is set.
func (w *SMSWebhook) Notify(ctx context.Context, n Notice) error {
	s := w.Settings
	body := w.Body(n)
	u := strings.NewReplacer("{phone}", url.QueryEscape(n.To), "{text}", url.QueryEscape(n.Text)).Replace(s.URL)
	h := http.Header{}
	var raw []byte
	if s.Method != http.MethodGet {
		raw = []byte(body)
		h.Set("Content-Type", s.ContentType)
	}
	now := time.Now()
	if w.Sender.Now != nil {
		now = w.Sender.Now()
	}
	h.Set("X-Callfloor-Timestamp", strconv.FormatInt(now.Unix(), 10))
	if w.Secret != "" {
		h.Set(s.SignatureHeader, bulletins.WebhookSignature(w.Secret, now.Unix(), raw))
	}
	_, err := w.Sender.Request(ctx, s.Method, u, raw, h)
	return err
}

// Email sends notices over SMTP (the bulletins' e-mail sender).
type Email struct {
	Settings storage.TicketSMTPSettings
	Password string
	Sender   *bulletins.Sender
}

var _ Notifier = (*Email)(nil)

// Notify sends one e-mail.
func (e *Email) Notify(ctx context.Context, n Notice) error {
	d := bulletins.Destination{Kind: bulletins.KindEmail, Secret: e.Password,
		Email: &bulletins.EmailSettings{Host: e.Settings.Host, Port: e.Settings.Port, Username: e.Settings.Username, From: e.Settings.From, To: []string{n.To}}}
	return e.Sender.Send(ctx, d, bulletins.Message{Title: n.Subject, Markdown: n.Text})
}

// staffTexts are the staff e-mails' subject and body per event and language.
var staffTexts = map[string]map[string][2]string{
	"assigned": {
		"zh-CN": {"工单{number}已分配给您", "工单{number}（{subject}）已分配给您，请在{due}前答复客户。"},
		"en":    {"Ticket {number} is assigned to you", "Ticket {number} ({subject}) is assigned to you. Answer the customer by {due}."},
	},
	"escalated_1": {
		"zh-CN": {"工单{number}超时未答复（升级至组长）", "工单{number}（{subject}）已超过承诺时限{due}仍未答复，已升级给您（班组长）。"},
		"en":    {"Ticket {number} is overdue (escalated to the team lead)", "Ticket {number} ({subject}) was due by {due} and is not answered: escalated to you as team lead."},
	},
	"escalated_2": {
		"zh-CN": {"工单{number}严重超时（升级至项目经理）", "工单{number}（{subject}）承诺时限{due}已过且升级后仍未答复，已升级给您（项目经理）。"},
		"en":    {"Ticket {number} is long overdue (escalated to the project manager)", "Ticket {number} ({subject}) was due by {due}, escalated and still not answered: escalated to you as project manager."},
	},
}

func fill(tpl string, t storage.Ticket, loc *time.Location) string {
	return strings.NewReplacer("{number}", t.Number, "{subject}", t.Subject, "{name}", t.CustomerName,
		"{due}", t.DueAt.In(loc).Format("2006-01-02 15:04")).Replace(tpl)
}

// Render is a notice's text for a ticket: the customer's SMS (event created / answered) from
// the configured templates, or the staff's e-mail (assigned, escalated_1, escalated_2).
func Render(cfg storage.TicketNotifyConfig, event string, t storage.Ticket, loc *time.Location) (subject, text string, err error) {
	lang := cfg.Lang
	if tpl, ok := cfg.Templates[event]; ok {
		return "", fill(tpl[lang], t, loc), nil
	}
	if st, ok := staffTexts[event]; ok {
		s := st[lang]
		return fill(s[0], t, loc), fill(s[1], t, loc), nil
	}
	return "", "", fmt.Errorf("no text for event %q", event)
}
