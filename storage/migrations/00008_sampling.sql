-- +goose Up
-- QA sampling (callfloor.DrawSample): the plans, every draw made (with what is needed to redo it:
-- seed, canonical filters, population size) and the calls each draw assigned to an evaluator.
--
-- sample_assignments' primary key is the call: no call is ever assigned twice, whatever the draw.
-- A daily team-lead draw is unique per (kind, drawn_for = the lead's username, period_from): it
-- happens once per lead per day. Whether an assignment is done is read from evaluations (an
-- evaluation of the call exists); done_at is kept for an explicit mark.

CREATE TABLE sample_plans (
    id         bigserial PRIMARY KEY,
    name       text        NOT NULL CHECK (name <> ''),
    scope      text        NOT NULL CHECK (scope IN ('agent', 'team', 'queue')),
    plan       jsonb       NOT NULL, -- callfloor.SamplePlan
    period     text        NOT NULL CHECK (period IN ('day', 'week', 'month')),
    created_by text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    active     bool        NOT NULL DEFAULT true
);

CREATE TABLE sample_draws (
    id              bigserial PRIMARY KEY,
    plan_id         bigint      NULL REFERENCES sample_plans (id),
    kind            text        NOT NULL CHECK (kind IN ('plan', 'daily_team_lead')),
    drawn_for       text        NULL, -- the team lead's username for a daily draw
    seed            bigint      NOT NULL,
    filters         text        NOT NULL,
    candidates      int         NOT NULL DEFAULT 0,
    population_size int         NOT NULL,
    quota           int         NOT NULL,
    short           int         NOT NULL,
    period_from     timestamptz NOT NULL,
    period_to       timestamptz NOT NULL,
    drawn_at        timestamptz NOT NULL DEFAULT now(),
    drawn_by        text        NOT NULL,
    UNIQUE (kind, drawn_for, period_from)
);
CREATE INDEX sample_draws_plan_idx ON sample_draws (plan_id, drawn_at DESC);

CREATE TABLE sample_assignments (
    draw_id         bigint      NOT NULL REFERENCES sample_draws (id),
    call_id         text        NOT NULL,
    call_entered_at timestamptz NOT NULL,
    evaluator       text        NOT NULL,
    assigned_at     timestamptz NOT NULL DEFAULT now(),
    done_at         timestamptz NULL,
    PRIMARY KEY (call_id)
);
CREATE INDEX sample_assignments_evaluator_idx ON sample_assignments (evaluator, call_entered_at);
CREATE INDEX sample_assignments_draw_idx ON sample_assignments (draw_id);

-- +goose Down
DROP TABLE IF EXISTS sample_assignments;
DROP TABLE IF EXISTS sample_draws;
DROP TABLE IF EXISTS sample_plans;
