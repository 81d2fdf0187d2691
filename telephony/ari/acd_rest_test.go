package ari

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// traceCallerChannel is the caller's channel exactly as the real Asterisk 22.10.1 reported it
// (traces/inbound-answered.jsonl, StasisStart): the ;2 half of Local/sales@from-caller, sitting
// in Stasis(callfloor,queue=sales) at priority 2 of from-caller.
const traceCallerChannel = `{"id":"caller-1-leg2","name":"Local/sales@from-caller-00000000;2","state":"Ring","protocol_id":"","caller":{"name":"Customer","number":"5550100"},"connected":{"name":"Customer","number":"5550100"},"accountcode":"","dialplan":{"context":"from-caller","exten":"sales","priority":2,"app_name":"Stasis","app_data":"callfloor,queue=sales"},"creationtime":"2026-11-22T05:51:22.476+0000","language":"en"}`

// traceAgentChannel is an originated agent channel not (yet) in any application.
const traceAgentChannel = `{"id":"agent-1001;2","name":"Local/1001@agents-00000002;2","state":"Up","protocol_id":"","caller":{"name":"","number":""},"connected":{"name":"","number":""},"accountcode":"","dialplan":{"context":"agents","exten":"1001","priority":1,"app_name":"","app_data":""},"creationtime":"2026-11-22T05:51:24.480+0000","language":"en"}`

func TestContinueRequest(t *testing.T) {
	f := newFakeARI(t)
	c, _, _ := testClient(t, f.URL(), nil)
	ctx := context.Background()

	cases := []struct {
		name          string
		id, cntx, ext string
		prio          int
		wantURI       string // raw, as sent
	}{
		{
			name: "full destination, id escaped", id: "caller-1-leg2;2", cntx: "callfloor-overflow", ext: "sales", prio: 1,
			wantURI: "/ari/channels/caller-1-leg2%3B2/continue?context=callfloor-overflow&extension=sales&priority=1",
		},
		{
			name: "slash and space in id", id: "a/b c", cntx: "x", ext: "y", prio: 3,
			wantURI: "/ari/channels/a%2Fb%20c/continue?context=x&extension=y&priority=3",
		},
		{
			name: "query values escaped", id: "c1", cntx: "ctx&more", ext: "+4930 123", prio: 2,
			wantURI: "/ari/channels/c1/continue?context=ctx%26more&extension=%2B4930+123&priority=2",
		},
		{
			// Empty fields are left out: Asterisk then continues at the channel's current
			// context/extension and the next priority.
			name: "nothing set", id: "c1",
			wantURI: "/ari/channels/c1/continue",
		},
		{
			name: "priority 0 omitted", id: "c1", cntx: "voicemail", ext: "s",
			wantURI: "/ari/channels/c1/continue?context=voicemail&extension=s",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.resetRequests()
			if err := c.Continue(ctx, tc.id, tc.cntx, tc.ext, tc.prio); err != nil {
				t.Fatalf("Continue: %v", err)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1: %+v", len(reqs), reqs)
			}
			r := reqs[0]
			if r.Method != http.MethodPost || r.RequestURI != tc.wantURI || r.Body != "" || !r.Auth {
				t.Errorf("request = %s %s body=%q auth=%v; want POST %s, no body, authenticated",
					r.Method, r.RequestURI, r.Body, r.Auth, tc.wantURI)
			}
		})
	}
}

func TestContinueErrors(t *testing.T) {
	f := newFakeARI(t)
	c, _, _ := testClient(t, f.URL(), nil)
	ctx := context.Background()

	cases := []struct {
		status          int
		body            string
		notFound, confl bool
		msg             string
	}{
		{404, `{"message":"Channel not found"}`, true, false, "Channel not found"},
		{409, `{"message":"Channel not in Stasis application"}`, false, true, "Channel not in Stasis application"},
		{412, `{"message":"Channel in invalid state"}`, false, false, "Channel in invalid state"},
	}
	for _, tc := range cases {
		f.setRespond(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, tc.status, tc.body) })
		err := c.Continue(ctx, "gone;2", "callfloor-overflow", "sales", 1)
		if err == nil {
			t.Fatalf("%d: Continue returned nil", tc.status)
		}
		if IsNotFound(err) != tc.notFound || IsConflict(err) != tc.confl {
			t.Errorf("%d: IsNotFound=%v IsConflict=%v (err %v)", tc.status, IsNotFound(err), IsConflict(err), err)
		}
		var e *Error
		if !errors.As(err, &e) || e.Status != tc.status || e.Method != http.MethodPost ||
			e.Path != "/channels/gone%3B2/continue" || e.Message != tc.msg {
			t.Errorf("%d: error = %#v", tc.status, err)
		}
	}
}

func TestListChannelsFull(t *testing.T) {
	f := newFakeARI(t)
	c, _, _ := testClient(t, f.URL(), nil)
	f.setRespond(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, "["+traceCallerChannel+","+traceAgentChannel+"]")
	})
	chs, err := c.ListChannelsFull(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 1 || reqs[0].Method != http.MethodGet || reqs[0].RequestURI != "/ari/channels" {
		t.Errorf("requests = %+v, want GET /ari/channels", reqs)
	}
	if len(chs) != 2 {
		t.Fatalf("%d channels, want 2", len(chs))
	}
	ch := chs[0]
	if ch.ID != "caller-1-leg2" || ch.Name != "Local/sales@from-caller-00000000;2" || ch.State != "Ring" {
		t.Errorf("channel = %+v", ch)
	}
	if ch.Caller.Name != "Customer" || ch.Caller.Number != "5550100" {
		t.Errorf("caller = %+v", ch.Caller)
	}
	d := ch.Dialplan
	if d.Context != "from-caller" || d.Exten != "sales" || d.Priority != 2 || d.AppName != "Stasis" || d.AppData != "callfloor,queue=sales" {
		t.Errorf("dialplan = %+v, want from-caller/sales/2 Stasis(callfloor,queue=sales)", d)
	}
	if a := chs[1]; a.ID != "agent-1001;2" || a.Dialplan.AppName != "" || a.Dialplan.AppData != "" || a.Dialplan.Context != "agents" || a.Dialplan.Priority != 1 {
		t.Errorf("agent channel = %+v", a)
	}
}

func TestListChannelsFullEmptyAndErrors(t *testing.T) {
	f := newFakeARI(t)
	c, _, _ := testClient(t, f.URL(), nil)
	f.setRespond(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, "[]") })
	chs, err := c.ListChannelsFull(context.Background())
	if err != nil || len(chs) != 0 {
		t.Fatalf("empty list: %v, %v", chs, err)
	}

	f.setRespond(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 500, `{"message":"Internal Server Error"}`) })
	chs, err = c.ListChannelsFull(context.Background())
	if err == nil || chs != nil || IsNotFound(err) {
		t.Fatalf("500: chs=%v err=%v", chs, err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Status != 500 || e.Path != "/channels" {
		t.Errorf("500: error = %#v", err)
	}

	f.setRespond(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"not":"a list"}`) })
	if _, err := c.ListChannelsFull(context.Background()); err == nil {
		t.Error("a non-array body decoded without error")
	}
}

// TestListChannelsFullTraceChannels feeds every channel that entered Stasis in the recorded
// Asterisk traces back as a GET /channels answer and checks the dialplan application survives.
func TestListChannelsFullTraceChannels(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(tracesDir(t), "*.jsonl"))
	if len(files) == 0 {
		t.Fatal("no traces in " + tracesDir(t))
	}
	type want struct{ context, exten, app, data string }
	var raws []json.RawMessage
	var wants []want
	for _, fn := range files {
		fh, err := os.Open(fn)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var ev struct {
				Type    string          `json:"type"`
				Channel json.RawMessage `json:"channel"`
			}
			if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.Type != "StasisStart" {
				continue
			}
			var ch struct {
				Dialplan struct {
					Context string `json:"context"`
					Exten   string `json:"exten"`
					AppName string `json:"app_name"`
					AppData string `json:"app_data"`
				} `json:"dialplan"`
			}
			if err := json.Unmarshal(ev.Channel, &ch); err != nil {
				t.Fatalf("%s: %v", fn, err)
			}
			raws = append(raws, ev.Channel)
			wants = append(wants, want{ch.Dialplan.Context, ch.Dialplan.Exten, ch.Dialplan.AppName, ch.Dialplan.AppData})
		}
		fh.Close()
	}
	if len(raws) == 0 {
		t.Skip("no StasisStart in the traces")
	}
	body, _ := json.Marshal(raws)
	f := newFakeARI(t)
	c, _, _ := testClient(t, f.URL(), nil)
	f.setRespond(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, string(body)) })
	chs, err := c.ListChannelsFull(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(chs) != len(wants) {
		t.Fatalf("%d channels, want %d", len(chs), len(wants))
	}
	sawQueue := false
	for i, ch := range chs {
		w := wants[i]
		d := ch.Dialplan
		if d.Context != w.context || d.Exten != w.exten || d.AppName != w.app || d.AppData != w.data {
			t.Errorf("channel %s dialplan = %+v, want %+v", ch.ID, d, w)
		}
		if d.AppName == "Stasis" && strings.HasPrefix(d.AppData, "callfloor,queue=") {
			sawQueue = true
		}
	}
	if !sawQueue {
		t.Error("no caller in Stasis(callfloor,queue=...) among the trace channels")
	}
}
