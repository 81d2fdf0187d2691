package dashboards_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callfloor/callfloor/internal/testenv"
)

// The bulletins' configuration: admins and operations managers only, audited; the URL's token
// and the secret never come back in an answer or the audit log; bad input names its field; a
// test message reaches the destination and its run shows as sent.
func TestBulletinsAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.bul.RetryDelay = 100 * time.Millisecond
	if err := e.bul.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, cc := context.WithTimeout(context.Background(), 10*time.Second)
		defer cc()
		_ = e.bul.Stop(c)
	})
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		_, _ = w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
	}))
	defer srv.Close()
	const token, secret = "tok-0123456789abcdef", "SECshhh-do-not-tell"
	body := `{"name":"floor group","kind":"dingtalk","url":"` + srv.URL + `/robot/send?access_token=` + token + `","secret":"` + secret + `","lang":"zh-CN"}`
	for _, who := range []string{"sup", "qa", "ana", "lead-a"} {
		e.expect(who, "POST", "/bulletins/destinations", body, 403)
		e.expect(who, "GET", "/bulletins/destinations", "", 403)
	}
	d := e.expect("ops", "POST", "/bulletins/destinations", body, 201)
	id := itoa(int64(d["id"].(float64)))
	if d["secret_set"] != true || strings.Contains(d["url"].(string), token) {
		t.Fatalf("created %v", d)
	}
	e.expect("root", "POST", "/bulletins/destinations", body, 409) // same name
	// bad input names the field
	e.expectInvalid("", []badInput{
		{"POST", "/bulletins/destinations", `{"name":"","kind":"wecom","url":"https://x.example/a"}`, "name"},
		{"POST", "/bulletins/destinations", `{"name":"x","kind":"slack","url":"https://x.example/a"}`, "kind"},
		{"POST", "/bulletins/destinations", `{"name":"x","kind":"wecom","url":"ftp://x.example/a"}`, "url"},
		{"POST", "/bulletins/destinations", `{"name":"x","kind":"wecom","url":"https://x.example/a","lang":"fr"}`, "lang"},
		{"POST", "/bulletins/destinations", `{"name":"x","kind":"email","email":{"host":"smtp.example","from":"a@example.com","to":["nobody"]}}`, "email.to"},
		{"POST", "/bulletins/destinations", `{"name":"x","kind":"wecom","url":"https://x.example/a","project_id":"nope"}`, "project_id"},
		{"POST", "/bulletins/schedules", `{"name":"s","times":["25:00"],"destination_ids":[` + id + `]}`, "times"},
		{"POST", "/bulletins/schedules", `{"name":"s","times":["10:00"],"weekdays":[0],"destination_ids":[` + id + `]}`, "weekdays"},
		{"POST", "/bulletins/schedules", `{"name":"s","times":["10:00"],"destination_ids":[999]}`, "destination_ids"},
		{"POST", "/bulletins/alert-rules", `{"name":"r","kind":"waiting","destination_ids":[` + id + `]}`, "threshold"},
		{"POST", "/bulletins/alert-rules", `{"name":"r","kind":"waiting","threshold":3,"queue":"nope","destination_ids":[` + id + `]}`, "queue"},
		{"POST", "/bulletins/alert-rules", `{"name":"r","kind":"waiting","threshold":3,"for_minutes":-1,"destination_ids":[` + id + `]}`, "for_minutes"},
	})
	e.expect("ops", "POST", "/bulletins/schedules", `{"name":"daily","times":["21:00","10:00"],"weekdays":[1,2,3,4,5],"destination_ids":[`+id+`]}`, 201)
	rule := e.expect("root", "POST", "/bulletins/alert-rules", `{"name":"backlog","kind":"waiting","threshold":5,"for_minutes":2,"queue":"sales","destination_ids":[`+id+`]}`, 201)
	if rule["threshold"] != 5.0 || rule["queue"] != "sales" {
		t.Fatalf("rule %v", rule)
	}
	// rename without touching url or secret: both kept
	upd := e.expect("ops", "PUT", "/bulletins/destinations/"+id, `{"name":"floor group 2","kind":"dingtalk","lang":"en"}`, 200)
	if upd["secret_set"] != true || upd["url"] == "" || upd["lang"] != "en" {
		t.Fatalf("updated %v", upd)
	}
	// send a test: the robot gets it, signed (the URL kept its token), and the run shows as sent
	run := e.expect("ops", "POST", "/bulletins/destinations/"+id+"/test", "", 201)
	if run["status"] != "pending" {
		t.Fatalf("run %v", run)
	}
	testenv.Eventually(t, 20*time.Second, "the test run sent", func() bool {
		runs := e.expect("sup", "GET", "/bulletins/runs", "", 200)["runs"].([]any)
		return len(runs) == 1 && runs[0].(map[string]any)["status"] == "sent"
	})
	mu.Lock()
	got := strings.Join(bodies, "\n")
	mu.Unlock()
	if !strings.Contains(got, `"msgtype":"markdown"`) || !strings.Contains(got, "Test message from callfloor") {
		t.Fatalf("the robot got %s", got)
	}
	e.expect("ana", "GET", "/bulletins/runs", "", 403)
	// nothing returned or audited carries the token or the secret
	var all strings.Builder
	for _, p := range []string{"/bulletins/destinations", "/bulletins/destinations/" + id, "/bulletins/schedules", "/bulletins/alert-rules", "/bulletins/runs", "/audit?target_type=bulletin_destination"} {
		b, _ := json.Marshal(e.expect("root", "GET", p, "", 200))
		all.Write(b)
	}
	if !strings.Contains(all.String(), "bulletin_destination_created") || !strings.Contains(all.String(), "bulletin_test_sent") {
		t.Fatalf("not audited: %s", all.String())
	}
	for _, s := range []string{token, secret} {
		if strings.Contains(all.String(), s) {
			t.Errorf("%q in the API's answers or the audit log", s)
		}
	}
	e.expect("ops", "DELETE", "/bulletins/destinations/"+id, "", 200)
	e.expect("ops", "DELETE", "/bulletins/destinations/"+id, "", 404)
}
