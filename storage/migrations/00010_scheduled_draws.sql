-- +goose Up
-- Scheduled draws of sample plans (storage.ScheduledPlanDraws): kind 'scheduled', drawn_for the
-- plan's ID in decimal, so the unique (kind, drawn_for, period_from) makes each plan's draw of a
-- period happen once, whichever instance runs it and however often.

ALTER TABLE sample_draws DROP CONSTRAINT sample_draws_kind_check;
ALTER TABLE sample_draws ADD CONSTRAINT sample_draws_kind_check CHECK (kind IN ('plan', 'daily_team_lead', 'scheduled'));
CREATE INDEX sample_draws_plan_period_idx ON sample_draws (plan_id, period_from);

-- +goose Down
DROP INDEX IF EXISTS sample_draws_plan_period_idx;
ALTER TABLE sample_draws DROP CONSTRAINT sample_draws_kind_check;
-- NOT VALID: scheduled draws already made (and their assignments) stay.
ALTER TABLE sample_draws ADD CONSTRAINT sample_draws_kind_check CHECK (kind IN ('plan', 'daily_team_lead')) NOT VALID;
