-- +goose Up
-- QA calibration: several evaluators score the same call blind against one scorecard version;
-- when the session is closed their answers are compared with the reference evaluator's.
-- evaluators lists who is invited (the reference evaluator among them).

CREATE TABLE calibration_sessions (
    id                  bigserial PRIMARY KEY,
    call_id             text        NOT NULL,
    scorecard_id        text        NOT NULL,
    scorecard_version   int         NOT NULL,
    reference_evaluator text        NOT NULL,
    evaluators          text[]      NOT NULL,
    created_by          text        NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    closed_at           timestamptz NULL
);
CREATE INDEX calibration_sessions_created_idx ON calibration_sessions (created_at DESC);

CREATE TABLE calibration_scores (
    session_id   bigint      NOT NULL REFERENCES calibration_sessions (id),
    evaluator    text        NOT NULL,
    answers      jsonb       NOT NULL, -- []callfloor.Answer
    result       jsonb       NOT NULL, -- callfloor.Result
    submitted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, evaluator)
);

-- +goose Down
DROP TABLE IF EXISTS calibration_scores;
DROP TABLE IF EXISTS calibration_sessions;
