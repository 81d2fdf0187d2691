package dashboards_test

import (
	"context"
	"testing"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// The score-sheet pages link to the CSV and the printable sheet with the UI's language (lang=):
// the sheet, the sheet as sent and their CSV accept it (an unknown parameter is still refused).
func TestScoreSheetLinksTakeTheLanguage(t *testing.T) {
	t.Parallel()
	e := seedReports(t)
	e.addUser(storage.NewUser{Username: "pm", Role: callfloor.RoleProjectManager})
	if _, err := e.db.Pool.Exec(context.Background(), `UPDATE users SET created_at = '2026-11-01T00:00:00Z' WHERE username = 'lead-a'`); err != nil {
		t.Fatal(err)
	}
	e.expect("lead-a", "POST", "/qa/score-sheet/send", `{"day": "2026-11-18", "note": "two agents on leave"}`, 201)
	for _, c := range []struct{ user, path string }{
		{"lead-a", "/qa/score-sheet?day=2026-11-18&format=csv&lang=zh-CN"},
		{"lead-a", "/qa/score-sheet?day=2026-11-18&format=html&lang=en"},
		{"pm", "/qa/score-sheet?team=team-a&day=2026-11-18&lead=lead-a&format=html&lang=zh-CN"},
		{"pm", "/qa/score-sheets/sent?team=team-a&day=2026-11-18&lead=lead-a&format=html&lang=zh-CN"},
	} {
		if code, _, body := e.get(c.user, c.path); code != 200 {
			t.Errorf("%s: %d %.200s", c.path, code, body)
		}
	}
	if code, _, _ := e.get("lead-a", "/qa/score-sheet?day=2026-11-18&format=csv&colour=red"); code != 400 {
		t.Errorf("an unknown parameter: %d, want 400", code)
	}
}
