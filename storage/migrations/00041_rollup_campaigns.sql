-- +goose Up
-- The outbound report's rollups (storage/rollup_campaign.go): the campaign calls (calls with a
-- campaign_id) per 15-minute bucket they ENTERED and per local day (rollup_day_zone), campaign and
-- agent ('' none: a dropped predictive dial). Maintained by difference by the history writer as
-- the other rollups (storage/rollup_diff.go), rebuilt by `callfloor rollups rebuild`.
-- The team is the agent's team at report time (as the raw report): not a key.

-- The additive counts: dials (every call row; a row at 0 is deleted), answered (picked up:
-- connected + dropped), connected, dropped, the unanswered dials by result, talk of the connected.
CREATE TABLE rollup_campaign (
    bucket       timestamptz NOT NULL,
    campaign_id  text        NOT NULL,
    agent_id     text        NOT NULL,
    dials        bigint      NOT NULL,
    answered     bigint      NOT NULL,
    connected    bigint      NOT NULL,
    dropped      bigint      NOT NULL,
    busy         bigint      NOT NULL,
    no_answer    bigint      NOT NULL,
    unallocated  bigint      NOT NULL,
    switched_off bigint      NOT NULL,
    failed       bigint      NOT NULL,
    talk_ms      bigint      NOT NULL,
    PRIMARY KEY (bucket, campaign_id, agent_id)
);

CREATE TABLE rollup_campaign_day (
    day          date   NOT NULL,
    campaign_id  text   NOT NULL,
    agent_id     text   NOT NULL,
    n            bigint NOT NULL, -- the 15-minute rows it sums
    dials        bigint NOT NULL,
    answered     bigint NOT NULL,
    connected    bigint NOT NULL,
    dropped      bigint NOT NULL,
    busy         bigint NOT NULL,
    no_answer    bigint NOT NULL,
    unallocated  bigint NOT NULL,
    switched_off bigint NOT NULL,
    failed       bigint NOT NULL,
    talk_ms      bigint NOT NULL,
    PRIMARY KEY (day, campaign_id, agent_id)
);

-- The dispositions: the attempt's (lead_attempts), else the desk's (call_dispositions).
-- Conversions are the campaign's success codes among them, at report time.
CREATE TABLE rollup_campaign_dispositions (
    bucket      timestamptz NOT NULL,
    campaign_id text        NOT NULL,
    agent_id    text        NOT NULL,
    code        text        NOT NULL,
    calls       bigint      NOT NULL,
    PRIMARY KEY (bucket, campaign_id, agent_id, code)
);

CREATE TABLE rollup_campaign_dispositions_day (
    day         date   NOT NULL,
    campaign_id text   NOT NULL,
    agent_id    text   NOT NULL,
    code        text   NOT NULL,
    n           bigint NOT NULL,
    calls       bigint NOT NULL,
    PRIMARY KEY (day, campaign_id, agent_id, code)
);

-- The set of (number, lead) the campaign dialled per bucket/day and agent, with its dials and
-- connected calls: the distinct numbers, connected numbers and leads are counted over it
-- (called_number '' and lead_id 0: none).
CREATE TABLE rollup_campaign_leads (
    bucket        timestamptz NOT NULL,
    campaign_id   text        NOT NULL,
    agent_id      text        NOT NULL,
    called_number text        NOT NULL,
    lead_id       bigint      NOT NULL,
    dials         bigint      NOT NULL,
    connects      bigint      NOT NULL,
    PRIMARY KEY (bucket, campaign_id, agent_id, called_number, lead_id)
);

CREATE TABLE rollup_campaign_leads_day (
    day           date   NOT NULL,
    campaign_id   text   NOT NULL,
    agent_id      text   NOT NULL,
    called_number text   NOT NULL,
    lead_id       bigint NOT NULL,
    n             bigint NOT NULL,
    dials         bigint NOT NULL,
    connects      bigint NOT NULL,
    PRIMARY KEY (day, campaign_id, agent_id, called_number, lead_id)
);

-- Filled from the raw rows already there (the definitions of storage/outbound_report.go).
INSERT INTO rollup_campaign (bucket, campaign_id, agent_id, dials, answered, connected, dropped, busy, no_answer, unallocated, switched_off, failed, talk_ms)
SELECT bucket, campaign_id, agent_id, count(*), count(*) FILTER (WHERE ans), count(*) FILTER (WHERE ans AND NOT drp), count(*) FILTER (WHERE drp),
  count(*) FILTER (WHERE res = 'busy'), count(*) FILTER (WHERE res = 'no_answer'), count(*) FILTER (WHERE res = 'unallocated'),
  count(*) FILTER (WHERE res = 'switched_off'), count(*) FILTER (WHERE res = 'failed'), coalesce(sum(talk) FILTER (WHERE ans AND NOT drp), 0)::bigint
FROM (SELECT date_bin('15 minutes', c.entered_at, timestamptz '1970-01-01 00:00:00+00') AS bucket, c.campaign_id, coalesce(c.agent_id, '') AS agent_id,
        (c.answered_at IS NOT NULL OR c.outcome = 'dropped') AS ans,
        (c.outcome = 'dropped' OR (c.answered_at IS NOT NULL AND c.agent_id IS NULL)) AS drp,
        CASE WHEN c.answered_at IS NOT NULL OR c.outcome = 'dropped' THEN ''
          WHEN c.cause = 17 THEN 'busy' WHEN c.cause IN (16, 18, 19) THEN 'no_answer'
          WHEN c.cause IN (1, 22, 28) THEN 'unallocated' WHEN c.cause IN (20, 27) THEN 'switched_off'
          WHEN c.outcome IN ('busy', 'no_answer') THEN c.outcome ELSE 'failed' END AS res,
        coalesce(c.talk_ms, 0) AS talk
      FROM calls c WHERE c.campaign_id IS NOT NULL AND c.direction = 'outbound') x
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

INSERT INTO rollup_campaign_dispositions (bucket, campaign_id, agent_id, code, calls)
SELECT date_bin('15 minutes', c.entered_at, timestamptz '1970-01-01 00:00:00+00'), c.campaign_id, coalesce(c.agent_id, ''),
  coalesce(la.disposition, d.code), count(*)
FROM calls c
LEFT JOIN lead_attempts la ON la.lead_id = c.lead_id AND la.dial_id = c.id AND la.campaign_id = c.campaign_id
LEFT JOIN call_dispositions d ON d.call_id = c.id
WHERE c.campaign_id IS NOT NULL AND c.direction = 'outbound' AND coalesce(la.disposition, d.code) IS NOT NULL
GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;

INSERT INTO rollup_campaign_leads (bucket, campaign_id, agent_id, called_number, lead_id, dials, connects)
SELECT date_bin('15 minutes', c.entered_at, timestamptz '1970-01-01 00:00:00+00'), c.campaign_id, coalesce(c.agent_id, ''),
  coalesce(c.called_number, ''), coalesce(c.lead_id, 0), count(*),
  count(*) FILTER (WHERE (c.answered_at IS NOT NULL OR c.outcome = 'dropped') AND NOT (c.outcome = 'dropped' OR (c.answered_at IS NOT NULL AND c.agent_id IS NULL)))
FROM calls c WHERE c.campaign_id IS NOT NULL AND c.direction = 'outbound'
GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5;

INSERT INTO rollup_campaign_day (day, campaign_id, agent_id, n, dials, answered, connected, dropped, busy, no_answer, unallocated, switched_off, failed, talk_ms)
SELECT (o.bucket AT TIME ZONE z.zone)::date, campaign_id, agent_id, count(*), sum(dials)::bigint, sum(answered)::bigint, sum(connected)::bigint,
  sum(dropped)::bigint, sum(busy)::bigint, sum(no_answer)::bigint, sum(unallocated)::bigint, sum(switched_off)::bigint, sum(failed)::bigint, sum(talk_ms)::bigint
FROM rollup_campaign o, rollup_day_zone z GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

INSERT INTO rollup_campaign_dispositions_day (day, campaign_id, agent_id, code, n, calls)
SELECT (o.bucket AT TIME ZONE z.zone)::date, campaign_id, agent_id, code, count(*), sum(calls)::bigint
FROM rollup_campaign_dispositions o, rollup_day_zone z GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;

INSERT INTO rollup_campaign_leads_day (day, campaign_id, agent_id, called_number, lead_id, n, dials, connects)
SELECT (o.bucket AT TIME ZONE z.zone)::date, campaign_id, agent_id, called_number, lead_id, count(*), sum(dials)::bigint, sum(connects)::bigint
FROM rollup_campaign_leads o, rollup_day_zone z GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5;

-- +goose Down
DROP TABLE IF EXISTS rollup_campaign_leads_day;
DROP TABLE IF EXISTS rollup_campaign_leads;
DROP TABLE IF EXISTS rollup_campaign_dispositions_day;
DROP TABLE IF EXISTS rollup_campaign_dispositions;
DROP TABLE IF EXISTS rollup_campaign_day;
DROP TABLE IF EXISTS rollup_campaign;
