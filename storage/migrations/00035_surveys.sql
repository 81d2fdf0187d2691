-- +goose Up
-- Post-call satisfaction surveys (issue 14): one row per offered survey, written by the history
-- writer from the change stream's survey.ended (idempotent: the call id is the key). A
-- dissatisfied answer's action (ticket / qa_sample) is carried out after the row is stored
-- (storage/surveys_actions.go): action_state pending -> done (action_ref: the ticket id or the
-- sample draw id) or failed (action_error), retried while pending.
CREATE TABLE surveys (
    call_id         text        PRIMARY KEY,
    call_entered_at timestamptz NOT NULL,
    number          text        NULL, -- callfloor.CanonicalPhone of the caller's number
    queue           text        NOT NULL,
    agent_id        text        NULL,
    team_id         text        NULL, -- the agent's team at the time of the call
    language        text        NULL,
    offered_at      timestamptz NOT NULL,
    ended_at        timestamptz NOT NULL,
    q1              text        NULL, -- the key pressed
    q1_at           timestamptz NULL,
    rating          text        NULL CHECK (rating IN ('satisfied', 'neutral', 'dissatisfied')),
    q2              text        NULL,
    q2_at           timestamptz NULL,
    outcome         text        NOT NULL CHECK (outcome IN ('completed', 'partial', 'no_input', 'caller_hangup')),
    abandoned_at    smallint    NULL,
    action          text        NULL CHECK (action IN ('ticket', 'qa_sample')),
    action_state    text        NULL CHECK (action_state IN ('pending', 'done', 'failed')),
    action_ref      text        NULL,
    action_error    text        NULL,
    stored_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX surveys_entered ON surveys (call_entered_at);
CREATE INDEX surveys_agent ON surveys (agent_id, call_entered_at);
CREATE INDEX surveys_number ON surveys (number, offered_at DESC);
CREATE INDEX surveys_pending ON surveys (stored_at) WHERE action_state = 'pending';

-- QA samples drawn for a dissatisfied answer: a draw of kind 'survey' per call.
ALTER TABLE sample_draws DROP CONSTRAINT IF EXISTS sample_draws_kind_check;
ALTER TABLE sample_draws ADD CONSTRAINT sample_draws_kind_check CHECK (kind IN ('plan', 'daily_team_lead', 'scheduled', 'survey'));

-- +goose Down
ALTER TABLE sample_draws DROP CONSTRAINT IF EXISTS sample_draws_kind_check;
ALTER TABLE sample_draws ADD CONSTRAINT sample_draws_kind_check CHECK (kind IN ('plan', 'daily_team_lead', 'scheduled')) NOT VALID;
DROP TABLE IF EXISTS surveys;
