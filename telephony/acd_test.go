package telephony_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/telephony"
	"github.com/callfloor/callfloor/telephony/ari"
	"github.com/callfloor/callfloor/telephony/sim"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
)

// A test floor: a simulated Asterisk, a real Redis, one ACD instance.
type floor struct {
	t      testing.TB
	sim    *sim.Server
	simURL string
	rdb    *redis.Client
	prefix string
	store  *realtime.Store
	cfg    *callfloor.Config
	acd    *telephony.ACD
	client *ari.Client
	ariReg *prometheus.Registry
	cancel context.CancelFunc
	done   chan struct{}
	cursor string
	events []callfloor.Event

	staleAfter time.Duration
	catalogue  telephony.RecordingCatalogue
	sessions   telephony.ShiftSessions
	dialer     *telephony.DialerOptions // dialer_test.go
}

// testDialplan: agents 1XXX answer after ring, 9XXX never answer; outbound numbers starting
// with 0 are busy, others answer after 100 ms and talk for outTalk.
func testDialplan(ring, agentHangup, outTalk time.Duration) sim.Dialplan {
	return func(ep string) (sim.Behaviour, error) {
		switch {
		case strings.HasPrefix(ep, "Local/9") && strings.HasSuffix(ep, "@agents"):
			return sim.Behaviour{NoAnswer: true}, nil
		case strings.HasSuffix(ep, "@agents"):
			return sim.Behaviour{RingFor: ring, HangupAfter: agentHangup}, nil
		case strings.HasPrefix(ep, "Local/0") && strings.HasSuffix(ep, "@outbound"):
			return sim.Behaviour{Busy: true}, nil
		case strings.HasPrefix(ep, "Local/9") && strings.HasSuffix(ep, "@outbound"):
			return sim.Behaviour{NoAnswer: true}, nil
		case strings.HasSuffix(ep, "@outbound"):
			return sim.Behaviour{RingFor: 100 * time.Millisecond, HangupAfter: outTalk}, nil
		}
		return sim.DefaultDialplan(ep)
	}
}

func testConfig(agents ...string) *callfloor.Config {
	cfg := &callfloor.Config{
		ACD: callfloor.ACDConfig{Outbound: callfloor.OutboundConfig{DialString: "Local/{number}@outbound", RingTimeout: 2 * time.Second, WrapUp: 200 * time.Millisecond}},
		Queues: []callfloor.Queue{
			{Name: "sales", RingTimeout: time.Second, WrapUp: 200 * time.Millisecond, ServiceLevel: 2 * time.Second, ShortAbandon: 500 * time.Millisecond},
			{Name: "support", RingTimeout: time.Second, WrapUp: 200 * time.Millisecond, ServiceLevel: 2 * time.Second, ShortAbandon: 500 * time.Millisecond},
		},
		Sim: &callfloor.SimConfig{},
	}
	for _, a := range agents {
		cfg.Agents = append(cfg.Agents, callfloor.Agent{ID: a, Name: "Agent " + a, Endpoint: "Local/" + a + "@agents", Team: "t1", Skills: map[string]int{"sales": 5}})
	}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	return cfg
}

func logger(t testing.TB) *slog.Logger {
	if os.Getenv("CALLFLOOR_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func newFloor(t *testing.T, cfg *callfloor.Config) *floor {
	t.Helper()
	return newFloorSim(t, cfg, sim.Config{})
}

// newFloorSim is newFloor with a simulator configured by sc (its RecordingDir is the test's).
func newFloorSim(t *testing.T, cfg *callfloor.Config, sc sim.Config) *floor {
	t.Helper()
	rdb, prefix := testenv.Redis(t)
	sc.RecordingDir = t.TempDir()
	s := sim.New(sc)
	s.SetDialplan(testDialplan(100*time.Millisecond, 0, 500*time.Millisecond))
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f := &floor{t: t, sim: s, simURL: url, rdb: rdb, prefix: prefix, store: realtime.New(rdb, prefix), cfg: cfg, cursor: "0"}
	f.start()
	return f
}

// newFloorViaProxy is a floor whose ACD reaches Redis through a TCP proxy the test can cut or
// make lose replies (timeout: the client's read/write timeout; maxRetries as go-redis takes it);
// the test itself reads Redis directly. Agent 1001 only, not logged in.
func newFloorViaProxy(t *testing.T, timeout time.Duration, maxRetries int) (*floor, *testenv.Proxy) {
	t.Helper()
	rdb, prefix := testenv.Redis(t)
	proxy := testenv.NewProxy(t, rdb.Options().Addr)
	viaProxy := redis.NewClient(&redis.Options{Addr: proxy.Addr(), DB: rdb.Options().DB, DialTimeout: 200 * time.Millisecond,
		ReadTimeout: timeout, WriteTimeout: timeout, MaxRetries: maxRetries})
	t.Cleanup(func() { viaProxy.Close() })
	s := sim.New(sim.Config{RecordingDir: t.TempDir()})
	s.SetDialplan(testDialplan(100*time.Millisecond, 0, 0))
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f := &floor{t: t, sim: s, simURL: url, rdb: rdb, prefix: prefix, store: realtime.New(viaProxy, prefix), cfg: testConfig("1001"), cursor: "0"}
	f.startOn(url, "pbx1")
	f.waitReady()
	f.store = realtime.New(rdb, prefix)
	return f, proxy
}

// start runs an ACD instance against the floor's sim (again, after stop: a restart).
func (f *floor) start() {
	f.t.Helper()
	f.startOn(f.simURL, "pbx1")
	f.waitReady()
}

func (f *floor) startOn(url, name string) {
	f.t.Helper()
	f.ariReg = prometheus.NewRegistry()
	f.client = ari.New(ari.Config{Name: name, URL: url, Username: "callfloor", Password: "callfloor-test", App: "callfloor",
		RequestTimeout: 2 * time.Second, EventFilter: telephony.EventFilter, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		Logger: logger(f.t), Metrics: ari.NewMetrics(f.ariReg)})
	acd, err := telephony.New(telephony.Options{Config: f.cfg, Store: f.store, Nodes: []*ari.Client{f.client}, Logger: logger(f.t), Tick: 20 * time.Millisecond, StaleAfter: f.staleAfter,
		Catalogue: f.catalogue, Sessions: f.sessions, Dialer: f.dialer})
	if err != nil {
		f.t.Fatal(err)
	}
	f.acd = acd
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel
	f.done = make(chan struct{})
	go func() { defer close(f.done); acd.Run(ctx) }()
	f.t.Cleanup(f.stop)
}

func (f *floor) waitReady() {
	f.t.Helper()
	testenv.Eventually(f.t, 5*time.Second, "ACD connected", func() bool { return f.acd.Ready() == nil })
}

func (f *floor) stop() {
	if f.cancel != nil {
		f.cancel()
		<-f.done
		f.cancel = nil
	}
}

func (f *floor) login(agents ...string) {
	f.t.Helper()
	for _, a := range agents {
		if _, err := f.acd.Login(context.Background(), a); err != nil {
			f.t.Fatalf("login %s: %v", a, err)
		}
	}
}

// poll reads new change-stream events.
func (f *floor) poll() {
	evs, err := f.store.ReadStream(context.Background(), f.cursor, 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, e := range evs {
		f.cursor = e.ID
		f.events = append(f.events, e)
	}
}

// waitEvent waits for an event matching pred that was not seen by an earlier wait.
func (f *floor) waitEvent(within time.Duration, what string, pred func(e callfloor.Event) bool) callfloor.Event {
	f.t.Helper()
	var got *callfloor.Event
	testenv.Eventually(f.t, within, what, func() bool {
		f.poll()
		for i := range f.events {
			if pred(f.events[i]) {
				got = &f.events[i]
				return true
			}
		}
		return false
	})
	return *got
}

func (f *floor) ended(within time.Duration) *callfloor.Call {
	f.t.Helper()
	return f.waitEvent(within, "a call to end", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallEnded }).Call
}

// answeredBy waits for a call to end and fails the test unless the agent answered it.
func (f *floor) answeredBy(agent string, within time.Duration) *callfloor.Call {
	f.t.Helper()
	c := f.ended(within)
	if c.Outcome != callfloor.OutcomeAnswered || c.Agent != agent {
		f.t.Fatalf("outcome %s by %s agent %q, want answered by %s", c.Outcome, c.HangupBy, c.Agent, agent)
	}
	return c
}

func (f *floor) countEvents(typ string) int {
	f.poll()
	n := 0
	for _, e := range f.events {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func (f *floor) agentState(id string) callfloor.AgentStatus {
	f.t.Helper()
	st, err := f.store.Agent(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return st
}

func (f *floor) counters(queue string) map[string]int64 {
	f.t.Helper()
	c, err := f.store.Counters(context.Background(), queue, time.Now())
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *floor) place(spec sim.CallerSpec) string {
	f.t.Helper()
	if spec.Number == "" {
		spec.Number = "5550100"
	}
	id, err := f.sim.PlaceCall(spec)
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func TestAnsweredCall(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001"))
	// the application event filter is set: Asterisk sends only what the ACD uses
	req, _ := http.NewRequest("GET", f.simURL+"/ari/applications/callfloor", nil)
	req.SetBasicAuth("callfloor", "callfloor-test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var app struct {
		Allowed []struct{ Type string } `json:"events_allowed"`
	}
	json.NewDecoder(resp.Body).Decode(&app)
	resp.Body.Close()
	if len(app.Allowed) != len(telephony.EventFilter) || app.Allowed[0].Type != "StasisStart" {
		t.Fatalf("events_allowed %+v", app.Allowed)
	}
	f.login("1001")
	f.place(sim.CallerSpec{Queue: "sales", Name: "Customer", TalkFor: 400 * time.Millisecond})
	ans := f.waitEvent(3*time.Second, "answered", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallAnswered }).Call
	if st := f.agentState("1001"); st.State != callfloor.AgentOnCall || st.Call != ans.ID {
		t.Errorf("agent during the call: %+v, want on_call with call %s", st, ans.ID)
	}
	c := f.ended(5 * time.Second)
	if c.Outcome != callfloor.OutcomeAnswered || c.Agent != "1001" || c.HangupBy != callfloor.HangupCaller {
		t.Fatalf("ended call: outcome %s agent %s by %s", c.Outcome, c.Agent, c.HangupBy)
	}
	if c.Queue != "sales" || c.CallerNumber != "5550100" || c.Node != "pbx1" || c.AsteriskID == "" {
		t.Errorf("call identity: queue %q number %q node %q asterisk_id %q", c.Queue, c.CallerNumber, c.Node, c.AsteriskID)
	}
	if w := c.WaitMs(); w < 80 || w > 1500 {
		t.Errorf("wait %d ms, want about the 100 ms ring", w)
	}
	if tk := c.TalkMs(); tk < 300 || tk > 1500 {
		t.Errorf("talk %d ms, want about 400", tk)
	}
	if len(c.Offers) != 1 || c.Offers[0].Result != callfloor.OfferAnswered || c.Offers[0].RingMs() < 80 {
		t.Errorf("offers %+v", c.Offers)
	}
	if c.WrapMs == nil || *c.WrapMs != 200 || c.HoldMs == nil || *c.HoldMs != 0 {
		t.Errorf("wrap %v hold %v, want 200 and 0", c.WrapMs, c.HoldMs)
	}
	day := c.EnteredAt.Format("2006-01-02")
	if !strings.HasPrefix(c.RecordingName, "callfloor/"+day+"/") || !strings.HasSuffix(c.RecordingName, c.ID) || c.RecordingFormat != "wav" {
		t.Errorf("recording name %q format %q", c.RecordingName, c.RecordingFormat)
	}
	// the recording exists on the node and is a WAV
	testenv.Eventually(t, 3*time.Second, "recording file", func() bool {
		rc, ct, err := f.client.StoredRecordingFile(context.Background(), c.RecordingName)
		if err != nil {
			return false
		}
		defer rc.Close()
		b, _ := io.ReadAll(rc)
		return ct == "audio/wav" && len(b) > 44 && string(b[:4]) == "RIFF"
	})
	f.waitEvent(3*time.Second, "recording ready", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvRecordingReady && e.Call.ID == c.ID
	})
	cnt := f.counters("sales")
	if cnt[realtime.CntOffered] != 1 || cnt[realtime.CntAnswered] != 1 || cnt[realtime.CntAnsweredWithinT] != 1 || cnt[realtime.CntAbandoned] != 0 || cnt[realtime.CntHandled] != 1 {
		t.Errorf("counters %v", cnt)
	}
	// wrap-up, then available again
	testenv.Eventually(t, 2*time.Second, "agent back to available after wrap-up", func() bool {
		return f.agentState("1001").State == callfloor.AgentAvailable
	})
	if n := f.agentState("1001").CallsToday; n != 1 {
		t.Errorf("calls today %d, want 1", n)
	}
	if cnt := f.counters("sales"); cnt[realtime.CntSumWrap] != 200 || cnt[realtime.CntSumTalk] < 300 {
		t.Errorf("queue wrap/talk sums %v", cnt)
	}
	// time in each state today, for occupancy: available before the call, ringing ~100 ms,
	// on the call ~400 ms, wrap-up ~200 ms
	ac, _ := f.store.AgentCounters(context.Background(), "1001", time.Now())
	within := func(k string, lo, hi int64) {
		if ac[k] < lo || ac[k] > hi {
			t.Errorf("agent %s = %d ms, want %d..%d (counters %v)", k, ac[k], lo, hi, ac)
		}
	}
	within("time_available_ms", 1, 5000)
	within("time_ringing_ms", 50, 1000)
	within("time_on_call_ms", 300, 1500)
	within("time_wrap_up_ms", 150, 1000)
	var sawWrap bool
	for _, e := range f.events {
		sawWrap = sawWrap || (e.Type == callfloor.EvAgentState && e.Agent.State == callfloor.AgentWrapUp)
	}
	if !sawWrap {
		t.Error("agent never went to wrap-up")
	}
	testenv.Eventually(t, 2*time.Second, "no channels or bridges left", func() bool {
		st := f.sim.Stats()
		return st.ChannelsLive == 0 && st.BridgesLive == 0
	})
}

func TestAbandonedAndShortAbandon(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001")) // nobody logged in
	f.place(sim.CallerSpec{Queue: "sales", Patience: 900 * time.Millisecond})
	c := f.ended(3 * time.Second)
	if c.Outcome != callfloor.OutcomeAbandoned || c.HangupBy != callfloor.HangupCaller {
		t.Fatalf("outcome %s by %s, want abandoned by caller", c.Outcome, c.HangupBy)
	}
	if w := c.WaitMs(); w < 800 || w > 2000 {
		t.Errorf("wait %d ms", w)
	}
	f.place(sim.CallerSpec{Queue: "sales", Patience: 150 * time.Millisecond})
	c2 := f.waitEvent(3*time.Second, "second call ended", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallEnded && e.Call.ID != c.ID
	}).Call
	if c2.Outcome != callfloor.OutcomeShortAbandon {
		t.Fatalf("outcome %s, want short_abandon (wait %d ms ≤ 500 ms)", c2.Outcome, c2.WaitMs())
	}
	cnt := f.counters("sales")
	if cnt[realtime.CntOffered] != 2 || cnt[realtime.CntAbandoned] != 2 || cnt[realtime.CntShortAbandoned] != 1 || cnt[realtime.CntAbandonedWithinT] != 2 || cnt[realtime.CntAnswered] != 0 {
		t.Errorf("counters %v", cnt)
	}
	w, _ := f.store.WaitingCount(context.Background(), "sales")
	if w != 0 {
		t.Errorf("%d calls still waiting", w)
	}
}

func TestRingNoAnswerThenNextAgent(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("9001", "1002"))
	f.login("9001") // longest idle: offered first, never answers
	time.Sleep(1100 * time.Millisecond)
	f.login("1002")
	f.place(sim.CallerSpec{Queue: "sales", TalkFor: 200 * time.Millisecond})
	c := f.ended(6 * time.Second)
	if c.Outcome != callfloor.OutcomeAnswered || c.Agent != "1002" {
		t.Fatalf("outcome %s agent %s, want answered by 1002", c.Outcome, c.Agent)
	}
	if len(c.Offers) != 2 || c.Offers[0].Agent != "9001" || c.Offers[0].Result != callfloor.OfferNoAnswer || c.Offers[1].Agent != "1002" {
		t.Fatalf("offers %+v", c.Offers)
	}
	if r := c.Offers[0].RingMs(); r < 900 || r > 2500 {
		t.Errorf("first offer rang %d ms, want the 1 s ring timeout", r)
	}
	st := f.agentState("9001")
	if st.State != callfloor.AgentPaused || st.Reason != "missed" {
		t.Errorf("agent 9001 after missing: %+v, want paused(missed)", st)
	}
	ac, _ := f.store.AgentCounters(context.Background(), "9001", time.Now())
	if ac[realtime.CntOffersNoAnswer] != 1 {
		t.Errorf("9001 counters %v", ac)
	}
}

func TestCallerAndAgentHangUps(t *testing.T) {
	t.Parallel()
	t.Run("caller hangs up during talk", func(t *testing.T) {
		f := newFloor(t, testConfig("1001"))
		f.login("1001")
		f.place(sim.CallerSpec{Queue: "sales", TalkFor: 300 * time.Millisecond})
		c := f.ended(4 * time.Second)
		if c.Outcome != callfloor.OutcomeAnswered || c.HangupBy != callfloor.HangupCaller {
			t.Fatalf("outcome %s by %s", c.Outcome, c.HangupBy)
		}
		testenv.Eventually(t, 2*time.Second, "agent channel hung up", func() bool { return f.sim.Stats().ChannelsLive == 0 })
	})
	t.Run("agent hangs up", func(t *testing.T) {
		f := newFloor(t, testConfig("1001"))
		f.sim.SetDialplan(testDialplan(100*time.Millisecond, 300*time.Millisecond, 0))
		f.login("1001")
		f.place(sim.CallerSpec{Queue: "sales"})
		c := f.ended(4 * time.Second)
		if c.Outcome != callfloor.OutcomeAnswered || c.HangupBy != callfloor.HangupAgent {
			t.Fatalf("outcome %s by %s", c.Outcome, c.HangupBy)
		}
		if tk := c.TalkMs(); tk < 200 || tk > 1500 {
			t.Errorf("talk %d ms", tk)
		}
		testenv.Eventually(t, 2*time.Second, "caller hung up too", func() bool { return f.sim.Stats().ChannelsLive == 0 })
	})
}

func TestOutbound(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001"))
	f.login("1001")
	id, err := f.acd.Dial(context.Background(), "1001", " (555) 12-34 ") // as people write it: cleaned to 5551234
	if err != nil {
		t.Fatal(err)
	}
	c := f.ended(5 * time.Second)
	if c.ID != id || c.Direction != callfloor.Outbound || c.Outcome != callfloor.OutcomeAnswered || c.CalledNumber != "5551234" || c.HangupBy != callfloor.HangupCaller {
		t.Fatalf("outbound call %+v", c)
	}
	if len(c.Offers) != 1 || c.Offers[0].RingMs() < 80 {
		t.Errorf("customer ring not captured: %+v", c.Offers)
	}
	if c.RecordingName == "" {
		t.Error("outbound call not recorded")
	}
	testenv.Eventually(t, 2*time.Second, "agent available after wrap-up", func() bool { return f.agentState("1001").State == callfloor.AgentAvailable })

	id2, err := f.acd.Dial(context.Background(), "1001", "0123")
	if err != nil {
		t.Fatal(err)
	}
	c2 := f.waitEvent(5*time.Second, "busy call ended", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallEnded && e.Call.ID == id2 }).Call
	if c2.Outcome != callfloor.OutcomeBusy || !c2.AnsweredAt.IsZero() {
		t.Fatalf("busy call: outcome %s", c2.Outcome)
	}
	testenv.Eventually(t, 2*time.Second, "agent available after the busy call", func() bool { return f.agentState("1001").State == callfloor.AgentAvailable })
	id3, err := f.acd.Dial(context.Background(), "1001", "9999")
	if err != nil {
		t.Fatal(err)
	}
	c3 := f.waitEvent(6*time.Second, "unanswered call ended", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallEnded && e.Call.ID == id3 }).Call
	if c3.Outcome != callfloor.OutcomeNoAnswer || len(c3.Offers) != 1 || c3.Offers[0].RingMs() < 1500 {
		t.Fatalf("no-answer call: outcome %s offers %+v (ring timeout 2 s)", c3.Outcome, c3.Offers)
	}
	ac, _ := f.store.AgentCounters(context.Background(), "1001", time.Now())
	if ac[realtime.CntOutDials] != 3 || ac[realtime.CntOutAnswered] != 1 || ac[realtime.CntOutBusy] != 1 || ac[realtime.CntOutNoAnswer] != 1 {
		t.Errorf("agent counters %v", ac)
	}
	// bad input and unknown agents are refused with the field named
	if _, err := f.acd.Dial(context.Background(), "1001", "12; DROP"); callfloor.ErrorCode(err) != callfloor.EINVALID ||
		callfloor.SpecificCode(err) != callfloor.CodeInvalidNumber || strings.ContainsAny(err.Error(), "^$[]{}\\") {
		t.Errorf("bad number: %v", err)
	}
	if _, err := f.acd.Dial(context.Background(), "nobody", "5551234"); callfloor.ErrorCode(err) != callfloor.ENOTFOUND {
		t.Errorf("unknown agent: %v", err)
	}
}

func TestUnknownQueue(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001"))
	f.login("1001")
	f.place(sim.CallerSpec{Queue: "nosuchqueue"})
	c := f.ended(3 * time.Second)
	if c.Outcome != callfloor.OutcomeUnknownQueue || c.Queue != "nosuchqueue" {
		t.Fatalf("outcome %s queue %s", c.Outcome, c.Queue)
	}
	testenv.Eventually(t, 2*time.Second, "caller hung up", func() bool { return f.sim.Stats().ChannelsLive == 0 })
	if st := f.agentState("1001"); st.State != callfloor.AgentAvailable {
		t.Errorf("agent %+v", st)
	}
}

func TestMaxWaitFlowsOut(t *testing.T) {
	t.Parallel()
	cfg := testConfig("1001")
	cfg.Queues[0].MaxWait = 400 * time.Millisecond
	f := newFloor(t, cfg)
	f.place(sim.CallerSpec{Queue: "sales"})
	c := f.ended(3 * time.Second)
	if c.Outcome != callfloor.OutcomeFlowedOut || c.HangupBy != callfloor.HangupSystem {
		t.Fatalf("outcome %s by %s", c.Outcome, c.HangupBy)
	}
	if f.counters("sales")[realtime.CntFlowedOut] != 1 {
		t.Errorf("counters %v", f.counters("sales"))
	}
}

func TestRestartMidCall(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001", "1002"))
	f.login("1001")
	caller := f.place(sim.CallerSpec{Queue: "sales"})
	f.waitEvent(3*time.Second, "answered", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallAnswered })
	// a second call waits: nobody else is logged in
	f.place(sim.CallerSpec{Queue: "sales"})
	f.waitEvent(3*time.Second, "second call entered", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallEntered && e.Call.CallerChannel != caller
	})
	f.stop() // callfloor goes away mid-call
	if err := f.sim.HangupChannel(caller); err != nil {
		t.Fatal(err)
	} // the customer hangs up while callfloor is down
	f.start()
	c := f.waitEvent(5*time.Second, "first call closed after restart", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallEnded && e.Call.CallerChannel == caller
	}).Call
	if c.Outcome != callfloor.OutcomeAnswered || c.HangupBy != callfloor.HangupCaller || c.Agent != "1001" {
		t.Fatalf("first call after restart: outcome %s by %s agent %s", c.Outcome, c.HangupBy, c.Agent)
	}
	// the waiting caller is picked up again and answered once an agent is free
	f.login("1002")
	c2 := f.waitEvent(5*time.Second, "second call answered after restart", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallAnswered && e.Call.CallerChannel != caller
	}).Call
	if c2.Agent == "" {
		t.Fatal("no agent on the second call")
	}
	if n := f.countEvents(callfloor.EvCallEntered); n != 2 {
		t.Errorf("%d call.entered events, want 2 (no call counted twice)", n)
	}
	cnt := f.counters("sales")
	if cnt[realtime.CntOffered] != 2 || cnt[realtime.CntAnswered] != 2 {
		t.Errorf("counters %v, want offered 2 answered 2", cnt)
	}
	if n := f.countEvents(callfloor.EvCallEnded); n != 1 {
		t.Errorf("%d call.ended, want 1", n)
	}
}

func TestWebSocketDroppedMidCall(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001"))
	f.login("1001")
	caller := f.place(sim.CallerSpec{Queue: "sales"})
	f.waitEvent(3*time.Second, "answered", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallAnswered })
	f.sim.DropConnections()
	// while the socket is down the caller hangs up: Asterisk's events for it are lost
	if err := f.sim.HangupChannel(caller); err != nil {
		t.Fatal(err)
	}
	c := f.ended(5 * time.Second)
	if c.Outcome != callfloor.OutcomeAnswered || c.HangupBy != callfloor.HangupCaller {
		t.Fatalf("outcome %s by %s", c.Outcome, c.HangupBy)
	}
	if v := testutil.ToFloat64(f.clientMetric("callfloor_ari_reconnects_total")); v < 1 {
		t.Errorf("reconnects_total %v", v)
	}
	testenv.Eventually(t, 3*time.Second, "agent back to available", func() bool { return f.agentState("1001").State == callfloor.AgentAvailable })
	// and calls keep flowing after the reconnect
	f.place(sim.CallerSpec{Queue: "sales", TalkFor: 100 * time.Millisecond})
	f.waitEvent(5*time.Second, "a call answered after reconnect", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallAnswered && e.Call.CallerChannel != caller
	})
}

// clientMetric finds a collector on the ari registry by metric name (summing labels).
func (f *floor) clientMetric(name string) prometheus.Collector {
	return collectorFunc(func(ch chan<- prometheus.Metric) {
		mfs, _ := f.ariReg.Gather()
		var sum float64
		for _, mf := range mfs {
			if mf.GetName() == name {
				for _, m := range mf.GetMetric() {
					sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
				}
			}
		}
		ch <- prometheus.MustNewConstMetric(prometheus.NewDesc(name, "", nil, nil), prometheus.GaugeValue, sum)
	})
}

type collectorFunc func(ch chan<- prometheus.Metric)

func (c collectorFunc) Describe(ch chan<- *prometheus.Desc) {}
func (c collectorFunc) Collect(ch chan<- prometheus.Metric) { c(ch) }

func TestBadEventsOnTheSocket(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001"))
	f.login("1001")
	f.sim.InjectRaw("callfloor", []byte(`{"type":"ChannelToneDetected","timestamp":"2026-11-22T05:51:22.476+0000","application":"callfloor","channel":{"id":"x"}}`))
	f.sim.InjectRaw("callfloor", []byte(`{"type":"StasisStart","args":["queue=sales"`))
	f.sim.InjectRaw("callfloor", []byte(`not json at all`))
	f.place(sim.CallerSpec{Queue: "sales", TalkFor: 100 * time.Millisecond})
	c := f.ended(4 * time.Second)
	if c.Outcome != callfloor.OutcomeAnswered {
		t.Fatalf("outcome %s", c.Outcome)
	}
	if v := testutil.ToFloat64(f.clientMetric("callfloor_ari_events_skipped_total")); v != 3 {
		t.Errorf("skipped events %v, want 3", v)
	}
	if v := testutil.ToFloat64(f.clientMetric("callfloor_ari_reconnects_total")); v != 0 {
		t.Errorf("the bad frames caused %v reconnects", v)
	}
}

func TestAsteriskDownAtStartup(t *testing.T) {
	t.Parallel()
	rdb, prefix := testenv.Redis(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there yet
	f := &floor{t: t, rdb: rdb, prefix: prefix, store: realtime.New(rdb, prefix), cfg: testConfig("1001"), cursor: "0"}
	startedAt := time.Now()
	f.startOn("http://"+addr, "pbx1")
	if time.Since(startedAt) > time.Second {
		t.Fatalf("start-up blocked %s on a down Asterisk", time.Since(startedAt))
	}
	time.Sleep(300 * time.Millisecond)
	if err := f.acd.Ready(); err == nil {
		t.Fatal("ready while Asterisk is down")
	}
	if v := testutil.ToFloat64(f.clientMetric("callfloor_ari_connect_failures_total")); v < 1 {
		t.Errorf("connect failures %v", v)
	}
	s := sim.New(sim.Config{RecordingDir: t.TempDir()})
	s.SetDialplan(testDialplan(100*time.Millisecond, 0, 0))
	if _, err := s.Start(addr); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f.sim = s
	f.waitReady()
	f.login("1001")
	f.place(sim.CallerSpec{Queue: "sales", TalkFor: 100 * time.Millisecond})
	if c := f.ended(4 * time.Second); c.Outcome != callfloor.OutcomeAnswered {
		t.Fatalf("outcome %s", c.Outcome)
	}
}

// Two callfloor instances, each on its own Asterisk node, share one Redis and one agent. Two
// calls arrive at once, one on each node: the agent must never be given both.
func TestTwoInstancesNeverDoubleAssign(t *testing.T) {
	t.Parallel()
	for round := 0; round < 3; round++ {
		rdb, prefix := testenv.Redis(t)
		store := realtime.New(rdb, prefix)
		cfg := testConfig("1001")
		var floors []*floor
		for i := 0; i < 2; i++ {
			s := sim.New(sim.Config{RecordingDir: t.TempDir(), EntityID: []string{"02:fc:00:00:00:01", "02:fc:00:00:00:02"}[i]})
			s.SetDialplan(testDialplan(100*time.Millisecond, 0, 0))
			url, err := s.Start("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			f := &floor{t: t, sim: s, simURL: url, rdb: rdb, prefix: prefix, store: store, cfg: cfg, cursor: "0"}
			f.startOn(url, []string{"pbx1", "pbx2"}[i])
			f.waitReady()
			floors = append(floors, f)
		}
		floors[0].login("1001")
		var wg sync.WaitGroup
		for _, f := range floors {
			wg.Add(1)
			go func() {
				defer wg.Done()
				f.sim.PlaceCall(sim.CallerSpec{Queue: "sales", Number: "555", TalkFor: 300 * time.Millisecond})
			}()
		}
		wg.Wait()
		f := floors[0] // both write the same stream
		var a, b *callfloor.Call
		testenv.Eventually(t, 10*time.Second, "both calls answered and ended", func() bool {
			f.poll()
			var ends []*callfloor.Call
			for _, e := range f.events {
				if e.Type == callfloor.EvCallEnded {
					ends = append(ends, e.Call)
				}
			}
			if len(ends) == 2 {
				a, b = ends[0], ends[1]
				return true
			}
			return false
		})
		if a.Outcome != callfloor.OutcomeAnswered || b.Outcome != callfloor.OutcomeAnswered || a.Node == b.Node {
			t.Fatalf("round %d: outcomes %s/%s nodes %s/%s", round, a.Outcome, b.Outcome, a.Node, b.Node)
		}
		if b.AnsweredAt.Before(a.EndedAt) {
			t.Fatalf("round %d: agent 1001 answered call %s at %s while still on call %s (ended %s)", round, b.ID, b.AnsweredAt, a.ID, a.EndedAt)
		}
		// every offer to the agent began after the previous call's end: never two rings at once
		for _, o := range b.Offers {
			if o.Start.Before(a.EndedAt) {
				t.Fatalf("round %d: agent rung for %s at %s before %s ended at %s", round, b.ID, o.Start, a.ID, a.EndedAt)
			}
		}
		for _, f := range floors {
			f.stop()
		}
	}
}

func TestAgentActions(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001"))
	ctx := context.Background()
	if _, err := f.acd.Login(ctx, "ghost"); callfloor.ErrorCode(err) != callfloor.ENOTFOUND {
		t.Fatalf("login unknown agent: %v", err)
	}
	if _, err := f.acd.Unpause(ctx, "1001"); callfloor.ErrorCode(err) != callfloor.ECONFLICT {
		t.Fatalf("unpause a logged-out agent: %v", err)
	}
	st, err := f.acd.Login(ctx, "1001")
	if err != nil || st.State != callfloor.AgentAvailable {
		t.Fatalf("login: %+v %v", st, err)
	}
	if _, err := f.acd.Pause(ctx, "1001", ""); callfloor.ErrorCode(err) != callfloor.EINVALID {
		t.Fatalf("pause without reason: %v", err)
	}
	st, err = f.acd.Pause(ctx, "1001", "lunch")
	if err != nil || st.State != callfloor.AgentPaused || st.Reason != "lunch" {
		t.Fatalf("pause: %+v %v", st, err)
	}
	// a paused agent gets no call
	f.place(sim.CallerSpec{Queue: "sales", TalkFor: 100 * time.Millisecond})
	time.Sleep(300 * time.Millisecond)
	if n := f.countEvents(callfloor.EvCallOffered); n != 0 {
		t.Fatalf("paused agent was offered %d calls", n)
	}
	if _, err := f.acd.Unpause(ctx, "1001"); err != nil {
		t.Fatal(err)
	}
	if c := f.ended(4 * time.Second); c.Agent != "1001" {
		t.Fatalf("after unpause: agent %s", c.Agent)
	}
	testenv.Eventually(t, 2*time.Second, "available", func() bool { return f.agentState("1001").State == callfloor.AgentAvailable })
	if st, err := f.acd.Logout(ctx, "1001"); err != nil || st.State != callfloor.AgentLoggedOut {
		t.Fatalf("logout: %+v %v", st, err)
	}
}

// Redis goes away mid-call and comes back: the call goes on, and its record, counters and
// events land once each when Redis answers again; waiting callers are routed afterwards.
func TestRedisDownMidCall(t *testing.T) {
	t.Parallel()
	f, proxy := newFloorViaProxy(t, 500*time.Millisecond, 1)
	s := f.sim
	f.login("1001")
	caller := f.place(sim.CallerSpec{Queue: "sales"})
	f.waitEvent(3*time.Second, "answered", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallAnswered })

	proxy.Cut()
	if err := s.HangupChannel(caller); err != nil {
		t.Fatal(err)
	}
	second := f.place(sim.CallerSpec{Queue: "sales", TalkFor: 200 * time.Millisecond})
	time.Sleep(1500 * time.Millisecond) // Redis stays down a while
	if n := f.countEvents(callfloor.EvCallEnded); n != 0 {
		t.Fatalf("%d calls ended while redis was down?", n)
	}
	proxy.Restore()

	c := f.waitEvent(10*time.Second, "first call's end lands after redis returns", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallEnded && e.Call.CallerChannel == caller
	}).Call
	if c.Outcome != callfloor.OutcomeAnswered || c.HangupBy != callfloor.HangupCaller || c.Agent != "1001" {
		t.Fatalf("first call: outcome %s by %s agent %s", c.Outcome, c.HangupBy, c.Agent)
	}
	if tk := c.TalkMs(); tk > 1200 {
		t.Errorf("talk %d ms: the end time should be when the caller hung up, not when redis came back", tk)
	}
	c2 := f.waitEvent(10*time.Second, "second call answered after redis returns", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallEnded && e.Call.CallerChannel == second
	}).Call
	if c2.Outcome != callfloor.OutcomeAnswered || c2.Agent != "1001" {
		t.Fatalf("second call: %s by %s", c2.Outcome, c2.Agent)
	}
	for typ, want := range map[string]int{callfloor.EvCallEntered: 2, callfloor.EvCallAnswered: 2, callfloor.EvCallEnded: 2} {
		if n := f.countEvents(typ); n != want {
			t.Errorf("%d %s events, want %d", n, typ, want)
		}
	}
	cnt := f.counters("sales")
	if cnt[realtime.CntOffered] != 2 || cnt[realtime.CntAnswered] != 2 || cnt[realtime.CntHandled] != 2 {
		t.Errorf("counters %v", cnt)
	}
}

// An agent left ringing for a call that no longer exists (a claim whose reply was lost with the
// Redis connection) is freed by the sweeper.
func TestStaleAgentIsFreed(t *testing.T) {
	t.Parallel()
	rdb, prefix := testenv.Redis(t)
	s := sim.New(sim.Config{RecordingDir: t.TempDir()})
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f := &floor{t: t, sim: s, simURL: url, rdb: rdb, prefix: prefix, store: realtime.New(rdb, prefix), cfg: testConfig("1001", "1002"), cursor: "0", staleAfter: 300 * time.Millisecond}
	f.startOn(url, "pbx1")
	f.waitReady()
	f.login("1001", "1002")
	if got, err := f.store.Claim(context.Background(), "sales", "lostcall", time.Now()); err != nil || got == "" {
		t.Fatalf("claim: %q %v", got, err)
	}
	testenv.Eventually(t, 5*time.Second, "stale ringing agent freed", func() bool {
		st, _ := f.store.Agents(context.Background())
		for _, a := range st {
			if a.State != callfloor.AgentAvailable {
				return false
			}
		}
		return true
	})
}

// One instance, two Asterisk nodes: each call records its node and every command goes there.
func TestSeveralNodes(t *testing.T) {
	t.Parallel()
	rdb, prefix := testenv.Redis(t)
	store := realtime.New(rdb, prefix)
	var sims []*sim.Server
	var clients []*ari.Client
	for i, ent := range []string{"02:fc:00:00:00:0a", "02:fc:00:00:00:0b"} {
		s := sim.New(sim.Config{RecordingDir: t.TempDir(), EntityID: ent})
		s.SetDialplan(testDialplan(50*time.Millisecond, 0, 0))
		url, err := s.Start("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		sims = append(sims, s)
		clients = append(clients, ari.New(ari.Config{Name: []string{"pbx1", "pbx2"}[i], URL: url, Username: "callfloor", Password: "callfloor-test",
			EventFilter: telephony.EventFilter, MinBackoff: 20 * time.Millisecond, Logger: logger(t)}))
	}
	acd, err := telephony.New(telephony.Options{Config: testConfig("1001", "1002"), Store: store, Nodes: clients, Logger: logger(t), Tick: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); acd.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	f := &floor{t: t, store: store, acd: acd, cursor: "0"}
	testenv.Eventually(t, 5*time.Second, "both nodes connected", func() bool { return acd.Ready() == nil })
	f.login("1001")
	if _, err := sims[1].PlaceCall(sim.CallerSpec{Queue: "sales", Number: "555", TalkFor: 200 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	c := f.ended(4 * time.Second)
	if c.Outcome != callfloor.OutcomeAnswered || c.Node != "pbx2" || c.AsteriskID != "02:fc:00:00:00:0b" {
		t.Fatalf("call: outcome %s node %s asterisk_id %s", c.Outcome, c.Node, c.AsteriskID)
	}
	if n := sims[0].Stats().Originates; n != 0 {
		t.Errorf("node pbx1 got %d originates for a call on pbx2", n)
	}
	if n := sims[1].Stats().Originates; n != 1 {
		t.Errorf("node pbx2 got %d originates, want the agent's 1", n)
	}
}

// An agent serving two queues takes the higher-priority queue's caller first, even if the other
// caller waited longer; within a queue, priority= in the Stasis arguments goes first.
func TestQueueAndCallPriority(t *testing.T) {
	t.Parallel()
	cfg := testConfig("1001")
	cfg.Queues[0].Priority = 5 // sales
	cfg.Queues[1].Priority = 1 // support
	cfg.Agents[0].Skills = map[string]int{"sales": 5, "support": 5}
	f := newFloor(t, cfg)
	f.place(sim.CallerSpec{Queue: "support", Number: "111", TalkFor: 100 * time.Millisecond})
	time.Sleep(100 * time.Millisecond)
	f.place(sim.CallerSpec{Queue: "sales", Number: "222", TalkFor: 100 * time.Millisecond})
	time.Sleep(100 * time.Millisecond)
	f.place(sim.CallerSpec{Queue: "sales", Number: "333", ExtraArgs: []string{"priority=9"}, TalkFor: 100 * time.Millisecond})
	testenv.Eventually(t, 2*time.Second, "three callers entered", func() bool { return f.countEvents(callfloor.EvCallEntered) == 3 })
	// the dispatcher sees a call waiting once it is on hold (after the entered event is saved)
	testenv.Eventually(t, 5*time.Second, "three callers waiting", func() bool { return f.acd.WaitingCalls() == 3 })
	f.login("1001")
	var order []string
	testenv.Eventually(t, 10*time.Second, "three calls answered", func() bool {
		f.poll()
		order = order[:0]
		for _, e := range f.events {
			if e.Type == callfloor.EvCallAnswered {
				order = append(order, e.Call.CallerNumber)
			}
		}
		return len(order) == 3
	})
	if strings.Join(order, ",") != "333,222,111" {
		t.Fatalf("answer order %v, want 333 (sales, priority 9), 222 (sales), 111 (support)", order)
	}
}

// An agent who becomes available during a dispatch pass, after the pass found the better
// call's queue without agents, is not kept for a worse call: the claim is given back and the
// next pass offers the better call first. Here the agent turns up available for support only
// (as if the pass had checked sales just before): without the give-back, 111 (support) was
// answered first.
func TestClaimGivenBackForABetterCall(t *testing.T) {
	t.Parallel()
	cfg := testConfig("1001")
	cfg.Queues[0].Priority = 5 // sales
	cfg.Queues[1].Priority = 1 // support
	cfg.Agents[0].Skills = map[string]int{"sales": 5, "support": 5}
	f := newFloor(t, cfg)
	f.place(sim.CallerSpec{Queue: "support", Number: "111", TalkFor: 100 * time.Millisecond})
	f.place(sim.CallerSpec{Queue: "sales", Number: "333", TalkFor: 100 * time.Millisecond})
	testenv.Eventually(t, 5*time.Second, "two callers waiting", func() bool { return f.acd.WaitingCalls() == 2 })
	ctx := context.Background()
	now := strconv.FormatInt(time.Now().UnixMilli(), 10)
	pipe := f.rdb.TxPipeline()
	pipe.HSet(ctx, f.prefix+"agent:1001", "state", "available", "since", now)
	pipe.ZAdd(ctx, f.prefix+"avail:support", redis.Z{Score: 1, Member: "1001"})
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	var order []string
	testenv.Eventually(t, 10*time.Second, "two calls answered", func() bool {
		f.poll()
		order = order[:0]
		for _, e := range f.events {
			if e.Type == callfloor.EvCallAnswered {
				order = append(order, e.Call.CallerNumber)
			}
		}
		return len(order) == 2
	})
	if strings.Join(order, ",") != "333,111" {
		t.Fatalf("answer order %v, want 333 (sales, the better queue), then 111", order)
	}
}

// Unknown queue and max wait with action continue: the caller leaves Stasis for the configured
// dialplan location.
func TestContinueDestinations(t *testing.T) {
	t.Parallel()
	cfg := testConfig("1001")
	cfg.ACD.UnknownQueue = callfloor.Destination{Action: callfloor.ActionContinue, Context: "callfloor-overflow", Extension: "s", Priority: 1}
	cfg.Queues[0].MaxWait = 300 * time.Millisecond
	cfg.Queues[0].OnMaxWait = callfloor.Destination{Action: callfloor.ActionContinue, Context: "callfloor-overflow", Extension: "sales"}
	f := newFloor(t, cfg)
	f.place(sim.CallerSpec{Queue: "nosuchqueue"})
	c := f.ended(3 * time.Second)
	if c.Outcome != callfloor.OutcomeUnknownQueue {
		t.Fatalf("outcome %s", c.Outcome)
	}
	testenv.Eventually(t, 2*time.Second, "caller sent to the dialplan", func() bool { return f.sim.Stats().Continued == 1 })
	f.place(sim.CallerSpec{Queue: "sales"}) // nobody logged in: max wait
	c2 := f.waitEvent(3*time.Second, "flowed out", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallEnded && e.Call.Outcome == callfloor.OutcomeFlowedOut
	}).Call
	if w := c2.WaitMs(); w < 250 || w > 1500 {
		t.Errorf("flowed out after %d ms, want the 300 ms max wait", w)
	}
	testenv.Eventually(t, 2*time.Second, "second caller sent to the dialplan", func() bool { return f.sim.Stats().Continued == 2 })
	testenv.Eventually(t, 3*time.Second, "no bridges left", func() bool { return f.sim.Stats().BridgesLive == 0 })
}

// Listen, whisper and barge: a snoop on the agent's leg with the mode's directions, bridged with
// the supervisor's phone; the supervisor hanging up ends only the monitoring.
func TestSupervisorMonitoring(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001"))
	ctx := context.Background()
	if err := f.acd.Monitor(ctx, "1001", "Local/7001@agents", telephony.MonitorListen, "sup"); callfloor.ErrorCode(err) != callfloor.ECONFLICT {
		t.Fatalf("monitoring an agent who is not on a call: %v", err)
	}
	f.login("1001")
	caller := f.place(sim.CallerSpec{Queue: "sales"})
	c := f.waitEvent(3*time.Second, "answered", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallAnswered }).Call
	if err := f.acd.Monitor(ctx, "1001", "Local/7001@agents", "spy", "sup"); callfloor.ErrorCode(err) != callfloor.EINVALID {
		t.Fatalf("bad mode: %v", err)
	}
	for i, mode := range []string{telephony.MonitorWhisper, telephony.MonitorBarge} {
		n := i + 1
		if err := f.acd.Monitor(ctx, "1001", "Local/7001@agents", mode, "sup"); err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		snoop, phone, bridge := fmt.Sprintf("cf-%s-s%d", c.ID, n), fmt.Sprintf("cf-%s-p%d", c.ID, n), fmt.Sprintf("cf-%s-m%d", c.ID, n)
		target, spy, whisper, ok := f.sim.Snoop(snoop)
		want := map[string]string{telephony.MonitorWhisper: "out", telephony.MonitorBarge: "both"}[mode]
		if !ok || target != c.AgentChannel || spy != "both" || whisper != want {
			t.Fatalf("%s: snoop on %q spy %q whisper %q, want on %s both/%s", mode, target, spy, whisper, c.AgentChannel, want)
		}
		testenv.Eventually(t, 3*time.Second, "supervisor's phone bridged with the snoop", func() bool {
			m := f.sim.BridgeMembers(bridge)
			return len(m) == 2 && ((m[0] == snoop && m[1] == phone) || (m[1] == snoop && m[0] == phone))
		})
		// the supervisor hangs up: the monitoring ends, the call goes on
		if err := f.sim.HangupChannel(phone); err != nil {
			t.Fatal(err)
		}
		testenv.Eventually(t, 3*time.Second, "monitoring torn down", func() bool {
			_, _, _, up := f.sim.Snoop(snoop)
			return !up && f.sim.BridgeMembers(bridge) == nil
		})
		if st := f.agentState("1001"); st.State != callfloor.AgentOnCall {
			t.Fatalf("the call ended with the monitoring: agent %s", st.State)
		}
	}
	// listening when the call ends: everything goes with it
	if err := f.acd.Monitor(ctx, "1001", "Local/7001@agents", telephony.MonitorListen, "sup"); err != nil {
		t.Fatal(err)
	}
	if _, spy, whisper, ok := f.sim.Snoop(fmt.Sprintf("cf-%s-s3", c.ID)); !ok || spy != "both" || whisper != "none" {
		t.Fatalf("listen: spy %q whisper %q", spy, whisper)
	}
	time.Sleep(300 * time.Millisecond)
	if err := f.sim.HangupChannel(caller); err != nil {
		t.Fatal(err)
	}
	f.ended(3 * time.Second)
	testenv.Eventually(t, 3*time.Second, "nothing left on the node", func() bool {
		st := f.sim.Stats()
		return st.ChannelsLive == 0 && st.BridgesLive == 0
	})
}
