-- +goose Up
-- The floor's configuration, editable at run time through the API; the configuration file
-- seeds it when empty.
CREATE TABLE queues (
    name       text PRIMARY KEY,
    settings   jsonb NOT NULL,           -- callfloor.Queue (durations in nanoseconds)
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE agents (
    id         text PRIMARY KEY,
    name       text NOT NULL DEFAULT '',
    endpoint   text NOT NULL,
    team_id    text NULL,                  -- teams(id); checked by the API
    skills     jsonb NOT NULL DEFAULT '{}', -- queue name -> skill level
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agents_team ON agents (team_id);

-- +goose Down
DROP TABLE agents;
DROP TABLE queues;
