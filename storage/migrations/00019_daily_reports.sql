-- +goose Up
-- A team lead's daily production report (日报) sent to the project managers: the team's figures
-- of the day as the report engine computed them when sent (kept as sent), the figures that
-- missed their targets, and the lead's note. Sent once per lead, team and day.
CREATE TABLE daily_reports (
    team_id      text        NOT NULL,
    day          date        NOT NULL,
    lead         text        NOT NULL,
    report       jsonb       NOT NULL,
    off_target   text[]      NOT NULL DEFAULT '{}',
    note         text        NOT NULL DEFAULT '',
    submitted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, day, lead)
);
CREATE INDEX daily_reports_day_idx ON daily_reports (day);

-- +goose Down
DROP TABLE daily_reports;
