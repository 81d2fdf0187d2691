package dashboards_test

import (
	"strings"
	"testing"
)

// The duty lead of team-a fills, edits and publishes the team's month; the agent reads their own
// published days; other roles as their scope allows; every change audited; bad input named.
func TestRosterAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	e.expect("ops", "PUT", "/shifts/E", `{"name":"早班","start":"08:30","end":"17:30","breaks":[{"start":"12:00","end":"14:00"}]}`, 201)
	e.expect("ops", "PUT", "/shifts/L", `{"name":"晚班","start":"09:30","end":"22:00"}`, 201)
	e.expect("ops", "PUT", "/rotations/两作两息", `{"anchor":"2026-12-01","cycle":["E","E","",""]}`, 201)

	v := e.expect("lead-a", "POST", "/rosters/team-a/2026-12/fill", `{"assignments":[{"agent":"1001","rotation":"两作两息","offset":0},{"agent":"1002","rotation":"两作两息","offset":2}]}`, 200)
	if v["status"] != "draft" || len(v["days"].([]any)) != 31 || v["changed"].(float64) != 62 {
		t.Fatalf("filled %v", v["status"])
	}
	// the agent sees nothing before it is published
	mine := e.expect("ana", "GET", "/agents/1001/roster?from=2026-12-01&to=2026-12-07", "", 200)["days"].([]any)
	if len(mine) != 7 || mine[0].(map[string]any)["shift"] != nil {
		t.Fatalf("unpublished: %v", mine[0])
	}
	v = e.expect("lead-a", "POST", "/rosters/team-a/2026-12/publish", ``, 200)
	if v["status"] != "published" || v["version"].(float64) != 1 || v["published_by"] != "lead-a" {
		t.Fatalf("published %v %v %v", v["status"], v["version"], v["published_by"])
	}
	mine = e.expect("ana", "GET", "/agents/1001/roster?from=2026-12-01&to=2026-12-07", "", 200)["days"].([]any)
	if mine[0].(map[string]any)["shift"] != "E" || mine[0].(map[string]any)["name"] != "早班" || mine[2].(map[string]any)["shift"] != nil {
		t.Fatalf("published: %v %v", mine[0], mine[2])
	}
	v = e.expect("lead-a", "PUT", "/rosters/team-a/2026-12/cells", `{"cells":[{"agent":"1001","day":"2026-12-03","shift":"L"}]}`, 200)
	if v["status"] != "draft" || v["changed"].(float64) != 1 {
		t.Fatalf("after an edit %v %v", v["status"], v["changed"])
	}
	// who may do what
	e.expect("ana", "GET", "/rosters/team-a/2026-12", "", 403)
	e.expect("ana", "GET", "/agents/1002/roster", "", 403)
	e.expect("ana", "POST", "/rosters/team-a/2026-12/publish", ``, 403)
	e.expect("qa", "GET", "/rosters/team-a/2026-12", "", 200)
	e.expect("qa", "POST", "/rosters/team-a/2026-12/publish", ``, 403)
	e.expect("sup", "POST", "/rosters/team-a/2026-12/publish", ``, 200)
	e.expect("lead-a", "GET", "/rosters/team-b/2026-12", "", 403)
	e.expect("lead-a", "PUT", "/rosters/team-b/2026-12/cells", `{"cells":[{"agent":"2001","day":"2026-12-03","shift":"L"}]}`, 403)
	e.expect("lead-a", "GET", "/agents/1002/roster", "", 200)
	e.expect("root", "GET", "/rosters/nope/2026-12", "", 404)

	e.expectInvalid("", []badInput{
		{"PUT", "/rosters/team-a/2026-12/cells", `{"cells":[{"agent":"2001","day":"2026-12-03","shift":"L"}]}`, "cells[0].agent"},
		{"PUT", "/rosters/team-a/2026-12/cells", `{"cells":[{"agent":"1001","day":"2026-11-30","shift":"L"}]}`, "cells[0].day"},
		{"PUT", "/rosters/team-a/2026-12/cells", `{"cells":[{"agent":"1001","day":"2026-12-03","shift":"Q"}]}`, "cells[0].shift"},
		{"PUT", "/rosters/team-a/2026-12/cells", `{"cells":[]}`, "cells"},
		{"POST", "/rosters/team-a/2026-12/fill", `{"assignments":[{"agent":"1001","rotation":"x"}]}`, "assignments[0].rotation"},
		{"POST", "/rosters/team-a/2026-12/fill", `{"assignments":[{"agent":"1001","rotation":"两作两息","offset":-1}]}`, "assignments[0].offset"},
		{"GET", "/rosters/team-a/2026-1", ``, "month"},
		{"GET", "/agents/1001/roster?from=2026-12-01&to=2026-12-x", ``, "to"},
		{"GET", "/agents/1001/roster?from=2026-12-09&to=2026-12-01", ``, "to"},
		{"GET", "/agents/1001/roster?from=2026-01-01&to=2026-12-31", ``, "to"},
	})
	for action, n := range map[string]int{"roster_filled": 1, "roster_changed": 1, "roster_published": 2} {
		entries := e.expect("root", "GET", "/audit?action="+action, "", 200)["entries"].([]any)
		if len(entries) != n || !strings.Contains(entries[0].(map[string]any)["target_id"].(string), "team-a/2026-12") {
			t.Errorf("%d audit rows for %s, want %d: %v", len(entries), action, n, entries)
		}
	}
}

// An agent asks to swap a shift; the team lead approves it and the roster changes; the agent may
// not approve their own; another agent may not see it.
func TestSwapAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	e.expect("ops", "PUT", "/shifts/E", `{"name":"早班","start":"08:30","end":"17:30"}`, 201)
	e.expect("ops", "PUT", "/rotations/r", `{"anchor":"2030-01-01","cycle":["E","E","",""]}`, 201)
	e.expect("lead-a", "POST", "/rosters/team-a/2030-01/fill", `{"assignments":[{"agent":"1001","rotation":"r"},{"agent":"1002","rotation":"r","offset":2}]}`, 200)
	e.expect("lead-a", "POST", "/rosters/team-a/2030-01/publish", ``, 200)
	s := e.expect("ana", "POST", "/agents/1001/swaps", `{"day":"2030-01-05","payback_day":"2030-01-07","reason":"体检"}`, 201)
	id := itoa(int64(s["id"].(float64)))
	e.expect("ana", "POST", "/agents/1002/swaps", `{"day":"2030-01-03","payback_day":"2030-01-05"}`, 403)
	e.expectInvalid("", []badInput{
		{"POST", "/agents/1001/swaps", `{"day":"2030-01-09","payback_day":"2030-02-01"}`, "payback_day"},
		{"POST", "/agents/1001/swaps", `{"day":"2030-01-09","payback_day":"2030-01-11","with_agent":"2001"}`, "with_agent"},
		{"POST", "/agents/1001/swaps", `{"day":"2030-01-09","payback_day":"2030-01-11","days":3}`, "days"},
		{"POST", "/swaps/" + id + "/decision", `{"note":"x"}`, "approve"},
		{"GET", "/swaps?status=maybe", ``, "status"},
	})
	if _, body := e.do("ana", "POST", "/agents/1001/swaps", `{"day":"2030-01-09","payback_day":"2030-01-11"}`); body["code"] != "swap_limit" {
		t.Fatalf("second swap in a month: %v", body)
	}
	e.expect("ana", "POST", "/swaps/"+id+"/decision", `{"approve":true}`, 403)
	if n := len(e.expect("lead-a", "GET", "/swaps?status=pending", "", 200)["swaps"].([]any)); n != 1 {
		t.Fatalf("lead's pending swaps: %d", n)
	}
	if n := len(e.expect("qa", "GET", "/swaps", "", 200)["swaps"].([]any)); n != 1 {
		t.Fatalf("qa sees %d", n)
	}
	d := e.expect("lead-a", "POST", "/swaps/"+id+"/decision", `{"approve":true,"note":"同意"}`, 200)
	if d["status"] != "approved" || d["decided_by"] != "lead-a" {
		t.Fatalf("%v", d)
	}
	days := e.expect("ana", "GET", "/agents/1001/roster?from=2030-01-05&to=2030-01-07", "", 200)["days"].([]any)
	if days[0].(map[string]any)["shift"] != nil || days[2].(map[string]any)["shift"] != "E" {
		t.Fatalf("roster after the swap: %v", days)
	}
	if _, body := e.do("ana", "POST", "/swaps/"+id+"/cancel", ``); body["code"] != "state_conflict" {
		t.Fatalf("cancel an approved swap: %v", body)
	}
	for action, n := range map[string]int{"swap_requested": 1, "swap_approved": 1} {
		if got := len(e.expect("root", "GET", "/audit?action="+action, "", 200)["entries"].([]any)); got != n {
			t.Errorf("%d audit rows for %s", got, action)
		}
	}
}
