package dashboards_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/dashboards"
	"github.com/callfloor/callfloor/internal/testdb"
)

func reasonsOf(t *testing.T, body map[string]any) []map[string]any {
	t.Helper()
	list, ok := body["reasons"].([]any)
	if !ok {
		t.Fatalf("no reasons list in %v", body)
	}
	out := make([]map[string]any, len(list))
	for i, r := range list {
		out[i] = r.(map[string]any)
	}
	return out
}

func TestPauseReasonsEditableAtRunTime(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	// nothing configured: an empty list (any reason)
	if rs := reasonsOf(t, e.expect("ana", "GET", "/pause-reasons", "", 200)); len(rs) != 0 {
		t.Fatalf("reasons before any: %v", rs)
	}
	body := `{"reasons":[{"name":"break","paid":true,"max_seconds":900},{"name":"lunch","max_seconds":3600},{"name":"missed"}]}`
	for _, who := range []string{"ana", "lead-a", "qa", "sup"} {
		e.expect(who, "PUT", "/pause-reasons", body, 403)
	}
	got := reasonsOf(t, e.expect("ops", "PUT", "/pause-reasons", body, 200))
	if len(got) != 3 || got[0]["name"] != "break" || got[0]["paid"] != true || got[0]["max_seconds"] != 900.0 || got[1]["paid"] != false {
		t.Fatalf("PUT answered %v", got)
	}
	// any signed-in user reads them, in order
	rs := reasonsOf(t, e.expect("ana", "GET", "/pause-reasons", "", 200))
	if !reflect.DeepEqual(rs, got) {
		t.Fatalf("GET %v, PUT said %v", rs, got)
	}
	// effective at once in the running ACD: a reason not in the list is refused
	e.expect("ana", "POST", "/agents/1001/login", "", 200)
	if _, out := e.do("ana", "POST", "/agents/1001/pause", `{"reason":"coffee"}`); out["field"] != "reason" || !strings.Contains(out["message"].(string), "lunch") {
		t.Fatalf("pause for an unknown reason: %v", out)
	}
	e.expect("ana", "POST", "/agents/1001/pause", `{"reason":"lunch"}`, 200)
	// an admin changes lunch's maximum: read back, and in the ACD
	e.expect("root", "PUT", "/pause-reasons", `{"reasons":[{"name":"break","paid":true,"max_seconds":900},{"name":"lunch","max_seconds":1800},{"name":"coffee","paid":true,"max_seconds":300}]}`, 200)
	rs = reasonsOf(t, e.expect("lead-a", "GET", "/pause-reasons", "", 200))
	if len(rs) != 3 || rs[1]["max_seconds"] != 1800.0 || rs[2]["name"] != "coffee" {
		t.Fatalf("after the change: %v", rs)
	}
	if r, ok := callfloor.PauseReasonNamed(e.acd.PauseReasons(), "lunch"); !ok || r.MaxSeconds != 1800 {
		t.Fatalf("the ACD's lunch: %+v %v", r, ok)
	}
	e.expect("ana", "POST", "/agents/1001/pause", `{"reason":"coffee"}`, 200)
	// stored: a restart (LoadConfig) runs with them, and the file's list no longer seeds
	base := *e.base
	base.ACD.PauseReasons = []callfloor.PauseReason{{Name: "from-the-file"}}
	cfg, _, err := dashboards.LoadConfig(context.Background(), e.db, &base)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.ACD.PauseReasons) != 3 || cfg.ACD.PauseReasons[1] != (callfloor.PauseReason{Name: "lunch", MaxSeconds: 1800}) {
		t.Fatalf("after a restart: %+v", cfg.ACD.PauseReasons)
	}
	// audited, with before and after
	entries := e.expect("root", "GET", "/audit?action=pause_reasons_updated", "", 200)["entries"].([]any)
	if len(entries) != 2 {
		t.Fatalf("%d audit rows, want 2", len(entries))
	}
	last := entries[0].(map[string]any)
	if last["actor"] != "root" || last["detail"].(map[string]any)["after"] == nil || last["detail"].(map[string]any)["before"] == nil {
		t.Fatalf("audit row %v", last)
	}
}

func TestPauseReasonsBadInput(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	e.expectInvalid("", []badInput{
		{"PUT", "/pause-reasons", `{}`, "reasons"},
		{"PUT", "/pause-reasons", `{"reasons":[]}`, "reasons"},
		{"PUT", "/pause-reasons", `{"reasons":[{"name":""}]}`, "reasons[0].name"},
		{"PUT", "/pause-reasons", `{"reasons":[{"name":" lunch"}]}`, "reasons[0].name"},
		{"PUT", "/pause-reasons", `{"reasons":[{"name":"lunch"},{"name":"lunch"}]}`, "reasons[1].name"},
		{"PUT", "/pause-reasons", `{"reasons":[{"name":"lunch","max_seconds":-1}]}`, "reasons[0].max_seconds"},
		{"PUT", "/pause-reasons", `{"reasons":[{"name":"lunch","max_seconds":86401}]}`, "reasons[0].max_seconds"},
		{"PUT", "/pause-reasons", `{"reasons":[{"name":"lunch","max_seconds":"long"}]}`, "reasons.max_seconds"},
		{"PUT", "/pause-reasons", `{"reasons":[{"name":"lunch","paid":"yes"}]}`, "reasons.paid"},
		{"PUT", "/pause-reasons", `{"reasons":[{"name":"lunch","minutes":5}]}`, "minutes"},
	})
	// nothing was stored
	if rs := reasonsOf(t, e.expect("root", "GET", "/pause-reasons", "", 200)); len(rs) != 0 {
		t.Fatalf("after refused changes: %v", rs)
	}
}

// The configuration file's list seeds an empty database, plain names and objects alike.
func TestPauseReasonsSeededFromTheFile(t *testing.T) {
	t.Parallel()
	db, _ := testdb.Open(t)
	base := &callfloor.Config{
		Queues: []callfloor.Queue{{Name: "sales"}},
		Sim:    &callfloor.SimConfig{},
		ACD:    callfloor.ACDConfig{PauseReasons: []callfloor.PauseReason{{Name: "break", Paid: true, MaxSeconds: 600}, {Name: "lunch"}}},
	}
	base.ApplyDefaults()
	cfg, _, err := dashboards.LoadConfig(context.Background(), db, base)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := db.PauseReasons(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stored, base.ACD.PauseReasons) || !reflect.DeepEqual(cfg.ACD.PauseReasons, base.ACD.PauseReasons) {
		t.Fatalf("seeded %+v, running %+v, want %+v", stored, cfg.ACD.PauseReasons, base.ACD.PauseReasons)
	}
}

// Supervisors' floor control: make available, pause with a reason, log out another agent. A team
// lead for their own team, operations managers and admins for everyone; refused to anyone else;
// every action on someone else is on record (who, which agent, what, reason).
func TestFloorControlPermissions(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	type act struct {
		who, agent string
		want       int
	}
	ops := func(who, agent string, want int) {
		t.Helper()
		if want == 200 {
			e.expect("root", "POST", "/agents/"+agent+"/login", "", 200)
		}
		e.expect(who, "POST", "/agents/"+agent+"/pause", `{"reason":"coaching"}`, want)
		e.expect(who, "POST", "/agents/"+agent+"/unpause", "", want)
		e.expect(who, "POST", "/agents/"+agent+"/logout", "", want)
		if want != 200 {
			return
		}
		if st, _ := e.acd.AgentStatus(context.Background(), agent); st.State != callfloor.AgentLoggedOut {
			t.Fatalf("%s on %s: agent %+v after logout", who, agent, st)
		}
	}
	for _, c := range []act{
		{"lead-a", "1002", 200}, // their own team
		{"lead-a", "2001", 403}, // another team
		{"ops", "2001", 200},
		{"root", "1001", 200},
		{"qa", "1002", 403},
		{"ana", "1002", 403}, // an agent on a colleague
	} {
		ops(c.who, c.agent, c.want)
	}
	for _, action := range []string{"agent_pause", "agent_unpause", "agent_logout"} {
		entries := e.expect("root", "GET", "/audit?action="+action, "", 200)["entries"].([]any)
		got := map[string]bool{}
		for _, x := range entries {
			en := x.(map[string]any)
			got[en["actor"].(string)+"→"+en["target_id"].(string)] = true
			if action == "agent_pause" && en["detail"].(map[string]any)["reason"] != "coaching" {
				t.Errorf("%s row without its reason: %v", action, en)
			}
		}
		want := map[string]bool{"lead-a→1002": true, "ops→2001": true, "root→1001": true}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s audited %v, want %v", action, got, want)
		}
	}
}
