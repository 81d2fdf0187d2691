-- +goose Up
-- The 15-minute rollups maintained by difference (storage/rollup_diff.go): the history writer
-- subtracts the parts of the raw rows a batch rewrites (read before its upserts) and adds their
-- new parts, instead of recomputing every touched bucket from all of its raw rows.
--
-- rollup_calls.n: the calls a row sums (a row whose n falls to 0 sums no call and is deleted;
-- the other columns can all be 0 for calls that still exist). rollup_calls.max_stale: the
-- bucket's longest wait belonged to a call that was rewritten with a shorter one: recomputed
-- from the raw rows in the same transaction (never true after a commit).
ALTER TABLE rollup_calls ADD COLUMN n bigint NOT NULL DEFAULT 0,
    ADD COLUMN max_stale boolean NOT NULL DEFAULT false;

-- rollup_numbers.shared: the number has another 15-minute row (the daily level's scheme, migration
-- 00022): a report counts the unshared rows as they are and takes count(DISTINCT) over the
-- shared ones only. Maintained under the advisory lock per number.
ALTER TABLE rollup_numbers ADD COLUMN shared boolean NOT NULL DEFAULT false;
CREATE INDEX rollup_numbers_number_idx ON rollup_numbers (called_number);
CREATE INDEX rollup_numbers_shared_idx ON rollup_numbers (bucket) WHERE shared;

-- Filled from the raw rows (the same attribution as storage/reports.go's callPartsSQL: the
-- answering agent, else the last agent the call rang at).
UPDATE rollup_calls r SET n = x.n
FROM (SELECT date_bin('15 minutes', c.entered_at, timestamptz '1970-01-01 00:00:00+00') AS bucket, coalesce(c.queue, '') AS queue,
             coalesce(c.agent_id, lo.agent_id, '') AS agent_id, c.direction, count(*) AS n
      FROM calls c
      LEFT JOIN LATERAL (SELECT o.agent_id FROM offers o
          WHERE c.agent_id IS NULL AND c.direction = 'inbound' AND c.queue IS NOT NULL AND c.outcome IS DISTINCT FROM 'unknown_queue'
            AND o.call_id = c.id AND o.call_entered_at = c.entered_at AND o.started_at >= c.entered_at
          ORDER BY o.seq DESC LIMIT 1) lo ON true
      GROUP BY 1, 2, 3, 4) x
WHERE r.bucket = x.bucket AND r.queue = x.queue AND r.agent_id = x.agent_id AND r.direction = x.direction;

UPDATE rollup_numbers SET shared = true
WHERE called_number IN (SELECT called_number FROM rollup_numbers GROUP BY 1 HAVING count(*) > 1);

-- +goose Down
DROP INDEX IF EXISTS rollup_numbers_shared_idx;
DROP INDEX IF EXISTS rollup_numbers_number_idx;
ALTER TABLE rollup_numbers DROP COLUMN IF EXISTS shared;
ALTER TABLE rollup_calls DROP COLUMN IF EXISTS n, DROP COLUMN IF EXISTS max_stale;
