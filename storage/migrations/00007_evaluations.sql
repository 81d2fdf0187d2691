-- +goose Up
-- QA evaluations of calls against a scorecard version (scorecards, migration 00006), the
-- agents' disputes of them, and the full history of every evaluation.
--
-- scorecard_id/scorecard_version name the form version an evaluation was scored with (and is
-- rescored with after a dispute): that version never changes. No foreign key to scorecards, so
-- this migration stands on its own; the application checks the reference.

CREATE TABLE evaluations (
    id                bigserial PRIMARY KEY,
    call_id           text        NOT NULL,
    agent_id          text        NOT NULL,
    team_id           text        NOT NULL DEFAULT '', -- the agent's team when evaluated: the lead who reviews disputes
    evaluator         text        NOT NULL,            -- username
    evaluator_user_id bigint      NULL,                -- no foreign key: evaluations outlive deleted users
    scorecard_id      text        NOT NULL,
    scorecard_version int         NOT NULL,
    answers           jsonb       NOT NULL,               -- []callfloor.Answer
    comments          jsonb       NOT NULL DEFAULT '[]', -- [{at_ms, text}], pinned to moments of the recording
    result            jsonb       NOT NULL,               -- callfloor.Result, the current one
    score_raw         numeric     NOT NULL,
    score_final       numeric     NOT NULL,
    fatal             boolean     NOT NULL,
    non_fatal_errors  int         NOT NULL,
    applicable        int         NOT NULL,
    status            text        NOT NULL DEFAULT 'submitted'
                      CHECK (status IN ('submitted', 'acknowledged', 'disputed', 'decided')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    acknowledged_at   timestamptz NULL
);
CREATE INDEX evaluations_agent_idx ON evaluations (agent_id, created_at DESC);
CREATE INDEX evaluations_team_idx ON evaluations (team_id, created_at DESC);
CREATE INDEX evaluations_created_idx ON evaluations (created_at DESC);
CREATE INDEX evaluations_call_idx ON evaluations (call_id);

-- One dispute per evaluation: raised by the agent, reviewed by their team lead, decided (for
-- good) by an operations manager.
CREATE TABLE disputes (
    id            bigserial PRIMARY KEY,
    evaluation_id bigint      NOT NULL UNIQUE REFERENCES evaluations (id),
    items         jsonb       NOT NULL, -- the disputed item ids
    reason        text        NOT NULL,
    raised_by     text        NOT NULL,
    raised_at     timestamptz NOT NULL DEFAULT now(),
    lead_review   text        NULL CHECK (lead_review IN ('forwarded', 'rejected')),
    lead_by       text        NULL,
    lead_at       timestamptz NULL,
    lead_note     text        NULL,
    decision      text        NULL CHECK (decision IN ('upheld', 'overturned', 'partly')),
    decided_by    text        NULL,
    decided_at    timestamptz NULL,
    decision_note text        NULL,
    new_answers   jsonb       NULL -- the corrected answers (overturned, partly)
);

-- Everything that happened to an evaluation, append only: a recalculation adds a line with the
-- before and after, the first line keeps the original result.
CREATE TABLE evaluation_history (
    id            bigserial PRIMARY KEY,
    evaluation_id bigint      NOT NULL REFERENCES evaluations (id),
    at            timestamptz NOT NULL DEFAULT now(),
    actor         text        NOT NULL,
    action        text        NOT NULL,
    before        jsonb       NULL,
    after         jsonb       NULL
);
CREATE INDEX evaluation_history_eval_idx ON evaluation_history (evaluation_id, id);

-- +goose StatementBegin
CREATE FUNCTION evaluation_history_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'evaluation_history is append only (% refused)', TG_OP;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER evaluation_history_append_only BEFORE UPDATE OR DELETE ON evaluation_history
    FOR EACH ROW EXECUTE FUNCTION evaluation_history_append_only();

-- +goose Down
DROP TABLE IF EXISTS evaluation_history;
DROP FUNCTION IF EXISTS evaluation_history_append_only();
DROP TABLE IF EXISTS disputes;
DROP TABLE IF EXISTS evaluations;
