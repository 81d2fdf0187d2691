-- +goose Up
-- Rollups of the production reports (storage/reports.go): the ADDITIVE parts of every figure per
-- 15-minute UTC bucket (every real time-zone offset is a multiple of 15 minutes, so a local
-- 15/30/60-minute interval, day, ISO week or month is a sum of whole buckets). The history writer
-- recomputes every bucket a batch touched from the raw rows, in the batch's transaction, under
-- an advisory lock per bucket (so a replayed batch recomputes the same numbers, never adds them
-- twice); `callfloor rollups rebuild -from -to` recomputes a range the same way.

-- Calls by the bucket they ENTERED, queue ('' none), agent ('' none: the agent who answered, else
-- the last agent the call rang at), direction.
CREATE TABLE rollup_calls (
    bucket                timestamptz NOT NULL,
    queue                 text        NOT NULL,
    agent_id              text        NOT NULL,
    direction             text        NOT NULL,
    offered               bigint      NOT NULL,
    answered              bigint      NOT NULL,
    abandoned             bigint      NOT NULL,
    short_abandoned       bigint      NOT NULL,
    answered_within_t     bigint      NOT NULL,
    abandoned_within_t    bigint      NOT NULL,
    flowed_out            bigint      NOT NULL,
    lost                  bigint      NOT NULL,
    sum_wait_answered_ms  bigint      NOT NULL,
    sum_wait_abandoned_ms bigint      NOT NULL,
    max_wait_ms           bigint      NOT NULL,
    handled               bigint      NOT NULL,
    sum_talk_ms           bigint      NOT NULL,
    sum_hold_ms           bigint      NOT NULL,
    sum_wrap_ms           bigint      NOT NULL,
    transfers             bigint      NOT NULL,
    outbound_dials        bigint      NOT NULL,
    outbound_connects     bigint      NOT NULL,
    outbound_talk_ms      bigint      NOT NULL,
    PRIMARY KEY (bucket, queue, agent_id, direction)
);

-- Agent state time (logged out excluded) split exactly at bucket boundaries.
CREATE TABLE rollup_states (
    bucket   timestamptz NOT NULL,
    agent_id text        NOT NULL,
    state    text        NOT NULL,
    reason   text        NOT NULL,
    ms       bigint      NOT NULL,
    PRIMARY KEY (bucket, agent_id, state, reason)
);

-- Rings of agents' phones for inbound calls by the bucket the ring STARTED.
CREATE TABLE rollup_offers (
    bucket   timestamptz NOT NULL,
    queue    text        NOT NULL,
    agent_id text        NOT NULL,
    offers   bigint      NOT NULL,
    missed   bigint      NOT NULL, -- no answer or rejected at the phone
    PRIMARY KEY (bucket, queue, agent_id)
);

-- The intervals overlapping a recent bucket are found by their end.
CREATE INDEX agent_state_intervals_ended_idx ON agent_state_intervals (ended_at);

-- +goose Down
DROP INDEX IF EXISTS agent_state_intervals_ended_idx;
DROP TABLE IF EXISTS rollup_offers;
DROP TABLE IF EXISTS rollup_states;
DROP TABLE IF EXISTS rollup_calls;
