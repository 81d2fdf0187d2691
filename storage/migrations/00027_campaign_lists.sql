-- +goose Up
-- Campaign lists (issue 13): a recycled lead counts its attempts from the recycle when the
-- recycle reset them (attempts_since); the retention sweep finds a campaign's calls through
-- lead_attempts by call id (or by dial id, which is the call's id for dialler calls).

ALTER TABLE leads ADD COLUMN attempts_since timestamptz;
CREATE INDEX lead_attempts_call_idx ON lead_attempts (call_id) WHERE call_id IS NOT NULL;
CREATE INDEX lead_attempts_dial_idx ON lead_attempts (dial_id);
CREATE INDEX consents_phone_idx ON consents (phone);

-- +goose Down
DROP INDEX IF EXISTS consents_phone_idx;
DROP INDEX IF EXISTS lead_attempts_dial_idx;
DROP INDEX IF EXISTS lead_attempts_call_idx;
ALTER TABLE leads DROP COLUMN IF EXISTS attempts_since;
