-- +goose Up
-- Issue 13: a call of an outbound campaign keeps its campaign and lead in the history (the
-- history writer copies callfloor.Call's CampaignID and LeadID), so that the outbound daily
-- report (storage/outbound_report.go) reads the campaign's calls straight from the raw rows
-- through this partial index. The rollups get no campaign dimension: campaign calls are a
-- small share of the rows and the report also needs distinct leads and numbers, which are not
-- additive; the raw query over the index is measured in BENCHMARKS.md.
ALTER TABLE calls ADD COLUMN campaign_id text, ADD COLUMN lead_id bigint;
CREATE INDEX calls_campaign_idx ON calls (campaign_id, entered_at) WHERE campaign_id IS NOT NULL;

-- calls written before this migration: their attempts name them (the call id is the dial id)
UPDATE calls c SET campaign_id = la.campaign_id, lead_id = la.lead_id
FROM lead_attempts la WHERE la.dial_id = c.id AND c.campaign_id IS NULL;

-- +goose Down
DROP INDEX IF EXISTS calls_campaign_idx;
ALTER TABLE calls DROP COLUMN IF EXISTS lead_id, DROP COLUMN IF EXISTS campaign_id;
