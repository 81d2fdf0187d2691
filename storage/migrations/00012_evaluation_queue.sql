-- +goose Up
-- The queue of the evaluated call, kept with the evaluation (as team_id is): QA reports by queue
-- read it instead of looking every call up in the partitioned calls table.
ALTER TABLE evaluations ADD COLUMN queue text NOT NULL DEFAULT '';
-- Only the evaluated calls are looked up (the call id index), not the whole history sorted.
UPDATE evaluations e SET queue = c.queue
    FROM (SELECT DISTINCT ON (id) id, queue FROM calls
          WHERE queue IS NOT NULL AND id IN (SELECT call_id FROM evaluations) ORDER BY id, entered_at) c
    WHERE c.id = e.call_id;

-- +goose Down
ALTER TABLE evaluations DROP COLUMN IF EXISTS queue;
