-- +goose Up
-- The daily level of the production reports' rollups (storage/reports.go): the same additive
-- parts as the 15-minute rollups (migration 00017) summed per LOCAL DAY in the centre's time zone
-- (rollup_day_zone.zone), so that a report by day, ISO week, month or whole range over whole local
-- days reads ~100 times fewer rows. n is the number of 15-minute rows a daily row sums (a daily
-- row with n = 0 is deleted), max_stale marks a longest wait to recompute from the 15-minute rows.
--
-- Maintenance: whenever the history writer (or `callfloor rollups rebuild`) rewrites a 15-minute
-- bucket, the old bucket rows are subtracted from and the new ones added to their day, in the same
-- transaction, under an advisory lock per day taken after the buckets' locks (replay-safe: a
-- replayed bucket subtracts what it adds). Nothing is maintained while rollup_day_zone is empty;
-- `callfloor rollups rebuild` sets it to the configuration's time_zone and, when the zone changes,
-- recomputes every daily row from the 15-minute rollups (the reports use the daily level only for
-- that zone).
CREATE TABLE rollup_day_zone (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    zone text NOT NULL
);

CREATE TABLE rollup_calls_day (
    day                   date        NOT NULL,
    queue                 text        NOT NULL,
    agent_id              text        NOT NULL,
    direction             text        NOT NULL,
    n                     bigint      NOT NULL,
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
    max_stale             boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (day, queue, agent_id, direction)
);

CREATE TABLE rollup_states_day (
    day      date   NOT NULL,
    agent_id text   NOT NULL,
    state    text   NOT NULL,
    reason   text   NOT NULL,
    n        bigint NOT NULL,
    ms       bigint NOT NULL,
    PRIMARY KEY (day, agent_id, state, reason)
);

CREATE TABLE rollup_offers_day (
    day      date   NOT NULL,
    queue    text   NOT NULL,
    agent_id text   NOT NULL,
    n        bigint NOT NULL,
    offers   bigint NOT NULL,
    missed   bigint NOT NULL,
    PRIMARY KEY (day, queue, agent_id)
);

-- The distinct-number connect rate and the dispositions read the raw calls of a range: only the
-- outbound calls' numbers, from an index.
CREATE INDEX calls_outbound_numbers_idx ON calls (entered_at) INCLUDE (called_number, answered_at, queue, agent_id)
    WHERE direction = 'outbound' AND called_number IS NOT NULL;
-- A report's dispositions are those set since its range began (a disposition is set once its call
-- entered), joined to the range's calls.
CREATE INDEX call_dispositions_set_at_idx ON call_dispositions (set_at);
-- The writer's refresh of a bucket's rings, and a report's rings from the raw rows, read the
-- offers that STARTED in a range (offers are partitioned by month of started_at, but a month's
-- partition has no other index on it: each refresh scanned a day of calls).
CREATE INDEX offers_started_idx ON offers (started_at);

-- +goose Down
DROP INDEX IF EXISTS offers_started_idx;
DROP INDEX IF EXISTS call_dispositions_set_at_idx;
DROP INDEX IF EXISTS calls_outbound_numbers_idx;
DROP TABLE IF EXISTS rollup_offers_day;
DROP TABLE IF EXISTS rollup_states_day;
DROP TABLE IF EXISTS rollup_calls_day;
DROP TABLE IF EXISTS rollup_day_zone;
