package dashboards_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var (
	// what a regular expression looks like in a message: anchors, escapes, classes, repeats
	regexText = regexp.MustCompile(`\^[\\\[(]|[^\s]\$($|\s)|\\[+dDsSwWp.*?]|\[[0-9A-Za-z]-[0-9A-Za-z]|\{\d+,\d*\}|\(\?[:iP]`)
	// Go's own words: its types and the encoding/json and strconv errors
	goText      = regexp.MustCompile(`\b(u?int(8|16|32|64)|float(32|64)|map\[|\[\][a-z]|struct \{|time\.Duration|json: |strconv\.|Go value|Go struct|invalid character|unexpected end of JSON)|\*?\b[a-z]+\.[A-Z][A-Za-z]+\b`)
	fieldPrefix = regexp.MustCompile(`^[\w.\[\]-]+$`)
)

// doubledPrefix reports whether the message's leading "field: " prefixes name a field twice
// ("number: number: ...").
func doubledPrefix(msg string) bool {
	seen := map[string]bool{}
	for {
		f, rest, ok := strings.Cut(msg, ": ")
		if !ok || !fieldPrefix.MatchString(f) {
			return false
		}
		if seen[f] {
			return true
		}
		seen[f], msg = true, rest
	}
}

// checkReadable returns what is wrong with an error message for people ("" when nothing is):
// a regular expression, Go type or library text, or a doubled field prefix.
func checkReadable(field, msg string) string {
	switch {
	case regexText.MatchString(msg):
		return "holds a regular expression: " + regexText.FindString(msg)
	case goText.MatchString(msg):
		return "holds Go text: " + goText.FindString(msg)
	case doubledPrefix(msg):
		return "names a field twice"
	case field != "" && strings.HasPrefix(msg, field+": "+field+":"):
		return "names the field twice"
	}
	return ""
}

func TestCheckReadable(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{
		`number: "abc" does not match ^\+?[0-9]{2,20}$`,
		`number: number: required`,
		`priority: must be a int64`,
		`body: json: cannot unmarshal string into Go struct field QueueInput.priority of type int`,
		`from: invalid character 'x' looking for beginning of value`,
	} {
		if checkReadable("number", bad) == "" {
			t.Errorf("%q passes as readable", bad)
		}
	}
	for _, ok := range []string{
		`number: "abc" is not a phone number this centre can dial`,
		`name: must be 1-64 letters, digits, '_', '.', '-', got "x y"`,
		`priority: must be an integer`,
		`from: not a time such as 2026-11-22T08:00:00Z: "yesterday"`,
		`to: the range may span at most 400 days`,
	} {
		if r := checkReadable("number", ok); r != "" {
			t.Errorf("%q: %s", ok, r)
		}
	}
}

// apiError is an expected error answer: status, code, field and the params that must be there.
type apiError struct {
	method, path, body string
	status             int
	code, field        string
	params             map[string]any
}

// Validation errors carry a specific code, the field and params (what the message says, as data)
// and the generic kind for the clients written before the codes.
func TestValidationErrorCodes(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	day := "from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z"
	for _, c := range []apiError{
		{"POST", "/queues", `{"name":"x y"}`, 400, "invalid_format", "name", map[string]any{"format": "identifier", "max": 64}},
		{"POST", "/queues", `{"name":"q1","ring_timeout_s":301}`, 400, "out_of_range", "ring_timeout_s", map[string]any{"min": 1, "max": 300, "unit": "s"}},
		{"POST", "/queues", `{"name":"q1","wrap_up_s":-1}`, 400, "out_of_range", "wrap_up_s", map[string]any{"min": 0, "max": 86400}},
		{"POST", "/queues", `{"name":"q1","strategy":"random"}`, 400, "invalid_choice", "strategy", map[string]any{"allowed": "[longest_idle fewest_calls]", "value": "random"}},
		{"POST", "/queues", `{"name":"q1","waiting_amber":5,"waiting_red":3}`, 400, "must_be_below", "waiting_amber", map[string]any{"other": "waiting_red", "limit": 3}},
		{"POST", "/queues", `{"name":"q1","sl_target":2}`, 400, "out_of_range", "sl_target", map[string]any{"min": 0, "max": 1}},
		{"POST", "/queues", `{"name":"q1","colour":"red"}`, 400, "unknown_field", "colour", nil},
		{"POST", "/queues", `{"name":"q1","priority":"high"}`, 400, "wrong_type", "priority", map[string]any{"type": "integer"}},
		{"POST", "/queues", `{"name":1}`, 400, "wrong_type", "name", map[string]any{"type": "string"}},
		{"POST", "/queues", `{"name":`, 400, "invalid_json", "body", nil},
		{"POST", "/queues", ``, 400, "invalid_json", "body", nil},
		{"POST", "/queues", `{"name":"a"} {"name":"b"}`, 400, "invalid_json", "body", nil},
		{"POST", "/queues", `{"name":"sales"}`, 409, "already_exists", "name", map[string]any{"what": "queue", "value": "sales"}},
		{"DELETE", "/queues/sales", ``, 409, "in_use", "", map[string]any{"what": "queue", "value": "sales"}},
		{"GET", "/queues/nope", ``, 404, "not_found", "", map[string]any{"what": "queue", "value": "nope"}},
		{"POST", "/agents", `{"id":"9","endpoint":"nodial"}`, 400, "invalid_format", "endpoint", map[string]any{"format": "dial_string"}},
		{"POST", "/agents", `{"id":"9","endpoint":"PJSIP/9","skills":{"nope":3}}`, 400, "unknown_reference", "skills.nope", map[string]any{"what": "queue", "value": "nope"}},
		{"POST", "/agents", `{"id":"9","endpoint":"PJSIP/9","skills":{"sales":100}}`, 400, "out_of_range", "skills.sales", map[string]any{"min": 1, "max": 99, "value": 100}},
		{"POST", "/agents", `{"id":"9","endpoint":"PJSIP/9","team":"nope"}`, 400, "unknown_reference", "team", map[string]any{"what": "team", "value": "nope"}},
		{"POST", "/agents", `{"id":"1001","endpoint":"PJSIP/1001"}`, 409, "already_exists", "id", map[string]any{"what": "agent", "value": "1001"}},
		{"GET", "/agents/9999", ``, 404, "not_found", "", map[string]any{"what": "agent", "value": "9999"}},
		{"POST", "/agents/1001/pause", `{"reason":""}`, 400, "required", "reason", nil},
		{"POST", "/agents/1001/pause", `{"reason":"<b>"}`, 400, "invalid_format", "reason", map[string]any{"format": "label", "max": 64}},
		{"POST", "/agents/1001/hold", `{}`, 400, "required", "on", nil},
		{"POST", "/agents/1001/calls", `{"number":""}`, 400, "required", "number", nil},
		{"POST", "/agents/1001/calls", `{"number":"call me"}`, 400, "invalid_number", "number", map[string]any{"value": "call me"}},
		{"POST", "/agents/1001/calls", `{"number":"1"}`, 400, "invalid_number", "number", map[string]any{"value": "1"}},
		{"POST", "/agents/1001/monitor", `{"mode":"spy"}`, 400, "invalid_choice", "mode", map[string]any{"allowed": "[listen whisper barge]"}},
		{"POST", "/teams", `{"id":"t9","name":"<i>night</i>"}`, 400, "invalid_format", "name", map[string]any{"format": "label"}},
		{"POST", "/teams", `{"id":"team-a","name":"A"}`, 409, "already_exists", "id", map[string]any{"what": "team", "value": "team-a"}},
		{"POST", "/users", `{"username":"u1","password":"short","role":"qa"}`, 400, "too_short", "password", map[string]any{"min": 10}},
		{"POST", "/users", `{"username":"u1","password":"a long enough password","role":"king"}`, 400, "invalid_choice", "role", map[string]any{"value": "king"}},
		{"POST", "/users", `{"password":"a long enough password","role":"qa"}`, 400, "required", "username", nil},
		{"POST", "/users", `{"username":"u1","password":"a long enough password","role":"agent"}`, 400, "required", "agent_id", map[string]any{"other": "role", "value": "agent"}},
		{"POST", "/users", `{"username":"root","password":"a long enough password","role":"qa"}`, 409, "already_exists", "username", nil},
		{"GET", "/calls?from=yesterday&to=2026-11-22T00:00:00Z", ``, 400, "invalid_format", "from", map[string]any{"format": "time", "value": "yesterday"}},
		{"GET", "/calls?from=2026-11-22T00:00:00Z&to=2026-11-21T00:00:00Z", ``, 400, "must_be_after", "to", map[string]any{"other": "from"}},
		{"GET", "/calls?" + day + "&limit=100000", ``, 400, "out_of_range", "limit", map[string]any{"min": 1, "max": 500}},
		{"GET", "/calls?" + day + "&outcome=won", ``, 400, "invalid_choice", "outcome", map[string]any{"value": "won"}},
		{"GET", "/calls?" + day + "&direction=up", ``, 400, "invalid_choice", "direction", map[string]any{"allowed": "[inbound outbound]"}},
		{"GET", "/calls?" + day + "&number=" + url.QueryEscape("12ab"), ``, 400, "invalid_number", "number", nil},
		{"GET", "/calls?" + day + "&sort=x", ``, 400, "unknown_field", "sort", nil},
		{"GET", "/calls?" + day + "&queue=a&queue=b", ``, 400, "duplicate", "queue", nil},
		{"GET", "/calls/nope", ``, 404, "not_found", "", map[string]any{"what": "call", "value": "nope"}},
		{"GET", "/audit?limit=0", ``, 400, "out_of_range", "limit", map[string]any{"min": 1, "max": 500}},
		{"GET", "/teams/t%00x", ``, 400, "nul_byte", "path", nil},
		{"GET", "/qa/reports?from=2026-11-21&to=2026-11-22&format=pdf", ``, 400, "invalid_choice", "format", map[string]any{"allowed": "[json csv html]"}},
		{"GET", "/qa/reports?from=21.11.2026&to=2026-11-22", ``, 400, "invalid_format", "from", map[string]any{"format": "time", "value": "21.11.2026"}},
		{"GET", "/qa/score-sheet?day=21.11.2026&team=team-a", ``, 400, "invalid_format", "day", map[string]any{"format": "date"}},
		{"POST", "/scorecards", `{"id":"c1","name":"x","sections":[]}`, 400, "too_few", "sections", map[string]any{"min": 1}},
		{"POST", "/scorecards", `{"id":"c1","name":"x","sections":[{"id":"s","weight":1,"items":[{"id":"i","kind":"stars","weight":1}]}]}`, 400, "invalid_choice", "sections[0].items[0].kind", map[string]any{"value": "stars"}},
	} {
		code, body := e.do("root", c.method, c.path, c.body)
		msg, _ := body["message"].(string)
		kind := map[int]string{400: "invalid", 404: "not_found", 409: "conflict"}[c.status]
		if code != c.status || body["code"] != c.code || body["kind"] != kind || fmt.Sprint(body["field"]) != fmt.Sprint(orNil(c.field)) {
			t.Errorf("%s %s %s: %d %v, want %d %s (%s) on %q", c.method, c.path, c.body, code, body, c.status, c.code, kind, c.field)
			continue
		}
		got, _ := body["params"].(map[string]any)
		for k, want := range c.params {
			if fmt.Sprint(got[k]) != fmt.Sprint(want) {
				t.Errorf("%s %s %s: params %v, want %s = %v", c.method, c.path, c.body, got, k, want)
			}
		}
		if bad := checkReadable(c.field, msg); bad != "" || msg == "" {
			t.Errorf("%s %s %s: message %q %s", c.method, c.path, c.body, msg, bad)
		}
	}
}

// raw is do as root for answers that may not be JSON (a CSV, a recording): only an error's body
// is decoded.
func (e *apiEnv) raw(method, path, body string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+"/api/v1"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.tokens["root"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if resp.StatusCode >= 400 && json.Unmarshal(b, &out) != nil {
		e.t.Errorf("%s %s: %d, not JSON: %.200q", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode, out
}

func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Every route, sent bad path values, bad queries and bad bodies, answers errors with a code and a
// readable message: no regular expression, no Go type, no field named twice; a 400 is never the
// bare generic "invalid".
func TestEveryRouteAnswersReadableErrors(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	param := regexp.MustCompile(`\{[^}]+\}`)
	bodies := []string{``, `{`, `[]`, `"x"`, `{"zzz":1}`, `{"a":1} {}`,
		`{"id":7,"name":7,"number":7,"reason":7,"on":"x","mode":7,"username":7,"password":7,"role":7,"endpoint":7,"skills":[],"priority":"x","active":"x","call_id":7,"scorecard_id":7,"answers":{},"day":7,"team":7,"action":7,"comment":7,"items":7}`,
		`{"id":"","name":"","number":"x+y","reason":"<x>","mode":"x","username":"","password":"x","role":"x","endpoint":"x","call_id":"","scorecard_id":"","day":"x","team":"","action":"x"}`,
		`{"id":"x y","name":"q 1","ring_timeout_s":-1,"priority":1e9,"number":"abc","reason":"","endpoint":"PJSIP/1,2","skills":{"nope":0},"percent":500,"scope":"x","per_agent":-1,"period":"x","from":"x","to":"x"}`,
	}
	queries := []string{"", "?limit=x&from=x&to=y&number=a-b&day=x&status=x&format=x&before=x&outcome=x&recorded=x", "?limit=-1&from=2026-11-22&to=2026-11-21", "?nope=1"}
	n := 0
	for _, pat := range e.mux.patterns {
		method, path, ok := strings.Cut(pat, " ")
		if !ok || !strings.HasPrefix(path, "/api/v1/") || path == "/api/v1/ws" || method == "" {
			continue
		}
		for _, v := range []string{"zz", "0", "-1"} {
			p := strings.TrimPrefix(param.ReplaceAllString(path, v), "/api/v1")
			for _, q := range queries {
				for _, b := range bodies {
					if method == http.MethodGet || method == http.MethodDelete {
						if b != "" {
							continue
						}
					}
					code, body := e.raw(method, p+q, b)
					if code < 400 {
						continue
					}
					n++
					msg, _ := body["message"].(string)
					field, _ := body["field"].(string)
					c, _ := body["code"].(string)
					switch {
					case code >= 500:
						t.Errorf("%s %s %s: %d %v", method, p+q, b, code, body)
					case c == "" || msg == "" || body["kind"] == nil:
						t.Errorf("%s %s %s: %d %v, want code, kind and message", method, p+q, b, code, body)
					case code == 400 && c == "invalid":
						t.Errorf("%s %s %s: 400 with the generic code: %q", method, p+q, b, msg)
					}
					if bad := checkReadable(field, msg); bad != "" {
						t.Errorf("%s %s %s: message %q %s", method, p+q, b, msg, bad)
					}
				}
			}
		}
	}
	if n < 200 {
		t.Fatalf("only %d error answers checked", n)
	}
}

// A phone number written as people write it is cleaned before it is checked: the calls search
// takes "+44 (20) 7946-0958" (and a prefix "0044 20*"), click-to-call does not call it invalid.
func TestNumbersAreNormalised(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	day := "from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z"
	for _, n := range []string{"+44 (20) 7946-0958", "0044 20*", "555.123.4567"} {
		if code, body := e.do("root", "GET", "/calls?"+day+"&number="+url.QueryEscape(n), ""); code != 200 {
			t.Errorf("search by %q: %d %v", n, code, body)
		}
	}
	// no outbound dial string in this set-up: the number passes its check and the refusal is that
	_, body := e.do("root", "POST", "/agents/1001/calls", `{"number":"+44 (20) 7946-0958"}`)
	if body["code"] != "outbound_not_configured" {
		t.Errorf("click-to-call of a formatted number: %v", body)
	}
}
