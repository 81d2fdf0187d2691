package storage_test

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/callfloor/callfloor/internal/testdb"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

type histEnv struct {
	db     *storage.DB
	url    string
	rdb    *redis.Client
	store  *realtime.Store
	stream string
}

func newHistEnv(t testing.TB) *histEnv {
	t.Helper()
	db, u := testdb.Open(t)
	rdb, prefix := testenv.Redis(t)
	st := realtime.New(rdb, prefix)
	return &histEnv{db: db, url: u, rdb: rdb, store: st, stream: st.StreamKey()}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// start runs a writer until the test ends (or stop is called).
func (e *histEnv) start(t testing.TB, db *storage.DB, o storage.WriterOptions) (w *storage.Writer, stop func()) {
	t.Helper()
	o.Redis, o.Stream = e.rdb, e.stream
	if o.Logger == nil {
		o.Logger = quietLogger()
	}
	w = storage.NewWriter(db, o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.Run(ctx); err != nil {
			t.Errorf("writer %s: %v", o.Consumer, err)
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Errorf("writer %s did not stop", o.Consumer)
			}
		})
	}
	t.Cleanup(stop)
	return w, stop
}

func drained(t testing.TB, w *storage.Writer, within time.Duration) {
	t.Helper()
	testenv.Eventually(t, within, "the writer to drain the stream", func() bool {
		n, err := w.Lag(context.Background())
		return err == nil && n == 0
	})
}

func (e *histEnv) save(t testing.TB, typ string, at time.Time, c *callfloor.Call) {
	t.Helper()
	cp := *c
	cp.Offers = append([]callfloor.Offer(nil), c.Offers...)
	if err := e.store.SaveCall(context.Background(), realtime.CallChange{Call: &cp, Event: &callfloor.Event{Type: typ, At: at, Call: &cp}}); err != nil {
		t.Fatal(err)
	}
}

func (e *histEnv) xadd(t testing.TB, ev any) string {
	t.Helper()
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: e.stream, Values: []any{"e", b}}).Result()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (e *histEnv) count(t testing.TB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := e.db.Pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func sec(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

// realisticTraffic writes: A inbound answered at the second offer, then its recording after it
// ended; B abandoned; C outbound busy.
func realisticTraffic(t testing.TB, e *histEnv) {
	a := &callfloor.Call{ID: "A", Direction: callfloor.Inbound, State: callfloor.CallWaiting, Queue: "sales", Priority: 2,
		Node: "ast1", AsteriskID: "00:11", CallerNumber: "+3312345", CallerName: "Ann", CalledNumber: "100", EnteredAt: sec(0)}
	b := &callfloor.Call{ID: "B", Direction: callfloor.Inbound, State: callfloor.CallWaiting, Queue: "support", Node: "ast1",
		AsteriskID: "00:11", CallerNumber: "+3399999", CalledNumber: "200", EnteredAt: sec(5)}
	c := &callfloor.Call{ID: "C", Direction: callfloor.Outbound, State: callfloor.CallDialing, Node: "ast2", AsteriskID: "00:22",
		CalledNumber: "+3355555", Agent: "a3", EnteredAt: sec(10)}

	e.save(t, callfloor.EvCallEntered, sec(0), a)
	a.State, a.FirstOfferAt = callfloor.CallOffering, sec(2)
	a.Offers = append(a.Offers, callfloor.Offer{Agent: "a1", Channel: "PJSIP/a1-1", Start: sec(2)})
	e.save(t, callfloor.EvCallOffered, sec(2), a)
	e.save(t, callfloor.EvCallEntered, sec(5), b)
	e.save(t, callfloor.EvCallEntered, sec(10), c)
	a.Offers[0].End, a.Offers[0].Result, a.State = sec(17), callfloor.OfferNoAnswer, callfloor.CallWaiting
	e.save(t, callfloor.EvCallOfferEnded, sec(17), a)
	a.Offers = append(a.Offers, callfloor.Offer{Agent: "a2", Channel: "PJSIP/a2-1", Start: sec(18)})
	a.State = callfloor.CallOffering
	e.save(t, callfloor.EvCallOffered, sec(18), a)
	c.CustomerRingAt = sec(12)
	c.State, c.EndedAt, c.Outcome, c.HangupBy, c.Cause, c.CauseText = callfloor.CallEnded, sec(20), callfloor.OutcomeBusy, callfloor.HangupSystem, 17, "User busy"
	c.Offers = append(c.Offers, callfloor.Offer{Agent: "a3", Channel: "PJSIP/trunk-1", Start: sec(12), End: sec(20), Result: string(callfloor.OutcomeBusy)})
	e.save(t, callfloor.EvCallEnded, sec(20), c)
	a.Offers[1].End, a.Offers[1].Result = sec(21), callfloor.OfferAnswered
	a.State, a.AnsweredAt, a.Agent = callfloor.CallTalking, sec(21), "a2"
	a.RecordingName, a.RecordingFormat = "callfloor/2026-03-02/A", "wav"
	e.save(t, callfloor.EvCallAnswered, sec(21), a)
	b.State, b.EndedAt, b.Outcome, b.HangupBy = callfloor.CallEnded, sec(35), callfloor.OutcomeAbandoned, callfloor.HangupCaller
	e.save(t, callfloor.EvCallEnded, sec(35), b)
	a.State, a.EndedAt, a.Outcome, a.HangupBy, a.Cause, a.CauseText = callfloor.CallEnded, sec(81), callfloor.OutcomeAnswered, callfloor.HangupCaller, 16, "Normal Clearing"
	e.save(t, callfloor.EvCallEnded, sec(81), a)
	a.RecordingDuration = 60
	e.save(t, callfloor.EvRecordingReady, sec(83), a)
}

type callRowT struct {
	Direction, Queue, Agent, Outcome, HangupBy, Recording, Caller string
	Wait, Ring, Talk                                              *int64
	Offers                                                        int
	FirstOffer, Answered, Ended                                   *time.Time
	Cause                                                         *int
}

func (e *histEnv) callRow(t testing.TB, id string) callRowT {
	t.Helper()
	var r callRowT
	err := e.db.Pool.QueryRow(context.Background(), `SELECT direction, coalesce(queue,''), coalesce(agent_id,''), coalesce(outcome,''),
		coalesce(hangup_by,''), coalesce(recording_name,''), coalesce(caller_number,''), wait_ms, ring_ms, talk_ms, offers,
		first_offer_at, answered_at, ended_at, cause FROM calls WHERE id = $1`, id).Scan(&r.Direction, &r.Queue, &r.Agent, &r.Outcome,
		&r.HangupBy, &r.Recording, &r.Caller, &r.Wait, &r.Ring, &r.Talk, &r.Offers, &r.FirstOffer, &r.Answered, &r.Ended, &r.Cause)
	if err != nil {
		t.Fatalf("call %s: %v", id, err)
	}
	return r
}

func i64(p *int64) string {
	if p == nil {
		return "NULL"
	}
	return fmt.Sprint(*p)
}

func checkRealistic(t *testing.T, e *histEnv) {
	t.Helper()
	if n := e.count(t, `SELECT count(*) FROM calls`); n != 3 {
		t.Fatalf("calls rows = %d, want 3", n)
	}
	a := e.callRow(t, "A")
	if a.Direction != "inbound" || a.Queue != "sales" || a.Agent != "a2" || a.Outcome != "answered" || a.HangupBy != "caller" ||
		a.Recording != "callfloor/2026-03-02/A" || a.Caller != "+3312345" || a.Offers != 2 || a.Cause == nil || *a.Cause != 16 {
		t.Errorf("call A = %+v", a)
	}
	if i64(a.Wait) != "21000" || i64(a.Ring) != "18000" || i64(a.Talk) != "60000" {
		t.Errorf("call A wait/ring/talk = %s/%s/%s, want 21000/18000/60000", i64(a.Wait), i64(a.Ring), i64(a.Talk))
	}
	if a.FirstOffer == nil || !a.FirstOffer.Equal(sec(2)) || a.Answered == nil || !a.Answered.Equal(sec(21)) || a.Ended == nil || !a.Ended.Equal(sec(81)) {
		t.Errorf("call A times: %v %v %v", a.FirstOffer, a.Answered, a.Ended)
	}
	b := e.callRow(t, "B")
	if b.Outcome != "abandoned" || b.Agent != "" || b.Offers != 0 || i64(b.Wait) != "30000" || b.Ring != nil || b.Talk != nil || b.Answered != nil || b.Cause != nil {
		t.Errorf("call B = %+v wait %s ring %s talk %s", b, i64(b.Wait), i64(b.Ring), i64(b.Talk))
	}
	c := e.callRow(t, "C")
	if c.Direction != "outbound" || c.Outcome != "busy" || c.Agent != "a3" || c.Offers != 1 || i64(c.Wait) != "10000" ||
		i64(c.Ring) != "8000" || c.Talk != nil || c.Cause == nil || *c.Cause != 17 || c.Recording != "" {
		t.Errorf("call C = %+v wait %s ring %s talk %s", c, i64(c.Wait), i64(c.Ring), i64(c.Talk))
	}

	type offer struct {
		call   string
		seq    int
		agent  string
		ring   int64
		result string
	}
	rows, err := e.db.Pool.Query(context.Background(), `SELECT call_id, seq, agent_id, ring_ms, result FROM offers ORDER BY call_id, seq`)
	if err != nil {
		t.Fatal(err)
	}
	var got []offer
	for rows.Next() {
		var o offer
		if err := rows.Scan(&o.call, &o.seq, &o.agent, &o.ring, &o.result); err != nil {
			t.Fatal(err)
		}
		got = append(got, o)
	}
	want := []offer{{"A", 1, "a1", 15000, "no_answer"}, {"A", 2, "a2", 3000, "answered"}, {"C", 1, "a3", 8000, "busy"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("offers = %v, want %v", got, want)
	}

	var name, format, callID, agent, queue string
	var dur int
	var created time.Time
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT name, format, duration_s, call_id, agent_id, queue, created_at FROM recordings`).
		Scan(&name, &format, &dur, &callID, &agent, &queue, &created); err != nil {
		t.Fatal(err)
	}
	if name != "callfloor/2026-03-02/A" || format != "wav" || dur != 60 || callID != "A" || agent != "a2" || queue != "sales" || !created.Equal(sec(83)) {
		t.Errorf("recording = %s %s %d %s %s %s %v", name, format, dur, callID, agent, queue, created)
	}
	if n := e.count(t, `SELECT count(*) FROM recordings`); n != 1 {
		t.Errorf("recordings rows = %d", n)
	}
}

func TestHistoryRealisticCalls(t *testing.T) {
	t.Parallel()
	e := newHistEnv(t)
	realisticTraffic(t, e)
	reg := prometheus.NewRegistry()
	w, stop := e.start(t, e.db, storage.WriterOptions{Consumer: "w1", Registerer: reg})
	drained(t, w, 10*time.Second)
	stop()
	checkRealistic(t, e)
	if v := metricValue(t, reg, "callfloor_history_rows_written_total", "calls"); v < 3 {
		t.Errorf("rows written (calls) = %v", v)
	}

	// A replay from the start of the stream, one event per batch this time (so the older
	// events of a call come after its row already shows the end): still one row per call,
	// nothing reverted.
	if err := e.rdb.XGroupDestroy(context.Background(), e.stream, "history").Err(); err != nil {
		t.Fatal(err)
	}
	w2, stop2 := e.start(t, e.db, storage.WriterOptions{Consumer: "w2", BatchSize: 1})
	drained(t, w2, 10*time.Second)
	stop2()
	checkRealistic(t, e)
	// and again, whole batches
	if err := e.rdb.XGroupDestroy(context.Background(), e.stream, "history").Err(); err != nil {
		t.Fatal(err)
	}
	w3, stop3 := e.start(t, e.db, storage.WriterOptions{Consumer: "w3"})
	drained(t, w3, 10*time.Second)
	stop3()
	checkRealistic(t, e)
}

// metricValue reads a counter or gauge from reg; label "" matches a metric without labels.
func metricValue(t testing.TB, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label != "" && (len(m.GetLabel()) == 0 || m.GetLabel()[0].GetValue() != label) {
				continue
			}
			if m.Counter != nil {
				return m.Counter.GetValue()
			}
			return m.Gauge.GetValue()
		}
	}
	return 0
}

func TestHistoryRecordingBeforeCallEvents(t *testing.T) {
	t.Parallel()
	// recording.ready written before the call's own events (two writers, a reclaimed batch):
	// the call row it creates is replaced by the call's events, and keeps the recording.
	e := newHistEnv(t)
	c := &callfloor.Call{ID: "R", Direction: callfloor.Inbound, Queue: "q", Node: "n", EnteredAt: sec(0), AnsweredAt: sec(5),
		EndedAt: sec(65), Outcome: callfloor.OutcomeAnswered, Agent: "a1", RecordingName: "rec/R", RecordingFormat: "wav", RecordingDuration: 60}
	e.xadd(t, callfloor.Event{Type: callfloor.EvRecordingReady, At: sec(66), Call: c})
	w, stop := e.start(t, e.db, storage.WriterOptions{Consumer: "w1"})
	drained(t, w, 10*time.Second)
	stop()
	entered := *c
	entered.AnsweredAt, entered.EndedAt, entered.Outcome, entered.RecordingName = time.Time{}, time.Time{}, "", ""
	e.xadd(t, callfloor.Event{Type: callfloor.EvCallEntered, At: sec(0), Call: &entered})
	w, stop = e.start(t, e.db, storage.WriterOptions{Consumer: "w1"})
	drained(t, w, 10*time.Second)
	r := e.callRow(t, "R")
	if r.Outcome != "" || r.Recording != "rec/R" || r.Ended != nil {
		t.Errorf("after call.entered: %+v", r)
	}
	ended := *c
	ended.RecordingName = ""
	e.xadd(t, callfloor.Event{Type: callfloor.EvCallEnded, At: sec(65), Call: &ended})
	drained(t, w, 10*time.Second)
	stop()
	r = e.callRow(t, "R")
	if r.Outcome != "answered" || r.Recording != "rec/R" || i64(r.Talk) != "60000" {
		t.Errorf("after call.ended: %+v", r)
	}
}

func TestHistoryMalformedEntriesAreSkipped(t *testing.T) {
	t.Parallel()
	e := newHistEnv(t)
	ctx := context.Background()
	e.rdb.XAdd(ctx, &redis.XAddArgs{Stream: e.stream, Values: []any{"e", "{not json"}})
	e.rdb.XAdd(ctx, &redis.XAddArgs{Stream: e.stream, Values: []any{"x", "no e field"}})
	e.xadd(t, callfloor.Event{Type: callfloor.EvCallEnded, At: sec(1), Call: &callfloor.Call{ID: "no-entry-time"}})
	e.xadd(t, callfloor.Event{Type: "future.thing", At: sec(1)})
	e.xadd(t, callfloor.Event{Type: callfloor.EvCallEnded, At: sec(9), Call: &callfloor.Call{ID: "ok", Direction: "inbound",
		EnteredAt: sec(1), EndedAt: sec(9), Outcome: callfloor.OutcomeAbandoned}})
	reg := prometheus.NewRegistry()
	w, stop := e.start(t, e.db, storage.WriterOptions{Consumer: "w1", Registerer: reg})
	drained(t, w, 10*time.Second)
	stop()
	if n := e.count(t, `SELECT count(*) FROM calls WHERE id = 'ok'`); n != 1 {
		t.Errorf("the good event after bad ones: %d rows", n)
	}
	if malformed := metricValue(t, reg, "callfloor_history_malformed_total", ""); malformed != 3 {
		t.Errorf("malformed = %v, want 3", malformed)
	}
}

// produceCalls writes n calls (entered, then ended) with ids prefix-0..n-1.
func produceCalls(t testing.TB, e *histEnv, prefix string, from, n int, pause time.Duration) {
	for i := from; i < from+n; i++ {
		c := &callfloor.Call{ID: fmt.Sprintf("%s-%d", prefix, i), Direction: callfloor.Inbound, State: callfloor.CallWaiting,
			Queue: "sales", Node: "ast1", EnteredAt: sec(float64(i))}
		e.save(t, callfloor.EvCallEntered, c.EnteredAt, c)
		c.State, c.EndedAt, c.Outcome = callfloor.CallEnded, c.EnteredAt.Add(20*time.Second), callfloor.OutcomeAbandoned
		e.save(t, callfloor.EvCallEnded, c.EndedAt, c)
		if pause > 0 {
			time.Sleep(pause)
		}
	}
}

func (e *histEnv) checkCalls(t testing.TB, n int) {
	t.Helper()
	if got := e.count(t, `SELECT count(*) FROM calls`); got != n {
		t.Errorf("calls rows = %d, want %d", got, n)
	}
	if got := e.count(t, `SELECT count(DISTINCT id) FROM calls WHERE outcome IS NOT NULL AND ended_at IS NOT NULL`); got != n {
		t.Errorf("ended distinct calls = %d, want %d", got, n)
	}
}

func TestHistoryPostgresOutage(t *testing.T) {
	t.Parallel()
	e := newHistEnv(t)
	u, err := url.Parse(e.url)
	if err != nil {
		t.Fatal(err)
	}
	proxy := testenv.NewProxy(t, u.Host)
	u.Host = proxy.Addr()
	db, err := storage.Open(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	reg := prometheus.NewRegistry()
	w, stop := e.start(t, db, storage.WriterOptions{Consumer: "w1", BatchSize: 50, Registerer: reg})

	produceCalls(t, e, "o", 0, 100, time.Millisecond)
	drained(t, w, 10*time.Second)

	proxy.Cut()
	produceCalls(t, e, "o", 100, 200, 5*time.Millisecond) // ~1-2s of traffic while the database is gone
	lag, err := w.Lag(context.Background())
	if err != nil || lag == 0 {
		t.Errorf("lag while PostgreSQL is down = %d, %v; want > 0", lag, err)
	}
	time.Sleep(2 * time.Second)
	if lag2, _ := w.Lag(context.Background()); lag2 < lag {
		t.Errorf("lag went down from %d to %d while PostgreSQL was down", lag, lag2)
	}
	proxy.Restore()
	produceCalls(t, e, "o", 300, 100, time.Millisecond)
	drained(t, w, 20*time.Second)
	stop()
	e.checkCalls(t, 400)
	if metricValue(t, reg, "callfloor_history_batches_total", "error") == 0 {
		t.Error("no failed batch counted during the outage")
	}
}

func TestHistoryCrashBetweenCommitAndAck(t *testing.T) {
	t.Parallel()
	e := newHistEnv(t)
	var crashed atomic.Bool
	ctx1, crash := context.WithCancel(context.Background())
	w1 := storage.NewWriter(e.db, storage.WriterOptions{Redis: e.rdb, Stream: e.stream, Consumer: "dies", BatchSize: 40,
		ClaimIdle: time.Hour, Logger: quietLogger(),
		AfterCommit: func() error {
			if crashed.CompareAndSwap(false, true) {
				crash() // the process dies right after COMMIT: no XACK, no further work
				return fmt.Errorf("crash")
			}
			return nil
		}})
	done := make(chan error, 1)
	go func() { done <- w1.Run(ctx1) }()
	produceCalls(t, e, "k", 0, 100, 0)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the first writer never reached its crash")
	}
	pending, err := e.rdb.XPending(context.Background(), e.stream, "history").Result()
	if err != nil || pending.Count == 0 {
		t.Fatalf("nothing left pending by the crashed writer: %+v %v", pending, err)
	}
	// More traffic, and a second writer that takes over the dead one's entries.
	produceCalls(t, e, "k", 100, 100, 0)
	w2, stop := e.start(t, e.db, storage.WriterOptions{Consumer: "survivor", BatchSize: 40, ClaimIdle: 200 * time.Millisecond})
	drained(t, w2, 15*time.Second)
	stop()
	e.checkCalls(t, 200)
	p, _ := e.rdb.XPending(context.Background(), e.stream, "history").Result()
	if p.Count != 0 {
		t.Errorf("still pending: %+v", p)
	}
}

func TestHistoryTwoWritersConcurrently(t *testing.T) {
	t.Parallel()
	e := newHistEnv(t)
	_, stop1 := e.start(t, e.db, storage.WriterOptions{Consumer: "w1", BatchSize: 100})
	w2, stop2 := e.start(t, e.db, storage.WriterOptions{Consumer: "w2", BatchSize: 100})
	const calls = 500 // 4 events each: 2,000 events
	var lastIDs sync.Map
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; i < calls; i += 4 {
				c := &callfloor.Call{ID: fmt.Sprintf("c-%d", i), Direction: callfloor.Inbound, Queue: "sales", Node: "ast1", EnteredAt: sec(float64(i))}
				e.xadd(t, callfloor.Event{Type: callfloor.EvCallEntered, At: c.EnteredAt, Call: c})
				c.Offers = []callfloor.Offer{{Agent: "a1", Start: c.EnteredAt.Add(time.Second)}}
				e.xadd(t, callfloor.Event{Type: callfloor.EvCallOffered, At: c.EnteredAt, Call: c})
				c.Offers[0].End, c.Offers[0].Result, c.AnsweredAt, c.Agent = c.EnteredAt.Add(3*time.Second), callfloor.OfferAnswered, c.EnteredAt.Add(3*time.Second), "a1"
				e.xadd(t, callfloor.Event{Type: callfloor.EvCallAnswered, At: c.AnsweredAt, Call: c})
				c.EndedAt, c.Outcome = c.AnsweredAt.Add(time.Minute), callfloor.OutcomeAnswered
				lastIDs.Store(c.ID, e.xadd(t, callfloor.Event{Type: callfloor.EvCallEnded, At: c.EndedAt, Call: c}))
			}
		}(g)
	}
	wg.Wait()
	drained(t, w2, 20*time.Second)
	stop1()
	stop2()
	e.checkCalls(t, calls)
	if n := e.count(t, `SELECT count(*) FROM calls WHERE outcome = 'answered' AND talk_ms = 60000 AND wait_ms = 3000 AND offers = 1`); n != calls {
		t.Errorf("complete answered rows = %d, want %d", n, calls)
	}
	if n := e.count(t, `SELECT count(*) FROM offers WHERE result = 'answered' AND ring_ms = 2000`); n != calls {
		t.Errorf("ended offers = %d, want %d", n, calls)
	}
	rows, err := e.db.Pool.Query(context.Background(), `SELECT id, last_event_id FROM calls`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, last string
		if err := rows.Scan(&id, &last); err != nil {
			t.Fatal(err)
		}
		if want, _ := lastIDs.Load(id); want != last {
			t.Errorf("call %s reflects event %s, want the last one %v", id, last, want)
		}
	}
}

func TestHistoryAgentIntervalsAndSessions(t *testing.T) {
	t.Parallel()
	e := newHistEnv(t)
	ctx := context.Background()
	st := e.store
	if err := st.SetQueues(ctx, []callfloor.Queue{{Name: "sales", Strategy: "longest_idle"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.UpsertAgent(ctx, callfloor.Agent{ID: "a1", Name: "Ann", Endpoint: "PJSIP/a1", Skills: map[string]int{"sales": 5}}, sec(-3600)); err != nil {
		t.Fatal(err)
	}
	tr := func(to callfloor.AgentState, at float64, reason, dir, call string) {
		t.Helper()
		if _, err := st.Transition(ctx, realtime.Transition{Agent: "a1", To: to, Reason: reason, Direction: dir, Call: call, Now: sec(at)}); err != nil {
			t.Fatal(err)
		}
	}
	tr(callfloor.AgentAvailable, 0, "", "", "")
	if id, err := st.Claim(ctx, "sales", "call-1", sec(60)); err != nil || id != "a1" {
		t.Fatalf("claim: %q %v", id, err)
	}
	tr(callfloor.AgentOnCall, 65, "", callfloor.Inbound, "call-1")
	tr(callfloor.AgentWrapUp, 125, "", callfloor.Inbound, "call-1")
	tr(callfloor.AgentAvailable, 140, "", "", "")
	tr(callfloor.AgentPaused, 200, "lunch", "", "")
	tr(callfloor.AgentLoggedOut, 2000, "", "", "")

	want := "logged_out [-3600,0) 3600000 - - -\n" +
		"available [0,60) 60000 - - -\n" +
		"ringing [60,65) 5000 - inbound call-1\n" +
		"on_call [65,125) 60000 - inbound call-1\n" +
		"wrap_up [125,140) 15000 - inbound call-1\n" +
		"available [140,200) 60000 - - -\n" +
		"paused [200,2000) 1800000 lunch - -\n"
	check := func(label string) {
		t.Helper()
		rows, err := e.db.Pool.Query(ctx, `SELECT state, started_at, ended_at, duration_ms, coalesce(reason,'-'), coalesce(direction,'-'),
			coalesce(call_id,'-') FROM agent_state_intervals WHERE agent_id = 'a1' ORDER BY started_at`)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for rows.Next() {
			var state, reason, dir, call string
			var s, en time.Time
			var d int64
			if err := rows.Scan(&state, &s, &en, &d, &reason, &dir, &call); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s [%d,%d) %d %s %s %s\n", state, int(s.Sub(t0).Seconds()), int(en.Sub(t0).Seconds()), d, reason, dir, call)
		}
		if b.String() != want {
			t.Errorf("%s: intervals:\n%s\nwant:\n%s", label, b.String(), want)
		}
		var login, logout *time.Time
		if n := e.count(t, `SELECT count(*) FROM agent_sessions`); n != 1 {
			t.Errorf("%s: %d sessions", label, n)
		}
		if err := e.db.Pool.QueryRow(ctx, `SELECT login_at, logout_at FROM agent_sessions WHERE agent_id = 'a1'`).Scan(&login, &logout); err != nil {
			t.Fatal(err)
		}
		if login == nil || !login.Equal(sec(0)) || logout == nil || !logout.Equal(sec(2000)) {
			t.Errorf("%s: session %v - %v", label, login, logout)
		}
	}
	w, stop := e.start(t, e.db, storage.WriterOptions{Consumer: "w1"})
	drained(t, w, 10*time.Second)
	stop()
	check("first pass")

	// Replay, one event per batch: nothing doubles.
	if err := e.rdb.XGroupDestroy(ctx, e.stream, "history").Err(); err != nil {
		t.Fatal(err)
	}
	w, stop = e.start(t, e.db, storage.WriterOptions{Consumer: "w2", BatchSize: 1})
	drained(t, w, 10*time.Second)
	stop()
	check("replay")
}

func TestHistorySessionLogoutBeforeLogin(t *testing.T) {
	t.Parallel()
	// Two writers may commit an agent's logout before the login that precedes it.
	e := newHistEnv(t)
	ev := func(prev, to callfloor.AgentState, at, since float64) callfloor.Event {
		return callfloor.Event{Type: callfloor.EvAgentState, At: sec(at), Prev: prev, PrevSinceMs: sec(since).UnixMilli(),
			Agent: &callfloor.AgentStatus{Agent: "a9", State: to, Since: sec(at)}}
	}
	e.xadd(t, ev(callfloor.AgentAvailable, callfloor.AgentLoggedOut, 100, 10))
	e.xadd(t, ev(callfloor.AgentAvailable, callfloor.AgentLoggedOut, 300, 200))
	w, stop := e.start(t, e.db, storage.WriterOptions{Consumer: "w1"})
	drained(t, w, 10*time.Second)
	stop()
	e.xadd(t, ev(callfloor.AgentLoggedOut, callfloor.AgentAvailable, 200, 100))
	e.xadd(t, ev(callfloor.AgentLoggedOut, callfloor.AgentAvailable, 10, 0))
	w, stop = e.start(t, e.db, storage.WriterOptions{Consumer: "w1"})
	drained(t, w, 10*time.Second)
	stop()
	rows, err := e.db.Pool.Query(context.Background(), `SELECT login_at, logout_at FROM agent_sessions ORDER BY login_at`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var in, out time.Time
		if err := rows.Scan(&in, &out); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%v-%v", in.Sub(t0).Seconds(), out.Sub(t0).Seconds()))
	}
	if strings.Join(got, " ") != "10-100 200-300" {
		t.Errorf("sessions %v, want [10-100 200-300]", got)
	}
}

func TestHistoryPartitions(t *testing.T) {
	t.Parallel()
	e := newHistEnv(t)
	ctx := context.Background()
	old := time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC)
	c := &callfloor.Call{ID: "old", Direction: callfloor.Inbound, EnteredAt: old, EndedAt: old.Add(time.Minute), Outcome: callfloor.OutcomeAnswered,
		AnsweredAt: old.Add(10 * time.Second), Agent: "a1", Offers: []callfloor.Offer{{Agent: "a1", Start: old.Add(time.Second), End: old.Add(10 * time.Second), Result: "answered"}}}
	e.xadd(t, callfloor.Event{Type: callfloor.EvCallEnded, At: c.EndedAt, Call: c})
	e.xadd(t, callfloor.Event{Type: callfloor.EvAgentState, At: old.Add(time.Minute), Prev: callfloor.AgentOnCall, PrevSinceMs: old.Add(10 * time.Second).UnixMilli(),
		Agent: &callfloor.AgentStatus{Agent: "a1", State: callfloor.AgentWrapUp}})
	w, stop := e.start(t, e.db, storage.WriterOptions{Consumer: "w1"})
	drained(t, w, 10*time.Second)
	stop()
	where := func(table, cond string) string {
		var p string
		if err := e.db.Pool.QueryRow(ctx, `SELECT tableoid::regclass::text FROM `+table+` WHERE `+cond).Scan(&p); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		if i := strings.LastIndex(p, "."); i >= 0 {
			p = p[i+1:]
		}
		return p
	}
	if p := where("calls", "id = 'old'"); p != "calls_default" {
		t.Fatalf("old call in %s, want calls_default", p)
	}
	for range 2 { // idempotent
		if err := e.db.EnsurePartitions(ctx, time.Date(2024, 12, 20, 0, 0, 0, 0, time.UTC), time.Date(2025, 2, 3, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range [][3]string{{"calls", "id = 'old'", "calls_y2025m01"}, {"offers", "call_id = 'old'", "offers_y2025m01"},
		{"agent_state_intervals", "agent_id = 'a1'", "agent_state_intervals_y2025m01"}} {
		if p := where(tc[0], tc[1]); p != tc[2] {
			t.Errorf("%s row in %s after EnsurePartitions, want %s", tc[0], p, tc[2])
		}
	}
	if n := e.count(t, `SELECT count(*) FROM calls_y2024m12`) + e.count(t, `SELECT count(*) FROM calls_y2025m02`); n != 0 {
		t.Errorf("empty months hold %d rows", n)
	}
	// The writer still writes into the partitioned tables as before.
	e.xadd(t, callfloor.Event{Type: callfloor.EvCallEnded, At: c.EndedAt, Call: c})
	w, stop = e.start(t, e.db, storage.WriterOptions{Consumer: "w1"})
	drained(t, w, 10*time.Second)
	stop()
	if n := e.count(t, `SELECT count(*) FROM calls WHERE id = 'old'`); n != 1 {
		t.Errorf("old call rows = %d", n)
	}

	dropped, err := e.db.DropMonthsBefore(ctx, time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	want := "[calls_y2024m12 calls_y2025m01 offers_y2024m12 offers_y2025m01 agent_state_intervals_y2024m12 agent_state_intervals_y2025m01]"
	if fmt.Sprint(dropped) != want {
		t.Errorf("dropped %v, want %s", dropped, want)
	}
	if n := e.count(t, `SELECT count(*) FROM calls WHERE id = 'old'`); n != 0 {
		t.Errorf("old call still there")
	}
	if n := e.count(t, `SELECT count(*) FROM pg_class WHERE relname = 'calls_y2025m02' AND relnamespace = current_schema()::regnamespace`); n != 1 {
		t.Errorf("February was dropped too")
	}
	if again, err := e.db.DropMonthsBefore(ctx, time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)); err != nil || len(again) != 0 {
		t.Errorf("second drop: %v %v", again, err)
	}
}

func TestHistoryFastPathConflictFallsBack(t *testing.T) {
	t.Parallel()
	// A call with no row yet is COPied straight in; when its offer row exists anyway (its call
	// was dropped with an older month, another writer got there first), the batch is written
	// again on the upsert path instead of failing for ever.
	e := newHistEnv(t)
	ctx := context.Background()
	if _, err := e.db.Pool.Exec(ctx, `INSERT INTO offers (call_id, seq, call_entered_at, agent_id, started_at) VALUES ('F', 1, $1, 'a1', $2)`,
		sec(0), sec(1)); err != nil {
		t.Fatal(err)
	}
	c := &callfloor.Call{ID: "F", Direction: callfloor.Inbound, EnteredAt: sec(0), EndedAt: sec(9), Outcome: callfloor.OutcomeAbandoned,
		Offers: []callfloor.Offer{{Agent: "a1", Start: sec(1), End: sec(4), Result: callfloor.OfferNoAnswer}}}
	e.xadd(t, callfloor.Event{Type: callfloor.EvCallEnded, At: sec(9), Call: c})
	w, stop := e.start(t, e.db, storage.WriterOptions{Consumer: "w1"})
	drained(t, w, 10*time.Second)
	stop()
	if n := e.count(t, `SELECT count(*) FROM calls WHERE id = 'F' AND outcome = 'abandoned'`); n != 1 {
		t.Errorf("call F rows = %d", n)
	}
	if n := e.count(t, `SELECT count(*) FROM offers WHERE call_id = 'F' AND result = 'no_answer' AND ring_ms = 3000`); n != 1 {
		t.Errorf("offer of F not updated: %d", n)
	}
}
