-- +goose Up
-- Two more roles: project_manager (runs a project's floor; receives the team leads' daily score
-- sheets) and trainer (reads QA results to coach agents; acts on nobody).
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN
    ('agent', 'trainer', 'team_lead', 'qa', 'supervisor', 'project_manager', 'operations_manager', 'admin'));

-- A team lead's daily score sheet, sent to the project managers: a snapshot of the day's
-- evaluations as sent. Sent once per lead, team and day; never rewritten.
CREATE TABLE score_sheet_submissions (
    team_id      text        NOT NULL,
    day          date        NOT NULL,
    lead         text        NOT NULL,
    evaluations  int         NOT NULL,
    quota        int         NOT NULL,
    avg_score    numeric     NULL,
    fatal        int         NOT NULL,
    evaluation_ids bigint[]  NOT NULL,
    note         text        NOT NULL DEFAULT '',
    submitted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, day, lead)
);
CREATE INDEX score_sheet_submissions_day_idx ON score_sheet_submissions (day);

-- +goose Down
DROP TABLE IF EXISTS score_sheet_submissions;
DELETE FROM users WHERE role IN ('trainer', 'project_manager');
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('agent', 'team_lead', 'qa', 'supervisor', 'operations_manager', 'admin'));
