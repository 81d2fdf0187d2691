package main

import (
	"context"
	"fmt"
	"io"

	"github.com/callfloor/callfloor/storage"
)

// The demo's post-call surveys (issue 14): the queues sales and support ask them (demo.yaml);
// their history holds a believable set of results for the answered calls of those queues: about
// 70 % offered (the agent hung up first), of which mostly satisfied (each agent a little
// different), some neutral and dissatisfied, some no input and some callers hanging up;
// support's second question ("was your problem solved", 1 yes / 2 no) answered too. Derived
// from the call ids (hashtext), so a re-seed gives the same; idempotent (the call id is the key).

const demoSurveySQL = `
WITH c AS (
	SELECT c.id, c.entered_at, c.ended_at, c.caller_number, c.queue, c.agent_id, a.team_id,
		abs(hashtext(c.id)) % 1000 AS h, abs(hashtext(c.id || ':r')) % 100 AS r, 55 + abs(hashtext(coalesce(c.agent_id, ''))) % 25 AS sat
	FROM calls c LEFT JOIN agents a ON a.id = c.agent_id
	WHERE c.direction = 'inbound' AND c.outcome = 'answered' AND c.queue IN ('sales', 'support') AND c.ended_at IS NOT NULL
), s AS (
	SELECT c.*, CASE WHEN r < sat THEN 'satisfied' WHEN r < sat + 12 THEN 'neutral' WHEN r < sat + 18 THEN 'dissatisfied' END AS rating,
		CASE WHEN r < sat + 18 THEN 'answered' WHEN r < sat + 27 THEN 'no_input' ELSE 'caller_hangup' END AS how
	FROM c WHERE h < 700
)
INSERT INTO surveys (call_id, call_entered_at, number, queue, agent_id, team_id, language, offered_at, ended_at,
	q1, q1_at, rating, q2, q2_at, outcome, abandoned_at)
SELECT id, entered_at, caller_number, queue, agent_id, team_id, 'zh', ended_at,
	ended_at + CASE how WHEN 'answered' THEN interval '9 seconds' + (r % 7) * interval '1 second' WHEN 'no_input' THEN interval '26 seconds' ELSE interval '4 seconds' END,
	CASE rating WHEN 'satisfied' THEN '1' WHEN 'neutral' THEN '2' WHEN 'dissatisfied' THEN '3' END,
	CASE WHEN rating IS NOT NULL THEN ended_at + interval '4 seconds' END,
	rating,
	CASE WHEN queue = 'support' AND rating IS NOT NULL THEN CASE WHEN rating = 'satisfied' OR (rating = 'neutral' AND r % 2 = 0) THEN '1' ELSE '2' END END,
	CASE WHEN queue = 'support' AND rating IS NOT NULL THEN ended_at + interval '8 seconds' END,
	CASE how WHEN 'answered' THEN 'completed' ELSE how END,
	CASE WHEN how = 'caller_hangup' THEN 1 END
FROM s
ON CONFLICT (call_id) DO NOTHING`

func seedDemoSurveys(ctx context.Context, db *storage.DB, stdout io.Writer) error {
	tag, err := db.Pool.Exec(ctx, demoSurveySQL)
	if err != nil {
		return fmt.Errorf("demo surveys: %w", err)
	}
	if n := tag.RowsAffected(); n > 0 {
		fmt.Fprintf(stdout, "demo: %d post-call survey results\n", n)
	}
	return nil
}
