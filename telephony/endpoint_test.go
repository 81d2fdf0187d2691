package telephony_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/telephony"
)

// A phone becoming unreachable (ARI EndpointStateChange to "offline") logs its agent out with
// the reason phone_unreachable, recorded in the change stream as any logout; another agent's
// phone and a phone coming online change nothing.
func TestPhoneUnreachableLogsAgentOut(t *testing.T) {
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
