-- +goose Up
-- The production reports' last two figures out of the raw rows (storage/reports.go): dispositions
-- and the distinct dialled / connected numbers, as rollups at both levels (15-minute UTC buckets
-- and local days of rollup_day_zone), maintained like the others: the history writer recomputes
-- every bucket a batch touched, and setting or changing a call's disposition recomputes that
-- call's bucket (storage/dispositions.go); the daily rows are kept equal to the sum of their
-- 15-minute rows by difference (n = the number of 15-minute rows summed).

-- Dispositions by the bucket the call ENTERED, its queue, agent (the answering one, '' none),
-- direction and code.
CREATE TABLE rollup_dispositions (
    bucket    timestamptz NOT NULL,
    queue     text        NOT NULL,
    agent_id  text        NOT NULL,
    direction text        NOT NULL,
    code      text        NOT NULL,
    calls     bigint      NOT NULL,
    PRIMARY KEY (bucket, queue, agent_id, direction, code)
);

CREATE TABLE rollup_dispositions_day (
    day       date   NOT NULL,
    queue     text   NOT NULL,
    agent_id  text   NOT NULL,
    direction text   NOT NULL,
    code      text   NOT NULL,
    n         bigint NOT NULL,
    calls     bigint NOT NULL,
    PRIMARY KEY (day, queue, agent_id, direction, code)
);

-- The set of numbers the outbound calls dialled, per bucket (and per local day), queue, agent and
-- direction, with how often each was dialled and connected there. A report's distinct numbers
-- are count(DISTINCT called_number) over its range's rows: exact, never a sum of counts.
CREATE TABLE rollup_numbers (
    bucket        timestamptz NOT NULL,
    queue         text        NOT NULL,
    agent_id      text        NOT NULL,
    direction     text        NOT NULL,
    called_number text        NOT NULL,
    dials         bigint      NOT NULL,
    connects      bigint      NOT NULL,
    PRIMARY KEY (bucket, queue, agent_id, direction, called_number)
);

CREATE TABLE rollup_numbers_day (
    day           date   NOT NULL,
    queue         text   NOT NULL,
    agent_id      text   NOT NULL,
    direction     text   NOT NULL,
    called_number text   NOT NULL,
    n             bigint NOT NULL,
    dials         bigint NOT NULL,
    connects      bigint NOT NULL,
    -- the number has another daily row (another day, queue, agent or direction): only such
    -- rows need count(DISTINCT); a report counts the others as they are (each is its number's
    -- only row). Maintained under an advisory lock per number (storage/reports.go).
    shared        boolean NOT NULL DEFAULT false,
    PRIMARY KEY (day, queue, agent_id, direction, called_number)
);
CREATE INDEX rollup_numbers_day_number_idx ON rollup_numbers_day (called_number);
CREATE INDEX rollup_numbers_day_shared_idx ON rollup_numbers_day (day) WHERE shared;

-- Filled from the raw rows already there (the same queries as storage/reports.go's
-- dispositionPartsSQL and numberPartsSQL), then the daily level when it is maintained; in key
-- order, as the writer adds them (a month's rows together on disk).
INSERT INTO rollup_dispositions (bucket, queue, agent_id, direction, code, calls)
SELECT date_bin('15 minutes', c.entered_at, timestamptz '1970-01-01 00:00:00+00'), coalesce(c.queue, ''), coalesce(c.agent_id, ''),
       c.direction, d.code, count(*)
FROM calls c JOIN call_dispositions d ON d.call_id = c.id
WHERE d.code IS NOT NULL
GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5;

INSERT INTO rollup_numbers (bucket, queue, agent_id, direction, called_number, dials, connects)
SELECT date_bin('15 minutes', c.entered_at, timestamptz '1970-01-01 00:00:00+00'), coalesce(c.queue, ''), coalesce(c.agent_id, ''),
       c.direction, c.called_number, count(*), count(*) FILTER (WHERE c.answered_at IS NOT NULL)
FROM calls c
WHERE c.direction = 'outbound' AND c.called_number IS NOT NULL
GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5;

INSERT INTO rollup_dispositions_day (day, queue, agent_id, direction, code, n, calls)
SELECT (o.bucket AT TIME ZONE z.zone)::date, queue, agent_id, direction, code, count(*), sum(calls)::bigint
FROM rollup_dispositions o, rollup_day_zone z
GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5;

INSERT INTO rollup_numbers_day (day, queue, agent_id, direction, called_number, n, dials, connects)
SELECT (o.bucket AT TIME ZONE z.zone)::date, queue, agent_id, direction, called_number, count(*), sum(dials)::bigint, sum(connects)::bigint
FROM rollup_numbers o, rollup_day_zone z
GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5;

UPDATE rollup_numbers_day SET shared = true
WHERE called_number IN (SELECT called_number FROM rollup_numbers_day GROUP BY 1 HAVING count(*) > 1);

-- +goose Down
DROP TABLE IF EXISTS rollup_numbers_day;
DROP TABLE IF EXISTS rollup_numbers;
DROP TABLE IF EXISTS rollup_dispositions_day;
DROP TABLE IF EXISTS rollup_dispositions;
