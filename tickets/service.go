package tickets

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"github.com/callfloor/callfloor/bulletins"
	"github.com/callfloor/callfloor/storage"
)

// Service escalates overdue tickets and sends the queued notices.
type Service struct {
	DB     *storage.DB
	Sender *bulletins.Sender // nil: a default one
	Loc    func() *time.Location
	Now    func() time.Time // a fake clock in tests
	Log    *slog.Logger

	Every       time.Duration // the periodic job's interval; default 30s
	MaxAttempts int           // a notice's attempts before it is reported failed; default 5

	// Gateways override the configured notifiers (nil: built from the saved settings).
	SMS, Mail Notifier

	ticks atomic.Int64
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) loc() *time.Location {
	if s.Loc != nil {
		if l := s.Loc(); l != nil {
			return l
		}
	}
	return time.UTC
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Service) sender() *bulletins.Sender {
	if s.Sender != nil {
		return s.Sender
	}
	return &bulletins.Sender{}
}

// Ticks counts the ticks this instance worked.
func (s *Service) Ticks() int64 { return s.ticks.Load() }

type tickArgs struct{}

func (tickArgs) Kind() string { return "ticket_tick" }

type tickWorker struct {
	river.WorkerDefaults[tickArgs]
	s *Service
}

func (w *tickWorker) Work(ctx context.Context, _ *river.Job[tickArgs]) error { return w.s.Tick(ctx) }

// Register adds the tickets' periodic job to a river client's workers (bulletins.Service.Extra).
func (s *Service) Register(w *river.Workers) []*river.PeriodicJob {
	river.AddWorker(w, &tickWorker{s: s})
	every := s.Every
	if every <= 0 {
		every = 30 * time.Second
	}
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return tickArgs{}, &river.InsertOpts{MaxAttempts: 1} },
		&river.PeriodicJobOpts{RunOnStart: true})}
}

// Tick escalates what is overdue and sends what is queued. Safe on several instances at once.
func (s *Service) Tick(ctx context.Context) error {
	s.ticks.Add(1)
	now := s.now()
	es, errE := s.DB.EscalateTickets(ctx, now)
	for _, e := range es {
		s.log().Info("ticket escalated", "ticket", e.Number, "level", e.Level, "to", e.To)
	}
	_, errS := s.SendNotices(ctx)
	return errors.Join(errE, errS)
}

func (s *Service) maxAttempts() int {
	if s.MaxAttempts > 0 {
		return s.MaxAttempts
	}
	return 5
}

// SendNotices sends the due notices (in batches until none is left) and returns how many it
// handled. A failing gateway is retried later and reported on the notice (never a panic, never
// a secret in the error).
func (s *Service) SendNotices(ctx context.Context) (int, error) {
	cfg, err := s.DB.TicketNotifyConfig(ctx)
	if err != nil {
		return 0, err
	}
	sms, mail := s.SMS, s.Mail
	if sms == nil && cfg.SMS.Enabled {
		sms = &SMSWebhook{Settings: cfg.SMS, Secret: cfg.SMSSecret, Sender: s.sender()}
	}
	if mail == nil && cfg.SMTP.Enabled {
		mail = &Email{Settings: cfg.SMTP, Password: cfg.SMTPPassword, Sender: s.sender()}
	}
	now := s.now()
	total := 0
	for range 20 {
		n, err := s.DB.SendTicketNotices(ctx, now, 50, s.maxAttempts(), func(x storage.TicketNotice) storage.NoticeResult {
			return s.send(ctx, cfg, sms, mail, x)
		})
		total += n
		if err != nil || n < 50 {
			return total, err
		}
	}
	return total, nil
}

func (s *Service) send(ctx context.Context, cfg storage.TicketNotifyConfig, sms, mail Notifier, x storage.TicketNotice) (res storage.NoticeResult) {
	defer func() {
		if r := recover(); r != nil { // a gateway's bug must not stop the others
			res = storage.NoticeResult{Err: errors.New("the notifier panicked")}
			s.log().Error("ticket notice panicked", "notice", x.ID, "panic", r)
		}
	}()
	t, err := s.DB.GetTicket(ctx, x.TicketID, s.now())
	if err != nil {
		return storage.NoticeResult{Err: err}
	}
	subject, text, err := Render(cfg, x.Event, t, s.loc())
	if err != nil {
		return storage.NoticeResult{Skip: err.Error()}
	}
	var n Notifier
	to := x.Phone
	switch x.Channel {
	case "sms":
		if n = sms; n == nil {
			return storage.NoticeResult{Skip: "the SMS gateway is off"}
		}
	case "email":
		if to = cfg.StaffEmails[strconv.FormatInt(x.UserID, 10)]; to == "" {
			return storage.NoticeResult{Skip: "the user has no e-mail address"}
		}
		if n = mail; n == nil {
			return storage.NoticeResult{Skip: "e-mail is off"}
		}
	}
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := n.Notify(cctx, Notice{To: to, Subject: subject, Text: text}); err != nil {
		s.log().Warn("ticket notice not sent", "notice", x.ID, "ticket", t.Number, "channel", x.Channel, "attempt", x.Attempts+1, "err", err)
		return storage.NoticeResult{Err: err}
	}
	return storage.NoticeResult{}
}
