package sim

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// channel is one Asterisk channel. Local channels come in pairs (half 1 and 2, linked by
// peer); Snoop channels have half 0.
type channel struct {
	id, name, state   string
	caller, connected party
	dp                dpLoc
	created           time.Time
	order             uint64
	vars              map[string]string
	half              int
	peer              *channel
	snoopOf           *channel
	snoops            []*channel
	spy, whisper      string // a snoop channel's directions
	held              bool   // the phone behind it has pressed hold

	stasisApp string
	inStasis  bool
	args      []string
	subs      map[string]bool

	bridge        *bridge
	destroyed     bool
	hangingUp     bool
	teardownTimer *time.Timer
	timers        []*time.Timer

	// Local pair: the endpoint ("1001@agents") and, on the ;2 half, its dialplan state.
	dialstring string
	context    string
	exten      string
	beh        Behaviour
	answered   bool
	inPlayback bool
	playing    map[string]func() // ARI playbacks in progress (playback.go): each reports its failure on a hang-up
	pendingCID bool
	timeoutT   *time.Timer
	deleteT    *time.Timer

	// Originated ;1 half: the Stasis application it enters once answered.
	app     string
	appArgs []string

	inbound *inboundState // on the ;2 half of an inbound customer call
}

type inboundState struct {
	patience, talkFor time.Duration
	hangAfterAnswer   time.Duration // originate to caller-phone extension N
	cause             int           // hang-up cause when the customer hangs up
	talking           bool
	patienceT         *time.Timer
	answers           []string // keys pressed during the prompts played to the caller (survey.go)
	agentEnds         bool     // the other party hangs up talkFor into the conversation (survey.go)
	prompts           int      // prompts played to the caller since the conversation ended
	hangUpAt          int      // the caller hangs up during this prompt (0: never)
}

type bridge struct {
	id, typ, name string
	created       time.Time
	members       []*channel // join order
	subs          map[string]bool
	moh           bool
	announcerUID  string
	rec           *recording
}

type recording struct {
	name, format, target string
	state                string
	bridge               *bridge
	started              time.Time
	talkEnd              time.Time
	recName, uid         string
	finishT, maxT        *time.Timer
	silent               bool // ends without RecordingFinished (Config.LoseRecordingFinished)
}

type storedRec struct {
	name, format string
	duration     int // whole seconds, as Asterisk reports
	samples      int // 8 kHz samples in the file
}

// ---- snapshots -------------------------------------------------------------------------

func (s *Server) snap(ch *channel) channelJSON {
	return channelJSON{
		ID: ch.id, Name: ch.name, State: ch.state, Caller: ch.caller, Connected: ch.connected,
		Dialplan: ch.dp, Creationtime: ts(ch.created), Language: "en",
	}
}

func (b *bridge) realIDs() []string {
	ids := make([]string, 0, len(b.members))
	for _, m := range b.members {
		ids = append(ids, m.id)
	}
	sort.Strings(ids)
	return ids
}

func (b *bridge) participants() int {
	n := len(b.members)
	if b.rec != nil {
		n++
	}
	if b.typ == "holding" && b.moh {
		n++
	}
	return n
}

func (b *bridge) tech(participants int) string {
	if b.typ == "holding" {
		return "holding_bridge"
	}
	if participants > 2 {
		return "softmix"
	}
	return "simple_bridge"
}

func (s *Server) bsnap(b *bridge, channels []string, tech string) bridgeJSON {
	if channels == nil {
		channels = []string{}
	}
	return bridgeJSON{
		ID: b.id, Technology: tech, BridgeType: b.typ, BridgeClass: "stasis", Creator: "Stasis",
		Name: b.name, Channels: channels, Creationtime: ts(b.created), VideoMode: "talker",
	}
}

func (s *Server) bridgeSnap(b *bridge) bridgeJSON {
	return s.bsnap(b, b.realIDs(), b.tech(b.participants()))
}

// ---- event delivery --------------------------------------------------------------------

func (s *Server) chanApps(ch *channel) []string {
	var apps []string
	if ch.inStasis && ch.stasisApp != "" {
		apps = append(apps, ch.stasisApp)
	}
	for a := range ch.subs {
		if !containsStr(apps, a) {
			apps = append(apps, a)
		}
	}
	sort.Strings(apps)
	return apps
}

func containsStr(l []string, v string) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

func union(a []string, m map[string]bool) []string {
	out := append([]string(nil), a...)
	for k := range m {
		if !containsStr(out, k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// emit sends one event to apps: pre fields, type, timestamp, body fields, asterisk_id,
// application.
func (s *Server) emit(apps []string, pre obj, typ string, body obj) {
	if len(apps) == 0 {
		return
	}
	now := ts(time.Now())
	for _, app := range apps {
		a := s.apps[app]
		if a == nil || a.conn == nil {
			s.stats.EventsLost++
			continue
		}
		if !a.allows(typ) {
			continue
		}
		ev := make(obj, 0, len(pre)+len(body)+4)
		ev = append(ev, pre...)
		ev = append(ev, kv{"type", typ}, kv{"timestamp", now})
		ev = append(ev, body...)
		ev = append(ev, kv{"asterisk_id", s.cfg.EntityID}, kv{"application", app})
		data, err := json.Marshal(ev)
		if err != nil {
			s.log.Error("sim: marshal event", "err", err)
			continue
		}
		s.stats.EventsSent++
		s.push(a.conn, data)
	}
}

func (s *Server) evChan(ch *channel, pre obj, typ string, body obj) {
	apps := s.chanApps(ch)
	if len(apps) == 0 {
		return
	}
	body = append(body, kv{"channel", s.snap(ch)})
	s.emit(apps, pre, typ, body)
}

func (s *Server) evState(ch *channel, state string) {
	if ch.state == state {
		return
	}
	ch.state = state
	s.evChan(ch, nil, "ChannelStateChange", nil)
}

func (s *Server) evVarset(ch *channel, name, value string) {
	if ch.vars == nil {
		ch.vars = map[string]string{}
	}
	ch.vars[name] = value
	s.evChan(ch, obj{{"variable", name}, {"value", value}}, "ChannelVarset", nil)
}

func (s *Server) evHangupRequest(ch *channel, cause int, soft bool) {
	pre := obj{{"cause", cause}}
	if soft {
		pre = append(pre, kv{"soft", true})
	}
	s.evChan(ch, pre, "ChannelHangupRequest", nil)
}

func (s *Server) evCallerID(ch *channel, pres int, txt string) {
	s.evChan(ch, nil, "ChannelCallerId", obj{{"caller_presentation", pres}, {"caller_presentation_txt", txt}})
}

// evDialplan moves the ;2 half to a dialplan application and emits ChannelDialplan; a
// pending caller-id update (its ;1 half's connected line changed) is applied after it.
func (s *Server) evDialplan(ch *channel, prio int, app, data string) {
	ch.dp = dpLoc{Context: ch.context, Exten: ch.exten, Priority: prio, AppName: app, AppData: data}
	s.evChan(ch, nil, "ChannelDialplan", obj{{"dialplan_app", app}, {"dialplan_app_data", data}})
	s.flushCallerID(ch)
}

func (s *Server) flushCallerID(ch *channel) {
	if !ch.pendingCID || ch.peer == nil {
		return
	}
	ch.pendingCID = false
	ch.caller = ch.peer.connected
	s.evCallerID(ch, 0, "Presentation Allowed, Not Screened")
}

func (s *Server) evDial(peer *channel, status string) {
	apps := s.chanApps(peer)
	s.emit(apps, nil, "Dial", obj{{"dialstatus", status}, {"forward", ""}, {"dialstring", peer.dialstring}, {"peer", s.snap(peer)}})
}

var causeText = map[int]string{
	0:  "Unknown",
	1:  "Unallocated (unassigned) number",
	16: "Normal Clearing",
	17: "User busy",
	18: "No user responding",
	19: "User alerting, no answer",
	20: "Subscriber absent",
	21: "Call Rejected",
	26: "Answered elsewhere",
	27: "Destination out of order",
	34: "Circuit/channel congestion",
}

func causeTxt(c int) string {
	if t, ok := causeText[c]; ok {
		return t
	}
	return "Unknown"
}

// ---- channel life cycle ----------------------------------------------------------------

func (s *Server) addChannel(ch *channel) {
	s.chanOrder++
	ch.order = s.chanOrder
	if ch.vars == nil {
		ch.vars = map[string]string{}
	}
	s.channels[ch.id] = ch
}

func (s *Server) chTimer(ch *channel, d time.Duration, f func()) *time.Timer {
	t := s.after(d, func() {
		if ch.destroyed {
			return
		}
		f()
	})
	ch.timers = append(ch.timers, t)
	return t
}

// newLocalPair creates the two halves of Local/<exten>@<context>.
func (s *Server) newLocalPair(exten, context, id1, id2 string, cid party) (*channel, *channel) {
	base := fmt.Sprintf("Local/%s@%s-%08x", exten, context, s.nextUnreal())
	now := time.Now()
	c1 := &channel{id: id1, name: base + ";1", state: "Down", caller: cid, connected: cid, created: now,
		half: 1, dialstring: exten + "@" + context, context: context, exten: exten,
		dp: dpLoc{Context: context, Exten: exten, Priority: 1, AppName: "AppDial2", AppData: "(Outgoing Line)"}}
	c2 := &channel{id: id2, name: base + ";2", state: "Ring", caller: cid, connected: cid, created: now,
		half: 2, dialstring: exten + "@" + context, context: context, exten: exten,
		dp: dpLoc{Context: context, Exten: exten, Priority: 1}}
	c1.peer, c2.peer = c2, c1
	s.addChannel(c1)
	s.addChannel(c2)
	return c1, c2
}

type inboundSpec struct {
	app, queue       string
	extra            []string
	cid              party
	id1, id2         string
	patience         time.Duration
	talkFor          time.Duration
	hangAfterAnswer  time.Duration
	cause            int
	originateCounted bool
	agentEnds        bool
}

// newInbound creates a customer call: the ;2 half runs [from-caller] and enters
// Stasis(app,queue=<queue>,...) in state Ring.
func (s *Server) newInbound(sp inboundSpec) (*channel, error) {
	if s.channels[sp.id1] != nil || s.channels[sp.id2] != nil {
		return nil, errConflict
	}
	c1, c2 := s.newLocalPair(sp.queue, "from-caller", sp.id1, sp.id2, sp.cid)
	s.stats.CallsPlaced++
	args := append([]string{"queue=" + sp.queue}, sp.extra...)
	c2.inbound = &inboundState{patience: sp.patience, talkFor: sp.talkFor, hangAfterAnswer: sp.hangAfterAnswer, cause: sp.cause, agentEnds: sp.agentEnds}
	a := s.apps[sp.app]
	s.calls.placed(c2, sp.queue, a != nil && a.conn != nil)
	if a == nil || a.conn == nil {
		// Stasis fails: the ;2 half goes on to Hangup() and the pair disappears.
		s.stats.CallsFailed++
		s.teardown(c2, 16, nil)
		s.teardown(c1, 16, nil)
		return c1, nil
	}
	c2.dp = dpLoc{Context: "from-caller", Exten: sp.queue, Priority: 2, AppName: "Stasis", AppData: stasisAppData(sp.app, args)}
	c2.stasisApp, c2.inStasis, c2.args = sp.app, true, args
	s.evChan(c2, nil, "StasisStart", obj{{"args", args}})
	if sp.patience > 0 {
		c2.inbound.patienceT = s.chTimer(c2, s.scale(sp.patience), func() {
			if !c2.inbound.talking {
				s.callerHangup(c2, c2.inbound.cause)
			}
		})
	}
	return c1, nil
}

// callerHangup: the customer's handset (the ;1 half of an inbound pair) hangs up.
func (s *Server) callerHangup(c2 *channel, cause int) {
	if c2.destroyed || c2.hangingUp {
		return
	}
	c1 := c2.peer
	s.calls.callerHangup(c2)
	s.evHangupRequest(c2, cause, false)
	if c1 != nil && !c1.destroyed {
		s.teardown(c1, 16, nil)
	}
	s.teardown(c2, 16, nil)
}

// startDial runs the far end of an originated Local pair according to its Behaviour.
func (s *Server) startDial(c1, c2 *channel, timeout time.Duration) {
	b := c2.beh
	s.evCallerID(c2, 0, "Presentation Allowed, Not Screened")
	s.evChan(c2, nil, "ChannelConnectedLine", nil)
	s.evDial(c1, "")
	switch {
	case b.Busy:
		s.evDialplan(c2, 1, "Busy", "5")
		s.evState(c2, "Busy")
		s.evDial(c1, "BUSY")
		s.evHangupRequest(c2, 0, false)
		s.teardown(c1, 0, nil)
		s.evHangupRequest(c2, 16, true)
		s.teardown(c2, 17, nil)
		return
	case b.Fail:
		s.evDialplan(c2, 1, "Congestion", "")
		s.evDial(c1, "CHANUNAVAIL")
		s.evHangupRequest(c2, 0, false)
		s.teardown(c1, 34, nil)
		s.evHangupRequest(c2, 16, true)
		s.teardown(c2, 34, nil)
		return
	}
	if b.Cause != 0 {
		// Hangup(<cause>) before an answer: as Busy() in outbound-busy.jsonl, the originated
		// ;1 half ends with cause 0 and the ;2 half's ChannelDestroyed carries the cause
		s.chTimer(c2, s.scale(b.RingFor), func() {
			s.evDialplan(c2, 1, "Hangup", strconv.Itoa(b.Cause))
			s.evHangupRequest(c2, 0, false)
			s.teardown(c1, 0, nil)
			s.evHangupRequest(c2, 16, true)
			s.teardown(c2, b.Cause, nil)
		})
		return
	}
	s.evDialplan(c2, 1, "Ringing", "")
	s.evState(c1, "Ringing")
	s.evDial(c1, "RINGING")
	wait := "60"
	if !b.NoAnswer {
		wait = strconv.Itoa(int(math.Round(b.RingFor.Seconds())))
	}
	s.evDialplan(c2, 2, "Wait", wait)
	if timeout > 0 {
		c2.timeoutT = s.chTimer(c2, timeout, func() { s.noAnswer(c1, c2) })
	}
	if !b.NoAnswer {
		ring := s.scale(b.RingFor)
		if timeout <= 0 || ring < timeout {
			s.chTimer(c2, ring, func() { s.answerLocal(c1, c2) })
		}
	}
}

func (s *Server) noAnswer(c1, c2 *channel) {
	if c2.answered || c2.destroyed {
		return
	}
	s.evHangupRequest(c2, 19, false)
	s.teardown(c1, 19, nil)
	s.evHangupRequest(c2, 16, true)
	s.teardown(c2, 19, nil)
}

func promptFor(context string) (string, time.Duration) {
	if context == "outbound" {
		return "tt-weasels", 2950 * time.Millisecond
	}
	return "tt-monkeys", 16180 * time.Millisecond
}

// answerLocal: the far end answers.
func (s *Server) answerLocal(c1, c2 *channel) {
	if c2.answered || c1.destroyed || c2.destroyed {
		return
	}
	c2.answered = true
	s.stopTimer(c2.timeoutT)
	s.evDialplan(c2, 3, "Answer", "")
	s.evState(c1, "Up")
	s.evDial(c1, "ANSWER")
	s.evState(c2, "Up")
	if c1.app != "" {
		if a := s.apps[c1.app]; a == nil || a.conn == nil {
			// Stasis() fails on an application without a socket: Asterisk logs it, sets
			// STASISSTATUS=FAILED and hangs up on whoever answered; no StasisStart.
			s.log.Error(fmt.Sprintf("ERROR res_stasis.c: Stasis app '%s' not active", c1.app), "channel", c1.id)
			s.stats.StasisFailed++
			c1.dp = dpLoc{Context: c1.context, Exten: c1.exten, Priority: 1, AppName: "Stasis", AppData: stasisAppData(c1.app, c1.appArgs)}
			s.evVarset(c1, "STASISSTATUS", "FAILED")
			s.evHangupRequest(c1, 16, false)
			s.teardown(c1, 16, nil)
			s.evHangupRequest(c2, 16, true)
			s.teardown(c2, 16, nil)
			return
		}
		c1.dp = dpLoc{Context: c1.context, Exten: c1.exten, Priority: 1, AppName: "Stasis", AppData: stasisAppData(c1.app, c1.appArgs)}
		s.evVarset(c1, "STASISSTATUS", "")
		c1.stasisApp, c1.inStasis, c1.args = c1.app, true, c1.appArgs
		args := c1.appArgs
		if args == nil {
			args = []string{}
		}
		s.evChan(c1, nil, "StasisStart", obj{{"args", args}})
	}
	b := c2.beh
	prompt, plen := promptFor(c2.context)
	start := 500 * time.Millisecond
	if b.HangupAfter == 0 || b.HangupAfter > start {
		s.chTimer(c2, s.scale(start), func() {
			c2.inPlayback = true
			s.evDialplan(c2, 4, "Playback", prompt)
			rest := b.HangupAfter - start - plen
			if b.HangupAfter != 0 && rest <= 0 {
				return
			}
			s.chTimer(c2, s.scale(plen), func() {
				c2.inPlayback = false
				s.evVarset(c2, "PLAYBACKSTATUS", "SUCCESS")
				w := "600"
				if b.HangupAfter > 0 {
					w = strconv.Itoa(int(math.Round(rest.Seconds())))
				}
				s.evDialplan(c2, 5, "Wait", w)
			})
		})
	}
	if b.HangupAfter > 0 {
		s.chTimer(c2, s.scale(b.HangupAfter), func() { s.farHangup(c2, 16) })
	}
	s.scheduleHold(c1, c2, b)
}

// farHangup: the party behind ch hangs up (dialplan Hangup(), a customer putting the phone
// down, HangupChannel).
func (s *Server) farHangup(ch *channel, cause int) {
	if ch.destroyed {
		return
	}
	switch {
	case ch.inbound != nil:
		s.callerHangup(ch, cause)
	case ch.half == 1 && ch.peer != nil && ch.peer.inbound != nil:
		s.callerHangup(ch.peer, cause)
	case ch.half == 1 && ch.peer != nil && !ch.peer.destroyed:
		s.farHangup(ch.peer, cause)
	case ch.half == 2:
		c1 := ch.peer
		if ch.inPlayback {
			ch.inPlayback = false
			s.evVarset(ch, "PLAYBACKSTATUS", "SUCCESS")
		}
		s.evDialplan(ch, 6, "Hangup", "")
		s.evHangupRequest(ch, cause, true)
		if c1 != nil && !c1.destroyed {
			s.evHangupRequest(c1, cause, false)
		}
		s.teardown(ch, cause, nil)
		if c1 != nil && !c1.destroyed {
			s.teardown(c1, cause, nil)
		}
	default:
		s.evHangupRequest(ch, cause, false)
		s.teardown(ch, cause, nil)
	}
}

// appHangup: DELETE /channels/{id}. A channel in Stasis processes the hang-up from its
// Stasis loop a moment later (Config.localDelay); a channel running dialplan at once. Which
// half of a Local pair goes first decides the events, as on Asterisk (compare the traces
// inbound-answered and snoop).
func (s *Server) appHangup(ch *channel, cause int) {
	s.evHangupRequest(ch, 32, true)
	if ch.hangingUp {
		s.finishPending(ch)
		return
	}
	if ch.inStasis {
		if ch.deleteT == nil {
			ch.deleteT = s.chTimer(ch, s.cfg.localDelay, func() { s.hangupNow(ch, cause) })
		}
		return
	}
	s.hangupNow(ch, cause)
}

func (s *Server) hangupNow(ch *channel, cause int) {
	if ch.destroyed {
		return
	}
	peer := ch.peer
	if ch.half != 0 && peer != nil && !peer.destroyed && !peer.hangingUp {
		if !ch.inStasis {
			s.evHangupRequest(ch, 16, true)
		}
		if peer.deleteT != nil {
			// the peer has its own hang-up pending: it only learns of this one
			s.evHangupRequest(peer, 16, false)
			s.teardown(ch, cause, nil)
			return
		}
		s.teardown(ch, cause, func() { s.evHangupRequest(peer, 16, false) })
		s.schedulePeerTeardown(peer)
		return
	}
	s.teardown(ch, cause, nil)
}

// schedulePeerTeardown: the other half of a Local pair follows a hang-up shortly after
// (Asterisk does it from the channel's own thread), so it still exists for a moment.
func (s *Server) schedulePeerTeardown(peer *channel) {
	peer.hangingUp = true
	peer.teardownTimer = s.after(s.cfg.localDelay, func() {
		if !peer.destroyed {
			s.finishPending(peer)
		}
	})
}

func (s *Server) finishPending(ch *channel) {
	s.stopTimer(ch.teardownTimer)
	if ch.destroyed {
		return
	}
	if !ch.inStasis {
		s.evHangupRequest(ch, 16, true)
	}
	s.teardown(ch, 16, nil)
}

// teardown destroys ch: it leaves its bridge and Stasis, then ChannelDestroyed. hook runs
// between StasisEnd and ChannelDestroyed.
func (s *Server) teardown(ch *channel, cause int, hook func()) {
	if ch.destroyed {
		return
	}
	ch.hangingUp = true
	for _, sn := range ch.snoops {
		if !sn.destroyed {
			s.evHangupRequest(sn, 16, false)
			s.teardown(sn, 16, nil)
		}
	}
	if ch.bridge != nil {
		s.leaveBridge(ch, false)
	}
	for id, fail := range ch.playing { // the playback ends (failed) before the channel leaves Stasis
		delete(ch.playing, id)
		fail()
	}
	if ch.inStasis {
		s.evChan(ch, nil, "StasisEnd", nil)
		ch.inStasis = false
		if ch.half == 1 {
			s.evVarset(ch, "STASISSTATUS", "SUCCESS")
		}
	}
	if hook != nil {
		hook()
	}
	if ch.inPlayback {
		ch.inPlayback = false
		s.evVarset(ch, "PLAYBACKSTATUS", "SUCCESS")
	}
	switch ch.half {
	case 1:
		ch.dp = dpLoc{Context: ch.context, Exten: ch.exten, Priority: 1, AppName: "AppDial2", AppData: "(Outgoing Line)"}
	case 2:
		ch.dp.AppName, ch.dp.AppData = "", ""
	}
	ch.destroyed = true
	if ch.inbound != nil {
		s.calls.destroyed(ch)
	}
	for _, t := range ch.timers {
		s.stopTimer(t)
	}
	ch.timers = nil
	s.stopTimer(ch.teardownTimer)
	delete(s.channels, ch.id)
	if ch.snoopOf != nil {
		ch.snoopOf.snoops = removeChan(ch.snoopOf.snoops, ch)
		if !ch.snoopOf.destroyed {
			s.snoopNoise(ch.snoopOf)
		}
	}
	s.evChan(ch, nil, "ChannelDestroyed", obj{{"cause", cause}, {"cause_txt", causeTxt(cause)}})
	if ch.pendingCID {
		ch.pendingCID = false
		ch.caller = party{}
		s.evCallerID(ch, 67, "Number Unavailable")
	}
	ch.subs = nil
}

// continueDialplan: the channel leaves its bridge and Stasis (StasisEnd) and goes on in the
// dialplan at context/extension/priority, where the application no longer hears of it. The
// simulated dialplan there (a voicemail, an announcement) ends the call a moment later.
func (s *Server) continueDialplan(ch *channel, context, exten string, prio int) {
	if ch.bridge != nil {
		s.leaveBridge(ch, false)
	}
	s.evChan(ch, nil, "StasisEnd", nil)
	ch.inStasis = false
	ch.subs = nil
	if context == "" {
		context = ch.dp.Context
	}
	if exten == "" {
		exten = ch.dp.Exten
	}
	ch.dp = dpLoc{Context: context, Exten: exten, Priority: prio}
	s.stats.Continued++
	s.chTimer(ch, s.scale(time.Second), func() { s.farHangup(ch, 16) })
}

func removeChan(l []*channel, c *channel) []*channel {
	out := l[:0]
	for _, x := range l {
		if x != c {
			out = append(out, x)
		}
	}
	return out
}

// ---- bridges ---------------------------------------------------------------------------

func (s *Server) joinBridge(b *bridge, ch *channel) {
	if ch.bridge == b {
		return
	}
	if ch.bridge != nil {
		s.leaveBridge(ch, true)
	}
	b.members = append(b.members, ch)
	ch.bridge = b
	if b.subs == nil {
		b.subs = map[string]bool{}
	}
	if ch.inStasis && ch.stasisApp != "" {
		b.subs[ch.stasisApp] = true
	}
	s.emit(union(s.chanApps(ch), b.subs), nil, "ChannelEnteredBridge", obj{{"bridge", s.bridgeSnap(b)}, {"channel", s.snap(ch)}})
}

// peerValue is BRIDGEPEER for m: the recorder first, then the other members in join order.
func (b *bridge) peerValue(m *channel) string {
	var names []string
	if b.rec != nil {
		names = append(names, b.rec.recName)
	}
	for _, o := range b.members {
		if o != m {
			names = append(names, o.name)
		}
	}
	return strings.Join(names, ",")
}

// updatePeers refreshes BRIDGEPEER and connected lines of a mixing bridge's members.
func (s *Server) updatePeers(b *bridge, force bool) {
	if b.typ != "mixing" {
		return
	}
	if len(b.members) >= 2 || force {
		for _, m := range b.members {
			v := b.peerValue(m)
			if v == "" && m.vars["BRIDGEPEER"] == "" {
				continue
			}
			if force || m.vars["BRIDGEPEER"] != v {
				s.evVarset(m, "BRIDGEPEER", v)
			}
		}
	}
	switch len(b.members) {
	case 2:
		x, y := b.members[0], b.members[1]
		s.setConnected(x, y.caller)
		s.setConnected(y, x.caller)
		for _, m := range b.members {
			if m.inbound != nil && !m.inbound.talking {
				m.inbound.talking = true
				if m == x {
					s.calls.bridged(m, y)
				} else {
					s.calls.bridged(m, x)
				}
				s.stopTimer(m.inbound.patienceT)
				if m.inbound.talkFor > 0 {
					c := m
					s.chTimer(c, s.scale(m.inbound.talkFor), func() {
						if c.inbound.agentEnds {
							s.agentHangsUp(c)
						} else {
							s.callerHangup(c, c.inbound.cause)
						}
					})
				}
			}
		}
	}
}

func (s *Server) setConnected(ch *channel, p party) {
	if ch.connected == p {
		return
	}
	ch.connected = p
	s.evChan(ch, nil, "ChannelConnectedLine", nil)
	if ch.half == 1 && ch.peer != nil && !ch.peer.destroyed {
		ch.peer.pendingCID = true
	}
}

// leaveBridge removes ch from its bridge; explicit is true for removeChannel and moves.
func (s *Server) leaveBridge(ch *channel, explicit bool) {
	b := ch.bridge
	if b == nil {
		return
	}
	before := b.participants()
	realBefore := len(b.members)
	if ch.vars["BRIDGEPEER"] != "" {
		s.evVarset(ch, "BRIDGEPEER", "")
	}
	b.members = removeChan(b.members, ch)
	ch.bridge = nil
	ids := b.realIDs()
	if len(ids) == 0 {
		switch {
		case b.rec != nil:
			ids = []string{b.rec.uid}
		case b.typ == "holding" && b.moh:
			ids = []string{b.announcerUID}
		}
	}
	s.emit(union(s.chanApps(ch), b.subs), nil, "ChannelLeftBridge", obj{{"bridge", s.bsnap(b, ids, b.tech(before))}, {"channel", s.snap(ch)}})
	if b.typ == "mixing" && len(b.members) > 0 {
		for _, m := range b.members {
			if v := b.peerValue(m); m.vars["BRIDGEPEER"] != v {
				s.evVarset(m, "BRIDGEPEER", v)
			}
		}
		if len(b.members) == 1 {
			s.setConnected(b.members[0], party{})
		}
	}
	if r := b.rec; r != nil && b.typ == "mixing" {
		switch {
		case len(b.members) == 0:
			s.finishRecording(r)
		case len(b.members) == 1 && realBefore >= 2:
			r.talkEnd = time.Now()
			s.stopTimer(r.finishT)
			r.finishT = s.after(s.scale(4*time.Second), func() { s.finishRecording(r) })
		}
	}
	if explicit && len(b.members) == 0 {
		b.subs = map[string]bool{}
	}
}

func (s *Server) destroyBridge(b *bridge) {
	if r := b.rec; r != nil && r.state != "done" && s.cfg.LoseRecordingFinished != nil && s.cfg.LoseRecordingFinished() {
		r.silent = true // destroyed while recording: this time no RecordingFinished
	}
	for len(b.members) > 0 {
		s.leaveBridge(b.members[0], false)
	}
	if b.rec != nil {
		s.finishRecording(b.rec)
	}
	delete(s.bridges, b.id)
	s.emit(union(nil, b.subs), nil, "BridgeDestroyed", obj{{"bridge", s.bridgeSnap(b)}})
	s.tombstones[b.id] = struct{}{}
	s.tombOrder = append(s.tombOrder, b.id)
	if len(s.tombOrder) > 10000 {
		delete(s.tombstones, s.tombOrder[0])
		s.tombOrder = s.tombOrder[1:]
	}
}

// ---- recordings ------------------------------------------------------------------------

func (s *Server) startRecording(b *bridge, name, format string, maxDur time.Duration) *recording {
	r := &recording{name: name, format: format, target: "bridge:" + b.id, state: "recording", bridge: b,
		started: time.Now(), recName: fmt.Sprintf("Recorder/ARI-%08x;2", s.nextUnreal()), uid: s.newUID()}
	b.rec = r
	s.live[name] = r
	s.updatePeers(b, false)
	s.emit(union(nil, b.subs), nil, "RecordingStarted", obj{{"recording", liveRecordingJSON{name, format, "recording", r.target}}})
	if maxDur > 0 {
		r.maxT = s.after(s.scale(maxDur), func() { s.finishRecording(r) })
	}
	return r
}

func (s *Server) finishRecording(r *recording) {
	if r.state == "done" {
		return
	}
	r.state = "done"
	s.stopTimer(r.finishT)
	s.stopTimer(r.maxT)
	end := time.Now()
	if !r.talkEnd.IsZero() {
		end = r.talkEnd
	}
	simSecs := float64(end.Sub(r.started)) * s.cfg.Speed / float64(time.Second)
	if simSecs < 0 {
		simSecs = 0
	}
	dur, samples := int(simSecs), int(simSecs*wavRate)
	b := r.bridge
	if b.rec == r {
		b.rec = nil
	}
	if s.live[r.name] == r {
		delete(s.live, r.name)
	}
	s.stored[r.name] = &storedRec{name: r.name, format: r.format, duration: dur, samples: samples}
	s.stats.Recordings++
	path := s.recordingPath(r.name, r.format)
	name := r.name
	if !s.files.addWrite(func() {
		if err := writeWAV(path, name, samples); err != nil {
			s.log.Error("sim: write recording", "path", path, "err", err)
		}
	}) {
		s.stats.RecordingsUnwritten++
	}
	if r.silent {
		s.stats.RecordingsSilent++
		return
	}
	s.emit(union(nil, b.subs), nil, "RecordingFinished", obj{{"recording", finishedRecordingJSON{r.name, r.format, "done", r.target, dur}}})
}
