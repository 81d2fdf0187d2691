package dashboards_test

import (
	"encoding/json"
	"os"
	"testing"
)

// The scorecard editor validates forms in the browser before saving (ui/src/scorecard_model.ts)
// and must name the same field as the server. ui/src/scorecard_rules.json holds forms with the
// field each one's first problem is in; the UI's vitest test checks its validation against the
// same file, this test checks the server: POST /api/v1/scorecards answers 400 naming that field
// (or 201 for a valid form).
func TestScorecardRulesShared(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("ui/src/scorecard_rules.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name  string          `json:"name"`
		Card  json.RawMessage `json:"card"`
		Field string          `json:"field"`
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 20 {
		t.Fatalf("only %d cases in scorecard_rules.json", len(cases))
	}
	e := newAPIEnv(t)
	for _, c := range cases {
		if c.Field == "" {
			e.expect("qa", "POST", "/scorecards", string(c.Card), 201)
			continue
		}
		got := e.expect("qa", "POST", "/scorecards", string(c.Card), 400)
		if got["field"] != c.Field {
			t.Errorf("%s: the server names %v (%v), the UI's rule file %q", c.Name, got["field"], got["message"], c.Field)
		}
	}
}
