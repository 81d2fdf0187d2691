package dashboards_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// A team that dialled campaign calls today sends a daily report with its outbound line: dials,
// connects, 接通率 with its denominator, talk minutes, conversions and the drop rate against the
// campaign's ceiling (over it: off target, so a note is needed). A dropped dial has no agent: it
// is not the team's dial but counts in its campaign's drop rate.
func TestDailyReportOutboundLine(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	e.expect("ops", "PUT", "/campaigns/renew", `{"name":"车险续保","caller_ids":["02160001234"],"teams":["team-a"],"daily_dial_target":10,"drop_target":0.03}`, 201)
	now := time.Now()
	dial := func(id string, agent any, answered bool, outcome string, talkMS int) {
		t.Helper()
		var ans any
		if answered {
			ans = now.Add(-time.Minute)
		}
		if _, err := e.db.Pool.Exec(ctx, `INSERT INTO calls (id, direction, agent_id, entered_at, answered_at, ended_at, talk_ms, outcome, last_event_id, campaign_id, called_number)
			VALUES ($1, 'outbound', $2, $3, $4, $3, $5, $6, '0-1', 'renew', '+8613800000001')`, id, agent, now.Add(-2*time.Minute), ans, talkMS, outcome); err != nil {
			t.Fatal(err)
		}
	}
	dial("o1", "1001", true, "answered", 120000)
	dial("o2", "1001", false, "no_answer", 0)
	dial("o3", "1001", true, "answered", 60000)
	if _, err := e.db.Pool.Exec(ctx, `INSERT INTO call_dispositions (call_id, agent_id, code, label, set_by, set_at) VALUES ('o1', '1001', 'success', '成功', 'ana', now())`); err != nil {
		t.Fatal(err)
	}
	// answered with no agent free: no team's dial, but the team's campaign's drop (1 of 3 answered,
	// over the 3 % ceiling)
	dial("o4", nil, true, "dropped", 0)
	// put in by hand, not by the history writer: the campaign rollups rebuilt
	if _, err := e.db.RebuildRollups(ctx, now.Add(-time.Hour), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// the drop rate over the ceiling is off target: the report needs a note
	e.expect("lead-a", "POST", "/reports/daily", `{}`, 400)
	r := e.expect("lead-a", "POST", "/reports/daily", `{"note":"预测外呼比例过高，已调低"}`, 201)
	rep := r["report"].(map[string]any)
	o, ok := rep["outbound"].(map[string]any)
	if !ok || o["dials"] != 3.0 || o["connected"] != 2.0 || o["answered"] != 3.0 || o["dropped"] != 1.0 || o["connect_rate"].(float64) != 2.0/3 ||
		o["conversions"] != 1.0 || o["talk_minutes"] != 3.0 || o["drop_over"] != true {
		t.Fatalf("daily report's outbound %v", rep["outbound"])
	}
	if tg, _ := o["targets"].(map[string]any); tg == nil || tg["drop_rate"] != 0.03 {
		t.Errorf("targets %v", o["targets"])
	}
	b, _ := json.Marshal(r["off_target"])
	if string(b) != `["drop_rate"]` {
		t.Errorf("off target %s", b)
	}
}
