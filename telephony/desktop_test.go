package telephony_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/telephony"
	"github.com/callfloor/callfloor/telephony/sim"
)

// endedCall waits for the call.ended event of call id.
func (f *floor) endedCall(id string, within time.Duration) *callfloor.Call {
	f.t.Helper()
	return f.waitEvent(within, "call "+id+" to end", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallEnded && e.Call.ID == id }).Call
}

// desktopConfig: 1001 serves sales, 1002 support (and sales at a low level), wrap-up long
// enough to act in it.
func desktopConfig(wrap time.Duration) *callfloor.Config {
	cfg := testConfig("1001", "1002")
	for i := range cfg.Queues {
		cfg.Queues[i].WrapUp = wrap
	}
	cfg.Agents[1].Skills = map[string]int{"support": 5}
	return cfg
}

// talking places a caller into sales and waits until agent 1001 talks with them.
func (f *floor) talking(talkFor time.Duration) (caller string, c *callfloor.Call) {
	f.t.Helper()
	caller = f.place(sim.CallerSpec{Queue: "sales", TalkFor: talkFor})
	c = f.waitEvent(3*time.Second, "answered", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallAnswered && e.Call.CallerChannel == caller
	}).Call
	testenv.Eventually(f.t, 3*time.Second, "bridged", func() bool { return len(f.sim.BridgeMembers(c.MixBridge)) == 2 })
	return caller, c
}

func TestDesktopHangup(t *testing.T) {
	t.Parallel()
	f := newFloor(t, desktopConfig(5*time.Second))
	f.login("1001")
	ctx := context.Background()
	if err := f.acd.Hangup(ctx, "1001"); callfloor.SpecificCode(err) != callfloor.ENotOnCall {
		t.Errorf("hang-up with no call: %v, want %s", err, callfloor.ENotOnCall)
	}
	caller, c := f.talking(time.Minute)
	if err := f.acd.Hangup(ctx, "1001"); err != nil {
		t.Fatal(err)
	}
	ended := f.ended(3 * time.Second)
	if ended.ID != c.ID || ended.Outcome != callfloor.OutcomeAnswered || ended.HangupBy != callfloor.HangupAgent {
		t.Errorf("ended %s outcome %s by %s, want %s answered by agent", ended.ID, ended.Outcome, ended.HangupBy, c.ID)
	}
	// the agent's state is written just after call.ended is published: wait for it
	testenv.Eventually(t, 3*time.Second, "agent in wrap-up after the hang-up", func() bool {
		return f.agentState("1001").State == callfloor.AgentWrapUp
	})
	if st := f.agentState("1001"); st.LastCall != c.ID {
		t.Errorf("agent after hang-up: %+v, want last_call %s", st, c.ID)
	}
	testenv.Eventually(t, 2*time.Second, "the caller hung up too", func() bool { return f.sim.HangupChannel(caller) != nil })
	if n := f.counters("sales")[realtime.CntHandled]; n != 1 {
		t.Errorf("handled %d, want 1 (a normal answered call)", n)
	}
}

// An outbound click-to-call ends from the desktop too.
func TestDesktopHangupOutbound(t *testing.T) {
	t.Parallel()
	f := newFloor(t, desktopConfig(5*time.Second))
	f.sim.SetDialplan(testDialplan(100*time.Millisecond, 0, 0)) // the customer never hangs up
	f.login("1001")
	id, err := f.acd.Dial(context.Background(), "1001", "5551234")
	if err != nil {
		t.Fatal(err)
	}
	f.waitEvent(3*time.Second, "customer answered", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallAnswered && e.Call.ID == id })
	if err := f.acd.Hangup(context.Background(), "1001"); err != nil {
		t.Fatal(err)
	}
	ended := f.ended(3 * time.Second)
	if ended.ID != id || ended.Outcome != callfloor.OutcomeAnswered || ended.HangupBy != callfloor.HangupAgent {
		t.Errorf("outbound ended: outcome %s by %s", ended.Outcome, ended.HangupBy)
	}
}

func TestPendingPauseAndReady(t *testing.T) {
	t.Parallel()
	f := newFloor(t, desktopConfig(30*time.Second))
	f.login("1001")
	ctx := context.Background()
	if _, err := f.acd.EndWrapUp(ctx, "1001"); callfloor.SpecificCode(err) != callfloor.ENotInWrapUp {
		t.Errorf("ready while available: %v, want %s", err, callfloor.ENotInWrapUp)
	}
	_, c := f.talking(time.Minute)
	st, err := f.acd.Pause(ctx, "1001", "lunch")
	if err != nil {
		t.Fatalf("pause during a call: %v", err)
	}
	if st.State != callfloor.AgentOnCall || st.PendingPause != "lunch" {
		t.Errorf("pause during a call: %+v, want on_call with pending_pause lunch", st)
	}
	f.waitEvent(2*time.Second, "pending announced", func(e callfloor.Event) bool {
		return e.Type == realtime.EvAgentPending && e.Agent.PendingPause == "lunch"
	})
	if st, err = f.acd.CancelPendingPause(ctx, "1001"); err != nil || st.PendingPause != "" {
		t.Errorf("cancel: %+v %v", st, err)
	}
	if _, err := f.acd.Pause(ctx, "1001", "break"); err != nil {
		t.Fatal(err)
	}
	if err := f.acd.Hangup(ctx, "1001"); err != nil {
		t.Fatal(err)
	}
	f.ended(3 * time.Second)
	testenv.Eventually(t, 2*time.Second, "wrap-up", func() bool { return f.agentState("1001").State == callfloor.AgentWrapUp })
	if st := f.agentState("1001"); st.PendingPause != "break" || st.LastCall != c.ID {
		t.Errorf("in wrap-up: %+v, want the pending pause kept", st)
	}
	st, err = f.acd.EndWrapUp(ctx, "1001")
	if err != nil || st.State != callfloor.AgentPaused || st.Reason != "break" || st.PendingPause != "" {
		t.Fatalf("ready with a pending pause: %+v %v, want paused (break)", st, err)
	}
	ev := f.waitEvent(2*time.Second, "paused event", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvAgentState && e.Agent.State == callfloor.AgentPaused
	})
	if ev.Agent.Reason != "break" || ev.Prev != callfloor.AgentWrapUp {
		t.Errorf("change stream: %+v prev %s, want paused (break) from wrap_up", ev.Agent, ev.Prev)
	}
	// without a pending pause, ready makes the agent available
	if _, err := f.acd.Unpause(ctx, "1001"); err != nil {
		t.Fatal(err)
	}
	_, c2 := f.talking(time.Minute)
	_ = f.acd.Hangup(ctx, "1001")
	f.endedCall(c2.ID, 3*time.Second)
	testenv.Eventually(t, 3*time.Second, "wrap-up", func() bool { return f.agentState("1001").State == callfloor.AgentWrapUp })
	if st, err := f.acd.EndWrapUp(ctx, "1001"); err != nil || st.State != callfloor.AgentAvailable {
		t.Fatalf("ready: %+v %v", st, err)
	}
}

// The automatic end of wrap-up applies a pending pause too; a pause asked in wrap-up waits.
func TestPendingPauseAtWrapUpEnd(t *testing.T) {
	t.Parallel()
	f := newFloor(t, desktopConfig(600*time.Millisecond))
	f.login("1001")
	ctx := context.Background()
	f.talking(time.Minute)
	_ = f.acd.Hangup(ctx, "1001")
	testenv.Eventually(t, 3*time.Second, "wrap-up", func() bool { return f.agentState("1001").State == callfloor.AgentWrapUp })
	st, err := f.acd.Pause(ctx, "1001", "lunch")
	if err != nil || st.State != callfloor.AgentWrapUp || st.PendingPause != "lunch" {
		t.Fatalf("pause in wrap-up: %+v %v, want wrap_up with pending_pause", st, err)
	}
	testenv.Eventually(t, 3*time.Second, "paused at the end of wrap-up", func() bool {
		st := f.agentState("1001")
		return st.State == callfloor.AgentPaused && st.Reason == "lunch" && st.PendingPause == ""
	})
}

func TestTransferToQueue(t *testing.T) {
	t.Parallel()
	f := newFloor(t, desktopConfig(5*time.Second))
	f.login("1001")
	ctx := context.Background()
	if err := f.acd.Transfer(ctx, "1001", "support", "", ""); callfloor.SpecificCode(err) != callfloor.ENotOnCall {
		t.Errorf("transfer with no call: %v", err)
	}
	caller, c := f.talking(time.Minute)
	for _, bad := range [][3]string{{"", "", ""}, {"nope", "", ""}, {"support", "1002", ""}, {"", "", "12ab"}} {
		if err := f.acd.Transfer(ctx, "1001", bad[0], bad[1], bad[2]); callfloor.ErrorCode(err) != callfloor.EINVALID {
			t.Errorf("transfer %q: %v, want invalid", bad, err)
		}
	}
	if err := f.acd.Transfer(ctx, "1001", "support", "", ""); err != nil {
		t.Fatal(err)
	}
	old := f.ended(3 * time.Second)
	if old.ID != c.ID || old.TransferredTo != "queue:support" || old.Outcome != callfloor.OutcomeAnswered || old.HangupBy != callfloor.HangupAgent {
		t.Errorf("transferred call: %s outcome %s by %s to %q", old.ID, old.Outcome, old.HangupBy, old.TransferredTo)
	}
	if f.countEvents(callfloor.EvCallTransferred) != 1 {
		t.Errorf("want one call.transferred event")
	}
	leg := f.waitEvent(2*time.Second, "the new leg", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallEntered && e.Call.Queue == "support"
	}).Call
	if leg.TransferredFrom != c.ID || leg.CallerChannel != caller || leg.CallerNumber != c.CallerNumber {
		t.Errorf("new leg %+v, want the caller from %s", leg, c.ID)
	}
	testenv.Eventually(t, 2*time.Second, "caller waiting in the support queue's holding bridge", func() bool {
		m := f.sim.BridgeMembers("cf-" + leg.ID + "-hold")
		return len(m) == 1 && m[0] == caller
	})
	testenv.Eventually(t, 3*time.Second, "agent in wrap-up after the transfer", func() bool {
		return f.agentState("1001").State == callfloor.AgentWrapUp
	})
	if n := f.counters("support")[realtime.CntOffered]; n != 1 {
		t.Errorf("support offered %d, want 1", n)
	}
	// an agent of the new queue takes the caller
	f.login("1002")
	ans := f.waitEvent(3*time.Second, "answered in support", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallAnswered && e.Call.ID == leg.ID
	}).Call
	if ans.Agent != "1002" || ans.WaitMs() < 0 || ans.EnteredAt.Before(old.EndedAt.Add(-time.Second)) {
		t.Errorf("answered by %s entered %v", ans.Agent, ans.EnteredAt)
	}
	testenv.Eventually(t, 3*time.Second, "caller bridged with 1002", func() bool {
		m := f.sim.BridgeMembers(ans.MixBridge)
		return len(m) == 2 && (m[0] == caller || m[1] == caller)
	})
	_ = f.sim.HangupChannel(caller)
	end := f.endedCall(leg.ID, 3*time.Second)
	if end.ID != leg.ID || end.HangupBy != callfloor.HangupCaller || end.Outcome != callfloor.OutcomeAnswered {
		t.Errorf("new leg ended %s by %s outcome %s", end.ID, end.HangupBy, end.Outcome)
	}
}

func TestTransferToAgent(t *testing.T) {
	t.Parallel()
	f := newFloor(t, desktopConfig(5*time.Second))
	f.login("1001")
	ctx := context.Background()
	caller, c := f.talking(time.Minute)
	err := f.acd.Transfer(ctx, "1001", "", "1002", "")
	if callfloor.SpecificCode(err) != callfloor.EAgentUnavailable {
		t.Fatalf("transfer to a logged-out agent: %v, want %s", err, callfloor.EAgentUnavailable)
	}
	if len(f.sim.BridgeMembers(c.MixBridge)) != 2 {
		t.Fatalf("a refused transfer moved the caller")
	}
	f.login("1002")
	if err := f.acd.Transfer(ctx, "1001", "", "1002", ""); err != nil {
		t.Fatal(err)
	}
	old := f.ended(3 * time.Second)
	if old.TransferredTo != "agent:1002" {
		t.Errorf("transferred_to %q", old.TransferredTo)
	}
	ans := f.waitEvent(3*time.Second, "answered by 1002", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallAnswered && e.Call.TransferredFrom == c.ID
	}).Call
	if ans.Agent != "1002" || ans.Queue != "sales" || len(ans.Offers) != 1 {
		t.Errorf("new leg answered by %s in %s, offers %d", ans.Agent, ans.Queue, len(ans.Offers))
	}
	testenv.Eventually(t, 3*time.Second, "caller bridged with 1002", func() bool {
		m := f.sim.BridgeMembers(ans.MixBridge)
		return len(m) == 2 && (m[0] == caller || m[1] == caller)
	})
}

func TestTransferToNumber(t *testing.T) {
	t.Parallel()
	f := newFloor(t, desktopConfig(5*time.Second))
	f.sim.SetDialplan(testDialplan(100*time.Millisecond, 0, 0)) // the number never hangs up
	f.login("1001")
	ctx := context.Background()
	caller, c := f.talking(time.Minute)
	time.Sleep(300 * time.Millisecond)
	if err := f.acd.Transfer(ctx, "1001", "", "", "5551234"); err != nil {
		t.Fatal(err)
	}
	f.waitEvent(2*time.Second, "transferred", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvCallTransferred && e.Call.TransferredTo == "number:5551234"
	})
	testenv.Eventually(t, 3*time.Second, "agent in wrap-up", func() bool { return f.agentState("1001").State == callfloor.AgentWrapUp })
	x := "cf-" + c.ID + "-x1"
	testenv.Eventually(t, 3*time.Second, "caller bridged with the number", func() bool {
		m := strings.Join(f.sim.BridgeMembers(c.MixBridge), ",")
		return strings.Contains(m, caller) && strings.Contains(m, x) && len(f.sim.BridgeMembers(c.MixBridge)) == 2
	})
	if f.countEvents(callfloor.EvCallEnded) != 0 {
		t.Fatal("the call ended with the agent's leg")
	}
	time.Sleep(300 * time.Millisecond)
	_ = f.sim.HangupChannel(caller)
	end := f.ended(3 * time.Second)
	if end.ID != c.ID || end.Outcome != callfloor.OutcomeAnswered || end.HangupBy != callfloor.HangupCaller || end.Agent != "1001" {
		t.Errorf("ended %s outcome %s by %s agent %s", end.ID, end.Outcome, end.HangupBy, end.Agent)
	}
	if talk, total := end.TalkMs(), end.EndedAt.Sub(end.AnsweredAt).Milliseconds(); talk <= 0 || talk > total-250 {
		t.Errorf("talk %d ms of %d: the agent's talk ends at the transfer", talk, total)
	}
	testenv.Eventually(t, 2*time.Second, "the number hung up too", func() bool { return f.sim.HangupChannel(x) != nil })
}

// Hold then resume from the desktop: the holding bridge is destroyed once, at the resume; the
// end of the call does not delete it again (a real Asterisk answers that second DELETE with
// 409 "Bridge not in Stasis application", see traces/caller-hangs-up-during-talk.rest.log).
func TestDeskHoldResumeDeletesTheBridgeOnce(t *testing.T) {
	t.Parallel()
	rdb, prefix := testenv.Redis(t)
	s := sim.New(sim.Config{RecordingDir: t.TempDir()})
	s.SetDialplan(testDialplan(100*time.Millisecond, 0, 500*time.Millisecond))
	var mu sync.Mutex
	var deletes []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/bridges/") {
			mu.Lock()
			deletes = append(deletes, r.URL.Path)
			mu.Unlock()
		}
		s.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { s.Close() })
	f := &floor{t: t, sim: s, simURL: srv.URL, rdb: rdb, prefix: prefix, store: realtime.New(rdb, prefix), cfg: testConfig("1001"), cursor: "0"}
	f.start()
	f.login("1001")
	ctx := context.Background()
	caller := f.place(sim.CallerSpec{Queue: "sales", TalkFor: 1500 * time.Millisecond})
	c := f.waitEvent(3*time.Second, "answered", func(e callfloor.Event) bool { return e.Type == callfloor.EvCallAnswered }).Call
	testenv.Eventually(t, 3*time.Second, "bridged", func() bool { return len(f.sim.BridgeMembers(c.MixBridge)) == 2 })
	if err := f.acd.Hold(ctx, "1001", true); err != nil {
		t.Fatal(err)
	}
	if err := f.acd.Hold(ctx, "1001", false); err != nil {
		t.Fatal(err)
	}
	_ = caller
	f.ended(5 * time.Second)
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	n := 0
	for _, d := range deletes {
		if strings.HasSuffix(d, "/bridges/cf-"+c.ID+"-park") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("DELETE of the holding bridge %d times, want once (at the resume): %v", n, deletes)
	}
}

// A preview dial of a campaign's lead is a click-to-call whose id is the lead's dial id and
// which carries the campaign and the lead; it counts in the campaign's counters (the dial as the
// campaign's, the connect and its talk time also as the agent's team's); the same dial id is
// refused a second time.
func TestDialLead(t *testing.T) {
	t.Parallel()
	f := newFloor(t, testConfig("1001"))
	f.login("1001")
	ctx := context.Background()
	dialID := telephony.NewCallID()
	id, err := f.acd.DialLead(ctx, "1001", "5551234", telephony.LeadDial{CallID: dialID, Campaign: "renewals", Lead: 42})
	if err != nil {
		t.Fatal(err)
	}
	if id != dialID {
		t.Fatalf("call id %s, want the dial id %s", id, dialID)
	}
	c := f.ended(5 * time.Second)
	if c.ID != dialID || c.CampaignID != "renewals" || c.LeadID != 42 || c.Outcome != callfloor.OutcomeAnswered {
		t.Fatalf("lead call %+v", c)
	}
	testenv.Eventually(t, 2*time.Second, "agent available after wrap-up", func() bool { return f.agentState("1001").State == callfloor.AgentAvailable })
	if _, err := f.acd.DialLead(ctx, "1001", "5551234", telephony.LeadDial{CallID: dialID, Campaign: "renewals", Lead: 42}); callfloor.SpecificCode(err) != telephony.CodeAlreadyDialled {
		t.Errorf("the same dial again: %v, want %s", err, telephony.CodeAlreadyDialled)
	}
	if _, err := f.acd.DialLead(ctx, "1001", "5551234", telephony.LeadDial{CallID: "x", Campaign: "renewals", Lead: 42}); callfloor.ErrorCode(err) != callfloor.EINVALID {
		t.Errorf("a bad dial id: %v, want invalid", err)
	}
	fig, err := f.store.CampaignCounters(ctx, "renewals", c.EnteredAt)
	if err != nil {
		t.Fatal(err)
	}
	if fig.Total[realtime.CampDials] != 1 || fig.Total[realtime.CampAnswered] != 1 || fig.Total[realtime.CampConnected] != 1 || fig.Total[realtime.CampTalkMs] != c.TalkMs() || c.TalkMs() <= 0 {
		t.Errorf("campaign counters %v (talk %d ms)", fig.Total, c.TalkMs())
	}
	if tm := fig.Teams["t1"]; tm[realtime.CampDials] != 0 || tm[realtime.CampConnected] != 1 || tm[realtime.CampTalkMs] != c.TalkMs() {
		t.Errorf("team t1's share %v", tm)
	}
}
