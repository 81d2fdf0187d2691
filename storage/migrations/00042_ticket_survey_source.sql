-- +goose Up
-- A ticket opened for a dissatisfied survey answer names its survey (the surveyed call's id):
-- at most one ticket per survey, so a retried survey action (storage/surveys_actions.go, whose
-- ticket is opened in its own transaction) finds the ticket it opened instead of opening a
-- second one.
ALTER TABLE tickets ADD COLUMN survey_call_id text NULL;
CREATE UNIQUE INDEX tickets_one_per_survey ON tickets (survey_call_id) WHERE survey_call_id IS NOT NULL;
-- the tickets opened by surveys before this column: their call is their survey
UPDATE tickets SET survey_call_id = call_id
 WHERE created_by = 'system:survey' AND call_id IS NOT NULL
   AND id = (SELECT min(t2.id) FROM tickets t2 WHERE t2.created_by = 'system:survey' AND t2.call_id = tickets.call_id);

-- +goose Down
DROP INDEX tickets_one_per_survey;
ALTER TABLE tickets DROP COLUMN survey_call_id;
