package bulletins

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Message is one bulletin or alert, rendered: a title and a Markdown body (the chat robots'
// markdown subset: headings, bold, lists, no tables), and the same as plain text for e-mail.
type Message struct {
	Title    string
	Markdown string
}

// Destination kinds.
const (
	KindWeCom    = "wecom"
	KindDingTalk = "dingtalk"
	KindFeishu   = "feishu"
	KindEmail    = "email"
	KindWebhook  = "webhook"
)

// Kinds are the destination kinds.
var Kinds = []string{KindWeCom, KindDingTalk, KindFeishu, KindEmail, KindWebhook}

// RateLimits per destination kind: messages per minute (and per second where the service says).
//
//   - WeCom group robot: "每个机器人发送的消息不能超过20条/分钟" (work.weixin.qq.com/api/doc/90000/90136/91770).
//   - DingTalk custom robot: 20 messages per minute per robot (open.dingtalk.com, 自定义机器人).
//   - Feishu custom bot: 100 per minute and 5 per second per bot (open.feishu.cn, 自定义机器人使用指南).
//
// E-mail and generic webhooks have no documented limit; 60/min keeps a mistake from flooding.
var RateLimits = map[string]struct{ PerMinute, PerSecond int }{
	KindWeCom:    {20, 0},
	KindDingTalk: {20, 0},
	KindFeishu:   {100, 5},
	KindEmail:    {60, 0},
	KindWebhook:  {60, 0},
}

// SendError is a failed delivery. RetryAfter > 0: the service said "too many requests" (or we
// did, client-side): try again after it without counting it as a failure.
type SendError struct {
	Msg        string
	RetryAfter time.Duration
}

func (e *SendError) Error() string { return e.Msg }

func failf(format string, args ...any) error { return &SendError{Msg: fmt.Sprintf(format, args...)} }

// EmailSettings are an e-mail destination's SMTP settings (the password is the secret).
type EmailSettings struct {
	Host     string   `json:"host"`
	Port     int      `json:"port"`
	Username string   `json:"username,omitempty"`
	From     string   `json:"from"`
	To       []string `json:"to"`
}

// Sender delivers messages. Now and HTTP may be replaced by tests.
type Sender struct {
	HTTP *http.Client
	Now  func() time.Time
	// SMTPRootCAs verifies SMTP servers' certificates on STARTTLS (nil: the system's roots).
	SMTPRootCAs *x509.CertPool
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Sender) client() *http.Client {
	if s.HTTP != nil {
		return s.HTTP
	}
	return &http.Client{Timeout: 15 * time.Second}
}

// Send delivers m to d.
func (s *Sender) Send(ctx context.Context, d Destination, m Message) error {
	switch d.Kind {
	case KindWeCom:
		return s.sendWeCom(ctx, d, m)
	case KindDingTalk:
		return s.sendDingTalk(ctx, d, m)
	case KindFeishu:
		return s.sendFeishu(ctx, d, m)
	case KindWebhook:
		return s.sendWebhook(ctx, d, m)
	case KindEmail:
		return s.sendEmail(ctx, d, m)
	}
	return failf("unknown destination kind %q", d.Kind)
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// WeComMaxBytes: "markdown内容,最长不超过4096个字节,必须是utf8编码" (WeCom 群机器人配置说明).
const WeComMaxBytes = 4096

// sendWeCom posts {"msgtype":"markdown","markdown":{"content":...}} to the robot's webhook
// (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…), as WeCom's 群机器人配置说明
// (work.weixin.qq.com/api/doc/90000/90136/91770) documents. The answer is {"errcode":0,
// "errmsg":"ok"}; errcode 45009 is its frequency limit (retry later).
func (s *Sender) sendWeCom(ctx context.Context, d Destination, m Message) error {
	content := truncateUTF8("## "+m.Title+"\n"+m.Markdown, WeComMaxBytes)
	body := map[string]any{"msgtype": "markdown", "markdown": map[string]any{"content": content}}
	return s.postRobot(ctx, d.URL, body, nil, map[int]bool{45009: true})
}

// DingTalkSign is DingTalk's signed mode: timestamp (ms) + "\n" + secret, HMAC-SHA256 keyed
// with the secret, base64 (the caller URL-encodes it), as the custom robot's 安全设置 / 加签
// documents (open.dingtalk.com/document/robots/customize-robot-security-settings).
func DingTalkSign(timestampMS int64, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestampMS, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// sendDingTalk posts {"msgtype":"markdown","markdown":{"title","text"}} to the robot
// (https://oapi.dingtalk.com/robot/send?access_token=…), with &timestamp=&sign= when a secret
// is set. The answer is {"errcode":0,"errmsg":"ok"}; errcode 130101 is "send too fast" (retry).
func (s *Sender) sendDingTalk(ctx context.Context, d Destination, m Message) error {
	u := d.URL
	if d.Secret != "" {
		ts := s.now().UnixMilli()
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + "timestamp=" + strconv.FormatInt(ts, 10) + "&sign=" + url.QueryEscape(DingTalkSign(ts, d.Secret))
	}
	body := map[string]any{"msgtype": "markdown", "markdown": map[string]any{"title": m.Title, "text": "### " + m.Title + "\n" + m.Markdown}}
	return s.postRobot(ctx, u, body, nil, map[int]bool{130101: true})
}

// FeishuSign is Feishu's custom bot signature: HMAC-SHA256 keyed with timestamp (seconds) +
// "\n" + secret over an empty message, base64 (open.feishu.cn, 自定义机器人使用指南 → 签名校验).
func FeishuSign(timestampS int64, secret string) string {
	mac := hmac.New(sha256.New, []byte(strconv.FormatInt(timestampS, 10)+"\n"+secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// sendFeishu posts an interactive card with one markdown element to the bot
// (https://open.feishu.cn/open-apis/bot/v2/hook/…), with "timestamp" and "sign" in the body
// when a secret is set. The answer is {"code":0,...} (older bots: {"StatusCode":0}); code 9499 /
// 11232 are its frequency limits (retry).
func (s *Sender) sendFeishu(ctx context.Context, d Destination, m Message) error {
	body := map[string]any{
		"msg_type": "interactive",
		"card": map[string]any{
			"header":   map[string]any{"title": map[string]any{"tag": "plain_text", "content": m.Title}},
			"elements": []any{map[string]any{"tag": "markdown", "content": m.Markdown}},
		},
	}
	if d.Secret != "" {
		ts := s.now().Unix()
		body["timestamp"] = strconv.FormatInt(ts, 10)
		body["sign"] = FeishuSign(ts, d.Secret)
	}
	return s.postRobot(ctx, d.URL, body, nil, map[int]bool{9499: true, 11232: true})
}

// WebhookSignature is the generic webhook's X-Callfloor-Signature: "sha256=" + hex(HMAC-SHA256
// keyed with the secret over timestamp + "." + body), as Stripe signs (the timestamp in the
// signed text stops replays); the timestamp (Unix seconds) is X-Callfloor-Timestamp.
func WebhookSignature(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10) + "."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// sendWebhook posts {"title","markdown","sent_at"} signed; any 2xx is success, 429 and 503
// with Retry-After are "later".
func (s *Sender) sendWebhook(ctx context.Context, d Destination, m Message) error {
	now := s.now()
	raw, _ := json.Marshal(map[string]any{"title": m.Title, "markdown": m.Markdown, "sent_at": now.UTC().Format(time.RFC3339)})
	h := http.Header{}
	h.Set("X-Callfloor-Timestamp", strconv.FormatInt(now.Unix(), 10))
	if d.Secret != "" {
		h.Set("X-Callfloor-Signature", WebhookSignature(d.Secret, now.Unix(), raw))
	}
	_, err := s.post(ctx, d.URL, raw, h)
	return err
}

// post sends a JSON body and checks the HTTP status; it returns the answer's body.
func (s *Sender) post(ctx context.Context, u string, raw []byte, h http.Header) ([]byte, error) {
	if h == nil {
		h = http.Header{}
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	return s.Request(ctx, http.MethodPost, u, raw, h)
}

// Request sends a request with the headers given and checks the answer as post does (2xx:
// success; 429 and 503: a SendError with RetryAfter; errors never repeat the URL's token). It
// returns the answer's body. Other features' webhooks (the tickets' SMS gateway) use it.
func (s *Sender) Request(ctx context.Context, method, u string, raw []byte, h http.Header) ([]byte, error) {
	var body io.Reader
	if raw != nil {
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, failf("bad url %s", RedactURL(u))
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := s.client().Do(req)
	if err != nil {
		// the error text repeats the URL (and its token): say only what failed
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, failf("%s %s: %v", method, RedactURL(u), err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		ra := time.Minute
		if v, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && v >= 0 {
			ra = time.Duration(v) * time.Second
		}
		return b, &SendError{Msg: fmt.Sprintf("%s %s: %s", method, RedactURL(u), resp.Status), RetryAfter: max(ra, time.Second)}
	}
	if resp.StatusCode/100 != 2 {
		return b, failf("%s %s: %s", method, RedactURL(u), resp.Status)
	}
	return b, nil
}

// postRobot posts to a chat robot and reads its answer: errcode (WeCom, DingTalk) or code /
// StatusCode (Feishu) other than 0 is a failure; the codes in later are rate limits.
func (s *Sender) postRobot(ctx context.Context, u string, body any, h http.Header, later map[int]bool) error {
	raw, _ := json.Marshal(body)
	b, err := s.post(ctx, u, raw, h)
	if err != nil {
		return err
	}
	var ans struct {
		ErrCode    *int   `json:"errcode"`
		ErrMsg     string `json:"errmsg"`
		Code       *int   `json:"code"`
		Msg        string `json:"msg"`
		StatusCode *int   `json:"StatusCode"`
	}
	if err := json.Unmarshal(b, &ans); err != nil {
		return failf("POST %s: the answer is not JSON", RedactURL(u))
	}
	code, msg := 0, ""
	switch {
	case ans.ErrCode != nil:
		code, msg = *ans.ErrCode, ans.ErrMsg
	case ans.Code != nil:
		code, msg = *ans.Code, ans.Msg
	case ans.StatusCode != nil:
		code = *ans.StatusCode
	default:
		return failf("POST %s: the answer has no result code", RedactURL(u))
	}
	if code == 0 {
		return nil
	}
	if later[code] {
		return &SendError{Msg: fmt.Sprintf("rate limited by the service (code %d: %s)", code, msg), RetryAfter: time.Minute}
	}
	return failf("refused by the service (code %d: %s)", code, msg)
}

// RedactURL keeps a URL's scheme, host and path head and drops what may carry a token: the
// query (key=, access_token=), user info, and the path's last segment when it looks like a
// token (Feishu's hook id).
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(url)"
	}
	p := u.Path
	if i := strings.LastIndex(p, "/"); i >= 0 && len(p)-i > 12 {
		p = p[:i+1] + "…"
	}
	out := u.Scheme + "://" + u.Host + p
	if u.RawQuery != "" {
		out += "?…"
	}
	return out
}

// sendEmail sends a multipart/alternative message (plain text + HTML) over SMTP, with STARTTLS
// when the server offers it and AUTH PLAIN when a username is set (net/smtp refuses PLAIN
// over an unencrypted link to anything but localhost).
func (s *Sender) sendEmail(ctx context.Context, d Destination, m Message) error {
	e := d.Email
	if e == nil || e.Host == "" || len(e.To) == 0 || e.From == "" {
		return failf("e-mail destination without host, from or to")
	}
	port := e.Port
	if port == 0 {
		port = 587
	}
	addr := net.JoinHostPort(e.Host, strconv.Itoa(port))
	dl, ok := ctx.Deadline()
	if !ok {
		dl = time.Now().Add(30 * time.Second)
	}
	conn, err := (&net.Dialer{Deadline: dl}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return failf("smtp %s: %v", addr, err)
	}
	_ = conn.SetDeadline(dl)
	c, err := smtp.NewClient(conn, e.Host)
	if err != nil {
		conn.Close()
		return failf("smtp %s: %v", addr, err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: e.Host, RootCAs: s.SMTPRootCAs, MinVersion: tls.VersionTLS12}); err != nil {
			return failf("smtp %s: starttls: %v", addr, err)
		}
	}
	if e.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", e.Username, d.Secret, e.Host)); err != nil {
			return failf("smtp %s: auth: %v", addr, err)
		}
	}
	if err := c.Mail(e.From); err != nil {
		return failf("smtp %s: MAIL FROM: %v", addr, err)
	}
	for _, to := range e.To {
		if err := c.Rcpt(to); err != nil {
			return failf("smtp %s: RCPT TO %s: %v", addr, to, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return failf("smtp %s: DATA: %v", addr, err)
	}
	if _, err := w.Write(buildMail(e, m, s.now())); err != nil {
		return failf("smtp %s: %v", addr, err)
	}
	if err := w.Close(); err != nil {
		return failf("smtp %s: %v", addr, err)
	}
	return c.Quit()
}

func buildMail(e *EmailSettings, m Message, now time.Time) []byte {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	out := &bytes.Buffer{}
	fmt.Fprintf(out, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=%s\r\n\r\n",
		e.From, strings.Join(e.To, ", "), mimeWord(m.Title), now.Format(time.RFC1123Z), mw.Boundary())
	part := func(ctype, body string) {
		w, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {ctype}, "Content-Transfer-Encoding": {"base64"}})
		enc := base64.StdEncoding.EncodeToString([]byte(body))
		for len(enc) > 76 {
			fmt.Fprintf(w, "%s\r\n", enc[:76])
			enc = enc[76:]
		}
		fmt.Fprintf(w, "%s\r\n", enc)
	}
	part("text/plain; charset=utf-8", PlainText(m))
	part("text/html; charset=utf-8", HTML(m))
	mw.Close()
	out.Write(buf.Bytes())
	return out.Bytes()
}

// mimeWord encodes a header value as RFC 2047 when it is not ASCII.
func mimeWord(s string) string {
	for _, r := range s {
		if r > 126 {
			return "=?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?="
		}
	}
	return s
}
