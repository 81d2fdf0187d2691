package dashboards_test

import (
	"context"
	"testing"

	"github.com/callfloor/callfloor/storage"
)

const scorecardV1 = `{"id": "inbound", "name": "Inbound", "sections": [{"id": "open", "title": "Opening", "items": [
	{"id": "greet", "text": "Greets", "kind": "yes_no", "weight": 1},
	{"id": "tone", "text": "Tone", "kind": "scale", "max": 5, "weight": 2}]}]}`

const scorecardV2 = `{"name": "Inbound 2026", "sections": [{"id": "open", "title": "Opening", "items": [
	{"id": "greet", "text": "Greets", "kind": "yes_no", "weight": 1},
	{"id": "tone", "text": "Tone", "kind": "scale", "max": 10, "weight": 2}]}]}`

func TestScorecardsAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()

	// writes: QA, operations manager, admin; not agents, team leads or supervisors
	for _, u := range []string{"ana", "lead-a", "sup"} {
		e.expect(u, "POST", "/scorecards", scorecardV1, 403)
	}
	e.expect("", "GET", "/scorecards", "", 401)
	got := e.expect("qa", "POST", "/scorecards", scorecardV1, 201)
	if got["version"] != float64(1) || got["id"] != "inbound" {
		t.Fatalf("created %v", got)
	}
	e.expect("ops", "POST", "/scorecards", scorecardV1, 409)

	// an invalid form is 400 naming the field, on create and on edit
	bad := e.expect("qa", "POST", "/scorecards", `{"id": "b", "name": "B", "sections": [{"id": "s", "title": "S", "items": [
		{"id": "x", "text": "X", "kind": "scale", "weight": 1}]}]}`, 400)
	if bad["field"] != "sections[0].items[0].max" {
		t.Fatalf("invalid form: %v", bad)
	}
	bad = e.expect("qa", "PUT", "/scorecards/inbound", `{"name": "I", "sections": [{"id": "s", "title": "S", "items": [
		{"id": "x", "text": "X", "kind": "maybe", "weight": 1}]}]}`, 400)
	if bad["field"] != "sections[0].items[0].kind" {
		t.Fatalf("invalid edit: %v", bad)
	}
	bad = e.expect("qa", "POST", "/scorecards", `{"id": "b", "name": "B", "sections": [], "colour": "red"}`, 400)
	if bad["field"] != "colour" {
		t.Fatalf("unknown field: %v", bad)
	}

	// edit → v2; v1 unchanged and readable by anyone
	for _, u := range []string{"ana", "lead-a"} {
		e.expect(u, "PUT", "/scorecards/inbound", scorecardV2, 403)
		e.expect(u, "DELETE", "/scorecards/inbound", "", 403)
	}
	e.expect("qa", "PUT", "/scorecards/inbound", `{"id": "other", "name": "X", "sections": []}`, 400)
	e.expect("qa", "PUT", "/scorecards/nope", scorecardV2, 404)
	got = e.expect("qa", "PUT", "/scorecards/inbound", scorecardV2, 200)
	if got["version"] != float64(2) || got["id"] != "inbound" {
		t.Fatalf("edit %v", got)
	}
	maxOf := func(card map[string]any) any {
		return card["sections"].([]any)[0].(map[string]any)["items"].([]any)[1].(map[string]any)["max"]
	}
	latest := e.expect("ana", "GET", "/scorecards/inbound", "", 200)
	if latest["version"] != float64(2) || latest["name"] != "Inbound 2026" || maxOf(latest) != float64(10) {
		t.Fatalf("latest %v", latest)
	}
	v1 := e.expect("lead-a", "GET", "/scorecards/inbound?version=1", "", 200)
	if v1["version"] != float64(1) || v1["name"] != "Inbound" || maxOf(v1) != float64(5) {
		t.Fatalf("v1 %v", v1)
	}
	e.expect("ana", "GET", "/scorecards/inbound?version=3", "", 404)
	e.expect("ana", "GET", "/scorecards/inbound?version=zero", "", 400)
	e.expect("ana", "GET", "/scorecards/nope", "", 404)

	list := e.expect("ana", "GET", "/scorecards", "", 200)["scorecards"].([]any)
	if len(list) != 1 {
		t.Fatalf("list %v", list)
	}
	if s := list[0].(map[string]any); s["latest_version"] != float64(2) || s["versions"] != float64(2) || s["retired"] != false {
		t.Fatalf("summary %v", s)
	}

	// retire (ops): no more versions, still readable
	e.expect("ops", "DELETE", "/scorecards/inbound", "", 200)
	e.expect("ops", "DELETE", "/scorecards/inbound", "", 409)
	e.expect("qa", "PUT", "/scorecards/inbound", scorecardV2, 409)
	e.expect("ana", "GET", "/scorecards/inbound?version=1", "", 200)
	if s := e.expect("qa", "GET", "/scorecards", "", 200)["scorecards"].([]any)[0].(map[string]any); s["retired"] != true {
		t.Fatalf("after retire %v", s)
	}

	// audit: one row per successful write, with who and which version
	entries, err := e.db.ListAudit(ctx, storage.AuditFilter{TargetType: "scorecard", TargetID: "inbound"})
	if err != nil {
		t.Fatal(err)
	}
	var trail []string
	for i := len(entries) - 1; i >= 0; i-- {
		en := entries[i]
		trail = append(trail, en.Action+" by "+en.Actor)
		if en.Action != "scorecard_retired" && en.Detail["version"] == nil {
			t.Fatalf("audit without version: %+v", en)
		}
	}
	want := []string{"scorecard_created by qa", "scorecard_versioned by qa", "scorecard_retired by ops"}
	if len(trail) != len(want) {
		t.Fatalf("audit %v, want %v", trail, want)
	}
	for i := range want {
		if trail[i] != want[i] {
			t.Fatalf("audit %v, want %v", trail, want)
		}
	}
	if entries[1].Detail["version"] != float64(2) {
		t.Fatalf("versioned detail %v", entries[1].Detail)
	}
}

// Admins may write scorecards too.
func TestScorecardsAdmin(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	e.expect("root", "POST", "/scorecards", scorecardV1, 201)
	e.expect("root", "PUT", "/scorecards/inbound", scorecardV2, 200)
	e.expect("root", "DELETE", "/scorecards/inbound", "", 200)
}
