-- +goose Up
-- Production bulletins (快报) and threshold alerts pushed to chat robots, e-mail and webhooks
-- (package bulletins). The job queue that runs them once across instances is river's: its own
-- tables come from rivermigrate, run by `callfloor migrate` after these migrations.

-- Where bulletins go. kind: wecom | dingtalk | feishu | email | webhook. url: the robot's or
-- the webhook's address (it carries a token: never logged, never returned whole by the API);
-- secret: the signing secret (DingTalk / Feishu signed mode, webhook HMAC) or the SMTP password
-- (never returned by the API). email: SMTP settings {host, port, username, from, to[]}.
-- project_id NULL: the whole floor.
CREATE TABLE bulletin_destinations (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL UNIQUE CHECK (name <> ''),
    kind       text NOT NULL CHECK (kind IN ('wecom', 'dingtalk', 'feishu', 'email', 'webhook')),
    url        text NOT NULL DEFAULT '',
    secret     text NOT NULL DEFAULT '',
    email      jsonb NULL,
    project_id text NULL REFERENCES projects (id) ON DELETE CASCADE,
    lang       text NOT NULL DEFAULT 'zh-CN' CHECK (lang IN ('en', 'zh-CN')),
    enabled    boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Scheduled bulletins: local times ('10:00') on ISO weekdays (1 Monday … 7 Sunday) in the
-- centre's time zone, to the destinations listed.
CREATE TABLE bulletin_schedules (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL UNIQUE CHECK (name <> ''),
    times           text[] NOT NULL,
    weekdays        smallint[] NOT NULL DEFAULT '{1,2,3,4,5,6,7}',
    destination_ids bigint[] NOT NULL,
    project_id      text NULL REFERENCES projects (id) ON DELETE CASCADE,
    enabled         boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Threshold alerts. kind: service_level (below the target, threshold NULL: the targets table /
-- the queue's sl_target) | waiting (calls waiting >= threshold) | longest_wait (seconds >=
-- threshold) | pause_over_max (an agent paused past their reason's maximum). for_minutes: how
-- long the condition must hold before the alarm opens. queue NULL: every queue (of the project).
CREATE TABLE bulletin_alert_rules (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL UNIQUE CHECK (name <> ''),
    kind            text NOT NULL CHECK (kind IN ('service_level', 'waiting', 'longest_wait', 'pause_over_max')),
    threshold       real NULL,
    for_minutes     integer NOT NULL DEFAULT 0 CHECK (for_minutes BETWEEN 0 AND 1440),
    queue           text NULL,
    project_id      text NULL REFERENCES projects (id) ON DELETE CASCADE,
    destination_ids bigint[] NOT NULL,
    enabled         boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Each rule's conditions per subject (a queue or an agent): breached since, alarm open since.
-- An alarm is sent once when it opens and once when it clears.
CREATE TABLE bulletin_alert_state (
    rule_id   bigint NOT NULL REFERENCES bulletin_alert_rules (id) ON DELETE CASCADE,
    subject   text   NOT NULL,
    since     timestamptz NOT NULL,
    opened_at timestamptz NULL,
    value     real NULL,
    lim       real NULL,
    PRIMARY KEY (rule_id, subject)
);

-- Every message sent or tried: kind scheduled | alert_open | alert_clear | test. A scheduled
-- bulletin's (schedule, destination, slot) is unique: however many instances tick, one message.
CREATE TABLE bulletin_runs (
    id             bigserial PRIMARY KEY,
    kind           text NOT NULL CHECK (kind IN ('scheduled', 'alert_open', 'alert_clear', 'test')),
    destination_id bigint NOT NULL REFERENCES bulletin_destinations (id) ON DELETE CASCADE,
    schedule_id    bigint NULL REFERENCES bulletin_schedules (id) ON DELETE SET NULL,
    rule_id        bigint NULL REFERENCES bulletin_alert_rules (id) ON DELETE SET NULL,
    slot           timestamptz NULL,
    alert          jsonb NULL,
    status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'retrying', 'failed')),
    attempts       integer NOT NULL DEFAULT 0,
    error          text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    sent_at        timestamptz NULL,
    UNIQUE (schedule_id, destination_id, slot)
);
CREATE INDEX bulletin_runs_created ON bulletin_runs (created_at DESC);

-- +goose Down
DROP TABLE bulletin_runs;
DROP TABLE bulletin_alert_state;
DROP TABLE bulletin_alert_rules;
DROP TABLE bulletin_schedules;
DROP TABLE bulletin_destinations;
