package telephony_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/telephony"
	"github.com/callfloor/callfloor/telephony/sim"
)

// A phone becoming unreachable (ARI EndpointStateChange to "offline") logs its agent out with
// the reason phone_unreachable, recorded in the change stream as any logout; another agent's
// phone and a phone coming online change nothing.
func TestPhoneUnreachableLogsAgentOut(t *testing.T) {
	t.Parallel()
	cfg := testConfig("1001", "1002")
	cfg.Agents[0].Endpoint = "PJSIP/1001"
	cfg.Agents[1].Endpoint = "PJSIP/1002"
	f := newFloor(t, cfg)
	ctx := context.Background()
	// the ACD subscribed to the PJSIP endpoints on connect
	testenv.Eventually(t, 5*time.Second, "subscribed to endpoint:PJSIP", func() bool {
		req, _ := http.NewRequest(http.MethodGet, f.simURL+"/ari/applications/callfloor", nil)
		req.SetBasicAuth("callfloor", "callfloor-test")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var app struct {
			EndpointIDs []string `json:"endpoint_ids"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&app)
		return len(app.EndpointIDs) == 1 && app.EndpointIDs[0] == "PJSIP"
	})
	f.login("1001", "1002")
	if _, err := f.acd.Pause(ctx, "1002", "lunch"); err != nil {
		t.Fatal(err)
	}
	for _, ep := range []string{"1001", "1002"} {
		if err := f.sim.SetEndpointState("PJSIP", ep, "online"); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.sim.SetEndpointState("PJSIP", "1001", "offline"); err != nil {
		t.Fatal(err)
	}
	ev := f.waitEvent(5*time.Second, "1001 logged out", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvAgentState && e.Agent.Agent == "1001" && e.Agent.State == callfloor.AgentLoggedOut
	})
	if ev.Agent.Reason != telephony.LogoutPhoneUnreachable || ev.Prev != callfloor.AgentAvailable {
		t.Fatalf("logout event %+v prev %s, want reason %s from available", ev.Agent, ev.Prev, telephony.LogoutPhoneUnreachable)
	}
	if st := f.agentState("1001"); st.State != callfloor.AgentLoggedOut || st.Reason != telephony.LogoutPhoneUnreachable {
		t.Fatalf("1001 %+v", st)
	}
	// 1002's phone is online: paused as before; then its phone goes too (from a pause)
	if st := f.agentState("1002"); st.State != callfloor.AgentPaused {
		t.Fatalf("1002 %+v", st)
	}
	if err := f.sim.SetEndpointState("PJSIP", "1002", "offline"); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 5*time.Second, "1002 logged out", func() bool {
		st := f.agentState("1002")
		return st.State == callfloor.AgentLoggedOut && st.Reason == telephony.LogoutPhoneUnreachable
	})
	// the agent logs in again: an ordinary login after it
	f.login("1001")
	if err := f.sim.SetEndpointState("PJSIP", "1001", "unknown"); err != nil {
		t.Fatal(err)
	}
	if err := f.sim.SetEndpointState("PJSIP", "1001", "online"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // nothing to wait for: no change must come
	if st := f.agentState("1001"); st.State != callfloor.AgentAvailable {
		t.Fatalf("1001 after online %+v", st)
	}
}

// overdue is the roster's answer for the sweep (storage.DB's OverdueAgents, tested in
// storage/attendance_sessions_test.go against PostgreSQL): fixed agents from a moment on.
type overdue struct {
	from   time.Time
	agents []string
	asked  chan time.Duration
}

func (o *overdue) OverdueAgents(ctx context.Context, now time.Time, margin time.Duration, loc *time.Location) ([]string, error) {
	select {
	case o.asked <- margin:
	default:
	}
	if now.Before(o.from) {
		return nil, nil
	}
	return o.agents, nil
}

// A session still open past its shift's end plus the margin is closed by the sweep: the agent
// logged out with the reason shift_over; an agent on a call is left to a later round; an
// unknown agent is skipped.
func TestSweepClosesSessionsPastTheirShift(t *testing.T) {
	t.Parallel()
	cfg := testConfig("1001", "1002", "1003")
	cfg.ACD.SessionCloseMargin = 90 * time.Minute
	rdb, prefix := testenv.Redis(t)
	s := sim.New(sim.Config{RecordingDir: t.TempDir()})
	s.SetDialplan(testDialplan(100*time.Millisecond, 0, 0))
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	o := &overdue{from: time.Now().Add(time.Hour), agents: []string{"1001", "1002", "ghost"}, asked: make(chan time.Duration, 1)}
	f := &floor{t: t, sim: s, simURL: url, rdb: rdb, prefix: prefix, store: realtime.New(rdb, prefix), cfg: cfg, cursor: "0", sessions: o}
	f.startOn(url, "pbx1")
	f.waitReady()
	select {
	case m := <-o.asked: // the first round runs at start, with the configured margin
		if m != 90*time.Minute {
			t.Errorf("margin %s, want the configured 90m", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the sweep never asked for overdue sessions")
	}
	f.login("1001", "1002", "1003")
	ctx := context.Background()
	if got := f.acd.CloseOverdueSessions(ctx, time.Now()); len(got) != 0 {
		t.Fatalf("before the shift's end plus margin: %v logged out", got)
	}
	// 1002 is on a call
	f.sim.SetDialplan(testDialplan(50*time.Millisecond, 0, 0))
	if _, err := f.acd.Pause(ctx, "1001", "lunch"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.acd.Pause(ctx, "1003", "lunch"); err != nil {
		t.Fatal(err)
	}
	f.place(sim.CallerSpec{Queue: "sales", TalkFor: 3 * time.Second})
	testenv.Eventually(t, 5*time.Second, "1002 on the call", func() bool { return f.agentState("1002").State == callfloor.AgentOnCall })
	got := f.acd.CloseOverdueSessions(ctx, time.Now().Add(2*time.Hour))
	if len(got) != 1 || got[0] != "1001" {
		t.Fatalf("logged out %v, want 1001 (1002 is on a call, ghost is nobody)", got)
	}
	ev := f.waitEvent(5*time.Second, "1001 logged out", func(e callfloor.Event) bool {
		return e.Type == callfloor.EvAgentState && e.Agent.Agent == "1001" && e.Agent.State == callfloor.AgentLoggedOut
	})
	if ev.Agent.Reason != telephony.LogoutShiftOver || ev.Prev != callfloor.AgentPaused {
		t.Fatalf("logout %+v from %s", ev.Agent, ev.Prev)
	}
	if st := f.agentState("1003"); st.State != callfloor.AgentPaused {
		t.Fatalf("1003, not overdue: %+v", st)
	}
	// after the call and its wrap-up, the next round closes 1002's session
	testenv.Eventually(t, 10*time.Second, "1002 logged out by a later round", func() bool {
		f.acd.CloseOverdueSessions(ctx, time.Now().Add(2*time.Hour))
		st := f.agentState("1002")
		return st.State == callfloor.AgentLoggedOut && st.Reason == telephony.LogoutShiftOver
	})
}
