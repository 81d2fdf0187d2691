package sim

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
)

// demoTraffic is a traffic like the demo's: three queues, agents ending 60 % of the calls, the
// demo's survey answers.
func demoTraffic(numbers *NumberPlan) Traffic {
	return Traffic{Seed: 42, Numbers: numbers,
		Survey: SurveyMix{Satisfied: 0.62, Neutral: 0.12, Dissatisfied: 0.06, HangUp: 0.05},
		Queues: []QueueTraffic{
			{Queue: "sales", CallsPerMinute: 4.5, PatienceMin: 20 * time.Second, PatienceMax: 3 * time.Minute, TalkMin: 30 * time.Second, TalkMax: 2 * time.Minute, AgentEnds: 0.6},
			{Queue: "support", CallsPerMinute: 3.5, PatienceMin: 30 * time.Second, PatienceMax: 4 * time.Minute, TalkMin: 40 * time.Second, TalkMax: 150 * time.Second,
				PressOne: 0.3, PressAfter: 43 * time.Second, AgentEnds: 0.6},
			{Queue: "billing", CallsPerMinute: 1.5, TalkMin: 20 * time.Second, TalkMax: 90 * time.Second},
		}}
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s: %.3f, want %.2f ± %.2f", what, got, want, tol)
	}
}

// TestNumberPlan: with a number plan the callers have canonical +86 numbers (mostly mobiles, a
// share of Beijing and Shanghai landlines, a share of the known customers', a number listed
// twice coming twice as often), the same for the same seed; the arrivals, queues, talk times
// and presses are those of the same seed without a plan, which keeps its 555 numbers.
func TestNumberPlan(t *testing.T) {
	known := []string{"+8613917263548", "+8613917263548", "+862164381275"}
	plan := func(n *NumberPlan) []plannedCall {
		p, err := newTrafficPlan(demoTraffic(n))
		if err != nil {
			t.Fatal(err)
		}
		out := make([]plannedCall, 4000)
		for i := range out {
			out[i] = p.next()
		}
		return out
	}
	np := &NumberPlan{Known: known, KnownShare: 0.2, Landlines: 0.15}
	a, b, plain := plan(np), plan(np), plan(nil)
	var mobiles, landlines, bj, sh, vip, other float64
	for i, c := range a {
		n := c.spec.Number
		if n != b[i].spec.Number {
			t.Fatalf("call %d: %s then %s for the same seed", i, n, b[i].spec.Number)
		}
		if canon, err := callfloor.CanonicalPhone(n, "86"); err != nil || canon != n {
			t.Fatalf("call %d: %q is not a canonical +86 number (%q, %v)", i, n, canon, err)
		}
		if c.spec.Name != "" {
			t.Fatalf("call %d: caller name %q, want none (a mainland trunk sends none)", i, c.spec.Name)
		}
		switch {
		case n == known[0]:
			vip++
		case n == known[2]:
			other++
		case strings.HasPrefix(n, "+8610"):
			bj++
			landlines++
		case strings.HasPrefix(n, "+8621"):
			sh++
			landlines++
		case strings.HasPrefix(n, "+861") && len(n) == 14:
			mobiles++
		default:
			t.Fatalf("call %d: %q is neither a mobile, a Beijing or Shanghai landline, nor a known number", i, n)
		}
		// the plan changes the numbers only
		p := plain[i]
		if !strings.HasPrefix(p.spec.Number, "555") || len(p.spec.Number) != 7 || !strings.HasPrefix(p.spec.Name, "Caller ") {
			t.Fatalf("call %d without a plan: %q %q, want a 555NNNN test number", i, p.spec.Number, p.spec.Name)
		}
		c.spec.Number, c.spec.Name = p.spec.Number, p.spec.Name
		if c.gap != p.gap || c.spec.Queue != p.spec.Queue || c.spec.TalkFor != p.spec.TalkFor || c.spec.Patience != p.spec.Patience ||
			len(c.spec.Presses) != len(p.spec.Presses) || c.spec.AgentHangsUp != p.spec.AgentHangsUp {
			t.Fatalf("call %d: the number plan changed the traffic: %+v vs %+v", i, c, p)
		}
	}
	n := float64(len(a))
	near(t, "known callers", (vip+other)/n, 0.2, 0.03)
	near(t, "the number listed twice against the one listed once", vip/(vip+other), 2.0/3, 0.08)
	near(t, "landlines among the others", landlines/(landlines+mobiles), 0.15, 0.03)
	if bj == 0 || sh == 0 {
		t.Errorf("landlines: %v from Beijing, %v from Shanghai: want both", bj, sh)
	}
	for _, bad := range []*NumberPlan{{KnownShare: 1.5}, {Landlines: -0.1}} {
		tr := demoTraffic(bad)
		if _, err := newTrafficPlan(tr); err == nil {
			t.Errorf("plan %+v accepted", bad)
		}
	}
}

// TestSurveyMix: the agent ends the share of each queue's calls it is given (none on a queue
// without it), and those callers answer the survey in the mix's proportions: their first key
// (1, 2 or 3), a hang-up during the first or second question, or no key at all; a second key
// for those who answer, in line with the first.
func TestSurveyMix(t *testing.T) {
	p, err := newTrafficPlan(demoTraffic(nil))
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]float64{}
	ends := map[string]float64{}
	first := map[string]float64{}
	var hang1, hang2, q2yes, q2no, q2none, satisfiedQ2yes, satisfied float64
	for range 20000 {
		c := p.next().spec
		calls[c.Queue]++
		if !c.AgentHangsUp {
			if len(c.SurveyAnswers) != 0 || c.SurveyHangUpAt != 0 {
				t.Fatalf("a caller who hangs up first has survey answers: %+v", c)
			}
			continue
		}
		ends[c.Queue]++
		switch {
		case c.SurveyHangUpAt == 1 && len(c.SurveyAnswers) == 0:
			hang1++
		case c.SurveyHangUpAt == 2 && len(c.SurveyAnswers) == 1 && c.SurveyAnswers[0] == "1":
			hang2++
		case c.SurveyHangUpAt != 0:
			t.Fatalf("hang-up at prompt %d with answers %q", c.SurveyHangUpAt, c.SurveyAnswers)
		case len(c.SurveyAnswers) == 0:
			first["none"]++
		default:
			k := c.SurveyAnswers[0]
			first[k]++
			switch {
			case len(c.SurveyAnswers) == 3 && c.SurveyAnswers[1] == "" && c.SurveyAnswers[2] == "":
				q2none++
			case len(c.SurveyAnswers) == 2 && c.SurveyAnswers[1] == "1":
				q2yes++
				if k == "1" {
					satisfiedQ2yes++
				}
			case len(c.SurveyAnswers) == 2 && c.SurveyAnswers[1] == "2":
				q2no++
			default:
				t.Fatalf("answers %q", c.SurveyAnswers)
			}
			if k == "1" {
				satisfied++
			}
		}
	}
	near(t, "sales calls the agent ends", ends["sales"]/calls["sales"], 0.6, 0.03)
	near(t, "support calls the agent ends", ends["support"]/calls["support"], 0.6, 0.03)
	if ends["billing"] != 0 {
		t.Errorf("billing (no agent_ends): %v calls ended by the agent", ends["billing"])
	}
	all := ends["sales"] + ends["support"]
	near(t, "satisfied", first["1"]/all, 0.62, 0.02)
	near(t, "neutral", first["2"]/all, 0.12, 0.015)
	near(t, "dissatisfied", first["3"]/all, 0.06, 0.01)
	near(t, "hang up", (hang1+hang2)/all, 0.05, 0.01)
	near(t, "no key", first["none"]/all, 0.15, 0.015)
	if hang1 == 0 || hang2 == 0 {
		t.Errorf("hang-ups: %v during the first question, %v during the second: want both", hang1, hang2)
	}
	near(t, "second question left unanswered", q2none/(q2yes+q2no+q2none), 0.1, 0.015)
	near(t, "satisfied callers whose problem was solved", satisfiedQ2yes/satisfied, 0.9*0.9, 0.02)
	for _, bad := range []SurveyMix{{Satisfied: 0.9, Neutral: 0.2}, {Dissatisfied: -0.1}} {
		tr := demoTraffic(nil)
		tr.Survey = bad
		if _, err := newTrafficPlan(tr); err == nil {
			t.Errorf("mix %+v accepted", bad)
		}
	}
}

// TestAgentHangsUpCallerStays: the agent ends the conversation (its phone hangs up: a Hangup()
// in its dialplan), the caller stays in Stasis. A prompt played while the caller waited got no
// key; the prompts played once the agent left get the caller's answers, each a
// ChannelDtmfReceived on the caller's channel after the prompt's PlaybackStarted; a caller who
// hangs up mid-survey does so during the prompt SurveyHangUpAt names.
func TestAgentHangsUpCallerStays(t *testing.T) {
	s, base := startSim(t, Config{Speed: 10})
	s.SetDialplan(func(string) (Behaviour, error) { return Behaviour{RingFor: time.Second}, nil }) // the phone never hangs up by itself
	c := dialEvents(t, base, "callfloor")

	talk := func(caller CallerSpec, agent, bridge string) string {
		t.Helper()
		id, err := s.PlaceCall(caller)
		if err != nil {
			t.Fatal(err)
		}
		waitType(t, c, "StasisStart", id)
		doREST(t, base, "POST", "/channels/"+id+"/answer", nil, true)
		// a prompt while waiting (a call-back offer): not the survey, no key
		if st, body := doREST(t, base, "POST", "/channels/"+id+"/play?media=sound:vm-goodbye&playbackId=wait-"+agent, nil, true); st != 201 {
			t.Fatalf("play: %d %s", st, body)
		}
		doREST(t, base, "POST", "/channels?endpoint=Local/"+agent+"@agents&app=callfloor&channelId="+agent, nil, true)
		waitType(t, c, "StasisStart", agent)
		doREST(t, base, "POST", "/bridges?bridgeId="+bridge+"&type=mixing", nil, true)
		doREST(t, base, "POST", "/bridges/"+bridge+"/addChannel?channel="+id+","+agent, nil, true)
		return id
	}
	prompt := func(id, pb string) {
		t.Helper()
		if st, body := doREST(t, base, "POST", "/channels/"+id+"/play?media=sound:tt-monkeys&playbackId="+pb, nil, true); st != 201 {
			t.Fatalf("play %s: %d %s", pb, st, body)
		}
	}
	// the events of channel id from the first of type from on
	after := func(typ, id string) []map[string]any {
		evs := c.snapshot()
		for i, e := range evs {
			if str(e["type"]) == typ && (evID(e) == id || str(sub(e, "playback", "id")) == id) {
				return evs[i:]
			}
		}
		return nil
	}
	digits := func(evs []map[string]any, id string) string {
		var got string
		for _, e := range evs {
			if str(e["type"]) == "ChannelDtmfReceived" && evID(e) == id {
				got += str(e["digit"])
			}
		}
		return got
	}

	id := talk(CallerSpec{Queue: "support", Number: "+8613917263548", TalkFor: 2 * time.Second, AgentHangsUp: true, SurveyAnswers: []string{"3", "2"}}, "1001", "call-1")
	// the agent's phone hangs up after the talk: its dialplan's Hangup(), both halves gone
	if !c.waitUntil(5*time.Second, func(evs []map[string]any) bool {
		for _, e := range evs {
			if str(e["type"]) == "ChannelDialplan" && evID(e) == "1001;2" && str(e["dialplan_app"]) == "Hangup" {
				return true
			}
		}
		return false
	}) {
		t.Fatal("the agent's phone did not hang up (no Hangup() in its dialplan)")
	}
	waitType(t, c, "ChannelDestroyed", "1001")
	waitType(t, c, "ChannelLeftBridge", "1001")
	time.Sleep(200 * time.Millisecond)
	for _, e := range c.snapshot() {
		if (str(e["type"]) == "StasisEnd" || str(e["type"]) == "ChannelHangupRequest") && evID(e) == id {
			t.Fatalf("the caller left when the agent hung up: %v", e)
		}
	}
	if got := digits(c.snapshot(), id); got != "" {
		t.Fatalf("keys %q before the survey (a prompt while waiting is not the survey)", got)
	}
	// the application takes the caller out of the bridge and asks; the caller answers each prompt
	doREST(t, base, "POST", "/bridges/call-1/removeChannel?channel="+id, nil, true)
	prompt(id, "q1")
	if !c.waitUntil(5*time.Second, func([]map[string]any) bool { return digits(after("PlaybackStarted", "q1"), id) == "3" }) {
		t.Fatalf("no key 3 after the first prompt started: %q", digits(c.snapshot(), id))
	}
	ev := waitType(t, c, "ChannelDtmfReceived", id)
	if ev["duration_ms"].(float64) != 120 || ev["application"] != "callfloor" || str(sub(ev, "channel", "caller", "number")) != "+8613917263548" {
		t.Errorf("DTMF event %v", ev)
	}
	doREST(t, base, "DELETE", "/playbacks/q1", nil, true) // a key stops the prompt
	prompt(id, "q2")
	if !c.waitUntil(5*time.Second, func([]map[string]any) bool { return digits(after("PlaybackStarted", "q2"), id) == "2" }) {
		t.Fatalf("no key 2 after the second prompt started: %q", digits(c.snapshot(), id))
	}
	doREST(t, base, "DELETE", "/playbacks/q2", nil, true)
	prompt(id, "thanks") // no answer left: nothing pressed
	time.Sleep(300 * time.Millisecond)
	if got := digits(c.snapshot(), id); got != "32" {
		t.Fatalf("keys %q, want 32", got)
	}
	if st, _ := doREST(t, base, "DELETE", "/channels/"+id, nil, true); st != 204 {
		t.Fatalf("hang-up: %d", st)
	}
	waitType(t, c, "StasisEnd", id)

	// a caller who hangs up during the second prompt after the agent left
	id2 := talk(CallerSpec{Queue: "support", Number: "+862164381275", TalkFor: time.Second, AgentHangsUp: true, SurveyAnswers: []string{"1"}, SurveyHangUpAt: 2}, "1002", "call-2")
	waitType(t, c, "ChannelDestroyed", "1002")
	doREST(t, base, "POST", "/bridges/call-2/removeChannel?channel="+id2, nil, true)
	prompt(id2, "r1")
	if !c.waitUntil(5*time.Second, func([]map[string]any) bool { return digits(c.snapshot(), id2) == "1" }) {
		t.Fatal("no answer to the first prompt")
	}
	doREST(t, base, "DELETE", "/playbacks/r1", nil, true)
	prompt(id2, "r2")
	waitType(t, c, "StasisEnd", id2)
	var failed bool
	for _, e := range after("PlaybackStarted", "r2") {
		if str(e["type"]) == "PlaybackFinished" && str(sub(e, "playback", "id")) == "r2" {
			failed = str(sub(e, "playback", "state")) == "failed"
		}
	}
	if !failed {
		t.Error("the caller did not hang up during the second prompt (no PlaybackFinished failed)")
	}
	if got := digits(c.snapshot(), id2); got != "1" {
		t.Errorf("keys %q, want only 1", got)
	}
	if st := s.Stats(); st.ChannelsLive != 0 {
		t.Errorf("%d channels left", st.ChannelsLive)
	}
}
