package dashboards_test

import "testing"

// A team's minimum heads per day: the duty lead sets them, the roster grid flags the days under
// them (weekends and holidays their own minimum), other teams' leads and agents may not set them.
func TestRosterRulesAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	e.expect("ops", "PUT", "/shifts/E", `{"name":"早班","start":"08:30","end":"17:30"}`, 201)
	e.expect("ops", "PUT", "/calendar/2026-12-25", `{"kind":"holiday","name":"测试假日"}`, 200)
	r := e.expect("lead-a", "GET", "/rosters/team-a/rules", "", 200)
	if r["min_heads"].(float64) != 0 || r["weekend_min_heads"].(float64) != 0 {
		t.Fatalf("default rules %v", r)
	}
	e.expect("lead-a", "PUT", "/rosters/team-a/rules", `{"min_heads":1,"weekend_min_heads":2}`, 200)
	// one agent on every day of the month: weekdays are staffed, weekend days and the holiday short
	cells := `{"cells":[`
	for d := 1; d <= 31; d++ {
		if d > 1 {
			cells += ","
		}
		cells += `{"agent":"1001","day":"2026-12-` + pad2(d) + `","shift":"E"}`
	}
	cells += `]}`
	v := e.expect("lead-a", "PUT", "/rosters/team-a/2026-12/cells", cells, 200)
	short := v["short"].([]any)
	// December 2026: Saturdays 5 12 19 26, Sundays 6 13 20 27, and the 25th (a Friday) a holiday
	if len(short) != 9 {
		t.Fatalf("%d short days, want 9: %v", len(short), short)
	}
	first := short[0].(map[string]any)
	if first["day"] != "2026-12-05" || first["heads"].(float64) != 1 || first["required"].(float64) != 2 {
		t.Fatalf("first short day %v", first)
	}
	days := v["days"].([]any)
	if d := days[24].(map[string]any); d["short"] != true || d["required"].(float64) != 2 {
		t.Fatalf("the holiday %v", d)
	}
	if d := days[0].(map[string]any); d["short"] != nil || d["required"].(float64) != 1 {
		t.Fatalf("a weekday %v", d)
	}
	e.expect("ana", "PUT", "/rosters/team-a/rules", `{"min_heads":1,"weekend_min_heads":2}`, 403)
	e.expect("lead-a", "PUT", "/rosters/team-b/rules", `{"min_heads":1,"weekend_min_heads":2}`, 403)
	e.expect("ana", "GET", "/rosters/team-a/rules", "", 403)
	e.expect("root", "GET", "/rosters/nope/rules", "", 404)
	e.expectInvalid("", []badInput{
		{"PUT", "/rosters/team-a/rules", `{"weekend_min_heads":2}`, "min_heads"},
		{"PUT", "/rosters/team-a/rules", `{"min_heads":2}`, "weekend_min_heads"},
		{"PUT", "/rosters/team-a/rules", `{"min_heads":-1,"weekend_min_heads":2}`, "min_heads"},
		{"PUT", "/rosters/team-a/rules", `{"min_heads":1,"weekend_min_heads":5000}`, "weekend_min_heads"},
	})
	entries := e.expect("root", "GET", "/audit?action=roster_rules_set", "", 200)["entries"].([]any)
	if len(entries) != 1 || entries[0].(map[string]any)["target_id"] != "team-a" {
		t.Fatalf("audit %v", entries)
	}
}

func pad2(d int) string {
	if d < 10 {
		return "0" + string(rune('0'+d))
	}
	return string(rune('0'+d/10)) + string(rune('0'+d%10))
}
