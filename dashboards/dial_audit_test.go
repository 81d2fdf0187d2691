package dashboards_test

import (
	"context"
	"testing"

	"github.com/callfloor/callfloor/dashboards"
	"github.com/callfloor/callfloor/storage"
)

// Click-to-call placed for another agent (a supervisor or team lead dialling as agent 1001) is
// on record, whether it went through or not; an agent dialling for themselves is not.
func TestClickToCallForAnotherAgentIsAudited(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	cfg, _, err := dashboards.LoadConfig(ctx, e.db, e.base)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ACD.Outbound.DialString = "PJSIP/{number}@trunk"
	if err := e.acd.Reconfigure(cfg); err != nil {
		t.Fatal(err)
	}
	e.expect("root", "POST", "/agents/1001/login", "", 200)
	code, out := e.do("sup", "POST", "/agents/1001/calls", `{"number":"5551234"}`)
	t.Logf("dial for 1001: %d %v", code, out)
	code2, out2 := e.do("ana", "POST", "/agents/1001/calls", `{"number":"5550000"}`)
	t.Logf("ana dials herself: %d %v", code2, out2)
	es, err := e.db.ListAudit(ctx, storage.AuditFilter{Action: "agent_call"})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 {
		t.Fatalf("audit entries %+v, want exactly sup's call for 1001", es)
	}
	a := es[0]
	if a.Actor != "sup" || a.ActorUserID != e.ids["sup"] || a.TargetType != "agent" || a.TargetID != "1001" || a.Detail["number"] != "5551234" {
		t.Errorf("audit entry %+v", a)
	}
	if code == 201 {
		if a.Detail["call_id"] != out["call_id"] {
			t.Errorf("call id %v, want %v", a.Detail["call_id"], out["call_id"])
		}
	} else if a.Detail["error"] == nil {
		t.Errorf("a refused call has no error on record: %+v", a)
	}
	// a malformed number is bad input, not a call placed
	e.expect("sup", "POST", "/agents/1001/calls", `{"number":"555; rm -rf"}`, 400)
	if es, _ := e.db.ListAudit(ctx, storage.AuditFilter{Action: "agent_call"}); len(es) != 1 {
		t.Errorf("bad input audited: %+v", es)
	}
}
