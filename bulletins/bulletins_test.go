package bulletins_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/callfloor/callfloor/bulletins"
	"github.com/callfloor/callfloor/internal/testdb"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
)

// fakeLive stands in for the live KPI.
type fakeLive struct {
	mu     sync.Mutex
	queues []realtime.QueueView
	floor  realtime.FloorView
	teams  []realtime.TeamView
}

func (f *fakeLive) Floor(context.Context, time.Time) (realtime.FloorView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.floor, nil
}

func (f *fakeLive) Queues(_ context.Context, names []string, _ time.Time) ([]realtime.QueueView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]realtime.QueueView(nil), f.queues...), nil
}

func (f *fakeLive) Teams(context.Context, time.Time) ([]realtime.TeamView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.teams, nil
}

func (f *fakeLive) setWaiting(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queues[0].Waiting = n
}

func fp(v float64) *float64 { return &v }

func newLive() *fakeLive {
	return &fakeLive{
		queues: []realtime.QueueView{{Queue: "sales", Thresholds: realtime.Thresholds{SLTarget: 0.8}}},
		floor: realtime.FloorView{Today: realtime.Figures{Offered: 120, Answered: 110, Abandoned: 10, ShortAbandoned: 2,
			AnsweredWithinT: 90, Handled: 105, AHT: fp(183)}},
		teams: []realtime.TeamView{
			{Team: "red", Today: realtime.Figures{ServiceLevel: fp(0.91)}},
			{Team: "blue", Today: realtime.Figures{ServiceLevel: fp(0.62)}},
		},
	}
}

// msg is what a receiver got.
type msg struct {
	kind  string
	title string
	text  string
}

// receiver stands in for the robots and the webhook: it checks each request against the
// service's documented format and signature, records it, and answers as scripted.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	secret string
	mu     sync.Mutex
	got    []msg
	bad    []string
	script []func(w http.ResponseWriter) bool // answers to play first (true: answered)
	tries  atomic.Int64
}

func newReceiver(t *testing.T, secret string) *receiver {
	r := &receiver{t: t, secret: secret}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (rc *receiver) fail(format string, args ...any) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.bad = append(rc.bad, fmt.Sprintf(format, args...))
}

func b64hmac(key, msg string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(msg))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	rc.tries.Add(1)
	body, _ := io.ReadAll(r.Body)
	kind := strings.TrimPrefix(r.URL.Path, "/")
	rc.mu.Lock()
	var play func(w http.ResponseWriter) bool
	if len(rc.script) > 0 {
		play, rc.script = rc.script[0], rc.script[1:]
	}
	rc.mu.Unlock()
	if play != nil && play(w) {
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		rc.fail("%s: content type %q", kind, ct)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		rc.fail("%s: body not JSON: %s", kind, body)
		http.Error(w, "bad json", 400)
		return
	}
	str := func(m any, k string) string {
		mm, _ := m.(map[string]any)
		s, _ := mm[k].(string)
		return s
	}
	var got msg
	got.kind = kind
	switch kind {
	case "wecom":
		// WeCom 群机器人: {"msgtype":"markdown","markdown":{"content":"…"}}, content ≤ 4096 bytes
		if r.URL.Query().Get("key") == "" {
			rc.fail("wecom: no key")
		}
		if doc["msgtype"] != "markdown" {
			rc.fail("wecom: msgtype %v", doc["msgtype"])
		}
		c := str(doc["markdown"], "content")
		if c == "" || len(c) > 4096 || !utf8.ValidString(c) {
			rc.fail("wecom: content of %d bytes", len(c))
		}
		got.text = c
		_, _ = w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
	case "dingtalk":
		// DingTalk 自定义机器人 signed mode: &timestamp=<ms>&sign=urlencode(base64(HmacSHA256(secret, ts+"\n"+secret)))
		q := r.URL.Query()
		ts := q.Get("timestamp")
		ms, err := strconv.ParseInt(ts, 10, 64)
		if err != nil || time.Since(time.UnixMilli(ms)).Abs() > time.Hour {
			rc.fail("dingtalk: timestamp %q", ts)
		}
		if q.Get("access_token") == "" {
			rc.fail("dingtalk: no access_token")
		}
		if want := b64hmac(rc.secret, ts+"\n"+rc.secret); q.Get("sign") != want {
			rc.fail("dingtalk: sign %q, want %q", q.Get("sign"), want)
		}
		if doc["msgtype"] != "markdown" {
			rc.fail("dingtalk: msgtype %v", doc["msgtype"])
		}
		got.title, got.text = str(doc["markdown"], "title"), str(doc["markdown"], "text")
		if got.title == "" || got.text == "" {
			rc.fail("dingtalk: markdown %v", doc["markdown"])
		}
		_, _ = w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
	case "feishu":
		// Feishu custom bot: body timestamp (s) and sign = base64(HmacSHA256(key=ts+"\n"+secret, ""))
		ts, _ := doc["timestamp"].(string)
		s, err := strconv.ParseInt(ts, 10, 64)
		if err != nil || time.Since(time.Unix(s, 0)).Abs() > time.Hour {
			rc.fail("feishu: timestamp %q", ts)
		}
		if want := b64hmac(ts+"\n"+rc.secret, ""); doc["sign"] != want {
			rc.fail("feishu: sign %v, want %q", doc["sign"], want)
		}
		if doc["msg_type"] != "interactive" {
			rc.fail("feishu: msg_type %v", doc["msg_type"])
		}
		card, _ := doc["card"].(map[string]any)
		els, _ := card["elements"].([]any)
		if len(els) == 0 || str(els[0], "tag") != "markdown" {
			rc.fail("feishu: card %v", card)
		} else {
			got.text = str(els[0], "content")
		}
		hdr, _ := card["header"].(map[string]any)
		got.title = str(hdr["title"], "content")
		_, _ = w.Write([]byte(`{"code":0,"data":{},"msg":"success"}`))
	case "webhook":
		ts := r.Header.Get("X-Callfloor-Timestamp")
		m := hmac.New(sha256.New, []byte(rc.secret))
		m.Write([]byte(ts + "."))
		m.Write(body)
		if want := "sha256=" + hex.EncodeToString(m.Sum(nil)); r.Header.Get("X-Callfloor-Signature") != want {
			rc.fail("webhook: signature %q, want %q", r.Header.Get("X-Callfloor-Signature"), want)
		}
		got.title, got.text = str(doc, "title"), str(doc, "markdown")
		w.WriteHeader(http.StatusNoContent)
	default:
		rc.fail("unknown path %s", r.URL.Path)
		http.NotFound(w, r)
		return
	}
	rc.mu.Lock()
	rc.got = append(rc.got, got)
	rc.mu.Unlock()
}

func (rc *receiver) messages() []msg {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]msg(nil), rc.got...)
}

func (rc *receiver) check() {
	rc.t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, b := range rc.bad {
		rc.t.Error(b)
	}
}

func (rc *receiver) url(kind string) string {
	switch kind {
	case "wecom":
		return rc.srv.URL + "/wecom?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
	case "dingtalk":
		return rc.srv.URL + "/dingtalk?access_token=tok-ding-0123456789"
	case "feishu":
		return rc.srv.URL + "/feishu"
	}
	return rc.srv.URL + "/webhook"
}

type env struct {
	db   *storage.DB
	url  string
	live *fakeLive
	log  *syncBuf
	now  atomic.Pointer[time.Time]
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

func newEnv(t *testing.T) *env {
	db, url := testdb.Open(t)
	e := &env{db: db, url: url, live: newLive(), log: &syncBuf{}}
	now := time.Now()
	e.now.Store(&now)
	return e
}

func (e *env) setNow(t time.Time) { e.now.Store(&t) }

// service starts a bulletins service (an instance) on its own pool of the test's database.
func (e *env) service(t *testing.T) *bulletins.Service {
	ctx := context.Background()
	db, err := storage.Open(ctx, e.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	rdb, prefix := testenv.Redis(t)
	s := &bulletins.Service{Pool: db.Pool, Redis: rdb, Prefix: prefix, Live: e.live,
		Loc: func() *time.Location { return shanghai }, Now: func() time.Time { return *e.now.Load() },
		Log:       slog.New(slog.NewTextHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		TickEvery: 200 * time.Millisecond, RetryDelay: 100 * time.Millisecond, MaxAttempts: 4}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Stop(ctx)
	})
	return s
}

func (e *env) dest(t *testing.T, s *bulletins.Service, kind, url, secret, lang string) bulletins.Destination {
	d := bulletins.Destination{Name: kind + "-" + lang, Kind: kind, URL: url, Secret: secret, Lang: lang, Enabled: true}
	if err := s.Store().SaveDestination(context.Background(), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func waitRun(t *testing.T, s *bulletins.Service, id int64, status string) bulletins.Run {
	t.Helper()
	var r bulletins.Run
	testenv.Eventually(t, 20*time.Second, "run "+strconv.FormatInt(id, 10)+" "+status, func() bool {
		var err error
		r, err = s.Store().Run(context.Background(), id)
		return err == nil && r.Status == status
	})
	return r
}

// Each robot gets a message in its documented format, signed as documented (the receiver
// verifies), for a test and for a scheduled bulletin, in the destination's language.
func TestRobotFormatsAndSignatures(t *testing.T) {
	e := newEnv(t)
	s := e.service(t)
	const secret = "SECtopsecret-abc"
	rc := newReceiver(t, secret)
	ctx := context.Background()
	for _, kind := range []string{"wecom", "dingtalk", "feishu", "webhook"} {
		t.Run(kind, func(t *testing.T) {
			sec := secret
			if kind == "wecom" {
				sec = ""
			}
			d := e.dest(t, s, kind, rc.url(kind), sec, "zh-CN")
			run, err := s.SendTest(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			waitRun(t, s, run.ID, "sent")
			ms := rc.messages()
			last := ms[len(ms)-1]
			if last.kind != kind || !strings.Contains(last.title+last.text, "callfloor 测试消息") {
				t.Fatalf("%s got %+v", kind, last)
			}
			// a scheduled bulletin: today against yesterday, teams, alarms, in Chinese
			c := bulletins.Schedule{Name: "s-" + kind, Times: []string{e.now.Load().In(shanghai).Format("15:04")}, Weekdays: []int16{1, 2, 3, 4, 5, 6, 7}, DestinationIDs: []int64{d.ID}, Enabled: true}
			if err := s.Store().SaveSchedule(ctx, &c); err != nil {
				t.Fatal(err)
			}
			testenv.Eventually(t, 20*time.Second, "the bulletin", func() bool { return len(rc.messages()) == len(ms)+1 })
			b := rc.messages()[len(ms)]
			for _, want := range []string{"生产快报", "服务水平", "呼入量", "**120**", "最佳班组", "red", "待改进班组", "blue", "未解除告警", "昨日同时"} {
				if !strings.Contains(b.title+b.text, want) {
					t.Errorf("%s bulletin lacks %q:\n%s\n%s", kind, want, b.title, b.text)
				}
			}
			c.Enabled = false
			_ = s.Store().SaveSchedule(ctx, &c)
		})
	}
	rc.check()
}

// Two instances on one database: one message per scheduled time, however many ticks.
func TestScheduledOnceWithTwoInstances(t *testing.T) {
	e := newEnv(t)
	// Friday 2026-12-04 10:00:20 in Shanghai
	e.setNow(time.Date(2026, 12, 4, 10, 0, 20, 0, shanghai))
	s1, s2 := e.service(t), e.service(t)
	rc := newReceiver(t, "k")
	ctx := context.Background()
	d := e.dest(t, s1, "webhook", rc.url("webhook"), "k", "en")
	// 09:50 was within the catch-up and Friday is in; 10:05 is not due; 12:00 is later
	c := bulletins.Schedule{Name: "daily", Times: []string{"09:50", "10:00", "10:05", "12:00"}, Weekdays: []int16{1, 2, 3, 4, 5}, DestinationIDs: []int64{d.ID}, Enabled: true}
	if err := s1.Store().SaveSchedule(ctx, &c); err != nil {
		t.Fatal(err)
	}
	// besides river's periodic ticks, both instances tick at once, many times
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		for _, s := range []*bulletins.Service{s1, s2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.Tick(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	testenv.Eventually(t, 20*time.Second, "two messages", func() bool { return len(rc.messages()) >= 2 })
	before := s1.Ticks() + s2.Ticks()
	testenv.Eventually(t, 20*time.Second, "more periodic ticks", func() bool { return s1.Ticks()+s2.Ticks() >= before+3 })
	time.Sleep(300 * time.Millisecond)
	if n := len(rc.messages()); n != 2 {
		t.Fatalf("%d messages for the 09:50 and 10:00 slots, want 2", n)
	}
	// the next day (Saturday) is not in the schedule; Monday 12:00 is
	e.setNow(time.Date(2026, 12, 5, 12, 0, 5, 0, shanghai))
	_ = s1.Tick(ctx)
	e.setNow(time.Date(2026, 12, 7, 12, 0, 5, 0, shanghai))
	_ = s2.Tick(ctx)
	_ = s1.Tick(ctx)
	testenv.Eventually(t, 20*time.Second, "Monday's message", func() bool { return len(rc.messages()) == 3 })
	runs, err := s1.Store().Runs(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 {
		t.Fatalf("%d runs, want 3: %+v", len(runs), runs)
	}
	rc.check()
}

// A 500 is retried; a rate-limit answer (WeCom's errcode 45009, HTTP 429) is retried later
// without counting as a failed attempt; a refusal fails after MaxAttempts with the service's
// code.
func TestRetriesAfter500AndRateLimit(t *testing.T) {
	e := newEnv(t)
	s := e.service(t)
	rc := newReceiver(t, "")
	rc.script = []func(w http.ResponseWriter) bool{
		func(w http.ResponseWriter) bool { http.Error(w, "oops", 500); return true },
		func(w http.ResponseWriter) bool {
			_, _ = w.Write([]byte(`{"errcode":45009,"errmsg":"api freq out of limit"}`))
			return true
		},
		func(w http.ResponseWriter) bool {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return true
		},
		func(w http.ResponseWriter) bool {
			_, _ = w.Write([]byte(`{"errcode":45009,"errmsg":"api freq out of limit"}`))
			return true
		},
		func(w http.ResponseWriter) bool {
			_, _ = w.Write([]byte(`{"errcode":45009,"errmsg":"api freq out of limit"}`))
			return true
		},
	}
	d := e.dest(t, s, "wecom", rc.url("wecom"), "", "en")
	run, err := s.SendTest(context.Background(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	r := waitRun(t, s, run.ID, "sent")
	// six tries with MaxAttempts 4: the four "too many" answers do not count as failures
	if n := rc.tries.Load(); n != 6 || len(rc.messages()) != 1 {
		t.Fatalf("%d requests and %d messages, want 6 and 1", n, len(rc.messages()))
	}
	if r.Attempts != 6 {
		t.Fatalf("attempts %d, want 6", r.Attempts)
	}
	// a refusal that never ends: failed after MaxAttempts with the service's answer
	rc.mu.Lock()
	for i := 0; i < 10; i++ {
		rc.script = append(rc.script, func(w http.ResponseWriter) bool {
			_, _ = w.Write([]byte(`{"errcode":93000,"errmsg":"invalid webhook url"}`))
			return true
		})
	}
	rc.mu.Unlock()
	run, err = s.SendTest(context.Background(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	r = waitRun(t, s, run.ID, "failed")
	if r.Attempts != 4 || !strings.Contains(r.Error, "93000") {
		t.Fatalf("failed run %+v, want 4 attempts and the code", r)
	}
	rc.check()
}

// The client-side limit: WeCom takes 20 a minute per robot; the 21st waits for the next minute.
func TestClientSideRateLimit(t *testing.T) {
	e := newEnv(t)
	s := e.service(t)
	rc := newReceiver(t, "")
	d := e.dest(t, s, "wecom", rc.url("wecom"), "", "en")
	// a minute with room for 21 sends
	for time.Now().Second() > 40 {
		time.Sleep(200 * time.Millisecond)
	}
	minute := time.Now().Truncate(time.Minute)
	for i := 0; i < 21; i++ {
		if _, err := s.SendTest(context.Background(), d.ID); err != nil {
			t.Fatal(err)
		}
	}
	testenv.Eventually(t, 15*time.Second, "20 messages", func() bool { return len(rc.messages()) >= 20 })
	time.Sleep(500 * time.Millisecond)
	runs, _ := s.Store().Runs(context.Background(), 100)
	waiting := 0
	for _, r := range runs {
		if r.Status == "retrying" && strings.Contains(r.Error, "rate limit") {
			waiting++
		}
	}
	if !time.Now().Truncate(time.Minute).Equal(minute) {
		t.Skip("the minute turned during the test: cannot tell") // cannot happen with 19 s of room
	}
	if n := len(rc.messages()); n != 20 || waiting != 1 {
		t.Fatalf("%d messages within the minute and %d runs waiting for the limit, want 20 and 1", n, waiting)
	}
}

// An alarm is sent once when it opens (after for_minutes) and once when it clears.
func TestAlertOnceOnStartAndClear(t *testing.T) {
	e := newEnv(t)
	s := e.service(t)
	rc := newReceiver(t, "k")
	ctx := context.Background()
	d := e.dest(t, s, "webhook", rc.url("webhook"), "k", "en")
	th := 3.0
	r := bulletins.AlertRule{Name: "queue backlog", Kind: bulletins.RuleWaiting, Threshold: &th, ForMinutes: 2, DestinationIDs: []int64{d.ID}, Enabled: true}
	if err := s.Store().SaveAlertRule(ctx, &r); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 4, 11, 0, 0, 0, shanghai)
	tick := func(at time.Duration) {
		t.Helper()
		e.setNow(t0.Add(at))
		if err := s.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	e.live.setWaiting(5)
	tick(0)
	tick(time.Minute)
	time.Sleep(300 * time.Millisecond)
	if n := len(rc.messages()); n != 0 {
		t.Fatalf("%d messages before the condition lasted 2 minutes", n)
	}
	tick(2 * time.Minute)
	testenv.Eventually(t, 10*time.Second, "the alarm", func() bool { return len(rc.messages()) == 1 })
	tick(3 * time.Minute)
	tick(4 * time.Minute)
	open, err := s.OpenAlarms(ctx, nil)
	if err != nil || len(open) != 1 || open[0].Subject != "sales" {
		t.Fatalf("open alarms %+v %v", open, err)
	}
	e.live.setWaiting(1)
	tick(5 * time.Minute)
	testenv.Eventually(t, 10*time.Second, "the all-clear", func() bool { return len(rc.messages()) == 2 })
	tick(6 * time.Minute)
	time.Sleep(500 * time.Millisecond)
	ms := rc.messages()
	if len(ms) != 2 || !strings.HasPrefix(ms[0].title, "Alarm: queue backlog") || !strings.Contains(ms[0].text, "5 calls waiting (limit 3)") ||
		!strings.HasPrefix(ms[1].title, "Cleared: queue backlog") {
		t.Fatalf("messages %+v", ms)
	}
	rc.check()
}

// Tokens in URLs and secrets never reach the logs, even when a send fails.
func TestSecretsAbsentFromLogs(t *testing.T) {
	e := newEnv(t)
	s := e.service(t)
	rc := newReceiver(t, "SEC-very-secret-1")
	rc.script = []func(w http.ResponseWriter) bool{func(w http.ResponseWriter) bool { http.Error(w, "down", 502); return true }}
	d := e.dest(t, s, "dingtalk", rc.url("dingtalk"), "SEC-very-secret-1", "en")
	run, err := s.SendTest(context.Background(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	waitRun(t, s, run.ID, "sent")
	// a destination that does not answer at all: the transport error must not repeat the URL
	d2 := e.dest(t, s, "wecom", "http://127.0.0.1:1/cgi-bin/webhook/send?key=tok-unreachable-42", "", "zh-CN")
	run2, err := s.SendTest(context.Background(), d2.ID)
	if err != nil {
		t.Fatal(err)
	}
	r2 := waitRun(t, s, run2.ID, "failed")
	logs := e.log.String()
	if !strings.Contains(logs, "bulletin not sent") || !strings.Contains(logs, "bulletin sent") {
		t.Fatalf("the logs do not tell the story:\n%s", logs)
	}
	for _, secret := range []string{"SEC-very-secret-1", "tok-ding-0123456789", "tok-unreachable-42", "sign="} {
		if strings.Contains(logs, secret) || strings.Contains(r2.Error, secret) {
			t.Errorf("%q in the logs or the run's error:\n%s\n%s", secret, logs, r2.Error)
		}
	}
	rc.check()
}
