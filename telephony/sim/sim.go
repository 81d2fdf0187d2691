// Package sim is a simulated Asterisk 22 that speaks real ARI (REST under /ari and the
// /ari/events WebSocket) closely enough for callfloor's telephony connector, its tests, the
// demo and load tests to run without a real PBX.
//
// What it owns: an in-memory model of channels (Local channel pairs, Snoop channels),
// bridges (holding and mixing), live and stored recordings (real WAV files under
// Config.RecordingDir, of speech-like audio: speech.go) and Stasis applications with their
// event sockets. Customers are created with PlaceCall (or an originate to
// Local/<queue>@from-caller, as the recorded scripts did), and the far ends (agents' phones,
// outside numbers) follow a Dialplan. The events, their order and their JSON shape mirror the
// traces recorded on a real Asterisk 22.10.1 (see /work/shared/asterisk and trace_test.go).
//
// Concurrency rules: one mutex (Server.mu) guards the whole model; every REST handler,
// timer callback (time.AfterFunc, all tracked and stopped by Close) and public method takes
// it. Events are marshalled under the lock, in model order, and pushed without blocking onto
// the per-socket queue (65536 frames); one writer goroutine per events socket writes them,
// so the lock is never held while writing to a socket. A consumer whose queue is full is
// disconnected, as Asterisk drops a stuck consumer. Recording files are generated and written
// (or removed) in model order by a goroutine of their own (spool.go), never under the lock nor
// by the handler or timer that finished the recording. Simulated durations are divided by
// Config.Speed.
package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// Config configures a simulated Asterisk.
type Config struct {
	EntityID     string       // asterisk_id on every event and system.entity_id in /asterisk/info; default "02:fc:00:00:00:01"
	Username     string       // ARI user; default "callfloor"
	Password     string       // default "callfloor-test"
	RecordingDir string       // spool dir: recordings go to <RecordingDir>/recording/<name>.<format>; default: a temp dir
	Dialplan     Dialplan     // nil -> DefaultDialplan
	Speed        float64      // fast-forward factor for every simulated duration; 0 or 1 = real time
	Logger       *slog.Logger // nil -> discard
	// LoseRecordingFinished, when set, is asked each time a bridge is destroyed while it is
	// still recording: true makes that recording end without a RecordingFinished event (the
	// file is stored all the same), as a real Asterisk sometimes does under load. Tests return
	// true to make it happen every time; nil never loses one.
	LoseRecordingFinished func() bool
	// RecordCalls keeps a record of every inbound call placed (CallRecords): the chaos suite
	// compares it with callfloor's history. Off by default (it grows with every call).
	RecordCalls bool
	localDelay  time.Duration // unexported: delay before the second half of a Local pair follows a hang-up
}

// Behaviour of an endpoint when a channel to it is originated.
type Behaviour struct {
	RingFor     time.Duration // ringing time before answering
	NoAnswer    bool          // rings until the originate timeout (cause 19)
	Busy        bool          // Dial BUSY, cause 17
	Fail        bool          // congestion: Dial CHANUNAVAIL, cause 34
	Cause       int           // the network refuses the dial after RingFor with this cause (1 unallocated, 20/27 switched off)
	HangupAfter time.Duration // once answered, the far end hangs up after this long (0 = never)
	HoldAfter   time.Duration // once answered, the phone presses hold after this long ...
	HoldFor     time.Duration // ... and releases it this long after (0 = no hold)
}

// Dialplan decides how an originated endpoint behaves; an error makes the originate fail
// with 400.
type Dialplan func(endpoint string) (Behaviour, error)

// CallerSpec describes an inbound customer call: a Local/<queue>@from-caller pair whose ;2
// half enters Stasis(<app>,queue=<queue>[,<ExtraArgs>...]) in state Ring.
type CallerSpec struct {
	App       string // default "callfloor"
	Queue     string
	Number    string
	Name      string
	ExtraArgs []string
	Patience  time.Duration // hang up this long after entering unless bridged with another party; 0 = forever
	TalkFor   time.Duration // once bridged with another party, hang up after this long; 0 = never
	// Presses: keys the caller presses, each at a time after entering Stasis (dtmf.go)
	Presses []DTMFPress
	// SurveyAnswers: the key the caller presses during each prompt played to them once their
	// conversation is over (the agent left; survey.go), in order; "" presses nothing
	SurveyAnswers []string
	// AgentHangsUp: the agent ends the conversation: TalkFor after the caller is bridged with
	// another party, that party's phone hangs up (a Hangup() in its dialplan, as
	// Behaviour.HangupAfter) and the caller stays on the line, in Stasis, for what the
	// application does next (the post-call survey). The caller then hangs up only as
	// SurveyHangUpAt says, or AfterAgentLinger later if nobody has ended the call by then.
	AgentHangsUp bool
	// SurveyHangUpAt: instead of answering it, the caller hangs up SurveyAnswerAfter into the
	// Nth prompt played to them once their conversation is over (1: the first question); 0: never
	SurveyHangUpAt int
}

// Snoop tells how a live snoop channel listens: the channel it spies on and its spy and whisper
// directions (tests of listen / whisper / barge). ok is false when no such snoop is up.
func (s *Server) Snoop(id string) (target, spy, whisper string, ok bool) {
	s.lock()
	defer s.unlock()
	ch := s.channels[id]
	if ch == nil || ch.snoopOf == nil || ch.destroyed {
		return "", "", "", false
	}
	return ch.snoopOf.id, ch.spy, ch.whisper, true
}

// BridgeMembers lists the channels in a live bridge (nil when there is no such bridge).
func (s *Server) BridgeMembers(id string) []string {
	s.lock()
	defer s.unlock()
	b := s.bridges[id]
	if b == nil {
		return nil
	}
	out := []string{}
	for _, m := range b.members {
		out = append(out, m.id)
	}
	return out
}

// Stats are counters for tests and the demo.
type Stats struct {
	CallsPlaced    int64 // inbound calls created (PlaceCall or originate to @from-caller)
	CallsFailed    int64 // inbound calls whose application was not connected
	Originates     int64 // successful POST /channels originates (excluding inbound calls)
	ChannelsLive   int
	BridgesLive    int
	RecordingsLive int
	Recordings     int64 // recordings finished (stored)
	// RecordingsUnwritten: stored recordings whose file was not written because the writes
	// queued were too many (spool.go); their file is generated when fetched
	RecordingsUnwritten int64
	EventsSent          int64 // events queued to sockets
	EventsLost          int64 // events for an application without a socket
	// StasisFailed: originated channels answered while their application was not active
	// (no events socket): Asterisk logs "Stasis app '<app>' not active" and hangs them up
	StasisFailed int64
	// RecordingsSilent: recordings that ended with their bridge's destruction without a
	// RecordingFinished event (Config.LoseRecordingFinished)
	RecordingsSilent int64
	SocketsDropped   int64 // sockets closed because their queue was full
	Continued        int64 // channels sent out of Stasis to the dialplan (POST /channels/{id}/continue)
	AppsReplaced     int64 // applications whose events socket a second connection replaced (ApplicationReplaced sent)
}

// ErrAppNotConnected is returned by PlaceCall when the application has no events socket: the
// call fails as it would on Asterisk (the ;2 half does not enter Stasis and hangs up).
var ErrAppNotConnected = errors.New("sim: application not connected")

// Server is a simulated Asterisk.
type Server struct {
	mu     sync.Mutex
	files  spool   // recording files written and removed off the lock, in model order
	faults []fault // FailNext

	cfg      Config
	log      *slog.Logger
	dialplan Dialplan
	closed   bool
	tmpDir   string

	channels   map[string]*channel
	chanOrder  uint64
	bridges    map[string]*bridge
	tombstones map[string]struct{}
	tombOrder  []string
	apps       map[string]*appState
	conns      map[*wsConn]struct{}
	timers     map[*time.Timer]struct{}
	live       map[string]*recording
	stored     map[string]*storedRec
	endpoints  map[string]*endpoint // tech/resource (SetEndpointState)

	startedAt     time.Time // status.startup_time: set by New and by Restart
	down          bool      // crashed (Crash): every request is cut off until Restart
	eventsRefused bool      // EventsOutage: events handshakes are refused

	unrealSeq uint64 // Local/Recorder/Announcer name counter
	snoopSeq  uint64
	uidSeq    uint64
	epoch     int64

	stats Stats

	playbacks map[string]*playback // playing now, by id (survey.go)

	calls *callLog // Config.RecordCalls (calllog.go); nil: no record

	httpSrv  *http.Server
	listener net.Listener
}

const defaultQueueLen = 65536

// New creates a simulated Asterisk. It does not listen until Start (or use Handler).
func New(cfg Config) *Server {
	if cfg.EntityID == "" {
		cfg.EntityID = "02:fc:00:00:00:01"
	}
	if cfg.Username == "" {
		cfg.Username = "callfloor"
	}
	if cfg.Password == "" {
		cfg.Password = "callfloor-test"
	}
	if cfg.Speed <= 0 {
		cfg.Speed = 1
	}
	if cfg.localDelay == 0 {
		cfg.localDelay = 80 * time.Millisecond
	}
	s := &Server{
		cfg:        cfg,
		log:        cfg.Logger,
		dialplan:   cfg.Dialplan,
		channels:   map[string]*channel{},
		bridges:    map[string]*bridge{},
		tombstones: map[string]struct{}{},
		apps:       map[string]*appState{},
		conns:      map[*wsConn]struct{}{},
		timers:     map[*time.Timer]struct{}{},
		live:       map[string]*recording{},
		stored:     map[string]*storedRec{},
		epoch:      time.Now().Unix(),
		startedAt:  time.Now(),
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.RecordCalls {
		s.calls = &callLog{byID: map[string]*CallRecord{}}
	}
	if s.dialplan == nil {
		s.dialplan = DefaultDialplan
	}
	if s.cfg.RecordingDir == "" {
		dir, err := os.MkdirTemp("", "callfloor-sim-spool-")
		if err != nil {
			dir = os.TempDir()
		} else {
			s.tmpDir = dir
		}
		s.cfg.RecordingDir = dir
	}
	return s
}

// lock takes the model lock; unlock releases it.
func (s *Server) lock() { s.mu.Lock() }

func (s *Server) unlock() { s.mu.Unlock() }

// scale converts a simulated duration into wall-clock time.
func (s *Server) scale(d time.Duration) time.Duration {
	return time.Duration(float64(d) / s.cfg.Speed)
}

// simSince returns the simulated time elapsed since t.
func (s *Server) simSince(t time.Time) time.Duration {
	return time.Duration(float64(time.Since(t)) * s.cfg.Speed)
}

// after runs f under the lock after d (wall clock); the timer is stopped by Close.
func (s *Server) after(d time.Duration, f func()) *time.Timer {
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		s.lock()
		defer s.unlock()
		if _, ok := s.timers[t]; !ok || s.closed {
			return
		}
		delete(s.timers, t)
		f()
	})
	s.timers[t] = struct{}{}
	return t
}

func (s *Server) stopTimer(t *time.Timer) {
	if t == nil {
		return
	}
	t.Stop()
	delete(s.timers, t)
}

// Handler serves everything under /ari/.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// Start listens on addr (e.g. "127.0.0.1:0") and serves; it returns the base URL without
// the /ari suffix.
func (s *Server) Start(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	s.lock()
	s.httpSrv = srv
	s.listener = ln
	s.unlock()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("sim: serve", "err", err)
		}
	}()
	return "http://" + ln.Addr().String(), nil
}

// Close stops serving, closes every socket and stops every timer.
func (s *Server) Close() error {
	s.lock()
	if s.closed {
		s.unlock()
		return nil
	}
	s.closed = true
	s.calls.crashed()
	s.stopTimersLocked()
	conns := s.detachAllLocked()
	srv := s.httpSrv
	s.unlock()
	s.files.close() // no file is written into the spool directory after Close returns
	for _, c := range conns {
		c.kill()
	}
	var err error
	if srv != nil {
		err = srv.Close()
	}
	if s.tmpDir != "" {
		os.RemoveAll(s.tmpDir) // the spool this server made for itself (tests left one per run)
	}
	return err
}

// DropConnections closes every events WebSocket abruptly; the applications are deactivated
// at once, as Asterisk does when their socket goes away.
func (s *Server) DropConnections() {
	s.lock()
	conns := s.detachAllLocked()
	s.unlock()
	for _, c := range conns {
		c.kill()
	}
}

// stopTimersLocked stops and forgets every pending timer.
func (s *Server) stopTimersLocked() {
	for t := range s.timers {
		t.Stop()
	}
	s.timers = map[*time.Timer]struct{}{}
}

// detachAllLocked detaches every events socket from its application and returns them, to be
// killed once the lock is released.
func (s *Server) detachAllLocked() []*wsConn {
	conns := make([]*wsConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
		s.detachLocked(c)
	}
	return conns
}

// EventsOutage cuts the events WebSockets off (on: every socket drops, as DropConnections, and
// new handshakes are refused with 503, so the applications stay inactive) or lets them connect
// again (off). REST keeps working: a network problem between callfloor and Asterisk's events,
// or a proxy restarting. Meanwhile an originated channel answered for an application gets
// Asterisk's "Stasis app not active" treatment (hung up, no StasisStart).
func (s *Server) EventsOutage(on bool) {
	s.lock()
	s.eventsRefused = on
	s.unlock()
	if on {
		s.DropConnections()
	}
}

// Crash stops the simulated Asterisk as a crash does: every events socket drops, every
// channel, bridge and live recording vanishes without an event, and every request is cut off
// at the network level (the connection is closed unanswered) until Restart. Stored recordings
// survive (they are files).
func (s *Server) Crash() {
	s.lock()
	s.down = true
	s.calls.crashed()
	s.stopTimersLocked()
	conns := s.detachAllLocked()
	s.channels = map[string]*channel{}
	s.bridges = map[string]*bridge{}
	s.tombstones, s.tombOrder = map[string]struct{}{}, nil // a restarted Asterisk remembers no destroyed bridge
	s.live = map[string]*recording{}
	s.apps = map[string]*appState{}
	s.unlock()
	for _, c := range conns {
		c.kill()
	}
}

// Restart brings a crashed Asterisk back, empty, with a new startup time
// (status.startup_time of GET /asterisk/info).
func (s *Server) Restart() {
	s.lock()
	defer s.unlock()
	s.down = false
	s.startedAt = time.Now()
	s.epoch = s.startedAt.Unix()
}

func (s *Server) isDown() bool {
	s.lock()
	defer s.unlock()
	return s.down
}

// InjectRaw writes a raw text frame to the application's events socket.
func (s *Server) InjectRaw(app string, frame []byte) {
	s.lock()
	defer s.unlock()
	if a := s.apps[app]; a != nil && a.conn != nil {
		s.push(a.conn, append([]byte(nil), frame...))
	}
}

// SetDialplan replaces the dialplan used for subsequent originates.
func (s *Server) SetDialplan(d Dialplan) {
	if d == nil {
		d = DefaultDialplan
	}
	s.lock()
	s.dialplan = d
	s.unlock()
}

func (s *Server) currentDialplan() Dialplan {
	s.lock()
	defer s.unlock()
	return s.dialplan
}

// PlaceCall creates an inbound customer call and returns the id of the half in Stasis.
func (s *Server) PlaceCall(spec CallerSpec) (string, error) {
	if spec.App == "" {
		spec.App = "callfloor"
	}
	if spec.Queue == "" {
		return "", errors.New("sim: PlaceCall needs a queue")
	}
	for _, p := range spec.Presses {
		if err := validDTMF(p.Digits); err != nil {
			return "", err
		}
	}
	s.lock()
	defer s.unlock()
	if s.closed {
		return "", errors.New("sim: server closed")
	}
	uid := s.newUID()
	c1, err := s.newInbound(inboundSpec{
		app: spec.App, queue: spec.Queue, extra: spec.ExtraArgs,
		cid: party{Name: spec.Name, Number: spec.Number},
		id1: uid, id2: uid + ";2",
		patience: spec.Patience, talkFor: spec.TalkFor, cause: 16, agentEnds: spec.AgentHangsUp,
	})
	if err != nil {
		return "", err
	}
	id := c1.peer.id
	if c1.peer.destroyed {
		return id, ErrAppNotConnected
	}
	for _, p := range spec.Presses {
		s.scheduleDTMFLocked(c1.peer, p.After, p.Digits, 0)
	}
	c1.peer.inbound.answers = spec.SurveyAnswers
	c1.peer.inbound.hangUpAt = spec.SurveyHangUpAt
	return id, nil
}

// HangupChannel makes the far party of channel id hang up (cause 16), with the events
// Asterisk would emit.
func (s *Server) HangupChannel(id string) error {
	s.lock()
	defer s.unlock()
	ch := s.channels[id]
	if ch == nil {
		return fmt.Errorf("sim: channel %q not found", id)
	}
	s.farHangup(ch, 16)
	return nil
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	s.lock()
	defer s.unlock()
	st := s.stats
	st.ChannelsLive = len(s.channels)
	st.BridgesLive = len(s.bridges)
	st.RecordingsLive = len(s.live)
	return st
}

func (s *Server) newUID() string {
	s.uidSeq++
	return fmt.Sprintf("%d.%d", s.epoch, s.uidSeq)
}

func (s *Server) nextUnreal() uint64 {
	n := s.unrealSeq
	s.unrealSeq++
	return n
}

func stasisAppData(app string, args []string) string {
	if len(args) == 0 {
		return app
	}
	return app + "," + strings.Join(args, ",")
}

// runContext sleeps for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
