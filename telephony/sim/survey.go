package sim

import (
	"net/http"
	"time"
)

// The post-call survey as a caller lives it (issue 14): after the agent hangs up (the agent
// phone's Behaviour.HangupAfter, or CallerSpec.AgentHangsUp), the caller's channel stays in
// Stasis, callfloor plays questions to it and the caller answers with a key during each prompt
// (CallerSpec.SurveyAnswers, one per prompt in order; "" presses nothing), or hangs up during
// one (CallerSpec.SurveyHangUpAt). Only prompts played once the conversation is over count:
// one played while the caller waits (a call-back offer) is not the survey. A key is a
// ChannelDtmfReceived on the caller's channel (dtmf.go), as Asterisk sends it. A prompt
// answered early is stopped by the application with DELETE /playbacks/{id}: Asterisk ends it
// with PlaybackFinished, state "done", as a playback that played to its end
// (res_stasis_playback reports stopped, canceled and complete alike).

// SurveyAnswerAfter is how long after a prompt starts (PlaybackStarted) the caller presses its
// key, or hangs up (simulated time; the key's event follows DTMFDuration later, as dtmf.go does).
const SurveyAnswerAfter = 500 * time.Millisecond

// AfterAgentLinger bounds how long a caller whose agent hung up (CallerSpec.AgentHangsUp) stays
// on the line when nobody ends the call: then they hang up, as a caller hearing nothing would.
const AfterAgentLinger = 2 * time.Minute

// agentHangsUp: the party talking with caller c2 hangs up (its phone: the far half of its Local
// pair, with the dialplan's Hangup(), as Behaviour.HangupAfter does); the caller stays in
// Stasis. With nobody else in the caller's bridge (a transfer under way), the caller hangs up.
func (s *Server) agentHangsUp(c2 *channel) {
	if c2.destroyed || c2.hangingUp {
		return
	}
	var other *channel
	if b := c2.bridge; b != nil {
		for _, m := range b.members {
			if m != c2 && !m.destroyed && !m.hangingUp {
				other = m
				break
			}
		}
	}
	if other == nil {
		s.callerHangup(c2, c2.inbound.cause)
		return
	}
	s.farHangup(other, 16)
	s.chTimer(c2, s.scale(AfterAgentLinger), func() { s.callerHangup(c2, c2.inbound.cause) })
}

// playback is a playback in progress (POST /channels/{id}/play).
type playback struct {
	id    string
	ch    *channel
	apps  []string
	snap  func(state string) obj
	timer *time.Timer
	done  bool
}

func (s *Server) addPlayback(id string, ch *channel, apps []string, snap func(string) obj) *playback {
	if s.playbacks == nil {
		s.playbacks = map[string]*playback{}
	}
	p := &playback{id: id, ch: ch, apps: apps, snap: snap}
	s.playbacks[id] = p
	return p
}

// endPlayback finishes p (its end, or stopped): PlaybackFinished, state done.
func (s *Server) endPlayback(p *playback) {
	if p.done {
		return
	}
	p.done = true
	s.stopTimer(p.timer)
	delete(s.playbacks, p.id)
	delete(p.ch.playing, p.id)
	if p.ch.destroyed {
		return
	}
	s.emit(p.apps, nil, "PlaybackFinished", obj{{"playback", p.snap("done")}})
}

// routePlaybacks serves /playbacks/{id}: GET (the Playback) and DELETE (stop it, 204).
func (s *Server) routePlaybacks(method string, segs []string) reply {
	if len(segs) != 2 {
		return fail(http.StatusNotFound, "Resource not found")
	}
	s.lock()
	defer s.unlock()
	p := s.playbacks[segs[1]]
	if p != nil && p.ch.destroyed {
		delete(s.playbacks, p.id)
		p = nil
	}
	if p == nil {
		return fail(http.StatusNotFound, "Playback not found")
	}
	switch method {
	case http.MethodGet:
		return ok(p.snap("playing"))
	case http.MethodDelete:
		s.endPlayback(p)
		return noContent()
	}
	return fail(http.StatusMethodNotAllowed, "Method not allowed")
}

// answerPrompt: a prompt started on ch; once the caller's conversation is over, a simulated
// caller presses their next answer a moment later, or hangs up at the prompt SurveyHangUpAt says.
func (s *Server) answerPrompt(ch *channel) {
	in := ch.inbound
	if in == nil || !in.talking || (ch.bridge != nil && len(ch.bridge.members) > 1) {
		return // waiting, or still talking: not the survey
	}
	in.prompts++
	if in.prompts == in.hangUpAt {
		s.chTimer(ch, s.scale(SurveyAnswerAfter), func() { s.callerHangup(ch, in.cause) })
		return
	}
	if len(in.answers) == 0 {
		return
	}
	key := in.answers[0]
	in.answers = in.answers[1:]
	if key == "" {
		return
	}
	s.scheduleDTMFLocked(ch, SurveyAnswerAfter, key, 0)
}
