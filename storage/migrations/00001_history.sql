-- +goose Up
-- placeholder: the history schema (calls, offers, agent state intervals, recordings) lands here
CREATE TABLE IF NOT EXISTS schema_info (k text PRIMARY KEY, v text NOT NULL);

-- +goose Down
DROP TABLE IF EXISTS schema_info;
