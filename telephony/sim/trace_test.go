package sim

// Trace conformance: every scenario recorded on a real Asterisk 22.10.1
// (/work/shared/asterisk/traces) is replayed against the simulator: the REST requests of
// <scenario>.rest.log are sent in order (same status code, same JSON keys, same error
// messages), waiting where the recorded script waited for an event, and the events received
// by the application `callfloor` are compared with <scenario>.jsonl.
//
// What is compared, and how strictly (this is what the simulator achieves today):
//   - the number of events is exactly the trace's;
//   - non-noise events (StasisStart/End, ChannelStateChange, Dial, ChannelEntered/LeftBridge,
//     ChannelDestroyed, BridgeDestroyed, RecordingStarted/Finished) come in exactly the
//     trace's order, except that events the trace stamps with the same millisecond may come
//     in any order among themselves (Asterisk itself orders those differently from run to
//     run: e.g. ChannelDestroyed of the two Local halves in inbound-answered vs snoop);
//   - noise events (ChannelVarset, ChannelDialplan, ChannelCallerId, ChannelConnectedLine,
//     ChannelHangupRequest) match as a multiset keyed by type, channel id and the variable and
//     value / dialplan app / cause and soft / presentation, not by position;
//   - every matched pair has recursively the same set of JSON keys and the same type,
//     application, asterisk_id, channel.id, channel.state, channel.name (hex counters
//     included), bridge.id, bridge.channels (ignoring Asterisk's internal recorder/announcer
//     unique ids, which are racy in the traces themselves), dialstatus, cause, cause_txt,
//     args, recording name/format/state/target_uri; timestamps parse with Asterisk's layout.
//   - loosely: the Dial peer's state, bridge.technology, and RecordingFinished.duration (only
//     that it is present and an integer: the test does not replay the script's wall-clock
//     pauses).

import (
	"bufio"
	"encoding/json"
	"fmt"
	"github.com/callfloor/callfloor/internal/testenv"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

type marker struct{ typ, id, extra string }

type scenarioCfg struct {
	speed float64
	waits map[int]marker // request index -> the trace event the script waited for
}

// The originate timeout (8 s in agent-no-answer) is not scaled by Speed, so that scenario
// runs slowly enough for the customer (15 s after answer) to outlast it.
var scenarioCfgs = map[string]scenarioCfg{
	"inbound-answered": {speed: 10, waits: map[int]marker{
		6: {"StasisStart", "agent-1001", ""}, 10: {"ChannelDialplan", "agent-1001;2", "Wait"},
		11: {"ChannelDestroyed", "agent-1001", ""}, 12: {"ChannelDestroyed", "agent-1001;2", ""}}},
	"inbound-abandoned": {speed: 10, waits: map[int]marker{5: {"StasisEnd", "caller-1-leg2", ""}}},
	"agent-no-answer":   {speed: 1.6, waits: map[int]marker{6: {"StasisEnd", "caller-1-leg2", ""}}},
	"caller-hangs-up-during-talk": {speed: 10, waits: map[int]marker{
		6: {"StasisStart", "agent-1001", ""}, 10: {"StasisEnd", "caller-1-leg2", ""},
		11: {"ChannelCallerId", "agent-1001;2", ""}}},
	// speed 4: the agent's dialplan Wait ends 22 s (real) after the recording finished, and the
	// replay's DELETE of the agent comes in between: at 10 the 2.2 s left were overrun once at
	// load 25
	"outbound-answered": {speed: 4, waits: map[int]marker{
		1: {"StasisStart", "agent-1001", ""}, 4: {"StasisStart", "customer-1", ""},
		6: {"RecordingFinished", "callfloor/outbound-1", ""}, 8: {"ChannelDestroyed", "agent-1001", ""}}},
	"outbound-busy": {speed: 10, waits: map[int]marker{
		1: {"StasisStart", "agent-1001", ""}, 4: {"ChannelDialplan", "agent-1001;2", "Playback"},
		5: {"ChannelDestroyed", "agent-1001", ""}}},
	"snoop": {speed: 10, waits: map[int]marker{
		6: {"StasisStart", "agent-1001", ""}, 10: {"ChannelDialplan", "agent-1001;2", "Playback"},
		12: {"ChannelDialplan", "agent-1001;2", "Wait"}, 14: {"ChannelDestroyed", "agent-1001", ""}}},
}

var noiseTypes = map[string]bool{"ChannelVarset": true, "ChannelDialplan": true, "ChannelCallerId": true,
	"ChannelConnectedLine": true, "ChannelHangupRequest": true}

type restLine struct {
	method, target string
	status         int
	body           string
}

func parseRestLog(t *testing.T, path string) []restLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []restLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		i := strings.Index(line, " -> ")
		if i < 0 {
			t.Fatalf("bad rest line %q", line)
		}
		left, right := line[:i], line[i+4:]
		sp := strings.SplitN(left, " ", 2)
		st, err := strconv.Atoi(strings.TrimSpace(right[:3]))
		if err != nil {
			t.Fatalf("bad status in %q", line)
		}
		out = append(out, restLine{method: sp[0], target: sp[1], status: st, body: strings.TrimSpace(right[3:])})
	}
	return out
}

func readTrace(t *testing.T, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, m)
	}
	return out
}

// ---- events client ---------------------------------------------------------------------

type evClient struct {
	ws     *websocket.Conn
	mu     sync.Mutex
	events []map[string]any
	raw    []string
	closed bool
	notify chan struct{}
}

func dialEvents(t *testing.T, base, app string) *evClient {
	t.Helper()
	u := "ws" + strings.TrimPrefix(base, "http") + "/ari/events?app=" + app + "&api_key=callfloor:callfloor-test"
	ws, _, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &evClient{ws: ws, notify: make(chan struct{}, 1)}
	go func() {
		for {
			_, data, err := ws.ReadMessage()
			c.mu.Lock()
			if err != nil {
				c.closed = true
				c.mu.Unlock()
				c.poke()
				return
			}
			c.raw = append(c.raw, string(data))
			var m map[string]any
			if json.Unmarshal(data, &m) == nil {
				c.events = append(c.events, m)
			}
			c.mu.Unlock()
			c.poke()
		}
	}()
	t.Cleanup(func() { ws.Close() })
	return c
}

func (c *evClient) poke() {
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

func (c *evClient) snapshot() []map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]map[string]any(nil), c.events...)
}

// waitUntil polls cond over the received events until it holds or the timeout passes.
func (c *evClient) waitUntil(timeout time.Duration, cond func([]map[string]any) bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond(c.snapshot()) {
			return true
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		select {
		case <-c.notify:
		case <-time.After(minDur(left, 50*time.Millisecond)):
		}
	}
}

func minDur(a, b time.Duration) time.Duration {
	if a < b {
		return a
	}
	return b
}

// ---- event keys and comparison ---------------------------------------------------------

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

func sub(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

func evID(ev map[string]any) string {
	for _, p := range [][]string{{"channel", "id"}, {"peer", "id"}, {"recording", "name"}, {"bridge", "id"}} {
		if v := sub(ev, p...); v != nil {
			return str(v)
		}
	}
	return ""
}

// evKey identifies an event for matching.
func evKey(ev map[string]any) string {
	typ := str(ev["type"])
	extra := ""
	switch typ {
	case "ChannelVarset":
		extra = str(ev["variable"]) + "=" + str(ev["value"])
	case "ChannelDialplan":
		extra = str(ev["dialplan_app"])
	case "ChannelHangupRequest":
		extra = str(ev["cause"]) + "/" + str(ev["soft"])
	case "ChannelCallerId":
		extra = str(ev["caller_presentation"])
	case "Dial":
		extra = str(ev["dialstatus"])
	case "ChannelStateChange":
		extra = str(sub(ev, "channel", "state"))
	case "ChannelDestroyed":
		extra = str(ev["cause"])
	case "ChannelEnteredBridge", "ChannelLeftBridge":
		extra = str(sub(ev, "bridge", "id"))
	}
	return typ + "|" + evID(ev) + "|" + extra
}

func matchesMarker(ev map[string]any, m marker) bool {
	if str(ev["type"]) != m.typ || evID(ev) != m.id {
		return false
	}
	if m.extra == "" {
		return true
	}
	return str(ev["dialplan_app"]) == m.extra || str(ev["variable"]) == m.extra || str(ev["dialstatus"]) == m.extra
}

// containsAll reports whether got contains (as a multiset of type|id) every event in want.
func containsAll(got, want []map[string]any) bool { return len(missing(got, want)) == 0 }

// missing lists the events of want (type|id) that got lacks, counting repeats.
func missing(got, want []map[string]any) []string {
	cnt := map[string]int{}
	for _, e := range got {
		cnt[str(e["type"])+"|"+evID(e)]++
	}
	var out []string
	for _, e := range want {
		k := str(e["type"]) + "|" + evID(e)
		if cnt[k] == 0 {
			out = append(out, k)
			continue
		}
		cnt[k]--
	}
	return out
}

func keyTree(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, vv := range x {
			out[k] = keyTree(vv)
		}
		return out
	case []any:
		// arrays: compare the key shape of object elements only
		var out []any
		for _, e := range x {
			if _, ok := e.(map[string]any); ok {
				out = append(out, keyTree(e))
			}
		}
		return out
	default:
		return nil
	}
}

var (
	uniqueIDRe = regexp.MustCompile(`^[0-9]+\.[0-9]+$`)
)

func filteredChannels(v any) []string {
	out := []string{}
	l, _ := v.([]any)
	for _, e := range l {
		if s := str(e); !uniqueIDRe.MatchString(s) {
			out = append(out, s)
		}
	}
	return out
}

func compareEvent(t *testing.T, where string, want, got map[string]any, entity string) {
	t.Helper()
	if !reflect.DeepEqual(keyTree(want), keyTree(got)) {
		t.Errorf("%s: key sets differ\n want %v\n got  %v", where, keyTree(want), keyTree(got))
	}
	if _, err := time.Parse(tsLayout, str(got["timestamp"])); err != nil {
		t.Errorf("%s: timestamp %q: %v", where, got["timestamp"], err)
	}
	if str(got["asterisk_id"]) != entity {
		t.Errorf("%s: asterisk_id %q", where, got["asterisk_id"])
	}
	paths := [][]string{{"type"}, {"application"}, {"channel", "id"}, {"channel", "state"}, {"channel", "name"},
		{"peer", "id"}, {"peer", "name"}, {"bridge", "id"}, {"dialstatus"}, {"cause"}, {"cause_txt"}, {"args"},
		{"recording", "name"}, {"recording", "format"}, {"recording", "state"}, {"recording", "target_uri"},
		{"variable"}, {"dialplan_app"}, {"soft"}}
	for _, p := range paths {
		w, g := sub(want, p...), sub(got, p...)
		if !reflect.DeepEqual(w, g) {
			t.Errorf("%s: %s = %v, want %v", where, strings.Join(p, "."), g, w)
		}
	}
	if w := sub(want, "bridge", "channels"); w != nil {
		if g := filteredChannels(sub(got, "bridge", "channels")); !reflect.DeepEqual(filteredChannels(w), g) {
			t.Errorf("%s: bridge.channels = %v, want %v", where, g, filteredChannels(w))
		}
	}
	if w := sub(want, "recording", "duration"); w != nil {
		if g, ok := sub(got, "recording", "duration").(float64); !ok || g != float64(int(g)) || g < 0 {
			t.Errorf("%s: recording.duration = %v", where, sub(got, "recording", "duration"))
		}
	}
}

// compareEvents applies the rules described at the top of the file.
func compareEvents(t *testing.T, trace, got []map[string]any, entity string) {
	t.Helper()
	if len(got) != len(trace) {
		t.Errorf("got %d events, trace has %d", len(got), len(trace))
	}
	var tn, gn, tz, gz []map[string]any
	for _, e := range trace {
		if noiseTypes[str(e["type"])] {
			tz = append(tz, e)
		} else {
			tn = append(tn, e)
		}
	}
	for _, e := range got {
		if noiseTypes[str(e["type"])] {
			gz = append(gz, e)
		} else {
			gn = append(gn, e)
		}
	}
	// non-noise: same order, permutations allowed within same-millisecond trace groups
	if len(tn) != len(gn) {
		t.Errorf("non-noise events: got %d, want %d\n got  %v\n want %v", len(gn), len(tn), keys(gn), keys(tn))
	}
	exact := true
	for i := 0; i < len(tn) && i < len(gn); {
		j := i
		for j < len(tn) && str(tn[j]["timestamp"]) == str(tn[i]["timestamp"]) {
			j++
		}
		end := j
		if end > len(gn) {
			end = len(gn)
		}
		pairs, okGroup := matchMultiset(tn[i:j], gn[i:end])
		if !okGroup {
			t.Errorf("non-noise events %d..%d: got %v, want %v (any order)", i, j-1, keys(gn[i:end]), keys(tn[i:j]))
		}
		for k := i; k < end; k++ {
			if evKey(tn[k]) != evKey(gn[k]) {
				exact = false
			}
		}
		for _, p := range pairs {
			compareEvent(t, fmt.Sprintf("non-noise %s", evKey(p[0])), p[0], p[1], entity)
		}
		i = j
	}
	// noise: multiset
	pairs, okNoise := matchMultiset(tz, gz)
	if !okNoise {
		t.Errorf("noise events differ:\n missing %v\n extra   %v", diffKeys(tz, gz), diffKeys(gz, tz))
	}
	for _, p := range pairs {
		compareEvent(t, fmt.Sprintf("noise %s", evKey(p[0])), p[0], p[1], entity)
	}
	fullExact := len(trace) == len(got)
	for i := 0; fullExact && i < len(trace); i++ {
		fullExact = evKey(trace[i]) == evKey(got[i])
	}
	t.Logf("non-noise order exact: %v; full sequence (noise included) exact: %v", exact, fullExact)
}

func keys(l []map[string]any) []string {
	out := make([]string, len(l))
	for i, e := range l {
		out[i] = evKey(e)
	}
	return out
}

func diffKeys(a, b []map[string]any) []string {
	cnt := map[string]int{}
	for _, e := range b {
		cnt[evKey(e)]++
	}
	var out []string
	for _, e := range a {
		k := evKey(e)
		if cnt[k] > 0 {
			cnt[k]--
			continue
		}
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// matchMultiset pairs want and got events with equal keys, in order of occurrence.
func matchMultiset(want, got []map[string]any) ([][2]map[string]any, bool) {
	used := make([]bool, len(got))
	var pairs [][2]map[string]any
	ok := len(want) == len(got)
	for _, w := range want {
		found := false
		for i, g := range got {
			if !used[i] && evKey(g) == evKey(w) {
				used[i], found = true, true
				pairs = append(pairs, [2]map[string]any{w, g})
				break
			}
		}
		if !found {
			ok = false
		}
	}
	return pairs, ok
}

// ---- REST ------------------------------------------------------------------------------

func doREST(t *testing.T, base, method, target string, body []byte, auth bool) (int, []byte) {
	t.Helper()
	var rd *strings.Reader
	if body != nil {
		rd = strings.NewReader(string(body))
	} else {
		rd = strings.NewReader("")
	}
	req, err := http.NewRequest(method, base+"/ari"+target, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth {
		req.SetBasicAuth("callfloor", "callfloor-test")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf strings.Builder
	_, _ = bufio.NewReader(resp.Body).WriteTo(&buf)
	return resp.StatusCode, []byte(buf.String())
}

func compareBody(t *testing.T, where, want string, got []byte) {
	t.Helper()
	if want == "" {
		if len(strings.TrimSpace(string(got))) != 0 {
			t.Errorf("%s: body %q, want none", where, got)
		}
		return
	}
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: trace body: %v", where, err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Errorf("%s: body %q: %v", where, got, err)
		return
	}
	if !reflect.DeepEqual(keyTree(w), keyTree(g)) {
		t.Errorf("%s: body keys differ\n want %s\n got  %s", where, want, got)
	}
	wm, _ := w.(map[string]any)
	gm, _ := g.(map[string]any)
	for _, k := range []string{"message", "id", "name", "state", "format", "target_uri", "technology", "bridge_type"} {
		if wm != nil && wm[k] != nil && !reflect.DeepEqual(wm[k], gm[k]) {
			t.Errorf("%s: %s = %v, want %v", where, k, gm[k], wm[k])
		}
	}
}

// ---- the conformance test --------------------------------------------------------------

func TestTraceConformance(t *testing.T) {
	tracesDir := filepath.Join(testenv.SharedDir(t), "asterisk", "traces")
	files, _ := filepath.Glob(filepath.Join(tracesDir, "*.jsonl"))
	if len(files) == 0 {
		t.Fatalf("no traces in %s", tracesDir)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".jsonl")
		cfg, ok := scenarioCfgs[name]
		if !ok {
			t.Errorf("scenario %s has no replay configuration", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			trace := readTrace(t, f)
			reqs := parseRestLog(t, filepath.Join(tracesDir, name+".rest.log"))
			s := New(Config{Speed: cfg.speed, RecordingDir: t.TempDir()})
			base, err := s.Start("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			c := dialEvents(t, base, "callfloor")
			waitK := 0
			for i, rq := range reqs {
				if m, ok := cfg.waits[i]; ok {
					k := -1
					for j := waitK; j < len(trace); j++ {
						if matchesMarker(trace[j], m) {
							k = j + 1
							break
						}
					}
					if k < 0 {
						t.Fatalf("request %d: marker %v not in trace", i, m)
					}
					waitK = k
					if !c.waitUntil(30*time.Second, func(got []map[string]any) bool { return containsAll(got, trace[:k]) }) {
						t.Fatalf("request %d (%s %s): timed out waiting for %v; missing %v; got %v", i, rq.method, rq.target, m, missing(c.snapshot(), trace[:k]), keys(c.snapshot()))
					}
				}
				st, body := doREST(t, base, rq.method, rq.target, nil, true)
				where := fmt.Sprintf("request %d %s %s", i, rq.method, rq.target)
				if st != rq.status {
					t.Errorf("%s: status %d, want %d (body %s)", where, st, rq.status, body)
				}
				compareBody(t, where, rq.body, body)
			}
			if !c.waitUntil(30*time.Second, func(got []map[string]any) bool { return containsAll(got, trace) }) {
				t.Errorf("timed out waiting for all events")
			}
			time.Sleep(300 * time.Millisecond) // anything extra would show up now
			compareEvents(t, trace, c.snapshot(), s.cfg.EntityID)
		})
	}
}
