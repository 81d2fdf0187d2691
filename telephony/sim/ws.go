package sim

import (
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// appState is a Stasis application: registered by its first events socket, active while a
// socket is connected.
type appState struct {
	name       string
	conn       *wsConn
	allowed    []string
	disallowed []string
	endpoints  map[string]bool // endpoint event sources: "PJSIP" (the technology) or "PJSIP/1001"
}

func (a *appState) allows(typ string) bool {
	if len(a.allowed) > 0 && !containsStr(a.allowed, typ) {
		return false
	}
	return !containsStr(a.disallowed, typ)
}

// wsConn is one events socket with its writer goroutine.
type wsConn struct {
	wsMu     sync.Mutex
	ws       *websocket.Conn
	out      chan []byte
	done     chan struct{}
	once     sync.Once
	apps     []string
	closing  bool // a close frame is queued (ApplicationReplaced)
	detached bool
}

var closeSentinel = []byte{}

func (c *wsConn) kill() {
	c.once.Do(func() { close(c.done) })
	c.wsMu.Lock()
	ws := c.ws
	c.wsMu.Unlock()
	if ws != nil {
		_ = ws.Close()
	}
}

func (c *wsConn) setWS(ws *websocket.Conn) {
	c.wsMu.Lock()
	c.ws = ws
	c.wsMu.Unlock()
}

func (c *wsConn) writer() {
	defer c.kill()
	for {
		select {
		case <-c.done:
			return
		case msg := <-c.out:
			if len(msg) == 0 {
				_ = c.ws.WriteControl(websocket.CloseMessage,
					websocket.FormatCloseMessage(websocket.CloseNormalClosure, "application replaced"),
					time.Now().Add(time.Second))
				return
			}
			_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := c.ws.WriteMessage(websocket.TextMessage, msg); err != nil {
				return
			}
		}
	}
}

// push queues a frame without blocking; a full queue disconnects the consumer.
func (s *Server) push(c *wsConn, data []byte) {
	if c.closing {
		return
	}
	select {
	case c.out <- data:
	default:
		s.stats.SocketsDropped++
		s.log.Warn("sim: events queue full, dropping consumer", "apps", c.apps)
		s.detachLocked(c)
		go c.kill()
	}
}

// detachLocked deactivates every application served by c.
func (s *Server) detachLocked(c *wsConn) {
	if c.detached {
		return
	}
	c.detached = true
	delete(s.conns, c)
	for _, name := range c.apps {
		if a := s.apps[name]; a != nil && a.conn == c {
			a.conn = nil
		}
	}
}

var upgrader = websocket.Upgrader{
	ReadBufferSize:  4096,
	WriteBufferSize: 16384,
	CheckOrigin:     func(*http.Request) bool { return true },
}

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	var apps []string
	for _, a := range strings.Split(parseQuery(r.URL.RawQuery).Get("app"), ",") {
		if a = strings.TrimSpace(a); a != "" && !containsStr(apps, a) {
			apps = append(apps, a)
		}
	}
	if len(apps) == 0 {
		writeErr(w, http.StatusBadRequest, "Missing parameter app")
		return
	}
	if !websocket.IsWebSocketUpgrade(r) {
		writeErr(w, http.StatusBadRequest, "WebSocket upgrade required")
		return
	}
	// The application is registered before the handshake completes, so that a client may
	// use REST as soon as its Dial returns; frames queue until the writer starts.
	c := &wsConn{out: make(chan []byte, defaultQueueLen), done: make(chan struct{}), apps: apps}
	var replaced []*wsConn
	s.lock()
	if s.closed || s.eventsRefused {
		s.unlock()
		writeErr(w, http.StatusServiceUnavailable, "Events unavailable")
		return
	}
	s.conns[c] = struct{}{}
	for _, name := range apps {
		a := s.apps[name]
		if a == nil {
			a = &appState{name: name}
			s.apps[name] = a
		}
		if old := a.conn; old != nil && old != c {
			ev := obj{{"type", "ApplicationReplaced"}, {"timestamp", ts(time.Now())},
				{"asterisk_id", s.cfg.EntityID}, {"application", name}}
			if data, err := jsonMarshal(ev); err == nil {
				s.push(old, data)
			}
			replaced = append(replaced, old)
			s.stats.AppsReplaced++
		}
		a.conn = c
	}
	for _, old := range replaced {
		if !old.closing {
			s.push(old, closeSentinel)
			old.closing = true
			s.detachLocked(old)
		}
	}
	s.unlock()
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.lock()
		s.detachLocked(c)
		s.unlock()
		c.kill()
		return
	}
	c.setWS(ws)
	select {
	case <-c.done:
		_ = ws.Close()
		return
	default:
	}
	go c.writer()
	ws.SetReadLimit(1 << 20)
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			break
		}
	}
	s.lock()
	s.detachLocked(c)
	s.unlock()
	c.kill()
}

func (s *Server) appJSON(a *appState) obj {
	chans := []string{}
	for _, ch := range s.channels {
		if (ch.inStasis && ch.stasisApp == a.name) || ch.subs[a.name] {
			chans = append(chans, ch.id)
		}
	}
	sort.Strings(chans)
	bridges := []string{}
	for _, b := range s.bridges {
		if b.subs[a.name] {
			bridges = append(bridges, b.id)
		}
	}
	sort.Strings(bridges)
	typeList := func(l []string) []map[string]string {
		out := []map[string]string{}
		for _, t := range l {
			out = append(out, map[string]string{"type": t})
		}
		return out
	}
	return obj{{"name", a.name}, {"channel_ids", chans}, {"bridge_ids", bridges},
		{"endpoint_ids", a.endpointIDs()}, {"device_names", []string{}},
		{"events_allowed", typeList(a.allowed)}, {"events_disallowed", typeList(a.disallowed)}}
}

func (a *appState) endpointIDs() []string {
	out := []string{}
	for id := range a.endpoints {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}
