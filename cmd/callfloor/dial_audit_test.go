package main

import (
	"context"
	"fmt"
	"testing"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// A supervisor's click-to-call placed for an agent through the simulator is on record with the
// number and the call it made.
func TestClickToCallForAnAgentIsAuditedWithTheCall(t *testing.T) {
	t.Parallel()
	m, url, _ := startDemo(t, 1)
	ctx := context.Background()
	u, err := m.DB.CreateUser(ctx, storage.NewUser{Username: "sup", Password: "a long enough password", Role: callfloor.RoleSupervisor})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := m.DB.CreateAPIToken(ctx, u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	var agent, callID string
	for i := 1001; i <= 1024 && callID == ""; i++ { // the first agent free of the demo's traffic
		agent = fmt.Sprint(i)
		if code, body := api(t, "POST", url+"/api/v1/agents/"+agent+"/calls", tok, `{"number":"5551234"}`); code == 201 {
			callID, _ = body["call_id"].(string)
		}
	}
	if callID == "" {
		t.Fatal("no agent could place the call")
	}
	es, err := m.DB.ListAudit(ctx, storage.AuditFilter{Action: "agent_call", TargetID: agent})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Actor != "sup" || es[0].Detail["call_id"] != callID || es[0].Detail["number"] != "5551234" {
		t.Fatalf("audit of the call placed for %s: %+v", agent, es)
	}
}
