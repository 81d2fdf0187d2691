package sim

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// soundLengths are the lengths of the core sounds the simulator knows how to play (the
// dialler's drop message among them); any other sound: soundDefault.
var soundLengths = map[string]time.Duration{
	"sound:vm-goodbye":      1100 * time.Millisecond,
	"sound:tt-weasels":      2950 * time.Millisecond,
	"sound:tt-monkeys":      16180 * time.Millisecond,
	"sound:silence/1":       time.Second,
	"sound:agent-loginok":   900 * time.Millisecond,
	"sound:pbx-invalid":     1500 * time.Millisecond,
	"sound:cannot-complete": 3000 * time.Millisecond,
}

const soundDefault = 2 * time.Second

// play is POST /channels/{id}/play: a Playback (201), PlaybackStarted now and PlaybackFinished
// (state done) when the sound ends, as Asterisk does. A hang-up during the sound ends it with
// PlaybackFinished state failed before the channel leaves Stasis (res_stasis_playback's final
// update: the stream returned -1); one before it started (still queued) reports nothing.
func (s *Server) play(ch *channel, media, id string) reply {
	if media == "" {
		return fail(http.StatusBadRequest, "media: Missing required field")
	}
	if !strings.Contains(media, ":") {
		return fail(http.StatusBadRequest, "media: unknown media type")
	}
	if id == "" {
		id = fmt.Sprintf("%d.%d", s.epoch, s.nextUnreal())
	}
	pb := func(state string) obj {
		return obj{{"id", id}, {"media_uri", media}, {"target_uri", "channel:" + ch.id}, {"language", "en"}, {"state", state}}
	}
	d, ok := soundLengths[media]
	if !ok {
		d = soundDefault
	}
	apps := s.chanApps(ch)
	p := s.addPlayback(id, ch, apps, pb)
	s.after(0, func() {
		if ch.destroyed || p.done {
			return
		}
		s.emit(apps, nil, "PlaybackStarted", obj{{"playback", pb("playing")}})
		s.answerPrompt(ch)
		if ch.playing == nil {
			ch.playing = map[string]func(){}
		}
		ch.playing[id] = func() { // a hang-up during the sound (model.go's teardown)
			if p.done {
				return
			}
			p.done = true
			s.stopTimer(p.timer)
			delete(s.playbacks, id)
			s.emit(apps, nil, "PlaybackFinished", obj{{"playback", pb("failed")}})
		}
		p.timer = s.chTimer(ch, s.scale(d), func() { s.endPlayback(p) })
	})
	return reply{http.StatusCreated, pb("queued")}
}
