package sim

import (
	"bytes"
	"context"
	"encoding/binary"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func startSim(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	if cfg.RecordingDir == "" {
		cfg.RecordingDir = t.TempDir()
	}
	s := New(cfg)
	base, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, base
}

func waitType(t *testing.T, c *evClient, typ, id string) map[string]any {
	t.Helper()
	var found map[string]any
	if !c.waitUntil(10*time.Second, func(evs []map[string]any) bool {
		for _, e := range evs {
			if str(e["type"]) == typ && (id == "" || evID(e) == id) {
				found = e
				return true
			}
		}
		return false
	}) {
		t.Fatalf("no %s %s; got %v", typ, id, keys(c.snapshot()))
	}
	return found
}

func TestAuthAndErrors(t *testing.T) {
	_, base := startSim(t, Config{})
	st, body := doREST(t, base, "GET", "/asterisk/info", nil, false)
	if st != 401 || strings.TrimSpace(string(body)) != `{"message":"Authentication required"}` {
		t.Fatalf("no auth: %d %s", st, body)
	}
	st, _ = doREST(t, base, "GET", "/asterisk/ping?api_key=callfloor:callfloor-test", nil, false)
	if st != 200 {
		t.Fatalf("api_key: %d", st)
	}
	st, _ = doREST(t, base, "GET", "/asterisk/ping?api_key=callfloor:wrong", nil, false)
	if st != 401 {
		t.Fatalf("wrong api_key: %d", st)
	}
	st, body = doREST(t, base, "GET", "/asterisk/info", nil, true)
	if st != 200 || !strings.Contains(string(body), `"version":"22.10.1"`) || !strings.Contains(string(body), `"entity_id":"02:fc:00:00:00:01"`) {
		t.Fatalf("info: %d %s", st, body)
	}
	for _, c := range []struct {
		method, path string
		status       int
		msg          string
	}{
		{"GET", "/channels/nope", 404, "Channel not found"},
		{"DELETE", "/channels/nope", 404, "Channel not found"},
		{"GET", "/bridges/nope", 404, "Bridge not found"},
		{"GET", "/recordings/stored/callfloor%2Fnope", 404, "Recording not found"},
		{"GET", "/recordings/stored/callfloor%2Fnope/file", 404, "Recording not found"},
		{"GET", "/recordings/live/nope", 404, "Recording not found"},
		{"POST", "/channels", 400, "Endpoint must be specified"},
		{"POST", "/channels?endpoint=Local/1001@nowhere&app=callfloor", 400, ""},
	} {
		st, body := doREST(t, base, c.method, c.path, nil, true)
		if st != c.status || (c.msg != "" && strings.TrimSpace(string(body)) != `{"message":"`+c.msg+`"}`) {
			t.Errorf("%s %s: %d %s", c.method, c.path, st, body)
		}
	}
	doREST(t, base, "POST", "/bridges?bridgeId=hold-1&type=holding", nil, true)
	st, body = doREST(t, base, "POST", "/bridges", []byte(`{"bridgeId":"hold-1","type":"holding"}`), true)
	if st != 409 || !strings.Contains(string(body), "Bridge with id 'hold-1' already exists") {
		t.Errorf("duplicate bridge (JSON body): %d %s", st, body)
	}
}

func TestRecordingFileIsWAV(t *testing.T) {
	s, base := startSim(t, Config{Speed: 20})
	c := dialEvents(t, base, "callfloor")
	id, err := s.PlaceCall(CallerSpec{Queue: "sales", Number: "5550100", Name: "Customer"})
	if err != nil {
		t.Fatal(err)
	}
	doREST(t, base, "POST", "/channels/"+id+"/answer", nil, true)
	doREST(t, base, "POST", "/channels?endpoint=Local/1001@agents&app=callfloor&appArgs=agent&channelId=a1", nil, true)
	waitType(t, c, "StasisStart", "a1")
	doREST(t, base, "POST", "/bridges?bridgeId=call-1&type=mixing", nil, true)
	doREST(t, base, "POST", "/bridges/call-1/addChannel?channel="+id+",a1", nil, true)
	st, _ := doREST(t, base, "POST", "/bridges/call-1/record?name=callfloor%2Fr1&format=wav", nil, true)
	if st != 201 {
		t.Fatalf("record: %d", st)
	}
	time.Sleep(260 * time.Millisecond) // ~5 simulated seconds
	st, body := doREST(t, base, "GET", "/recordings/live/callfloor%2Fr1", nil, true)
	if st != 200 || !strings.Contains(string(body), `"state":"recording"`) {
		t.Fatalf("live: %d %s", st, body)
	}
	if st, _ := doREST(t, base, "POST", "/recordings/live/callfloor%2Fr1/stop", nil, true); st != 204 {
		t.Fatalf("stop: %d", st)
	}
	fin := waitType(t, c, "RecordingFinished", "callfloor/r1")
	dur := int(sub(fin, "recording", "duration").(float64))
	if dur < 4 || dur > 7 {
		t.Errorf("duration %d, want about 5", dur)
	}
	req, _ := http.NewRequest("GET", base+"/ari/recordings/stored/callfloor%2Fr1/file", nil)
	req.SetBasicAuth("callfloor", "callfloor-test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var data []byte
	buf := make([]byte, 32768)
	for {
		n, err := resp.Body.Read(buf)
		data = append(data, buf[:n]...)
		if err != nil {
			break
		}
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "audio/wav" {
		t.Fatalf("file: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	checkWAV(t, data, dur)
	s.files.wait() // the spool writes the file off the request path
	onDisk, err := os.ReadFile(filepath.Join(s.cfg.RecordingDir, "recording", "callfloor", "r1.wav"))
	if err != nil {
		t.Fatal(err)
	}
	checkWAV(t, onDisk, dur)
	if !bytes.Equal(onDisk, data) {
		t.Error("the file served before it was on disk differs from the file on disk")
	}
	if st, _ := doREST(t, base, "DELETE", "/recordings/stored/callfloor%2Fr1", nil, true); st != 204 {
		t.Fatalf("delete stored: %d", st)
	}
	if st, _ := doREST(t, base, "GET", "/recordings/stored/callfloor%2Fr1/file", nil, true); st != 404 {
		t.Fatalf("deleted file: %d", st)
	}
}

func checkWAV(t *testing.T, data []byte, secs int) {
	t.Helper()
	if len(data) < 44 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WAVE" || string(data[12:16]) != "fmt " || string(data[36:40]) != "data" {
		t.Fatalf("not a WAV header")
	}
	le := binary.LittleEndian
	if le.Uint16(data[20:]) != 1 || le.Uint16(data[22:]) != 1 || le.Uint32(data[24:]) != 8000 || le.Uint16(data[34:]) != 16 {
		t.Fatalf("not 8 kHz 16-bit mono PCM")
	}
	// the file holds the real length; the event reports whole seconds of it
	if n := le.Uint32(data[40:]); int(n) < secs*16000 || int(n) >= (secs+1)*16000 || len(data) != 44+int(n) {
		t.Fatalf("data size %d (file %d), want %d.x s", n, len(data), secs)
	}
}

func TestEventFilter(t *testing.T) {
	s, base := startSim(t, Config{Speed: 50})
	c := dialEvents(t, base, "callfloor")
	st, body := doREST(t, base, "PUT", "/applications/callfloor/eventFilter",
		[]byte(`{"allowed":[{"type":"StasisStart"},{"type":"StasisEnd"},{"type":"ChannelVarset"}],"disallowed":[{"type":"ChannelVarset"}]}`), true)
	if st != 200 || !strings.Contains(string(body), `"events_allowed":[{"type":"StasisStart"}`) {
		t.Fatalf("eventFilter: %d %s", st, body)
	}
	id, err := s.PlaceCall(CallerSpec{Queue: "sales", Patience: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	doREST(t, base, "POST", "/channels/"+id+"/answer", nil, true)
	waitType(t, c, "StasisEnd", id)
	for _, e := range c.snapshot() {
		if typ := str(e["type"]); typ != "StasisStart" && typ != "StasisEnd" {
			t.Errorf("filtered event delivered: %s", typ)
		}
	}
	if st, _ := doREST(t, base, "PUT", "/applications/nope/eventFilter", []byte(`{}`), true); st != 404 {
		t.Errorf("unknown app: %d", st)
	}
}

func TestDropConnectionsFailsNewCalls(t *testing.T) {
	s, base := startSim(t, Config{Speed: 50})
	c := dialEvents(t, base, "callfloor")
	id, err := s.PlaceCall(CallerSpec{Queue: "sales"})
	if err != nil {
		t.Fatal(err)
	}
	waitType(t, c, "StasisStart", id)
	s.DropConnections()
	if !c.waitUntil(5*time.Second, func([]map[string]any) bool { c.mu.Lock(); defer c.mu.Unlock(); return c.closed }) {
		t.Fatal("socket not closed")
	}
	if _, err := s.PlaceCall(CallerSpec{Queue: "sales"}); err != ErrAppNotConnected {
		t.Fatalf("PlaceCall after drop: %v", err)
	}
	st := s.Stats()
	if st.CallsPlaced != 2 || st.CallsFailed != 1 {
		t.Fatalf("stats %+v", st)
	}
	// the first caller stays in Stasis
	if code, _ := doREST(t, base, "GET", "/channels/"+id, nil, true); code != 200 {
		t.Fatalf("channel in Stasis gone: %d", code)
	}
	// reconnect: the application is active again
	c2 := dialEvents(t, base, "callfloor")
	id3, err := s.PlaceCall(CallerSpec{Queue: "sales"})
	if err != nil {
		t.Fatal(err)
	}
	waitType(t, c2, "StasisStart", id3)
}

func TestApplicationReplaced(t *testing.T) {
	s, base := startSim(t, Config{})
	c1 := dialEvents(t, base, "callfloor")
	c2 := dialEvents(t, base, "callfloor")
	waitType(t, c1, "ApplicationReplaced", "")
	if !c1.waitUntil(5*time.Second, func([]map[string]any) bool { c1.mu.Lock(); defer c1.mu.Unlock(); return c1.closed }) {
		t.Fatal("replaced socket not closed")
	}
	id, err := s.PlaceCall(CallerSpec{Queue: "sales"})
	if err != nil {
		t.Fatal(err)
	}
	waitType(t, c2, "StasisStart", id)
	s.InjectRaw("callfloor", []byte(`{"type":"SomethingNew"}`))
	s.InjectRaw("callfloor", []byte(`not json`))
	if !c2.waitUntil(5*time.Second, func([]map[string]any) bool {
		c2.mu.Lock()
		defer c2.mu.Unlock()
		return len(c2.raw) > 0 && c2.raw[len(c2.raw)-1] == "not json"
	}) {
		t.Fatal("raw frames not delivered")
	}
}

func TestHangupChannelAndAgentFlow(t *testing.T) {
	s, base := startSim(t, Config{Speed: 50})
	c := dialEvents(t, base, "callfloor")
	id, _ := s.PlaceCall(CallerSpec{Queue: "sales", Number: "5550100", ExtraArgs: []string{"priority=5"}})
	ss := waitType(t, c, "StasisStart", id)
	if !reflect.DeepEqual(ss["args"], []any{"queue=sales", "priority=5"}) {
		t.Errorf("args %v", ss["args"])
	}
	doREST(t, base, "POST", "/channels?endpoint=Local/0123@outbound&app=callfloor&channelId=cust", nil, true)
	d := waitType(t, c, "ChannelDestroyed", "cust;2")
	if d["cause"].(float64) != 17 || d["cause_txt"] != "User busy" {
		t.Errorf("busy: %v", d)
	}
	if err := s.HangupChannel(id); err != nil {
		t.Fatal(err)
	}
	end := waitType(t, c, "StasisEnd", id)
	_ = end
	if st := s.Stats(); st.ChannelsLive != 0 {
		t.Errorf("channels live %d", st.ChannelsLive)
	}
}

func TestTrafficReproducible(t *testing.T) {
	tr := Traffic{Seed: 42, Queues: []QueueTraffic{
		{Queue: "sales", CallsPerMinute: 120, PatienceMin: 10 * time.Second, PatienceMax: 60 * time.Second},
		{Queue: "support", CallsPerMinute: 60, Priority: 3, TalkMin: time.Second, TalkMax: 5 * time.Second},
	}}
	p1, _ := newTrafficPlan(tr)
	p2, _ := newTrafficPlan(tr)
	var a, b []plannedCall
	counts := map[string]int{}
	for i := 0; i < 300; i++ {
		a = append(a, p1.next())
		b = append(b, p2.next())
		counts[a[i].spec.Queue]++
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different plans")
	}
	if counts["sales"] < 150 || counts["support"] < 60 {
		t.Errorf("queue split %v, want about 2:1", counts)
	}
	var mean time.Duration
	for _, c := range a {
		mean += c.gap
	}
	mean /= time.Duration(len(a))
	if mean < 250*time.Millisecond || mean > 420*time.Millisecond { // 180/min -> 333 ms
		t.Errorf("mean gap %v", mean)
	}
	tr.Seed = 43
	p3, _ := newTrafficPlan(tr)
	if reflect.DeepEqual(p3.next(), a[0]) {
		t.Error("different seed, same first call")
	}

	// RunTraffic places the planned calls in order
	s, base := startSim(t, Config{Speed: 100})
	c := dialEvents(t, base, "callfloor")
	tr.Seed, tr.MaxCalls = 42, 20
	if err := s.RunTraffic(context.Background(), tr); err != nil {
		t.Fatal(err)
	}
	var got []string
	c.waitUntil(5*time.Second, func(evs []map[string]any) bool {
		got = got[:0]
		for _, e := range evs {
			if str(e["type"]) == "StasisStart" {
				got = append(got, str(e["args"]))
			}
		}
		return len(got) == 20
	})
	var want []string
	for _, p := range a[:20] {
		want = append(want, str(append([]string{"queue=" + p.spec.Queue}, p.spec.ExtraArgs...)))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("placed %v\nwant %v", got, want)
	}
	if st := s.Stats(); st.CallsPlaced != 20 {
		t.Errorf("placed %d", st.CallsPlaced)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.RunTraffic(ctx, Traffic{Queues: []QueueTraffic{{Queue: "q", CallsPerMinute: 1}}}); err != context.DeadlineExceeded {
		t.Errorf("RunTraffic with ctx: %v", err)
	}
}

// POST /channels/{id}/continue: the channel leaves its bridge and Stasis (StasisEnd), the
// application hears nothing more of it, and a channel not in Stasis is refused with 409.
func TestContinue(t *testing.T) {
	// real time: the dialplan ends the call 1 s after the continue (50 ms at ×20 was overrun
	// before the second continue at load 20)
	s, base := startSim(t, Config{Speed: 1})
	c := dialEvents(t, base, "callfloor")
	id, err := s.PlaceCall(CallerSpec{Queue: "sales", Number: "5550100"})
	if err != nil {
		t.Fatal(err)
	}
	waitType(t, c, "StasisStart", id)
	doREST(t, base, "POST", "/bridges?bridgeId=hold-1&type=holding", nil, true)
	doREST(t, base, "POST", "/bridges/hold-1/addChannel?channel="+id, nil, true)
	waitType(t, c, "ChannelEnteredBridge", id)
	if st, _ := doREST(t, base, "POST", "/channels/"+id+"/continue?context=callfloor-overflow&extension=s&priority=1", nil, true); st != 204 {
		t.Fatalf("continue: %d", st)
	}
	waitType(t, c, "ChannelLeftBridge", id)
	waitType(t, c, "StasisEnd", id)
	if st, body := doREST(t, base, "POST", "/channels/"+id+"/continue", nil, true); st != 409 || !strings.Contains(string(body), "Channel not in a Stasis application") {
		t.Fatalf("second continue: %d %s", st, body)
	}
	if s.Stats().Continued != 1 {
		t.Fatalf("stats %+v", s.Stats())
	}
	// the dialplan ends the call a moment later, unseen by the application
	deadline := time.Now().Add(5 * time.Second)
	for s.Stats().ChannelsLive != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s.Stats().ChannelsLive != 0 {
		t.Fatal("caller still up after the dialplan")
	}
	for _, e := range c.snapshot() {
		if str(e["type"]) == "ChannelDestroyed" && evID(e) == id {
			t.Fatal("the application heard of the channel after it left Stasis")
		}
	}
}
