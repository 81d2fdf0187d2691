// Package bulletins sends production bulletins (快报) at scheduled local times and threshold
// alerts to chat robots (WeCom, DingTalk, Feishu), e-mail and signed webhooks.
//
// Scheduling runs once across several callfloor instances on PostgreSQL with river
// (github.com/riverqueue/river): a periodic "bulletin_tick" job (river enqueues periodic jobs
// on its elected leader only) looks for schedule slots that are due and alert rules whose state
// changed, and inserts one bulletin_runs row per message — a scheduled bulletin's (schedule,
// destination, slot) is unique, so even two ticks at once make one message — together with a
// "bulletin_send" job in the same transaction. River works the send jobs on any instance and
// retries them (an error: backoff; a rate-limit answer: snoozed until the service allows it).
package bulletins

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/callfloor/callfloor/storage"
)

// Service is the bulletins' scheduler and sender.
type Service struct {
	Pool   *pgxpool.Pool
	Redis  redis.UniversalClient // per-destination rate limits, shared by every instance
	Prefix string                // Redis key prefix
	Live   Live
	Source Source // nil: the report engine (ReportSource) over Pool
	Sender *Sender
	Loc    func() *time.Location // the centre's time zone
	Log    *slog.Logger
	Now    func() time.Time // tests

	TickEvery   time.Duration // default 30s
	RetryDelay  time.Duration // fixed delay between attempts (tests); 0: river's backoff and the services' Retry-After
	MaxAttempts int           // default 6

	// Extra adds other features' workers and periodic jobs to the same river client (the
	// tickets' escalation and notifications), so that an instance runs one client.
	Extra func(w *river.Workers) []*river.PeriodicJob

	store     *Store
	storeOnce sync.Once
	client    *river.Client[pgx.Tx]
	ticks     atomic.Int64
}

// CatchUp: a slot missed by at most this long (all instances down, a restart) is still sent.
const CatchUp = 15 * time.Minute

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

// Store is the service's tables.
func (s *Service) Store() *Store {
	s.storeOnce.Do(func() { s.store = &Store{Pool: s.Pool} })
	return s.store
}

func (s *Service) source() Source {
	if s.Source != nil {
		return s.Source
	}
	return ReportSource{DB: &storage.DB{Pool: s.Pool}, Loc: s.loc}
}

// Ticks counts the ticks this instance worked.
func (s *Service) Ticks() int64 { return s.ticks.Load() }

type tickArgs struct{}

func (tickArgs) Kind() string { return "bulletin_tick" }

type sendArgs struct {
	RunID int64 `json:"run_id"`
}

func (sendArgs) Kind() string { return "bulletin_send" }

type tickWorker struct {
	river.WorkerDefaults[tickArgs]
	s *Service
}

func (w *tickWorker) Work(ctx context.Context, job *river.Job[tickArgs]) error {
	return w.s.Tick(ctx)
}

type sendWorker struct {
	river.WorkerDefaults[sendArgs]
	s *Service
}

func (w *sendWorker) Work(ctx context.Context, job *river.Job[sendArgs]) error {
	return w.s.work(ctx, job.Args.RunID, job.Attempt)
}

type fixedRetry struct{ d time.Duration }

func (f fixedRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(f.d) }

func (s *Service) maxAttempts() int {
	if s.MaxAttempts > 0 {
		return s.MaxAttempts
	}
	return 6
}

// Start starts the river client (the tick and the senders) until Stop.
func (s *Service) Start(ctx context.Context) error {
	if s.Sender == nil {
		s.Sender = &Sender{}
	}
	every := s.TickEvery
	if every <= 0 {
		every = 30 * time.Second
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &tickWorker{s: s})
	river.AddWorker(workers, &sendWorker{s: s})
	cfg := &river.Config{
		Queues:      map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
		Workers:     workers,
		MaxAttempts: s.maxAttempts(),
		Logger:      s.log().With("component", "bulletins"),
		PeriodicJobs: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(every),
			func() (river.JobArgs, *river.InsertOpts) {
				return tickArgs{}, &river.InsertOpts{MaxAttempts: 1}
			}, &river.PeriodicJobOpts{RunOnStart: true})},
		JobTimeout: time.Minute,
	}
	if s.Extra != nil {
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, s.Extra(workers)...)
	}
	if s.RetryDelay > 0 {
		cfg.RetryPolicy = fixedRetry{s.RetryDelay}
		cfg.FetchPollInterval = 100 * time.Millisecond
		cfg.FetchCooldown = 50 * time.Millisecond
	}
	c, err := river.NewClient(riverpgxv5.New(s.Pool), cfg)
	if err != nil {
		return fmt.Errorf("bulletins: %w", err)
	}
	s.client = c
	return c.Start(ctx)
}

// Stop stops the river client, letting running jobs finish.
func (s *Service) Stop(ctx context.Context) error {
	if s.client == nil {
		return nil
	}
	return s.client.Stop(ctx)
}

// Tick inserts the runs that are due: scheduled bulletins whose slot has come, alarms that
// opened or cleared. Safe to run on several instances at once.
func (s *Service) Tick(ctx context.Context) error {
	s.ticks.Add(1)
	now := s.now()
	errS := s.tickSchedules(ctx, now)
	errA := s.tickAlerts(ctx, now)
	return errors.Join(errS, errA)
}

// Slots are the schedule's slots in (now − CatchUp, now].
func (c Schedule) Slots(now time.Time, loc *time.Location) []time.Time {
	var out []time.Time
	local := now.In(loc)
	for _, day := range []time.Time{local.AddDate(0, 0, -1), local} {
		wd := int16(day.Weekday())
		if wd == 0 {
			wd = 7
		}
		if !containsI16(c.Weekdays, wd) {
			continue
		}
		for _, t := range c.Times {
			h, m, ok := ParseHHMM(t)
			if !ok {
				continue
			}
			slot := time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, loc)
			if !slot.After(now) && now.Sub(slot) < CatchUp {
				out = append(out, slot)
			}
		}
	}
	return out
}

// ParseHHMM reads "10:00".
func ParseHHMM(t string) (h, m int, ok bool) {
	hs, ms, found := strings.Cut(t, ":")
	if !found || len(hs) != 2 || len(ms) != 2 {
		return 0, 0, false
	}
	h, err1 := strconv.Atoi(hs)
	m, err2 := strconv.Atoi(ms)
	if err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, 0, false
	}
	return h, m, true
}

func containsI16(xs []int16, v int16) bool {
	for _, x := range xs {
		if x == v {
			return true
		}
	}
	return false
}

func (s *Service) tickSchedules(ctx context.Context, now time.Time) error {
	scheds, err := s.Store().Schedules(ctx)
	if err != nil {
		return err
	}
	for _, c := range scheds {
		if !c.Enabled {
			continue
		}
		for _, slot := range c.Slots(now, s.loc()) {
			for _, dest := range c.DestinationIDs {
				if err := s.enqueue(ctx, `INSERT INTO bulletin_runs (kind, destination_id, schedule_id, slot)
					SELECT 'scheduled', d.id, $2, $3 FROM bulletin_destinations d WHERE d.id = $1 AND d.enabled
					ON CONFLICT (schedule_id, destination_id, slot) DO NOTHING RETURNING id`, dest, c.ID, slot); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// enqueue runs an INSERT … RETURNING id of bulletin_runs and, when it inserted a row, a send
// job for it in the same transaction.
func (s *Service) enqueue(ctx context.Context, q string, args ...any) error {
	return pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		_, err := s.enqueueTx(ctx, tx, q, args...)
		return err
	})
}

func (s *Service) enqueueTx(ctx context.Context, tx pgx.Tx, q string, args ...any) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, q, args...).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if s.client == nil {
		return id, errors.New("bulletins: the scheduler is not started")
	}
	_, err = s.client.InsertTx(ctx, tx, sendArgs{RunID: id}, nil)
	return id, err
}

// SendTest queues a test message to a destination and returns its run.
func (s *Service) SendTest(ctx context.Context, destID int64) (Run, error) {
	var id int64
	err := pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		var err error
		id, err = s.enqueueTx(ctx, tx, `INSERT INTO bulletin_runs (kind, destination_id) SELECT 'test', id FROM bulletin_destinations WHERE id = $1 RETURNING id`, destID)
		return err
	})
	if err != nil {
		return Run{}, err
	}
	if id == 0 {
		return Run{}, ErrNotFound
	}
	return s.Store().Run(ctx, id)
}

// allow takes one message of d's rate limits (per minute, per second) in Redis, shared by
// every instance; it returns how long to wait when the limit is reached.
func (s *Service) allow(ctx context.Context, d Destination) (time.Duration, error) {
	lim, ok := RateLimits[d.Kind]
	if !ok || s.Redis == nil {
		return 0, nil
	}
	now := time.Now()
	check := func(unit time.Duration, limit int) (time.Duration, error) {
		if limit <= 0 {
			return 0, nil
		}
		win := now.Truncate(unit)
		key := s.Prefix + "bulletins:rate:" + strconv.FormatInt(d.ID, 10) + ":" + unit.String() + ":" + strconv.FormatInt(win.Unix(), 10)
		pipe := s.Redis.TxPipeline()
		incr := pipe.Incr(ctx, key)
		pipe.Expire(ctx, key, unit+5*time.Second)
		if _, err := pipe.Exec(ctx); err != nil {
			return 0, err
		}
		if incr.Val() > int64(limit) {
			return win.Add(unit).Sub(now) + 50*time.Millisecond, nil
		}
		return 0, nil
	}
	if w, err := check(time.Second, lim.PerSecond); err != nil || w > 0 {
		return w, err
	}
	return check(time.Minute, lim.PerMinute)
}

// maxSnoozes bounds the rate-limit snoozes of one run (river does not count them as attempts).
const maxSnoozes = 30

// work sends one run.
func (s *Service) work(ctx context.Context, runID int64, attempt int) error {
	st := s.Store()
	run, err := st.Run(ctx, runID)
	if errors.Is(err, ErrNotFound) {
		return nil // deleted with its destination
	}
	if err != nil {
		return err
	}
	if run.Status == "sent" || run.Status == "failed" {
		return nil
	}
	d, err := st.Destination(ctx, run.DestinationID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	log := s.log().With("component", "bulletins", "run", run.ID, "kind", run.Kind, "destination", d.Name)
	if wait, err := s.allow(ctx, d); err != nil {
		log.Warn("bulletin rate limit unknown (Redis): sending", "err", err)
	} else if wait > 0 {
		return s.later(ctx, run, wait, false, "rate limit of the destination reached (client side)")
	}
	m, err := s.message(ctx, run, d)
	if err != nil {
		return err
	}
	err = s.Sender.Send(ctx, d, m)
	if err == nil {
		log.Info("bulletin sent")
		return st.finishRun(ctx, run.ID, "sent", "")
	}
	var se *SendError
	if errors.As(err, &se) && se.RetryAfter > 0 {
		log.Warn("bulletin rate limited by the service", "err", se.Msg)
		return s.later(ctx, run, se.RetryAfter, true, se.Msg)
	}
	status := "retrying"
	if attempt >= s.maxAttempts() {
		status = "failed"
	}
	log.Warn("bulletin not sent", "attempt", attempt, "status", status, "err", err.Error())
	if ferr := st.finishRun(ctx, run.ID, status, err.Error()); ferr != nil {
		return ferr
	}
	return err
}

// later snoozes a run (rate limited), or fails it after maxSnoozes. fromService: the wait is the
// service's answer (tests shorten it with RetryDelay); else our own limit's window.
func (s *Service) later(ctx context.Context, run Run, wait time.Duration, fromService bool, why string) error {
	if run.Attempts >= maxSnoozes {
		return errors.Join(s.Store().finishRun(ctx, run.ID, "failed", why), river.JobCancel(errors.New(why)))
	}
	if err := s.Store().finishRun(ctx, run.ID, "retrying", why); err != nil {
		return err
	}
	if fromService && s.RetryDelay > 0 && wait > s.RetryDelay {
		wait = s.RetryDelay
	}
	return river.JobSnooze(wait)
}

// message renders a run for its destination.
func (s *Service) message(ctx context.Context, run Run, d Destination) (Message, error) {
	switch run.Kind {
	case "test":
		return TestMessage(d.Lang, s.now(), s.loc()), nil
	case "alert_open", "alert_clear":
		if run.Alert == nil {
			return Message{}, river.JobCancel(errors.New("alert run without its alert"))
		}
		return AlertMessage(d.Lang, *run.Alert, s.loc()), nil
	}
	var project *string
	if run.ScheduleID != nil {
		if c, err := s.Store().Schedule(ctx, *run.ScheduleID); err == nil {
			project = c.ProjectID
		}
	}
	at := s.now()
	b, err := s.Compose(ctx, project, at)
	if err != nil {
		return Message{}, err
	}
	return b.Render(d.Lang, s.loc()), nil
}
