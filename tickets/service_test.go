package tickets_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/bulletins"
	"github.com/callfloor/callfloor/internal/testdb"
	"github.com/callfloor/callfloor/storage"
	"github.com/callfloor/callfloor/tickets"
)

var shanghai = time.FixedZone("CST", 8*3600)

type hit struct {
	method, ctype, ts, sig string
	body                   []byte
}

// receiver is a local SMS gateway that answers status codes in turn (the last one repeats).
type receiver struct {
	mu     sync.Mutex
	hits   []hit
	status []int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.hits = append(r.hits, hit{req.Method, req.Header.Get("Content-Type"), req.Header.Get("X-Callfloor-Timestamp"), req.Header.Get("X-Sign"), b})
	code := 200
	if len(r.status) > 0 {
		code = r.status[0]
		if len(r.status) > 1 {
			r.status = r.status[1:]
		}
	}
	r.mu.Unlock()
	w.WriteHeader(code)
}

// mailbox is a local SMTP listener.
type mailbox struct {
	mu   sync.Mutex
	msgs [][]byte
	rcpt []string
}

type session struct{ box *mailbox }

func (s *session) Mail(string, *smtp.MailOptions) error { return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.box.mu.Lock()
	s.box.rcpt = append(s.box.rcpt, to)
	s.box.mu.Unlock()
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.box.mu.Lock()
	s.box.msgs = append(s.box.msgs, b)
	s.box.mu.Unlock()
	return err
}
func (s *session) Reset()        {}
func (s *session) Logout() error { return nil }

func smtpListener(t *testing.T) (*mailbox, int) {
	box := &mailbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{box: box}, nil }))
	srv.Domain = "127.0.0.1"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return box, ln.Addr().(*net.TCPAddr).Port
}

type world struct {
	db    *storage.DB
	agent storage.User
	lead  storage.User
	now   time.Time
}

func setup(t *testing.T) world {
	db, _ := testdb.Open(t)
	ctx := context.Background()
	if _, err := db.Pool.Exec(ctx, `INSERT INTO teams (id, name) VALUES ('t1', '一组')`); err != nil {
		t.Fatal(err)
	}
	agent, err := db.CreateUser(ctx, storage.NewUser{Username: "wangfang", DisplayName: "王芳", Password: "secret-pass-1", Role: callfloor.RoleAgent, TeamID: "t1", AgentID: "1001"})
	if err != nil {
		t.Fatal(err)
	}
	lead, err := db.CreateUser(ctx, storage.NewUser{Username: "liqiang", DisplayName: "李强", Password: "secret-pass-1", Role: callfloor.RoleTeamLead, TeamID: "t1"})
	if err != nil {
		t.Fatal(err)
	}
	storage.SetTicketZone(shanghai)
	return world{db: db, agent: agent, lead: lead, now: time.Date(2026, 12, 4, 2, 0, 0, 0, time.UTC)}
}

func decodeMail(t *testing.T, raw []byte) (subject, text string) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	_, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	mr := multipart.NewReader(msg.Body, params["boundary"])
	p, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(p)
	dec, _ := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(b), "\r\n", ""))
	return subject, string(dec)
}

// The customer's SMS reaches the webhook with the number and text in the template, signed; the
// staff's e-mails (assignment, escalation) reach the SMTP listener; a notice to a user without an
// address is skipped, not retried.
func TestNotificationsDelivered(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	rcv := &receiver{}
	gw := httptest.NewServer(rcv)
	defer gw.Close()
	box, port := smtpListener(t)
	cfg := storage.TicketNotifyConfig{Lang: "zh-CN",
		SMS:         storage.TicketSMSSettings{Enabled: true, URL: gw.URL + "/sms?key=tok-123", Method: "POST", ContentType: "application/json", BodyTemplate: `{"mobile":"{phone}","content":"{text}"}`, SignatureHeader: "X-Sign"},
		SMTP:        storage.TicketSMTPSettings{Enabled: true, Host: "127.0.0.1", Port: port, From: "callfloor@example.com"},
		StaffEmails: map[string]string{strconv.FormatInt(w.lead.ID, 10): "liqiang@example.com"}}
	secret := "sms-secret-9"
	if _, err := w.db.PutTicketNotifyConfig(ctx, cfg, &secret, nil); err != nil {
		t.Fatal(err)
	}
	clock := w.now
	svc := &tickets.Service{DB: w.db, Loc: func() *time.Location { return shanghai }, Now: func() time.Time { return clock },
		Sender: &bulletins.Sender{Now: func() time.Time { return clock }}}
	// created by the agent, assigned to the lead: an SMS to the customer, an e-mail to the lead
	tk, err := w.db.CreateTicket(ctx, storage.NewTicket{Category: "repair", Priority: "high", Subject: "空调不制冷 \"急\"", Phone: "139 0000 1111",
		AssigneeID: &w.lead.ID, Fields: map[string]any{"address": "上海市"}}, storage.TicketActor{UserID: w.agent.ID, Name: "王芳"}, clock)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	rcv.mu.Lock()
	if len(rcv.hits) != 1 {
		t.Fatalf("%d SMS", len(rcv.hits))
	}
	h := rcv.hits[0]
	rcv.mu.Unlock()
	var body struct{ Mobile, Content string }
	if err := json.Unmarshal(h.body, &body); err != nil {
		t.Fatalf("body %s: %v", h.body, err)
	}
	wantText := "【客服中心】您的工单" + tk.Number + "已受理：空调不制冷 \"急\"。我们将在2026-12-04 18:00前答复您。"
	if body.Mobile != "+8613900001111" || body.Content != wantText || h.method != "POST" || h.ctype != "application/json" {
		t.Fatalf("SMS %+v %q", body, h.ctype)
	}
	if h.ts != strconv.FormatInt(clock.Unix(), 10) || h.sig != bulletins.WebhookSignature(secret, clock.Unix(), h.body) {
		t.Fatalf("signature %q %q", h.ts, h.sig)
	}
	box.mu.Lock()
	if len(box.msgs) != 1 || box.rcpt[0] != "liqiang@example.com" {
		t.Fatalf("mails %d %v", len(box.msgs), box.rcpt)
	}
	subj, text := decodeMail(t, box.msgs[0])
	box.mu.Unlock()
	if subj != "工单"+tk.Number+"已分配给您" || !strings.Contains(text, "空调不制冷") {
		t.Fatalf("mail %q %q", subj, text)
	}
	// at due: escalated to the lead, e-mailed
	clock = tk.DueAt
	if err := svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	box.mu.Lock()
	if len(box.msgs) != 2 {
		t.Fatalf("mails after escalation %d", len(box.msgs))
	}
	subj, _ = decodeMail(t, box.msgs[1])
	box.mu.Unlock()
	if !strings.Contains(subj, "升级至组长") {
		t.Fatalf("escalation mail %q", subj)
	}
	// nothing pending or failed; the agent had no address (nothing was sent to them anyway)
	notes, _ := w.db.TicketNotices(ctx, 10)
	for _, n := range notes {
		if n.Status != "sent" {
			t.Fatalf("notice %+v", n)
		}
	}
}

type panicky struct{}

func (panicky) Notify(context.Context, tickets.Notice) error { panic("boom") }

// A failing gateway: the notice is retried with backoff, reported failed after the attempts, its
// error never carries the URL's token; a panicking notifier is contained.
func TestFailingGatewayRetried(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	rcv := &receiver{status: []int{500, 500, 200}}
	gw := httptest.NewServer(rcv)
	defer gw.Close()
	cfg := storage.TicketNotifyConfig{Lang: "en",
		SMS: storage.TicketSMSSettings{Enabled: true, URL: gw.URL + "/send?token=tok-secret-123&to={phone}", Method: "POST", ContentType: "application/x-www-form-urlencoded", BodyTemplate: "msg={text}"}}
	if _, err := w.db.PutTicketNotifyConfig(ctx, cfg, nil, nil); err != nil {
		t.Fatal(err)
	}
	clock := w.now
	svc := &tickets.Service{DB: w.db, Now: func() time.Time { return clock }, MaxAttempts: 3}
	if _, err := w.db.CreateTicket(ctx, storage.NewTicket{Category: "complaint", Subject: "态度差", Phone: "13800138000",
		Fields: map[string]any{"target": "服务态度"}}, storage.TicketActor{UserID: w.agent.ID, Name: "王芳"}, clock); err != nil {
		t.Fatal(err)
	}
	status := func() storage.TicketNoticeRow {
		ns, err := w.db.TicketNotices(ctx, 10)
		if err != nil || len(ns) != 1 {
			t.Fatalf("%v %v", ns, err)
		}
		return ns[0]
	}
	if err := svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	n := status()
	if n.Status != "pending" || n.Attempts != 1 || !strings.Contains(n.LastError, "500") || strings.Contains(n.LastError, "tok-secret") {
		t.Fatalf("after a 500: %+v", n)
	}
	// not again before the backoff
	if err := svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if status().Attempts != 1 {
		t.Fatal("retried before its time")
	}
	clock = clock.Add(time.Minute)
	_ = svc.Tick(ctx)
	clock = clock.Add(2 * time.Minute)
	_ = svc.Tick(ctx)
	n = status()
	if n.Status != "sent" || n.Attempts != 3 {
		t.Fatalf("after retries: %+v", n)
	}
	rcv.mu.Lock()
	last := rcv.hits[len(rcv.hits)-1]
	rcv.mu.Unlock()
	if !strings.HasPrefix(string(last.body), "msg=Your+ticket+T20261204-0001") {
		t.Fatalf("form body %q", last.body)
	}
	// a gateway that always fails: failed after MaxAttempts; a panicking one: contained
	rcv.mu.Lock()
	rcv.status = []int{503}
	rcv.mu.Unlock()
	svc2 := &tickets.Service{DB: w.db, Now: func() time.Time { return clock }, MaxAttempts: 1, SMS: panicky{}}
	if _, err := w.db.CreateTicket(ctx, storage.NewTicket{Category: "complaint", Subject: "再次投诉", Phone: "13800138000",
		Fields: map[string]any{"target": "服务态度"}}, storage.TicketActor{UserID: w.agent.ID, Name: "王芳"}, clock); err != nil {
		t.Fatal(err)
	}
	if err := svc2.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	ns, _ := w.db.TicketNotices(ctx, 1)
	if ns[0].Status != "failed" || !strings.Contains(ns[0].LastError, "panicked") {
		t.Fatalf("panicking notifier: %+v", ns[0])
	}
}
