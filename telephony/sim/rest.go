package sim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

var errConflict = errors.New("Channel with given unique ID already exists")

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status, data = http.StatusInternalServerError, []byte(`{"message":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

func writeErr(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg})
}

type reply struct {
	status int
	body   any // nil -> no body
}

func ok(v any) reply              { return reply{http.StatusOK, v} }
func noContent() reply            { return reply{status: http.StatusNoContent} }
func fail(st int, m string) reply { return reply{st, map[string]string{"message": m}} }

// params merges the query string and a JSON object body, as Asterisk accepts both.
type params struct {
	q    url.Values
	body map[string]any
}

func (p params) get(k string) string {
	if v, ok := p.q[k]; ok && len(v) > 0 {
		return v[0]
	}
	if p.body != nil {
		switch v := p.body[k].(type) {
		case string:
			return v
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		case bool:
			return strconv.FormatBool(v)
		case nil:
		default:
			b, _ := json.Marshal(v)
			return string(b)
		}
	}
	return ""
}

// parseQuery splits on '&' only: Asterisk accepts a raw ';' in values (Local channel ids
// such as "agent-1001;2"), which url.ParseQuery rejects.
func parseQuery(raw string) url.Values {
	v := url.Values{}
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, val, _ := strings.Cut(part, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if uv, err := url.QueryUnescape(val); err == nil {
			val = uv
		}
		v.Add(k, val)
	}
	return v
}

func (s *Server) authorized(r *http.Request) bool {
	if u, p, ok := r.BasicAuth(); ok && u == s.cfg.Username && p == s.cfg.Password {
		return true
	}
	if k := parseQuery(r.URL.RawQuery).Get("api_key"); k != "" {
		return k == s.cfg.Username+":"+s.cfg.Password
	}
	return false
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if s.isDown() {
		// crashed: the connection is closed unanswered (a network error to the client)
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				_ = c.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	esc := r.URL.EscapedPath()
	if esc != "/ari" && !strings.HasPrefix(esc, "/ari/") {
		writeErr(w, http.StatusNotFound, "Resource not found")
		return
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Asterisk REST Interface"`)
		writeErr(w, http.StatusUnauthorized, "Authentication required")
		return
	}
	var segs []string
	for _, seg := range strings.Split(strings.Trim(strings.TrimPrefix(esc, "/ari"), "/"), "/") {
		u, err := url.PathUnescape(seg)
		if err != nil {
			u = seg
		}
		segs = append(segs, u)
	}
	if len(segs) == 1 && segs[0] == "events" {
		s.handleEvents(w, r)
		return
	}
	if st, ok := s.injectedFault(r.Method, "/"+strings.Join(segs, "/")); ok {
		writeErr(w, st, "Injected failure")
		return
	}
	p := params{q: parseQuery(r.URL.RawQuery)}
	var rawBody []byte
	if r.Body != nil {
		rawBody, _ = io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if t := strings.TrimSpace(string(rawBody)); strings.HasPrefix(t, "{") {
			if err := json.Unmarshal([]byte(t), &p.body); err != nil {
				writeErr(w, http.StatusBadRequest, "Invalid JSON body")
				return
			}
		}
	}
	if len(segs) >= 4 && segs[0] == "recordings" && segs[1] == "stored" && segs[len(segs)-1] == "file" && r.Method == http.MethodGet {
		s.serveRecordingFile(w, strings.Join(segs[2:len(segs)-1], "/"))
		return
	}
	rep := s.route(r.Method, segs, p, rawBody)
	if rep.body == nil {
		w.WriteHeader(rep.status)
		return
	}
	writeJSON(w, rep.status, rep.body)
}

func (s *Server) route(method string, segs []string, p params, raw []byte) reply {
	n := len(segs)
	seg := func(i int) string {
		if i < n {
			return segs[i]
		}
		return ""
	}
	switch seg(0) {
	case "asterisk":
		if method == http.MethodGet && n == 2 && seg(1) == "info" {
			return s.info()
		}
		if method == http.MethodGet && n == 2 && seg(1) == "ping" {
			return ok(obj{{"asterisk_id", s.cfg.EntityID}, {"ping", "pong"}, {"timestamp", ts(time.Now())}})
		}
	case "applications":
		return s.routeApplications(method, segs, p, raw)
	case "channels":
		return s.routeChannels(method, segs, p)
	case "bridges":
		return s.routeBridges(method, segs, p)
	case "recordings":
		return s.routeRecordings(method, segs)
	case "endpoints":
		return s.routeEndpoints(method, segs)
	case "playbacks":
		return s.routePlaybacks(method, segs)
	}
	return fail(http.StatusNotFound, "Resource not found")
}

func (s *Server) startTime() time.Time {
	s.lock()
	defer s.unlock()
	return s.startedAt
}

func (s *Server) info() reply {
	return ok(obj{
		{"build", obj{{"os", "Linux"}, {"kernel", "6.1.0"}, {"machine", "x86_64"}, {"options", "callfloor-sim"},
			{"date", "2026-11-01 00:00:00 UTC"}, {"user", "sim"}}},
		{"system", obj{{"version", "22.10.1"}, {"entity_id", s.cfg.EntityID}}},
		{"config", obj{{"name", ""}, {"default_language", "en"}, {"setid", obj{{"user", ""}, {"group", ""}}}}},
		{"status", obj{{"startup_time", ts(s.startTime())}, {"last_reload_time", ts(s.startTime())}}},
	})
}

// ---- applications ----------------------------------------------------------------------

func (s *Server) routeApplications(method string, segs []string, p params, raw []byte) reply {
	s.lock()
	defer s.unlock()
	switch {
	case len(segs) == 1 && method == http.MethodGet:
		names := make([]string, 0, len(s.apps))
		for n := range s.apps {
			names = append(names, n)
		}
		sort.Strings(names)
		out := []obj{}
		for _, n := range names {
			out = append(out, s.appJSON(s.apps[n]))
		}
		return ok(out)
	case len(segs) == 2 && method == http.MethodGet:
		a := s.apps[segs[1]]
		if a == nil {
			return fail(http.StatusNotFound, "Application does not exist.")
		}
		return ok(s.appJSON(a))
	case len(segs) == 3 && segs[2] == "subscription" && (method == http.MethodPost || method == http.MethodDelete):
		// POST/DELETE /applications/{app}/subscription?eventSource=channel:<id>: an explicit
		// subscription keeps the application hearing of a channel after it leaves Stasis
		// (its ChannelDestroyed, with the cause), as originating with app= does.
		a := s.apps[segs[1]]
		if a == nil {
			return fail(http.StatusNotFound, "Application does not exist.")
		}
		src := p.get("eventSource")
		if src == "" {
			return fail(http.StatusBadRequest, "Missing parameter.")
		}
		for _, one := range strings.Split(src, ",") {
			scheme, id, _ := strings.Cut(one, ":")
			if scheme == "endpoint" {
				if rep, done := s.subscribeEndpoint(a, id, method == http.MethodPost); !done {
					return rep
				}
				continue
			}
			if scheme != "channel" {
				return fail(http.StatusBadRequest, "Missing parameter; event source scheme not recognized.")
			}
			ch := s.channels[id]
			if ch == nil || ch.destroyed {
				return fail(http.StatusUnprocessableEntity, "Event source does not exist.")
			}
			if method == http.MethodPost {
				if ch.subs == nil {
					ch.subs = map[string]bool{}
				}
				ch.subs[a.name] = true
			} else {
				if !ch.subs[a.name] {
					return fail(http.StatusConflict, "Application not subscribed to event source.")
				}
				delete(ch.subs, a.name)
			}
		}
		return ok(s.appJSON(a))
	case len(segs) == 3 && segs[2] == "eventFilter" && method == http.MethodPut:
		a := s.apps[segs[1]]
		if a == nil {
			return fail(http.StatusNotFound, "Application does not exist.")
		}
		var f struct {
			Allowed    []map[string]any `json:"allowed"`
			Disallowed []map[string]any `json:"disallowed"`
		}
		if t := strings.TrimSpace(string(raw)); t != "" {
			if err := json.Unmarshal([]byte(t), &f); err != nil {
				return fail(http.StatusBadRequest, "Bad request.")
			}
		}
		types := func(l []map[string]any) ([]string, bool) {
			var out []string
			for _, m := range l {
				t, ok := m["type"].(string)
				if !ok || t == "" {
					return nil, false
				}
				out = append(out, t)
			}
			return out, true
		}
		al, ok1 := types(f.Allowed)
		dis, ok2 := types(f.Disallowed)
		if !ok1 || !ok2 {
			return fail(http.StatusBadRequest, "Bad request.")
		}
		a.allowed, a.disallowed = al, dis
		return ok(s.appJSON(a))
	}
	return fail(http.StatusNotFound, "Resource not found")
}

// ---- channels --------------------------------------------------------------------------

func parseCallerID(v string) party {
	v = strings.TrimSpace(v)
	if v == "" {
		return party{}
	}
	if i := strings.LastIndex(v, "<"); i >= 0 && strings.HasSuffix(v, ">") {
		name := strings.Trim(strings.TrimSpace(v[:i]), `"`)
		return party{Name: name, Number: v[i+1 : len(v)-1]}
	}
	return party{Number: v}
}

var localRe = regexp.MustCompile(`^Local/([^@/]+)@([^/]+?)(/n)?$`)

func splitArgs(v string) []string {
	if v == "" {
		return []string{}
	}
	return strings.Split(v, ",")
}

func (s *Server) routeChannels(method string, segs []string, p params) reply {
	n := len(segs)
	if n == 1 {
		switch method {
		case http.MethodGet:
			s.lock()
			defer s.unlock()
			list := make([]*channel, 0, len(s.channels))
			for _, ch := range s.channels {
				list = append(list, ch)
			}
			sort.Slice(list, func(i, j int) bool { return list[i].order < list[j].order })
			out := make([]channelJSON, 0, len(list))
			for _, ch := range list {
				out = append(out, s.snap(ch))
			}
			return ok(out)
		case http.MethodPost:
			return s.originate(p, "")
		}
		return fail(http.StatusMethodNotAllowed, "Method not allowed")
	}
	id := segs[1]
	if n == 2 && method == http.MethodPost {
		return s.originate(p, id)
	}
	s.lock()
	defer s.unlock()
	ch := s.channels[id]
	if ch == nil || ch.destroyed {
		return fail(http.StatusNotFound, "Channel not found")
	}
	action := ""
	if n >= 3 {
		action = segs[2]
	}
	switch {
	case action == "" && method == http.MethodGet:
		return ok(s.snap(ch))
	case action == "" && method == http.MethodDelete:
		cause := 16
		if rc := p.get("reason_code"); rc != "" {
			c, err := strconv.Atoi(rc)
			if err != nil {
				return fail(http.StatusBadRequest, "Invalid reason for hangup provided")
			}
			cause = c
		} else if rs := p.get("reason"); rs != "" {
			c, ok := map[string]int{"normal": 16, "busy": 17, "congestion": 34, "no_answer": 19, "timeout": 19,
				"rejected": 21, "unallocated": 1, "normal_unspecified": 31, "number_incomplete": 28,
				"codec_mismatch": 58, "interworking": 127, "failure": 38, "answered_elsewhere": 26}[rs]
			if !ok {
				return fail(http.StatusBadRequest, "Invalid reason for hangup provided")
			}
			cause = c
		}
		s.appHangup(ch, cause)
		return noContent()
	case action == "answer" && method == http.MethodPost:
		if !ch.inStasis {
			return fail(http.StatusConflict, "Channel not in a Stasis application")
		}
		if ch.state != "Up" {
			s.evState(ch, "Up")
			if ch.peer != nil && !ch.peer.destroyed {
				ch.peer.state = "Up"
			}
			if ib := ch.inbound; ib != nil && ib.hangAfterAnswer > 0 {
				s.chTimer(ch, s.scale(ib.hangAfterAnswer), func() { s.callerHangup(ch, ib.cause) })
			}
		}
		return noContent()
	case (action == "ring" || action == "moh" || action == "hold" || action == "mute" || action == "silence") &&
		(method == http.MethodPost || method == http.MethodDelete):
		if !ch.inStasis {
			return fail(http.StatusConflict, "Channel not in a Stasis application")
		}
		return noContent()
	case action == "play" && method == http.MethodPost:
		if !ch.inStasis {
			return fail(http.StatusConflict, "Channel not in a Stasis application")
		}
		pbID := p.get("playbackId")
		if n >= 4 {
			pbID = segs[3]
		}
		return s.play(ch, p.get("media"), pbID)
	case action == "continue" && method == http.MethodPost:
		if !ch.inStasis {
			return fail(http.StatusConflict, "Channel not in a Stasis application")
		}
		prio := 1
		if v := p.get("priority"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fail(http.StatusBadRequest, "Invalid priority")
			}
			prio = n
		}
		s.continueDialplan(ch, p.get("context"), p.get("extension"), prio)
		return noContent()
	case action == "snoop" && method == http.MethodPost:
		snoopID := p.get("snoopId")
		if n >= 4 {
			snoopID = segs[3]
		}
		return s.snoop(ch, p, snoopID)
	case action == "variable" && method == http.MethodGet:
		name := p.get("variable")
		if name == "" {
			return fail(http.StatusBadRequest, "Missing variable parameter.")
		}
		v, found := ch.vars[name]
		if !found {
			return fail(http.StatusNotFound, "Provided variable was not found")
		}
		return ok(obj{{"value", v}})
	case action == "variable" && method == http.MethodPost:
		name := p.get("variable")
		if name == "" {
			return fail(http.StatusBadRequest, "Missing variable parameter.")
		}
		s.evVarset(ch, name, p.get("value"))
		return noContent()
	}
	return fail(http.StatusNotFound, "Resource not found")
}

func (s *Server) originate(p params, pathID string) reply {
	endpoint := p.get("endpoint")
	if endpoint == "" {
		return fail(http.StatusBadRequest, "Endpoint must be specified")
	}
	app, ext, ctx := p.get("app"), p.get("extension"), p.get("context")
	if app == "" && ext == "" {
		return fail(http.StatusBadRequest, "Application or extension must be specified")
	}
	id1 := pathID
	if id1 == "" {
		id1 = p.get("channelId")
	}
	id2 := p.get("otherChannelId")
	timeout := 30 * time.Second
	if t := p.get("timeout"); t != "" {
		v, err := strconv.Atoi(t)
		if err != nil {
			return fail(http.StatusBadRequest, "Invalid timeout")
		}
		timeout = time.Duration(v) * time.Second
	}
	cid := parseCallerID(p.get("callerId"))
	m := localRe.FindStringSubmatch(endpoint)
	var beh Behaviour
	if m == nil || m[2] != "from-caller" {
		var err error
		if beh, err = s.currentDialplan()(endpoint); err != nil {
			return fail(http.StatusBadRequest, err.Error())
		}
		if m == nil {
			return fail(http.StatusBadRequest, "Only Local/<exten>@<context> endpoints are simulated")
		}
	}
	var vars map[string]string
	if p.body != nil {
		if vm, ok := p.body["variables"].(map[string]any); ok {
			vars = map[string]string{}
			for k, v := range vm {
				vars[k] = fmt.Sprint(v)
			}
		}
	}
	s.lock()
	defer s.unlock()
	if s.closed {
		return fail(http.StatusServiceUnavailable, "Shutting down")
	}
	if id1 == "" {
		id1 = s.newUID()
	}
	if id2 == "" {
		id2 = id1 + ";2"
	}
	if s.channels[id1] != nil || s.channels[id2] != nil {
		return fail(http.StatusConflict, errConflict.Error())
	}
	exten, context := m[1], m[2]
	if context == "from-caller" {
		sp := inboundSpec{app: "callfloor", queue: exten, cid: cid, id1: id1, id2: id2, cause: 0}
		if app != "" {
			sp.app = app
		}
		if ctx == "caller-phone" {
			if secs, err := strconv.Atoi(ext); err == nil && secs > 0 {
				sp.hangAfterAnswer = time.Duration(secs) * time.Second
			}
		}
		c1, err := s.newInbound(sp)
		if err != nil {
			return fail(http.StatusConflict, err.Error())
		}
		return ok(s.snap(c1))
	}
	c1, c2 := s.newLocalPair(exten, context, id1, id2, cid)
	for k, v := range vars {
		c1.vars[k] = v
	}
	c2.beh = beh
	if app != "" {
		c1.app, c1.appArgs = app, splitArgs(p.get("appArgs"))
		c1.subs = map[string]bool{app: true}
		c2.subs = map[string]bool{app: true}
	}
	s.stats.Originates++
	resp := s.snap(c1)
	s.startDial(c1, c2, timeout)
	return ok(resp)
}

func (s *Server) snoop(target *channel, p params, snoopID string) reply {
	app := p.get("app")
	if app == "" {
		return fail(http.StatusBadRequest, "Missing parameter app")
	}
	valid := map[string]bool{"": true, "none": true, "both": true, "out": true, "in": true}
	if !valid[p.get("spy")] || !valid[p.get("whisper")] {
		return fail(http.StatusBadRequest, "Invalid parameters")
	}
	if snoopID == "" {
		snoopID = s.newUID()
	}
	if s.channels[snoopID] != nil {
		return fail(http.StatusConflict, errConflict.Error())
	}
	sn := &channel{id: snoopID, name: fmt.Sprintf("Snoop/%s-%08x", target.id, s.snoopSeq), state: "Up",
		created: time.Now(), dp: dpLoc{Context: "default", Exten: "s", Priority: 1}, snoopOf: target,
		spy: p.get("spy"), whisper: p.get("whisper")}
	s.snoopSeq++
	s.addChannel(sn)
	target.snoops = append(target.snoops, sn)
	resp := s.snap(sn)
	args := splitArgs(p.get("appArgs"))
	sn.dp.AppName, sn.dp.AppData = "Stasis", stasisAppData(app, args)
	sn.stasisApp, sn.inStasis, sn.args = app, true, args
	s.evChan(sn, nil, "StasisStart", obj{{"args", args}})
	s.snoopNoise(target)
	return ok(resp)
}

// snoopNoise: attaching or detaching a snoop re-sets BRIDGEPEER on the spied bridge twice.
func (s *Server) snoopNoise(target *channel) {
	if b := target.bridge; b != nil && b.typ == "mixing" && len(b.members) >= 2 {
		s.updatePeers(b, true)
		s.updatePeers(b, true)
	}
}

// ---- bridges ---------------------------------------------------------------------------

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (s *Server) routeBridges(method string, segs []string, p params) reply {
	s.lock()
	defer s.unlock()
	n := len(segs)
	if n == 1 {
		switch method {
		case http.MethodGet:
			list := make([]*bridge, 0, len(s.bridges))
			for _, b := range s.bridges {
				list = append(list, b)
			}
			sort.Slice(list, func(i, j int) bool { return list[i].created.Before(list[j].created) })
			out := make([]bridgeJSON, 0, len(list))
			for _, b := range list {
				out = append(out, s.bridgeSnap(b))
			}
			return ok(out)
		case http.MethodPost:
			return s.createBridge(p.get("bridgeId"), p)
		}
		return fail(http.StatusMethodNotAllowed, "Method not allowed")
	}
	id := segs[1]
	if n == 2 && method == http.MethodPost {
		return s.createBridge(id, p)
	}
	b := s.bridges[id]
	if b == nil {
		if _, dead := s.tombstones[id]; dead && method == http.MethodDelete && n == 2 {
			return fail(http.StatusConflict, "Bridge not in Stasis application")
		}
		return fail(http.StatusNotFound, "Bridge not found")
	}
	action := ""
	if n >= 3 {
		action = segs[2]
	}
	switch {
	case action == "" && method == http.MethodGet:
		return ok(s.bridgeSnap(b))
	case action == "" && method == http.MethodDelete:
		s.destroyBridge(b)
		return noContent()
	case action == "addChannel" && method == http.MethodPost:
		chans, rep, bad := s.bridgeChannels(p)
		if bad {
			return rep
		}
		for _, ch := range chans {
			if !ch.inStasis {
				return fail(http.StatusUnprocessableEntity, "Channel not in Stasis application")
			}
		}
		for _, ch := range chans {
			s.joinBridge(b, ch)
		}
		s.updatePeers(b, false)
		return noContent()
	case action == "removeChannel" && method == http.MethodPost:
		chans, rep, bad := s.bridgeChannels(p)
		if bad {
			return rep
		}
		for _, ch := range chans {
			if ch.bridge != b {
				return fail(http.StatusUnprocessableEntity, "Channel not in this bridge")
			}
		}
		for _, ch := range chans {
			s.leaveBridge(ch, true)
		}
		return noContent()
	case action == "moh" && method == http.MethodPost:
		if !b.moh {
			b.moh = true
			s.nextUnreal()
			b.announcerUID = s.newUID()
		}
		return noContent()
	case action == "moh" && method == http.MethodDelete:
		b.moh = false
		return noContent()
	case action == "record" && method == http.MethodPost:
		name, format := p.get("name"), p.get("format")
		if name == "" || format == "" {
			return fail(http.StatusBadRequest, "Invalid parameters")
		}
		if format != "wav" && format != "gsm" && format != "ulaw" && format != "alaw" && format != "sln" && format != "g722" {
			return fail(http.StatusUnprocessableEntity, "The format specified is unknown on this system")
		}
		if b.rec != nil {
			return fail(http.StatusConflict, "Bridge is already being recorded")
		}
		if s.live[name] != nil {
			return fail(http.StatusConflict, "Recording with the same name is already in progress")
		}
		ifExists := p.get("ifExists")
		if ifExists == "" {
			ifExists = "fail"
		}
		if s.stored[name] != nil && ifExists == "fail" {
			return fail(http.StatusConflict, "A recording with the same name already exists on the system")
		}
		maxDur := 0
		if v := p.get("maxDurationSeconds"); v != "" {
			maxDur, _ = strconv.Atoi(v)
		}
		r := s.startRecording(b, name, format, time.Duration(maxDur)*time.Second)
		return reply{http.StatusCreated, liveRecordingJSON{name, format, "queued", r.target}}
	}
	return fail(http.StatusNotFound, "Resource not found")
}

func (s *Server) bridgeChannels(p params) ([]*channel, reply, bool) {
	v := p.get("channel")
	if v == "" {
		return nil, fail(http.StatusBadRequest, "Missing parameter channel"), true
	}
	var out []*channel
	for _, id := range strings.Split(v, ",") {
		ch := s.channels[strings.TrimSpace(id)]
		if ch == nil || ch.destroyed {
			return nil, fail(http.StatusBadRequest, "Channel not found"), true
		}
		out = append(out, ch)
	}
	return out, reply{}, false
}

func (s *Server) createBridge(id string, p params) reply {
	if id == "" {
		id = newUUID()
	}
	if s.bridges[id] != nil {
		return fail(http.StatusConflict, fmt.Sprintf("Bridge with id '%s' already exists", id))
	}
	typ := "mixing"
	for _, t := range strings.Split(p.get("type"), ",") {
		if strings.TrimSpace(t) == "holding" {
			typ = "holding"
		}
	}
	delete(s.tombstones, id)
	b := &bridge{id: id, typ: typ, name: p.get("name"), created: time.Now(), subs: map[string]bool{}}
	s.bridges[id] = b
	return ok(s.bridgeSnap(b))
}

// ---- recordings ------------------------------------------------------------------------

func (s *Server) recordingPath(name, format string) string {
	return filepath.Join(s.cfg.RecordingDir, "recording", filepath.FromSlash(name)+"."+format)
}

func (s *Server) routeRecordings(method string, segs []string) reply {
	s.lock()
	defer s.unlock()
	if len(segs) < 2 {
		return fail(http.StatusNotFound, "Resource not found")
	}
	switch segs[1] {
	case "live":
		if len(segs) < 3 {
			break
		}
		last := segs[len(segs)-1]
		name := strings.Join(segs[2:], "/")
		action := ""
		if len(segs) > 3 && (last == "stop" || last == "pause" || last == "mute") {
			name, action = strings.Join(segs[2:len(segs)-1], "/"), last
		}
		r := s.live[name]
		if r == nil {
			return fail(http.StatusNotFound, "Recording not found")
		}
		switch {
		case action == "" && method == http.MethodGet:
			return ok(liveRecordingJSON{r.name, r.format, r.state, r.target})
		case action == "" && method == http.MethodDelete:
			s.finishRecording(r)
			s.deleteStored(r.name)
			return noContent()
		case action == "stop" && method == http.MethodPost:
			s.finishRecording(r)
			return noContent()
		case (action == "pause" || action == "mute") && (method == http.MethodPost || method == http.MethodDelete):
			return noContent()
		}
	case "stored":
		if len(segs) == 2 && method == http.MethodGet {
			names := make([]string, 0, len(s.stored))
			for n := range s.stored {
				names = append(names, n)
			}
			sort.Strings(names)
			out := []storedRecordingJSON{}
			for _, n := range names {
				out = append(out, storedRecordingJSON{n, s.stored[n].format})
			}
			return ok(out)
		}
		name := strings.Join(segs[2:], "/")
		st := s.stored[name]
		if st == nil {
			return fail(http.StatusNotFound, "Recording not found")
		}
		switch method {
		case http.MethodGet:
			return ok(storedRecordingJSON{st.name, st.format})
		case http.MethodDelete:
			s.deleteStored(name)
			return noContent()
		}
	}
	return fail(http.StatusNotFound, "Resource not found")
}

func (s *Server) deleteStored(name string) {
	st := s.stored[name]
	if st == nil {
		return
	}
	delete(s.stored, name)
	path := s.recordingPath(st.name, st.format)
	s.files.add(func() { _ = os.Remove(path) })
}

func (s *Server) serveRecordingFile(w http.ResponseWriter, name string) {
	s.lock()
	st := s.stored[name]
	var path string
	var samples int
	if st != nil {
		path, samples = s.recordingPath(st.name, st.format), st.samples
	}
	s.unlock()
	if st == nil {
		writeErr(w, http.StatusNotFound, "Recording not found")
		return
	}
	w.Header().Set("Content-Type", "audio/wav")
	// Streamed from the file, as Asterisk does: a long recording is never held in memory.
	if f, err := os.Open(path); err == nil {
		defer f.Close()
		if fi, err := f.Stat(); err == nil {
			w.Header().Set("Content-Length", strconv.FormatInt(fi.Size(), 10))
			w.WriteHeader(http.StatusOK)
			_, _ = io.Copy(w, f)
			return
		}
	}
	data := wavBytes(name, samples) // not yet flushed to disk
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

// StoreRecording adds a stored recording of the given length (simulated speech, 8 kHz WAV) as
// if a call had been recorded: written to the spool before it returns, then served by
// GET /recordings/stored/{name}/file. Tests use it for recordings longer than they would record.
func (s *Server) StoreRecording(name string, seconds int) error {
	samples := seconds * wavRate
	path := s.recordingPath(name, "wav")
	if err := writeWAV(path, name, samples); err != nil {
		return err
	}
	s.lock()
	s.stored[name] = &storedRec{name: name, format: "wav", duration: seconds, samples: samples}
	s.unlock()
	return nil
}
