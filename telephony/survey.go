package telephony

// The post-call satisfaction survey (issue 14): when the agent hangs up an answered call of a
// queue with a survey, the caller is not hung up. The call ends there (its record, talk time
// and AHT stop when the agent left: metrics.md), and the caller's channel, still in our Stasis
// application, passes to a survey actor of its own that plays the questions (POST
// /channels/{id}/play), takes the keys from ChannelDtmfReceived, plays the thanks and hangs up.
//
// Only ARI operations on the caller's channel, which is in Stasis all along: it is taken out of
// the call's mixing bridge first (the survey is neither recorded nor heard by anyone else).
//
// A question waits for a key while its prompt plays (a key stops the prompt: DELETE
// /playbacks/{id}) and for Survey.Timeout after its PlaybackFinished; no key or a key it does not
// take asks it once more, then the survey goes on without an answer.
//
// Durability: the survey's state is kept in Redis (survey:<call id>, in surveys:<node>) at
// every step, and its result is appended to the change stream (survey.ended) in the same
// transaction that removes that state; the history writer stores it. A callfloor restart
// mid-survey resumes it: the next start loads the state, and the reconciliation after the
// connect asks the question the caller was at again (or ends the survey as abandoned when the
// caller is gone; during the thanks it hangs up).
//
// Concurrency: one goroutine per survey owns its state; the node's event loop only appends to
// its mailbox (never blocks).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	aril "github.com/CyCoreSystems/ari/v5"
	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/telephony/ari"
	"github.com/redis/go-redis/v9"
)

// surveyState is what is kept in Redis while a survey runs.
type surveyState struct {
	Result   callfloor.SurveyResult `json:"result"`
	Channel  string                 `json:"channel"`
	Node     string                 `json:"node"`
	Question int                    `json:"question"` // 1, 2; 3 = the thanks
	Tries    int                    `json:"tries"`    // times the current question was asked
}

type surveyTimer struct{ seq int }
type surveyReconcile struct{ live map[string]ari.StasisChannel }

// survey is the actor of one running survey.
type survey struct {
	acd  *ACD
	node *node
	cfg  callfloor.Survey
	st   surveyState

	mu      sync.Mutex
	mailbox []any
	signal  chan struct{}
	dead    bool

	playback string // the prompt playing now ("": none)
	waiting  bool   // the prompt ended: the question's timeout runs
	seq      int    // current timer
	timer    *time.Timer
	restored bool // loaded after a restart: waits for the reconciliation
	done     bool
}

// surveyRedisTimeout bounds each Redis write of a survey.
const surveyRedisTimeout = 3 * time.Second

// promptBackstop bounds the wait for a prompt's PlaybackFinished (a lost event must not leave
// the caller in silence for ever).
const promptBackstop = 45 * time.Second

func (a *ACD) surveyKey(id string) string { return a.store.Prefix() + "survey:" + id }
func (a *ACD) surveysKey(node string) string {
	return a.store.Prefix() + "surveys:" + node
}

// startSurvey is asked by an inbound call the agent hung up (endInbound): true when the caller
// now belongs to a survey and must not be hung up.
func (cl *call) startSurvey() bool {
	c := cl.c
	q := cl.queueCfg()
	if q == nil || q.Survey == nil || !q.Survey.Enabled || c.CallerChannel == "" || cl.handedOver || cl.agentLeft || cl.lost {
		return false
	}
	if !q.Survey.Offers(c.ID) || !cl.node.connected() {
		return false
	}
	lang := q.Survey.Language
	for _, arg := range c.Args {
		if k, v, ok := strings.Cut(arg, "="); ok && strings.TrimSpace(k) == "lang" && q.Survey.Prompts[strings.TrimSpace(v)].Q1 != "" {
			lang = strings.TrimSpace(v)
		}
	}
	number := c.CallerNumber
	if n, err := callfloor.CanonicalPhone(number, "86"); err == nil {
		number = n
	}
	team := ""
	if ag := cl.acd.settings().agents[c.Agent]; ag != nil {
		team = ag.Team
	}
	sv := &survey{acd: cl.acd, node: cl.node, cfg: *q.Survey, signal: make(chan struct{}, 1),
		st: surveyState{Channel: c.CallerChannel, Node: cl.node.name, Question: 1, Result: callfloor.SurveyResult{
			CallID: c.ID, CallEntered: c.EnteredAt, Number: number, Queue: c.Queue, Agent: c.Agent, Team: team,
			Language: lang, OfferedAt: cl.acd.now(),
		}}}
	if err := sv.save(); err != nil {
		cl.warn("survey not offered: its state cannot be kept", err)
		return false
	}
	// out of the call's bridge before the bridge goes (the survey is not recorded)
	if c.MixBridge != "" {
		if err := cl.ari().RemoveChannel(cl.ctx(), c.MixBridge, c.CallerChannel); err != nil && !ari.IsNotFound(err) && !ari.IsUnprocessable(err) {
			cl.warn("taking the caller out of the call bridge for the survey", err)
		}
	}
	cl.logf("survey offered", "channel", c.CallerChannel, "language", lang)
	sv.register()
	sv.start(msgSurveyStart{})
	return true
}

type msgSurveyStart struct{}

func (sv *survey) register() {
	a := sv.acd
	a.mu.Lock()
	if sv.node.surveys == nil {
		sv.node.surveys = map[string]*survey{}
	}
	sv.node.surveys[sv.st.Channel] = sv
	a.mu.Unlock()
}

func (sv *survey) unregister() {
	a := sv.acd
	a.mu.Lock()
	if sv.node.surveys[sv.st.Channel] == sv {
		delete(sv.node.surveys, sv.st.Channel)
	}
	a.mu.Unlock()
}

// surveyFor is the survey running on channel id, if any.
func (n *node) surveyFor(id string) *survey {
	n.acd.mu.Lock()
	defer n.acd.mu.Unlock()
	return n.surveys[id]
}

// surveyEvent hands an event of channel id to its survey; false when no survey has it.
func (n *node) surveyEvent(id string, ev aril.Event) bool {
	if sv := n.surveyFor(id); sv != nil {
		return sv.send(msgEvent{ev})
	}
	return false
}

// reconcileSurveys tells the node's surveys which channels Asterisk has after a (re)connect.
func (n *node) reconcileSurveys(live map[string]ari.StasisChannel) {
	n.acd.mu.Lock()
	var all []*survey
	for _, sv := range n.surveys {
		all = append(all, sv)
	}
	n.acd.mu.Unlock()
	for _, sv := range all {
		sv.send(surveyReconcile{live: live})
	}
}

// restoreSurveys loads the surveys this node was running when callfloor stopped; each waits for
// the reconciliation after the connect.
func (a *ACD) restoreSurveys(ctx context.Context, n *node) error {
	rdb := a.store.Client()
	ids, err := rdb.SMembers(ctx, a.surveysKey(n.name)).Result()
	if err != nil {
		return err
	}
	for _, id := range ids {
		b, err := rdb.Get(ctx, a.surveyKey(id)).Bytes()
		if errors.Is(err, redis.Nil) {
			rdb.SRem(ctx, a.surveysKey(n.name), id)
			continue
		}
		if err != nil {
			return err
		}
		var st surveyState
		if err := json.Unmarshal(b, &st); err != nil {
			a.log.Warn("dropping an unreadable survey state", "call", id, "err", err)
			rdb.SRem(ctx, a.surveysKey(n.name), id)
			continue
		}
		cfg := callfloor.Survey{}
		if q := a.settings().queues[st.Result.Queue]; q != nil && q.Survey != nil {
			cfg = *q.Survey
		} else {
			cfg.ApplyDefaults()
		}
		sv := &survey{acd: a, node: n, cfg: cfg, st: st, signal: make(chan struct{}, 1), restored: true}
		sv.register()
		sv.start(nil)
		a.log.Info("restored a survey in progress", "call", id, "question", st.Question)
	}
	return nil
}

func (sv *survey) start(first any) {
	if first != nil {
		sv.send(first)
	}
	sv.acd.wg.Add(1)
	go sv.run()
}

func (sv *survey) send(m any) bool {
	sv.mu.Lock()
	if sv.dead {
		sv.mu.Unlock()
		return false
	}
	sv.mailbox = append(sv.mailbox, m)
	sv.mu.Unlock()
	select {
	case sv.signal <- struct{}{}:
	default:
	}
	return true
}

func (sv *survey) run() {
	defer sv.acd.wg.Done()
	defer func() {
		if sv.timer != nil {
			sv.timer.Stop()
		}
	}()
	for {
		select {
		case <-sv.acd.ctx.Done():
			return // stopping: the state stays in Redis for the next start
		case <-sv.signal:
		}
		for {
			sv.mu.Lock()
			if len(sv.mailbox) == 0 {
				sv.mu.Unlock()
				break
			}
			m := sv.mailbox[0]
			sv.mailbox = sv.mailbox[1:]
			sv.mu.Unlock()
			sv.handle(m)
			if sv.done {
				sv.mu.Lock()
				sv.dead = true
				sv.mailbox = nil
				sv.mu.Unlock()
				sv.unregister()
				return
			}
		}
	}
}

func (sv *survey) ctx() context.Context { return sv.acd.ctx }

func (sv *survey) logf(msg string, args ...any) {
	sv.acd.log.Info(msg, append([]any{"call", sv.st.Result.CallID, "survey_question", sv.st.Question}, args...)...)
}

func (sv *survey) handle(m any) {
	switch m := m.(type) {
	case msgSurveyStart:
		sv.ask()
	case surveyReconcile:
		sv.reconcile(m.live)
	case surveyTimer:
		if m.seq == sv.seq && !sv.restored {
			sv.timeout()
		}
	case msgEvent:
		if sv.restored {
			return // before the reconciliation: nothing is playing that we know of
		}
		switch e := m.ev.(type) {
		case *aril.ChannelDtmfReceived:
			sv.digit(e.Digit)
		case *aril.PlaybackFinished:
			if e.Playback.ID == sv.playback {
				sv.promptEnded()
			}
		case *aril.StasisEnd:
			sv.callerGone()
		case *aril.ChannelDestroyed:
			sv.callerGone()
		}
	}
}

// reconcile resumes a restored survey (or one whose events connection dropped): the caller
// still there hears the question they were at again; a caller gone abandoned it.
func (sv *survey) reconcile(live map[string]ari.StasisChannel) {
	if _, up := live[sv.st.Channel]; !up {
		sv.callerGone()
		return
	}
	if !sv.restored {
		return // running here all along: its events resumed with the connection
	}
	sv.restored = false
	sv.logf("resuming a survey after a restart")
	if sv.st.Question > sv.cfg.Questions() {
		sv.finish(true) // it was thanking them: end it politely, as it would have
		return
	}
	sv.st.Tries = 0
	sv.ask()
}

// ask plays the current question (or the thanks once the questions are over).
func (sv *survey) ask() {
	p := sv.cfg.PromptsFor(sv.st.Result.Language)
	var media string
	switch q := sv.st.Question; {
	case q == 1:
		media = p.Q1
	case q == 2 && q <= sv.cfg.Questions():
		media = p.Q2
	default: // past the last question (the second of a one-question survey too): the thanks
		media = p.Thanks
	}
	sv.st.Tries++
	sv.saveLogged()
	sv.playback = fmt.Sprintf("%s%s-s%d-%d", chanPrefix, sv.st.Result.CallID, sv.st.Question, sv.st.Tries)
	sv.waiting = false
	if err := sv.node.client.Play(sv.ctx(), sv.st.Channel, sv.playback, media); err != nil {
		if ari.IsNotFound(err) {
			sv.callerGone()
			return
		}
		sv.acd.log.Warn("playing a survey prompt", "call", sv.st.Result.CallID, "media", media, "err", err)
		sv.playback = ""
		sv.promptEnded() // wait for a key all the same; the thanks ends the survey
		return
	}
	sv.arm(promptBackstop)
}

func (sv *survey) arm(d time.Duration) {
	if sv.timer != nil {
		sv.timer.Stop()
	}
	sv.seq++
	seq := sv.seq
	sv.timer = time.AfterFunc(d, func() { sv.send(surveyTimer{seq: seq}) })
}

// promptEnded: the prompt played to its end; the question waits for its key.
func (sv *survey) promptEnded() {
	sv.playback = ""
	if sv.st.Question > sv.cfg.Questions() {
		sv.finish(true)
		return
	}
	sv.waiting = true
	sv.arm(sv.cfg.Timeout)
}

func (sv *survey) timeout() {
	if sv.st.Question > sv.cfg.Questions() {
		sv.finish(true) // the thanks' end never came
		return
	}
	if !sv.waiting {
		sv.promptEnded() // the prompt's end never came: its key's wait starts now
		return
	}
	sv.again()
}

// again asks the question once more, or goes on without its answer.
func (sv *survey) again() {
	if sv.st.Tries < 2 {
		sv.ask()
		return
	}
	sv.next()
}

func (sv *survey) next() {
	sv.st.Question++
	sv.st.Tries = 0
	sv.ask()
}

func (sv *survey) digit(d string) {
	q := sv.st.Question
	if q > sv.cfg.Questions() {
		return // keys during the thanks
	}
	if sv.playback != "" {
		// a key during the prompt answers it: stop the prompt (its PlaybackFinished is ignored)
		if err := sv.node.client.StopPlayback(sv.ctx(), sv.playback); err != nil && !ari.IsNotFound(err) {
			sv.acd.log.Warn("stopping a survey prompt", "call", sv.st.Result.CallID, "err", err)
		}
		sv.playback = ""
	}
	if !strings.Contains(sv.cfg.ValidDigits(q), d) || d == "" {
		sv.logf("survey key not taken", "digit", d)
		sv.again()
		return
	}
	r := &sv.st.Result
	now := sv.acd.now()
	if q == 1 {
		r.Q1, r.Q1At, r.Rating = d, now, sv.cfg.Rating(d)
	} else {
		r.Q2, r.Q2At = d, now
	}
	sv.next()
}

// callerGone: the caller hung up (StasisEnd / ChannelDestroyed of their channel) or is gone.
func (sv *survey) callerGone() {
	if sv.st.Question > sv.cfg.Questions() {
		sv.finish(false) // during the thanks: every question was asked
		return
	}
	r := &sv.st.Result
	r.Outcome, r.AbandonedAt = callfloor.SurveyCallerHungUp, sv.st.Question
	sv.end()
}

// finish ends a survey that went through its questions; hangup: the caller is still there.
func (sv *survey) finish(hangup bool) {
	r := &sv.st.Result
	switch answered := btoi(r.Q1 != "") + btoi(r.Q2 != ""); {
	case answered == sv.cfg.Questions():
		r.Outcome = callfloor.SurveyCompleted
	case r.Q1 == "":
		r.Outcome = callfloor.SurveyNoInput
	default:
		r.Outcome = callfloor.SurveyPartial
	}
	if hangup {
		if err := sv.node.client.Hangup(sv.ctx(), sv.st.Channel, "normal"); err != nil && !ari.IsNotFound(err) {
			sv.acd.log.Warn("hanging up after the survey", "call", r.CallID, "err", err)
		}
	}
	sv.end()
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// end records the result: the change stream's survey.ended, with the state removed, in one
// transaction; retried while Redis does not answer (the state stays until it lands).
func (sv *survey) end() {
	r := &sv.st.Result
	if sv.timer != nil {
		sv.timer.Stop()
	}
	r.EndedAt = sv.acd.now()
	if r.Rating == callfloor.RatingDissatisfied && sv.cfg.OnDissatisfied != callfloor.SurveyActionNone {
		r.Action = sv.cfg.OnDissatisfied // done from the history (storage: SurveyActions)
	}
	ev := callfloor.Event{Type: callfloor.EvSurveyEnded, At: r.EndedAt, Survey: r}
	b, err := json.Marshal(ev)
	for attempt := 0; err == nil; attempt++ {
		if err = sv.writeEnd(b); err == nil || sv.ctx().Err() != nil {
			break
		}
		sv.acd.log.Warn("recording a survey result: retrying", "call", r.CallID, "err", err)
		select {
		case <-sv.ctx().Done():
		case <-time.After(retryBackoff(attempt)):
		}
		err = nil
	}
	if err != nil {
		sv.acd.log.Warn("survey result not recorded: its state stays for the next start", "call", r.CallID, "err", err)
	}
	sv.logf("survey ended", "outcome", r.Outcome, "q1", r.Q1, "q2", r.Q2)
	sv.done = true
}

func (sv *survey) writeEnd(ev []byte) error {
	a := sv.acd
	ctx, cancel := context.WithTimeout(sv.ctx(), surveyRedisTimeout)
	defer cancel()
	pipe := a.store.Client().TxPipeline()
	pipe.XAdd(ctx, &redis.XAddArgs{Stream: a.store.StreamKey(), Values: []any{"e", ev}})
	pipe.Del(ctx, a.surveyKey(sv.st.Result.CallID))
	pipe.SRem(ctx, a.surveysKey(sv.st.Node), sv.st.Result.CallID)
	_, err := pipe.Exec(ctx)
	return err
}

func (sv *survey) save() error {
	b, err := json.Marshal(sv.st)
	if err != nil {
		return err
	}
	a := sv.acd
	ctx, cancel := context.WithTimeout(a.ctx, surveyRedisTimeout)
	defer cancel()
	pipe := a.store.Client().TxPipeline()
	pipe.Set(ctx, a.surveyKey(sv.st.Result.CallID), b, 24*time.Hour)
	pipe.SAdd(ctx, a.surveysKey(sv.st.Node), sv.st.Result.CallID)
	_, err = pipe.Exec(ctx)
	return err
}

func (sv *survey) saveLogged() {
	if err := sv.save(); err != nil {
		sv.acd.log.Warn("keeping a survey's state", "call", sv.st.Result.CallID, "err", err)
	}
}
