package telephony_test

import (
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/telephony/sim"
)

// surveyAgentTalk is how long the agent talks before hanging up (Behaviour.HangupAfter).
const surveyAgentTalk = 400 * time.Millisecond

// surveyFloor is a floor whose queue sales runs the survey (questions 1 s long: sound:silence/1,
// the thanks 0.9 s: sound:agent-loginok, 1 s for a key) and whose agents hang up after
// surveyAgentTalk.
func surveyFloor(t *testing.T, second bool, edit ...func(*callfloor.Survey)) *floor {
	t.Helper()
	cfg := testConfig("1001")
	sv := &callfloor.Survey{Enabled: true, Timeout: time.Second, SecondQuestion: second, OnDissatisfied: callfloor.SurveyActionQASample,
		Prompts: map[string]callfloor.SurveyPrompts{
			"zh": {Q1: "sound:silence/1", Q2: "sound:silence/1", Thanks: "sound:agent-loginok"},
			"en": {Q1: "sound:silence/1", Q2: "sound:silence/1", Thanks: "sound:vm-goodbye"},
		}}
	for _, e := range edit {
		e(sv)
	}
	cfg.Queues[0].Survey = sv
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	f := newFloor(t, cfg)
	f.sim.SetDialplan(testDialplan(100*time.Millisecond, surveyAgentTalk, 0))
	f.login("1001")
	return f
}

func (f *floor) surveyResult(within time.Duration) *callfloor.SurveyResult {
	f.t.Helper()
	return f.waitEvent(within, "a survey result", func(e callfloor.Event) bool { return e.Type == callfloor.EvSurveyEnded }).Survey
}

// checkAfterAgent: the call ended when the agent hung up, its talk time is the conversation's
// only, and the survey was offered after that end.
func checkAfterAgent(t *testing.T, c *callfloor.Call, r *callfloor.SurveyResult) {
	t.Helper()
	if c.Outcome != callfloor.OutcomeAnswered || c.HangupBy != callfloor.HangupAgent {
		t.Fatalf("call: outcome %s by %s, want answered, ended by the agent", c.Outcome, c.HangupBy)
	}
	if tk := c.TalkMs(); tk < 300 || tk > 1200 {
		t.Errorf("talk %d ms, want about the agent's %s (the survey not in it)", tk, surveyAgentTalk)
	}
	if r.CallID != c.ID || r.Queue != "sales" || r.Agent != "1001" || r.Team != "t1" || !r.CallEntered.Equal(c.EnteredAt) {
		t.Errorf("survey identity %+v, want call %s sales 1001 t1", r, c.ID)
	}
	if r.OfferedAt.Before(c.EndedAt) || r.EndedAt.Before(r.OfferedAt) {
		t.Errorf("survey offered %s ended %s, call ended %s", r.OfferedAt, r.EndedAt, c.EndedAt)
	}
	if r.Number != "+8613812345678" {
		t.Errorf("number %q, want the canonical +8613812345678", r.Number)
	}
}

// The caller answers Q1 (and Q2) during the prompts: each answer, the call untouched by the
// survey, the caller hung up by callfloor after the thanks.
func TestSurveyAnswered(t *testing.T) {
	cases := []struct {
		name    string
		second  bool
		answers []string
		q1, q2  string
		rating  string
		outcome string
		action  string
	}{
		{"satisfied", false, []string{"1"}, "1", "", callfloor.RatingSatisfied, callfloor.SurveyCompleted, ""},
		{"neutral", false, []string{"2"}, "2", "", callfloor.RatingNeutral, callfloor.SurveyCompleted, ""},
		{"dissatisfied", false, []string{"3"}, "3", "", callfloor.RatingDissatisfied, callfloor.SurveyCompleted, callfloor.SurveyActionQASample},
		{"two questions", true, []string{"1", "2"}, "1", "2", callfloor.RatingSatisfied, callfloor.SurveyCompleted, ""},
		{"second unanswered", true, []string{"3", "", ""}, "3", "", callfloor.RatingDissatisfied, callfloor.SurveyPartial, callfloor.SurveyActionQASample},
		// an invalid key asks again; the answer to the repeat counts
		{"invalid key then answer", false, []string{"7", "2"}, "2", "", callfloor.RatingNeutral, callfloor.SurveyCompleted, ""},
		// no key, asked again, no key: no input (Q2 is still asked)
		{"no input", false, []string{"", ""}, "", "", "", callfloor.SurveyNoInput, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := surveyFloor(t, tc.second)
			caller := f.place(sim.CallerSpec{Queue: "sales", Number: "13812345678", SurveyAnswers: tc.answers})
			c := f.ended(5 * time.Second)
			r := f.surveyResult(15 * time.Second)
			checkAfterAgent(t, c, r)
			if r.Q1 != tc.q1 || r.Q2 != tc.q2 || r.Rating != tc.rating || r.Outcome != tc.outcome || r.Action != tc.action {
				t.Fatalf("result q1 %q q2 %q rating %q outcome %q action %q, want %q %q %q %q %q", r.Q1, r.Q2, r.Rating, r.Outcome, r.Action,
					tc.q1, tc.q2, tc.rating, tc.outcome, tc.action)
			}
			if tc.q1 != "" && (r.Q1At.Before(r.OfferedAt) || r.Q1At.After(r.EndedAt)) {
				t.Errorf("q1 at %s outside the survey %s..%s", r.Q1At, r.OfferedAt, r.EndedAt)
			}
			if tc.outcome == callfloor.SurveyNoInput {
				// asked twice (1 s prompt + 1 s wait each), the thanks 0.9 s
				if d := r.EndedAt.Sub(r.OfferedAt); d < 4*time.Second {
					t.Errorf("no-input survey took %s, want the question asked twice with its timeouts (≥ 4 s)", d)
				}
			}
			// callfloor hung the caller up after the thanks; nothing is left on the node
			testenv.Eventually(t, 3*time.Second, "caller hung up, bridges gone", func() bool {
				st := f.sim.Stats()
				return st.ChannelsLive == 0 && st.BridgesLive == 0
			})
			_ = caller
			if n, _ := f.rdb.Exists(context.Background(), f.prefix+"survey:"+c.ID).Result(); n != 0 {
				t.Error("the survey's live state is still in redis")
			}
			// the agent went to wrap-up at the call's end, not after the survey
			if s := f.agentState("1001"); s.State == callfloor.AgentOnCall {
				t.Errorf("agent still on the call: %+v", s)
			}
		})
	}
}

// A one-question survey with no second prompt configured (the demo's sales queue): after the
// answer the caller hears the thanks (0.9 s), not a play of an empty second prompt that fails,
// then callfloor hangs up.
func TestSurveyOneQuestionThanks(t *testing.T) {
	t.Parallel()
	f := surveyFloor(t, false, func(sv *callfloor.Survey) {
		for lang, p := range sv.Prompts {
			p.Q2 = ""
			sv.Prompts[lang] = p
		}
	})
	f.place(sim.CallerSpec{Queue: "sales", Number: "13812345678", SurveyAnswers: []string{"1"}})
	c := f.ended(5 * time.Second)
	r := f.surveyResult(10 * time.Second)
	checkAfterAgent(t, c, r)
	if r.Outcome != callfloor.SurveyCompleted || r.Q1 != "1" || r.Rating != callfloor.RatingSatisfied {
		t.Fatalf("result %+v, want completed, satisfied", r)
	}
	if d := r.EndedAt.Sub(r.Q1At); d < 800*time.Millisecond {
		t.Errorf("the survey ended %s after the answer: the thanks (0.9 s) was not played", d)
	}
}

// The caller hangs up mid-survey: a partial result, abandoned at the question they were at.
func TestSurveyCallerHangsUp(t *testing.T) {
	t.Run("during Q1", func(t *testing.T) {
		t.Parallel()
		f := surveyFloor(t, true)
		// talks 400 ms (the agent hangs up), then hangs up 0.6 s into the survey
		f.place(sim.CallerSpec{Queue: "sales", Number: "13812345678", TalkFor: time.Second})
		c := f.ended(5 * time.Second)
		r := f.surveyResult(8 * time.Second)
		checkAfterAgent(t, c, r)
		if r.Outcome != callfloor.SurveyCallerHungUp || r.AbandonedAt != 1 || r.Q1 != "" {
			t.Fatalf("result %+v, want caller_hangup at 1", r)
		}
	})
	t.Run("during Q2", func(t *testing.T) {
		t.Parallel()
		f := surveyFloor(t, true)
		// answers Q1 (~0.6 s in), hangs up during Q2
		f.place(sim.CallerSpec{Queue: "sales", Number: "13812345678", TalkFor: 2 * time.Second, SurveyAnswers: []string{"2"}})
		c := f.ended(5 * time.Second)
		r := f.surveyResult(8 * time.Second)
		checkAfterAgent(t, c, r)
		if r.Outcome != callfloor.SurveyCallerHungUp || r.AbandonedAt != 2 || r.Q1 != "2" || r.Rating != callfloor.RatingNeutral {
			t.Fatalf("result %+v, want caller_hangup at 2 with Q1 2 (neutral)", r)
		}
	})
}

// When the caller hangs up first there is no survey; nor for a queue without one.
func TestSurveyNotOffered(t *testing.T) {
	t.Run("caller hangs up first", func(t *testing.T) {
		t.Parallel()
		f := surveyFloor(t, false)
		f.sim.SetDialplan(testDialplan(100*time.Millisecond, 0, 0)) // the agent never hangs up
		f.place(sim.CallerSpec{Queue: "sales", TalkFor: 300 * time.Millisecond, SurveyAnswers: []string{"1"}})
		c := f.ended(5 * time.Second)
		if c.HangupBy != callfloor.HangupCaller {
			t.Fatalf("call ended by %s", c.HangupBy)
		}
		time.Sleep(1500 * time.Millisecond)
		if n := f.countEvents(callfloor.EvSurveyEnded); n != 0 {
			t.Fatalf("%d survey results, want none", n)
		}
	})
	t.Run("offered to 0 percent", func(t *testing.T) {
		t.Parallel()
		zero := 0
		f := surveyFloor(t, false, func(s *callfloor.Survey) { s.OfferPercent = &zero })
		f.place(sim.CallerSpec{Queue: "sales", SurveyAnswers: []string{"1"}})
		c := f.ended(5 * time.Second)
		if c.HangupBy != callfloor.HangupAgent {
			t.Fatalf("call ended by %s", c.HangupBy)
		}
		testenv.Eventually(t, 3*time.Second, "caller hung up with the call", func() bool { return f.sim.Stats().ChannelsLive == 0 })
		if n := f.countEvents(callfloor.EvSurveyEnded); n != 0 {
			t.Fatalf("%d survey results, want none", n)
		}
	})
}

// A callfloor restart mid-survey resumes it: the caller hears the question again and answers.
func TestSurveyRestart(t *testing.T) {
	t.Parallel()
	f := surveyFloor(t, false)
	// no key to the first prompt; the key to the second (the one after the restart)
	f.place(sim.CallerSpec{Queue: "sales", Number: "13812345678", SurveyAnswers: []string{"", "1"}})
	c := f.ended(5 * time.Second)
	testenv.Eventually(t, 3*time.Second, "survey state kept", func() bool {
		n, _ := f.rdb.Exists(context.Background(), f.prefix+"survey:"+c.ID).Result()
		return n == 1
	})
	time.Sleep(300 * time.Millisecond) // the prompt plays
	f.stop()
	time.Sleep(500 * time.Millisecond)
	f.start()
	r := f.surveyResult(10 * time.Second)
	checkAfterAgent(t, c, r)
	if r.Outcome != callfloor.SurveyCompleted || r.Q1 != "1" || r.Rating != callfloor.RatingSatisfied {
		t.Fatalf("result after restart %+v, want completed, satisfied", r)
	}
	testenv.Eventually(t, 3*time.Second, "caller hung up after the thanks", func() bool { return f.sim.Stats().ChannelsLive == 0 })
	if n := f.countEvents(callfloor.EvSurveyEnded); n != 1 {
		t.Fatalf("%d survey results, want 1", n)
	}
}

// A restart while the caller hung up: the survey ends as abandoned, not left open.
func TestSurveyRestartCallerGone(t *testing.T) {
	t.Parallel()
	f := surveyFloor(t, false)
	caller := f.place(sim.CallerSpec{Queue: "sales", Number: "13812345678"})
	c := f.ended(5 * time.Second)
	testenv.Eventually(t, 3*time.Second, "survey state kept", func() bool {
		n, _ := f.rdb.Exists(context.Background(), f.prefix+"survey:"+c.ID).Result()
		return n == 1
	})
	f.stop()
	if err := f.sim.HangupChannel(caller); err != nil {
		t.Fatal(err)
	}
	f.start()
	r := f.surveyResult(5 * time.Second)
	if r.CallID != c.ID || r.Outcome != callfloor.SurveyCallerHungUp || r.AbandonedAt != 1 {
		t.Fatalf("result %+v, want caller_hangup at 1", r)
	}
}
