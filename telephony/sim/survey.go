package sim

import (
	"net/http"
	"time"
)

// The post-call survey as a caller lives it (issue 14): after the agent hangs up (the agent
// phone's Behaviour.HangupAfter), callfloor plays questions to the caller's channel and the
// caller answers with a key during each prompt (CallerSpec.SurveyAnswers, one per prompt in
// order; "" presses nothing). A prompt answered early is stopped by the application with
// DELETE /playbacks/{id}: Asterisk ends it with PlaybackFinished, state "done", as a playback
// that played to its end (res_stasis_playback reports stopped, canceled and complete alike).

// SurveyAnswerAfter is how long after a prompt starts (PlaybackStarted) the caller presses its
// key (simulated time; the key's event follows DTMFDuration later, as dtmf.go does).
const SurveyAnswerAfter = 500 * time.Millisecond

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

// answerPrompt: a prompt started on ch; a simulated caller with survey answers left presses the
// next one a moment later.
func (s *Server) answerPrompt(ch *channel) {
	in := ch.inbound
	if in == nil || len(in.answers) == 0 {
		return
	}
	key := in.answers[0]
	in.answers = in.answers[1:]
	if key == "" {
		return
	}
	s.scheduleDTMFLocked(ch, SurveyAnswerAfter, key, 0)
}
