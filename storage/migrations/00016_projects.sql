-- +goose Up
-- Projects (a client's programme in a BPO): a project owns queues and teams; a project manager
-- is scoped to the projects they are given (user_projects). Existing queues and teams move into
-- the project "default". Targets (per project or per queue) are what reports and the wallboard
-- show figures against.
CREATE TABLE projects (
    id         text PRIMARY KEY CHECK (id <> ''),
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO projects (id, name) VALUES ('default', 'Default project');

ALTER TABLE teams ADD COLUMN project_id text NOT NULL DEFAULT 'default' REFERENCES projects (id);
ALTER TABLE queues ADD COLUMN project_id text NOT NULL DEFAULT 'default' REFERENCES projects (id);
CREATE INDEX teams_project ON teams (project_id);
CREATE INDEX queues_project ON queues (project_id);

-- The projects a project manager runs (other roles ignore it).
CREATE TABLE user_projects (
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id text   NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, project_id)
);
INSERT INTO user_projects (user_id, project_id) SELECT id, 'default' FROM users WHERE role = 'project_manager';

-- Targets of a project or a queue (scope_kind 'project' | 'queue', scope_id its id / name). NULL:
-- no target for that figure. A queue's own target wins over its project's.
CREATE TABLE targets (
    scope_kind         text    NOT NULL CHECK (scope_kind IN ('project', 'queue')),
    scope_id           text    NOT NULL,
    service_level      real    NULL CHECK (service_level BETWEEN 0 AND 1), -- share answered within T
    aht_s              real    NULL CHECK (aht_s > 0),                     -- average handle time, seconds
    connect_rate       real    NULL CHECK (connect_rate BETWEEN 0 AND 1),  -- outbound connects ÷ dials
    occupancy_min      real    NULL CHECK (occupancy_min BETWEEN 0 AND 1),
    occupancy_max      real    NULL CHECK (occupancy_max BETWEEN 0 AND 1),
    daily_dials        integer NULL CHECK (daily_dials >= 0),
    daily_talk_minutes integer NULL CHECK (daily_talk_minutes >= 0),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope_kind, scope_id),
    CHECK (occupancy_min IS NULL OR occupancy_max IS NULL OR occupancy_min <= occupancy_max)
);

-- +goose Down
DROP TABLE targets;
DROP TABLE user_projects;
DROP INDEX queues_project;
DROP INDEX teams_project;
ALTER TABLE queues DROP COLUMN project_id;
ALTER TABLE teams DROP COLUMN project_id;
DROP TABLE projects;
