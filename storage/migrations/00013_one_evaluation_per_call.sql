-- +goose Up
-- One evaluation per call per scorecard (issue 9 item 6): a call evaluated again and again counted
-- again and again (a team lead's three evaluations of one call made 3 of the daily 10). A dispute
-- rescores the evaluation it is about; calibration sessions are separate (their own tables).
--
-- Existing duplicates are kept, not deleted: evaluation_history is append only and references
-- them, disputes may hang on them, and what an agent was told stays on record. Per call and
-- scorecard one evaluation stays current: the most recent one that was disputed (the agent's
-- challenge and its decision live there), else the most recent. The others get superseded_by
-- (the one that stays current) and a history line; the unique index covers only the current
-- ones, and reports, score sheets and quotas count only those.
ALTER TABLE evaluations ADD COLUMN superseded_by bigint NULL REFERENCES evaluations (id);

WITH ranked AS (
    SELECT e.id, first_value(e.id) OVER (PARTITION BY e.call_id, e.scorecard_id
               ORDER BY EXISTS (SELECT 1 FROM disputes d WHERE d.evaluation_id = e.id) DESC, e.created_at DESC, e.id DESC) AS keep
    FROM evaluations e
    WHERE (e.call_id, e.scorecard_id) IN (SELECT call_id, scorecard_id FROM evaluations GROUP BY 1, 2 HAVING count(*) > 1)
)
UPDATE evaluations e SET superseded_by = r.keep FROM ranked r WHERE r.id = e.id AND r.keep <> e.id;

INSERT INTO evaluation_history (evaluation_id, actor, action, after)
    SELECT id, 'system', 'superseded', jsonb_build_object('superseded_by', superseded_by)
    FROM evaluations WHERE superseded_by IS NOT NULL ORDER BY id;

CREATE UNIQUE INDEX evaluations_one_per_call ON evaluations (call_id, scorecard_id) WHERE superseded_by IS NULL;

-- +goose Down
DROP INDEX IF EXISTS evaluations_one_per_call;
ALTER TABLE evaluations DROP COLUMN IF EXISTS superseded_by;
