package storage

// The history writer drains the Redis change stream (realtime.Store.StreamKey()) into
// PostgreSQL: calls, offers, agent state intervals, login sessions and recordings.
//
// Why it is built this way:
//
//   - A Redis consumer group, not a private cursor: any number of writers (one per callfloor
//     instance) share the work, and an entry stays pending until the writer that read it has
//     committed it. A writer that dies leaves its entries pending; another one takes them over
//     with XAUTOCLAIM once they are idle longer than ClaimIdle, and a restarted writer first
//     re-reads its own pending entries. So nothing is lost, and nothing is acknowledged before it
//     is committed.
//   - Because of that, every event may be written more than once (a crash between COMMIT and
//     XACK, a replay from "0", two writers racing on a reclaimed entry), and the events of one
//     call may be written out of order across writers. Every write is therefore idempotent and
//     order-proof: a call row remembers the stream id of the event it reflects (last_event_id)
//     and only a newer event replaces it; offers only move from ringing to ended; intervals,
//     sessions and recordings are keyed by what identifies them and inserted once.
//   - Throughput: one batch (up to BatchSize entries) is one transaction on one connection kept
//     by the writer: COPY into temporary staging tables (created once per connection, emptied at
//     commit), then one INSERT ... SELECT ... ON CONFLICT per table. That costs a handful of
//     round trips per batch instead of one per row, so ingest stays close to raw COPY speed.
//   - Outages do not stop it: on a PostgreSQL or Redis error Run logs once, keeps the batch in
//     memory, and retries with backoff (capped at 5s) until it can commit, then acknowledges.
//
// Concurrency: a Writer is driven by Run: one goroutine reads and decodes, two write (each
// batch on its own connection, so a COMMIT waiting for the disk overlaps the next batch); Lag may
// be called from any goroutine, AfterCommit is called from the writing goroutines.
// Run several Writers (in one process or many) with distinct Consumer names to share a stream.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/callfloor/callfloor"
	gojson "github.com/goccy/go-json"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// WriterOptions configures a history Writer.
type WriterOptions struct {
	Redis     redis.UniversalClient
	Stream    string // the change stream key (realtime.Store.StreamKey())
	Group     string // consumer group, default "history"
	Consumer  string // this writer's name (unique per process), default hostname-pid
	BatchSize int    // default 2000: a commit (a WAL flush) per batch is the cost to spread
	// BatchWait is how long XREADGROUP blocks, default 1s. A new entry ends the block at once,
	// so a longer block does not delay history; it only sets how often an idle writer asks.
	BatchWait time.Duration
	// BatchLinger: when a read brings fewer than BatchSize entries (the writer keeps up), wait
	// this long for more before writing them, so that a steady trickle of events (a floor's
	// few per second) shares one transaction instead of paying a commit, staging COPYs and
	// upserts per event. Default DefaultBatchLinger (1s): history lags by at most that much
	// more, and a floor at 5 calls/s costs PostgreSQL about one transaction a second. Negative:
	// no lingering.
	BatchLinger time.Duration
	// Pending entries idle longer than this (a dead writer's) are taken over with XAUTOCLAIM,
	// default 30s.
	ClaimIdle  time.Duration
	Logger     *slog.Logger
	Registerer prometheus.Registerer // may be nil
	// AfterCommit is a test hook: called after COMMIT and before XACK; an error aborts that
	// batch's acknowledgement (as a crash there would).
	AfterCommit func() error
}

// DefaultBatchLinger is WriterOptions.BatchLinger's default: a second (issue 11, cost per call:
// at 500 ms a floor at 5 calls/s paid two transactions a second, each with its staging COPYs,
// upserts and rollup refresh; at 1 s one, PostgreSQL's CPU per call about a fifth less).
const DefaultBatchLinger = time.Second

// Writer drains the change stream into the history tables.
type Writer struct {
	db  *DB
	o   WriterOptions
	log *slog.Logger
	m   writerMetrics

	lastClaim time.Time
	lastMaint time.Time
	lastLag   time.Time // when the lag gauge was last read from Redis
	lagZero   bool      // and it was zero
	pgDown    outage
	redisDown outage
}

type writerMetrics struct {
	lag       prometheus.Gauge
	rows      *prometheus.CounterVec
	batches   *prometheus.CounterVec
	seconds   prometheus.Histogram
	malformed prometheus.Counter
}

// register registers c, or returns the collector already registered under its name (several
// writers in one process share the metrics).
func register[C prometheus.Collector](r prometheus.Registerer, c C) C {
	if r == nil {
		return c
	}
	if err := r.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if ex, ok := are.ExistingCollector.(C); ok {
				return ex
			}
		}
	}
	return c
}

// NewWriter returns a writer; Run starts it.
func NewWriter(db *DB, o WriterOptions) *Writer {
	if o.Group == "" {
		o.Group = "history"
	}
	if o.Consumer == "" {
		h, _ := os.Hostname()
		o.Consumer = fmt.Sprintf("%s-%d", h, os.Getpid())
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 2000
	}
	if o.BatchWait <= 0 {
		o.BatchWait = time.Second
	}
	if o.BatchLinger == 0 {
		o.BatchLinger = DefaultBatchLinger
	}
	if o.ClaimIdle <= 0 {
		o.ClaimIdle = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	r := o.Registerer
	w := &Writer{db: db, o: o, log: o.Logger.With("component", "history", "consumer", o.Consumer)}
	w.m = writerMetrics{
		lag: register(r, prometheus.NewGauge(prometheus.GaugeOpts{Name: "callfloor_history_lag_events",
			Help: "Change-stream entries not yet written to the history (undelivered + pending)."})),
		rows: register(r, prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callfloor_history_rows_written_total",
			Help: "Rows inserted or updated by the history writer."}, []string{"table"})),
		batches: register(r, prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callfloor_history_batches_total",
			Help: "History batches by result (error: the transaction failed and is retried)."}, []string{"result"})),
		seconds: register(r, prometheus.NewHistogram(prometheus.HistogramOpts{Name: "callfloor_history_batch_seconds",
			Help: "Time to write one history batch.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)})),
		malformed: register(r, prometheus.NewCounter(prometheus.CounterOpts{Name: "callfloor_history_malformed_total",
			Help: "Change-stream entries that could not be decoded (acknowledged and skipped)."})),
	}
	return w
}

// outage logs a failing dependency once per outage, and its recovery.
type outage struct {
	mu    sync.Mutex
	since time.Time
}

func (o *outage) fail(log *slog.Logger, what string, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.since.IsZero() {
		o.since = time.Now()
		log.Error(what+" unavailable; retrying with backoff", "err", err)
	}
}

func (o *outage) down() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return !o.since.IsZero()
}

func (o *outage) ok(log *slog.Logger, what string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.since.IsZero() {
		log.Info(what+" back", "down_for", time.Since(o.since).Round(time.Millisecond))
		o.since = time.Time{}
	}
}

const maxBackoff = 5 * time.Second

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func nextBackoff(d time.Duration) time.Duration {
	d *= 2
	if d > maxBackoff {
		d = maxBackoff
	}
	return d
}

// writerConns is how many batches one Writer has in flight, each in its own transaction on its
// own connection: while one waits for its COMMIT to reach the disk, the other is written and
// the reader decodes the next. Safe because the writes are order-proof (see above).
const writerConns = 2

// job is one batch read from the stream; the sink decodes it (decoding in the sinks, not the
// reader, spreads the JSON work over the cores).
type job struct {
	msgs []redis.XMessage
}

// Run writes the stream into PostgreSQL until ctx is done. It returns nil when ctx ends; errors
// of PostgreSQL or Redis are logged and retried, never returned.
func (w *Writer) Run(ctx context.Context) error {
	if !w.retryRedis(ctx, w.ensureGroup) {
		return nil
	}
	w.maintain(ctx)
	jobs := make(chan job) // unbuffered: the reader is at most one batch ahead of an idle sink
	var wg sync.WaitGroup
	for range writerConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := &sink{w: w}
			defer s.dropConn(false)
			for j := range jobs {
				s.handle(ctx, j)
			}
		}()
	}
	w.readLoop(ctx, jobs)
	close(jobs)
	wg.Wait()
	return nil
}

func (w *Writer) readLoop(ctx context.Context, jobs chan<- job) {
	// Our own pending entries first: what this consumer read before a restart but never acked.
	if !w.drainPending(ctx, jobs) {
		return
	}
	w.lastClaim = time.Now()
	for ctx.Err() == nil {
		// While PostgreSQL is down our own in-flight entries grow idle too: claiming them
		// would only queue them twice.
		if time.Since(w.lastClaim) >= w.claimEvery() && !w.pgDown.down() {
			if !w.claimStale(ctx, jobs) {
				return
			}
			w.lastClaim = time.Now()
		}
		if time.Since(w.lastMaint) >= time.Hour {
			w.maintain(ctx)
		}
		var msgs []redis.XMessage
		if !w.retryRedis(ctx, func(ctx context.Context) error {
			var err error
			msgs, err = w.read(ctx, ">", w.o.BatchWait)
			return err
		}) {
			return
		}
		if len(msgs) > 0 && len(msgs) < w.o.BatchSize && w.o.BatchLinger > 0 {
			// a trickle: let the entries of the next moments join this batch
			if !sleepCtx(ctx, w.o.BatchLinger) {
				return
			}
			if !w.retryRedis(ctx, func(ctx context.Context) error {
				more, err := w.readN(ctx, ">", -1, w.o.BatchSize-len(msgs))
				msgs = append(msgs, more...)
				return err
			}) {
				return
			}
		}
		if len(msgs) > 0 && !w.dispatch(ctx, jobs, msgs) {
			return
		}
		// The lag gauge: after entries were read and while it is not zero, at every turn; an
		// idle writer whose lag was zero asks again only every lagIdleEvery (nothing was
		// delivered to it, and its sinks had acknowledged everything).
		if len(msgs) > 0 || !w.lagZero || time.Since(w.lastLag) >= lagIdleEvery {
			w.readLag(ctx)
		}
	}
}

// lagIdleEvery is how often an idle writer with nothing pending reads its lag again.
const lagIdleEvery = 10 * time.Second

// readLag sets the lag gauge from Redis.
func (w *Writer) readLag(ctx context.Context) {
	n, err := w.Lag(ctx)
	if err != nil {
		w.lagZero = false
		return
	}
	w.m.lag.Set(float64(n))
	w.lastLag, w.lagZero = time.Now(), n == 0
}

// dispatch hands msgs to a sink; false when ctx ended first.
func (w *Writer) dispatch(ctx context.Context, jobs chan<- job, msgs []redis.XMessage) bool {
	j := job{msgs: msgs}
	select {
	case jobs <- j:
		return true
	case <-ctx.Done():
		return false
	}
}

func (w *Writer) claimEvery() time.Duration {
	d := w.o.ClaimIdle / 2
	if d < 50*time.Millisecond {
		d = 50 * time.Millisecond
	}
	if d > 15*time.Second {
		d = 15 * time.Second
	}
	return d
}

// retryRedis runs f until it succeeds (true) or ctx ends (false). A group deleted under our
// feet (NOGROUP) is created again, from the start of the stream.
func (w *Writer) retryRedis(ctx context.Context, f func(context.Context) error) bool {
	backoff := 100 * time.Millisecond
	for {
		err := f(ctx)
		if err == nil {
			w.redisDown.ok(w.log, "redis")
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if strings.HasPrefix(err.Error(), "NOGROUP") {
			if err := w.ensureGroup(ctx); err == nil {
				continue
			}
		}
		w.redisDown.fail(w.log, "redis", err)
		if !sleepCtx(ctx, backoff) {
			return false
		}
		backoff = nextBackoff(backoff)
	}
}

func (w *Writer) ensureGroup(ctx context.Context) error {
	err := w.o.Redis.XGroupCreateMkStream(ctx, w.o.Stream, w.o.Group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("create consumer group %s: %w", w.o.Group, err)
	}
	return nil
}

// read reads up to BatchSize entries: id ">" for new ones (blocking up to block), or an id of
// our own pending list to page through it (no blocking).
func (w *Writer) read(ctx context.Context, id string, block time.Duration) ([]redis.XMessage, error) {
	return w.readN(ctx, id, block, w.o.BatchSize)
}

// readN is read of up to n entries (block < 0: no blocking).
func (w *Writer) readN(ctx context.Context, id string, block time.Duration, n int) ([]redis.XMessage, error) {
	res, err := w.o.Redis.XReadGroup(ctx, &redis.XReadGroupArgs{Group: w.o.Group, Consumer: w.o.Consumer,
		Streams: []string{w.o.Stream, id}, Count: int64(n), Block: block}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(res) == 0 {
		return nil, nil
	}
	return res[0].Messages, nil
}

func (w *Writer) drainPending(ctx context.Context, jobs chan<- job) bool {
	after := "0"
	for {
		var msgs []redis.XMessage
		if !w.retryRedis(ctx, func(ctx context.Context) error {
			var err error
			msgs, err = w.read(ctx, after, -1)
			return err
		}) {
			return false
		}
		if len(msgs) == 0 {
			return true
		}
		after = msgs[len(msgs)-1].ID
		if !w.dispatch(ctx, jobs, msgs) {
			return false
		}
	}
}

// claimStale takes over entries other consumers read but did not acknowledge within ClaimIdle.
func (w *Writer) claimStale(ctx context.Context, jobs chan<- job) bool {
	start := "0-0"
	for {
		var msgs []redis.XMessage
		var next string
		if !w.retryRedis(ctx, func(ctx context.Context) error {
			var err error
			msgs, next, err = w.o.Redis.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: w.o.Stream, Group: w.o.Group,
				Consumer: w.o.Consumer, MinIdle: w.o.ClaimIdle, Start: start, Count: int64(w.o.BatchSize)}).Result()
			return err
		}) {
			return false
		}
		if len(msgs) > 0 {
			w.log.Info("took over stale pending entries", "count", len(msgs), "first", msgs[0].ID)
			if !w.dispatch(ctx, jobs, msgs) {
				return false
			}
		}
		if next == "" || next == "0-0" {
			return true
		}
		start = next
	}
}

// maintain keeps this month's and next month's partitions ready (rows never need to land in the
// default partitions in normal operation) and prunes old state openings. Best effort: failures
// are logged and retried an hour later.
func (w *Writer) maintain(ctx context.Context) {
	w.lastMaint = time.Now()
	mctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	now := time.Now().UTC()
	if err := w.db.EnsurePartitions(mctx, now, now.AddDate(0, 1, 0)); err != nil {
		w.log.Warn("creating monthly partitions", "err", err)
		return
	}
	if _, err := w.db.Pool.Exec(mctx, `DELETE FROM agent_state_open WHERE started_at < now() - interval '2 days'`); err != nil {
		w.log.Warn("pruning agent_state_open", "err", err)
	}
}

// sink writes batches on a connection of its own, kept between batches so that its temporary
// staging tables survive.
type sink struct {
	w    *Writer
	conn *pgxpool.Conn
}

// handle writes a batch and acknowledges it. It gives up only when ctx ends (the entries then
// stay pending and are written again later: that is safe).
func (s *sink) handle(ctx context.Context, j job) {
	w := s.w
	b := w.build(j.msgs)
	if !b.empty() {
		backoff := 100 * time.Millisecond
		safe := false
		for {
			t0 := time.Now()
			err := s.write(ctx, b, safe)
			if err == nil {
				w.m.seconds.Observe(time.Since(t0).Seconds())
				w.m.batches.WithLabelValues("ok").Inc()
				w.pgDown.ok(w.log, "postgres")
				break
			}
			if ctx.Err() != nil {
				return
			}
			w.m.batches.WithLabelValues("error").Inc()
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && (pgErr.Code == "23505" || pgErr.Code == "40P01") {
				// a race with another batch on the same rows (the fast path's COPY, a
				// deadlock): not an outage; again at once, on the upsert-only path
				w.log.Debug("batch raced another; retrying", "err", err)
				safe = true
				continue
			}
			w.pgDown.fail(w.log, "postgres", err)
			if n, err := w.Lag(ctx); err == nil {
				w.m.lag.Set(float64(n))
			}
			if !sleepCtx(ctx, backoff) {
				return
			}
			backoff = nextBackoff(backoff)
		}
		if w.o.AfterCommit != nil {
			if err := w.o.AfterCommit(); err != nil {
				w.log.Warn("batch committed but not acknowledged (AfterCommit)", "err", err, "entries", len(j.msgs))
				return
			}
		}
	}
	ids := make([]string, len(j.msgs))
	for i, m := range j.msgs {
		ids[i] = m.ID
	}
	w.retryRedis(ctx, func(ctx context.Context) error {
		return w.o.Redis.XAck(ctx, w.o.Stream, w.o.Group, ids...).Err()
	})
}

// Lag is the number of entries not yet written: never delivered to the group plus delivered
// but not acknowledged.
func (w *Writer) Lag(ctx context.Context) (int64, error) {
	groups, err := w.o.Redis.XInfoGroups(ctx, w.o.Stream).Result()
	if err != nil {
		if strings.Contains(err.Error(), "no such key") {
			return 0, nil
		}
		return 0, err
	}
	for _, g := range groups {
		if g.Name != w.o.Group {
			continue
		}
		lag := g.Lag
		if lag < 0 {
			// Redis cannot tell (entries deleted in the middle): count what follows the last
			// delivered id, up to a bound.
			rest, err := w.o.Redis.XRangeN(ctx, w.o.Stream, "("+g.LastDeliveredID, "+", 100_000).Result()
			if err != nil {
				return 0, err
			}
			lag = int64(len(rest))
		}
		return lag + g.Pending, nil
	}
	return w.o.Redis.XLen(ctx, w.o.Stream).Result()
}

// ---- building rows ----

// streamID is a parsed "ms-seq" stream id, comparable as numbers.
type streamID struct{ ms, seq uint64 }

func parseStreamID(s string) streamID {
	a, b, _ := strings.Cut(s, "-")
	ms, _ := strconv.ParseUint(a, 10, 64)
	seq, _ := strconv.ParseUint(b, 10, 64)
	return streamID{ms, seq}
}

func (a streamID) after(b streamID) bool { return a.ms > b.ms || (a.ms == b.ms && a.seq > b.seq) }

type callRow struct {
	id  streamID
	row []any
}

type offerKey struct {
	call  string
	seq   int
	start time.Time
}

type agentKey struct {
	agent string
	at    time.Time
	state string
}

// batch is one transaction's worth of rows, deduplicated (an INSERT ... ON CONFLICT DO UPDATE
// may not touch a row twice).
type batch struct {
	calls     map[string]callRow // call id -> row of the newest call.* event
	recCalls  map[string]callRow // call id -> row from recording.ready (only fills the recording)
	offers    map[offerKey][]any
	recs      map[string][]any
	intervals map[agentKey][]any
	opens     map[agentKey][]any
	logins    map[agentKey][]any
	logouts   map[agentKey][]any
	surveys   map[string][]any // call id -> survey.ended row (surveys_history.go)
}

func (b *batch) empty() bool {
	return len(b.calls)+len(b.recCalls)+len(b.offers)+len(b.recs)+len(b.intervals)+len(b.opens)+len(b.logins)+len(b.logouts)+len(b.surveys) == 0
}

func nt(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func ns(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func ni(v int) any {
	if v == 0 {
		return nil
	}
	return v
}

var callCols = []string{"id", "direction", "queue", "priority", "node", "asterisk_id", "caller_number", "caller_name",
	"called_number", "agent_id", "entered_at", "first_offer_at", "answered_at", "ended_at", "wait_ms", "ring_ms", "talk_ms",
	"hold_ms", "wrap_ms", "outcome", "hangup_by", "cause", "cause_text", "recording_name", "offers", "last_event_id",
	"transferred_to", "transferred_from", "campaign_id", "lead_id", "callback_at"}

func callValues(c *callfloor.Call, eventID string) []any {
	var wait, ring, talk any
	if !c.AnsweredAt.IsZero() || !c.EndedAt.IsZero() {
		wait = c.WaitMs()
	}
	if len(c.Offers) > 0 {
		ring = c.RingMs()
	}
	if !c.AnsweredAt.IsZero() && !c.EndedAt.IsZero() {
		talk = c.TalkMs()
	}
	var hold, wrap any
	if c.HoldMs != nil {
		hold = *c.HoldMs
	}
	if c.WrapMs != nil {
		wrap = *c.WrapMs
	}
	return []any{c.ID, c.Direction, ns(c.Queue), c.Priority, ns(c.Node), ns(c.AsteriskID), ns(c.CallerNumber), ns(c.CallerName),
		ns(c.CalledNumber), ns(c.Agent), c.EnteredAt, nt(c.FirstOfferAt), nt(c.AnsweredAt), nt(c.EndedAt), wait, ring, talk,
		hold, wrap, ns(string(c.Outcome)), ns(c.HangupBy), ni(c.Cause), ns(c.CauseText), ns(c.RecordingName), len(c.Offers), eventID,
		ns(c.TransferredTo), ns(c.TransferredFrom), ns(c.CampaignID), ni64(c.LeadID), nt(c.CallbackAt)}
}

func ni64(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

var offerCols = []string{"call_id", "seq", "call_entered_at", "agent_id", "channel", "started_at", "ended_at", "ring_ms", "result", "cause"}

func (b *batch) addOffers(c *callfloor.Call) {
	for i, o := range c.Offers {
		if o.Start.IsZero() {
			continue
		}
		k := offerKey{c.ID, i + 1, o.Start}
		if old, ok := b.offers[k]; ok && old[6] != nil && o.End.IsZero() {
			continue // keep the ended version
		}
		var ring any
		if !o.End.IsZero() {
			ring = o.RingMs()
		}
		b.offers[k] = []any{c.ID, i + 1, c.EnteredAt, ns(o.Agent), ns(o.Channel), o.Start, nt(o.End), ring, ns(o.Result), ni(o.Cause)}
	}
}

var intervalCols = []string{"agent_id", "state", "reason", "direction", "call_id", "started_at", "ended_at", "duration_ms"}
var openCols = []string{"agent_id", "started_at", "state", "direction", "call_id"}
var recCols = []string{"name", "node", "asterisk_id", "format", "duration_s", "size_bytes", "call_id", "call_entered_at", "agent_id", "queue", "created_at"}

func msTime(t time.Time) time.Time { return t.Truncate(time.Millisecond).UTC() }

// build decodes msgs; an entry that cannot be decoded is logged, counted and skipped (it is
// acknowledged with the batch so it never blocks the stream). Unknown event types are skipped
// silently: newer producers may add some.
func (w *Writer) build(msgs []redis.XMessage) *batch {
	b := &batch{calls: map[string]callRow{}, recCalls: map[string]callRow{}, offers: map[offerKey][]any{},
		recs: map[string][]any{}, intervals: map[agentKey][]any{}, opens: map[agentKey][]any{},
		logins: map[agentKey][]any{}, logouts: map[agentKey][]any{}, surveys: map[string][]any{}}
	for _, m := range msgs {
		ev, err := decodeEntry(m)
		if err != nil {
			w.m.malformed.Inc()
			w.log.Warn("skipping malformed change-stream entry", "id", m.ID, "err", err)
			continue
		}
		id := parseStreamID(m.ID)
		switch {
		case ev.Type == callfloor.EvRecordingReady:
			c := ev.Call
			if old, ok := b.recCalls[c.ID]; !ok || id.after(old.id) {
				b.recCalls[c.ID] = callRow{id, callValues(c, "0-0")} // "0-0": any call event replaces it
			}
			b.addOffers(c)
			if c.RecordingName != "" {
				b.recs[c.RecordingName] = []any{c.RecordingName, ns(c.Node), ns(c.AsteriskID), ns(c.RecordingFormat),
					c.RecordingDuration, nil, c.ID, c.EnteredAt, ns(c.Agent), ns(c.Queue), ev.At}
			}
		case strings.HasPrefix(ev.Type, "call."):
			c := ev.Call
			if old, ok := b.calls[c.ID]; !ok || id.after(old.id) {
				b.calls[c.ID] = callRow{id, callValues(c, m.ID)}
			}
			b.addOffers(c)
		case ev.Type == callfloor.EvSurveyEnded:
			if _, dup := b.surveys[ev.Survey.CallID]; !dup { // the first stands, as in the table
				b.surveys[ev.Survey.CallID] = surveyValues(ev.Survey)
			}
		case ev.Type == callfloor.EvAgentState:
			a := ev.Agent
			at := msTime(ev.At)
			if ev.Prev != "" && ev.PrevSinceMs > 0 {
				start := time.UnixMilli(ev.PrevSinceMs).UTC()
				if !at.Before(start) {
					k := agentKey{a.Agent, start, string(ev.Prev)}
					b.intervals[k] = []any{a.Agent, string(ev.Prev), ns(ev.PrevReason), nil, nil, start, at, at.Sub(start).Milliseconds()}
				}
			}
			if a.Direction != "" || a.Call != "" {
				k := agentKey{a.Agent, at, string(a.State)}
				b.opens[k] = []any{a.Agent, at, string(a.State), ns(a.Direction), ns(a.Call)}
			}
			switch {
			case ev.Prev == callfloor.AgentLoggedOut && a.State != callfloor.AgentLoggedOut:
				b.logins[agentKey{a.Agent, at, ""}] = []any{a.Agent, at}
			case a.State == callfloor.AgentLoggedOut && ev.Prev != "" && ev.Prev != callfloor.AgentLoggedOut:
				b.logouts[agentKey{a.Agent, at, ""}] = []any{a.Agent, at}
			}
		}
	}
	return b
}

func decodeEntry(m redis.XMessage) (*callfloor.Event, error) {
	raw, ok := m.Values["e"].(string)
	if !ok {
		return nil, errors.New(`no "e" field`)
	}
	var ev callfloor.Event
	if err := gojson.UnmarshalNoEscape([]byte(raw), &ev); err != nil {
		return nil, err
	}
	switch {
	case ev.Type == "":
		return nil, errors.New("no event type")
	case strings.HasPrefix(ev.Type, "call.") || ev.Type == callfloor.EvRecordingReady:
		if ev.Call == nil || ev.Call.ID == "" || ev.Call.EnteredAt.IsZero() {
			return nil, fmt.Errorf("%s without a call id and entry time", ev.Type)
		}
	case ev.Type == callfloor.EvSurveyEnded:
		if ev.Survey == nil || ev.Survey.Check() != nil || ev.Survey.CallEntered.IsZero() || ev.Survey.Queue == "" {
			return nil, errors.New("survey.ended without a call, its entry, a queue, an offer time or an outcome")
		}
	case ev.Type == callfloor.EvAgentState:
		if ev.Agent == nil || ev.Agent.Agent == "" || ev.At.IsZero() || !ev.Agent.State.Valid() {
			return nil, errors.New("agent.state without an agent, a valid state and a time")
		}
	}
	return &ev, nil
}

// ---- writing ----

// staging tables: one per target, created once per connection. They are plain temporary
// tables, not ON COMMIT DELETE ROWS: that truncates every such table of the session at every
// commit (a relation truncation each, with its toast table: ~0.3 ms of PostgreSQL CPU per table
// and commit, most of the writer's cost per transaction). writeTx instead empties, with DELETE,
// just the tables the batch filled, inside the transaction (a failed batch rolls back its rows
// and the DELETE together); the dead rows are pruned on the pages' next use.
var stagingDDL = `
CREATE TEMP TABLE IF NOT EXISTS st_calls (LIKE calls);
CREATE TEMP TABLE IF NOT EXISTS st_reccalls (LIKE calls);
CREATE TEMP TABLE IF NOT EXISTS st_offers (LIKE offers);
CREATE TEMP TABLE IF NOT EXISTS st_intervals (LIKE agent_state_intervals);
CREATE TEMP TABLE IF NOT EXISTS st_opens (LIKE agent_state_open);
CREATE TEMP TABLE IF NOT EXISTS st_logins (agent_id text NOT NULL, login_at timestamptz NOT NULL);
CREATE TEMP TABLE IF NOT EXISTS st_logouts (agent_id text NOT NULL, at timestamptz NOT NULL);
CREATE TEMP TABLE IF NOT EXISTS st_recs (LIKE recordings);
CREATE TEMP TABLE IF NOT EXISTS st_surveys (LIKE surveys INCLUDING DEFAULTS);
CREATE TEMP TABLE IF NOT EXISTS st_new_calls (LIKE calls);
CREATE TEMP TABLE IF NOT EXISTS st_new_offers (LIKE offers);
` + rollupStashDDL

func updateSet(cols []string, except ...string) string {
	var parts []string
outer:
	for _, c := range cols {
		for _, e := range except {
			if c == e {
				continue outer
			}
		}
		parts = append(parts, c+" = EXCLUDED."+c)
	}
	return strings.Join(parts, ", ")
}

var (
	colList = strings.Join(callCols, ", ")

	// A call row follows the newest event only; the recording name, once known, stays.
	upsertCalls = `INSERT INTO calls (` + colList + `) SELECT ` + colList + ` FROM st_calls ORDER BY id
ON CONFLICT (id, entered_at) DO UPDATE SET ` + updateSet(callCols, "id", "entered_at", "recording_name") + `,
  recording_name = coalesce(EXCLUDED.recording_name, calls.recording_name)
WHERE stream_id_after(EXCLUDED.last_event_id, calls.last_event_id)`

	// recording.ready: fills the recording on the call and nothing else (not the outcome); if
	// the call's own events are not written yet, its snapshot stands in with last_event_id
	// "0-0" so that any of them replaces it.
	upsertRecCalls = `INSERT INTO calls (` + colList + `) SELECT ` + colList + ` FROM st_reccalls ORDER BY id
ON CONFLICT (id, entered_at) DO UPDATE SET recording_name = EXCLUDED.recording_name
WHERE EXCLUDED.recording_name IS NOT NULL AND calls.recording_name IS DISTINCT FROM EXCLUDED.recording_name`

	// An offer only moves from ringing to ended.
	upsertOffers = `INSERT INTO offers (` + strings.Join(offerCols, ", ") + `) SELECT ` + strings.Join(offerCols, ", ") + ` FROM st_offers ORDER BY call_id, seq
ON CONFLICT (call_id, seq, started_at) DO UPDATE SET agent_id = EXCLUDED.agent_id, channel = EXCLUDED.channel,
  ended_at = EXCLUDED.ended_at, ring_ms = EXCLUDED.ring_ms, result = EXCLUDED.result, cause = EXCLUDED.cause
WHERE EXCLUDED.ended_at IS NOT NULL AND (offers.ended_at, offers.result, offers.cause) IS DISTINCT FROM (EXCLUDED.ended_at, EXCLUDED.result, EXCLUDED.cause)`

	// An interval's direction and call come from the event that opened the state: in this
	// batch, or an earlier one (agent_state_open).
	insertIntervals = `INSERT INTO agent_state_intervals (agent_id, state, reason, direction, call_id, started_at, ended_at, duration_ms)
SELECT s.agent_id, s.state, s.reason, coalesce(so.direction, o.direction), coalesce(so.call_id, o.call_id), s.started_at, s.ended_at, s.duration_ms
FROM st_intervals s
LEFT JOIN st_opens so ON so.agent_id = s.agent_id AND so.started_at = s.started_at AND so.state = s.state
LEFT JOIN agent_state_open o ON o.agent_id = s.agent_id AND o.started_at = s.started_at AND o.state = s.state
ORDER BY s.agent_id, s.started_at
ON CONFLICT DO NOTHING`

	// An opening whose interval this batch closes is not kept: the interval carries its
	// direction and call (inserted with them, or filled in by fillIntervals), and no later
	// batch needs it (a replay of that interval inserts nothing); attendance's "state still
	// running" looks for an opening without an interval after it, which this one is not.
	insertOpens = `INSERT INTO agent_state_open SELECT * FROM st_opens so
WHERE NOT EXISTS (SELECT 1 FROM st_intervals s WHERE s.agent_id = so.agent_id AND s.started_at = so.started_at AND s.state = so.state)
ORDER BY agent_id, started_at ON CONFLICT DO NOTHING`

	// The opening written after the interval it opened (out-of-order writers): fill it in.
	fillIntervals = `UPDATE agent_state_intervals i SET direction = so.direction, call_id = so.call_id FROM st_opens so
WHERE i.agent_id = so.agent_id AND i.started_at = so.started_at AND i.state = so.state AND i.direction IS NULL AND i.call_id IS NULL`

	insertLogouts = `INSERT INTO agent_logouts SELECT agent_id, at FROM st_logouts ORDER BY 1, 2 ON CONFLICT DO NOTHING`

	// A login's session ends at the first logout after it (if already seen) and before the
	// agent's next login.
	insertLogins = `INSERT INTO agent_sessions (agent_id, login_at, logout_at)
SELECT l.agent_id, l.login_at,
  (SELECT min(o.at) FROM agent_logouts o WHERE o.agent_id = l.agent_id AND o.at >= l.login_at
     AND o.at <= coalesce((SELECT min(n.login_at) FROM (
         SELECT s.login_at FROM agent_sessions s WHERE s.agent_id = l.agent_id AND s.login_at > l.login_at
         UNION ALL SELECT s2.login_at FROM st_logins s2 WHERE s2.agent_id = l.agent_id AND s2.login_at > l.login_at) n), 'infinity'))
FROM st_logins l ORDER BY 1, 2
ON CONFLICT DO NOTHING`

	// A logout closes the agent's latest session that began before it.
	applyLogouts = `UPDATE agent_sessions s SET logout_at = o.at FROM st_logouts o
WHERE s.agent_id = o.agent_id
  AND s.login_at = (SELECT max(x.login_at) FROM agent_sessions x WHERE x.agent_id = o.agent_id AND x.login_at <= o.at)
  AND (s.logout_at IS NULL OR s.logout_at > o.at)`

	upsertRecs = `INSERT INTO recordings (` + strings.Join(recCols, ", ") + `) SELECT ` + strings.Join(recCols, ", ") + ` FROM st_recs ORDER BY name
ON CONFLICT (name) DO UPDATE SET duration_s = EXCLUDED.duration_s, format = EXCLUDED.format
WHERE (recordings.duration_s, recordings.format) IS DISTINCT FROM (EXCLUDED.duration_s, EXCLUDED.format)`
)

func rowsOf[K comparable](m map[K][]any) [][]any {
	out := make([][]any, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	return out
}

func callRowsOf(m map[string]callRow) [][]any {
	out := make([][]any, 0, len(m))
	for _, r := range m {
		out = append(out, r.row)
	}
	return out
}

// dropConn gives the writer's connection back; broken (or after an error of unknown state)
// it is closed so the pool does not hand it out again.
func (s *sink) dropConn(broken bool) {
	if s.conn == nil {
		return
	}
	if broken {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = s.conn.Conn().Close(ctx)
		cancel()
	}
	s.conn.Release()
	s.conn = nil
}

func (s *sink) write(ctx context.Context, b *batch, safe bool) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	err := s.writeTx(ctx, b, safe)
	if err != nil {
		// A server-side error leaves the connection usable; anything else (network, timeout)
		// may leave it mid-protocol.
		var pgErr *pgconn.PgError
		s.dropConn(!errors.As(err, &pgErr))
	}
	return err
}

func (s *sink) writeTx(ctx context.Context, b *batch, safe bool) error {
	w := s.w
	if s.conn == nil {
		c, err := w.db.Pool.Acquire(ctx)
		if err != nil {
			return err
		}
		if _, err := c.Exec(ctx, stagingDDL); err != nil {
			c.Release()
			return fmt.Errorf("staging tables: %w", err)
		}
		s.conn = c
	}
	tx, err := s.conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.Background()) //nolint:errcheck // no-op after Commit

	var staged []string // the staging tables this batch filled, emptied before COMMIT
	copyInto := func(table string, cols []string, rows [][]any) error {
		if len(rows) == 0 {
			return nil
		}
		if strings.HasPrefix(table, "st_") {
			staged = append(staged, table)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("copy into %s: %w", table, err)
		}
		return nil
	}
	// Fast path: calls this batch sees first (no row yet, typically call.entered) and their
	// offers are COPied straight into their tables: no staging, no upsert. Another writer
	// inserting the same call meanwhile makes the COPY fail on the primary key; the batch is
	// then retried on the upsert-only path (safe).
	calls, offers := callRowsOf(b.calls), rowsOf(b.offers)
	var newCalls, newOffers [][]any
	fresh := map[string]bool{}
	if !safe && len(calls) > 0 {
		ids := make([]string, len(calls))
		entered := make([]time.Time, len(calls))
		for i, r := range calls {
			ids[i], entered[i] = r[0].(string), r[10].(time.Time)
		}
		rows, err := tx.Query(ctx, `SELECT c.id FROM calls c JOIN unnest($1::text[], $2::timestamptz[]) AS u(id, entered_at)
			ON c.id = u.id AND c.entered_at = u.entered_at`, ids, entered)
		if err != nil {
			return fmt.Errorf("existing calls: %w", err)
		}
		existing, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("existing calls: %w", err)
		}
		known := make(map[string]bool, len(existing))
		for _, id := range existing {
			known[id] = true
		}
		old := calls[:0:0]
		for _, r := range calls {
			if id := r[0].(string); known[id] {
				old = append(old, r)
			} else {
				fresh[id] = true
				newCalls = append(newCalls, r)
			}
		}
		calls = old
		oldOffers := offers[:0:0]
		for _, r := range offers {
			if fresh[r[0].(string)] {
				newOffers = append(newOffers, r)
			} else {
				oldOffers = append(oldOffers, r)
			}
		}
		offers = oldOffers
	}
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"calls", callCols, newCalls},
		{"offers", offerCols, newOffers},
		// their copies, the rollups' source of their parts (rollup_diff.go, freshCalls)
		{"st_new_calls", callCols, newCalls},
		{"st_new_offers", offerCols, newOffers},
		{"st_calls", callCols, calls},
		{"st_reccalls", callCols, callRowsOf(b.recCalls)},
		{"st_offers", offerCols, offers},
		{"st_intervals", intervalCols, rowsOf(b.intervals)},
		{"st_opens", openCols, rowsOf(b.opens)},
		{"st_logins", []string{"agent_id", "login_at"}, rowsOf(b.logins)},
		{"st_logouts", []string{"agent_id", "at"}, rowsOf(b.logouts)},
		{"st_recs", recCols, rowsOf(b.recs)},
		{"st_surveys", surveyCols, rowsOf(b.surveys)},
	} {
		if err := copyInto(c.table, c.cols, c.rows); err != nil {
			return err
		}
	}
	type step struct {
		table, sql string
		when       bool
	}
	// The rollups by difference (rollup_diff.go): the locks and the old parts of the rows this
	// batch rewrites before its upserts, their new parts added after them; the intervals'
	// insert adds its own.
	refresh := rollupsOf(b, fresh)
	intervalsSQL, counted := refresh.intervalsSQL()
	intervalsStep := "agent_state_intervals"
	if counted {
		intervalsStep = countedIntervals
	}
	steps := []step{
		{"calls", upsertCalls, len(calls) > 0},
		{"calls", upsertRecCalls, len(b.recCalls) > 0},
		{"offers", upsertOffers, len(offers) > 0},
		{intervalsStep, intervalsSQL, len(b.intervals) > 0},
		{"agent_state_open", insertOpens, len(b.opens) > 0},
		{"agent_state_intervals", fillIntervals, len(b.opens) > 0},
		{"agent_logouts", insertLogouts, len(b.logouts) > 0},
		{"agent_sessions", insertLogins, len(b.logins) > 0},
		{"agent_sessions", applyLogouts, len(b.logouts) > 0},
		{"recordings", upsertRecs, len(b.recs) > 0},
		{"surveys", insertSurveys, len(b.surveys) > 0},
	}
	pb := &pgx.Batch{}
	var tables []string
	counts := []int64{}
	if len(newCalls) > 0 {
		tables, counts = append(tables, "calls"), append(counts, int64(len(newCalls)))
	}
	if len(newOffers) > 0 {
		tables, counts = append(tables, "offers"), append(counts, int64(len(newOffers)))
	}
	fixed := len(tables)
	for range refresh.queueBefore(pb) {
		tables = append(tables, "rollups")
	}
	for _, st := range steps {
		if st.when {
			pb.Queue(st.sql)
			tables = append(tables, st.table)
		}
	}
	for range refresh.queueAfter(pb) {
		tables = append(tables, "rollups")
	}
	res := tx.SendBatch(ctx, pb)
	for i := fixed; i < len(tables); i++ {
		var tag pgconn.CommandTag
		var err error
		if tables[i] == countedIntervals {
			// its result is the intervals inserted
			var n int64
			err = res.QueryRow().Scan(&n)
			tables[i], tag = "agent_state_intervals", pgconn.NewCommandTag("INSERT 0 "+strconv.FormatInt(n, 10))
		} else {
			tag, err = res.Exec()
		}
		if err != nil {
			res.Close()
			return fmt.Errorf("write %s: %w", tables[i], err)
		}
		counts = append(counts, tag.RowsAffected())
	}
	if err := res.Close(); err != nil {
		return err
	}
	if len(staged) > 0 {
		var del strings.Builder
		for _, t := range staged {
			del.WriteString("DELETE FROM " + t + ";")
		}
		if _, err := tx.Exec(ctx, del.String()); err != nil {
			return fmt.Errorf("emptying the staging tables: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for i, t := range tables {
		if counts[i] > 0 && t != "agent_state_open" && t != "agent_logouts" && t != "rollups" {
			w.m.rows.WithLabelValues(t).Add(float64(counts[i]))
		}
	}
	return nil
}

// countedIntervals labels the intervals' insert whose result is a row, the intervals inserted.
const countedIntervals = "agent_state_intervals (counted)"

// ---- partitions ----

// partitionedTables are the history tables partitioned by month.
var partitionedTables = []string{"calls", "offers", "agent_state_intervals"}

func monthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// EnsurePartitions creates the monthly partitions (calls_y2026m11, ...; UTC months) of every
// partitioned history table for each month from from's to to's, moving into each new partition
// the rows of its month that had landed in the default partition.
func (db *DB) EnsurePartitions(ctx context.Context, from, to time.Time) error {
	for m := monthStart(from); !m.After(to); m = m.AddDate(0, 1, 0) {
		for _, t := range partitionedTables {
			if _, err := db.Pool.Exec(ctx, `SELECT history_ensure_month($1, $2::date)`, t, m.Format("2006-01-02")); err != nil {
				return fmt.Errorf("partition of %s for %s: %w", t, m.Format("2006-01"), err)
			}
		}
	}
	return nil
}

// DropMonthsBefore detaches and drops the monthly partitions whose whole month lies before
// before, and returns their names. Rows of those months still in a default partition stay.
func (db *DB) DropMonthsBefore(ctx context.Context, before time.Time) ([]string, error) {
	var dropped []string
	for _, t := range partitionedTables {
		rows, err := db.Pool.Query(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
			WHERE i.inhparent = to_regclass($1)`, t)
		if err != nil {
			return dropped, err
		}
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return dropped, err
		}
		sort.Strings(names)
		re := regexp.MustCompile(`^` + regexp.QuoteMeta(t) + `_y(\d{4})m(\d{2})$`)
		for _, n := range names {
			sm := re.FindStringSubmatch(n)
			if sm == nil {
				continue
			}
			y, _ := strconv.Atoi(sm[1])
			mo, _ := strconv.Atoi(sm[2])
			end := time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
			if end.After(before) {
				continue
			}
			err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, `ALTER TABLE `+pgx.Identifier{t}.Sanitize()+` DETACH PARTITION `+pgx.Identifier{n}.Sanitize()); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, `DROP TABLE `+pgx.Identifier{n}.Sanitize())
				return err
			})
			if err != nil {
				return dropped, fmt.Errorf("drop %s: %w", n, err)
			}
			dropped = append(dropped, n)
		}
	}
	return dropped, nil
}
